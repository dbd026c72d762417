package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/remote"
)

func init() { subcommands = append(subcommands, newValidateCmd) }

// connectRemote signs in to the service for `bulk validate --remote` and
// returns the read-only client and a function that releases it. The
// connection flags belong to another file, which sets this hook (and
// addRemoteFlags); nil means this build cannot reach the service.
var connectRemote func(cmd *cobra.Command, ios *IOStreams) (remote.Service, func(), error)

// addRemoteFlags, when set, adds the connection flags connectRemote reads
// to the validate command.
var addRemoteFlags func(cmd *cobra.Command)

type validateOptions struct {
	IO        *IOStreams
	Manifests []string
	Manifest  manifest.Options
	Format    string // text or json
	Remote    bool
	RateLimit string
	// GenPasswords: "Create a password" rows may leave the password
	// empty, as bulk run --generate-passwords fills it in.
	GenPasswords string

	cmd *cobra.Command // for connectRemote, which reads the connection flags
}

func newValidateCmd(ios *IOStreams) *cobra.Command { return newValidateCmdWith(ios, nil) }

func newValidateCmdWith(ios *IOStreams, runF func(*validateOptions) error) *cobra.Command {
	o := &validateOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "validate MANIFEST...",
		Short: "Check manifests offline and report every problem, before anything is sent",
		Long: `Validate reads CSV files, .xlsx workbooks and YAML manifests and checks every
row against the rules of its action (see 'bulk actions ACTION'), offline.
Every problem is reported, sorted, one per line:

  FILE:ROW:COLUMN: FIELD: MESSAGE

then a count. Exit 0 when the manifests are valid (warnings allowed), 2 when
not. Nothing is sent to the service, unless --remote asks it read-only
questions: do the libraries, roles, lookup aliases and My Matters categories
exist. --remote also prints the plan: jobs and calls per action, and the time
the calls take at --rate-limit.`,
		Example: `  bulk validate users.csv --action create-user --set preferred_library=ACTIVE_US
  bulk validate hr.xlsx --sheet Leavers --action update-custom-field
  bulk validate manifest.yaml --format json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Manifests = args
			o.cmd = cmd
			switch o.Format {
			case "text", "json":
			default:
				return &usageError{fmt.Errorf("--format %q: want text or json", o.Format)}
			}
			if runF != nil {
				return runF(o)
			}
			return runValidate(cmd.Context(), o)
		},
	}
	addManifestFlags(cmd, &o.Manifest)
	f := cmd.Flags()
	f.StringVar(&o.Format, "format", "text", "output format: text or json")
	f.BoolVar(&o.Remote, "remote", false, "also check, read-only, that what the jobs name exists in the service, and print the plan")
	f.StringVar(&o.RateLimit, "rate-limit", executor.DefaultRateLimit.String(), "the service's limit, N/DURATION, for the plan's time")
	f.StringVar(&o.GenPasswords, "generate-passwords", "", "validate as 'bulk run --generate-passwords' will run: 'Create a password' rows may have no password (nothing is written)")
	f.Lookup("generate-passwords").NoOptDefVal = "yes"
	if addRemoteFlags != nil {
		addRemoteFlags(cmd)
	}
	return cmd
}

// validateReport is what --format json prints.
type validateReport struct {
	Valid     bool               `json:"valid"`
	Jobs      int                `json:"jobs"`
	PerAction map[string]int     `json:"per_action"`
	Errors    int                `json:"errors"`
	Warnings  int                `json:"warnings"`
	Read      []manifest.Read    `json:"read"`
	Problems  []manifest.Problem `json:"problems"`
	Remote    *remote.Stats      `json:"remote,omitempty"`
	// Existing are the rows whose object the service already has (or may:
	// status unknown), with --remote.
	Existing []remote.Found `json:"existing,omitempty"`
	Plan     *planJSON      `json:"plan,omitempty"`
}

type planJSON struct {
	Calls           map[string]int `json:"calls"`
	TotalCalls      int            `json:"total_calls"`
	SchemaReads     int            `json:"schema_reads"`
	RateLimit       string         `json:"rate_limit"`
	DurationSeconds float64        `json:"duration_seconds"`
}

func runValidate(ctx context.Context, o *validateOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	rep := validateReport{Problems: []manifest.Problem{}, Read: []manifest.Read{}}
	if o.GenPasswords != "" {
		o.Manifest = withGeneratedPasswords(o.Manifest)
	}
	var plan *executor.PlanSummary
	if !o.Remote {
		// Streaming: a big CSV is never held whole; only its problems are.
		sum, err := manifest.Validate(ctx, o.Manifests, o.Manifest, func(p manifest.Problem) {
			rep.Problems = append(rep.Problems, p)
		})
		if err != nil {
			return manifestError(err)
		}
		rep.Jobs, rep.PerAction = sum.Jobs, sum.PerAction
		rep.Read = append(rep.Read, sum.Reads...)
	} else {
		limit, err := executor.ParseRateLimit(o.RateLimit)
		if err != nil {
			return &usageError{fmt.Errorf("--rate-limit: %w", err)}
		}
		if connectRemote == nil {
			return &usageError{errors.New("--remote needs the service connection, not available in this build")}
		}
		m, err := manifest.Load(ctx, o.Manifests, o.Manifest)
		if err != nil {
			return manifestError(err)
		}
		svc, release, err := connectRemote(o.cmd, o.IO)
		if err != nil {
			return err
		}
		if release != nil {
			defer release()
		}
		rr, err := remote.Check(ctx, m, svc)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return err
			}
			return withExit(ExitUnreachable, fmt.Errorf("remote checks: %w", err))
		}
		rep.Problems = append(m.Problems, rr.Problems...)
		rep.Read = append(rep.Read, m.Reads...)
		rep.Remote, rep.Existing = &rr.Stats, rr.Found
		p := executor.Plan(m.Jobs, limit.N, limit.Window)
		plan = &p
		rep.Jobs, rep.PerAction = p.Jobs, p.PerAction
		rep.Plan = &planJSON{Calls: p.Calls, TotalCalls: p.TotalCalls, SchemaReads: p.SchemaReads, RateLimit: limit.String(), DurationSeconds: p.Duration.Seconds()}
	}
	manifest.SortProblems(rep.Problems)
	for _, p := range rep.Problems {
		if p.Severity == manifest.Warning {
			rep.Warnings++
		} else {
			rep.Errors++
		}
	}
	rep.Valid = rep.Errors == 0
	if rep.PerAction == nil {
		rep.PerAction = map[string]int{}
	}
	if o.Format == "json" {
		enc := json.NewEncoder(o.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
	} else if err := writeValidateText(o.IO.Out, rep, plan); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if !rep.Valid {
		return withExit(ExitInvalid, errSilent)
	}
	return nil
}

// manifestError gives a manifest that cannot be read, or bad options, the
// exit code of an invalid manifest.
func manifestError(err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, manifest.ErrUsage):
		return &usageError{err}
	}
	return withExit(ExitInvalid, err)
}

func writeValidateText(w io.Writer, rep validateReport, plan *executor.PlanSummary) error {
	var b strings.Builder
	for _, r := range rep.Read {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	for _, p := range rep.Problems {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	jobs := fmt.Sprintf("%s%s", countOf(rep.Jobs, "job", "jobs"), actionCounts(rep.PerAction))
	switch {
	case !rep.Valid:
		fmt.Fprintf(&b, "invalid: %s", countOf(rep.Errors, "error", "errors"))
		if rep.Warnings > 0 {
			fmt.Fprintf(&b, ", %s", countOf(rep.Warnings, "warning", "warnings"))
		}
		fmt.Fprintf(&b, " in %s\n", jobs)
	case rep.Warnings > 0:
		fmt.Fprintf(&b, "valid: %s, %s\n", jobs, countOf(rep.Warnings, "warning", "warnings"))
	default:
		fmt.Fprintf(&b, "valid: %s\n", jobs)
	}
	if rep.Remote != nil {
		writeExisting(&b, rep)
		fmt.Fprintf(&b, "remote checks: %s to the service\n", countOf(rep.Remote.Calls, "lookup", "lookups"))
		for _, op := range rep.Remote.SchemaFallbacks {
			fmt.Fprintf(&b, "the service has no %s: %s was checked against the contract's shape\n", op, actions.MemberOf(op))
		}
	}
	if plan != nil {
		b.WriteString(plan.String())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeExisting lists the rows the service already has (conflicts are
// problems too, listed above) and counts them.
func writeExisting(b *strings.Builder, rep validateReport) {
	for _, f := range rep.Existing {
		if f.Status != "conflict" {
			b.WriteString(f.String())
			b.WriteByte('\n')
		}
	}
	st := rep.Remote
	if st.Exists+st.Conflicts+st.Unknown == 0 {
		b.WriteString("already in the service: none of the rows\n")
		return
	}
	fmt.Fprintf(b, "already in the service: %d as the row asks (the run ends it exists, exit 0), %d otherwise (conflict, exit 1)",
		st.Exists, st.Conflicts)
	if st.Unknown > 0 {
		fmt.Fprintf(b, ", %d the service would not say", st.Unknown)
	}
	b.WriteString("\n")
}

func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// actionCounts writes " (create-user 3, add-tab 1)", by name.
func actionCounts(per map[string]int) string {
	if len(per) == 0 {
		return ""
	}
	names := make([]string, 0, len(per))
	for n := range per {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, per[n])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
