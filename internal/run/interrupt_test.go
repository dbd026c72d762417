package run

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/runtest"
	"github.com/firmtools/bulk/internal/sim"
)

// pressAgain is standard error read by a person who presses Ctrl-C again
// (press) once the run has said what it waits for and how to stop it.
type pressAgain struct {
	lockedBuffer
	press func()
	once  sync.Once
}

func (p *pressAgain) Write(b []byte) (int, error) {
	n, err := p.lockedBuffer.Write(b)
	if strings.Contains(p.String(), "press Ctrl-C again") {
		p.once.Do(p.press)
	}
	return n, err
}

// interruptTwice returns an interrupt hook whose first context is
// cancelled when the simulator has seen n operation requests, and whose
// second one when the run says, on errOut, to press Ctrl-C again.
func interruptTwice(s *runtest.Server, n int64, errOut *pressAgain) func(context.Context) (context.Context, context.Context, func()) {
	return func(parent context.Context) (context.Context, context.Context, func()) {
		first, cancelFirst := context.WithCancel(parent)
		second, cancelSecond := context.WithCancel(context.Background())
		errOut.press = cancelSecond
		s.OnRequest(func(seen int64) {
			if seen == n {
				cancelFirst()
			}
		})
		return first, second, func() { cancelFirst(); cancelSecond() }
	}
}

// The first Ctrl-C says, once, how many calls it lets finish and how to
// stop them; the second cancels them at once. Tabs in flight, which the
// service may have made, end unknown and reads failed, each saying the run
// was interrupted twice; what had not started is skipped; every row has one
// result and every start in the journal its end. A resume runs the failed
// and skipped rows and keeps the unknown tabs unknown, unsent. The
// simulator takes 2s a call and Grace is an hour: without the second
// interruption every call in flight would have been answered.
func TestASecondInterruptStopsTheCallsInFlightAndResumeKeepsThemUnknown(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 1000, Window: time.Second, Latency: 2 * time.Second})
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("action,name,parent_id,library_id\n")
	for i, lib := range []string{"ACTIVE_US", "ACTIVE_UK", "ARCHIVE", "LINKS"} {
		fmt.Fprintf(&b, "add-tab,Tab %d,ACTIVE_US!%d,\nget-library-roles,,,%s\n", i, 1000+i, lib)
	}
	for i := 4; i < 24; i++ {
		fmt.Fprintf(&b, "add-tab,Tab %d,ACTIVE_US!%d,\n", i, 1000+i)
	}
	m := writeFile(t, dir, "m.csv", b.String())
	out := filepath.Join(dir, "m.results.csv")
	o := newOptions(s.Conn(), m)
	o.Out, o.Concurrency, o.RateLimit, o.Quiet, o.Deps.Grace = out, 8, "1000/1s", true, time.Hour
	var stdout bytes.Buffer
	errOut := &pressAgain{}
	o.IO = iostreamsOver(&stdout, errOut)
	o.Deps.Interrupt = interruptTwice(s, 8, errOut) // the 8th call: every worker has one in flight
	r := ended(Run(context.Background(), o), &stdout, &errOut.lockedBuffer)
	if r.code != int(exit.Interrupted) {
		t.Fatalf("exit %d, want %d: %s", r.code, exit.Interrupted, r.stderr)
	}
	note := "bulk: interrupted: finishing the 8 calls in flight (up to 1h0m0s); press Ctrl-C again to stop at once\n"
	if strings.Count(r.stderr, note) != 1 || strings.Count(r.stderr, "press Ctrl-C again") != 1 {
		t.Errorf("standard error does not say once what the interruption waits for:\n%s", r.stderr)
	}

	rows := readResults(t, out)
	oneRowPerJob(t, rows, 28)
	for _, row := range rows {
		var st executor.Status
		var why string
		switch {
		case row.Row > 9:
			st, why = executor.StatusSkipped, "not started: the run was interrupted"
		case row.Action == "add-tab":
			st, why = executor.StatusUnknown, "the run was interrupted twice: "
		default:
			st, why = executor.StatusFailed, "the run was interrupted twice after 1 attempts: "
		}
		if row.Status != st || !strings.HasPrefix(row.Error, why) {
			t.Errorf("row %d %s: %s %q, want %s starting %q", row.Row, row.Action, row.Status, row.Error, st, why)
		}
	}
	entries, err := executor.ReadJournal(filepath.Join(dir, "m.results.journal"))
	if err != nil {
		t.Fatal(err)
	}
	for k, e := range entries {
		if e.End == nil {
			t.Errorf("job %s started and never recorded its end", k)
		}
	}

	// Resume: the reads and the tabs never sent are sent; the four tabs
	// that may exist are not, without --retry-unknown.
	s.OnRequest(nil)
	o = newOptions(s.Conn(), m)
	o.Out, o.Resume, o.RateLimit, o.Quiet, o.Concurrency = out, true, "1000/1s", true, 32 // one wave of 2s calls
	if r := start(t, o); r.code != int(exit.JobsFailed) {
		t.Fatalf("resume: exit %d, want %d (the unknown tabs): %s", r.code, exit.JobsFailed, r.stderr)
	}
	rows = readResults(t, out)
	oneRowPerJob(t, rows, 28)
	for _, row := range rows {
		unknown := row.Action == "add-tab" && row.Row <= 9
		switch {
		case unknown && (row.Status != executor.StatusUnknown || !strings.Contains(row.Error, "ended unknown in an earlier run: the run was interrupted twice")):
			t.Errorf("row %d, unknown before: %s %q", row.Row, row.Status, row.Error)
		case !unknown && row.Status != executor.StatusOK:
			t.Errorf("row %d %s after resume: %s %q", row.Row, row.Action, row.Status, row.Error)
		}
	}
	if c := s.Stats().Calls; c["addTab"] != 4+20 || c["getLibraryRoles"] != 4+4 {
		t.Errorf("calls %v: want the 4 tabs in flight once and the 20 never sent, the 4 reads twice", c)
	}
}
