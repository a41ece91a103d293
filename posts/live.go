package posts

import (
	"context"
	"errors"
	"fmt"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/models"
)

// SaveLiveText writes a live session's text at revision rev into post id's
// body (live.Saver). It goes through the same steps as an edit of
// body_markdown: the length rule, rendering and sanitizing, the cache. No
// caller is checked here: the author and the collaborators were checked
// when they submitted their ops, and the saver writes what they made
// together.
//
// Saves arrive from several replicas and out of order; in one transaction,
// with the post locked first (the order every post write takes),
// models.RaiseLiveRevision records rev only if it is above the saved one,
// and the body is written only then, so an older text never replaces a
// newer one. A post deleted meanwhile has nothing to save.
//
// Live co-editing is for drafts: a post that is no longer a draft (a
// debounced save arriving after the post was published) is left alone,
// its revision included; the publication itself wrote the session's last
// text (Update). The body's UPDATE carries the condition too.
func (s *Service) SaveLiveText(ctx context.Context, id int64, text string, rev int64) error {
	in, err := UpdateInput{BodyMarkdown: &text}.validate()
	if err != nil {
		return fmt.Errorf("posts: live save of %d at rev %d: %w", id, rev, err)
	}
	html, uncachedCards, err := s.renderPostBody(ctx, id, *in.BodyMarkdown)
	if err != nil {
		return fmt.Errorf("posts: live save of %d at rev %d: %w", id, rev, err)
	}
	changed := false
	err = models.InTx(ctx, s.db.Orm(), func(ctx context.Context, tx orm.TxOrmer) error {
		changed = false
		p, err := models.PostForUpdate(ctx, tx, id)
		if errors.Is(err, models.ErrNotFound) {
			return nil
		}
		if err != nil || p.Status != models.PostDraft {
			return err
		}
		raised, err := models.RaiseLiveRevision(ctx, tx, id, rev, s.now())
		if err != nil || !raised || p.BodyMarkdown == text {
			return err
		}
		written, err := models.SetDraftLiveBody(ctx, tx, id, text, html, s.now())
		if err != nil {
			return err
		}
		if !written { // cannot happen under the row lock; roll the revision back
			return fmt.Errorf("post %d stopped being a draft", id)
		}
		changed = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("posts: live save of %d at rev %d: %w", id, rev, err)
	}
	if changed {
		if err := s.invalidate(ctx, id); err != nil {
			return err
		}
		s.fetchCardsLater(id, uncachedCards)
	}
	return nil
}
