package run

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/report"
	"github.com/firmtools/bulk/internal/runtest"
	"github.com/firmtools/bulk/internal/secret"
	"github.com/firmtools/bulk/internal/sim"
)

func TestTighterSimulatorMeets429sAndStillFinishes(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 5, Window: 300 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "tabs.csv", tabsCSV(25))
	out := filepath.Join(dir, "r.csv")
	o := newOptions(s.Conn(), m)
	o.Manifest.Action, o.RateLimit, o.Out, o.JSON, o.Quiet = "add-tab", "100/300ms", out, true, true
	r := start(t, o)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var sum report.Summary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatalf("--json summary: %v\n%s", err, r.stdout)
	}
	st := s.Stats()
	if st.Throttled == 0 || sum.Throttled == 0 {
		t.Fatalf("expected 429s: simulator sent %d, run met %d", st.Throttled, sum.Throttled)
	}
	rows := readResults(t, out)
	oneRowPerJob(t, rows, 25)
	if c := countStatus(rows); c[executor.StatusOK] != 25 {
		t.Fatalf("statuses %v", c)
	}
	if st.Created["tab"] != 25 || st.DuplicateCreations != 0 {
		t.Fatalf("created %d tabs, %d duplicates", st.Created["tab"], st.DuplicateCreations)
	}
}

func TestOwnPacingNeverMeets429(t *testing.T) {
	// 10 per second: the pacer leaves 53 ms between our 11th call and the
	// window's end, enough for the scheduling jitter of a loaded CI machine
	// (at the real 100 per 60 s it leaves 1.2 s). A tighter scale measures
	// the machine's load, not the pacer.
	s := runtest.Start(t, sim.Options{RateLimit: 10, Window: time.Second})
	dir := t.TempDir()
	m := writeFile(t, dir, "tabs.csv", tabsCSV(25))
	o := newOptions(s.Conn(), m)
	o.Manifest.Action, o.RateLimit, o.Concurrency, o.Out, o.Quiet = "add-tab", "10/1s", 8, filepath.Join(dir, "r.csv"), true
	if r := start(t, o); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	st := s.Stats()
	if st.Throttled != 0 || st.MaxReceivedInWindow > 10 {
		t.Fatalf("pacing let %d calls into one window (limit 10), %d throttled", st.MaxReceivedInWindow, st.Throttled)
	}
	if st.MaxReceivedInWindow < 9 {
		t.Fatalf("only %d calls in the busiest window: pacing wastes the limit", st.MaxReceivedInWindow)
	}
}

func TestFaultsEndWithOneResultPerRowAndNoDuplicates(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 1000, Window: time.Second, FaultRate: 0.2, DropRate: 0.15, Latency: time.Millisecond, Seed: 7})
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("action,name,parent_id,parent_type,id,full_name,email,preferred_library,role,library_id,lookup_field_id,alias\n")
	n := 0
	for i := 0; i < 15; i++ {
		fmt.Fprintf(&b, "add-tab,Tab %d,ACTIVE_US!%d,,,,,,,,,\n", i, 1000+i)
		fmt.Fprintf(&b, "add-folder,Folder %d,ACTIVE_US!%d,Workspace,,,,,,,,\n", i, 1020+i)
		fmt.Fprintf(&b, "create-user,,,,U%d,User %d,u%d@firm.example.com,ACTIVE_US,ATTORNEY,,,\n", i, i, i)
		fmt.Fprintf(&b, "create-lookup-alias,,,,,,,,,ACTIVE_US,custom4,A%d\n", i)
		n += 4
	}
	m := writeFile(t, dir, "mixed.csv", b.String())
	out := filepath.Join(dir, "r.csv")
	o := newOptions(s.Conn(), m)
	o.RateLimit, o.MaxAttempts, o.Out, o.Quiet = "1000/1s", 12, out, true
	r := start(t, o)
	rows := readResults(t, out)
	oneRowPerJob(t, rows, n)
	st := s.Stats()
	if st.Faults == 0 || st.Drops == 0 {
		t.Fatalf("fault injection did not fire: %+v", st)
	}
	if st.DuplicateCreations != 0 {
		t.Fatalf("%d duplicate creations", st.DuplicateCreations)
	}
	okCreates := map[string]int{}
	unknown := 0
	for _, row := range rows {
		switch row.Status {
		case executor.StatusOK:
			okCreates[row.Action]++
		case executor.StatusUnknown:
			unknown++
			if row.Action != "add-tab" && row.Action != "add-folder" {
				t.Fatalf("%s ended unknown: only non-idempotent creates may", row.Action)
			}
			if !strings.Contains(row.Error, "may have been") {
				t.Fatalf("unknown row without explanation: %q", row.Error)
			}
		default:
			t.Fatalf("row %d %s: %s %s", row.Row, row.Action, row.Status, row.Error)
		}
	}
	// Every ok create exists once; an unknown one may or may not exist.
	for action, kind := range map[string]string{"add-tab": "tab", "add-folder": "folder"} {
		if st.Created[kind] < okCreates[action] || st.Created[kind] > okCreates[action]+unknown {
			t.Fatalf("%s: %d created, %d rows ok, %d unknown", action, st.Created[kind], okCreates[action], unknown)
		}
	}
	if okCreates["create-user"] != 15 || okCreates["create-lookup-alias"] != 15 {
		t.Fatalf("safe-to-repeat creates not all ok: %v", okCreates)
	}
	wantCode := 0
	if unknown > 0 {
		wantCode = 1
	}
	if r.code != wantCode {
		t.Fatalf("exit %d with %d unknown rows", r.code, unknown)
	}
}

func TestDependentsOfAFailedCreateAreSkipped(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	// PARTNER is not a role of ACTIVE_US: only the service can tell.
	m := writeFile(t, dir, "m.csv", `action,user_id,full_name,email,preferred_library,role,library_id,workspace_id
create-user,NEWBIE,New Bie,newbie@firm.example.com,ACTIVE_US,PARTNER,,
assign-user-to-library,NEWBIE,,,,ATTORNEY,ACTIVE_UK,
add-my-matters-shortcuts,NEWBIE,,,,,,ACTIVE_US!1000
create-user,OTHER,Other One,other@firm.example.com,ACTIVE_US,ATTORNEY,,
`)
	out := filepath.Join(dir, "r.csv")
	o := newOptions(s.Conn(), m)
	o.RateLimit, o.Out, o.Quiet = fast, out, true
	if r := start(t, o); r.code != 1 {
		t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
	}
	rows := readResults(t, out)
	oneRowPerJob(t, rows, 4)
	want := map[int]executor.Status{2: executor.StatusFailed, 3: executor.StatusSkipped, 4: executor.StatusSkipped, 5: executor.StatusOK}
	for _, row := range rows {
		if row.Status != want[row.Row] {
			t.Fatalf("row %d: %s %s", row.Row, row.Status, row.Error)
		}
		if row.Status == executor.StatusSkipped && !strings.Contains(row.Error, "row 2") {
			t.Fatalf("skip reason does not name the row waited for: %q", row.Error)
		}
	}
	if row := rows[0]; row.HTTPStatus != "400" || row.ErrorCode == "" {
		t.Fatalf("failed row lacks the service's answer: %+v", row)
	}
}

func TestInvalidManifestSendsNothing(t *testing.T) {
	s := runtest.Start(t, sim.Options{})
	dir := t.TempDir()
	m := writeFile(t, dir, "bad.csv", "action,id,full_name,email,preferred_library,role\ncreate-user,JDOE,Jane,not-an-email,ACTIVE_US,ATTORNEY\ncreate-user,OK1,Ok,ok@firm.example.com,ACTIVE_US,ATTORNEY\n")
	o := newOptions(s.Conn(), m)
	o.Out, o.Quiet = filepath.Join(dir, "r.csv"), true
	r := start(t, o)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2", r.code)
	}
	if !strings.Contains(r.stderr, "bad.csv:2:") || !strings.Contains(r.stderr, "email") {
		t.Fatalf("problem not named by file, row and column: %s", r.stderr)
	}
	if st := s.Stats(); st.TotalCalls != 0 || st.TokensIssued != 0 {
		t.Fatalf("an invalid manifest reached the service: %+v", st)
	}
}

// TestExitCodes: the code of every way a run can end, chosen from the
// error Run returns, as the command line chooses it.
func TestExitCodes(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	good := writeFile(t, dir, "good.csv", "action,library_id\nget-library-roles,ACTIVE_US\n")
	missing := writeFile(t, dir, "missing.csv", "action,library_id\nget-library-roles,NO_SUCH_LIB\n")
	noPassword, wrongPassword := s.Conn(), s.Conn()
	noPassword.Password.Value, wrongPassword.Password.Value = secret.Secret{}, secret.New("wrong-password")
	closed := runtest.AdminConn("http://127.0.0.1:1")
	token := connect.Options{URL: s.URL, Token: secret.New("not-a-token")}
	cases := []struct {
		name     string
		conn     connect.Options
		manifest string
		mod      func(*Options)
		code     exit.Code
	}{
		{"all ok", s.Conn(), good, nil, exit.OK},
		{"a job failed", s.Conn(), missing, nil, exit.JobsFailed},
		{"unreadable manifest", s.Conn(), filepath.Join(dir, "nope.csv"), nil, exit.Invalid},
		{"bad rate limit", s.Conn(), good, func(o *Options) { o.RateLimit = "fast" }, exit.Invalid},
		{"no concurrency", s.Conn(), good, func(o *Options) { o.Concurrency = 0 }, exit.Invalid},
		{"bad max failures", s.Conn(), good, func(o *Options) { o.MaxFailures = "lots" }, exit.Invalid},
		{"no password", noPassword, good, nil, exit.Invalid},
		{"wrong password", wrongPassword, good, nil, exit.Unreachable},
		{"service unreachable", closed, good, nil, exit.Unreachable},
		{"ready token refused", token, good, nil, exit.Unreachable},
		{"interrupted", s.Conn(), good, func(o *Options) {
			o.Deps.Interrupt = func(ctx context.Context) (context.Context, context.Context, func()) {
				ctx, cancel := context.WithCancel(ctx)
				cancel()
				return ctx, context.Background(), cancel
			}
		}, exit.Interrupted},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprintf("r%d.csv", i))
			o := newOptions(tc.conn, tc.manifest)
			o.RateLimit, o.Out, o.Quiet, o.Fresh = fast, out, true, true
			if tc.mod != nil {
				tc.mod(o)
			}
			r := start(t, o)
			if r.code != int(tc.code) {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tc.code, r.stderr)
			}
			if tc.code == exit.Unreachable || tc.code == exit.Interrupted {
				rows := readResults(t, out)
				if len(rows) != 1 || rows[0].Status == executor.StatusOK {
					t.Fatalf("rows after a run that did not start: %+v", rows)
				}
			}
		})
	}
}

// interruptAfter returns an interrupt hook whose first context is
// cancelled when the simulator has seen n operation requests, as a Ctrl-C
// would be; there is no second Ctrl-C.
func interruptAfter(s *runtest.Server, n int64) func(context.Context) (context.Context, context.Context, func()) {
	return func(parent context.Context) (context.Context, context.Context, func()) {
		ctx, cancel := context.WithCancel(parent)
		s.OnRequest(func(seen int64) {
			if seen == n {
				cancel()
			}
		})
		return ctx, context.Background(), cancel
	}
}

func TestInterruptThenResume(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 1000, Window: time.Second, Latency: 5 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "tabs.csv", tabsCSV(30))
	out := filepath.Join(dir, "tabs.results.csv")
	o := newOptions(s.Conn(), m)
	o.Manifest.Action, o.Out, o.Concurrency, o.RateLimit, o.MaxAttempts, o.Quiet = "add-tab", out, 2, "1000/1s", 3, true
	o.Deps.Interrupt = interruptAfter(s, 5)
	if r := start(t, o); r.code != int(exit.Interrupted) {
		t.Fatalf("exit %d (%v), want 130", r.code, r.err)
	}
	rows := readResults(t, out)
	oneRowPerJob(t, rows, 30)
	c := countStatus(rows)
	if c[executor.StatusOK] < 5 || c[executor.StatusSkipped] == 0 || c[executor.StatusOK]+c[executor.StatusSkipped] != 30 {
		t.Fatalf("after Ctrl-C: %v", c)
	}
	for _, row := range rows {
		if row.Status == executor.StatusSkipped && !strings.Contains(row.Error, "interrupted") {
			t.Fatalf("skip reason %q", row.Error)
		}
	}
	okBefore := c[executor.StatusOK]

	s.OnRequest(nil)
	o = newOptions(s.Conn(), m)
	o.Manifest.Action, o.Out, o.Resume, o.RateLimit, o.JSON, o.Quiet = "add-tab", out, true, "1000/1s", true, true
	r := start(t, o)
	if r.code != 0 {
		t.Fatalf("resume exit %d: %s", r.code, r.stderr)
	}
	rows = readResults(t, out)
	oneRowPerJob(t, rows, 30)
	if c := countStatus(rows); c[executor.StatusOK] != 30 {
		t.Fatalf("after resume: %v", c)
	}
	st := s.Stats()
	if st.Created["tab"] != 30 || st.DuplicateCreations != 0 {
		t.Fatalf("created %d tabs with %d duplicates", st.Created["tab"], st.DuplicateCreations)
	}
	var sum report.Summary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.CarriedOver != okBefore {
		t.Fatalf("carried over %d, want the %d that were ok", sum.CarriedOver, okBefore)
	}
}

func TestResumeAfterFixingRows(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", "name,parent_id\nA,ACTIVE_US!1000\nB,ACTIVE_US!9999\nC,ACTIVE_US!1001\n")
	out := filepath.Join(dir, "m.results.csv")
	run := func(resume bool) result {
		o := newOptions(s.Conn(), m)
		o.Manifest.Action, o.Out, o.RateLimit, o.Quiet, o.Resume = "add-tab", out, fast, true, resume
		return start(t, o)
	}
	if r := run(false); r.code != 1 {
		t.Fatalf("first run exit %d: %s", r.code, r.stderr)
	}
	if r := run(false); r.code != 2 || !strings.Contains(r.stderr, "--resume") {
		t.Fatalf("a second run without --resume should refuse the journal: exit %d %s", r.code, r.stderr)
	}
	// The admin fixes row 3 (B's workspace) and reorders the file.
	writeFile(t, dir, "m.csv", "name,parent_id\nC,ACTIVE_US!1001\nB,ACTIVE_US!1002\nA,ACTIVE_US!1000\n")
	before := s.Stats().Calls["addTab"]
	if r := run(true); r.code != 0 {
		t.Fatalf("resume exit %d: %s", r.code, r.stderr)
	}
	if sent := s.Stats().Calls["addTab"] - before; sent != 1 {
		t.Fatalf("resume sent %d addTab calls, want only the fixed row", sent)
	}
	rows := readResults(t, out)
	oneRowPerJob(t, rows, 3)
	if c := countStatus(rows); c[executor.StatusOK] != 3 {
		t.Fatalf("%v", c)
	}
	if st := s.Stats(); st.Created["tab"] != 3 || st.DuplicateCreations != 0 {
		t.Fatalf("%+v", st)
	}
}

func TestParseMaxFailures(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		total int
		want  int
		err   bool
	}{
		{"none is no limit", "", 100, 0, false},
		{"a number", "5", 100, 5, false},
		{"an exact share", "10%", 200, 20, false},
		{"a share below one job rounds up, never to no limit", "2%", 40, 1, false},
		{"5% of 40", "5%", 40, 2, false},
		{"a share rounds up", "6%", 40, 3, false},
		{"all of them", "100%", 3, 3, false},
		{"a tenth of a percent of 10", "0.1%", 10, 1, false},
		{"a percentage of no jobs", "50%", 0, 1, false},
		{"exact despite floating point", "8.8%", 375, 33, false},
		{"zero", "0", 10, 0, true},
		{"zero percent", "0%", 10, 0, true},
		{"above 100%", "150%", 10, 0, true},
		{"not a number", "x", 10, 0, true},
		{"negative", "-1", 10, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseMaxFailures(tc.in, tc.total)
			if (err != nil) != tc.err || got != tc.want {
				t.Errorf("parseMaxFailures(%q, %d) = %d, %v; want %d", tc.in, tc.total, got, err, tc.want)
			}
		})
	}
}

// Warnings are printed and counted, do not stop a run, and --strict makes
// them errors.
func TestRunWarningsAndStrict(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "roles.csv", "action,library_id\nget-library-roles,ACTIVE_US\nget-library-roles,ACTIVE_US\n")
	o := newOptions(s.Conn(), m)
	o.RateLimit, o.JSON, o.Out = fast, true, filepath.Join(dir, "r.csv")
	r := start(t, o)
	if r.code != 0 || !strings.Contains(r.stderr, "roles.csv:3: warning: repeats row 2 exactly") {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	var sum struct {
		Warnings int              `json:"warnings"`
		Total    struct{ OK int } `json:"total"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil || sum.Warnings != 1 || sum.Total.OK != 2 {
		t.Fatalf("summary %s (%v)", r.stdout, err)
	}
	calls := s.Stats().TotalCalls
	o = newOptions(s.Conn(), m)
	o.RateLimit, o.Manifest.Strict, o.Fresh, o.Out = fast, true, true, filepath.Join(dir, "r2.csv")
	r = start(t, o)
	if r.code != 2 || !strings.Contains(r.stderr, "(an error with --strict)") || !strings.Contains(r.stderr, "1 error found; nothing was sent.") {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	if s.Stats().TotalCalls != calls {
		t.Fatal("a strict run with a warning reached the service")
	}
}

// An interrupted --sim run does not say to --resume, which --sim refuses:
// the simulator's state went with the process.
func TestAnInterruptedSimRunSaysToRunItAgain(t *testing.T) {
	dir := t.TempDir()
	m := writeFile(t, dir, "tabs.csv", tabsCSV(5))
	o := newOptions(connect.Options{Sim: true}, m)
	o.Manifest.Action, o.Quiet = "add-tab", true
	var interrupt context.CancelFunc
	o.Deps.Interrupt = func(parent context.Context) (context.Context, context.Context, func()) {
		ctx, cancel := context.WithCancel(parent)
		interrupt = cancel
		return ctx, context.Background(), cancel
	}
	// Interrupted once signed in, as the journal is first written.
	o.Deps.WrapWrite = func(path string, w io.Writer) io.Writer {
		if !strings.HasSuffix(path, ".journal") {
			return w
		}
		return writerFunc(func(p []byte) (int, error) {
			interrupt()
			return w.Write(p)
		})
	}
	r := start(t, o)
	if r.code != int(exit.Interrupted) || strings.Contains(r.stderr, "--resume") || !strings.Contains(r.stderr, "run it again whole") {
		t.Fatalf("exit %d, stderr %q: want 130 and no --resume", r.code, r.stderr)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
