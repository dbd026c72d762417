package connect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/firmtools/bulk/internal/credstore"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/iostreams"
)

// LoginOptions say how 'bulk login' signs in.
type LoginOptions struct {
	// Browser signs in through the browser (OAuth2's authorization code
	// with PKCE, for single sign-on) instead of with a password.
	Browser bool
	// NoOpen never opens a browser: the address is printed to open by hand.
	NoOpen bool
	// Open opens a browser at an address; nil: the system's way.
	Open func(url string) error
	// Wait bounds how long the browser sign-in may take; 0 is 5 minutes.
	Wait time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Getenv and GOOS say whether a browser can be opened here.
	Getenv func(string) string
	GOOS   string
}

// refreshTokenHelp is what an administrator does when the service issues
// no refresh token.
const refreshTokenHelp = `the service issued no refresh token, so there is nothing to keep: ` +
	`an administrator turns on "Allow Refresh Token" for the application with client ID %q ` +
	`(Control Center, Settings, Applications, the application, Authentication; iManage's default is off). ` +
	`Until then give the password to each command (IMANAGE_PASSWORD, --password-file or the prompt)`

// ErrNoRefreshToken: the service signed in but gave nothing to keep.
var ErrNoRefreshToken = errors.New("no refresh token")

// Login signs in once (with a password, or in the browser) and keeps the
// refresh token in the store, so later commands with the same options need
// no password. It says on ios.ErrOut what it did and where the token is.
func Login(ctx context.Context, ios *iostreams.IOStreams, o Options, lo LoginOptions) error {
	if o.Sim {
		return exit.Usage(errors.New("--sim signs in by itself: there is nothing to log in to"))
	}
	if o.Store == nil {
		return exit.Usage(errors.New("no state folder to keep the sign-in in: set XDG_STATE_HOME or HOME (LOCALAPPDATA on Windows)"))
	}
	key, err := o.Key()
	if err != nil {
		return err
	}
	p := forLoginPassword
	if lo.Browser {
		p = forLoginBrowser
	}
	cfg := imanage.Config{UserAgent: "bulk", Timeout: o.CallTimeout}
	if err := o.service(ios, &cfg, Use{}, p); err != nil {
		return err
	}
	c, err := imanage.New(cfg)
	if err != nil {
		return exit.Usage(err)
	}
	var t imanage.Tokens
	if lo.Browser {
		t, err = browserSignIn(ctx, ios, c, o, lo)
	} else {
		t, err = c.PasswordGrant(ctx)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return exit.With(exit.Unreachable, withAdvice(err))
	}
	if t.Refresh.IsZero() {
		return exit.With(exit.Unreachable, fmt.Errorf("%w: "+refreshTokenHelp, ErrNoRefreshToken, o.ClientID))
	}
	now := time.Now
	if lo.Now != nil {
		now = lo.Now
	}
	where, err := o.Store.Put(key, t.Refresh, now())
	if err != nil {
		return exit.With(exit.JobsFailed, err)
	}
	if where == credstore.InFile {
		where += " (" + o.Store.File(key) + ")"
	}
	flags := o.keptFlags()
	if lo.Browser && o.User != "" {
		// The service's answer does not say who signed in in the browser.
		fmt.Fprintf(ios.ErrOut, "Signed in to %s in the browser; the sign-in is kept as %s's, the user you named, in %s. bulk cannot see which account signed in in the browser: if it was not %s, run 'bulk logout%s' and sign in again as %s. Commands with%s need no password until it expires or is revoked.\n",
			c.BaseURL(), o.User, where, o.User, flags, o.User, orThese(flags))
		return nil
	}
	fmt.Fprintf(ios.ErrOut, "Signed in to %s as %s. The sign-in is kept in %s: commands with%s need no password until it expires or is revoked; 'bulk logout%s' forgets it.\n",
		c.BaseURL(), orUnnamed(o.User), where, orThese(flags), flags)
	return nil
}

// keptFlags are the flags that choose this kept sign-in again: the
// profile, and the user, which a flag may have set over the profile's.
func (o Options) keptFlags() string {
	f := o.profileFlag()
	if f != "" && o.User != "" {
		f += " --user " + o.User
	}
	return f
}

func orUnnamed(user string) string {
	if user == "" {
		return "the user who signed in in the browser"
	}
	return user
}

func orThese(flag string) string {
	if flag == "" {
		return " these settings"
	}
	return flag
}

// Logout forgets the sign-in kept for the options. The refresh token is
// not revoked at the service (the contract has no way to): it stays valid
// there until it expires, unless an administrator revokes it.
func Logout(ios *iostreams.IOStreams, o Options) error {
	if o.Store == nil {
		return exit.Usage(errors.New("no state folder, so no sign-in is kept: nothing to forget"))
	}
	key, err := o.Key()
	if err != nil {
		return err
	}
	found, err := o.Store.Delete(key)
	if err != nil {
		return exit.With(exit.JobsFailed, err)
	}
	if !found {
		fmt.Fprintf(ios.ErrOut, "No sign-in was kept for %s (%s).\n", o.what(), key)
		return nil
	}
	fmt.Fprintf(ios.ErrOut, "Forgot the sign-in for %s (%s). The service still honours that refresh token until it expires, unless an administrator revokes it.\n", o.what(), key)
	return nil
}
