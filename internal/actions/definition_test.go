package actions

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/firmtools/bulk/internal/definition"
	"github.com/firmtools/bulk/internal/schema"
)

// knownDepartures are the places where the offline rules deliberately say
// more than the definition, each with its reason (docs/contract.md). The
// test fails on a departure not listed here, and on a listed one that no
// longer occurs, so the list stays true.
var knownDepartures = map[string]string{
	"createUser.full_name: offline at most 254 characters; the definition sets no maximum":                       "a bound of the contract, as iManage stores names",
	"createUser.role: offline at most 254 characters; the definition sets no maximum":                            "roles are short IDs; a bound keeps messages readable",
	"assignUserToLibrary.role: offline at most 254 characters; the definition sets no maximum":                   "as createUser.role",
	"addFolder.email: offline at most 254 characters; the definition sets no maximum":                            "the answer's folder e-mail holds at most 254",
	"getLookupAliases.parentAlias: offline at most 32 characters; the definition sets no maximum":                "an alias is at most 32 characters",
	"getLookupAliases.parentAlias: offline at least 1 characters; the definition sets no minimum":                "an empty parent is no parent",
	"addTab.name: offline at least 1 characters; the definition sets no minimum":                                 "the pattern needs a character too",
	"addFolder.name: offline at least 1 characters; the definition sets no minimum":                              "as addTab.name",
	"createUser.email: offline at least 5 characters; the definition sets no minimum":                            "the definition's pattern holds its 5 to 254 in a look-ahead",
	"createUser.email: offline at most 254 characters; the definition sets no maximum":                           "as the minimum",
	"addShortcutsToMyMattersAdmin.workspace_id: offline a list; the definition a string":                         "the column takes ; or | and sends them ;-joined, as the definition asks",
	"getLibraryRoles.user_id: offline a user ID pattern; the definition no pattern":                              "as assignUserToLibrary.user_id",
	"getLibraryRoles.libraryId: offline a library name pattern; the definition no pattern":                       "a library name never holds ! or spaces",
	"getLookupAliases.libraryId: offline a library name pattern; the definition no pattern":                      "as getLibraryRoles.libraryId",
	"createCustomOrPropertyLookup.libraryId: offline a library name pattern; the definition no pattern":          "as getLibraryRoles.libraryId",
	"updateCustomField.libraryId: offline a library name pattern; the definition no pattern":                     "as getLibraryRoles.libraryId",
	"assignUserToLibrary.libraryId: offline a library name pattern; the definition no pattern":                   "as getLibraryRoles.libraryId",
	"createUser.preferred_library: offline a library name pattern; the definition no pattern":                    "as getLibraryRoles.libraryId",
	"assignUserToLibrary.user_id: offline a user ID pattern; the definition no pattern":                          "createUser's id pattern: the user must be one createUser accepts",
	"addShortcutsToMyMattersAdmin.user_id: offline a user ID pattern; the definition no pattern":                 "as assignUserToLibrary.user_id",
	"getMyMattersCategories.user_id: offline a user ID pattern; the definition no pattern":                       "as assignUserToLibrary.user_id",
	"addTab.parentId: offline an ID pattern LIBRARY!number; the definition only minLength 3":                     "the answers' IDs follow ^[^!]+![0-9]+$",
	"addFolder.parentId: offline an ID pattern LIBRARY!number; the definition only minLength 3":                  "as addTab.parentId",
	"addShortcutsToMyMattersAdmin.category_id: offline an ID pattern LIBRARY!number; the definition no pattern":  "as addTab.parentId",
	"addShortcutsToMyMattersAdmin.workspace_id: offline an ID pattern LIBRARY!number; the definition no pattern": "as addTab.parentId",
	"addFolder.email: offline a folder e-mail prefix pattern; the definition no pattern":                         "the definition's description: letters, numbers, '.', '_', '-'",
	"getLookupAliases.lookupFieldId: offline one of 14 lookup fields; the definition no enum":                    "the fourteen of getLookupFieldNames",
	"createCustomOrPropertyLookup.lookupFieldId: offline one of 14 lookup fields; the definition no enum":        "as getLookupAliases.lookupFieldId",
	"updateCustomField.lookupFieldId: offline one of 14 lookup fields; the definition no enum":                   "as getLookupAliases.lookupFieldId",
}

// TestOfflineRulesFollowTheDefinition holds every action's fields to the
// definition's body properties (or query parameters, for reads): the same
// names, required lists, enums, defaults, lengths and patterns. Where they
// differ, the message says how; knownDepartures holds the deliberate ones.
func TestOfflineRulesFollowTheDefinition(t *testing.T) {
	var found []string
	for _, spec := range All() {
		op, ok := definition.Op(spec.Operation)
		if !ok {
			t.Errorf("%s: the definition has no operation %s", spec.Name, spec.Operation)
			continue
		}
		props, required := definition.BodyProperties(spec.Operation)
		if op.Method == "GET" {
			props, required = map[string]map[string]any{}, map[string]bool{}
			for name, p := range op.Query {
				props[name] = p
				if r, _ := p["required"].(bool); r {
					required[name] = true
				}
			}
		}
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			for _, d := range departures(spec, name, props[name], required[name]) {
				found = append(found, spec.Operation+"."+name+": "+d)
			}
		}
	}
	seen := map[string]bool{}
	for _, f := range found {
		seen[f] = true
		if _, ok := knownDepartures[f]; !ok {
			t.Errorf("departs from the definition: %s", f)
		}
	}
	for k := range knownDepartures {
		if !seen[k] {
			t.Errorf("listed as a departure, but no longer one: %s", k)
		}
	}
}

// departures compares one definition property with the field that fills it.
func departures(spec *Spec, name string, prop map[string]any, required bool) []string {
	if dyn, _ := prop["x-dynamic"].(bool); dyn {
		for _, d := range spec.Dynamic {
			if d.Member == name {
				return nil
			}
		}
		return []string{"offline nothing fills this dynamic member"}
	}
	f, ok := spec.Field(name)
	if !ok {
		return []string{"offline no column; the definition has it"}
	}
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	typ, _ := prop["type"].(string)
	switch {
	case required && !f.Required:
		add("offline optional; the definition: required")
	case !required && f.Required && f.Default != "":
		add("offline required (with a default); the definition: optional")
	case !required && f.Required:
		add("offline required; the definition: optional")
	}
	if def, ok := prop["default"]; ok && fmt.Sprint(def) != f.Default {
		add("offline default %q; the definition's %v", f.Default, def)
	}
	switch {
	case typ == "boolean" && f.Kind != KindBool:
		add("offline %s; the definition a boolean", f.Kind)
	case typ == "string" && f.Kind == KindList:
		add("offline a list; the definition a string")
	}
	enum, _ := prop["enum"].([]any)
	switch {
	case len(enum) > 0 && !sameEnum(enum, f.Enum):
		add("offline one of %v; the definition one of %v", f.Enum, enum)
	case len(enum) == 0 && len(f.Enum) > 0:
		add("offline one of %d lookup fields; the definition no enum", len(f.Enum))
	}
	maxLen, _ := prop["maxLength"].(float64)
	minLen, _ := prop["minLength"].(float64)
	pattern, _ := prop["pattern"].(string)
	switch {
	case maxLen > 0 && int(maxLen) != f.MaxLen:
		add("offline at most %d characters; the definition %v", f.MaxLen, maxLen)
	case maxLen == 0 && f.MaxLen > 0:
		add("offline at most %d characters; the definition sets no maximum", f.MaxLen)
	}
	switch {
	case minLen > 0 && f.Match == nil && int(minLen) > max(f.MinLen, b2i(f.Required)):
		add("offline at least %d characters; the definition %v", f.MinLen, minLen)
	case minLen == 0 && f.MinLen > 0:
		add("offline at least %d characters; the definition sets no minimum", f.MinLen)
	}
	switch {
	case pattern != "" && f.Match == nil:
		add("offline no pattern; the definition %s", pattern)
	case pattern != "":
		if d := patternDeparture(f, pattern, int(maxLen)); d != "" {
			add("%s", d)
		}
	case f.Match != nil:
		add("offline %s; the definition %s", describePattern(f), map[bool]string{true: "only minLength 3", false: "no pattern"}[minLen == 3])
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func describePattern(f *Field) string {
	switch matcherName(f) {
	case "isLibraryName":
		return "a library name pattern"
	case "isUserID":
		return "a user ID pattern"
	case "isContainerID":
		return "an ID pattern LIBRARY!number"
	case "isFolderEmail":
		return "a folder e-mail prefix pattern"
	}
	return "the pattern " + patternOf(f).String()
}

func sameEnum(def []any, ours []string) bool {
	if len(def) != len(ours) {
		return false
	}
	in := map[string]bool{}
	for _, o := range ours {
		in[o] = true
	}
	for _, d := range def {
		if s, ok := d.(string); !ok || !in[s] {
			return false
		}
	}
	return true
}

// patternDeparture runs the field's rule (matcher and lengths) and the
// definition's pattern (ECMAScript, with maxLength) on many generated
// values; it reports the first value they disagree on.
func patternDeparture(f *Field, pattern string, maxLen int) string {
	r := rand.New(rand.NewPCG(3, uint64(len(f.Name))))
	for i := 0; i < 6000; i++ {
		v := genInput(r)
		if i%4 == 0 {
			v = strings.Repeat(v, 1+r.IntN(40))
		}
		def, err := schema.MatchPattern(pattern, v)
		if err != nil {
			return "the definition's pattern does not compile: " + err.Error()
		}
		n := utf8.RuneCountInString(v)
		def = def && (maxLen == 0 || n <= maxLen)
		ours := f.Match(v) && n >= f.MinLen && (f.MaxLen == 0 || n <= f.MaxLen)
		if ours != def {
			return fmt.Sprintf("offline accepts %+q: %v; the definition's pattern: %v", v, ours, def)
		}
	}
	return ""
}
