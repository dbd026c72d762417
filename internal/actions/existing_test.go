package actions

import (
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/wire"
)

func ptr[T any](v T) *T { return &v }

func validated(t *testing.T, action string, raw map[string]string) Values {
	t.Helper()
	s, _ := Lookup(action)
	v, _, problems := s.Validate(raw)
	if len(problems) > 0 {
		t.Fatalf("%s %v: %v", action, raw, problems)
	}
	return v
}

func TestCreateUserAnswerComparedWithTheRow(t *testing.T) {
	row := validated(t, "create-user", map[string]string{"id": "ASMITH", "full_name": "Alice Smith", "email": "asmith@example.com",
		"preferred_library": "ACTIVE_US", "role": "ATTORNEY"})
	full := func(created *bool) *wire.User {
		return &wire.User{ID: "ASMITH", UserNum: ptr[int64](3), FullName: ptr("Alice Smith"), Email: ptr("ASMITH@example.com"),
			PreferredLibrary: ptr("ACTIVE_US"), IsExternal: ptr(false), UserCreated: created}
	}
	tests := []struct {
		name      string
		answer    *wire.User
		existing  bool   // Result.Existing set
		conflict  string // in DifferenceText
		note      string // in Note
		unchecked string
	}{
		{name: "created", answer: full(ptr(true))},
		{name: "existed, the same", answer: full(ptr(false)), existing: true},
		{name: "existed, otherwise", answer: func() *wire.User {
			u := full(ptr(false))
			u.FullName, u.IsExternal = ptr("Alice Smyth"), ptr(true)
			return u
		}(), existing: true, conflict: `full_name: the service has "Alice Smyth", the row says "Alice Smith"; is_external: the service has "true", the row says "false"`},
		{name: "existed, no details", answer: &wire.User{ID: "ASMITH", UserCreated: ptr(false)}, existing: true,
			unchecked: "full_name, email, preferred_library, is_external", note: "no user_num"},
		{name: "not said, the same", answer: full(nil), note: "did not say whether it created the user"},
		{name: "not said, otherwise", answer: func() *wire.User {
			u := full(nil)
			u.Email = ptr("alice@elsewhere.example")
			return u
		}(), existing: true, conflict: "email:", note: "did not say"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := createUserResult(tt.answer, row)
			if (r.Existing != nil) != tt.existing {
				t.Fatalf("Existing %+v, want set: %v", r.Existing, tt.existing)
			}
			if tt.conflict == "" && r.Existing.Conflict() || tt.conflict != "" && !strings.Contains(r.Existing.DifferenceText(), tt.conflict) {
				t.Fatalf("differences %q, want %q", r.Existing.DifferenceText(), tt.conflict)
			}
			if !strings.Contains(r.Note, tt.note) {
				t.Fatalf("note %q lacks %q", r.Note, tt.note)
			}
			if tt.unchecked != "" && !strings.Contains(r.Existing.UncheckedText(), tt.unchecked) {
				t.Fatalf("unchecked %q lacks %q", r.Existing.UncheckedText(), tt.unchecked)
			}
			if (tt.answer.UserCreated == nil) != (r.UserCreated == nil) || (tt.answer.UserNum == nil) != (r.UserNum == nil) {
				t.Fatalf("user_created %v user_num %v: a missing field must stay unknown", r.UserCreated, r.UserNum)
			}
			if _, ok := r.Refs["user_num"]; ok != (tt.answer.UserNum != nil) {
				t.Fatalf("refs %v: no user_num may be referenced when the service sent none", r.Refs)
			}
		})
	}
}

func TestAliasPreReadComparesWhatIsShown(t *testing.T) {
	pr := aliasPreRead
	seen := newAliasesSeen([]wire.LookupAlias{
		{ID: "1001", Description: ptr("Acme Corp")},                                      // as the definition answers
		{ID: "1002", Description: ptr("Globex"), Enabled: ptr(false), HIPAA: ptr(false)}, // as the simulator answers
		{ID: "1003", Description: ptr("Initech"), Enabled: ptr(true), HIPAA: ptr(true)},  // hipaa differs from the default
		{ID: "1005", Enabled: ptr(true), HIPAA: ptr(false)},                              // no description shown
	})
	row := func(alias string, more ...string) Values {
		raw := map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom1", "alias": alias}
		for i := 0; i+1 < len(more); i += 2 {
			raw[more[i]] = more[i+1]
		}
		return validated(t, "create-lookup-alias", raw)
	}
	tests := []struct {
		name      string
		v         Values
		found     bool
		conflict  string
		unchecked string
	}{
		{name: "not there", v: row("1009")},
		{name: "the same, enabled and hipaa not shown", v: row("1001", "alias_description", "Acme Corp"), found: true, unchecked: "enabled, hipaa"},
		{name: "no description asked", v: row("1001"), found: true, unchecked: "enabled, hipaa"},
		{name: "disabled in the service", v: row("1002", "alias_description", "Globex"), found: true, conflict: `enabled: the service has "false", the row says "true"`},
		{name: "disabled as asked", v: row("1002", "enabled", "no"), found: true},
		{name: "hipaa differs", v: row("1003"), found: true, conflict: "hipaa:"},
		{name: "description not shown", v: row("1005", "alias_description", "X"), found: true, unchecked: "alias_description"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, found := seen.Find(tt.v)
			if found != tt.found {
				t.Fatalf("found %v", found)
			}
			if !found {
				return
			}
			if res.ObjectID != tt.v["alias"] || res.Refs["id"] != tt.v["alias"] {
				t.Fatalf("result %+v", res)
			}
			ex := res.Existing
			if tt.conflict == "" && ex.Conflict() || tt.conflict != "" && !strings.Contains(ex.DifferenceText(), tt.conflict) {
				t.Fatalf("differences %q, want %q", ex.DifferenceText(), tt.conflict)
			}
			if got := ex.UncheckedText(); (tt.unchecked == "") != (got == "") || !strings.Contains(got, tt.unchecked) {
				t.Fatalf("unchecked %q, want %q", got, tt.unchecked)
			}
		})
	}
	// One read per library, field and parent.
	a := pr.Group(row("1001"))
	if a != pr.Group(row("1002")) {
		t.Fatal("two aliases of the same field need two reads")
	}
	child := validated(t, "create-lookup-alias", map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom2", "alias": "X", "parent_alias": "1001"})
	if pr.Group(child) == a {
		t.Fatal("a child field shares its parent's read")
	}
}
