package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/secret"
	"github.com/firmtools/bulk/internal/wire"
)

func mustSpec(t *testing.T, name string) *Spec {
	t.Helper()
	s, ok := Lookup(name)
	if !ok {
		t.Fatalf("no action %s", name)
	}
	return s
}

func errStrings(errs []FieldError) []string {
	out := []string{}
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// merge returns base with over applied; an empty value in over deletes.
func merge(base, over map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

type validateCase struct {
	name   string
	raw    map[string]string
	want   []string          // FieldError strings, in order
	values map[string]string // expected Values entries (subset)
}

func runValidateCases(t *testing.T, action string, base map[string]string, cases []validateCase) {
	t.Helper()
	s := mustSpec(t, action)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			v, sec, errs := s.Validate(merge(base, tt.raw))
			got := errStrings(errs)
			want := tt.want
			if want == nil {
				want = []string{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("errors:\n got %q\nwant %q", got, want)
			}
			for k, x := range tt.values {
				if v[k] != x {
					t.Errorf("Values[%s] = %q, want %q", k, v[k], x)
				}
			}
			for k := range sec {
				if _, leak := v[k]; leak {
					t.Errorf("secret %s is also in Values", k)
				}
			}
		})
	}
}

func TestValidateCreateUser(t *testing.T) {
	base := map[string]string{"full_name": "Jo Smith", "id": "JSMITH", "email": "jo@firm.com",
		"preferred_library": "ACTIVE_US", "role": "ATTORNEY"}
	runValidateCases(t, "create-user", base, []validateCase{
		{name: "defaults", values: map[string]string{"is_external": "false", "ignore_if_user_already_exists": "true",
			"password_create_method": SendAnEmail}},
		{name: "all missing", raw: map[string]string{"full_name": "", "id": "", "email": "", "preferred_library": "", "role": ""},
			want: []string{"full_name: is required", "id: is required", "email: is required", "preferred_library: is required", "role: is required"}},
		{name: "id with space", raw: map[string]string{"id": "J SMITH"},
			want: []string{`id: must be a user ID like JSMITH (no spaces or control characters), not "J SMITH"`}},
		{name: "bad email", raw: map[string]string{"email": "jo.firm.com"},
			want: []string{`email: must be an e-mail address like name@firm.com, not "jo.firm.com": it has no @`}},
		{name: "email with a space", raw: map[string]string{"email": "jane doe@firm.com"},
			want: []string{`email: must be an e-mail address like name@firm.com, not "jane doe@firm.com": it has a space`}},
		{name: "email with an accent", raw: map[string]string{"email": "zoë@firm.example.com"},
			want: []string{"email: must be an e-mail address like name@firm.com, not \"zoë@firm.example.com\": 'ë' is not allowed (letters A-Z, digits and +*.&_`~|$%^?!'#={}/- only)"}},
		{name: "one-letter top-level domain", raw: map[string]string{"email": "abc@b.c"},
			want: []string{`email: must be an e-mail address like name@firm.com, not "abc@b.c": the part after the @ needs a dot with at least two characters after it, like firm.com`}},
		{name: "two-letter top-level domain", raw: map[string]string{"email": "abc@b.co"}, values: map[string]string{"email": "abc@b.co"}},
		{name: "library with space", raw: map[string]string{"preferred_library": "ACTIVE US"},
			want: []string{`preferred_library: must be a library name like ACTIVE_US (no spaces, no "!"), not "ACTIVE US"`}},
		{name: "bool spellings", raw: map[string]string{"is_external": "Y", "ignore_if_user_already_exists": "no"},
			values: map[string]string{"is_external": "true", "ignore_if_user_already_exists": "false"}},
		{name: "create password ok", raw: map[string]string{"password_create_method": "create a password", "password": "correct horse", "force_password_change": "yes"},
			values: map[string]string{"password_create_method": CreateAPassword, "force_password_change": "true"}},
		{name: "create password missing", raw: map[string]string{"password_create_method": CreateAPassword},
			want: []string{`password: is required when password_create_method is "Create a password" (8 to 128 characters)`}},
		{name: "create password generated later", raw: map[string]string{"password_create_method": CreateAPassword, GeneratePasswordField: "true"}},
		{name: "password too short", raw: map[string]string{"password_create_method": CreateAPassword, "password": "hunter2"},
			// Only one problem for the field: the cross-field rule would repeat it.
			want: []string{`password: must be 8 to 128 characters; only with password_create_method "Create a password" (never shown back)`}},
		{name: "password refused with email", raw: map[string]string{"password": "correct horse", "force_password_change": "true"},
			want: []string{`password: must be empty when password_create_method is "Send an email" (the user sets one from the e-mail)`,
				`force_password_change: only applies when password_create_method is "Create a password"`}},
		{name: "reference not allowed", raw: map[string]string{"email": "${x.id}"},
			want: []string{"email: cannot hold a ${name.field} reference; it must be given as a value"}},
		{name: "unknown field", raw: map[string]string{"colour": "blue"},
			want: []string{"colour: is not a field of create-user"}},
		{name: "bad method", raw: map[string]string{"password_create_method": "carrier pigeon"},
			want: []string{`password_create_method: must be one of Send an email, Create a password, not "carrier pigeon"`}},
	})
}

func TestValidateSecretNeverInMessages(t *testing.T) {
	s := mustSpec(t, "create-user")
	for _, pw := range []string{"short", strings.Repeat("p", 200), "valid password", "bad\x00password"} {
		raw := map[string]string{"full_name": "A", "id": "A", "email": "a@b.co", "preferred_library": "L", "role": "R", "password": pw}
		_, sec, errs := s.Validate(raw)
		for _, e := range errs {
			if strings.Contains(e.Error(), pw) || strings.Contains(e.Error(), "ppppp") {
				t.Fatalf("message repeats the password: %v", e)
			}
		}
		if fmt.Sprint(sec) != "map[]" && !strings.Contains(fmt.Sprint(sec), secret.Redacted) {
			t.Fatalf("Secrets print their value: %v", sec)
		}
	}
}

func TestValidateLookupAliases(t *testing.T) {
	base := map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom1", "alias": "1004"}
	runValidateCases(t, "create-lookup-alias", base, []validateCase{
		{name: "no defaults sent", values: map[string]string{"enabled": "", "hipaa": "", "lookup_field_id": "custom1"}},
		{name: "field case", raw: map[string]string{"lookup_field_id": "CUSTOM29"}, values: map[string]string{"lookup_field_id": "custom29"}},
		{name: "not a lookup field", raw: map[string]string{"lookup_field_id": "custom13"},
			want: []string{`lookup_field_id: must be one of custom1, custom2, custom3, custom4, custom5, custom6, custom7, custom8, custom9, custom10, custom11, custom12, custom29, custom30, not "custom13"`}},
		{name: "child needs parent", raw: map[string]string{"lookup_field_id": "custom2"},
			want: []string{"parent_alias: is required for custom2: an alias of custom1"}},
		{name: "child with parent", raw: map[string]string{"lookup_field_id": "custom30", "parent_alias": "LIT"}},
		{name: "parent refused", raw: map[string]string{"parent_alias": "LIT"},
			want: []string{"parent_alias: is only for custom2 and custom30; custom1 has no parent"}},
		{name: "alias too long", raw: map[string]string{"alias": strings.Repeat("9", 33)},
			want: []string{"alias: must be 1 to 32 characters: the stored value of the lookup field (it has 33)"}},
		{name: "description too long", raw: map[string]string{"alias_description": strings.Repeat("d", 255)},
			want: []string{"alias_description: must be at most 254 characters (it has 255)"}},
	})
	runValidateCases(t, "update-custom-field", merge(base, map[string]string{"enabled": "false"}), []validateCase{
		{name: "one change", values: map[string]string{"enabled": "false"}},
		{name: "no default", raw: map[string]string{"enabled": "", "hipaa": "1"}, values: map[string]string{"hipaa": "true", "enabled": ""}},
		{name: "nothing to change", raw: map[string]string{"enabled": ""},
			want: []string{"needs at least one of alias_description, enabled, hipaa or a property of the tenant's (aliasInfo.NAME) to change"}},
		{name: "only the tenant's own property", raw: map[string]string{"enabled": "", "alias_info": `{"practice_area":"Tax"}`},
			values: map[string]string{"alias_info": `{"practice_area":"Tax"}`}},
		{name: "child needs parent", raw: map[string]string{"lookup_field_id": "custom30"},
			want: []string{"parent_alias: is required for custom30: an alias of custom29"}},
	})
	runValidateCases(t, "get-lookup-aliases", map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom2"}, []validateCase{
		{name: "child without parent is a listing", values: map[string]string{"get_parent_aliases": "false"}},
		{name: "parent refused on custom3", raw: map[string]string{"lookup_field_id": "custom3", "parent_alias": "X"},
			want: []string{"parent_alias: is only for custom2 and custom30; custom3 has no parent"}},
	})
}

func TestValidateTabsAndFolders(t *testing.T) {
	runValidateCases(t, "add-tab", map[string]string{"name": "Correspondence", "parent_id": "ACTIVE_US!1000"}, []validateCase{
		{name: "defaults", values: map[string]string{"default_security": "inherit"}},
		{name: "blank name", raw: map[string]string{"name": "   "}, want: []string{"name: is required"}},
		{name: "long name", raw: map[string]string{"name": strings.Repeat("n", 255)},
			want: []string{"name: must be 1 to 254 characters, not blank, with no backslash, control character or emoji (it has 255)"}},
		{name: "emoji in name", raw: map[string]string{"name": "Deal 😀"},
			want: []string{`name: must be 1 to 254 characters, not blank, with no backslash, control character or emoji, not "Deal 😀"`}},
		{name: "backslash in name", raw: map[string]string{"name": `a\b`},
			want: []string{`name: must be 1 to 254 characters, not blank, with no backslash, control character or emoji, not "a\\b"`}},
		{name: "accents and punctuation in name", raw: map[string]string{"name": "Déal — 2024 (draft) [v2] \"x\""}, values: map[string]string{"name": "Déal — 2024 (draft) [v2] \"x\""}},
		{name: "owner with a space", raw: map[string]string{"owner": "Jo Smith"}, values: map[string]string{"owner": "Jo Smith"}},
		{name: "private-use owner", raw: map[string]string{"owner": "JO\ue000"},
			want: []string{`owner: must be a user ID of at most 63 characters (no backslash, control characters or emoji), not "JO\ue000"`}},
		{name: "bad parent", raw: map[string]string{"parent_id": "1000"},
			want: []string{`parent_id: must look like LIBRARY!123 (a workspace ID), not "1000"`}},
		{name: "reference parent", raw: map[string]string{"parent_id": "${ws.id}"}, values: map[string]string{"parent_id": "${ws.id}"}},
		{name: "security", raw: map[string]string{"default_security": "Public"}, values: map[string]string{"default_security": "public"}},
		{name: "bad security", raw: map[string]string{"default_security": "secret"},
			want: []string{`default_security: must be one of inherit, private, view, public, not "secret"`}},
		{name: "long owner", raw: map[string]string{"owner": strings.Repeat("o", 64)},
			want: []string{"owner: must be a user ID of at most 63 characters (no backslash, control characters or emoji) (it has 64)"}},
	})
	runValidateCases(t, "add-folder", map[string]string{"name": "Letters", "parent_id": "${tab.id}", "parent_type": "tab"}, []validateCase{
		{name: "defaults", values: map[string]string{"parent_type": "Tab", "inherit_profile_from_workspace": "Yes", "default_security": "inherit", "is_external_as_normal": "false"}},
		{name: "missing type", raw: map[string]string{"parent_type": ""}, want: []string{"parent_type: is required"}},
		{name: "profile needs No", raw: map[string]string{"custom1": "1001", "custom25": "yes"},
			want: []string{"custom1: is only allowed with inherit_profile_from_workspace No", "custom25: is only allowed with inherit_profile_from_workspace No"}},
		{name: "profile typed", raw: map[string]string{"inherit_profile_from_workspace": "no", "custom1": "1001", "custom13": strings.Repeat("x", 96),
			"custom17": "12.50", "custom21": "2024-03-01T09:30:00Z", "custom25": "Y"},
			values: map[string]string{"custom17": "12.5", "custom25": "true", "inherit_profile_from_workspace": "No"}},
		{name: "profile wrong types", raw: map[string]string{"inherit_profile_from_workspace": "No", "custom1": strings.Repeat("x", 33),
			"custom16": strings.Repeat("x", 97), "custom18": "twelve", "custom22": "yesterday", "custom28": "perhaps"},
			want: []string{
				"custom1: must be an alias of custom1, at most 32 characters; only with inherit_profile_from_workspace No (it has 33)",
				"custom16: must be at most 96 characters; only with inherit_profile_from_workspace No (it has 97)",
				`custom18: must be a number like 12.5, not "twelve"`,
				`custom22: must be an ISO 8601 date-time like 2024-03-01T09:30:00Z, or a date like 2024-03-01 (without a zone: UTC), not "yesterday"`,
				`custom28: must be true or false (or yes/no, y/n, 1/0), not "perhaps"`,
			}},
		{name: "folder email", raw: map[string]string{"email": "my folder"},
			want: []string{`email: must be a folder e-mail prefix: letters, digits, ".", "_" and "-", not "my folder"`}},
	})
}

func TestValidateShortcutsAndAssign(t *testing.T) {
	runValidateCases(t, "add-my-matters-shortcuts", map[string]string{"user_id": "JSMITH", "workspace_id": "ACTIVE_US!1000"}, []validateCase{
		{name: "list", raw: map[string]string{"workspace_id": "ACTIVE_US!1000 | ACTIVE_US!1001;"}, values: map[string]string{"workspace_id": "ACTIVE_US!1000;ACTIVE_US!1001"}},
		{name: "bad item", raw: map[string]string{"workspace_id": "ACTIVE_US!1000;1001"},
			want: []string{`workspace_id: item "1001": must look like LIBRARY!123: one or more workspace IDs separated by ";" or "|", not "1001"`}},
		{name: "only separators", raw: map[string]string{"workspace_id": " ; | "}, want: []string{"workspace_id: is required"}},
		{name: "user reference", raw: map[string]string{"user_id": "${jo.id}"}, values: map[string]string{"user_id": "${jo.id}"}},
		{name: "bad category", raw: map[string]string{"category_id": "My Matters"},
			want: []string{`category_id: must look like LIBRARY!123 (a My Matters category of that user; empty: the user's My Matters), not "My Matters"`}},
	})
	runValidateCases(t, "assign-user-to-library", map[string]string{"library_id": "ARCHIVE", "user_id": "JSMITH", "role": "READ_ONLY"}, []validateCase{
		{name: "defaults", values: map[string]string{"is_preferred_library": "false"}},
		{name: "missing role", raw: map[string]string{"role": ""}, want: []string{"role: is required"}},
	})
	runValidateCases(t, "get-my-matters-categories", map[string]string{"user_id": "JSMITH"}, []validateCase{
		{name: "ok"},
		{name: "missing", raw: map[string]string{"user_id": ""}, want: []string{"user_id: is required"}},
	})
	runValidateCases(t, "get-library-roles", map[string]string{"library_id": "ACTIVE_US"}, []validateCase{
		{name: "defaults", values: map[string]string{"is_external": "false"}},
	})
}

// fakeClient records the request it got and answers canned values.
type fakeClient struct {
	got any
	err error
}

func (f *fakeClient) CreateUser(_ context.Context, r wire.CreateUserRequest) (*wire.User, error) {
	f.got = r
	num, created := int64(42), true
	return &wire.User{ID: r.ID, UserNum: &num, UserCreated: &created, FullName: &r.FullName, Email: &r.Email}, f.err
}
func (f *fakeClient) AssignUserToLibrary(_ context.Context, r wire.AssignUserToLibraryRequest) (*wire.AssignUserToLibraryResult, error) {
	f.got = r
	return &wire.AssignUserToLibraryResult{UserNum: "7"}, f.err
}
func (f *fakeClient) GetLibraryRoles(_ context.Context, r wire.GetLibraryRolesRequest) ([]wire.IDDescription, error) {
	f.got = r
	return []wire.IDDescription{{ID: "ATTORNEY", Description: "Attorney"}}, f.err
}
func (f *fakeClient) GetLookupAliases(_ context.Context, r wire.GetLookupAliasesRequest) ([]wire.LookupAlias, error) {
	f.got = r
	return nil, f.err
}
func (f *fakeClient) CreateLookupAlias(_ context.Context, r wire.LookupAliasRequest) error {
	f.got = r
	return f.err
}
func (f *fakeClient) UpdateCustomField(_ context.Context, r wire.LookupAliasRequest) error {
	f.got = r
	return f.err
}
func (f *fakeClient) AddTab(_ context.Context, r wire.AddTabRequest) (*wire.Tab, error) {
	f.got = r
	return &wire.Tab{ID: "ACTIVE_US!10001", Name: r.Name, WorkspaceID: r.ParentID, WorkspaceName: "Matter 1000", TabURL: "https://dms.example.com/tab"}, f.err
}
func (f *fakeClient) AddFolder(_ context.Context, r wire.AddFolderRequest) (*wire.Folder, error) {
	f.got = r
	return &wire.Folder{ID: "ACTIVE_US!10002", Name: r.Name, WorkspaceID: "ACTIVE_US!1000", WorkspaceName: "Matter 1000", FolderURL: "https://dms.example.com/folder"}, f.err
}
func (f *fakeClient) AddShortcutsToMyMatters(_ context.Context, r wire.AddShortcutsRequest) (*wire.AddShortcutsResult, error) {
	f.got = r
	return &wire.AddShortcutsResult{AllWorkspaceShortcutIDs: "ACTIVE_US!20001;ACTIVE_US!20002"}, f.err
}
func (f *fakeClient) GetMyMattersCategories(_ context.Context, userID string) ([]wire.MyMattersCategory, error) {
	f.got = userID
	return []wire.MyMattersCategory{{ID: "ACTIVE_US!9001", Name: "My Matters"}}, f.err
}

func TestCall(t *testing.T) {
	tests := []struct {
		action   string
		raw      map[string]string
		wantJSON string // the request as it goes on the wire ("" for GET requests: checked by wantReq)
		wantReq  any
		check    func(t *testing.T, r Result)
	}{
		{action: "create-user",
			raw:      map[string]string{"full_name": "Jo Smith", "id": "JSMITH", "email": "jo@firm.com", "preferred_library": "ACTIVE_US", "role": "ATTORNEY"},
			wantJSON: `{"full_name":"Jo Smith","id":"JSMITH","email":"jo@firm.com","is_external":false,"preferred_library":"ACTIVE_US","role":"ATTORNEY","ignore_if_user_already_exists":true,"password_create_method":"Send an email","create_password":{}}`,
			check: func(t *testing.T, r Result) {
				if r.ObjectID != "JSMITH" || *r.UserNum != 42 || !*r.UserCreated || r.Refs["id"] != "JSMITH" || r.Refs["user_num"] != "42" {
					t.Fatalf("result %+v", r)
				}
			}},
		{action: "create-user",
			raw: map[string]string{"full_name": "Jo Smith", "id": "JSMITH", "email": "jo@firm.com", "preferred_library": "ACTIVE_US", "role": "ATTORNEY",
				"is_external": "yes", "password_create_method": "Create a password", "password": "correct horse", "force_password_change": "1"},
			wantJSON: `{"full_name":"Jo Smith","id":"JSMITH","email":"jo@firm.com","is_external":true,"preferred_library":"ACTIVE_US","role":"ATTORNEY","ignore_if_user_already_exists":true,"password_create_method":"Create a password","create_password":{"password":"correct horse","force_password_change":true}}`},
		{action: "assign-user-to-library",
			raw:      map[string]string{"libraryId": "ARCHIVE", "user_id": "JSMITH", "role": "READ_ONLY", "is_preferred_library": "true"},
			wantJSON: `{"libraryId":"ARCHIVE","user_id":"JSMITH","role":"READ_ONLY","is_preferred_library":true}`,
			check: func(t *testing.T, r Result) {
				if *r.UserNum != 7 {
					t.Fatalf("result %+v", r)
				}
			}},
		{action: "get-library-roles",
			raw:     map[string]string{"library_id": "ACTIVE_US", "is_external": "true"},
			wantReq: wire.GetLibraryRolesRequest{LibraryID: "ACTIVE_US", IsExternal: true},
			check: func(t *testing.T, r Result) {
				if b, _ := json.Marshal(r.Output); string(b) != `[{"id":"ATTORNEY","description":"Attorney"}]` {
					t.Fatalf("output %s", b)
				}
			}},
		{action: "get-lookup-aliases",
			raw:     map[string]string{"library_id": "ACTIVE_US", "lookupFieldId": "Custom2", "parent_alias": "1001"},
			wantReq: wire.GetLookupAliasesRequest{LibraryID: "ACTIVE_US", LookupFieldID: "custom2", ParentAlias: "1001"},
			check: func(t *testing.T, r Result) {
				if b, _ := json.Marshal(r.Output); string(b) != `[]` {
					t.Fatalf("output %s", b)
				}
			}},
		{action: "create-lookup-alias",
			raw:      map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom2", "alias": "1001-0003", "parent_alias": "1001", "alias_description": "Widgets"},
			wantJSON: `{"libraryId":"ACTIVE_US","lookupFieldId":"custom2","aliasInfo":{"id":"1001-0003","description":"Widgets","parent":"1001"}}`,
			check: func(t *testing.T, r Result) {
				if r.ObjectID != "1001-0003" {
					t.Fatalf("result %+v", r)
				}
			}},
		{action: "update-custom-field",
			raw:      map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom3", "alias": "NY", "enabled": "no"},
			wantJSON: `{"libraryId":"ACTIVE_US","lookupFieldId":"custom3","aliasInfo":{"id":"NY","enabled":false}}`},
		{action: "add-tab",
			raw:      map[string]string{"name": "Correspondence", "parentId": "ACTIVE_US!1000"},
			wantJSON: `{"name":"Correspondence","parentId":"ACTIVE_US!1000","default_security":"inherit"}`,
			check: func(t *testing.T, r Result) {
				if r.ObjectID != "ACTIVE_US!10001" || r.Refs["workspace_id"] != "ACTIVE_US!1000" || r.Refs["name"] != "Correspondence" {
					t.Fatalf("result %+v", r)
				}
			}},
		{action: "add-folder",
			raw: map[string]string{"name": "Letters", "parent_id": "ACTIVE_US!3001", "parent_type": "TAB", "inherit_profile_from_workspace": "no",
				"custom1": "1001", "custom17": "3.50", "custom25": "y", "custom21": "2024-03-01T09:30:00Z"},
			wantJSON: `{"name":"Letters","parentId":"ACTIVE_US!3001","parentType":"Tab","default_security":"inherit","inherit_profile_from_workspace":"No","profileProperties":{"custom1":"1001","custom17":3.5,"custom21":"2024-03-01T09:30:00Z","custom25":true}}`,
			check: func(t *testing.T, r Result) {
				if r.ObjectID != "ACTIVE_US!10002" || r.Refs["id"] != "ACTIVE_US!10002" {
					t.Fatalf("result %+v", r)
				}
			}},
		{action: "add-my-matters-shortcuts",
			raw:     map[string]string{"user_id": "JSMITH", "workspaces": "ACTIVE_US!1000|ACTIVE_US!1001", "category_id": "ACTIVE_US!9001"},
			wantReq: wire.AddShortcutsRequest{UserID: "JSMITH", WorkspaceIDs: []string{"ACTIVE_US!1000", "ACTIVE_US!1001"}, CategoryID: "ACTIVE_US!9001"},
			check: func(t *testing.T, r Result) {
				if r.ObjectID != "ACTIVE_US!20001;ACTIVE_US!20002" {
					t.Fatalf("result %+v", r)
				}
			}},
		{action: "get-my-matters-categories",
			raw:     map[string]string{"user_id": "JSMITH"},
			wantReq: "JSMITH"},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			s := mustSpec(t, tt.action)
			raw := map[string]string{}
			for k, x := range tt.raw {
				f, ok := s.Field(k)
				if !ok {
					t.Fatalf("no field %s", k)
				}
				raw[f.Name] = x
			}
			v, sec, errs := s.Validate(raw)
			if len(errs) > 0 {
				t.Fatalf("validate: %v", errs)
			}
			c := &fakeClient{}
			r, err := s.Call(context.Background(), c, v, sec)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if tt.wantJSON != "" {
				b, err := json.Marshal(c.got)
				if err != nil {
					t.Fatal(err)
				}
				if string(b) != tt.wantJSON {
					t.Fatalf("request:\n got %s\nwant %s", b, tt.wantJSON)
				}
			}
			if tt.wantReq != nil && !reflect.DeepEqual(c.got, tt.wantReq) {
				t.Fatalf("request %#v, want %#v", c.got, tt.wantReq)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
			if _, err := json.Marshal(r.Output); err != nil {
				t.Fatalf("output does not marshal: %v", err)
			}
		})
	}
}

func TestCallErrorsWrapAndSayWhat(t *testing.T) {
	cause := &imanage.Error{Op: wire.OpAddTab, Delivery: imanage.Answered, StatusCode: 404, Code: "CONTAINER_NOT_FOUND"}
	s := mustSpec(t, "add-tab")
	v, sec, _ := s.Validate(map[string]string{"name": "X", "parent_id": "A!1"})
	_, err := s.Call(context.Background(), &fakeClient{err: cause}, v, sec)
	var ie *imanage.Error
	if !errors.As(err, &ie) || ie != cause {
		t.Fatalf("cause not wrapped: %v", err)
	}
	if !strings.HasPrefix(err.Error(), `add-tab "X" in A!1: `) {
		t.Fatalf("error %q", err)
	}
}

func TestCreateUserWithoutGeneratedPasswordIsNotSent(t *testing.T) {
	s := mustSpec(t, "create-user")
	v, sec, errs := s.Validate(map[string]string{"full_name": "A", "id": "A", "email": "a@b.co", "preferred_library": "L", "role": "R",
		"password_create_method": CreateAPassword, GeneratePasswordField: "true"})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	c := &fakeClient{}
	if _, err := s.Call(context.Background(), c, v, sec); err == nil || c.got != nil {
		t.Fatalf("sent without a password: err=%v got=%v", err, c.got)
	}
	sec = Secrets{"password": secret.New("generated-pass-1")}
	if _, err := s.Call(context.Background(), c, v, sec); err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(c.got); !strings.Contains(string(b), `"create_password":{"password":"generated-pass-1","force_password_change":false}`) {
		t.Fatalf("request %s", b)
	}
}

// TestCheckFields holds each action's CheckFields to what its Check reads:
// Check on all the values and Check on only the CheckFields agree.
func TestCheckFields(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, s := range All() {
		if s.Check == nil {
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			if s.CheckFields == nil {
				t.Fatal("an action with Check must declare CheckFields")
			}
			for n := 0; n < 500; n++ {
				full := Values{}
				for _, f := range s.Fields {
					pool := []string{"", "true", "false", "x", "1001"}
					pool = append(pool, f.Enum...)
					if v := pool[rng.Intn(len(pool))]; v != "" {
						full[f.Name] = v
					}
				}
				var sec Secrets
				if rng.Intn(2) == 0 {
					sec = Secrets{"password": secret.New("correct horse")}
				}
				only := Values{}
				for _, name := range s.CheckFields {
					if v, ok := full[name]; ok {
						only[name] = v
					}
				}
				a, b := s.Check(full, sec), s.Check(only, sec)
				if !reflect.DeepEqual(a, b) {
					t.Fatalf("values %v: Check on all %v, on CheckFields %v", full, a, b)
				}
			}
		})
	}
}

// The fake has no schema operations, as a tenant that predates them: a run
// falls back to the contract's shapes.
func (f *fakeClient) GetCreateLookupAliasSchema(context.Context, string) (json.RawMessage, error) {
	return nil, errNoSchemaOp
}
func (f *fakeClient) GetUpdateCustomFieldSchema(context.Context, string) (json.RawMessage, error) {
	return nil, errNoSchemaOp
}
func (f *fakeClient) GetCreateUserPasswordSchema(context.Context, string) (json.RawMessage, error) {
	return nil, errNoSchemaOp
}
func (f *fakeClient) GetAddFolderPropertiesSchema(context.Context, string) (json.RawMessage, error) {
	return nil, errNoSchemaOp
}

// errNoSchemaOp is how the client answers a schema read the service does
// not have (404).
var errNoSchemaOp = fmt.Errorf("%w: %w", wire.ErrNoOperation, &imanage.Error{Op: "schema", Delivery: imanage.Answered, StatusCode: 404, Code: "NOT_FOUND"})
