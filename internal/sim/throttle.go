package sim

import "time"

// A window is a half-open interval (t-Window, t]. Counting, for each call at
// t, the calls in (t-Window, t] gives the maximum over every window wherever
// it starts, because the busiest window can always be slid right until its
// end meets a call.

// windowLog holds the times of the calls in the last window, oldest first:
// O(calls in one window) memory.
type windowLog struct {
	times []time.Time
}

// prune forgets calls at or before t-w.
func (l *windowLog) prune(t time.Time, w time.Duration) {
	cut := t.Add(-w)
	i := 0
	for i < len(l.times) && !l.times[i].After(cut) {
		i++
	}
	// Reslicing keeps the array; append reallocates it once full, copying
	// only live entries, so memory stays bounded by the busiest window.
	l.times = l.times[i:]
}

// add records a call at t and answers how many calls lie in (t-w, t].
func (l *windowLog) add(t time.Time, w time.Duration) int {
	l.prune(t, w)
	l.times = append(l.times, t)
	return len(l.times)
}

// throttle is one access token's admission state.
type throttle struct {
	last     time.Time // latest time seen; an earlier clock reading is taken as this
	admitted windowLog // strict mode's decision, and MaxAdmittedInWindow in both modes
	received windowLog // MaxReceivedInWindow

	fixedStarted bool
	fixedStart   time.Time
	fixedCount   int
}

// admission is the outcome of one call's throttle check.
type admission struct {
	ok            bool
	wait          time.Duration // until a call would be admitted, when !ok
	admittedInWin int           // when ok: calls admitted in the window ending now
	receivedInWin int
}

// admit decides one call at now under limit calls per window.
func (th *throttle) admit(now time.Time, mode string, limit int, window time.Duration) admission {
	if now.Before(th.last) {
		now = th.last
	}
	th.last = now
	a := admission{receivedInWin: th.received.add(now, window)}

	switch mode {
	case ModeFixed:
		if !th.fixedStarted {
			th.fixedStarted, th.fixedStart = true, now
		}
		if elapsed := now.Sub(th.fixedStart); elapsed >= window {
			th.fixedStart = th.fixedStart.Add(elapsed / window * window)
			th.fixedCount = 0
		}
		if th.fixedCount >= limit {
			a.wait = th.fixedStart.Add(window).Sub(now)
			return a
		}
		th.fixedCount++
	default:
		th.admitted.prune(now, window)
		if len(th.admitted.times) >= limit {
			// Admitted again once the oldest call leaves (now-window, now].
			a.wait = th.admitted.times[len(th.admitted.times)-limit].Add(window).Sub(now)
			return a
		}
	}
	a.ok = true
	a.admittedInWin = th.admitted.add(now, window)
	return a
}

// ceilDiv rounds d up to whole units.
func ceilDiv(d, unit time.Duration) int64 {
	return int64((d + unit - 1) / unit)
}
