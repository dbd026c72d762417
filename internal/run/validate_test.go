package run

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/ratelimit"
	"github.com/firmtools/bulk/internal/remote"
	"github.com/firmtools/bulk/internal/runtest"
	"github.com/firmtools/bulk/internal/sim"
	"github.com/firmtools/bulk/internal/wire"
)

const validUsers = "full_name,id,email,preferred_library,role\nJo Smith,JSMITH,jo@firm.com,ACTIVE_US,ATTORNEY\nAl Jones,AJONES,al@firm.com,ACTIVE_US,PARALEGAL\n"

// validate runs o with buffers for its streams and waits for it.
func validate(t *testing.T, o *ValidateOptions) result {
	t.Helper()
	var out strings.Builder
	errOut := &lockedBuffer{}
	o.IO = iostreamsOver(&out, errOut)
	return ended(Validate(context.Background(), o), &out, errOut)
}

// remoteValidate is validate --remote of m against conn at the fast limit.
func remoteValidate(t *testing.T, conn connect.Options, m, format string) result {
	t.Helper()
	return validate(t, &ValidateOptions{Manifests: []string{m}, Format: format, Remote: true, RateLimit: fast, Conn: conn})
}

// remoteFake answers like the simulator's seed data.
type remoteFake struct{ calls int }

func (f *remoteFake) GetLibraries(context.Context, bool, bool) ([]wire.Library, error) {
	f.calls++
	return []wire.Library{{ID: "ACTIVE_US"}, {ID: "ARCHIVE"}}, nil
}
func (f *remoteFake) GetLibraryRoles(context.Context, wire.GetLibraryRolesRequest) ([]wire.IDDescription, error) {
	f.calls++
	return []wire.IDDescription{{ID: "ATTORNEY"}, {ID: "PARALEGAL"}}, nil
}
func (f *remoteFake) GetLookupAliases(context.Context, wire.GetLookupAliasesRequest) ([]wire.LookupAlias, error) {
	f.calls++
	return nil, nil
}
func (f *remoteFake) GetMyMattersCategories(context.Context, string) ([]wire.MyMattersCategory, error) {
	f.calls++
	return nil, &imanage.Error{Op: wire.OpGetMyMattersCategories, Delivery: imanage.Answered, StatusCode: 404, Code: "USER_NOT_FOUND"}
}

// Like a tenant that predates the schema operations.
func (f *remoteFake) noSchema() (json.RawMessage, error) {
	f.calls++
	return nil, fmt.Errorf("%w: %w", wire.ErrNoOperation, &imanage.Error{Op: "schema", Delivery: imanage.Answered, StatusCode: 404, Code: "NOT_FOUND"})
}
func (f *remoteFake) GetCreateLookupAliasSchema(context.Context, string) (json.RawMessage, error) {
	return f.noSchema()
}
func (f *remoteFake) GetUpdateCustomFieldSchema(context.Context, string) (json.RawMessage, error) {
	return f.noSchema()
}
func (f *remoteFake) GetCreateUserPasswordSchema(context.Context, string) (json.RawMessage, error) {
	return f.noSchema()
}
func (f *remoteFake) GetAddFolderPropertiesSchema(context.Context, string) (json.RawMessage, error) {
	return f.noSchema()
}

func TestValidateRemote(t *testing.T) {
	fake := &remoteFake{}
	released := false
	p := writeFile(t, t.TempDir(), "users.csv", validUsers+"Bo Lee,BLEE,bo@firm.com,ACTIVE_UK,ATTORNEY\n")
	remote := func(rateLimit, format string) result {
		o := &ValidateOptions{Manifests: []string{p}, Manifest: manifest.Options{Action: "create-user"}, Format: format, Remote: true, RateLimit: rateLimit,
			Connect: func(context.Context, ratelimit.Limit) (remote.Service, func(), error) {
				return fake, func() { released = true }, nil
			}}
		return validate(t, o)
	}
	r := remote("2/1s", "text")
	want := p + ":4:preferred_library: preferred_library: the service has no library \"ACTIVE_UK\"; did you mean \"ACTIVE_US\"?\n" +
		"invalid: 1 error in 3 jobs (create-user 3)\n" +
		"already in the service: none of the rows\n" +
		"remote checks: 6 lookups to the service\n" +
		"the service has no getCreateUserPasswordSchema: create_password was checked against the contract's shape\n" +
		"plan:\n" +
		"  create-user                    3 jobs   3 calls\n" +
		"  the service's schemas                    1 call\n" +
		"  total                          3 jobs   4 calls\n" +
		"at 2 calls per 1s (2 at once, then 2 more each window): at least 1s, and the service's answers\n"
	if r.code != 2 || r.stdout != want {
		t.Fatalf("exit %d\n%s\nwant:\n%s\nstderr %q", r.code, r.stdout, want, r.stderr)
	}
	// Libraries, roles, one existence check per user, and the one schema.
	if fake.calls != 6 || !released {
		t.Fatalf("calls %d, released %v", fake.calls, released)
	}
	r = remote("100/1m", "json")
	var rep struct {
		Remote map[string]any `json:"remote"`
		Plan   struct {
			TotalCalls      int     `json:"total_calls"`
			SchemaReads     int     `json:"schema_reads"`
			RateLimit       string  `json:"rate_limit"`
			DurationSeconds float64 `json:"duration_seconds"`
		} `json:"plan"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Remote["calls"] != 6.0 || rep.Remote["schemas"] != 1.0 || rep.Plan.TotalCalls != 4 || rep.Plan.SchemaReads != 1 || rep.Plan.RateLimit != "100/60s" || rep.Plan.DurationSeconds != 0 {
		t.Fatalf("report %+v", rep)
	}
}

func TestValidateRemoteChecksAgainstTheService(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", `action,user_id,full_name,email,preferred_library,role,library_id
create-user,N1,New One,n1@firm.example.com,ACTIVE_US,ATTORNEY,
create-user,N2,New Two,n2@firm.example.com,ACTIVE_US,NOT_A_ROLE,
create-user,N3,New Three,n3@firm.example.com,NO_SUCH_LIB,ATTORNEY,
assign-user-to-library,N1,,,,ATTORNEY,ACTIVE_UK
`)
	r := remoteValidate(t, s.Conn(), m, "text")
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
	if r := remoteValidate(t, s.Conn(), ok, "text"); r.code != 0 || !strings.Contains(r.stdout, "plan") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestValidateRemoteSaysWhatAlreadyExists: before anything is written,
// validate --remote names the rows a run would end exists or conflict.
func TestValidateRemoteSaysWhatAlreadyExists(t *testing.T) {
	s := runtest.Start(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	m := writeFile(t, t.TempDir(), "m.csv", existingManifest)
	r := remoteValidate(t, s.Conn(), m, "text")
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
		"already in the service: 4 as the row asks (a run ends them exists, exit 0), 2 otherwise (a run ends them conflict, exit 1)\n",
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

	r = remoteValidate(t, s.Conn(), m, "json")
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
	checked := runtest.Start(t, sim.Options{})
	r := remoteValidate(t, checked.Conn(), m, "json")
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
	run := runtest.Start(t, sim.Options{})
	o := newOptions(run.Conn(), m)
	o.Out = filepath.Join(dir, "r.csv")
	if r := start(t, o); r.code != 0 {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if st := run.Stats(); st.TotalCalls != rep.Plan.TotalCalls {
		t.Errorf("the run made %d calls (%v); the plan said %d (%v)", st.TotalCalls, st.Calls, rep.Plan.TotalCalls, rep.Plan.Calls)
	}
}

// Rows validate --remote finds already there make no call of their own in
// the plan, as in the run, whose pre-read finds them too.
func TestValidatePlanCountsWhatIsAlreadyThere(t *testing.T) {
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", existingManifest)
	r := remoteValidate(t, runtest.Start(t, sim.Options{}).Conn(), m, "json")
	var rep struct {
		Plan struct {
			TotalCalls int `json:"total_calls"`
			Found      int `json:"found"`
		} `json:"plan"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s%s", err, r.stdout, r.stderr)
	}
	if rep.Plan.Found != 4 { // the aliases there, as asked or not; users are sent anyway
		t.Errorf("plan found %d rows already there, want the 4 aliases", rep.Plan.Found)
	}
	run := runtest.Start(t, sim.Options{})
	o := newOptions(run.Conn(), m)
	o.Out, o.Quiet = filepath.Join(dir, "r.csv"), true
	if r := start(t, o); r.code != 1 { // the conflicts
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if st := run.Stats(); st.TotalCalls != rep.Plan.TotalCalls {
		t.Errorf("the run made %d calls (%v); the plan said %d", st.TotalCalls, st.Calls, rep.Plan.TotalCalls)
	}
}
