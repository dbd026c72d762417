package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/ratelimit"
	"github.com/firmtools/bulk/internal/sim"
)

type simOptions struct {
	ios       *iostreams.IOStreams
	Listen    string
	RateLimit string
	Window    string
	FaultRate float64
	DropRate  float64
	Latency   time.Duration
	TokenTTL  time.Duration
	Seed      int64

	ClientIDs        []string
	NoRefreshTokens  bool
	RefreshTTL       time.Duration
	TenantProperties []sim.TenantProperty
}

func newSimCmd(ios *iostreams.IOStreams) *cobra.Command { return newSimCmdWith(ios, nil) }

func newSimCmdWith(ios *iostreams.IOStreams, runF func(*simOptions) error) *cobra.Command {
	o := &simOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve the embedded iManage Work simulator",
		Long: `Serve a strict, in-memory simulator of the iManage Work admin operations, with
fixed seed data (see README). Sign in as user "admin" with the password from
BULK_SIM_PASSWORD, or "admin" when it is not set, and client ID "bulk" (or one
--client-id registers). Refresh tokens rotate on use and a reused one is
refused; /auth/oauth2/authorize serves a login page for 'bulk login --browser'
(the SSO-only administrator "ssoadmin" signs in there, password "ssoadmin").
It listens on loopback unless --listen names another address.`,
		Example: `  bulk sim --listen 127.0.0.1:8080
  bulk sim --rate-limit 100/600ms --fault-rate 0.05 --drop-rate 0.02 --latency 50ms`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return runSim(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Listen, "listen", "127.0.0.1:8080", "address to listen on")
	f.StringVar(&o.RateLimit, "rate-limit", ratelimit.Default.String(), "calls admitted per window per token, N/DURATION")
	f.StringVar(&o.Window, "window", sim.ModeStrict, "strict (no window anywhere admits more than N) or fixed (counters reset every window)")
	f.Float64Var(&o.FaultRate, "fault-rate", 0, "fraction of calls answered 500 or 503 before doing anything (0 to 1)")
	f.Float64Var(&o.DropRate, "drop-rate", 0, "fraction of calls processed and then dropped without an answer (0 to 1)")
	f.DurationVar(&o.Latency, "latency", 0, "latency added to every call")
	f.DurationVar(&o.TokenTTL, "token-ttl", 0, "tokens expire this long after issue (0: never)")
	f.Int64Var(&o.Seed, "seed", 1, "seed of the fault injection's random choices")
	f.StringSliceVar(&o.ClientIDs, "client-id", []string{"bulk"}, "the OAuth2 client IDs registered (others get 401 INVALID_CLIENT); repeat or comma-separate")
	f.BoolVar(&o.NoRefreshTokens, "no-refresh-tokens", false, `issue no refresh tokens, as when an application's "Allow Refresh Token" is off`)
	f.DurationVar(&o.RefreshTTL, "refresh-ttl", 0, "refresh tokens expire this long after issue (0: 365 days, iManage's default)")
	f.Var(tenantPropertyFlag{&o.TenantProperties}, "tenant-property", tenantPropertyHelp)
	return cmd
}

const tenantPropertyHelp = "a property the tenant adds to a member's schema, MEMBER.NAME=TYPE[,required]: MEMBER aliasInfo, " +
	"create_password or profileProperties; TYPE string, boolean, number, integer or an enum A|B|C; repeat for more"

// tenantPropertyFlag is a repeatable flag of tenant properties, each read
// as it is given (sim.ParseTenantProperty); a name a member already got is
// refused.
type tenantPropertyFlag struct{ props *[]sim.TenantProperty }

func (f tenantPropertyFlag) String() string {
	if f.props == nil {
		return ""
	}
	specs := make([]string, len(*f.props))
	for i, tp := range *f.props {
		specs[i] = tp.String()
	}
	return strings.Join(specs, " ")
}

func (f tenantPropertyFlag) Set(v string) error {
	tp, err := sim.ParseTenantProperty(v)
	if err != nil {
		return err
	}
	if err := sim.ValidateTenantProperties(append(slices.Clone(*f.props), tp)); err != nil {
		return err
	}
	*f.props = append(*f.props, tp)
	return nil
}

func (f tenantPropertyFlag) Type() string { return "SPEC" }

func (o *simOptions) simOptions() (sim.Options, error) {
	limit, err := ratelimit.Parse(o.RateLimit)
	if err != nil {
		return sim.Options{}, exit.Usage(fmt.Errorf("--rate-limit: %w", err))
	}
	if o.Window != sim.ModeStrict && o.Window != sim.ModeFixed {
		return sim.Options{}, exit.Usage(fmt.Errorf("--window %q: want strict or fixed", o.Window))
	}
	for name, v := range map[string]float64{"--fault-rate": o.FaultRate, "--drop-rate": o.DropRate} {
		if v < 0 || v > 1 {
			return sim.Options{}, exit.Usage(fmt.Errorf("%s %v: want a fraction from 0 to 1", name, v))
		}
	}
	if o.Latency < 0 || o.TokenTTL < 0 || o.RefreshTTL < 0 {
		return sim.Options{}, exit.Usage(fmt.Errorf("--latency, --token-ttl and --refresh-ttl cannot be negative"))
	}
	for _, id := range o.ClientIDs {
		if id == "" {
			return sim.Options{}, exit.Usage(fmt.Errorf("--client-id: an empty client ID"))
		}
	}
	pw := o.ios.Getenv("BULK_SIM_PASSWORD")
	return sim.Options{RateLimit: limit.N, Window: limit.Window, Mode: o.Window, FaultRate: o.FaultRate,
		DropRate: o.DropRate, Latency: o.Latency, TokenTTL: o.TokenTTL, Seed: o.Seed,
		Password: pw, PasswordFromEnv: pw != "", ClientIDs: o.ClientIDs, NoRefreshTokens: o.NoRefreshTokens, RefreshTTL: o.RefreshTTL,
		TenantProperties: o.TenantProperties}, nil
}

func runSim(ctx context.Context, o *simOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	opts, err := o.simOptions()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return exit.With(exit.Invalid, fmt.Errorf("--listen %s: %w", o.Listen, err))
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return sim.Serve(ctx, ln, opts, o.ios.ErrOut)
}
