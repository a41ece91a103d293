package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/beego/beego/v2/client/orm"
)

// User is a person, keyed by the identity provider that vouches for them
// (issuer) and their id there (issuer_id, Google's `sub`).
type User struct {
	ID        int64     `orm:"column(id);pk;auto"`
	Issuer    string    `orm:"column(issuer);size(64)"`
	IssuerID  string    `orm:"column(issuer_id);size(255)"`
	Email     string    `orm:"column(email);size(320)"`
	Name      string    `orm:"column(name);size(200)"`
	Picture   string    `orm:"column(picture);size(2048)"`
	CreatedAt time.Time `orm:"column(created_at);type(datetime)"`
	UpdatedAt time.Time `orm:"column(updated_at);type(datetime)"`
}

// TableName binds User to the users table.
func (u *User) TableName() string { return "users" }

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// UserByID loads one user.
func UserByID(ctx context.Context, q orm.QueryExecutor, id int64) (*User, error) {
	u := &User{ID: id}
	if err := q.ReadWithCtx(ctx, u); err != nil {
		if errors.Is(err, orm.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("users: load %d: %w", id, err)
	}
	return u, nil
}

// UserByIssuer loads the user an identity provider knows as issuerID.
func UserByIssuer(ctx context.Context, q orm.QueryExecutor, issuer, issuerID string) (*User, error) {
	u := &User{Issuer: issuer, IssuerID: issuerID}
	if err := q.ReadWithCtx(ctx, u, "Issuer", "IssuerID"); err != nil {
		if errors.Is(err, orm.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("users: load %s/%s: %w", issuer, issuerID, err)
	}
	return u, nil
}

// InsertUser stores a new user; the unique (issuer, issuer_id) index makes a
// concurrent duplicate fail rather than create a second row.
func InsertUser(ctx context.Context, q orm.QueryExecutor, u *User) error {
	now := time.Now().UTC()
	u.CreatedAt, u.UpdatedAt = now, now
	id, err := q.InsertWithCtx(ctx, u)
	if err != nil {
		return fmt.Errorf("users: insert %s/%s: %w", u.Issuer, u.IssuerID, err)
	}
	u.ID = id
	return nil
}

// UpdateUserProfile stores what the identity provider now says about a
// user: email, name and picture.
func UpdateUserProfile(ctx context.Context, q orm.QueryExecutor, u *User) error {
	u.UpdatedAt = time.Now().UTC()
	if _, err := q.UpdateWithCtx(ctx, u, "Email", "Name", "Picture", "UpdatedAt"); err != nil {
		return fmt.Errorf("users: update profile of %d: %w", u.ID, err)
	}
	return nil
}
