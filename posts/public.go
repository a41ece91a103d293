package posts

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
	"inkwell/models"
)

// RenderPublished returns what render makes of published post id, cached
// next to the API's copy under the post's version token: the write that
// retires one retires the other on every replica, so a public page never
// outlives the post it shows. variant names everything else the bytes
// depend on (the page template's version, the comments' version); it is
// part of the key. A draft, deleted or missing post is apperror.NotFound.
func (s *Service) RenderPublished(ctx context.Context, o orm.Ormer, id int64, variant string, render func(*PostContent) ([]byte, error)) ([]byte, error) {
	suffix := ":page:" + variant
	token, vals, err := s.cache.c.GetVersioned(ctx, versionKey(id), postPrefix(id), "", suffix)
	if err == nil && token == "" {
		token, err = s.cache.token(ctx, id)
		vals = make([][]byte, 2)
	}
	if err != nil {
		s.log.Warn("post cache unavailable; rendering from the database", "post_id", id, "error", err.Error())
		entry, err := loadEntry(ctx, o, id)
		if err != nil {
			return nil, err
		}
		return renderEntry(entry, id, render)
	}
	// A page is only ever stored for a published post, and under the token
	// current when it was read, so a hit needs no further check.
	if vals[1] != nil {
		return vals[1], nil
	}
	entry, ok := decodeEntry(vals[0])
	if !ok {
		if entry, err = loadEntry(ctx, o, id); err != nil {
			return nil, err
		}
		s.storeQuietly(ctx, postKey(id, token), entry.encode())
	}
	page, err := renderEntry(entry, id, render)
	if err != nil {
		return nil, err
	}
	s.storeQuietly(ctx, postKey(id, token)+suffix, page)
	return page, nil
}

func renderEntry(e postEntry, id int64, render func(*PostContent) ([]byte, error)) ([]byte, error) {
	if e.status != models.PostPublished {
		return nil, apperror.NotFound("no such post")
	}
	var p PostContent
	if err := json.Unmarshal(e.content, &p); err != nil {
		return nil, fmt.Errorf("posts: decode cached post %d: %w", id, err)
	}
	return render(&p)
}

// PublishedPage is one page of the published feed as anyone sees it (no
// liked_by_me): the page with its authors and the page's tags, two
// statements whatever its size. Cursors are the feed's.
func (s *Service) PublishedPage(ctx context.Context, o orm.Ormer, req FeedRequest) ([]PostContent, *models.FeedPosition, error) {
	if req.Limit < 1 || req.Limit > MaxPublicLimit {
		return nil, nil, fmt.Errorf("posts: public page of %d posts is out of range", req.Limit)
	}
	rows, err := models.FeedPage(ctx, o, models.FeedQuery{After: req.After, Tag: req.Tag, AuthorID: req.AuthorID, Limit: req.Limit + 1})
	if err != nil {
		return nil, nil, err
	}
	var next *models.FeedPosition
	if len(rows) > req.Limit {
		rows = rows[:req.Limit]
		last := rows[len(rows)-1]
		next = &models.FeedPosition{PublishedAt: *last.PublishedAt, ID: last.ID}
	}
	items := make([]PostContent, 0, len(rows))
	if len(rows) == 0 {
		return items, nil, nil
	}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	tags, err := models.TagsByPost(ctx, o, ids)
	if err != nil {
		return nil, nil, err
	}
	for i := range rows {
		items = append(items, toPost(&rows[i], tags[rows[i].ID]).PostContent)
	}
	return items, next, nil
}

// MaxPublicLimit bounds a public list (Atom feeds carry the latest 50).
const MaxPublicLimit = 50

// ValidTag reports whether tag is a well-formed tag (the public tag pages
// answer 404 for anything else).
func ValidTag(tag string) bool { return tagPattern.MatchString(tag) }
