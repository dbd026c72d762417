package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/pacer"
	"github.com/firmtools/bulk/internal/ratelimit"
	"github.com/firmtools/bulk/internal/remote"
)

// ValidateOptions are what `bulk validate` was asked.
type ValidateOptions struct {
	IO        *iostreams.IOStreams
	Manifests []string
	Manifest  manifest.Options
	Format    string // text or json
	Remote    bool   // also ask the service, read-only, and print the plan
	RateLimit string // N/DURATION, for the plan's time
	// GenPasswords: "Create a password" rows may leave the password
	// empty, as bulk run --generate-passwords fills it in.
	GenPasswords string
	Conn         connect.Options // the service, with Remote

	// Connect signs in for Remote and returns the read-only client and
	// what releases it; nil is connect.Open with Conn. A test gives a fake
	// service.
	Connect func(ctx context.Context, limit ratelimit.Limit) (remote.Service, func(), error)
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
	// Unchecked are the further properties (MEMBER.NAME) an offline
	// check could not hold to the service's schemas.
	Unchecked []string `json:"unchecked_properties,omitempty"`

	plan *executor.PlanSummary // the plan as text
}

type planJSON struct {
	Calls           map[string]int `json:"calls"`
	TotalCalls      int            `json:"total_calls"`
	SchemaReads     int            `json:"schema_reads"`
	Found           int            `json:"found"` // rows already there: no call of their own
	RateLimit       string         `json:"rate_limit"`
	DurationSeconds float64        `json:"duration_seconds"`
}

// Validate reads the manifests and reports every problem, before anything
// is sent; with Remote it also asks the service whether what the jobs name
// exists, and prints the plan. Invalid manifests are exit 2.
func Validate(ctx context.Context, o *ValidateOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	mo := o.Manifest
	if o.GenPasswords != "" {
		mo = withGeneratedPasswords(mo)
	}
	rep := &validateReport{Problems: []manifest.Problem{}, Read: []manifest.Read{}}
	var err error
	if o.Remote {
		err = o.validateRemote(ctx, mo, rep)
	} else {
		err = validateOffline(ctx, o.Manifests, mo, rep)
	}
	if err != nil {
		return err
	}
	rep.count()
	if err := rep.write(o.IO.Out, o.Format); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if !rep.Valid {
		return exit.With(exit.Invalid, exit.ErrSilent)
	}
	return nil
}

// validateOffline streams the manifests: a big CSV is never held whole;
// only its problems are.
func validateOffline(ctx context.Context, paths []string, mo manifest.Options, rep *validateReport) error {
	sum, err := manifest.Validate(ctx, paths, mo, func(p manifest.Problem) {
		rep.Problems = append(rep.Problems, p)
	})
	if err != nil {
		return manifestError(err)
	}
	rep.Jobs, rep.PerAction, rep.Read = sum.Jobs, sum.PerAction, append(rep.Read, sum.Reads...)
	rep.Unchecked = sum.Properties
	return nil
}

// validateRemote loads the manifests, asks the service about them, and
// plans their calls.
func (o *ValidateOptions) validateRemote(ctx context.Context, mo manifest.Options, rep *validateReport) error {
	limit, err := ratelimit.Parse(o.RateLimit)
	if err != nil {
		return exit.Usage(fmt.Errorf("--rate-limit: %w", err))
	}
	m, err := manifest.Load(ctx, o.Manifests, mo)
	if err != nil {
		return manifestError(err)
	}
	svc, release, err := o.connect(ctx, limit)
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
		return exit.With(exit.Unreachable, fmt.Errorf("remote checks: %w", err))
	}
	rep.Problems = append(m.Problems, rr.Problems...)
	rep.Read = append(rep.Read, m.Reads...)
	rep.Remote, rep.Existing = &rr.Stats, rr.Found
	p := executor.PlanFound(m.Jobs, limit.N, limit.Window, foundBy(rr.Found))
	rep.plan = &p
	rep.Jobs, rep.PerAction = p.Jobs, p.PerAction
	rep.Plan = &planJSON{Calls: p.Calls, TotalCalls: p.TotalCalls, SchemaReads: p.SchemaReads, Found: p.Found, RateLimit: limit.String(), DurationSeconds: p.Duration.Seconds()}
	return nil
}

// foundBy tells the rows the remote checks found already there (as the
// row asks, or in conflict): a run's pre-read finds them too.
func foundBy(found []remote.Found) func(*manifest.Job) bool {
	type at struct {
		file string
		row  int
	}
	there := map[at]bool{}
	for _, f := range found {
		if f.Status == string(executor.StatusExists) || f.Status == string(executor.StatusConflict) {
			there[at{f.File, f.Row}] = true
		}
	}
	return func(j *manifest.Job) bool { return there[at{j.Source, j.Row}] }
}

// connect signs in for the remote checks, whose reads count against the
// same limit as a run's.
func (o *ValidateOptions) connect(ctx context.Context, limit ratelimit.Limit) (remote.Service, func(), error) {
	if o.Connect != nil {
		return o.Connect(ctx, limit)
	}
	p := pacer.New(limit, nil, pacer.Settings{})
	conn, err := connect.Open(ctx, o.IO, o.Conn, connect.Use{Limit: limit, Pace: executor.Pace(p)})
	if err != nil {
		return nil, nil, err
	}
	return conn.Client, conn.Close, nil
}

// manifestError gives a manifest that cannot be read, or bad options, the
// exit code of an invalid manifest.
func manifestError(err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, manifest.ErrUsage):
		return exit.Usage(err)
	}
	return exit.With(exit.Invalid, err)
}

// count sorts the problems and counts errors and warnings.
func (rep *validateReport) count() {
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
}

func (rep *validateReport) write(w io.Writer, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.writeText(w)
}

func (rep *validateReport) writeText(w io.Writer) error {
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
		rep.writeExisting(&b)
		fmt.Fprintf(&b, "remote checks: %s to the service\n", countOf(rep.Remote.Calls, "lookup", "lookups"))
		for _, op := range rep.Remote.SchemaFallbacks {
			fmt.Fprintf(&b, "the service has no %s: %s was checked against the contract's shape\n", op, actions.MemberOf(op))
		}
	}
	if len(rep.Unchecked) > 0 {
		fmt.Fprintf(&b, "not checked offline: %s, the tenant's own properties; 'bulk validate --remote' holds them to the service's schemas, as a run does before its first write\n",
			strings.Join(rep.Unchecked, ", "))
	}
	if rep.plan != nil {
		b.WriteString(rep.plan.String())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeExisting lists the rows the service already has (conflicts are
// problems too, listed above) and counts them.
func (rep *validateReport) writeExisting(b *strings.Builder) {
	for _, f := range rep.Existing {
		if f.Status != string(executor.StatusConflict) {
			b.WriteString(f.String())
			b.WriteByte('\n')
		}
	}
	st := rep.Remote
	if st.Exists+st.Conflicts+st.Unknown == 0 {
		b.WriteString("already in the service: none of the rows\n")
		return
	}
	asks := fmt.Sprintf("%d as the row asks", st.Exists)
	if st.ExistsNotCompared > 0 {
		asks = fmt.Sprintf("%d as the row asks in all the service showed (%d of them with fields it did not show, not compared)", st.Exists, st.ExistsNotCompared)
	}
	fmt.Fprintf(b, "already in the service: %s (a run ends them exists, exit 0), %d otherwise (a run ends them conflict, exit 1)",
		asks, st.Conflicts)
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
