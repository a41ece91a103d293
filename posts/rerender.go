package posts

import (
	"context"
	"errors"
	"fmt"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/markdown"
	"inkwell/models"
)

// URLMapSource gives the address swaps a post's rendering applies: an
// external image or video the post shows → the library copy's address
// (media backup, backup/). The author's markdown keeps the original
// addresses; only body_html shows the copies.
type URLMapSource interface {
	URLMap(ctx context.Context, postID int64) (map[string]string, error)
}

// SetURLMaps makes every later render of an existing post (edits, live
// saves, Rerender) apply src's map. Set once at start, before serving.
func (s *Service) SetURLMaps(src URLMapSource) { s.urlMaps = src }

// renderPostBody renders body as post id's HTML (id 0: a post not stored
// yet), with the post's URL map when one is set and its bare links as the
// cached preview cards when link cards are on (cards.go). It also answers
// the bare links with nothing cached, for fetchCardsLater.
func (s *Service) renderPostBody(ctx context.Context, id int64, body string) (string, []string, error) {
	var opts markdown.RenderOptions
	if s.urlMaps != nil && id != 0 {
		m, err := s.urlMaps.URLMap(ctx, id)
		if err != nil {
			return "", nil, fmt.Errorf("posts: url map of %d: %w", id, err)
		}
		opts.URLMap = m
	}
	var cards *cardRecorder
	if s.cards != nil {
		cards = &cardRecorder{src: s.cards.src}
		opts.Cards = cards
	}
	html, err := renderBodyWith(ctx, body, opts)
	if err != nil || cards == nil {
		return html, nil, err
	}
	return html, cards.uncached, nil
}

// AuthorPost loads post id for an action only its author may take: 404
// when it does not exist or is someone else's draft, 403 when it is
// someone else's published post (as an edit would answer).
func (s *Service) AuthorPost(ctx context.Context, id, caller int64) (*models.Post, error) {
	return lockOwnPost(ctx, s.db.Orm(), id, caller)
}

// Rerender renders post id's markdown again with its current URL map and
// stores the HTML if it changed, without touching updated_at (no word the
// author wrote changed), then retires the post's cache token so the API,
// public pages and feeds show the new HTML. A post edited meanwhile is
// left alone: the edit rendered with the map itself.
func (s *Service) Rerender(ctx context.Context, id int64) error {
	o := s.db.Orm()
	before, err := models.PostForUpdate(ctx, o, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	html, _, err := s.renderPostBody(ctx, id, before.BodyMarkdown)
	if err != nil {
		return fmt.Errorf("posts: rerender %d: %w", id, err)
	}
	if html == before.BodyHTML {
		return nil
	}
	changed := false
	err = models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
		changed = false
		p, err := models.PostForUpdate(ctx, tx, id)
		if errors.Is(err, models.ErrNotFound) {
			return nil
		}
		if err != nil || p.BodyMarkdown != before.BodyMarkdown {
			return err
		}
		changed = true
		return models.SetPostBodyHTML(ctx, tx, id, html)
	})
	if err != nil {
		return fmt.Errorf("posts: rerender %d: %w", id, err)
	}
	if changed {
		return s.invalidate(ctx, id)
	}
	return nil
}

// UpdateMarkdown replaces post id's markdown for its author through the
// normal update path (validation, rendering with the URL map, updated_at,
// the cache): media backup's "apply to source".
func (s *Service) UpdateMarkdown(ctx context.Context, id, caller int64, body string) (*Post, error) {
	return s.Update(ctx, id, caller, UpdateInput{BodyMarkdown: &body})
}
