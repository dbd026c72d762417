package actions

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/firmtools/bulk/internal/wire"
)

// addMyMattersShortcutsSpec is the add-my-matters-shortcuts action.
func addMyMattersShortcutsSpec() *Spec {
	ws := containerField("workspace_id", "workspace IDs, several separated by \";\" or \"|\"", true,
		"workspace_ids", "workspaces", "workspaceId")
	ws.Kind = KindList
	ws.Rule = "look like LIBRARY!123: one or more workspace IDs separated by \";\" or \"|\""
	return &Spec{
		Name:      "add-my-matters-shortcuts",
		Operation: wire.OpAddShortcutsToMyMatters,
		Summary:   "Add workspace shortcuts to a user's My Matters (rows for the same user and category share one call)",
		Fields: []Field{
			userIDField("user_id", true, true, "userId"),
			ws,
			containerField("category_id", "a My Matters category of that user; empty: the user's My Matters", false, "categoryId", "category"),
		},
		Repeat:    RepeatSafe,
		KeyFields: []string{"user_id", "category_id", "workspace_id"},
		RefFields: []string{"id"},
		Call:      callAddShortcuts,
		// Rows for the same user and category share one call.
		Batch: &Batcher{
			// User IDs compare ignoring case: iManage keeps them in upper case.
			Key:  func(v Values) string { return strings.ToUpper(v["user_id"]) + "\x00" + v["category_id"] },
			Size: func(v Values) int { return len(splitList(v["workspace_id"])) },
			Max:  maxShortcutsPerCall,
			Call: callShortcutBatch,
		},
		Needs:       needsUsers("user_id"),
		CheckRemote: checkCategory,
		Shows: []Shown{
			{Column: ColumnObjectID, What: "the shortcuts' IDs, separated by \";\""},
			{Column: ColumnOutput, What: "the shortcuts, as the service answered"},
		},
	}
}

// checkCategory checks that the row's category is one of the user's My
// Matters categories. A user the manifest creates has only the categories
// every user gets: its rows are not checked.
func checkCategory(c RemoteCheck, v Values) error {
	user, ok1 := Known(v, "user_id")
	cat, ok2 := Known(v, "category_id")
	if !ok1 || !ok2 {
		return nil
	}
	if _, created := c.Created(UserObject(user)); created {
		return nil // its categories come with the user
	}
	cats, refused, err := c.Categories(user)
	if err != nil {
		return err
	}
	if refused != nil {
		if c.First("refused user\x00" + user) {
			msg := fmt.Sprintf("the service has no user %q", user)
			if !refused.NotFound {
				msg = fmt.Sprintf("the service refused to list the My Matters categories of %q: %s", user, refused.Code)
			}
			c.Problem("user_id", msg)
		}
		return nil
	}
	if !cats[cat] {
		ids := make([]string, 0, len(cats))
		for id := range cats {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		c.Problem("category_id", fmt.Sprintf("%q is not a My Matters category of %s; theirs are %s", cat, user, strings.Join(ids, ", ")))
	}
	return nil
}

func callAddShortcuts(ctx context.Context, c Client, v Values, _ Secrets) (Result, error) {
	req := wire.AddShortcutsRequest{UserID: v["user_id"], CategoryID: v["category_id"]}
	for _, w := range strings.Split(v["workspace_id"], ";") {
		if w = strings.TrimSpace(w); w != "" {
			req.WorkspaceIDs = append(req.WorkspaceIDs, w)
		}
	}
	res, err := c.AddShortcutsToMyMatters(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("add-my-matters-shortcuts for %s: %w", req.UserID, err)
	}
	shortcuts := res.Shortcuts
	if shortcuts == nil {
		shortcuts = []wire.Shortcut{}
	}
	return Result{
		ObjectID: res.AllWorkspaceShortcutIDs,
		Output:   shortcuts,
		Refs:     map[string]string{"id": res.AllWorkspaceShortcutIDs},
	}, nil
}

// maxShortcutsPerCall keeps a merged request well within what a gateway
// accepts in one body.
const maxShortcutsPerCall = 100

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
