package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/run"
)

// cliResult is one run of Main.
type cliResult struct {
	code        int
	out, errOut string
}

func runCLI(t *testing.T, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(args, iostreams.Test(strings.NewReader(""), &out, &errOut, nil))
	return cliResult{code, out.String(), errOut.String()}
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidateFlagsParseWithoutIO(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    run.ValidateOptions
		wantErr string
	}{
		{name: "defaults", args: []string{"a.csv"},
			want: run.ValidateOptions{Manifests: []string{"a.csv"}, Format: "text", RateLimit: "100/60s",
				Manifest: manifest.Options{Limits: manifest.Limits{MaxRows: 5_000_000}}}},
		{name: "everything", args: []string{"a.csv", "b.yaml", "--action", "create-user", "--set", "preferred_library=ACTIVE_US",
			"--set", "role = ATTORNEY", "--delimiter", "tab", "--encoding", "windows-1252", "--sheet", "People", "--ignore-columns",
			"--max-rows", "10", "--format", "json", "--remote", "--rate-limit", "100/600ms"},
			want: run.ValidateOptions{Manifests: []string{"a.csv", "b.yaml"}, Format: "json", Remote: true, RateLimit: "100/600ms",
				Manifest: manifest.Options{Action: "create-user", Set: map[string]string{"preferred_library": "ACTIVE_US", "role": " ATTORNEY"},
					Delimiter: '\t', Encoding: "windows-1252", Sheet: "People", IgnoreColumns: true, Limits: manifest.Limits{MaxRows: 10}}}},
		{name: "semicolon by name", args: []string{"a.csv", "--delimiter", "semicolon"},
			want: run.ValidateOptions{Manifests: []string{"a.csv"}, Format: "text", RateLimit: "100/60s",
				Manifest: manifest.Options{Delimiter: ';', Limits: manifest.Limits{MaxRows: 5_000_000}}}},
		{name: "set without =", args: []string{"a.csv", "--set", "role"}, wantErr: `invalid argument "role" for "--set" flag: want FIELD=VALUE, e.g. --set preferred_library=ACTIVE_US`},
		{name: "set twice", args: []string{"a.csv", "--set", "role=A", "--set", "role=B"}, wantErr: `invalid argument "role=B" for "--set" flag: role is set twice`},
		{name: "bad delimiter", args: []string{"a.csv", "--delimiter", ":"}, wantErr: `invalid argument ":" for "--delimiter" flag: want one of "," ";" "|" or "tab"`},
		{name: "bad format", args: []string{"a.csv", "--format", "xml"}, wantErr: `--format "xml": want text or json`},
		{name: "no manifest", args: []string{}, wantErr: "requires at least 1 arg(s), only received 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *run.ValidateOptions
			ios := iostreams.Test(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, nil)
			cmd := newValidateCmdWith(ios, func(_ context.Context, o *run.ValidateOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.IO, got.Conn = nil, connect.Options{}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("options\n got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

const validUsers = "full_name,id,email,preferred_library,role\nJo Smith,JSMITH,jo@firm.com,ACTIVE_US,ATTORNEY\nAl Jones,AJONES,al@firm.com,ACTIVE_US,PARALEGAL\n"

const invalidUsers = "Full Name,ID,E-mail,Preferred Library,Role,Password,Password Create Method\n" +
	"Jo Smith,JSMITH,jo@firm.com,ACTIVE_US,ATTORNEY,s3cr3t!!,Create a password\n" +
	"Al Jones,AL JONES,al@firm,ACTIVE_US,,hunter2,create a password\n" +
	"Jo Smith,JSMITH,jo@firm.com,ACTIVE_US,ATTORNEY,s3cr3t!!,Create a password\n"

func TestValidateText(t *testing.T) {
	good := writeTemp(t, "good.csv", validUsers)
	bad := writeTemp(t, "bad.csv", invalidUsers)
	tests := []struct {
		name   string
		args   []string
		code   int
		out    string
		errOut string
	}{
		{name: "valid", args: []string{"validate", good, "--action", "create-user"}, code: 0,
			out: "valid: 2 jobs (create-user 2)\n"},
		{name: "invalid", args: []string{"validate", bad, "--action", "create-user"}, code: 2,
			out: bad + ":3:E-mail: email: must be an e-mail address like name@firm.com, not \"al@firm\": the part after the @ needs a dot with at least two characters after it, like firm.com\n" +
				bad + ":3:ID: id: must be a user ID like JSMITH (no spaces or control characters), not \"AL JONES\"\n" +
				bad + ":3:Password: password: must be 8 to 128 characters; only with password_create_method \"Create a password\" (never shown back)\n" +
				bad + ":3:Role: role: is required\n" +
				bad + ":4: warning: repeats row 2 exactly (user ID JSMITH); it will run twice\n" +
				"invalid: 4 errors, 1 warning in 3 jobs (create-user 3)\n"},
		{name: "warnings only", args: []string{"validate", writeTemp(t, "dup.csv", validUsers+"Jo Smith,JSMITH,jo@firm.com,ACTIVE_US,ATTORNEY\n"), "--action", "create-user"}, code: 0,
			out: "dup.csv:4: warning: repeats row 2 exactly (user ID JSMITH); it will run twice\nvalid: 3 jobs (create-user 3), 1 warning\n"},
		{name: "missing file", args: []string{"validate", filepath.Join(t.TempDir(), "nope.csv")}, code: 2,
			errOut: "no such file or directory"},
		{name: "unknown action", args: []string{"validate", good, "--action", "create-users"}, code: 2,
			errOut: `bulk: invalid manifest options: --action "create-users" is not an action; did you mean "create-user"?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d; out %q err %q", r.code, tt.code, r.out, r.errOut)
			}
			if tt.out != "" && r.out != tt.out && !strings.HasSuffix(r.out, "/"+tt.out) {
				t.Fatalf("out:\n%s\nwant:\n%s", r.out, tt.out)
			}
			if tt.errOut == "" && r.errOut != "" {
				t.Fatalf("unexpected stderr %q", r.errOut)
			}
			if !strings.Contains(r.errOut, tt.errOut) {
				t.Fatalf("stderr %q, want %q", r.errOut, tt.errOut)
			}
			if strings.Contains(r.out+r.errOut, "s3cr3t!!") || strings.Contains(r.out+r.errOut, "hunter2") {
				t.Fatal("a password was echoed")
			}
		})
	}
}

func TestValidateJSON(t *testing.T) {
	bad := writeTemp(t, "bad.csv", invalidUsers)
	r := runCLI(t, "validate", bad, "--action", "create-user", "--format", "json")
	if r.code != 2 || r.errOut != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
	}
	if strings.Contains(r.out, "s3cr3t!!") || strings.Contains(r.out, "hunter2") {
		t.Fatal("a password was echoed")
	}
	var rep struct {
		Valid     bool             `json:"valid"`
		Jobs      int              `json:"jobs"`
		PerAction map[string]int   `json:"per_action"`
		Errors    int              `json:"errors"`
		Warnings  int              `json:"warnings"`
		Problems  []map[string]any `json:"problems"`
	}
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.out)
	}
	if rep.Valid || rep.Jobs != 3 || rep.PerAction["create-user"] != 3 || rep.Errors != 4 || rep.Warnings != 1 || len(rep.Problems) != 5 {
		t.Fatalf("report %+v", rep)
	}
	p := rep.Problems[0]
	if p["file"] != bad || p["row"] != float64(3) || p["column"] != "E-mail" || p["field"] != "email" || p["severity"] != "error" {
		t.Fatalf("problem %v", p)
	}
	if rep.Problems[4]["severity"] != "warning" {
		t.Fatalf("problem %v", rep.Problems[4])
	}
}

// validate --generate-passwords accepts "Create a password" rows without a
// password, as the run will, and writes nothing; --strict turns warnings
// into errors.
func TestValidateGeneratePasswordsAndStrict(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "u.csv")
	if err := os.WriteFile(m, []byte("id,full_name,email,preferred_library,role,password_create_method\n"+
		"JSMITH,Jo,jo@firm.com,ACTIVE_US,ATTORNEY,Create a password\n"+
		"JSMITH,Jo,jo@firm.com,ACTIVE_US,ATTORNEY,Create a password\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, "validate", m, "--action", "create-user"); r.code != 2 || !strings.Contains(r.out, "password: is required") {
		t.Fatalf("exit %d: %s", r.code, r.out)
	}
	r := runCLI(t, "validate", m, "--action", "create-user", "--generate-passwords")
	if r.code != 0 || !strings.HasSuffix(r.out, "valid: 2 jobs (create-user 2), 1 warning\n") {
		t.Fatalf("exit %d: %s %s", r.code, r.out, r.errOut)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("validate wrote files: %v", entries)
	}
	r = runCLI(t, "validate", m, "--action", "create-user", "--generate-passwords", "--strict", "--format", "json")
	if r.code != 2 || !strings.Contains(r.out, `"errors": 1`) || !strings.Contains(r.out, "(an error with --strict)") {
		t.Fatalf("exit %d: %s", r.code, r.out)
	}
	if r := runCLI(t, "validate", m, "--action", "create-user", "--set", "password=hunter2hunter2"); r.code != 2 ||
		!strings.Contains(r.errOut, "--set password: a password on the command line shows in ps") || strings.Contains(r.errOut, "hunter2hunter2") {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
}
