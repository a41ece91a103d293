package posts

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
	"inkwell/models"
)

// Get returns post id as viewer sees it (see GetJSON).
func (s *Service) Get(ctx context.Context, id, viewer int64) (*Post, error) {
	body, err := s.GetJSON(ctx, id, viewer)
	if err != nil {
		return nil, err
	}
	var p Post
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("posts: decode post %d: %w", id, err)
	}
	return &p, nil
}

// GetJSON returns post id as viewer sees it, as the JSON of a Post: from
// the cache when it can, with liked_by_me for viewer. Someone else's draft
// is not found. When the cache fails the database answers; a read never
// fails because of the cache.
//
// The cache holds the post's content already encoded, so a hit costs no
// JSON work beyond appending the reader's liked_by_me.
func (s *Service) GetJSON(ctx context.Context, id, viewer int64) ([]byte, error) {
	o := s.db.Orm()
	token, vals, err := s.cache.c.GetVersioned(ctx, versionKey(id), postPrefix(id), "", likedSuffix(viewer))
	if err == nil && token == "" {
		token, err = s.cache.token(ctx, id)
		vals = make([][]byte, 2)
	}
	if err != nil {
		s.log.Warn("post cache unavailable; reading the database", "post_id", id, "error", err.Error())
		entry, err := loadEntry(ctx, o, id)
		if err != nil {
			return nil, err
		}
		return s.answer(ctx, o, entry, id, viewer, nil, "")
	}
	entry, ok := decodeEntry(vals[0])
	if !ok {
		if entry, err = loadEntry(ctx, o, id); err != nil {
			return nil, err
		}
		s.storeQuietly(ctx, postKey(id, token), entry.encode())
	}
	return s.answer(ctx, o, entry, id, viewer, vals[1], token)
}

// answer checks that viewer may see the post, settles liked_by_me (from
// the cached flag, else the database, caching the result under token) and
// encodes the reply.
func (s *Service) answer(ctx context.Context, o orm.Ormer, e postEntry, id, viewer int64, likedFlag []byte, token string) ([]byte, error) {
	if !visibleTo(e.status, e.authorID, viewer) {
		return nil, apperror.NotFound("no such post")
	}
	var liked bool
	switch string(likedFlag) {
	case "1":
		liked = true
	case "0":
	default:
		ids, err := models.LikedPostIDs(ctx, o, viewer, []int64{id})
		if err != nil {
			return nil, err
		}
		liked = ids[id]
		if token != "" {
			flag := []byte("0")
			if liked {
				flag = []byte("1")
			}
			s.storeQuietly(ctx, likedKey(id, token, viewer), flag)
		}
	}
	// content is a JSON object; liked_by_me goes in before its closing brace,
	// where encoding a Post would put it.
	out := make([]byte, 0, len(e.content)+20)
	out = append(out, e.content[:len(e.content)-1]...)
	out = append(out, `,"liked_by_me":`...)
	out = strconv.AppendBool(out, liked)
	return append(out, '}'), nil
}

func (s *Service) storeQuietly(ctx context.Context, key string, value []byte) {
	if err := s.cache.c.Set(ctx, key, value, postTTL); err != nil {
		s.log.Warn("post cache: store failed", "key", key, "error", err.Error())
	}
}

// postEntry is what the cache holds for a post: who may see it, and its
// content as JSON.
type postEntry struct {
	status   string
	authorID int64
	content  []byte
}

// encode frames the entry: a status byte ('p' or 'd'), the author id in 8
// bytes, then the JSON.
func (e postEntry) encode() []byte {
	out := make([]byte, 9, 9+len(e.content))
	out[0] = 'd'
	if e.status == models.PostPublished {
		out[0] = 'p'
	}
	binary.BigEndian.PutUint64(out[1:9], uint64(e.authorID))
	return append(out, e.content...)
}

func decodeEntry(b []byte) (postEntry, bool) {
	if len(b) < 11 || (b[0] != 'p' && b[0] != 'd') || b[9] != '{' || b[len(b)-1] != '}' {
		return postEntry{}, false
	}
	status := models.PostDraft
	if b[0] == 'p' {
		status = models.PostPublished
	}
	return postEntry{status: status, authorID: int64(binary.BigEndian.Uint64(b[1:9])), content: b[9:]}, true
}

// loadEntry reads post id with its author and tags from the database.
func loadEntry(ctx context.Context, q orm.QueryExecutor, id int64) (postEntry, error) {
	row, err := models.PostWithAuthorByID(ctx, q, id)
	if errors.Is(err, models.ErrNotFound) {
		return postEntry{}, apperror.NotFound("no such post")
	}
	if err != nil {
		return postEntry{}, err
	}
	tags, err := models.TagsByPost(ctx, q, []int64{id})
	if err != nil {
		return postEntry{}, err
	}
	p := toPost(row, tags[id])
	content, err := json.Marshal(p.PostContent)
	if err != nil {
		return postEntry{}, fmt.Errorf("posts: encode post %d: %w", id, err)
	}
	return postEntry{status: p.Status, authorID: p.Author.ID, content: content}, nil
}
