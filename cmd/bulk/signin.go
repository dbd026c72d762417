package main

import (
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/firmtools/bulk/internal/check"
	"github.com/firmtools/bulk/internal/config"
	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/credstore"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/iostreams"
)

func newCheckCmd(ios *iostreams.IOStreams) *cobra.Command {
	var conn connFlags
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the connection: reach the service, TLS, sign-in, libraries, administrator rights",
		Long: `Check reaches the service, looks at its TLS certificate, signs in, and makes two
read calls: the libraries the user sees, and whether the user is an administrator
(read from another user's My Matters, which only an administrator may ask for: an
inference, since only writes are promised to need one; check makes no write). It
prints each step with its latency, and what to fix when one fails: an unknown
client ID, a wrong password, TLS, no administrator rights.

` + connHelp + `

Exit codes: 0 all is well; 2 settings missing; 3 something to fix.`,
		Example: `  bulk check --profile prod-us
  IMANAGE_PASSWORD=... bulk check --url cloudimanage.com --user admin --client-id bulk`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := conn.options(ios)
			if err != nil {
				return err
			}
			return check.Run(cmd.Context(), ios, o)
		},
	}
	addConnFlags(cmd, &conn)
	return cmd
}

func newLoginCmd(ios *iostreams.IOStreams) *cobra.Command {
	var conn connFlags
	var lo connect.LoginOptions
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in once and keep the sign-in, so later commands need no password",
		Long: `Login signs in (with the password from IMANAGE_PASSWORD, --password-file or a
prompt without echo; or, with --browser, in the browser, for accounts that sign in
through the firm's single sign-on) and keeps the refresh token the service hands
out: in the operating system's credential store where there is one, else in a
file only you can read in your state folder. Later commands with the same profile
(or --url, --user and --client-id) need no password: they refresh the sign-in and
keep the token that replaces it. 'bulk logout' forgets it.

The service hands out refresh tokens only when the application's "Allow Refresh
Token" is on (Control Center, Settings, Applications); login says so when it is off.

` + connHelp,
		Example: `  bulk login --profile prod-us
  bulk login --profile firm-sso --browser
  bulk login --profile firm-sso --browser --no-browser   # print the address instead`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := conn.options(ios)
			if err != nil {
				return err
			}
			lo.Browser = lo.Browser || o.SignIn == config.SignInBrowser
			lo.Getenv, lo.GOOS = ios.Getenv, runtime.GOOS
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return connect.Login(ctx, ios, o, lo)
		},
	}
	addSignInFlags(cmd, &conn)
	f := cmd.Flags()
	f.BoolVar(&lo.Browser, "browser", false, "sign in in the browser (OAuth2 authorization code with PKCE), for single sign-on; a profile's sign_in: browser does the same")
	f.BoolVar(&lo.NoOpen, "no-browser", false, "with --browser: open no browser, print the address to open on this computer")
	f.DurationVar(&lo.Wait, "wait", 5*time.Minute, "with --browser: how long to wait for the sign-in in the browser")
	return cmd
}

func newLogoutCmd(ios *iostreams.IOStreams) *cobra.Command {
	var conn connFlags
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Forget the sign-in 'bulk login' kept",
		Long: `Logout forgets the refresh token 'bulk login' kept for the profile (or --url,
--user and --client-id). The service still honours it until it expires, unless an
administrator revokes it.

` + connHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := conn.options(ios)
			if err != nil {
				return err
			}
			return connect.Logout(ios, o)
		},
	}
	addServiceFlags(cmd, &conn)
	return cmd
}

func newConfigCmd(ios *iostreams.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "List the connection profiles (no secrets: the config file holds none)",
		Long: `Config lists the profiles of the config file (BULK_CONFIG, else bulk/config.yaml
in your config folder) and whether 'bulk login' kept a sign-in for each.
A key that looks like a secret (password, client_secret, token...) is refused,
as is any key the file cannot have.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := loadConfig(ios.Getenv)
			if err != nil {
				return exit.Usage(err)
			}
			store := signIns(ios.Getenv)
			return f.Describe(ios.Out, func(p config.Profile) string { return keptFor(store, p) })
		},
	}
}

// keptFor says where the sign-in of p is kept, or "no".
func keptFor(store *credstore.Store, p config.Profile) string {
	if store == nil || p.URL == "" {
		return "no"
	}
	key, err := connect.Options{URL: p.URL, User: p.User, ClientID: p.ClientID}.Key()
	if err != nil {
		return "no"
	}
	if _, where, err := store.Get(key); err == nil {
		return "yes, in " + where
	}
	return "no"
}
