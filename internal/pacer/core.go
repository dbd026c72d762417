package pacer

import (
	"fmt"
	"math"
	"time"

	"github.com/firmtools/bulk/internal/ratelimit"
)

// Kind is what became of a call, as far as pacing is concerned.
type Kind int

const (
	// Answered: the service answered, with success or a refusal of the
	// row (a 4xx other than 429): it is up and did not throttle.
	Answered Kind = iota
	// Throttled: a 429.
	Throttled
	// Unreachable: the service could not be reached at all (a refused or
	// reset connection, a name that does not resolve): never the row's
	// doing, so one is enough to hold every worker.
	Unreachable
	// Failing: the service answered 5xx or not at all (a timeout, an
	// answer lost), which may be the row's doing or the service's: an
	// outage once calls of two different jobs fail so in a row, with no
	// success between.
	Failing
	// NotSent: the call never left (interrupted while it was being made).
	NotSent
	// Cancelled: the call left, and the run cancelled it before its answer
	// (a second interrupt): an attempt, but nothing learnt of the service.
	Cancelled
)

// Result is what the pacer is told when a call ends.
type Result struct {
	Kind          Kind
	RetryAfter    time.Duration // a 429's Retry-After, when HasRetryAfter
	HasRetryAfter bool
	// What describes an Unreachable or Failing call in a few words ("HTTP
	// 503 Service Unavailable", "connection refused"), for the message that
	// ends a run after a long outage.
	What string
}

// Settings are the pacer's knobs besides the limit; zero values take the
// defaults.
type Settings struct {
	// MaxHold is the longest the service may hold the run, by one 429's
	// Retry-After or by 429s without a success between; beyond it the pacer
	// gives up (ErrGaveUp). Default 10 minutes.
	MaxHold time.Duration
	// MaxOutage is the longest an outage may last before the pacer gives
	// up. Default 15 minutes.
	MaxOutage time.Duration
	// ProbeFirst and ProbeMax space the single calls that test a service
	// that is down: the first after ProbeFirst, each later one twice as
	// long after the previous, at most ProbeMax. Defaults 1 s and 30 s.
	ProbeFirst, ProbeMax time.Duration
}

func (s Settings) withDefaults() Settings {
	if s.MaxHold <= 0 {
		s.MaxHold = 10 * time.Minute
	}
	if s.MaxOutage <= 0 {
		s.MaxOutage = 15 * time.Minute
	}
	if s.ProbeFirst <= 0 {
		s.ProbeFirst = time.Second
	}
	if s.ProbeMax < s.ProbeFirst {
		s.ProbeMax = max(30*time.Second, s.ProbeFirst)
	}
	return s
}

// GaveUpError is why the pacer lets no more calls start: a hold or an
// outage longer than the settings allow. Every Acquire returns it from
// then on.
type GaveUpError struct {
	Reason string // "the service asked to wait 1h0m0s, more than --max-hold 10m0s"
}

func (e *GaveUpError) Error() string { return e.Reason }

// The adaptation's constants, in units of the declared limit (rate 1 is N
// calls per W) and of its window (time 1 is W): the cubic curve of the
// AWS SDKs' adaptive retry mode (CUBIC, RFC 9438) with its C and beta.
const (
	cubicC    = 0.4
	cubicBeta = 0.7
)

// permit is one granted call.
type permit struct {
	at     time.Time // when it was granted
	caller int       // the job it is for (0: unknown)
	probe  bool      // the single call that tests a service that is down
}

// core is the pacer's state and decisions, without goroutines or clocks:
// every method is told the time. Pacer serialises the calls.
//
// The window: a call counts from when it was granted until W after it
// ended. At most N count at any time, so the service, which counts a call
// once it arrives (after it was granted, before it ended), never sees more
// than N in any window of length W, whatever the latency.
type core struct {
	limit ratelimit.Limit
	set   Settings

	ends     []time.Time // when calls ended, oldest first, within the last W
	inflight int

	holdUntil time.Time

	// Adaptation: once a 429 has been met, calls are also spaced evenly at
	// rate(now), which climbs back along a cubic curve.
	adapted bool
	rmax    float64   // the rate at the last cut
	cutAt   time.Time // the last cut
	next    time.Time // the earliest the next call may be granted
	first   time.Time // the first call's end, for the measured rate

	throttledSince time.Time // the first of the 429s since the last other answer

	// Outage.
	down       bool
	downSince  time.Time
	downWhat   string
	probeEvery time.Duration
	nextProbe  time.Time
	probing    bool
	suspects   map[int]bool // the jobs whose calls failed (Failing) in a row
	lastProbe  int          // the job whose Failing call was last taken as the outage's
	waiting    map[int]bool // the jobs waiting for a turn

	gaveUp *GaveUpError
	stats  Stats
}

// Stats are the pacer's figures over a run.
type Stats struct {
	Calls     int64         // granted
	Throttled int64         // 429s
	Cuts      int           // times the rate was lowered
	Outages   int           // outages begun
	DownFor   time.Duration // time in outages, ended ones
	MinRate   float64       // the lowest rate reached, as a share of the limit (1 when never cut)
}

func newCore(limit ratelimit.Limit, set Settings) *core {
	if limit.N < 1 || limit.Window <= 0 {
		limit = ratelimit.Default
	}
	return &core{limit: limit, set: set.withDefaults(), suspects: map[int]bool{}, waiting: map[int]bool{}, stats: Stats{MinRate: 1}}
}

// grant decides whether a call may start at now. If not, it returns when
// to ask again (zero: when something changes, a call ending) or why the
// pacer gave up.
func (c *core) grant(now time.Time, caller int) (p *permit, wake time.Time, err error) {
	if c.gaveUp != nil {
		return nil, time.Time{}, c.gaveUp
	}
	c.prune(now)
	if now.Before(c.holdUntil) {
		return nil, c.holdUntil, nil
	}
	probe := false
	if c.down {
		switch {
		case c.probing:
			return c.deny(caller, time.Time{})
		case now.Before(c.nextProbe):
			return c.deny(caller, c.nextProbe)
		case caller == c.lastProbe && c.othersWait(caller):
			return c.deny(caller, time.Time{}) // another job probes: this one's failures may be its own
		}
		probe = true
	}
	if c.inflight+len(c.ends) >= c.limit.N {
		if len(c.ends) == 0 {
			return c.deny(caller, time.Time{})
		}
		return c.deny(caller, c.ends[0].Add(c.limit.Window))
	}
	if c.adapted {
		if now.Before(c.next) {
			return c.deny(caller, c.next)
		}
		c.next = now.Add(c.spacing(now))
	}
	delete(c.waiting, caller)
	c.inflight++
	c.stats.Calls++
	if probe {
		c.probing = true
	}
	return &permit{at: now, caller: caller, probe: probe}, time.Time{}, nil
}

// deny notes that caller waits, until wake (zero: until a call ends).
func (c *core) deny(caller int, wake time.Time) (*permit, time.Time, error) {
	c.waiting[caller] = true
	return nil, wake, nil
}

// gone notes that caller no longer waits (it was interrupted).
func (c *core) gone(caller int) { delete(c.waiting, caller) }

// othersWait reports whether a job other than caller waits for a turn.
func (c *core) othersWait(caller int) bool {
	for w := range c.waiting {
		if w != caller {
			return true
		}
	}
	return false
}

// prune forgets the calls that ended at or before now-W.
func (c *core) prune(now time.Time) {
	cut := now.Add(-c.limit.Window)
	i := 0
	for i < len(c.ends) && !c.ends[i].After(cut) {
		i++
	}
	c.ends = c.ends[i:]
}

// done records the end of p's call at now. It reports whether the call
// failed because of an outage (it began one or met one), which is not a
// failed attempt of its job.
func (c *core) done(now time.Time, p *permit, r Result) (outage bool) {
	c.inflight--
	if r.Kind != NotSent {
		c.ends = append(c.ends, now)
		if c.first.IsZero() {
			c.first = now
		}
	}
	if p.probe {
		c.probing = false
	}
	switch r.Kind {
	case Answered:
		c.up(now)
		c.throttledSince = time.Time{}
	case Throttled:
		c.up(now)
		c.throttled(now, p, r)
	case Unreachable:
		c.failed(now, p, r.What)
		return true
	case Failing:
		switch {
		case c.down && p.probe && p.caller == c.lastProbe:
			// The same job's probe failed twice with no other job to
			// probe: it may be this row the service fails on, so it is
			// one of its attempts.
			c.failed(now, p, r.What)
			return false
		case c.down:
		default:
			c.suspects[p.caller] = true
			if len(c.suspects) < 2 {
				return false
			}
		}
		c.lastProbe = p.caller
		c.failed(now, p, r.What)
		return true
	}
	return false
}

// up ends an outage: the service answered.
func (c *core) up(now time.Time) {
	clear(c.suspects)
	c.lastProbe = 0
	if c.down {
		c.down = false
		c.stats.DownFor += now.Sub(c.downSince)
	}
}

// failed records a failure of the service: an outage begins, or goes on
// with the next probe later.
func (c *core) failed(now time.Time, p *permit, what string) {
	if what != "" {
		c.downWhat = what
	}
	if !c.down {
		c.down, c.downSince = true, now
		c.probeEvery, c.nextProbe = c.set.ProbeFirst, now.Add(c.set.ProbeFirst)
		c.stats.Outages++
		return
	}
	if p.probe {
		c.probeEvery = min(2*c.probeEvery, c.set.ProbeMax)
		c.nextProbe = now.Add(c.probeEvery)
	}
	if d := now.Sub(c.downSince); d >= c.set.MaxOutage {
		c.giveUp(fmt.Sprintf("the service has been failing for %s (%s), more than --max-outage %s", round(d), c.downWhat, c.set.MaxOutage))
	}
}

// throttled records a 429: every worker holds as long as the service
// asked, and the rate is cut.
func (c *core) throttled(now time.Time, p *permit, r Result) {
	c.stats.Throttled++
	if c.throttledSince.IsZero() {
		c.throttledSince = now
	}
	if r.HasRetryAfter {
		if r.RetryAfter > c.set.MaxHold {
			c.giveUp(fmt.Sprintf("the service asked to wait %s, more than --max-hold %s", round(r.RetryAfter), c.set.MaxHold))
			return
		}
		if until := now.Add(r.RetryAfter); until.After(c.holdUntil) {
			c.holdUntil = until
		}
	}
	if d := now.Sub(c.throttledSince); d >= c.set.MaxHold {
		c.giveUp(fmt.Sprintf("the service has answered nothing but 429 (too many requests) for %s, more than --max-hold %s", round(d), c.set.MaxHold))
		return
	}
	// A call granted before the last cut was sent at the old rate: its 429
	// says nothing new.
	if c.adapted && p.at.Before(c.cutAt) {
		return
	}
	c.cut(now)
}

// cut lowers the rate multiplicatively, from the lower of the rate the
// pacer allowed and the rate it was really sending at.
func (c *core) cut(now time.Time) {
	r := 1.0
	if c.adapted {
		r = c.rate(now)
	}
	c.rmax = min(r, c.measured(now))
	c.adapted, c.cutAt = true, now
	c.stats.Cuts++
	c.stats.MinRate = min(c.stats.MinRate, c.rate(now))
	c.next = now.Add(c.spacing(now))
}

// measured is the rate of the calls that ended in the last window, as a
// share of the limit, over the part of the window the run has lasted.
func (c *core) measured(now time.Time) float64 {
	span := min(now.Sub(c.first), c.limit.Window)
	if span <= 0 {
		return 1
	}
	share := float64(len(c.ends)) / float64(c.limit.N)
	return min(1, share*float64(c.limit.Window)/float64(span))
}

// rate is the allowed rate at now as a share of the limit: the cubic
// curve through beta*rmax at the cut, back at rmax K windows later,
// growing beyond it, never above the limit nor below one call a window.
// The curve is scaled by rmax, so that it has the same shape whatever the
// rate: back at rmax after 0.9 windows, 40% above it a window later.
func (c *core) rate(now time.Time) float64 {
	floor := 1 / float64(c.limit.N)
	if !c.adapted {
		return 1
	}
	t := now.Sub(c.cutAt).Seconds() / c.limit.Window.Seconds()
	k := math.Cbrt((1 - cubicBeta) / cubicC)
	r := c.rmax * (cubicC*math.Pow(t-k, 3) + 1)
	return min(1, max(floor, r))
}

// spacing is the time between two calls at rate(now).
func (c *core) spacing(now time.Time) time.Duration {
	return time.Duration(float64(c.limit.Window) / (float64(c.limit.N) * c.rate(now)))
}

func (c *core) giveUp(reason string) {
	if c.gaveUp == nil {
		c.gaveUp = &GaveUpError{Reason: reason}
	}
}

// round shortens a duration for a message: whole seconds above a minute,
// milliseconds below.
func round(d time.Duration) time.Duration {
	if d >= time.Minute {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}
