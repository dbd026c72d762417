package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"

	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/report"
	"github.com/firmtools/bulk/internal/runfiles"
	"github.com/firmtools/bulk/internal/secret"
)

// runState is what a run holds from before sign-in to its end: the
// journal's lock, what the journal said, the result file, and, once signed
// in, the journal it appends to.
type runState struct {
	ios     *iostreams.IOStreams
	jobs    []*manifest.Job
	loc     runfiles.Locations
	lock    *runfiles.Lock
	plan    *executor.JournalPlan
	keys    map[int]string
	presets map[int]executor.Preset
	results *report.Writer
	journal *executor.Journal
	// passwords writes the generated passwords of the users this run
	// creates (--generate-passwords); nil without it.
	passwords *passwordFile
	summary   *report.Summary
	seeded    int // rows the result file started with
	// beside writes the files of rows to look at again and of what was
	// read, from every job's final outcome (finals, by job index).
	beside *report.Beside
	finals map[int]executor.Outcome
	// page is what the HTML report (--report) says besides the outcomes;
	// pagePath is "" without one.
	page     report.Page
	pagePath string
	clock    executor.Clock
	// interrupted is done at the first interruption (Ctrl-C, SIGTERM,
	// SIGHUP; not a closed output pipe); inFlight counts the calls sent and
	// not yet ended, for what the run says then.
	interrupted context.Context
	inFlight    atomic.Int64
}

// openRun decides where the run writes, refuses files that collide, takes
// the journal's lock, reads the journal and starts the result file from
// what it records. Every refusal is exit 2, with nothing sent.
func openRun(o *Options, ios *iostreams.IOStreams, m *manifest.Manifest, red *secret.Redactor, clock executor.Clock) (*runState, error) {
	svc, err := service(o.Conn)
	if err != nil {
		return nil, err
	}
	loc := runfiles.Locate(o.Manifests, o.Out, o.Journal, o.Conn.Sim)
	beside := &report.Beside{Loc: loc, Manifests: o.Manifests, Red: red}
	inputs := append(inputFiles(m.Files, o.Manifests), o.Conn.Files()...)
	if err := runfiles.Check(inputs, outputFiles(loc, o, beside)); err != nil {
		return nil, exit.With(exit.Invalid, err)
	}
	lock, err := runfiles.Acquire(loc.Lock, loc.Journal, clock.Now())
	if err != nil {
		return nil, exit.With(exit.Invalid, err)
	}
	st := &runState{ios: ios, jobs: m.Jobs, loc: loc, lock: lock, beside: beside, finals: map[int]executor.Outcome{},
		summary: &report.Summary{ResultFile: loc.Out, JournalFile: loc.Journal, ReportFile: o.Report}, clock: clock, pagePath: o.Report,
		page: report.Page{Manifests: o.Manifests, Service: svc.String(), Started: clock.Now(), Timeline: &report.Timeline{}}}
	if err := st.readJournal(o, svc); err != nil {
		st.release()
		return nil, err
	}
	if o.GenPasswords != "" {
		if st.passwords, err = newPasswords(o.GenPasswords, m.Jobs); err != nil {
			st.release()
			return nil, exit.With(exit.Invalid, err)
		}
	}
	for _, j := range m.Jobs {
		for _, s := range j.Secrets {
			red.Add(s.Reveal())
		}
	}
	var seed []report.Row
	for _, oc := range executor.SeedOutcomes(m.Jobs, st.keys, st.plan.Entries, st.presets) {
		seed = append(seed, report.RowOf(oc))
	}
	st.results, err = report.Create(loc.Out, red, report.Options{Seed: seed, Wrap: o.Deps.wrap(loc.Out), Partial: loc.Partial})
	if err != nil {
		st.release()
		return nil, exit.With(exit.Invalid, err)
	}
	st.seeded = len(seed)
	return st, nil
}

// inputFiles names the files the run read: the manifests it was given and
// the sources their YAML names.
func inputFiles(paths, manifests []string) []runfiles.File {
	out := make([]runfiles.File, len(paths))
	for i, p := range paths {
		out[i] = runfiles.File{What: "a YAML source", Path: p}
		if slices.Contains(manifests, p) {
			out[i].What = "the manifest"
		}
	}
	return out
}

func outputFiles(loc runfiles.Locations, o *Options, beside *report.Beside) []runfiles.File {
	out := []runfiles.File{{What: "--out", Path: loc.Out}, {What: "--journal", Path: loc.Journal},
		{What: "the journal's lock file", Path: loc.Lock}}
	if loc.Partial != "" {
		out = append(out, runfiles.File{What: "the CSV of the rows in progress", Path: loc.Partial})
	}
	out = append(out, beside.Paths()...)
	if o.GenPasswords != "" {
		out = append(out, runfiles.File{What: "--generate-passwords", Path: o.GenPasswords})
	}
	if o.Report != "" {
		out = append(out, runfiles.File{What: "--report", Path: o.Report})
	}
	return out
}

// readJournal reads the journal, bound to this run's service and
// manifests, and decides what each job does from it.
func (st *runState) readJournal(o *Options, svc executor.Service) error {
	plan, err := executor.PlanJournal(executor.JournalOptions{Path: st.loc.Journal, Service: svc,
		Manifests: absPaths(o.Manifests), Resume: o.Resume, Fresh: o.Fresh, Adopt: o.AdoptJournal})
	if err != nil {
		return exit.With(exit.Invalid, err)
	}
	st.plan, st.keys = plan, executor.JobKeys(st.jobs)
	if o.Resume {
		st.presets = executor.Presets(st.jobs, st.keys, plan.Entries, o.RetryUnknown)
	}
	switch {
	case plan.Missing:
		st.summary.JournalMissing = true
		fmt.Fprintf(st.ios.ErrOut, "bulk: --resume: there is no journal at %s: every job runs as new\n", st.loc.Journal)
	case plan.Torn && o.Resume:
		fmt.Fprintf(st.ios.ErrOut, "bulk: the last line of %s was cut short (a crash or a full disk while it was written); it is cut away\n", st.loc.Journal)
	}
	return nil
}

// absPaths are the manifests as the journal names them: absolute, links
// followed, so a run started from another directory is the same run.
func absPaths(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		a, err := filepath.Abs(p)
		if err != nil {
			a = p
		}
		if r, err := filepath.EvalSymlinks(a); err == nil {
			a = r
		}
		out[i] = a
	}
	return out
}

// openJournal opens the journal for this run's records, once signed in,
// and removes the files an earlier run left beside the results: from here
// on, this run may change what they say.
func (st *runState) openJournal(opts executor.WriteOptions) error {
	j, err := st.plan.Open(opts)
	if err != nil {
		return err
	}
	st.journal = j
	if st.pagePath != "" {
		if err := os.Remove(st.pagePath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing the report of an earlier run: %w", err)
		}
	}
	return st.beside.Clear()
}

// start records that a job's first request is about to be sent (and
// refuses a generated password that could not be written down).
func (st *runState) start(j *manifest.Job) error {
	if err := st.passwords.before(j); err != nil {
		return err
	}
	return st.journal.Start(st.keys[j.Index], j)
}

// end records how a job ended: a generated password first (on disk before
// the journal says the user was made), then the journal (unless carried
// over from it) and the result file. A journal or result error stops the
// run: no call is made whose outcome cannot be recorded.
func (st *runState) end(oc *executor.Outcome) error {
	if err := st.passwords.record(oc); err != nil {
		fmt.Fprintf(st.ios.ErrOut, "bulk: %v\n", err)
	}
	var jerr error
	if !oc.CarriedOver {
		jerr = st.journal.End(st.keys[oc.Job.Index], *oc)
	}
	if err := st.record(*oc); err != nil {
		return err
	}
	return jerr
}

func (st *runState) record(oc executor.Outcome) error {
	st.finals[oc.Job.Index] = oc
	st.summary.Count(oc.Job.Action.Name, oc.Status)
	if ex := oc.Result.Existing; oc.Status == executor.StatusExists && ex != nil && len(ex.Unchecked) > 0 {
		st.summary.NotCompared++
	}
	if oc.CarriedOver && oc.Status.Succeeded() {
		st.summary.CarriedOver++
	}
	return st.results.Add(report.RowOf(oc))
}

// notStarted ends a run that could not start (sign-in failed, the journal
// could not be opened): every job gets its row, skipped or carried over.
func (st *runState) notStarted(ctx context.Context, err error) error {
	for _, j := range st.jobs {
		oc := executor.Outcome{Job: j, Status: executor.StatusSkipped, Err: fmt.Errorf("not started: %v", err)}
		if p := st.presets[j.Index]; p.Outcome != nil {
			oc = *p.Outcome
			oc.Job = j
		}
		_ = st.record(oc) // Close writes every row, or says why it could not
	}
	if cerr := st.results.Close(); cerr != nil {
		return cerr
	}
	st.summary.Stopped = "not started: " + err.Error()
	if rerr := st.writePage(); rerr != nil {
		fmt.Fprintf(st.ios.ErrOut, "bulk: %v\n", rerr)
	}
	if ctx.Err() != nil {
		return exit.With(exit.Interrupted, errors.New("interrupted while signing in"))
	}
	return err
}

// signInFailed ends a run whose sign-in failed. A usage problem (no
// password) leaves the result file as it was seeded, or removes it when it
// holds no row.
func (st *runState) signInFailed(ctx context.Context, err error) error {
	if exit.Of(err) != exit.Invalid && !errors.Is(err, connect.ErrNoPassword) {
		return st.notStarted(ctx, err)
	}
	if cerr := st.results.Close(); cerr == nil && st.seeded == 0 {
		os.Remove(st.loc.Out)
	}
	return err
}

// finish writes the sorted result file and the files beside it, and
// compacts the journal.
func (st *runState) finish(ios *iostreams.IOStreams) error {
	resErr := st.results.Close()
	if resErr == nil {
		resErr = st.writeBeside()
	}
	if err := st.journal.Close(); err != nil {
		fmt.Fprintf(ios.ErrOut, "bulk: closing journal: %v\n", err)
	} else if resErr == nil {
		if err := st.journal.Compact(st.jobs, st.keys); err != nil {
			fmt.Fprintf(ios.ErrOut, "bulk: %v (the journal is whole, only larger)\n", err)
		}
	}
	return resErr
}

// writeBeside writes the files of rows to look at again and of what was
// read, from every job's final outcome.
func (st *runState) writeBeside() error {
	finals := make([]executor.Outcome, 0, len(st.finals))
	for _, j := range st.jobs {
		if oc, ok := st.finals[j.Index]; ok {
			finals = append(finals, oc)
		}
	}
	files, err := st.beside.Write(finals)
	st.summary.Files = files
	return err
}

// writePage writes the HTML report (--report), if asked for.
func (st *runState) writePage() error {
	if st.pagePath == "" {
		return nil
	}
	p := st.page
	p.Ended, p.Summary, p.Rows = st.clock.Now(), st.summary, st.results.Rows()
	return report.WriteReport(st.pagePath, p, st.beside.Red)
}

// release closes what is still open and lets the journal go.
func (st *runState) release() {
	if st.results != nil {
		_ = st.results.Close()
	}
	if st.journal != nil {
		_ = st.journal.Close()
	}
	_ = st.passwords.close()
	_ = st.lock.Release()
}
