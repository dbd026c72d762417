package actions

import (
	"context"
	"fmt"

	"github.com/firmtools/bulk/internal/wire"
)

// updateCustomFieldSpec is the update-custom-field action.
func updateCustomFieldSpec() *Spec {
	return &Spec{
		Name:        "update-custom-field",
		Operation:   wire.OpUpdateCustomField,
		Summary:     "Change the description, enabled or HIPAA flag of an existing lookup alias",
		Fields:      lookupAliasFields("", ""),
		Repeat:      RepeatSafe,
		KeyFields:   []string{"library_id", "lookup_field_id", "parent_alias", "alias"},
		RefFields:   []string{"id"},
		CheckFields: []string{"lookup_field_id", "parent_alias", "alias_description", "enabled", "hipaa", "alias_info"},
		Check:       checkUpdateCustomField,
		Dynamic:     []*Dynamic{aliasInfoMember(true)},
		// It waits for the alias it changes, and for its parent, when the
		// manifest creates them.
		Needs: func(v Values) []Object {
			out := []Object{AliasObject(v["library_id"], v["lookup_field_id"], v["alias"])}
			if p, ok := parentAlias(v); ok {
				out = append(out, p)
			}
			return out
		},
		CheckRemote: func(c RemoteCheck, v Values) error { return checkAlias(c, v, true) },
		Shows:       []Shown{{Column: ColumnObjectID, What: "the alias"}},
		Call: func(ctx context.Context, c Client, v Values, _ Secrets) (Result, error) {
			req := lookupAliasRequest(v)
			if err := c.UpdateCustomField(ctx, req); err != nil {
				return Result{}, fmt.Errorf("update-custom-field %s %s %s: %w", req.LibraryID, req.LookupFieldID, req.AliasInfo.ID, err)
			}
			return Result{ObjectID: req.AliasInfo.ID, Refs: map[string]string{"id": req.AliasInfo.ID}}, nil
		},
	}
}

func checkUpdateCustomField(v Values, _ Secrets) []FieldError {
	errs := checkParentAlias(v, true)
	_, d := v["alias_description"]
	_, e := v["enabled"]
	_, h := v["hipaa"]
	_, p := v["alias_info"] // the tenant's own properties: its schema says whether they count
	if !d && !e && !h && !p {
		errs = append(errs, FieldError{Message: "needs at least one of alias_description, enabled, hipaa or a property of the tenant's (aliasInfo.NAME) to change"})
	}
	return errs
}
