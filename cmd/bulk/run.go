package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/ratelimit"
	"github.com/firmtools/bulk/internal/report"
)

func init() { subcommands = append(subcommands, newRunCmd) }

type runOptions struct {
	ios       *IOStreams
	Manifests []string
	Manifest  manifest.Options
	Conn      connOptions

	Out          string
	Journal      string
	Resume       bool
	RetryUnknown bool
	Fresh        bool
	AdoptJournal bool
	Concurrency  int
	RateLimit    string
	MaxAttempts  int
	MaxFailures  string
	Quiet        bool
	Verbose      bool
	JSON         bool
	GenPasswords string

	// Test hooks.
	clock     executor.Clock
	backoff   *executor.Backoff
	grace     time.Duration
	interrupt func(context.Context) (context.Context, context.CancelFunc)
	progress  time.Duration
	writeHook func(path string, w io.Writer) io.Writer // between the run and its result file or journal
}

func newRunCmd(ios *IOStreams) *cobra.Command { return newRunCmdWith(ios, nil) }

func newRunCmdWith(ios *IOStreams, runF func(*runOptions) error) *cobra.Command {
	o := &runOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "run MANIFEST...",
		Short: "Validate a manifest, then run its jobs against the service",
		Long: `Validate every row of the manifests, then run the jobs against the service:
a bounded pool of workers sharing one rate limiter (--rate-limit, the service's
100 calls per 60 seconds by default), retrying what is safe to retry, in
dependency order, writing one result row per job to --out as it ends.

If any row is invalid, nothing is sent and the exit code is 2.

The password comes from IMANAGE_PASSWORD, --password-file, or a prompt on a
terminal; a ready token from IMANAGE_TOKEN. Never from a flag.

` + exitCodesHelp,
		Example: `  bulk run samples/onboarding.csv --sim
  IMANAGE_PASSWORD=... bulk run joiners.xlsx --url cloudimanage.com --user admin --client-id bulk --set preferred_library=ACTIVE_US
  bulk run nightly.yaml --url cloudimanage.com --journal /var/lib/bulk/nightly.journal --resume`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Manifests = args
			if runF != nil {
				return runF(o)
			}
			return runRun(cmd.Context(), o)
		},
	}
	addManifestFlags(cmd, &o.Manifest)
	addConnFlags(cmd, &o.Conn)
	f := cmd.Flags()
	f.StringVar(&o.Out, "out", "", "result CSV (default <manifest name>.results.csv beside the manifest; .sim.results.csv with --sim)")
	f.StringVar(&o.Journal, "journal", "", "journal file (default beside the results: <name>.results.journal)")
	f.BoolVar(&o.Resume, "resume", false, "continue from the journal: jobs that ended ok or exists are not sent again")
	f.BoolVar(&o.RetryUnknown, "retry-unknown", false, "with --resume: repeat tabs and folders whose earlier outcome is unknown")
	f.BoolVar(&o.Fresh, "fresh", false, "discard an existing journal and start over")
	f.BoolVar(&o.AdoptJournal, "adopt-journal", false, "with --resume: accept a journal written by an older bulk (which names no service), or for a manifest since moved or renamed, as this run's")
	f.IntVar(&o.Concurrency, "concurrency", 4, "workers sending calls at once")
	f.StringVar(&o.RateLimit, "rate-limit", ratelimit.Default.String(), "the service's limit, N/DURATION")
	f.IntVar(&o.MaxAttempts, "max-attempts", 5, "attempts per job, first included")
	f.StringVar(&o.MaxFailures, "max-failures", "", "stop starting new jobs once more than N (or N%) of the jobs failed")
	f.BoolVar(&o.Quiet, "quiet", false, "no progress display and no summary (errors still go to standard error)")
	f.BoolVarP(&o.Verbose, "verbose", "v", false, "log every call and every job's outcome to standard error")
	f.BoolVar(&o.JSON, "json", false, "print the summary as JSON on standard output")
	f.StringVar(&o.GenPasswords, "generate-passwords", "", "make random passwords for new users with 'Create a password' and none given; write those of the users this run creates to this new file (mode 0600)")
	return cmd
}

// parseMaxFailures reads N or N% of total.
func parseMaxFailures(s string, total int) (int, error) {
	if s == "" {
		return 0, nil
	}
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f <= 0 || f > 100 {
			return 0, fmt.Errorf("--max-failures %q: a percentage must be above 0 and at most 100", s)
		}
		n := int(float64(total) * f / 100)
		return n, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("--max-failures %q: want a whole number of at least 1, or a percentage like 5%%", s)
	}
	return n, nil
}

func runRun(ctx context.Context, o *runOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	limit, err := o.check()
	if err != nil {
		return err
	}
	// Interruption, from here on: nothing new starts, calls in flight
	// finish. A reader of the output that goes away is one too.
	runCtx, stopSignals := o.interruptContext(ctx)
	defer stopSignals()
	runCtx, pipeClosed := context.WithCancel(runCtx)
	defer pipeClosed()
	ios := o.ios.stopOnClosedPipe(pipeClosed)

	// 1. Validate everything before a single call.
	m, maxFailures, warnings, err := loadRun(ctx, o, ios)
	if err != nil {
		return err
	}
	red, clock := &report.Redactor{}, o.clockOrReal()

	// 2. Journal and results: held, checked and seeded before sign-in.
	st, err := openRun(o, ios, m, red, clock)
	if err != nil {
		return err
	}
	defer st.release()
	st.summary.Warnings = warnings

	// 3. Sign in.
	pacer := executor.NewPacer(limit, clock)
	counters := &executor.Counters{}
	logger := runLogger(o, ios, red)
	conn, err := o.Conn.connect(runCtx, ios, limit, pacer.Wait, logger.call)
	if err != nil {
		return st.signInFailed(runCtx, err)
	}
	defer conn.close()
	for _, s := range conn.secrets {
		red.Add(s.Reveal())
	}
	if err := st.openJournal(executor.WriteOptions{Redactor: red, Clock: clock, Wrap: o.wrapWrite(st.loc.Journal)}); err != nil {
		return st.notStarted(runCtx, withExit(ExitJobsFailed, err))
	}

	// 4. Run.
	var stopProgress func()
	if !o.Quiet {
		stopProgress = executor.StartProgress(executor.ProgressOptions{
			// Log lines and a bar redrawn in place do not mix.
			Out: ios.ErrOut, Terminal: ios.ErrOutTTY && !o.Verbose, Counters: counters, Pacer: pacer, Interval: o.progress,
		})
	}
	backoff := executor.DefaultBackoff
	if o.backoff != nil {
		backoff = *o.backoff
	}
	start := clock.Now()
	runErr := executor.Run(runCtx, m.Jobs, executor.Options{
		Client:      conn.client,
		Pacer:       pacer,
		Clock:       clock,
		Concurrency: o.Concurrency,
		MaxAttempts: o.MaxAttempts,
		MaxFailures: maxFailures,
		Backoff:     backoff,
		Grace:       o.grace,
		Preset:      st.presets,
		Counters:    counters,
		OnSchemas:   schemaNotes(ios, st.summary),
		OnStart:     st.start,
		OnEnd: func(oc executor.Outcome) error {
			err := st.end(&oc)
			logger.job(oc)
			return err
		},
	})
	if stopProgress != nil {
		stopProgress()
	}
	summary := st.summary
	summary.Calls = pacer.Calls()
	summary.Throttled = counters.Throttled.Load()
	summary.Retries = counters.Retries.Load()
	summary.Finish(clock.Now().Sub(start))
	if runErr != nil {
		summary.Stopped = runErr.Error()
		summary.Interrupted = errors.Is(runErr, executor.ErrInterrupted)
	}
	if err := st.finish(ios); err != nil {
		return err
	}
	summary.PasswordFile, summary.Passwords = o.GenPasswords, st.passwords.Written()
	return o.conclude(ios, summary, runErr, st.passwords.Close())
}

// conclude prints the summary and chooses the exit of a run that signed
// in: 0 only when every job succeeded (ok or exists) and every file was
// written.
func (o *runOptions) conclude(ios *IOStreams, summary *report.Summary, runErr, writeErr error) error {
	if o.JSON {
		enc := json.NewEncoder(ios.Out)
		enc.SetIndent("", "  ")
		_ = enc.Encode(summary)
	} else if !o.Quiet {
		summary.WriteText(ios.ErrOut)
	}
	var schemaErr *executor.SchemaError
	switch {
	case errors.Is(runErr, executor.ErrInterrupted):
		return withExit(ExitInterrupted, errors.New("interrupted: every row has its result; run again with --resume to finish"))
	case errors.As(runErr, &schemaErr):
		// Rows the service's schemas refuse: nothing was sent.
		return withExit(ExitInvalid, runErr)
	case errors.Is(runErr, imanage.ErrAuthLost) && summary.Total.Succeeded() == summary.CarriedOver:
		// A ready token refused at the first call: nothing was done.
		return withExit(ExitUnreachable, runErr)
	case runErr != nil:
		return withExit(ExitJobsFailed, runErr)
	case writeErr != nil:
		return withExit(ExitJobsFailed, writeErr)
	case !summary.Total.AllSucceeded():
		return withExit(ExitJobsFailed, errSilent)
	}
	return nil
}

// check reads the flags that need no file and no service.
func (o *runOptions) check() (ratelimit.Limit, error) {
	limit, err := ratelimit.Parse(o.RateLimit)
	if err != nil {
		return limit, &usageError{fmt.Errorf("--rate-limit: %w", err)}
	}
	switch {
	case o.Concurrency < 1 || o.Concurrency > 64:
		return limit, &usageError{fmt.Errorf("--concurrency %d: want 1 to 64", o.Concurrency)}
	case o.MaxAttempts < 1 || o.MaxAttempts > 20:
		return limit, &usageError{fmt.Errorf("--max-attempts %d: want 1 to 20", o.MaxAttempts)}
	case o.Resume && o.Fresh:
		return limit, &usageError{errors.New("--resume and --fresh contradict each other: use one")}
	case o.AdoptJournal && !o.Resume:
		return limit, &usageError{errors.New("--adopt-journal only means something with --resume")}
	}
	return limit, nil
}

// loadRun reads and validates the manifests; any problem is exit 2 with
// nothing sent. It returns the jobs, --max-failures as a number, and how
// many warnings were printed.
func loadRun(ctx context.Context, o *runOptions, ios *IOStreams) (*manifest.Manifest, int, int, error) {
	if o.GenPasswords != "" {
		o.Manifest = withGeneratedPasswords(o.Manifest)
	}
	m, err := manifest.Load(ctx, o.Manifests, o.Manifest)
	if err != nil {
		return nil, 0, 0, withExit(ExitInvalid, err)
	}
	nErrors, nWarnings := printProblems(ios, m)
	if nErrors > 0 {
		return nil, 0, 0, withExit(ExitInvalid, errSilent)
	}
	maxFailures, err := parseMaxFailures(o.MaxFailures, len(m.Jobs))
	if err != nil {
		return nil, 0, 0, &usageError{err}
	}
	return m, maxFailures, nWarnings, nil
}

// clockOrReal is the test hook's clock, or the real one.
func (o *runOptions) clockOrReal() executor.Clock {
	if o.clock == nil {
		return executor.RealClock{}
	}
	return o.clock
}

// interruptContext is cancelled by Ctrl-C, SIGTERM and SIGHUP (an SSH
// session that drops), or by the test hook.
func (o *runOptions) interruptContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if o.interrupt != nil {
		return o.interrupt(ctx)
	}
	return interruptOnSignals(ctx)
}

// wrapWrite is the test hook that stands between a run and the file at
// path (a disk that fills); nil otherwise.
func (o *runOptions) wrapWrite(path string) func(io.Writer) io.Writer {
	if o.writeHook == nil {
		return nil
	}
	return func(w io.Writer) io.Writer { return o.writeHook(path, w) }
}

// printProblems prints what was read of each workbook and the validation
// problems to standard error, one per line,
// and when there are errors a line saying nothing was sent; it returns how
// many are errors and warnings.
func printProblems(ios *IOStreams, m *manifest.Manifest) (errs, warnings int) {
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
	red *report.Redactor
}

func runLogger(o *runOptions, ios *IOStreams, red *report.Redactor) *runLog {
	if !o.Verbose {
		return &runLog{}
	}
	return &runLog{l: slog.New(slog.NewTextHandler(ios.ErrOut, nil)), red: red}
}

// call is the client's Observe hook; nil when not verbose.
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
func schemaNotes(ios *IOStreams, summary *report.Summary) func(*actions.Schemas) {
	return func(ss *actions.Schemas) {
		summary.SchemaReads = ss.Reads
		summary.SchemaFallbacks = ss.Fallbacks
		for _, op := range ss.Fallbacks {
			fmt.Fprintf(ios.ErrOut, "bulk: the service has no %s (404): its member follows the contract's shape (docs/contract.md)\n", op)
		}
	}
}
