package manifest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, opts Options, paths ...string) *Manifest {
	t.Helper()
	m, err := Load(context.Background(), paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func corpus(name string) string { return filepath.Join("testdata", "corpus", name) }

func TestProblemString(t *testing.T) {
	tests := []struct {
		name string
		p    Problem
		want string
	}{
		{"full", Problem{File: "u.csv", Row: 3, Column: "E-mail", Field: "email", Message: "must be x"}, "u.csv:3:E-mail: email: must be x"},
		{"no column", Problem{File: "u.csv", Row: 3, Field: "email", Message: "is required"}, "u.csv:3: email: is required"},
		{"whole file", Problem{File: "u.csv", Message: "is empty"}, "u.csv: is empty"},
		{"warning", Problem{File: "u.csv", Row: 5, Message: "repeats row 2", Severity: Warning}, "u.csv:5: warning: repeats row 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.String(); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	b, _ := json.Marshal(Problem{File: "f", Row: 1, Message: "m", Severity: Warning})
	if string(b) != `{"file":"f","row":1,"message":"m","severity":"warning"}` {
		t.Fatalf("json %s", b)
	}
}

func TestSortProblems(t *testing.T) {
	ps := []Problem{
		{File: "b.csv", Row: 1, Message: "x"},
		{File: "a.csv", Row: 10, Column: "A", Message: "x"},
		{File: "a.csv", Row: 2, Column: "B", Message: "x"},
		{File: "a.csv", Row: 2, Column: "A", Message: "y"},
		{File: "a.csv", Row: 2, Column: "A", Message: "x"},
	}
	SortProblems(ps)
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	want := []string{"a.csv:2:A: x", "a.csv:2:A: y", "a.csv:2:B: x", "a.csv:10:A: x", "b.csv:1: x"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q", got)
	}
}

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"unknown action", Options{Action: "crate-user"}, `invalid manifest options: --action "crate-user" is not an action; did you mean "create-user"?`},
		{"unknown set field", Options{Set: map[string]string{"prefered_library": "X"}}, `invalid manifest options: --set prefered_library: not a field of any action; did you mean "preferred_library"?`},
		{"set field of another action", Options{Action: "add-tab", Set: map[string]string{"role": "X"}}, `invalid manifest options: --set role: not a field of add-tab`},
		{"encoding", Options{Encoding: "ebcdic"}, `invalid manifest options: --encoding "ebcdic": use utf-8, utf-16 or windows-1252`},
		{"delimiter", Options{Delimiter: ':'}, `invalid manifest options: --delimiter ':': use one of , ; | or tab`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(context.Background(), []string{corpus("crlf.csv")}, tt.opts)
			if err == nil || !errors.Is(err, ErrUsage) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestFileErrors(t *testing.T) {
	if _, err := Load(context.Background(), []string{"testdata/no-such.csv"}, Options{}); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := Load(context.Background(), []string{"testdata"}, Options{}); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("directory: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Validate(ctx, []string{corpus("crlf.csv")}, Options{Action: "create-user"}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestJobsFromCSV(t *testing.T) {
	m := load(t, Options{}, corpus("mixed_actions.csv"))
	if len(m.Jobs) != 5 {
		t.Fatalf("%d jobs", len(m.Jobs))
	}
	j := m.Jobs[2]
	if j.Index != 2 || j.Row != 4 || j.Action.Name != "add-my-matters-shortcuts" || j.Source != corpus("mixed_actions.csv") {
		t.Fatalf("job %+v", j)
	}
	if j.Values["workspace_id"] != "ACTIVE_US!1000;ACTIVE_US!1001" || j.Columns["workspace_id"] != "workspace_id" {
		t.Fatalf("values %v columns %v", j.Values, j.Columns)
	}
	// The assignment and the shortcuts of JSMITH wait for its creation.
	if !reflect.DeepEqual(m.Jobs[1].DependsOn, []int{0}) || !reflect.DeepEqual(m.Jobs[2].DependsOn, []int{0}) {
		t.Fatalf("depends %v %v", m.Jobs[1].DependsOn, m.Jobs[2].DependsOn)
	}
	if m.Jobs[0].Key() != "JSMITH" || m.Jobs[1].Key() != "JSMITH/ARCHIVE" {
		t.Fatalf("keys %q %q", m.Jobs[0].Key(), m.Jobs[1].Key())
	}
}

func TestJobsFromYAML(t *testing.T) {
	m := load(t, Options{}, corpus("libraries.yaml"))
	byAction := map[string][]*Job{}
	for _, j := range m.Jobs {
		byAction[j.Action.Name] = append(byAction[j.Action.Name], j)
	}
	user := byAction["create-user"][0]
	if user.Ref != "jo" || user.Row != 6 || user.Values["role"] != "ATTORNEY" || user.Columns["role"] != "defaults" {
		t.Fatalf("user %+v", user)
	}
	for _, a := range byAction["assign-user-to-library"] {
		if a.Row != user.Row || a.Values["user_id"] != "JSMITH" || !reflect.DeepEqual(a.DependsOn, []int{user.Index}) {
			t.Fatalf("assignment %+v", a)
		}
	}
	if got := byAction["assign-user-to-library"][1].Values; got["library_id"] != "ACTIVE_UK" || got["role"] != "ATTORNEY" {
		t.Fatalf("scalar library item %v", got)
	}
	last := byAction["add-my-matters-shortcuts"][3]
	if last.Values["workspace_id"] != "ACTIVE_US!1002;ACTIVE_US!1003" || last.Values["user_id"] != "${jo.id}" ||
		!reflect.DeepEqual(last.DependsOn, []int{user.Index}) {
		t.Fatalf("shortcut %+v", last)
	}
	cats := byAction["get-my-matters-categories"][0]
	if !reflect.DeepEqual(cats.DependsOn, []int{user.Index}) {
		t.Fatalf("categories depend on %v", cats.DependsOn)
	}
}

func TestRefDependencies(t *testing.T) {
	m := load(t, Options{}, corpus("refs.yaml"))
	// job 1 (Inbound) refers to job 0 (the Letters tab).
	if !reflect.DeepEqual(m.Jobs[1].DependsOn, []int{0}) {
		t.Fatalf("depends %v", m.Jobs[1].DependsOn)
	}
	if m.Jobs[0].Values["default_security"] != "private" {
		t.Fatalf("defaults not applied: %v", m.Jobs[0].Values)
	}
}

func TestRefsAcrossFilesAreOrderIndependent(t *testing.T) {
	dir := t.TempDir()
	later := writeFile(t, dir, "folders.csv", []byte("action,name,parent_id,parent_type\nadd-folder,Inbound,${tab.id},Tab\n"))
	tabs := writeFile(t, dir, "tabs.yaml", []byte("version: 1\njobs:\n  - {action: add-tab, ref: tab, name: Letters, parent_id: ACTIVE_US!1000}\n"))
	m := load(t, Options{}, later, tabs)
	if len(m.Problems) != 0 {
		t.Fatalf("problems %v", m.Problems)
	}
	if !reflect.DeepEqual(m.Jobs[0].DependsOn, []int{1}) {
		t.Fatalf("depends %v", m.Jobs[0].DependsOn)
	}
}

func TestHash(t *testing.T) {
	m := load(t, Options{Action: "create-user"}, corpus("duplicates.csv"))
	h := m.Jobs[0].Hash()
	if len(h) != 64 || h != m.Jobs[2].Hash() {
		t.Fatalf("exact duplicates hash differently: %s %s", h, m.Jobs[2].Hash())
	}
	if h == m.Jobs[3].Hash() {
		t.Fatal("different jobs, same hash")
	}
	// Normalised values: "active_us" / "ACTIVE_US" differ (libraries are
	// case-sensitive), but an is_external of "no" and "false" do not.
	m2 := load(t, Options{Action: "create-user", Set: map[string]string{"is_external": "no"}}, corpus("utf8_bom.csv"))
	m3 := load(t, Options{Action: "create-user", Set: map[string]string{"is_external": "FALSE"}}, corpus("utf8_bom.csv"))
	if m2.Jobs[0].Hash() != m3.Jobs[0].Hash() {
		t.Fatal("hash depends on the spelling of a bool")
	}
}

func TestPasswordIsNeverEchoed(t *testing.T) {
	m := load(t, Options{Action: "create-user"}, corpus("password.csv"))
	out, _ := json.Marshal(m)
	text := problemLines(m.Problems) + string(out)
	for _, pw := range []string{"Sup3rSecret!", "hunter2", "Tr0ub4dor&3"} {
		if strings.Contains(text, pw) {
			t.Fatalf("password %q appears in %s", pw, text)
		}
	}
	j := m.Jobs[0]
	if _, in := j.Values["password"]; in || j.Secrets["password"].Reveal() != "Sup3rSecret!" {
		t.Fatalf("password not kept as a secret: %v", j.Values)
	}
}

func TestDelimiterSniffAndOverride(t *testing.T) {
	dir := t.TempDir()
	// A header with commas inside quotes and more semicolons outside.
	p := writeFile(t, dir, "x.csv", []byte("\"Name, full\";id;email;preferred_library;role\nJo;JSMITH;jo@firm.com;ACTIVE_US;ATTORNEY\n"))
	m := load(t, Options{Action: "create-user", IgnoreColumns: true}, p)
	if len(m.Jobs) != 1 || m.Jobs[0].Values["id"] != "JSMITH" {
		t.Fatalf("jobs %v problems %v", m.Jobs, m.Problems)
	}
	// Forcing "," makes the quoted header cell run into a ";".
	m = load(t, Options{Action: "create-user", Delimiter: ','}, p)
	if len(m.Problems) != 1 || !strings.Contains(m.Problems[0].Message, `CSV syntax error on line 1, column 13: extraneous or missing " in quoted field`) {
		t.Fatalf("problems %v", m.Problems)
	}
}

func TestValidateSummary(t *testing.T) {
	// libraries.yaml creates JSMITH and assigns ARCHIVE exactly as
	// mixed_actions.csv does: two warnings.
	var ps []Problem
	sum, err := Validate(context.Background(), []string{corpus("mixed_actions.csv"), corpus("libraries.yaml")}, Options{},
		func(p Problem) { ps = append(ps, p) })
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"create-user": 3, "assign-user-to-library": 4, "add-my-matters-shortcuts": 5, "add-tab": 1, "get-my-matters-categories": 1}
	if sum.Jobs != 14 || !reflect.DeepEqual(sum.PerAction, want) || sum.Errors != 3 || sum.Warnings != 3 || len(ps) != 6 {
		t.Fatalf("summary %+v, problems %v", sum, ps)
	}
}

// TestValidateManyRowsInParallel reads enough rows for several batches and
// workers, with duplicates spread across them, and checks that the
// streaming Validate finds exactly what Load finds.
func TestValidateManyRowsInParallel(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "users.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	if err := WriteCreateUserCSV(w, 20000); err != nil {
		t.Fatal(err)
	}
	// Rows 20002.. repeat earlier users: one exactly, one with a new e-mail.
	w.WriteString("\"User 0000007, Test\",U0000007,user0000007@firm.com,no,ACTIVE_UK,READ_ONLY,yes\n")
	w.WriteString("\"User 0012345, Test\",U0012345,other@firm.com,no,ACTIVE_UK,PARALEGAL,yes\n")
	w.WriteString("bad row,has space,nope,maybe,ACTIVE_US,ATTORNEY,yes\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	m := load(t, Options{Action: "create-user"}, path)
	var ps []Problem
	sum, err := Validate(context.Background(), []string{path}, Options{Action: "create-user"}, func(p Problem) { ps = append(ps, p) })
	if err != nil {
		t.Fatal(err)
	}
	SortProblems(ps)
	if problemLines(ps) != problemLines(m.Problems) {
		t.Fatalf("Validate:\n%s\nLoad:\n%s", problemLines(ps), problemLines(m.Problems))
	}
	want := path + ":20002: warning: repeats row 9 exactly; it will run twice\n" +
		path + ":20003: duplicate of row 12347: another create-user with the same id but different details\n" +
		path + ":20004:email: email: must be 5 to 254 characters like name@firm.com (it has 4)\n" +
		path + ":20004:id: id: must be a user ID like JSMITH (no spaces or control characters), not \"has space\"\n" +
		path + ":20004:is_external: is_external: must be true or false (or yes/no, y/n, 1/0), not \"maybe\"\n"
	if problemLines(m.Problems) != want {
		t.Fatalf("problems:\n%s\nwant:\n%s", problemLines(m.Problems), want)
	}
	if sum.Jobs != 20003 || sum.Errors != 4 || sum.Warnings != 1 {
		t.Fatalf("summary %+v", sum)
	}
}

func TestPlanCountsPreReadsOncePerGroup(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "aliases.csv", []byte(`library_id,lookup_field_id,parent_alias,alias
ACTIVE_US,custom1,,2001
ACTIVE_US,custom1,,2002
ACTIVE_US,custom2,1001,1001-0009
ACTIVE_UK,custom1,,2001
`))
	m := load(t, Options{Action: "create-lookup-alias"}, path)
	p := Plan(m, 100, time.Minute)
	// One get-lookup-aliases per library, field and parent: three reads,
	// then at most one create per row.
	if p.Jobs != 4 || p.PreReads != 3 || p.Calls["create-lookup-alias"] != 7 || p.TotalCalls != 7 {
		t.Fatalf("plan %+v", p)
	}
	if s := p.String(); !strings.Contains(s, "3 reads of what already exists") {
		t.Fatalf("plan text does not count the reads:\n%s", s)
	}
}

func TestPlan(t *testing.T) {
	m := load(t, Options{}, corpus("mixed_actions.csv"), corpus("libraries.yaml"))
	p := Plan(m, 100, time.Minute)
	// Shortcut jobs for JSMITH without a category (two in libraries.yaml,
	// one in mixed_actions.csv) are one call, with ACTIVE_US!9001 another;
	// one for ${jo.id} is a third: its user is only known at run time.
	if p.Jobs != 14 || p.PerAction["add-my-matters-shortcuts"] != 5 || p.Calls["add-my-matters-shortcuts"] != 3 || p.TotalCalls != 12 {
		t.Fatalf("plan %+v", p)
	}
	if p.Duration != 6600*time.Millisecond {
		t.Fatalf("duration %v", p.Duration)
	}
	big := &Manifest{}
	for i := 0; i < 250; i++ {
		big.Jobs = append(big.Jobs, m.Jobs[0])
	}
	if d := Plan(big, 100, time.Minute).Duration; d != 149400*time.Millisecond {
		t.Fatalf("250 calls at 100/min: %v", d)
	}
	if d := Plan(big, 100, 600*time.Millisecond).Duration; d != 1494*time.Millisecond {
		t.Fatalf("250 calls at 100/600ms: %v", d)
	}
	s := p.String()
	for _, want := range []string{"add-my-matters-shortcuts", "5 jobs", "3 calls", "total", "12 calls", "at 100 calls per 1m0s: about 6.6s"} {
		if !strings.Contains(s, want) {
			t.Fatalf("plan text lacks %q:\n%s", want, s)
		}
	}
}

func TestYAMLAnchorsAndMergeKeys(t *testing.T) {
	p := writeFile(t, t.TempDir(), "m.yaml", []byte(`version: 1
description: &tabs {action: add-tab, parent_id: ACTIVE_US!1000, default_security: private}
jobs:
  - <<: *tabs
    name: Letters
  - <<: [*tabs]
    name: Memos
    default_security: public
  - {<<: *tabs, name: Notes, name: Again}
`))
	m := load(t, Options{}, p)
	if len(m.Jobs) != 3 || m.Jobs[0].Values["parent_id"] != "ACTIVE_US!1000" || m.Jobs[0].Values["default_security"] != "private" ||
		m.Jobs[1].Values["default_security"] != "public" {
		t.Fatalf("jobs %+v", m.Jobs)
	}
	if len(m.Problems) != 1 || m.Problems[0].String() != p+":9:name: appears twice in the same mapping" {
		t.Fatalf("problems %v", m.Problems)
	}
}

func TestImplicitDependencies(t *testing.T) {
	p := writeFile(t, t.TempDir(), "m.yaml", []byte(`version: 1
defaults: {library_id: ACTIVE_US}
jobs:
  - {action: add-folder, name: F, parent_id: ACTIVE_US!1000, parent_type: Workspace, inherit_profile_from_workspace: "No", custom1: "1004", custom3: NY, owner: NEWBIE}
  - {action: create-lookup-alias, lookup_field_id: custom2, alias: 1004-0001, parent_alias: "1004"}
  - {action: update-custom-field, lookup_field_id: custom1, alias: "1004", hipaa: yes}
  - {action: create-lookup-alias, lookup_field_id: custom1, alias: "1004"}
  - {action: create-user, id: NEWBIE, full_name: N, email: n@firm.com, preferred_library: ACTIVE_US, role: ATTORNEY}
  - {action: get-library-roles, user_id: NEWBIE}
  - {action: add-tab, name: T, parent_id: ACTIVE_US!1000, owner: NEWBIE}
  - {action: create-lookup-alias, library_id: ACTIVE_UK, lookup_field_id: custom2, alias: 1004-0001, parent_alias: "1004"}
`))
	m := load(t, Options{}, p)
	if len(m.Problems) != 0 {
		t.Fatalf("problems %v", m.Problems)
	}
	want := [][]int{{3, 4}, {3}, {3}, nil, nil, {4}, {4}, nil}
	for i, j := range m.Jobs {
		if !reflect.DeepEqual(j.DependsOn, want[i]) {
			t.Errorf("job %d (%s) depends on %v, want %v", i, j.Action.Name, j.DependsOn, want[i])
		}
	}
}

func TestGeneratePasswordHook(t *testing.T) {
	p := writeFile(t, t.TempDir(), "u.csv", []byte("id,full_name,email,preferred_library,role,password_create_method\nJSMITH,Jo,jo@firm.com,ACTIVE_US,ATTORNEY,Create a password\n"))
	// Without a password the row is invalid...
	if m := load(t, Options{Action: "create-user"}, p); len(m.Problems) != 1 {
		t.Fatalf("problems %v", m.Problems)
	}
	// ...unless bulk run --generate-passwords will fill it in.
	m := load(t, Options{Action: "create-user", Set: map[string]string{"generate_password": "true"}}, p)
	if len(m.Problems) != 0 || m.Jobs[0].Values["generate_password"] != "true" {
		t.Fatalf("problems %v values %v", m.Problems, m.Jobs[0].Values)
	}
	// It is not a column a manifest may have.
	col := writeFile(t, t.TempDir(), "c.csv", []byte("id,generate_password\nJSMITH,true\n"))
	if m := load(t, Options{Action: "create-user", IgnoreColumns: true}, col); m.Jobs[0].Values["generate_password"] != "" {
		t.Fatalf("values %v", m.Jobs[0].Values)
	}
	// An action without the field ignores it.
	tabs := writeFile(t, t.TempDir(), "t.csv", []byte("name,parent_id\nX,A!1\n"))
	if m := load(t, Options{Action: "add-tab", Set: map[string]string{"generate_password": "true"}}, tabs); len(m.Problems) != 0 {
		t.Fatalf("problems %v", m.Problems)
	}
}

func TestLoadNamesEveryFileItRead(t *testing.T) {
	m, err := Load(context.Background(), []string{"../../samples/joiners.yaml", "../../samples/audit.csv"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"../../samples/joiners.yaml", filepath.Join("../../samples", "hr-export.csv"), "../../samples/audit.csv"}
	if strings.Join(m.Files, " ") != strings.Join(want, " ") {
		t.Fatalf("files %q, want %q", m.Files, want)
	}
}
