package executor

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/pacer"
)

// Clock is the time source of a run (pacer.Clock).
type Clock = pacer.Clock

// RealClock is the wall clock.
type RealClock = pacer.RealClock

// Pace is the client's pacing hook (imanage.Config.Pace) for p: every
// request waits for its turn, and p is told how it ended.
func Pace(p *pacer.Pacer) func(context.Context) (func(error), error) {
	return func(ctx context.Context) (func(error), error) {
		pm, err := p.Acquire(ctx)
		if err != nil {
			return nil, err
		}
		return func(err error) { pm.Done(paceResult(ctx, err)) }, nil
	}
}

// paceResult is what the pacer needs to know of a call that ended in err.
func paceResult(ctx context.Context, err error) pacer.Result {
	if err == nil {
		return pacer.Result{Kind: pacer.Answered}
	}
	e, ok := imanage.AsError(err)
	switch {
	case !ok:
		return pacer.Result{Kind: pacer.Answered}
	case e.Delivery == imanage.NotSent && (ctx.Err() != nil || errors.Is(err, context.Canceled)):
		return pacer.Result{Kind: pacer.NotSent}
	case e.Throttled():
		return pacer.Result{Kind: pacer.Throttled, RetryAfter: e.RetryAfter, HasRetryAfter: e.HasRetryAfter}
	case e.Delivery == imanage.NotSent:
		return pacer.Result{Kind: pacer.Unreachable, What: downWhat(e)}
	case e.Delivery == imanage.Answered && e.StatusCode >= 500:
		return pacer.Result{Kind: pacer.Failing, What: downWhat(e)}
	case e.Delivery == imanage.Answered:
		return pacer.Result{Kind: pacer.Answered}
	}
	// Sent and not answered: a timeout, a dropped connection, or the run
	// cancelled it.
	if ctx.Err() != nil {
		return pacer.Result{Kind: pacer.Cancelled}
	}
	return pacer.Result{Kind: pacer.Failing, What: downWhat(e)}
}

// downWhat names a failure in a few words for the message that ends a run
// after a long outage: "HTTP 503 SERVICE_UNAVAILABLE", "addTab: not sent:
// dial tcp ...: connection refused".
func downWhat(e *imanage.Error) string {
	if e.Delivery == imanage.Answered {
		return strings.TrimSpace(fmt.Sprintf("HTTP %d %s", e.StatusCode, e.Code))
	}
	s := e.Error()
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
