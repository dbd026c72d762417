package actions

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
)

// sampleRows are a valid row of each action, by column.
var sampleRows = map[string]map[string]string{
	"create-user":               {"full_name": "Jo Smith", "id": "JSMITH", "email": "jo@firm.com", "preferred_library": "ACTIVE_US", "role": "ATTORNEY"},
	"assign-user-to-library":    {"library_id": "ARCHIVE", "user_id": "JSMITH", "role": "READ_ONLY"},
	"get-library-roles":         {"library_id": "ACTIVE_US"},
	"get-lookup-aliases":        {"library_id": "ACTIVE_US", "lookup_field_id": "custom1"},
	"create-lookup-alias":       {"library_id": "ACTIVE_US", "lookup_field_id": "custom1", "alias": "1001"},
	"update-custom-field":       {"library_id": "ACTIVE_US", "lookup_field_id": "custom1", "alias": "1001", "enabled": "no"},
	"add-tab":                   {"name": "Letters", "parent_id": "ACTIVE_US!1000"},
	"add-folder":                {"name": "Letters", "parent_id": "ACTIVE_US!1000", "parent_type": "Workspace"},
	"add-my-matters-shortcuts":  {"user_id": "JSMITH", "workspace_id": "ACTIVE_US!1000"},
	"get-my-matters-categories": {"user_id": "JSMITH"},
}

func sampleResult(t *testing.T, s *Spec) Result {
	t.Helper()
	row, ok := sampleRows[s.Name]
	if !ok {
		t.Fatalf("no sample row of %s", s.Name)
	}
	v, sec, errs := s.Validate(row)
	if len(Errors(errs)) > 0 {
		t.Fatalf("%s: %v", s.Name, errs)
	}
	r, err := s.Call(context.Background(), &fakeClient{}, v, sec)
	if err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	return r
}

// What the result row shows of an answer is declared (Spec.Shows): Call
// fills no column it does not declare. (That every column is one the
// result file has is report's test: report owns the columns.)
func TestShowsIsWhatCallFills(t *testing.T) {
	for _, s := range All() {
		declared := map[string]bool{}
		for _, sh := range s.Shows {
			if sh.What == "" {
				t.Errorf("%s shows %q without saying what", s.Name, sh.Column)
			}
			declared[sh.Column] = true
		}
		r := sampleResult(t, s)
		filled := map[string]bool{ColumnUserCreated: r.UserCreated != nil, ColumnUserNum: r.UserNum != nil,
			ColumnObjectID: r.ObjectID != "", ColumnOutput: r.Output != nil}
		for col, v := range r.Columns {
			filled[col] = filled[col] || v != ""
		}
		for col, filled := range filled {
			if filled && !declared[col] {
				t.Errorf("%s fills %s, which its Shows does not declare", s.Name, col)
			}
		}
	}
}

// The answer's main fields reach the result columns for people: a new
// user's name and e-mail, a tab's and a folder's name, workspace and link.
func TestTheAnswersMainFieldsAreColumnsForPeople(t *testing.T) {
	want := map[string][]string{
		"create-user": {ColumnName, ColumnEmail},
		"add-tab":     {ColumnName, ColumnWorkspace, ColumnURL},
		"add-folder":  {ColumnName, ColumnWorkspace, ColumnURL},
	}
	for name, cols := range want {
		s, _ := Lookup(name)
		r := sampleResult(t, s)
		for _, c := range cols {
			if r.Columns[c] == "" {
				t.Errorf("%s: no %s in %v", name, c, r.Columns)
			}
		}
	}
}

// A read declares the items its answer lists, and every item of the
// answer makes one row of those columns.
func TestReadsDeclareTheirItems(t *testing.T) {
	for _, s := range All() {
		if (s.Items != nil) != s.Read {
			t.Errorf("%s: read %v, items %v", s.Name, s.Read, s.Items)
			continue
		}
		if s.Items == nil {
			continue
		}
		out := sampleResult(t, s).Output
		rows, err := s.Items.Rows(out)
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		// As the journal keeps the answer: its JSON.
		b, _ := json.Marshal(out)
		if again, err := s.Items.Rows(json.RawMessage(b)); err != nil || !slices.EqualFunc(again, rows, slices.Equal) {
			t.Errorf("%s: rows %q from the answer, %q from its JSON (%v)", s.Name, rows, again, err)
		}
		if _, err := s.Items.Rows(json.RawMessage(`{"not":"a list"}`)); err == nil {
			t.Errorf("%s: an answer that is not a list gave rows", s.Name)
		}
		if s.Items.What == "" || s.Items.Many == "" || len(s.Items.Columns) == 0 || s.Items.Count(1) != "1 "+s.Items.What || s.Items.Count(3) != "3 "+s.Items.Many {
			t.Errorf("%s: items %+v", s.Name, s.Items)
		}
		for _, r := range rows {
			if len(r) != len(s.Items.Columns) || r[0] == "" {
				t.Errorf("%s: item row %q for columns %q", s.Name, r, s.Items.Columns)
			}
		}
		if s.Name != "get-lookup-aliases" && len(rows) != 1 { // the fake lists one role and one category, no alias
			t.Errorf("%s: %d item rows from an answer of one", s.Name, len(rows))
		}
	}
}

// An expansion makes jobs of an action that has its fields, linked to a
// field of the job that expands.
func TestExpansionsNameRealFields(t *testing.T) {
	n := 0
	for _, s := range All() {
		for _, e := range s.Expansions {
			n++
			to, ok := Lookup(e.Action)
			if !ok {
				t.Errorf("%s %s: no action %s", s.Name, e.Key, e.Action)
				continue
			}
			if !to.HasField(e.Main) || !to.HasField(e.Link.Field) || !s.HasField(e.Link.From) {
				t.Errorf("%s %s: fields %s, %s of %s or %s of %s missing", s.Name, e.Key, e.Main, e.Link.Field, e.Action, e.Link.From, s.Name)
			}
			if e.Summary == "" || e.Example == "" || e.Link.What == "" {
				t.Errorf("%s %s: %+v says too little for the template and messages", s.Name, e.Key, e)
			}
		}
	}
	if got := ExpansionKeys(); !slices.Equal(got, []string{"libraries", "my_matters"}) || n != 2 {
		t.Errorf("expansion keys %q", got)
	}
}

// What one job creates is what another needs: a user by its ID ignoring
// case, an alias by library, field and ID.
func TestCreatesAndNeedsMeet(t *testing.T) {
	user, _ := Lookup("create-user")
	assign, _ := Lookup("assign-user-to-library")
	made := user.Creates(Values{"id": "jsmith"})
	if need := assign.Needs(Values{"user_id": "JSmith"}); len(made) != 1 || len(need) != 1 || made[0] != need[0] {
		t.Errorf("create-user makes %v, assign needs %v", made, need)
	}
	alias, _ := Lookup("create-lookup-alias")
	folder, _ := Lookup("add-folder")
	made = alias.Creates(Values{"library_id": "ACTIVE_US", "lookup_field_id": "custom3", "alias": "NY"})
	need := folder.Needs(Values{"parent_id": "ACTIVE_US!1000", "inherit_profile_from_workspace": "No", "custom3": "NY", "owner": "JDOE"})
	if len(need) != 2 || !slices.Contains(need, made[0]) || !slices.Contains(need, UserObject("jdoe")) {
		t.Errorf("create-lookup-alias makes %v, add-folder needs %v", made, need)
	}
	if need := folder.Needs(Values{"parent_id": "ACTIVE_US!1000", "inherit_profile_from_workspace": "Yes", "custom3": "NY"}); len(need) != 0 {
		t.Errorf("a folder that inherits its profile needs %v", need)
	}
	child := alias.Needs(Values{"library_id": "ACTIVE_US", "lookup_field_id": "custom2", "alias": "X", "parent_alias": "P"})
	if len(child) != 1 || child[0] != AliasObject("ACTIVE_US", "custom1", "P") {
		t.Errorf("a custom2 alias needs %v", child)
	}
}

// An action repeated on the understanding that its duplicate refusal
// means success says what that refusal is, and what the row then shows.
func TestRecognizedDuplicatesAreDeclared(t *testing.T) {
	for _, s := range All() {
		if (s.Repeat == RepeatRecognizeDuplicate) != (s.Duplicate != nil) {
			t.Errorf("%s: repeat %v, duplicate %+v", s.Name, s.Repeat, s.Duplicate)
			continue
		}
		if s.Duplicate == nil {
			continue
		}
		v, _, _ := s.Validate(sampleRows[s.Name])
		if r := s.Duplicate.Result(v); s.Duplicate.Code == "" || r.ObjectID == "" || r.Refs["id"] != r.ObjectID {
			t.Errorf("%s: duplicate %q gives %+v", s.Name, s.Duplicate.Code, r)
		}
	}
}
