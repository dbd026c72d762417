// Package imanage is the HTTP client of the iManage Work admin operations
// described in docs/contract.md: sign-in, the ten actions and the
// helper reads, with every failure returned as an *Error that says whether
// the request reached the service.
//
// The client neither retries nor waits: it calls Config.Pace before each
// operation request and reports what happened; the executor decides the
// rest. The one exception is a 401, which it answers by signing in again
// (once for all the goroutines that met it) and repeating the call once.
package imanage

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/firmtools/bulk/internal/secret"
)

// Config is what a Client needs. Only BaseURL and a way to sign in
// (Username and Password, or Token) are required.
type Config struct {
	// BaseURL as the user typed it: "cloudimanage.com",
	// "https://eu.cloudimanage.com/", "http://127.0.0.1:8080".
	BaseURL string
	// TokenURL of the OAuth2 password grant; default {base}/auth/oauth2/token.
	TokenURL     string
	Username     string
	Password     secret.Secret
	ClientID     string
	ClientSecret secret.Secret // optional
	// Token is a ready access token: no sign-in is made. A 401 is then fatal
	// (ErrAuthLost) unless Password or SignIn is also set, to sign in again with.
	Token secret.Secret
	// SignIn, when set, signs in instead of the password grant, at first and
	// after a 401: it returns an access token (a stored refresh token's
	// RefreshGrant, say). The client calls it once at a time.
	SignIn     func(ctx context.Context, c *Client) (secret.Secret, error)
	HTTPClient *http.Client // nil: built by NewHTTPClient("")
	// Timeout bounds each attempt, answer body included; 0 means 60s.
	Timeout time.Duration
	// MaxAnswerBytes caps a success answer; a bigger one is an error and is
	// never read whole. 0 means 8 MiB.
	MaxAnswerBytes int64
	// Pace is called before every operation request (not the token request),
	// the repeat after a re-sign-in included: it waits for the request's
	// turn, and returns what to call when the request ended, with its error
	// (nil: it succeeded). The executor passes its shared pacer here (see
	// executor.Pace). nil: no pacing.
	Pace func(ctx context.Context) (ended func(error), err error)
	// Observe, if set, is called after every operation attempt.
	Observe   func(CallInfo)
	UserAgent string
}

// CallInfo describes one operation attempt, for statistics.
type CallInfo struct {
	Op         string
	StatusCode int // 0 unless Delivery == Answered
	Delivery   Delivery
	Duration   time.Duration
	Err        error // nil on success
}

// Client talks to one service as one signed-in user. It is safe for use by
// many goroutines at once; they share one access token.
type Client struct {
	base      *url.URL
	opsPrefix string
	tokenURL  string

	username     string
	password     secret.Secret
	clientID     string
	clientSecret secret.Secret
	signIn       func(context.Context, *Client) (secret.Secret, error)

	hc        *http.Client
	timeout   time.Duration
	maxAnswer int64
	pace      func(context.Context) (func(error), error)
	observe   func(CallInfo)
	userAgent string
	now       func() time.Time // for Retry-After dates; a field so tests can fix it

	mu     sync.Mutex
	token  secret.Secret
	gen    uint64 // bumped by every successful sign-in; 401s name the generation they met
	flight *signInFlight
}

// signInFlight is a sign-in in progress that other goroutines wait for
// instead of starting their own.
type signInFlight struct {
	done chan struct{}
	err  error
}

// New checks cfg and returns a client. It makes no request: the first
// operation signs in unless a Token is given (call SignIn to check the
// credentials up front).
func New(cfg Config) (*Client, error) {
	base, err := NormalizeBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	tokenURL := base.String() + defaultTokenPath
	if cfg.TokenURL != "" {
		u, err := NormalizeBaseURL(cfg.TokenURL)
		if err != nil {
			return nil, fmt.Errorf("token URL: %w", err)
		}
		tokenURL = u.String()
	}
	switch {
	case cfg.Token.IsZero() && cfg.Password.IsZero() && cfg.SignIn == nil:
		return nil, errors.New("no way to sign in: give a user name and password, or an access token")
	case !cfg.Password.IsZero() && cfg.Username == "":
		return nil, errors.New("a password is given but no user name")
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("timeout %s is negative", cfg.Timeout)
	case cfg.MaxAnswerBytes < 0:
		return nil, fmt.Errorf("answer size limit %d is negative", cfg.MaxAnswerBytes)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		if hc, err = NewHTTPClient(""); err != nil {
			return nil, err
		}
	} else {
		// A shallow copy so the caller's client keeps its own redirect
		// policy; ours must not follow redirects (see NewHTTPClient).
		cp := *hc
		cp.CheckRedirect = refuseRedirect
		hc = &cp
	}
	c := &Client{
		base:         base,
		opsPrefix:    base.String() + operationsPath,
		tokenURL:     tokenURL,
		username:     cfg.Username,
		password:     cfg.Password,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		signIn:       cfg.SignIn,
		hc:           hc,
		timeout:      cfg.Timeout,
		maxAnswer:    cfg.MaxAnswerBytes,
		pace:         cfg.Pace,
		observe:      cfg.Observe,
		userAgent:    cfg.UserAgent,
		now:          time.Now,
		token:        cfg.Token,
	}
	if c.timeout == 0 {
		c.timeout = defaultTimeout
	}
	if c.maxAnswer == 0 {
		c.maxAnswer = defaultMaxAnswerBytes
	}
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent
	}
	if !c.token.IsZero() {
		c.gen = 1
	}
	return c, nil
}

// BaseURL returns the normalised service URL, e.g. "https://cloudimanage.com".
func (c *Client) BaseURL() string { return c.base.String() }

// SignIn signs in now (Config.SignIn, else the password grant), replacing
// any token held; goroutines that need a token meanwhile wait for this
// sign-in. A failure wraps ErrSignIn (or the context's error). With only a
// ready Token and no password there is nothing to sign in with, and SignIn
// returns nil.
func (c *Client) SignIn(ctx context.Context) error {
	if !c.canSignIn() {
		return nil
	}
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	_, _, err := c.renew(ctx, gen)
	return err
}

func (c *Client) canSignIn() bool { return !c.password.IsZero() || c.signIn != nil }

// currentToken returns the token to send and its generation, signing in
// first when there is none yet.
func (c *Client) currentToken(ctx context.Context) (secret.Secret, uint64, error) {
	c.mu.Lock()
	tok, gen := c.token, c.gen
	c.mu.Unlock()
	if !tok.IsZero() {
		return tok, gen, nil
	}
	return c.renew(ctx, gen)
}

// renew returns a token newer than generation stale, signing in unless
// another goroutine already has or is doing so: many workers meeting a 401
// at once cause one sign-in.
func (c *Client) renew(ctx context.Context, stale uint64) (secret.Secret, uint64, error) {
	for {
		c.mu.Lock()
		if c.gen != stale && !c.token.IsZero() {
			tok, gen := c.token, c.gen
			c.mu.Unlock()
			return tok, gen, nil
		}
		f := c.flight
		leader := f == nil
		if leader {
			f = &signInFlight{done: make(chan struct{})}
			c.flight = f
		}
		c.mu.Unlock()

		if leader {
			tok, err := c.requestToken(ctx)
			c.mu.Lock()
			if err == nil {
				c.token = tok
				c.gen++
			}
			f.err = err
			c.flight = nil
			close(f.done)
			gen := c.gen
			c.mu.Unlock()
			if err != nil {
				return secret.Secret{}, 0, err
			}
			return tok, gen, nil
		}

		select {
		case <-f.done:
		case <-ctx.Done():
			return secret.Secret{}, 0, &Error{Op: OpSignIn, Delivery: NotSent,
				Err: fmt.Errorf("waiting for sign-in: %w", ctx.Err())}
		}
		if f.err == nil {
			continue // the loop's first check now finds the new token
		}
		if isContextError(f.err) && ctx.Err() == nil {
			continue // the leader was cancelled, not us: sign in ourselves
		}
		return secret.Secret{}, 0, f.err
	}
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
