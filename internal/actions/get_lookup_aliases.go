package actions

import (
	"context"
	"fmt"

	"github.com/firmtools/bulk/internal/wire"
)

// getLookupAliasesSpec is the get-lookup-aliases action.
func getLookupAliasesSpec() *Spec {
	return &Spec{
		Name:      "get-lookup-aliases",
		Operation: wire.OpGetLookupAliases,
		Summary:   "List the aliases of a lookup field (custom1-custom12, custom29, custom30)",
		Read:      true,
		Fields: []Field{
			libraryField("library_id", "libraryId", "library"),
			lookupFieldField(),
			func() Field {
				f := aliasField("parent_alias", false, "parentAlias", "parent")
				f.Rule = "be 1 to 32 characters: the parent's alias, only for custom2 and custom30"
				return f
			}(),
			boolField("get_parent_aliases", "false", false, "getParentAliases"),
		},
		Repeat:      RepeatSafe,
		KeyFields:   []string{"library_id", "lookup_field_id", "parent_alias", "get_parent_aliases"},
		CheckFields: []string{"lookup_field_id", "parent_alias"},
		Check:       func(v Values, _ Secrets) []FieldError { return checkParentAlias(v, false) },
		Call:        callGetLookupAliases,
		Shows:       []Shown{{Column: ColumnOutput, What: "how many aliases were read, as \"3 aliases\""}},
		Items: listItems("alias", "aliases", []string{"id", "description", "enabled", "hipaa", "parent"},
			func(a wire.LookupAlias) []string {
				return []string{a.ID, optional(a.Description), optionalBool(a.Enabled), optionalBool(a.HIPAA), a.Parent}
			}),
	}
}

func callGetLookupAliases(ctx context.Context, c Client, v Values, _ Secrets) (Result, error) {
	req := wire.GetLookupAliasesRequest{
		LibraryID:        v["library_id"],
		LookupFieldID:    v["lookup_field_id"],
		ParentAlias:      v["parent_alias"],
		GetParentAliases: v.Bool("get_parent_aliases"),
	}
	aliases, err := c.GetLookupAliases(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("get-lookup-aliases %s %s: %w", req.LibraryID, req.LookupFieldID, err)
	}
	if aliases == nil {
		aliases = []wire.LookupAlias{}
	}
	return Result{Output: aliases}, nil
}
