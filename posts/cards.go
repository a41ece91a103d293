package posts

import (
	"context"
	"sync"
	"time"

	"inkwell/markdown"
)

// Link preview cards in posts (issue 18, F13; docs/previews.md "Cards").
// A bare link on its own line renders as a card from the previews already
// cached; no page is fetched while a post is saved. After the save, the
// previews of its uncached bare links are fetched in the background
// (bounded), and when any arrives the post is rendered again (Rerender,
// rerender.go: body_html only, updated_at untouched, the cache token
// retired; an edit made meanwhile wins), so the API, the public page and
// the feeds show the card.

// LinkCards is what posts need of link previews; *previews.Service is one.
type LinkCards interface {
	// CachedCards answers the cached cards of urls, and the urls with
	// neither a cached preview nor a cached failure.
	CachedCards(ctx context.Context, urls []string) (map[string]markdown.Card, []string)
	// FetchCard fetches url's preview and reports whether it makes a card.
	FetchCard(ctx context.Context, url string) bool
}

// Bounds of the background card fetches.
const (
	// CardJobs is how many posts may have their previews fetched at once
	// per replica; a save beyond that fetches nothing (its links stay
	// links until the next save). Each job fetches at most
	// markdown.MaxCards pages, one after the other.
	CardJobs = 4
	// cardJobBudget bounds one post's job: markdown.MaxCards fetches at
	// the outbound client's 6 s each, plus their images, plus the render.
	cardJobBudget = 2 * time.Minute
)

// linkCards is the posts service's side of cards.
type linkCards struct {
	src  LinkCards
	jobs chan struct{}
	wg   sync.WaitGroup
}

// UseLinkCards renders bare links as cards from lc and fetches missing
// previews after saves. Call it once, before serving.
func (s *Service) UseLinkCards(lc LinkCards) {
	s.cards = &linkCards{src: lc, jobs: make(chan struct{}, CardJobs)}
}

// WaitForCards waits until no background card fetch is running (tests,
// shutdown).
func (s *Service) WaitForCards() {
	if s.cards != nil {
		s.cards.wg.Wait()
	}
}

// cardRecorder is the markdown renderer's CardSource for one render: the
// cached cards, remembering which links had nothing cached.
type cardRecorder struct {
	src      LinkCards
	uncached []string
}

func (r *cardRecorder) Cards(ctx context.Context, urls []string) map[string]markdown.Card {
	cards, uncached := r.src.CachedCards(ctx, urls)
	r.uncached = uncached
	return cards
}

// fetchCardsLater fetches the previews of post id's uncached bare links in
// the background, then renders the post again if any made a card. Call it
// after the save committed.
func (s *Service) fetchCardsLater(id int64, urls []string) {
	if s.cards == nil || len(urls) == 0 {
		return
	}
	select {
	case s.cards.jobs <- struct{}{}:
	default:
		s.log.Info("posts: card fetches busy; links stay links until the next save", "post", id)
		return
	}
	s.cards.wg.Add(1)
	go func() {
		defer s.cards.wg.Done()
		defer func() { <-s.cards.jobs }()
		ctx, cancel := context.WithTimeout(context.Background(), cardJobBudget)
		defer cancel()
		fetched := false
		for _, u := range urls[:min(len(urls), markdown.MaxCards)] {
			if s.cards.src.FetchCard(ctx, u) {
				fetched = true
			}
		}
		if !fetched {
			return
		}
		if err := s.Rerender(ctx, id); err != nil {
			s.log.Warn("posts: render after card fetch", "post", id, "error", err)
		}
	}()
}
