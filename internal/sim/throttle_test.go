package sim

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"testing"
	"time"
)

type callRecord struct {
	at       time.Duration // since the first call
	admitted bool
}

// inWindow counts the records (admitted ones only, if admittedOnly) in (t-w, t].
func inWindow(recs []callRecord, t, w time.Duration, admittedOnly bool) int {
	n := 0
	for _, r := range recs {
		if r.at > t-w && r.at <= t && (r.admitted || !admittedOnly) {
			n++
		}
	}
	return n
}

// TestStrictThrottleBruteForce drives calls at irregular fake times and checks
// every decision, and the stats, against an independent brute-force count.
func TestStrictThrottleBruteForce(t *testing.T) {
	cases := []struct {
		name   string
		limit  int
		window time.Duration
		maxGap time.Duration // gaps are uniform in [0, maxGap], a third of them 0
		calls  int
		seed   uint64
	}{
		{"bursty", 7, 600 * time.Millisecond, 150 * time.Millisecond, 400, 1},
		{"dense", 5, 100 * time.Millisecond, 10 * time.Millisecond, 300, 2},
		{"sparse", 3, time.Second, 800 * time.Millisecond, 200, 3},
		{"contract limit, time-scaled", 100, 600 * time.Millisecond, 8 * time.Millisecond, 1200, 4},
		{"sub-millisecond gaps", 4, 2 * time.Millisecond, 700 * time.Microsecond, 300, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{RateLimit: tc.limit, Window: tc.window})
			rng := rand.New(rand.NewPCG(tc.seed, tc.seed))
			var recs []callRecord
			var at time.Duration
			for i := 0; i < tc.calls; i++ {
				if i > 0 && rng.IntN(3) > 0 {
					gap := time.Duration(rng.Int64N(int64(tc.maxGap) + 1))
					h.clock.Advance(gap)
					at += gap
				}
				a := h.get("getLibraries", nil)
				switch a.status {
				case http.StatusOK, http.StatusTooManyRequests:
				default:
					t.Fatalf("call %d: status %d", i, a.status)
				}
				recs = append(recs, callRecord{at: at, admitted: a.status == http.StatusOK})
			}

			maxAdmitted, maxReceived, refused := 0, 0, 0
			for i, r := range recs {
				before := inWindow(recs[:i], r.at, tc.window, true)
				if r.admitted {
					if before >= tc.limit {
						t.Fatalf("call %d at %v admitted with %d already admitted in its window", i, r.at, before)
					}
				} else {
					refused++
					if before < tc.limit {
						t.Fatalf("call %d at %v refused with only %d admitted in its window", i, r.at, before)
					}
				}
				maxAdmitted = max(maxAdmitted, inWindow(recs, r.at, tc.window, true))
				maxReceived = max(maxReceived, inWindow(recs, r.at, tc.window, false))
			}
			if maxAdmitted > tc.limit {
				t.Fatalf("a window admitted %d calls, limit %d", maxAdmitted, tc.limit)
			}
			if refused == 0 || refused == len(recs) {
				t.Fatalf("%d of %d calls refused: the case does not exercise the limit", refused, len(recs))
			}
			st := h.sim.Stats()
			assertEqual(t, "max admitted in window", st.MaxAdmittedInWindow, maxAdmitted)
			assertEqual(t, "max received in window", st.MaxReceivedInWindow, maxReceived)
			assertEqual(t, "throttled", st.Throttled, refused)
			assertEqual(t, "calls", st.Calls["getLibraries"], len(recs))
		})
	}
}

// TestRetryAfterExact: after a 429, advancing the clock by X-Retry-After-Ms
// admits the next call, and by 1 ms less does not.
func TestRetryAfterExact(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name      string
		mode      string
		limit     int
		window    time.Duration
		admitted  []time.Duration // offsets of calls that must pass
		refusedAt time.Duration
		wantMs    int64
		wantSecs  string
	}{
		{"strict", ModeStrict, 3, 600 * ms, []time.Duration{0, 100 * ms, 250 * ms}, 300 * ms, 300, "1"},
		{"strict, calls at one instant", ModeStrict, 2, 600 * ms, []time.Duration{0, 0}, 599 * ms, 1, "1"},
		{"strict, sub-millisecond wait", ModeStrict, 1, 600 * ms, []time.Duration{0}, 100*ms + 300*time.Microsecond, 500, "1"},
		{"strict, after a refill", ModeStrict, 2, 600 * ms, []time.Duration{0, 500 * ms, 600 * ms}, 700 * ms, 400, "1"},
		{"strict, seconds round up", ModeStrict, 2, time.Minute, []time.Duration{0, 10 * time.Second}, 10*time.Second + 500*ms, 49500, "50"},
		{"fixed", ModeFixed, 3, time.Second, []time.Duration{0, 100 * ms, 200 * ms}, 300 * ms, 700, "1"},
		{"fixed, a later window", ModeFixed, 2, time.Second, []time.Duration{0, 1500 * ms, 1600 * ms}, 1700 * ms, 300, "1"},
		{"fixed, seconds round up", ModeFixed, 1, time.Minute, []time.Duration{0}, 1500 * ms, 58500, "59"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{RateLimit: tc.limit, Window: tc.window, Mode: tc.mode})
			var now time.Duration
			advanceTo := func(d time.Duration) {
				h.clock.Advance(d - now)
				now = d
			}
			for i, at := range tc.admitted {
				advanceTo(at)
				if a := h.get("getLibraries", nil); a.status != http.StatusOK {
					t.Fatalf("call %d at %v: status %d, want 200", i, at, a.status)
				}
			}
			advanceTo(tc.refusedAt)
			a := h.get("getLibraries", nil)
			if a.status != http.StatusTooManyRequests || a.code() != codeTooMany {
				t.Fatalf("at %v: status %d %s, want 429", tc.refusedAt, a.status, a.code())
			}
			assertEqual(t, "Retry-After", a.header.Get("Retry-After"), tc.wantSecs)
			gotMs, err := strconv.ParseInt(a.header.Get("X-Retry-After-Ms"), 10, 64)
			if err != nil {
				t.Fatalf("X-Retry-After-Ms: %v", err)
			}
			assertEqual(t, "X-Retry-After-Ms", gotMs, tc.wantMs)

			advanceTo(tc.refusedAt + time.Duration(gotMs-1)*ms)
			if a := h.get("getLibraries", nil); a.status != http.StatusTooManyRequests {
				t.Fatalf("1 ms early: status %d, want 429", a.status)
			}
			advanceTo(tc.refusedAt + time.Duration(gotMs)*ms)
			if a := h.get("getLibraries", nil); a.status != http.StatusOK {
				t.Fatalf("on time: status %d, want 200: %s", a.status, a.raw)
			}
		})
	}
}

// TestWindowModes: the same calls across a window boundary; fixed counters
// reset and so admit up to twice the limit in a sliding window, strict never.
func TestWindowModes(t *testing.T) {
	ms := time.Millisecond
	// limit 3 per second; the first call aligns fixed windows to 0.
	calls := []time.Duration{0, 950 * ms, 950 * ms, 1000 * ms, 1000 * ms, 1000 * ms, 1000 * ms, 1950 * ms, 2000 * ms}
	cases := []struct {
		mode        string
		want        []int
		maxAdmitted int
	}{
		{ModeStrict, []int{200, 200, 200, 200, 429, 429, 429, 200, 200}, 3},
		{ModeFixed, []int{200, 200, 200, 200, 200, 200, 429, 429, 200}, 5},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			h := newHarness(t, Options{RateLimit: 3, Window: time.Second, Mode: tc.mode})
			var now time.Duration
			var got []int
			for _, at := range calls {
				h.clock.Advance(at - now)
				now = at
				got = append(got, h.get("getLibraries", nil).status)
			}
			assertEqual(t, "statuses", got, tc.want)
			st := h.sim.Stats()
			assertEqual(t, "max admitted in window", st.MaxAdmittedInWindow, tc.maxAdmitted)
			assertEqual(t, "max received in window", st.MaxReceivedInWindow, 6)
		})
	}
}

func TestThrottlePerToken(t *testing.T) {
	h := newHarness(t, Options{RateLimit: 2, Window: time.Minute})
	first := h.token
	second := h.signIn(AdminUser, "admin")
	viewer := h.signIn(ViewerUser, "viewer")
	cases := []struct {
		name   string
		token  string
		status int
	}{
		{"first token, 1", first, 200},
		{"first token, 2", first, 200},
		{"first token, 3", first, 429},
		{"second token, 1", second, 200},
		{"viewer, 1", viewer, 200},
		{"second token, 2", second, 200},
		{"second token, 3", second, 429},
		{"viewer, 2", viewer, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.token = tc.token
			assertEqual(t, "status", h.get("getEmailOptions", nil).status, tc.status)
		})
	}
	t.Run("signing in is not counted", func(t *testing.T) {
		for i := 0; i < 5; i++ {
			h.signIn(AdminUser, "admin")
		}
		st := h.sim.Stats()
		assertEqual(t, "max admitted", st.MaxAdmittedInWindow, 2)
		assertEqual(t, "max received", st.MaxReceivedInWindow, 3)
		assertEqual(t, "total calls", st.TotalCalls, 8)
		assertEqual(t, "tokens", st.TokensIssued, 8)
	})
	t.Run("every operation counts, writes and reads", func(t *testing.T) {
		h.token = h.signIn(AdminUser, "admin")
		assertEqual(t, "write", h.post("addTab", validTab).status, 200)
		assertEqual(t, "read", h.get("getLibraries", nil).status, 200)
		a := h.post("addTab", validTab)
		assertEqual(t, "third", a.status, 429)
		assertEqual(t, "refused write not applied", h.sim.Stats().Created["tab"], 1)
	})
}

func TestThrottleRefusesBeforeValidation(t *testing.T) {
	h := newHarness(t, Options{RateLimit: 1, Window: time.Minute})
	assertEqual(t, "first", h.post("addTab", obj{}).status, 400)
	// A bad request still spends a call; the next one is throttled before it is read.
	assertEqual(t, "second", h.post("addTab", obj{}).status, 429)
}

func TestWindowLogMemory(t *testing.T) {
	var l windowLog
	start := time.Unix(0, 0)
	for i := 0; i < 100000; i++ {
		n := l.add(start.Add(time.Duration(i)*time.Millisecond), 10*time.Millisecond)
		if i >= 10 && n != 10 {
			t.Fatalf("call %d: %d in window, want 10", i, n)
		}
	}
	if c := cap(l.times); c > 64 {
		t.Errorf("log capacity %d for a window of 10 calls", c)
	}
}
