package ratelimit_test

import "regexp"

func regexpOf(s string) *regexp.Regexp { return regexp.MustCompile(s) }
