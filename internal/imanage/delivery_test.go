package imanage

import (
	"context"
	"errors"
	"github.com/firmtools/bulk/internal/wire"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/secret"
)

// hijackAndClose reads the whole request, then drops the connection without
// a word: the service got the request and may have acted on it.
func hijackAndClose(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// closedAddr returns an address nothing listens on.
// waitForHangUp never answers; it returns when the client hangs up. The
// body must be read first: only then does the server watch the connection
// and cancel the request's context.
func waitForHangUp(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func TestDelivery(t *testing.T) {
	tests := []struct {
		name string
		// setup returns the base URL and, optionally, a function run while
		// the call is in flight (given the call's cancel).
		op           http.HandlerFunc
		closedPort   bool
		timeout      time.Duration
		cancelOnSeen bool // cancel the call's context once the service has the request
		preCancel    bool
		want         Delivery
		wantIs       []error
		wantIsNot    []error
		errHas       string
	}{
		{
			name:       "closed port",
			closedPort: true,
			want:       NotSent,
			errHas:     "not sent",
		},
		{
			name:   "connection dropped after the request was read",
			op:     hijackAndClose,
			want:   Ambiguous,
			errHas: "no answer, the request may have been processed",
		},
		{
			name: "answer cut short after a 200",
			op: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				conn, buf, err := w.(http.Hijacker).Hijack()
				if err != nil {
					return
				}
				_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"data\":{\"id\"")
				_ = buf.Flush()
				_ = conn.Close()
			},
			want:   Ambiguous,
			errHas: "reading the answer",
		},
		{
			name:      "no answer within the attempt timeout",
			op:        waitForHangUp,
			timeout:   50 * time.Millisecond,
			want:      Ambiguous,
			wantIs:    []error{errTimeout},
			wantIsNot: []error{context.DeadlineExceeded, context.Canceled},
		},
		{
			name:         "cancelled while waiting for the answer",
			op:           waitForHangUp,
			cancelOnSeen: true,
			want:         Ambiguous,
			wantIs:       []error{context.Canceled},
			wantIsNot:    []error{errTimeout},
		},
		{
			name:      "cancelled before sending",
			preCancel: true,
			want:      NotSent,
			wantIs:    []error{context.Canceled},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := make(chan struct{}, 1)
			fs := &fakeService{op: func(w http.ResponseWriter, r *http.Request) {
				seen <- struct{}{}
				tt.op(w, r)
			}}
			base := "http://" + closedAddr(t)
			if !tt.closedPort {
				base = serve(t, fs).URL
			}
			// A ready token keeps the sign-in out of the picture.
			cfg := Config{BaseURL: base, Token: secret.New("tok"), Timeout: tt.timeout}
			c := newTestClient(t, cfg)

			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tt.preCancel {
				cancel()
			}
			if tt.cancelOnSeen {
				go func() {
					select {
					case <-seen:
						cancel()
					case <-ctx.Done():
					}
				}()
			}
			_, err := c.AddTab(ctx, wire.AddTabRequest{Name: "n", ParentID: "L!1", DefaultSecurity: "inherit"})
			e := mustError(t, err)
			if e.Delivery != tt.want || e.StatusCode != 0 || e.Op != wire.OpAddTab {
				t.Errorf("Op %q Delivery %v Status %d; want addTab %v 0", e.Op, e.Delivery, e.StatusCode, tt.want)
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
			if !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("error %q lacks %q", err, tt.errHas)
			}
			if e.ProvablyNotProcessed() != (tt.want == NotSent) {
				t.Errorf("ProvablyNotProcessed = %v", e.ProvablyNotProcessed())
			}
		})
	}
}

// TestConnectionsReused checks that answers are drained and closed: many
// sequential calls, error answers among them, need one connection.
func TestConnectionsReused(t *testing.T) {
	var mu sync.Mutex
	conns := map[string]bool{}
	n := 0
	fs := &fakeService{op: func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		conns[r.RemoteAddr] = true
		n++
		i := n
		mu.Unlock()
		if i%2 == 0 {
			writeJSON(w, 409, `{"error":{"code":"DUPLICATE_ALIAS","code_message":"`+strings.Repeat("x", 2000)+`"}}`)
			return
		}
		writeJSON(w, 200, `{"data":{}}`)
	}}
	ts := serve(t, fs)
	c := newTestClient(t, Config{BaseURL: ts.URL, Token: secret.New("tok")})
	for i := 0; i < 10; i++ {
		_ = c.CreateLookupAlias(t.Context(), wire.LookupAliasRequest{})
	}
	if len(conns) != 1 {
		t.Errorf("%d connections for 10 sequential calls, want 1", len(conns))
	}
}

func TestPaceBeforeEveryOperationRequest(t *testing.T) {
	tests := []struct {
		name      string
		expire    bool // the first token is refused once
		wantPaces int
		wantOps   int
	}{
		{name: "one call", wantPaces: 1, wantOps: 1},
		{name: "the repeat after a re-sign-in is paced too", expire: true, wantPaces: 2, wantOps: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var events []string
			log := func(s string) {
				mu.Lock()
				events = append(events, s)
				mu.Unlock()
			}
			fs := &fakeService{}
			fs.token = func(w http.ResponseWriter, r *http.Request, n int) {
				log("token")
				writeJSON(w, 200, `{"access_token":"tok-`+strconv.Itoa(n)+`"}`)
			}
			fs.op = func(w http.ResponseWriter, r *http.Request) {
				log("op")
				if tt.expire && r.Header.Get(headerAuthToken) == "tok-1" {
					writeJSON(w, 401, `{"error":{"code":"UNAUTHORIZED","code_message":"expired"}}`)
					return
				}
				writeJSON(w, 200, `{"data":[]}`)
			}
			ts := serve(t, fs)
			cfg := testConfig(ts.URL)
			paces, ends := 0, 0
			cfg.Pace = func(ctx context.Context) (func(error), error) {
				paces++
				log("pace")
				return func(error) { ends++; log("end") }, nil
			}
			c := newTestClient(t, cfg)
			if _, err := c.GetEmailOptions(t.Context()); err != nil {
				t.Fatal(err)
			}
			_, ops := fs.counts()
			if paces != tt.wantPaces || ops != tt.wantOps || ends != paces {
				t.Errorf("paces %d ends %d ops %d, want %d %d %d", paces, ends, ops, tt.wantPaces, tt.wantPaces, tt.wantOps)
			}
			// Each request's end is told before the next is paced.
			for i, ev := range events {
				if ev == "pace" && i > 0 && events[i-1] == "op" {
					t.Errorf("a request paced before the previous one's end was told: %v", events)
				}
			}
			// Each operation request follows its own pace; token requests are not paced.
			for i, ev := range events {
				if ev == "op" && (i == 0 || events[i-1] != "pace") {
					t.Errorf("operation request not preceded by pace: %v", events)
				}
			}
		})
	}
}

func TestPaceErrorSendsNothing(t *testing.T) {
	fs := &fakeService{}
	ts := serve(t, fs)
	cfg := Config{BaseURL: ts.URL, Token: secret.New("tok")}
	cfg.Pace = func(ctx context.Context) (func(error), error) { return nil, context.Canceled }
	c := newTestClient(t, cfg)
	_, err := c.AddTab(t.Context(), wire.AddTabRequest{})
	e := mustError(t, err)
	if e.Delivery != NotSent || !errors.Is(err, context.Canceled) {
		t.Errorf("Delivery %v, err %v; want not sent, context.Canceled", e.Delivery, err)
	}
	if _, ops := fs.counts(); ops != 0 {
		t.Errorf("%d requests sent", ops)
	}
}

func TestObserveEveryAttempt(t *testing.T) {
	fs := &fakeService{op: func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get(headerAuthToken) == "old":
			writeJSON(w, 401, `{"error":{"code":"UNAUTHORIZED"}}`)
		case strings.HasSuffix(r.URL.Path, wire.OpAddTab):
			writeJSON(w, 429, `{"error":{"code":"TOO_MANY_REQUESTS"}}`)
		default:
			writeJSON(w, 200, `{"data":["a"]}`)
		}
	}}
	ts := serve(t, fs)
	cfg := testConfig(ts.URL)
	cfg.Token = secret.New("old")
	var infos []CallInfo
	cfg.Observe = func(ci CallInfo) { infos = append(infos, ci) }
	c := newTestClient(t, cfg)
	if _, err := c.GetEmailOptions(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, _ = c.AddTab(t.Context(), wire.AddTabRequest{})

	type short struct {
		Op     string
		Status int
		D      Delivery
		Err    bool
	}
	var got []short
	for _, ci := range infos {
		got = append(got, short{ci.Op, ci.StatusCode, ci.Delivery, ci.Err != nil})
		if ci.Duration <= 0 {
			t.Errorf("%s: duration %v", ci.Op, ci.Duration)
		}
	}
	want := []short{
		{wire.OpGetEmailOptions, 401, Answered, true},
		{wire.OpGetEmailOptions, 200, Answered, false},
		{wire.OpAddTab, 429, Answered, true},
	}
	if len(got) != len(want) {
		t.Fatalf("observed %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("attempt %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
