package executor

import (
	"context"
	"fmt"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/pacer"
)

// A pre-read (actions.PreRead) is made once per run for each group of rows
// that share it, by the first unit to need it; the others wait for its
// answer. It is paced and repeated like any safe call, and counted in the
// calls still to make.

type preRead struct {
	done    chan struct{} // closed when seen and err are set
	started bool
	planned bool // counted in Counters.Pending
	seen    actions.Seen
	err     error
}

func preReadKey(spec *actions.Spec, group string) string { return spec.Name + "\x00" + group }

// preReadGroup is the pre-read u needs, "" for none.
func preReadGroup(u *unit, vals actions.Values) string {
	pr := u.spec().PreRead
	if pr == nil || u.batch != nil {
		return ""
	}
	return pr.Group(vals)
}

// planPreReads registers the pre-reads units will need (preReadKeys, as
// Plan counts them) and returns how many.
func (r *runner) planPreReads(units []*unit) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	planned := preReadKeys(units)
	for _, pr := range planned {
		r.preReads[pr.key] = &preRead{done: make(chan struct{}), planned: true}
	}
	return len(planned)
}

// unplanPreReads takes the pre-reads that were never made (every row that
// needed one was skipped) off the calls still to make.
func (r *runner) unplanPreReads() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.preReads {
		if p.planned && !p.started {
			p.planned = false
			r.opts.Counters.Pending.Add(-1)
		}
	}
}

// preReadFirst makes (or waits for) the pre-read u's action declares and
// ends u's jobs when it lists their object: exists, conflict, or ok when an
// earlier run's attempt may have made it. read reports that a read was
// made; done, that u's jobs have ended.
func (r *runner) preReadFirst(u *unit, vals actions.Values) (read, done bool) {
	group := preReadGroup(u, vals)
	if group == "" {
		return false, false
	}
	spec := u.spec()
	seen, err := r.preRead(spec, group, vals)
	if err != nil {
		r.endAll(u, vals, r.preReadFailed(err, spec.PreRead.Describe(vals)))
		return true, true
	}
	res, found := seen.Find(vals)
	if !found {
		return true, false
	}
	o := Outcome{Result: res}
	judgeExisting(&o, u.maybeDone)
	r.endAll(u, vals, o)
	return true, true
}

// preRead returns the pre-read of group, making it if no unit has.
func (r *runner) preRead(spec *actions.Spec, group string, v actions.Values) (actions.Seen, error) {
	key := preReadKey(spec, group)
	r.mu.Lock()
	p := r.preReads[key]
	if p == nil {
		p = &preRead{done: make(chan struct{})}
		r.preReads[key] = p
	}
	if p.started {
		r.mu.Unlock()
		<-p.done
		return p.seen, p.err
	}
	p.started = true
	r.mu.Unlock()
	if p.planned {
		defer r.opts.Counters.Pending.Add(-1)
	}
	defer close(p.done)
	p.err = r.withRetries(func(ctx context.Context) error {
		var err error
		p.seen, err = spec.PreRead.Read(ctx, r.opts.Client, v)
		return err
	})
	return p.seen, p.err
}

// withRetries makes a read, repeating it while that helps (a read is safe
// to repeat), with the waits of any other call. As for a job's calls
// (send), a 429 or a failure the pacer took as an outage's is not an
// attempt: the pacer holds, and the read is made again.
func (r *runner) withRetries(read func(ctx context.Context) error) error {
	ctx, track := pacer.WithTrack(r.callCtx, int(-r.readers.Add(1))) // told apart from the jobs (1, 2, ...)
	unpaced := 0
	for {
		before := track.Counts()
		err := read(ctx)
		if err == nil {
			return nil
		}
		after := track.Counts()
		if after.Sent == before.Sent && !isStop(err) {
			unpaced++
		}
		attempt := after.Attempts() + unpaced
		if _, gave := asGaveUp(err); gave || classify(err, actions.RepeatSafe) != retry {
			return attemptsErr(attempt, err)
		}
		if _, throttled := asThrottled(err); throttled || after.Outage > before.Outage {
			continue
		}
		if attempt >= r.opts.MaxAttempts {
			return attemptsErr(attempt, err)
		}
		if r.ctx.Err() != nil || r.pause(attempt, err) != nil {
			return fmt.Errorf("%s before attempt %d: %w (%w)", r.stopped(), attempt+1, context.Canceled, err)
		}
	}
}

// preReadFailed is the outcome of rows whose pre-read failed: nothing was
// created, and nothing is without knowing what is already there.
func (r *runner) preReadFailed(err error, what string) Outcome {
	if g, ok := asGaveUp(err); ok {
		return Outcome{Status: StatusSkipped, Err: fmt.Errorf("not started: %s (while listing %s)", g.Reason, what)}
	}
	switch classify(err, actions.RepeatSafe) {
	case fatal:
		r.setFatal(err)
	case cancelled:
		return Outcome{Status: StatusSkipped, Err: fmt.Errorf("not started: %s while listing %s", r.stopped(), what)}
	}
	return Outcome{Status: StatusFailed, Err: fmt.Errorf("not created: listing %s first failed: %w", what, err)}
}
