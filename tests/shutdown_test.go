package tests

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/tests/apptest"
)

// Issue 14 item 14, against the built binary with its defaults
// (SHUTDOWN_DRAIN_DELAY=0s): 64 clients open connections and send requests
// as fast as they can until SIGTERM is sent; every request they had
// started by then must get its whole answer (before, one in ~57 was
// reset). A client that starts no more requests after SIGTERM is what a
// load balancer does once readiness fails; connections opened later may
// be refused.
func TestServe_SIGTERMLosesNoRequestThatReachedTheServer(t *testing.T) {
	app := apptest.Start(t)
	addr := fmt.Sprintf("127.0.0.1:%d", app.Port)
	const clients = 64
	var (
		answered, refused atomic.Int64
		stopping          atomic.Bool
		mu                sync.Mutex
		lost              []string
		wg                sync.WaitGroup
		started           = make(chan struct{}, clients)
	)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				if n == 3 {
					started <- struct{}{}
				}
				if stopping.Load() {
					return
				}
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					refused.Add(1)
					return
				}
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				_, err = io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: inkwell\r\nConnection: close\r\n\r\n")
				var b []byte
				if err == nil {
					b, err = io.ReadAll(c)
				}
				c.Close()
				if err != nil || !strings.HasPrefix(string(b), "HTTP/1.1 200 OK") {
					mu.Lock()
					lost = append(lost, fmt.Sprintf("client %d request %d: %v %q", i, n, err, b))
					mu.Unlock()
					return
				}
				answered.Add(1)
			}
		}()
	}
	for range clients {
		<-started
	}
	stopping.Store(true)
	require.NoError(t, app.Signal(syscall.SIGTERM))
	wg.Wait()
	assert.Equal(t, 0, app.Stop(t))
	assert.Empty(t, lost, "requests started before SIGTERM without an answer (%d answered, %d refused)", answered.Load(), refused.Load())
	assert.Contains(t, app.Logs(), `"msg":"stopped"`)
}
