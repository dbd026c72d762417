package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Serve runs the simulator on ln until ctx is done, then shuts down
// gracefully. It first prints to out the base URL, how to sign in and the
// active knobs, and warns when ln is not on loopback.
func Serve(ctx context.Context, ln net.Listener, opts Options, out io.Writer) error {
	if err := opts.Validate(); err != nil {
		return fmt.Errorf("starting the simulator: %w", err)
	}
	// Cancelled at shutdown so calls waiting out Options.Latency end at once
	// instead of holding Shutdown.
	baseCtx, cancelCalls := context.WithCancel(context.Background())
	defer cancelCalls()
	srv := &http.Server{
		Handler:           New(opts),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return withShutdown(baseCtx) },
	}
	printBanner(out, ln.Addr(), opts)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving the simulator on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	cancelCalls()
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("stopping the simulator: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving the simulator on %s: %w", ln.Addr(), err)
	}
	return nil
}

func printBanner(out io.Writer, addr net.Addr, opts Options) {
	o := opts.withDefaults()
	fmt.Fprintf(out, "iManage Work simulator listening on http://%s\n", addr)
	var pw string
	switch {
	case opts.Password == "":
		pw = fmt.Sprintf("password %q (the default)", defaultPassword)
	case opts.PasswordFromEnv:
		pw = "password from BULK_SIM_PASSWORD"
	default:
		pw = "password as configured (not shown)"
	}
	fmt.Fprintf(out, "sign in: user %q, %s; read-only user %q, password %q\n", AdminUser, pw, ViewerUser, viewerPassword)
	fmt.Fprintf(out, "token URL: http://%s%s  stats: http://%s/_sim/stats\n", addr, tokenPath, addr)
	clients := "any client ID"
	if opts.ClientIDs != nil {
		clients = "client IDs " + strings.Join(opts.ClientIDs, ", ")
	}
	refresh := "refresh tokens rotate on use, expire after " + o.RefreshTTL.String()
	if o.NoRefreshTokens {
		refresh = "no refresh tokens"
	}
	fmt.Fprintf(out, "%s; %s; browser sign-in: http://%s%s (SSO-only user %q, password %q)\n", clients, refresh, addr, authorizePath, SSOUser, ssoPassword)
	ttl := "never"
	if o.TokenTTL > 0 {
		ttl = o.TokenTTL.String()
	}
	fmt.Fprintf(out, "rate limit %d/%v per token (%s window), fault rate %g, drop rate %g, latency %v, token TTL %s, seed %d\n",
		o.RateLimit, o.Window, o.Mode, o.FaultRate, o.DropRate, o.Latency, ttl, o.Seed)
	if len(opts.TenantProperties) > 0 {
		specs := make([]string, len(opts.TenantProperties))
		for i, tp := range opts.TenantProperties {
			specs[i] = tp.String()
		}
		fmt.Fprintf(out, "tenant properties: %s\n", strings.Join(specs, " "))
	}
	if !isLoopback(addr) {
		fmt.Fprintf(out, "WARNING: %s is not a loopback address: anyone who can reach it can use the simulator\n", addr)
	}
}

func isLoopback(addr net.Addr) bool {
	switch a := addr.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
