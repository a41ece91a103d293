package users_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/beego/beego/v2/client/orm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/models"
	"inkwell/users"
)

func identity(sub, email, name string) auth.Identity {
	return auth.Identity{Issuer: auth.GoogleIssuer, Subject: sub, Email: email, Name: name,
		Picture: "https://example.com/" + sub + ".png", Expires: time.Now().Add(time.Hour)}
}

func countUsers(t *testing.T, db *database.DB) int {
	var n int
	require.NoError(t, db.SQL.QueryRow("SELECT COUNT(*) FROM users").Scan(&n))
	return n
}

// raceLoser is the real database, except that its first read answers "no
// such user" after another writer has created that very user: the exact
// interleaving of losing a first-sign-in race.
type raceLoser struct {
	orm.QueryExecutor
	once   sync.Once
	winner *models.User
	t      *testing.T
}

func (r *raceLoser) ReadWithCtx(ctx context.Context, md any, cols ...string) error {
	lost := false
	r.once.Do(func() {
		require.NoError(r.t, models.InsertUser(ctx, r.QueryExecutor, r.winner))
		lost = true
	})
	if lost {
		return orm.ErrNoRows
	}
	return r.QueryExecutor.ReadWithCtx(ctx, md, cols...)
}

func TestFindOrCreate_LoserOfTheInsertRaceReadsTheWinnersRow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		winner := &models.User{Issuer: auth.GoogleIssuer, IssuerID: "77", Email: "w@example.com", Name: "Winner"}
		q := &raceLoser{QueryExecutor: db.Orm(), winner: winner, t: t}

		u, err := users.FindOrCreate(context.Background(), q, identity("77", "w@example.com", "Winner Renamed"))
		require.NoError(t, err)
		assert.Equal(t, winner.ID, u.ID)
		assert.Equal(t, "Winner Renamed", u.Name, "the loser still refreshes the profile")
		assert.Equal(t, 1, countUsers(t, db))
	})
}

func TestFindOrCreate_ConcurrentCallsCreateOneUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		const n = 20
		ids := make([]int64, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				u, err := users.FindOrCreate(context.Background(), db.Orm(), identity("1001", "c@example.com", "C"))
				errs[i] = err
				if err == nil {
					ids[i] = u.ID
				}
			}()
		}
		close(start)
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i])
			assert.Equal(t, ids[0], ids[i])
		}
		assert.Equal(t, 1, countUsers(t, db))
	})
}

func TestFindOrCreate_KeepsIssuersApart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		g, err := users.FindOrCreate(ctx, db.Orm(), identity("alice", "", "Alice"))
		require.NoError(t, err)
		dev := identity("alice", "", "Alice")
		dev.Issuer = "dev"
		d, err := users.FindOrCreate(ctx, db.Orm(), dev)
		require.NoError(t, err)
		assert.NotEqual(t, g.ID, d.ID, "a dev user named like a Google sub is another person")
	})
}

func TestFindOrCreate_UnchangedProfileIsNotRewritten(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		u, err := users.FindOrCreate(ctx, db.Orm(), identity("9", "n@example.com", "N"))
		require.NoError(t, err)
		stored, err := models.UserByID(ctx, db.Orm(), u.ID)
		require.NoError(t, err)
		time.Sleep(5 * time.Millisecond) // so a rewrite would show in updated_at
		_, err = users.FindOrCreate(ctx, db.Orm(), identity("9", "n@example.com", "N"))
		require.NoError(t, err)
		after, err := models.UserByID(ctx, db.Orm(), u.ID)
		require.NoError(t, err)
		assert.True(t, stored.UpdatedAt.Equal(after.UpdatedAt), "updated_at moved without a change")

		_, err = users.FindOrCreate(ctx, db.Orm(), identity("9", "n@example.com", "N2"))
		require.NoError(t, err)
		changed, err := models.UserByID(ctx, db.Orm(), u.ID)
		require.NoError(t, err)
		assert.True(t, changed.UpdatedAt.After(stored.UpdatedAt), "a changed profile moves updated_at")
		assert.Equal(t, "N2", changed.Name)
	})
}

func TestFindOrCreate_GoogleSignInAdoptsTheImportedAuthorWithThatEmail(t *testing.T) {
	tests := []struct {
		name      string
		identity  auth.Identity
		adopts    bool
		wantUsers int
	}{
		{"verified email, other case", identity("g-1", "Ada@Example.com", "Ada L."), true, 1},
		{"no verified email", identity("g-2", "", "Ada L."), false, 2},
		{"another email", identity("g-3", "bob@example.com", "Bob"), false, 2},
		{"dev issuer", auth.Identity{Issuer: auth.DevIssuer, Subject: "ada", Email: "ada@example.com", Name: "Ada"}, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *database.DB) {
				ctx := context.Background()
				imported := &models.User{Issuer: models.ImportIssuer, IssuerID: "ada@example.com", Email: "ada@example.com", Name: "Ada"}
				require.NoError(t, models.InsertUser(ctx, db.Orm(), imported))

				u, err := users.FindOrCreate(ctx, db.Orm(), tt.identity)
				require.NoError(t, err)
				assert.Equal(t, tt.adopts, u.ID == imported.ID)
				assert.Equal(t, tt.identity.Issuer, u.Issuer)
				assert.Equal(t, tt.identity.Subject, u.IssuerID)
				assert.Equal(t, tt.wantUsers, countUsers(t, db))
				_, err = models.AccountByUser(ctx, db.Orm(), u.ID)
				assert.NoError(t, err, "the signed-in user has a wallet")

				// The next sign-in finds the same user by its Google subject.
				again, err := users.FindOrCreate(ctx, db.Orm(), tt.identity)
				require.NoError(t, err)
				assert.Equal(t, u.ID, again.ID)
				assert.Equal(t, tt.wantUsers, countUsers(t, db))
			})
		})
	}
}
