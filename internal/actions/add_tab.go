package actions

import (
	"context"
	"fmt"

	"github.com/firmtools/bulk/internal/wire"
)

var securityEnum = []string{"inherit", "private", "view", "public"}

func nameField() Field {
	return Field{Name: "name", Kind: KindString, Required: true, MinLen: 1, MaxLen: 254,
		Match: isObjectName,
		Rule:  "be 1 to 254 characters, not blank, with no backslash, control character or emoji"}
}

// addTabSpec is the add-tab action.
func addTabSpec() *Spec {
	return &Spec{
		Name:      "add-tab",
		Operation: wire.OpAddTab,
		Summary:   "Add a tab to a workspace (not idempotent: the same name twice makes two tabs)",
		Fields: []Field{
			nameField(),
			containerField("parent_id", "a workspace ID", true, "parentId", "workspace_id", "workspaceId"),
			{Name: "default_security", Aliases: []string{"security"}, Kind: KindEnum, Required: true, Default: "inherit", Enum: securityEnum},
			{Name: "description", Kind: KindString},
			ownerField(),
		},
		Repeat:    RepeatIfNotProcessed,
		KeyFields: []string{"parent_id", "name"},
		RefFields: []string{"id", "name", "workspace_id"},
		Call:      callAddTab,
		Needs:     needsUsers("owner"),
		Shows: []Shown{
			{Column: ColumnObjectID, What: "the tab's ID"},
			{Column: ColumnName, What: "the tab's name"},
			{Column: ColumnWorkspace, What: "the workspace's name"},
			{Column: ColumnURL, What: "the tab's link"},
			{Column: ColumnOutput, What: "the tab, as the service answered"},
		},
	}
}

func callAddTab(ctx context.Context, c Client, v Values, _ Secrets) (Result, error) {
	req := wire.AddTabRequest{
		Name:            v["name"],
		ParentID:        v["parent_id"],
		DefaultSecurity: v["default_security"],
		Description:     v["description"],
		Owner:           v["owner"],
	}
	tab, err := c.AddTab(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("add-tab %q in %s: %w", req.Name, req.ParentID, err)
	}
	return Result{
		ObjectID: tab.ID,
		Output:   tab,
		Refs:     map[string]string{"id": tab.ID, "name": tab.Name, "workspace_id": tab.WorkspaceID},
		Columns:  shown(ColumnName, tab.Name, ColumnWorkspace, tab.WorkspaceName, ColumnURL, tab.TabURL),
	}, nil
}
