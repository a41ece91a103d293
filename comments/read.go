package comments

import (
	"bytes"
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

// Limits and defaults of API.md's comment listings.
const (
	DefaultSort  = SortBest
	DefaultLimit = 20
	DefaultDepth = 3
	MaxLimit     = 100
	MaxDepth     = 10
)

// ListRequest is the query of a comment listing. The HTTP layer fills the
// defaults (DefaultSort, DefaultLimit, DefaultDepth) for absent parameters;
// here every value is checked as given. An empty Sort means DefaultSort.
type ListRequest struct {
	Sort   string
	Limit  int
	Depth  int
	Cursor string
}

// ParseListRequest reads a listing's query parameters as the HTTP layer
// receives them: absent ones take their defaults, a number that is not an
// integer is a validation error on its field like one out of range.
func ParseListRequest(sort, limit, depth, cursor string) (ListRequest, error) {
	r := ListRequest{Sort: sort, Limit: DefaultLimit, Depth: DefaultDepth, Cursor: cursor}
	f := map[string]string{}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil {
			f["limit"] = fmt.Sprintf("must be an integer 1-%d", MaxLimit)
		}
		r.Limit = n
	}
	if depth != "" {
		n, err := strconv.Atoi(depth)
		if err != nil {
			f["depth"] = fmt.Sprintf("must be an integer 0-%d", MaxDepth)
		}
		r.Depth = n
	}
	checked, err := r.validate()
	if len(f) > 0 {
		// the parse errors first; the range check adds the other fields
		if ae, ok := apperror.As(err); ok {
			for k, v := range ae.Fields {
				if _, seen := f[k]; !seen {
					f[k] = v
				}
			}
		}
		return r, apperror.Validation(f)
	}
	return checked, err
}

func (r ListRequest) validate() (ListRequest, error) {
	f := map[string]string{}
	if r.Sort == "" {
		r.Sort = DefaultSort
	}
	switch r.Sort {
	case SortNew, SortOld, SortTop, SortReplies, SortBest:
	default:
		f["sort"] = "must be one of new, old, top, replies, best"
	}
	if r.Limit < 1 || r.Limit > MaxLimit {
		f["limit"] = fmt.Sprintf("must be 1-%d", MaxLimit)
	}
	if r.Depth < 0 || r.Depth > MaxDepth {
		f["depth"] = fmt.Sprintf("must be 0-%d", MaxDepth)
	}
	if len(f) > 0 {
		return r, apperror.Validation(f)
	}
	return r, nil
}

// List returns a page of post's top-level comments, each with its replies
// down to req.Depth levels, as viewer sees them (see ListJSON).
func (s *Service) List(ctx context.Context, post, viewer int64, req ListRequest) (*Page, error) {
	return decodeAs[Page](s.ListJSON(ctx, post, viewer, req))
}

// ListJSON is List as the JSON of a Page, the form the cache holds: a
// cached page is answered with no JSON work beyond writing the reader's
// own my_vote and liked_by_me into it. A post viewer may not see is not
// found.
//
// Cold (nothing cached) it costs three statements whatever the page's size
// or depth: the skeleton, the bodies of the comments shown, and viewer's
// votes and likes on them (two for an anonymous viewer).
func (s *Service) ListJSON(ctx context.Context, post, viewer int64, req ListRequest) ([]byte, error) {
	o := s.db.Orm()
	return s.listing(ctx, o, post, 0, viewer, req)
}

// PublicFirstPage is the first page of post's comments as an anonymous
// reader sees it, for the server-rendered public post page: the default
// listing (best, DefaultLimit top-level comments, DefaultDepth levels of
// replies), no reader's votes or likes, the same cache entry as the API's
// anonymous first page. A post that is not published is not found.
// Continue with next_cursor through GET /api/v1/posts/{id}/comments.
func (s *Service) PublicFirstPage(ctx context.Context, post int64) (*Page, error) {
	return s.List(ctx, post, 0, ListRequest{Sort: DefaultSort, Limit: DefaultLimit, Depth: DefaultDepth})
}

// Replies returns a page of the direct replies of comment id (each with its
// own replies down to req.Depth levels), in the same sorts as List.
func (s *Service) Replies(ctx context.Context, id, viewer int64, req ListRequest) (*Page, error) {
	return decodeAs[Page](s.RepliesJSON(ctx, id, viewer, req))
}

// RepliesJSON is Replies as the JSON of a Page.
func (s *Service) RepliesJSON(ctx context.Context, id, viewer int64, req ListRequest) ([]byte, error) {
	o := s.db.Orm()
	post, err := s.postOf(ctx, o, id)
	if err != nil {
		return nil, err
	}
	return s.listing(ctx, o, post, id, viewer, req)
}

func decodeAs[T any](b []byte, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("comments: decode %T: %w", v, err)
	}
	return v, nil
}

func (s *Service) listing(ctx context.Context, o orm.Ormer, post, parent, viewer int64, req ListRequest) ([]byte, error) {
	req, err := req.validate()
	if err != nil {
		return nil, err
	}
	var c *cursor
	if req.Cursor != "" {
		if c, err = decodeCursor(req.Cursor, req.Sort, post, parent); err != nil {
			return nil, err
		}
	}
	key := fmt.Sprintf(":page:%s:%d:%d:%d:%s", req.Sort, parent, req.Limit, req.Depth, req.Cursor)
	return s.read(ctx, o, post, viewer, key, func(ctx context.Context, sk *skeleton) (any, error) {
		if parent != 0 && !sk.isListed(parent) {
			return nil, apperror.NotFound("no such comment")
		}
		var snapshot []int64
		if c != nil && c.snap != 0 {
			if vals, err := s.cache.c.Get(ctx, snapshotKey(post, c.snap)); err == nil && vals[0] != nil {
				snapshot, _ = decodeIDs(vals[0])
			}
		}
		sel := sk.selectPage(post, parent, req.Sort, req.Limit, c, snapshot)
		if sel.newSnap != nil {
			s.store(ctx, snapshotKey(post, sel.next.snap), encodeIDs(sel.newSnap), rankTTL)
		}
		items := make([]*laidOut, len(sel.items))
		for i, k := range sel.items {
			items[i] = &laidOut{idx: k}
		}
		ids := sk.expand(items, req.Sort, req.Depth)
		rows, err := loadRows(ctx, o, ids)
		if err != nil {
			return nil, err
		}
		page := &Page{Items: make([]Comment, 0, len(items))}
		for _, it := range items {
			page.Items = append(page.Items, sk.build(it, rows))
		}
		if sel.next != nil {
			next := sel.next.encode()
			page.NextCursor = &next
		}
		return page, nil
	})
}

// Get returns comment id with its replies down to depth levels (in sort)
// and its ancestors, as viewer sees it. A comment that left the listings
// (deleted without visible replies) is not found.
func (s *Service) Get(ctx context.Context, id, viewer int64, sort string, depth int) (*Thread, error) {
	return decodeAs[Thread](s.GetJSON(ctx, id, viewer, sort, depth))
}

// GetJSON is Get as the JSON of a Thread.
func (s *Service) GetJSON(ctx context.Context, id, viewer int64, sort string, depth int) ([]byte, error) {
	o := s.db.Orm()
	req, err := ListRequest{Sort: sort, Limit: 1, Depth: depth}.validate()
	if err != nil {
		return nil, err
	}
	post, err := s.postOf(ctx, o, id)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf(":thread:%d:%s:%d", id, req.Sort, req.Depth)
	return s.read(ctx, o, post, viewer, key, func(ctx context.Context, sk *skeleton) (any, error) {
		if !sk.isListed(id) {
			return nil, apperror.NotFound("no such comment")
		}
		var chain []int32
		for p := sk.nodes[sk.index[id]].parent; p != 0; p = sk.nodes[sk.index[p]].parent {
			chain = append(chain, sk.index[p])
		}
		item := &laidOut{idx: sk.index[id]}
		ids := sk.expand([]*laidOut{item}, req.Sort, req.Depth)
		for _, k := range chain {
			ids = append(ids, sk.nodes[k].id)
		}
		rows, err := loadRows(ctx, o, ids)
		if err != nil {
			return nil, err
		}
		t := &Thread{Comment: sk.build(item, rows), Ancestors: make([]Comment, 0, len(chain))}
		for i := len(chain) - 1; i >= 0; i-- {
			k := chain[i]
			t.Ancestors = append(t.Ancestors, sk.build(&laidOut{idx: k, replies: []*laidOut{},
				more: int64(len(sk.children[sk.nodes[k].id]))}, rows))
		}
		return t, nil
	})
}

// postOf returns the post comment id belongs to: from the cache (a comment
// never moves), else by primary key.
func (s *Service) postOf(ctx context.Context, o orm.Ormer, id int64) (int64, error) {
	if vals, err := s.cache.c.Get(ctx, commentPostKey(id)); err == nil && len(vals[0]) == 8 {
		return int64(binary.BigEndian.Uint64(vals[0])), nil
	}
	c, err := models.CommentByID(ctx, o, id)
	if errors.Is(err, models.ErrNotFound) {
		return 0, apperror.NotFound("no such comment")
	}
	if err != nil {
		return 0, err
	}
	s.store(ctx, commentPostKey(id), binary.BigEndian.AppendUint64(nil, uint64(c.PostID)), versionTTL)
	return c.PostID, nil
}

// view is what the cache holds for one listing: who may see the post, the
// ids of the comments in it in the order their objects appear in the JSON
// (depth first), and the JSON with every my_vote 0 and liked_by_me false.
//
// Encoding: 'w', post status ('p' or 'd'), post author (8 bytes), the
// number of ids (4 bytes), the ids (8 bytes each), the JSON.
type view struct {
	postStatus string
	postAuthor int64
	ids        []int64
	json       []byte
}

func (v *view) encode() []byte {
	out := make([]byte, 0, 14+8*len(v.ids)+len(v.json))
	st := byte('d')
	if v.postStatus == models.PostPublished {
		st = 'p'
	}
	out = append(out, 'w', st)
	out = binary.BigEndian.AppendUint64(out, uint64(v.postAuthor))
	out = binary.BigEndian.AppendUint32(out, uint32(len(v.ids)))
	for _, id := range v.ids {
		out = binary.BigEndian.AppendUint64(out, uint64(id))
	}
	return append(out, v.json...)
}

func decodeView(b []byte) (*view, bool) {
	if len(b) < 14 || b[0] != 'w' || (b[1] != 'p' && b[1] != 'd') {
		return nil, false
	}
	n := int(binary.BigEndian.Uint32(b[10:14]))
	if len(b) < 14+8*n+2 {
		return nil, false
	}
	v := &view{postStatus: models.PostDraft, postAuthor: int64(binary.BigEndian.Uint64(b[2:10])), ids: make([]int64, n)}
	if b[1] == 'p' {
		v.postStatus = models.PostPublished
	}
	for i := range v.ids {
		v.ids[i] = int64(binary.BigEndian.Uint64(b[14+8*i:]))
	}
	v.json = b[14+8*n:]
	return v, true
}

// noReaction is how each comment object's reader fields are encoded in a
// cached view; a reader's own values are written over them. The quotes
// are bare, so the text cannot occur inside an encoded string value.
var noReaction = []byte(`"my_vote":0,"liked_by_me":false`)

// withReactions writes reactions into the view's JSON: the k-th
// noReaction in the text belongs to the k-th id.
func (v *view) withReactions(reactions map[int64]models.CommentReaction) []byte {
	if len(reactions) == 0 {
		return v.json
	}
	out := make([]byte, 0, len(v.json)+8*len(reactions))
	rest := v.json
	for _, id := range v.ids {
		i := bytes.Index(rest, noReaction)
		if i < 0 {
			break
		}
		out = append(out, rest[:i]...)
		rest = rest[i+len(noReaction):]
		r, ok := reactions[id]
		if !ok {
			out = append(out, noReaction...)
			continue
		}
		out = append(out, `"my_vote":`...)
		out = strconv.AppendInt(out, int64(r.Vote), 10)
		out = append(out, `,"liked_by_me":`...)
		out = strconv.AppendBool(out, r.Liked)
	}
	return append(out, rest...)
}

// jsonOrder lists the ids of the comment objects in the order encoding/json
// writes them: each comment, then its replies, depth first.
func jsonOrder(cs []Comment, out []int64) []int64 {
	for i := range cs {
		out = append(out, cs[i].ID)
		out = jsonOrder(cs[i].Replies, out)
	}
	return out
}

// read answers one listing of post for viewer as JSON: the listing from
// the cache under the post's token, else built from the skeleton (cached,
// else one statement) by build (a *Page or *Thread); then viewer's votes
// and likes on its comments (cached per listing and reader, else one
// statement) written into it. When the cache fails the database answers; a
// read never fails because of the cache.
func (s *Service) read(ctx context.Context, o orm.Ormer, post, viewer int64, key string,
	build func(ctx context.Context, sk *skeleton) (any, error)) ([]byte, error) {
	token, vals, err := s.cache.c.GetVersioned(ctx, versionKey(post), postPart(post), key, key+reactionsSuffix(viewer))
	if err == nil && token == "" {
		token, err = s.cache.token(ctx, post)
		vals = make([][]byte, 2)
	}
	if err != nil {
		s.log.Warn("comment cache unavailable; reading the database", "post_id", post, "error", err.Error())
		token, vals = "", make([][]byte, 2)
	}
	prefix := postPart(post) + token

	v, ok := decodeView(vals[0])
	if !ok {
		// Every write retires the post's listings, so on a busy post many
		// readers miss the same page at once: one of them builds it (the
		// skeleton, the bodies, the JSON) and the others wait for it
		// instead of each loading the whole skeleton (bench/comments_read.sh).
		// The build is the same for every reader (also for a draft, which
		// only its author may then read); who may see it is checked below,
		// per reader.
		shared, err, _ := s.builds.Do(prefix+key, func() (any, error) {
			ctx := context.WithoutCancel(ctx)
			sk, err := s.skeleton(ctx, o, post, token)
			if err != nil {
				return nil, err
			}
			if !sk.postFound {
				return nil, apperror.NotFound("no such post")
			}
			built, err := build(ctx, sk)
			if err != nil {
				return nil, err
			}
			v := &view{postStatus: sk.postStatus, postAuthor: sk.postAuthor}
			switch b := built.(type) {
			case *Page:
				v.ids = jsonOrder(b.Items, nil)
			case *Thread:
				v.ids = jsonOrder(b.Ancestors, jsonOrder([]Comment{b.Comment}, nil))
			}
			if v.json, err = json.Marshal(built); err != nil {
				return nil, fmt.Errorf("comments: encode listing of post %d: %w", post, err)
			}
			if token != "" {
				s.store(ctx, prefix+key, v.encode(), entryTTL)
			}
			return v, nil
		})
		if err != nil {
			return nil, err
		}
		v = shared.(*view)
	}
	if !visibleTo(v.postStatus, v.postAuthor, viewer) {
		return nil, apperror.NotFound("no such post")
	}
	if viewer == 0 || len(v.ids) == 0 {
		return v.json, nil
	}
	reactions, ok := decodeReactions(vals[1])
	if !ok {
		if reactions, err = models.CommentReactions(ctx, o, viewer, v.ids); err != nil {
			return nil, err
		}
		if token != "" {
			s.store(ctx, prefix+key+reactionsSuffix(viewer), encodeReactions(reactions), entryTTL)
		}
	}
	return v.withReactions(reactions), nil
}

// skeleton returns post's skeleton: cached under token, else one statement
// (stored under token when there is one).
func (s *Service) skeleton(ctx context.Context, o orm.Ormer, post int64, token string) (*skeleton, error) {
	key := postPart(post) + token + skeletonSuffix
	if token != "" {
		if vals, err := s.cache.c.Get(ctx, key); err == nil && vals[0] != nil {
			if sk, err := decodeSkeleton(vals[0]); err == nil {
				return sk, nil
			}
		}
	}
	tree, err := models.CommentTreeOfPost(ctx, o, post)
	if err != nil {
		return nil, err
	}
	sk := skeletonFromTree(tree)
	if token != "" {
		s.store(ctx, key, sk.encode(), entryTTL)
	}
	return sk, nil
}

func loadRows(ctx context.Context, o orm.Ormer, ids []int64) (map[int64]*models.CommentWithAuthor, error) {
	rows, err := models.CommentsWithAuthors(ctx, o, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*models.CommentWithAuthor, len(rows))
	for i := range rows {
		out[rows[i].ID] = &rows[i]
	}
	return out, nil
}

// build turns a laid-out comment and its replies into API objects, from the
// rows just loaded (fresh counters and bodies).
func (sk *skeleton) build(l *laidOut, rows map[int64]*models.CommentWithAuthor) Comment {
	n := &sk.nodes[l.idx]
	c := Comment{ID: n.id, Status: statusName(n.status), MoreReplies: l.more, Replies: make([]Comment, 0, len(l.replies))}
	if n.parent != 0 {
		p := n.parent
		c.ParentID = &p
	}
	if r, ok := rows[n.id]; ok {
		c = fromRow(r, c)
	}
	for _, child := range l.replies {
		c.Replies = append(c.Replies, sk.build(child, rows))
	}
	return c
}

// fromRow fills c from its row; a tombstone keeps no author and no body.
func fromRow(r *models.CommentWithAuthor, c Comment) Comment {
	c.PostID, c.Depth, c.Status = r.PostID, r.Depth, r.Status
	c.UpCount, c.DownCount, c.LikeCount, c.ReplyCount = r.UpCount, r.DownCount, r.LikeCount, r.ReplyCount
	c.CreatedAt = r.CreatedAt.UTC()
	if r.ParentID != 0 {
		p := r.ParentID
		c.ParentID = &p
	}
	if r.EditedAt != nil {
		t := r.EditedAt.UTC()
		c.EditedAt = &t
	}
	if r.Status == models.CommentVisible {
		md, html := r.BodyMarkdown, r.BodyHTML
		c.BodyMarkdown, c.BodyHTML = &md, &html
		c.Author = &Author{ID: r.AuthorID, Name: r.AuthorName, Picture: r.AuthorPicture}
	}
	return c
}

// Reactions cache encoding: 'r', then per comment with a vote or like its
// id (8 bytes), vote+1 (1 byte) and liked (1 byte).
func encodeReactions(m map[int64]models.CommentReaction) []byte {
	out := make([]byte, 1, 1+10*len(m))
	out[0] = 'r'
	for id, r := range m {
		out = binary.BigEndian.AppendUint64(out, uint64(id))
		liked := byte(0)
		if r.Liked {
			liked = 1
		}
		out = append(out, byte(r.Vote+1), liked)
	}
	return out
}

func decodeReactions(b []byte) (map[int64]models.CommentReaction, bool) {
	if len(b) < 1 || b[0] != 'r' || (len(b)-1)%10 != 0 {
		return nil, false
	}
	out := make(map[int64]models.CommentReaction, (len(b)-1)/10)
	for p := b[1:]; len(p) > 0; p = p[10:] {
		out[int64(binary.BigEndian.Uint64(p))] = models.CommentReaction{Vote: int(p[8]) - 1, Liked: p[9] == 1}
	}
	return out, true
}
