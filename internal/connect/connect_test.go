package connect_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/ratelimit"
	"github.com/firmtools/bulk/internal/runtest"
	"github.com/firmtools/bulk/internal/secret"
	"github.com/firmtools/bulk/internal/sim"
)

func open(t *testing.T, ios *iostreams.IOStreams, o connect.Options) (*connect.Conn, error) {
	t.Helper()
	if ios == nil {
		ios = iostreams.Test(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, nil)
	}
	c, err := connect.Open(context.Background(), ios, o, connect.Use{Limit: ratelimit.Default, Pace: func(context.Context) (func(error), error) { return func(error) {}, nil }})
	if err == nil {
		t.Cleanup(c.Close)
	}
	return c, err
}

func TestPasswordFileMustBePrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows keeps no Unix mode bits: TestThePasswordFileACLOnWindows checks the file's ACL there")
	}
	s := runtest.Start(t, sim.Options{})
	pw := runtest.WriteFile(t, t.TempDir(), "pw", "admin\n")
	o := s.Conn()
	o.Password = connect.Source{File: pw, Flag: "--password-file"}
	os.Chmod(pw, 0o644)
	if _, err := open(t, nil, o); exit.Of(err) != exit.Invalid || !strings.Contains(err.Error(), "--password-file") || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a world-readable password file: %v", err)
	}
	if s.Stats().TokensIssued != 0 {
		t.Fatal("signed in with a password others may read")
	}
	os.Chmod(pw, 0o600)
	if _, err := open(t, nil, o); err != nil {
		t.Fatal(err)
	}
}

func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	o := runtest.AdminConn("http://imanage.example.com")
	if _, err := open(t, nil, o); exit.Of(err) != exit.Invalid || !strings.Contains(err.Error(), "http") {
		t.Fatalf("plain http to a remote host: %v", err)
	}
}

// Without a password anywhere, a terminal is asked without echo; without
// a terminal, it is a usage error that says where a password may come from.
func TestThePasswordIsAskedOnlyOnATerminal(t *testing.T) {
	s := runtest.Start(t, sim.Options{})
	o := s.Conn()
	o.Password.Value = secret.Secret{}
	if _, err := open(t, nil, o); !errors.Is(err, connect.ErrNoPassword) || exit.Of(err) != exit.Invalid {
		t.Fatalf("no password, no terminal: %v", err)
	}
	var errOut bytes.Buffer
	ios := iostreams.Test(strings.NewReader(""), &bytes.Buffer{}, &errOut, nil)
	ios.InTTY, ios.ReadPassword = true, func() ([]byte, error) { return []byte("admin\n"), nil }
	if _, err := open(t, ios, o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "Password for admin at "+s.URL+": ") {
		t.Fatalf("prompt %q", errOut.String())
	}
}

func TestTheEmbeddedSimulatorIsOneServiceAlone(t *testing.T) {
	c, err := open(t, nil, connect.Options{Sim: true, Simulator: connect.Simulator{RateLimit: "100/ms"}})
	if err != nil || c.Client == nil {
		t.Fatalf("--sim: %v", err)
	}
	if _, err := open(t, nil, connect.Options{Sim: true, URL: "https://cloudimanage.com"}); !errors.Is(err, connect.ErrTwoServices) {
		t.Fatalf("--sim with --url: %v", err)
	}
	if _, err := open(t, nil, connect.Options{Sim: true, Simulator: connect.Simulator{RateLimit: "fast"}}); exit.Of(err) != exit.Invalid ||
		!strings.Contains(err.Error(), "--sim-rate-limit") {
		t.Fatalf("a bad --sim-rate-limit: %v", err)
	}
}

// The embedded simulator serves the tenant properties the options give it
// (--sim-tenant-property), and refuses a bad one as a usage error.
func TestTheEmbeddedSimulatorHasTheTenantsProperties(t *testing.T) {
	tp, err := sim.ParseTenantProperty("aliasInfo.practice_area=Litigation|Tax,required")
	if err != nil {
		t.Fatal(err)
	}
	schemaOf := func(o connect.Options) string {
		t.Helper()
		c, err := open(t, nil, o)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := c.Client.GetCreateLookupAliasSchema(context.Background(), "custom3")
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	got := schemaOf(connect.Options{Sim: true, Simulator: connect.Simulator{TenantProperties: []sim.TenantProperty{tp}}})
	if !strings.Contains(got, `"practice_area":{"enum":["Litigation","Tax"],"type":"string"}`) || !strings.Contains(got, `"required":["id","practice_area"]`) {
		t.Fatalf("the schema served: %s", got)
	}
	if plain := schemaOf(connect.Options{Sim: true}); strings.Contains(plain, "practice_area") {
		t.Fatalf("without tenant properties the schema is %s", plain)
	}
	_, err = open(t, nil, connect.Options{Sim: true, Simulator: connect.Simulator{TenantProperties: []sim.TenantProperty{tp, tp}}})
	if exit.Of(err) != exit.Invalid || !strings.Contains(err.Error(), "--sim-tenant-property: tenant property aliasInfo.practice_area is given twice") {
		t.Fatalf("a property given twice: %v", err)
	}
	_, err = open(t, nil, connect.Options{Sim: true, Simulator: connect.Simulator{FaultRate: 2}})
	if exit.Of(err) != exit.Invalid || !strings.Contains(err.Error(), "--sim-fault-rate") {
		t.Fatalf("a fault rate of 2: %v", err)
	}
}

func TestFilesNameTheirFlags(t *testing.T) {
	o := connect.Options{CAFile: filepath.Join("x", "ca.pem"), Password: connect.Source{File: "pw", Flag: "--password-file"},
		ClientSecret: connect.Source{Flag: "--client-secret-file"}}
	got := o.Files()
	if len(got) != 2 || got[0].What != "--password-file" || got[0].Path != "pw" || got[1].What != "--ca-file" {
		t.Fatalf("files %+v", got)
	}
}

// A password file as Notepad saves it works on every system: UTF-8 with or
// without a byte-order mark, UTF-16 with one, CRLF at the end. A legacy
// code page is refused, not guessed.
func TestPasswordFilesAsNotepadSavesThem(t *testing.T) {
	const pw = "Pässword-1"
	s := runtest.Start(t, sim.Options{Password: pw})
	utf16 := func(bigEndian bool, text string) []byte {
		var b []byte
		if bigEndian {
			b = []byte{0xFE, 0xFF}
		} else {
			b = []byte{0xFF, 0xFE}
		}
		for _, r := range text {
			if bigEndian {
				b = append(b, byte(r>>8), byte(r))
			} else {
				b = append(b, byte(r), byte(r>>8))
			}
		}
		return b
	}
	cases := []struct {
		name    string
		content []byte
		ok      bool
	}{
		{"UTF-8, LF", []byte(pw + "\n"), true},
		{"UTF-8 with a BOM, CRLF", append([]byte{0xEF, 0xBB, 0xBF}, pw+"\r\n"...), true},
		{"UTF-16 LE with a BOM, CRLF", utf16(false, pw+"\r\n"), true},
		{"UTF-16 BE with a BOM", utf16(true, pw), true},
		{"Windows-1252", []byte("P\xe4ssword-1\r\n"), false},
	}
	for _, tc := range cases {
		path := filepath.Join(t.TempDir(), "pw.txt")
		if err := os.WriteFile(path, tc.content, 0o600); err != nil {
			t.Fatal(err)
		}
		o := s.Conn()
		o.Password = connect.Source{File: path, Flag: "--password-file"}
		_, err := open(t, nil, o)
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case !tc.ok && (exit.Of(err) != exit.Invalid || !strings.Contains(err.Error(), "save it as UTF-8")):
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
