package run

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/report"
	"github.com/firmtools/bulk/internal/runtest"
	"github.com/firmtools/bulk/internal/sim"
)

// pacedRun runs tabs.csv of n tabs with o adjusted by mod, the summary as
// JSON.
func pacedRun(t *testing.T, conn func() *Options, mod func(*Options)) (result, report.Summary) {
	t.Helper()
	o := conn()
	o.Quiet, o.JSON, o.Manifest.Action = true, true, "add-tab"
	if mod != nil {
		mod(o)
	}
	r := start(t, o)
	var s report.Summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("summary: %v (exit %d)\n%s\n%s", err, r.code, r.stdout, r.stderr)
	}
	return r, s
}

// faultyTabs is a manifest of n tabs for a simulator behind a proxy that
// answers each operation as fault says (fault counts calls itself), and
// where the results go.
func faultyTabs(t *testing.T, n int, fault func(op string) runtest.Fault) (p *runtest.Proxy, m, out string) {
	t.Helper()
	p = runtest.StartProxy(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	p.Set(func(op string, _ []byte) runtest.Fault { return fault(op) }, nil)
	dir := t.TempDir()
	return p, writeFile(t, dir, "tabs.csv", tabsCSV(n)), filepath.Join(dir, "tabs.results.csv")
}

// madeOnce fails t unless the simulator made want tabs, none twice.
func madeOnce(t *testing.T, st sim.Stats, want int) {
	t.Helper()
	if st.Created["tab"] != want || st.DuplicateCreations != 0 {
		t.Fatalf("the simulator made %d tabs (%d twice), want %d, none twice", st.Created["tab"], st.DuplicateCreations, want)
	}
}

// A service twenty times stricter than declared: 429s are not attempts,
// so even with --max-attempts 1 every row ends ok; the summary says the
// pace was lowered and by how much.
func TestAServiceTwentyTimesStricterStillEndsOK(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 5, Window: 200 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "tabs.csv", tabsCSV(30))
	out := filepath.Join(dir, "tabs.results.csv")
	r, sum := pacedRun(t, func() *Options { return newOptions(s.Conn(), m) }, func(o *Options) {
		o.RateLimit, o.Out, o.MaxAttempts = "100/200ms", out, 1
	})
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rows := readResults(t, out)
	oneRowPerJob(t, rows, 30)
	for _, row := range rows {
		if row.Status != executor.StatusOK || row.Attempts != 1 {
			t.Fatalf("row %d: %s after %d attempts (%s)", row.Row, row.Status, row.Attempts, row.Error)
		}
	}
	if sum.Throttled == 0 || sum.SlowedTo == "" || sum.RateLimit != "100/200ms" {
		t.Fatalf("summary: %d 429s, slowed to %q, limit %q: want the 429s met and the pace lowered said", sum.Throttled, sum.SlowedTo, sum.RateLimit)
	}
	if st := s.Stats(); st.Created["tab"] != 30 || st.DuplicateCreations != 0 || st.Throttled != int(sum.Throttled) {
		t.Fatalf("the simulator made %d tabs (%d twice) and sent %d 429s (the run met %d), want 30, none twice", st.Created["tab"], st.DuplicateCreations, st.Throttled, sum.Throttled)
	}
}

// A Retry-After longer than --max-hold ends the run cleanly: nothing new
// starts, the rows not done are skipped with the reason, exit 1, and
// --resume finishes them later.
func TestALongRetryAfterEndsTheRunForResume(t *testing.T) {
	var n atomic.Int64
	p, m, out := faultyTabs(t, 10, func(op string) runtest.Fault {
		if op == "addTab" && n.Add(1) == 3 {
			return runtest.ThrottleHour
		}
		return runtest.Pass
	})
	opts := func() *Options { return newOptions(p.Conn(), m) }
	r, sum := pacedRun(t, opts, func(o *Options) { o.RateLimit, o.Out, o.Concurrency = fast, out, 1 })
	if r.code != 1 || !strings.Contains(r.stderr, "the service asked to wait 1h0m0s, more than --max-hold 10m0s") || !strings.Contains(r.stderr, "--resume") {
		t.Fatalf("exit %d, stderr %q: want 1, the reason and --resume", r.code, r.stderr)
	}
	if !strings.Contains(sum.Stopped, "--max-hold") {
		t.Errorf("summary stopped %q", sum.Stopped)
	}
	rows := readResults(t, out)
	oneRowPerJob(t, rows, 10)
	if c := countStatus(rows); c[executor.StatusOK] != 2 || c[executor.StatusSkipped] != 8 {
		t.Fatalf("statuses %v: want the 2 tabs before the 429 ok and the 8 others skipped", c)
	}
	for _, row := range rows {
		if row.Status == executor.StatusSkipped && !strings.Contains(row.Error, "the service asked to wait 1h0m0s") {
			t.Fatalf("row %d skipped with %q: want the service's hold named", row.Row, row.Error)
		}
	}
	p.Set(nil, nil)
	r, _ = pacedRun(t, opts, func(o *Options) { o.RateLimit, o.Out, o.Resume = fast, out, true })
	if r.code != 0 {
		t.Fatalf("resume: exit %d: %s", r.code, r.stderr)
	}
	madeOnce(t, p.Stats(), 10) // over both runs
}

// An outage shorter than --max-outage: every worker holds, a single call
// probes at growing intervals, and every row ends ok.
func TestAnOutageIsRiddenOut(t *testing.T) {
	var n atomic.Int64
	p, m, out := faultyTabs(t, 20, func(op string) runtest.Fault {
		if op == "addTab" && n.Add(1) <= 10 {
			return runtest.Unavailable
		}
		return runtest.Pass
	})
	r, sum := pacedRun(t, func() *Options { return newOptions(p.Conn(), m) }, func(o *Options) {
		o.RateLimit, o.Out, o.MaxAttempts = fast, out, 2
		o.Deps.ProbeFirst, o.Deps.ProbeMax = 10*time.Millisecond, 40*time.Millisecond
	})
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rows := readResults(t, out)
	oneRowPerJob(t, rows, 20)
	if c := countStatus(rows); c[executor.StatusOK] != 20 {
		t.Fatalf("statuses %v: want every row ok", c)
	}
	if sum.Outages != 1 || sum.OutageSeconds <= 0 {
		t.Fatalf("summary: %d outages over %vs, want 1", sum.Outages, sum.OutageSeconds)
	}
	madeOnce(t, p.Stats(), 20)
}

// An outage longer than --max-outage ends the run cleanly, having spent
// few calls: the rows not done are skipped with the reason, exit 1.
func TestALongOutageEndsTheRunForResume(t *testing.T) {
	var n atomic.Int64
	p, m, out := faultyTabs(t, 10, func(string) runtest.Fault {
		n.Add(1)
		return runtest.Unavailable
	})
	r, _ := pacedRun(t, func() *Options { return newOptions(p.Conn(), m) }, func(o *Options) {
		o.RateLimit, o.Out, o.MaxOutage = fast, out, 300*time.Millisecond
		o.Deps.ProbeFirst, o.Deps.ProbeMax = 20*time.Millisecond, 50*time.Millisecond
	})
	if r.code != 1 || !strings.Contains(r.stderr, "more than --max-outage 300ms") {
		t.Fatalf("exit %d, stderr %q: want 1 and the outage named", r.code, r.stderr)
	}
	rows := readResults(t, out)
	oneRowPerJob(t, rows, 10)
	if c := countStatus(rows); c[executor.StatusSkipped] != 10 {
		t.Fatalf("statuses %v: want every row skipped (not done, resumable)", c)
	}
	if calls := n.Load(); calls > 20 {
		t.Fatalf("%d calls spent on a service that was down, want few", calls)
	}
}

// The reads a run makes for no one row (each group's pre-read of aliases,
// the schemas) are paced and repeated like the rows' calls: against a
// service twenty times stricter, their 429s are not attempts either.
func TestReadsOfNoOneRowRideOutAStricterService(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 2, Window: 200 * time.Millisecond})
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("action,library_id,lookup_field_id,alias,alias_description\n")
	for _, field := range []string{"custom1", "custom3", "custom4", "custom5"} {
		for i := range 3 {
			fmt.Fprintf(&b, "create-lookup-alias,ACTIVE_US,%s,Z%d,New %d\n", field, i, i)
		}
	}
	m := writeFile(t, dir, "aliases.csv", b.String())
	out := filepath.Join(dir, "aliases.results.csv")
	r, sum := pacedRun(t, func() *Options { return newOptions(s.Conn(), m) }, func(o *Options) {
		o.Manifest.Action, o.RateLimit, o.Out, o.MaxAttempts = "", "40/200ms", out, 1
	})
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rows := readResults(t, out)
	oneRowPerJob(t, rows, 12)
	if c := countStatus(rows); c[executor.StatusOK] != 12 {
		t.Fatalf("statuses %v: want every alias ok", c)
	}
	if sum.Throttled == 0 {
		t.Fatal("no 429 met: the test does not test what it says")
	}
	if st := s.Stats(); st.Created["alias"] != 12 {
		t.Fatalf("the simulator made %d aliases, want 12", st.Created["alias"])
	}
}
