package media

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Folder rules of API.md: '/'-separated segments of [a-z0-9_-]{1,64}, at
// most MaxFolderDepth of them; the empty string is the library's root.
const (
	MaxFolderDepth = 5
	MaxNameRunes   = 200
)

var segmentRE = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)

// NormalizeFolder checks a folder path and returns its stored form (no
// leading or trailing '/'), or a reason it is invalid.
func NormalizeFolder(s string) (string, string) {
	s = strings.Trim(s, "/")
	if s == "" {
		return "", ""
	}
	segs := strings.Split(s, "/")
	if len(segs) > MaxFolderDepth {
		return "", "at most 5 levels of folders"
	}
	for _, seg := range segs {
		if !segmentRE.MatchString(seg) {
			return "", "each folder name is 1-64 of a-z, 0-9, '_' and '-', separated by '/'"
		}
	}
	return s, ""
}

// NormalizeName checks an item's display name (trimmed, 1-200 characters,
// no control characters) and returns it, or a reason it is invalid.
func NormalizeName(s string) (string, string) {
	s = strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(s):
		return "", "must be UTF-8 text"
	case s == "":
		return "", "must not be empty"
	case utf8.RuneCountInString(s) > MaxNameRunes:
		return "", "at most 200 characters"
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "", "must not contain control characters"
	}
	return s, ""
}

// childFolders returns the direct subfolders of parent among folders
// (full paths, each once, in the order given).
func childFolders(parent string, folders []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, f := range folders {
		rest := f
		if parent != "" {
			if !strings.HasPrefix(f, parent+"/") {
				continue
			}
			rest = f[len(parent)+1:]
		}
		if rest == "" {
			continue
		}
		child, _, _ := strings.Cut(rest, "/")
		if parent != "" {
			child = parent + "/" + child
		}
		if !seen[child] {
			seen[child] = true
			out = append(out, child)
		}
	}
	return out
}
