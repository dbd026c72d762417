package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/pacer"
	"github.com/firmtools/bulk/internal/report"
	"github.com/firmtools/bulk/internal/secret"
)

// Run validates the manifests, then runs their jobs against the service
// and records one result per job. The error says why the run did not end
// well, and carries its exit code (exit.Of).
func Run(ctx context.Context, o *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	limit, err := o.check()
	if err != nil {
		return err
	}
	// Interruption, from here on: at the first nothing new starts and calls
	// in flight may finish; at the second they are cancelled. A reader of
	// the output that goes away is a first one.
	interrupted, aborted, stopSignals := o.Deps.interrupt(ctx)
	defer stopSignals()
	runCtx, pipeClosed := context.WithCancel(interrupted)
	defer pipeClosed()
	ios := o.IO.StopOnClosedPipe(pipeClosed)

	// 1. Validate everything before a single call.
	m, maxFailures, warnings, err := o.load(ctx, ios)
	if err != nil {
		return err
	}
	red, clock := &secret.Redactor{}, o.Deps.clock()

	// 2. Journal and results: held, checked and seeded before sign-in.
	st, err := openRun(o, ios, m, red, clock)
	if err != nil {
		return err
	}
	defer st.release()
	st.interrupted = interrupted
	st.summary.Warnings = warnings
	st.page.Limit, st.page.Window = limit.N, limit.Window

	// 3. Sign in.
	pc := o.pacer(limit, clock)
	logger := newRunLog(o.Verbose, ios, red)
	observe := func(info imanage.CallInfo) {
		logger.call(info)
		st.observe(info)
	}
	conn, err := connect.Open(runCtx, ios, o.Conn, connect.Use{Limit: limit, Pace: st.pace(executor.Pace(pc)), Observe: observe, Learn: red.Add})
	if err != nil {
		return st.signInFailed(runCtx, err)
	}
	defer conn.Close()
	for _, s := range conn.Secrets {
		red.Add(s.Reveal())
	}
	if err := st.openJournal(executor.WriteOptions{Redactor: red, Clock: clock, Wrap: o.Deps.wrap(st.loc.Journal)}); err != nil {
		return st.notStarted(runCtx, exit.With(exit.JobsFailed, err))
	}

	// 4. Run.
	runErr := st.execute(runCtx, o, executor.Options{Client: conn.Client, Pacer: pc, Clock: clock, MaxFailures: maxFailures, Abort: aborted}, logger)
	if err := st.finish(ios); err != nil {
		return err
	}
	st.summary.PasswordFile, st.summary.Passwords = o.GenPasswords, st.passwords.count()
	return o.conclude(ios, st.summary, runErr, errors.Join(st.passwords.close(), st.writePage()))
}

// pace is the client's pacing hook: wait for the call's turn, then count
// it in flight until it ends.
func (st *runState) pace(pace func(context.Context) (func(error), error)) func(context.Context) (func(error), error) {
	return func(ctx context.Context) (func(error), error) {
		ended, err := pace(ctx)
		if err != nil {
			return nil, err
		}
		st.inFlight.Add(1)
		return func(err error) {
			st.inFlight.Add(-1)
			ended(err)
		}, nil
	}
}

// observe records each call in the report's timeline: when it was
// answered, and a 429 with the hold its Retry-After asked for.
func (st *runState) observe(info imanage.CallInfo) {
	var hold time.Duration
	e, ok := imanage.AsError(info.Err)
	throttled := ok && e.Throttled()
	if throttled && e.HasRetryAfter {
		hold = e.RetryAfter
	}
	st.page.Timeline.Call(st.clock.Now(), throttled, hold)
}

// execute runs the jobs with the progress display, recording each outcome,
// and fills the summary's figures. eo holds the client, pacer, clock,
// --max-failures and the second interruption; the rest comes from o.
func (st *runState) execute(ctx context.Context, o *Options, eo executor.Options, logger *runLog) error {
	counters := &executor.Counters{}
	if !o.Quiet {
		stop := st.showProgress(ctx, o, counters, eo.Pacer)
		defer stop()
	}
	defer st.noteInterruption(o.Deps.grace())()
	eo.Concurrency, eo.MaxAttempts, eo.Backoff, eo.Grace = o.Concurrency, o.MaxAttempts, o.Deps.backoff(), o.Deps.grace()
	eo.Preset, eo.Counters = st.presets, counters
	eo.OnSchemas, eo.OnStart = schemaNotes(st.ios, st.summary), st.start
	eo.OnEnd = func(oc executor.Outcome) error {
		err := st.end(&oc)
		logger.job(oc)
		return err
	}
	start := eo.Clock.Now()
	runErr := executor.Run(ctx, st.jobs, eo)
	summary := st.summary
	pacing := eo.Pacer.Stats()
	summary.Calls = pacing.Calls
	limit := eo.Pacer.Limit()
	summary.RateLimit, summary.Window = limit.String(), limit.Window
	if pacing.Cuts > 0 {
		summary.SlowedTo = fmt.Sprintf("%s calls per %s", strconv.FormatFloat(math.Round(pacing.MinRate*float64(limit.N)*10)/10, 'f', -1, 64), limit.Window)
	}
	summary.Outages, summary.OutageSeconds = pacing.Outages, pacing.DownFor.Round(time.Millisecond).Seconds()
	summary.Throttled = pacing.Throttled
	summary.Retries = counters.Retries.Load()
	summary.Finish(eo.Clock.Now().Sub(start))
	if runErr != nil {
		summary.Stopped = runErr.Error()
		summary.Interrupted = errors.Is(runErr, executor.ErrInterrupted)
	}
	var schemaErr *executor.SchemaError
	if errors.As(runErr, &schemaErr) {
		// The problems are listed once, by the error (and in --json).
		summary.Stopped, summary.Problems = schemaErr.Headline(), schemaErr.Problems
	}
	return runErr
}

// noteInterruption says once, at the first interruption, what the run
// does when calls are in flight: they may finish within grace, and a
// second interruption stops them at once. stop waits for the note to be
// written, so it does not outlive the stream (the progress display's).
func (st *runState) noteInterruption(grace time.Duration) (stop func()) {
	if st.interrupted == nil {
		return func() {}
	}
	w, written := st.ios.ErrOut, make(chan struct{})
	unregister := context.AfterFunc(st.interrupted, func() {
		defer close(written)
		if n := int(st.inFlight.Load()); n > 0 {
			fmt.Fprintf(w, "bulk: interrupted: finishing the %s in flight (up to %s); press Ctrl-C again to stop at once\n",
				countOf(n, "call", "calls"), grace)
		}
	})
	return func() {
		if !unregister() {
			<-written
		}
	}
}

// showProgress starts the progress display; what the run prints while it
// shows goes through it (st.ios.ErrOut), above the line it redraws. stop
// ends it, and gives the run its streams back.
func (st *runState) showProgress(ctx context.Context, o *Options, counters *executor.Counters, pc *pacer.Pacer) (stop func()) {
	ios := st.ios
	popts := executor.ProgressOptions{Out: ios.ErrOut, Counters: counters, Pacer: pc, Interval: o.Deps.Progress, Width: ios.ErrOutWidth,
		Terminal: ios.ErrOutTTY && !o.Verbose} // log lines and a line redrawn in place do not mix
	if o.Deps.Width != nil {
		popts.Width = o.Deps.Width
	}
	ctx, cancel := context.WithCancel(ctx)
	if ios.WatchResize != nil {
		popts.Resized = ios.WatchResize(ctx)
	}
	p := executor.StartProgress(popts)
	shown := *ios
	shown.ErrOut = p.Writer()
	st.ios = &shown
	return func() {
		p.Stop()
		cancel()
		st.ios = ios
	}
}

// conclude prints the summary and chooses the exit of a run that signed
// in: 0 only when every job succeeded (ok or exists) and every file was
// written.
func (o *Options) conclude(ios *iostreams.IOStreams, summary *report.Summary, runErr, writeErr error) error {
	if o.JSON {
		enc := json.NewEncoder(ios.Out)
		enc.SetIndent("", "  ")
		_ = enc.Encode(summary)
	} else if !o.Quiet {
		summary.WriteText(ios.ErrOut)
	}
	var schemaErr *executor.SchemaError
	var gaveUp *pacer.GaveUpError
	again := "run again with --resume to finish"
	if o.Conn.Sim {
		again = "the simulator's state went with it, so a --sim run is not resumed: run it again whole"
	}
	switch {
	case errors.Is(runErr, executor.ErrInterrupted):
		return exit.With(exit.Interrupted, errors.New("interrupted: every row has its result; "+again))
	case errors.As(runErr, &gaveUp):
		return exit.With(exit.JobsFailed, fmt.Errorf("%s: every row has its result; %s", gaveUp.Reason, strings.Replace(again, "to finish", "when the service is back", 1)))
	case errors.As(runErr, &schemaErr):
		// Rows the service's schemas refuse: nothing was sent.
		return exit.With(exit.Invalid, runErr)
	case errors.Is(runErr, imanage.ErrAuthLost) && summary.Total.Succeeded() == summary.CarriedOver:
		// A ready token refused at the first call: nothing was done.
		return exit.With(exit.Unreachable, runErr)
	case runErr != nil:
		return exit.With(exit.JobsFailed, runErr)
	case writeErr != nil:
		return exit.With(exit.JobsFailed, writeErr)
	case !summary.Total.AllSucceeded():
		return exit.With(exit.JobsFailed, exit.ErrSilent)
	}
	return nil
}

// load reads and validates the manifests; any problem is exit 2 with
// nothing sent. It returns the jobs, --max-failures as a number, and how
// many warnings were printed.
func (o *Options) load(ctx context.Context, ios *iostreams.IOStreams) (*manifest.Manifest, int, int, error) {
	mo := o.Manifest
	if o.GenPasswords != "" {
		mo = withGeneratedPasswords(mo)
	}
	m, err := manifest.Load(ctx, o.Manifests, mo)
	if err != nil {
		return nil, 0, 0, exit.With(exit.Invalid, err)
	}
	nErrors, nWarnings := printProblems(ios, m)
	if nErrors > 0 {
		return nil, 0, 0, exit.With(exit.Invalid, exit.ErrSilent)
	}
	maxFailures, err := parseMaxFailures(o.MaxFailures, len(m.Jobs))
	if err != nil {
		return nil, 0, 0, exit.Usage(err)
	}
	return m, maxFailures, nWarnings, nil
}

// printProblems prints what was read of each workbook and the validation
// problems to standard error, one per line, and when there are errors a
// line saying nothing was sent; it returns how many are errors and
// warnings.
func printProblems(ios *iostreams.IOStreams, m *manifest.Manifest) (errs, warnings int) {
	for _, r := range m.Reads {
		fmt.Fprintln(ios.ErrOut, r.String())
	}
	for _, p := range m.Problems {
		fmt.Fprintln(ios.ErrOut, p.String())
		if p.Severity == manifest.Error {
			errs++
		} else {
			warnings++
		}
	}
	if errs > 0 {
		fmt.Fprintf(ios.ErrOut, "%s found; nothing was sent.\n", countOf(errs, "error", "errors"))
	}
	return errs, warnings
}

// runLog writes the --verbose log: one line per call attempt and per job
// outcome, through slog. Errors pass the redactor like every other output.
type runLog struct {
	l   *slog.Logger
	red *secret.Redactor
}

func newRunLog(verbose bool, ios *iostreams.IOStreams, red *secret.Redactor) *runLog {
	if !verbose {
		return &runLog{}
	}
	return &runLog{l: slog.New(slog.NewTextHandler(ios.ErrOut, nil)), red: red}
}

// call is the client's Observe hook.
func (g *runLog) call(info imanage.CallInfo) {
	if g.l == nil {
		return
	}
	attrs := []any{"op", info.Op, "delivery", info.Delivery.String(), "duration", info.Duration.Round(time.Millisecond)}
	if info.StatusCode != 0 {
		attrs = append(attrs, "http_status", info.StatusCode)
	}
	if info.Err != nil {
		attrs = append(attrs, "error", g.red.Redact(info.Err.Error()))
		g.l.Warn("call", attrs...)
		return
	}
	g.l.Info("call", attrs...)
}

func (g *runLog) job(oc executor.Outcome) {
	if g.l == nil {
		return
	}
	attrs := []any{"source", oc.Job.Source, "row", oc.Job.Row, "action", oc.Job.Action.Name, "key", oc.Key(),
		"status", string(oc.Status), "attempts", oc.Attempts}
	if oc.CarriedOver {
		attrs = append(attrs, "carried_over", true)
	}
	if oc.Err != nil {
		attrs = append(attrs, "error", g.red.Redact(oc.Err.Error()))
	}
	if oc.Result.Note != "" {
		attrs = append(attrs, "note", g.red.Redact(oc.Result.Note))
	}
	if oc.Status.Succeeded() {
		g.l.Info("job", attrs...)
		return
	}
	g.l.Warn("job", attrs...)
}

// schemaNotes records what the run read of the service's schemas in the
// summary, and says once, at once, where the service has no schema
// operation and the contract's shape stands in.
func schemaNotes(ios *iostreams.IOStreams, summary *report.Summary) func(*actions.Schemas) {
	return func(ss *actions.Schemas) {
		summary.SchemaReads = ss.Reads
		summary.SchemaFallbacks = ss.Fallbacks
		for _, op := range ss.Fallbacks {
			fmt.Fprintf(ios.ErrOut, "bulk: the service has no %s (404): its member follows the contract's shape (docs/contract.md)\n", op)
		}
	}
}
