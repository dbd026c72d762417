package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is the simulator's injected clock in tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is a simulator behind a real HTTP server, spoken to with a plain
// net/http client, signed in as admin.
type harness struct {
	t     *testing.T
	sim   *Server
	srv   *httptest.Server
	clock *fakeClock
	token string
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	clock := newFakeClock()
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	s := New(opts)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	h := &harness{t: t, sim: s, srv: srv, clock: clock}
	pw := opts.Password
	if pw == "" {
		pw = "admin"
	}
	h.token = h.signIn(AdminUser, pw)
	return h
}

// answer is a decoded response.
type answer struct {
	status int
	header http.Header
	raw    []byte
	data   json.RawMessage
	err    *envelopeError
}

type envelopeError struct {
	Code        string     `json:"code"`
	CodeMessage string     `json:"code_message"`
	Messages    []fieldMsg `json:"messages"`
}

func (a answer) fields() []string {
	if a.err == nil {
		return nil
	}
	var f []string
	for _, m := range a.err.Messages {
		f = append(f, m.Field)
	}
	return f
}

func (a answer) code() string {
	if a.err == nil {
		return ""
	}
	return a.err.Code
}

// decode unmarshals the data of a 200 into v.
func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", a.status, a.raw)
	}
	if err := json.Unmarshal(a.data, v); err != nil {
		t.Fatalf("decoding data %s: %v", a.data, err)
	}
}

func (h *harness) signIn(username, password string) string {
	h.t.Helper()
	a := h.tokenCall(url.Values{"grant_type": {"password"}, "username": {username}, "password": {password}, "client_id": {"bulk-test"}})
	if a.status != http.StatusOK {
		h.t.Fatalf("signing in as %s: status %d: %s", username, a.status, a.raw)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(a.raw, &tok); err != nil || tok.AccessToken == "" {
		h.t.Fatalf("signing in as %s: answer %s: %v", username, a.raw, err)
	}
	return tok.AccessToken
}

func (h *harness) tokenCall(form url.Values) answer {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/auth/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.send(req)
}

// request builds an operation call with the connector header and h's token.
// body is a JSON-encodable value, a string (sent as is), or nil.
func (h *harness) request(method, op string, body any, q url.Values) *http.Request {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	u := h.srv.URL + "/automate/work/" + op
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("x-im-connector-id", "imanage-work-for-admins")
	req.Header.Set("X-Auth-Token", h.token)
	return req
}

func (h *harness) send(req *http.Request) answer {
	h.t.Helper()
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s %s: reading the answer: %v", req.Method, req.URL.Path, err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		h.t.Fatalf("%s %s: Content-Type %q, want application/json", req.Method, req.URL.Path, ct)
	}
	var env struct {
		Data  json.RawMessage `json:"data"`
		Error *envelopeError  `json:"error"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		h.t.Fatalf("%s %s: answer is not JSON: %s", req.Method, req.URL.Path, raw)
	}
	a.data, a.err = env.Data, env.Error
	switch {
	case resp.StatusCode == http.StatusOK && req.URL.Path != "/auth/oauth2/token" && !strings.HasPrefix(req.URL.Path, "/_sim/") && env.Data == nil:
		h.t.Fatalf("%s %s: 200 without data: %s", req.Method, req.URL.Path, raw)
	case resp.StatusCode != http.StatusOK && (env.Error == nil || env.Error.Code == "" || env.Error.CodeMessage == "" || env.Error.Messages == nil):
		h.t.Fatalf("%s %s: %d without a full error envelope: %s", req.Method, req.URL.Path, resp.StatusCode, raw)
	}
	return a
}

func (h *harness) post(op string, body any) answer {
	h.t.Helper()
	return h.send(h.request(http.MethodPost, op, body, nil))
}

func (h *harness) get(op string, q url.Values) answer {
	h.t.Helper()
	return h.send(h.request(http.MethodGet, op, nil, q))
}

// obj is a JSON object under test; with/without return modified copies.
type obj map[string]any

func (o obj) clone() obj {
	c := obj{}
	for k, v := range o {
		if m, ok := v.(obj); ok {
			v = m.clone()
		}
		c[k] = v
	}
	return c
}

// with sets path (dotted for nested objects) to v in a copy.
func (o obj) with(path string, v any) obj {
	c := o.clone()
	m := c
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		m = m[k].(obj)
	}
	m[keys[len(keys)-1]] = v
	return c
}

// without deletes path in a copy.
func (o obj) without(path string) obj {
	c := o.clone()
	m := c
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		m = m[k].(obj)
	}
	delete(m, keys[len(keys)-1])
	return c
}

func decodeJSON(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

func assertEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}
