// Package connect signs in to the service a command names, or to the
// embedded simulator started in-process, and hands back a ready client.
//
// Options are values, not flags: the face fills them from flags and the
// environment. Secrets are never flag values; they come from the
// environment, a file only its owner can read, or a prompt without echo.
package connect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/firmtools/bulk/internal/config"
	"github.com/firmtools/bulk/internal/credstore"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/ratelimit"
	"github.com/firmtools/bulk/internal/runfiles"
	"github.com/firmtools/bulk/internal/secret"
	"github.com/firmtools/bulk/internal/sim"
)

// Options say which service to talk to and as whom.
type Options struct {
	// Sim runs against the embedded simulator, started in-process on
	// loopback, instead of a service.
	Sim bool
	// Simulator are its knobs (with Sim).
	Simulator Simulator

	URL      string // the service's base URL
	TokenURL string // the OAuth2 token URL; "" is {URL}/auth/oauth2/token
	User     string // the administrator's user ID
	ClientID string // the OAuth2 client ID
	CAFile   string // a PEM file of a private certificate authority to trust as well
	// CallTimeout bounds one call, sign-in included, answer body and all;
	// 0 is the client's default (60s).
	CallTimeout time.Duration

	Token        secret.Secret // a ready access token; then no password is needed
	Password     Source        // the administrator's password; else a kept sign-in, else a prompt on a terminal
	ClientSecret Source        // the OAuth2 client secret, if the client has one

	// Profile names the profile these options came from, for messages;
	// "" when none.
	Profile string
	// SignIn is how to sign in when no password is given:
	// config.SignInPassword ("", the prompt) or config.SignInBrowser (only
	// a sign-in kept by 'bulk login --browser').
	SignIn string
	// Store keeps the sign-ins 'bulk login' makes; nil: none is used.
	Store *credstore.Store
}

// Simulator are the in-process simulator's knobs.
type Simulator struct {
	RateLimit string // N/DURATION; "" is the run's own limit
	FaultRate float64
	DropRate  float64
	Latency   time.Duration
	Password  string // the administrator's password; "" is "admin"
	// TenantProperties are the properties the simulator's tenant adds to
	// aliasInfo, create_password and profileProperties
	// (--sim-tenant-property, read by sim.ParseTenantProperty).
	TenantProperties []sim.TenantProperty
}

// Source is where a secret comes from: a file (refused when others may
// read it), else a value from the environment.
type Source struct {
	File  string
	Flag  string // the flag that named File, for messages
	Value secret.Secret
}

// Files are the files the options read, named by the flag that gave each:
// a run's outputs must be none of them.
func (o Options) Files() []runfiles.File {
	var out []runfiles.File
	for _, f := range []runfiles.File{{What: o.Password.Flag, Path: o.Password.File},
		{What: o.ClientSecret.Flag, Path: o.ClientSecret.File}, {What: "--ca-file", Path: o.CAFile}} {
		if f.Path != "" {
			out = append(out, f)
		}
	}
	return out
}

// Use is how a client's calls are paced and observed.
type Use struct {
	Limit   ratelimit.Limit                            // the run's limit; the simulator's too unless Simulator.RateLimit says otherwise
	Pace    func(context.Context) (func(error), error) // waited on before every attempt, told its end (imanage.Config.Pace)
	Observe func(imanage.CallInfo)                     // told of every attempt; may be nil
	// Learn is told of the secrets the connection comes to hold after Open
	// (a refreshed access token, a rotated refresh token), to redact them;
	// may be nil.
	Learn func(values ...string)
	// Wrap, if set, wraps the HTTP transport (bulk check watches TLS through it).
	Wrap func(http.RoundTripper) http.RoundTripper
}

// Conn is a signed-in client and what must be closed after it.
type Conn struct {
	Client  *imanage.Client
	Secrets []secret.Secret // to redact from every output
	User    string          // who signed in, as the options name them ("" with only a token)
	How     string          // how: with a password, a kept sign-in, a ready token
	close   func()
}

// How a connection signed in.
const (
	ByPassword = "with a password"
	ByKept     = "with the sign-in kept by 'bulk login'"
	ByToken    = "with a ready access token (IMANAGE_TOKEN)"
)

// Close stops what the connection started (the in-process simulator).
func (c *Conn) Close() { c.close() }

// Settings that are missing or contradict each other: usage problems.
var (
	ErrNoPassword  = errors.New("no password: set IMANAGE_PASSWORD, use --password-file, run on a terminal to be prompted, or sign in once with 'bulk login' (or set IMANAGE_TOKEN)")
	ErrTwoServices = errors.New("--sim and --url name two services: use one")
	ErrNoService   = errors.New("no service: give --url (or IMANAGE_URL), or --sim for the embedded simulator")
	ErrNoUser      = errors.New("no user: give --user or IMANAGE_USER")
)

// Open builds a client for the service the options name and signs in.
// Failing to sign in or reach the service is exit 3; missing settings are
// usage errors (exit 2).
func Open(ctx context.Context, ios *iostreams.IOStreams, o Options, use Use) (*Conn, error) {
	cfg := imanage.Config{Pace: use.Pace, Observe: use.Observe, UserAgent: "bulk", Timeout: o.CallTimeout}
	conn := &Conn{close: func() {}}
	var err error
	if o.Sim {
		err = o.simulator(&cfg, conn, use.Limit)
	} else {
		err = o.service(ios, &cfg, use, forRun)
	}
	if err != nil {
		return nil, err
	}
	conn.Secrets = []secret.Secret{cfg.Password, cfg.Token, cfg.ClientSecret}
	conn.User = cfg.Username
	switch {
	case !cfg.Password.IsZero():
		conn.How = ByPassword
	case cfg.SignIn != nil:
		conn.How = ByKept
	default:
		conn.How = ByToken
	}
	c, err := imanage.New(cfg)
	if err != nil {
		conn.close()
		return nil, exit.Usage(err)
	}
	conn.Client = c
	if cfg.Token.IsZero() || !cfg.Password.IsZero() {
		if err := c.SignIn(ctx); err != nil {
			conn.close()
			if errors.Is(err, context.Canceled) {
				return nil, err
			}
			return nil, exit.With(exit.Unreachable, err)
		}
	}
	return conn, nil
}

// simulator starts the embedded simulator on loopback and points cfg at it.
func (o Options) simulator(cfg *imanage.Config, conn *Conn, limit ratelimit.Limit) error {
	if o.URL != "" {
		return exit.Usage(ErrTwoServices)
	}
	if o.Simulator.RateLimit != "" {
		l, err := ratelimit.Parse(o.Simulator.RateLimit)
		if err != nil {
			return exit.Usage(fmt.Errorf("--sim-rate-limit: %w", err))
		}
		limit = l
	}
	so := o.Simulator
	if err := sim.ValidateTenantProperties(so.TenantProperties); err != nil {
		return exit.Usage(fmt.Errorf("--sim-tenant-property: %w", err))
	}
	opts := sim.Options{RateLimit: limit.N, Window: limit.Window, FaultRate: so.FaultRate, DropRate: so.DropRate,
		Latency: so.Latency, Password: so.Password, Seed: 1, ClientIDs: []string{simClientID}, TenantProperties: so.TenantProperties}
	if err := opts.Validate(); err != nil { // sim.New would panic
		return exit.Usage(fmt.Errorf("the simulator's knobs (--sim-fault-rate, --sim-drop-rate, --sim-latency): %w", err))
	}
	srv := sim.New(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return exit.With(exit.Unreachable, fmt.Errorf("starting the simulator: %w", err))
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	conn.close = func() { _ = hs.Close() }
	pw := so.Password
	if pw == "" {
		pw = "admin"
	}
	cfg.BaseURL = "http://" + ln.Addr().String()
	cfg.Username = sim.AdminUser
	cfg.Password = secret.New(pw)
	cfg.ClientID = simClientID
	return nil
}

// simClientID is the client ID the embedded simulator registers and --sim signs in with.
const simClientID = "bulk"

// purpose is what a sign-in is for: a command's calls, or bulk login's.
type purpose int

const (
	forRun           purpose = iota // a password, else a kept sign-in, else the prompt
	forLoginPassword                // a password (file, environment, prompt) to trade for a refresh token
	forLoginBrowser                 // no password: the browser signs in
)

// service points cfg at the service the options name, as the user they
// name, with the secrets they say where to find.
func (o Options) service(ios *iostreams.IOStreams, cfg *imanage.Config, use Use, p purpose) error {
	if o.URL == "" {
		return exit.Usage(ErrNoService)
	}
	cfg.BaseURL, cfg.TokenURL, cfg.Username, cfg.ClientID, cfg.Token = o.URL, o.TokenURL, o.User, o.ClientID, o.Token
	if err := o.signInWith(ios, cfg, use, p); err != nil {
		return err
	}
	if cfg.Token.IsZero() && cfg.SignIn == nil && cfg.Username == "" {
		return exit.Usage(ErrNoUser)
	}
	if cfg.Token.IsZero() && cfg.ClientID == "" {
		return exit.Usage(errors.New("no client ID: give --client-id, IMANAGE_CLIENT_ID or a profile's client_id"))
	}
	var err error
	if cfg.ClientSecret, err = o.ClientSecret.read(); err != nil {
		return err
	}
	hc, err := imanage.NewHTTPClient(o.CAFile)
	if err != nil {
		return exit.Usage(fmt.Errorf("--ca-file: %w", err))
	}
	if use.Wrap != nil {
		hc.Transport = use.Wrap(hc.Transport)
	}
	cfg.HTTPClient = hc
	return nil
}

// signInWith chooses how to sign in: a password given (file, environment)
// wins; else a ready token; else the sign-in 'bulk login' kept; else the
// prompt (never for a profile that signs in with the browser).
func (o Options) signInWith(ios *iostreams.IOStreams, cfg *imanage.Config, use Use, p purpose) error {
	if p == forLoginBrowser {
		cfg.SignIn = func(context.Context, *imanage.Client) (secret.Secret, error) {
			return secret.Secret{}, fmt.Errorf("%w: the browser signs in", imanage.ErrSignIn)
		}
		return nil
	}
	pw, err := o.Password.read()
	if err != nil || !pw.IsZero() {
		cfg.Password = pw
		return err
	}
	if p == forRun && !cfg.Token.IsZero() {
		return nil
	}
	if p == forRun {
		kept, err := o.keptSignIn(use.Learn)
		if err != nil || kept != nil {
			cfg.SignIn = kept
			return err
		}
		if o.SignIn == config.SignInBrowser {
			return exit.Usage(fmt.Errorf("%s signs in with the browser and no sign-in is kept: run 'bulk login --browser%s' first", o.what(), o.profileFlag()))
		}
	}
	cfg.Password, err = o.prompt(ios)
	return err
}

// what names the options in messages: the profile, else the service.
func (o Options) what() string {
	if o.Profile != "" {
		return "profile " + o.Profile
	}
	return o.URL
}

func (o Options) profileFlag() string {
	if o.Profile != "" {
		return " --profile " + o.Profile
	}
	return ""
}

// prompt asks for the administrator's password without echo, on a
// terminal; without one it is a usage error that says where a password
// may come from.
func (o Options) prompt(ios *iostreams.IOStreams) (secret.Secret, error) {
	if ios.InTTY && ios.ReadPassword != nil {
		fmt.Fprintf(ios.ErrOut, "Password for %s at %s: ", o.User, o.URL)
		b, err := ios.ReadPassword()
		fmt.Fprintln(ios.ErrOut)
		if err != nil {
			return secret.Secret{}, fmt.Errorf("reading the password: %w", err)
		}
		return secret.New(strings.TrimRight(string(b), "\r\n")), nil
	}
	return secret.Secret{}, exit.Usage(ErrNoPassword)
}

// read reads the secret from its file (refused if group or others may
// read it), or else gives the value from the environment.
func (s Source) read() (secret.Secret, error) {
	if s.File == "" {
		return s.Value, nil
	}
	v, err := readSecretFile(s.File)
	if err != nil {
		return secret.Secret{}, exit.Usage(fmt.Errorf("%s: %w", s.Flag, err))
	}
	return v, nil
}
