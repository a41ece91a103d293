// Package users keeps users in step with the identity provider that
// signs them in: the first valid token of a person creates their user, later
// ones find it and refresh the profile.
package users

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
	"inkwell/auth"
	"inkwell/database"
	"inkwell/ledger"
	"inkwell/models"
)

// FindOrCreate returns the user id names, creating it on first sight and
// refreshing email, name and picture when the provider's differ. Concurrent
// first sign-ins of one person create exactly one row: the unique (issuer,
// issuer_id) index rejects the losers' inserts and they read the winner's.
// Run it outside a transaction: a transaction's snapshot could hide the
// winner's row from the re-read.
func FindOrCreate(ctx context.Context, q orm.QueryExecutor, id auth.Identity) (*models.User, error) {
	u, err := models.UserByIssuer(ctx, q, id.Issuer, id.Subject)
	switch {
	case err == nil:
		return refresh(ctx, q, u, id)
	case !errors.Is(err, models.ErrNotFound):
		return nil, fmt.Errorf("users: find user: %w", err)
	}
	u = &models.User{Issuer: id.Issuer, IssuerID: id.Subject, Email: id.Email, Name: id.Name, Picture: id.Picture}
	if id.Issuer == auth.GoogleIssuer && id.Email != "" {
		// Google vouches for the email (auth leaves it empty otherwise): a
		// person whose posts were imported before they ever signed in
		// becomes the user those posts belong to.
		adopted, err := models.AdoptImportedUser(ctx, q, id.Email, u)
		if err != nil {
			return nil, fmt.Errorf("users: adopt imported author: %w", err)
		}
		if adopted {
			if u, err = models.UserByIssuer(ctx, q, id.Issuer, id.Subject); err != nil {
				return nil, fmt.Errorf("users: read adopted user: %w", err)
			}
			// Like a new user's (below): the import may not have opened it.
			if _, err := ledger.EnsureAccount(ctx, q, u.ID); err != nil {
				return nil, fmt.Errorf("users: open wallet of adopted user %d: %w", u.ID, err)
			}
			return u, nil
		}
	}
	err = models.InsertUser(ctx, q, u)
	if err == nil {
		// Open the wallet now, outside any transaction, so points actions
		// find it and never have to open it under their locks.
		if _, err := ledger.EnsureAccount(ctx, q, u.ID); err != nil {
			return nil, fmt.Errorf("users: open wallet of new user %d: %w", u.ID, err)
		}
		return u, nil
	}
	if !models.IsDuplicate(err) {
		return nil, fmt.Errorf("users: create user: %w", err)
	}
	// Another request created this user between our read and our insert.
	u, err = models.UserByIssuer(ctx, q, id.Issuer, id.Subject)
	if err != nil {
		return nil, fmt.Errorf("users: read user created concurrently: %w", err)
	}
	return refresh(ctx, q, u, id)
}

func refresh(ctx context.Context, q orm.QueryExecutor, u *models.User, id auth.Identity) (*models.User, error) {
	if u.Email == id.Email && u.Name == id.Name && u.Picture == id.Picture {
		return u, nil
	}
	u.Email, u.Name, u.Picture = id.Email, id.Name, id.Picture
	if err := models.UpdateUserProfile(ctx, q, u); err != nil {
		return nil, fmt.Errorf("users: refresh profile: %w", err)
	}
	return u, nil
}

// Directory resolves identities to user ids in a database; it is the
// auth.UserResolver the server runs with.
type Directory struct {
	DB *database.DB
}

// ResolveUser implements auth.UserResolver.
func (d Directory) ResolveUser(ctx context.Context, id auth.Identity) (int64, error) {
	u, err := FindOrCreate(ctx, d.DB.Orm(), id)
	if err != nil {
		return 0, err
	}
	return u.ID, nil
}

// Me is the signed-in user as docs/api.md's Identity section shows it.
type Me struct {
	ID        int64     `json:"id" example:"3"`
	Email     string    `json:"email" example:"ada@example.com"`
	Name      string    `json:"name" example:"Ada"`
	Picture   string    `json:"picture" example:"https://lh3.googleusercontent.com/a/photo"`
	Points    int64     `json:"points" example:"120"`
	CreatedAt time.Time `json:"created_at"`
}

// Me returns user id with their points (the ledger balance). A user that
// no longer exists is unauthorized: the token that named it names no one.
func (d Directory) Me(ctx context.Context, id int64) (*Me, error) {
	o := d.DB.Orm()
	u, err := models.UserByID(ctx, o, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, apperror.New(apperror.CodeUnauthorized, "the signed-in user no longer exists")
	}
	if err != nil {
		return nil, fmt.Errorf("users: me: %w", err)
	}
	points, err := models.BalanceOfUser(ctx, o, u.ID)
	if err != nil {
		return nil, fmt.Errorf("users: me: %w", err)
	}
	return &Me{ID: u.ID, Email: u.Email, Name: u.Name, Picture: u.Picture, Points: points, CreatedAt: u.CreatedAt.UTC()}, nil
}
