package schema

import (
	"strings"
	"testing"
)

// A $ref the schema cannot resolve is named as the service's schema, not
// as a file of the working directory's.
func TestAnUnresolvableRefNamesNoFile(t *testing.T) {
	_, err := Compile([]byte(`{"properties":{"a":{"$ref":"#/definitions/missing"}}}`))
	if err == nil || strings.Contains(err.Error(), "file://") || !strings.Contains(err.Error(), "urn:bulk:the-service-schema") {
		t.Errorf("%v", err)
	}
	s, err := Compile([]byte(`{"definitions":{"flag":{"type":["boolean","null"]}},"properties":{"a":{"$ref":"#/definitions/flag"},"b":{"type":"string","format":"password"}},"additionalProperties":false}`))
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
