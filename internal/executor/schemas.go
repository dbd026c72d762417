package executor

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/manifest"
)

// SchemaError is the run's answer when rows do not fit the schemas the
// service gave for their dynamic members (aliasInfo, create_password,
// profileProperties): nothing was sent.
type SchemaError struct {
	Problems []manifest.Problem
}

// Headline is the error's first line, without the list of problems.
func (e *SchemaError) Headline() string {
	return fmt.Sprintf("%d problem(s) against the service's schemas; nothing was written", len(e.Problems))
}

func (e *SchemaError) Error() string {
	var b strings.Builder
	b.WriteString(e.Headline())
	for _, p := range e.Problems {
		b.WriteString("\n")
		b.WriteString(p.String())
	}
	return b.String()
}

// prepare is what must hold before the first write: the schemas read and
// every job fitting them. When not, every unit is skipped with the reason.
func (r *runner) prepare(jobs []*manifest.Job, units []*unit) error {
	err := r.readSchemas(jobs)
	if err == nil {
		return nil
	}
	reason := "not started: the service's schemas could not be read"
	var se *SchemaError
	own := map[*manifest.Job][]string{} // each row's own problems
	if errors.As(err, &se) {
		reason = "not started: other rows do not fit the service's schemas, so nothing was sent"
		for _, j := range jobs {
			for _, p := range se.Problems {
				if p.File == j.Source && p.Row == j.Row {
					own[j] = append(own[j], p.Message)
				}
			}
		}
	}
	for _, u := range units {
		for _, j := range u.jobs {
			why := reason
			if msgs := own[j]; len(msgs) > 0 {
				why = "not started: the service's schema refuses this row, so nothing was sent: " + strings.Join(msgs, "; ")
			}
			r.finish(Outcome{Job: j, Status: StatusSkipped, Err: errors.New(why)})
		}
	}
	// Nothing runs yet: no call, pre-read included, is still to come.
	r.opts.Counters.Pending.Store(0)
	if r.ctx.Err() != nil {
		return ErrInterrupted
	}
	return err
}

// readSchemas reads, once each, the schemas the jobs to run need (paced and
// repeated like any safe call) and holds every job's dynamic members to
// them. It runs before the first write: a job that does not fit stops the
// run with a *SchemaError.
func (r *runner) readSchemas(jobs []*manifest.Job) error {
	needs := schemaNeeds(jobs) // as Plan counts them
	if len(needs.List()) == 0 {
		return nil
	}
	ss := actions.NewSchemas()
	defer func() {
		if r.opts.OnSchemas != nil {
			r.opts.OnSchemas(ss)
		}
	}()
	for _, n := range needs.List() {
		if err := r.loadSchema(ss, n); err != nil {
			return err
		}
	}
	r.schemas = ss
	if problems := manifest.SchemaProblems(ss, jobs); len(problems) > 0 {
		manifest.SortProblems(problems)
		return &SchemaError{Problems: problems}
	}
	return nil
}

// loadSchema reads one schema, repeating it while that is safe.
func (r *runner) loadSchema(ss *actions.Schemas, n actions.SchemaNeed) error {
	return r.withRetries(func(ctx context.Context) error { return ss.Load(ctx, r.opts.Client, n) })
}

// joinProblems says a row's field problems in one message.
func joinProblems(problems []actions.FieldError) string {
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.Error()
	}
	return strings.Join(msgs, "; ")
}
