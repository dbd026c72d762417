package run

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/diskfull"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/report"
	"github.com/firmtools/bulk/internal/runtest"
	"github.com/firmtools/bulk/internal/sim"
)

// tabs is a quiet add-tab run of m against conn at 1000 calls a second.
func tabs(conn connect.Options, m string) *Options {
	o := newOptions(conn, m)
	o.Manifest.Action, o.RateLimit, o.Quiet = "add-tab", "1000/1s", true
	return o
}

func TestAJournalFromTheSimulatorIsRefusedAgainstAService(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 1000, Window: time.Second})
	other := runtest.Start(t, sim.Options{RateLimit: 1000, Window: time.Second})
	dir := t.TempDir()
	m := writeFile(t, dir, "tabs.csv", tabsCSV(3))
	journal := filepath.Join(dir, "shared.journal")
	rehearsal := connect.Options{Sim: true}
	run := func(conn connect.Options, resume, fresh bool) result {
		o := tabs(conn, m)
		o.Journal, o.Out, o.Resume, o.Fresh = journal, filepath.Join(dir, "r.csv"), resume, fresh
		return start(t, o)
	}
	// The rehearsal.
	if r := run(rehearsal, false, false); r.code != 0 {
		t.Fatalf("--sim run: exit %d %s", r.code, r.stderr)
	}
	// Resumed against a service: refused, both named, nothing sent.
	r := run(s.Conn(), true, false)
	if r.code != 2 || !strings.Contains(r.stderr, "embedded simulator") || !strings.Contains(r.stderr, s.URL+" as admin") {
		t.Fatalf("resume of a rehearsal against %s: exit %d %s", s.URL, r.code, r.stderr)
	}
	if st := s.Stats(); st.TotalCalls != 0 || st.TokensIssued != 0 {
		t.Fatalf("the refused run reached the service: %+v", st)
	}
	// Against the service, started over, it runs; then the journal is the
	// service's and another service's resume is refused.
	if r := run(s.Conn(), false, true); r.code != 0 {
		t.Fatalf("--fresh: exit %d %s", r.code, r.stderr)
	}
	r = run(other.Conn(), true, false)
	if r.code != 2 || !strings.Contains(r.stderr, s.URL) || !strings.Contains(r.stderr, other.URL) {
		t.Fatalf("resume against another service: exit %d %s", r.code, r.stderr)
	}
	// A rehearsal never touches the service's journal, not even with --fresh.
	r = run(rehearsal, false, true)
	if r.code != 2 || !strings.Contains(r.stderr, "never uses the journal of a run against a service") {
		t.Fatalf("--sim over a service's journal: exit %d %s", r.code, r.stderr)
	}
	if r := run(s.Conn(), true, false); r.code != 0 || s.Stats().Created["tab"] != 3 {
		t.Fatalf("the service's own resume: exit %d %s, %d tabs", r.code, r.stderr, s.Stats().Created["tab"])
	}
}

func TestResumeWithSimIsRefused(t *testing.T) {
	dir := t.TempDir()
	m := writeFile(t, dir, "tabs.csv", tabsCSV(2))
	o := tabs(connect.Options{Sim: true}, m)
	o.Resume = true
	if r := start(t, o); r.code != 2 || !strings.Contains(r.stderr, "starts empty") {
		t.Fatalf("--sim --resume: exit %d %s", r.code, r.stderr)
	}
}

func TestAnOlderJournalIsResumedOnlyWhenAdopted(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 1000, Window: time.Second})
	dir := t.TempDir()
	m := writeFile(t, dir, "tabs.csv", tabsCSV(2))
	journal := writeFile(t, dir, "tabs.results.journal", `{"t":"journal","version":1,"time":"2026-11-01T02:00:00Z"}`+"\n")
	run := func(adopt bool) result {
		o := tabs(s.Conn(), m)
		o.Resume, o.AdoptJournal = true, adopt
		return start(t, o)
	}
	if r := run(false); r.code != 2 || !strings.Contains(r.stderr, "older bulk") || !strings.Contains(r.stderr, "--adopt-journal") {
		t.Fatalf("an unbound journal: exit %d %s", r.code, r.stderr)
	}
	if r := run(true); r.code != 0 {
		t.Fatalf("adopted: exit %d %s", r.code, r.stderr)
	}
	b, _ := os.ReadFile(journal)
	if !strings.Contains(string(b), `"service":{"url":"`+s.URL+`","user":"admin"}`) {
		t.Fatalf("the adopted journal does not name its service:\n%s", b)
	}
	if r := run(false); r.code != 0 {
		t.Fatalf("once adopted, the journal is this run's: exit %d %s", r.code, r.stderr)
	}
}

func TestOutputsNeverOverwriteAnInput(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 1000, Window: time.Second})
	dir := t.TempDir()
	src := writeFile(t, dir, "hr.csv", "User ID,Name,Mail\nJDOE,Jane Doe,jdoe@firm.example.com\n")
	yaml := writeFile(t, dir, "joiners.yaml", `version: 1
sources:
  - path: hr.csv
    action: create-user
    columns: {id: User ID, full_name: Name, email: Mail}
    set: {preferred_library: ACTIVE_US, role: ATTORNEY}
`)
	if err := os.Symlink(yaml, filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	cases := []struct {
		name                      string
		out, journal, genPassword string
		want                      string
	}{
		{"--out is the manifest", yaml, "", "", "--out " + yaml + " is the manifest"},
		{"--out is the manifest by another path", "./sub/../joiners.yaml", "", "", "is the manifest"},
		{"--journal is the YAML source", "", "hr.csv", "", "--journal hr.csv is a YAML source " + src},
		{"--journal through a link", "", "link.yaml", "", "is the manifest"},
		{"--generate-passwords is the source", "", "", "./hr.csv", "--generate-passwords ./hr.csv is a YAML source"},
		{"--generate-passwords is --out", "r.csv", "", "./r.csv", "are the same file"},
		{"--journal is --out", "r.csv", filepath.Join(dir, "r.csv"), "", "are the same file"},
		{"separate files are accepted", "r.csv", "", "", ""},
	}
	os.Mkdir("sub", 0o755)
	before := map[string][]byte{}
	for _, p := range []string{src, yaml} {
		before[p], _ = os.ReadFile(p)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := newOptions(s.Conn(), yaml)
			o.RateLimit, o.Quiet, o.Out, o.Journal, o.GenPasswords = "1000/1s", true, tc.out, tc.journal, tc.genPassword
			r := start(t, o)
			if tc.want == "" {
				if r.code != 0 {
					t.Fatalf("exit %d %s", r.code, r.stderr)
				}
				return
			}
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d %s, want 2 saying %q", r.code, r.stderr, tc.want)
			}
			for p, b := range before {
				if now, _ := os.ReadFile(p); !bytes.Equal(now, b) {
					t.Fatalf("%s was changed", p)
				}
			}
			if st := s.Stats(); st.TotalCalls != 0 {
				t.Fatalf("%d calls sent before the refusal", st.TotalCalls)
			}
		})
	}
}

func TestDefaultFilesFollowTheManifestNotTheWorkingDirectory(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 1000, Window: time.Second})
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "jobs"), 0o755)
	os.MkdirAll(filepath.Join(root, "elsewhere", "deeper"), 0o755)
	writeFile(t, filepath.Join(root, "jobs"), "m.csv", "name,parent_id\nA,ACTIVE_US!1000\nB,ACTIVE_US!9999\n")
	t.Chdir(filepath.Join(root, "jobs"))
	if r := start(t, tabs(s.Conn(), "m.csv")); r.code != 1 {
		t.Fatalf("first run: exit %d %s", r.code, r.stderr)
	}
	for _, f := range []string{"m.results.csv", "m.results.journal"} {
		if _, err := os.Stat(filepath.Join(root, "jobs", f)); err != nil {
			t.Fatalf("not beside the manifest: %v", err)
		}
	}
	t.Chdir(filepath.Join(root, "elsewhere", "deeper"))
	o := tabs(s.Conn(), "../../jobs/m.csv")
	o.Resume, o.JSON = true, true
	r := start(t, o)
	var sum report.Summary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatalf("exit %d: %v\n%s", r.code, err, r.stderr)
	}
	if sum.CarriedOver != 1 || sum.JournalMissing {
		t.Fatalf("the resume from another directory did not continue the journal: %+v\n%s", sum, r.stderr)
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Fatalf("the run wrote into the working directory: %v", entries)
	}
}

func TestResumeWithoutAJournalSaysSoBeforeItsFirstCall(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 1000, Window: time.Second})
	dir := t.TempDir()
	m := writeFile(t, dir, "tabs.csv", tabsCSV(3))
	for _, asJSON := range []bool{false, true} {
		errOut := &lockedBuffer{}
		var said atomic.Bool
		var first sync.Once
		s.OnRequest(func(int64) {
			first.Do(func() { said.Store(strings.Contains(errOut.String(), "there is no journal at")) })
		})
		var out strings.Builder
		o := tabs(s.Conn(), m)
		o.Out, o.Resume, o.Concurrency, o.MaxAttempts, o.JSON, o.Quiet = filepath.Join(t.TempDir(), "r.csv"), true, 1, 1, asJSON, false
		o.IO = iostreamsOver(&out, errOut)
		if err := Run(t.Context(), o); err != nil {
			t.Fatal(err)
		}
		if !said.Load() {
			t.Fatalf("the first call went out before the run said it found no journal:\n%s", errOut)
		}
		if asJSON {
			var sum report.Summary
			if err := json.Unmarshal([]byte(out.String()), &sum); err != nil || !sum.JournalMissing {
				t.Fatalf("--json: %+v %v\n%s", sum, err, out.String())
			}
		} else if !strings.Contains(errOut.String(), "--resume found no journal at") {
			t.Fatalf("the summary does not say it:\n%s", errOut)
		}
	}
	s.OnRequest(nil)
}

func TestATornJournalIsResumedTwice(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 1000, Window: time.Second})
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", "name,parent_id\nA,ACTIVE_US!1000\nB,ACTIVE_US!9999\n")
	run := func() result {
		o := tabs(s.Conn(), m)
		o.Resume = true
		return start(t, o)
	}
	if r := run(); r.code != 1 {
		t.Fatalf("first run: exit %d %s", r.code, r.stderr)
	}
	journal := filepath.Join(dir, "m.results.journal")
	f, _ := os.OpenFile(journal, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"t":"start","key":"abc#1","ti`) // a crash while writing
	f.Close()
	for i := 0; i < 2; i++ {
		r := run()
		if r.code != 1 || (i == 0 && !strings.Contains(r.stderr, "cut short")) {
			t.Fatalf("resume %d after a torn line: exit %d %s", i+1, r.code, r.stderr)
		}
	}
	if st := s.Stats(); st.Created["tab"] != 1 || st.DuplicateCreations != 0 {
		t.Fatalf("%+v", st)
	}
}

func TestACorruptJournalStopsTheRunBeforeAnyCall(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 1000, Window: time.Second})
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", tabsCSV(2))
	if r := start(t, tabs(s.Conn(), m)); r.code != 0 {
		t.Fatalf("first run: exit %d %s", r.code, r.stderr)
	}
	journal := filepath.Join(dir, "m.results.journal")
	b, _ := os.ReadFile(journal)
	lines := strings.SplitAfter(string(b), "\n")
	lines[1] = "{not json\n"
	os.WriteFile(journal, []byte(strings.Join(lines, "")), 0o600)
	calls := s.Stats().TotalCalls
	o := tabs(s.Conn(), m)
	o.Resume = true
	if r := start(t, o); r.code != 2 || !strings.Contains(r.stderr, journal+" line 2") {
		t.Fatalf("a corrupt line: exit %d %s", r.code, r.stderr)
	}
	if s.Stats().TotalCalls != calls {
		t.Fatal("calls were sent")
	}
}

func TestAFullDiskStopsTheCalls(t *testing.T) {
	for _, which := range []string{"result file", "journal"} {
		t.Run(which, func(t *testing.T) {
			s := runtest.Start(t, sim.Options{RateLimit: 1000, Window: time.Second})
			dir := t.TempDir()
			m := writeFile(t, dir, "tabs.csv", tabsCSV(10))
			out := filepath.Join(dir, "tabs.results.csv")
			target := map[string]string{"result file": out, "journal": filepath.Join(dir, "tabs.results.journal")}[which]
			o := tabs(s.Conn(), m)
			o.Concurrency, o.MaxAttempts = 1, 1
			o.Deps.WrapWrite = func(path string, w io.Writer) io.Writer {
				if path != target {
					return w
				}
				// Room for about two rows, or the header and a few lines.
				return diskfull.After(w, map[string]int{"result file": 150, "journal": 1000}[which])
			}
			r := start(t, o)
			if r.code != int(exit.JobsFailed) || !strings.Contains(r.err.Error(), target) || !strings.Contains(r.err.Error(), "no space") {
				t.Fatalf("exit %d: %v", r.code, r.err)
			}
			rows := readResults(t, out)
			oneRowPerJob(t, rows, 10)
			c := countStatus(rows)
			sent := s.Stats().Calls["addTab"]
			if c[executor.StatusOK] != sent || c[executor.StatusSkipped] != 10-sent || sent == 0 || sent == 10 {
				t.Fatalf("%d calls, rows %v: a call was sent after the failed write", sent, c)
			}
			for _, r := range rows {
				if r.Status == executor.StatusSkipped && !strings.Contains(r.Error, "the run stopped") && !strings.Contains(r.Error, "could not be written") {
					t.Fatalf("skip reason %q", r.Error)
				}
			}
		})
	}
}

func TestWhileAResumeRunsItsResultFileKeepsEveryEarlierRow(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 1000, Window: time.Second})
	dir := t.TempDir()
	// Two tabs fail (no such workspace), two are made.
	m := writeFile(t, dir, "m.csv", "name,parent_id\nA,ACTIVE_US!1000\nB,ACTIVE_US!9998\nC,ACTIVE_US!1001\nD,ACTIVE_US!9999\n")
	out := filepath.Join(dir, "m.results.csv")
	if r := start(t, tabs(s.Conn(), m)); r.code != 1 {
		t.Fatalf("first run: exit %d %s", r.code, r.stderr)
	}
	earlier := rowSet(readResults(t, out))
	// The resume repeats the two failed tabs; when its first call reaches
	// the service, the file still holds all four earlier rows.
	var during []string
	var first sync.Once
	s.OnRequest(func(int64) {
		first.Do(func() {
			rows, err := report.ReadFile(out)
			if err == nil {
				during = rowSet(rows)
			}
		})
	})
	defer s.OnRequest(nil)
	o := tabs(s.Conn(), m)
	o.Resume, o.Concurrency = true, 1
	if r := start(t, o); r.code != 1 {
		t.Fatalf("resume: exit %d %s", r.code, r.stderr)
	}
	for _, r := range earlier {
		if !slices.Contains(during, r) {
			t.Fatalf("during the resume the result file lacked %q:\n%s", r, strings.Join(during, "\n"))
		}
	}
	oneRowPerJob(t, readResults(t, out), 4)
}

func TestOutputsNeverOverwriteTheCredentialFiles(t *testing.T) {
	s := runtest.Start(t, sim.Options{})
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", tabsCSV(1))
	pw := writeFile(t, dir, "pw", "admin\n")
	os.Chmod(pw, 0o600)
	conn := s.Conn()
	conn.Password.File = pw
	o := tabs(conn, m)
	o.Journal = pw
	if r := start(t, o); r.code != 2 || !strings.Contains(r.stderr, "is --password-file") {
		t.Fatalf("--journal over the password file: exit %d %s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(pw); string(b) != "admin\n" {
		t.Fatalf("the password file was changed: %q", b)
	}
}
