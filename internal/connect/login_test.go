package connect_test

import (
	"bytes"
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/config"
	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/credstore"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/runtest"
	"github.com/firmtools/bulk/internal/secret"
	"github.com/firmtools/bulk/internal/sim"
)

// clock is the simulator's, moved by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func testIO() (*iostreams.IOStreams, *bytes.Buffer) {
	var errOut bytes.Buffer
	return iostreams.Test(strings.NewReader(""), &bytes.Buffer{}, &errOut, nil), &errOut
}

// loggedIn is a simulator, the options of its administrator with a store,
// after bulk login.
func loggedIn(t *testing.T, opts sim.Options) (*runtest.Server, connect.Options) {
	t.Helper()
	s := runtest.Start(t, opts)
	o := s.Conn()
	o.Store = &credstore.Store{Dir: t.TempDir(), LockRetry: time.Millisecond}
	ios, errOut := testIO()
	if err := connect.Login(context.Background(), ios, o, connect.LoginOptions{}); err != nil {
		t.Fatalf("login: %v", err)
	}
	if !strings.Contains(errOut.String(), "Signed in to "+s.URL+" as admin") || !strings.Contains(errOut.String(), credstore.InFile) {
		t.Fatalf("login said %q", errOut.String())
	}
	o.Password.Value = secret.Secret{}
	return s, o
}

func kept(t *testing.T, o connect.Options) string {
	t.Helper()
	k, err := o.Key()
	if err != nil {
		t.Fatal(err)
	}
	rt, _, err := o.Store.Get(k)
	if err != nil {
		t.Fatal(err)
	}
	return rt.Reveal()
}

func TestLoginThenCommandsNeedNoPassword(t *testing.T) {
	s, o := loggedIn(t, sim.Options{ClientIDs: []string{"bulk"}})
	before := kept(t, o)
	var learnt []string
	c, err := connect.Open(context.Background(), nil, o, connect.Use{Pace: func(context.Context) (func(error), error) { return func(error) {}, nil },
		Learn: func(v ...string) { learnt = append(learnt, v...) }})
	if err != nil {
		t.Fatalf("a command after login, no password: %v", err)
	}
	defer c.Close()
	if _, err := c.Client.GetLibraries(context.Background(), true, false); err != nil {
		t.Fatal(err)
	}
	after := kept(t, o)
	if after == before {
		t.Fatal("the rotated refresh token was not kept")
	}
	for _, want := range []string{before, after} {
		found := false
		for _, l := range learnt {
			found = found || l == want
		}
		if !found {
			t.Fatal("a refresh token was not handed to Learn, to redact")
		}
	}
	// A 401 mid-run refreshes again, with the token just kept.
	s.ExpireTokens()
	if _, err := c.Client.GetLibraries(context.Background(), true, false); err != nil {
		t.Fatalf("after the access token expired: %v", err)
	}
	st := s.Stats()
	if st.RefreshesGranted != 2 || st.RefreshesRefused != 0 {
		t.Fatalf("refreshes %+v", st)
	}
	if kept(t, o) == after {
		t.Fatal("the second rotation was not kept")
	}
}

func TestAnExpiredKeptSignInSaysToLogInAgain(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	_, o := loggedIn(t, sim.Options{RefreshTTL: 30 * 24 * time.Hour, Now: clk.Now})
	clk.Advance(31 * 24 * time.Hour)
	_, err := connect.Open(context.Background(), nil, o, connect.Use{})
	if exit.Of(err) != exit.Unreachable || !strings.Contains(err.Error(), "run 'bulk login' again") {
		t.Fatalf("an expired sign-in: %v", err)
	}
	if strings.Contains(err.Error(), kept(t, o)) {
		t.Fatal("the error shows the refresh token")
	}
}

// Processes refreshing at once each wait for the one before: none spends
// a token another already spent (the simulator would revoke the sign-in).
func TestConcurrentCommandsShareTheKeptSignIn(t *testing.T) {
	s, o := loggedIn(t, sim.Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			oo := o
			oo.Store = &credstore.Store{Dir: o.Store.Dir, LockRetry: time.Millisecond} // a process of its own
			c, err := connect.Open(context.Background(), nil, oo, connect.Use{})
			if err == nil {
				c.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if st := s.Stats(); st.RefreshesGranted != 6 || st.RefreshesRefused != 0 {
		t.Fatalf("refreshes %+v", st)
	}
}

func TestLoginWithoutRefreshTokensSaysHowToTurnThemOn(t *testing.T) {
	s := runtest.Start(t, sim.Options{NoRefreshTokens: true})
	o := s.Conn()
	o.Store = &credstore.Store{Dir: t.TempDir()}
	ios, _ := testIO()
	err := connect.Login(context.Background(), ios, o, connect.LoginOptions{})
	if exit.Of(err) != exit.Unreachable || !errors.Is(err, connect.ErrNoRefreshToken) ||
		!strings.Contains(err.Error(), `"Allow Refresh Token"`) || !strings.Contains(err.Error(), "Control Center, Settings, Applications") {
		t.Fatalf("%v", err)
	}
}

func TestLogoutForgets(t *testing.T) {
	_, o := loggedIn(t, sim.Options{})
	ios, errOut := testIO()
	if err := connect.Logout(ios, o); err != nil || !strings.Contains(errOut.String(), "Forgot the sign-in") {
		t.Fatalf("logout: %v %q", err, errOut.String())
	}
	_, err := connect.Open(context.Background(), ios, o, connect.Use{})
	if !errors.Is(err, connect.ErrNoPassword) {
		t.Fatalf("after logout, no password: %v", err)
	}
	errOut.Reset()
	if err := connect.Logout(ios, o); err != nil || !strings.Contains(errOut.String(), "No sign-in was kept") {
		t.Fatalf("logout twice: %v %q", err, errOut.String())
	}
}

func TestWrongClientIDAndPasswordAreToldApart(t *testing.T) {
	s := runtest.Start(t, sim.Options{ClientIDs: []string{"bulk"}})
	o := s.Conn()
	o.Store = &credstore.Store{Dir: t.TempDir()}
	o.ClientID = "not-registered"
	ios, _ := testIO()
	if err := connect.Login(context.Background(), ios, o, connect.LoginOptions{}); exit.Of(err) != exit.Unreachable || !strings.Contains(err.Error(), "client ID is not registered") {
		t.Fatalf("a wrong client ID: %v", err)
	}
	o = s.Conn()
	o.Store = &credstore.Store{Dir: t.TempDir()}
	o.Password.Value = secret.New("wrong-password")
	err := connect.Login(context.Background(), ios, o, connect.LoginOptions{})
	if exit.Of(err) != exit.Unreachable || !strings.Contains(err.Error(), "wrong user ID or password") || strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("a wrong password: %v", err)
	}
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// driveBrowser does what a browser and its user do with the address bulk
// opens: get the login page, fill in the form, post it, and follow the
// redirect to bulk's loopback listener. It returns the final page.
func driveBrowser(t *testing.T, authURL, user, pw string, tamper func(*url.URL)) string {
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(authURL)
	if err != nil {
		t.Error(err)
		return ""
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := url.Values{"username": {user}, "password": {pw}}
	for _, m := range hiddenInput.FindAllStringSubmatch(string(page), -1) {
		form.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	u, _ := url.Parse(authURL)
	resp, err = hc.PostForm(u.Scheme+"://"+u.Host+"/auth/oauth2/authorize", form)
	if err != nil {
		t.Error(err)
		return ""
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil {
		t.Errorf("the login form answered %d %q", resp.StatusCode, resp.Header.Get("Location"))
		return ""
	}
	if tamper != nil {
		tamper(loc)
	}
	resp, err = hc.Get(loc.String())
	if err != nil {
		t.Error(err)
		return ""
	}
	final, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return string(final)
}

func TestBrowserLoginAsABrowserWould(t *testing.T) {
	s := runtest.Start(t, sim.Options{ClientIDs: []string{"bulk"}})
	o := s.Conn()
	o.User, o.Password, o.SignIn, o.Profile = sim.SSOUser, connect.Source{}, config.SignInBrowser, "firm-sso"
	o.Store = &credstore.Store{Dir: t.TempDir()}

	// Before login, a browser profile does not prompt: it says to log in.
	if _, err := connect.Open(context.Background(), nil, o, connect.Use{}); exit.Of(err) != exit.Invalid ||
		!strings.Contains(err.Error(), "bulk login --browser --profile firm-sso") {
		t.Fatalf("before login: %v", err)
	}

	ios, errOut := testIO()
	var final string
	done := make(chan struct{})
	lo := connect.LoginOptions{Browser: true, Wait: time.Minute, Open: func(u string) error {
		q, _ := url.Parse(u)
		if q.Query().Get("code_challenge_method") != "S256" || q.Query().Get("scope") != "user" ||
			!strings.HasPrefix(q.Query().Get("redirect_uri"), "http://127.0.0.1:") || q.Query().Get("login_hint") != sim.SSOUser {
			t.Errorf("authorize address %s", u)
		}
		go func() {
			defer close(done)
			// A forged answer first: another state is refused, the wait goes on.
			if page := driveBrowser(t, u, sim.SSOUser, "ssoadmin", func(l *url.URL) {
				q := l.Query()
				q.Set("state", "forged")
				l.RawQuery = q.Encode()
			}); !strings.Contains(page, "not for the sign-in") {
				t.Errorf("a forged state: %s", page)
			}
			final = driveBrowser(t, u, sim.SSOUser, "ssoadmin", nil)
		}()
		return nil
	}}
	if err := connect.Login(context.Background(), ios, o, lo); err != nil {
		t.Fatalf("browser login: %v\n%s", err, errOut.String())
	}
	<-done
	if !strings.Contains(final, "Signed in.") || !strings.Contains(errOut.String(), "Opened a browser") {
		t.Fatalf("final page %q, said %q", final, errOut.String())
	}
	// Who signed in in the browser is not in the service's answer: bulk
	// keeps it as the user named, and says it cannot tell.
	if said := errOut.String(); !strings.Contains(said, "kept as "+sim.SSOUser+"'s, the user you named") ||
		!strings.Contains(said, "bulk cannot see which account signed in in the browser") {
		t.Fatalf("said %q", said)
	}
	// The SSO administrator now runs commands with no password at all.
	c, err := connect.Open(context.Background(), nil, o, connect.Use{})
	if err != nil {
		t.Fatalf("after the browser login: %v", err)
	}
	defer c.Close()
	if st := s.Stats(); st.CodesIssued != 2 || st.RefreshesGranted != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestBrowserLoginPrintsTheAddressWhereNoBrowserOpens(t *testing.T) {
	s := runtest.Start(t, sim.Options{})
	o := s.Conn()
	o.Password, o.Store = connect.Source{}, &credstore.Store{Dir: t.TempDir()}
	r, w := io.Pipe()
	ios := iostreams.Test(strings.NewReader(""), &bytes.Buffer{}, w, nil)
	go func() {
		// Read what bulk says, as a person would, and open the address.
		buf := make([]byte, 4096)
		var said string
		for !strings.Contains(said, "\n  http") || !strings.HasSuffix(said, "\n") {
			n, err := r.Read(buf)
			if err != nil {
				return
			}
			said += string(buf[:n])
		}
		if !strings.Contains(said, "no display, and BROWSER is not set") {
			t.Errorf("said %q", said)
		}
		i := strings.Index(said, "\n  http")
		addr := strings.TrimSpace(said[i:])
		driveBrowser(t, strings.Fields(addr)[0], "admin", "admin", nil)
		_, _ = io.Copy(io.Discard, r)
	}()
	lo := connect.LoginOptions{Browser: true, Wait: time.Minute, GOOS: "linux", Getenv: func(string) string { return "" }}
	err := connect.Login(context.Background(), ios, o, lo)
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
}
