package actions

import (
	"context"
	"fmt"
	"strings"

	"github.com/firmtools/bulk/internal/wire"
)

func init() {
	ws := containerField("workspace_id", "workspace IDs, several separated by \";\" or \"|\"", true,
		"workspace_ids", "workspaces", "workspaceId")
	ws.Kind = KindList
	ws.Rule = "look like LIBRARY!123: one or more workspace IDs separated by \";\" or \"|\""
	Register(&Spec{
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
	})
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
