// Package check is `bulk check`: does the connection a profile (or the
// flags) name work, before a run depends on it? It reaches the service,
// looks at TLS, signs in, and makes two read calls: the libraries the user
// sees, and whether the user has administrator rights. It prints what it
// found, with what to fix, and ends 0 when all is well, 3 when not.
//
// Administrator rights: the contract says only that writes need an
// administrator, and check makes no write. The read it asks instead is
// another user's My Matters categories, the read beside
// addShortcutsToMyMattersAdmin [chosen]: an administrator may, others are
// refused 403 INSUFFICIENT_RIGHTS. It asks for a user ID that does not
// exist, so an administrator's answer is 404 USER_NOT_FOUND and nothing
// about anyone is read. check says that this is an inference and that the
// first write is the proof.
package check

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/wire"
)

// ProbeUser is the user ID whose My Matters check asks for: no one's.
const ProbeUser = "BULK-CHECK-NO-SUCH-USER"

// Admin is what check could tell of the user's administrator rights.
type Admin int

const (
	AdminUnknown Admin = iota // the read did not tell
	AdminYes                  // the administrator's read was allowed
	AdminNo                   // it was refused 403
)

// Report is what check found.
type Report struct {
	Service    string
	Profile    string
	Reached    bool
	TLS        string // what the TLS connection was, or why there was none
	SignedIn   bool
	How        string // how it signed in
	User       string
	SignInTime time.Duration
	Libraries  []wire.Library
	LibTime    time.Duration
	Admin      Admin
	AdminWhy   string
	AdminTime  time.Duration
	Calls      int
	Fix        []string // what to fix, one line each
}

// OK reports whether all is well.
func (r *Report) OK() bool {
	return r.Reached && r.SignedIn && r.Libraries != nil && r.Admin == AdminYes && len(r.Fix) == 0
}

// Run checks the connection o names and prints the report to ios.Out.
// The error is nil when all is well, else one with exit code 3 (2 for
// settings that are missing) whose message was printed.
func Run(ctx context.Context, ios *iostreams.IOStreams, o connect.Options) error {
	r, err := Check(ctx, ios, o)
	if err != nil {
		return err
	}
	r.Print(ios.Out)
	if !r.OK() {
		return exit.With(exit.Unreachable, exit.ErrSilent)
	}
	return nil
}

// Check makes the check and returns the report. The error is for settings
// that are missing or wrong before anything is sent (exit 2).
func Check(ctx context.Context, ios *iostreams.IOStreams, o connect.Options) (*Report, error) {
	r := &Report{Service: o.URL, Profile: o.Profile}
	if o.Sim {
		r.Service = "the embedded simulator"
	}
	watch := &tlsWatch{}
	var mu sync.Mutex
	use := connect.Use{Wrap: watch.wrap, Observe: func(ci imanage.CallInfo) {
		mu.Lock()
		r.Calls++
		mu.Unlock()
	}}
	start := time.Now()
	conn, err := connect.Open(ctx, ios, o, use)
	r.SignInTime = time.Since(start)
	if err != nil {
		if exit.Of(err) == exit.Invalid || errors.Is(err, context.Canceled) {
			return nil, err
		}
		r.failedSignIn(err, watch)
		return r, nil
	}
	defer conn.Close()
	r.Service, r.Reached, r.SignedIn, r.How, r.User = conn.Client.BaseURL(), true, true, conn.How, conn.User
	r.TLS = watch.describe(conn.Client.BaseURL())

	start = time.Now()
	libs, err := conn.Client.GetLibraries(ctx, true, false)
	r.LibTime = time.Since(start)
	if err != nil {
		r.Fix = append(r.Fix, fmt.Sprintf("listing the libraries failed: %v%s", err, advice(err)))
	} else {
		r.Libraries = libs
		if len(libs) == 0 {
			r.Fix = append(r.Fix, "the user sees no library: an administrator assigns it to the libraries it is to manage")
		}
	}
	start = time.Now()
	_, err = conn.Client.GetMyMattersCategories(ctx, ProbeUser)
	r.AdminTime = time.Since(start)
	r.admin(err)
	return r, nil
}

// failedSignIn fills the report from a failure to reach the service or
// sign in.
func (r *Report) failedSignIn(err error, watch *tlsWatch) {
	switch imanage.CauseOf(err) {
	case imanage.CauseDNS, imanage.CauseRefused, imanage.CauseTimeout:
		r.TLS = "not reached"
	case imanage.CauseTLSUnknownAuthority, imanage.CauseTLSHostname, imanage.CauseTLSInvalid, imanage.CauseNotTLS, imanage.CauseTLS:
		r.Reached, r.TLS = true, "FAILED"
	default:
		r.Reached = true
		r.TLS = watch.describe(r.Service)
	}
	r.Fix = append(r.Fix, fmt.Sprintf("%v%s", err, advice(err)))
}

// admin reads the answer of the administrator's read.
func (r *Report) admin(err error) {
	e, ok := imanage.AsError(err)
	switch {
	case err == nil, ok && e.Delivery == imanage.Answered && e.StatusCode == http.StatusNotFound:
		r.Admin = AdminYes
		r.AdminWhy = "as far as a read can tell: the service let " + orYou(r.User) + " ask for another user's My Matters, " +
			"which only an administrator may; the contract promises only that writes need one, so the first write is the proof"
	case ok && e.Delivery == imanage.Answered && e.StatusCode == http.StatusForbidden:
		r.Admin = AdminNo
		r.AdminWhy = "the service refused " + orYou(r.User) + " another user's My Matters (" + e.Code + "): it will refuse every write too"
		r.Fix = append(r.Fix, connect.Advice(err))
	default:
		r.Admin = AdminUnknown
		r.AdminWhy = fmt.Sprintf("the read that tells did not answer as expected: %v", err)
		r.Fix = append(r.Fix, "administrator rights could not be told: run a one-row manifest first to find out")
	}
}

func orYou(user string) string {
	if user == "" {
		return "the user"
	}
	return user
}

func advice(err error) string {
	if a := connect.Advice(err); a != "" {
		return "\n    To fix: " + a
	}
	return ""
}

// tlsWatch keeps the TLS state of the first answer that came over TLS.
type tlsWatch struct {
	mu    sync.Mutex
	state *tls.ConnectionState
}

func (w *tlsWatch) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(req)
		if err == nil && resp.TLS != nil {
			w.mu.Lock()
			if w.state == nil {
				st := *resp.TLS
				w.state = &st
			}
			w.mu.Unlock()
		}
		return resp, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// describe says what the TLS connection was.
func (w *tlsWatch) describe(service string) string {
	w.mu.Lock()
	st := w.state
	w.mu.Unlock()
	if st == nil {
		return "none: plain http, allowed only on this computer's loopback (the simulator)"
	}
	s := tls.VersionName(st.Version)
	if len(st.PeerCertificates) > 0 {
		c := st.PeerCertificates[0]
		name := c.Subject.CommonName
		if len(c.DNSNames) > 0 {
			name = c.DNSNames[0]
		}
		s += fmt.Sprintf(", certificate for %s from %s, valid until %s", name, c.Issuer.CommonName, c.NotAfter.UTC().Format(time.DateOnly))
		if left := time.Until(c.NotAfter); left < 14*24*time.Hour {
			s += fmt.Sprintf(" (in %d days)", int(left.Hours()/24))
		}
	}
	return s
}
