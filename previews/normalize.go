package previews

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"net/url"
	"strings"

	"golang.org/x/net/idna"

	"inkwell/apperror"
)

// MaxURLLength bounds the URL a caller may ask about.
const MaxURLLength = 2048

// Normalize returns the form of raw that is fetched and cached: lower-case
// scheme and host, the host in punycode, no default port, no fragment,
// no utm_* parameters, "/" for an empty path. Malformed URLs, schemes
// other than http(s) and URLs with credentials are 400 on fields.url.
func Normalize(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return "", invalidURL("required")
	case len(raw) > MaxURLLength:
		return "", invalidURL("must be at most 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", invalidURL("is not a valid URL")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", invalidURL("must be an http or https URL")
	}
	if u.User != nil {
		return "", invalidURL("must not contain credentials")
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return "", invalidURL("must name a host")
	}
	if _, err := netip.ParseAddr(host); err != nil {
		ascii, err := idna.Lookup.ToASCII(host)
		if err != nil {
			return "", invalidURL("has a host name that is not valid")
		}
		host = ascii
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	u.Host = host
	if port != "" {
		u.Host += ":" + port
	}
	u.Fragment, u.RawFragment = "", ""
	u.RawQuery = withoutTracking(u.RawQuery)
	u.ForceQuery = false
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

// withoutTracking drops utm_* parameters and keeps the rest in order (a
// re-encoding would sort them, and some sites care).
func withoutTracking(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	var kept []string
	for _, part := range strings.Split(rawQuery, "&") {
		key, _, _ := strings.Cut(part, "=")
		if k, err := url.QueryUnescape(key); err == nil && strings.HasPrefix(strings.ToLower(k), "utm_") {
			continue
		}
		if part != "" {
			kept = append(kept, part)
		}
	}
	return strings.Join(kept, "&")
}

// cacheID names a normalized URL in cache keys: fixed length, no
// user-controlled characters.
func cacheID(normalized string) string {
	sum := sha256.Sum256([]byte(normalized))
	return hex.EncodeToString(sum[:])
}

func invalidURL(msg string) error {
	return apperror.Validation(map[string]string{"url": msg})
}
