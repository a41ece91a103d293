package posts

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/beego/beego/v2/client/orm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/testsupport"
)

// clock is a settable time source: posts created while it stands still
// share a published_at, which the (published_at, id) keyset must order.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// readFeed pages through the whole feed for req, returning the ids in order;
// between pages it calls between(page number).
func readFeed(t *testing.T, s *Service, o orm.Ormer, viewer int64, req FeedRequest, between func(page int)) []int64 {
	t.Helper()
	var ids []int64
	for page := 1; ; page++ {
		got, err := s.Feed(context.Background(), viewer, req)
		require.NoError(t, err)
		require.LessOrEqual(t, len(got.Items), req.Limit)
		for _, p := range got.Items {
			ids = append(ids, p.ID)
		}
		if got.NextCursor == nil {
			return ids
		}
		require.Len(t, got.Items, req.Limit, "only the last page may be short")
		pos, err := DecodeFeedCursor(*got.NextCursor)
		require.NoError(t, err)
		req.After = pos
		if between != nil {
			between(page)
		}
		require.Less(t, page, 100, "the feed does not end")
	}
}

func TestFeed_KeysetPagesSurviveInsertsAndDeletesBetweenPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		c := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
		s.now = c.now
		alice, bob := testsupport.NewUser(t, o, "alice"), testsupport.NewUser(t, o, "bob")

		// 23 published posts; every three share a publication time.
		var newestFirst []int64
		for i := range 23 {
			if i%3 == 0 {
				c.t = c.t.Add(time.Second + 123456*time.Nanosecond)
			}
			p, err := s.Create(ctx, []int64{alice, bob}[i%2], CreateInput{Title: fmt.Sprintf("p%d", i), Status: "published"})
			require.NoError(t, err)
			newestFirst = append([]int64{p.ID}, newestFirst...)
		}
		_, err := s.Create(ctx, alice, CreateInput{Title: "draft"})
		require.NoError(t, err)

		assert.Equal(t, newestFirst, readFeed(t, s, o, bob, FeedRequest{Limit: 5}, nil))
		assert.Equal(t, newestFirst, readFeed(t, s, o, bob, FeedRequest{Limit: 23}, nil))
		assert.Equal(t, newestFirst, readFeed(t, s, o, bob, FeedRequest{Limit: 100}, nil))

		// While a reader pages, new posts arrive (they are newer than the
		// cursor, so they belong before it) and a post not yet reached is
		// deleted: nothing repeats, nothing is skipped.
		deleted := newestFirst[17]
		var expected []int64
		for _, id := range newestFirst {
			if id != deleted {
				expected = append(expected, id)
			}
		}
		got := readFeed(t, s, o, bob, FeedRequest{Limit: 5}, func(page int) {
			c.t = c.t.Add(time.Second)
			for i := range 3 {
				_, err := s.Create(ctx, alice, CreateInput{Title: fmt.Sprintf("new %d.%d", page, i), Status: "published"})
				require.NoError(t, err)
			}
			if page == 2 {
				author := alice
				if (len(newestFirst)-1-17)%2 == 1 {
					author = bob
				}
				require.NoError(t, s.Delete(ctx, deleted, author))
			}
		})
		assert.Equal(t, expected, got)
	})
}

func TestFeed_FiltersByTagAndAuthor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		c := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
		s.now = c.now
		alice, bob := testsupport.NewUser(t, o, "alice"), testsupport.NewUser(t, o, "bob")
		byFilter := map[string][]int64{}
		for i := range 30 {
			c.t = c.t.Add(time.Millisecond)
			author, name := alice, "alice"
			if i%3 == 0 {
				author, name = bob, "bob"
			}
			tags := []string{"all"}
			if i%2 == 0 {
				tags = append(tags, "even")
			}
			p, err := s.Create(ctx, author, CreateInput{Title: fmt.Sprint(i), Status: "published", Tags: tags})
			require.NoError(t, err)
			for _, key := range []string{"", name, "tag:" + tags[len(tags)-1], name + "+tag:" + tags[len(tags)-1]} {
				byFilter[key] = append([]int64{p.ID}, byFilter[key]...)
			}
		}
		// A draft with the tag, and a post published then taken back: neither shows.
		d, err := s.Create(ctx, alice, CreateInput{Title: "draft", Tags: []string{"even"}})
		require.NoError(t, err)
		back, err := s.Create(ctx, alice, CreateInput{Title: "back", Tags: []string{"even"}, Status: "published"})
		require.NoError(t, err)
		_, err = s.Update(ctx, back.ID, alice, UpdateInput{Status: ptr("draft")})
		require.NoError(t, err)

		assert.Equal(t, byFilter[""], readFeed(t, s, o, bob, FeedRequest{Limit: 7}, nil))
		assert.Equal(t, byFilter["alice"], readFeed(t, s, o, bob, FeedRequest{Limit: 7, AuthorID: alice}, nil))
		assert.Equal(t, byFilter["bob"], readFeed(t, s, o, bob, FeedRequest{Limit: 7, AuthorID: bob}, nil))
		assert.Equal(t, byFilter["tag:even"], readFeed(t, s, o, bob, FeedRequest{Limit: 4, Tag: "even"}, nil))
		assert.Equal(t, byFilter["alice+tag:even"], readFeed(t, s, o, bob, FeedRequest{Limit: 4, Tag: "even", AuthorID: alice}, nil))
		assert.Empty(t, readFeed(t, s, o, bob, FeedRequest{Limit: 4, Tag: "nothing"}, nil))
		assert.NotContains(t, readFeed(t, s, o, alice, FeedRequest{Limit: 100, Tag: "even"}, nil), d.ID)

		// Retagging a published post moves it between tag feeds (post 29 is alice's).
		moved := byFilter["alice+tag:all"][0]
		_, err = s.Update(ctx, moved, alice, UpdateInput{Tags: []string{"even"}})
		require.NoError(t, err)
		assert.Contains(t, readFeed(t, s, o, bob, FeedRequest{Limit: 100, Tag: "even"}, nil), moved)
		assert.NotContains(t, readFeed(t, s, o, bob, FeedRequest{Limit: 100, Tag: "all"}, nil), moved)
	})
}

func TestFeed_ItemsCarryAuthorTagsAndLikedByMe(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice, bob := testsupport.NewUser(t, o, "alice"), testsupport.NewUser(t, o, "bob")
		p1, err := s.Create(ctx, alice, CreateInput{Title: "one", Status: "published", Tags: []string{"b", "a"}})
		require.NoError(t, err)
		p2, err := s.Create(ctx, bob, CreateInput{Title: "two", Status: "published"})
		require.NoError(t, err)
		_, err = s.Like(ctx, p1.ID, bob)
		require.NoError(t, err)

		page, err := s.Feed(ctx, bob, FeedRequest{Limit: 10})
		require.NoError(t, err)
		require.Len(t, page.Items, 2)
		assert.Nil(t, page.NextCursor)
		assert.Equal(t, p2.ID, page.Items[0].ID)
		assert.Equal(t, []string{}, page.Items[0].Tags)
		assert.False(t, page.Items[0].LikedByMe)
		one := page.Items[1]
		assert.Equal(t, Author{ID: alice, Name: "alice", Picture: "https://example.com/alice.png"}, one.Author)
		assert.Equal(t, []string{"b", "a"}, one.Tags, "tags keep the author's order")
		assert.True(t, one.LikedByMe)
		assert.EqualValues(t, 1, one.LikeCount)
		full, err := s.Get(ctx, p1.ID, bob)
		require.NoError(t, err)
		assert.Equal(t, PostSummary{ID: full.ID, Author: full.Author, Title: full.Title, Slug: full.Slug, Tags: full.Tags,
			Status: full.Status, LikeCount: full.LikeCount, CommentCount: full.CommentCount, LikedByMe: full.LikedByMe,
			CreatedAt: full.CreatedAt, UpdatedAt: full.UpdatedAt, PublishedAt: full.PublishedAt}, one,
			"a feed item is GET by id's object with an excerpt instead of the body")

		page, err = s.Feed(ctx, alice, FeedRequest{Limit: 10})
		require.NoError(t, err)
		assert.False(t, page.Items[1].LikedByMe, "liked_by_me is the reader's")
	})
}
