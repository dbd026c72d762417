package main

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/run"
	"github.com/firmtools/bulk/internal/secret"
	"github.com/firmtools/bulk/internal/sim"
)

func TestSamplesRunCleanAgainstSim(t *testing.T) {
	samples, _ := filepath.Glob("../../samples/*")
	var manifests []string
	for _, s := range samples {
		switch filepath.Ext(s) {
		case ".csv", ".yaml", ".yml", ".xlsx":
			if strings.Contains(filepath.Base(s), "export") {
				continue // an HR export, read through a YAML source
			}
			if isRunOutput(filepath.Base(s)) {
				continue // left by running a sample (the README's quick start): not a sample
			}
			manifests = append(manifests, s)
		}
	}
	if len(manifests) < 3 {
		t.Fatalf("only %d samples found", len(manifests))
	}
	for _, m := range manifests {
		t.Run(filepath.Base(m), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.csv")
			r := bulk(t, nil, "run", m, "--sim", "--rate-limit", fast, "--out", out, "--quiet")
			if r.code != 0 {
				t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
			}
			rows := readResults(t, out)
			if len(rows) == 0 {
				t.Fatal("no result rows")
			}
			for _, row := range rows {
				if row.Status != executor.StatusOK {
					t.Fatalf("row %d %s: %s %s", row.Row, row.Action, row.Status, row.Error)
				}
			}
		})
	}
}

func TestExitCodes(t *testing.T) {
	s := startSim(t, sim.Options{RateLimit: 100, Window: 600 * time.Millisecond})
	dir := t.TempDir()
	good := writeFile(t, dir, "good.csv", "action,library_id\nget-library-roles,ACTIVE_US\n")
	missing := writeFile(t, dir, "missing.csv", "action,library_id\nget-library-roles,NO_SUCH_LIB\n")
	wrongPw := s.Env()
	wrongPw["IMANAGE_PASSWORD"] = "wrong-password"
	closed := map[string]string{"IMANAGE_URL": "http://127.0.0.1:1", "IMANAGE_USER": "admin", "IMANAGE_PASSWORD": "x", "IMANAGE_CLIENT_ID": "bulk"}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
	}{
		{"all ok", s.Env(), []string{"run", good, "--rate-limit", fast}, 0},
		{"a job failed", s.Env(), []string{"run", missing, "--rate-limit", fast}, 1},
		{"unknown flag", s.Env(), []string{"run", good, "--no-such-flag", "--rate-limit", fast}, 2},
		{"no manifest", s.Env(), []string{"run"}, 2},
		{"unreadable manifest", s.Env(), []string{"run", filepath.Join(dir, "nope.csv"), "--rate-limit", fast}, 2},
		{"bad rate limit", s.Env(), []string{"run", good, "--rate-limit", "fast"}, 2},
		{"no password", map[string]string{"IMANAGE_URL": s.URL, "IMANAGE_USER": "admin", "IMANAGE_CLIENT_ID": "bulk"}, []string{"run", good, "--rate-limit", fast}, 2},
		{"wrong password", wrongPw, []string{"run", good, "--rate-limit", fast}, 3},
		{"service unreachable", closed, []string{"run", good, "--rate-limit", fast}, 3},
		{"ready token refused", map[string]string{"IMANAGE_URL": s.URL, "IMANAGE_TOKEN": "not-a-token"}, []string{"run", good, "--rate-limit", fast}, 3},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprintf("r%d.csv", i))
			args := append(append([]string{}, tc.args...), "--out", out, "--quiet", "--fresh")
			r := bulk(t, tc.env, args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tc.code, r.stderr)
			}
			if tc.code == 3 {
				rows := readResults(t, out)
				if len(rows) != 1 || rows[0].Status == executor.StatusOK {
					t.Fatalf("rows after a failed sign-in: %+v", rows)
				}
			}
		})
	}
}

func TestRunFlagsParseWithoutIO(t *testing.T) {
	var got *run.Options
	cmd := newRunCmdWith(iostreams.Test(nil, nil, nil, nil), func(_ context.Context, o *run.Options) error { got = o; return nil })
	cmd.SetArgs([]string{"a.csv", "b.yaml", "--sim", "--concurrency", "8", "--rate-limit", "100/600ms", "--max-failures", "5%",
		"--resume", "--retry-unknown", "--set", "preferred_library=ACTIVE_US", "--action", "create-user"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || len(got.Manifests) != 2 || !got.Conn.Sim || got.Concurrency != 8 || got.RateLimit != "100/600ms" ||
		got.MaxFailures != "5%" || !got.Resume || !got.RetryUnknown || got.Manifest.Action != "create-user" ||
		got.Manifest.Set["preferred_library"] != "ACTIVE_US" {
		t.Fatalf("options %+v", got)
	}
}

// The connection is one value filled from the flags and the environment: a
// flag wins over its variable, secrets come only from the environment or
// files, and with --sim no IMANAGE_URL names a second service.
func TestConnectionFromFlagsAndEnvironment(t *testing.T) {
	env := map[string]string{"IMANAGE_URL": "https://env.example.com", "IMANAGE_USER": "envuser", "IMANAGE_CLIENT_ID": "envclient",
		"IMANAGE_PASSWORD": "env-password", "IMANAGE_TOKEN": "env-token", "IMANAGE_CLIENT_SECRET": "env-secret", "BULK_SIM_PASSWORD": "sim-password"}
	parse := func(args ...string) connect.Options {
		t.Helper()
		var got *run.Options
		cmd := newRunCmdWith(iostreams.Test(nil, nil, nil, env), func(_ context.Context, o *run.Options) error { got = o; return nil })
		cmd.SetArgs(append([]string{"m.csv"}, args...))
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		return got.Conn
	}
	c := parse("--user", "flaguser", "--password-file", "pw", "--ca-file", "ca.pem", "--token-url", "https://auth.example.com/token")
	if c.Sim || c.URL != "https://env.example.com" || c.User != "flaguser" || c.ClientID != "envclient" || c.CAFile != "ca.pem" ||
		c.TokenURL != "https://auth.example.com/token" || c.Token.Reveal() != "env-token" ||
		c.Password != (connect.Source{File: "pw", Flag: "--password-file", Value: secret.New("env-password")}) ||
		c.ClientSecret.Value.Reveal() != "env-secret" || c.ClientSecret.Flag != "--client-secret-file" {
		t.Fatalf("connection %+v", c)
	}
	if c := parse("--url", "https://flag.example.com"); c.URL != "https://flag.example.com" {
		t.Fatalf("--url lost to IMANAGE_URL: %s", c.URL)
	}
	c = parse("--sim", "--sim-rate-limit", "100/ms", "--sim-latency", "5ms", "--call-timeout", "1m30s")
	if !c.Sim || c.URL != "" || !reflect.DeepEqual(c.Simulator, connect.Simulator{RateLimit: "100/ms", Latency: 5 * time.Millisecond, Password: "sim-password"}) ||
		c.CallTimeout != 90*time.Second {
		t.Fatalf("--sim connection %+v", c)
	}
}

// --call-timeout is a duration above 0 and at most 2m, refused as it is
// read (exit 2, nothing sent) with the flag and what it takes named; run,
// validate --remote and check take it.
func TestCallTimeoutFlag(t *testing.T) {
	for _, v := range []string{"0", "-5s", "3m", "60", "soon"} {
		for _, cmd := range [][]string{{"run", "m.csv"}, {"validate", "m.csv", "--remote"}, {"check"}} {
			r := bulk(t, nil, append(cmd, "--sim", "--call-timeout", v)...)
			if r.code != 2 || !strings.Contains(r.stderr, `for "--call-timeout" flag: want a duration above 0 and at most 2m`) {
				t.Errorf("%s --call-timeout %s: exit %d, %s", cmd[0], v, r.code, r.stderr)
			}
		}
	}
}

// isRunOutput reports a file a run writes beside its manifest.
func isRunOutput(name string) bool {
	for _, part := range []string{".results.", ".failed.", ".unknown.", ".reads.", ".partial."} {
		if strings.Contains(name, part) {
			return true
		}
	}
	return false
}
