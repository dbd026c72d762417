package actions

import (
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// The rules' regular expressions, as test data: each field's rule is its
// hand-written matcher (Field.Match), which the tests hold to the
// expression here (fields_test.go) and the expression to the definition's
// own pattern (definition_test.go). They are keyed by the matcher's name.
var rulePatterns = map[string]*regexp.Regexp{
	"isUserID":      regexp.MustCompile(`^[\x{21}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}]*$`),
	"isContainerID": regexp.MustCompile(`^[^!]+![0-9]+$`),
	"isLibraryName": regexp.MustCompile(`^[^!\x00-\x20\x{85}\p{Z}]+$`),
	// The definition's local@domain.tld, whose last part has at least two
	// characters (the characters may include ".").
	"isEmail": regexp.MustCompile("^[A-Za-z0-9+*.&_`~|$%^?!'#={}/-]+@[A-Za-z0-9+*.&_`~|$%^?!'#={}/-]+\\.[A-Za-z0-9+*.&_`~|$%^?!'#={}/-]{2,}$"),
	// The definition's ^(?!\s*$)[...]+$ without the look-ahead RE2 lacks.
	"isObjectName":  regexp.MustCompile(`^[` + objectNameSpace + objectNameVisible + `]*[` + objectNameVisible + `][` + objectNameSpace + objectNameVisible + `]*$`),
	"isFolderEmail": regexp.MustCompile(`^[A-Za-z0-9._-]+$`),
}

// The two halves of the object name expression's character class.
const (
	objectNameSpace   = `\t\n\x0B\f\r \x{00A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}`
	objectNameVisible = "!-\\[\\]-~" + `\x{00A1}-\x{167F}\x{1681}-\x{1FFF}\x{200B}-\x{2027}\x{202A}-\x{202E}\x{2030}-\x{205E}\x{2060}-\x{2FFF}\x{3001}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FEFE}\x{FF00}-\x{FFEF}`
)

// matcherName names a field's matcher ("isUserID"), "" for none.
func matcherName(f *Field) string {
	if f.Match == nil {
		return ""
	}
	name := runtime.FuncForPC(reflect.ValueOf(f.Match).Pointer()).Name()
	return name[strings.LastIndexByte(name, '.')+1:]
}

// patternOf is the regular expression of a field's matcher, nil for none.
func patternOf(f *Field) *regexp.Regexp { return rulePatterns[matcherName(f)] }

// Every matcher a field uses has its expression here, so none goes
// unchecked.
func TestEveryMatcherHasItsPattern(t *testing.T) {
	used := map[string]bool{}
	for _, spec := range All() {
		for i := range spec.Fields {
			f := &spec.Fields[i]
			if f.Match == nil {
				continue
			}
			name := matcherName(f)
			used[name] = true
			if rulePatterns[name] == nil {
				t.Errorf("%s %s: the matcher %s has no regular expression in rulePatterns", spec.Name, f.Name, name)
			}
		}
	}
	for name := range rulePatterns {
		if !used[name] {
			t.Errorf("rulePatterns has %s, which no field uses", name)
		}
	}
}
