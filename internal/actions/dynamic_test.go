package actions

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/secret"
)

// dynamicRows are rows that send each dynamic member.
var dynamicRows = []struct {
	action string
	raw    map[string]string
}{
	{"create-lookup-alias", map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom1", "alias": "1009", "alias_description": "New", "hipaa": "yes"}},
	{"create-lookup-alias", map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom2", "alias": "1009-1", "parent_alias": "1009"}},
	{"update-custom-field", map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom1", "alias": "1001", "enabled": "no"}},
	{"create-user", map[string]string{"full_name": "Jo", "id": "JO", "email": "jo@firm.com", "preferred_library": "ACTIVE_US", "role": "ATTORNEY"}},
	{"create-user", map[string]string{"full_name": "Jo", "id": "JO", "email": "jo@firm.com", "preferred_library": "ACTIVE_US", "role": "ATTORNEY",
		"password_create_method": CreateAPassword, "password": "correct horse", "force_password_change": "y"}},
	{"add-folder", map[string]string{"name": "F", "parent_id": "ACTIVE_US!1000", "parent_type": "Workspace", "inherit_profile_from_workspace": "No",
		"custom1": "1001", "custom17": "2.5", "custom21": "2024-01-02T03:04:05Z", "custom25": "true"}},
}

// Build is the member exactly as Call sends it: what a run checks is what
// goes on the wire.
func TestDynamicBuildIsWhatCallSends(t *testing.T) {
	for _, row := range dynamicRows {
		spec, _ := Lookup(row.action)
		v, s, errs := spec.Validate(row.raw)
		if len(errs) > 0 {
			t.Fatalf("%s %v: %v", row.action, row.raw, errs)
		}
		if len(spec.Dynamic) == 0 {
			t.Fatalf("%s declares no dynamic member", row.action)
		}
		c := &fakeClient{}
		if _, err := spec.Call(context.Background(), c, v, s); err != nil {
			t.Fatal(err)
		}
		for _, d := range spec.Dynamic {
			sent := memberOf(t, c.got, d.Member)
			built := revealJSON(t, d.Build(v, s))
			if !reflect.DeepEqual(sent, built) {
				t.Errorf("%s %s: Call sends %v, Build says %v", row.action, d.Member, sent, built)
			}
		}
	}
}

func memberOf(t *testing.T, req any, member string) any {
	t.Helper()
	var m map[string]any
	b, _ := json.Marshal(req)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m[member]
}

func revealJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// schemaReader answers every schema operation with one schema.
type schemaReader struct {
	fakeClient
	schema string
	args   []string
}

func (r *schemaReader) answer(arg string) (json.RawMessage, error) {
	r.args = append(r.args, arg)
	return json.RawMessage(r.schema), nil
}
func (r *schemaReader) GetCreateLookupAliasSchema(_ context.Context, a string) (json.RawMessage, error) {
	return r.answer(a)
}
func (r *schemaReader) GetUpdateCustomFieldSchema(_ context.Context, a string) (json.RawMessage, error) {
	return r.answer(a)
}
func (r *schemaReader) GetCreateUserPasswordSchema(_ context.Context, a string) (json.RawMessage, error) {
	return r.answer(a)
}
func (r *schemaReader) GetAddFolderPropertiesSchema(_ context.Context, a string) (json.RawMessage, error) {
	return r.answer(a)
}

func checkRow(t *testing.T, r SchemaReader, action string, raw map[string]string) ([]FieldError, *Schemas) {
	t.Helper()
	spec, _ := Lookup(action)
	v, s, errs := spec.Validate(raw)
	if len(errs) > 0 {
		t.Fatalf("%v", errs)
	}
	var needs SchemaNeeds
	needs.Add(spec, v)
	ss := NewSchemas()
	for _, n := range needs.List() {
		if err := ss.Load(context.Background(), r, n); err != nil {
			t.Fatal(err)
		}
	}
	return ss.Check(spec, v, s), ss
}

func TestDynamicCheckNamesColumnAndProperty(t *testing.T) {
	alias := map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom1", "alias": "1009", "hipaa": "yes", "alias_description": "Umbrella Corp"}
	for _, tc := range []struct {
		name, schema string
		want         []FieldError
	}{
		{"the schema has no hipaa", `{"type":"object","properties":{"id":{"type":"string"},"description":{"type":"string"},"enabled":{"type":"boolean"}},"additionalProperties":false}`,
			[]FieldError{{Field: "hipaa", Message: "the service's schema for custom1 aliases has no property hipaa"}}},
		{"a required property no column fills", `{"type":"object","required":["id","matter_type"]}`,
			[]FieldError{{Field: "aliasInfo.matter_type", Message: "the service's schema for custom1 aliases requires matter_type, which no column fills: add a column aliasInfo.matter_type"}}},
		{"a value too long", `{"properties":{"description":{"type":"string","maxLength":5}}}`,
			[]FieldError{{Field: "alias_description", Message: "the service's schema for custom1 aliases refuses it as description: must be at most 5 characters"}}},
		{"a type the column does not have", `{"$schema":"http://json-schema.org/draft-04/schema#","properties":{"hipaa":{"type":"string","enum":["Y","N"]}}}`,
			[]FieldError{{Field: "hipaa", Message: "the service's schema for custom1 aliases refuses it as hipaa: must be string, not boolean"}}},
		{"fits", `{"type":"object","properties":{"id":{"type":"string","maxLength":32},"description":{},"hipaa":{"type":"boolean"},"enabled":{}},"required":["id"]}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := checkRow(t, &schemaReader{schema: tc.schema}, "create-lookup-alias", alias)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// A tenant without the schema operations: the contract's shape, said once.
func TestDynamicFallsBackToTheContract(t *testing.T) {
	got, ss := checkRow(t, &fakeClient{}, "update-custom-field", map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom30", "alias": "LIT-X", "parent_alias": "LIT", "enabled": "false"})
	if len(got) != 0 || !reflect.DeepEqual(ss.Fallbacks, []string{"getUpdateCustomFieldSchema"}) || ss.Reads != 1 {
		t.Errorf("problems %v, fallbacks %v, reads %d", got, ss.Fallbacks, ss.Reads)
	}
	// The contract's shapes are valid schemas for every argument.
	for _, spec := range All() {
		for _, d := range spec.Dynamic {
			for _, arg := range append(append([]string{}, lookupFields...), SendAnEmail, CreateAPassword, "Yes", "No") {
				b, _ := json.Marshal(d.ContractShape(arg))
				if !json.Valid(b) || !strings.Contains(string(b), `"type":"object"`) {
					t.Errorf("%s %s: %s", spec.Name, arg, b)
				}
			}
		}
	}
}

// The password is checked like any value and never shown.
func TestDynamicPasswordNeverShown(t *testing.T) {
	const pw = "correct horse battery"
	got, _ := checkRow(t, &schemaReader{schema: `{"properties":{"password":{"type":"string","maxLength":8,"pattern":"^[0-9]+$"}},"additionalProperties":false}`},
		"create-user", map[string]string{"full_name": "Jo", "id": "JO", "email": "jo@firm.com", "preferred_library": "ACTIVE_US", "role": "ATTORNEY",
			"password_create_method": CreateAPassword, "password": pw})
	if len(got) < 2 {
		t.Fatalf("problems %v", got)
	}
	for _, e := range got {
		if strings.Contains(e.Message, pw) || strings.Contains(e.Message, secret.New(pw).Reveal()[:6]) {
			t.Errorf("the password shows: %v", e)
		}
	}
}

// BenchmarkSchemasCheck is the cost, per row, of holding a row's dynamic
// member to its schema before a run's first write.
func BenchmarkSchemasCheck(b *testing.B) {
	for _, row := range []struct {
		name, action string
		raw          map[string]string
	}{
		{"create-user password", "create-user", map[string]string{"full_name": "Jo", "id": "JO", "email": "jo@firm.com", "preferred_library": "ACTIVE_US",
			"role": "ATTORNEY", "password_create_method": CreateAPassword, "password": "correct horse", "force_password_change": "y"}},
		{"create-lookup-alias", "create-lookup-alias", map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom2", "alias": "1001-9", "parent_alias": "1001", "alias_description": "New matter"}},
		{"add-folder profile", "add-folder", map[string]string{"name": "F", "parent_id": "ACTIVE_US!1000", "parent_type": "Workspace", "inherit_profile_from_workspace": "No",
			"custom1": "1001", "custom13": "text", "custom17": "2.5", "custom21": "2024-01-02T03:04:05Z", "custom25": "true"}},
	} {
		b.Run(row.name, func(b *testing.B) {
			spec, _ := Lookup(row.action)
			v, s, errs := spec.Validate(row.raw)
			if len(errs) > 0 {
				b.Fatal(errs)
			}
			var needs SchemaNeeds
			needs.Add(spec, v)
			ss := NewSchemas()
			for _, n := range needs.List() {
				if err := ss.Load(context.Background(), &fakeClient{}, n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if errs := ss.Check(spec, v, s); len(errs) > 0 {
					b.Fatal(errs)
				}
			}
		})
	}
}
