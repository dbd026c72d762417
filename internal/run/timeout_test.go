package run

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/runtest"
	"github.com/firmtools/bulk/internal/sim"
)

// A call the service takes longer to answer than --call-timeout ends as a
// timeout, and the action's repeat policy decides what follows: a read,
// safe to repeat, is repeated and fails after its attempts; a tab, which
// the service may have made, is sent once and ends unknown. With the
// default timeout (60s) both would have been answered.
func TestACallSlowerThanTheCallTimeoutIsATimeout(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 1000, Window: time.Second, Latency: 2 * time.Second})
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", "action,library_id,name,parent_id\nget-library-roles,ACTIVE_US,,\nadd-tab,,Slow,ACTIVE_US!1000\n")
	out := filepath.Join(dir, "r.csv")
	conn := s.Conn()
	conn.CallTimeout = 200 * time.Millisecond
	o := newOptions(conn, m)
	o.RateLimit, o.Out, o.Quiet, o.MaxAttempts = "1000/1s", out, true, 2
	o.Deps.Backoff = &executor.Backoff{} // no wait between attempts
	if r := start(t, o); r.code != int(exit.JobsFailed) {
		t.Fatalf("exit %d, want %d: %s", r.code, exit.JobsFailed, r.stderr)
	}
	rows := rowsByNumber(readResults(t, out))
	read, tab := rows[2], rows[3]
	if read.Status != executor.StatusFailed || read.Attempts != 2 || !strings.Contains(read.Error, "no answer in time within 200ms") {
		t.Errorf("the read: %s after %d attempts: %q; want failed after 2, a timeout", read.Status, read.Attempts, read.Error)
	}
	if tab.Status != executor.StatusUnknown || tab.Attempts != 1 || !strings.Contains(tab.Error, "no answer in time within 200ms") ||
		!strings.Contains(tab.Error, "may have been applied") {
		t.Errorf("the tab: %s after %d attempts: %q; want unknown after 1, a timeout", tab.Status, tab.Attempts, tab.Error)
	}
	// Two jobs timing out in a row look like an outage: the read's probe
	// is not counted until it is its own twice (no other job is left to
	// probe with), so it is sent three times for its two attempts.
	if c := s.Stats().Calls; c["getLibraryRoles"] != 3 || c["addTab"] != 1 {
		t.Errorf("calls %v: want the read three times and the tab once", c)
	}
}
