package tests

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/database/dbtest"
)

var allMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions}

// paramSegment matches a Beego path parameter (":id", ":id:int",
// ":id([0-9]+)") or wildcard ("*", "*.*").
var paramSegment = regexp.MustCompile(`^(:[A-Za-z_][A-Za-z0-9_]*(:int|:string)?(\(.*\))?|\*(\.\*)?)$`)

// concretePath turns a route pattern into a path it matches.
func concretePath(pattern string) string {
	segs := strings.Split(pattern, "/")
	for i, s := range segs {
		if paramSegment.MatchString(s) {
			segs[i] = "1"
		}
	}
	return strings.Join(segs, "/")
}

// apiRoutes lists every method and path registered under /api/v1.
func apiRoutes(app *authApp) map[string][]string {
	routes := map[string][]string{}
	for _, info := range app.Routes.Handlers.GetAllControllerInfo() {
		p := info.GetPattern()
		if p != "/api/v1" && !strings.HasPrefix(p, "/api/v1/") {
			continue
		}
		for m := range info.GetMethod() {
			methods := []string{strings.ToUpper(m)}
			if m == "*" {
				methods = allMethods
			}
			for _, method := range methods {
				if !slices.Contains(routes[p], method) {
					routes[p] = append(routes[p], method)
				}
			}
		}
	}
	return routes
}

// Every route under /api/v1, including those added after this test was
// written, answers 401 without a valid token: a route cannot forget the filter.
func TestEveryAPIRouteNeedsAToken(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthApp(t, db, google, nil)
	routes := apiRoutes(app)
	// /api/v1/me is served from the /api/v1 namespace (routers/router.go), whose routes end in "/".
	require.Contains(t, routes, "/api/v1/me/", "the walk found none of the known routes: is the router registered?")
	expired := google.Sign(t, google.Header(), with(google.Claims("1", "", ""), "exp", 1))

	checked := 0
	for pattern, methods := range routes {
		for _, method := range methods {
			path := concretePath(pattern)
			for name, authorization := range map[string]string{"no token": "", "expired token": bearer(expired), "garbage": "Bearer x.y.z"} {
				t.Run(method+" "+pattern+" "+name, func(t *testing.T) {
					before := app.probeRuns.Load()
					resp, body := app.do(t, method, path, authorization, nil)
					assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, body)
					assert.Equal(t, "Bearer", resp.Header.Get("WWW-Authenticate"))
					if method != http.MethodHead {
						assert.Contains(t, body, `"code":"unauthorized"`)
					}
					assert.Equal(t, before, app.probeRuns.Load())
				})
			}
			checked++
		}
	}
	t.Logf("checked %d method+route pairs under /api/v1", checked)
	assert.Equal(t, 0, userCount(t, db))
}

// Path spellings that reach an /api/v1 controller also pass the filter:
// Beego cleans the path the same way for both.
func TestAPIPathSpellingsCannotSkipTheFilter(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	app := newAuthApp(t, db, authtest.NewProvider(t), nil)
	for _, path := range []string{
		"/api/v1/test-probe", "/api/v1/test-probe/", "/api/v1//test-probe", "//api/v1/test-probe",
		"/api/v1/./test-probe", "/api/x/../v1/test-probe", "/api/v1/test-probe?x=1",
		"/api/v1/%74est-probe", "/api%2Fv1/test-probe", "/API/v1/test-probe", "/api/V1/test-probe",
		"/api/v1", "/api/v1/",
	} {
		t.Run(path, func(t *testing.T) {
			before := app.probeRuns.Load()
			req, err := http.NewRequest(http.MethodGet, app.URL, http.NoBody)
			require.NoError(t, err)
			req.URL.Opaque = path // sent as written, not re-cleaned by the client
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Contains(t, []int{http.StatusUnauthorized, http.StatusNotFound}, resp.StatusCode)
			assert.Equal(t, before, app.probeRuns.Load(), "the probe controller ran without a token")
		})
	}
}
