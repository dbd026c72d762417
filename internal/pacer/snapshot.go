package pacer

import (
	"time"

	"github.com/firmtools/bulk/internal/ratelimit"
)

// Snapshot is the pacer's state at one moment, for the progress display.
type Snapshot struct {
	Now       time.Time
	HeldUntil time.Time // the end of a 429's hold still on, else zero
	// Down: the service is failing; one probe at a time tests it, the next
	// at NextProbe.
	Down      bool
	DownSince time.Time
	NextProbe time.Time
	// Rate is the calls a window the pacer allows now: the limit's N
	// until a 429 lowered it.
	Rate    float64
	Adapted bool
	GaveUp  error
}

// Snapshot reads the state now.
func (p *Pacer) Snapshot() Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	c := p.c
	s := Snapshot{Now: now, Down: c.down, Adapted: c.adapted, Rate: c.rate(now) * float64(c.limit.N)}
	if now.Before(c.holdUntil) {
		s.HeldUntil = c.holdUntil
	}
	if c.down {
		s.DownSince, s.NextProbe = c.downSince, c.nextProbe
	}
	if c.gaveUp != nil {
		s.GaveUp = c.gaveUp
	}
	return s
}

// Estimate is how long calls more calls take from now at the pacer's
// pace: the window model (what the window still admits at once, then N
// more each window) until a 429 lowered the rate, that rate since.
func (p *Pacer) Estimate(calls int) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	c := p.c
	if calls <= 0 {
		return 0
	}
	if c.adapted {
		return time.Duration(calls) * c.spacing(now)
	}
	c.prune(now)
	free := c.limit.N - c.inflight - len(c.ends)
	if calls <= free {
		return 0
	}
	wait := c.limit.Window // until the first slot frees
	if len(c.ends) > 0 {
		wait = c.ends[0].Add(c.limit.Window).Sub(now)
	}
	return wait + Minimum(c.limit, calls-max(free, 0))
}

// Minimum is the least time calls calls take under limit, answers taking
// no time: N at once, then N more each window.
func Minimum(limit ratelimit.Limit, calls int) time.Duration {
	if calls <= 0 || limit.N < 1 {
		return 0
	}
	return time.Duration((calls-1)/limit.N) * limit.Window
}
