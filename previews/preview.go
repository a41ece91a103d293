// Package previews builds link previews (F13): a page's title,
// description, image and site name from its Open Graph tags, falling back
// to Twitter tags and <title>/meta description. Pages are fetched only
// through the outbound client, cached (hits for days, failures for an
// hour), and each URL is fetched by one caller at a time across replicas.
// See docs/previews.md.
package previews

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"golang.org/x/sync/singleflight"

	"inkwell/apperror"
	"inkwell/cache"
	"inkwell/outbound"
)

// Preview is the contract's object (API.md "Link previews").
type Preview struct {
	// URL is the URL asked about, normalized.
	URL string `json:"url"`
	// FinalURL is where the redirects ended.
	FinalURL    string `json:"final_url"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// Image is the local copy's URL (never the remote site's: no
	// hotlinking, no reader IPs leaked), "" without one.
	Image     string    `json:"image"`
	SiteName  string    `json:"site_name"`
	FetchedAt time.Time `json:"fetched_at"`
}

// ImageStore keeps a copy of a preview's image in the media library and
// answers the URL readers load the copy from. The media library
// implements it: fetch imageURL through the outbound client, check the
// bytes, run the upload pipeline (source 'preview'). pageURL is the page
// the image illustrates, for the library's records.
type ImageStore interface {
	StorePreviewImage(ctx context.Context, imageURL, pageURL string) (localURL string, err error)
}

// Text limits of a card, in characters.
const (
	maxTitle       = 300
	maxDescription = 1000
	maxSiteName    = 100
)

// Cache lifetimes and the cross-replica fetch lock.
const (
	HitTTL     = 7 * 24 * time.Hour
	FailureTTL = time.Hour
	// LockTTL outlives one page fetch plus one image fetch at the outbound
	// client's timeouts, so a held lock is never stolen from a live fetch.
	LockTTL = 20 * time.Second
	// lockPoll is how often a caller waiting on another replica's fetch
	// looks for its result.
	lockPoll = 50 * time.Millisecond
)

// Service answers previews. Make one per process.
type Service struct {
	client *outbound.Client
	cache  cache.Cache
	images ImageStore
	log    *slog.Logger
	now    func() time.Time
	flight singleflight.Group
}

// NewService fetches through client and caches in c. images may be nil
// until the media library is wired: previews then carry no image rather
// than a hotlinked one.
func NewService(client *outbound.Client, c cache.Cache, images ImageStore, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{client: client, cache: c, images: images, log: log, now: func() time.Time { return time.Now().UTC() }}
}

// cached is what the cache holds for a URL: a preview or a failure.
type cached struct {
	Preview *Preview `json:"preview,omitempty"`
	Failure string   `json:"failure,omitempty"`
}

// Get answers the preview of rawURL. Errors are the contract's: 400
// validation_failed on fields.url (bad URL, refused destination), 502
// upstream_failed (the site failed, now or within the last hour), 503
// unavailable with Retry-After (the host's breaker is open or it asked us
// to wait).
func (s *Service) Get(ctx context.Context, rawURL string) (Preview, error) {
	pageURL, err := Normalize(rawURL)
	if err != nil {
		return Preview{}, err
	}
	id := cacheID(pageURL)
	// A replica's own copy answers a hot preview (GetStable); the fetch
	// path below re-reads from Redis itself before fetching.
	if hit, ok := s.lookup(ctx, id, s.cache.GetStable); ok {
		return hit.answer()
	}
	ch := s.flight.DoChan(id, func() (any, error) {
		// The flight outlives any one caller that gives up.
		return s.fetchOnce(context.WithoutCancel(ctx), id, pageURL)
	})
	select {
	case <-ctx.Done():
		return Preview{}, outbound.AppError(ctx.Err(), "url")
	case r := <-ch:
		if r.Err != nil {
			return Preview{}, outbound.AppError(r.Err, "url")
		}
		return r.Val.(cached).answer()
	}
}

func (c cached) answer() (Preview, error) {
	if c.Preview != nil {
		return *c.Preview, nil
	}
	return Preview{}, apperror.UpstreamFailed("the page could not be previewed: "+c.Failure, nil)
}

// fetchOnce fetches pageURL unless another replica is already doing so,
// in which case it waits for that replica's result.
func (s *Service) fetchOnce(ctx context.Context, id, pageURL string) (cached, error) {
	lockKey := "preview:lock:" + id
	token := lockToken()
	deadline := s.now().Add(LockTTL + s.client.Policy().RequestTimeout)
	for {
		got, err := s.cache.Add(ctx, lockKey, token, LockTTL)
		if err != nil {
			// Without the cache there is no lock: fetch, rather than fail.
			s.log.Warn("previews: fetch lock unavailable", "error", err)
			return s.fetchAndStore(ctx, id, pageURL)
		}
		if got {
			return s.fetchHoldingLock(ctx, id, pageURL, lockKey)
		}
		if hit, ok := s.lookup(ctx, id, s.cache.Get); ok {
			return hit, nil
		}
		if s.now().After(deadline) {
			return cached{}, &outbound.UnavailableError{Host: pageURL, RetryAfter: time.Second,
				Reason: "another replica is still fetching this page"}
		}
		time.Sleep(lockPoll)
	}
}

// fetchHoldingLock fetches pageURL while this replica holds lockKey, and
// releases the lock when done.
func (s *Service) fetchHoldingLock(ctx context.Context, id, pageURL, lockKey string) (cached, error) {
	defer func() {
		if err := s.cache.Delete(context.WithoutCancel(ctx), lockKey); err != nil {
			s.log.Warn("previews: release fetch lock", "error", err)
		}
	}()
	// Another replica may have finished between our miss and our lock.
	if hit, ok := s.lookup(ctx, id, s.cache.Get); ok {
		return hit, nil
	}
	return s.fetchAndStore(ctx, id, pageURL)
}

// fetchAndStore fetches the page and caches the outcome: a preview for
// HitTTL, an upstream failure for FailureTTL. Refused destinations and
// open breakers are not cached: they answer from their own state.
func (s *Service) fetchAndStore(ctx context.Context, id, pageURL string) (cached, error) {
	p, image, err := s.fetchPage(ctx, pageURL)
	var upstream *outbound.UpstreamError
	switch {
	case errors.As(err, &upstream):
		s.log.Info("previews: fetch failed", "url", pageURL, "error", err)
		c := cached{Failure: failureReason(err)}
		s.store(ctx, id, c, FailureTTL)
		return c, nil
	case err != nil:
		return cached{}, err
	}
	p.Image = s.storeImage(ctx, image, p.FinalURL)
	p.FetchedAt = s.now().Truncate(time.Second)
	c := cached{Preview: &p}
	s.store(ctx, id, c, HitTTL)
	return c, nil
}

// storeImage hands the image to the media library; a preview without its
// image is still a preview.
func (s *Service) storeImage(ctx context.Context, imageURL, pageURL string) string {
	if imageURL == "" || s.images == nil {
		return ""
	}
	local, err := s.images.StorePreviewImage(ctx, imageURL, pageURL)
	if err != nil {
		s.log.Info("previews: image not stored", "image", imageURL, "error", err)
		return ""
	}
	return local
}

func (s *Service) lookup(ctx context.Context, id string, get func(context.Context, ...string) ([][]byte, error)) (cached, bool) {
	vals, err := get(ctx, cacheKeyPrefix+id)
	if err != nil {
		s.log.Warn("previews: cache read failed", "error", err)
		return cached{}, false
	}
	if len(vals) == 0 || vals[0] == nil {
		return cached{}, false
	}
	var c cached
	if err := json.Unmarshal(vals[0], &c); err != nil || (c.Preview == nil && c.Failure == "") {
		return cached{}, false
	}
	return c, true
}

func (s *Service) store(ctx context.Context, id string, c cached, ttl time.Duration) {
	b, err := json.Marshal(c)
	if err == nil {
		err = s.cache.Set(ctx, cacheKeyPrefix+id, b, ttl)
	}
	if err != nil {
		s.log.Warn("previews: cache write failed", "error", err)
	}
}

// cacheKeyPrefix versions the cached shape: a change of Preview's fields
// bumps it, and old entries simply expire.
const cacheKeyPrefix = "preview:v1:"

// CacheKey is the cache key of a normalized URL's preview or failure.
func CacheKey(normalized string) string { return cacheKeyPrefix + cacheID(normalized) }

func lockToken() []byte {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return []byte(hex.EncodeToString(b[:]))
}
