package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/ratelimit"
	"github.com/firmtools/bulk/internal/run"
)

const validateLong = `Validate reads CSV files, .xlsx workbooks and YAML manifests and checks every
row against the rules of its action (see 'bulk actions ACTION'), offline.
Every problem is reported, sorted, one per line:

  FILE:ROW:COLUMN: FIELD: MESSAGE

then a count. Exit 0 when the manifests are valid (warnings allowed), 2 when
not. Nothing is sent to the service, unless --remote asks it read-only
questions: do the libraries, roles, lookup aliases and My Matters categories
exist. --remote also prints the plan: jobs and calls per action, and the time
the calls take at --rate-limit.`

func newValidateCmd(ios *iostreams.IOStreams) *cobra.Command {
	return newValidateCmdWith(ios, run.Validate)
}

// newValidateCmdWith is the validate command calling runF with the options
// its flags and the environment give.
func newValidateCmdWith(ios *iostreams.IOStreams, runF func(context.Context, *run.ValidateOptions) error) *cobra.Command {
	o := &run.ValidateOptions{IO: ios}
	var conn connFlags
	cmd := &cobra.Command{
		Use:   "validate MANIFEST...",
		Short: "Check manifests offline and report every problem, before anything is sent",
		Long:  validateLong,
		Example: `  bulk validate users.csv --action create-user --set preferred_library=ACTIVE_US
  bulk validate hr.xlsx --sheet Leavers --action update-custom-field
  bulk validate manifest.yaml --format json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Format != "text" && o.Format != "json" {
				return exit.Usage(fmt.Errorf("--format %q: want text or json", o.Format))
			}
			o.Manifests = args
			if f := conn.simulatorFlag(); !o.Remote && (f != "" || conn.sim) {
				if f == "" {
					f = "--sim"
				}
				// Offline, nothing talks to a service: it would do nothing.
				return exit.Usage(fmt.Errorf("%s is for the remote checks: add --remote, or leave it out", f))
			}
			if o.Remote { // offline, no profile is read
				var err error
				if o.Conn, err = conn.options(ios); err != nil {
					return err
				}
				o.RateLimit = conn.rateLimit(cmd, o.RateLimit)
			}
			return runF(cmd.Context(), o)
		},
	}
	addManifestFlags(cmd, &o.Manifest)
	f := cmd.Flags()
	f.StringVar(&o.Format, "format", "text", "output format: text or json")
	f.BoolVar(&o.Remote, "remote", false, "also check, read-only, that what the jobs name exists in the service, and print the plan")
	f.StringVar(&o.RateLimit, "rate-limit", ratelimit.Default.String(), "the service's limit, N/DURATION, for the plan's time")
	f.StringVar(&o.GenPasswords, "generate-passwords", "", "validate as 'bulk run --generate-passwords' will run: 'Create a password' rows may have no password (nothing is written)")
	f.Lookup("generate-passwords").NoOptDefVal = "yes"
	addConnFlags(cmd, &conn)
	return cmd
}
