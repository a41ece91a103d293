package previews

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"inkwell/outbound"
)

// acceptHTML is what a browser sends for a page, minus the image types.
const acceptHTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"

// challengeTitles are the titles of bot-challenge and block pages: a
// preview titled "Just a moment..." is worse than none (anytype-heart#519).
var challengeTitles = []string{
	"just a moment...", "just a moment…", "attention required! | cloudflare", "please wait... | cloudflare",
	"ddos-guard", "checking your browser before accessing", "access denied", "one more step",
}

// fetchPage fetches the normalized URL through the outbound client and
// reads what its head says. Non-200 answers, non-HTML bodies, challenge
// pages and pages without any title are failures (502), not previews.
func (s *Service) fetchPage(ctx context.Context, pageURL string) (Preview, string, error) {
	resp, err := s.client.Get(ctx, pageURL, outbound.Fetch{Accept: acceptHTML, MaxBytes: MaxHeadBytes})
	if err != nil {
		return Preview{}, "", err
	}
	defer resp.Body.Close()
	final := resp.Request.URL
	if resp.Header.Get("Cf-Mitigated") == "challenge" {
		return Preview{}, "", failure(final, resp.StatusCode, "the site answered with a bot challenge")
	}
	if resp.StatusCode != http.StatusOK {
		return Preview{}, "", failure(final, resp.StatusCode, "the site answered "+resp.Status)
	}
	contentType := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(contentType); err != nil || (mt != "text/html" && mt != "application/xhtml+xml") {
		return Preview{}, "", failure(final, resp.StatusCode, "not an HTML page")
	}
	head := parseHead(resp.Body, contentType)
	p := Preview{
		URL:         pageURL,
		FinalURL:    final.String(),
		Title:       head.first(maxTitle, "og:title", "twitter:title"),
		Description: head.first(maxDescription, "og:description", "twitter:description", "description"),
		SiteName:    head.first(maxSiteName, "og:site_name"),
	}
	if p.Title == "" {
		p.Title = clean(head.title, maxTitle)
	}
	if p.Title == "" {
		return Preview{}, "", failure(final, resp.StatusCode, "the page has no title")
	}
	for _, t := range challengeTitles {
		if strings.EqualFold(p.Title, t) || strings.EqualFold(clean(head.title, maxTitle), t) {
			return Preview{}, "", failure(final, resp.StatusCode, "the site answered with a bot challenge")
		}
	}
	if p.SiteName == "" {
		p.SiteName = strings.TrimPrefix(final.Hostname(), "www.")
	}
	image := resolveImage(final, head.base,
		head.first(MaxURLLength, "og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src"))
	return p, image, nil
}

// resolveImage makes an image reference absolute against the page's
// <base href> (itself resolved against the final URL) or the final URL;
// only http(s) images are kept.
func resolveImage(final *url.URL, base, ref string) string {
	if ref == "" {
		return ""
	}
	against := final
	if base != "" {
		if b, err := final.Parse(strings.TrimSpace(base)); err == nil {
			against = b
		}
	}
	u, err := against.Parse(strings.TrimSpace(ref))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Fragment = ""
	s := u.String()
	if len(s) > MaxURLLength {
		return ""
	}
	return s
}

// unusablePage is the cause of a page-level failure: the site answered,
// but not with something a preview can be made of.
type unusablePage struct{ reason string }

func (e *unusablePage) Error() string { return "previews: " + e.reason }

func failure(final *url.URL, status int, reason string) error {
	return &outbound.UpstreamError{Host: final.Hostname(), StatusCode: status, Err: &unusablePage{reason}}
}

// failureReason says, for the cache and the caller, why a fetch failed.
func failureReason(err error) string {
	var page *unusablePage
	if errors.As(err, &page) {
		return page.reason
	}
	var upstream *outbound.UpstreamError
	if errors.As(err, &upstream) && upstream.StatusCode != 0 {
		return "the site answered " + strconv.Itoa(upstream.StatusCode)
	}
	return "the site could not be reached"
}
