package controllers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/database/schema"
	"inkwell/routers"
	"inkwell/server"
)

// Load balancers only learn that a replica is leaving from its readiness,
// so /readyz must fail as soon as shutdown begins, before the listener closes.
func TestReadyz_FailsOnceShutdownBegins(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		life := &server.Lifecycle{}
		h := routers.New(routers.Deps{Log: log, DB: db,
			Migrations: &schema.Runner{DB: db.SQL, Dialect: db.Dialect}, Lifecycle: life}).Handler(1 << 20)

		rec, _ := send(t, h, http.MethodGet, "/readyz", "", "")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

		sigterm, deliver := context.WithCancel(context.Background())
		serving := life.StopAfterDrain(sigterm, log, time.Hour)
		deliver()
		require.Eventually(t, life.Draining, 5*time.Second, 5*time.Millisecond)

		rec, e := send(t, h, http.MethodGet, "/readyz", "", "")
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.Equal(t, "unavailable", e.Error.Code)
		assert.Contains(t, e.Error.Message, "shutting down")
		assert.NoError(t, serving.Err(), "the server itself keeps serving during the drain delay")
	})
}
