package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/manifest"
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
	f.StringVar(&o.Out, "out", "", "result CSV (default <manifest name>.results.csv in the current directory)")
	f.StringVar(&o.Journal, "journal", "", "journal file (default beside the results: <name>.results.journal)")
	f.BoolVar(&o.Resume, "resume", false, "continue from the journal: jobs that ended ok or exists are not sent again")
	f.BoolVar(&o.RetryUnknown, "retry-unknown", false, "with --resume: repeat tabs and folders whose earlier outcome is unknown")
	f.BoolVar(&o.Fresh, "fresh", false, "discard an existing journal and start over")
	f.IntVar(&o.Concurrency, "concurrency", 4, "workers sending calls at once")
	f.StringVar(&o.RateLimit, "rate-limit", executor.DefaultRateLimit.String(), "the service's limit, N/DURATION")
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

// defaultOut is <first manifest's name>.results.csv in the current directory.
func defaultOut(manifests []string) string {
	base := filepath.Base(manifests[0])
	return strings.TrimSuffix(base, filepath.Ext(base)) + ".results.csv"
}

func defaultJournal(out string) string {
	return strings.TrimSuffix(out, filepath.Ext(out)) + ".journal"
}

func runRun(ctx context.Context, o *runOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ios := o.ios
	limit, err := executor.ParseRateLimit(o.RateLimit)
	if err != nil {
		return &usageError{fmt.Errorf("--rate-limit: %w", err)}
	}
	if o.Concurrency < 1 || o.Concurrency > 64 {
		return &usageError{fmt.Errorf("--concurrency %d: want 1 to 64", o.Concurrency)}
	}
	if o.MaxAttempts < 1 || o.MaxAttempts > 20 {
		return &usageError{fmt.Errorf("--max-attempts %d: want 1 to 20", o.MaxAttempts)}
	}
	if o.Resume && o.Fresh {
		return &usageError{errors.New("--resume and --fresh contradict each other: use one")}
	}

	// 1. Validate everything before a single call.
	if o.GenPasswords != "" {
		o.Manifest = withGeneratedPasswords(o.Manifest)
	}
	m, err := manifest.Load(ctx, o.Manifests, o.Manifest)
	if err != nil {
		return withExit(ExitInvalid, err)
	}
	nErrors, nWarnings := printProblems(ios, m)
	if nErrors > 0 {
		return withExit(ExitInvalid, errSilent)
	}
	maxFailures, err := parseMaxFailures(o.MaxFailures, len(m.Jobs))
	if err != nil {
		return &usageError{err}
	}
	red := &report.Redactor{}
	var passwords *executor.Passwords
	if o.GenPasswords != "" {
		if passwords, err = newPasswords(o.GenPasswords, m.Jobs); err != nil {
			return withExit(ExitInvalid, err)
		}
		defer passwords.Close()
	}
	for _, j := range m.Jobs {
		for _, s := range j.Secrets {
			red.Add(s.Reveal())
		}
	}

	// 2. Journal and results.
	out := o.Out
	if out == "" {
		out = defaultOut(o.Manifests)
	}
	jpath := o.Journal
	if jpath == "" {
		jpath = defaultJournal(out)
	}
	clock := o.clock
	if clock == nil {
		clock = executor.RealClock{}
	}
	keys := executor.JobKeys(m.Jobs)
	var presets map[int]executor.Preset
	if o.Resume {
		entries, err := executor.ReadJournal(jpath)
		if err != nil {
			return withExit(ExitInvalid, err)
		}
		presets = executor.Presets(m.Jobs, keys, entries, o.RetryUnknown)
	}
	// The in-process simulator starts empty every time, so an old journal
	// says nothing about it.
	fresh := o.Fresh || (o.Conn.Sim && !o.Resume)
	journal, err := executor.OpenJournal(jpath, o.Resume, fresh, red, clock)
	if err != nil {
		return withExit(ExitInvalid, err)
	}
	defer journal.Close()
	results, err := report.Create(out, red)
	if err != nil {
		return withExit(ExitInvalid, err)
	}
	summary := &report.Summary{ResultFile: out, JournalFile: jpath, Warnings: nWarnings}
	var resultErr error
	record := func(oc executor.Outcome) {
		if err := results.Add(resultRow(oc)); err != nil && resultErr == nil {
			resultErr = err
			fmt.Fprintf(ios.ErrOut, "bulk: %v\n", err)
		}
		summary.Count(oc.Job.Action.Name, oc.Status)
		if oc.CarriedOver && oc.Status.Succeeded() {
			summary.CarriedOver++
		}
	}

	// 3. Interruption: nothing new starts, calls in flight finish.
	interrupt := o.interrupt
	if interrupt == nil {
		interrupt = func(ctx context.Context) (context.Context, context.CancelFunc) {
			return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		}
	}
	runCtx, stopSignals := interrupt(ctx)
	defer stopSignals()

	// 4. Sign in.
	pacer := executor.NewPacer(limit, clock)
	counters := &executor.Counters{}
	logger := runLogger(o, ios, red)
	conn, err := o.Conn.connect(runCtx, ios, limit, pacer.Wait, logger.call)
	if err != nil {
		code := exitCodeFor(err)
		if code == ExitInvalid || errors.Is(err, errNoPassword) {
			results.Close()
			os.Remove(out)
			return err
		}
		for _, j := range m.Jobs {
			oc := executor.Outcome{Job: j, Status: report.StatusSkipped, Err: fmt.Errorf("not started: %v", err)}
			if p := presets[j.Index]; p.Outcome != nil {
				oc = *p.Outcome
				oc.Job = j
			}
			record(oc)
		}
		if cerr := results.Close(); cerr != nil {
			return cerr
		}
		if runCtx.Err() != nil {
			return withExit(ExitInterrupted, errors.New("interrupted while signing in"))
		}
		return err
	}
	defer conn.close()
	for _, s := range conn.secrets {
		red.Add(s.Reveal())
	}

	// 5. Run.
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
		Preset:      presets,
		Counters:    counters,
		OnSchemas:   schemaNotes(ios, summary),
		OnStart: func(j *manifest.Job) error {
			if err := passwords.Before(j); err != nil {
				return err
			}
			return journal.Start(keys[j.Index], j)
		},
		OnEnd: func(oc executor.Outcome) {
			// The password is on disk before the journal says the user was made.
			if err := passwords.Record(&oc); err != nil {
				fmt.Fprintf(ios.ErrOut, "bulk: %v\n", err)
			}
			if !oc.CarriedOver {
				if err := journal.End(keys[oc.Job.Index], oc); err != nil {
					fmt.Fprintf(ios.ErrOut, "bulk: %v\n", err)
				}
			}
			record(oc)
			logger.job(oc)
		},
	})
	if stopProgress != nil {
		stopProgress()
	}
	summary.Calls, summary.Throttled, summary.Retries = pacer.Calls(), counters.Throttled.Load(), counters.Retries.Load()
	summary.Finish(clock.Now().Sub(start))
	if runErr != nil {
		summary.Stopped = runErr.Error()
		summary.Interrupted = errors.Is(runErr, executor.ErrInterrupted)
	}
	if err := results.Close(); err != nil {
		return err
	}
	summary.PasswordFile, summary.Passwords = o.GenPasswords, passwords.Written()
	if err := journal.Close(); err != nil {
		fmt.Fprintf(ios.ErrOut, "bulk: closing journal: %v\n", err)
	} else if err := executor.CompactJournal(jpath, m.Jobs, keys); err != nil {
		fmt.Fprintf(ios.ErrOut, "bulk: %v (the journal is whole, only larger)\n", err)
	}
	if o.JSON {
		enc := json.NewEncoder(ios.Out)
		enc.SetIndent("", "  ")
		_ = enc.Encode(summary)
	} else if !o.Quiet {
		summary.WriteText(ios.ErrOut)
	}
	if resultErr == nil {
		resultErr = passwords.Close()
	}
	return runExit(runErr, resultErr, summary)
}

// runExit chooses the exit code of a run that signed in: 0 only when every
// job succeeded (ok or exists) and every file was written.
func runExit(runErr, writeErr error, summary *report.Summary) error {
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

// resultRow turns an outcome into its result CSV row.
func resultRow(oc executor.Outcome) report.Row {
	j := oc.Job
	r := report.Row{Source: j.Source, Row: j.Row, Index: j.Index, Action: j.Action.Name, Key: oc.Key(),
		Status: oc.Status, Attempts: oc.Attempts, ObjectID: oc.Result.ObjectID, Note: oc.Result.Note}
	if oc.Err != nil {
		r.Error = oc.Err.Error()
		if e, ok := imanage.AsError(oc.Err); ok {
			if e.StatusCode != 0 {
				r.HTTPStatus = strconv.Itoa(e.StatusCode)
			}
			r.ErrorCode = e.Code
		}
	}
	if oc.Result.UserCreated != nil {
		r.UserCreated = strconv.FormatBool(*oc.Result.UserCreated)
	}
	if oc.Result.UserNum != nil {
		r.UserNum = strconv.FormatInt(*oc.Result.UserNum, 10)
	}
	if oc.Result.Output != nil {
		if b, err := json.Marshal(oc.Result.Output); err == nil && string(b) != "null" {
			r.Output = string(b)
		}
	}
	return r
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
