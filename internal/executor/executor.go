// Package executor runs validated jobs against the service: a bounded pool
// of workers sharing one pacer (the service's 100 calls a minute), retries
// where repeating is safe, dependency order, and one outcome per job
// whatever happens.
package executor

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/pacer"
	"github.com/firmtools/bulk/internal/ratelimit"
)

// Outcome is how one job ended.
type Outcome struct {
	Job         *manifest.Job
	Status      Status
	Attempts    int
	Result      actions.Result
	Err         error
	CarriedOver bool // taken from the journal of an earlier run, not run now
	// Values are the job's values with references filled, when they were
	// (nil otherwise): the result's key shows what was really sent.
	Values actions.Values

	resultKey string // the key an earlier run recorded, for an outcome read from the journal
}

// Key is the job's natural key, from the filled values when there are.
func (o Outcome) Key() string {
	if o.resultKey != "" {
		return o.resultKey
	}
	if o.Values != nil {
		return o.Job.Action.Key(o.Values)
	}
	return o.Job.Key()
}

// Preset decides a job's fate before the run, from the journal.
type Preset struct {
	// Outcome, when set, is reported as the job's outcome and the job is not
	// run (ok in an earlier run, or unknown and not safe to repeat).
	Outcome *Outcome
	// MaybeDone: an earlier run started the job and never saw it end.
	MaybeDone bool
}

// Counters are live figures of a run, read by the progress display.
type Counters struct {
	Total   atomic.Int64
	Retries atomic.Int64
	Pending atomic.Int64 // calls still to make (units not started)

	mu    sync.Mutex
	tally Tally // how the jobs that have ended ended
}

// ended is how the jobs that have ended so far ended.
func (c *Counters) ended() Tally {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tally
}

func (c *Counters) count(s Status) {
	c.mu.Lock()
	c.tally.Add(s)
	c.mu.Unlock()
}

// Options configure a run.
type Options struct {
	Client      actions.Client
	Pacer       *pacer.Pacer // the client must pace every request with it (Pace)
	Clock       Clock
	Concurrency int           // workers; default 4
	MaxAttempts int           // per job; default 5
	MaxFailures int           // stop scheduling once more jobs than this failed or ended unknown; 0: never
	Backoff     Backoff       // for 5xx, timeouts and dropped connections
	Grace       time.Duration // how long calls in flight may finish after an interruption; default DefaultGrace
	Rand        func() float64
	Preset      map[int]Preset
	Counters    *Counters

	// Abort, once done, interrupts the run and cancels the calls in flight
	// at once, without waiting out Grace (a second Ctrl-C); nil: never.
	Abort context.Context

	// OnStart is called before a job's first request is sent (the journal's
	// "started" record). An error stops the run: without a durable record
	// nothing may be sent.
	OnStart func(*manifest.Job) error
	// OnEnd is called exactly once per job, whatever happens; calls are
	// serialised, so it needs no lock of its own. An error (the outcome
	// could not be recorded) stops the run like OnStart's: no further call
	// is sent, since its outcome could not be recorded either.
	OnEnd func(Outcome) error
	// OnSchemas, if set, is told what the run read of the service's
	// schemas, before the first job starts.
	OnSchemas func(*actions.Schemas)
}

// Stopped explains why a run ended early. Run returns it wrapped.
var (
	ErrInterrupted = errors.New("interrupted")
	errMaxFailures = errors.New("too many failures")
	// errAborted is why the calls in flight were cancelled at Abort.
	errAborted = errors.New("the run was interrupted twice")
)

// DefaultGrace is how long calls in flight may finish after an
// interruption when Options.Grace is not set.
const DefaultGrace = 30 * time.Second

type runner struct {
	opts     Options
	ctx      context.Context // scheduling: cancelled by an interruption or a fatal error
	stop     context.CancelFunc
	callCtx  context.Context // calls in flight: cancelled Grace after an interruption, or at Abort
	jobs     map[int]*manifest.Job
	refOwner map[string]int

	endMu sync.Mutex // serialises OnEnd

	mu       sync.Mutex
	status   map[int]Status
	refs     map[int]map[string]string
	failures int
	fatalErr error
	preReads map[string]*preRead // by action and group
	readers  atomic.Int64        // numbers the reads made for no one job (pre-reads, schemas), for the pacer
	// schemas are the service's schemas read before the first write (nil
	// when the jobs need none): they type the further properties a call
	// sends (MEMBER.NAME columns).
	schemas *actions.Schemas
}

// withDefaults fills what o leaves unset.
func (opts Options) withDefaults() Options {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	if opts.Clock == nil {
		opts.Clock = RealClock{}
	}
	if opts.Pacer == nil {
		opts.Pacer = pacer.New(ratelimit.Default, opts.Clock, pacer.Settings{})
	}
	if opts.Grace <= 0 {
		opts.Grace = DefaultGrace
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	if opts.Counters == nil {
		opts.Counters = &Counters{}
	}
	if opts.OnEnd == nil {
		opts.OnEnd = func(Outcome) error { return nil }
	}
	if opts.OnStart == nil {
		opts.OnStart = func(*manifest.Job) error { return nil }
	}
	return opts
}

// Run runs jobs and calls opts.OnEnd once for every one of them. The error
// is nil when every job ran (whatever its outcome); otherwise it says why
// the run stopped early: ErrInterrupted, errMaxFailures, or a fatal error
// such as a lost sign-in (imanage.ErrAuthLost).
func Run(ctx context.Context, jobs []*manifest.Job, opts Options) error {
	opts = opts.withDefaults()
	ctx, callCtx, stopCalls := opts.interruptions(ctx)
	defer stopCalls()

	// A fatal error stops new calls as an interruption does, even those
	// waiting for their turn, but lets the calls already sent finish.
	schedCtx, stopSched := context.WithCancel(ctx)
	defer stopSched()
	opts.Pacer.StopWith(schedCtx)
	r := &runner{
		opts: opts, ctx: schedCtx, stop: stopSched, callCtx: callCtx,
		jobs: map[int]*manifest.Job{}, refOwner: map[string]int{},
		status: map[int]Status{}, refs: map[int]map[string]string{}, preReads: map[string]*preRead{},
	}
	toRun, units := r.plan(jobs)
	if err := r.prepare(toRun, units); err != nil {
		return err
	}
	stopErr := r.schedule(units)
	r.unplanPreReads()
	if err := r.fatal(); err != nil {
		return err
	}
	if stopErr == nil && ctx.Err() != nil {
		stopErr = ErrInterrupted
	}
	return stopErr
}

// interruptions are the contexts a run is stopped by: ctx, done at an
// interruption (the parent's end, or Abort), after which nothing new
// starts; and calls, which the calls in flight are made under, cancelled
// Grace after the interruption, or at once at Abort (cause errAborted).
func (opts Options) interruptions(parent context.Context) (ctx, calls context.Context, stop func()) {
	ctx, interrupt := context.WithCancel(parent)
	calls, cancelCalls := context.WithCancelCause(context.WithoutCancel(parent))
	stopGrace := context.AfterFunc(ctx, func() {
		t := time.NewTimer(opts.Grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancelCalls(nil)
		case <-calls.Done():
		}
	})
	stopAbort := func() bool { return true }
	if opts.Abort != nil {
		stopAbort = context.AfterFunc(opts.Abort, func() {
			interrupt()
			cancelCalls(errAborted)
		})
	}
	return ctx, calls, func() {
		stopAbort()
		stopGrace()
		cancelCalls(nil)
		interrupt()
	}
}

// plan ends the jobs the presets decide (carried over from the journal)
// and groups the others into units, counted in the calls still to make.
func (r *runner) plan(jobs []*manifest.Job) ([]*manifest.Job, []*unit) {
	r.opts.Counters.Total.Add(int64(len(jobs)))
	var toRun []*manifest.Job
	maybeDone := map[int]bool{}
	for _, j := range jobs {
		r.jobs[j.Index] = j
		if j.Ref != "" {
			r.refOwner[j.Ref] = j.Index
		}
	}
	for _, j := range jobs {
		p := r.opts.Preset[j.Index]
		if p.Outcome != nil {
			o := *p.Outcome
			o.Job = j
			r.finish(o)
			continue
		}
		maybeDone[j.Index] = p.MaybeDone
		toRun = append(toRun, j)
	}
	units := plan(toRun, maybeDone)
	r.opts.Counters.Pending.Add(int64(len(units) + r.planPreReads(units)))
	return toRun, units
}

// queue is the units still to run, in order. Units leave it in place
// (gone[i]); head skips the ended prefix, so a pass after each completion
// costs the units still waiting for a dependency, not the whole manifest.
type queue struct {
	units   []*unit
	gone    []bool
	head    int
	left    int
	running int
	done    chan struct{} // a unit ended
}

func (q *queue) remove(i int, c *Counters) {
	q.gone[i] = true
	q.left--
	c.Pending.Add(-1)
}

// schedule runs the units as their dependencies allow, at most
// Concurrency at once, until all have ended or a stop condition holds;
// what never started is skipped with the reason. It returns why the run
// stopped early (nil when it did not).
//
// Workers are bounded by counting, not by a blocking errgroup.Go: the stop
// conditions (interruption, --max-failures, a lost sign-in) must be
// checked when a worker is free, after the previous job has ended.
func (r *runner) schedule(units []*unit) error {
	var g errgroup.Group
	q := &queue{units: units, gone: make([]bool, len(units)), left: len(units), done: make(chan struct{}, len(units))}
	var stopErr error
	for q.left > 0 {
		if stopErr = r.pass(q, &g); stopErr != nil {
			break
		}
		if q.left == 0 {
			break
		}
		if q.running == 0 {
			// Nothing in flight can unblock what is left: the manifest's
			// checks make this unreachable, but no job may go unreported.
			r.skipRest(q, "not started: what it depends on never ran")
			break
		}
		<-q.done
		q.running--
	}
	if stopErr == nil {
		stopErr = r.stopReason()
	}
	reason := "not started"
	if stopErr != nil {
		reason = "not started: " + stopMessage(stopErr)
	}
	r.skipRest(q, reason)
	_ = g.Wait()
	return stopErr
}

// pass starts what may start while a worker is free, and skips what
// waits for a job that did not succeed. An error is a reason to stop.
func (r *runner) pass(q *queue, g *errgroup.Group) error {
	for i := q.head; i < len(q.units) && q.running < r.opts.Concurrency; i++ {
		if q.gone[i] {
			continue
		}
		u := q.units[i]
		ready, blocker := r.depState(u)
		switch {
		case blocker != nil:
			r.skipUnit(u, blocker)
			q.remove(i, r.opts.Counters)
		case ready:
			if err := r.stopReason(); err != nil {
				return err
			}
			q.remove(i, r.opts.Counters)
			q.running++
			g.Go(func() error {
				defer func() { q.done <- struct{}{} }()
				r.runUnit(u)
				return nil
			})
		}
	}
	for q.head < len(q.units) && q.gone[q.head] {
		q.head++
	}
	return nil
}

// skipRest ends every unit still waiting with reason.
func (r *runner) skipRest(q *queue, reason string) {
	for i := q.head; i < len(q.units); i++ {
		if !q.gone[i] {
			r.skipAll(q.units[i], reason)
			q.remove(i, r.opts.Counters)
		}
	}
}

func stopMessage(err error) string {
	switch {
	case errors.Is(err, ErrInterrupted):
		return "the run was interrupted"
	case errors.Is(err, errMaxFailures):
		return err.Error()
	}
	if g, ok := asGaveUp(err); ok {
		return g.Reason
	}
	return "the run stopped: " + err.Error()
}

func (r *runner) stopReason() error {
	if err := r.fatal(); err != nil {
		return err
	}
	if err := r.opts.Pacer.Err(); err != nil {
		return err
	}
	if r.ctx.Err() != nil {
		return ErrInterrupted
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.opts.MaxFailures > 0 && r.failures > r.opts.MaxFailures {
		return fmt.Errorf("%w: %d jobs failed, more than --max-failures %d", errMaxFailures, r.failures, r.opts.MaxFailures)
	}
	return nil
}

func (r *runner) fatal() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fatalErr
}

// depState reports whether u may start, or which job blocks it for good.
func (r *runner) depState(u *unit) (ready bool, blocker *manifest.Job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ready = true
	for _, d := range u.deps {
		st, ended := r.status[d]
		if !ended {
			ready = false
			continue
		}
		if !st.Succeeded() {
			return false, r.jobs[d]
		}
	}
	return ready, nil
}

func (r *runner) skipUnit(u *unit, blocker *manifest.Job) {
	r.mu.Lock()
	st := r.status[blocker.Index]
	r.mu.Unlock()
	r.skipAll(u, fmt.Sprintf("not started: waited for %s row %d (%s %s), which ended %s",
		blocker.Source, blocker.Row, blocker.Action.Name, blocker.Key(), st))
}

func (r *runner) skipAll(u *unit, reason string) {
	for _, j := range u.jobs {
		r.finish(Outcome{Job: j, Status: StatusSkipped, Err: errors.New(reason)})
	}
}

// finish records an outcome, exactly once per job.
func (r *runner) finish(o Outcome) {
	r.mu.Lock()
	if _, dup := r.status[o.Job.Index]; dup {
		r.mu.Unlock()
		return
	}
	r.status[o.Job.Index] = o.Status
	if o.Status.Succeeded() && o.Job.Ref != "" {
		r.refs[o.Job.Index] = o.Result.Refs
	}
	if !o.CarriedOver && o.Status.failure() {
		r.failures++
	}
	r.mu.Unlock()
	r.endMu.Lock()
	err := r.opts.OnEnd(o)
	r.endMu.Unlock()
	if err != nil {
		r.setFatal(err)
	}
	r.opts.Counters.count(o.Status)
}

func (r *runner) setFatal(err error) {
	r.mu.Lock()
	if r.fatalErr == nil {
		r.fatalErr = err
	}
	r.mu.Unlock()
	r.stop()
}

// stopped words why a job did not start, or stopped before its next
// attempt: the run was interrupted (twice, when that cancelled the calls
// in flight), or stopped for a fatal error.
func (r *runner) stopped() string {
	if err := r.fatal(); err != nil {
		return "the run stopped: " + err.Error()
	}
	if errors.Is(context.Cause(r.callCtx), errAborted) {
		return errAborted.Error()
	}
	return "the run was interrupted"
}

// runUnit sends u's request, repeating it while that is safe, and records
// one outcome per job of the unit.
func (r *runner) runUnit(u *unit) {
	// References are filled once: what they name has ended and will not change.
	var vals actions.Values
	var secs actions.Secrets
	if u.batch == nil {
		var err error
		if vals, secs, err = r.resolve(u.jobs[0]); err != nil {
			r.endAll(u, nil, Outcome{Status: StatusFailed, Err: err})
			return
		}
	}
	read, done := r.preReadFirst(u, vals)
	if done {
		return
	}
	for _, j := range u.jobs {
		if err := r.opts.OnStart(j); err != nil {
			r.setFatal(fmt.Errorf("recording the start of %s row %d: %w", j.Source, j.Row, err))
			r.skipAll(u, "not started: the journal could not be written")
			return
		}
	}
	r.send(u, vals, secs, read)
}

// send makes u's attempts. read says a pre-read before it did not list
// what u creates.
//
// An attempt is a call that was sent and was not a 429 or an outage's
// failure (pacer.Track tells): those say nothing of the job, so they are
// repeated without using up --max-attempts, the pacer holding every
// worker meanwhile. What bounds them is the pacer giving up (--max-hold,
// --max-outage).
func (r *runner) send(u *unit, vals actions.Values, secs actions.Secrets, read bool) {
	spec := u.spec()
	maybe := u.maybeDone  // an earlier attempt (in an earlier run or this one) may have been processed
	ambiguousNow := false // one of this run's attempts may have been processed
	var lastErr error
	ctx, track := pacer.WithTrack(r.callCtx, u.jobs[0].Index+1)
	attempt, unpaced := 0, 0 // attempts so far; of them, calls the pacer never saw
	shown := 0               // the attempts an outcome reports: also an outage's failure that ends the job
	end := func(st Status, err error) {
		r.endAll(u, vals, Outcome{Status: st, Attempts: shown, Err: err})
	}
	for {
		before := track.Counts()
		results, err := r.call(ctx, u, vals, secs)
		after := track.Counts()
		if after.Sent == before.Sent && !isStop(err) {
			unpaced++ // a client that does not pace, or a request that could not be built
		}
		attempt = after.Attempts() + unpaced
		excused := after.Outage > before.Outage // the pacer took the failure as an outage's
		shown = attempt
		if excused {
			shown++
		}
		if err == nil {
			r.answered(u, vals, results, attempt, maybe)
			return
		}
		// The duplicate refusal (DUPLICATE_ALIAS) after an attempt of ours
		// that may have been processed is that attempt's success; after a
		// pre-read, only an attempt of this run (the read did not list the
		// object) can be.
		if spec.Repeat == actions.RepeatRecognizeDuplicate && isDuplicate(err, spec.Duplicate) && (ambiguousNow || (maybe && !read)) {
			res := spec.Duplicate.Result(vals)
			res.Note = "already existed: created by an earlier attempt of this job whose answer was lost"
			r.endAll(u, vals, Outcome{Status: StatusOK, Attempts: attempt, Result: res})
			return
		}
		if g, ok := asGaveUp(err); ok {
			// Not done, and resumable: skipped, unless an attempt may have
			// been processed and is not safe to repeat.
			switch {
			case shown == 0 && !maybe:
				end(StatusSkipped, fmt.Errorf("not started: %s", g.Reason))
			case maybe && spec.Repeat == actions.RepeatIfNotProcessed:
				end(StatusUnknown, fmt.Errorf("%s, before attempt %d: %w", g.Reason, shown+1, attemptsErr(shown, lastErr)))
			default:
				end(StatusSkipped, fmt.Errorf("not done: %s, before attempt %d: %w", g.Reason, shown+1, attemptsErr(shown, lastErr)))
			}
			return
		}
		lastErr = err
		if maybeProcessed(err) {
			maybe, ambiguousNow = true, true
		}
		verdict := classify(err, spec.Repeat)
		if verdict == cancelled {
			if shown == 0 && !maybe {
				end(StatusSkipped, fmt.Errorf("not started: %s", r.stopped()))
				return
			}
			end(r.finalStatus(spec, maybe), fmt.Errorf("%s after %d attempts: %w", r.stopped(), shown, lastErr))
			return
		}
		if done := r.decide(verdict, spec, err, shown, end); done {
			return
		}
		// retry
		r.opts.Counters.Retries.Add(1)
		if _, ok := asThrottled(err); ok {
			continue // the pacer holds every worker as long as the service asked
		}
		if excused {
			continue // the pacer holds every worker until a probe gets through
		}
		if attempt >= r.opts.MaxAttempts {
			end(r.finalStatus(spec, maybe), attemptsErr(attempt, err))
			return
		}
		if r.ctx.Err() != nil {
			end(r.finalStatus(spec, maybe), fmt.Errorf("%s before attempt %d: %w", r.stopped(), attempt+1, attemptsErr(attempt, err)))
			return
		}
		if err := r.pause(attempt, err); err != nil {
			end(r.finalStatus(spec, maybe), fmt.Errorf("%s before attempt %d: %w", r.stopped(), attempt+1, attemptsErr(attempt, lastErr)))
			return
		}
	}
}

// decide ends u for the verdicts that end it (fatal, giveUp, ambiguous),
// and reports whether it did; retry is left to the caller.
func (r *runner) decide(v verdict, spec *actions.Spec, err error, attempt int, end func(Status, error)) bool {
	switch v {
	case fatal:
		r.setFatal(err)
		end(StatusFailed, err)
	case giveUp:
		end(StatusFailed, attemptsErr(attempt, err))
	case ambiguous:
		end(StatusUnknown, fmt.Errorf("%w; it may have been applied, and %s is not repeated so that nothing is created twice: check, then re-run with --retry-unknown if it is missing", err, spec.Name))
	default:
		return false
	}
	return true
}

// endAll ends every job of u with o (Job and Values filled in per job).
func (r *runner) endAll(u *unit, vals actions.Values, o Outcome) {
	// A call the run itself cancelled (an interruption's grace over, or a
	// second one) may leave a job unknown; its error, the client's
	// "interrupted: context canceled", is then told why first.
	if o.Status == StatusUnknown && r.callCtx.Err() != nil && errors.Is(o.Err, context.Canceled) {
		if why := r.stopped(); !strings.Contains(o.Err.Error(), why) {
			o.Err = fmt.Errorf("%s: %w", why, o.Err)
		}
	}
	for _, j := range u.jobs {
		o.Job, o.Values = j, r.filled(u, vals, j)
		r.finish(o)
	}
}

// filled is j's values with references filled: those resolved for a
// single-job unit (nil if resolving failed), a batch's own.
func (r *runner) filled(u *unit, vals actions.Values, j *manifest.Job) actions.Values {
	if u.batch == nil {
		return vals
	}
	return j.Values
}

// answered records the outcomes of an attempt the service answered.
func (r *runner) answered(u *unit, vals actions.Values, results []actions.BatchResult, attempt int, maybe bool) {
	for i, j := range u.jobs {
		o := Outcome{Job: j, Status: StatusOK, Attempts: attempt, Result: results[i].Result, Values: r.filled(u, vals, j)}
		switch {
		case results[i].Err != nil:
			o.Status, o.Err = StatusFailed, results[i].Err
		case o.Result.Existing != nil:
			judgeExisting(&o, maybe)
		}
		r.finish(o)
	}
}

// judgeExisting gives the status of a job whose object was already in the
// service (o.Result.Existing): conflict when it differs from the row;
// otherwise exists, or ok when an earlier attempt of this job may have
// been processed (that attempt made it, and its answer was lost).
func judgeExisting(o *Outcome, maybe bool) {
	ex := o.Result.Existing
	var note string
	switch {
	case ex.Conflict():
		o.Status = StatusConflict
		o.Err = fmt.Errorf("conflict: already in the service, but not as the row asks, and nothing was changed: %s", ex.DifferenceText())
	case maybe:
		o.Status = StatusOK
		note = "already there after an earlier attempt of this job that may have been processed: taken as that attempt's success"
	default:
		o.Status = StatusExists
	}
	o.Result.Note = actions.JoinNotes(o.Result.Note, note, ex.UncheckedText())
}

// pause waits before attempt number attempt+1 after err, a failure of
// this job alone (429s and outages are the pacer's): backoff, at least as
// long as the service asked. An error means the run was interrupted while
// waiting.
func (r *runner) pause(attempt int, err error) error {
	wait := r.opts.Backoff.delay(attempt, r.opts.Rand())
	if e, ok := asRetryAfter(err); ok && e > wait {
		wait = e
	}
	return r.opts.Clock.Sleep(r.ctx, wait)
}

// finalStatus is the status of a job whose last attempt failed: unknown
// when it may have been applied and is not safe to repeat.
func (r *runner) finalStatus(spec *actions.Spec, maybe bool) Status {
	if maybe && spec.Repeat == actions.RepeatIfNotProcessed {
		return StatusUnknown
	}
	return StatusFailed
}

func attemptsErr(n int, err error) error {
	if n <= 1 {
		return err
	}
	return fmt.Errorf("after %d attempts: %w", n, err)
}

// call makes one attempt of u; v and s are the filled values of a
// single-job unit.
func (r *runner) call(ctx context.Context, u *unit, v actions.Values, s actions.Secrets) ([]actions.BatchResult, error) {
	if u.batch != nil {
		vals := make([]actions.Values, len(u.jobs))
		for i, j := range u.jobs {
			vals[i] = j.Values
		}
		return u.batch.Call(ctx, r.opts.Client, vals)
	}
	spec := u.jobs[0].Action
	v, problems := r.schemas.Typed(spec, v)
	if len(problems) > 0 {
		// Held before the first write; only a reference filled since can
		// get here.
		return nil, fmt.Errorf("%s: %s", spec.Name, joinProblems(problems))
	}
	res, err := spec.Call(ctx, r.opts.Client, v, s)
	if err != nil {
		return nil, err
	}
	out := make([]actions.BatchResult, len(u.jobs))
	for i := range out {
		out[i].Result = res
	}
	return out, nil
}

// resolve fills ${ref.field} references from the answers of the jobs they
// name, and checks the filled row again.
func (r *runner) resolve(j *manifest.Job) (actions.Values, actions.Secrets, error) {
	hasRef := false
	for _, v := range j.Values {
		if actions.HasRef(v) {
			hasRef = true
			break
		}
	}
	if !hasRef {
		return j.Values, j.Secrets, nil
	}
	r.mu.Lock()
	lookup := func(name, field string) (string, bool) {
		idx, ok := r.refOwner[name]
		if !ok {
			return "", false
		}
		v, ok := r.refs[idx][field]
		return v, ok && v != ""
	}
	raw := map[string]string{}
	var subErr error
	for k, v := range j.Values {
		s, err := actions.Substitute(v, lookup)
		if err != nil && subErr == nil {
			subErr = fmt.Errorf("%s: %w", k, err)
		}
		raw[k] = s
	}
	r.mu.Unlock()
	if subErr != nil {
		return nil, nil, subErr
	}
	for k, s := range j.Secrets {
		raw[k] = s.Reveal()
	}
	v, s, problems := j.Action.Validate(raw)
	if problems = actions.Errors(problems); len(problems) > 0 { // warnings were reported before the run
		msgs := make([]string, len(problems))
		for i, p := range problems {
			msgs[i] = p.Error()
		}
		return nil, nil, fmt.Errorf("after filling references: %s", strings.Join(msgs, "; "))
	}
	return v, s, nil
}
