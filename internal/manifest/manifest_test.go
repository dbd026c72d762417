package manifest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
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
	want := path + ":20002: warning: repeats row 9 exactly (user ID U0000007); it will run twice\n" +
		path + ":20003: duplicate of row 12347: another create-user with user ID U0012345 but different details\n" +
		path + ":20004:email: email: must be 5 to 254 characters (it has 4)\n" +
		path + ":20004:id: id: must be a user ID like JSMITH (no spaces or control characters), not \"has space\"\n" +
		path + ":20004:is_external: is_external: must be true or false (or yes/no, y/n, 1/0), not \"maybe\"\n"
	if problemLines(m.Problems) != want {
		t.Fatalf("problems:\n%s\nwant:\n%s", problemLines(m.Problems), want)
	}
	if sum.Jobs != 20003 || sum.Errors != 4 || sum.Warnings != 1 {
		t.Fatalf("summary %+v", sum)
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

// User IDs compare ignoring case: duplicates and the waits for a user
// created in the same manifest.
func TestUserIDsIgnoreCase(t *testing.T) {
	dir := t.TempDir()
	users := writeFile(t, dir, "u.csv", []byte("action,id,user_id,full_name,email,preferred_library,role,library_id\n"+
		"create-user,jdoe,,Jo Doe,jo@firm.com,ACTIVE_US,ATTORNEY,\n"+
		"assign-user-to-library,,JDOE,,,,ATTORNEY,ACTIVE_UK\n"+
		"create-user,JDoe,,Jo Doe,jo@firm.com,ACTIVE_US,ATTORNEY,\n"+
		"create-user,JDOE,,Joanna Doe,jo@firm.com,ACTIVE_US,ATTORNEY,\n"))
	m := load(t, Options{}, users)
	want := []string{
		dir + "/u.csv:4: warning: repeats row 2 exactly (user ID JDoe (user IDs ignore case)); it will run twice",
		dir + "/u.csv:5: duplicate of row 2: another create-user with user ID JDOE (user IDs ignore case) but different details",
	}
	if got := strings.Split(strings.TrimSpace(problemLines(m.Problems)), "\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := m.Jobs[1].DependsOn; !reflect.DeepEqual(got, []int{0}) {
		t.Errorf("the assignment of JDOE depends on %v, want the creation of jdoe", got)
	}
}

// Two create-user rows that differ only in their passwords conflict: one of
// the two passwords would be lost.
func TestPasswordOnlyDifferenceConflicts(t *testing.T) {
	p := writeFile(t, t.TempDir(), "u.csv", []byte("id,full_name,email,preferred_library,role,password_create_method,password\n"+
		"JSMITH,Jo,jo@firm.com,ACTIVE_US,ATTORNEY,Create a password,first-secret-1\n"+
		"JSMITH,Jo,jo@firm.com,ACTIVE_US,ATTORNEY,Create a password,other-secret-2\n"+
		"JSMITH,Jo,jo@firm.com,ACTIVE_US,ATTORNEY,Create a password,first-secret-1\n"))
	for _, validate := range []bool{false, true} {
		var ps []Problem
		if validate {
			if _, err := Validate(context.Background(), []string{p}, Options{Action: "create-user"}, func(x Problem) { ps = append(ps, x) }); err != nil {
				t.Fatal(err)
			}
			SortProblems(ps)
		} else {
			ps = load(t, Options{Action: "create-user"}, p).Problems
		}
		got := problemLines(ps)
		if !strings.Contains(got, ":3: conflicts with row 2: another create-user with user ID JSMITH and the same details but a different password; keep one of them") ||
			!strings.Contains(got, ":4: warning: repeats row 2 exactly") {
			t.Errorf("validate %v: problems\n%s", validate, got)
		}
		if strings.Contains(got, "secret") {
			t.Errorf("a password is in a message:\n%s", got)
		}
	}
}

func TestStrictMakesWarningsErrors(t *testing.T) {
	p := writeFile(t, t.TempDir(), "u.csv", []byte("id,full_name,email,preferred_library,role\n"+
		"JSMITH,Jo,jo@firm.com,ACTIVE_US,ATTORNEY\nJSMITH,Jo,jo@firm.com,ACTIVE_US,ATTORNEY\n"))
	if m := load(t, Options{Action: "create-user"}, p); m.Errors() != 0 || len(m.Problems) != 1 {
		t.Fatalf("problems %v", m.Problems)
	}
	m := load(t, Options{Action: "create-user", Strict: true}, p)
	if m.Errors() != 1 || !strings.HasSuffix(m.Problems[0].Message, "(an error with --strict)") {
		t.Fatalf("problems %v", m.Problems)
	}
}

// UTF-8 read as Windows-1252 is an error; the advice depends on whether
// --encoding made it.
func TestMojibakeAdvice(t *testing.T) {
	dir := t.TempDir()
	utf8File := writeFile(t, dir, "u.csv", []byte("id,full_name,email,preferred_library,role\nZB,Zoë Brontë,z@firm.com,ACTIVE_US,ATTORNEY\n"))
	m := load(t, Options{Action: "create-user", Encoding: "windows-1252"}, utf8File)
	if got := problemLines(m.Problems); !strings.Contains(got, `u.csv:2:full_name: full_name: looks like UTF-8 text read as Windows-1252 ("Ã«" is "ë"): the file is UTF-8; read it without --encoding`) {
		t.Errorf("problems\n%s", got)
	}
	twice := writeFile(t, dir, "t.csv", []byte("id,full_name,email,preferred_library,role\nZB,ZoÃ« BrontÃ«,z@firm.com,ACTIVE_US,ATTORNEY\n"))
	m = load(t, Options{Action: "create-user"}, twice)
	if got := problemLines(m.Problems); !strings.Contains(got, "converted twice before it reached this file") {
		t.Errorf("problems\n%s", got)
	}
	if m := load(t, Options{Action: "create-user"}, utf8File); len(m.Problems) != 0 {
		t.Errorf("problems %v", m.Problems)
	}
}

func TestSetRefusesSecretsAndEchoesNames(t *testing.T) {
	_, err := Load(context.Background(), nil, Options{Action: "create-user", Set: map[string]string{"Password": "hunter22"}})
	if err == nil || !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "--set Password: a password on the command line shows in ps") ||
		strings.Contains(err.Error(), "hunter22") {
		t.Fatalf("err %v", err)
	}
	p := writeFile(t, t.TempDir(), "u.csv", []byte("id,full_name,email,preferred_library,role\nJS,Jo,jo@firm.com,ACTIVE_US,ATTORNEY\n"))
	m := load(t, Options{Action: "create-user", Set: map[string]string{"Preferred-Library": "ACTIVE_UK"}}, p)
	if got := problemLines(m.Problems); !strings.Contains(got, "is also given by --set Preferred-Library; remove one of them") {
		t.Errorf("problems\n%s", got)
	}
}

// The alias limit counts what aliases expand to, not values written out: a
// large plain manifest is not an alias bomb.
func TestYAMLAliasLimitCountsAliasesOnly(t *testing.T) {
	var plain strings.Builder
	plain.WriteString("version: 1\njobs:\n")
	for i := range 2000 {
		fmt.Fprintf(&plain, "  - {action: add-tab, name: T%d, parent_id: ACTIVE_US!1000}\n", i)
	}
	dir := t.TempDir()
	lim := Limits{MaxYAMLNodes: 1000}
	m := load(t, Options{Limits: lim}, writeFile(t, dir, "plain.yaml", []byte(plain.String())))
	if len(m.Problems) != 0 || len(m.Jobs) != 2000 {
		t.Fatalf("%d jobs, problems %v", len(m.Jobs), m.Problems[:min(3, len(m.Problems))])
	}
	bomb := "version: 1\ndescription: &a [x, x, x, x, x, x, x, x, x, x]\ndefaults: {}\n" +
		"x1: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nx2: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\njobs: []\n"
	m = load(t, Options{Limits: lim}, writeFile(t, dir, "bomb.yaml", []byte(bomb)))
	if got := problemLines(m.Problems); !strings.Contains(got, "expands to more than 1000 values through its aliases (an alias bomb?)") {
		t.Fatalf("problems\n%s", got)
	}
}

func TestCROnlyLineEnds(t *testing.T) {
	p := writeFile(t, t.TempDir(), "mac.csv", []byte("name,parent_id,description\r\"Letters\",ACTIVE_US!1000,\"two\rlines\"\rMemos,ACTIVE_US!1001,\r"))
	m := load(t, Options{Action: "add-tab"}, p)
	if len(m.Problems) != 0 || len(m.Jobs) != 2 || m.Jobs[1].Row != 3 || m.Jobs[0].Values["description"] != "two\nlines" {
		t.Fatalf("problems %v, jobs %d", m.Problems, len(m.Jobs))
	}
}

func TestOpenDocumentAdvice(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("mimetype")
	io.WriteString(w, "application/vnd.oasis.opendocument.spreadsheet")
	w, _ = zw.Create("content.xml")
	io.WriteString(w, "<office:document-content/>")
	zw.Close()
	for _, name := range []string{"people.ods", "people.xlsx"} {
		_, got := loadBytes(t, name, buf.Bytes(), Options{Action: "create-user"})
		if want := "$TMP/" + name + ": " + odsAdvice + "\n"; got != want {
			t.Errorf("problems %q, want %q", got, want)
		}
	}
	_, got := loadBytes(t, "people.ods", []byte("not a zip"), Options{Action: "create-user"})
	if want := "$TMP/people.ods: " + odsAdvice + "\n"; got != want {
		t.Errorf("problems %q, want %q", got, want)
	}
}

// odsAdvice is what a workbook saved as OpenDocument gets.
const odsAdvice = "is an OpenDocument spreadsheet (.ods), which bulk does not read: save it as .xlsx or as CSV UTF-8"
