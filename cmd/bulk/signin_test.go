package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/run"
	"github.com/firmtools/bulk/internal/sim"
)

// profileEnv is an environment with a config file holding content and a
// state folder of its own, sign-ins kept in files.
func profileEnv(t *testing.T, content string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	return map[string]string{"BULK_CONFIG": writeFile(t, dir, "config.yaml", content), "XDG_STATE_HOME": filepath.Join(dir, "state"),
		"HOME": dir, "BULK_CREDENTIAL_STORE": "file"}
}

const profiles = `default: prod
profiles:
  prod:
    url: https://prod.example.com
    user: produser
    client_id: prodclient
    token_url: https://auth.example.com/token
    ca_file: /etc/firm-ca.pem
    rate_limit: 50/60s
    call_timeout: 90s
  test:
    url: https://test.example.com
    user: testuser
    client_id: testclient
`

// parseRun is the run.Options the run command makes of args and env.
func parseRun(t *testing.T, env map[string]string, args ...string) (*run.Options, error) {
	t.Helper()
	var got *run.Options
	cmd := newRunCmdWith(iostreams.Test(nil, nil, nil, env), func(_ context.Context, o *run.Options) error { got = o; return nil })
	cmd.SetArgs(append([]string{"m.csv"}, args...))
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	return got, err
}

// Each setting: a flag, else its environment variable, else the profile,
// else the default. The profile: --profile, else BULK_PROFILE, else the
// file's default.
func TestProfilePrecedence(t *testing.T) {
	env := profileEnv(t, profiles)
	o, err := parseRun(t, env)
	if err != nil {
		t.Fatal(err)
	}
	c := o.Conn
	if c.Profile != "prod" || c.URL != "https://prod.example.com" || c.User != "produser" || c.ClientID != "prodclient" ||
		c.TokenURL != "https://auth.example.com/token" || c.CAFile != "/etc/firm-ca.pem" || o.RateLimit != "50/60s" || c.Store == nil ||
		c.CallTimeout != 90*time.Second {
		t.Fatalf("the default profile: %+v, rate %s", c, o.RateLimit)
	}
	env["IMANAGE_USER"], env["IMANAGE_URL"] = "envuser", "https://env.example.com"
	o, _ = parseRun(t, env, "--user", "flaguser", "--rate-limit", "10/s", "--ca-file", "mine.pem", "--call-timeout", "20s")
	if c := o.Conn; c.User != "flaguser" || c.URL != "https://env.example.com" || c.ClientID != "prodclient" || c.CAFile != "mine.pem" || o.RateLimit != "10/s" ||
		c.CallTimeout != 20*time.Second {
		t.Fatalf("flags and env over the profile: %+v, rate %s", c, o.RateLimit)
	}
	delete(env, "IMANAGE_USER")
	delete(env, "IMANAGE_URL")
	env["BULK_PROFILE"] = "test"
	o, _ = parseRun(t, env)
	if c := o.Conn; c.Profile != "test" || c.User != "testuser" || c.TokenURL != "" || o.RateLimit != "100/60s" || c.CallTimeout != 0 {
		t.Fatalf("BULK_PROFILE over the default, the default rate: %+v, rate %s", c, o.RateLimit)
	}
	o, _ = parseRun(t, env, "--profile", "prod")
	if o.Conn.Profile != "prod" {
		t.Fatalf("--profile over BULK_PROFILE: %s", o.Conn.Profile)
	}
	if _, err := parseRun(t, env, "--profile", "prdo"); err == nil || !strings.Contains(err.Error(), `did you mean "prod"`) {
		t.Fatalf("a misspelt profile: %v", err)
	}
	if _, err := parseRun(t, env, "--sim", "--profile", "prod"); err == nil || !strings.Contains(err.Error(), "two services") {
		t.Fatalf("--sim with --profile: %v", err)
	}
	// --sim reads no profile, even a default one.
	if o, err := parseRun(t, env, "--sim"); err != nil || o.Conn.URL != "" || o.Conn.Profile != "" {
		t.Fatalf("--sim: %+v %v", o, err)
	}
}

func TestConfigListsProfilesAndRefusesSecrets(t *testing.T) {
	r := bulk(t, profileEnv(t, profiles), "config")
	if r.code != 0 || !strings.Contains(r.stdout, "Default profile: prod") || !strings.Contains(r.stdout, "prod (default)") ||
		!strings.Contains(r.stdout, "testclient") || !strings.Contains(r.stdout, "SIGN-IN KEPT") || !strings.Contains(r.stdout, "90s") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	env := profileEnv(t, "profiles:\n  prod:\n    url: x.example.com\n    client_secret: s3cr3t-value\n")
	r = bulk(t, env, "config")
	if r.code != 2 || !strings.Contains(r.stderr, env["BULK_CONFIG"]+":4:") || !strings.Contains(r.stderr, `"client_secret" looks like a secret`) ||
		strings.Contains(r.stderr, "s3cr3t-value") {
		t.Fatalf("a secret in the file: exit %d %s", r.code, r.stderr)
	}
	r = bulk(t, env, "run", "m.csv", "--profile", "prod")
	if r.code != 2 || !strings.Contains(r.stderr, "looks like a secret") {
		t.Fatalf("run with that file: exit %d %s", r.code, r.stderr)
	}
}

// Login once, then run and check with no password; the password, every
// access token and every refresh token are in no output.
func TestLoginRunCheckLogoutWithAProfile(t *testing.T) {
	const adminPw = "Adm1n-Secret-Passw0rd"
	s := startSim(t, sim.Options{ClientIDs: []string{"bulk"}, Password: adminPw, RateLimit: 100, Window: 600 * time.Millisecond})
	env := profileEnv(t, "default: sim\nprofiles:\n  sim:\n    url: "+s.URL+"\n    user: admin\n    client_id: bulk\n    rate_limit: "+fast+"\n")
	var outputs []string
	var refreshTokens []string
	keep := func(r runResult) {
		outputs = append(outputs, r.stdout, r.stderr)
		files, _ := filepath.Glob(filepath.Join(env["XDG_STATE_HOME"], "bulk", "signins", "*.json"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			if i := strings.Index(string(b), `"refresh_token": "`); i >= 0 {
				rest := string(b)[i+len(`"refresh_token": "`):]
				refreshTokens = append(refreshTokens, rest[:strings.Index(rest, `"`)])
			}
		}
	}

	env["IMANAGE_PASSWORD"] = adminPw
	r := bulk(t, env, "login")
	keep(r)
	if r.code != 0 || !strings.Contains(r.stderr, "Signed in to "+s.URL+" as admin") || !strings.Contains(r.stderr, "commands with --profile sim --user admin need no password") {
		t.Fatalf("login: exit %d %s", r.code, r.stderr)
	}
	delete(env, "IMANAGE_PASSWORD")

	dir := t.TempDir()
	m := writeFile(t, dir, "roles.csv", "action,library_id\nget-library-roles,ACTIVE_US\n")
	r = bulk(t, env, "run", m, "--quiet")
	keep(r)
	if r.code != 0 {
		t.Fatalf("run on the kept sign-in: exit %d %s", r.code, r.stderr)
	}
	results, _ := os.ReadFile(filepath.Join(dir, "roles.results.csv"))
	journal, _ := os.ReadFile(filepath.Join(dir, "roles.results.journal"))
	outputs = append(outputs, string(results), string(journal))

	r = bulk(t, env, "check")
	keep(r)
	if r.code != 0 || !strings.Contains(r.stdout, "with the sign-in kept by 'bulk login'") || !strings.Contains(r.stdout, "All is well.") {
		t.Fatalf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = bulk(t, env, "config")
	keep(r)
	if !strings.Contains(r.stdout, "yes, in a file only you can read") {
		t.Fatalf("config after login:\n%s", r.stdout)
	}

	if st := s.Stats(); st.RefreshesGranted != 2 || st.RefreshesRefused != 0 {
		t.Fatalf("refreshes %+v", st)
	}
	secrets := append([]string{adminPw}, refreshTokens...)
	s.Tokens.Range(func(k, _ any) bool { secrets = append(secrets, k.(string)); return true })
	if len(refreshTokens) < 3 || len(secrets) < 6 {
		t.Fatalf("%d refresh tokens and %d secrets seen: nothing much was checked", len(refreshTokens), len(secrets))
	}
	for i, text := range outputs {
		for _, sec := range secrets {
			if strings.Contains(text, sec) {
				t.Fatalf("output %d holds a secret (%d characters):\n%s", i, len(sec), text)
			}
		}
	}

	r = bulk(t, env, "logout")
	if r.code != 0 || !strings.Contains(r.stderr, "Forgot the sign-in for profile sim") {
		t.Fatalf("logout: exit %d %s", r.code, r.stderr)
	}
	r = bulk(t, env, "run", m, "--quiet", "--fresh")
	if r.code != 2 || !strings.Contains(r.stderr, "bulk login") {
		t.Fatalf("run after logout, no password: exit %d %s", r.code, r.stderr)
	}
}

func TestCheckThroughTheCommandLine(t *testing.T) {
	s := startSim(t, sim.Options{ClientIDs: []string{"bulk"}})
	env := s.Env()
	env["IMANAGE_USER"], env["IMANAGE_PASSWORD"] = "viewer", "viewer"
	r := bulk(t, env, "check")
	if r.code != 3 || !strings.Contains(r.stdout, "Admin       NO") || r.stderr != "" {
		t.Fatalf("a viewer: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := bulk(t, nil, "check", "--sim"); r.code != 0 || !strings.Contains(r.stdout, "All is well.") {
		t.Fatalf("--sim: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestLoginWhenTheServiceIssuesNoRefreshToken(t *testing.T) {
	s := startSim(t, sim.Options{NoRefreshTokens: true})
	env := s.Env()
	for k, v := range profileEnv(t, "") {
		env[k] = v
	}
	r := bulk(t, env, "login")
	if r.code != 3 || !strings.Contains(r.stderr, `"Allow Refresh Token"`) || !strings.Contains(r.stderr, "Control Center, Settings, Applications") {
		t.Fatalf("exit %d %s", r.code, r.stderr)
	}
}

func TestVersion(t *testing.T) {
	r := bulk(t, nil, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "bulk ") || !strings.Contains(r.stdout, runtime.Version()) {
		t.Fatalf("exit %d %q", r.code, r.stdout)
	}
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-11-30T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	if got, want := versionLine(info, "windows", "amd64"), "bulk v1.4.0 (commit 0123abcd, 2026-11-30T10:00:00Z, with changes not committed) go1.26.8 windows/amd64"; got != want {
		t.Fatalf("%q\nwant %q", got, want)
	}
	if got := versionLine(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "linux", "amd64"); !strings.Contains(got, "no commit recorded") {
		t.Fatalf("%q", got)
	}
}
