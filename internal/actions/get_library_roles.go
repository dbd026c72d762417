package actions

import (
	"context"
	"fmt"

	"github.com/firmtools/bulk/internal/wire"
)

// getLibraryRolesSpec is the get-library-roles action.
func getLibraryRolesSpec() *Spec {
	return &Spec{
		Name:      "get-library-roles",
		Operation: wire.OpGetLibraryRoles,
		Summary:   "List the roles of a library (external roles, or the roles a user may be given)",
		Read:      true,
		Fields: []Field{
			libraryField("library_id", "libraryId", "library"),
			boolField("is_external", "false", false),
			userIDField("user_id", false, true, "userId"),
		},
		Repeat:    RepeatSafe,
		KeyFields: []string{"library_id", "is_external", "user_id"},
		Call:      callGetLibraryRoles,
		Needs:     needsUsers("user_id"),
		Shows:     []Shown{{Column: ColumnOutput, What: "how many roles were read, as \"3 roles\""}},
		Items:     idDescriptionItems,
	}
}

func callGetLibraryRoles(ctx context.Context, c Client, v Values, _ Secrets) (Result, error) {
	req := wire.GetLibraryRolesRequest{LibraryID: v["library_id"], IsExternal: v.Bool("is_external"), UserID: v["user_id"]}
	roles, err := c.GetLibraryRoles(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("get-library-roles %s: %w", req.LibraryID, err)
	}
	if roles == nil {
		roles = []wire.IDDescription{}
	}
	return Result{Output: roles}, nil
}
