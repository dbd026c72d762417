package sim

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/definition"
	"github.com/firmtools/bulk/internal/schema"
)

// definitionCall is one call of an operation: a POST with body, else a GET
// with query.
type definitionCall struct {
	op    string
	body  any
	query url.Values
}

// send makes the call, and holds its answer to the definition.
func (c definitionCall) send(t *testing.T, h *harness) answer {
	t.Helper()
	var a answer
	if c.body != nil {
		a = h.post(c.op, c.body)
	} else {
		a = h.get(c.op, c.query)
	}
	fitsDefinition(t, c.op, a)
	return a
}

// definitionCalls are successful calls of every operation, in an order in
// which each finds what it needs (the user created first is assigned, ...),
// varied where the answer's shape varies.
var definitionCalls = []definitionCall{
	{op: "createUser", body: validCreateUser},
	{op: "createUser", body: validCreateUser},
	{op: "createUser", body: validCreateUserWithPassword},
	{op: "createUser", body: validCreateUser.with("id", "EXTJOE").with("is_external", true).with("role", "EXTERNAL_CLIENT")},
	{op: "assignUserToLibrary", body: validAssign},
	{op: "assignUserToLibrary", body: validAssign.with("user_id", "DSCULLY").with("is_preferred_library", true)},
	{op: "getLibraryRoles", query: url.Values{"libraryId": {"ACTIVE_US"}}},
	{op: "getLibraryRoles", query: url.Values{"libraryId": {"ACTIVE_US"}, "user_id": {"EXTJOE"}}},
	{op: "getLookupAliases", query: url.Values{"libraryId": {"ACTIVE_US"}, "lookupFieldId": {"custom1"}}},
	{op: "getLookupAliases", query: url.Values{"libraryId": {"ACTIVE_US"}, "lookupFieldId": {"custom2"}, "parentAlias": {"1001"}}},
	{op: "getLookupAliases", query: url.Values{"libraryId": {"ACTIVE_US"}, "lookupFieldId": {"custom30"}, "getParentAliases": {"true"}}},
	{op: "createCustomOrPropertyLookup", body: validAlias},
	{op: "createCustomOrPropertyLookup", body: validChild},
	{op: "updateCustomField", body: validUpdate},
	{op: "addTab", body: validTab},
	{op: "addTab", body: validTab.with("owner", "ASMITH").with("description", "bills").with("default_security", "private")},
	{op: "addTab", body: validTab.with("owner", "NOBODY")},
	{op: "addFolder", body: validFolder},
	{op: "addFolder", body: validProfileFolder.with("class", "DOC").with("subclass", "PLEAD").with("email", "pleadings").
		with("owner", "ASMITH").with("description", "d").with("is_external_as_normal", true).with("default_security", "public")},
	{op: "addFolder", body: validFolder.with("parentId", "ACTIVE_US!1000").with("parentType", "Workspace").with("owner", "NOBODY")},
	{op: "addShortcutsToMyMattersAdmin", body: validShortcuts},
	{op: "addShortcutsToMyMattersAdmin", body: validShortcuts},
	{op: "getMyMattersCategories", query: url.Values{"user_id": {"ASMITH"}}},
	{op: "getMyMattersCategories", query: url.Values{"user_id": {"DSCULLY"}}},
	{op: "getLibraries", query: url.Values{}},
	{op: "getLibraries", query: url.Values{"showAllLibraries": {"true"}, "hidePreferredLibrary": {"true"}}},
	{op: "getLookupFieldNames", query: url.Values{}},
	{op: "getEmailOptions", query: url.Values{}},
	{op: "getCreateCustomOrPropertyLookupSchema", query: url.Values{"lookupFieldId": {"custom2"}}},
	{op: "getUpdateCustomFieldSchema", query: url.Values{"lookupFieldId": {"custom3"}}},
	{op: "getCreateUserPasswordSchema", query: url.Values{"password_create_method": {"Create a password"}}},
	{op: "getCreateUserPasswordSchema", query: url.Values{"password_create_method": {"Send an email"}}},
	{op: "getAddFolderPropertiesSchema", query: url.Values{"inherit_profile_from_workspace": {"No"}}},
	{op: "getAddFolderPropertiesSchema", query: url.Values{"inherit_profile_from_workspace": {"Yes"}}},
}

// TestAnswersFitTheDefinition holds every answer of the simulator to the
// definition's response schema of its operation. When an answer changes
// shape, this says which field of which operation now departs.
func TestAnswersFitTheDefinition(t *testing.T) {
	h := newHarness(t, Options{RateLimit: 10000})
	seen := map[string]bool{}
	for _, c := range definitionCalls {
		c.send(t, h)
		seen[c.op] = true
	}
	for _, op := range definition.Names() {
		if !seen[op] {
			t.Errorf("no call of %s is held to the definition", op)
		}
	}
	for name := range operations {
		if _, ok := definition.Op(name); !ok {
			t.Errorf("the simulator serves %s, which the definition does not have", name)
		}
	}
}

// fitsDefinition holds a 200 answer of op to the definition's response schema.
func fitsDefinition(t *testing.T, op string, a answer) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("%s: status %d: %s", op, a.status, a.raw)
	}
	s, err := definition.Response(op)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(a.raw, &v); err != nil {
		t.Fatal(err)
	}
	for _, viol := range s.Validate(v) {
		t.Errorf("%s answers %s\nwhich departs from the definition: %s %s (%s)", op, a.raw, viol.Property, viol.Message, viol.Keyword)
	}
}

// Answers that carry a tenant's own properties fit the definition too: it
// leaves an alias's and a folder profile's other properties open.
func TestAnswersWithTenantPropertiesFitTheDefinition(t *testing.T) {
	h := newHarness(t, tenantOptions(t))
	tenantAlias := obj{"practice_area": "Tax", "risk": "Low", "matter_count": 2}
	calls := []definitionCall{
		{op: "createCustomOrPropertyLookup", body: obj{"libraryId": "ACTIVE_US", "lookupFieldId": "custom1", "aliasInfo": tenantAlias.with("id", "1004")}},
		{op: "createCustomOrPropertyLookup", body: obj{"libraryId": "ACTIVE_US", "lookupFieldId": "custom2", "aliasInfo": tenantAlias.with("id", "1001-0009").with("parent", "1001")}},
		{op: "updateCustomField", body: obj{"libraryId": "ACTIVE_US", "lookupFieldId": "custom1", "aliasInfo": obj{"id": "1002", "risk": "High"}}},
		{op: "getLookupAliases", query: url.Values{"libraryId": {"ACTIVE_US"}, "lookupFieldId": {"custom1"}}},
		{op: "getLookupAliases", query: url.Values{"libraryId": {"ACTIVE_US"}, "lookupFieldId": {"custom2"}, "parentAlias": {"1001"}}},
		{op: "createUser", body: validCreateUserWithPassword.with("create_password.vault", true)},
		{op: "addFolder", body: validProfileFolder.with("profileProperties.billable", true).with("profileProperties.rate", 1.5).with("profileProperties.grade", 3)},
		{op: "getCreateCustomOrPropertyLookupSchema", query: url.Values{"lookupFieldId": {"custom2"}}},
		{op: "getUpdateCustomFieldSchema", query: url.Values{"lookupFieldId": {"custom3"}}},
		{op: "getCreateUserPasswordSchema", query: url.Values{"password_create_method": {"Create a password"}}},
		{op: "getAddFolderPropertiesSchema", query: url.Values{"inherit_profile_from_workspace": {"No"}}},
	}
	shown := 0
	for _, c := range calls {
		a := c.send(t, h)
		shown += strings.Count(string(a.raw), `"practice_area"`) + strings.Count(string(a.raw), `"billable"`)
	}
	if shown < 6 { // 2 aliases shown, 3 schemas, 1 folder
		t.Fatalf("the answers show the tenant's properties %d times: the test checks nothing of them", shown)
	}
}

// The simulator's own rules where the definition gives a pattern: it
// refuses a value exactly when the pattern (and length) does, on many
// generated values.
func TestRulesFollowTheDefinitionsPatterns(t *testing.T) {
	h := newHarness(t, Options{RateLimit: 1 << 30})
	props, _ := definition.BodyProperties("addTab")
	userProps, _ := definition.BodyProperties("createUser")
	cases := []struct {
		field string
		prop  map[string]any
		body  func(v string, i int) (string, obj)
	}{
		{"name", props["name"], func(v string, _ int) (string, obj) { return "addTab", validTab.with("name", v) }},
		{"owner", props["owner"], func(v string, _ int) (string, obj) { return "addTab", validTab.with("owner", v) }},
		{"email", userProps["email"], func(v string, i int) (string, obj) {
			return "createUser", validCreateUser.with("id", "U"+strings.Repeat("X", i%50)+string(rune('A'+i%26))).with("email", v)
		}},
	}
	r := rand.New(rand.NewPCG(7, 7))
	for _, c := range cases {
		pattern := c.prop["pattern"].(string)
		maxLen, _ := c.prop["maxLength"].(float64)
		fails := 0
		for i := 0; i < 1500 && fails < 5; i++ {
			v := genValue(r)
			ok, err := schema.MatchPattern(pattern, v)
			if err != nil {
				t.Fatal(err)
			}
			if maxLen > 0 && len([]rune(v)) > int(maxLen) {
				ok = false
			}
			op, body := c.body(v, i)
			a := h.post(op, body)
			refused := false
			if a.err != nil {
				for _, m := range a.err.Messages {
					refused = refused || m.Field == c.field
				}
			}
			if refused == ok {
				t.Errorf("%s %+q: the definition accepts it: %v; the simulator refuses it: %v (%s)", c.field, v, ok, refused, a.raw)
				fails++
			}
		}
	}
}

// genValue makes values around the definition's patterns: the characters
// that tell them apart, in short strings, often shaped like an address.
func genValue(r *rand.Rand) string {
	alphabet := []rune{'a', 'Z', '0', '.', '@', '-', '_', '+', '!', '\\', '/', '(', ')', '[', ']', '"', ' ', '\t', '\v', 0x01, 0x7F, 0x85,
		0xA0, 0xE9, 0x2014, 0x2028, 0x3000, 0xD7FF, 0xE000, 0xF8FF, 0xF900, 0xFDD0, 0xFDF0, 0xFEFF, 0xFFEF, 0xFFF0, 0x1F600}
	var b strings.Builder
	n := 1 + r.IntN(8)
	for i := 0; i < n; i++ {
		b.WriteRune(alphabet[r.IntN(len(alphabet))])
	}
	switch r.IntN(3) {
	case 0:
		return b.String()
	case 1:
		return "ab" + b.String() + "@firm.co"
	}
	tld := []string{"c", "co", "com", "c.", ".c", ""}[r.IntN(6)]
	return "jo" + "@" + "f" + b.String() + "." + tld
}
