// Package names compares the names people type (columns, fields, actions,
// YAML keys, sheets, libraries, roles) as the program matches them, and
// suggests the closest known name when one is not known. It is the one
// distance the program's "did you mean" suggestions use.
package names

import (
	"fmt"
	"strings"
)

// Fold folds a name for matching: lower case, without spaces, "_" and "-".
// "Full Name", "full_name" and "fullName" all fold to "fullname".
func Fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch r {
		case ' ', '_', '-', '\t':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// DidYouMean returns `; did you mean "x"?` for the candidate closest to s,
// or "" when none is close.
func DidYouMean(s string, candidates []string) string {
	if best := Closest(s, candidates); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return ""
}

// Closest returns the candidate nearest to s, compared folded, when it is
// close: at most a third of its letters (and at least two) away. "" when
// none is, or s is empty or longer than 64 letters folded.
func Closest(s string, candidates []string) string {
	fs := []rune(Fold(s))
	if len(fs) == 0 || len(fs) > 64 {
		return ""
	}
	best, bestD := "", 0
	for _, c := range candidates {
		fc := []rune(Fold(c))
		d := levenshtein(fs, fc)
		limit := max(len(fc)/3, 2)
		if d <= limit && (best == "" || d < bestD) {
			best, bestD = c, d
		}
	}
	return best
}

// levenshtein is the edit distance between a and b: insertions,
// deletions and substitutions, each one.
func levenshtein(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
