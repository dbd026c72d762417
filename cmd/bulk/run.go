package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/ratelimit"
	"github.com/firmtools/bulk/internal/run"
)

const runLong = `Validate every row of the manifests, then run the jobs against the service:
a bounded pool of workers sharing one rate limiter (--rate-limit, the service's
100 calls per 60 seconds by default), retrying what is safe to retry, in
dependency order, writing one result row per job to --out as it ends.

If any row is invalid, nothing is sent and the exit code is 2.

The password comes from IMANAGE_PASSWORD, --password-file, the sign-in
'bulk login' kept, or a prompt on a terminal; a ready token from
IMANAGE_TOKEN. Never from a flag.

` + connHelp + `

` + exit.Help

func newRunCmd(ios *iostreams.IOStreams) *cobra.Command {
	return newRunCmdWith(ios, run.Run)
}

// newRunCmdWith is the run command calling runF with the options its flags
// and the environment give.
func newRunCmdWith(ios *iostreams.IOStreams, runF func(context.Context, *run.Options) error) *cobra.Command {
	o := &run.Options{IO: ios}
	var conn connFlags
	cmd := &cobra.Command{
		Use:   "run MANIFEST...",
		Short: "Validate a manifest, then run its jobs against the service",
		Long:  runLong,
		Example: `  bulk run samples/onboarding.csv --sim
  IMANAGE_PASSWORD=... bulk run joiners.xlsx --url cloudimanage.com --user admin --client-id bulk --set preferred_library=ACTIVE_US
  bulk run nightly.yaml --url cloudimanage.com --journal /var/lib/bulk/nightly.journal --resume`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Conn, err = conn.options(ios); err != nil {
				return err
			}
			o.Manifests, o.RateLimit = args, conn.rateLimit(cmd, o.RateLimit)
			return runF(cmd.Context(), o)
		},
	}
	addManifestFlags(cmd, &o.Manifest)
	addConnFlags(cmd, &conn)
	f := cmd.Flags()
	f.StringVar(&o.Out, "out", "", "result file, CSV or a workbook if it ends .xlsx (default <manifest name>.results.csv beside the manifest; .sim.results.csv with --sim)")
	f.StringVar(&o.Report, "report", "", "also write the run as one self-contained HTML page (summary, calls against the limit, rows to look at)")
	f.StringVar(&o.Journal, "journal", "", "journal file (default beside the results: <name>.results.journal)")
	f.BoolVar(&o.Resume, "resume", false, "continue from the journal: jobs that ended ok or exists are not sent again")
	f.BoolVar(&o.RetryUnknown, "retry-unknown", false, "with --resume: repeat tabs and folders whose earlier outcome is unknown")
	f.BoolVar(&o.Fresh, "fresh", false, "discard an existing journal and start over")
	f.BoolVar(&o.AdoptJournal, "adopt-journal", false, "with --resume: accept a journal written by an older bulk (which names no service), or for a manifest since moved or renamed, as this run's")
	f.IntVar(&o.Concurrency, "concurrency", run.DefaultConcurrency, "workers sending calls at once")
	f.StringVar(&o.RateLimit, "rate-limit", ratelimit.Default.String(), "the service's limit, N/DURATION (else the profile's rate_limit)")
	f.IntVar(&o.MaxAttempts, "max-attempts", run.DefaultMaxAttempts, "attempts per job, first included (429s and outages are not attempts)")
	f.DurationVar(&o.MaxHold, "max-hold", run.DefaultMaxHold, "end the run cleanly (rows not done skipped, --resume later) if the service asks to wait longer, or answers only 429 for longer")
	f.DurationVar(&o.MaxOutage, "max-outage", run.DefaultMaxOutage, "end the run cleanly if the service fails for every job (5xx, refused connections, timeouts) for longer")
	f.StringVar(&o.MaxFailures, "max-failures", "", "stop starting new jobs once more than N (or N% of the jobs, rounded up) failed")
	f.BoolVar(&o.Quiet, "quiet", false, "no progress display and no summary (errors still go to standard error)")
	f.BoolVarP(&o.Verbose, "verbose", "v", false, "log every call and every job's outcome to standard error")
	f.BoolVar(&o.JSON, "json", false, "print the summary as JSON on standard output")
	f.StringVar(&o.GenPasswords, "generate-passwords", "", "make random passwords for new users with 'Create a password' and none given; write those of the users this run creates to this new file (mode 0600)")
	return cmd
}
