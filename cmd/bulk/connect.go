package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/remote"
	"github.com/firmtools/bulk/internal/secret"
	"github.com/firmtools/bulk/internal/sim"
)

// connOptions are the flags that say which service to talk to and as whom.
// Secrets are never flag values: they come from the environment, a file
// only its owner can read, or a prompt without echo.
type connOptions struct {
	Sim              bool
	URL              string
	TokenURL         string
	User             string
	ClientID         string
	PasswordFile     string
	ClientSecretFile string
	CAFile           string

	// In-process simulator knobs (with --sim).
	SimRateLimit string
	SimFaultRate float64
	SimDropRate  float64
	SimLatency   time.Duration
}

func addConnFlags(cmd *cobra.Command, o *connOptions) {
	f := cmd.Flags()
	f.BoolVar(&o.Sim, "sim", false, "run against the embedded simulator (started in-process on loopback)")
	f.StringVar(&o.URL, "url", "", "service base URL, e.g. cloudimanage.com (env IMANAGE_URL)")
	f.StringVar(&o.TokenURL, "token-url", "", "OAuth2 token URL (default {url}/auth/oauth2/token)")
	f.StringVar(&o.User, "user", "", "administrator user ID (env IMANAGE_USER)")
	f.StringVar(&o.ClientID, "client-id", "", "OAuth2 client ID (env IMANAGE_CLIENT_ID)")
	f.StringVar(&o.PasswordFile, "password-file", "", "read the password from this file (must not be readable by others); else env IMANAGE_PASSWORD or a prompt")
	f.StringVar(&o.ClientSecretFile, "client-secret-file", "", "read the OAuth2 client secret from this file; else env IMANAGE_CLIENT_SECRET")
	f.StringVar(&o.CAFile, "ca-file", "", "PEM file of a private certificate authority to trust as well as the system's")
	f.StringVar(&o.SimRateLimit, "sim-rate-limit", "", "with --sim: the simulator's limit (default: the same as --rate-limit)")
	f.Float64Var(&o.SimFaultRate, "sim-fault-rate", 0, "with --sim: fraction of calls the simulator answers 500/503")
	f.Float64Var(&o.SimDropRate, "sim-drop-rate", 0, "with --sim: fraction of calls the simulator processes and then drops unanswered")
	f.DurationVar(&o.SimLatency, "sim-latency", 0, "with --sim: latency the simulator adds to every call")
}

// connection is a ready client and what must be closed after it.
type connection struct {
	client  *imanage.Client
	secrets []secret.Secret // to redact from every output
	close   func()
}

// service names the service these options sign in to, as a journal
// records it, without connecting: the normalised base URL (default port
// left out) and the user, or the embedded simulator.
func (o *connOptions) service(ios *IOStreams) (executor.Service, error) {
	if o.Sim {
		if o.URL != "" {
			return executor.Service{}, &usageError{errors.New("--sim and --url name two services: use one")}
		}
		return executor.Service{Sim: true}, nil
	}
	raw := firstNonEmpty(o.URL, ios.Getenv("IMANAGE_URL"))
	if raw == "" {
		return executor.Service{}, &usageError{errors.New("no service: give --url (or IMANAGE_URL), or --sim for the embedded simulator")}
	}
	u, err := imanage.NormalizeBaseURL(raw)
	if err != nil {
		return executor.Service{}, &usageError{err}
	}
	if p := u.Port(); (u.Scheme == "https" && p == "443") || (u.Scheme == "http" && p == "80") {
		u.Host = strings.TrimSuffix(u.Host, ":"+p)
	}
	user := firstNonEmpty(o.User, ios.Getenv("IMANAGE_USER"))
	if user == "" && ios.Getenv("IMANAGE_TOKEN") == "" {
		return executor.Service{}, &usageError{errors.New("no user: give --user or IMANAGE_USER")}
	}
	return executor.Service{URL: u.String(), User: user}, nil
}

// errNoPassword is a usage problem: there is no way to get the password.
var errNoPassword = errors.New("no password: set IMANAGE_PASSWORD, use --password-file, or run on a terminal to be prompted (or set IMANAGE_TOKEN)")

// connect builds a client for the service the options name and signs in.
// Failing to sign in or reach the service is exit 3; missing settings are
// exit 2.
func (o *connOptions) connect(ctx context.Context, ios *IOStreams, limit executor.RateLimit, pace func(context.Context) error, observe func(imanage.CallInfo)) (*connection, error) {
	cfg := imanage.Config{Pace: pace, Observe: observe, UserAgent: "bulk"}
	conn := &connection{close: func() {}}
	if o.Sim {
		if o.URL != "" {
			return nil, &usageError{errors.New("--sim and --url name two services: use one")}
		}
		simLimit := limit
		if o.SimRateLimit != "" {
			l, err := executor.ParseRateLimit(o.SimRateLimit)
			if err != nil {
				return nil, &usageError{fmt.Errorf("--sim-rate-limit: %w", err)}
			}
			simLimit = l
		}
		pw := ios.Getenv("BULK_SIM_PASSWORD")
		srv := sim.New(sim.Options{RateLimit: simLimit.N, Window: simLimit.Window, FaultRate: o.SimFaultRate,
			DropRate: o.SimDropRate, Latency: o.SimLatency, Password: pw, Seed: 1})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, withExit(ExitUnreachable, fmt.Errorf("starting the simulator: %w", err))
		}
		hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = hs.Serve(ln) }()
		conn.close = func() { _ = hs.Close() }
		if pw == "" {
			pw = "admin"
		}
		cfg.BaseURL = "http://" + ln.Addr().String()
		cfg.Username = sim.AdminUser
		cfg.Password = secret.New(pw)
		cfg.ClientID = "bulk"
	} else {
		cfg.BaseURL = firstNonEmpty(o.URL, ios.Getenv("IMANAGE_URL"))
		if cfg.BaseURL == "" {
			return nil, &usageError{errors.New("no service: give --url (or IMANAGE_URL), or --sim for the embedded simulator")}
		}
		cfg.TokenURL = o.TokenURL
		cfg.Username = firstNonEmpty(o.User, ios.Getenv("IMANAGE_USER"))
		cfg.ClientID = firstNonEmpty(o.ClientID, ios.Getenv("IMANAGE_CLIENT_ID"))
		if tok := ios.Getenv("IMANAGE_TOKEN"); tok != "" {
			cfg.Token = secret.New(tok)
		}
		pw, err := o.password(ios, cfg.Username, cfg.BaseURL, cfg.Token.IsZero())
		if err != nil {
			return nil, err
		}
		cfg.Password = pw
		if cfg.Token.IsZero() && cfg.Username == "" {
			return nil, &usageError{errors.New("no user: give --user or IMANAGE_USER")}
		}
		if cfg.Token.IsZero() && cfg.ClientID == "" {
			return nil, &usageError{errors.New("no client ID: give --client-id or IMANAGE_CLIENT_ID")}
		}
		cs, err := readSecretSource(ios, "IMANAGE_CLIENT_SECRET", o.ClientSecretFile, "--client-secret-file")
		if err != nil {
			return nil, err
		}
		cfg.ClientSecret = cs
		hc, err := imanage.NewHTTPClient(o.CAFile)
		if err != nil {
			return nil, &usageError{fmt.Errorf("--ca-file: %w", err)}
		}
		cfg.HTTPClient = hc
	}
	conn.secrets = []secret.Secret{cfg.Password, cfg.Token, cfg.ClientSecret}
	c, err := imanage.New(cfg)
	if err != nil {
		conn.close()
		return nil, &usageError{err}
	}
	conn.client = c
	if cfg.Token.IsZero() || !cfg.Password.IsZero() {
		if err := c.SignIn(ctx); err != nil {
			conn.close()
			if errors.Is(err, context.Canceled) {
				return nil, err
			}
			return nil, withExit(ExitUnreachable, err)
		}
	}
	return conn, nil
}

// password finds the administrator's password: IMANAGE_PASSWORD, then
// --password-file, then a prompt without echo on a terminal.
func (o *connOptions) password(ios *IOStreams, user, url string, required bool) (secret.Secret, error) {
	pw, err := readSecretSource(ios, "IMANAGE_PASSWORD", o.PasswordFile, "--password-file")
	if err != nil || !pw.IsZero() {
		return pw, err
	}
	if !required {
		return secret.Secret{}, nil
	}
	if ios.InTTY && ios.ReadPassword != nil {
		fmt.Fprintf(ios.ErrOut, "Password for %s at %s: ", user, url)
		b, err := ios.ReadPassword()
		fmt.Fprintln(ios.ErrOut)
		if err != nil {
			return secret.Secret{}, fmt.Errorf("reading the password: %w", err)
		}
		return secret.New(strings.TrimRight(string(b), "\r\n")), nil
	}
	return secret.Secret{}, &usageError{errNoPassword}
}

// readSecretSource reads a secret from a file (refused if group or others
// may read it) or else from an environment variable.
func readSecretSource(ios *IOStreams, env, path, flag string) (secret.Secret, error) {
	if path != "" {
		s, err := readSecretFile(path)
		if err != nil {
			return secret.Secret{}, &usageError{fmt.Errorf("%s: %w", flag, err)}
		}
		return s, nil
	}
	if v := ios.Getenv(env); v != "" {
		return secret.New(v), nil
	}
	return secret.Secret{}, nil
}

// readSecretFile reads a one-line secret from a file that only its owner
// can read.
func readSecretFile(path string) (secret.Secret, error) {
	st, err := os.Stat(path)
	if err != nil {
		return secret.Secret{}, err
	}
	if !st.Mode().IsRegular() {
		return secret.Secret{}, fmt.Errorf("%s is not a regular file", path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return secret.Secret{}, fmt.Errorf("%s can be read by other users (mode %04o): run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	if st.Size() > 64*1024 {
		return secret.Secret{}, fmt.Errorf("%s is too large to be a password file", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return secret.Secret{}, err
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return secret.Secret{}, fmt.Errorf("%s is empty", path)
	}
	return secret.New(s), nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// remoteConns holds the connection flags of each `validate` command built,
// for connectRemote to read.
var remoteConns = map[*cobra.Command]*connOptions{}

func init() {
	addRemoteFlags = func(cmd *cobra.Command) {
		o := &connOptions{}
		addConnFlags(cmd, o)
		remoteConns[cmd] = o
	}
	connectRemote = func(cmd *cobra.Command, ios *IOStreams) (remote.Service, func(), error) {
		o := remoteConns[cmd]
		if o == nil {
			return nil, nil, errors.New("--remote: no connection flags on this command")
		}
		rl, _ := cmd.Flags().GetString("rate-limit")
		limit, err := executor.ParseRateLimit(rl)
		if err != nil {
			return nil, nil, &usageError{fmt.Errorf("--rate-limit: %w", err)}
		}
		// The remote checks' reads count against the same limit as a run.
		pacer := executor.NewPacer(limit, nil)
		conn, err := o.connect(cmd.Context(), ios, limit, pacer.Wait, nil)
		if err != nil {
			return nil, nil, err
		}
		return conn.client, conn.close, nil
	}
}
