package sim

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The OAuth2 side of the simulator: the token endpoint's three grants
// (password, refresh_token, authorization_code with PKCE) and the
// authorize endpoint's login page, which stands in for the firm's
// identity provider.

const (
	grantPassword = "password"
	grantRefresh  = "refresh_token"
	grantCode     = "authorization_code"
)

// oauthState is what the endpoints remember. Held under Server.mu.
type oauthState struct {
	refresh map[string]*refreshToken
	codes   map[string]*authCode
}

// refreshToken is one refresh token. Using it issues a new one of the same
// chain and marks it used (rotation); a used one presented again revokes the
// whole chain, so that of two holders of one sign-in neither goes on
// unnoticed (RFC 6819, 5.2.2.3).
type refreshToken struct {
	user     *user
	clientID string
	expires  time.Time
	used     bool
	chain    *tokenChain
}

// tokenChain links the refresh tokens one sign-in rotated through.
type tokenChain struct{ revoked bool }

// authCode is an authorization code waiting to be exchanged, once.
type authCode struct {
	user                             *user
	clientID, redirectURI, challenge string
	expires                          time.Time
}

// serveToken is the token endpoint: the form is checked, then the client,
// then the grant; the answer is an access token and, unless
// Options.NoRefreshTokens, a refresh token.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	form, aerr := readForm(w, r)
	if aerr == nil {
		aerr = checkTokenForm(form)
	}
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	clientID := form.Get("client_id")
	if aerr := s.checkClient(clientID); aerr != nil {
		writeError(w, aerr)
		return
	}
	var u *user
	var chain *tokenChain
	switch form.Get("grant_type") {
	case grantPassword:
		u, aerr = s.passwordGrant(form.Get("username"), form.Get("password"))
	case grantRefresh:
		u, chain, aerr = s.refreshGrant(form.Get("refresh_token"), clientID, now)
	case grantCode:
		u, aerr = s.codeGrant(form, now)
	}
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, s.issue(u, clientID, chain, now))
}

// readForm reads a form-encoded body.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, *apiError) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if mt, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); !strings.EqualFold(strings.TrimSpace(mt), "application/x-www-form-urlencoded") {
		return nil, invalid("Content-Type", msgInvalid, "must be application/x-www-form-urlencoded, got %q", r.Header.Get("Content-Type"))
	}
	if err := r.ParseForm(); err != nil {
		return nil, invalid("body", msgInvalid, "is not a form: %v", err)
	}
	return r.PostForm, nil
}

// checkTokenForm names every field the grant requires and the form lacks.
func checkTokenForm(f url.Values) *apiError {
	var p problems
	require := func(keys ...string) {
		for _, k := range keys {
			if f.Get(k) == "" {
				p.add(k, msgRequired, "is required")
			}
		}
	}
	switch g := f.Get("grant_type"); g {
	case "", grantPassword:
		require("grant_type", "username", "password", "client_id")
	case grantRefresh:
		require("refresh_token", "client_id")
	case grantCode:
		require("code", "redirect_uri", "client_id", "code_verifier")
	default:
		p.add("grant_type", msgEnum, "must be one of %s, got %q", quoteList([]string{grantPassword, grantRefresh, grantCode}), g)
		require("client_id")
	}
	return p.err()
}

// checkClient refuses a client ID no application is registered with.
// Holds s.mu.
func (s *Server) checkClient(id string) *apiError {
	if s.opts.ClientIDs == nil || slices.Contains(s.opts.ClientIDs, id) {
		return nil
	}
	return newError(http.StatusUnauthorized, codeInvalidClient,
		"unknown client ID %q: no application is registered with it (Control Center, Settings, Applications)", id)
}

// passwordGrant signs a user in with a password. Holds s.mu.
func (s *Server) passwordGrant(username, password string) (*user, *apiError) {
	u := s.st.user(username)
	if u == nil || u.password == "" || u.password != password {
		// The same answer for an unknown user and a wrong password.
		return nil, newError(http.StatusUnauthorized, codeUnauthorized, "wrong user name or password")
	}
	if u.ssoOnly {
		return nil, newError(http.StatusUnauthorized, codeUnauthorized,
			"user %s signs in through single sign-on: the password grant is not allowed; sign in in a browser", u.id)
	}
	return u, nil
}

// refreshGrant uses a refresh token: it is rotated; one used before, expired,
// revoked or another client's is refused. Holds s.mu.
func (s *Server) refreshGrant(value, clientID string, now time.Time) (*user, *tokenChain, *apiError) {
	rt := s.oauth.refresh[value]
	refuse := func(format string, args ...any) (*user, *tokenChain, *apiError) {
		s.stats.RefreshesRefused++
		return nil, nil, newError(http.StatusBadRequest, codeInvalidGrant, format, args...)
	}
	switch {
	case rt == nil:
		return refuse("unknown refresh token")
	case rt.chain.revoked:
		return refuse("this sign-in was revoked: sign in again")
	case rt.used:
		rt.chain.revoked = true
		return refuse("the refresh token was used before (each is replaced when used): this sign-in is revoked, sign in again")
	case !now.Before(rt.expires):
		return refuse("the refresh token has expired: sign in again")
	case rt.clientID != clientID:
		return refuse("the refresh token was issued to another client")
	}
	rt.used = true
	s.stats.RefreshesGranted++
	return rt.user, rt.chain, nil
}

// codeGrant exchanges an authorization code, once, checking PKCE's
// verifier against the challenge. Holds s.mu.
func (s *Server) codeGrant(f url.Values, now time.Time) (*user, *apiError) {
	c := s.oauth.codes[f.Get("code")]
	delete(s.oauth.codes, f.Get("code")) // any attempt uses the code up
	refuse := func(msg string) (*user, *apiError) {
		return nil, newError(http.StatusBadRequest, codeInvalidGrant, "%s", msg)
	}
	switch {
	case c == nil:
		return refuse("unknown or already used authorization code")
	case !now.Before(c.expires):
		return refuse("the authorization code has expired")
	case c.clientID != f.Get("client_id"):
		return refuse("the authorization code was issued to another client")
	case c.redirectURI != f.Get("redirect_uri"):
		return refuse("redirect_uri differs from the authorize request's")
	case pkceChallenge(f.Get("code_verifier")) != c.challenge:
		return refuse("code_verifier does not match the code_challenge")
	}
	return c.user, nil
}

// pkceChallenge is S256's challenge of a verifier (RFC 7636, 4.2).
func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// issue makes an access token for u and, unless refresh tokens are off,
// a refresh token continuing chain (a new one when nil). Holds s.mu.
func (s *Server) issue(u *user, clientID string, chain *tokenChain, now time.Time) map[string]any {
	t := &token{user: u}
	expiresIn := noExpiryExpiresIn
	if s.opts.TokenTTL > 0 {
		t.expires = now.Add(s.opts.TokenTTL)
		expiresIn = int(math.Ceil(s.opts.TokenTTL.Seconds()))
	}
	access := randomToken()
	s.tokens[access] = t
	s.stats.TokensIssued++
	answer := map[string]any{"access_token": access, "token_type": "bearer", "expires_in": expiresIn}
	if !s.opts.NoRefreshTokens {
		if chain == nil {
			chain = &tokenChain{}
		}
		rt := randomToken()
		s.oauth.refresh[rt] = &refreshToken{user: u, clientID: clientID, expires: now.Add(s.opts.RefreshTTL), chain: chain}
		answer["refresh_token"] = rt
	}
	return answer
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// authorizeParams are an authorize request's parameters, checked.
type authorizeParams struct {
	clientID, redirectURI, state, scope, challenge string
	loginHint                                      string // OpenID Connect's login_hint: the user ID the page starts with
}

// serveAuthorize is the authorize endpoint: GET shows the login page, POST
// signs in with its form and redirects to the client's loopback
// redirect_uri with a code (or error=access_denied when cancelled).
// Parameters that are wrong get a page saying so, never a redirect: a
// redirect_uri is only followed once it is known to be the client's own.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	var params url.Values
	switch r.Method {
	case http.MethodGet:
		params = r.URL.Query()
	case http.MethodPost:
		form, aerr := readForm(w, r)
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		params = form
	default:
		writeError(w, newError(http.StatusMethodNotAllowed, codeMethod, "%s %s: use GET or POST", r.Method, r.URL.Path).withHeader("Allow", "GET, POST"))
		return
	}
	s.mu.Lock()
	ap, problem := s.checkAuthorize(params)
	s.mu.Unlock()
	switch {
	case problem != "":
		writePage(w, http.StatusBadRequest, loginPage{Problem: problem})
	case r.Method == http.MethodGet:
		writePage(w, http.StatusOK, ap.page(""))
	case params.Get("cancel") != "":
		http.Redirect(w, r, ap.redirect(url.Values{"error": {"access_denied"}}), http.StatusSeeOther)
	default:
		s.signInPage(w, r, ap, params)
	}
}

// signInPage checks the login form's user and password: a code and a
// redirect when they are right, the page again when not.
func (s *Server) signInPage(w http.ResponseWriter, r *http.Request, ap authorizeParams, f url.Values) {
	s.mu.Lock()
	u := s.st.user(f.Get("username"))
	ok := u != nil && u.password != "" && u.password == f.Get("password")
	var code string
	if ok {
		code = randomToken()
		s.oauth.codes[code] = &authCode{user: u, clientID: ap.clientID, redirectURI: ap.redirectURI,
			challenge: ap.challenge, expires: s.opts.Now().Add(codeTTL)}
		s.stats.CodesIssued++
	}
	s.mu.Unlock()
	if !ok {
		writePage(w, http.StatusUnauthorized, ap.page("Wrong user name or password."))
		return
	}
	http.Redirect(w, r, ap.redirect(url.Values{"code": {code}}), http.StatusSeeOther)
}

// checkAuthorize checks an authorize request as iManage's would, strictly:
// a registered client, a loopback redirect_uri (RFC 8252, 7.3: any port),
// response_type code and a PKCE challenge by S256. Holds s.mu.
func (s *Server) checkAuthorize(q url.Values) (authorizeParams, string) {
	ap := authorizeParams{clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"), state: q.Get("state"), loginHint: q.Get("login_hint"),
		scope: q.Get("scope"), challenge: q.Get("code_challenge")}
	if ap.clientID == "" {
		return ap, "client_id is required."
	}
	if s.checkClient(ap.clientID) != nil {
		return ap, "Unknown client ID " + ap.clientID + ": no application is registered with it."
	}
	if !loopbackRedirect(ap.redirectURI) {
		return ap, "redirect_uri must be an http:// address on the loopback interface (127.0.0.1, [::1] or localhost), got " + ap.redirectURI + "."
	}
	switch {
	case q.Get("response_type") != "code":
		return ap, "response_type must be code."
	case ap.challenge == "" || q.Get("code_challenge_method") != "S256":
		return ap, "PKCE is required: code_challenge with code_challenge_method S256."
	}
	return ap, ""
}

func loopbackRedirect(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Fragment != "" || u.User != nil {
		return false
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// redirect is the redirect_uri with extra and the state added.
func (ap authorizeParams) redirect(extra url.Values) string {
	u, _ := url.Parse(ap.redirectURI) // checked by checkAuthorize
	q := u.Query()
	for k, vs := range extra {
		q[k] = vs
	}
	if ap.state != "" {
		q.Set("state", ap.state)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (ap authorizeParams) page(problem string) loginPage {
	hidden := map[string]string{
		"response_type": "code", "client_id": ap.clientID, "redirect_uri": ap.redirectURI, "state": ap.state,
		"scope": ap.scope, "code_challenge": ap.challenge, "code_challenge_method": "S256"}
	if ap.loginHint != "" {
		hidden["login_hint"] = ap.loginHint
	}
	return loginPage{Problem: problem, Hidden: hidden, User: ap.loginHint}
}

// loginPage is what the login page shows.
type loginPage struct {
	Problem string
	Hidden  map[string]string // the authorize request's parameters, carried by the form; nil: no form
	User    string            // the user ID filled in (login_hint); anyone may still sign in instead
}

var loginTemplate = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>iManage Work simulator: sign in</title></head>
<body>
<h1>Sign in to the iManage Work simulator</h1>
{{if .Problem}}<p id="problem" role="alert">{{.Problem}}</p>{{end}}
{{if .Hidden}}<form method="post" action="` + authorizePath + `">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<p><label for="username">User ID</label> <input id="username" name="username" autocomplete="username" value="{{.User}}" required></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button id="sign-in" type="submit">Sign in</button> <button id="cancel" type="submit" name="cancel" value="1" formnovalidate>Cancel</button></p>
</form>{{end}}
</body></html>
`))

func writePage(w http.ResponseWriter, status int, p loginPage) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_ = loginTemplate.Execute(w, p)
}
