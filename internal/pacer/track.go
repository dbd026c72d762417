package pacer

import (
	"context"
	"sync"
)

// Track counts what became of one job's calls, as the pacer was told: the
// executor counts a job's attempts from it, since the client may make two
// calls for one attempt (the repeat after a re-sign-in) and a 429 or an
// outage is not a failed attempt.
type Track struct {
	caller int

	mu        sync.Mutex
	sent      int // calls that left
	throttled int // of them, answered 429
	outage    int // of them, failed because the service was down
}

type trackKey struct{}

// WithTrack returns a context whose calls the pacer records in the Track,
// as calls of job caller (a number that tells jobs apart, not 0).
func WithTrack(ctx context.Context, caller int) (context.Context, *Track) {
	t := &Track{caller: caller}
	return context.WithValue(ctx, trackKey{}, t), t
}

func trackOf(ctx context.Context) *Track {
	t, _ := ctx.Value(trackKey{}).(*Track)
	return t
}

func (t *Track) add(k Kind, outage bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if k == NotSent {
		return
	}
	t.sent++
	switch {
	case k == Throttled:
		t.throttled++
	case outage:
		t.outage++
	}
}

// Counts are a Track's figures.
type Counts struct {
	Sent      int // calls that left
	Throttled int // answered 429
	Outage    int // failed because the service was down
}

// Attempts is the calls that count as attempts: those sent, but for 429s
// and outage failures.
func (c Counts) Attempts() int { return c.Sent - c.Throttled - c.Outage }

// Counts are the figures so far.
func (t *Track) Counts() Counts {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Counts{Sent: t.sent, Throttled: t.throttled, Outage: t.outage}
}
