package posts

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"inkwell/apperror"
	"inkwell/models"
)

// Limits of docs/api.md.
const (
	MaxTitleChars = 200
	MaxBodyChars  = 200_000
	MaxTags       = 10
	MaxTagChars   = 32
)

var tagPattern = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// CreateInput is the body of POST /api/v1/posts.
type CreateInput struct {
	Title        string   `json:"title"`
	BodyMarkdown string   `json:"body_markdown"`
	Tags         []string `json:"tags"`
	// Status is draft (the default) or published.
	Status string `json:"status" enums:"draft,published"`
}

// UpdateInput is the body of PATCH /api/v1/posts/{id}: absent fields stay.
type UpdateInput struct {
	Title        *string `json:"title"`
	BodyMarkdown *string `json:"body_markdown"`
	// Tags replaces the tags when present; [] removes them all, while an
	// absent (or null) tags leaves them as they are.
	Tags   []string `json:"tags"`
	Status *string  `json:"status" enums:"draft,published"`
}

// fieldErrors collects what is wrong with each input field.
type fieldErrors map[string]string

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return apperror.Validation(f)
}

func (f fieldErrors) title(title string) string {
	title = strings.TrimSpace(title)
	switch n := utf8.RuneCountInString(title); {
	case n == 0:
		f["title"] = "required"
	case n > MaxTitleChars:
		f["title"] = fmt.Sprintf("must be at most %d characters", MaxTitleChars)
	case strings.IndexFunc(title, isLineOrControl) >= 0:
		f["title"] = "must not contain control characters such as line breaks"
	case strings.IndexFunc(title, isBidiControl) >= 0:
		f["title"] = "must not contain bidirectional embedding, override or isolate characters (U+202A-U+202E, U+2066-U+2069)"
	case strings.IndexFunc(title, isVisible) < 0:
		f["title"] = "must contain visible characters"
	}
	return title
}

// isLineOrControl reports the characters a one-line title must not hold:
// C0/C1 controls and the Unicode line and paragraph separators (U+2028,
// U+2029), which break lines where they are shown.
func isLineOrControl(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp)
}

// isBidiControl reports the explicit bidirectional embeddings, overrides
// and isolates, which reorder the text around them (a title could show
// one thing and say another, or spill its direction into the page). The
// marks LRM, RLM and ALM stay allowed: mixed-direction titles need them.
func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// isVisible reports characters that show something: letters, digits,
// punctuation and symbols, except the fillers that render as blank
// (Hangul fillers, Braille blank). A title of only spaces, zero-width or
// format characters and marks shows nothing and is refused.
func isVisible(r rune) bool {
	switch r {
	case '\u115F', '\u1160', '\u3164', '\uFFA0', '\u2800':
		return false
	}
	return unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S)
}

func (f fieldErrors) body(body string) {
	if utf8.RuneCountInString(body) > MaxBodyChars {
		f["body_markdown"] = fmt.Sprintf("must be at most %d characters", MaxBodyChars)
	}
}

// tags validates the list and drops repeats, keeping the first of each.
func (f fieldErrors) tags(tags []string) []string {
	if len(tags) > MaxTags {
		f["tags"] = fmt.Sprintf("at most %d tags", MaxTags)
		return nil
	}
	out := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for i, tag := range tags {
		if !tagPattern.MatchString(tag) {
			f[fmt.Sprintf("tags[%d]", i)] = fmt.Sprintf("must be 1-%d characters of a-z, 0-9 and -", MaxTagChars)
			continue
		}
		if !seen[tag] {
			seen[tag] = true
			out = append(out, tag)
		}
	}
	return out
}

func (f fieldErrors) status(status string) string {
	switch status {
	case models.PostDraft, models.PostPublished:
	default:
		f["status"] = "must be draft or published"
	}
	return status
}

// validCreate is a checked CreateInput.
type validCreate struct {
	title, body, status string
	tags                []string
}

func (in CreateInput) validate() (validCreate, error) {
	f := fieldErrors{}
	status := in.Status
	if status == "" {
		status = models.PostDraft
	}
	v := validCreate{title: f.title(in.Title), body: in.BodyMarkdown, tags: f.tags(in.Tags), status: f.status(status)}
	f.body(in.BodyMarkdown)
	return v, f.err()
}

func (in UpdateInput) validate() (UpdateInput, error) {
	f := fieldErrors{}
	out := in
	if in.Title != nil {
		t := f.title(*in.Title)
		out.Title = &t
	}
	if in.BodyMarkdown != nil {
		f.body(*in.BodyMarkdown)
	}
	if in.Tags != nil {
		out.Tags = f.tags(in.Tags)
	}
	if in.Status != nil {
		f.status(*in.Status)
	}
	return out, f.err()
}

// Slugify makes the URL-friendly form of a title: lower-case letters and
// digits joined by single hyphens, at most 80 characters.
func Slugify(title string) string {
	var b strings.Builder
	hyphen := false
	n := 0
	for _, r := range strings.ToLower(title) {
		if n >= 80 {
			break
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
				n++
			}
			b.WriteRune(r)
			n++
			hyphen = false
			continue
		}
		hyphen = true
	}
	if b.Len() == 0 {
		return "post"
	}
	return b.String()
}
