package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/models"
)

// Reason is an action that can pay its beneficiary points (API.md, "Points
// economy").
type Reason string

// The actions that pay points.
const (
	ReasonPublish     Reason = "publish"      // a post's first publication, to its author
	ReasonPostLike    Reason = "post_like"    // a like of a post, to its author
	ReasonCommentLike Reason = "comment_like" // a like of a comment, to its author
)

// Daily cap categories: each caps what one user is minted per UTC day.
const (
	CategoryPublish = "publish"
	CategoryLikes   = "likes" // likes received, posts and comments together
)

// Rule is what one Reason pays and the daily cap it counts against.
type Rule struct {
	Points   int64
	Category string
	DailyCap int64
	// SelfPays: whether the actor may be the beneficiary (a publication
	// pays its own author; a like of your own post pays nothing).
	SelfPays bool
}

// Rules are API.md's points economy.
var Rules = map[Reason]Rule{
	ReasonPublish:     {Points: 10, Category: CategoryPublish, DailyCap: 50, SelfPays: true},
	ReasonPostLike:    {Points: 1, Category: CategoryLikes, DailyCap: 100},
	ReasonCommentLike: {Points: 1, Category: CategoryLikes, DailyCap: 100},
}

// Award is one action that may pay points: Actor did Reason to Subject (a
// post or comment id), and UserID (the subject's author) would be paid.
type Award struct {
	Reason    Reason
	SubjectID int64
	ActorID   int64
	UserID    int64
	At        time.Time
}

// Pay pays a.UserID for a, inside the caller's transaction (the action and
// its points commit or roll back together), and reports whether it paid.
// It pays at most once per (reason, subject, actor) ever: a later
// repetition (like, unlike, like; a post taken back to draft and published
// again) pays nothing, whatever happened in between. A like of your own
// post or comment pays nothing. Beyond the beneficiary's daily cap for the
// reason's category the action still counts as done and pays nothing: no
// transfer, no wallet entry.
//
// Lock order, after the caller's subject row (the post or comment, which
// queues repetitions of one action): the award row, the beneficiary's mint
// shard, their day counter, their account. Every caller follows it, so
// concurrent actions wait for each other instead of deadlocking, and the
// day counter, moved by one conditional upsert under the shard's lock,
// never lets the cap be passed.
func Pay(ctx context.Context, tx orm.TxOrmer, a Award) (bool, error) {
	rule, ok := Rules[a.Reason]
	if !ok {
		return false, fmt.Errorf("ledger: no points rule for %q", a.Reason)
	}
	if a.ActorID == a.UserID && !rule.SelfPays {
		return false, nil
	}
	first, err := models.InsertPointAward(ctx, tx, string(a.Reason), a.SubjectID, a.ActorID, a.UserID, a.At)
	if err != nil || !first {
		return false, err
	}
	mintID, acct, err := pointsAccounts(ctx, tx, a.UserID)
	if err != nil {
		return false, err
	}
	// The shard lock serialises this user's day counter: its upsert then
	// never races another transaction creating the same row.
	if _, err := models.LockAccount(ctx, tx, mintID); err != nil {
		return false, err
	}
	within, err := models.AddPointsOfDay(ctx, tx, a.UserID, Day(a.At), rule.Category, rule.Points, rule.DailyCap)
	if err != nil || !within {
		return false, err
	}
	if err := mintTo(ctx, tx, mintID, acct, a.UserID, rule.Points, a.memo()); err != nil {
		return false, err
	}
	return true, nil
}

// Day is the UTC day t counts against a daily cap.
func Day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// memo labels the transfer; the ledger migration of issue 14 reads the
// publication and post-like memos back, so they must not change.
func (a Award) memo() string {
	switch a.Reason {
	case ReasonPublish:
		return fmt.Sprintf("first publication of post %d", a.SubjectID)
	case ReasonPostLike:
		return fmt.Sprintf("like on post %d", a.SubjectID)
	default:
		return fmt.Sprintf("like on comment %d", a.SubjectID)
	}
}
