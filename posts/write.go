package posts

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
	"inkwell/idempotency"
	"inkwell/ledger"
	"inkwell/markdown"
	"inkwell/models"
)

// Create stores a new post by author and returns it. Publishing at once
// pays the first-publication points (ledger.Pay) in the same transaction.
func (s *Service) Create(ctx context.Context, author int64, in CreateInput) (*Post, error) {
	o := s.db.Orm()
	return s.create(ctx, o, author, in, "")
}

// CreateOnce is Create for a client that may send the same create again
// (an offline outbox whose answer was lost): the first call with key makes
// the post; any later call by the same author with the same key makes
// nothing and returns that post with replayed true. An empty key is a plain
// Create. The body of a replay is not compared: the key names the intent.
func (s *Service) CreateOnce(ctx context.Context, author int64, key string, in CreateInput) (p *Post, replayed bool, err error) {
	o := s.db.Orm()
	if key == "" {
		p, err = s.Create(ctx, author, in)
		return p, false, err
	}
	if err := idempotency.CheckHeader(key); err != nil {
		return nil, false, err
	}
	if p, ok, err := s.postForCreateKey(ctx, o, author, key); err != nil || ok {
		return p, ok, err
	}
	p, err = s.create(ctx, o, author, in, key)
	if err != nil && models.IsDuplicate(err) {
		// A concurrent call with the same key won the race: its post is the one.
		if p, ok, lookupErr := s.postForCreateKey(ctx, o, author, key); lookupErr == nil && ok {
			return p, true, nil
		}
	}
	return p, false, err
}

func (s *Service) postForCreateKey(ctx context.Context, o orm.Ormer, author int64, key string) (*Post, bool, error) {
	id, ok, err := models.PostIDForCreateKey(ctx, o, author, key)
	if err != nil || !ok {
		return nil, false, err
	}
	p, err := s.Get(ctx, id, author)
	if err != nil {
		return nil, false, err
	}
	return p, true, nil
}

// create stores the post; a non-empty key is recorded in the same
// transaction, so a post and its key exist together or not at all.
func (s *Service) create(ctx context.Context, o orm.Ormer, author int64, in CreateInput, key string) (*Post, error) {
	v, err := in.validate()
	if err != nil {
		return nil, err
	}
	// A new post has no URL map yet (nothing of it is backed up).
	html, uncachedCards, err := s.renderPostBody(ctx, 0, v.body)
	if err != nil {
		return nil, fmt.Errorf("posts: create: %w", err)
	}
	now := s.now()
	p := &models.Post{AuthorID: author, Title: v.title, Slug: Slugify(v.title), BodyMarkdown: v.body, BodyHTML: html,
		Status: v.status, CreatedAt: now, UpdatedAt: now}
	if v.status == models.PostPublished {
		p.PublishedAt, p.FirstPublishedAt = &now, &now
	}
	err = models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
		if err := models.InsertPost(ctx, tx, p); err != nil {
			return err
		}
		if key != "" {
			if err := models.InsertPostCreateKey(ctx, tx, author, key, p.ID, now); err != nil {
				return err
			}
		}
		if err := models.ReplacePostTags(ctx, tx, p.ID, v.tags, p.PublishedAt); err != nil {
			return err
		}
		if p.FirstPublishedAt != nil {
			return payPublication(ctx, tx, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("posts: create for author %d: %w", author, err)
	}
	s.fetchCardsLater(p.ID, uncachedCards)
	return s.Get(ctx, p.ID, author)
}

// payPublication pays the author of p for its first publication, under the
// points economy's rules (once per post ever, within the daily cap).
func payPublication(ctx context.Context, tx orm.TxOrmer, p *models.Post) error {
	_, err := ledger.Pay(ctx, tx, ledger.Award{Reason: ledger.ReasonPublish, SubjectID: p.ID,
		ActorID: p.AuthorID, UserID: p.AuthorID, At: *p.FirstPublishedAt})
	return err
}

// renderBodyWith renders a post's markdown with opts (the URL map and
// the cards: renderPostBody, rerender.go). Markdown the renderer refuses
// (too deeply nested, too much HTML, …) is the author's to fix: 400 on
// body_markdown with the reason. A render that found no free slot, or
// whose request was cancelled, is 503.
func renderBodyWith(ctx context.Context, body string, opts markdown.RenderOptions) (string, error) {
	html, err := markdown.RenderWithOptions(ctx, body, opts)
	var refused *markdown.RefusedError
	switch {
	case err == nil:
		return html, nil
	case errors.As(err, &refused):
		return "", apperror.Validation(map[string]string{"body_markdown": refused.Reason})
	case errors.Is(err, markdown.ErrBusy):
		return "", apperror.Unavailable("the server is busy rendering other posts; try again in a few seconds", err)
	case ctx.Err() != nil:
		return "", apperror.Unavailable("the request ended before its markdown was rendered", err)
	}
	return "", err
}

// lockOwnPost loads post id for a change by caller (locking its row when q
// is a transaction): 404 when it does not exist or is someone else's
// draft, 403 when it is someone else's post.
func lockOwnPost(ctx context.Context, q orm.QueryExecutor, id, caller int64) (*models.Post, error) {
	p, err := models.PostForUpdate(ctx, q, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, apperror.NotFound("no such post")
	}
	if err != nil {
		return nil, err
	}
	if !visibleTo(p.Status, p.AuthorID, caller) {
		return nil, apperror.NotFound("no such post")
	}
	if p.AuthorID != caller {
		return nil, apperror.Forbidden("only the author may change this post")
	}
	return p, nil
}

// Update applies the fields present in in to post id, for its author only.
// The first publication pays its points in the same transaction; a post
// taken back to draft and published again keeps its first publication time
// (its place in the feed) and earns nothing more (ledger.Pay pays once per
// post ever).
func (s *Service) Update(ctx context.Context, id, caller int64, in UpdateInput) (*Post, error) {
	o := s.db.Orm()
	in, err := in.validate()
	if err != nil {
		return nil, err
	}
	// Live co-editing is for drafts: publishing a post with an open live
	// session first ends the session and publishes its last text
	// (docs/live.md, "Drafts only").
	endedRev, endedLive, err := s.endLiveSessionToPublish(ctx, id, caller, &in)
	if err != nil {
		return nil, err
	}
	return s.update(ctx, o, id, caller, in, endedLive, endedRev)
}

// endLiveSessionToPublish, for an update by the author that publishes a
// draft with an open live session, ends the session and makes its last
// text (with the update's body, if any, applied to it as an op) the body
// to publish. It reports the session's last revision and whether it ended
// one.
func (s *Service) endLiveSessionToPublish(ctx context.Context, id, caller int64, in *UpdateInput) (int64, bool, error) {
	if s.liveText == nil || in.Status == nil || *in.Status == models.PostDraft {
		return 0, false, nil
	}
	// Only the author may publish: a stranger's request must not end the
	// session (the transaction checks again under the lock).
	cur, err := models.PostWithAuthorByID(ctx, s.db.Orm(), id)
	if err != nil || cur.AuthorID != caller || cur.Status != models.PostDraft {
		return 0, false, nil //nolint:nilerr // the update itself answers a missing or foreign post
	}
	text, rev, ended, err := s.liveText.EndLiveSession(ctx, id, in.BodyMarkdown)
	if err != nil {
		return 0, false, fmt.Errorf("posts: update %d: end the live session: %w", id, err)
	}
	if ended {
		in.BodyMarkdown = &text
	}
	return rev, ended, nil
}

// resumeLive, when this update ended a live session (endedLive) but
// failed with err before publishing, lets the session take ops again.
func (s *Service) resumeLive(ctx context.Context, id int64, endedLive bool, err error) error {
	if !endedLive {
		return err
	}
	if rerr := s.liveText.ResumeLiveSession(context.WithoutCancel(ctx), id); rerr != nil {
		return errors.Join(err, fmt.Errorf("resume the live session: %w", rerr))
	}
	return err
}

func (s *Service) update(ctx context.Context, o orm.Ormer, id, caller int64, in UpdateInput, endedLive bool, endedRev int64) (*Post, error) {
	var html string
	var uncachedCards []string
	var err error
	if in.BodyMarkdown != nil {
		if html, uncachedCards, err = s.renderPostBody(ctx, id, *in.BodyMarkdown); err != nil {
			return nil, fmt.Errorf("posts: update %d: %w", id, s.resumeLive(ctx, id, endedLive, err))
		}
	}
	changed, statusChanged := false, false
	err = models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
		changed, statusChanged = false, false
		p, err := lockOwnPost(ctx, tx, id, caller)
		if err != nil {
			return err
		}
		before := *p
		if in.Title != nil {
			p.Title, p.Slug = *in.Title, Slugify(*in.Title)
		}
		if in.BodyMarkdown != nil {
			p.BodyMarkdown, p.BodyHTML = *in.BodyMarkdown, html
		}
		firstPublication := false
		if in.Status != nil && *in.Status != p.Status {
			p.Status = *in.Status
			if p.Status == models.PostPublished {
				if p.FirstPublishedAt == nil {
					now := s.now()
					p.FirstPublishedAt = &now
					firstPublication = true
				}
				p.PublishedAt = p.FirstPublishedAt
			} else {
				p.PublishedAt = nil
			}
		}
		if endedLive {
			// The published body is the session's text at endedRev: a
			// session started again later (back to draft) begins after it.
			if _, err := models.RaiseLiveRevision(ctx, tx, id, endedRev, s.now()); err != nil {
				return err
			}
		}
		var tagsChanged bool
		if in.Tags != nil {
			current, err := models.TagsByPost(ctx, tx, []int64{id})
			if err != nil {
				return err
			}
			tagsChanged = !slices.Equal(current[id], in.Tags)
		}
		fieldsChanged := p.Title != before.Title || p.BodyMarkdown != before.BodyMarkdown || p.Status != before.Status
		if !fieldsChanged && !tagsChanged {
			return nil
		}
		changed, statusChanged = true, p.Status != before.Status
		p.UpdatedAt = s.now()
		if err := models.UpdatePost(ctx, tx, p); err != nil {
			return err
		}
		switch {
		case tagsChanged:
			if err := models.ReplacePostTags(ctx, tx, id, in.Tags, p.PublishedAt); err != nil {
				return err
			}
		case p.Status != before.Status:
			if err := models.SetPostTagsPublishedAt(ctx, tx, id, p.PublishedAt); err != nil {
				return err
			}
		}
		if firstPublication {
			return payPublication(ctx, tx, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("posts: update %d by %d: %w", id, caller, s.resumeLive(ctx, id, endedLive, err))
	}
	if changed {
		if err := s.invalidate(ctx, id); err != nil {
			return nil, err
		}
		s.fetchCardsLater(id, uncachedCards)
	}
	if statusChanged {
		if err := s.visibilityChanged(ctx, id); err != nil {
			return nil, err
		}
	}
	// A live session of the post would overwrite this body at its next
	// save: the body reaches the session as an op, and the session's text
	// is saved at once (docs/live.md, "Editing the body outside the
	// session"). Checked after the commit, so a session that started from
	// the old body meanwhile gets it too.
	if in.BodyMarkdown != nil && s.liveText != nil {
		if err := s.liveText.ReplaceLiveText(ctx, id, *in.BodyMarkdown); err != nil {
			return nil, fmt.Errorf("posts: update %d: live session: %w", id, err)
		}
	}
	return s.Get(ctx, id, caller)
}

// Delete removes post id with its tags and likes, for its author only.
// Points already earned stay with the author; what keeps publishing and
// deleting from minting points without end is the daily cap (ledger.Pay).
func (s *Service) Delete(ctx context.Context, id, caller int64) error {
	o := s.db.Orm()
	err := models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
		if _, err := lockOwnPost(ctx, tx, id, caller); err != nil {
			return err
		}
		return models.DeletePost(ctx, tx, id)
	})
	if err != nil {
		return fmt.Errorf("posts: delete %d by %d: %w", id, caller, err)
	}
	if err := s.invalidate(ctx, id); err != nil {
		return err
	}
	return s.visibilityChanged(ctx, id)
}

// invalidate retires the cached copies of post id after a committed write.
// If the cache cannot be reached the change is saved but readers might see
// the old copy, so the caller hears about it (503) rather than a success.
func (s *Service) invalidate(ctx context.Context, id int64) error {
	if err := s.cache.invalidate(context.WithoutCancel(ctx), id); err != nil {
		return &apperror.Error{Code: apperror.CodeUnavailable,
			Message: "the change is saved but the post cache could not be refreshed; repeat the request", Err: err}
	}
	return nil
}
