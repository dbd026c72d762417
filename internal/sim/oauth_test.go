package sim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
}

func (h *harness) grant(form url.Values) (tokens, answer) {
	h.t.Helper()
	a := h.tokenCall(form)
	var tok tokens
	if a.status == http.StatusOK {
		if err := json.Unmarshal(a.raw, &tok); err != nil {
			h.t.Fatal(err)
		}
	}
	return tok, a
}

func passwordForm(user, pw, client string) url.Values {
	return url.Values{"grant_type": {"password"}, "username": {user}, "password": {pw}, "client_id": {client}}
}

func refreshForm(rt, client string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {client}}
}

func TestRegisteredClientIDs(t *testing.T) {
	h := newHarness(t, Options{ClientIDs: []string{"bulk", "bulk-test"}})
	if _, a := h.grant(passwordForm("admin", "admin", "bulk")); a.status != 200 {
		t.Fatalf("a registered client: %d %s", a.status, a.raw)
	}
	_, a := h.grant(passwordForm("admin", "admin", "someone-else"))
	if a.status != 401 || a.code() != codeInvalidClient || !strings.Contains(a.err.CodeMessage, "someone-else") {
		t.Fatalf("an unknown client: %d %s", a.status, a.raw)
	}
	// The client is checked first: a wrong password and a wrong client
	// together say the client.
	if _, a := h.grant(passwordForm("admin", "wrong", "nope")); a.code() != codeInvalidClient {
		t.Fatalf("wrong client and password: %s", a.raw)
	}
	if _, a := h.grant(passwordForm("admin", "wrong", "bulk")); a.code() != codeUnauthorized {
		t.Fatalf("wrong password: %s", a.raw)
	}
}

func TestRefreshTokensRotateAndOldOnesAreRefused(t *testing.T) {
	h := newHarness(t, Options{})
	first, _ := h.grant(passwordForm("admin", "admin", "bulk"))
	if first.RefreshToken == "" {
		t.Fatal("no refresh token issued")
	}
	second, a := h.grant(refreshForm(first.RefreshToken, "bulk"))
	if a.status != 200 || second.AccessToken == "" || second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatalf("refresh: %d %s", a.status, a.raw)
	}
	h.token = second.AccessToken
	if a := h.get("getLibraries", nil); a.status != 200 {
		t.Fatalf("the refreshed access token: %d", a.status)
	}
	// The old one again: refused, and the whole sign-in with it.
	if _, a := h.grant(refreshForm(first.RefreshToken, "bulk")); a.status != 400 || a.code() != codeInvalidGrant || !strings.Contains(a.err.CodeMessage, "used before") {
		t.Fatalf("a reused refresh token: %d %s", a.status, a.raw)
	}
	if _, a := h.grant(refreshForm(second.RefreshToken, "bulk")); a.code() != codeInvalidGrant || !strings.Contains(a.err.CodeMessage, "revoked") {
		t.Fatalf("the newer token after a reuse: %s", a.raw)
	}
	st := h.sim.Stats()
	if st.RefreshesGranted != 1 || st.RefreshesRefused != 2 {
		t.Fatalf("stats %+v", st)
	}
	// Another client cannot use a token issued to bulk.
	third, _ := h.grant(passwordForm("admin", "admin", "bulk"))
	if _, a := h.grant(refreshForm(third.RefreshToken, "other")); a.code() != codeInvalidGrant {
		t.Fatalf("another client's refresh token: %s", a.raw)
	}
	if _, a := h.grant(refreshForm("not-a-token", "bulk")); a.code() != codeInvalidGrant {
		t.Fatalf("an unknown refresh token: %s", a.raw)
	}
	if _, a := h.grant(url.Values{"grant_type": {"refresh_token"}, "client_id": {"bulk"}}); a.code() != codeValidation || a.fields()[0] != "refresh_token" {
		t.Fatalf("no refresh token: %s", a.raw)
	}
}

func TestRefreshTokensExpire(t *testing.T) {
	h := newHarness(t, Options{RefreshTTL: 24 * time.Hour})
	tok, _ := h.grant(passwordForm("admin", "admin", "bulk"))
	h.clock.Advance(23 * time.Hour)
	tok, a := h.grant(refreshForm(tok.RefreshToken, "bulk"))
	if a.status != 200 {
		t.Fatalf("within its TTL: %s", a.raw)
	}
	h.clock.Advance(24 * time.Hour)
	if _, a := h.grant(refreshForm(tok.RefreshToken, "bulk")); a.code() != codeInvalidGrant || !strings.Contains(a.err.CodeMessage, "expired") {
		t.Fatalf("after its TTL: %s", a.raw)
	}
}

func TestNoRefreshTokens(t *testing.T) {
	h := newHarness(t, Options{NoRefreshTokens: true})
	_, a := h.grant(passwordForm("admin", "admin", "bulk"))
	if strings.Contains(string(a.raw), "refresh_token") {
		t.Fatalf("a refresh token was issued: %s", a.raw)
	}
}

func TestTheSSOUserCannotUseThePasswordGrant(t *testing.T) {
	h := newHarness(t, Options{})
	_, a := h.grant(passwordForm(SSOUser, ssoPassword, "bulk"))
	if a.status != 401 || !strings.Contains(a.err.CodeMessage, "single sign-on") {
		t.Fatalf("%d %s", a.status, a.raw)
	}
}

func TestAnotherUsersMyMattersIsAnAdministratorsRead(t *testing.T) {
	h := newHarness(t, Options{})
	q := func(id string) url.Values { return url.Values{"user_id": {id}} }
	if a := h.get("getMyMattersCategories", q("ASMITH")); a.status != 200 {
		t.Fatalf("admin: %d", a.status)
	}
	if a := h.get("getMyMattersCategories", q("NO-SUCH-USER")); a.status != 404 {
		t.Fatalf("admin, an unknown user: %d", a.status)
	}
	h.token = h.signIn(ViewerUser, viewerPassword)
	if a := h.get("getMyMattersCategories", q("viewer")); a.status != 200 {
		t.Fatalf("viewer's own: %d", a.status)
	}
	for _, id := range []string{"ASMITH", "NO-SUCH-USER"} {
		if a := h.get("getMyMattersCategories", q(id)); a.status != 403 || a.code() != codeForbidden {
			t.Fatalf("viewer reading %s: %d %s", id, a.status, a.raw)
		}
	}
}

// browser is a cookie-less browser: it follows no redirects, so the test
// sees each.
type browser struct {
	t  *testing.T
	hc *http.Client
}

func (b browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func authorizeQuery(redirect, challenge string) url.Values {
	return url.Values{"response_type": {"code"}, "client_id": {"bulk"}, "redirect_uri": {redirect}, "state": {"st4te"},
		"scope": {"user"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
}

func TestAuthorizeCodeWithPKCE(t *testing.T) {
	h := newHarness(t, Options{ClientIDs: []string{"bulk", "bulk-test"}})
	b := browser{t: t, hc: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	const verifier = "a-verifier-of-enough-length-0123456789-abcdefghij"
	const redirect = "http://127.0.0.1:50123/callback"
	q := authorizeQuery(redirect, pkceChallenge(verifier))
	resp, page := b.do(mustRequest(t, http.MethodGet, h.srv.URL+authorizePath+"?"+q.Encode(), ""))
	if resp.StatusCode != 200 || !strings.Contains(page, `id="username"`) || !strings.Contains(page, `name="code_challenge"`) {
		t.Fatalf("login page %d:\n%s", resp.StatusCode, page)
	}
	post := func(user, pw string) (*http.Response, string) {
		f := authorizeQuery(redirect, pkceChallenge(verifier))
		f.Set("username", user)
		f.Set("password", pw)
		req := mustRequest(t, http.MethodPost, h.srv.URL+authorizePath, f.Encode())
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return b.do(req)
	}
	if resp, page := post("admin", "wrong"); resp.StatusCode != 401 || !strings.Contains(page, "Wrong user name or password") {
		t.Fatalf("wrong password: %d %s", resp.StatusCode, page)
	}
	resp, _ = post(SSOUser, ssoPassword)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Host != "127.0.0.1:50123" || loc.Path != "/callback" || loc.Query().Get("state") != "st4te" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect to %q", resp.Header.Get("Location"))
	}
	code := loc.Query().Get("code")
	exchange := func(code, verifier, redirect string) (tokens, answer) {
		return h.grant(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
			"client_id": {"bulk"}, "code_verifier": {verifier}})
	}
	if _, a := exchange(code, "another-verifier-of-enough-length-0123456789-abcd", redirect); a.code() != codeInvalidGrant || !strings.Contains(a.err.CodeMessage, "code_verifier") {
		t.Fatalf("a wrong verifier: %s", a.raw)
	}
	// The failed exchange used the code up: sign in again.
	resp, _ = post(SSOUser, ssoPassword)
	loc, _ = url.Parse(resp.Header.Get("Location"))
	code = loc.Query().Get("code")
	if _, a := exchange(code, verifier, "http://127.0.0.1:9/other"); a.code() != codeInvalidGrant {
		t.Fatalf("another redirect_uri: %s", a.raw)
	}
	resp, _ = post(SSOUser, ssoPassword)
	loc, _ = url.Parse(resp.Header.Get("Location"))
	code = loc.Query().Get("code")
	tok, a := exchange(code, verifier, redirect)
	if a.status != 200 || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("the exchange: %s", a.raw)
	}
	if _, a := exchange(code, verifier, redirect); a.code() != codeInvalidGrant {
		t.Fatalf("a code used twice: %s", a.raw)
	}
	h.token = tok.AccessToken
	if a := h.post("addTab", map[string]any{"name": "T", "parentId": "ACTIVE_US!1000", "default_security": "inherit"}); a.status != 200 {
		t.Fatalf("the SSO administrator writes: %d %s", a.status, a.raw)
	}
}

func TestAuthorizeRefusesBadRequestsWithAPageNotARedirect(t *testing.T) {
	h := newHarness(t, Options{ClientIDs: []string{"bulk", "bulk-test"}})
	b := browser{t: t, hc: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	good := func() url.Values { return authorizeQuery("http://127.0.0.1:50123/cb", "challenge") }
	cases := []struct {
		name   string
		mutate func(url.Values)
		want   string
	}{
		{"unknown client", func(q url.Values) { q.Set("client_id", "evil") }, "Unknown client ID"},
		{"a remote redirect", func(q url.Values) { q.Set("redirect_uri", "https://attacker.example/cb") }, "loopback"},
		{"no PKCE", func(q url.Values) { q.Del("code_challenge") }, "PKCE"},
		{"plain PKCE", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "S256"},
		{"a token response", func(q url.Values) { q.Set("response_type", "token") }, "response_type"},
	}
	for _, tc := range cases {
		q := good()
		tc.mutate(q)
		resp, page := b.do(mustRequest(t, http.MethodGet, h.srv.URL+authorizePath+"?"+q.Encode(), ""))
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" || !strings.Contains(page, tc.want) || strings.Contains(page, "<form") {
			t.Errorf("%s: %d %q\n%s", tc.name, resp.StatusCode, resp.Header.Get("Location"), page)
		}
	}
	// Cancel: back to the client with access_denied.
	f := good()
	f.Set("cancel", "1")
	req := mustRequest(t, http.MethodPost, h.srv.URL+authorizePath, f.Encode())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ := b.do(req)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "error=access_denied") || !strings.Contains(loc, "state=st4te") {
		t.Fatalf("cancel: %d %q", resp.StatusCode, loc)
	}
	// A page escapes what it shows.
	q := good()
	q.Set("redirect_uri", "<script>alert(1)</script>")
	if _, page := b.do(mustRequest(t, http.MethodGet, h.srv.URL+authorizePath+"?"+q.Encode(), "")); strings.Contains(page, "<script>") {
		t.Fatalf("unescaped: %s", page)
	}
}

func mustRequest(t *testing.T, method, u, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}
