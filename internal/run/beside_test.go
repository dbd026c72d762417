package run

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/report"
	"github.com/firmtools/bulk/internal/runtest"
	"github.com/firmtools/bulk/internal/sim"
)

// joinersCSV has a row the service refuses (a role the library does not
// have), one that waits for it (skipped), a tab in a workspace that does
// not exist, and rows that succeed. The tab's name starts with "-", which
// every file neutralises; the full name is not ASCII.
const joinersCSV = "action,id,full_name,email,preferred_library,role,user_id,library_id,name,parent_id\r\n" +
	"create-user,ZNG,Zoë Ng,zoe@firm.example.com,ACTIVE_US,ATTORNEY,,,,\r\n" +
	"create-user,BAD,Bad Role,bad@firm.example.com,ACTIVE_US,NO_SUCH_ROLE,,,,\r\n" +
	"assign-user-to-library,,,,,READ_ONLY,BAD,ARCHIVE,,\r\n" +
	"add-tab,,,,,,,,-Drafts,ACTIVE_US!9999\r\n" +
	"add-tab,,,,,,,,Billing,ACTIVE_US!1001\r\n"

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist)
}

// The rows that did not succeed come back in the input's own columns and
// order, ready to fix and run: fixed and run, they succeed, and the file
// beside the second run's results is gone.
func TestTheFailedFileFedBackRuns(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "joiners.csv", joinersCSV)
	o := newOptions(s.Conn(), m)
	o.RateLimit, o.Quiet, o.JSON = fast, true, true
	r := start(t, o)
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	failed := filepath.Join(dir, "joiners.failed.csv")
	raw, err := os.ReadFile(failed)
	if err != nil {
		t.Fatalf("no failed file: %v", err)
	}
	text := string(raw)
	lines := strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n")
	if !strings.HasPrefix(text, "\uFEFFaction,id,full_name,email,preferred_library,role,user_id,library_id,name,parent_id,bulk_status,bulk_error\r\n") || len(lines) != 4 {
		t.Fatalf("failed file:\n%s", text)
	}
	for i, want := range []string{"create-user,BAD,Bad Role,bad@firm.example.com,ACTIVE_US,NO_SUCH_ROLE,,,,,failed,",
		"assign-user-to-library,,,,,READ_ONLY,BAD,ARCHIVE,,,skipped,", "add-tab,,,,,,,,'-Drafts,ACTIVE_US!9999,failed,"} {
		if !strings.HasPrefix(lines[i+1], want) {
			t.Errorf("line %d:\n %s\nwant it to start\n %s", i+2, lines[i+1], want)
		}
	}
	if exists(filepath.Join(dir, "joiners.unknown.csv")) {
		t.Fatal("an unknown file without unknown rows")
	}
	var sum report.Summary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil || len(sum.Files) != 1 || sum.Files[0].Path != failed || sum.Files[0].Rows != 3 {
		t.Fatalf("summary files %+v (%v)", sum.Files, err)
	}
	// Fix the two cells, run the file as it is.
	fixed := strings.NewReplacer("NO_SUCH_ROLE", "ATTORNEY", "ACTIVE_US!9999", "ACTIVE_US!1002").Replace(text)
	if err := os.WriteFile(failed, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	o = newOptions(s.Conn(), failed)
	o.RateLimit, o.Quiet = fast, true
	if r := start(t, o); r.code != 0 {
		t.Fatalf("the fixed failed file: exit %d: %s", r.code, r.stderr)
	}
	rows := readResults(t, filepath.Join(dir, "joiners.failed.results.csv"))
	if c := countStatus(rows); c[executor.StatusOK] != 3 {
		t.Fatalf("fed back: %v", runtest.RowSet(rows))
	}
	for _, row := range rows {
		if row.Action == "add-tab" && (row.Key != "ACTIVE_US!1002/-Drafts" || row.Name != "-Drafts") {
			t.Errorf("the tab was made as %q (name %q): the neutralising quote was not taken off", row.Key, row.Name)
		}
	}
	if exists(filepath.Join(dir, "joiners.failed.failed.csv")) {
		t.Fatal("a failed file after every row succeeded")
	}
	if st := s.Stats(); st.Created["tab"] != 2 || st.Created["user"] != 2 || st.DuplicateCreations != 0 {
		t.Fatalf("created %v, %d duplicates", st.Created, st.DuplicateCreations)
	}
}

// A resumed run's failed file is the final state of every row: a row that
// succeeds on the resume leaves it, and when none is left the file is
// removed.
func TestAResumedRunsFailedFileIsTheFinalState(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "joiners.csv", joinersCSV)
	run := func(resume bool) result {
		o := newOptions(s.Conn(), m)
		o.RateLimit, o.Quiet, o.Resume = fast, true, resume
		return start(t, o)
	}
	if r := run(false); r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	failed := filepath.Join(dir, "joiners.failed.csv")
	writeFile(t, dir, "joiners.csv", strings.Replace(joinersCSV, "NO_SUCH_ROLE", "ATTORNEY", 1))
	if r := run(true); r.code != 1 {
		t.Fatalf("resume: exit %d: %s", r.code, r.stderr)
	}
	b, _ := os.ReadFile(failed)
	if got := strings.Count(string(b), "\r\n"); got != 2 || !strings.Contains(string(b), "ACTIVE_US!9999") {
		t.Fatalf("after the resume the failed file holds:\n%s", b)
	}
	writeFile(t, dir, "joiners.csv", strings.NewReplacer("NO_SUCH_ROLE", "ATTORNEY", "ACTIVE_US!9999", "ACTIVE_US!1003").Replace(joinersCSV))
	if r := run(true); r.code != 0 {
		t.Fatalf("second resume: exit %d: %s", r.code, r.stderr)
	}
	if exists(failed) {
		t.Fatal("the failed file of an earlier run is still there after every row succeeded")
	}
}

// Rows that may have been applied go to the unknown file, whose error says
// to check the service first; a rehearsal's files have .sim in their names.
func TestUnknownRowsHaveTheirOwnFile(t *testing.T) {
	p := runtest.StartProxy(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	p.Set(func(op string, body []byte) runtest.Fault {
		if op == "addTab" && strings.Contains(string(body), "Billing") {
			return runtest.DropAnswer
		}
		return runtest.Pass
	}, nil)
	dir := t.TempDir()
	m := writeFile(t, dir, "tabs.csv", "name,parent_id\nBilling,ACTIVE_US!1001\nLetters,ACTIVE_US!1002\n")
	o := newOptions(p.Conn(), m)
	o.RateLimit, o.Quiet, o.Manifest.Action = fast, true, "add-tab"
	if r := start(t, o); r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "tabs.unknown.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `Billing,ACTIVE_US!1001,unknown,"CHECK THE SERVICE BEFORE RUNNING THIS ROW AGAIN`) || strings.Contains(string(b), "Letters") {
		t.Fatalf("unknown file:\n%s", b)
	}
	if exists(filepath.Join(dir, "tabs.failed.csv")) {
		t.Fatal("a failed file without failed rows")
	}
	// A rehearsal writes its own, beside its own results.
	writeFile(t, dir, "tabs.csv", "name,parent_id\nBilling,ACTIVE_US!9999\n")
	o = newOptions(connect.Options{Sim: true}, m)
	o.RateLimit, o.Quiet, o.Manifest.Action = fast, true, "add-tab"
	if r := start(t, o); r.code != 1 {
		t.Fatalf("--sim: exit %d: %s", r.code, r.stderr)
	}
	if !exists(filepath.Join(dir, "tabs.sim.failed.csv")) || !exists(filepath.Join(dir, "tabs.unknown.csv")) || exists(filepath.Join(dir, "tabs.failed.csv")) {
		t.Fatal("a rehearsal's failed file is not tabs.sim.failed.csv, or it touched the real run's files")
	}
}

// --out X.xlsx: the results are a workbook, and so are the files beside
// it; no CSV of the rows in progress is left once the run ends. A read's
// items are rows of the reads file, its output cell says how many.
func TestAWorkbookResultFileAndReads(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "audit.csv", "action,library_id,lookup_field_id,user_id,name,parent_id\n"+
		"get-lookup-aliases,ACTIVE_US,custom1,,,\nget-my-matters-categories,,,ASMITH,,\nadd-tab,,,,Billing,ACTIVE_US!9999\n")
	out := filepath.Join(dir, "audit.xlsx")
	o := newOptions(s.Conn(), m)
	o.RateLimit, o.Quiet, o.Out = fast, true, out
	if r := start(t, o); r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if exists(filepath.Join(dir, "audit.partial.csv")) || !exists(out) || !exists(filepath.Join(dir, "audit.failed.xlsx")) {
		t.Fatal("the workbook, its failed file, and no CSV of the rows in progress")
	}
	reads := filepath.Join(dir, "audit.reads.xlsx")
	if !exists(reads) {
		t.Fatal("no reads file")
	}
	o.Out, o.Fresh = filepath.Join(dir, "audit.results.csv"), true
	if r := start(t, o); r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rows := readResults(t, o.Out)
	if got := rowsByNumber(rows)[2].Output; got != "3 aliases" {
		t.Fatalf("the aliases' output cell: %q", got)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "audit.reads.csv"))
	if n := strings.Count(string(b), "\r\n"); n != 1+3+2 || !strings.Contains(string(b), "audit.csv,2,get-lookup-aliases,ACTIVE_US,custom1,,false,,1001,Acme Corp,") {
		t.Fatalf("reads file (3 aliases, 2 categories):\n%s", b)
	}
}

// On a terminal of 40 columns the run's progress line, redrawn in place,
// never reaches the last column, and the summary starts on a clean line.
func TestProgressOnANarrowTerminal(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "tabs.csv", tabsCSV(30))
	o := newOptions(s.Conn(), m)
	o.RateLimit, o.Manifest.Action, o.Deps.Progress = "30/600ms", "add-tab", 5*time.Millisecond
	o.Deps.Width = func() int { return 40 }
	var out strings.Builder
	errOut := &lockedBuffer{}
	o.IO = iostreamsOver(&out, errOut)
	o.IO.ErrOutTTY = true
	if err := Run(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	text := errOut.String()
	if !strings.Contains(text, "\r") {
		t.Fatalf("no line was redrawn in place:\n%q", text)
	}
	for _, frame := range strings.Split(text, "\r") {
		frame, _, _ = strings.Cut(frame, "\x1b[K")
		if first, _, _ := strings.Cut(frame, "\n"); len(first) >= 40 {
			t.Fatalf("a progress line of %d columns on a terminal of 40: %q", len(first), first)
		}
	}
	if !strings.Contains(text, "\r\x1b[Kaction ") {
		t.Fatalf("the summary does not start on a cleared line:\n%q", text)
	}
}

// --report writes one page of the run, with its rows to look at; the
// calls of the run are on its chart.
func TestReportOfARun(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "joiners.csv", joinersCSV)
	page := filepath.Join(dir, "report.html")
	o := newOptions(s.Conn(), m)
	o.RateLimit, o.Quiet, o.Report = fast, true, page
	if r := start(t, o); r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	for _, want := range []string{"bulk run of joiners.csv", "2 of 5 jobs succeeded", "NO_SUCH_ROLE", "<path d=\"M", "joiners.failed.csv", "limit: 100 calls per 600ms"} {
		if !strings.Contains(html, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	// A run that cannot start still writes one, saying why.
	o = newOptions(runtest.AdminConn("http://127.0.0.1:1"), m)
	o.RateLimit, o.Quiet, o.Report, o.Fresh = fast, true, page, true
	if r := start(t, o); r.code != 3 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	b, _ = os.ReadFile(page)
	if !strings.Contains(string(b), "not started") || !strings.Contains(string(b), "0 of 5 jobs succeeded") {
		t.Fatalf("the report of a run that could not sign in:\n%s", b)
	}
}
