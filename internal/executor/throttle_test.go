package executor

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/ratelimit"
	"github.com/firmtools/bulk/internal/wire"
)

// manualClock moves only when the test advances it; Sleep blocks until
// then, and says on slept that a caller is waiting.
type manualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []manualWaiter
	slept   chan time.Time // the end of each wait begun
}

type manualWaiter struct {
	until time.Time
	wake  chan struct{}
}

func newManualClock() *manualClock {
	return &manualClock{now: time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC), slept: make(chan time.Time, 64)}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	c.mu.Lock()
	w := manualWaiter{until: c.now.Add(d), wake: make(chan struct{})}
	c.waiters = append(c.waiters, w)
	c.mu.Unlock()
	c.slept <- w.until
	select {
	case <-w.wake:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Advance moves the clock on by d and wakes the waits that have ended.
func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.until.After(c.now) {
			kept = append(kept, w)
			continue
		}
		close(w.wake)
	}
	c.waiters = kept
}

// waitBegun is the end of the next wait begun on c. A worker that never
// waits fails the test (after a minute of real time, a guard against a
// hang, not a measure of anything).
func waitBegun(t *testing.T, c *manualClock, p *pacedClient) time.Time {
	t.Helper()
	select {
	case until := <-c.slept:
		return until
	case name := <-p.again:
		t.Fatalf("tab %s was sent again at once: the 429 did not hold its worker", name)
		return time.Time{}
	case <-time.After(time.Minute):
		t.Fatal("no worker began to wait: the 429 did not hold them")
		return time.Time{}
	}
}

// pacedClient is the fake client waiting on the pacer before every tab, as
// the real client does (imanage.Config.Pace), noting when each call went
// out by the run's clock.
type pacedClient struct {
	*fakeClient
	pacer *Pacer
	clock Clock

	mu    sync.Mutex
	sent  map[string][]time.Time // by tab name
	first chan string            // each tab's first call, as it arrives
	again chan string            // each later call, as it arrives
	reply map[string]chan error  // what each tab's first call answers, when told
}

func (c *pacedClient) AddTab(ctx context.Context, r wire.AddTabRequest) (*wire.Tab, error) {
	if err := c.pacer.Wait(ctx); err != nil {
		return nil, &imanage.Error{Op: "addTab", Delivery: imanage.NotSent, Err: err}
	}
	c.mu.Lock()
	c.sent[r.Name] = append(c.sent[r.Name], c.clock.Now())
	firstCall := len(c.sent[r.Name]) == 1
	c.mu.Unlock()
	if !firstCall {
		c.again <- r.Name
	}
	if firstCall {
		c.first <- r.Name
		if err := <-c.reply[r.Name]; err != nil {
			return nil, err
		}
	}
	return c.fakeClient.AddTab(ctx, r)
}

func (c *pacedClient) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, s := range c.sent {
		n += len(s)
	}
	return n
}

// TestA429HoldsEveryWorker: three workers have a call out; one meets a 429
// asking for 7 s, the others a 503 that asks for no wait at all. Every
// worker holds: no call is sent for 7 s of the run's clock, and then all
// three go again at once.
func TestA429HoldsEveryWorker(t *testing.T) {
	clock := newManualClock()
	pacer := NewPacer(ratelimit.Limit{N: 1000, Window: time.Second}, clock)
	names := []string{"A", "B", "C"}
	c := &pacedClient{fakeClient: newFake(), pacer: pacer, clock: clock, sent: map[string][]time.Time{},
		first: make(chan string, 3), again: make(chan string, 3), reply: map[string]chan error{}}
	jobs := make([]*manifest.Job, len(names))
	for i, n := range names {
		jobs[i] = tab(t, i, n)
		c.reply[n] = make(chan error, 1)
	}
	start := clock.Now()
	done := make(chan error, 1)
	col := &collected{}
	go func() {
		done <- Run(context.Background(), jobs, Options{Client: c, Pacer: pacer, Clock: clock, Concurrency: 3, MaxAttempts: 3,
			Backoff: Backoff{}, Rand: func() float64 { return 0.5 }, OnEnd: col.add})
	}()
	for range names { // all three calls are out
		<-c.first
	}
	c.reply["A"] <- &imanage.Error{Op: "addTab", Delivery: imanage.Answered, StatusCode: 429, Code: "TOO_MANY_REQUESTS",
		RetryAfter: 7 * time.Second, HasRetryAfter: true}
	if until := waitBegun(t, clock, c); !until.Equal(start.Add(7 * time.Second)) {
		t.Fatalf("A waits until %v, want the 7 s the service asked for", until.Sub(start))
	}
	unavailable := &imanage.Error{Op: "addTab", Delivery: imanage.Answered, StatusCode: 503, Code: "SERVICE_UNAVAILABLE", HasRetryAfter: true}
	c.reply["B"] <- unavailable
	c.reply["C"] <- unavailable
	for range 2 { // B and C
		if until := waitBegun(t, clock, c); !until.Equal(start.Add(7 * time.Second)) {
			t.Fatalf("a worker that met no 429 waits until %v, want the 429's hold of 7 s", until.Sub(start))
		}
	}
	if n := c.calls(); n != 3 {
		t.Fatalf("%d calls during the hold, want the 3 first ones only", n)
	}
	clock.Advance(7*time.Second - time.Millisecond)
	if n := c.calls(); n != 3 {
		t.Fatalf("%d calls before the hold ended, want 3", n)
	}
	clock.Advance(time.Millisecond)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		sent := c.sent[n]
		if len(sent) != 2 || !sent[0].Equal(start) || !sent[1].Equal(start.Add(7*time.Second)) {
			t.Fatalf("tab %s sent at %v, want at 0 and once the hold ended at 7s", n, sent)
		}
		if o := col.out[slices.Index(names, n)]; o.Status != StatusOK || o.Attempts != 2 {
			t.Fatalf("tab %s: %s after %d attempts (%v)", n, o.Status, o.Attempts, o.Err)
		}
	}
}

// recordingClock never waits: Sleep moves its time forward and records
// each wait asked for.
type recordingClock struct {
	fastClock
	mu    sync.Mutex
	waits []time.Duration
}

func (c *recordingClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	return c.fastClock.Sleep(ctx, d)
}

// TestBackoffWaitsAreTheOnesAskedFor: each pause before a repeat is the
// capped, jittered backoff the injected random numbers choose, or the
// service's Retry-After when that is longer; a 429 without Retry-After
// holds the pacer for the backoff instead.
func TestBackoffWaitsAreTheOnesAskedFor(t *testing.T) {
	down := func(retryAfter time.Duration) error {
		return &imanage.Error{Op: "createUser", Delivery: imanage.Answered, StatusCode: 503, Code: "SERVICE_UNAVAILABLE",
			RetryAfter: retryAfter, HasRetryAfter: retryAfter > 0}
	}
	fc := newFake()
	fc.script["createUser"] = []error{down(0), down(0), down(10 * time.Second), down(0), down(0)}
	clock := &recordingClock{fastClock: *newFastClock()}
	rnd := []float64{0, 0.5, 0.25, 0.999, 0}
	var mu sync.Mutex
	col, err := runJobs(t, context.Background(), fc, []*manifest.Job{user(t, 0, "JDOE")}, func(o *Options) {
		o.Clock, o.Pacer = clock, NewPacer(ratelimit.Limit{N: 1000, Window: time.Second}, clock)
		o.MaxAttempts, o.Backoff = 6, Backoff{Base: time.Second, Max: 8 * time.Second}
		o.Rand = func() float64 {
			mu.Lock()
			defer mu.Unlock()
			r := rnd[0]
			rnd = rnd[1:]
			return r
		}
	})
	if err != nil || col.out[0].Status != StatusOK || col.out[0].Attempts != 6 {
		t.Fatalf("%+v, %v", col.out[0], err)
	}
	// Attempt n waits Base*2^(n-1), capped at Max, scaled into [d/2, d].
	want := []time.Duration{
		500 * time.Millisecond,             // d 1s, rand 0
		1500 * time.Millisecond,            // d 2s, rand 0.5
		10 * time.Second,                   // d 4s, rand 0.25 gives 2.5s: the service asked for 10s
		8*time.Second - 4*time.Millisecond, // d 8s, rand 0.999
		4 * time.Second,                    // d 16s capped at 8s, rand 0
	}
	if !slices.Equal(clock.waits, want) {
		t.Fatalf("waits %v, want %v", clock.waits, want)
	}

	// A 429 without Retry-After: every worker holds for the backoff.
	fc = newFake()
	fc.script["addTab"] = []error{&imanage.Error{Op: "addTab", Delivery: imanage.Answered, StatusCode: 429, Code: "TOO_MANY_REQUESTS"}}
	clock = &recordingClock{fastClock: *newFastClock()}
	start := clock.Now()
	pacer := NewPacer(ratelimit.Limit{N: 1000, Window: time.Second}, clock)
	if _, err := runJobs(t, context.Background(), fc, []*manifest.Job{tab(t, 0, "A")}, func(o *Options) {
		o.Clock, o.Pacer = clock, pacer
	}); err != nil {
		t.Fatal(err)
	}
	if got := pacer.heldUntil().Sub(start); got != 750*time.Millisecond || len(clock.waits) != 0 {
		t.Fatalf("held for %v, own waits %v: want the pacer held for the backoff (750ms) and no wait of the worker's own", got, clock.waits)
	}
	if !strings.Contains(fc.reqs[0].(wire.AddTabRequest).Name, "A") {
		t.Fatalf("requests %v", fc.reqs)
	}
}
