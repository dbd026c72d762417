package executor

import (
	"context"
	"errors"
	"time"

	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/pacer"
)

func asThrottled(err error) (*imanage.Error, bool) {
	e, ok := imanage.AsError(err)
	if !ok || !e.Throttled() {
		return nil, false
	}
	return e, true
}

func asRetryAfter(err error) (time.Duration, bool) {
	e, ok := imanage.AsError(err)
	if !ok || !e.HasRetryAfter {
		return 0, false
	}
	return e.RetryAfter, true
}

// asGaveUp finds the pacer's reason to let no more calls start.
func asGaveUp(err error) (*pacer.GaveUpError, bool) {
	var g *pacer.GaveUpError
	return g, errors.As(err, &g)
}

// isStop reports an error that ends a job without its call being made:
// an interruption, or the pacer giving up.
func isStop(err error) bool {
	_, gave := asGaveUp(err)
	return gave || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
