package live

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
	"inkwell/models"
)

// EditRule says whether caller may edit a post live: its author and the
// collaborators the author invited may; anyone else gets 404 for a draft
// (which they cannot see) and 403 for a published post.
func EditRule(a models.PostEditAccess, caller int64) error {
	if caller != 0 && (a.AuthorID == caller || a.IsCollaborator) {
		return nil
	}
	if a.Status != models.PostPublished {
		return apperror.NotFound("no such post")
	}
	return apperror.Forbidden("only the author and the collaborators the author invited may edit this post")
}

// CheckEditor applies EditRule to post postID for caller.
func CheckEditor(ctx context.Context, q orm.QueryExecutor, postID, caller int64) error {
	_, err := editorAccess(ctx, q, postID, caller)
	return err
}

// CheckDraftEditor is CheckEditor for what writes to a live session (a
// ticket, an op): the post must also be a draft, else 409 NotDraft.
func CheckDraftEditor(ctx context.Context, q orm.QueryExecutor, postID, caller int64) error {
	a, err := editorAccess(ctx, q, postID, caller)
	if err != nil {
		return err
	}
	if a.Status != models.PostDraft {
		return NotDraft()
	}
	return nil
}

// editorAccess is CheckEditor that also returns what it read (the status).
func editorAccess(ctx context.Context, q orm.QueryExecutor, postID, caller int64) (*models.PostEditAccess, error) {
	a, err := models.PostEditAccessFor(ctx, q, postID, caller)
	if errors.Is(err, models.ErrNotFound) {
		return nil, apperror.NotFound("no such post")
	}
	if err != nil {
		return nil, err
	}
	if err := EditRule(*a, caller); err != nil {
		return nil, err
	}
	return a, nil
}

// checkAuthor lets only the author manage collaborators: 404 for a draft
// the caller cannot edit, 403 otherwise.
func checkAuthor(ctx context.Context, q orm.QueryExecutor, postID, caller int64) error {
	a, err := models.PostEditAccessFor(ctx, q, postID, caller)
	if errors.Is(err, models.ErrNotFound) {
		return apperror.NotFound("no such post")
	}
	if err != nil {
		return err
	}
	if a.AuthorID == caller {
		return nil
	}
	if err := EditRule(*a, caller); err != nil {
		return err
	}
	return apperror.Forbidden("only the author may change who edits this post")
}

// AddCollaborator lets userID edit post postID; only the author may. Adding
// someone twice is not an error.
func AddCollaborator(ctx context.Context, q orm.QueryExecutor, postID, caller, userID int64) error {
	if err := checkAuthor(ctx, q, postID, caller); err != nil {
		return err
	}
	if userID == caller {
		return apperror.Validation(map[string]string{"user_id": "the author edits the post already"})
	}
	if _, err := models.UserByID(ctx, q, userID); errors.Is(err, models.ErrNotFound) {
		return apperror.NotFound("no such user")
	} else if err != nil {
		return err
	}
	if _, err := models.InsertPostCollaborator(ctx, q, postID, userID, time.Now()); err != nil {
		return err
	}
	return nil
}

// RemoveCollaborator takes userID off post postID: the author may remove
// anyone, a collaborator themself. Removing someone not on it is not an error.
func RemoveCollaborator(ctx context.Context, q orm.QueryExecutor, postID, caller, userID int64) error {
	if caller != userID {
		if err := checkAuthor(ctx, q, postID, caller); err != nil {
			return err
		}
	} else if err := CheckEditor(ctx, q, postID, caller); err != nil {
		return err
	}
	_, err := models.DeletePostCollaborator(ctx, q, postID, userID)
	return err
}

// Collaborators lists who the author invited to post postID, for its editors.
func Collaborators(ctx context.Context, q orm.QueryExecutor, postID, caller int64) ([]int64, error) {
	if err := CheckEditor(ctx, q, postID, caller); err != nil {
		return nil, err
	}
	return models.PostCollaboratorIDs(ctx, q, postID)
}

// PostLoader starts live sessions from the posts table (Loader).
type PostLoader struct{ DB orm.QueryExecutor }

// LoadLiveText implements Loader. A post that is not a draft starts no
// session (409 NotDraft): live co-editing is for drafts.
func (l PostLoader) LoadLiveText(ctx context.Context, postID int64) (string, int64, error) {
	text, rev, status, err := models.LiveText(ctx, l.DB, postID)
	if errors.Is(err, models.ErrNotFound) {
		return "", 0, apperror.NotFound("no such post")
	}
	if err != nil {
		return "", 0, fmt.Errorf("live: %w", err)
	}
	if status != models.PostDraft {
		return "", 0, NotDraft()
	}
	return text, rev, nil
}
