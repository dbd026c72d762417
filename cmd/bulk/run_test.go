package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/ratelimit"
	"github.com/firmtools/bulk/internal/report"
	"github.com/firmtools/bulk/internal/sim"
)

// fast is the time-scaled limit tests run at: the contract's 100 calls,
// per 600 ms instead of per minute.
const fast = "100/600ms"

func TestSamplesRunCleanAgainstSim(t *testing.T) {
	samples, _ := filepath.Glob("../../samples/*")
	var manifests []string
	for _, s := range samples {
		switch filepath.Ext(s) {
		case ".csv", ".yaml", ".yml", ".xlsx":
			if strings.Contains(filepath.Base(s), "export") {
				continue // an HR export, read through a YAML source
			}
			manifests = append(manifests, s)
		}
	}
	if len(manifests) < 3 {
		t.Fatalf("only %d samples found", len(manifests))
	}
	for _, m := range manifests {
		t.Run(filepath.Base(m), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.csv")
			r := bulk(t, nil, "run", m, "--sim", "--rate-limit", fast, "--out", out, "--quiet")
			if r.code != 0 {
				t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
			}
			rows := readResults(t, out)
			if len(rows) == 0 {
				t.Fatal("no result rows")
			}
			for _, row := range rows {
				if row.Status != report.StatusOK {
					t.Fatalf("row %d %s: %s %s", row.Row, row.Action, row.Status, row.Error)
				}
			}
		})
	}
}

func TestTighterSimulatorMeets429sAndStillFinishes(t *testing.T) {
	s := startSim(t, sim.Options{RateLimit: 5, Window: 300 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "tabs.csv", tabsCSV(25))
	out := filepath.Join(dir, "r.csv")
	r := bulk(t, s.env(), "run", m, "--action", "add-tab", "--rate-limit", "100/300ms", "--out", out, "--json", "--quiet")
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
	if c := countStatus(rows); c[report.StatusOK] != 25 {
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
	s := startSim(t, sim.Options{RateLimit: 10, Window: time.Second})
	dir := t.TempDir()
	m := writeFile(t, dir, "tabs.csv", tabsCSV(25))
	r := bulk(t, s.env(), "run", m, "--action", "add-tab", "--rate-limit", "10/1s", "--concurrency", "8",
		"--out", filepath.Join(dir, "r.csv"), "--quiet")
	if r.code != 0 {
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
	s := startSim(t, sim.Options{RateLimit: 1000, Window: time.Second, FaultRate: 0.2, DropRate: 0.15, Latency: time.Millisecond, Seed: 7})
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
	r := bulk(t, s.env(), "run", m, "--rate-limit", "1000/1s", "--max-attempts", "12", "--out", out, "--quiet")
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
		case report.StatusOK:
			okCreates[row.Action]++
		case report.StatusUnknown:
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
	s := startSim(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	// PARTNER is not a role of ACTIVE_US: only the service can tell.
	m := writeFile(t, dir, "m.csv", `action,user_id,full_name,email,preferred_library,role,library_id,workspace_id
create-user,NEWBIE,New Bie,newbie@firm.example.com,ACTIVE_US,PARTNER,,
assign-user-to-library,NEWBIE,,,,ATTORNEY,ACTIVE_UK,
add-my-matters-shortcuts,NEWBIE,,,,,,ACTIVE_US!1000
create-user,OTHER,Other One,other@firm.example.com,ACTIVE_US,ATTORNEY,,
`)
	out := filepath.Join(dir, "r.csv")
	r := bulk(t, s.env(), "run", m, "--rate-limit", fast, "--out", out, "--quiet")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
	}
	rows := readResults(t, out)
	oneRowPerJob(t, rows, 4)
	want := map[int]report.Status{2: report.StatusFailed, 3: report.StatusSkipped, 4: report.StatusSkipped, 5: report.StatusOK}
	for _, row := range rows {
		if row.Status != want[row.Row] {
			t.Fatalf("row %d: %s %s", row.Row, row.Status, row.Error)
		}
		if row.Status == report.StatusSkipped && !strings.Contains(row.Error, "row 2") {
			t.Fatalf("skip reason does not name the row waited for: %q", row.Error)
		}
	}
	if row := rows[0]; row.HTTPStatus != "400" || row.ErrorCode == "" {
		t.Fatalf("failed row lacks the service's answer: %+v", row)
	}
}

func TestInvalidManifestSendsNothing(t *testing.T) {
	s := startSim(t, sim.Options{})
	dir := t.TempDir()
	m := writeFile(t, dir, "bad.csv", "action,id,full_name,email,preferred_library,role\ncreate-user,JDOE,Jane,not-an-email,ACTIVE_US,ATTORNEY\ncreate-user,OK1,Ok,ok@firm.example.com,ACTIVE_US,ATTORNEY\n")
	out := filepath.Join(dir, "r.csv")
	r := bulk(t, s.env(), "run", m, "--out", out, "--quiet")
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

func TestExitCodes(t *testing.T) {
	s := startSim(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	good := writeFile(t, dir, "good.csv", "action,library_id\nget-library-roles,ACTIVE_US\n")
	missing := writeFile(t, dir, "missing.csv", "action,library_id\nget-library-roles,NO_SUCH_LIB\n")
	wrongPw := s.env()
	wrongPw["IMANAGE_PASSWORD"] = "wrong-password"
	closed := map[string]string{"IMANAGE_URL": "http://127.0.0.1:1", "IMANAGE_USER": "admin", "IMANAGE_PASSWORD": "x", "IMANAGE_CLIENT_ID": "bulk"}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
	}{
		{"all ok", s.env(), []string{"run", good, "--rate-limit", fast}, 0},
		{"a job failed", s.env(), []string{"run", missing, "--rate-limit", fast}, 1},
		{"unknown flag", s.env(), []string{"run", good, "--no-such-flag", "--rate-limit", fast}, 2},
		{"no manifest", s.env(), []string{"run"}, 2},
		{"unreadable manifest", s.env(), []string{"run", filepath.Join(dir, "nope.csv"), "--rate-limit", fast}, 2},
		{"bad rate limit", s.env(), []string{"run", good, "--rate-limit", "fast"}, 2},
		{"no password", map[string]string{"IMANAGE_URL": s.URL, "IMANAGE_USER": "admin", "IMANAGE_CLIENT_ID": "bulk"}, []string{"run", good, "--rate-limit", fast}, 2},
		{"wrong password", wrongPw, []string{"run", good, "--rate-limit", fast}, 3},
		{"service unreachable", closed, []string{"run", good, "--rate-limit", fast}, 3},
		{"ready token refused", map[string]string{"IMANAGE_URL": s.URL, "IMANAGE_TOKEN": "not-a-token"}, []string{"run", good, "--rate-limit", fast}, 3},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprintf("r%d.csv", i))
			args := append(append([]string{}, tc.args...), "--out", out, "--quiet", "--fresh")
			r := bulk(t, tc.env, args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tc.code, r.stderr)
			}
			if tc.code == 3 {
				rows := readResults(t, out)
				if len(rows) != 1 || rows[0].Status == report.StatusOK {
					t.Fatalf("rows after a failed sign-in: %+v", rows)
				}
			}
		})
	}
}

// interruptAfter returns an interrupt hook whose context is cancelled when
// the simulator has seen n operation requests, as a Ctrl-C would be.
func interruptAfter(s *simServer, n int64) func(context.Context) (context.Context, context.CancelFunc) {
	return func(parent context.Context) (context.Context, context.CancelFunc) {
		ctx, cancel := context.WithCancel(parent)
		f := func(seen int64) {
			if seen == n {
				cancel()
			}
		}
		s.onReq.Store(&f)
		return ctx, cancel
	}
}

func TestInterruptThenResume(t *testing.T) {
	s := startSim(t, sim.Options{RateLimit: 1000, Window: time.Second, Latency: 5 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "tabs.csv", tabsCSV(30))
	out := filepath.Join(dir, "tabs.results.csv")
	ios := TestIO(strings.NewReader(""), &strings.Builder{}, &strings.Builder{}, s.env())
	o := &runOptions{ios: ios, Manifests: []string{m}, Out: out, Concurrency: 2, RateLimit: "1000/1s", MaxAttempts: 3, Quiet: true,
		interrupt: interruptAfter(s, 5)}
	o.Manifest.Action = "add-tab"
	err := runRun(context.Background(), o)
	if code := exitCodeFor(err); code != ExitInterrupted {
		t.Fatalf("exit %d (%v), want 130", code, err)
	}
	rows := readResults(t, out)
	oneRowPerJob(t, rows, 30)
	c := countStatus(rows)
	if c[report.StatusOK] < 5 || c[report.StatusSkipped] == 0 || c[report.StatusOK]+c[report.StatusSkipped] != 30 {
		t.Fatalf("after Ctrl-C: %v", c)
	}
	for _, row := range rows {
		if row.Status == report.StatusSkipped && !strings.Contains(row.Error, "interrupted") {
			t.Fatalf("skip reason %q", row.Error)
		}
	}
	okBefore := c[report.StatusOK]

	s.onReq.Store(nil)
	r := bulk(t, s.env(), "run", m, "--action", "add-tab", "--out", out, "--resume", "--rate-limit", "1000/1s", "--json", "--quiet")
	if r.code != 0 {
		t.Fatalf("resume exit %d: %s", r.code, r.stderr)
	}
	rows = readResults(t, out)
	oneRowPerJob(t, rows, 30)
	if c := countStatus(rows); c[report.StatusOK] != 30 {
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
	s := startSim(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", "name,parent_id\nA,ACTIVE_US!1000\nB,ACTIVE_US!9999\nC,ACTIVE_US!1001\n")
	out := filepath.Join(dir, "m.results.csv")
	run := func(extra ...string) runResult {
		args := append([]string{"run", m, "--action", "add-tab", "--out", out, "--rate-limit", fast, "--quiet"}, extra...)
		return bulk(t, s.env(), args...)
	}
	if r := run(); r.code != 1 {
		t.Fatalf("first run exit %d: %s", r.code, r.stderr)
	}
	if r := run(); r.code != 2 || !strings.Contains(r.stderr, "--resume") {
		t.Fatalf("a second run without --resume should refuse the journal: exit %d %s", r.code, r.stderr)
	}
	// The admin fixes row 3 (B's workspace) and reorders the file.
	writeFile(t, dir, "m.csv", "name,parent_id\nC,ACTIVE_US!1001\nB,ACTIVE_US!1002\nA,ACTIVE_US!1000\n")
	before := s.Stats().Calls["addTab"]
	if r := run("--resume"); r.code != 0 {
		t.Fatalf("resume exit %d: %s", r.code, r.stderr)
	}
	if sent := s.Stats().Calls["addTab"] - before; sent != 1 {
		t.Fatalf("resume sent %d addTab calls, want only the fixed row", sent)
	}
	rows := readResults(t, out)
	oneRowPerJob(t, rows, 3)
	if c := countStatus(rows); c[report.StatusOK] != 3 {
		t.Fatalf("%v", c)
	}
	if st := s.Stats(); st.Created["tab"] != 3 || st.DuplicateCreations != 0 {
		t.Fatalf("%+v", st)
	}
}

func TestPasswordFileMustBePrivate(t *testing.T) {
	s := startSim(t, sim.Options{})
	dir := t.TempDir()
	good := writeFile(t, dir, "good.csv", "action,library_id\nget-library-roles,ACTIVE_US\n")
	pw := writeFile(t, dir, "pw", "admin\n")
	env := s.env()
	delete(env, "IMANAGE_PASSWORD")
	os.Chmod(pw, 0o644)
	r := bulk(t, env, "run", good, "--password-file", pw, "--out", filepath.Join(dir, "a.csv"), "--quiet")
	if r.code != 2 || !strings.Contains(r.stderr, "chmod 600") {
		t.Fatalf("a world-readable password file was accepted: exit %d %s", r.code, r.stderr)
	}
	os.Chmod(pw, 0o600)
	r = bulk(t, env, "run", good, "--password-file", pw, "--out", filepath.Join(dir, "b.csv"), "--quiet")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

func TestParseMaxFailures(t *testing.T) {
	cases := []struct {
		in    string
		total int
		want  int
		err   bool
	}{
		{"", 100, 0, false}, {"5", 100, 5, false}, {"10%", 200, 20, false}, {"0", 10, 0, true},
		{"150%", 10, 0, true}, {"x", 10, 0, true}, {"-1", 10, 0, true},
	}
	for _, tc := range cases {
		got, err := parseMaxFailures(tc.in, tc.total)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("parseMaxFailures(%q, %d) = %d, %v", tc.in, tc.total, got, err)
		}
	}
}

func TestRunFlagsParseWithoutIO(t *testing.T) {
	var got *runOptions
	cmd := newRunCmdWith(TestIO(nil, nil, nil, nil), func(o *runOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"a.csv", "b.yaml", "--sim", "--concurrency", "8", "--rate-limit", "100/600ms", "--max-failures", "5%",
		"--resume", "--retry-unknown", "--set", "preferred_library=ACTIVE_US", "--action", "create-user"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || len(got.Manifests) != 2 || !got.Conn.Sim || got.Concurrency != 8 || got.RateLimit != "100/600ms" ||
		got.MaxFailures != "5%" || !got.Resume || !got.RetryUnknown || got.Manifest.Action != "create-user" ||
		got.Manifest.Set["preferred_library"] != "ACTIVE_US" {
		t.Fatalf("options %+v", got)
	}
	_ = ratelimit.Default
}

// Warnings are printed and counted, do not stop a run, and --strict makes
// them errors.
func TestRunWarningsAndStrict(t *testing.T) {
	s := startSim(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "roles.csv", "action,library_id\nget-library-roles,ACTIVE_US\nget-library-roles,ACTIVE_US\n")
	r := bulk(t, s.env(), "run", m, "--rate-limit", fast, "--json", "--out", filepath.Join(dir, "r.csv"))
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
	r = bulk(t, s.env(), "run", m, "--rate-limit", fast, "--strict", "--fresh", "--out", filepath.Join(dir, "r2.csv"))
	if r.code != 2 || !strings.Contains(r.stderr, "(an error with --strict)") || !strings.Contains(r.stderr, "1 error found; nothing was sent.") {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	if s.Stats().TotalCalls != calls {
		t.Fatal("a strict run with a warning reached the service")
	}
}
