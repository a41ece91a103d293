package ot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Bounds on what Parse accepts, so one request's op costs bounded work: a
// post body is at most 200,000 code points, and a real edit has a handful of
// components.
const (
	// MaxOpBytes bounds the JSON text of one op.
	MaxOpBytes = 1 << 20
	// MaxComponents bounds the components of one op.
	MaxComponents = 10_000
	// MaxCount bounds one skip or delete; larger ones can never fit a post.
	MaxCount = 1 << 24
)

// ErrSyntax wraps every Parse failure, so callers can answer 400.
var ErrSyntax = errors.New("ot: invalid op")

// Parse reads an op in its JSON form and checks it (Check). Numbers must be
// integers (1e2 and 3.0 are fine, 1.5 is not); an object must be {"d": n} or
// the invertible {"d": "text"}, which is read as a delete of that many code
// points (the package's stripInvertible; this port keeps no deleted text).
// Stricter than the package, which lets through booleans, fractional skips
// and extra object keys.
func Parse(data []byte) (Op, error) {
	if len(data) > MaxOpBytes {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrSyntax, MaxOpBytes)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return nil, fmt.Errorf("%w: op must be an array of components", ErrSyntax)
	}
	if len(raw) > MaxComponents {
		return nil, fmt.Errorf("%w: more than %d components", ErrSyntax, MaxComponents)
	}
	op := make(Op, 0, len(raw))
	for i, r := range raw {
		c, err := parseComponent(r)
		if err != nil {
			return nil, fmt.Errorf("%w: component %d: %w", ErrSyntax, i, err)
		}
		op = append(op, c)
	}
	if err := Check(op); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSyntax, err)
	}
	return op, nil
}

func parseComponent(r json.RawMessage) (Component, error) {
	r = bytes.TrimSpace(r)
	if len(r) == 0 {
		return Component{}, errors.New("empty")
	}
	switch r[0] {
	case '"':
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return Component{}, err
		}
		if s == "" {
			return Component{}, ErrEmptyInsert
		}
		return Insert(s), nil
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(r, &obj); err != nil {
			return Component{}, err
		}
		d, ok := obj["d"]
		if !ok || len(obj) != 1 {
			return Component{}, errors.New(`an object must be {"d": n}`)
		}
		d = bytes.TrimSpace(d)
		if len(d) > 0 && d[0] == '"' {
			var s string
			if err := json.Unmarshal(d, &s); err != nil {
				return Component{}, err
			}
			if s == "" {
				return Component{}, ErrEmptyDelete
			}
			return Delete(utf8.RuneCountInString(s)), nil
		}
		n, err := parseCount(d)
		if err != nil {
			return Component{}, fmt.Errorf("delete: %w", err)
		}
		return Delete(n), nil
	default:
		n, err := parseCount(r)
		if err != nil {
			return Component{}, fmt.Errorf("skip: %w", err)
		}
		return Retain(n), nil
	}
}

// parseCount reads a JSON number that must be a positive integer.
func parseCount(r json.RawMessage) (int, error) {
	var num json.Number
	if err := json.Unmarshal(r, &num); err != nil {
		return 0, errors.New("must be a number")
	}
	f, err := strconv.ParseFloat(num.String(), 64)
	if err != nil || f != math.Trunc(f) {
		return 0, errors.New("must be an integer")
	}
	if f <= 0 {
		return 0, errors.New("must be > 0")
	}
	if f > MaxCount {
		return 0, fmt.Errorf("must be at most %d", MaxCount)
	}
	return int(f), nil
}

// UnmarshalJSON implements json.Unmarshaler with Parse.
func (op *Op) UnmarshalJSON(data []byte) error {
	parsed, err := Parse(data)
	if err != nil {
		return err
	}
	*op = parsed
	return nil
}

// MarshalJSON writes the package's JSON form; a nil op is [].
func (op Op) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, c := range op {
		if i > 0 {
			b.WriteByte(',')
		}
		switch c.Kind {
		case KindRetain:
			b.WriteString(strconv.Itoa(c.N))
		case KindDelete:
			b.WriteString(`{"d":`)
			b.WriteString(strconv.Itoa(c.N))
			b.WriteByte('}')
		case KindInsert:
			s, err := json.Marshal(c.Text)
			if err != nil {
				return nil, err
			}
			b.Write(s)
		default:
			return nil, fmt.Errorf("ot: marshal component %d: %w", i, ErrBadComponent)
		}
	}
	b.WriteByte(']')
	return b.Bytes(), nil
}

// String is the JSON form, for messages and logs.
func (op Op) String() string {
	b, err := op.MarshalJSON()
	if err != nil {
		return fmt.Sprintf("%#v", []Component(op))
	}
	return string(b)
}
