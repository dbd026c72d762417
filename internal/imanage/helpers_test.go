package imanage

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/firmtools/bulk/internal/secret"
)

// Credentials of the fake service. They are long and odd so that finding
// one in an error string can only mean a leak.
const (
	testUser         = "admin"
	testPassword     = "pw-Zq8rT5-never-print"
	testClientID     = "bulk-cli"
	testClientSecret = "cs-Vb3kL9-never-print"
	testNewUserPwd   = "nu-Hj2pQ7-never-print"
)

// fakeService is an httptest handler for unit tests: a token endpoint that
// counts its calls and issues "tok-1", "tok-2", ..., and operations served by
// op. Tests that need a strict service use internal/sim instead.
type fakeService struct {
	mu         sync.Mutex
	tokenCalls int
	opCalls    int
	forms      []url.Values
	// token, if set, answers the token request number n (1-based).
	token func(w http.ResponseWriter, r *http.Request, n int)
	op    http.HandlerFunc
}

func (f *fakeService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == defaultTokenPath:
		_ = r.ParseForm()
		f.mu.Lock()
		f.tokenCalls++
		n := f.tokenCalls
		f.forms = append(f.forms, r.PostForm)
		f.mu.Unlock()
		if f.token != nil {
			f.token(w, r, n)
			return
		}
		writeJSON(w, 200, fmt.Sprintf(`{"access_token":"tok-%d","token_type":"bearer","expires_in":1800}`, n))
	case strings.HasPrefix(r.URL.Path, operationsPath):
		f.mu.Lock()
		f.opCalls++
		f.mu.Unlock()
		if f.op == nil {
			writeJSON(w, 200, `{"data":{}}`)
			return
		}
		f.op(w, r)
	default:
		writeJSON(w, 404, `{"error":{"code":"NOT_FOUND","code_message":"no such path"}}`)
	}
}

func (f *fakeService) counts() (tokens, ops int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenCalls, f.opCalls
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// serve starts h on a test server closed at the end of the test.
func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

// testConfig is a password sign-in against url.
func testConfig(url string) Config {
	return Config{
		BaseURL:      url,
		Username:     testUser,
		Password:     secret.New(testPassword),
		ClientID:     testClientID,
		ClientSecret: secret.New(testClientSecret),
	}
}

func newTestClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// mustError returns err's *Error or fails the test.
func mustError(t *testing.T, err error) *Error {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want one")
	}
	e, ok := AsError(err)
	if !ok {
		t.Fatalf("error %v (%T) is not an *imanage.Error", err, err)
	}
	return e
}

// assertNoSecrets fails if any test secret shows in err, however printed.
func assertNoSecrets(t *testing.T, err error, extra ...string) {
	t.Helper()
	if err == nil {
		return
	}
	texts := []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)}
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
		texts = append(texts, u.Error())
	}
	for _, s := range append([]string{testPassword, testClientSecret, testNewUserPwd}, extra...) {
		for _, txt := range texts {
			if strings.Contains(txt, s) {
				t.Errorf("error text leaks a secret %q: %s", s, txt)
			}
		}
	}
}
