package schema

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestDraftsAndDefaults(t *testing.T) {
	for _, tc := range []struct {
		name, schema, draft string
		value               string
		want                []Violation
	}{
		{name: "no $schema, 2020-12", schema: `{"type":"object","properties":{"n":{"type":"number","exclusiveMinimum":5}}}`, draft: "2020-12",
			value: `{"n":5}`, want: []Violation{{Property: "n", Keyword: "exclusiveMinimum", Message: "must be more than 5"}}},
		{name: "no $schema, draft 4 by its boolean exclusiveMinimum", schema: `{"type":"object","properties":{"n":{"type":"number","minimum":5,"exclusiveMinimum":true}}}`, draft: "4",
			value: `{"n":5}`, want: []Violation{{Property: "n", Keyword: "exclusiveMinimum", Message: "must be more than 5"}}},
		{name: "declared draft 7", schema: `{"$schema":"http://json-schema.org/draft-07/schema#","required":["id"]}`, draft: "http://json-schema.org/draft-07/schema#",
			value: `{}`, want: []Violation{{Property: "id", Keyword: "required", Message: "is required"}}},
		{name: "an OpenAPI meta-schema is read as JSON Schema", schema: `{"$schema":"https://spec.openapis.org/oas/3.1/dialect/base","properties":{"a":{"type":"boolean"}}}`, draft: "2020-12",
			value: `{"a":"yes"}`, want: []Violation{{Property: "a", Keyword: "type", Message: "must be boolean, not string"}}},
		{name: "ECMAScript look-ahead", schema: `{"properties":{"name":{"type":"string","pattern":"^(?!\\s*$)[^\\\\]+$"}}}`, draft: "2020-12",
			value: `{"name":"\u00a0 "}`, want: []Violation{{Property: "name", Keyword: "pattern", Message: `must match the pattern ^(?!\s*$)[^\\]+$`}}},
		{name: "not named", schema: `{"properties":{"id":{}},"additionalProperties":false}`, draft: "2020-12",
			value: `{"id":"x","hipaa":true}`, want: []Violation{{Property: "hipaa", Keyword: "additionalProperties", Message: "is not a property the schema names"}}},
		{name: "one of several", schema: `{"anyOf":[{"required":["a"]},{"required":["b"]}]}`, draft: "2020-12",
			value: `{}`, want: []Violation{{Keyword: "anyOf", Message: "must fit one of: a given; or b given"}}},
		{name: "fits", schema: `{"type":"object","properties":{"password":{"type":"string","minLength":8}}}`, draft: "2020-12", value: `{"password":"correct horse"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Compile([]byte(tc.schema))
			if err != nil {
				t.Fatal(err)
			}
			if s.Draft != tc.draft {
				t.Errorf("draft %q, want %q", s.Draft, tc.draft)
			}
			var v any
			if err := json.Unmarshal([]byte(tc.value), &v); err != nil {
				t.Fatal(err)
			}
			if got := s.Validate(v); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("violations %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestRefusedSchemas(t *testing.T) {
	for _, raw := range []string{`[]`, `"x"`, `{"type":"strin"}`, `{"$ref":"https://example.com/s.json"}`, `{"$ref":"file:///etc/passwd"}`, `{"pattern":"("}`, `not json`} {
		if _, err := Compile([]byte(raw)); err == nil {
			t.Errorf("%s compiled", raw)
		}
	}
}

// A violation never repeats the value checked: it may be a new user's password.
func TestViolationsNeverEchoTheValue(t *testing.T) {
	const secret = "Sup3r-secret-pw"
	s := MustCompile([]byte(`{"properties":{"password":{"type":"string","maxLength":4,"pattern":"^[0-9]+$","enum":["1234"]}},"additionalProperties":false}`))
	got := s.Validate(map[string]any{"password": secret})
	if len(got) == 0 {
		t.Fatal("no violations")
	}
	for _, v := range got {
		if strings.Contains(v.Message, secret) {
			t.Errorf("violation repeats the value: %+v", v)
		}
	}
}
