package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/database/dbtest"
	"inkwell/tests/apptest"
)

// SIGTERM closes the live sockets with 1001 (http.Server.Shutdown would
// leave hijacked connections open) and saves the edits the replica had
// not saved yet: with a save delay of an hour, only the shutdown's flush
// can have written the post the next process serves.
func TestLiveShutdown_ClosesSocketsWith1001AndSavesTheEdits(t *testing.T) {
	google := authtest.NewProvider(t)
	env := append(dbtest.Env(dbtest.Config(t, "sqlite")), google.Env()...)
	env = append(env, "LIVE_SAVE_IDLE=1h", "SHUTDOWN_TIMEOUT=10s")
	app := apptest.Start(t, env...)
	auth := "Bearer " + google.Token(t, "sub-alice", "alice@example.com", "alice")
	code, body := call(t, app.URL, http.MethodPost, "/api/v1/posts", auth, `{"title":"Live","body_markdown":"abc"}`)
	require.Equal(t, http.StatusCreated, code, body)
	var p struct{ ID int64 }
	require.NoError(t, json.Unmarshal([]byte(body), &p))
	code, body = call(t, app.URL, http.MethodPost, fmt.Sprintf("/api/v1/posts/%d/live/ticket", p.ID), auth, "")
	require.Equal(t, http.StatusCreated, code, body)
	var tk struct{ Ticket string }
	require.NoError(t, json.Unmarshal([]byte(body), &tk))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, fmt.Sprintf("ws%s/api/v1/posts/%d/live?ticket=%s", strings.TrimPrefix(app.URL, "http"), p.ID, tk.Ticket), nil)
	require.NoError(t, err)
	defer func() { _ = conn.CloseNow() }()
	require.NoError(t, conn.Write(ctx, websocket.MessageText, []byte(`{"type":"op","rev":0,"op":[3,"d"],"client_id":"c1","seq":1}`)))
	for { // the op comes back: it is applied
		_, data, err := conn.Read(ctx)
		require.NoError(t, err)
		if strings.Contains(string(data), `"type":"op"`) {
			break
		}
	}

	require.NoError(t, app.Signal(syscall.SIGTERM))
	for err == nil {
		_, _, err = conn.Read(ctx)
	}
	assert.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err), "%v", err)
	assert.Equal(t, 0, app.Stop(t), app.Logs())

	next := apptest.Start(t, env...)
	code, body = call(t, next.URL, http.MethodGet, fmt.Sprintf("/api/v1/posts/%d", p.ID), auth, "")
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, `"body_markdown":"abcd"`)
}
