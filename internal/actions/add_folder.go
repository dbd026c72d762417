package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/firmtools/bulk/internal/wire"
)

// profileField is one of custom1..custom30 of profileProperties, typed as the
// contract's table says.
func profileField(n int) Field {
	name := "custom" + strconv.Itoa(n)
	f := Field{Name: name, Aliases: []string{"profileProperties." + name, "profile_" + name}}
	switch {
	case slices.Contains(lookupFields, name):
		f.Kind, f.MaxLen, f.Identifier = KindString, 32, true
		f.Rule = "be an alias of " + name + ", at most 32 characters; only with inherit_profile_from_workspace No"
	case n <= 16:
		f.Kind, f.MaxLen = KindString, 96
		f.Rule = "be at most 96 characters; only with inherit_profile_from_workspace No"
	case n <= 20:
		f.Kind = KindNumber
	case n <= 24:
		f.Kind = KindDateTime
	default:
		f.Kind = KindBool
	}
	return f
}

// profileFieldNames are custom1..custom30 in order.
var profileFieldNames = func() []string {
	out := make([]string, 30)
	for i := range out {
		out[i] = "custom" + strconv.Itoa(i+1)
	}
	return out
}()

// addFolderSpec is the add-folder action.
func addFolderSpec() *Spec {
	fields := []Field{
		nameField(),
		containerField("parent_id", "a workspace, tab or folder ID", true, "parentId"),
		{Name: "parent_type", Aliases: []string{"parentType"}, Kind: KindEnum, Required: true,
			Enum: []string{"Workspace", "Tab", "Folder"},
			Rule: "be one of Workspace, Tab, Folder: what parent_id is"},
		{Name: "default_security", Aliases: []string{"security"}, Kind: KindEnum, Required: true, Default: "inherit", Enum: securityEnum},
		{Name: "inherit_profile_from_workspace", Aliases: []string{"inherit_profile"}, Kind: KindEnum, Required: true, Default: "Yes",
			Enum: []string{"Yes", "No"}},
		{Name: "description", Kind: KindString},
		{Name: "email", Kind: KindString, MaxLen: 254, Identifier: true, Match: isFolderEmail,
			Rule: "be a folder e-mail prefix: letters, digits, \".\", \"_\" and \"-\""},
		ownerField(),
		{Name: "class", Kind: KindString, MaxLen: 32, Rule: "be at most 32 characters"},
		{Name: "subclass", Kind: KindString, MaxLen: 32, Rule: "be at most 32 characters"},
		boolField("is_external_as_normal", "false", false),
	}
	for n := 1; n <= 30; n++ {
		fields = append(fields, profileField(n))
	}
	fields = append(fields, propertiesField("profile_properties", "profileProperties"))
	return &Spec{
		Name:        "add-folder",
		Operation:   wire.OpAddFolder,
		Summary:     "Add a folder to a workspace, tab or folder (not idempotent: the same name twice makes two folders)",
		Fields:      fields,
		Repeat:      RepeatIfNotProcessed,
		KeyFields:   []string{"parent_id", "name"},
		RefFields:   []string{"id", "name", "workspace_id"},
		CheckFields: append([]string{"inherit_profile_from_workspace", "profile_properties"}, profileFieldNames...),
		Check:       checkAddFolder,
		Call:        callAddFolder,
		Dynamic:     []*Dynamic{profilePropertiesMember},
		Needs:       folderNeeds,
		CheckRemote: checkProfile,
		Shows: []Shown{
			{Column: ColumnObjectID, What: "the folder's ID"},
			{Column: ColumnName, What: "the folder's name"},
			{Column: ColumnWorkspace, What: "the workspace's name"},
			{Column: ColumnURL, What: "the folder's link"},
			{Column: ColumnOutput, What: "the folder, as the service answered"},
		},
	}
}

// profileAliases are the lookup aliases a folder's own profile uses, by
// lookup field, and the library they are in (its parent's); none when the
// folder inherits its workspace's profile.
func profileAliases(v Values) (lib string, aliases map[string]string) {
	lib, _, ok := strings.Cut(v["parent_id"], "!")
	if !ok || v["inherit_profile_from_workspace"] != "No" {
		return "", nil
	}
	aliases = map[string]string{}
	for _, field := range lookupFields {
		if a := v[field]; a != "" {
			aliases[field] = a
		}
	}
	return lib, aliases
}

// folderNeeds: a folder waits for its owner and for the aliases its
// profile uses, when the manifest creates them.
func folderNeeds(v Values) []Object {
	out := needsUsers("owner")(v)
	lib, aliases := profileAliases(v)
	for _, field := range lookupFields {
		if a, ok := aliases[field]; ok {
			out = append(out, AliasObject(lib, field, a))
		}
	}
	return out
}

// checkProfile checks a folder's lookup-field profile values against the
// aliases of the library its parent is in.
func checkProfile(c RemoteCheck, v Values) error {
	if _, ok := Known(v, "parent_id"); !ok {
		return nil
	}
	lib, aliases := profileAliases(v)
	if lib == "" {
		return nil
	}
	if exists, err := c.HasLibrary(lib); err != nil || !exists {
		return err
	}
	for _, field := range lookupFields {
		alias, ok := aliases[field]
		if _, created := c.Created(AliasObject(lib, field, alias)); !ok || created {
			continue
		}
		parent := ""
		if pf, isChild := lookupParent[field]; isChild {
			parent = aliases[pf]
		}
		existing, ok, err := c.Aliases(lib, field, parent)
		if err != nil {
			return err
		}
		if ok && !existing[alias] {
			c.Problem(field, fmt.Sprintf("%s has no %s alias %q", lib, field, alias))
		}
	}
	return nil
}

// checkAddFolder: profile properties only replace the workspace's profile
// when the folder does not inherit it.
func checkAddFolder(v Values, _ Secrets) []FieldError {
	if v["inherit_profile_from_workspace"] == "No" {
		return nil
	}
	var errs []FieldError
	for _, name := range append([]string{"profile_properties"}, profileFieldNames...) {
		if _, ok := v[name]; ok {
			errs = append(errs, FieldError{Field: name, Message: "is only allowed with inherit_profile_from_workspace No"})
		}
	}
	return errs
}

// profileProperties is the profile a row gives, typed as the contract's
// table says, with the further properties the tenant's schema names; nil
// when it gives none.
func profileProperties(v Values) map[string]any {
	var out map[string]any
	if extra := Properties(v["profile_properties"]); extra != nil {
		out = map[string]any{}
		for k, x := range extra {
			out[k] = x
		}
	}
	for n, name := range profileFieldNames {
		x, ok := v[name]
		if !ok {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		switch f := profileField(n + 1); f.Kind {
		case KindNumber:
			out[name] = json.Number(x)
		case KindBool:
			out[name] = x == "true"
		default:
			out[name] = x
		}
	}
	return out
}

func callAddFolder(ctx context.Context, c Client, v Values, _ Secrets) (Result, error) {
	req := wire.AddFolderRequest{
		Name:                        v["name"],
		ParentID:                    v["parent_id"],
		ParentType:                  v["parent_type"],
		DefaultSecurity:             v["default_security"],
		InheritProfileFromWorkspace: v["inherit_profile_from_workspace"],
		Description:                 v["description"],
		Email:                       v["email"],
		Owner:                       v["owner"],
		Class:                       v["class"],
		Subclass:                    v["subclass"],
		IsExternalAsNormal:          v.Bool("is_external_as_normal"),
	}
	req.ProfileProperties = profileProperties(v)
	folder, err := c.AddFolder(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("add-folder %q in %s: %w", req.Name, req.ParentID, err)
	}
	return Result{
		ObjectID: folder.ID,
		Output:   folder,
		Refs:     map[string]string{"id": folder.ID, "name": folder.Name, "workspace_id": folder.WorkspaceID},
		Columns:  shown(ColumnName, folder.Name, ColumnWorkspace, folder.WorkspaceName, ColumnURL, folder.FolderURL),
	}, nil
}
