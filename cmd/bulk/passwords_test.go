package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/runtest"
)

// TestKillKeepsGeneratedPasswords kills a run with SIGKILL while it
// creates users with generated passwords: every user its journal records as
// created has its password on disk, and after the resume every user has
// its password in one of the two files, or a result that says to reset it.
func TestKillKeepsGeneratedPasswords(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs child processes")
	}
	bin := buildBulk(t)
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,full_name,email,preferred_library,role,password_create_method\n")
	const users = 30
	for i := 0; i < users; i++ {
		fmt.Fprintf(&b, "P%d,User %d,p%d@firm.example.com,ACTIVE_US,ATTORNEY,Create a password\n", i, i, i)
	}
	manifest := writeFile(t, dir, "m.csv", b.String())
	out := filepath.Join(dir, "m.results.csv")
	journal := filepath.Join(dir, "m.results.journal")
	url := startSimProcess(t, bin, "--latency", "20ms", "--rate-limit", "1000/1s")
	run := func(pwFile string, extra ...string) *exec.Cmd {
		args := append([]string{"run", manifest, "--action", "create-user", "--url", url, "--out", out,
			"--rate-limit", "1000/1s", "--concurrency", "4", "--quiet", "--generate-passwords", pwFile}, extra...)
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "IMANAGE_USER=admin", "IMANAGE_PASSWORD=admin", "IMANAGE_CLIENT_ID=bulk")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	p1, p2 := filepath.Join(dir, "pw-1.csv"), filepath.Join(dir, "pw-2.csv")
	cmd := run(p1)
	deadline := time.Now().Add(60 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	for countEnds(journal) < users/3 {
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

	first := runtest.ReadPasswordFile(t, p1)
	jb, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	recorded := 0
	for _, line := range strings.Split(string(jb), "\n") {
		var rec struct {
			T           string `json:"t"`
			ObjectID    string `json:"object_id"`
			UserCreated *bool  `json:"user_created"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil || rec.T != "end" || rec.UserCreated == nil || !*rec.UserCreated {
			continue
		}
		recorded++
		if first[rec.ObjectID] == "" {
			t.Fatalf("the journal records %s as created, and its password is not in %s", rec.ObjectID, p1)
		}
	}
	if recorded == 0 || recorded >= users {
		t.Fatalf("%d creations recorded before the kill: nothing was tested", recorded)
	}

	if err := run(p2, "--resume").Wait(); err != nil {
		t.Fatalf("resume: %v", err)
	}
	second := map[string]string{}
	if _, err := os.Stat(p2); err == nil {
		second = runtest.ReadPasswordFile(t, p2)
	}
	rows := readResults(t, out)
	oneRowPerJob(t, rows, users)
	for _, r := range rows {
		_, in1 := first[r.Key]
		_, in2 := second[r.Key]
		switch {
		case r.Status != executor.StatusOK:
			t.Fatalf("row %d %s: %s %s", r.Row, r.Key, r.Status, r.Error)
		case in1 && in2:
			t.Fatalf("%s has a password in both files", r.Key)
		case !in1 && !in2 && !strings.Contains(r.Note, "reset it"):
			t.Fatalf("%s was created and its password is nowhere: %+v", r.Key, r)
		}
	}
	if st := simStats(t, url); st.Created["user"] != users {
		t.Fatalf("%d users created, want %d", st.Created["user"], users)
	}
}
