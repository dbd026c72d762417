package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/sim"
)

func TestValidateRemoteChecksAgainstTheService(t *testing.T) {
	s := startSim(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", `action,user_id,full_name,email,preferred_library,role,library_id
create-user,N1,New One,n1@firm.example.com,ACTIVE_US,ATTORNEY,
create-user,N2,New Two,n2@firm.example.com,ACTIVE_US,NOT_A_ROLE,
create-user,N3,New Three,n3@firm.example.com,NO_SUCH_LIB,ATTORNEY,
assign-user-to-library,N1,,,,ATTORNEY,ACTIVE_UK
`)
	r := bulk(t, s.env(), "validate", m, "--remote", "--rate-limit", fast)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"m.csv:3:", "NOT_A_ROLE", "m.csv:4:", "NO_SUCH_LIB"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	st := s.Stats()
	for op, n := range st.Calls {
		if !strings.HasPrefix(op, "get") {
			t.Fatalf("--remote made a write: %s", op)
		}
		if op == "getLibraries" && n != 1 {
			t.Fatalf("libraries looked up %d times", n)
		}
	}
	if st.Calls["getLibraryRoles"] > 2 {
		t.Fatalf("roles looked up %d times for two libraries", st.Calls["getLibraryRoles"])
	}
	// The valid rows alone pass.
	ok := writeFile(t, dir, "ok.csv", "action,user_id,full_name,email,preferred_library,role\ncreate-user,N1,New One,n1@firm.example.com,ACTIVE_US,ATTORNEY\n")
	if r := bulk(t, s.env(), "validate", ok, "--remote", "--rate-limit", fast); r.code != 0 || !strings.Contains(r.stdout, "plan") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestValidateRemoteSaysWhatAlreadyExists: before anything is written,
// validate --remote names the rows a run would end exists or conflict.
func TestValidateRemoteSaysWhatAlreadyExists(t *testing.T) {
	s := startSim(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	m := writeFile(t, t.TempDir(), "m.csv", existingManifest)
	r := bulk(t, s.env(), "validate", m, "--remote", "--rate-limit", fast)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2: a conflict is an error\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"m.csv:2: exists: create-user ASMITH: the service already has user ASMITH; no read shows its full name, email, preferred library or external flag",
		"m.csv:3: exists: create-user BJONES:", // the run finds the conflict in createUser's answer
		"m.csv:5: exists: create-lookup-alias ACTIVE_US/custom1/1001: already in the service as the row asks",
		"m.csv:8: exists: create-lookup-alias ACTIVE_US/custom2/1001/1001-0001:",
		`m.csv:6:alias_description: alias_description: conflict: already in the service, but not as the row asks: alias_description: the service has "Globex", the row says "Globex Inc"`,
		`m.csv:9:enabled: enabled: conflict:`,
		"already in the service: 4 as the row asks (the run ends it exists, exit 0), 2 otherwise (conflict, exit 1)\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "NEWONE") || strings.Contains(r.stdout, "1004") {
		t.Errorf("new rows reported as existing:\n%s", r.stdout)
	}
	st := s.Stats()
	for op := range st.Calls {
		if !strings.HasPrefix(op, "get") {
			t.Fatalf("--remote made a write: %s", op)
		}
	}
	if st.Calls["getLookupAliases"] != 3 {
		t.Fatalf("%d alias reads, want 3 (custom1, custom2 under 1001, custom3)", st.Calls["getLookupAliases"])
	}

	r = bulk(t, s.env(), "validate", m, "--remote", "--rate-limit", fast, "--format", "json")
	var rep struct {
		Valid    bool             `json:"valid"`
		Remote   map[string]int   `json:"remote"`
		Existing []map[string]any `json:"existing"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if rep.Valid || rep.Remote["exists"] != 4 || rep.Remote["conflicts"] != 2 || len(rep.Existing) != 6 {
		t.Fatalf("report %+v", rep)
	}
	if e := rep.Existing[0]; e["row"] != float64(2) || e["status"] != "exists" || e["compared"] != false || e["key"] != "ASMITH" {
		t.Fatalf("first entry %v", e)
	}
	if e := rep.Existing[3]; e["row"] != float64(6) || e["status"] != "conflict" || e["compared"] != true {
		t.Fatalf("conflict entry %v", e)
	}
}

// The plan validate --remote prints is what a run makes: three identical
// reads are one call, as the run sends them, and the pre-read and schema
// reads are counted as the run makes them.
func TestValidatePlanIsWhatTheRunMakes(t *testing.T) {
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", `action,library_id,user_id,full_name,email,preferred_library,role,lookup_field_id,alias
get-library-roles,ACTIVE_US,,,,,,,
get-library-roles,ACTIVE_US,,,,,,,
get-library-roles,ACTIVE_US,,,,,,,
create-user,,N1,New One,n1@firm.example.com,ACTIVE_US,ATTORNEY,,
create-lookup-alias,ACTIVE_US,,,,,,custom3,ZRH
`)
	checked := startSim(t, sim.Options{})
	r := bulk(t, checked.env(), "validate", m, "--remote", "--rate-limit", fast, "--format", "json")
	var rep struct {
		Plan struct {
			Calls      map[string]int `json:"calls"`
			TotalCalls int            `json:"total_calls"`
		} `json:"plan"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if rep.Plan.Calls["get-library-roles"] != 1 {
		t.Errorf("three identical reads planned as %d calls", rep.Plan.Calls["get-library-roles"])
	}
	run := startSim(t, sim.Options{})
	if r := bulk(t, run.env(), "run", m, "--out", filepath.Join(dir, "r.csv")); r.code != 0 {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if st := run.Stats(); st.TotalCalls != rep.Plan.TotalCalls {
		t.Errorf("the run made %d calls (%v); the plan said %d (%v)", st.TotalCalls, st.Calls, rep.Plan.TotalCalls, rep.Plan.Calls)
	}
}
