package previews

import (
	"context"
	"encoding/json"

	"inkwell/markdown"
)

// Cards reads previews for posts' preview cards (docs/previews.md
// "Cards"): a bare link on its own line in a post shows its page's preview.

// CachedCards answers, from the cache only (no fetch: it runs inside a
// markdown render), the cards of those urls whose preview is cached, keyed
// by the URL as given, and the urls that have neither a preview nor a
// cached failure (the ones worth fetching). URLs that do not normalize
// (not http(s), credentials, …) are neither.
func (s *Service) CachedCards(ctx context.Context, urls []string) (map[string]markdown.Card, []string) {
	cards := map[string]markdown.Card{}
	var uncached, keyed []string
	var keys []string
	for _, u := range urls {
		n, err := Normalize(u)
		if err != nil {
			continue
		}
		keyed = append(keyed, u)
		keys = append(keys, CacheKey(n))
	}
	if len(keys) == 0 {
		return cards, nil
	}
	vals, err := s.cache.GetStable(ctx, keys...)
	if err != nil {
		s.log.Warn("previews: cache read for cards failed", "error", err)
		return cards, nil // not "uncached": a broken cache is no reason to fetch
	}
	for i, u := range keyed {
		var c cached
		if i >= len(vals) || vals[i] == nil || json.Unmarshal(vals[i], &c) != nil || (c.Preview == nil && c.Failure == "") {
			uncached = append(uncached, u)
			continue
		}
		if p := c.Preview; p != nil && p.Title != "" {
			cards[u] = markdown.Card{Title: p.Title, Description: p.Description, SiteName: p.SiteName, Image: p.Image}
		}
	}
	return cards, uncached
}

// FetchCard fetches url's preview (through Get: the cache, one fetch per
// URL across replicas, the outbound client's rules) and reports whether a
// card can now be shown for it.
func (s *Service) FetchCard(ctx context.Context, url string) bool {
	p, err := s.Get(ctx, url)
	if err != nil {
		s.log.Info("previews: no card", "url", url, "error", err)
		return false
	}
	return p.Title != ""
}
