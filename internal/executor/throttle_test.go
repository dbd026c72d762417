package executor

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/pacer"
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
	ctx   context.Context
}

func newManualClock() *manualClock {
	return &manualClock{now: time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC), slept: make(chan time.Time, 1024)}
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
	w := manualWaiter{until: c.now.Add(d), wake: make(chan struct{}), ctx: ctx}
	c.waiters = append(c.waiters, w)
	c.mu.Unlock()
	select {
	case c.slept <- w.until:
	default: // no one reads them
	}
	select {
	case <-w.wake:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Advance moves the clock on by d and wakes the waits that have ended.
func (c *manualClock) Advance(d time.Duration) { c.AdvanceTo(c.Now().Add(d)) }

// AdvanceTo moves the clock on to t (never back) and wakes the waits that
// have ended.
func (c *manualClock) AdvanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
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

// waiting is how many callers wait until exactly until (and still wait).
func (c *manualClock) waiting(until time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, w := range c.waiters {
		if w.until.Equal(until) && w.ctx.Err() == nil {
			n++
		}
	}
	return n
}

// pacedClient is the fake client pacing every tab through the pacer, as
// the real client does (imanage.Config.Pace, executor.Pace), noting when
// each call went out by the run's clock.
type pacedClient struct {
	*fakeClient
	pacer *pacer.Pacer
	clock Clock

	mu    sync.Mutex
	sent  map[string][]time.Time // by tab name
	first chan string            // each tab's first call, as it arrives (with a reply channel)
	reply map[string]chan error  // what a tab's first call answers, when told; none: at once
}

func (c *pacedClient) AddTab(ctx context.Context, r wire.AddTabRequest) (*wire.Tab, error) {
	ended, err := Pace(c.pacer)(ctx)
	if err != nil {
		return nil, &imanage.Error{Op: "addTab", Delivery: imanage.NotSent, Err: err}
	}
	c.mu.Lock()
	c.sent[r.Name] = append(c.sent[r.Name], c.clock.Now())
	firstCall := len(c.sent[r.Name]) == 1
	reply := c.reply[r.Name]
	c.mu.Unlock()
	if firstCall && reply != nil {
		c.first <- r.Name
		if err := <-reply; err != nil {
			ended(err)
			return nil, err
		}
	}
	tab, err := c.fakeClient.AddTab(ctx, r)
	ended(err)
	return tab, err
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

// TestA429HoldsEveryWorker: three workers have a call out; A's meets a
// 429 asking for 7 s, B's and C's succeed. Every worker holds: the next
// tabs (D, E) and A's repeat wait until 7 s of the run's clock, then all go
// at once; the 429 was not one of A's attempts.
func TestA429HoldsEveryWorker(t *testing.T) {
	clock := newManualClock()
	p := pacer.New(ratelimit.Limit{N: 1000, Window: time.Second}, clock, pacer.Settings{})
	names := []string{"A", "B", "C", "D", "E"}
	c := &pacedClient{fakeClient: newFake(), pacer: p, clock: clock, sent: map[string][]time.Time{},
		first: make(chan string, 3), reply: map[string]chan error{}}
	jobs := make([]*manifest.Job, len(names))
	for i, n := range names {
		jobs[i] = tab(t, i, n)
	}
	for _, n := range names[:3] {
		c.reply[n] = make(chan error, 1)
	}
	start := clock.Now()
	done := make(chan error, 1)
	col := &collected{}
	go func() {
		done <- Run(context.Background(), jobs, Options{Client: c, Pacer: p, Clock: clock, Concurrency: 3, MaxAttempts: 1,
			Backoff: Backoff{}, Rand: func() float64 { return 0.5 }, OnEnd: col.add})
	}()
	for range 3 { // A, B and C are out
		<-c.first
	}
	c.reply["A"] <- &imanage.Error{Op: "addTab", Delivery: imanage.Answered, StatusCode: 429, Code: "TOO_MANY_REQUESTS",
		RetryAfter: 7 * time.Second, HasRetryAfter: true}
	hold := start.Add(7 * time.Second)
	nextWait := func() time.Time { // the end of the next wait begun (a minute of real time guards a hang)
		select {
		case until := <-clock.slept:
			return until
		case <-time.After(time.Minute):
			t.Fatalf("no worker began to wait (waiting for the hold: %d, calls sent: %d)", clock.waiting(hold), c.calls())
			return time.Time{}
		}
	}
	for !nextWait().Equal(hold) { // A's repeat waits for the hold: its 429 reached the pacer
	}
	c.reply["B"] <- nil
	c.reply["C"] <- nil
	for clock.waiting(hold) < 3 { // A's repeat, D and E
		nextWait()
	}
	if n := c.calls(); n != 3 {
		t.Fatalf("%d calls during the hold, want the 3 first ones only", n)
	}
	clock.Advance(7*time.Second - time.Millisecond)
	if n := c.calls(); n != 3 {
		t.Fatalf("%d calls before the hold ended, want 3", n)
	}
	// After the hold the three go, spaced by the pacer's lowered rate
	// (1000/s cut to 700/s: 1.4 ms apart): the clock follows each wait.
	clock.Advance(time.Millisecond)
	var err error
	for waiting := true; waiting; {
		select {
		case err = <-done:
			waiting = false
		case until := <-clock.slept:
			clock.AdvanceTo(until)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		sent := c.sent[n]
		if n == "B" || n == "C" {
			if !slices.Equal(sent, []time.Time{start}) {
				t.Errorf("tab %s sent at %v, want once at the start", n, sent)
			}
		} else if last := sent[len(sent)-1]; len(sent) != map[string]int{"A": 2, "D": 1, "E": 1}[n] ||
			last.Before(hold) || last.After(hold.Add(10*time.Millisecond)) {
			t.Errorf("tab %s sent at %v, want (again) just after the hold ended at 7s", n, sent)
		}
		if o := col.out[i]; o.Status != StatusOK || o.Attempts != 1 {
			t.Errorf("tab %s: %s after %d attempts (%v), want ok after 1 (with --max-attempts 1: the 429 is not an attempt)", n, o.Status, o.Attempts, o.Err)
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

// TestBackoffWaitsAreTheOnesAskedFor: each pause before a repeat of a
// job's own failure is the capped, jittered backoff the injected random
// numbers choose, or the service's Retry-After when that is longer.
func TestBackoffWaitsAreTheOnesAskedFor(t *testing.T) {
	failed := func(retryAfter time.Duration) error {
		return &imanage.Error{Op: "createUser", Delivery: imanage.Answered, StatusCode: 500, Code: "INTERNAL_ERROR",
			RetryAfter: retryAfter, HasRetryAfter: retryAfter > 0}
	}
	fc := newFake()
	fc.script["createUser"] = []error{failed(0), failed(0), failed(10 * time.Second), failed(0), failed(0)}
	clock := &recordingClock{fastClock: *newFastClock()}
	rnd := []float64{0, 0.5, 0.25, 0.999, 0}
	var mu sync.Mutex
	col, err := runJobs(t, context.Background(), fc, []*manifest.Job{user(t, 0, "JDOE")}, func(o *Options) {
		o.Clock, o.Pacer = clock, pacer.New(ratelimit.Limit{N: 1000, Window: time.Second}, clock, pacer.Settings{})
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
}

// TestA429WithoutRetryAfterSlowsThePace: the service throttled inside the
// declared window without saying for how long: the job is repeated
// without a backoff of its own and without using an attempt, and the pacer
// lowers its rate.
func TestA429WithoutRetryAfterSlowsThePace(t *testing.T) {
	fc := newFake()
	fc.script["addTab"] = []error{&imanage.Error{Op: "addTab", Delivery: imanage.Answered, StatusCode: 429, Code: "TOO_MANY_REQUESTS"}}
	clock := &recordingClock{fastClock: *newFastClock()}
	p := pacer.New(ratelimit.Limit{N: 100, Window: time.Minute}, clock, pacer.Settings{})
	c := &pacedClient{fakeClient: fc, pacer: p, clock: clock, sent: map[string][]time.Time{}}
	col, err := runJobs(t, context.Background(), fc, []*manifest.Job{tab(t, 0, "A")}, func(o *Options) {
		o.Client, o.Clock, o.Pacer, o.MaxAttempts = c, clock, p, 1
	})
	if err != nil || col.out[0].Status != StatusOK || col.out[0].Attempts != 1 {
		t.Fatalf("%+v, %v", col.out[0], err)
	}
	sn := p.Snapshot()
	if !sn.Adapted || sn.Rate >= 100 || p.Stats().Throttled != 1 {
		t.Fatalf("snapshot %+v, stats %+v: want the rate cut after the 429", sn, p.Stats())
	}
	// The only wait is the pacer's spacing at the lowered rate (70 a minute).
	if len(clock.waits) != 1 || clock.waits[0] > time.Second || clock.waits[0] < 800*time.Millisecond {
		t.Fatalf("waits %v, want one of about 60s/70", clock.waits)
	}
}

// reSignInClient makes each tab as the real client does after a 401:
// the call, refused, then the repeat with a fresh token, both paced.
type reSignInClient struct {
	*fakeClient
	pacer *pacer.Pacer
}

func (c *reSignInClient) AddTab(ctx context.Context, r wire.AddTabRequest) (*wire.Tab, error) {
	for _, err := range []error{&imanage.Error{Op: "addTab", Delivery: imanage.Answered, StatusCode: 401}, nil} {
		ended, perr := Pace(c.pacer)(ctx)
		if perr != nil {
			return nil, &imanage.Error{Op: "addTab", Delivery: imanage.NotSent, Err: perr}
		}
		ended(err)
	}
	return c.fakeClient.AddTab(ctx, r)
}

// Attempts count what was sent: the repeat after a 401 is one more.
func TestTheRepeatAfterASignInIsAnAttempt(t *testing.T) {
	fc := newFake()
	clock := newFastClock()
	p := pacer.New(ratelimit.Limit{N: 100, Window: time.Minute}, clock, pacer.Settings{})
	col, err := runJobs(t, context.Background(), fc, []*manifest.Job{tab(t, 0, "A")}, func(o *Options) {
		o.Client, o.Clock, o.Pacer = &reSignInClient{fakeClient: fc, pacer: p}, clock, p
	})
	if err != nil || col.out[0].Status != StatusOK || col.out[0].Attempts != 2 {
		t.Fatalf("%+v, %v: want ok after 2 attempts", col.out[0], err)
	}
}
