package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/report"
	"github.com/firmtools/bulk/internal/sim"
)

const joinersManifest = `id,full_name,email,preferred_library,role,password_create_method
U1,User One,u1@firm.example.com,ACTIVE_US,ATTORNEY,Create a password
U2,User Two,u2@firm.example.com,ACTIVE_US,ATTORNEY,Create a password
U3,User Three,u3@firm.example.com,ACTIVE_US,ATTORNEY,Create a password
U4,User Four,u4@firm.example.com,ACTIVE_US,ATTORNEY,Create a password
ASMITH,Alice Smith,asmith@example.com,ACTIVE_US,ATTORNEY,Create a password
BAD,Bad Role,bad@firm.example.com,ACTIVE_US,NOT_A_ROLE,Create a password
+U5,Formula Id,u5@firm.example.com,ACTIVE_US,ATTORNEY,Create a password
`

// createdPasswords are the passwords of the createUser requests the
// service answered user_created: true, by user ID.
func createdPasswords(t *testing.T, p *proxyService) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, e := range p.seen() {
		if e.op != "createUser" || e.status != 200 {
			continue
		}
		var req struct {
			ID             string `json:"id"`
			CreatePassword struct {
				Password string `json:"password"`
			} `json:"create_password"`
		}
		var ans struct {
			Data struct {
				UserCreated bool `json:"user_created"`
			} `json:"data"`
		}
		if json.Unmarshal(e.request, &req) != nil || json.Unmarshal(e.answer, &ans) != nil {
			t.Fatalf("exchange %s %s", e.request, e.answer)
		}
		if ans.Data.UserCreated {
			out[req.ID] = req.CreatePassword.Password
		}
	}
	return out
}

// readPasswordFile reads a --generate-passwords file: mode 0600, no cell
// a spreadsheet would read as a formula.
func readPasswordFile(t *testing.T, path string) map[string]string {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("%s: mode %o", path, st.Mode().Perm())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 || strings.Join(recs[0], ",") != "user_id,password" {
		t.Fatalf("%s: %v %v", path, recs, err)
	}
	out := map[string]string{}
	for _, rec := range recs[1:] {
		for _, cell := range rec {
			if cell != "" && strings.ContainsAny(cell[:1], "=+-@\t\r") {
				t.Fatalf("%s: cell %q would be read as a formula", path, cell)
			}
		}
		out[rec[0]] = rec[1]
	}
	return out
}

func noFile(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s exists (%v): no password file was to be written", path, err)
	}
}

// TestGeneratedPasswordsAcrossAResume: a password is written for each user
// the run created, and for no other, across a run whose answers are lost
// or refused and its resume.
func TestGeneratedPasswordsAcrossAResume(t *testing.T) {
	p := startProxy(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "joiners.csv", joinersManifest)
	out := filepath.Join(dir, "joiners.results.csv")
	run := func(pwFile string, extra ...string) runResult {
		args := append([]string{"run", m, "--action", "create-user", "--rate-limit", fast, "--out", out,
			"--generate-passwords", pwFile, "--max-attempts", "1", "--quiet", "--concurrency", "1"}, extra...)
		return bulk(t, p.env(), args...)
	}
	// U3 is created and its answer lost; U4 meets a 503 (not created).
	p.set(func(op string, body []byte) fault {
		switch {
		case op == "createUser" && strings.Contains(string(body), `"id":"U3"`):
			return dropAnswer
		case op == "createUser" && strings.Contains(string(body), `"id":"U4"`):
			return unavailable
		}
		return pass
	}, nil)
	p1 := filepath.Join(dir, "passwords-1.csv")
	if r := run(p1); r.code != 1 {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
	}
	sent := createdPasswords(t, p)
	got := readPasswordFile(t, p1)
	want := map[string]string{"U1": sent["U1"], "U2": sent["U2"], "'+U5": sent["+U5"]}
	if len(sent) != 4 || len(got) != 3 || got["U1"] != want["U1"] || got["U2"] != want["U2"] || got["'+U5"] != want["'+U5"] || got["U1"] == "" {
		t.Fatalf("first file %v, want %v (created now: %v)", got, want, sent)
	}
	rows := rowsByNumber(readResults(t, out))
	if a := rows[6]; a.Status != report.StatusExists || !strings.Contains(a.Note, "no password written: the user already existed") {
		t.Fatalf("ASMITH: %+v", a)
	}

	// The resume: the carried-over users get no new password; U3, made by
	// the first run's lost attempt, neither (its password was never
	// confirmed: the note says to reset it); U4 is created now.
	p.set(nil, nil)
	p2 := filepath.Join(dir, "passwords-2.csv")
	if r := run(p2, "--resume"); r.code != 1 {
		t.Fatalf("resume: exit %d (BAD still fails)\n%s", r.code, r.stderr)
	}
	sent = createdPasswords(t, p)
	got = readPasswordFile(t, p2)
	if len(got) != 1 || got["U4"] == "" || got["U4"] != sent["U4"] {
		t.Fatalf("resume's file %v, want U4's password only (sent %v)", got, sent)
	}
	rows = rowsByNumber(readResults(t, out))
	if u3 := rows[4]; u3.Status != report.StatusOK || !strings.Contains(u3.Note, "earlier attempt") || !strings.Contains(u3.Note, "reset it") {
		t.Fatalf("U3: %+v", u3)
	}
	if st := p.Stats(); st.Created["user"] != 5 || st.DuplicateCreations != 0 {
		t.Fatalf("created %v", st.Created)
	}

	// Nothing created: no file at all.
	p3 := filepath.Join(dir, "passwords-3.csv")
	if r := run(p3, "--resume"); r.code != 1 {
		t.Fatalf("second resume: exit %d\n%s", r.code, r.stderr)
	}
	noFile(t, p3)
	// Sign-in fails: no file.
	env := p.env()
	env["IMANAGE_PASSWORD"] = "wrong-password"
	p4 := filepath.Join(dir, "passwords-4.csv")
	if r := bulk(t, env, "run", m, "--action", "create-user", "--rate-limit", fast, "--out", filepath.Join(dir, "other.csv"),
		"--generate-passwords", p4, "--quiet"); r.code != 3 {
		t.Fatalf("wrong password: exit %d\n%s", r.code, r.stderr)
	}
	noFile(t, p4)
}

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

	first := readPasswordFile(t, p1)
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
		second = readPasswordFile(t, p2)
	}
	rows := readResults(t, out)
	oneRowPerJob(t, rows, users)
	for _, r := range rows {
		_, in1 := first[r.Key]
		_, in2 := second[r.Key]
		switch {
		case r.Status != report.StatusOK:
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
