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
	"inkwell/database"
	"inkwell/models"
	"inkwell/testsupport"
)

func newUsers(t testing.TB, o orm.Ormer, n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = testsupport.NewUser(t, o, fmt.Sprintf("user%d", i))
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

func newTestService(db *database.DB) *Service {
	return NewService(db, cache.NewMemory(1<<20), quietLog())
}

func ptr[T any](v T) *T { return &v }

func feedPos(micros, id int64) models.FeedPosition {
	return models.FeedPosition{PublishedAt: time.UnixMicro(micros).UTC(), ID: id}
}
