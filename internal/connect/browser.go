package connect

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/secret"
)

// The browser sign-in [chosen, docs/contract.md]: OAuth2's authorization
// code with PKCE (S256) and a loopback redirect (RFC 8252), scope user,
// as the connector and public Work API clients sign in.
const (
	authorizePath  = "/auth/oauth2/authorize"
	browserScope   = "user"
	callbackPath   = "/callback"
	defaultBrowser = 5 * time.Minute
)

// callback is what the browser brought back to the loopback listener.
type callback struct {
	code secret.Secret
	err  error
}

// browserSignIn signs in through the browser: it listens on a random port
// of 127.0.0.1, sends the browser to the authorize page with a PKCE
// challenge and a random state, waits for the redirect, checks the state,
// and exchanges the code with its verifier for tokens.
func browserSignIn(ctx context.Context, ios *iostreams.IOStreams, c *imanage.Client, o Options, lo LoginOptions) (imanage.Tokens, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return imanage.Tokens{}, fmt.Errorf("listening for the browser's answer on 127.0.0.1: %w", err)
	}
	redirect := "http://" + ln.Addr().String() + callbackPath
	verifier, state := oauth2.GenerateVerifier(), rand.Text()
	oc := oauth2.Config{ClientID: o.ClientID, RedirectURL: redirect, Scopes: []string{browserScope},
		Endpoint: oauth2.Endpoint{AuthURL: c.BaseURL() + authorizePath}}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	if o.User != "" {
		// The identity provider starts with this user; whoever signs in
		// in the browser is who the token is for, which bulk cannot see.
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", o.User))
	}
	authURL := oc.AuthCodeURL(state, opts...)

	got := make(chan callback, 1)
	srv := &http.Server{Handler: callbackHandler(state, got), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		// Shutdown, not Close: the handler delivers the code before its
		// page is written out, and the browser must still get the page.
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	wait := lo.Wait
	if wait == 0 {
		wait = defaultBrowser
	}
	tellUser(ios, authURL, wait, lo)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var cb callback
	select {
	case cb = <-got:
	case <-ctx.Done():
		return imanage.Tokens{}, ctx.Err()
	case <-timer.C:
		return imanage.Tokens{}, fmt.Errorf("%w: no answer from the browser in %s", imanage.ErrSignIn, wait)
	}
	if cb.err != nil {
		return imanage.Tokens{}, cb.err
	}
	return c.CodeGrant(ctx, cb.code, secret.New(verifier), redirect)
}

// tellUser opens the browser at authURL, or says to open it by hand.
func tellUser(ios *iostreams.IOStreams, authURL string, wait time.Duration, lo LoginOptions) {
	open := lo.Open
	if open == nil {
		open = func(u string) error { return openBrowser(u, lo.Getenv, lo.GOOS) }
	}
	if !lo.NoOpen {
		err := open(authURL)
		if err == nil {
			fmt.Fprintf(ios.ErrOut, "Opened a browser to sign in (waiting up to %s). If none appeared, open this address on this computer:\n  %s\n", wait, authURL)
			return
		}
		fmt.Fprintf(ios.ErrOut, "Could not open a browser (%v).\n", err)
	}
	fmt.Fprintf(ios.ErrOut, "Open this address in a browser on this computer to sign in (waiting up to %s):\n  %s\n", wait, authURL)
}

// callbackHandler takes the redirect: a state that is not this sign-in's
// is refused (and the wait goes on); an error or a code ends it.
func callbackHandler(state string, got chan<- callback) http.Handler {
	deliver := func(cb callback) {
		select {
		case got <- cb:
		default: // the first answer counts
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != callbackPath || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
			page(w, http.StatusBadRequest, "This answer is not for the sign-in bulk is waiting for (its state differs). Start again with bulk login --browser.")
			return
		}
		if e := q.Get("error"); e != "" {
			msg := "the sign-in was refused in the browser: " + e
			if e == "access_denied" {
				msg = "the sign-in was cancelled in the browser"
			}
			if d := q.Get("error_description"); d != "" {
				msg += " (" + d + ")"
			}
			page(w, http.StatusOK, "Not signed in: "+msg+". You can close this window.")
			deliver(callback{err: fmt.Errorf("%w: %s", imanage.ErrSignIn, msg)})
			return
		}
		code := q.Get("code")
		if code == "" {
			page(w, http.StatusBadRequest, "The answer carries no code.")
			return
		}
		page(w, http.StatusOK, "Signed in. You can close this window and go back to the terminal.")
		deliver(callback{code: secret.New(code)})
	})
}

func page(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>bulk</title></head><body><p id=\"result\">%s</p></body></html>\n", html.EscapeString(msg))
}

// errNoBrowser: nothing here can show a browser.
var errNoBrowser = errors.New("no display, and BROWSER is not set")

// openBrowser starts the user's browser at u without waiting for it:
// $BROWSER when set; else the system's opener (open on macOS, the URL
// handler on Windows, xdg-open where there is a display). The address
// holds no secret: PKCE's verifier never leaves this process.
func openBrowser(u string, getenv func(string) string, goos string) error {
	var cmd *exec.Cmd
	switch b := getenv("BROWSER"); {
	case b != "":
		first, _, _ := strings.Cut(b, ":") // BROWSER is a list, tried in order
		cmd = exec.Command(first, u)
	case goos == "darwin":
		cmd = exec.Command("open", u)
	case goos == "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	case getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "":
		return errNoBrowser
	default:
		cmd = exec.Command("xdg-open", u)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
