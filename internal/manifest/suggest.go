package manifest

import (
	"fmt"

	"github.com/firmtools/bulk/internal/actions"
)

// didYouMean returns `; did you mean "x"?` for the candidate closest to s
// (compared folded, as columns are), or "" when none is close.
func didYouMean(s string, candidates []string) string {
	if best := closest(s, candidates); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return ""
}

func closest(s string, candidates []string) string {
	fs := []rune(actions.FoldName(s))
	if len(fs) == 0 || len(fs) > 64 {
		return ""
	}
	best, bestD := "", 0
	for _, c := range candidates {
		fc := []rune(actions.FoldName(c))
		d := levenshtein(fs, fc)
		limit := max(len(fc)/3, 2)
		if d <= limit && (best == "" || d < bestD) {
			best, bestD = c, d
		}
	}
	return best
}

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
