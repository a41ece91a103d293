package posts

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/beego/beego/v2/client/orm"
	"github.com/stretchr/testify/require"

	"inkwell/cache"
	"inkwell/models"
)

// newUser stores a user and returns its id.
func newUser(t testing.TB, o orm.Ormer, name string) int64 {
	t.Helper()
	u := &models.User{Issuer: "https://accounts.google.com", IssuerID: "sub-" + name, Email: name + "@example.com", Name: name,
		Picture: "https://example.com/" + name + ".png"}
	require.NoError(t, models.InsertUser(context.Background(), o, u))
	return u.ID
}

func newUsers(t testing.TB, o orm.Ormer, n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = newUser(t, o, fmt.Sprintf("user%d", i))
	}
	return ids
}

func points(t testing.TB, o orm.Ormer, user int64) int64 {
	t.Helper()
	b, err := models.BalanceOfUser(context.Background(), o, user)
	require.NoError(t, err)
	return b
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTestService() *Service { return NewService(cache.NewMemory(1<<20), quietLog()) }

func ptr[T any](v T) *T { return &v }

func feedPos(micros, id int64) models.FeedPosition {
	return models.FeedPosition{PublishedAt: time.UnixMicro(micros).UTC(), ID: id}
}
