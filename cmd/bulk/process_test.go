package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/exit"
)

// slowRun is a manifest of n tabs and a simulator process slow enough
// (latency ms per call) that a run of it is still going when the test acts.
func slowRun(t *testing.T, n int, latency string) (bin, manifest, url, journal string) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds the binary and runs child processes")
	}
	bin = buildBulk(t)
	dir := t.TempDir()
	manifest = writeFile(t, dir, "tabs.csv", tabsCSV(n))
	url = startSimProcess(t, bin, "--latency", latency, "--rate-limit", "1000/1s")
	return bin, manifest, url, filepath.Join(dir, "tabs.results.journal")
}

// everyRowRecorded checks that a run that stopped early left one row per
// job, that every job it started has its end in the journal, and that the
// simulator made exactly the tabs the rows say were made.
func everyRowRecorded(t *testing.T, manifest, url, journal string, n int) map[executor.Status]int {
	t.Helper()
	rows := readResults(t, strings.TrimSuffix(journal, ".journal")+".csv")
	oneRowPerJob(t, rows, n)
	c := countStatus(rows)
	if c[executor.StatusOK]+c[executor.StatusSkipped] != n || c[executor.StatusSkipped] == 0 {
		t.Fatalf("rows %v: want ok ones and skipped ones", c)
	}
	for _, r := range rows {
		if r.Status == executor.StatusSkipped && !strings.Contains(r.Error, "interrupted") {
			t.Fatalf("skip reason %q", r.Error)
		}
	}
	entries, err := executor.ReadJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	for k, e := range entries {
		if e.End == nil {
			t.Fatalf("job %s started and never recorded its end", k)
		}
	}
	if st := simStats(t, url); st.Created["tab"] != c[executor.StatusOK] {
		t.Fatalf("%d tabs made, %d rows ok: a call in flight was not recorded", st.Created["tab"], c[executor.StatusOK])
	}
	return c
}

func TestASecondRunOnTheSameJournalIsRefused(t *testing.T) {
	bin, manifest, url, journal := slowRun(t, 30, "100ms")
	first := bulkProcess(t, bin, manifest, url, nil, "--action", "add-tab", "--concurrency", "1")
	waitForEnds(t, journal, 1)

	second := bulkCommand(bin, manifest, url, nil, "--action", "add-tab", "--quiet", "--resume")
	out, _ := second.CombinedOutput()
	msg := string(out)
	if second.ProcessState.ExitCode() != 2 || !strings.Contains(msg, "pid "+strconv.Itoa(first.Process.Pid)) ||
		!strings.Contains(msg, "running since") || !strings.Contains(msg, journal) {
		t.Fatalf("a second run on a held journal: exit %d\n%s", second.ProcessState.ExitCode(), msg)
	}

	// A lock left by a killed process does not block.
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	if _, err := os.Stat(journal + ".lock"); err != nil {
		t.Fatalf("the lock file: %v", err)
	}
	resumed := bulkProcess(t, bin, manifest, url, nil, "--action", "add-tab", "--resume")
	if code := exitCode(t, resumed); code != 0 && code != 1 {
		t.Fatalf("resume after the holder was killed: exit %d", code)
	}
	rows := readResults(t, strings.TrimSuffix(journal, ".journal")+".csv")
	oneRowPerJob(t, rows, 30)
	if st := simStats(t, url); st.DuplicateCreations != 0 {
		t.Fatalf("%d duplicates", st.DuplicateCreations)
	}
}

func TestSIGHUPEndsTheRunLikeSIGTERM(t *testing.T) {
	bin, manifest, url, journal := slowRun(t, 30, "50ms")
	cmd := bulkProcess(t, bin, manifest, url, nil, "--action", "add-tab", "--concurrency", "2")
	waitForEnds(t, journal, 4)
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(t, cmd); code != int(exit.Interrupted) {
		t.Fatalf("after SIGHUP: exit %d, want %d", code, exit.Interrupted)
	}
	everyRowRecorded(t, manifest, url, journal, 30)
}

func TestAClosedOutputPipeEndsTheRunLikeSIGTERM(t *testing.T) {
	bin, manifest, url, journal := slowRun(t, 30, "50ms")
	// bulk run ... -v 2>&1 | head -3
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := bulkCommand(bin, manifest, url, nil, "--action", "add-tab", "--concurrency", "2", "-v")
	cmd.Stdout, cmd.Stderr = w, w
	startProcess(t, cmd)
	w.Close()
	br := bufio.NewReader(r)
	for i := 0; i < 3; i++ {
		if _, err := br.ReadString('\n'); err != nil {
			t.Fatalf("line %d of the log: %v", i+1, err)
		}
	}
	r.Close()
	done := make(chan int, 1)
	go func() { done <- exitCode(t, cmd) }()
	select {
	case code := <-done:
		if code != int(exit.Interrupted) {
			t.Fatalf("after its reader went away: exit %d (%s), want %d", code, cmd.ProcessState, exit.Interrupted)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the run went on after its output pipe closed")
	}
	everyRowRecorded(t, manifest, url, journal, 30)
}
