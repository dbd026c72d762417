package pacer

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/ratelimit"
)

// jumpClock's Sleep returns at once, having moved the shared time on to
// the end of the wait: goroutines that wait on it see time pass as their
// waits say, in no real time.
type jumpClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *jumpClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *jumpClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(max(d, 0))
	return nil
}

// Many goroutines at once, each call's time from the shared clock: at no
// moment do more than N calls count (from their grant to W after their end).
func TestConcurrentCallsKeepToTheWindow(t *testing.T) {
	clock := &jumpClock{now: t0}
	limit := ratelimit.Limit{N: 10, Window: time.Second}
	p := New(limit, clock, Settings{})
	type span struct{ grant, end time.Time }
	var mu sync.Mutex
	var spans []span
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 1))
			for i := 0; i < 40; i++ {
				pm, err := p.Acquire(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				g := clock.Now()
				_ = clock.Sleep(context.Background(), time.Duration(rng.IntN(50))*time.Millisecond)
				mu.Lock()
				// The end is read under mu with Done, so no grant slips between.
				e := clock.Now()
				pm.Done(Result{Kind: Answered})
				spans = append(spans, span{g, e})
				mu.Unlock()
			}
		}(uint64(w))
	}
	wg.Wait()
	if len(spans) != 320 {
		t.Fatalf("%d calls, want 320", len(spans))
	}
	for _, a := range spans {
		n := 0
		for _, b := range spans {
			if !b.grant.After(a.grant) && a.grant.Before(b.end.Add(limit.Window)) {
				n++
			}
		}
		if n > limit.N {
			t.Fatalf("at %v, %d calls count in the window, more than %d", a.grant.Sub(t0), n, limit.N)
		}
	}
	if got := p.Calls(); got != 320 {
		t.Errorf("Calls() = %d, want 320", got)
	}
}

// Once the stop context is done no new call starts, a waiting one included.
func TestStopRefusesNewCalls(t *testing.T) {
	p := New(ratelimit.Limit{N: 1, Window: time.Hour}, nil, Settings{})
	stop, cancel := context.WithCancel(context.Background())
	p.StopWith(stop)
	pm, err := p.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pm.Done(Result{Kind: Answered})
	got := make(chan error)
	go func() {
		_, err := p.Acquire(context.Background()) // waits an hour for the window
		got <- err
	}()
	cancel()
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Fatalf("a waiting call after the stop: %v, want context.Canceled", err)
	}
}

// A waiting call wakes when another ends and frees a place.
func TestAnEndWakesAWaiter(t *testing.T) {
	p := New(ratelimit.Limit{N: 1, Window: time.Nanosecond}, &jumpClock{now: t0}, Settings{})
	first, err := p.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error)
	go func() {
		pm, err := p.Acquire(context.Background()) // waits for first's end
		if err == nil {
			pm.Done(Result{Kind: Answered})
		}
		got <- err
	}()
	first.Done(Result{Kind: Answered})
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}

// A job's Track counts what was sent, and which of those were 429s or an
// outage's: not attempts.
func TestTrackCountsAttempts(t *testing.T) {
	p := New(contract, &jumpClock{now: t0}, Settings{})
	ctx, tr := WithTrack(context.Background(), 1)
	for _, r := range []Result{{Kind: Throttled}, {Kind: Unreachable}, {Kind: Answered}, {Kind: NotSent}} {
		pm, err := p.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pm.Done(r)
		pm.Done(Result{Kind: Unreachable}) // a second Done is ignored
	}
	got := tr.Counts()
	if want := (Counts{Sent: 3, Throttled: 1, Outage: 1}); got != want || got.Attempts() != 1 {
		t.Fatalf("counts %+v (attempts %d), want %+v (1)", got, got.Attempts(), want)
	}
}

// When the pacer gives up, every Acquire says why, at once.
func TestGivingUpReachesEveryCaller(t *testing.T) {
	p := New(contract, &jumpClock{now: t0}, Settings{MaxHold: time.Minute})
	pm, _ := p.Acquire(context.Background())
	pm.Done(Result{Kind: Throttled, HasRetryAfter: true, RetryAfter: time.Hour})
	for i := 0; i < 3; i++ {
		_, err := p.Acquire(context.Background())
		var g *GaveUpError
		if !errors.As(err, &g) || p.Err() == nil {
			t.Fatalf("call %d: %v, want the pacer's GaveUpError", i, err)
		}
	}
	if s := p.Snapshot(); s.GaveUp == nil {
		t.Error("the snapshot does not say the pacer gave up")
	}
}

// The snapshot shows a hold and when it ends.
func TestSnapshotShowsAHold(t *testing.T) {
	clock := &jumpClock{now: t0}
	p := New(contract, clock, Settings{})
	pm, _ := p.Acquire(context.Background())
	pm.Done(Result{Kind: Throttled, HasRetryAfter: true, RetryAfter: 42 * time.Second})
	s := p.Snapshot()
	if !s.HeldUntil.Equal(t0.Add(42*time.Second)) || !s.Adapted || s.Rate >= 100 {
		t.Fatalf("snapshot %+v: want held until +42s, the rate cut", s)
	}
}
