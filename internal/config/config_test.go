package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const good = `default: prod-us
profiles:
  prod-us:
    url: cloudimanage.com
    user: BULKADMIN
    client_id: bulk-prod
    rate_limit: 100/60s
    call_timeout: 90s
  test-eu:
    url: eu.cloudimanage.com
    user: jdoe
    client_id: bulk-test
    token_url: https://eu.cloudimanage.com/auth/oauth2/token
    ca_file: /etc/ssl/firm-proxy.pem
    sign_in: browser
  token-test:   # a profile's name is a name, not a key
    url: test.example.com
`

func TestLoadAndChooseAProfile(t *testing.T) {
	f, err := Load(write(t, good), true)
	if err != nil {
		t.Fatal(err)
	}
	p, name, err := f.Profile("")
	if err != nil || name != "prod-us" || p.URL != "cloudimanage.com" || p.RateLimit != "100/60s" || p.CallTimeout != "90s" {
		t.Fatalf("the default: %q %+v %v", name, p, err)
	}
	p, name, err = f.Profile("test-eu")
	if err != nil || name != "test-eu" || p.SignIn != SignInBrowser || p.CAFile != "/etc/ssl/firm-proxy.pem" || p.TokenURL == "" {
		t.Fatalf("test-eu: %+v %v", p, err)
	}
	if _, _, err := f.Profile("test-e"); err == nil || !strings.Contains(err.Error(), `did you mean "test-eu"`) {
		t.Fatalf("a misspelt profile: %v", err)
	}
	if got := strings.Join(f.Names(), ","); got != "prod-us,test-eu,token-test" {
		t.Fatalf("names %s", got)
	}
}

func TestSecretsAreRefusedNamingFileLineAndKey(t *testing.T) {
	for _, key := range []string{"password", "client_secret", "token", "refresh_token", "access-token", "Password", "api_key"} {
		p := write(t, "profiles:\n  prod:\n    url: x.example.com\n    "+key+": hunter2-hunter2\n")
		_, err := Load(p, true)
		if err == nil || !strings.Contains(err.Error(), p+":4:") || !strings.Contains(err.Error(), `key "`+key+`" looks like a secret`) {
			t.Errorf("%s: %v", key, err)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the message shows the value: %v", key, err)
		}
	}
	// At the top, too.
	if _, err := Load(write(t, "password: x\n"), true); err == nil || !strings.Contains(err.Error(), "looks like a secret") {
		t.Errorf("a top-level password: %v", err)
	}
}

func TestUnknownKeysAreRefusedWithASuggestion(t *testing.T) {
	cases := []struct{ content, want string }{
		{"profiles:\n  a:\n    clientid: x\n", `:3: profiles: a: unknown key "clientid"; did you mean "client_id"?`},
		{"defualt: a\n", `:1: unknown key "defualt"; did you mean "default"?`},
		{"profiles:\n  a:\n    url: x\n    sign_in: kerberos\n", `sign_in "kerberos": want password or browser`},
		{"profiles:\n  a:\n    url: x\n    call_timeout: 0\n", `profiles: a: call_timeout "0": want a duration above 0 and at most 2m`},
		{"profiles:\n  a:\n    url: x\n    call_timeout: 60\n", `call_timeout "60": want a duration`},
		{"profiles:\n  a:\n    url: x\n    call_timeout: 10m\n", `call_timeout "10m": want a duration`},
		{"default: b\nprofiles:\n  a:\n    url: x\n", `default: no profile is named "b"`},
		{"profiles: [a, b]\n", "want a mapping of profile names"},
		{"profiles:\n  a:\n    url: [1, 2]\n", "cannot unmarshal"},
	}
	for _, tc := range cases {
		if _, err := Load(write(t, tc.content), true); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.content, err, tc.want)
		}
	}
}

func TestAMissingFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.yaml")
	f, err := Load(missing, false)
	if err != nil || len(f.Profiles) != 0 {
		t.Fatalf("the default place, missing: %v", err)
	}
	if _, _, err := f.Profile("prod"); err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("a profile from a missing file: %v", err)
	}
	if _, err := Load(missing, true); err == nil {
		t.Fatal("BULK_CONFIG naming a missing file is not an error")
	}
	if _, err := Load(write(t, ""), true); err != nil {
		t.Fatalf("an empty file: %v", err)
	}
}

func TestWhereTheFilesAre(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		goos      string
		env       map[string]string
		cfg, stat string
	}{
		{"linux", map[string]string{"HOME": "/home/a"}, "/home/a/.config/bulk/config.yaml", "/home/a/.local/state"},
		{"linux", map[string]string{"HOME": "/home/a", "XDG_CONFIG_HOME": "/x/cfg", "XDG_STATE_HOME": "/x/state"}, "/x/cfg/bulk/config.yaml", "/x/state"},
		{"linux", map[string]string{"HOME": "/home/a", "BULK_CONFIG": "/etc/bulk.yaml"}, "/etc/bulk.yaml", "/home/a/.local/state"},
		{"darwin", map[string]string{"HOME": "/Users/a"}, "/Users/a/Library/Application Support/bulk/config.yaml", "/Users/a/.local/state"},
		{"windows", map[string]string{"APPDATA": `C:\Users\a\AppData\Roaming`, "LOCALAPPDATA": `C:\Users\a\AppData\Local`},
			filepath.Join(`C:\Users\a\AppData\Roaming`, "bulk", "config.yaml"), `C:\Users\a\AppData\Local`},
		{"linux", map[string]string{}, "", ""},
	}
	for _, tc := range cases {
		if got := Path(env(tc.env), tc.goos); got != filepath.FromSlash(tc.cfg) && got != tc.cfg {
			t.Errorf("%s %v: config %q, want %q", tc.goos, tc.env, got, tc.cfg)
		}
		if got := StateDir(env(tc.env), tc.goos); got != filepath.FromSlash(tc.stat) && got != tc.stat {
			t.Errorf("%s %v: state %q, want %q", tc.goos, tc.env, got, tc.stat)
		}
	}
}
