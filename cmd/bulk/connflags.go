package main

import (
	"github.com/spf13/cobra"

	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/secret"
)

// connFlags are the flags that say which service to talk to and as whom.
// Secrets are never flag values: they come from the environment, a file
// only its owner can read, or a prompt without echo.
type connFlags struct {
	sim              bool
	url              string
	tokenURL         string
	user             string
	clientID         string
	passwordFile     string
	clientSecretFile string
	caFile           string
	simulator        connect.Simulator
}

func addConnFlags(cmd *cobra.Command, c *connFlags) {
	f := cmd.Flags()
	f.BoolVar(&c.sim, "sim", false, "run against the embedded simulator (started in-process on loopback)")
	f.StringVar(&c.url, "url", "", "service base URL, e.g. cloudimanage.com (env IMANAGE_URL)")
	f.StringVar(&c.tokenURL, "token-url", "", "OAuth2 token URL (default {url}/auth/oauth2/token)")
	f.StringVar(&c.user, "user", "", "administrator user ID (env IMANAGE_USER)")
	f.StringVar(&c.clientID, "client-id", "", "OAuth2 client ID (env IMANAGE_CLIENT_ID)")
	f.StringVar(&c.passwordFile, "password-file", "", "read the password from this file (must not be readable by others); else env IMANAGE_PASSWORD or a prompt")
	f.StringVar(&c.clientSecretFile, "client-secret-file", "", "read the OAuth2 client secret from this file; else env IMANAGE_CLIENT_SECRET")
	f.StringVar(&c.caFile, "ca-file", "", "PEM file of a private certificate authority to trust as well as the system's")
	f.StringVar(&c.simulator.RateLimit, "sim-rate-limit", "", "with --sim: the simulator's limit (default: the same as --rate-limit)")
	f.Float64Var(&c.simulator.FaultRate, "sim-fault-rate", 0, "with --sim: fraction of calls the simulator answers 500/503")
	f.Float64Var(&c.simulator.DropRate, "sim-drop-rate", 0, "with --sim: fraction of calls the simulator processes and then drops unanswered")
	f.DurationVar(&c.simulator.Latency, "sim-latency", 0, "with --sim: latency the simulator adds to every call")
}

// options are the connection the flags and the environment name: a flag
// wins over its variable. With --sim, IMANAGE_URL is not read: the
// simulator is the service.
func (c *connFlags) options(getenv func(string) string) connect.Options {
	o := connect.Options{
		Sim: c.sim, Simulator: c.simulator, URL: c.url, TokenURL: c.tokenURL, CAFile: c.caFile,
		User:         firstNonEmpty(c.user, getenv("IMANAGE_USER")),
		ClientID:     firstNonEmpty(c.clientID, getenv("IMANAGE_CLIENT_ID")),
		Token:        secret.New(getenv("IMANAGE_TOKEN")),
		Password:     connect.Source{File: c.passwordFile, Flag: "--password-file", Value: secret.New(getenv("IMANAGE_PASSWORD"))},
		ClientSecret: connect.Source{File: c.clientSecretFile, Flag: "--client-secret-file", Value: secret.New(getenv("IMANAGE_CLIENT_SECRET"))},
	}
	o.Simulator.Password = getenv("BULK_SIM_PASSWORD")
	if !c.sim {
		o.URL = firstNonEmpty(c.url, getenv("IMANAGE_URL"))
	}
	return o
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
