package run

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/report"
	"github.com/firmtools/bulk/internal/runtest"
	"github.com/firmtools/bulk/internal/sim"
)

const schemaManifest = `action,library_id,lookup_field_id,alias,hipaa,full_name,id,email,preferred_library,role,password_create_method,password
create-lookup-alias,ACTIVE_US,custom3,BOS,yes,,,,,,,
create-lookup-alias,ACTIVE_US,custom3,CHI,,,,,,,,
create-user,,,,,Jo Smith,JSMITH,jo@firm.com,ACTIVE_US,ATTORNEY,,
create-user,,,,,Al Jones,AJONES,al@firm.com,ACTIVE_US,ATTORNEY,Create a password,correct horse
`

// tenant serves a simulator behind a hook that may answer a request itself
// (a tenant that differs from the simulator); it returns the connection
// that signs in to it.
func tenant(t *testing.T, inner *sim.Server, hook func(w http.ResponseWriter, r *http.Request) bool) connect.Options {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hook(w, r) {
			inner.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(hs.Close)
	return runtest.AdminConn(hs.URL)
}

// A run reads each schema its rows need once, before the first write,
// counted among its calls, and sends the token in both headers.
func TestRunReadsEachSchemaOnce(t *testing.T) {
	s := runtest.Start(t, sim.Options{})
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", schemaManifest)
	o := newOptions(s.Conn(), m)
	o.Out, o.JSON, o.Quiet = filepath.Join(dir, "r.csv"), true, true
	r := start(t, o)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var sum report.Summary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	want := map[string]int{"getCreateCustomOrPropertyLookupSchema": 1, "getCreateUserPasswordSchema": 2}
	for op, n := range want {
		if st.Calls[op] != n {
			t.Errorf("%s read %d times, want %d", op, st.Calls[op], n)
		}
	}
	if sum.SchemaReads != 3 || len(sum.SchemaFallbacks) != 0 || sum.Calls != int64(st.TotalCalls) {
		t.Errorf("summary: %d schema reads, fallbacks %v, %d calls (simulator saw %d)", sum.SchemaReads, sum.SchemaFallbacks, sum.Calls, st.TotalCalls)
	}
	if st.TokenHeaders["Authorization"] != st.TotalCalls || st.TokenHeaders["X-Auth-Token"] != st.TotalCalls {
		t.Errorf("token headers %v for %d calls", st.TokenHeaders, st.TotalCalls)
	}
}

// A tenant without the schema operations: the run says so once, in its
// output and its summary, and the contract's shapes stand in.
func TestRunFallsBackWhereTheServiceHasNoSchemas(t *testing.T) {
	conn := tenant(t, sim.New(sim.Options{}), func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "Schema") {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"code":"NOT_FOUND","code_message":"no such operation"}}`))
		return true
	})
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", schemaManifest)
	o := newOptions(conn, m)
	o.Out, o.JSON = filepath.Join(dir, "r.csv"), true
	r := start(t, o)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if n := strings.Count(r.stderr, "the service has no getCreateUserPasswordSchema (404)"); n != 1 {
		t.Errorf("the fallback is said %d times in the output:\n%s", n, r.stderr)
	}
	var sum report.Summary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.SchemaFallbacks) != 2 || sum.Total.OK != 4 {
		t.Errorf("fallbacks %v, %d ok", sum.SchemaFallbacks, sum.Total.OK)
	}
}

// A row the service's schema refuses stops the run before any write, with
// the row and column named, and the exit code of an invalid manifest.
func TestRunRefusesRowsTheSchemaRefuses(t *testing.T) {
	inner := sim.New(sim.Options{})
	conn := tenant(t, inner, func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/getCreateCustomOrPropertyLookupSchema") {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":{"type":"object","properties":{"id":{"type":"string","maxLength":8},"description":{"type":"string"}},"additionalProperties":false}}`))
		return true
	})
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", schemaManifest)
	o := newOptions(conn, m)
	o.Out, o.Quiet = filepath.Join(dir, "r.csv"), true
	r := start(t, o)
	if r.code != int(exit.Invalid) {
		t.Fatalf("exit %d, want %d: %s", r.code, exit.Invalid, r.stderr)
	}
	if !strings.Contains(r.stderr, "m.csv:2:hipaa: hipaa: the service's schema for custom3 aliases has no property hipaa") {
		t.Errorf("the refusal does not name the row and column:\n%s", r.stderr)
	}
	st := inner.Stats()
	for _, op := range []string{"createCustomOrPropertyLookup", "createUser"} {
		if st.Calls[op] != 0 {
			t.Errorf("%s was sent %d times", op, st.Calls[op])
		}
	}
	rows := readResults(t, filepath.Join(dir, "r.csv"))
	if c := countStatus(rows); c[executor.StatusSkipped] != 4 {
		t.Errorf("statuses %v, want every row skipped", c)
	}
}
