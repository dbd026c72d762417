package executor

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/pacer"
	"github.com/firmtools/bulk/internal/ratelimit"
)

// PlanSummary is what a run of the jobs would cost in calls.
type PlanSummary struct {
	Jobs       int            `json:"jobs"`
	PerAction  map[string]int `json:"per_action"` // jobs per action
	Calls      map[string]int `json:"calls"`      // service calls per action, pre-reads included
	TotalCalls int            `json:"total_calls"`
	// PreReads are the calls made before creating, once per group of rows,
	// to learn what already exists (create-lookup-alias: one
	// get-lookup-aliases per library, field and parent). Counted in Calls.
	PreReads int `json:"pre_reads"`
	// Found are the rows a pre-read will find already there (told by
	// validate --remote), which need no call of their own; not in Calls.
	Found int `json:"found,omitempty"`
	// SchemaReads are the service's schemas the run reads, once each,
	// before its first write (see actions.Dynamic); in TotalCalls.
	SchemaReads int           `json:"schema_reads"`
	Limit       int           `json:"limit"`  // calls admitted per Window
	Window      time.Duration `json:"window"` // e.g. one minute
	// Duration is the least time the calls take under Limit per Window
	// (pacer.Minimum: Limit at once, then Limit more each Window); the
	// service's answers add to it.
	Duration time.Duration `json:"duration"`
}

// Plan counts the calls a run of jobs makes, with the functions Run plans
// its own calls with: one per unit (identical reads, and rows an action
// batches, share one; see plan), one per pre-read group (see preReadKeys),
// one per schema (see schemaNeeds). A row whose object a pre-read finds
// needs no call of its own, and a call repeated after a failure is one
// more: the count is of the calls a run makes when every call succeeds
// and nothing is there yet. Duration is their least time under the limit.
func Plan(jobs []*manifest.Job, limit int, window time.Duration) PlanSummary {
	return PlanFound(jobs, limit, window, nil)
}

// PlanFound is Plan knowing which rows the service already has (found; nil
// is none): a row a pre-read will find makes no call of its own, as in
// the run.
func PlanFound(jobs []*manifest.Job, limit int, window time.Duration, found func(*manifest.Job) bool) PlanSummary {
	p := PlanSummary{PerAction: map[string]int{}, Calls: map[string]int{}, Limit: limit, Window: window, Jobs: len(jobs)}
	for _, j := range jobs {
		p.PerAction[j.Action.Name]++
	}
	units := plan(jobs, nil)
	calls := 0
	for _, u := range units {
		if found != nil && u.spec().PreRead != nil && len(u.jobs) == 1 && found(u.jobs[0]) {
			p.Found++
			continue
		}
		p.Calls[u.spec().Name]++
		calls++
	}
	for _, pr := range preReadKeys(units) {
		p.Calls[pr.spec.Name]++
		p.PreReads++
	}
	p.SchemaReads = len(schemaNeeds(jobs).List())
	p.TotalCalls = calls + p.PreReads + p.SchemaReads
	p.Duration = pacer.Minimum(ratelimit.Limit{N: limit, Window: window}, p.TotalCalls)
	return p
}

// plannedPreRead is a pre-read some unit needs: its action and key.
type plannedPreRead struct {
	spec *actions.Spec
	key  string
}

// preReadKeys are the distinct pre-reads units need, as far as is known
// before references are filled, in the order first needed.
func preReadKeys(units []*unit) []plannedPreRead {
	var out []plannedPreRead
	seen := map[string]bool{}
	for _, u := range units {
		g := preReadGroup(u, u.jobs[0].Values)
		if g == "" {
			continue
		}
		if key := preReadKey(u.spec(), g); !seen[key] {
			seen[key] = true
			out = append(out, plannedPreRead{spec: u.spec(), key: key})
		}
	}
	return out
}

// schemaNeeds are the distinct schemas the jobs' dynamic members need.
func schemaNeeds(jobs []*manifest.Job) *actions.SchemaNeeds {
	needs := &actions.SchemaNeeds{}
	for _, j := range jobs {
		needs.Add(j.Action, j.Values)
	}
	return needs
}

// String writes the plan for people: a line per action, then the total.
func (p PlanSummary) String() string {
	var b strings.Builder
	names := make([]string, 0, len(p.PerAction))
	for n := range p.PerAction {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(&b, "plan:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-27s %9s %9s\n", n, plural(p.PerAction[n], "job", "jobs"), plural(p.Calls[n], "call", "calls"))
	}
	if p.SchemaReads > 0 {
		fmt.Fprintf(&b, "  %-27s %9s %9s\n", "the service's schemas", "", plural(p.SchemaReads, "call", "calls"))
	}
	fmt.Fprintf(&b, "  %-27s %9s %9s\n", "total", plural(p.Jobs, "job", "jobs"), plural(p.TotalCalls, "call", "calls"))
	if p.PreReads > 0 {
		fmt.Fprintf(&b, "  the calls include %s of what already exists, made before creating\n", plural(p.PreReads, "read", "reads"))
	}
	if p.Found > 0 {
		fmt.Fprintf(&b, "  %s the reads will find already there make no call of their own\n", plural(p.Found, "row", "rows"))
	}
	if p.Limit > 0 {
		if p.TotalCalls <= p.Limit {
			fmt.Fprintf(&b, "at %d calls per %s: all at once, as fast as the service answers\n", p.Limit, p.Window)
		} else {
			fmt.Fprintf(&b, "at %d calls per %s (%d at once, then %d more each window): at least %s, and the service's answers\n",
				p.Limit, p.Window, p.Limit, p.Limit, roundDuration(p.Duration))
		}
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}
