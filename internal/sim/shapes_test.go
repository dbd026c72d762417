package sim

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/schema"
)

// schemaFrom asks the simulator for a member's schema and compiles it.
func schemaFrom(t *testing.T, h *harness, op, param, arg string) *schema.Schema {
	t.Helper()
	var raw json.RawMessage
	h.get(op, url.Values{param: {arg}}).decode(t, &raw)
	s, err := schema.Compile(raw)
	if err != nil {
		t.Fatalf("%s %s=%s answers a schema that does not compile: %v\n%s", op, param, arg, err, raw)
	}
	return s
}

// memberRefused reports whether the simulator refused the member at path
// for its shape (a data-dependent check, INVALID, is not about the shape).
func memberRefused(a answer, path string) bool {
	if a.err == nil {
		return false
	}
	for _, m := range a.err.Messages {
		if (m.Field == path || strings.HasPrefix(m.Field, path+".")) && m.Code != msgInvalid {
			return true
		}
	}
	return false
}

// variants are member values around each property's rules.
func variants(base obj, props map[string][]any) []obj {
	out := []obj{base, {}}
	for name, vals := range props {
		out = append(out, base.without(name), base.with("unknown_"+name, true))
		for _, v := range vals {
			out = append(out, base.with(name, v))
		}
	}
	return out
}

// schemaFamily is a member's schema, as one schema operation serves it,
// and the requests that carry values of that member.
type schemaFamily struct {
	name, op, param, arg string
	post                 func(member obj) (string, obj) // operation and body carrying member
	path                 string
	base                 obj
	props                map[string][]any
}

// holdToSchema checks, for many members of the family, that the served
// schema refuses one exactly when the simulator refuses it.
func holdToSchema(t *testing.T, h *harness, f schemaFamily) {
	t.Helper()
	s := schemaFrom(t, h, f.op, f.param, f.arg)
	checked := 0
	for _, m := range variants(f.base, f.props) {
		op, body := f.post(m)
		var member any
		b, _ := json.Marshal(m)
		_ = json.Unmarshal(b, &member)
		schemaSays := len(s.Validate(member)) > 0
		a := h.post(op, body)
		if simSays := memberRefused(a, f.path); simSays != schemaSays {
			t.Errorf("%s %s: the schema refuses it: %v, the simulator: %v (%s)\nschema violations: %+v", f.path, b, schemaSays, simSays, a.raw, s.Validate(member))
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("only %d members checked", checked)
	}
}

var (
	text  = []any{"", "x", long(32), long(33), long(96), long(97), long(254), long(255), 3, true, nil, obj{}}
	flags = []any{true, false, "true", 1, nil}
)

func aliasBody(field string) func(obj) (string, obj) {
	return func(m obj) (string, obj) {
		return "createCustomOrPropertyLookup", obj{"libraryId": "ACTIVE_US", "lookupFieldId": field, "aliasInfo": m}
	}
}

func updateBody(field string) func(obj) (string, obj) {
	return func(m obj) (string, obj) {
		return "updateCustomField", obj{"libraryId": "ACTIVE_US", "lookupFieldId": field, "aliasInfo": m}
	}
}

// TestSchemasSayWhatIsEnforced holds the simulator's schema operations to
// its own checks: for many members, the served schema refuses one exactly
// when the simulator refuses it.
func TestSchemasSayWhatIsEnforced(t *testing.T) {
	h := newHarness(t, Options{RateLimit: 100000})
	type family = schemaFamily
	aliasProps := map[string][]any{"id": text, "description": text, "enabled": flags, "hipaa": flags, "parent": {"1001", "", long(33), 5}}
	profile := map[string][]any{}
	for n := 1; n <= 30; n++ {
		profile[fmt.Sprintf("custom%d", n)] = []any{"", long(32), long(33), long(97), 12.5, true, "2024-05-01T09:30:00Z", "2024-05-01T09:30", "2024-05-01T09:30:00+0100"}
	}
	families := []family{
		{name: "create custom3 alias", op: "getCreateCustomOrPropertyLookupSchema", param: "lookupFieldId", arg: "custom3",
			post: aliasBody("custom3"), path: "aliasInfo", base: obj{"id": "NEW-1"}, props: aliasProps},
		{name: "create custom2 alias", op: "getCreateCustomOrPropertyLookupSchema", param: "lookupFieldId", arg: "custom2",
			post: aliasBody("custom2"), path: "aliasInfo", base: obj{"id": "NEW-2", "parent": "1001"}, props: aliasProps},
		{name: "update custom1 alias", op: "getUpdateCustomFieldSchema", param: "lookupFieldId", arg: "custom1",
			post: updateBody("custom1"), path: "aliasInfo", base: obj{"id": "1002", "enabled": true}, props: aliasProps},
		{name: "update custom30 alias", op: "getUpdateCustomFieldSchema", param: "lookupFieldId", arg: "custom30",
			post: updateBody("custom30"), path: "aliasInfo", base: obj{"id": "LIT-ARB", "parent": "LIT", "hipaa": false}, props: aliasProps},
		{name: "create a password", op: "getCreateUserPasswordSchema", param: "password_create_method", arg: "Create a password",
			post: func(m obj) (string, obj) {
				return "createUser", validCreateUserWithPassword.with("create_password", m)
			}, path: "create_password", base: obj{"password": "trustno1!"},
			props: map[string][]any{"password": {"", "short", long(8), long(128), long(129), 12345678}, "force_password_change": flags}},
		{name: "send an email", op: "getCreateUserPasswordSchema", param: "password_create_method", arg: "Send an email",
			post: func(m obj) (string, obj) { return "createUser", validCreateUser.with("create_password", m) }, path: "create_password",
			base: obj{}, props: map[string][]any{"password": {"trustno1!"}}},
		{name: "own profile", op: "getAddFolderPropertiesSchema", param: "inherit_profile_from_workspace", arg: "No",
			post: func(m obj) (string, obj) {
				return "addFolder", validFolder.with("inherit_profile_from_workspace", "No").with("profileProperties", m)
			}, path: "profileProperties", base: obj{}, props: profile},
		{name: "inherited profile", op: "getAddFolderPropertiesSchema", param: "inherit_profile_from_workspace", arg: "Yes",
			post: func(m obj) (string, obj) { return "addFolder", validFolder.with("profileProperties", m) },
			path: "profileProperties", base: obj{}, props: map[string][]any{"custom3": {"NY"}}},
	}
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) { holdToSchema(t, h, f) })
	}
}

// The same holds for a tenant's own properties: served and enforced from
// one table.
func TestSchemasSayWhatIsEnforcedWithTenantProperties(t *testing.T) {
	h := newHarness(t, tenantOptions(t))
	tenant := map[string][]any{
		"practice_area": {"", "Litigation", 5, true, nil, obj{}},
		"risk":          {"Low", "High", "low", "", "Extreme", 1, nil},
		"matter_count":  {0, 3, -7, 2.5, 1e3, "3", true, nil},
	}
	withBuiltIn := func(props map[string][]any) map[string][]any {
		out := map[string][]any{"id": text, "description": {"x", 3}, "enabled": flags}
		for k, v := range props {
			out[k] = v
		}
		return out
	}
	numbers := []any{0, 3, 2.5, -1, "1", true, nil}
	for _, f := range []schemaFamily{
		{name: "create custom3 alias", op: "getCreateCustomOrPropertyLookupSchema", param: "lookupFieldId", arg: "custom3",
			post: aliasBody("custom3"), path: "aliasInfo", base: obj{"id": "NEW-1", "practice_area": "Tax"}, props: withBuiltIn(tenant)},
		{name: "create custom30 alias", op: "getCreateCustomOrPropertyLookupSchema", param: "lookupFieldId", arg: "custom30",
			post: aliasBody("custom30"), path: "aliasInfo", base: obj{"id": "NEW-2", "parent": "LIT", "practice_area": "Tax", "risk": "Low"}, props: withBuiltIn(tenant)},
		{name: "update custom1 alias", op: "getUpdateCustomFieldSchema", param: "lookupFieldId", arg: "custom1",
			post: updateBody("custom1"), path: "aliasInfo", base: obj{"id": "1002", "risk": "Medium"}, props: withBuiltIn(tenant)},
		{name: "update custom1 alias by a count", op: "getUpdateCustomFieldSchema", param: "lookupFieldId", arg: "custom1",
			post: updateBody("custom1"), path: "aliasInfo", base: obj{"id": "1003", "matter_count": 4}, props: withBuiltIn(tenant)},
		{name: "create a password", op: "getCreateUserPasswordSchema", param: "password_create_method", arg: "Create a password",
			post: func(m obj) (string, obj) {
				return "createUser", validCreateUserWithPassword.with("create_password", m)
			}, path: "create_password", base: obj{"password": "trustno1!", "vault": false},
			props: map[string][]any{"password": {"short", long(8)}, "vault": flags}},
		{name: "send an email", op: "getCreateUserPasswordSchema", param: "password_create_method", arg: "Send an email",
			post: func(m obj) (string, obj) { return "createUser", validCreateUser.with("create_password", m) }, path: "create_password",
			base: obj{}, props: map[string][]any{"vault": flags}},
		{name: "own profile", op: "getAddFolderPropertiesSchema", param: "inherit_profile_from_workspace", arg: "No",
			post: func(m obj) (string, obj) {
				return "addFolder", validFolder.with("inherit_profile_from_workspace", "No").with("profileProperties", m)
			}, path: "profileProperties", base: obj{"custom17": 2}, props: map[string][]any{"billable": flags, "rate": numbers, "grade": numbers}},
		{name: "inherited profile", op: "getAddFolderPropertiesSchema", param: "inherit_profile_from_workspace", arg: "Yes",
			post: func(m obj) (string, obj) { return "addFolder", validFolder.with("profileProperties", m) },
			path: "profileProperties", base: obj{}, props: map[string][]any{"billable": {true}}},
	} {
		t.Run(f.name, func(t *testing.T) { holdToSchema(t, h, f) })
	}
}

func TestSchemaOperationsRefuseBadParameters(t *testing.T) {
	h := newHarness(t, Options{})
	for _, tc := range []struct {
		op    string
		query url.Values
		field string
	}{
		{"getCreateCustomOrPropertyLookupSchema", url.Values{}, "lookupFieldId"},
		{"getCreateCustomOrPropertyLookupSchema", url.Values{"lookupFieldId": {"custom13"}}, "lookupFieldId"},
		{"getUpdateCustomFieldSchema", url.Values{"lookupFieldId": {"custom1"}, "libraryId": {"X"}}, "libraryId"},
		{"getCreateUserPasswordSchema", url.Values{"password_create_method": {"Carrier pigeon"}}, "password_create_method"},
		{"getAddFolderPropertiesSchema", url.Values{"inherit_profile_from_workspace": {"yes"}}, "inherit_profile_from_workspace"},
	} {
		a := h.get(tc.op, tc.query)
		if a.status != bad || a.code() != vf {
			t.Errorf("%s %v: status %d %s, want 400: %s", tc.op, tc.query, a.status, a.code(), a.raw)
			continue
		}
		assertEqual(t, tc.op+" fields", a.fields(), []string{tc.field})
	}
	// Every schema read is counted like any call.
	before := h.sim.Stats().Calls["getCreateUserPasswordSchema"]
	h.get("getCreateUserPasswordSchema", url.Values{"password_create_method": {"Send an email"}})
	assertEqual(t, "counted", h.sim.Stats().Calls["getCreateUserPasswordSchema"], before+1)
}

func long(n int) string { return strings.Repeat("x", n) }
