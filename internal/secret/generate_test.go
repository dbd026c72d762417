package secret

import (
	"strings"
	"testing"
)

func TestGeneratedPasswordsAreStrongDistinctAndNeverAFormula(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		s, err := Generate(GeneratedLength)
		if err != nil {
			t.Fatal(err)
		}
		p := s.Reveal()
		if len(p) != GeneratedLength || seen[p] {
			t.Fatalf("password %d: length %d, repeated %v", i, len(p), seen[p])
		}
		seen[p] = true
		for _, class := range []string{lowerChars, upperChars, digitChars, symbolChars} {
			if !strings.ContainsAny(p, class) {
				t.Fatalf("password lacks one of %q", class)
			}
		}
		// Not only =, +, - and @: no symbol at all begins one.
		if !isAlnum(p[0]) {
			t.Fatalf("password %d begins with %q: a spreadsheet may read it as a formula", i, p[:1])
		}
	}
}

func TestGenerateRefusesTooShort(t *testing.T) {
	if _, err := Generate(4); err == nil {
		t.Fatal("a 4-character password was made")
	}
}
