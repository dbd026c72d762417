// Package pacer owns "when" for every call of a run: the service's window
// (at most N calls in any W, each counted until W after its answer came),
// the holds a 429 puts on every worker, the lower, evenly spaced rate the
// pacer adapts to when the service throttles inside the declared window,
// and the single probe calls that test a service that is down. It knows
// nothing of HTTP or of jobs: it is told what became of each call
// (Result), on an injected clock, so its tests run on a fake one.
package pacer

import (
	"context"
	"sync"

	"github.com/firmtools/bulk/internal/ratelimit"
)

// Pacer is the one gate every call of a run goes through. It is safe for
// use by many goroutines.
type Pacer struct {
	clock Clock

	mu      sync.Mutex
	c       *core
	waiters map[*waiter]struct{} // woken when something changes
	stop    context.Context      // when done, no new call may start
}

type waiter struct{ cancel context.CancelFunc }

// New paces to limit on clock (nil: the wall clock).
func New(limit ratelimit.Limit, clock Clock, set Settings) *Pacer {
	if clock == nil {
		clock = RealClock{}
	}
	return &Pacer{clock: clock, c: newCore(limit, set), waiters: map[*waiter]struct{}{}}
}

// StopWith makes Acquire refuse new calls once stop is done: after an
// interruption nothing new starts, even a call that was waiting for its
// turn (calls already sent finish).
func (p *Pacer) StopWith(stop context.Context) {
	p.mu.Lock()
	p.stop = stop
	p.mu.Unlock()
}

// Permit is one call's turn. Done must be called once, when the call's
// answer arrived or it gave up.
type Permit struct {
	p    *Pacer
	perm *permit
	t    *Track
	once sync.Once
}

// Acquire blocks until a call may be sent, and returns its permit. It
// fails when ctx (or the stop context) is done, or with a *GaveUpError
// when the pacer gave up on the service.
func (p *Pacer) Acquire(ctx context.Context) (*Permit, error) {
	p.mu.Lock()
	stop := p.stop
	p.mu.Unlock()
	if stop != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(stop, cancel)()
	}
	t := trackOf(ctx)
	caller := 0
	if t != nil {
		caller = t.caller
	}
	defer func() {
		p.mu.Lock()
		p.c.gone(caller)
		p.mu.Unlock()
	}()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p.mu.Lock()
		perm, wake, err := p.c.grant(p.clock.Now(), caller)
		if err != nil || perm != nil {
			p.mu.Unlock()
			if err != nil {
				return nil, err
			}
			return &Permit{p: p, perm: perm, t: t}, nil
		}
		w := &waiter{}
		wctx, cancel := context.WithCancel(ctx)
		w.cancel = cancel
		p.waiters[w] = struct{}{}
		now := p.clock.Now()
		p.mu.Unlock()

		if wake.IsZero() { // until something changes: a call ends
			<-wctx.Done()
			err = wctx.Err()
		} else {
			err = p.clock.Sleep(wctx, wake.Sub(now))
		}
		p.mu.Lock()
		delete(p.waiters, w)
		p.mu.Unlock()
		cancel()
		if err != nil && ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
}

// wakeAll makes every waiting Acquire look again; p.mu is held.
func (p *Pacer) wakeAll() {
	for w := range p.waiters {
		w.cancel()
		delete(p.waiters, w)
	}
}

// Done tells the pacer what became of the permit's call. It reports
// whether the call failed because of an outage: not a failed attempt of
// its job. Only the first call counts.
func (pm *Permit) Done(r Result) (outage bool) {
	pm.once.Do(func() {
		p := pm.p
		p.mu.Lock()
		outage = p.c.done(p.clock.Now(), pm.perm, r)
		p.wakeAll()
		p.mu.Unlock()
		if pm.t != nil {
			pm.t.add(r.Kind, outage)
		}
	})
	return outage
}

// Stats are the figures so far.
func (p *Pacer) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.c.stats
	if p.c.down {
		s.DownFor += p.clock.Now().Sub(p.c.downSince)
	}
	return s
}

// Calls is how many calls were granted.
func (p *Pacer) Calls() int64 { return p.Stats().Calls }

// Err is why the pacer gave up, nil while it has not.
func (p *Pacer) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.c.gaveUp == nil {
		return nil
	}
	return p.c.gaveUp
}

// Limit is the declared limit the pacer keeps to.
func (p *Pacer) Limit() ratelimit.Limit { return p.c.limit }
