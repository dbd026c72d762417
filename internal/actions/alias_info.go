package actions

import (
	"context"
	"encoding/json"

	"github.com/firmtools/bulk/internal/wire"
)

// aliasInfoFields map aliasInfo's properties to the alias actions' columns.
var aliasInfoFields = map[string]string{
	"id": "alias", "description": "alias_description", "enabled": "enabled", "hipaa": "hipaa", "parent": "parent_alias",
}

// aliasInfoMember is aliasInfo of createCustomOrPropertyLookup (update
// false) or updateCustomField (update true), whose shape the service gives
// per lookup field.
func aliasInfoMember(update bool) *Dynamic {
	d := &Dynamic{
		Member: "aliasInfo",
		Op:     wire.OpGetCreateLookupAliasSchema,
		Arg:    func(v Values) string { return v["lookup_field_id"] },
		What:   func(field string) string { return field + " aliases" },
		Fields: aliasInfoFields,
		Props:  "alias_info",
		Build:  func(v Values, _ Secrets) any { return lookupAliasRequest(v).AliasInfo },
		Read: func(ctx context.Context, r SchemaReader, field string) (json.RawMessage, error) {
			return r.GetCreateLookupAliasSchema(ctx, field)
		},
	}
	if update {
		d.Op = wire.OpGetUpdateCustomFieldSchema
		d.What = func(field string) string { return field + " alias updates" }
		d.Read = func(ctx context.Context, r SchemaReader, field string) (json.RawMessage, error) {
			return r.GetUpdateCustomFieldSchema(ctx, field)
		}
	}
	// The contract's shape: id, description, enabled, hipaa, and parent for
	// the two child fields, where it is required; an update changes at
	// least one of description, enabled, hipaa.
	d.Contract = func(spec *Spec, field string) map[string]any {
		props := map[string]string{}
		required := []string{"id"}
		for p, f := range aliasInfoFields {
			props[p] = f
		}
		if _, child := lookupParent[field]; child {
			required = append(required, "parent")
		} else {
			delete(props, "parent")
		}
		m := contractSchema(spec, props, required...)
		if update {
			m["anyOf"] = []any{
				map[string]any{"required": []string{"description"}},
				map[string]any{"required": []string{"enabled"}},
				map[string]any{"required": []string{"hipaa"}},
			}
		}
		return m
	}
	return d
}
