package posts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
	"inkwell/models"
)

// Get returns post id as viewer sees it: from the cache when it can, with
// liked_by_me for viewer. Someone else's draft is not found. When the cache
// fails the database answers; a read never fails because of the cache.
func (s *Service) Get(ctx context.Context, o orm.Ormer, id, viewer int64) (*Post, error) {
	token, err := s.cache.token(ctx, id)
	if err != nil {
		s.log.Warn("post cache unavailable; reading the database", "post_id", id, "error", err.Error())
		return s.getUncached(ctx, o, id, viewer)
	}
	vals, err := s.cache.c.Get(ctx, postKey(id, token), likedKey(id, token, viewer))
	if err != nil {
		s.log.Warn("post cache unavailable; reading the database", "post_id", id, "error", err.Error())
		return s.getUncached(ctx, o, id, viewer)
	}
	var p *Post
	if vals[0] != nil {
		p = new(Post)
		if err := json.Unmarshal(vals[0], p); err != nil {
			return nil, fmt.Errorf("posts: decode cached post %d: %w", id, err)
		}
	} else {
		if p, err = loadPost(ctx, o, id); err != nil {
			return nil, err
		}
		if raw, err := json.Marshal(p); err == nil {
			s.storeQuietly(ctx, postKey(id, token), raw)
		}
	}
	if !visibleTo(p.Status, p.Author.ID, viewer) {
		return nil, apperror.NotFound("no such post")
	}
	switch string(vals[1]) {
	case "1":
		p.LikedByMe = true
	case "0":
	default:
		liked, err := models.LikedPostIDs(ctx, o, viewer, []int64{id})
		if err != nil {
			return nil, err
		}
		p.LikedByMe = liked[id]
		flag := []byte("0")
		if p.LikedByMe {
			flag = []byte("1")
		}
		s.storeQuietly(ctx, likedKey(id, token, viewer), flag)
	}
	return p, nil
}

func (s *Service) storeQuietly(ctx context.Context, key string, value []byte) {
	if err := s.cache.c.Set(ctx, key, value, postTTL); err != nil {
		s.log.Warn("post cache: store failed", "key", key, "error", err.Error())
	}
}

func (s *Service) getUncached(ctx context.Context, o orm.Ormer, id, viewer int64) (*Post, error) {
	p, err := loadPost(ctx, o, id)
	if err != nil {
		return nil, err
	}
	if !visibleTo(p.Status, p.Author.ID, viewer) {
		return nil, apperror.NotFound("no such post")
	}
	liked, err := models.LikedPostIDs(ctx, o, viewer, []int64{id})
	if err != nil {
		return nil, err
	}
	p.LikedByMe = liked[id]
	return p, nil
}

// loadPost reads post id with its author and tags, without liked_by_me.
func loadPost(ctx context.Context, q orm.QueryExecutor, id int64) (*Post, error) {
	row, err := models.PostWithAuthorByID(ctx, q, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, apperror.NotFound("no such post")
	}
	if err != nil {
		return nil, err
	}
	tags, err := models.TagsByPost(ctx, q, []int64{id})
	if err != nil {
		return nil, err
	}
	p := toPost(row, tags[id])
	return &p, nil
}
