package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/sim"
)

var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildBulk compiles the command once per test binary.
func buildBulk(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "bulk-test-")
		if built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "bulk")
		cmd := exec.Command("go", "build", "-o", built.bin, ".")
		cmd.Stderr = os.Stderr
		built.err = cmd.Run()
	})
	if built.err != nil {
		t.Fatalf("building bulk: %v", built.err)
	}
	return built.bin
}

// startSimProcess runs `bulk sim` as a child process on a free loopback
// port and returns its base URL.
func startSimProcess(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"sim", "--listen", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "http://"); i >= 0 && strings.Contains(line, "listening") {
			go func() {
				for sc.Scan() {
				}
			}()
			return strings.TrimSpace(line[i:])
		}
	}
	t.Fatal("the simulator printed no URL")
	return ""
}

func simStats(t *testing.T, url string) sim.Stats {
	t.Helper()
	resp, err := http.Get(url + "/_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st sim.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func countEnds(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return strings.Count(string(b), `"t":"end"`)
}

// killManifest is 30 each of add-tab, create-user and add-folder.
func killManifest(t *testing.T, dir string) (path string, jobs int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("action,name,parent_id,parent_type,user_id,full_name,email,preferred_library,role\n")
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&b, "add-tab,Tab %d,ACTIVE_US!%d,,,,,,\n", i, 1000+i)
		fmt.Fprintf(&b, "create-user,,,,K%d,User %d,k%d@firm.example.com,ACTIVE_US,ATTORNEY\n", i, i, i)
		fmt.Fprintf(&b, "add-folder,Folder %d,ACTIVE_US!%d,Workspace,,,,,\n", i, 1000+i)
		jobs += 3
	}
	return writeFile(t, dir, "m.csv", b.String()), jobs
}

// bulkProcess starts `bulk run manifest` against url as a child process,
// signed in as the simulator's administrator unless env says otherwise.
func bulkProcess(t *testing.T, bin, manifest, url string, env []string, extra ...string) *exec.Cmd {
	t.Helper()
	cmd := bulkCommand(bin, manifest, url, env, append([]string{"--quiet"}, extra...)...)
	startProcess(t, cmd)
	return cmd
}

// bulkCommand is bulkProcess's command, not started.
func bulkCommand(bin, manifest, url string, env []string, extra ...string) *exec.Cmd {
	args := append([]string{"run", manifest, "--url", url, "--rate-limit", "1000/1s", "--concurrency", "4"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "IMANAGE_USER=admin", "IMANAGE_PASSWORD=admin", "IMANAGE_CLIENT_ID=bulk"), env...)
	return cmd
}

// startProcess starts cmd, killed at the end of the test if still running.
func startProcess(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
}

// exitCode waits for cmd and returns its exit status.
func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode()
}

// waitForEnds waits until the journal at path records n job ends.
func waitForEnds(t *testing.T, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for countEnds(path) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the run made no progress: %d ends in %s", countEnds(path), path)
		}
		<-tick.C
	}
}

// TestKillAndResume kills `bulk run` with SIGKILL in the middle of a run
// against a simulator in another process, resumes it, and checks the end
// state equals that of an uninterrupted run: one result row per job, every
// job ok, nothing created twice but what README says --retry-unknown may
// repeat. The simulator applies a call whose caller died, as the service
// does.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the binary and runs child processes")
	}
	bin := buildBulk(t)
	dir := t.TempDir()
	manifest, jobs := killManifest(t, dir)

	// The uninterrupted run, on a simulator of its own.
	baseURL := startSimProcess(t, bin, "--latency", "20ms", "--rate-limit", "1000/1s")
	baseOut := filepath.Join(dir, "base.results.csv")
	if code := exitCode(t, bulkProcess(t, bin, manifest, baseURL, nil, "--out", baseOut)); code != 0 {
		t.Fatalf("uninterrupted run: exit %d", code)
	}
	base := readResults(t, baseOut)
	baseStats := simStats(t, baseURL)

	// The same run, killed when a third of the jobs have ended; by default
	// its files are beside the manifest.
	url := startSimProcess(t, bin, "--latency", "20ms", "--rate-limit", "1000/1s")
	out := filepath.Join(dir, "m.results.csv")
	journal := filepath.Join(dir, "m.results.journal")
	cmd := bulkProcess(t, bin, manifest, url, nil)
	waitForEnds(t, journal, jobs/3)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if n := countEnds(journal); n >= jobs {
		t.Fatalf("the run had finished (%d ends) before it was killed", n)
	}
	// What the killed run wrote: whole rows, each of a job the journal
	// saw end.
	killed := readResults(t, out)
	entries, err := executor.ReadJournal(journal)
	if err != nil {
		t.Fatalf("the journal after SIGKILL: %v", err)
	}
	ended := 0
	for _, e := range entries {
		if e.End != nil {
			ended++
		}
	}
	if len(killed) == 0 || len(killed) > ended {
		t.Fatalf("after SIGKILL the result file holds %d rows; the journal saw %d jobs end", len(killed), ended)
	}

	// A resume that cannot sign in (no password) keeps every row.
	noPw := exec.Command(bin, "run", manifest, "--url", url, "--resume", "--quiet")
	noPw.Env = append(os.Environ(), "IMANAGE_USER=admin", "IMANAGE_CLIENT_ID=bulk", "IMANAGE_PASSWORD=")
	if err := noPw.Run(); noPw.ProcessState.ExitCode() != 2 {
		t.Fatalf("a resume without a password: %v", err)
	}
	kept := strings.Join(rowSet(readResults(t, out)), "\n")
	for _, r := range rowSet(killed) {
		if !strings.Contains(kept, r) {
			t.Fatalf("a failed resume lost the row %q", r)
		}
	}

	// Resume. Tabs and folders in flight at the kill end unknown: the
	// admin checks them, then repeats them with --retry-unknown.
	code := exitCode(t, bulkProcess(t, bin, manifest, url, nil, "--resume"))
	rows := readResults(t, out)
	oneRowPerJob(t, rows, jobs)
	okCreates, unknown := 0, 0
	for _, r := range rows {
		switch {
		case r.Status == executor.StatusUnknown && r.Action == "create-user":
			t.Fatal("create-user is safe to repeat and must not end unknown")
		case r.Status == executor.StatusUnknown:
			unknown++
		case r.Status != executor.StatusOK:
			t.Fatalf("after resume, row %d %s: %s %s", r.Row, r.Action, r.Status, r.Error)
		case r.Action != "create-user":
			okCreates++
		}
	}
	if want := map[bool]int{false: 0, true: 1}[unknown > 0]; code != want {
		t.Fatalf("resume exit %d with %d unknown rows, want %d", code, unknown, want)
	}
	// The calls cut by the kill were applied or not; the simulator knows.
	st := simStats(t, url)
	applied := st.Created["tab"] + st.Created["folder"] - okCreates
	if applied < 0 || applied > unknown || st.DuplicateCreations != 0 {
		t.Fatalf("%d tabs and folders exist for %d ok rows and %d unknown, %d duplicates",
			st.Created["tab"]+st.Created["folder"], okCreates, unknown, st.DuplicateCreations)
	}
	t.Logf("after the kill: %d rows; after the resume: %d unknown, %d of them applied", len(killed), unknown, applied)
	if unknown > 0 {
		if code := exitCode(t, bulkProcess(t, bin, manifest, url, nil, "--resume", "--retry-unknown")); code != 0 {
			t.Fatalf("resume --retry-unknown: exit %d", code)
		}
		rows = readResults(t, out)
		oneRowPerJob(t, rows, jobs)
	}

	st = simStats(t, url)
	// README: --retry-unknown repeats what may have been applied; each one
	// that was is made a second time. Nothing else is.
	if st.DuplicateCreations != applied {
		t.Fatalf("%d duplicate creations after kill and resume; %d unknown calls had been applied", st.DuplicateCreations, applied)
	}
	if got, want := strings.Join(rowSet(rows), "\n"), strings.Join(rowSet(base), "\n"); got != want {
		t.Fatalf("outcome differs from an uninterrupted run:\n%s\nwant\n%s", got, want)
	}
	if st.Created["user"] != baseStats.Created["user"] ||
		st.Created["tab"]+st.Created["folder"] != baseStats.Created["tab"]+baseStats.Created["folder"]+applied {
		t.Fatalf("created %v, an uninterrupted run created %v (and %d were applied twice)", st.Created, baseStats.Created, applied)
	}
}
