package manifest

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// PlanSummary is what a run of the manifest would cost.
type PlanSummary struct {
	Jobs       int            `json:"jobs"`
	PerAction  map[string]int `json:"per_action"` // jobs per action
	Calls      map[string]int `json:"calls"`      // service calls per action, pre-reads included
	TotalCalls int            `json:"total_calls"`
	// PreReads are the calls made before creating, once per group of rows,
	// to learn what already exists (create-lookup-alias: one
	// get-lookup-aliases per library, field and parent). Counted in Calls.
	PreReads int           `json:"pre_reads"`
	Limit    int           `json:"limit"`  // calls admitted per Window
	Window   time.Duration `json:"window"` // e.g. one minute
	// Duration is the time the calls take at an even pace of Limit per
	// Window, the first one at once; the service's answers add to it.
	Duration time.Duration `json:"duration"`
}

// Plan counts the jobs and the calls a run needs, and how long the calls
// take at the rate limit. Every job is one call, except that the executor
// sends add-my-matters-shortcuts rows with the same user_id and
// category_id as one call, and an action with a pre-read adds one read per
// group of rows (a row whose object is already there then needs no call of
// its own, so this is the most the run makes).
func Plan(m *Manifest, limit int, window time.Duration) PlanSummary {
	p := PlanSummary{PerAction: map[string]int{}, Calls: map[string]int{}, Limit: limit, Window: window}
	shortcuts := map[string]bool{}
	preReads := map[string]bool{}
	for _, j := range m.Jobs {
		p.Jobs++
		name := j.Action.Name
		p.PerAction[name]++
		if pr := j.Action.PreRead; pr != nil {
			if g := pr.Group(j.Values); g != "" && !preReads[name+"\x00"+g] {
				preReads[name+"\x00"+g] = true
				p.PreReads++
				p.Calls[name]++
				p.TotalCalls++
			}
		}
		if name == "add-my-matters-shortcuts" {
			key := j.Values["user_id"] + "\x00" + j.Values["category_id"]
			if shortcuts[key] {
				continue
			}
			shortcuts[key] = true
		}
		p.Calls[name]++
		p.TotalCalls++
	}
	if limit > 0 && p.TotalCalls > 1 {
		p.Duration = time.Duration(int64(p.TotalCalls-1) * int64(window) / int64(limit))
	}
	return p
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
	fmt.Fprintf(&b, "  %-27s %9s %9s\n", "total", plural(p.Jobs, "job", "jobs"), plural(p.TotalCalls, "call", "calls"))
	if p.PreReads > 0 {
		fmt.Fprintf(&b, "  the calls include %s of what already exists, made before creating\n", plural(p.PreReads, "read", "reads"))
	}
	if p.Limit > 0 {
		fmt.Fprintf(&b, "at %d calls per %s: about %s\n", p.Limit, p.Window, roundDuration(p.Duration))
	}
	return b.String()
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
