package comments

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
	"inkwell/markdown"
	"inkwell/models"
)

// Limits of API.md.
const (
	MaxBodyChars         = 10_000
	MaxReasonChars       = 500
	MaxIdempotencyKeyLen = 100
	// MaxCommentDepth is the deepest a comment is stored: a reply to a
	// comment at this depth becomes a sibling of it (same parent, same
	// depth), so its parent_id differs from the one sent.
	MaxCommentDepth = 10
)

// CreateInput is the body of POST /api/v1/posts/{id}/comments.
type CreateInput struct {
	BodyMarkdown string `json:"body_markdown"`
	ParentID     *int64 `json:"parent_id"`
}

// EditInput is the body of PATCH /api/v1/comments/{id}.
type EditInput struct {
	BodyMarkdown string `json:"body_markdown"`
}

// VoteInput is the body of PUT /api/v1/comments/{id}/vote.
type VoteInput struct {
	Value int `json:"value" enums:"-1,0,1"`
}

// ReportInput is the body of POST /api/v1/comments/{id}/reports.
type ReportInput struct {
	Reason string `json:"reason"`
}

func validateBody(body string) (string, error) {
	switch n := utf8.RuneCountInString(body); {
	case strings.TrimSpace(body) == "":
		return "", apperror.Validation(map[string]string{"body_markdown": "required"})
	case n > MaxBodyChars:
		return "", apperror.Validation(map[string]string{"body_markdown": fmt.Sprintf("must be at most %d characters", MaxBodyChars)})
	}
	html, err := markdown.Render(body)
	if err != nil {
		return "", fmt.Errorf("comments: render body: %w", err)
	}
	return html, nil
}

func validateIdempotencyKey(key string) error {
	ok := len(key) <= MaxIdempotencyKeyLen
	for i := 0; ok && i < len(key); i++ {
		ok = key[i] > ' ' && key[i] < 0x7f
	}
	if !ok {
		return apperror.New(apperror.CodeBadRequest,
			fmt.Sprintf("the Idempotency-Key header must be 1-%d visible ASCII characters", MaxIdempotencyKeyLen))
	}
	return nil
}

// Create stores author's comment on post and returns it. A post author
// cannot see is not found; a parent that is not a visible comment of the
// same post is a validation error on parent_id.
func (s *Service) Create(ctx context.Context, post, author int64, in CreateInput) (*Comment, error) {
	o := s.db.Orm()
	return s.create(ctx, o, post, author, in, "")
}

// CreateOnce is Create for a client that may send the same create again
// (the PWA's offline outbox): the first call with key makes the comment;
// any later call by the same author with the same key makes nothing and
// returns that comment with replayed true, also under concurrency. An
// empty key is a plain Create.
func (s *Service) CreateOnce(ctx context.Context, post, author int64, key string, in CreateInput) (c *Comment, replayed bool, err error) {
	o := s.db.Orm()
	if key == "" {
		c, err = s.Create(ctx, post, author, in)
		return c, false, err
	}
	if err := validateIdempotencyKey(key); err != nil {
		return nil, false, err
	}
	if c, ok, err := s.commentForCreateKey(ctx, o, author, key); err != nil || ok {
		return c, ok, err
	}
	c, err = s.create(ctx, o, post, author, in, key)
	if err != nil && models.IsDuplicate(err) {
		// A concurrent call with the same key won the race: its comment is the one.
		if c, ok, lookupErr := s.commentForCreateKey(ctx, o, author, key); lookupErr == nil && ok {
			return c, true, nil
		}
	}
	return c, false, err
}

func (s *Service) commentForCreateKey(ctx context.Context, o orm.Ormer, author int64, key string) (*Comment, bool, error) {
	id, ok, err := models.CommentIDForCreateKey(ctx, o, author, key)
	if err != nil || !ok {
		return nil, false, err
	}
	c, err := s.one(ctx, o, id, author)
	if err != nil {
		return nil, false, err
	}
	return c, true, nil
}

// lockVisiblePost locks post (its comment_count row) for a change by
// caller: not found when it does not exist or caller may not see it.
func lockVisiblePost(ctx context.Context, tx orm.TxOrmer, post, caller int64) (*models.Post, error) {
	p, err := models.PostForUpdate(ctx, tx, post)
	if errors.Is(err, models.ErrNotFound) || (err == nil && !visibleTo(p.Status, p.AuthorID, caller)) {
		return nil, apperror.NotFound("no such post")
	}
	return p, err
}

func (s *Service) create(ctx context.Context, o orm.Ormer, post, author int64, in CreateInput, key string) (*Comment, error) {
	html, err := validateBody(in.BodyMarkdown)
	if err != nil {
		return nil, err
	}
	now := s.now()
	c := &models.Comment{PostID: post, AuthorID: author, BodyMarkdown: in.BodyMarkdown, BodyHTML: html,
		Status: models.CommentVisible, CreatedAt: now}
	// Lock order: the post, then comments (parents have smaller ids), then
	// the ledger's accounts. Every structural change (create, delete) locks
	// the post first, so the parent's status read under it is current.
	err = models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
		if _, err := lockVisiblePost(ctx, tx, post, author); err != nil {
			return err
		}
		c.ParentID, c.Path, c.Depth = 0, "", 0
		if in.ParentID != nil {
			parent, err := models.CommentByID(ctx, tx, *in.ParentID)
			if errors.Is(err, models.ErrNotFound) || (err == nil && (parent.PostID != post || parent.Status != models.CommentVisible)) {
				return apperror.Validation(map[string]string{"parent_id": "must be a visible comment on this post"})
			}
			if err != nil {
				return err
			}
			if parent.Depth >= MaxCommentDepth {
				// Too deep: become the parent's sibling.
				c.ParentID, c.Path, c.Depth = parent.ParentID, parent.Path, parent.Depth
			} else {
				c.ParentID, c.Depth = parent.ID, parent.Depth+1
				c.Path = string(binary.BigEndian.AppendUint64([]byte(parent.Path), uint64(parent.ID)))
			}
		}
		if err := models.InsertComment(ctx, tx, c); err != nil {
			return err
		}
		if key != "" {
			if err := models.InsertCommentCreateKey(ctx, tx, author, key, c.ID, now); err != nil {
				return err
			}
		}
		if c.ParentID != 0 {
			if err := models.AddCommentReplyCount(ctx, tx, c.ParentID, 1); err != nil {
				return err
			}
		}
		return models.AddPostCommentCount(ctx, tx, post, 1)
	})
	if err != nil {
		return nil, fmt.Errorf("comments: create on post %d by %d: %w", post, author, err)
	}
	if err := s.afterStructuralWrite(ctx, post); err != nil {
		return nil, err
	}
	return s.one(ctx, o, c.ID, author)
}

// afterStructuralWrite retires the post's cached comments and its cached
// copy (comment_count changed).
func (s *Service) afterStructuralWrite(ctx context.Context, post int64) error {
	if err := s.InvalidatePost(ctx, post); err != nil {
		return err
	}
	if err := s.posts.InvalidatePosts(context.WithoutCancel(ctx), []int64{post}); err != nil {
		if _, ok := apperror.As(err); ok {
			return err
		}
		return &apperror.Error{Code: apperror.CodeUnavailable,
			Message: "the change is saved but the post cache could not be refreshed; repeat the request", Err: err}
	}
	return nil
}

// one returns comment id as viewer sees it, without replies (a tombstone
// included), or not found.
func (s *Service) one(ctx context.Context, o orm.Ormer, id, viewer int64) (*Comment, error) {
	rows, err := models.CommentsWithAuthors(ctx, o, []int64{id})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, apperror.NotFound("no such comment")
	}
	reactions, err := models.CommentReactions(ctx, o, viewer, []int64{id})
	if err != nil {
		return nil, err
	}
	c := fromRow(&rows[0], Comment{ID: id, Replies: []Comment{}})
	c.MyVote, c.LikedByMe = reactions[id].Vote, reactions[id].Liked
	return &c, nil
}

// lockComment loads comment id for a change by caller, locking its row
// (after reading its post's visibility without a lock). Not found when the
// comment or its post is not there for caller, or when visibleOnly and the
// comment is deleted or removed.
func lockComment(ctx context.Context, tx orm.TxOrmer, id, caller int64, visibleOnly bool) (*models.Comment, *models.Post, error) {
	c, err := models.CommentForUpdate(ctx, tx, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, apperror.NotFound("no such comment")
	}
	if err != nil {
		return nil, nil, err
	}
	p, err := models.PostWithAuthorByID(ctx, tx, c.PostID)
	if errors.Is(err, models.ErrNotFound) || (err == nil && !visibleTo(p.Status, p.AuthorID, caller)) {
		return nil, nil, apperror.NotFound("no such comment")
	}
	if err != nil {
		return nil, nil, err
	}
	if visibleOnly && c.Status != models.CommentVisible {
		return nil, nil, apperror.NotFound("no such comment")
	}
	return c, &p.Post, nil
}

// Edit replaces the body of comment id, for its author only (403 for
// anyone else). The replaced body is kept as a revision and edited_at is
// set; an edit that changes nothing changes nothing.
func (s *Service) Edit(ctx context.Context, id, caller int64, in EditInput) (*Comment, error) {
	o := s.db.Orm()
	html, err := validateBody(in.BodyMarkdown)
	if err != nil {
		return nil, err
	}
	var post int64
	changed := false
	err = models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
		c, _, err := lockComment(ctx, tx, id, caller, true)
		if err != nil {
			return err
		}
		post = c.PostID
		if c.AuthorID != caller {
			return apperror.Forbidden("only the author may edit this comment")
		}
		if changed = c.BodyMarkdown != in.BodyMarkdown; !changed {
			return nil
		}
		now := s.now()
		if err := models.InsertCommentRevision(ctx, tx, id, c.BodyMarkdown, now); err != nil {
			return err
		}
		return models.UpdateCommentBody(ctx, tx, id, in.BodyMarkdown, html, now)
	})
	if err != nil {
		return nil, fmt.Errorf("comments: edit %d by %d: %w", id, caller, err)
	}
	if changed {
		if err := s.InvalidatePost(ctx, post); err != nil {
			return nil, err
		}
	}
	return s.one(ctx, o, id, caller)
}

// Delete takes comment id out of the thread: its author deletes it
// (status deleted); the post's author or a moderator or admin removes it
// (removed); anyone else is forbidden. It stays as a tombstone while it has
// visible replies and leaves every listing otherwise. Deleting a comment
// that is already deleted or removed changes nothing.
func (s *Service) Delete(ctx context.Context, id, caller int64) error {
	o := s.db.Orm()
	c, err := models.CommentByID(ctx, o, id)
	if errors.Is(err, models.ErrNotFound) {
		return apperror.NotFound("no such comment")
	}
	if err != nil {
		return err
	}
	role, err := models.UserRole(ctx, o, caller)
	if err != nil {
		return err
	}
	changed := false
	err = models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
		changed = false
		p, err := models.PostForUpdate(ctx, tx, c.PostID)
		if errors.Is(err, models.ErrNotFound) || (err == nil && !visibleTo(p.Status, p.AuthorID, caller)) {
			return apperror.NotFound("no such comment")
		}
		if err != nil {
			return err
		}
		cur, err := models.CommentForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		var status string
		switch {
		case cur.AuthorID == caller:
			status = models.CommentDeleted
		case p.AuthorID == caller || role == models.RoleModerator || role == models.RoleAdmin:
			status = models.CommentRemoved
		default:
			return apperror.Forbidden("only the comment's author, the post's author or a moderator may delete this comment")
		}
		if cur.Status != models.CommentVisible {
			return nil
		}
		changed = true
		if err := models.SetCommentStatus(ctx, tx, id, status); err != nil {
			return err
		}
		if cur.ParentID != 0 {
			if err := models.AddCommentReplyCount(ctx, tx, cur.ParentID, -1); err != nil {
				return err
			}
		}
		return models.AddPostCommentCount(ctx, tx, cur.PostID, -1)
	})
	if err != nil {
		return fmt.Errorf("comments: delete %d by %d: %w", id, caller, err)
	}
	if changed {
		return s.afterStructuralWrite(ctx, c.PostID)
	}
	return nil
}

// Vote sets caller's vote on comment id to value (1, -1, or 0 to take it
// back); repeating a vote changes nothing. The counters move in the same
// transaction as the vote row, under the comment's row lock, so they
// always equal the rows.
func (s *Service) Vote(ctx context.Context, id, caller int64, in VoteInput) (*VoteState, error) {
	o := s.db.Orm()
	if in.Value < -1 || in.Value > 1 {
		return nil, apperror.Validation(map[string]string{"value": "must be 1, -1 or 0"})
	}
	var (
		state   VoteState
		post    int64
		changed bool
	)
	err := models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
		c, _, err := lockComment(ctx, tx, id, caller, true)
		if err != nil {
			return err
		}
		post = c.PostID
		old, err := models.CommentVote(ctx, tx, id, caller)
		if err != nil {
			return err
		}
		state = VoteState{UpCount: c.UpCount, DownCount: c.DownCount, MyVote: in.Value}
		if changed = old != in.Value; !changed {
			return nil
		}
		if err := models.SetCommentVote(ctx, tx, id, caller, in.Value, s.now()); err != nil {
			return err
		}
		var up, down int64
		for v, sign := range map[int]int64{old: -1, in.Value: 1} {
			switch v {
			case 1:
				up += sign
			case -1:
				down += sign
			}
		}
		state.UpCount, state.DownCount = c.UpCount+up, c.DownCount+down
		return models.AddCommentVoteCounts(ctx, tx, id, up, down)
	})
	if err != nil {
		return nil, fmt.Errorf("comments: user %d votes %d on %d: %w", caller, in.Value, id, err)
	}
	if changed {
		if err := s.InvalidatePost(ctx, post); err != nil {
			return nil, err
		}
	}
	return &state, nil
}

// Like makes caller like comment id; liking again changes nothing. The
// first like a user ever gives a comment pays its author PointsPerLike
// through the LikePayer in the same transaction (a like of one's own
// comment pays nothing); unliking and liking again pays nothing more.
func (s *Service) Like(ctx context.Context, id, caller int64) (*LikeState, error) {
	o := s.db.Orm()
	return s.setLike(ctx, o, id, caller, true)
}

// Unlike takes caller's like of comment id back (the point paid stays:
// likes pay once per liker and comment, ever).
func (s *Service) Unlike(ctx context.Context, id, caller int64) (*LikeState, error) {
	o := s.db.Orm()
	return s.setLike(ctx, o, id, caller, false)
}

func (s *Service) setLike(ctx context.Context, o orm.Ormer, id, caller int64, like bool) (*LikeState, error) {
	var (
		state   LikeState
		post    int64
		changed bool
	)
	err := models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
		// Unliking a tombstone is allowed (it takes a like back); liking one is not.
		c, _, err := lockComment(ctx, tx, id, caller, like)
		if err != nil {
			return err
		}
		post = c.PostID
		ever, now, err := models.CommentLike(ctx, tx, id, caller)
		if err != nil {
			return err
		}
		state = LikeState{Liked: like, LikeCount: c.LikeCount}
		if changed = now != like; !changed {
			return nil
		}
		delta := int64(1)
		if !like {
			delta = -1
		}
		state.LikeCount += delta
		if ever {
			if err := models.SetCommentLiked(ctx, tx, id, caller, like, s.now()); err != nil {
				return err
			}
		} else if err := models.InsertCommentLike(ctx, tx, id, caller, s.now()); err != nil {
			return err
		}
		if err := models.AddCommentLikeCount(ctx, tx, id, delta); err != nil {
			return err
		}
		if like && !ever && c.AuthorID != caller {
			return s.payer.PayCommentLike(ctx, tx, c.AuthorID, caller, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("comments: user %d sets like of %d to %v: %w", caller, id, like, err)
	}
	if changed {
		if err := s.InvalidatePost(ctx, post); err != nil {
			return nil, err
		}
	}
	return &state, nil
}

// Report records caller's report of comment id with a reason (1-500
// characters); reporting the same comment again changes nothing.
func (s *Service) Report(ctx context.Context, id, caller int64, in ReportInput) error {
	o := s.db.Orm()
	reason := strings.TrimSpace(in.Reason)
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return apperror.Validation(map[string]string{"reason": "required"})
	case n > MaxReasonChars:
		return apperror.Validation(map[string]string{"reason": fmt.Sprintf("must be at most %d characters", MaxReasonChars)})
	}
	err := models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
		if _, _, err := lockComment(ctx, tx, id, caller, true); err != nil {
			return err
		}
		_, err := models.InsertCommentReport(ctx, tx, id, caller, reason, s.now())
		return err
	})
	if err != nil {
		return fmt.Errorf("comments: user %d reports %d: %w", caller, id, err)
	}
	return nil
}

// SetRole gives the user(s) signed in with email the role (member,
// moderator or admin): the logic of `inkwell users set-role EMAIL ROLE`.
func SetRole(ctx context.Context, o orm.Ormer, email, role string) error {
	switch role {
	case models.RoleMember, models.RoleModerator, models.RoleAdmin:
	default:
		return &apperror.Error{Code: apperror.CodeValidation, Message: "the role must be member, moderator or admin",
			Fields: map[string]string{"role": "must be member, moderator or admin"}}
	}
	email = strings.TrimSpace(email)
	n, err := models.UsersWithEmail(ctx, o, email)
	if err != nil {
		return err
	}
	if n == 0 {
		return apperror.NotFound("no user has the email " + email)
	}
	_, err = models.SetUserRoleByEmail(ctx, o, email, role)
	return err
}
