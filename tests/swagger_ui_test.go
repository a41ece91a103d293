package tests

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/websocket"

	"inkwell/database/dbtest"
)

// cdpPage drives one Chromium tab over the DevTools protocol.
type cdpPage struct {
	ws   *websocket.Conn
	next atomic.Int64
}

// headlessChromium starts Chromium for the test and returns a blank tab.
func headlessChromium(t *testing.T) *cdpPage {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if dbtest.Required() {
			t.Fatalf("CI=true but chromium is not installed (.ci/packages.txt lists it)")
		}
		t.Skip("chromium not installed (CI installs it)")
	}
	profile, err := os.MkdirTemp("", "inkwell-chromium-")
	require.NoError(t, err)
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--remote-debugging-port=0", "--remote-allow-origins=*", "--user-data-dir="+profile, "about:blank")
	// Its own process group, so its helper processes end with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		_ = os.RemoveAll(profile)
	})

	// Chromium prints "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/…".
	listening := regexp.MustCompile(`ws://127\.0\.0\.1:(\d+)/`)
	port := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				port <- m[1]
			}
		}
	}()
	var p string
	select {
	case p = <-port:
	case <-time.After(30 * time.Second):
		t.Fatal("chromium did not open its DevTools port")
	}
	resp, body := get(t, "http://127.0.0.1:"+p+"/json/list")
	require.Equal(t, 200, resp.StatusCode)
	var targets []struct{ Type, WebSocketDebuggerURL string }
	require.NoError(t, json.Unmarshal(body, &targets))
	for _, tg := range targets {
		if tg.Type == "page" {
			ws, err := websocket.Dial(tg.WebSocketDebuggerURL, "", "http://127.0.0.1/")
			require.NoError(t, err)
			t.Cleanup(func() { _ = ws.Close() })
			return &cdpPage{ws: ws}
		}
	}
	t.Fatal("chromium has no page target")
	return nil
}

// call sends one DevTools command and returns its result.
func (c *cdpPage) call(t *testing.T, method string, params any) json.RawMessage {
	t.Helper()
	id := c.next.Add(1)
	require.NoError(t, websocket.JSON.Send(c.ws, map[string]any{"id": id, "method": method, "params": params}))
	require.NoError(t, c.ws.SetReadDeadline(time.Now().Add(60*time.Second)))
	for {
		var msg struct {
			ID     int64           `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct{ Message string }
		}
		require.NoError(t, websocket.JSON.Receive(c.ws, &msg))
		if msg.ID != id {
			continue // an event
		}
		require.Nil(t, msg.Error, "%s failed", method)
		return msg.Result
	}
}

// eval runs an async JavaScript expression in the page and returns its value.
func (c *cdpPage) eval(t *testing.T, js string) any {
	t.Helper()
	res := c.call(t, "Runtime.evaluate", map[string]any{"expression": js, "awaitPromise": true, "returnByValue": true})
	var out struct {
		Result           struct{ Value any }
		ExceptionDetails *struct {
			Text      string
			Exception struct{ Description string }
		}
	}
	require.NoError(t, json.Unmarshal(res, &out))
	if out.ExceptionDetails != nil {
		t.Fatalf("javascript failed: %s %s", out.ExceptionDetails.Text, out.ExceptionDetails.Exception.Description)
	}
	return out.Result.Value
}

// TestSwaggerUI_AuthorizeSendsTheBearerToken opens /swagger/ in headless
// Chromium, pastes a token into the Authorize dialog as a person would
// (once bare, once with "Bearer "), runs "Try it out" on GET /me and reads
// the answer Swagger UI shows: 200 means the request carried
// `Authorization: Bearer <token>`, which the real auth filter accepted.
func TestSwaggerUI_AuthorizeSendsTheBearerToken(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	app, google := newPostsApp(t, db)
	token := google.Token(t, "sub-swagger", "swagger@example.com", "Swagger User")
	page := headlessChromium(t)
	page.call(t, "Runtime.enable", map[string]any{})

	for _, pasted := range []string{token, "Bearer " + token} {
		page.call(t, "Page.navigate", map[string]any{"url": app.URL + "/swagger/"})
		script := fmt.Sprintf(`(async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const find = async (sel, root) => {
    for (let i = 0; i < 150; i++) {
      const el = (root || document).querySelector(sel);
      if (el) return el;
      await sleep(100);
    }
    throw new Error("not found: " + sel);
  };
  const type = (input, value) => { // React reads the native setter's value
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(input, value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  };
  (await find(".auth-wrapper .btn.authorize")).click();
  const dialog = await find(".modal-ux");
  // persistAuthorization keeps the previous round's token: log out first.
  for (const b of dialog.querySelectorAll("button")) {
    if (/logout/i.test(b.textContent)) { b.click(); await sleep(200); }
  }
  type(await find("input", dialog), %q);
  (await find(".auth-btn-wrapper .btn.modal-btn.auth.authorize", dialog)).click();
  await sleep(200);
  (await find(".btn-done, .close-modal", document.querySelector(".modal-ux"))).click();
  const op = await find('[id^="operations-me-"]');
  (await find(".opblock-summary-control", op)).click();
  (await find(".try-out__btn", op)).click();
  (await find(".execute", op)).click();
  const status = await find(".live-responses-table .response .response-col_status", op);
  const body = await find(".live-responses-table .response .microlight, .live-responses-table .response pre", op);
  return status.textContent.trim() + " " + body.textContent;
})()`, pasted)
		got, _ := page.eval(t, script).(string)
		assert.True(t, strings.HasPrefix(got, "200 "), "pasted %.12q…: Swagger UI showed %s", pasted, got)
		assert.Contains(t, got, "swagger@example.com")
	}
}
