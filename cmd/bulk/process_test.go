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
	everyStartEnded(t, journal)
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

// Ctrl-C twice: the first says, once, what it waits for and how to stop
// at once; the second cancels the calls in flight (the simulator takes 3s
// over each) and the run ends, exit 130. The tabs in flight end unknown,
// saying the run was interrupted twice; the rest were never started; every
// start in the journal has its end.
func TestASecondSIGINTStopsTheCallsInFlight(t *testing.T) {
	bin, manifest, url, journal := slowRun(t, 30, "3s")
	cmd := bulkCommand(bin, manifest, url, nil, "--action", "add-tab", "--quiet")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	startProcess(t, cmd)
	waitForCalls(t, url, 4) // every worker has a call in flight
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	var said strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		said.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "press Ctrl-C again") {
			break
		}
	}
	if !strings.Contains(said.String(), "bulk: interrupted: finishing the 4 calls in flight (up to 30s); press Ctrl-C again to stop at once") {
		t.Fatalf("after the first SIGINT, standard error said:\n%s", said.String())
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() {
		said.WriteString(sc.Text() + "\n")
	}
	if code := exitCode(t, cmd); code != int(exit.Interrupted) {
		t.Fatalf("after two SIGINTs: exit %d, want %d\n%s", code, exit.Interrupted, said.String())
	}
	if n := strings.Count(said.String(), "press Ctrl-C again"); n != 1 {
		t.Fatalf("the note was printed %d times:\n%s", n, said.String())
	}
	rows := readResults(t, strings.TrimSuffix(journal, ".journal")+".csv")
	oneRowPerJob(t, rows, 30)
	c := countStatus(rows)
	if c[executor.StatusUnknown] != 4 || c[executor.StatusSkipped] != 26 {
		t.Fatalf("rows %v: want the 4 in flight unknown, the 26 others skipped", c)
	}
	for _, r := range rows {
		if r.Status == executor.StatusUnknown && !strings.HasPrefix(r.Error, "the run was interrupted twice: ") {
			t.Fatalf("row %d unknown: %q", r.Row, r.Error)
		}
	}
	everyStartEnded(t, journal)
}

// waitForCalls waits until the simulator at url has received n operation
// calls.
func waitForCalls(t *testing.T, url string, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for simStats(t, url).TotalCalls < n {
		if time.Now().After(deadline) {
			t.Fatalf("the run made no progress: the simulator has %d calls", simStats(t, url).TotalCalls)
		}
		<-tick.C
	}
}

// everyStartEnded fails t if the journal has a job started and never ended.
func everyStartEnded(t *testing.T, journal string) {
	t.Helper()
	entries, err := executor.ReadJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	for k, e := range entries {
		if e.End == nil {
			t.Fatalf("job %s started and never recorded its end", k)
		}
	}
}
