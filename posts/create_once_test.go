package posts

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/beego/beego/v2/client/orm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/idempotency"
	"inkwell/ledger"
	"inkwell/testsupport"
)

func postCount(t *testing.T, o orm.Ormer, author int64) int {
	t.Helper()
	var n int
	require.NoError(t, o.Raw("SELECT COUNT(*) FROM posts WHERE author_id = ?", author).QueryRow(&n))
	return n
}

func TestCreateOnce_SameKeyCreatesOnePost(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice := testsupport.NewUser(t, o, "alice")
		in := CreateInput{Title: "Written on the train", BodyMarkdown: "No signal.", Status: "published"}

		first, replayed, err := s.CreateOnce(ctx, alice, "0b7c2a1e-key", in)
		require.NoError(t, err)
		assert.False(t, replayed)
		again, replayed, err := s.CreateOnce(ctx, alice, "0b7c2a1e-key", in)
		require.NoError(t, err)
		assert.True(t, replayed)
		assert.Equal(t, first.ID, again.ID)
		assert.Equal(t, 1, postCount(t, o, alice))
		assert.Equal(t, ledger.Rules[ledger.ReasonPublish].Points, points(t, o, alice), "points are paid once")

		other, replayed, err := s.CreateOnce(ctx, alice, "another-key", in)
		require.NoError(t, err)
		assert.False(t, replayed)
		assert.NotEqual(t, first.ID, other.ID, "a new key is a new post")
		plain, _, err := s.CreateOnce(ctx, alice, "", in)
		require.NoError(t, err)
		assert.NotEqual(t, first.ID, plain.ID, "no key: a plain create")
		assert.Equal(t, 3, postCount(t, o, alice))
	})
}

func TestCreateOnce_KeysBelongToTheirUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice, bob := testsupport.NewUser(t, o, "alice"), testsupport.NewUser(t, o, "bob")
		in := CreateInput{Title: "Same key", BodyMarkdown: "x"}
		a, _, err := s.CreateOnce(ctx, alice, "shared-key", in)
		require.NoError(t, err)
		b, replayed, err := s.CreateOnce(ctx, bob, "shared-key", in)
		require.NoError(t, err)
		assert.False(t, replayed, "bob never receives alice's post")
		assert.NotEqual(t, a.ID, b.ID)
		assert.Equal(t, bob, b.Author.ID)
	})
}

func TestCreateOnce_ConcurrentRetriesCreateOnePost(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice := testsupport.NewUser(t, o, "alice")
		const n = 8
		ids := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, _, err := s.CreateOnce(ctx, alice, "raced-key", CreateInput{Title: "Raced", BodyMarkdown: "x", Status: "published"})
				errs[i] = err
				if p != nil {
					ids[i] = p.ID
				}
			}()
		}
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i], "attempt %d", i)
			assert.Equal(t, ids[0], ids[i], "attempt %d", i)
		}
		assert.Equal(t, 1, postCount(t, o, alice))
		assert.Equal(t, ledger.Rules[ledger.ReasonPublish].Points, points(t, o, alice))
	})
}

func TestCreateOnce_RejectsMalformedKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice := testsupport.NewUser(t, o, "alice")
		for name, key := range map[string]string{
			"too long": strings.Repeat("k", idempotency.MaxKeyLen+1),
			"space":    "two words",
			"control":  "tab\there",
			"unicode":  "clé",
		} {
			t.Run(name, func(t *testing.T) {
				_, _, err := s.CreateOnce(ctx, alice, key, CreateInput{Title: "t", BodyMarkdown: "b"})
				assert.Equal(t, apperror.CodeBadRequest, testsupport.Code(err))
			})
		}
		assert.Equal(t, 0, postCount(t, o, alice))
	})
}

// Issue 14: on MariaDB Idempotency-Keys differing only in case were one key,
// so a second, different post was answered with the first.
func TestCreateOnce_KeysDifferingOnlyInCaseAreDifferentKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice := testsupport.NewUser(t, o, "alice")
		seen := map[int64]bool{}
		for _, key := range []string{"Draft-7", "draft-7"} {
			p, replayed, err := s.CreateOnce(ctx, alice, key, CreateInput{Title: key})
			require.NoError(t, err, key)
			assert.False(t, replayed, key)
			assert.Equal(t, key, p.Title)
			seen[p.ID] = true
		}
		assert.Len(t, seen, 2)
		p, replayed, err := s.CreateOnce(ctx, alice, "draft-7", CreateInput{Title: "again"})
		require.NoError(t, err)
		assert.True(t, replayed)
		assert.Equal(t, "draft-7", p.Title)
	})
}
