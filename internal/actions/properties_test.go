package actions

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/wire"
)

func TestPropertyColumn(t *testing.T) {
	alias, _ := Lookup("create-lookup-alias")
	folder, _ := Lookup("add-folder")
	tab, _ := Lookup("add-tab")
	for _, tc := range []struct {
		spec          *Spec
		column        string
		field, prop   string
		ok            bool
		err           string // part of the error, "" for none
		memberMatched bool
	}{
		{alias, "aliasInfo.practice_area", "alias_info", "practice_area", true, "", true},
		{alias, " ALIAS_INFO.Practice-Area ", "alias_info", "Practice-Area", true, "", true},
		{alias, "aliasInfo.a.b", "", "", false, "nested properties cannot be given", true},
		{alias, "aliasInfo.9lives", "", "", false, "starting with a letter", true},
		{alias, "aliasInfo.", "", "", false, "1 to 64 letters", true},
		{alias, "aliasInfo.hipaa", "", "", false, "is the property column hipaa fills", true},
		{alias, "practice_area", "", "", false, "", false},
		{alias, "profileProperties.billable", "", "", false, "", false},
		{folder, "profileProperties.billable", "profile_properties", "billable", true, "", true},
		{tab, "aliasInfo.practice_area", "", "", false, "", false},
	} {
		f, prop, ok, err := tc.spec.PropertyColumn(tc.column)
		if ok != tc.ok || prop != tc.prop || (ok && f.Name != tc.field) {
			t.Errorf("%s %q: got %v %q %v", tc.spec.Name, tc.column, f, prop, ok)
		}
		if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s %q: error %v, want one with %q", tc.spec.Name, tc.column, err, tc.err)
		}
	}
}

func TestPropertiesAreNormalisedAndChecked(t *testing.T) {
	spec, _ := Lookup("create-lookup-alias")
	base := map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom1", "alias": "1009"}
	for _, tc := range []struct {
		name, cell string
		want       string
		errs       []FieldError
	}{
		{"trimmed, sorted, empty left out", `{"risk":" High ","practice_area":"Litigation","empty":"  "}`,
			`{"practice_area":"Litigation","risk":"High"}`, nil},
		{"nothing left", `{"a":""}`, "", nil},
		{"typed values kept", `{"billable":true,"rate":12.50}`, `{"billable":true,"rate":12.50}`, nil},
		{"not an object", `["a"]`, "", []FieldError{{Field: "alias_info"}}},
		{"a number no request carries", `{"a":1e999}`, "", []FieldError{{Field: "aliasInfo.a", Message: `must be a number a request can carry, not "1e999"`}}},
		{"a nested value", `{"a":{"b":"c"}}`, "", []FieldError{{Field: "aliasInfo.a", Message: "must be text, a number, true/false or a list of them, not an object"}}},
		{"a list", `{"a":[1," x ",true]}`, `{"a":[1,"x",true]}`, nil},
		{"a list of lists", `{"a":[[1]]}`, "", []FieldError{{Field: "aliasInfo.a", Message: "item 1 must be text, a number or true/false, not a list"}}},
		{"a bad name", `{"a b":"c"}`, "", []FieldError{{Field: "aliasInfo.a b"}}},
		{"a property a column fills", `{"description":"x"}`, "", []FieldError{{Field: "aliasInfo.description", Message: "is the property column alias_description fills: give it there"}}},
		{"a control character", "{\"a\":\"x\\u0007y\"}", "", []FieldError{{Field: "aliasInfo.a"}}},
		{"a reference", `{"a":"${u.id}"}`, "", []FieldError{{Field: "alias_info", Message: "cannot hold a ${name.field} reference; it must be given as a value"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := map[string]string{"alias_info": tc.cell}
			for k, v := range base {
				raw[k] = v
			}
			v, _, errs := spec.Validate(raw)
			if len(errs) != len(tc.errs) {
				t.Fatalf("problems %v, want %v", errs, tc.errs)
			}
			for i, e := range errs {
				if e.Field != tc.errs[i].Field || (tc.errs[i].Message != "" && e.Message != tc.errs[i].Message) {
					t.Errorf("problem %+v, want %+v", e, tc.errs[i])
				}
			}
			if len(errs) == 0 && v["alias_info"] != tc.want {
				t.Errorf("value %q, want %q", v["alias_info"], tc.want)
			}
			if _, kept := v["alias_info"]; len(errs) == 0 && kept != (tc.want != "") {
				t.Errorf("kept %v: %q", kept, v["alias_info"])
			}
		})
	}
}

// The tenant's schema types the further properties: what the check holds
// and what the call sends.
const tenantAliasSchema = `{"type":"object","additionalProperties":false,"required":["id","practice_area"],
 "definitions":{"flag":{"type":"boolean"}},
 "properties":{"id":{"type":"string"},"description":{"type":"string"},"hipaa":{"type":"boolean"},
  "practice_area":{"type":"string","enum":["Litigation","Tax"]},"billable":{"$ref":"#/definitions/flag"},
  "partners":{"type":["integer","null"]},"rate":{"type":"number"},"offices":{"type":"array","items":{"type":"string"}},
  "pin":{"type":"string","writeOnly":true}}}`

func TestTypedPropertiesAreSent(t *testing.T) {
	spec, _ := Lookup("create-lookup-alias")
	row := map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom1", "alias": "1009",
		"alias_info": EncodeProperties(map[string]string{"practice_area": "Tax", "billable": "Y", "partners": "3.0", "rate": "12.50", "offices": "London; Paris"})}
	errs, ss := checkRow(t, &schemaReader{schema: tenantAliasSchema}, spec.Name, row)
	if len(errs) != 0 {
		t.Fatalf("problems: %v", errs)
	}
	v, _, _ := spec.Validate(row)
	typed, errs := ss.Typed(spec, v)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if v["alias_info"] == typed["alias_info"] {
		t.Errorf("the values were not typed: %s", typed["alias_info"])
	}
	var c fakeClient
	if _, err := spec.Call(context.Background(), &c, typed, nil); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c.got.(wire.LookupAliasRequest).AliasInfo)
	want := `{"billable":true,"id":"1009","offices":["London","Paris"],"partners":3,"practice_area":"Tax","rate":12.50}`
	if string(b) != want {
		t.Errorf("sent %s\nwant %s", b, want)
	}
	// Typing is idempotent, and the job's own values are not changed.
	again, _ := ss.Typed(spec, typed)
	if again["alias_info"] != typed["alias_info"] || strings.Contains(v["alias_info"], "true") {
		t.Errorf("typed twice %s, job's %s", again["alias_info"], v["alias_info"])
	}
}

func TestTypedPropertiesRefused(t *testing.T) {
	base := map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom1", "alias": "1009"}
	what := "the service's schema for custom1 aliases"
	for _, tc := range []struct {
		name  string
		props map[string]string
		want  []FieldError
	}{
		{"a required property not given", map[string]string{"billable": "no"},
			[]FieldError{{Field: "aliasInfo.practice_area", Message: what + " requires practice_area, which no column fills: add a column aliasInfo.practice_area"}}},
		{"a property the schema does not name", map[string]string{"practice_area": "Tax", "practise_area": "Tax"},
			[]FieldError{{Field: "aliasInfo.practise_area", Message: what + ` has no property practise_area; did you mean "practice_area"?`}}},
		{"not its type", map[string]string{"practice_area": "Tax", "billable": "maybe"},
			[]FieldError{{Field: "aliasInfo.billable", Message: what + ` types billable as boolean: give true or false (or yes/no, y/n, 1/0), not "maybe"`}}},
		{"not a whole number", map[string]string{"practice_area": "Tax", "partners": "2.5"},
			[]FieldError{{Field: "aliasInfo.partners", Message: what + ` types partners as integer: give a whole number, not "2.5"`}}},
		{"outside the enum", map[string]string{"practice_area": "Tax law"},
			[]FieldError{{Field: "aliasInfo.practice_area", Message: what + ` refuses it as practice_area: must be one of "Litigation", "Tax"`}}},
		{"every problem at once", map[string]string{"practice_area": "Tax law", "billable": "maybe"},
			[]FieldError{
				{Field: "aliasInfo.billable", Message: what + ` types billable as boolean: give true or false (or yes/no, y/n, 1/0), not "maybe"`},
				{Field: "aliasInfo.practice_area", Message: what + ` refuses it as practice_area: must be one of "Litigation", "Tax"`},
			}},
		{"a secret", map[string]string{"practice_area": "Tax", "pin": "1234"},
			[]FieldError{{Field: "aliasInfo.pin", Tag: TagSecret, Message: what + " marks pin as a secret: bulk does not carry secrets among the tenant's own properties of aliasInfo: remove it (the files bulk writes leave its value out)"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row := map[string]string{"alias_info": EncodeProperties(tc.props)}
			for k, v := range base {
				row[k] = v
			}
			got, _ := checkRow(t, &schemaReader{schema: tenantAliasSchema}, "create-lookup-alias", row)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// A schema that allows properties it does not name says nothing of them:
// refused all the same, and said so.
func TestPropertiesAnOpenSchemaDoesNotName(t *testing.T) {
	got, _ := checkRow(t, &schemaReader{schema: `{"type":"object","properties":{"id":{"type":"string"},"practice_area":{"type":"string"}}}`}, "create-lookup-alias",
		map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom1", "alias": "1009", "alias_info": `{"practise_area":"Tax"}`})
	want := []FieldError{{Field: "aliasInfo.practise_area", Message: `the service's schema for custom1 aliases names no property practise_area; did you mean "practice_area"? (bulk sends only the properties a schema names)`}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// Without the schema read, further properties cannot be typed: said, never
// sent as text.
func TestUntypedPropertiesAreRefused(t *testing.T) {
	spec, _ := Lookup("create-lookup-alias")
	v, _, _ := spec.Validate(map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom1", "alias": "1009", "alias_info": `{"a":"b"}`})
	var none *Schemas
	if _, errs := none.Typed(spec, v); len(errs) != 1 || !strings.Contains(errs[0].Message, "was not read") {
		t.Errorf("problems %v", errs)
	}
	plain, _, _ := spec.Validate(map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom1", "alias": "1009"})
	if got, errs := none.Typed(spec, plain); len(errs) != 0 || !reflect.DeepEqual(got, plain) {
		t.Errorf("a row without further properties: %v %v", got, errs)
	}
}

// A fallback to the contract's shape says so in its messages.
func TestPropertiesAgainstTheContractsShape(t *testing.T) {
	got, _ := checkRow(t, &fakeClient{}, "create-lookup-alias", map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom1", "alias": "1009", "alias_info": `{"practice_area":"Tax"}`})
	want := []FieldError{{Field: "aliasInfo.practice_area", Message: "the contract's shape of custom1 aliases (the service has no getCreateCustomOrPropertyLookupSchema) has no property practice_area"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestFurtherPropertiesOfFoldersAndPasswords(t *testing.T) {
	ctx := context.Background()
	folder, _ := Lookup("add-folder")
	v, _, errs := folder.Validate(map[string]string{"name": "Deal", "parent_id": "ACTIVE_US!1", "parent_type": "Workspace",
		"inherit_profile_from_workspace": "No", "custom1": "1009", "profile_properties": `{"billable":true}`})
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	var c fakeClient
	if _, err := folder.Call(ctx, &c, v, nil); err != nil {
		t.Fatal(err)
	}
	if got := c.got.(wire.AddFolderRequest).ProfileProperties; !reflect.DeepEqual(revealJSON(t, got), map[string]any{"custom1": "1009", "billable": true}) {
		t.Errorf("profileProperties %v", revealJSON(t, got))
	}
	if _, _, errs := folder.Validate(map[string]string{"name": "Deal", "parent_id": "ACTIVE_US!1", "parent_type": "Workspace", "profile_properties": `{"billable":true}`}); len(errs) != 1 || errs[0].Field != "profile_properties" {
		t.Errorf("further profile properties with an inherited profile: %v", errs)
	}
	user, _ := Lookup("create-user")
	v, s, errs := user.Validate(map[string]string{"full_name": "A B", "id": "AB", "email": "ab@firm.com", "preferred_library": "ACTIVE_US", "role": "ATTORNEY",
		"password_create_method": "Create a password", "password": "correct horse 1", "create_password": `{"expires_days":30}`})
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if _, err := user.Call(ctx, &c, v, s); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c.got.(wire.CreateUserRequest).CreatePassword)
	if string(b) != `{"expires_days":30,"force_password_change":false,"password":"correct horse 1"}` {
		t.Errorf("create_password %s", b)
	}
	b, _ = json.Marshal(wire.CreatePassword{Extra: map[string]json.RawMessage{"x": json.RawMessage(`"y"`)}})
	if string(b) != `{"x":"y"}` {
		t.Errorf("create_password without a password %s", b)
	}
}

// An alias already there is compared on the further properties the
// service showed; the others are said not compared.
func TestExistingAliasComparesFurtherProperties(t *testing.T) {
	var list []wire.LookupAlias
	if err := json.Unmarshal([]byte(`[{"id":"9","description":"Acme","practice_area":"Tax","billable":true},{"id":"10","matter_code":"X"}]`), &list); err != nil {
		t.Fatal(err)
	}
	seen := newAliasesSeen(list)
	row := func(props map[string]string) Values {
		return Values{"alias": "9", "alias_info": EncodeProperties(props)}
	}
	r, _ := seen.Find(row(map[string]string{"practice_area": "Tax", "billable": "yes"}))
	if r.Existing.Conflict() || !reflect.DeepEqual(r.Existing.Unchecked, []string{"enabled", "hipaa"}) {
		t.Errorf("same: %+v", r.Existing)
	}
	r, _ = seen.Find(row(map[string]string{"practice_area": "Litigation", "risk": "High", "matter_code": "X"}))
	want := []Difference{{Field: "aliasInfo.matter_code", Absent: true, Row: "X"}, {Field: "aliasInfo.practice_area", Service: "Tax", Row: "Litigation"}}
	if !reflect.DeepEqual(r.Existing.Differences, want) || !reflect.DeepEqual(r.Existing.Unchecked, []string{"enabled", "hipaa", "aliasInfo.risk"}) {
		t.Errorf("different: %+v", r.Existing)
	}
	if want := `aliasInfo.matter_code: the service has none, the row says "X"`; !strings.Contains(r.Existing.DifferenceText(), want) {
		t.Errorf("%s", r.Existing.DifferenceText())
	}
	out, _ := json.Marshal(r.Output)
	if !strings.Contains(string(out), `"practice_area":"Tax"`) {
		t.Errorf("the alias as the service showed it: %s", out)
	}
}

func TestDecimalCells(t *testing.T) {
	for _, tc := range []struct {
		text, integer, number string // "" refused
	}{
		{"3", "3", "3"}, {"+3", "3", "3"}, {"03", "3", "3"}, {"007", "7", "7"}, {"-0", "-0", "-0"},
		{"3.0", "3", "3.0"}, {"3e2", "300", "3e2"}, {"1E3", "1000", "1e3"}, {"2.5", "", "2.5"},
		{"1e16", "10000000000000000", "1e16"}, {"1.5e16", "15000000000000000", "1.5e16"}, {"1E+17", "100000000000000000", "1e+17"},
		{"9007199254740993", "9007199254740993", "9007199254740993"},
		{"0x10", "", ""}, {"0x1p4", "", ""}, {"1_000", "", ""}, {"Inf", "", ""}, {"NaN", "", ""}, {"1e999", "", ""},
		{"1e-400", "", ""}, {"1e-99999999", "", ""}, {".5", "", ""}, {"1,5", "", ""}, {"", "", ""},
	} {
		for _, want := range []struct{ typ, out string }{{"integer", tc.integer}, {"number", tc.number}} {
			x, err := typeCell(tc.text, []string{want.typ}, nil)
			got := ""
			if err == nil {
				got = string(x.(json.Number))
			}
			if got != want.out {
				t.Errorf("%q as %s: %q (%v), want %q", tc.text, want.typ, got, err, want.out)
			}
		}
	}
	// A list with an empty item, or of separators only, is refused.
	for _, cell := range []string{";", "London;;Paris", "London; ;Paris", "London;"} {
		if x, err := typeCell(cell, []string{"array"}, []string{"string"}); err == nil {
			t.Errorf("%q: %v", cell, x)
		}
	}
	// A list of them, and the member written with them: valid JSON.
	x, err := typeCell("+1; 02", []string{"array"}, []string{"integer"})
	if err != nil || !reflect.DeepEqual(x, []any{json.Number("1"), json.Number("2")}) {
		t.Errorf("list: %v %v", x, err)
	}
	if s := encodeProperties(map[string]any{"a": x}); s != `{"a":[1,2]}` {
		t.Errorf("written %s", s)
	}
}

// A user already there is not compared on the tenant's password settings,
// which no answer shows: said.
func TestExistingUserDoesNotCompareCreatePassword(t *testing.T) {
	created := false
	full, email, lib := "A B", "ab@firm.com", "ACTIVE_US"
	ext := false
	u := &wire.User{ID: "AB", UserCreated: &created, FullName: &full, Email: &email, PreferredLibrary: &lib, IsExternal: &ext}
	r := createUserResult(u, Values{"id": "AB", "full_name": full, "email": email, "preferred_library": lib, "is_external": "false", "create_password": `{"expires_days":"6"}`})
	if r.Existing == nil || r.Existing.Conflict() || !reflect.DeepEqual(r.Existing.Unchecked, []string{"create_password.expires_days"}) {
		t.Errorf("%+v", r.Existing)
	}
}

// The JSON form's lists: no empty item or list; items typed by the
// schema's items, as a cell's are; a number 3.0 to an integer is 3.
func TestJSONFormListsAndNumbers(t *testing.T) {
	spec, _ := Lookup("create-lookup-alias")
	for _, cell := range []string{`{"a":["x",""]}`, `{"a":[]}`} {
		if _, _, errs := spec.Validate(map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom1", "alias": "1", "alias_info": cell}); len(errs) != 1 {
			t.Errorf("%s: %v", cell, errs)
		}
	}
	const sch = `{"properties":{"id":{},"counts":{"type":"array","items":{"type":"integer"}},"hours":{"type":"integer"}}}`
	row := map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom1", "alias": "1", "alias_info": `{"counts":["1","+2",3.0],"hours":3.0}`}
	errs, ss := checkRow(t, &schemaReader{schema: sch}, "create-lookup-alias", row)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	v, _, _ := spec.Validate(row)
	typed, _ := ss.Typed(spec, v)
	if typed["alias_info"] != `{"counts":[1,2,3],"hours":3}` {
		t.Errorf("typed %s", typed["alias_info"])
	}
}
