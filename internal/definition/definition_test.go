package definition

import (
	"testing"

	"github.com/firmtools/bulk/internal/schema"
)

// The facts are whole: seventeen operations, each with a method and an
// answer schema that compiles, and patterns that compile as ECMAScript.
func TestFactsAreWhole(t *testing.T) {
	if n := len(Names()); n != 17 {
		t.Fatalf("%d operations, want the definition's 17", n)
	}
	for _, name := range Names() {
		o, _ := Op(name)
		if o.Method != "GET" && o.Method != "POST" {
			t.Errorf("%s: method %q", name, o.Method)
		}
		if _, err := Response(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		props, _ := BodyProperties(name)
		for p, s := range props {
			if pat, ok := s["pattern"].(string); ok {
				if _, err := schema.MatchPattern(pat, "x"); err != nil {
					t.Errorf("%s.%s: pattern: %v", name, p, err)
				}
			}
		}
	}
}
