package server

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLifecycle_FailsReadinessBeforeStoppingTheServer(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	life := &Lifecycle{}
	ctx, signal := context.WithCancel(context.Background())
	// An hour: the delay must keep the server running; the test never waits for it.
	serveCtx := life.StopAfterDrain(ctx, log, time.Hour)
	assert.False(t, life.Draining())

	signal()
	require.Eventually(t, life.Draining, 5*time.Second, 5*time.Millisecond)
	assert.NoError(t, serveCtx.Err(), "the server must keep serving during the drain delay")
}

func TestLifecycle_WithoutDelayStopsRightAway(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	life := &Lifecycle{}
	ctx, signal := context.WithCancel(context.Background())
	serveCtx := life.StopAfterDrain(ctx, log, 0)
	signal()
	<-serveCtx.Done()
	assert.True(t, life.Draining())
}

func TestLifecycle_NilNeverDrains(t *testing.T) {
	var life *Lifecycle
	assert.False(t, life.Draining())
}
