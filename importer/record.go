package importer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net/mail"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/buger/jsonparser"

	"inkwell/apperror"
	"inkwell/models"
	"inkwell/posts"
)

// Limits of the columns an imported record is stored in.
const (
	maxExternalIDBytes = 255
	maxEmailBytes      = 320
	maxAuthorNameChars = 200
)

// line is one JSON Lines record as exported; unknown fields are ignored.
// Pointers tell a missing field from an empty one.
type line struct {
	ExternalID   *string  `json:"external_id"`
	AuthorEmail  *string  `json:"author_email"`
	AuthorName   string   `json:"author_name"`
	Title        *string  `json:"title"`
	BodyMarkdown *string  `json:"body_markdown"`
	Tags         []string `json:"tags"`
	Status       string   `json:"status"`
	PublishedAt  *string  `json:"published_at"`
	UpdatedAt    *string  `json:"updated_at"`
}

// record is a decoded, validated line.
type record struct {
	ExternalID   string
	AuthorEmail  string
	AuthorName   string
	Title        string
	BodyMarkdown string
	Tags         []string
	Status       string
	PublishedAt  *time.Time
	UpdatedAt    *time.Time
	hash         string // lineHasher's hash of the line
	line         int64
	storedID     int64 // the post imported under the id before, 0 if none
}

// decodeRecord turns one line into a record, or says why it cannot be one.
func decodeRecord(raw []byte) (record, error) {
	if !utf8.Valid(raw) {
		return record{}, errors.New("invalid UTF-8")
	}
	var in line
	if err := json.Unmarshal(raw, &in); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			if typeErr.Field == "" {
				return record{}, fmt.Errorf("wrong type: want a JSON object, got %s", typeErr.Value)
			}
			return record{}, fmt.Errorf("wrong type: %s must be %s, got %s", typeErr.Field, jsonKind(typeErr.Type.String()), typeErr.Value)
		}
		return record{}, fmt.Errorf("malformed JSON: %w", err)
	}
	return in.validate()
}

func jsonKind(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case strings.HasPrefix(goType, "[]"):
		return "an array of strings"
	}
	return goType
}

func (in line) validate() (record, error) {
	var missing []string
	for name, v := range map[string]*string{"external_id": in.ExternalID, "author_email": in.AuthorEmail,
		"title": in.Title, "body_markdown": in.BodyMarkdown} {
		if v == nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return record{}, fmt.Errorf("missing required field(s): %s", strings.Join(missing, ", "))
	}
	r := record{ExternalID: *in.ExternalID, AuthorName: strings.TrimSpace(in.AuthorName), BodyMarkdown: *in.BodyMarkdown}
	switch n := len(r.ExternalID); {
	case strings.TrimSpace(r.ExternalID) == "":
		return record{}, errors.New("external_id must not be empty")
	case n > maxExternalIDBytes:
		return record{}, fmt.Errorf("external_id is %d bytes, more than %d", n, maxExternalIDBytes)
	}
	email := strings.ToLower(strings.TrimSpace(*in.AuthorEmail))
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || len(email) > maxEmailBytes {
		return record{}, fmt.Errorf("author_email %q is not an email address", *in.AuthorEmail)
	}
	r.AuthorEmail = email
	if r.AuthorName == "" {
		r.AuthorName, _, _ = strings.Cut(email, "@")
	}
	if utf8.RuneCountInString(r.AuthorName) > maxAuthorNameChars {
		return record{}, fmt.Errorf("author_name is longer than %d characters", maxAuthorNameChars)
	}
	title, tags, status, err := posts.CheckCreate(posts.CreateInput{Title: *in.Title, BodyMarkdown: r.BodyMarkdown, Tags: in.Tags, Status: in.Status})
	if err != nil {
		return record{}, fieldsReason(err)
	}
	r.Title, r.Tags, r.Status = title, tags, status
	if r.UpdatedAt, err = parseTime("updated_at", in.UpdatedAt); err != nil {
		return record{}, err
	}
	published, err := parseTime("published_at", in.PublishedAt)
	if err != nil {
		return record{}, err
	}
	if r.Status == models.PostPublished {
		if published == nil {
			return record{}, errors.New("published_at is required when status is published")
		}
		r.PublishedAt = published
	}
	return r, nil
}

// parseTime reads an optional RFC 3339 time as UTC.
func parseTime(field string, v *string) (*time.Time, error) {
	if v == nil {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, *v)
	if err != nil {
		return nil, fmt.Errorf("%s %q is not an RFC 3339 time", field, *v)
	}
	t = t.UTC()
	return &t, nil
}

// fieldsReason spells out a posts validation error as one line.
func fieldsReason(err error) error {
	var ae *apperror.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return err
	}
	parts := make([]string, 0, len(ae.Fields))
	for field, why := range ae.Fields {
		parts = append(parts, field+" "+why)
	}
	sort.Strings(parts)
	return errors.New(strings.Join(parts, "; "))
}

// lineHashVersion starts every line hash: a future change to how lines
// become posts changes it, so the next import rewrites every post once.
const lineHashVersion = "inkwell-import-line-v2\n"

// lineHasher computes the content hash stored with an imported post: the
// SHA-256 of the record's line as it stands in the export (without its line
// ending and surrounding spaces). It is computed before anything is decoded,
// so an unchanged line is recognized at the cost of a hash and an index
// lookup. A line re-formatted with the same content (keys reordered, other
// spacing) counts as changed and rewrites its post once, with the same
// result. One lineHasher per goroutine.
type lineHasher struct{ h hash.Hash }

func newLineHasher() *lineHasher { return &lineHasher{h: sha256.New()} }

// sum returns the hex hash of raw.
func (l *lineHasher) sum(raw []byte) string {
	l.h.Reset()
	l.h.Write([]byte(lineHashVersion))
	l.h.Write(raw)
	var sum [sha256.Size]byte
	return hex.EncodeToString(l.h.Sum(sum[:0]))
}

// peekExternalID reads the top-level external_id of a line without decoding
// the rest, or returns "" when that cannot be done cheaply and safely (no
// such string, an escape it cannot take, an id that would not validate):
// such a line is decoded in full, which rejects it with a reason or finds
// its id. A line whose id and hash match a stored post is skipped, which is
// sound because only lines that decoded and validated in full are stored.
func peekExternalID(raw []byte) string {
	v, typ, _, err := jsonparser.Get(raw, "external_id")
	if err != nil || typ != jsonparser.String || len(v) == 0 || len(v) > maxExternalIDBytes {
		return ""
	}
	if bytes.IndexByte(v, '\\') >= 0 {
		s, err := jsonparser.ParseString(v)
		if err != nil || !utf8.ValidString(s) {
			return ""
		}
		return s
	}
	if !utf8.Valid(v) {
		return ""
	}
	return string(v)
}
