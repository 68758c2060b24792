package model

import (
	"strconv"
	"strings"
)

// Plural is "1 member", "2,500 members" ("activity" → "activities"): counts
// in the words people read, in the UI, the server's pages and the CLI.
func Plural(n int, noun string) string {
	s := GroupDigits(n) + " " + noun
	if n == 1 || noun == "min" {
		return s
	}
	if strings.HasSuffix(noun, "ty") {
		return strings.TrimSuffix(s, "y") + "ies"
	}
	return s + "s"
}

// GroupDigits writes n with thousands separators ("10,000"), for limits and
// counts quoted in messages people read.
func GroupDigits(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
