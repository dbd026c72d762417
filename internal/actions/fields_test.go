package actions

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// matcherAlphabet is what generated inputs are made of: every class of
// character the patterns tell apart (ASCII, each kind of whitespace,
// controls, the edges of the allowed Unicode ranges, private use,
// non-characters, emoji) and the separators the patterns are built on.
var matcherAlphabet = []rune{
	'a', 'Z', '0', '9', '_', '-', '.', '@', '!', '#', '\\', '/', '(', ')', '[', ']', '"', '\'', '`', '~', '|', '*', '+', '$', '%', '^', '?', '=', '{', '}', ',', ';', ':', '<', '>', '&',
	' ', '\t', '\n', '\v', '\f', '\r', 0x00, 0x01, 0x1F, 0x7F, 0x80, 0x85, 0x9F,
	0xA0, 0xA1, 0xE9, 0x1680, 0x167F, 0x1681, 0x2000, 0x200A, 0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x2060, 0x3000, 0x3001,
	0xD7FF, 0xE000, 0xF8FF, 0xF900, 0xFDCF, 0xFDD0, 0xFDEF, 0xFDF0, 0xFEFF, 0xFFEF, 0xFFF0, 0xFFFD, 0xFFFF,
	0x10000, 0x1F600, 0x10FFFF,
}

// matcherSeeds are valid values the generator mutates, so inputs near the
// edge of each rule are common, not just random noise.
var matcherSeeds = []string{"jo@firm.com", "a.b@c.de", "x@y.z", "ACTIVE_US!123", "ACTIVE_US", "JSMITH", "Deal 2024", "acme.pleadings_1-a", "  ", ""}

func genInput(r *rand.Rand) string {
	var b strings.Builder
	if r.IntN(2) == 0 {
		s := []rune(matcherSeeds[r.IntN(len(matcherSeeds))])
		for n := r.IntN(3); n > 0 && len(s) > 0; n-- {
			i := r.IntN(len(s))
			switch r.IntN(3) {
			case 0:
				s[i] = matcherAlphabet[r.IntN(len(matcherAlphabet))]
			case 1:
				s = append(s[:i], s[i+1:]...)
			default:
				s = append(s[:i], append([]rune{matcherAlphabet[r.IntN(len(matcherAlphabet))]}, s[i:]...)...)
			}
		}
		return string(s)
	}
	for n := r.IntN(10); n > 0; n-- {
		b.WriteRune(matcherAlphabet[r.IntN(len(matcherAlphabet))])
	}
	return b.String()
}

// TestMatchersFollowTheirPatterns holds every hand-written matcher to the
// regular expression it stands for (rulePatterns), on many generated
// inputs: the two must never disagree.
func TestMatchersFollowTheirPatterns(t *testing.T) {
	checked := 0
	for _, spec := range All() {
		for i := range spec.Fields {
			f := &spec.Fields[i]
			pattern := patternOf(f)
			if pattern == nil {
				continue
			}
			checked++
			r := rand.New(rand.NewPCG(1, uint64(len(f.Name))))
			fails := 0
			for i := 0; i < 20000 && fails < 5; i++ {
				in := genInput(r)
				if got, want := f.Match(in), pattern.MatchString(in); got != want {
					t.Errorf("%s %s: Match(%+q) = %v, but %s says %v", spec.Name, f.Name, in, got, pattern, want)
					fails++
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d fields have both a matcher and a pattern", checked)
	}
}

// FuzzMatchers is the same check on inputs the fuzzer finds.
func FuzzMatchers(f *testing.F) {
	for _, s := range matcherSeeds {
		f.Add(s)
	}
	f.Add("Deal 😀")
	f.Add(`a\b`)
	f.Fuzz(func(t *testing.T, in string) {
		for _, spec := range All() {
			for i := range spec.Fields {
				fl := &spec.Fields[i]
				if p := patternOf(fl); p != nil && fl.Match(in) != p.MatchString(in) {
					t.Errorf("%s %s: Match(%+q) = %v, pattern %s disagrees", spec.Name, fl.Name, in, fl.Match(in), p)
				}
			}
		}
	})
}
