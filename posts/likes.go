package posts

import (
	"context"
	"errors"
	"fmt"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
	"inkwell/ledger"
	"inkwell/models"
)

// LikeState is the answer of PUT and DELETE /api/v1/posts/{id}/like.
type LikeState struct {
	Liked     bool  `json:"liked"`
	LikeCount int64 `json:"like_count"`
}

// Like makes user like post id; liking again changes nothing. A new like
// moves the post's like_count and may pay the author (ledger.Pay: once per
// liker and post ever, not for your own post, within the daily cap), in the
// same transaction as the like row.
func (s *Service) Like(ctx context.Context, id, user int64) (*LikeState, error) {
	o := s.db.Orm()
	return s.setLike(ctx, o, id, user, true)
}

// Unlike removes user's like of post id; unliking a post one does not like
// changes nothing. Points the like paid stay with the author: a like pays
// once ever, so like-unlike-like cannot mint more.
func (s *Service) Unlike(ctx context.Context, id, user int64) (*LikeState, error) {
	o := s.db.Orm()
	return s.setLike(ctx, o, id, user, false)
}

func (s *Service) setLike(ctx context.Context, o orm.Ormer, id, user int64, like bool) (*LikeState, error) {
	var state LikeState
	changed := false
	err := models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
		// The post's row lock (MySQL) or the write lock (SQLite) queues
		// concurrent likers of one post, so the counter never drifts.
		p, err := models.PostForUpdate(ctx, tx, id)
		if err != nil || !visibleTo(p.Status, p.AuthorID, user) {
			if err == nil || errors.Is(err, models.ErrNotFound) {
				return apperror.NotFound("no such post")
			}
			return err
		}
		delta := int64(0)
		if like {
			added, err := models.InsertPostLike(ctx, tx, user, id, s.now())
			if err != nil {
				return err
			}
			if added {
				delta = 1
			}
		} else {
			removed, err := models.DeletePostLike(ctx, tx, user, id)
			if err != nil {
				return err
			}
			if removed {
				delta = -1
			}
		}
		state = LikeState{Liked: like, LikeCount: p.LikeCount + delta}
		changed = delta != 0
		if !changed {
			return nil
		}
		if err := models.AddPostLikeCount(ctx, tx, id, delta); err != nil {
			return err
		}
		if delta < 0 {
			return nil // an unlike takes nothing back: the like paid once, ever
		}
		// Pays nothing for your own post, for a like given before, or past
		// the author's daily cap.
		_, err = ledger.Pay(ctx, tx, ledger.Award{Reason: ledger.ReasonPostLike, SubjectID: id,
			ActorID: user, UserID: p.AuthorID, At: s.now()})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("posts: user %d sets like of %d to %v: %w", user, id, like, err)
	}
	if changed {
		if err := s.invalidate(ctx, id); err != nil {
			return nil, err
		}
	}
	return &state, nil
}
