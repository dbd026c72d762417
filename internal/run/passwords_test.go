package run

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/runtest"
	"github.com/firmtools/bulk/internal/secret"
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
func createdPasswords(t *testing.T, p *runtest.Proxy) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, e := range p.Seen() {
		if e.Op != "createUser" || e.Status != 200 {
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
		if json.Unmarshal(e.Request, &req) != nil || json.Unmarshal(e.Answer, &ans) != nil {
			t.Fatalf("exchange %s %s", e.Request, e.Answer)
		}
		if ans.Data.UserCreated {
			out[req.ID] = req.CreatePassword.Password
		}
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
	p := runtest.StartProxy(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "joiners.csv", joinersManifest)
	out := filepath.Join(dir, "joiners.results.csv")
	run := func(pwFile string, resume bool) result {
		o := newOptions(p.Conn(), m)
		o.Manifest.Action, o.RateLimit, o.Out, o.GenPasswords = "create-user", fast, out, pwFile
		o.MaxAttempts, o.Quiet, o.Concurrency, o.Resume = 1, true, 1, resume
		return start(t, o)
	}
	// U3 is created and its answer lost; U4 meets a 503 (not created).
	p.Set(func(op string, body []byte) runtest.Fault {
		switch {
		case op == "createUser" && strings.Contains(string(body), `"id":"U3"`):
			return runtest.DropAnswer
		case op == "createUser" && strings.Contains(string(body), `"id":"U4"`):
			return runtest.Unavailable
		}
		return runtest.Pass
	}, nil)
	p1 := filepath.Join(dir, "passwords-1.csv")
	if r := run(p1, false); r.code != 1 {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
	}
	sent := createdPasswords(t, p)
	got := runtest.ReadPasswordFile(t, p1)
	want := map[string]string{"U1": sent["U1"], "U2": sent["U2"], "'+U5": sent["+U5"]}
	if len(sent) != 4 || len(got) != 3 || got["U1"] != want["U1"] || got["U2"] != want["U2"] || got["'+U5"] != want["'+U5"] || got["U1"] == "" {
		t.Fatalf("first file %v, want %v (created now: %v)", got, want, sent)
	}
	rows := rowsByNumber(readResults(t, out))
	if a := rows[6]; a.Status != executor.StatusExists || !strings.Contains(a.Note, "no password written: the user already existed") {
		t.Fatalf("ASMITH: %+v", a)
	}

	// The resume: the carried-over users get no new password; U3, made by
	// the first run's lost attempt, neither (its password was never
	// confirmed: the note says to reset it); U4 is created now.
	p.Set(nil, nil)
	p2 := filepath.Join(dir, "passwords-2.csv")
	if r := run(p2, true); r.code != 1 {
		t.Fatalf("resume: exit %d (BAD still fails)\n%s", r.code, r.stderr)
	}
	sent = createdPasswords(t, p)
	got = runtest.ReadPasswordFile(t, p2)
	if len(got) != 1 || got["U4"] == "" || got["U4"] != sent["U4"] {
		t.Fatalf("resume's file %v, want U4's password only (sent %v)", got, sent)
	}
	rows = rowsByNumber(readResults(t, out))
	if u3 := rows[4]; u3.Status != executor.StatusOK || !strings.Contains(u3.Note, "earlier attempt") || !strings.Contains(u3.Note, "reset it") {
		t.Fatalf("U3: %+v", u3)
	}
	if st := p.Stats(); st.Created["user"] != 5 || st.DuplicateCreations != 0 {
		t.Fatalf("created %v", st.Created)
	}

	// Nothing created: no file at all.
	p3 := filepath.Join(dir, "passwords-3.csv")
	if r := run(p3, true); r.code != 1 {
		t.Fatalf("second resume: exit %d\n%s", r.code, r.stderr)
	}
	noFile(t, p3)
	// Sign-in fails: no file.
	conn := p.Conn()
	conn.Password.Value = secret.New("wrong-password")
	p4 := filepath.Join(dir, "passwords-4.csv")
	o := newOptions(conn, m)
	o.Manifest.Action, o.RateLimit, o.Out, o.GenPasswords, o.Quiet = "create-user", fast, filepath.Join(dir, "other.csv"), p4, true
	if r := start(t, o); r.code != 3 {
		t.Fatalf("wrong password: exit %d\n%s", r.code, r.stderr)
	}
	noFile(t, p4)
}

// Once the password file cannot be written, no more users with generated
// passwords are created: their passwords would be lost.
func TestAPasswordFileThatCannotBeWrittenStopsTheRun(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 1000, Window: time.Second})
	dir := t.TempDir()
	m := writeFile(t, dir, "joiners.csv", "id,full_name,email,preferred_library,role,password_create_method\n"+
		"A1,User One,a1@firm.example.com,ACTIVE_US,ATTORNEY,Create a password\n"+
		"A2,User Two,a2@firm.example.com,ACTIVE_US,ATTORNEY,Create a password\n"+
		"A3,User Three,a3@firm.example.com,ACTIVE_US,ATTORNEY,Create a password\n")
	out := filepath.Join(dir, "r.csv")
	o := newOptions(s.Conn(), m)
	o.Manifest.Action, o.RateLimit, o.Out, o.Quiet, o.Concurrency = "create-user", "1000/1s", out, true, 1
	o.GenPasswords = filepath.Join(dir, "no-such-dir", "pw.csv")
	r := start(t, o)
	if r.code != 1 || !strings.Contains(r.stderr, "not creating users with generated passwords") || !errors.Is(r.err, os.ErrNotExist) {
		t.Fatalf("exit %d, %v\n%s", r.code, r.err, r.stderr)
	}
	if n := s.Stats().Created["user"]; n != 1 {
		t.Fatalf("%d users created: want the first only", n)
	}
	rows := rowsByNumber(readResults(t, out))
	if a1 := rows[2]; a1.Status != executor.StatusOK || !strings.Contains(a1.Note, "could not be written down: reset it") {
		t.Fatalf("the first user: %+v", a1)
	}
	if rows[3].Status != executor.StatusSkipped || rows[4].Status != executor.StatusSkipped {
		t.Fatalf("the others: %s, %s", rows[3].Status, rows[4].Status)
	}
}
