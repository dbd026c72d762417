package imanage

import (
	"context"
	"errors"
	"github.com/firmtools/bulk/internal/wire"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/firmtools/bulk/internal/secret"
)

// TestManyWorkers401SignInOnce has n workers all meet a 401 with the same
// expired token at the same moment: the client must sign in once, and each
// worker repeat its call once with the new token.
func TestManyWorkers401SignInOnce(t *testing.T) {
	const n = 8
	var (
		mu      sync.Mutex
		stale   int
		allHere = make(chan struct{})
	)
	fs := &fakeService{op: func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(headerAuthToken) == "expired" {
			// Hold every stale request until all n have arrived, so all n
			// answers are 401s about the same token.
			mu.Lock()
			stale++
			if stale == n {
				close(allHere)
			}
			mu.Unlock()
			select {
			case <-allHere:
			case <-r.Context().Done():
				return
			}
			writeJSON(w, 401, `{"error":{"code":"UNAUTHORIZED","code_message":"token expired"}}`)
			return
		}
		if tok := r.Header.Get(headerAuthToken); tok != "tok-1" {
			t.Errorf("repeat sent token %q, want tok-1", tok)
		}
		writeJSON(w, 200, `{"data":{"id":"L!1"}}`)
	}}
	ts := serve(t, fs)
	cfg := testConfig(ts.URL)
	cfg.Token = secret.New("expired")
	var paces atomic.Int32
	cfg.Pace = func(context.Context) (func(error), error) { paces.Add(1); return func(error) {}, nil }
	c := newTestClient(t, cfg)

	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = c.AddTab(t.Context(), wire.AddTabRequest{Name: "x", ParentID: "L!1"})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("worker %d: %v", i, err)
		}
	}
	tokens, ops := fs.counts()
	if tokens != 1 {
		t.Errorf("%d token requests, want exactly 1", tokens)
	}
	if ops != 2*n || paces.Load() != 2*n {
		t.Errorf("ops %d, paces %d; want %d each (every worker repeats once)", ops, paces.Load(), 2*n)
	}
}

// TestLazySignInOnce: many workers starting together without a token make
// one sign-in between them.
func TestLazySignInOnce(t *testing.T) {
	const n = 8
	release := make(chan struct{})
	fs := &fakeService{op: func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"data":[]}`) }}
	fs.token = func(w http.ResponseWriter, r *http.Request, k int) {
		<-release
		writeJSON(w, 200, `{"access_token":"tok"}`)
	}
	ts := serve(t, fs)
	c := newTestClient(t, testConfig(ts.URL))
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range n {
		wg.Go(func() {
			if _, err := c.GetEmailOptions(t.Context()); err != nil {
				failed.Add(1)
			}
		})
	}
	close(release)
	wg.Wait()
	tokens, ops := fs.counts()
	if tokens != 1 || ops != n || failed.Load() != 0 {
		t.Errorf("tokens %d ops %d failed %d; want 1, %d, 0", tokens, ops, failed.Load(), n)
	}
}

func TestAuthFailures(t *testing.T) {
	unauthorized := func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 401, `{"error":{"code":"UNAUTHORIZED","code_message":"token refused"}}`)
	}
	wrongPassword := func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 401, `{"error":{"code":"UNAUTHORIZED","code_message":"wrong user name or password"}}`)
	}
	tests := []struct {
		name       string
		cfg        func(base string) Config
		token      func(w http.ResponseWriter, r *http.Request, n int)
		op         http.HandlerFunc
		wantIs     []error
		wantIsNot  []error
		wantD      Delivery
		wantStatus int
		wantTokens int
		wantOps    int
		errHas     []string
	}{
		{
			name:   "a fresh token refused too",
			cfg:    testConfig,
			op:     unauthorized,
			wantIs: []error{ErrAuthLost}, wantIsNot: []error{ErrSignIn},
			wantD: Answered, wantStatus: 401, wantTokens: 2, wantOps: 2,
			errHas: []string{"HTTP 401 UNAUTHORIZED: token refused", "sign-in lost"},
		},
		{
			name: "a ready token refused with no password",
			cfg: func(base string) Config {
				return Config{BaseURL: base, Token: secret.New("ready")}
			},
			op:     unauthorized,
			wantIs: []error{ErrAuthLost}, wantIsNot: []error{ErrSignIn},
			wantD: Answered, wantStatus: 401, wantTokens: 0, wantOps: 1,
			errHas: []string{"no password"},
		},
		{
			name:   "wrong credentials at the first sign-in",
			cfg:    testConfig,
			token:  wrongPassword,
			wantIs: []error{ErrSignIn}, wantIsNot: []error{ErrAuthLost},
			wantD: NotSent, wantTokens: 1, wantOps: 0,
			errHas: []string{"createUser: not sent: signIn: HTTP 401 UNAUTHORIZED: wrong user name or password: could not sign in"},
		},
		{
			name: "token endpoint unreachable",
			cfg: func(base string) Config {
				cfg := testConfig(base)
				cfg.TokenURL = "http://" + closedAddr(t) + "/token"
				return cfg
			},
			wantIs: []error{ErrSignIn}, wantIsNot: []error{ErrAuthLost},
			wantD: NotSent, wantTokens: 0, wantOps: 0,
			errHas: []string{"signIn: not sent: could not sign in"},
		},
		{
			name: "token answer without access_token",
			cfg:  testConfig,
			token: func(w http.ResponseWriter, r *http.Request, n int) {
				writeJSON(w, 200, `{"token_type":"bearer"}`)
			},
			wantIs: []error{ErrSignIn},
			wantD:  NotSent, wantTokens: 1, wantOps: 0,
			errHas: []string{"no access_token"},
		},
		{
			name: "sign-in again refused after a 401",
			cfg: func(base string) Config {
				cfg := testConfig(base)
				cfg.Token = secret.New("expired")
				return cfg
			},
			token:  wrongPassword,
			op:     unauthorized,
			wantIs: []error{ErrAuthLost}, wantIsNot: []error{ErrSignIn},
			wantD: Answered, wantStatus: 401, wantTokens: 1, wantOps: 1,
			errHas: []string{"signing in again failed", "wrong user name or password"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := &fakeService{token: tt.token, op: tt.op}
			ts := serve(t, fs)
			c := newTestClient(t, tt.cfg(ts.URL))
			_, err := c.CreateUser(t.Context(), wire.CreateUserRequest{ID: "X"})
			e := mustError(t, err)
			if e.Op != wire.OpCreateUser || e.Delivery != tt.wantD || e.StatusCode != tt.wantStatus {
				t.Errorf("Op %q Delivery %v Status %d; want createUser %v %d", e.Op, e.Delivery, e.StatusCode, tt.wantD, tt.wantStatus)
			}
			for _, target := range tt.wantIs {
				if !errors.Is(err, target) {
					t.Errorf("errors.Is(%v, %v) = false", err, target)
				}
			}
			for _, target := range tt.wantIsNot {
				if errors.Is(err, target) {
					t.Errorf("errors.Is(%v, %v) = true", err, target)
				}
			}
			for _, s := range tt.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			tokens, ops := fs.counts()
			if tokens != tt.wantTokens || ops != tt.wantOps {
				t.Errorf("token requests %d, operation requests %d; want %d, %d", tokens, ops, tt.wantTokens, tt.wantOps)
			}
			assertNoSecrets(t, err)
		})
	}
}

func TestSignInError(t *testing.T) {
	fs := &fakeService{token: func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 401, `{"error":{"code":"UNAUTHORIZED","code_message":"wrong user name or password"}}`)
	}}
	ts := serve(t, fs)
	c := newTestClient(t, testConfig(ts.URL))
	err := c.SignIn(t.Context())
	e := mustError(t, err)
	if e.Op != OpSignIn || e.StatusCode != 401 || e.Code != "UNAUTHORIZED" || !errors.Is(err, ErrSignIn) {
		t.Errorf("SignIn error %#v", e)
	}
	assertNoSecrets(t, err)
}

// TestSignInCancelledLeader: the goroutine doing the sign-in is cancelled;
// one waiting for it (or coming after) must not inherit the cancellation.
func TestSignInCancelledLeader(t *testing.T) {
	firstSeen := make(chan struct{})
	fs := &fakeService{op: func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"data":[]}`) }}
	fs.token = func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			close(firstSeen)
			<-r.Context().Done()
			return
		}
		writeJSON(w, 200, `{"access_token":"tok"}`)
	}
	ts := serve(t, fs)
	c := newTestClient(t, testConfig(ts.URL))

	ctxA, cancelA := context.WithCancel(t.Context())
	errA := make(chan error, 1)
	go func() {
		_, err := c.GetEmailOptions(ctxA)
		errA <- err
	}()
	<-firstSeen
	errB := make(chan error, 1)
	go func() {
		_, err := c.GetEmailOptions(t.Context())
		errB <- err
	}()
	cancelA()
	if err := <-errA; !errors.Is(err, context.Canceled) || errors.Is(err, ErrSignIn) {
		t.Errorf("cancelled caller: %v; want context.Canceled, not ErrSignIn", err)
	}
	if err := <-errB; err != nil {
		t.Errorf("other caller: %v", err)
	}
}

func TestExpiredTokenMidRun(t *testing.T) {
	var valid atomic.Value
	valid.Store("tok-1")
	fs := &fakeService{op: func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(headerAuthToken) != valid.Load().(string) {
			writeJSON(w, 401, `{"error":{"code":"UNAUTHORIZED"}}`)
			return
		}
		writeJSON(w, 200, `{"data":[]}`)
	}}
	ts := serve(t, fs)
	c := newTestClient(t, testConfig(ts.URL))
	for i := range 3 {
		if _, err := c.GetEmailOptions(t.Context()); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	valid.Store("tok-2") // the service revokes tok-1
	for i := range 3 {
		if _, err := c.GetEmailOptions(t.Context()); err != nil {
			t.Fatalf("call after expiry %d: %v", i, err)
		}
	}
	if tokens, ops := fs.counts(); tokens != 2 || ops != 7 {
		t.Errorf("tokens %d ops %d; want 2 and 7", tokens, ops)
	}
}
