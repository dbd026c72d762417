package main

import (
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
