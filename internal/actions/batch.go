package actions

import (
	"context"
	"fmt"
	"strings"

	"github.com/firmtools/bulk/internal/wire"
)

// Batcher lets one call serve several rows of the same action. The service
// allows 100 calls a minute; addShortcutsToMyMattersAdmin takes many
// workspace IDs per call, so rows for the same user and category are sent
// together and each row still gets its own result.
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

// maxShortcutsPerCall keeps a merged request well within what a gateway
// accepts in one body.
const maxShortcutsPerCall = 100

var batchers = map[string]*Batcher{
	"add-my-matters-shortcuts": {
		// User IDs compare ignoring case: iManage keeps them in upper case.
		Key:  func(v Values) string { return strings.ToUpper(v["user_id"]) + "\x00" + v["category_id"] },
		Size: func(v Values) int { return len(splitList(v["workspace_id"])) },
		Max:  maxShortcutsPerCall,
		Call: callShortcutBatch,
	},
}

// BatcherFor returns the batcher of an action, if it has one.
func BatcherFor(s *Spec) (*Batcher, bool) {
	b, ok := batchers[s.Name]
	return b, ok
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func callShortcutBatch(ctx context.Context, c Client, rows []Values) ([]BatchResult, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	req := wire.AddShortcutsRequest{UserID: rows[0]["user_id"], CategoryID: rows[0]["category_id"]}
	seen := map[string]bool{}
	for _, v := range rows {
		for _, id := range splitList(v["workspace_id"]) {
			if !seen[id] {
				seen[id] = true
				req.WorkspaceIDs = append(req.WorkspaceIDs, id)
			}
		}
	}
	ans, err := c.AddShortcutsToMyMatters(ctx, req)
	if err != nil {
		return nil, err
	}
	byTarget := map[string]wire.Shortcut{}
	for _, s := range ans.Shortcuts {
		byTarget[s.Target.ID] = s
	}
	out := make([]BatchResult, len(rows))
	for i, v := range rows {
		var mine []wire.Shortcut
		var ids, missing []string
		for _, ws := range splitList(v["workspace_id"]) {
			if s, ok := byTarget[ws]; ok {
				mine = append(mine, s)
				ids = append(ids, s.ID)
			} else {
				missing = append(missing, ws)
			}
		}
		if len(missing) > 0 {
			out[i].Err = fmt.Errorf("addShortcutsToMyMattersAdmin: the answer has no shortcut for workspace %s", strings.Join(missing, ", "))
		}
		out[i].Result = Result{
			ObjectID: strings.Join(ids, ";"),
			Output:   mine,
			Refs:     map[string]string{"id": strings.Join(ids, ";"), "all_workspace_shortcut_ids": strings.Join(ids, ";")},
		}
	}
	return out, nil
}
