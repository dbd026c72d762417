package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestFaultRateOne(t *testing.T) {
	h := newHarness(t, Options{FaultRate: 1, Seed: 7})
	users := func() int {
		h.sim.mu.Lock()
		defer h.sim.mu.Unlock()
		return len(h.sim.st.users)
	}
	before := users()
	seen := map[int]int{}
	calls := []struct {
		name string
		do   func() answer
	}{
		{"createUser", func() answer { return h.post("createUser", validCreateUser) }},
		{"addTab", func() answer { return h.post("addTab", validTab) }},
		{"invalid body", func() answer { return h.post("addTab", obj{}) }},
		{"read", func() answer { return h.get("getLibraries", nil) }},
	}
	const rounds = 10
	for i := 0; i < rounds; i++ {
		for _, c := range calls {
			a := c.do()
			seen[a.status]++
			switch a.status {
			case http.StatusInternalServerError:
				assertEqual(t, c.name+" code", a.code(), codeInternal)
			case http.StatusServiceUnavailable:
				assertEqual(t, c.name+" code", a.code(), codeUnavailable)
				assertEqual(t, c.name+" Retry-After", a.header.Get("Retry-After"), "1")
			default:
				t.Fatalf("%s: status %d, want 500 or 503: %s", c.name, a.status, a.raw)
			}
		}
	}
	if seen[500] == 0 || seen[503] == 0 {
		t.Errorf("statuses %v: want both 500 and 503", seen)
	}
	st := h.sim.Stats()
	assertEqual(t, "faults", st.Faults, rounds*len(calls))
	assertEqual(t, "created", st.Created, map[string]int{})
	assertEqual(t, "users", users(), before)
}

func TestFaultSeed(t *testing.T) {
	sequence := func(seed int64) string {
		h := newHarness(t, Options{FaultRate: 0.5, Seed: seed})
		var b strings.Builder
		for i := 0; i < 40; i++ {
			fmt.Fprintf(&b, "%d ", h.get("getEmailOptions", nil).status)
		}
		return b.String()
	}
	cases := []struct {
		name  string
		a, b  int64
		equal bool
	}{
		{"same seed, same faults", 42, 42, true},
		{"other seed, other faults", 42, 43, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sa, sb := sequence(tc.a), sequence(tc.b)
			if (sa == sb) != tc.equal {
				t.Errorf("seed %d: %s\nseed %d: %s", tc.a, sa, tc.b, sb)
			}
			if !strings.Contains(sa, "200") || strings.Count(sa, "200") == 40 {
				t.Errorf("fault rate 0.5 gave %s", sa)
			}
		})
	}
}

// TestCheckOrder: auth, then throttle, then faults.
func TestCheckOrder(t *testing.T) {
	h := newHarness(t, Options{FaultRate: 1, RateLimit: 1, Window: time.Minute})
	req := h.request(http.MethodGet, "getLibraries", nil, nil)
	req.Header.Set("X-Auth-Token", "bogus")
	assertEqual(t, "bad token", h.send(req).status, 401)
	first := h.get("getLibraries", nil).status
	if first != 500 && first != 503 {
		t.Errorf("first call: %d, want an injected fault", first)
	}
	assertEqual(t, "second call", h.get("getLibraries", nil).status, 429)
	st := h.sim.Stats()
	assertEqual(t, "faults", st.Faults, 1)
	assertEqual(t, "throttled", st.Throttled, 1)
	assertEqual(t, "calls", st.Calls["getLibraries"], 3)
}

func TestDropRateOne(t *testing.T) {
	cases := []struct {
		name    string
		body    obj
		created map[string]int
	}{
		{"applied, then dropped", validTab, map[string]int{"tab": 1}},
		{"refused, then dropped", obj{}, map[string]int{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{DropRate: 1})
			// POST: net/http never repeats it by itself, so one call is one try.
			resp, err := h.srv.Client().Do(h.request(http.MethodPost, "addTab", tc.body, nil))
			if err == nil {
				resp.Body.Close()
				t.Fatalf("got an answer (%d), want the connection dropped", resp.StatusCode)
			}
			if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
				t.Errorf("error %v, want EOF or a reset", err)
			}
			st := h.sim.Stats()
			assertEqual(t, "drops", st.Drops, 1)
			assertEqual(t, "created", st.Created, tc.created)
			if len(tc.created) > 0 {
				h.sim.mu.Lock()
				tab := h.sim.st.containers["ACTIVE_US!10000"]
				h.sim.mu.Unlock()
				if tab == nil || tab.name != "Billing" {
					t.Errorf("the dropped call's tab is not there: %+v", tab)
				}
			}
		})
	}
}

func TestLatency(t *testing.T) {
	t.Run("short latency still answers", func(t *testing.T) {
		h := newHarness(t, Options{Latency: 5 * time.Millisecond})
		assertEqual(t, "status", h.get("getLibraries", nil).status, 200)
	})
	t.Run("a caller that goes away during the latency: the call is applied, the answer lost", func(t *testing.T) {
		s := New(Options{Latency: 50 * time.Millisecond})
		entered := make(chan struct{}, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/automate/") {
				entered <- struct{}{}
			}
			s.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		h := &harness{t: t, sim: s, srv: srv}
		h.token = h.signIn(AdminUser, "admin")

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			resp, err := srv.Client().Do(h.request(http.MethodPost, "addTab", validTab, nil).WithContext(ctx))
			if err == nil {
				resp.Body.Close()
			}
			done <- err
		}()
		<-entered
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("client error %v, want context.Canceled", err)
		}
		// Close waits for the handler, which waits out the latency first.
		srv.Close()
		assertEqual(t, "created", s.Stats().Created, map[string]int{"tab": 1})
	})
	t.Run("only the simulator's shutdown ends the wait", func(t *testing.T) {
		server, shutdown := context.WithCancel(context.Background())
		req, leave := context.WithCancel(withShutdown(server))
		leave() // the caller went away
		if err := shutdownContext(req).Err(); err != nil {
			t.Fatalf("a caller leaving ended the wait: %v", err)
		}
		shutdown()
		if sleep(shutdownContext(req), time.Hour) {
			t.Fatal("the wait outlived the shutdown")
		}
		if err := shutdownContext(context.Background()).Err(); err != nil {
			t.Fatalf("outside Serve: %v", err)
		}
	})
}

func TestSleep(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want bool
	}{
		{"zero", context.Background(), 0, true},
		{"zero, cancelled", cancelled, 0, false},
		{"an hour, cancelled", cancelled, time.Hour, false},
		{"a microsecond", context.Background(), time.Microsecond, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assertEqual(t, "slept", sleep(tc.ctx, tc.d), tc.want)
		})
	}
}

func TestStatsEndpoint(t *testing.T) {
	h := newHarness(t, Options{RateLimit: 1, Window: time.Minute})
	h.post("addTab", validTab)
	h.post("addTab", validTab)
	getStats := func() Stats {
		t.Helper()
		resp, err := h.srv.Client().Get(h.srv.URL + "/_sim/stats")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("stats: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var st Stats
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	// Neither counted nor throttled, though the limit is 1 and spent.
	for i := 0; i < 3; i++ {
		got := getStats()
		want := Stats{
			Calls: map[string]int{"addTab": 2}, TotalCalls: 2, Throttled: 1,
			MaxAdmittedInWindow: 1, MaxReceivedInWindow: 2,
			Created: map[string]int{"tab": 1}, TokensIssued: 1,
			TokenHeaders: map[string]int{"X-Auth-Token": 2},
		}
		assertEqual(t, "stats", got, want)
		assertEqual(t, "Stats()", h.sim.Stats(), want)
	}
	t.Run("JSON names", func(t *testing.T) {
		resp, err := h.srv.Client().Get(h.srv.URL + "/_sim/stats")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"calls", "total_calls", "throttled", "max_admitted_in_window", "max_received_in_window",
			"created", "duplicate_creations", "faults", "drops", "tokens_issued"} {
			if _, ok := m[k]; !ok {
				t.Errorf("stats lack %q: %v", k, m)
			}
		}
	})
	t.Run("copies", func(t *testing.T) {
		st := h.sim.Stats()
		st.Calls["addTab"] = 99
		st.Created["tab"] = 99
		assertEqual(t, "calls", h.sim.Stats().Calls["addTab"], 2)
		assertEqual(t, "created", h.sim.Stats().Created["tab"], 1)
	})
}

func TestQueryOnPostIgnored(t *testing.T) {
	h := newHarness(t, Options{})
	req := h.request(http.MethodPost, "addTab", validTab, url.Values{"x": {"1"}})
	assertEqual(t, "status", h.send(req).status, 200)
}
