package actions

import (
	"context"
	"fmt"

	"github.com/firmtools/bulk/internal/wire"
)

// assignUserToLibrarySpec is the assign-user-to-library action.
func assignUserToLibrarySpec() *Spec {
	return &Spec{
		Name:      "assign-user-to-library",
		Operation: wire.OpAssignUserToLibrary,
		Summary:   "Give an existing user a role in a library",
		Fields: []Field{
			libraryField("library_id", "libraryId", "library"),
			userIDField("user_id", true, true, "userId"),
			{Name: "role", Kind: KindString, Required: true, MaxLen: 254, Identifier: true,
				Rule: "be a role of the library that this user may hold, like ATTORNEY"},
			boolField("is_preferred_library", "false", true, "preferred"),
		},
		Repeat:    RepeatSafe,
		KeyFields: []string{"user_id", "library_id"},
		RefFields: []string{"user_num"},
		Call:      callAssignUserToLibrary,
		Needs:     needsUsers("user_id"),
		CheckRemote: func(c RemoteCheck, v Values) error {
			ext := []bool{false, true} // an existing user may be internal or external
			if u, ok := c.Created(UserObject(v["user_id"])); ok {
				ext = []bool{u.Bool("is_external")}
			}
			return checkRole(c, v, "library_id", ext)
		},
		Shows: []Shown{
			{Column: ColumnUserNum, What: "the user's number"},
			{Column: ColumnOutput, What: "user_num as the service wrote it, when it is not a whole number"},
		},
	}
}

func callAssignUserToLibrary(ctx context.Context, c Client, v Values, _ Secrets) (Result, error) {
	req := wire.AssignUserToLibraryRequest{
		LibraryID:          v["library_id"],
		UserID:             v["user_id"],
		Role:               v["role"],
		IsPreferredLibrary: v.Bool("is_preferred_library"),
	}
	res, err := c.AssignUserToLibrary(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("assign-user-to-library %s to %s: %w", req.UserID, req.LibraryID, err)
	}
	if num, ok := res.UserNumInt(); ok {
		return Result{UserNum: &num, Refs: map[string]string{"user_num": itoa(num)}}, nil
	}
	// The assignment was made: a user_num that is not a whole number is
	// kept as the service wrote it, not rounded and not a failure.
	given := res.UserNum.String()
	return Result{
		Output: map[string]any{"user_num": res.UserNum, "note": "user_num is not a whole number; kept as the service wrote it"},
		Refs:   map[string]string{"user_num": given},
	}, nil
}
