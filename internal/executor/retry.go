package executor

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/imanage"
)

// verdict is what to do after a failed attempt. Deciding whether to retry
// (classify) is kept apart from deciding when (the executor's loop).
type verdict int

const (
	giveUp    verdict = iota // the row fails; repeating will not help
	retry                    // repeat after a wait
	ambiguous                // the row ends unknown: it may have been processed and is not safe to repeat
	fatal                    // the run cannot go on (sign-in lost)
	cancelled                // the run was interrupted
)

// classify decides whether an attempt that ended in err may be repeated,
// given the action's repeat policy.
func classify(err error, policy actions.Repeat) verdict {
	if errors.Is(err, imanage.ErrAuthLost) || errors.Is(err, imanage.ErrSignIn) {
		return fatal
	}
	e, ok := imanage.AsError(err)
	if !ok {
		// Not a service error: a problem building the request (a reference
		// without a value, a row that fails validation at run time).
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return cancelled
		}
		return giveUp
	}
	if errors.Is(err, context.Canceled) {
		if e.Delivery == imanage.NotSent {
			return cancelled
		}
		if policy == actions.RepeatIfNotProcessed {
			return ambiguous
		}
		return cancelled
	}
	if e.ProvablyNotProcessed() {
		return retry
	}
	if e.Rejected() {
		return giveUp
	}
	// 5xx other than 503, a dropped connection, a timeout, an answer we
	// could not read: the service may have acted.
	if policy == actions.RepeatIfNotProcessed {
		return ambiguous
	}
	return retry
}

// maybeProcessed reports whether err leaves open that the service acted.
func maybeProcessed(err error) bool {
	e, ok := imanage.AsError(err)
	if !ok {
		return false
	}
	return !e.ProvablyNotProcessed() && !e.Rejected()
}

// isDuplicate reports the action's duplicate refusal (a 409 with
// actions.Spec.Duplicate's code) that a create meets when an earlier,
// ambiguous attempt of its own did create the object.
func isDuplicate(err error, d *actions.Duplicate) bool {
	e, ok := imanage.AsError(err)
	return ok && d != nil && e.Delivery == imanage.Answered && e.StatusCode == 409 && e.Code == d.Code
}

// Backoff is capped exponential backoff with full jitter.
type Backoff struct {
	Base time.Duration // first wait (before jitter)
	Max  time.Duration // cap
}

// DefaultBackoff suits the real service: half a second, doubling, at most 30 s.
var DefaultBackoff = Backoff{Base: 500 * time.Millisecond, Max: 30 * time.Second}

// delay is the wait before attempt number attempt+1 (attempt counts from 1),
// with rnd in [0,1) choosing where in [d/2, d] it falls.
func (b Backoff) delay(attempt int, rnd float64) time.Duration {
	if b.Base <= 0 {
		return 0
	}
	d := float64(b.Base) * math.Pow(2, float64(attempt-1))
	if b.Max > 0 && d > float64(b.Max) {
		d = float64(b.Max)
	}
	return time.Duration(d/2 + rnd*d/2)
}

// ErrorFields are what the service answered of the outcome's error, when
// it answered: the HTTP status and its error code (0 and "" otherwise).
func (o Outcome) ErrorFields() (httpStatus int, code string) {
	err := o.Err
	if e, ok := imanage.AsError(err); ok {
		return e.StatusCode, e.Code
	}
	var rec *recordedError
	if errors.As(err, &rec) {
		return rec.status, rec.code
	}
	return 0, ""
}
