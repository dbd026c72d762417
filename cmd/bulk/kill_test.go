package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/report"
	"github.com/firmtools/bulk/internal/sim"
)

// buildBulk compiles the command once per test binary.
func buildBulk(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bulk")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("building bulk: %v", err)
	}
	return bin
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

// TestKillAndResume kills `bulk run` with SIGKILL in the middle of a run
// against a simulator in another process, resumes it, and checks the end
// state equals that of an uninterrupted run: one result row per job, every
// job ok, nothing created twice.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs child processes")
	}
	bin := buildBulk(t)
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("action,name,parent_id,parent_type,user_id,full_name,email,preferred_library,role\n")
	jobs := 0
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&b, "add-tab,Tab %d,ACTIVE_US!%d,,,,,,\n", i, 1000+i)
		fmt.Fprintf(&b, "create-user,,,,K%d,User %d,k%d@firm.example.com,ACTIVE_US,ATTORNEY\n", i, i, i)
		fmt.Fprintf(&b, "add-folder,Folder %d,ACTIVE_US!%d,Workspace,,,,,\n", i, 1000+i)
		jobs += 3
	}
	manifest := filepath.Join(dir, "m.csv")
	os.WriteFile(manifest, []byte(b.String()), 0o644)

	run := func(url, out string, extra ...string) (*exec.Cmd, error) {
		args := append([]string{"run", manifest, "--url", url, "--out", out, "--rate-limit", "1000/1s", "--concurrency", "4", "--quiet"}, extra...)
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "IMANAGE_USER=admin", "IMANAGE_PASSWORD=admin", "IMANAGE_CLIENT_ID=bulk")
		return cmd, cmd.Start()
	}

	// The uninterrupted run, on a simulator of its own.
	baseURL := startSimProcess(t, bin, "--latency", "20ms", "--rate-limit", "1000/1s")
	baseOut := filepath.Join(dir, "base.results.csv")
	cmd, err := run(baseURL, baseOut)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("uninterrupted run: %v", err)
	}
	base := readResults(t, baseOut)
	baseStats := simStats(t, baseURL)

	// The same run, killed when a third of the jobs have ended.
	url := startSimProcess(t, bin, "--latency", "20ms", "--rate-limit", "1000/1s")
	out := filepath.Join(dir, "m.results.csv")
	journal := filepath.Join(dir, "m.results.journal")
	cmd, err = run(url, out)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	for countEnds(journal) < jobs/3 {
		if time.Now().After(deadline) {
			t.Fatal("the run made no progress")
		}
		<-tick.C
	}
	tick.Stop()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if n := countEnds(journal); n >= jobs {
		t.Fatalf("the run had finished (%d ends) before it was killed", n)
	}

	// Resume. Tabs and folders in flight at the kill end unknown: the
	// admin checks them, then repeats them with --retry-unknown.
	cmd, err = run(url, out, "--resume")
	if err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	rows := readResults(t, out)
	oneRowPerJob(t, rows, jobs)
	for _, r := range rows {
		if r.Status != report.StatusOK && r.Status != report.StatusUnknown {
			t.Fatalf("after resume, row %d %s: %s %s", r.Row, r.Action, r.Status, r.Error)
		}
		if r.Status == report.StatusUnknown && r.Action == "create-user" {
			t.Fatal("create-user is safe to repeat and must not end unknown")
		}
	}
	if countStatus(rows)[report.StatusUnknown] > 0 {
		// The admin's check: were the unknown ones applied? The simulator
		// waits out its latency before applying, so a request cut by the
		// kill is normally not; if one was, repeating it would rightly make
		// a second one, and the outcomes can no longer be compared.
		okCreates := 0
		for _, r := range rows {
			if r.Status == report.StatusOK && r.Action != "create-user" {
				okCreates++
			}
		}
		if st := simStats(t, url); st.Created["tab"]+st.Created["folder"] != okCreates {
			t.Skipf("a request cut by the kill was applied (%d created, %d ok): nothing to compare", st.Created["tab"]+st.Created["folder"], okCreates)
		}
		cmd, err = run(url, out, "--resume", "--retry-unknown")
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("resume --retry-unknown: %v", err)
		}
		rows = readResults(t, out)
	}

	oneRowPerJob(t, rows, jobs)
	st := simStats(t, url)
	if st.DuplicateCreations != 0 {
		t.Fatalf("%d duplicate creations after kill and resume", st.DuplicateCreations)
	}
	key := func(rs []report.Row) []string {
		var out []string
		for _, r := range rs {
			out = append(out, fmt.Sprintf("%d %s %s %s", r.Row, r.Action, r.Key, r.Status))
		}
		sort.Strings(out)
		return out
	}
	if got, want := strings.Join(key(rows), "\n"), strings.Join(key(base), "\n"); got != want {
		t.Fatalf("outcome differs from an uninterrupted run:\n%s\nwant\n%s", got, want)
	}
	for _, kind := range []string{"tab", "folder", "user"} {
		if st.Created[kind] != baseStats.Created[kind] {
			t.Fatalf("%s: %d created, an uninterrupted run created %d", kind, st.Created[kind], baseStats.Created[kind])
		}
	}
}
