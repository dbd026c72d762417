// Package ratelimit reads and writes a service's call limit, "N/DURATION":
// N calls in any window of DURATION. It knows nothing of the service or of
// pacing, so that the client (which keeps to a limit) and the simulator
// (which enforces one) read the same text the same way.
package ratelimit

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limit is N calls per Window.
type Limit struct {
	N      int
	Window time.Duration
}

// Default is the contract's: 100 calls per 60 seconds.
var Default = Limit{N: 100, Window: 60 * time.Second}

const want = "want N/DURATION, e.g. 100/60s, 100/600ms or 100/m"

// Parse reads "N/DURATION": "100/60s", "100/600ms", "100/1m30s". A bare
// unit is one of it: "100/m", "100/s", "100/ms".
func Parse(s string) (Limit, error) {
	count, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Limit{}, fmt.Errorf("rate limit %q: no '/': %s", s, want)
	}
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if err != nil || n < 1 {
		return Limit{}, fmt.Errorf("rate limit %q: %q is not a positive whole number of calls: %s", s, strings.TrimSpace(count), want)
	}
	per = strings.TrimSpace(per)
	d := per
	if d != "" && d[0] >= 'a' && d[0] <= 'z' { // "m", "ms": a unit alone
		d = "1" + d
	}
	w, err := time.ParseDuration(d)
	if err != nil {
		return Limit{}, fmt.Errorf("rate limit %q: window %q is not a duration like 60s, 1m or 600ms: %s", s, per, want)
	}
	if w <= 0 {
		return Limit{}, fmt.Errorf("rate limit %q: window %q must be positive", s, per)
	}
	return Limit{N: n, Window: w}, nil
}

// String writes the limit as it is typed: "100/60s", "100/600ms".
func (l Limit) String() string {
	if l.Window%time.Second == 0 {
		return fmt.Sprintf("%d/%ds", l.N, l.Window/time.Second)
	}
	if l.Window%time.Millisecond == 0 {
		return fmt.Sprintf("%d/%dms", l.N, l.Window/time.Millisecond)
	}
	return fmt.Sprintf("%d/%s", l.N, l.Window)
}
