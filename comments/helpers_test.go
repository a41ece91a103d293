package comments

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/beego/beego/v2/client/orm"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/cache"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/models"
	"inkwell/posts"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// env is one database with the post and comment rules over one cache.
type env struct {
	db       *database.DB
	o        orm.Ormer
	posts    *posts.Service
	comments *Service
}

func newEnvOn(_ testing.TB, db *database.DB, c cache.Cache) *env {
	ps := posts.NewService(db, c, quietLog())
	return &env{db: db, o: db.Orm(), posts: ps, comments: NewService(db, c, ps, quietLog())}
}

func newEnv(t testing.TB, driver string) *env {
	return newEnvOn(t, dbtest.Open(t, driver, true), cache.NewMemory(64<<20))
}

// eachDriver runs fn once per available database, each on a fresh one.
func eachDriver(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, d := range dbtest.Drivers(t) {
		t.Run(d, func(t *testing.T) { fn(t, newEnv(t, d)) })
	}
}

func (e *env) user(t testing.TB, name string) int64 {
	t.Helper()
	u := &models.User{Issuer: "https://accounts.google.com", IssuerID: "sub-" + name, Email: name + "@example.com", Name: name,
		Picture: "https://example.com/" + name + ".png"}
	require.NoError(t, models.InsertUser(context.Background(), e.o, u))
	return u.ID
}

func (e *env) users(t testing.TB, n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = e.user(t, fmt.Sprintf("user%d", i))
	}
	return ids
}

func (e *env) post(t testing.TB, author int64, status string) int64 {
	t.Helper()
	p, err := e.posts.Create(context.Background(), author, posts.CreateInput{Title: "a post", BodyMarkdown: "text", Status: status})
	require.NoError(t, err)
	return p.ID
}

func (e *env) comment(t testing.TB, post, author, parent int64, body string) int64 {
	t.Helper()
	in := CreateInput{BodyMarkdown: body}
	if parent != 0 {
		in.ParentID = &parent
	}
	c, err := e.comments.Create(context.Background(), post, author, in)
	require.NoError(t, err)
	return c.ID
}

func (e *env) list(t testing.TB, post, viewer int64, req ListRequest) *Page {
	t.Helper()
	p, err := e.comments.List(context.Background(), post, viewer, req)
	require.NoError(t, err)
	return p
}

// requireCode asserts that err is an apperror carrying code.
func requireCode(t testing.TB, err error, code string) {
	t.Helper()
	require.Error(t, err)
	ae, ok := apperror.As(err)
	require.True(t, ok, "want an apperror %s, got %v", code, err)
	require.Equal(t, code, ae.Code, err.Error())
}

// requireAppError is requireCode for callers that go on to inspect the
// error (its fields); it returns the *apperror.Error found.
func requireAppError(t testing.TB, err error, code string) *apperror.Error {
	t.Helper()
	requireCode(t, err, code)
	ae, _ := apperror.As(err)
	return ae
}

func ids(cs []Comment) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func (e *env) postCommentCount(t testing.TB, post int64) int64 {
	t.Helper()
	p, err := models.PostForUpdate(context.Background(), e.o, post)
	require.NoError(t, err)
	return p.CommentCount
}
