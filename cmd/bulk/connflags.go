package main

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/firmtools/bulk/internal/config"
	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/credstore"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/secret"
)

// connFlags are the flags that say which service to talk to and as whom.
// Secrets are never flag values: they come from the environment, a file
// only its owner can read, a prompt without echo, or the sign-in 'bulk
// login' kept.
type connFlags struct {
	sim              bool
	profile          string
	url              string
	tokenURL         string
	user             string
	clientID         string
	passwordFile     string
	clientSecretFile string
	caFile           string
	callTimeout      callTimeoutFlag
	simulator        connect.Simulator

	chosen config.Profile // the profile options() used
}

const connHelp = `Settings come from, first to last: a flag, its environment variable, the
profile (--profile, BULK_PROFILE, else the config file's default), a default.`

func addConnFlags(cmd *cobra.Command, c *connFlags) {
	addSignInFlags(cmd, c)
	f := cmd.Flags()
	f.BoolVar(&c.sim, "sim", false, "run against the embedded simulator (started in-process on loopback)")
	f.Var(&c.callTimeout, "call-timeout", "how long one call may take, its answer included, before it counts as a timeout (else the profile's call_timeout, else 60s)")
	f.StringVar(&c.simulator.RateLimit, "sim-rate-limit", "", "with --sim: the simulator's limit (default: the same as --rate-limit)")
	f.Float64Var(&c.simulator.FaultRate, "sim-fault-rate", 0, "with --sim: fraction of calls the simulator answers 500/503")
	f.Float64Var(&c.simulator.DropRate, "sim-drop-rate", 0, "with --sim: fraction of calls the simulator processes and then drops unanswered")
	f.DurationVar(&c.simulator.Latency, "sim-latency", 0, "with --sim: latency the simulator adds to every call")
	f.Var(tenantPropertyFlag{&c.simulator.TenantProperties}, "sim-tenant-property", "with --sim: "+tenantPropertyHelp)
}

// addSignInFlags are the service's flags and the files the secrets come from.
func addSignInFlags(cmd *cobra.Command, c *connFlags) {
	addServiceFlags(cmd, c)
	f := cmd.Flags()
	f.StringVar(&c.passwordFile, "password-file", "", "read the password from this file (only you may read it); else env IMANAGE_PASSWORD, the sign-in 'bulk login' kept, or a prompt")
	f.StringVar(&c.clientSecretFile, "client-secret-file", "", "read the OAuth2 client secret from this file; else env IMANAGE_CLIENT_SECRET")
}

// addServiceFlags are the flags that name a service and a user, which
// every command that talks to the service (or keeps its sign-in) takes.
func addServiceFlags(cmd *cobra.Command, c *connFlags) {
	f := cmd.Flags()
	f.StringVar(&c.profile, "profile", "", "the connection profile of the config file to use (env BULK_PROFILE; see 'bulk config')")
	f.StringVar(&c.url, "url", "", "service base URL, e.g. cloudimanage.com (env IMANAGE_URL)")
	f.StringVar(&c.tokenURL, "token-url", "", "OAuth2 token URL (default {url}/auth/oauth2/token)")
	f.StringVar(&c.user, "user", "", "administrator user ID (env IMANAGE_USER)")
	f.StringVar(&c.clientID, "client-id", "", "OAuth2 client ID (env IMANAGE_CLIENT_ID)")
	f.StringVar(&c.caFile, "ca-file", "", "PEM file of a private certificate authority to trust as well as the system's")
}

// options are the connection the flags, the environment and the profile
// name: a flag wins over its variable, which wins over the profile. With
// --sim, neither IMANAGE_URL nor a profile is read: the simulator is the
// service.
func (c *connFlags) options(ios *iostreams.IOStreams) (connect.Options, error) {
	getenv := ios.Getenv
	o := connect.Options{
		Sim: c.sim, Simulator: c.simulator, URL: c.url, TokenURL: c.tokenURL, CAFile: c.caFile, CallTimeout: c.callTimeout.d,
		Token:        secret.New(getenv("IMANAGE_TOKEN")),
		Password:     connect.Source{File: c.passwordFile, Flag: "--password-file", Value: secret.New(getenv("IMANAGE_PASSWORD"))},
		ClientSecret: connect.Source{File: c.clientSecretFile, Flag: "--client-secret-file", Value: secret.New(getenv("IMANAGE_CLIENT_SECRET"))},
	}
	o.Simulator.Password = getenv("BULK_SIM_PASSWORD")
	if c.sim {
		if c.profile != "" {
			return o, exit.Usage(errors.New("--sim and --profile name two services: use one"))
		}
		o.User, o.ClientID = firstNonEmpty(c.user, getenv("IMANAGE_USER")), firstNonEmpty(c.clientID, getenv("IMANAGE_CLIENT_ID"))
		return o, nil
	}
	if f := c.simulatorFlag(); f != "" {
		// Against a real service it would do nothing, silently.
		return o, exit.Usage(fmt.Errorf("%s is for the embedded simulator: add --sim, or leave it out", f))
	}
	p, name, err := chooseProfile(getenv, firstNonEmpty(c.profile, getenv("BULK_PROFILE")))
	if err != nil {
		return o, exit.Usage(err)
	}
	c.chosen = p
	o.Profile, o.SignIn = name, p.SignIn
	o.URL = firstNonEmpty(c.url, getenv("IMANAGE_URL"), p.URL)
	o.User = firstNonEmpty(c.user, getenv("IMANAGE_USER"), p.User)
	o.ClientID = firstNonEmpty(c.clientID, getenv("IMANAGE_CLIENT_ID"), p.ClientID)
	o.TokenURL = firstNonEmpty(c.tokenURL, p.TokenURL)
	o.CAFile = firstNonEmpty(c.caFile, p.CAFile)
	if !c.callTimeout.set && p.CallTimeout != "" {
		o.CallTimeout, _ = config.ParseCallTimeout(p.CallTimeout) // checked when the file was read
	}
	o.Store = signIns(getenv)
	return o, nil
}

// simulatorFlag names a --sim-* flag that was given, "" when none was.
func (c *connFlags) simulatorFlag() string {
	sm := c.simulator
	switch {
	case sm.RateLimit != "":
		return "--sim-rate-limit"
	case sm.FaultRate != 0:
		return "--sim-fault-rate"
	case sm.DropRate != 0:
		return "--sim-drop-rate"
	case sm.Latency != 0:
		return "--sim-latency"
	case len(sm.TenantProperties) > 0:
		return "--sim-tenant-property"
	}
	return ""
}

// rateLimit is the run's limit: the flag when given, else the profile's,
// else the flag's default.
func (c *connFlags) rateLimit(cmd *cobra.Command, flag string) string {
	if cmd.Flags().Changed("rate-limit") || c.chosen.RateLimit == "" {
		return flag
	}
	return c.chosen.RateLimit
}

// chooseProfile reads the config file and picks the profile named, else
// its default.
func chooseProfile(getenv func(string) string, name string) (config.Profile, string, error) {
	f, err := loadConfig(getenv)
	if err != nil {
		return config.Profile{}, "", err
	}
	return f.Profile(name)
}

func loadConfig(getenv func(string) string) (*config.File, error) {
	return config.Load(config.Path(getenv, runtime.GOOS), getenv(config.Env) != "")
}

// signIns is where 'bulk login' keeps sign-ins: the credential store, or
// files in the state folder (always, with BULK_CREDENTIAL_STORE=file).
// nil when there is no state folder.
func signIns(getenv func(string) string) *credstore.Store {
	dir := config.StateDir(getenv, runtime.GOOS)
	if dir == "" {
		return nil
	}
	if getenv("BULK_CREDENTIAL_STORE") == "file" {
		s := credstore.System(dir, func(string) string { return "" })
		s.Keyring, s.NoKeyring = nil, "BULK_CREDENTIAL_STORE=file"
		return s
	}
	return credstore.System(dir, getenv)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// callTimeoutFlag is --call-timeout, checked as it is read (a duration
// above 0, config.ParseCallTimeout). set tells a flag given from one left
// out, which the profile's call_timeout fills in.
type callTimeoutFlag struct {
	d   time.Duration
	set bool
}

func (f *callTimeoutFlag) String() string {
	if !f.set {
		return ""
	}
	return f.d.String()
}

func (f *callTimeoutFlag) Set(v string) error {
	d, err := config.ParseCallTimeout(v)
	if err != nil {
		return err
	}
	f.d, f.set = d, true
	return nil
}

func (f *callTimeoutFlag) Type() string { return "DURATION" }
