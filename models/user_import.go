package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/beego/beego/v2/client/orm"
)

// The users of imported authors: created by `inkwell import`, adopted by the
// person's first sign-in (users.FindOrCreate).

// ImportIssuer is the issuer of users `inkwell import` creates for authors it
// has not seen; issuer_id is the lower-cased email. Such a user becomes the
// Google user when that person first signs in with the same verified email
// (see AdoptImportedUser).
const ImportIssuer = "import"

// ImportAuthors maps each lower-cased email to the user who writes under it:
// a user of verifiedIssuer (whose stored emails the provider vouched for)
// with that email when there is one, otherwise the import user keyed by it.
// Emails with neither are absent. Emails and issuer ids compare byte for
// byte on both databases (VARBINARY on MySQL), exactly as the importer's
// Go map of lower-cased emails does: "josé@" is never "jose@".
func ImportAuthors(ctx context.Context, q orm.QueryExecutor, emails []string, verifiedIssuer string) (map[string]int64, error) {
	out := make(map[string]int64, len(emails))
	if len(emails) == 0 {
		return out, nil
	}
	var (
		ids     []int64
		issuers []string
		keys    []string
	)
	ph := placeholders(len(emails))
	args := append([]any{ImportIssuer}, stringArgs(emails)...)
	args = append(append(args, verifiedIssuer), stringArgs(emails)...)
	// UNION ALL rather than OR: each half is a lookup on its own index
	// (ux_users_issuer_subject, ix_users_email) whatever the planner thinks.
	_, err := q.RawWithCtx(ctx, "SELECT id, issuer, issuer_id FROM users WHERE issuer = ? AND issuer_id IN ("+ph+
		") UNION ALL SELECT id, issuer, email FROM users WHERE issuer = ? AND email IN ("+ph+")", args...).QueryRows(&ids, &issuers, &keys)
	if err != nil {
		return nil, fmt.Errorf("users: find %d import authors: %w", len(emails), err)
	}
	for i, key := range keys {
		key = strings.ToLower(key)
		if _, taken := out[key]; taken && issuers[i] == ImportIssuer {
			continue // the Google user wins over a leftover import user
		}
		out[key] = ids[i]
	}
	return out, nil
}

// ImportAuthor is an author an import creates.
type ImportAuthor struct {
	Email string // lower-cased
	Name  string
}

// InsertImportAuthors creates import users in one statement; ones another
// worker created meanwhile are left as they are (the unique issuer index).
func InsertImportAuthors(ctx context.Context, q orm.QueryExecutor, authors []ImportAuthor, now time.Time) error {
	if len(authors) == 0 {
		return nil
	}
	values := make([]string, len(authors))
	args := make([]any, 0, 6*len(authors))
	for i, a := range authors {
		values[i] = "(?, ?, ?, ?, ?, ?)"
		args = append(args, ImportIssuer, a.Email, a.Email, a.Name, dbTime(now), dbTime(now))
	}
	// MySQL has no DO NOTHING; ON DUPLICATE KEY UPDATE id = id would count
	// as an update of the other worker's row. IGNORE is safe here because
	// the importer has validated every value to fit its column, so the
	// unique key is the only error it can turn into a skip.
	stmt := "INSERT INTO users (issuer, issuer_id, email, name, created_at, updated_at) VALUES " + strings.Join(values, ", ")
	if isMySQL(q) {
		stmt = "INSERT IGNORE" + strings.TrimPrefix(stmt, "INSERT")
	} else {
		stmt += " ON CONFLICT (issuer, issuer_id) DO NOTHING"
	}
	if _, err := q.RawWithCtx(ctx, stmt, args...).Exec(); err != nil {
		return fmt.Errorf("users: create %d import authors: %w", len(authors), err)
	}
	return nil
}

// AdoptImportedUser turns the import user keyed by email into the user of
// the identity (issuer, issuerID) and reports whether there was one. It is a
// single conditional UPDATE, so of two concurrent first sign-ins exactly one
// adopts the row and the other finds it under its new issuer.
func AdoptImportedUser(ctx context.Context, q orm.QueryExecutor, email string, u *User) (bool, error) {
	now := time.Now().UTC()
	res, err := q.RawWithCtx(ctx, "UPDATE users SET issuer = ?, issuer_id = ?, email = ?, name = ?, picture = ?, updated_at = ? WHERE issuer = ? AND issuer_id = ?",
		u.Issuer, u.IssuerID, u.Email, u.Name, u.Picture, dbTime(now), ImportIssuer, strings.ToLower(email)).Exec()
	if err != nil {
		return false, fmt.Errorf("users: adopt import user %s: %w", email, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("users: adopt import user %s: %w", email, err)
	}
	return n == 1, nil
}
