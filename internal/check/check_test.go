package check_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/check"
	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/runtest"
	"github.com/firmtools/bulk/internal/secret"
	"github.com/firmtools/bulk/internal/sim"
)

func run(t *testing.T, o connect.Options) (string, exit.Code) {
	t.Helper()
	var out, errOut bytes.Buffer
	ios := iostreams.Test(strings.NewReader(""), &out, &errOut, nil)
	err := check.Run(context.Background(), ios, o)
	if err != nil && !strings.Contains(err.Error(), "silent") {
		return out.String() + err.Error(), exit.Of(err)
	}
	return out.String(), exit.Of(err)
}

func TestCheckAGoodConnection(t *testing.T) {
	s := runtest.Start(t, sim.Options{ClientIDs: []string{"bulk"}, Password: "Adm1n-Secret-Passw0rd"})
	o := s.Conn()
	o.Password.Value, o.Profile = secret.New("Adm1n-Secret-Passw0rd"), "prod-us"
	out, code := run(t, o)
	if code != exit.OK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{"(profile prod-us)", "Reached     yes; TLS: none: plain http", "Signed in   as admin with a password",
		"Libraries   4: ACTIVE_US, ACTIVE_UK, ARCHIVE (hidden), LINKS", "Admin       yes, as far as a read can tell", "the first write is the proof",
		"Calls       2, and the sign-in", "All is well."} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if st := s.Stats(); st.TotalCalls != 2 || st.TokensIssued != 1 {
		t.Fatalf("%d calls and %d sign-ins, want 2 and 1", st.TotalCalls, st.TokensIssued)
	}
	secrets := []string{"Adm1n-Secret-Passw0rd"}
	s.Tokens.Range(func(k, _ any) bool { secrets = append(secrets, k.(string)); return true })
	for _, sec := range secrets {
		if strings.Contains(out, sec) {
			t.Fatal("the output holds a secret")
		}
	}
}

func TestCheckTellsWhatToFix(t *testing.T) {
	s := runtest.Start(t, sim.Options{ClientIDs: []string{"bulk"}})
	cases := []struct {
		name   string
		mutate func(*connect.Options)
		want   []string
	}{
		{"a wrong password", func(o *connect.Options) { o.Password.Value = secret.New("not-the-password") },
			[]string{"Signed in   NO", "wrong user ID or password", "bulk login --browser"}},
		{"an unknown client ID", func(o *connect.Options) { o.ClientID = "typo-client" },
			[]string{"Signed in   NO", "INVALID_CLIENT", "client ID is not registered"}},
		{"a user who is no administrator", func(o *connect.Options) { o.User, o.Password.Value = sim.ViewerUser, secret.New("viewer") },
			[]string{"Signed in   as viewer", "Libraries   4:", "Admin       NO, the service refused viewer another user's My Matters (INSUFFICIENT_RIGHTS)", "not an administrator"}},
	}
	for _, tc := range cases {
		o := s.Conn()
		tc.mutate(&o)
		out, code := run(t, o)
		if code != exit.Unreachable {
			t.Errorf("%s: exit %d, want 3\n%s", tc.name, code, out)
		}
		for _, want := range tc.want {
			if !strings.Contains(out, want) {
				t.Errorf("%s: no %q in\n%s", tc.name, want, out)
			}
		}
		if strings.Contains(out, "not-the-password") {
			t.Errorf("%s: the output shows the password", tc.name)
		}
	}
}

func TestCheckTLS(t *testing.T) {
	srv := sim.New(sim.Options{})
	ts := httptest.NewTLSServer(srv)
	t.Cleanup(ts.Close)
	o := runtest.AdminConn(ts.URL)
	out, code := run(t, o)
	if code != exit.Unreachable || !strings.Contains(out, "TLS: FAILED") || !strings.Contains(out, "--ca-file") {
		t.Fatalf("an untrusted certificate: exit %d\n%s", code, out)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	o.CAFile = ca
	out, code = run(t, o)
	if code != exit.OK || !strings.Contains(out, "TLS: TLS 1.3, certificate for example.com") {
		t.Fatalf("trusted with --ca-file: exit %d\n%s", code, out)
	}
}

func TestCheckAServiceThatIsNotThere(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	out, code := run(t, runtest.AdminConn("http://"+addr))
	if code != exit.Unreachable || !strings.Contains(out, "Reached     NO") || !strings.Contains(out, "nothing answers at that address") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestCheckSettingsMissingIsAUsageError(t *testing.T) {
	if _, code := run(t, connect.Options{}); code != exit.Invalid {
		t.Fatalf("no service: exit %d", code)
	}
}
