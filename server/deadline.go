package server

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// Deadline gives every request's context a deadline d after it starts, so
// work waiting on a hung dependency (a database that accepts connections
// and never answers) gives up and answers 503 instead of holding the
// request and its goroutine for the driver's read timeout. d <= 0 sets
// none. WebSocket upgrades are exempt: their context lives as long as
// the socket.
func Deadline(d time.Duration, next http.Handler) http.Handler {
	if d <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isUpgrade(r) {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func isUpgrade(r *http.Request) bool {
	for _, v := range r.Header.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "upgrade") {
				return true
			}
		}
	}
	return false
}
