package executor

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
// that says so: the summary, the progress display, the exit code,
// --max-failures, dependency order and --resume all ask it.
type statusMeaning struct {
	// success: the row's intent holds in the service (exit 0 when every
	// row succeeded; jobs that depend on it may start).
	success bool
	// failure: counts against --max-failures.
	failure bool
	// carry: --resume takes the earlier outcome and does not send the job
	// again.
	carry bool
	// followUp is what a person does next about a job that ended so.
	followUp FollowUp
	// count is the status's counter in a Tally.
	count func(*Tally) *int
}

// FollowUp is what a person does next about a job, by how it ended: the
// files beside the result file (the failed and unknown files), the
// colours of a workbook and the report's lists follow it.
type FollowUp int

const (
	FollowUpNone  FollowUp = iota // done: nothing to do
	FollowUpFix                   // refused or in conflict: fix the row (or the service), run it again
	FollowUpRun                   // not started: run it again
	FollowUpCheck                 // may have been applied: check the service before running it again
)

var statusTable = map[Status]statusMeaning{
	StatusOK:       {success: true, carry: true, count: func(t *Tally) *int { return &t.OK }},
	StatusExists:   {success: true, carry: true, count: func(t *Tally) *int { return &t.Exists }},
	StatusFailed:   {failure: true, followUp: FollowUpFix, count: func(t *Tally) *int { return &t.Failed }},
	StatusConflict: {failure: true, followUp: FollowUpFix, count: func(t *Tally) *int { return &t.Conflict }},
	StatusSkipped:  {followUp: FollowUpRun, count: func(t *Tally) *int { return &t.Skipped }},
	StatusUnknown:  {failure: true, followUp: FollowUpCheck, count: func(t *Tally) *int { return &t.Unknown }},
}

// statusOrder is the order statuses are shown in (summary columns).
var statusOrder = []Status{StatusOK, StatusExists, StatusFailed, StatusConflict, StatusSkipped, StatusUnknown}

// Statuses returns every status, in the order they are shown.
func Statuses() []Status { return append([]Status(nil), statusOrder...) }

// known reports whether s is a status this program writes.
func (s Status) known() bool {
	_, ok := statusTable[s]
	return ok
}

// Succeeded reports whether the row's intent holds in the service: ok or
// exists. A run exits 0 only when every job succeeded.
func (s Status) Succeeded() bool { return statusTable[s].success }

// failure reports whether the job counts as failed for --max-failures:
// failed, conflict or unknown.
func (s Status) failure() bool { return statusTable[s].failure }

// CarriedOver reports whether --resume keeps an earlier run's outcome
// instead of sending the job again: ok and exists. A conflict runs again,
// like a failure (after the manifest or the service was put right).
func (s Status) CarriedOver() bool { return statusTable[s].carry }

// FollowUp is what a person does next about a job that ended s. A status
// this program does not write (a journal of a newer bulk) is checked, like
// unknown: never taken as done.
func (s Status) FollowUp() FollowUp {
	m, ok := statusTable[s]
	if !ok {
		return FollowUpCheck
	}
	return m.followUp
}

// Tally counts jobs by how they ended. It is the one count of statuses:
// the summary's per action and in total, and the progress display's.
type Tally struct {
	OK       int `json:"ok"`
	Exists   int `json:"exists"`
	Failed   int `json:"failed"`
	Conflict int `json:"conflict"`
	Skipped  int `json:"skipped"`
	Unknown  int `json:"unknown"`
}

// Add counts one job that ended st. A status this program does not write
// counts as unknown: never as done.
func (t *Tally) Add(st Status) {
	m, ok := statusTable[st]
	if !ok {
		m = statusTable[StatusUnknown]
	}
	*m.count(t)++
}

// Of is how many jobs ended st.
func (t Tally) Of(st Status) int {
	m, ok := statusTable[st]
	if !ok {
		return 0
	}
	return *m.count(&t)
}

// Total is the number of jobs counted.
func (t Tally) Total() int {
	n := 0
	for _, st := range statusOrder {
		n += t.Of(st)
	}
	return n
}

// Succeeded is the number of jobs whose status succeeded (ok, exists).
func (t Tally) Succeeded() int {
	n := 0
	for _, st := range statusOrder {
		if st.Succeeded() {
			n += t.Of(st)
		}
	}
	return n
}

// AllSucceeded reports whether every job counted succeeded: the run's exit
// code is 0 only then.
func (t Tally) AllSucceeded() bool { return t.Succeeded() == t.Total() }
