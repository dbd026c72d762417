package executor

import (
	"time"

	"github.com/firmtools/bulk/internal/imanage"
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
