// Package sim is an in-memory simulator of the iManage Work admin operations
// described in docs/contract.md, served as an http.Handler.
//
// It speaks only the wire contract and imports nothing from the client side,
// so it catches the client's mistakes: it is strict about JSON shapes, field
// rules, headers, sign-in and the per-token call limit, and it can inject
// faults, dropped answers and latency. Seed data is always the same (see
// docs/simulator.md); only the fault dice depend on Options.Seed.
package sim

import (
	"context"
	"errors"
	"fmt"
	"maps"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The users that can sign in.
const (
	AdminUser  = "admin"  // an NRT administrator; password Options.Password, "admin" by default
	ViewerUser = "viewer" // not an administrator (writes get 403); password "viewer"
	// SSOUser is an administrator whose account signs in through the
	// firm's single sign-on: the password grant refuses it, the browser
	// sign-in (the authorize page, standing in for the identity provider)
	// takes password "ssoadmin".
	SSOUser = "ssoadmin"
)

// Options are the simulator's knobs. The zero value is a well-behaved
// service with the contract's limit of 100 calls per 60 s.
type Options struct {
	RateLimit int           // calls admitted per Window per access token; 0 means 100
	Window    time.Duration // 0 means 60s
	// Mode "strict" (default, ""): a sliding log; no window of length Window,
	// wherever it starts, ever admits more than RateLimit calls.
	// "fixed": counters that reset every Window (aligned to the token's first call).
	Mode      string
	FaultRate float64       // fraction of operation calls answered 500 or 503 (half each) before doing anything
	DropRate  float64       // fraction of operation calls processed and then dropped with no answer
	Latency   time.Duration // added to every operation call
	TokenTTL  time.Duration // tokens expire this long after issue; 0: never
	Seed      int64         // seeds the fault dice and nothing else
	Password  string        // admin's password; "" means "admin"
	// PasswordFromEnv says Password came from BULK_SIM_PASSWORD, so Serve
	// names the variable instead of printing the password.
	PasswordFromEnv bool
	Now             func() time.Time // clock; nil means time.Now

	// ClientIDs are the OAuth2 client IDs registered with the service (as
	// Control Center's Applications are); a token request naming another
	// gets 401 INVALID_CLIENT. nil: any non-empty client ID is accepted.
	ClientIDs []string
	// NoRefreshTokens: token answers carry no refresh token, as when an
	// application's "Allow Refresh Token" is off (iManage's default).
	NoRefreshTokens bool
	// RefreshTTL: refresh tokens expire this long after issue; 0 means 365
	// days, iManage's default.
	RefreshTTL time.Duration

	// TenantProperties are the properties this tenant adds to aliasInfo,
	// create_password and profileProperties: the schema operations serve
	// them and requests are held to them (ParseTenantProperty reads one).
	TenantProperties []TenantProperty
}

// Validate reports options New cannot honour.
func (o Options) Validate() error {
	switch {
	case o.RateLimit < 0:
		return fmt.Errorf("rate limit %d: must not be negative", o.RateLimit)
	case o.Window < 0:
		return fmt.Errorf("window %v: must not be negative", o.Window)
	case o.Mode != "" && o.Mode != ModeStrict && o.Mode != ModeFixed:
		return fmt.Errorf("window mode %q: want %q or %q", o.Mode, ModeStrict, ModeFixed)
	case !(o.FaultRate >= 0 && o.FaultRate <= 1):
		return fmt.Errorf("fault rate %v: want a fraction from 0 to 1", o.FaultRate)
	case !(o.DropRate >= 0 && o.DropRate <= 1):
		return fmt.Errorf("drop rate %v: want a fraction from 0 to 1", o.DropRate)
	case o.Latency < 0:
		return fmt.Errorf("latency %v: must not be negative", o.Latency)
	case o.TokenTTL < 0:
		return fmt.Errorf("token TTL %v: must not be negative", o.TokenTTL)
	case o.RefreshTTL < 0:
		return fmt.Errorf("refresh token TTL %v: must not be negative", o.RefreshTTL)
	}
	for _, id := range o.ClientIDs {
		if id == "" {
			return errors.New("a registered client ID is empty")
		}
	}
	return ValidateTenantProperties(o.TenantProperties)
}

func (o Options) withDefaults() Options {
	if o.RateLimit == 0 {
		o.RateLimit = defaultRateLimit
	}
	if o.Window == 0 {
		o.Window = defaultWindow
	}
	if o.Mode == "" {
		o.Mode = ModeStrict
	}
	if o.Password == "" {
		o.Password = defaultPassword
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RefreshTTL == 0 {
		o.RefreshTTL = defaultRefreshTTL
	}
	return o
}

// Stats counts what the simulator saw. Windows are half-open intervals of
// length Window, counted per access token; the maxima are over all tokens.
type Stats struct {
	Calls               map[string]int `json:"calls"` // per operation, admitted or not
	TotalCalls          int            `json:"total_calls"`
	Throttled           int            `json:"throttled"`              // 429s sent
	MaxAdmittedInWindow int            `json:"max_admitted_in_window"` // most calls admitted in any one window
	MaxReceivedInWindow int            `json:"max_received_in_window"` // most calls received (admitted or refused) in any window
	Created             map[string]int `json:"created"`                // per kind: user, alias, tab, folder, shortcut
	DuplicateCreations  int            `json:"duplicate_creations"`    // tabs or folders named like a sibling
	Faults              int            `json:"faults"`                 // 500/503 injected
	Drops               int            `json:"drops"`                  // answers dropped
	TokensIssued        int            `json:"tokens_issued"`          // access tokens, by any grant
	RefreshesGranted    int            `json:"refreshes_granted"`      // refresh_token grants answered with a token
	RefreshesRefused    int            `json:"refreshes_refused"`      // refresh_token grants refused: unknown, expired, reused, revoked
	CodesIssued         int            `json:"codes_issued"`           // authorization codes handed to a redirect
	// TokenHeaders counts, per header, the operation calls that carried a
	// token in it: "X-Auth-Token" and "Authorization" (Bearer). A call with
	// both counts in both.
	TokenHeaders map[string]int `json:"token_headers"`
}

// Server is the simulator; it implements http.Handler.
type Server struct {
	opts   Options
	shapes shapes // the member tables, with the tenant's properties

	mu     sync.Mutex
	st     *state
	tokens map[string]*token
	oauth  oauthState
	rng    *mrand.Rand
	stats  Stats
}

type token struct {
	user    *user
	expires time.Time // zero: never
	revoked bool
	thr     throttle
}

// New returns a simulator with the seed data. It panics if opts.Validate fails.
func New(opts Options) *Server {
	if err := opts.Validate(); err != nil {
		panic("sim.New: " + err.Error())
	}
	opts = opts.withDefaults()
	seed := uint64(opts.Seed)
	return &Server{
		opts:   opts,
		shapes: newShapes(opts.TenantProperties),
		st:     newState(opts.Password),
		tokens: map[string]*token{},
		oauth:  oauthState{refresh: map[string]*refreshToken{}, codes: map[string]*authCode{}},
		rng:    mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		stats:  Stats{Calls: map[string]int{}, Created: map[string]int{}, TokenHeaders: map[string]int{}},
	}
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.stats
	out.Calls = maps.Clone(s.stats.Calls)
	out.TokenHeaders = maps.Clone(s.stats.TokenHeaders)
	out.Created = make(map[string]int, len(s.st.created))
	for k, v := range s.st.created {
		out.Created[k] = v
	}
	out.DuplicateCreations = s.st.duplicates
	return out
}

// ExpireTokens makes every token issued so far expired, as a revocation
// would; tokens issued afterwards work.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.revoked = true
	}
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const opPrefix = "/automate/work/"
	switch p := r.URL.Path; {
	case p == tokenPath:
		if !allowMethod(w, r, http.MethodPost) {
			return
		}
		s.serveToken(w, r)
	case p == authorizePath:
		s.serveAuthorize(w, r)
	case p == "/_sim/stats":
		if !allowMethod(w, r, http.MethodGet) {
			return
		}
		writeJSON(w, http.StatusOK, s.Stats())
	case p == "/_sim/expire-tokens":
		if !allowMethod(w, r, http.MethodPost) {
			return
		}
		s.ExpireTokens()
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{}})
	case strings.HasPrefix(p, opPrefix):
		s.serveOperation(w, r, strings.TrimPrefix(p, opPrefix))
	default:
		writeError(w, newError(http.StatusNotFound, codeNotFound, "no such path: %s", p))
	}
}

func allowMethod(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method {
		return true
	}
	writeError(w, newError(http.StatusMethodNotAllowed, codeMethod, "%s %s: use %s", r.Method, r.URL.Path, method).withHeader("Allow", method))
	return false
}

// authenticate finds the call's token, in X-Auth-Token or Authorization:
// Bearer (the connector's OAuth2 way); when both come they must agree.
// Holds s.mu.
func (s *Server) authenticate(r *http.Request, now time.Time) (*token, *apiError) {
	access := r.Header.Get(tokenHeader)
	if access != "" {
		s.stats.TokenHeaders[tokenHeader]++
	}
	if scheme, rest, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		bearer := strings.TrimSpace(rest)
		s.stats.TokenHeaders["Authorization"]++
		if access != "" && bearer != access {
			return nil, newError(http.StatusUnauthorized, codeUnauthorized, "X-Auth-Token and Authorization: Bearer carry different tokens").
				withHeader("WWW-Authenticate", `Bearer realm="iManage Work"`)
		}
		access = bearer
	}
	unauthorized := func(msg string) *apiError {
		return newError(http.StatusUnauthorized, codeUnauthorized, "%s", msg).withHeader("WWW-Authenticate", `Bearer realm="iManage Work"`)
	}
	if access == "" {
		return nil, unauthorized("no access token: send it in X-Auth-Token or Authorization: Bearer")
	}
	t := s.tokens[access]
	switch {
	case t == nil:
		return nil, unauthorized("unknown access token")
	case t.revoked || (!t.expires.IsZero() && !now.Before(t.expires)):
		return nil, unauthorized("the access token has expired; sign in again")
	}
	return t, nil
}

func (s *Server) serveOperation(w http.ResponseWriter, r *http.Request, name string) {
	op, ok := operations[name]
	if !ok {
		writeError(w, newError(http.StatusNotFound, codeNotFound, "no such operation: %q", name))
		return
	}
	s.mu.Lock()
	s.stats.Calls[name]++
	s.stats.TotalCalls++
	s.mu.Unlock()
	if !allowMethod(w, r, op.method) {
		return
	}
	if got := r.Header.Get(connectorHeader); got != connectorID {
		writeError(w, invalid(connectorHeader, msgRequired, "header %s: %s is required, got %q", connectorHeader, connectorID, got))
		return
	}

	s.mu.Lock()
	now := s.opts.Now()
	tok, aerr := s.authenticate(r, now)
	if aerr == nil {
		aerr = s.admit(tok, now)
	}
	if aerr == nil {
		aerr = s.fault()
	}
	s.mu.Unlock()
	if aerr != nil {
		writeError(w, aerr)
		return
	}

	var body []byte
	var bodyErr error
	if r.Method == http.MethodPost {
		body, bodyErr = readBody(w, r)
	}
	// A caller that goes away during the latency does not stop the call:
	// a real service applies what it received and loses only the answer.
	// Only the simulator's own shutdown ends the wait.
	if !sleep(shutdownContext(r.Context()), s.opts.Latency) {
		return
	}

	run, aerr := op.parse(r, body, bodyErr, s.shapes)
	if aerr == nil && op.write && !tok.user.admin {
		aerr = newError(http.StatusForbidden, codeForbidden, "%s: user %s is not an administrator", name, tok.user.id)
	}
	var data any
	s.mu.Lock()
	if aerr == nil {
		data, aerr = run(s.st, &env{now: s.opts.Now(), caller: tok.user, baseURL: baseURL(r)})
	}
	drop := s.opts.DropRate > 0 && s.rng.Float64() < s.opts.DropRate
	if drop {
		s.stats.Drops++
	}
	s.mu.Unlock()

	if drop {
		// net/http closes the connection without an answer and without logging.
		panic(http.ErrAbortHandler)
	}
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	writeData(w, data)
}

// admit applies the token's limit. Holds s.mu.
func (s *Server) admit(t *token, now time.Time) *apiError {
	a := t.thr.admit(now, s.opts.Mode, s.opts.RateLimit, s.opts.Window)
	s.stats.MaxReceivedInWindow = max(s.stats.MaxReceivedInWindow, a.receivedInWin)
	if a.ok {
		s.stats.MaxAdmittedInWindow = max(s.stats.MaxAdmittedInWindow, a.admittedInWin)
		return nil
	}
	s.stats.Throttled++
	return newError(http.StatusTooManyRequests, codeTooMany,
		"more than %d calls in %v on this connection; retry after %v", s.opts.RateLimit, s.opts.Window, a.wait).
		withHeader("Retry-After", strconv.FormatInt(max(1, ceilDiv(a.wait, time.Second)), 10)).
		withHeader(retryAfterMsHeader, strconv.FormatInt(ceilDiv(a.wait, time.Millisecond), 10))
}

// fault rolls the fault dice. Holds s.mu.
func (s *Server) fault() *apiError {
	if s.opts.FaultRate <= 0 || s.rng.Float64() >= s.opts.FaultRate {
		return nil
	}
	s.stats.Faults++
	if s.rng.IntN(2) == 0 {
		return newError(http.StatusInternalServerError, codeInternal, "injected fault: internal error")
	}
	return newError(http.StatusServiceUnavailable, codeUnavailable, "injected fault: service unavailable").withHeader("Retry-After", "1")
}

// shutdownKey marks the context that ends when the simulator shuts down
// (Serve's), as opposed to the request's, which ends when its caller leaves.
type shutdownKey struct{}

// withShutdown returns ctx carrying itself as the shutdown context.
func withShutdown(ctx context.Context) context.Context {
	return context.WithValue(ctx, shutdownKey{}, ctx)
}

// shutdownContext is the shutdown context carried by a request's context,
// or one that never ends (a server started without Serve).
func shutdownContext(req context.Context) context.Context {
	if ctx, ok := req.Value(shutdownKey{}).(context.Context); ok {
		return ctx
	}
	return context.WithoutCancel(req)
}

// sleep waits d unless ctx ends first; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
