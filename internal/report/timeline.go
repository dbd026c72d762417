package report

import (
	"slices"
	"sync"
	"time"
)

// Timeline records when each call of a run was answered, which were
// throttled, and the holds the service asked for: what the report's chart
// draws. It is fed from the client's observation of every attempt; a 429
// without Retry-After is marked, and its hold (the executor's back-off) is
// not drawn.
type Timeline struct {
	mu        sync.Mutex
	calls     []time.Time
	throttled []time.Time
	holds     []Hold
}

// Hold is a time the service asked every worker to wait.
type Hold struct{ From, Until time.Time }

// Call records a call answered (or given up) at t; throttled: a 429, with
// the service's Retry-After when hold > 0.
func (tl *Timeline) Call(t time.Time, throttled bool, hold time.Duration) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.calls = append(tl.calls, t)
	if throttled {
		tl.throttled = append(tl.throttled, t)
		if hold > 0 {
			tl.holds = append(tl.holds, Hold{From: t, Until: t.Add(hold)})
		}
	}
}

// snapshot is a copy of what the timeline holds, in time order.
func (tl *Timeline) snapshot() (calls, throttled []time.Time, holds []Hold) {
	if tl == nil {
		return nil, nil, nil
	}
	tl.mu.Lock()
	defer tl.mu.Unlock()
	calls, throttled, holds = slices.Clone(tl.calls), slices.Clone(tl.throttled), slices.Clone(tl.holds)
	slices.SortFunc(calls, time.Time.Compare)
	slices.SortFunc(throttled, time.Time.Compare)
	slices.SortFunc(holds, func(a, b Hold) int { return a.From.Compare(b.From) })
	return calls, throttled, mergeHolds(holds)
}

// mergeHolds joins holds that overlap (every worker meeting the same
// throttle asks for its own): one hold, from the first to the last end.
func mergeHolds(holds []Hold) []Hold {
	var out []Hold
	for _, h := range holds {
		if n := len(out); n > 0 && !h.From.After(out[n-1].Until) {
			if h.Until.After(out[n-1].Until) {
				out[n-1].Until = h.Until
			}
			continue
		}
		out = append(out, h)
	}
	return out
}
