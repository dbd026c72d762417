package schema

import (
	"slices"
	"strings"
	"testing"
)

// A $ref the schema cannot resolve is named as the service's schema, not
// as a file of the working directory's.
func TestAnUnresolvableRefNamesNoFile(t *testing.T) {
	for _, ref := range []string{"#/definitions/missing", "other.json", "/etc/passwd", "file:///etc/passwd"} {
		_, err := Compile([]byte(`{"properties":{"a":{"$ref":"` + ref + `"}}}`))
		if err == nil || strings.Contains(err.Error(), "file://") && !strings.Contains(ref, "file://") || !strings.Contains(err.Error(), "not a usable JSON schema") {
			t.Errorf("%s: %v", ref, err)
		}
	}
	// Without "type", the values an enum, a const or alternatives allow say it.
	s, err := Compile([]byte(`{"properties":{"e":{"enum":[true,false]},"c":{"const":5},"o":{"oneOf":[{"type":"integer"},{"type":"boolean"}]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]string{"e": {"boolean"}, "c": {"number"}, "o": {"integer", "boolean"}} {
		if p, _ := s.Property(name); !slices.Equal(p.Types, want) {
			t.Errorf("%s: types %v, want %v", name, p.Types, want)
		}
	}
	// A format is held to.
	s, err = Compile([]byte(`{"properties":{"d":{"type":"string","format":"date"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if v := s.Validate(map[string]any{"d": "2024-13-45"}); len(v) != 1 || v[0].Property != "d" {
		t.Errorf("a date that is none: %+v", v)
	}
	s, err = Compile([]byte(`{"definitions":{"flag":{"type":["boolean","null"]}},"properties":{"a":{"$ref":"#/definitions/flag"},"b":{"type":"string","format":"password"}},"additionalProperties":false}`))
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := s.Property("a"); !ok || len(p.Types) != 1 || p.Types[0] != "boolean" || p.Secret {
		t.Errorf("a: %+v %v", p, ok)
	}
	if p, ok := s.Property("b"); !ok || !p.Secret {
		t.Errorf("b: %+v %v", p, ok)
	}
	if _, ok := s.Property("c"); ok || !s.Closed() {
		t.Errorf("c is not declared; the schema is closed")
	}
}
