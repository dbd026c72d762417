package executor

import (
	"errors"
	"fmt"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/manifest"
)

// Presets decide, from the journal of an earlier run, what each job does
// now: ok and exists jobs are carried over and not sent again; failed,
// conflict and skipped jobs run again (a conflict was a clear answer: the
// service made nothing, so it is not "maybe done"); jobs that started and
// never ended, ended unknown, or ended with a status this bulk does not
// know run again when repeating them is safe, and stay unknown otherwise
// unless retryUnknown.
func Presets(jobs []*manifest.Job, keys map[int]string, entries map[string]*JournalEntry, retryUnknown bool) map[int]Preset {
	out := map[int]Preset{}
	for _, j := range jobs {
		e := entries[keys[j.Index]]
		if e == nil {
			continue
		}
		switch {
		case e.End == nil:
			out[j.Index] = unsure(j, nil, retryUnknown)
		case e.End.Status.CarriedOver():
			o := outcomeFromRecord(e.End)
			o.CarriedOver = true
			out[j.Index] = Preset{Outcome: &o}
		case e.End.Status == StatusUnknown, !e.End.Status.known():
			out[j.Index] = unsure(j, e.End, retryUnknown)
		case e.End.Status == StatusFailed && (e.End.HTTPStatus == 0 || e.End.HTTPStatus >= 500):
			// It failed without a clear refusal: an attempt may have been
			// applied (so a DUPLICATE_ALIAS now is the alias we made).
			out[j.Index] = Preset{MaybeDone: true}
		}
	}
	return out
}

// unsure is the preset of a job an earlier run may have applied: end is
// its unknown (or unreadable) end, or nil when it never ended.
func unsure(j *manifest.Job, end *JournalRecord, retryUnknown bool) Preset {
	if j.Action.Repeat != actions.RepeatIfNotProcessed || retryUnknown {
		return Preset{MaybeDone: true}
	}
	msg := "an earlier run sent this request and never saw it end; it may have been applied, and it is not repeated so that nothing is created twice: check, then re-run with --retry-unknown if it is missing"
	o := Outcome{Status: StatusUnknown, CarriedOver: true}
	if end != nil {
		o.Attempts = end.Attempts
		msg = "ended unknown in an earlier run: " + end.Error
		if !end.Status.known() {
			msg = fmt.Sprintf("an earlier run recorded status %q, which this bulk does not know; it may have been applied, and it is not repeated so that nothing is created twice: check, then re-run with --retry-unknown if it is missing", end.Status)
		}
	}
	o.Err = errors.New(msg)
	return Preset{Outcome: &o}
}

func outcomeFromRecord(rec *JournalRecord) Outcome {
	o := Outcome{Status: rec.Status, Attempts: rec.Attempts, resultKey: rec.ResultKey, Result: actions.Result{
		UserCreated: rec.UserCreated, UserNum: rec.UserNum, ObjectID: rec.ObjectID, Refs: rec.Refs, Note: rec.Note,
		Columns: rec.Columns,
	}}
	if len(rec.Output) > 0 {
		o.Result.Output = rec.Output
	}
	if rec.Error != "" || rec.HTTPStatus != 0 || rec.ErrorCode != "" {
		o.Err = &recordedError{msg: rec.Error, status: rec.HTTPStatus, code: rec.ErrorCode}
	}
	return o
}

// recordedError is an error read back from the journal: its text and the
// service's answer, as the run that met it recorded them.
type recordedError struct {
	msg    string
	status int
	code   string
}

func (e *recordedError) Error() string { return e.msg }

// SeedOutcomes are what a run's result file starts with, before anything
// is sent: for every job whose fate the journal decides now (carried
// over), that outcome; for every other job an earlier run saw end, the
// outcome it recorded. So a resumed run's result file never holds fewer
// rows than the last one's, even while it runs.
func SeedOutcomes(jobs []*manifest.Job, keys map[int]string, entries map[string]*JournalEntry, presets map[int]Preset) []Outcome {
	var out []Outcome
	for _, j := range jobs {
		var o Outcome
		if p := presets[j.Index]; p.Outcome != nil {
			o = *p.Outcome
		} else if e := entries[keys[j.Index]]; e != nil && e.End != nil {
			o = outcomeFromRecord(e.End)
		} else {
			continue
		}
		o.Job = j
		out = append(out, o)
	}
	return out
}
