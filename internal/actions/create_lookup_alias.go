package actions

import (
	"context"
	"fmt"

	"github.com/firmtools/bulk/internal/wire"
)

// lookupAliasFields are the flattened columns of createCustomOrPropertyLookup
// and updateCustomField: aliasInfo becomes alias, alias_description,
// enabled, hipaa and parent_alias. Neither alias action gives enabled or
// hipaa a default: an empty cell leaves the property out, so the service
// applies its own (a new alias is enabled, not HIPAA; an update leaves it
// as is), and a tenant whose schema does not name the property is not sent
// it.
func lookupAliasFields(enabledDefault, hipaaDefault string) []Field {
	parent := aliasField("parent_alias", false, "parent", "parentAlias", "aliasInfo.parent")
	parent.Rule = "be 1 to 32 characters: an alias of custom1 (for custom2) or custom29 (for custom30); only for those two"
	alias := aliasField("alias", true, "alias_id", "aliasInfo.id")
	alias.Rule = "be 1 to 32 characters: the stored value of the lookup field"
	return []Field{
		libraryField("library_id", "libraryId", "library"),
		lookupFieldField(),
		alias,
		{Name: "alias_description", Aliases: []string{"description", "aliasInfo.description"}, Kind: KindString, MaxLen: 254,
			Rule: "be at most 254 characters"},
		{Name: "enabled", Aliases: []string{"aliasInfo.enabled"}, Kind: KindBool, Default: enabledDefault},
		{Name: "hipaa", Aliases: []string{"aliasInfo.hipaa"}, Kind: KindBool, Default: hipaaDefault},
		parent,
		propertiesField("alias_info", "aliasInfo"),
	}
}

// createLookupAliasSpec is the create-lookup-alias action.
func createLookupAliasSpec() *Spec {
	return &Spec{
		Name:      "create-lookup-alias",
		Operation: wire.OpCreateLookupAlias,
		Summary:   "Create an alias (a value) of a custom or property lookup field",
		Fields:    lookupAliasFields("", ""),
		Repeat:    RepeatRecognizeDuplicate,
		Duplicate: &Duplicate{Code: "DUPLICATE_ALIAS", Result: func(v Values) Result {
			return Result{ObjectID: v["alias"], Refs: map[string]string{"id": v["alias"]}}
		}},
		KeyFields:   []string{"library_id", "lookup_field_id", "parent_alias", "alias"},
		RefFields:   []string{"id"},
		CheckFields: []string{"lookup_field_id", "parent_alias"},
		Check:       func(v Values, _ Secrets) []FieldError { return checkParentAlias(v, true) },
		PreRead:     aliasPreRead,
		Dynamic:     []*Dynamic{aliasInfoMember(false)},
		Creates: func(v Values) []Object {
			if v["library_id"] == "" || v["lookup_field_id"] == "" || v["alias"] == "" {
				return nil
			}
			return []Object{AliasObject(v["library_id"], v["lookup_field_id"], v["alias"])}
		},
		Needs: func(v Values) []Object {
			if p, ok := parentAlias(v); ok {
				return []Object{p}
			}
			return nil
		},
		CheckRemote: func(c RemoteCheck, v Values) error { return checkAlias(c, v, false) },
		Shows: []Shown{
			{Column: ColumnObjectID, What: "the alias"},
			{Column: ColumnOutput, What: "the alias the service already had, when it was there"},
		},
		Call: func(ctx context.Context, c Client, v Values, _ Secrets) (Result, error) {
			req := lookupAliasRequest(v)
			if err := c.CreateLookupAlias(ctx, req); err != nil {
				return Result{}, fmt.Errorf("create-lookup-alias %s %s %s: %w", req.LibraryID, req.LookupFieldID, req.AliasInfo.ID, err)
			}
			return Result{ObjectID: req.AliasInfo.ID, Refs: map[string]string{"id": req.AliasInfo.ID}}, nil
		},
	}
}

func lookupAliasRequest(v Values) wire.LookupAliasRequest {
	return wire.LookupAliasRequest{
		LibraryID:     v["library_id"],
		LookupFieldID: v["lookup_field_id"],
		AliasInfo: wire.AliasInfo{
			ID:          v["alias"],
			Description: strPtr(v, "alias_description"),
			Enabled:     boolPtr(v, "enabled"),
			HIPAA:       boolPtr(v, "hipaa"),
			Parent:      v["parent_alias"],
			Extra:       Properties(v["alias_info"]),
		},
	}
}

// aliasPreRead lists the aliases of each library, field and parent once
// before creating any: an alias already there ends exists (or conflict)
// without a create call, and a DUPLICATE_ALIAS after an ambiguous attempt
// can be told apart from an alias that was there before.
var aliasPreRead = &PreRead{
	Group: func(v Values) string {
		for _, f := range []string{"library_id", "lookup_field_id", "parent_alias"} {
			if HasRef(v[f]) {
				return ""
			}
		}
		return v["library_id"] + "\x00" + v["lookup_field_id"] + "\x00" + v["parent_alias"]
	},
	Describe: func(v Values) string {
		if p := v["parent_alias"]; p != "" {
			return fmt.Sprintf("the %s aliases under %s in %s", v["lookup_field_id"], p, v["library_id"])
		}
		return fmt.Sprintf("the %s aliases in %s", v["lookup_field_id"], v["library_id"])
	},
	Read: func(ctx context.Context, c Reader, v Values) (Seen, error) {
		list, err := c.GetLookupAliases(ctx, wire.GetLookupAliasesRequest{
			LibraryID: v["library_id"], LookupFieldID: v["lookup_field_id"], ParentAlias: v["parent_alias"]})
		if err != nil {
			return nil, err
		}
		return newAliasesSeen(list), nil
	},
}

// aliasesSeen are the aliases a pre-read listed, by ID, and the further
// properties (a tenant's own) the listing shows on any of them.
type aliasesSeen struct {
	byID  map[string]wire.LookupAlias
	shown map[string]bool
}

func newAliasesSeen(list []wire.LookupAlias) aliasesSeen {
	s := aliasesSeen{byID: make(map[string]wire.LookupAlias, len(list)), shown: map[string]bool{}}
	for _, a := range list {
		s.byID[a.ID] = a
		for k := range a.Extra {
			s.shown[k] = true
		}
	}
	return s
}

// Find compares the alias row v would create with the one listed. The
// definition's getLookupAliases answers {id, description} only: the
// description is compared when the row gives one; enabled and hipaa only
// when the service showed them (the simulator does), else the note says
// they were not compared.
func (s aliasesSeen) Find(v Values) (Result, bool) {
	a, ok := s.byID[v["alias"]]
	if !ok {
		return Result{}, false
	}
	var c compare
	if d, given := v["alias_description"]; given {
		c.field("alias_description", a.Description, d, false)
	}
	// An empty enabled or hipaa asks for what a new alias gets.
	c.boolField("enabled", a.Enabled, boolOr(v, "enabled", true))
	c.boolField("hipaa", a.HIPAA, boolOr(v, "hipaa", false))
	props := PropertyTexts(v["alias_info"])
	for _, name := range sortedKeys(props) {
		key := PropertyKey("aliasInfo", name)
		if x, has := a.Extra[name]; has || !s.shown[name] {
			c.property(key, x, props[name])
			continue
		}
		// The listing shows it on other aliases: this one has none.
		c.Differences = append(c.Differences, Difference{Field: key, Absent: true, Row: props[name]})
	}
	return Result{ObjectID: a.ID, Output: a, Refs: map[string]string{"id": a.ID}, Existing: c.result()}, true
}
