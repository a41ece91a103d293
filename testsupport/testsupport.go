// Package testsupport holds the helpers Inkwell's tests share: a
// goroutine-safe buffer for captured output, stored users, and the API
// error code of an error. It depends on no domain package, so the domain
// packages' own tests can import it (the in-process app is
// testsupport/testapp).
package testsupport

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/beego/beego/v2/client/orm"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/models"
)

// SyncBuffer is a bytes.Buffer safe for one writer goroutine (a child
// process, a logger) and a reading test at once.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Reset forgets everything written so far.
func (s *SyncBuffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

var userSeq atomic.Int64

// NewUser stores a Google-style user named name (unique per process when
// name is "") and returns its id.
func NewUser(t testing.TB, q orm.QueryExecutor, name string) int64 {
	t.Helper()
	n := userSeq.Add(1)
	if name == "" {
		name = fmt.Sprintf("user%d", n)
	}
	u := &models.User{Issuer: "https://accounts.google.com", IssuerID: fmt.Sprintf("sub-%s-%d", name, n),
		Email: name + "@example.com", Name: name, Picture: "https://example.com/" + name + ".png"}
	require.NoError(t, models.InsertUser(context.Background(), q, u))
	return u.ID
}

// Code is err's API error code: "" for nil, and a message that matches no
// code for an error that is not an *apperror.Error.
func Code(err error) string {
	if err == nil {
		return ""
	}
	if ae, ok := apperror.As(err); ok {
		return ae.Code
	}
	return "not an apperror: " + err.Error()
}
