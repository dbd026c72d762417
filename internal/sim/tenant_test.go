package sim

import (
	"encoding/json"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseTenantProperty(t *testing.T) {
	valid := []struct {
		in   string
		want TenantProperty
	}{
		{"aliasInfo.practice_area=string,required", TenantProperty{Member: "aliasInfo", Name: "practice_area", Type: "string", Required: true}},
		{"aliasInfo.risk=Low|Medium|High", TenantProperty{Member: "aliasInfo", Name: "risk", Type: "string", Enum: []string{"Low", "Medium", "High"}}},
		{"profileProperties.billable=boolean", TenantProperty{Member: "profileProperties", Name: "billable", Type: "boolean"}},
		{"PROFILEPROPERTIES.rate=number", TenantProperty{Member: "profileProperties", Name: "rate", Type: "number"}},
		{"Create_Password.vault_id=integer,Required", TenantProperty{Member: "create_password", Name: "vault_id", Type: "integer", Required: true}},
		{" aliasinfo . _x-1 = Low | High , required ", TenantProperty{Member: "aliasInfo", Name: "_x-1", Type: "string", Enum: []string{"Low", "High"}, Required: true}},
		{"aliasInfo." + strings.Repeat("n", 64) + "=string", TenantProperty{Member: "aliasInfo", Name: strings.Repeat("n", 64), Type: "string"}},
		{"profileProperties.custom31=string", TenantProperty{Member: "profileProperties", Name: "custom31", Type: "string"}},
		{"create_password.id=string", TenantProperty{Member: "create_password", Name: "id", Type: "string"}}, // id is aliasInfo's, not create_password's
	}
	for _, tc := range valid {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTenantProperty(tc.in)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
			again, err := ParseTenantProperty(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("%q read back as %+v, %v", got.String(), again, err)
			}
		})
	}
	invalid := []struct{ in, want string }{
		{"aliasInfo.practice_area", "no '=' before the type: want MEMBER.NAME=TYPE[,required]"},
		{"practice_area=string", "no '.' between the member and the name"},
		{"alias.practice_area=string", `member "alias": want aliasInfo, create_password or profileProperties`},
		{".x=string", `member "": want aliasInfo`},
		{"aliasInfo.=string", `name "": want a letter or '_', then up to 63 letters, digits, '_' or '-'`},
		{"aliasInfo.1st=string", `name "1st": want a letter or '_'`},
		{"aliasInfo.practice area=string", `name "practice area"`},
		{"aliasInfo.a.b=string", `name "a.b"`},
		{"aliasInfo." + strings.Repeat("n", 65) + "=string", "up to 63 letters"},
		{"aliasInfo.description=string", `name "description": aliasInfo already has description (its own properties: id, description, enabled, hipaa, parent); choose another name`},
		{"aliasInfo.Parent=string", `aliasInfo already has parent`},
		{"create_password.Password=string", `create_password already has password (its own properties: password, force_password_change)`},
		{"create_password.force_password_change=boolean", `already has force_password_change`},
		{"profileProperties.custom7=string", `profileProperties already has custom7 (its own properties: custom1 to custom30, class, subclass)`},
		{"profileProperties.CUSTOM30=string", `already has custom30`},
		{"profileProperties.class=string", `already has class`},
		{"aliasInfo.x=text", `type "text": want string, boolean, number, integer, or an enum of strings A|B|C`},
		{"aliasInfo.x=", `type "": want string`},
		{"aliasInfo.x=String", `type "String"`},
		{"aliasInfo.x=Low||High", "enum value 2 is empty"},
		{"aliasInfo.x=Low|", "enum value 2 is empty"},
		{"aliasInfo.x=Low|Low", `enum value "Low" is given twice`},
		{"aliasInfo.x=string,optional", `"optional" after the type: only one ",required" may follow it`},
		{"aliasInfo.x=string,required,required", `"required" after the type: only one`},
		{"aliasInfo.x=A,B|C", `"B|C" after the type`},
	}
	for _, tc := range invalid {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseTenantProperty(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestOptionsValidateTenantProperties(t *testing.T) {
	good := TenantProperty{Member: "aliasInfo", Name: "practice_area", Type: "string"}
	for _, tc := range []struct {
		name string
		tps  []TenantProperty
		want string // "" valid
	}{
		{"none", nil, ""},
		{"one", []TenantProperty{good}, ""},
		{"the same name in two members", []TenantProperty{good, {Member: "profileProperties", Name: "practice_area", Type: "string"}}, ""},
		{"a member not spelled canonically", []TenantProperty{{Member: "aliasinfo", Name: "x", Type: "string"}}, `tenant property aliasinfo.x: member "aliasinfo": want aliasInfo, create_password or profileProperties`},
		{"a built-in name", []TenantProperty{{Member: "aliasInfo", Name: "hipaa", Type: "boolean"}}, "aliasInfo already has hipaa"},
		{"an enum of booleans", []TenantProperty{{Member: "aliasInfo", Name: "x", Type: "boolean", Enum: []string{"a"}}}, "an enum is for type string, not boolean"},
		{"an empty enum value", []TenantProperty{{Member: "aliasInfo", Name: "x", Type: "string", Enum: []string{""}}}, "enum value 1 is empty"},
		{"no type", []TenantProperty{{Member: "aliasInfo", Name: "x"}}, `type "": want string`},
		{"a duplicate", []TenantProperty{good, good}, "tenant property aliasInfo.practice_area is given twice"},
		{"a duplicate in another case", []TenantProperty{good, {Member: "aliasInfo", Name: "Practice_Area", Type: "boolean"}}, "aliasInfo.Practice_Area is given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Options{TenantProperties: tc.tps}.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestIntegral(t *testing.T) {
	for in, want := range map[string]bool{
		"3": true, "-3": true, "0": true, "-0": true, "3.0": true, "3.000": true, "3e2": true, "3E+2": true, "1.5e1": true,
		"100e-2": true, "0.0e-9": true, "1e99999999999999999999": true, "0e-99999999999999999999": true,
		"3.5": false, "-0.5": false, "1e-1": false, "1.25e1": false, "10e-2": false, "1e-99999999999999999999": false,
	} {
		if got := integral(json.Number(in)); got != want {
			t.Errorf("integral(%s) = %v, want %v", in, got, want)
		}
	}
}

// tenantOptions are a tenant's customisation the tests below serve.
func tenantOptions(t *testing.T) Options {
	t.Helper()
	var tps []TenantProperty
	for _, s := range []string{
		"aliasInfo.practice_area=string,required",
		"aliasInfo.risk=Low|Medium|High",
		"aliasInfo.matter_count=integer",
		"create_password.vault=boolean,required",
		"profileProperties.billable=boolean",
		"profileProperties.rate=number",
		"profileProperties.grade=integer",
	} {
		tp, err := ParseTenantProperty(s)
		if err != nil {
			t.Fatal(err)
		}
		tps = append(tps, tp)
	}
	return Options{RateLimit: 100000, TenantProperties: tps}
}

// memberSchema is the schema a schema operation answers, decoded.
type memberSchema struct {
	Properties map[string]map[string]any `json:"properties"`
	Required   []string                  `json:"required"`
	AnyOf      []struct {
		Required []string `json:"required"`
	} `json:"anyOf"`
}

func getSchema(t *testing.T, h *harness, op, param, arg string) memberSchema {
	t.Helper()
	var s memberSchema
	h.get(op, url.Values{param: {arg}}).decode(t, &s)
	return s
}

// The schema operations serve the tenant's properties where they apply, and
// only there; without them, the schemas are the built-in ones.
func TestSchemasServeTheTenantsProperties(t *testing.T) {
	h := newHarness(t, tenantOptions(t))
	plain := newHarness(t, Options{})
	for _, field := range lookupFieldIDs {
		s := getSchema(t, h, "getCreateCustomOrPropertyLookupSchema", "lookupFieldId", field)
		assertEqual(t, field+" practice_area", s.Properties["practice_area"], map[string]any{"type": "string", "minLength": 1.0})
		assertEqual(t, field+" risk", s.Properties["risk"], map[string]any{"type": "string", "enum": []any{"Low", "Medium", "High"}})
		assertEqual(t, field+" matter_count", s.Properties["matter_count"], map[string]any{"type": "integer"})
		if !slices.Contains(s.Required, "practice_area") || slices.Contains(s.Required, "risk") || slices.Contains(s.Required, "matter_count") {
			t.Errorf("create %s: required %v, want practice_area and not risk or matter_count", field, s.Required)
		}
		for _, other := range []string{"vault", "billable"} {
			if _, ok := s.Properties[other]; ok {
				t.Errorf("create %s: another member's %s is served", field, other)
			}
		}

		u := getSchema(t, h, "getUpdateCustomFieldSchema", "lookupFieldId", field)
		assertEqual(t, field+" update risk", u.Properties["risk"], map[string]any{"type": "string", "enum": []any{"Low", "Medium", "High"}})
		if _, ok := u.Properties["practice_area"]; !ok || slices.Contains(u.Required, "practice_area") {
			t.Errorf("update %s: practice_area %v, required %v: want it served and never required", field, u.Properties["practice_area"], u.Required)
		}
		var oneOf []string
		for _, a := range u.AnyOf {
			oneOf = append(oneOf, a.Required...)
		}
		assertEqual(t, field+" update anyOf", oneOf, []string{"description", "enabled", "hipaa", "practice_area", "risk", "matter_count"})

		if p := getSchema(t, plain, "getCreateCustomOrPropertyLookupSchema", "lookupFieldId", field); p.Properties["practice_area"] != nil {
			t.Errorf("a simulator without tenant properties serves practice_area for %s", field)
		}
	}

	pw := getSchema(t, h, "getCreateUserPasswordSchema", "password_create_method", "Create a password")
	assertEqual(t, "vault", pw.Properties["vault"], map[string]any{"type": "boolean"})
	assertEqual(t, "create_password required", pw.Required, []string{"password", "vault"})
	if email := getSchema(t, h, "getCreateUserPasswordSchema", "password_create_method", "Send an email"); len(email.Properties) != 0 {
		t.Errorf("Send an email serves %v, want no property", email.Properties)
	}

	own := getSchema(t, h, "getAddFolderPropertiesSchema", "inherit_profile_from_workspace", "No")
	assertEqual(t, "billable", own.Properties["billable"], map[string]any{"type": "boolean"})
	assertEqual(t, "rate", own.Properties["rate"], map[string]any{"type": "number"})
	assertEqual(t, "grade", own.Properties["grade"], map[string]any{"type": "integer"})
	assertEqual(t, "profile required", own.Required, []string(nil))
	if inherited := getSchema(t, h, "getAddFolderPropertiesSchema", "inherit_profile_from_workspace", "Yes"); len(inherited.Properties) != 0 {
		t.Errorf("inherit Yes serves %v, want no property", inherited.Properties)
	}
}

// Requests are held to the tenant's properties as to the built-in ones,
// with the usual 400s naming the property.
func TestTenantPropertiesAreEnforced(t *testing.T) {
	h := newHarness(t, tenantOptions(t))
	alias := validAlias.with("aliasInfo.practice_area", "Litigation")
	update := obj{"libraryId": "ACTIVE_US", "lookupFieldId": "custom1", "aliasInfo": obj{"id": "1002"}}
	withPassword := validCreateUserWithPassword.with("create_password.vault", true)
	ownProfile := validFolder.with("inherit_profile_from_workspace", "No").with("profileProperties", obj{})
	for _, tc := range []struct {
		name  string
		op    string
		body  obj
		field string // "" for a 200
		code  string
		says  string
	}{
		{"create without the required one", "createCustomOrPropertyLookup", validAlias, "aliasInfo.practice_area", msgRequired, "is required"},
		{"create with it empty", "createCustomOrPropertyLookup", alias.with("aliasInfo.practice_area", ""), "aliasInfo.practice_area", msgRequired, "must not be empty"},
		{"create with it a number", "createCustomOrPropertyLookup", alias.with("aliasInfo.practice_area", 5), "aliasInfo.practice_area", msgType, "must be a string, got number"},
		{"create with a child field without it", "createCustomOrPropertyLookup", validChild, "aliasInfo.practice_area", msgRequired, "is required"},
		{"create with a value outside the enum", "createCustomOrPropertyLookup", alias.with("aliasInfo.risk", "low"), "aliasInfo.risk", msgEnum, `must be one of "Low", "Medium", "High", got "low"`},
		{"create with an enum value not a string", "createCustomOrPropertyLookup", alias.with("aliasInfo.risk", true), "aliasInfo.risk", msgType, "must be a string"},
		{"create with a fraction for an integer", "createCustomOrPropertyLookup", alias.with("aliasInfo.matter_count", 2.5), "aliasInfo.matter_count", msgType, "must be an integer (a number with no fraction), got 2.5"},
		{"create with a string for an integer", "createCustomOrPropertyLookup", alias.with("aliasInfo.matter_count", "3"), "aliasInfo.matter_count", msgType, "must be an integer, got string"},
		{"create with an unknown property", "createCustomOrPropertyLookup", alias.with("aliasInfo.practice", "x"), "aliasInfo.practice", msgUnknownField, "is not a field"},
		{"create with another member's property", "createCustomOrPropertyLookup", alias.with("aliasInfo.billable", true), "aliasInfo.billable", msgUnknownField, "is not a field"},
		{"update with none of the changes", "updateCustomField", update, "aliasInfo", msgRequiredOneOf, "give at least one of description, enabled, hipaa, practice_area, risk or matter_count"},
		{"update with a value outside the enum", "updateCustomField", update.with("aliasInfo.risk", "Extreme"), "aliasInfo.risk", msgEnum, "must be one of"},
		{"update with a fraction", "updateCustomField", update.with("aliasInfo.matter_count", 1.5), "aliasInfo.matter_count", msgType, "must be an integer"},
		{"a password without the required one", "createUser", validCreateUserWithPassword, "create_password.vault", msgRequired, "is required"},
		{"a password with it a string", "createUser", withPassword.with("create_password.vault", "yes"), "create_password.vault", msgType, "must be a boolean"},
		{"an e-mail with it", "createUser", validCreateUser.with("create_password", obj{"vault": true}), "create_password", msgNotAllowed, "must be {}"},
		{"a password with it", "createUser", withPassword, "", "", ""},
		{"a profile with a string for a boolean", "addFolder", ownProfile.with("profileProperties.billable", "true"), "profileProperties.billable", msgType, "must be a boolean, got string"},
		{"a profile with a string for a number", "addFolder", ownProfile.with("profileProperties.rate", "1.5"), "profileProperties.rate", msgType, "must be a number, got string"},
		{"a profile with a fraction for an integer", "addFolder", ownProfile.with("profileProperties.grade", 0.5), "profileProperties.grade", msgType, "must be an integer"},
		{"an inherited profile with it", "addFolder", validFolder.with("profileProperties", obj{"billable": true}), "profileProperties", msgNotAllowed, "only allowed with inherit_profile_from_workspace \"No\""},
		{"a profile without the optional ones", "addFolder", ownProfile, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := h.post(tc.op, tc.body)
			if tc.field == "" {
				if a.status != ok {
					t.Fatalf("status %d: %s", a.status, a.raw)
				}
				return
			}
			if a.status != bad || len(a.err.Messages) != 1 {
				t.Fatalf("status %d, want 400 about %s alone: %s", a.status, tc.field, a.raw)
			}
			m := a.err.Messages[0]
			if m.Field != tc.field || m.Code != tc.code || !strings.Contains(m.CodeMessage, tc.says) {
				t.Fatalf("message %+v, want %s %s saying %q", m, tc.field, tc.code, tc.says)
			}
		})
	}
}

// aliasesOf answers getLookupAliases of an ACTIVE_US field, by ID.
func aliasesOf(t *testing.T, h *harness, q url.Values) map[string]map[string]any {
	t.Helper()
	q.Set("libraryId", "ACTIVE_US")
	var list []map[string]any
	h.get("getLookupAliases", q).decode(t, &list)
	out := map[string]map[string]any{}
	for _, a := range list {
		out[a["id"].(string)] = a
	}
	return out
}

// An alias keeps the tenant's properties it was given, getLookupAliases
// shows them on it, and an update changes them (and only those given).
func TestAliasesKeepTheTenantsProperties(t *testing.T) {
	h := newHarness(t, tenantOptions(t))
	created := validAlias.with("aliasInfo.practice_area", "Litigation").with("aliasInfo.risk", "High").with("aliasInfo.matter_count", 3)
	if a := h.post("createCustomOrPropertyLookup", created); a.status != ok {
		t.Fatalf("create: %d %s", a.status, a.raw)
	}
	child := validChild.with("aliasInfo.practice_area", "Corporate")
	if a := h.post("createCustomOrPropertyLookup", child); a.status != ok {
		t.Fatalf("create child: %d %s", a.status, a.raw)
	}
	custom1 := url.Values{"lookupFieldId": {"custom1"}}
	got := aliasesOf(t, h, custom1)
	assertEqual(t, "the new alias", got["1004"], map[string]any{
		"id": "1004", "description": "Umbrella", "enabled": true, "hipaa": false,
		"practice_area": "Litigation", "risk": "High", "matter_count": 3.0,
	})
	assertEqual(t, "a seeded alias", got["1001"], map[string]any{"id": "1001", "description": "Acme Corp", "enabled": true, "hipaa": false})
	kid := aliasesOf(t, h, url.Values{"lookupFieldId": {"custom2"}, "parentAlias": {"1001"}})["1001-0003"]
	if kid["practice_area"] != "Corporate" || kid["parent"] != "1001" || kid["risk"] != nil {
		t.Fatalf("the child alias: %v", kid)
	}

	// An update by a tenant property alone is a change; the rest stays.
	change := obj{"libraryId": "ACTIVE_US", "lookupFieldId": "custom1", "aliasInfo": obj{"id": "1004", "risk": "Low"}}
	if a := h.post("updateCustomField", change); a.status != ok {
		t.Fatalf("update: %d %s", a.status, a.raw)
	}
	got = aliasesOf(t, h, custom1)
	if a := got["1004"]; a["risk"] != "Low" || a["practice_area"] != "Litigation" || a["matter_count"] != 3.0 || a["description"] != "Umbrella" {
		t.Fatalf("after the update: %v", a)
	}
	// A seeded alias gains one.
	change = obj{"libraryId": "ACTIVE_US", "lookupFieldId": "custom1", "aliasInfo": obj{"id": "1002", "practice_area": "Tax", "enabled": false}}
	if a := h.post("updateCustomField", change); a.status != ok {
		t.Fatalf("update of a seeded alias: %d %s", a.status, a.raw)
	}
	assertEqual(t, "the seeded alias updated", aliasesOf(t, h, custom1)["1002"],
		map[string]any{"id": "1002", "description": "Globex", "enabled": false, "hipaa": false, "practice_area": "Tax"})
}

// A folder keeps the tenant's profile values and shows them in its
// profile with the custom fields.
func TestFoldersKeepTheTenantsProfileProperties(t *testing.T) {
	h := newHarness(t, tenantOptions(t))
	body := validProfileFolder.with("profileProperties.billable", true).with("profileProperties.rate", 12.5).with("profileProperties.grade", 2)
	var f struct {
		Profile map[string]any `json:"profile"`
	}
	h.post("addFolder", body).decode(t, &f)
	for k, want := range map[string]any{"billable": true, "rate": 12.5, "grade": 2.0, "custom1": "1001", "custom25": true} {
		if f.Profile[k] != want {
			t.Errorf("profile %s = %v, want %v (profile %v)", k, f.Profile[k], want, f.Profile)
		}
	}
}
