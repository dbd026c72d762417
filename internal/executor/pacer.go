package executor

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/firmtools/bulk/internal/ratelimit"
)

// Clock is the time source of the executor. Tests inject a fake one; the
// real one is RealClock.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done.
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the wall clock.
type RealClock struct{}

func (RealClock) Now() time.Time { return time.Now() }

func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// pacingMargin is the share of the limit the pacer leaves unused. The
// service counts arrivals in a strict sliding window; a token bucket with
// burst 1 at rate 0.98*N/W needs 100/0.98*W/N > W to send N+1 calls, so no
// window of length W ever sees more than N of ours even with a few
// milliseconds of jitter between our send and the service's arrival.
const pacingMargin = 0.98

// Pacer is the one gate every call of a run goes through: a token bucket
// shaped after the service's limit, and a hold that a 429 puts on every
// worker at once.
type Pacer struct {
	clock   Clock
	limiter *rate.Limiter

	mu        sync.Mutex
	holdUntil time.Time
	stop      context.Context // when done, no new call may start

	calls atomic.Int64
}

// NewPacer shapes a limiter after limit. Burst is 1 on purpose: a larger
// bucket lets B extra calls through in the first window, which a strict
// server window answers with 429.
func NewPacer(limit ratelimit.Limit, clock Clock) *Pacer {
	if clock == nil {
		clock = RealClock{}
	}
	// With burst 1, a window of length W holds at most 1 + floor(r*W)
	// calls; r*W stays below N (and at most 98% of it).
	perWindow := math.Min(float64(limit.N)*pacingMargin, float64(limit.N)-0.5)
	every := time.Duration(float64(limit.Window) / perWindow)
	return &Pacer{clock: clock, limiter: rate.NewLimiter(rate.Every(every), 1)}
}

// stopWith makes Wait refuse new calls once stop is done: after an
// interruption nothing new starts, even a call that was waiting for its
// turn (calls already sent finish).
func (p *Pacer) stopWith(stop context.Context) {
	p.mu.Lock()
	p.stop = stop
	p.mu.Unlock()
}

// Wait blocks until a call may be sent: after any hold, then a token.
// It is what the client calls before every attempt (Config.Pace).
func (p *Pacer) Wait(ctx context.Context) error {
	p.mu.Lock()
	stop := p.stop
	p.mu.Unlock()
	if stop != nil {
		if err := stop.Err(); err != nil {
			return err
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(stop, cancel)()
	}
	for {
		p.mu.Lock()
		d := p.holdUntil.Sub(p.clock.Now())
		p.mu.Unlock()
		if d <= 0 {
			break
		}
		if err := p.clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
	if err := p.limiter.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	if stop != nil && stop.Err() != nil {
		return stop.Err()
	}
	p.calls.Add(1)
	return nil
}

// hold stops every caller of Wait for d from now: the service said the
// connection is throttled, not just the worker that met the 429.
func (p *Pacer) hold(d time.Duration) {
	if d <= 0 {
		return
	}
	until := p.clock.Now().Add(d)
	p.mu.Lock()
	if until.After(p.holdUntil) {
		p.holdUntil = until
	}
	p.mu.Unlock()
}

// heldUntil is the end of the current hold (zero when none was set).
func (p *Pacer) heldUntil() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.holdUntil
}

// Calls is how many calls went through Wait.
func (p *Pacer) Calls() int64 { return p.calls.Load() }

// callsPerSecond is the pacer's sustained rate.
func (p *Pacer) callsPerSecond() float64 { return float64(p.limiter.Limit()) }
