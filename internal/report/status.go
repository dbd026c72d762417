package report

// Status is how a job ended.
type Status string

const (
	StatusOK       Status = "ok"
	StatusExists   Status = "exists"   // already in the service as the row asks; nothing was created
	StatusFailed   Status = "failed"   // the service refused it, or it could not be done
	StatusConflict Status = "conflict" // already in the service, but not as the row asks; nothing was changed
	StatusSkipped  Status = "skipped"  // not started
	StatusUnknown  Status = "unknown"  // the request may have been processed; not repeated
)

// statusMeaning is what a status means for the run. It is the one place
// that says so: the summary, the exit code, --max-failures, dependency
// order and --resume all ask it.
type statusMeaning struct {
	// success: the row's intent holds in the service (exit 0 when every
	// row succeeded; jobs that depend on it may start).
	success bool
	// failure: counts against --max-failures.
	failure bool
	// carry: --resume takes the earlier outcome and does not send the job
	// again.
	carry bool
}

var statusTable = map[Status]statusMeaning{
	StatusOK:       {success: true, carry: true},
	StatusExists:   {success: true, carry: true},
	StatusFailed:   {failure: true},
	StatusConflict: {failure: true},
	StatusSkipped:  {},
	StatusUnknown:  {failure: true},
}

// statusOrder is the order statuses are shown in (summary columns).
var statusOrder = []Status{StatusOK, StatusExists, StatusFailed, StatusConflict, StatusSkipped, StatusUnknown}

// Statuses returns every status, in the order they are shown.
func Statuses() []Status { return append([]Status(nil), statusOrder...) }

// Known reports whether s is a status this program writes.
func (s Status) Known() bool {
	_, ok := statusTable[s]
	return ok
}

// Succeeded reports whether the row's intent holds in the service: ok or
// exists. A run exits 0 only when every job succeeded.
func (s Status) Succeeded() bool { return statusTable[s].success }

// Failure reports whether the job counts as failed for --max-failures:
// failed, conflict or unknown.
func (s Status) Failure() bool { return statusTable[s].failure }

// CarriedOver reports whether --resume keeps an earlier run's outcome
// instead of sending the job again: ok and exists. A conflict runs again,
// like a failure (after the manifest or the service was put right).
func (s Status) CarriedOver() bool { return statusTable[s].carry }
