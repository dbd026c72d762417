package actions

import (
	"context"
	"encoding/json"

	"github.com/firmtools/bulk/internal/wire"
)

// profilePropertiesMember is add-folder's profileProperties, whose shape the
// service gives per inherit_profile_from_workspace. A row without profile
// values sends none, and needs no schema.
var profilePropertiesMember = &Dynamic{
	Member: "profileProperties",
	Op:     wire.OpGetAddFolderPropertiesSchema,
	Arg: func(v Values) string {
		if _, ok := v["profile_properties"]; ok {
			return v["inherit_profile_from_workspace"]
		}
		for _, name := range profileFieldNames {
			if _, ok := v[name]; ok {
				return v["inherit_profile_from_workspace"]
			}
		}
		return ""
	},
	Props:  "profile_properties",
	What:   func(inherit string) string { return "profileProperties with inherit_profile_from_workspace " + inherit },
	Fields: profilePropertyFields,
	Build:  func(v Values, _ Secrets) any { return profileProperties(v) },
	Read: func(ctx context.Context, r SchemaReader, inherit string) (json.RawMessage, error) {
		return r.GetAddFolderPropertiesSchema(ctx, inherit)
	},
	// The contract's shape: the thirty custom fields, typed, with "No";
	// none with "Yes".
	Contract: func(spec *Spec, inherit string) map[string]any {
		if inherit != "No" {
			return contractSchema(spec, nil)
		}
		return contractSchema(spec, profilePropertyFields)
	},
}

// profilePropertyFields: each profile property is filled by the column of
// its name.
var profilePropertyFields = func() map[string]string {
	m := map[string]string{}
	for _, name := range profileFieldNames {
		m[name] = name
	}
	return m
}()
