package run

import (
	"encoding/csv"
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

// TestNoSecretInAnyOutput runs a full onboarding with the administrator's
// password, new users' passwords (given and generated) and a failing row,
// then looks for every secret in everything the run wrote.
func TestNoSecretInAnyOutput(t *testing.T) {
	const adminPw = "Adm1n-Secret-Passw0rd"
	s := runtest.Start(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond, Password: adminPw})
	dir := t.TempDir()
	given := []string{"NewUser-Passw0rd-1", "NewUser-Passw0rd-2", "=Formula-Passw0rd"}
	m := writeFile(t, dir, "joiners.csv", `id,full_name,email,preferred_library,role,password_create_method,password,force_password_change
ANEW,A New,anew@firm.example.com,ACTIVE_US,ATTORNEY,Create a password,`+given[0]+`,yes
BNEW,B New,bnew@firm.example.com,ACTIVE_US,ATTORNEY,create a password,`+given[1]+`,no
CNEW,C New,cnew@firm.example.com,ACTIVE_US,NOT_A_ROLE,Create a password,`+given[2]+`,no
DNEW,D New,dnew@firm.example.com,ACTIVE_US,ATTORNEY,Create a password,,yes
`)
	conn := s.Conn()
	conn.Password.Value = secret.New(adminPw)
	out := filepath.Join(dir, "joiners.results.csv")
	pwFile := filepath.Join(dir, "passwords.csv")
	o := newOptions(conn, m)
	o.Manifest.Action, o.Out, o.RateLimit, o.GenPasswords, o.JSON, o.Verbose = "create-user", out, fast, pwFile, true, true
	o.Report = filepath.Join(dir, "report.html")
	r := start(t, o)
	if r.code != 1 {
		t.Fatalf("exit %d (want 1: CNEW's role does not exist)\n%s", r.code, r.stderr)
	}

	// The generated password file: only DNEW, mode 0600.
	st, err := os.Stat(pwFile)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("password file mode %o", st.Mode().Perm())
	}
	f, _ := os.Open(pwFile)
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(recs) != 2 || recs[1][0] != "DNEW" || len(recs[1][1]) < 16 {
		t.Fatalf("password file %v %v", recs, err)
	}
	generated := recs[1][1]

	secrets := append([]string{adminPw, generated}, given...)
	s.Tokens.Range(func(k, _ any) bool { secrets = append(secrets, k.(string)); return true })
	if len(secrets) < 6 {
		t.Fatal("no access token was seen")
	}
	journal, err := os.ReadFile(filepath.Join(dir, "joiners.results.journal"))
	if err != nil {
		t.Fatal(err)
	}
	results, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{"stdout": r.stdout, "stderr": r.stderr, "results": string(results), "journal": string(journal)}
	// Every other file the run wrote: the failed rows' file, the report.
	files, _ := os.ReadDir(dir)
	for _, e := range files {
		if p := filepath.Join(dir, e.Name()); p != pwFile && p != m {
			b, _ := os.ReadFile(p)
			outputs[e.Name()] = string(b)
		}
	}
	for _, want := range []string{"joiners.failed.csv", "report.html"} {
		if outputs[want] == "" {
			t.Fatalf("the run wrote no %s: nothing was checked", want)
		}
	}
	for name, text := range outputs {
		if text == "" && !strings.HasSuffix(name, ".lock") {
			t.Fatalf("%s is empty: nothing was checked", name)
		}
		for _, sec := range secrets {
			if strings.Contains(text, sec) {
				t.Fatalf("%s holds a secret (%d characters)", name, len(sec))
			}
		}
	}
	if n := strings.Count(r.stderr, "msg=job "); n != 4 {
		t.Fatalf("--verbose logged %d job outcomes, want 4:\n%s", n, r.stderr)
	}
	rows := readResults(t, out)
	c := countStatus(rows)
	if c[executor.StatusOK] != 3 || c[executor.StatusFailed] != 1 {
		t.Fatalf("statuses %v", c)
	}

	// A second run must not overwrite the passwords handed out by the first.
	o = newOptions(conn, m)
	o.Manifest.Action, o.Out, o.RateLimit, o.GenPasswords, o.Quiet = "create-user", filepath.Join(dir, "again.csv"), fast, pwFile, true
	r = start(t, o)
	if r.code != 2 || !strings.Contains(r.stderr, "already exists") {
		t.Fatalf("second --generate-passwords: exit %d %s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(pwFile); !strings.Contains(string(b), generated) {
		t.Fatal("the password file was changed")
	}
}
