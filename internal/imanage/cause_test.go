package imanage_test

import (
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/secret"
)

// Each failure to reach the service keeps what kind it was, without the
// transport's own error.
func TestCauseOfATransportFailure(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(tlsSrv.Close)
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	port := tlsSrv.Listener.Addr().(*net.TCPAddr).Port
	cases := []struct {
		name, url, ca string
		want          imanage.Cause
	}{
		{"an authority not trusted", tlsSrv.URL, "", imanage.CauseTLSUnknownAuthority},
		{"trusted with --ca-file", tlsSrv.URL, ca, imanage.CauseNone},
		{"a certificate for another host", "https://localhost:" + strconv.Itoa(port), ca, imanage.CauseTLSHostname},
		{"not TLS", strings.Replace(plain.URL, "http://", "https://", 1), "", imanage.CauseNotTLS},
		{"nothing listening", "http://" + closed, "", imanage.CauseRefused},
	}
	for _, tc := range cases {
		hc, err := imanage.NewHTTPClient(tc.ca)
		if err != nil {
			t.Fatal(err)
		}
		c, err := imanage.New(imanage.Config{BaseURL: tc.url, Username: "u", Password: secret.New("a-long-password"), ClientID: "x", HTTPClient: hc})
		if err != nil {
			t.Fatal(err)
		}
		err = c.SignIn(t.Context())
		if got := imanage.CauseOf(err); got != tc.want {
			t.Errorf("%s: cause %d, want %d (%v)", tc.name, got, tc.want, err)
		}
	}
}
