package importer

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

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

// record is a decoded, validated line, normalized so equal content always
// hashes the same.
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
	hash         string
	line         int64
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
		return record{}, fmt.Errorf("malformed JSON: %v", err)
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
	r.hash = r.contentHash()
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

// contentHash is the SHA-256 of the normalized record: formatting, key
// order and unknown fields of the line do not change it, content does.
// Each field is length-prefixed, so no two records hash the same input.
func (r record) contentHash() string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	timeField := func(t *time.Time) {
		if t == nil {
			field("")
			return
		}
		field(t.Format(time.RFC3339Nano))
	}
	field("inkwell-import-v1")
	field(r.ExternalID)
	field(r.AuthorEmail)
	field(r.AuthorName)
	field(r.Title)
	field(r.BodyMarkdown)
	binary.BigEndian.PutUint64(n[:], uint64(len(r.Tags)))
	h.Write(n[:])
	for _, tag := range r.Tags {
		field(tag)
	}
	field(r.Status)
	timeField(r.PublishedAt)
	timeField(r.UpdatedAt)
	return hex.EncodeToString(h.Sum(nil))
}
