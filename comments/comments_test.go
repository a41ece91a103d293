package comments

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/models"
)

func TestComments_CreateListAndTheCommentObject(t *testing.T) {
	eachDriver(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.users(t, 2)
		post := e.post(t, u[0], "published")
		top := e.comment(t, post, u[0], 0, "hello *world*")
		reply := e.comment(t, post, u[1], top, "<script>alert(1)</script>a [link](javascript:alert(1))")

		page := e.list(t, post, u[1], ListRequest{Sort: SortNew, Limit: 20, Depth: 3})
		require.Len(t, page.Items, 1)
		c := page.Items[0]
		assert.Equal(t, top, c.ID)
		assert.Equal(t, post, c.PostID)
		assert.Nil(t, c.ParentID)
		assert.Equal(t, 0, c.Depth)
		assert.Equal(t, "visible", c.Status)
		require.NotNil(t, c.Author)
		assert.Equal(t, "user0", c.Author.Name)
		assert.Equal(t, "<p>hello <em>world</em></p>\n", *c.BodyHTML)
		assert.EqualValues(t, 1, c.ReplyCount)
		assert.Zero(t, c.MoreReplies)
		require.Len(t, c.Replies, 1)
		r := c.Replies[0]
		assert.Equal(t, reply, r.ID)
		assert.Equal(t, top, *r.ParentID)
		assert.Equal(t, 1, r.Depth)
		assert.NotContains(t, *r.BodyHTML, "<script")
		assert.NotContains(t, *r.BodyHTML, `href="javascript:`)
		assert.Nil(t, page.NextCursor)
		assert.EqualValues(t, 2, e.postCommentCount(t, post))

		// depth 0: no replies, all counted in more_replies
		page = e.list(t, post, u[1], ListRequest{Sort: SortNew, Limit: 20, Depth: 0})
		assert.Empty(t, page.Items[0].Replies)
		assert.EqualValues(t, 1, page.Items[0].MoreReplies)

		// the post's cached copy shows the new comment_count
		p, err := e.posts.Get(ctx, post, u[1])
		require.NoError(t, err)
		assert.EqualValues(t, 2, p.CommentCount)
	})
}

func TestComments_CreateRefusesBadInput(t *testing.T) {
	eachDriver(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.users(t, 2)
		post := e.post(t, u[0], "published")
		other := e.post(t, u[0], "published")
		draft := e.post(t, u[0], "draft")
		onOther := e.comment(t, other, u[0], 0, "elsewhere")

		_, err := e.comments.Create(ctx, post, u[1], CreateInput{BodyMarkdown: "x", ParentID: &onOther})
		ae := requireAppError(t, err, apperror.CodeValidation)
		assert.Contains(t, ae.Fields, "parent_id")
		missing := int64(999999)
		_, err = e.comments.Create(ctx, post, u[1], CreateInput{BodyMarkdown: "x", ParentID: &missing})
		requireCode(t, err, apperror.CodeValidation)

		_, err = e.comments.Create(ctx, draft, u[1], CreateInput{BodyMarkdown: "x"})
		requireCode(t, err, apperror.CodeNotFound)
		_, err = e.comments.List(ctx, draft, u[1], ListRequest{Limit: 20, Depth: 3})
		requireCode(t, err, apperror.CodeNotFound)
		// the draft's author may comment on it
		e.comment(t, draft, u[0], 0, "note to self")

		for _, body := range []string{"", "   ", strings.Repeat("é", MaxBodyChars+1)} {
			_, err = e.comments.Create(ctx, post, u[1], CreateInput{BodyMarkdown: body})
			ae = requireAppError(t, err, apperror.CodeValidation)
			assert.Contains(t, ae.Fields, "body_markdown")
		}
		_, err = e.comments.Create(ctx, post, u[1], CreateInput{BodyMarkdown: strings.Repeat("é", MaxBodyChars)})
		require.NoError(t, err)

		for _, req := range []ListRequest{{Limit: 0, Depth: 3}, {Limit: 101, Depth: 3}, {Limit: 20, Depth: -1}, {Limit: 20, Depth: 11}, {Sort: "hot", Limit: 20}} {
			_, err = e.comments.List(ctx, post, u[1], req)
			requireCode(t, err, apperror.CodeValidation)
		}
		_, err = e.comments.List(ctx, post, u[1], ListRequest{Limit: 20, Cursor: "nonsense"})
		requireCode(t, err, apperror.CodeBadRequest)
	})
}

func TestComments_CreateOnceMakesOneCommentPerKey(t *testing.T) {
	eachDriver(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.users(t, 2)
		post := e.post(t, u[0], "published")
		first, replayed, err := e.comments.CreateOnce(ctx, post, u[1], "k-1", CreateInput{BodyMarkdown: "once"})
		require.NoError(t, err)
		assert.False(t, replayed)
		again, replayed, err := e.comments.CreateOnce(ctx, post, u[1], "k-1", CreateInput{BodyMarkdown: "once"})
		require.NoError(t, err)
		assert.True(t, replayed)
		assert.Equal(t, first.ID, again.ID)
		// another user's same key is their own
		theirs, replayed, err := e.comments.CreateOnce(ctx, post, u[0], "k-1", CreateInput{BodyMarkdown: "once"})
		require.NoError(t, err)
		assert.False(t, replayed)
		assert.NotEqual(t, first.ID, theirs.ID)
		assert.EqualValues(t, 2, e.postCommentCount(t, post))
		_, _, err = e.comments.CreateOnce(ctx, post, u[1], "bad key", CreateInput{BodyMarkdown: "x"})
		requireCode(t, err, apperror.CodeBadRequest)
	})
}

func TestComments_DepthCapMakesTooDeepRepliesSiblings(t *testing.T) {
	eachDriver(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.users(t, 1)
		post := e.post(t, u[0], "published")
		chain := []int64{e.comment(t, post, u[0], 0, "d0")}
		for d := 1; d <= MaxCommentDepth; d++ {
			chain = append(chain, e.comment(t, post, u[0], chain[d-1], "deeper"))
		}
		deepest := chain[MaxCommentDepth]
		c, err := e.comments.Create(ctx, post, u[0], CreateInput{BodyMarkdown: "too deep", ParentID: &deepest})
		require.NoError(t, err)
		assert.Equal(t, MaxCommentDepth, c.Depth)
		assert.Equal(t, chain[MaxCommentDepth-1], *c.ParentID)
		row, err := models.CommentByID(ctx, e.o, c.ID)
		require.NoError(t, err)
		assert.Len(t, row.Path, 8*MaxCommentDepth, "path holds the ten ancestors")

		th, err := e.comments.Get(ctx, deepest, u[0], SortOld, 3)
		require.NoError(t, err)
		require.Len(t, th.Ancestors, MaxCommentDepth)
		assert.Equal(t, chain[:MaxCommentDepth], ids(th.Ancestors), "ancestors run from the top down to the parent")
	})
}

func TestComments_ConcurrentCreatesWithOneKeyMakeOneComment(t *testing.T) {
	eachDriver(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.users(t, 2)
		post := e.post(t, u[0], "published")
		const n = 10
		got := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, _, err := e.comments.CreateOnce(ctx, post, u[1], "outbox-7", CreateInput{BodyMarkdown: "sent offline"})
				errs[i] = err
				if err == nil {
					got[i] = c.ID
				}
			}()
		}
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i])
			assert.Equal(t, got[0], got[i])
		}
		assert.EqualValues(t, 1, e.postCommentCount(t, post))
		page := e.list(t, post, u[0], ListRequest{Sort: SortNew, Limit: 20})
		assert.Len(t, page.Items, 1)
	})
}

// The public post page's first page: the default listing for nobody in
// particular — no reader's reactions, only published posts, in pages that
// continue through the API's cursor.
func TestComments_PublicFirstPageIsTheAnonymousDefaultListing(t *testing.T) {
	eachDriver(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.users(t, 2)
		post := e.post(t, u[0], "published")
		var tops []int64
		for i := range DefaultLimit + 2 {
			tops = append(tops, e.comment(t, post, u[i%2], 0, "top"))
		}
		for d, parent := 0, tops[0]; d < DefaultDepth+1; d++ {
			parent = e.comment(t, post, u[1], parent, "deeper")
		}
		// a reader's own vote and like never show on the public page
		_, err := e.comments.Vote(ctx, tops[0], u[1], VoteInput{Value: 1})
		require.NoError(t, err)
		_, err = e.comments.Like(ctx, tops[0], u[1])
		require.NoError(t, err)
		mine := e.list(t, post, u[1], ListRequest{Sort: DefaultSort, Limit: DefaultLimit, Depth: DefaultDepth})

		public, err := e.comments.PublicFirstPage(ctx, post)
		require.NoError(t, err)
		assert.Equal(t, e.list(t, post, 0, ListRequest{Sort: DefaultSort, Limit: DefaultLimit, Depth: DefaultDepth}), public)
		require.Len(t, public.Items, DefaultLimit)
		require.NotNil(t, public.NextCursor)
		assert.Equal(t, ids(mine.Items), ids(public.Items))
		var voted *Comment
		for i := range public.Items {
			assert.Zero(t, public.Items[i].MyVote)
			assert.False(t, public.Items[i].LikedByMe)
			if public.Items[i].ID == tops[0] {
				voted = &public.Items[i]
			}
		}
		require.NotNil(t, voted, "the upvoted comment ranks on the first page")
		assert.EqualValues(t, 1, voted.UpCount)
		assert.EqualValues(t, 1, voted.LikeCount)
		// the default depth: three levels of replies, then more_replies
		c := *voted
		for range DefaultDepth {
			require.Len(t, c.Replies, 1)
			c = c.Replies[0]
		}
		assert.Empty(t, c.Replies)
		assert.EqualValues(t, 1, c.MoreReplies)

		// the next page through the listing's cursor
		next := e.list(t, post, 0, ListRequest{Sort: DefaultSort, Limit: DefaultLimit, Depth: DefaultDepth, Cursor: *public.NextCursor})
		assert.Len(t, next.Items, 2)

		// a draft has no public page
		draft := e.post(t, u[0], "draft")
		_, err = e.comments.PublicFirstPage(ctx, draft)
		requireCode(t, err, apperror.CodeNotFound)
	})
}
