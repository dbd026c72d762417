package imanage

import (
	"crypto/tls"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/secret"
)

func TestNormalizeBaseURL(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "cloudimanage.com", want: "https://cloudimanage.com"},
		{in: "  cloudimanage.com/  ", want: "https://cloudimanage.com"},
		{in: "https://eu.cloudimanage.com/", want: "https://eu.cloudimanage.com"},
		{in: "HTTPS://EU.CloudiManage.com", want: "https://eu.cloudimanage.com"},
		{in: "https://work.example.com:8443/prefix//", want: "https://work.example.com:8443/prefix"},
		{in: "work.example.com:8443", want: "https://work.example.com:8443"},
		{in: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{in: "http://127.8.9.10:8080/", want: "http://127.8.9.10:8080"},
		{in: "http://localhost:8080", want: "http://localhost:8080"},
		{in: "http://LOCALHOST", want: "http://localhost"},
		{in: "http://[::1]:9000/", want: "http://[::1]:9000"},
		{in: "", wantErr: "empty"},
		{in: "   ", wantErr: "empty"},
		{in: "http://cloudimanage.com", wantErr: "only allowed for a loopback host"},
		{in: "http://10.0.0.1", wantErr: "only allowed for a loopback host"},
		{in: "http://localhost.evil.com", wantErr: "only allowed for a loopback host"},
		{in: "ftp://cloudimanage.com", wantErr: `scheme "ftp" is not supported`},
		{in: "https://", wantErr: "no host"},
		{in: "https:///path", wantErr: "no host"},
		{in: "https://admin:hunter2@cloudimanage.com", wantErr: "must not contain a user name or password"},
		{in: "https://cloudimanage.com/?x=1", wantErr: "query or fragment"},
		{in: "https://cloudimanage.com/#top", wantErr: "query or fragment"},
		{in: "https://cloud imanage.com", wantErr: "not a URL"},
		{in: "https://cloudimanage.com:port", wantErr: "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := NormalizeBaseURL(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NormalizeBaseURL(%q) = %v, %v; want error with %q", tt.in, u, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error repeats the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NormalizeBaseURL(%q): %v", tt.in, err)
			}
			if u.String() != tt.want {
				t.Errorf("NormalizeBaseURL(%q) = %q, want %q", tt.in, u, tt.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name      string
		cfg       Config
		wantErr   string
		wantBase  string
		wantToken string
	}{
		{
			name:      "password sign-in",
			cfg:       Config{BaseURL: "eu.cloudimanage.com/", Username: "a", Password: secret.New("p")},
			wantBase:  "https://eu.cloudimanage.com",
			wantToken: "https://eu.cloudimanage.com/auth/oauth2/token",
		},
		{
			name:      "token URL override",
			cfg:       Config{BaseURL: "x.example", TokenURL: "https://login.example/oauth/token", Token: secret.New("t")},
			wantBase:  "https://x.example",
			wantToken: "https://login.example/oauth/token",
		},
		{name: "no way to sign in", cfg: Config{BaseURL: "x.example", Username: "a"}, wantErr: "no way to sign in"},
		{name: "password without user", cfg: Config{BaseURL: "x.example", Password: secret.New("p")}, wantErr: "no user name"},
		{name: "bad base URL", cfg: Config{BaseURL: "http://x.example", Token: secret.New("t")}, wantErr: "loopback"},
		{name: "bad token URL", cfg: Config{BaseURL: "x.example", TokenURL: "http://y.example/t", Token: secret.New("t")}, wantErr: "token URL"},
		{name: "negative timeout", cfg: Config{BaseURL: "x.example", Token: secret.New("t"), Timeout: -time.Second}, wantErr: "negative"},
		{name: "negative size limit", cfg: Config{BaseURL: "x.example", Token: secret.New("t"), MaxAnswerBytes: -1}, wantErr: "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New = %v; want error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.BaseURL() != tt.wantBase || c.tokenURL != tt.wantToken {
				t.Errorf("base %q token URL %q; want %q %q", c.BaseURL(), c.tokenURL, tt.wantBase, tt.wantToken)
			}
			if c.timeout != defaultTimeout || c.maxAnswer != defaultMaxAnswerBytes {
				t.Errorf("defaults: timeout %v max %d", c.timeout, c.maxAnswer)
			}
		})
	}
}

func TestNewKeepsCallersRedirectPolicy(t *testing.T) {
	followed := false
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { followed = true; return nil }}
	c := newTestClient(t, Config{BaseURL: "x.example", Token: secret.New("t"), HTTPClient: hc})
	if c.hc == hc || c.hc.CheckRedirect == nil || hc.CheckRedirect == nil {
		t.Fatal("the client must use a copy of the caller's http.Client")
	}
	if err := c.hc.CheckRedirect(nil, nil); !errors.Is(err, http.ErrUseLastResponse) || followed {
		t.Errorf("the client's copy follows redirects")
	}
}

func TestNewHTTPClient(t *testing.T) {
	ts := httptest.NewUnstartedServer(&fakeService{op: func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"data":["ok"]}`)
	}})
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	ts.StartTLS()
	t.Cleanup(ts.Close)
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		caFile     string
		wantNewErr string
		wantCall   bool
	}{
		{name: "the test CA trusted", caFile: caFile, wantCall: true},
		{name: "system roots only: the test certificate is refused", wantCall: false},
		{name: "missing CA file", caFile: filepath.Join(dir, "nope.pem"), wantNewErr: "reading CA certificates"},
		{name: "CA file without PEM", caFile: notPEM, wantNewErr: "no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hc, err := NewHTTPClient(tt.caFile)
			if tt.wantNewErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantNewErr) {
					t.Fatalf("NewHTTPClient = %v; want error with %q", err, tt.wantNewErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tlsCfg := hc.Transport.(*http.Transport).TLSClientConfig
			if tlsCfg.MinVersion < tls.VersionTLS12 || tlsCfg.InsecureSkipVerify {
				t.Errorf("TLS config: min version %x, skip verify %v", tlsCfg.MinVersion, tlsCfg.InsecureSkipVerify)
			}
			// httptest's certificate is for 127.0.0.1, an https URL on loopback.
			c := newTestClient(t, Config{BaseURL: ts.URL, Token: secret.New("a-ready-access-token"), HTTPClient: hc})
			_, err = c.GetEmailOptions(t.Context())
			if tt.wantCall {
				if err != nil {
					t.Fatalf("call over TLS: %v", err)
				}
				return
			}
			e := mustError(t, err)
			if e.Delivery != NotSent || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("untrusted certificate: Delivery %v, %v; want not sent, a certificate error", e.Delivery, err)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		h      string
		want   time.Duration
		wantOK bool
	}{
		{"seconds", "120", 2 * time.Minute, true},
		{"zero", "0", 0, true},
		{"padded", " 5 ", 5 * time.Second, true},
		{"empty", "", 0, false},
		{"negative", "-3", 0, false},
		{"plus sign", "+3", 0, false},
		{"fraction", "1.5", 0, false},
		{"garbage", "soon", 0, false},
		{"overflow", "99999999999999999999", 0, false},
		{"too big for a Duration", "9223372037", 0, false},
		{"future date", now.Add(45 * time.Second).Format(http.TimeFormat), 45 * time.Second, true},
		{"past date", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"RFC 850 date", now.Add(10 * time.Second).Format("Monday, 02-Jan-06 15:04:05 GMT"), 10 * time.Second, true},
		{"ANSI C date", now.Add(10 * time.Second).Format(time.ANSIC), 10 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseRetryAfter(tt.h, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.h, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestRetryAfterMs(t *testing.T) {
	tests := []struct {
		name     string
		ms, secs string
		want     time.Duration
		wantOK   bool
	}{
		{"ms wins", "1500", "9", 1500 * time.Millisecond, true},
		{"ms alone", "20", "", 20 * time.Millisecond, true},
		{"invalid ms falls back", "abc", "9", 9 * time.Second, true},
		{"negative ms falls back", "-1", "", 0, false},
		{"neither", "", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.ms != "" {
				h.Set(headerRetryAfterMs, tt.ms)
			}
			if tt.secs != "" {
				h.Set(headerRetryAfter, tt.secs)
			}
			got, ok := retryAfterFrom(h, time.Now())
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("retryAfterFrom = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestRedactEscapedForms(t *testing.T) {
	const pwd = `p@ss "w&rd"/x`
	c := newTestClient(t, Config{BaseURL: "x.example", Username: "u", Password: secret.New(pwd)})
	for _, echoed := range []string{
		pwd,
		"password=p%40ss+%22w%26rd%22%2Fx", // a form echo
		`{"password":"p@ss \"w&rd\"/x"}`,   // a JSON echo
	} {
		t.Run(echoed, func(t *testing.T) {
			got := c.clean(echoed, 200, nil)
			if strings.Contains(got, "w&rd") || strings.Contains(got, "w%26rd") || !strings.Contains(got, secret.Redacted) {
				t.Errorf("clean(%q) = %q", echoed, got)
			}
		})
	}
}
