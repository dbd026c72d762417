package run

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/report"
	"github.com/firmtools/bulk/internal/runtest"
	"github.com/firmtools/bulk/internal/sim"
)

// existingManifest names seeded users and aliases of the simulator (see
// internal/sim/seed.go), as they are and otherwise, and new ones.
const existingManifest = `action,id,full_name,email,preferred_library,role,library_id,lookup_field_id,alias,alias_description,parent_alias,enabled
create-user,ASMITH,Alice Smith,asmith@example.com,ACTIVE_US,ATTORNEY,,,,,,
create-user,BJONES,Robert Jones,BJONES@example.com,ACTIVE_UK,ATTORNEY,,,,,,
create-user,NEWONE,New One,new.one@firm.example.com,ACTIVE_US,ATTORNEY,,,,,,
create-lookup-alias,,,,,,ACTIVE_US,custom1,1001,Acme Corp,,
create-lookup-alias,,,,,,ACTIVE_US,custom1,1002,Globex Inc,,
create-lookup-alias,,,,,,ACTIVE_US,custom1,1004,Umbrella,,
create-lookup-alias,,,,,,ACTIVE_US,custom2,1001-0001,Acme Corp - General,1001,
create-lookup-alias,,,,,,ACTIVE_US,custom3,NY,New York,,no
`

func TestExistingUsersAndAliasesEndExistsOrConflict(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", existingManifest)
	out := filepath.Join(dir, "m.results.csv")
	o := newOptions(s.Conn(), m)
	o.RateLimit, o.Out, o.JSON, o.Quiet = fast, out, true, true
	r := start(t, o)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (conflicts are failures)\n%s", r.code, r.stderr)
	}
	rows := rowsByNumber(readResults(t, out))
	want := map[int]executor.Status{
		2: executor.StatusExists, 3: executor.StatusConflict, 4: executor.StatusOK,
		5: executor.StatusExists, 6: executor.StatusConflict, 7: executor.StatusOK, 8: executor.StatusExists, 9: executor.StatusConflict,
	}
	for n, st := range want {
		if rows[n].Status != st {
			t.Errorf("row %d: %s (%s), want %s", n, rows[n].Status, rows[n].Error, st)
		}
	}
	// A conflict names each field that differs, with both values.
	for n, wants := range map[int][]string{
		3: {`full_name: the service has "Bob Jones", the row says "Robert Jones"`, `preferred_library: the service has "ACTIVE_US", the row says "ACTIVE_UK"`},
		6: {`alias_description: the service has "Globex", the row says "Globex Inc"`},
		9: {`enabled: the service has "true", the row says "false"`},
	} {
		for _, w := range wants {
			if !strings.Contains(rows[n].Error, w) {
				t.Errorf("row %d error %q lacks %q", n, rows[n].Error, w)
			}
		}
	}
	if strings.Contains(rows[3].Error, "email") {
		t.Errorf("e-mail addresses differing only in case are the same: %q", rows[3].Error)
	}
	if rows[2].UserCreated != "false" || rows[2].UserNum == "" || rows[2].ObjectID != "ASMITH" {
		t.Errorf("exists row keeps the service's answer: %+v", rows[2])
	}

	// Nothing existing was written to: one user and one alias created, and
	// one read of the aliases per library, field and parent.
	st := s.Stats()
	if st.Created["user"] != 1 || st.Created["alias"] != 1 {
		t.Fatalf("created %v", st.Created)
	}
	if st.Calls["createCustomOrPropertyLookup"] != 1 || st.Calls["getLookupAliases"] != 3 {
		t.Fatalf("calls %v: want 1 alias create and 3 reads", st.Calls)
	}

	var sum report.Summary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatalf("--json: %v\n%s", err, r.stdout)
	}
	if sum.Total != (executor.Tally{OK: 2, Exists: 3, Conflict: 3}) || *sum.Actions["create-lookup-alias"] != (executor.Tally{OK: 1, Exists: 2, Conflict: 2}) {
		t.Fatalf("summary %+v, create-lookup-alias %+v", sum.Total, *sum.Actions["create-lookup-alias"])
	}
	if sum.Calls != int64(st.TotalCalls) {
		t.Fatalf("summary counts %d calls, the service saw %d", sum.Calls, st.TotalCalls)
	}
	journal, _ := os.ReadFile(filepath.Join(dir, "m.results.journal"))
	if !strings.Contains(string(journal), `"status":"exists"`) || !strings.Contains(string(journal), `"status":"conflict"`) {
		t.Fatalf("the journal lacks the new statuses:\n%s", journal)
	}

	// Resume: ok and exists are carried over; a conflict runs again (the
	// manifest or the service may have been put right), and still conflicts.
	before := s.Stats()
	o = newOptions(s.Conn(), m)
	o.RateLimit, o.Out, o.Resume = fast, out, true
	r = start(t, o)
	if r.code != 1 {
		t.Fatalf("resume: exit %d\n%s", r.code, r.stderr)
	}
	after := s.Stats()
	if d := after.Calls["createUser"] - before.Calls["createUser"]; d != 1 {
		t.Fatalf("resume sent createUser %d times, want once (BJONES)", d)
	}
	if d := after.Calls["getLookupAliases"] - before.Calls["getLookupAliases"]; d != 2 {
		t.Fatalf("resume read aliases %d times, want 2 (custom1 and custom3)", d)
	}
	if after.Calls["createCustomOrPropertyLookup"] != before.Calls["createCustomOrPropertyLookup"] {
		t.Fatal("resume sent an alias create")
	}
	rows = rowsByNumber(readResults(t, out))
	for n, st := range want {
		if rows[n].Status != st {
			t.Errorf("after resume, row %d: %s, want %s", n, rows[n].Status, st)
		}
	}
	for _, w := range []string{"action               ok  exists  failed  conflict  skipped  unknown\n",
		"create-lookup-alias  1   2       0       2         0        0\n",
		"total                2   3       0       3         0        0\n",
		"5 jobs carried over from the journal (ok or exists in an earlier run)"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("summary lacks %q:\n%s", w, r.stderr)
		}
	}
}

func TestExistsAloneExitsZero(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", `action,id,full_name,email,preferred_library,role,library_id,lookup_field_id,alias,alias_description
create-user,CWONG,Carol Wong,Cwong@Example.com,ACTIVE_US,ATTORNEY,,,,
create-lookup-alias,,,,,,ACTIVE_UK,custom29,LIT,Litigation
`)
	out := filepath.Join(dir, "r.csv")
	o := newOptions(s.Conn(), m)
	o.RateLimit, o.Out, o.Quiet = fast, out, true
	r := start(t, o)
	if r.code != 0 {
		t.Fatalf("exit %d: rows that already exist as asked are a success\n%s", r.code, r.stderr)
	}
	rows := readResults(t, out)
	if c := countStatus(rows); c[executor.StatusExists] != 2 {
		t.Fatalf("statuses %v", c)
	}
	// The simulator shows enabled and hipaa, so everything was compared.
	for _, row := range rows {
		if strings.Contains(row.Note, "not compared") {
			t.Errorf("row %d: %q", row.Row, row.Note)
		}
	}
	if st := s.Stats(); st.Calls["createCustomOrPropertyLookup"] != 0 || st.Created["user"] != 0 {
		t.Fatalf("calls %v created %v", st.Calls, st.Created)
	}
}

// TestAnswerLostThenExistingIsThatAttemptsSuccess: the service applies a
// create and the answer is lost; the repeat finds the object. That is the
// first attempt's success, and the row says so.
func TestAnswerLostThenExistingIsThatAttemptsSuccess(t *testing.T) {
	p := runtest.StartProxy(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dropped := map[string]bool{}
	p.Set(func(op string, body []byte) runtest.Fault {
		if (op == "createUser" || op == "createCustomOrPropertyLookup") && !dropped[op] {
			dropped[op] = true
			return runtest.DropAnswer
		}
		return runtest.Pass
	}, nil)
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", `action,id,full_name,email,preferred_library,role,library_id,lookup_field_id,alias
create-user,NEWA,New A,new.a@firm.example.com,ACTIVE_US,ATTORNEY,,,
create-lookup-alias,,,,,,ACTIVE_US,custom4,A9
`)
	out := filepath.Join(dir, "r.csv")
	o := newOptions(p.Conn(), m)
	o.RateLimit, o.Out, o.Quiet, o.Concurrency = fast, out, true, 1
	r := start(t, o)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, row := range readResults(t, out) {
		if row.Status != executor.StatusOK || row.Attempts != 2 || !strings.Contains(row.Note, "earlier attempt") {
			t.Errorf("row %d: %s after %d attempts, note %q", row.Row, row.Status, row.Attempts, row.Note)
		}
	}
	if st := p.Stats(); st.Created["user"] != 1 || st.Created["alias"] != 1 || st.DuplicateCreations != 0 {
		t.Fatalf("created %v, %d duplicates", st.Created, st.DuplicateCreations)
	}
}

// TestCreateUserAnswerWithoutFields: createUser's answer declares no
// required field. What the service did not send is an empty cell, never
// false or 0, and never makes the row exists.
func TestCreateUserAnswerWithoutFields(t *testing.T) {
	p := runtest.StartProxy(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	p.Set(nil, func(op string, answer []byte) []byte {
		if op != "createUser" {
			return answer
		}
		var env struct{ Data map[string]any }
		if err := json.Unmarshal(answer, &env); err != nil {
			t.Errorf("sim answer %s: %v", answer, err)
			return answer
		}
		switch env.Data["id"] {
		case "BARE":
			for _, k := range []string{"user_created", "user_num", "id"} {
				delete(env.Data, k)
			}
		case "ASMITH":
			for _, k := range []string{"full_name", "email", "preferred_library", "is_external"} {
				delete(env.Data, k)
			}
		}
		b, _ := json.Marshal(map[string]any{"data": env.Data})
		return b
	})
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", `id,full_name,email,preferred_library,role
BARE,Bare Answer,bare@firm.example.com,ACTIVE_US,ATTORNEY
ASMITH,Alice Smith,asmith@example.com,ACTIVE_US,ATTORNEY
`)
	out := filepath.Join(dir, "r.csv")
	o := newOptions(p.Conn(), m)
	o.Manifest.Action, o.RateLimit, o.Out, o.Quiet = "create-user", fast, out, true
	if r := start(t, o); r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	rows := rowsByNumber(readResults(t, out))
	bare := rows[2]
	if bare.Status != executor.StatusOK || bare.UserCreated != "" || bare.UserNum != "" || bare.ObjectID != "BARE" {
		t.Errorf("bare answer: %+v", bare)
	}
	for _, w := range []string{"no id: the row's id is shown", "no user_num", "did not say whether it created the user"} {
		if !strings.Contains(bare.Note, w) {
			t.Errorf("note %q lacks %q", bare.Note, w)
		}
	}
	// user_created: false without the details: exists, and the note says
	// what could not be compared.
	if a := rows[3]; a.Status != executor.StatusExists || a.UserCreated != "false" ||
		!strings.Contains(a.Note, "not compared, the service did not show them: full_name, email, preferred_library, is_external") {
		t.Errorf("ASMITH: %+v", a)
	}
}
