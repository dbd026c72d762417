package actions

import (
	"context"
	"strings"
)

// Batcher lets one call serve several rows of the same action (Spec.Batch).
// The service allows 100 calls a minute; addShortcutsToMyMattersAdmin takes
// many workspace IDs per call, so rows for the same user and category are
// sent together and each row still gets its own result.
type Batcher struct {
	// Key groups rows one call can serve; rows with different keys are never
	// merged.
	Key func(v Values) string
	// Size is how much of a call's capacity a row uses (workspace IDs).
	Size func(v Values) int
	// Max is the most a single call may carry.
	Max int
	// Call sends one request for all rows and returns one result per row,
	// in the order given. A row the answer does not cover gets an error of
	// its own; err is for the call as a whole.
	Call func(ctx context.Context, c Client, rows []Values) (results []BatchResult, err error)
}

// BatchResult is one row's share of a batched call.
type BatchResult struct {
	Result Result
	Err    error
}

// splitList splits a list cell on ";" or "|", trimmed, without empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
