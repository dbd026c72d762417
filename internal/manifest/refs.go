package manifest

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/names"
)

// refNameRe is what a `ref:` name may look like: what ${name.field} accepts.
var refNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

type refDef struct {
	action *actions.Spec
	source string
	yaml   bool
	row    int
	job    int
}

type refUse struct {
	job      int
	by       string // ref name of the job holding the reference ("" if none)
	source   string
	row      int
	column   string
	field    string
	name     string
	refField string
}

// refTracker remembers only the jobs that take part in references, so a
// manifest without any costs nothing.
type refTracker struct {
	mu   sync.Mutex // workers reading one file in parallel share it
	defs map[string]refDef
	uses []refUse
}

func (t *refTracker) define(l *loader, p *pending, idx int) {
	if !refNameRe.MatchString(p.ref) {
		l.problem(Problem{File: p.source, Row: p.row, Column: p.refCol, Field: "ref",
			Message: fmt.Sprintf(`must be a name of letters, digits, "_" and "-" that starts with a letter, like tab1, not %q`, p.ref)})
		return
	}
	t.mu.Lock()
	if t.defs == nil {
		t.defs = map[string]refDef{}
	}
	d, dup := t.defs[p.ref]
	if !dup {
		t.defs[p.ref] = refDef{action: p.spec, source: p.source, yaml: p.yaml, row: p.row, job: idx}
	}
	t.mu.Unlock()
	if dup {
		l.problem(Problem{File: p.source, Row: p.row, Column: p.refCol, Field: "ref",
			Message: fmt.Sprintf("%q is already the ref of %s", p.ref, d.where(p.source))})
	}
}

func (t *refTracker) use(u refUse) {
	t.mu.Lock()
	t.uses = append(t.uses, u)
	t.mu.Unlock()
}

func (d refDef) where(current string) string {
	unit := "row"
	if d.yaml {
		unit = "line"
	}
	if d.source == current {
		return fmt.Sprintf("the job at %s %d", unit, d.row)
	}
	return fmt.Sprintf("the job at %s %s %d", d.source, unit, d.row)
}

// resolve checks every reference against the definitions, finds cycles, and
// returns the dependencies by job index.
func (t *refTracker) resolve(l *loader) map[int][]int {
	if len(t.uses) == 0 {
		return nil
	}
	defined := make([]string, 0, len(t.defs))
	for n := range t.defs {
		defined = append(defined, n)
	}
	sort.Strings(defined)
	deps := map[int][]int{}
	edges := map[string][]string{}
	for _, u := range t.uses {
		ref := "${" + u.name + "." + u.refField + "}"
		d, ok := t.defs[u.name]
		if !ok {
			l.problem(Problem{File: u.source, Row: u.row, Column: u.column, Field: u.field,
				Message: fmt.Sprintf("%s refers to %q, but no job has ref: %s%s", ref, u.name, u.name, names.DidYouMean(u.name, defined))})
			continue
		}
		if !contains(d.action.RefFields, u.refField) {
			msg := fmt.Sprintf("%s: %s job gives nothing to refer to", ref, article(d.action.Name))
			if len(d.action.RefFields) > 0 {
				msg = fmt.Sprintf("%s: %s job gives %s%s", ref, article(d.action.Name),
					strings.Join(d.action.RefFields, ", "), names.DidYouMean(u.refField, d.action.RefFields))
			}
			l.problem(Problem{File: u.source, Row: u.row, Column: u.column, Field: u.field, Message: msg})
			continue
		}
		deps[u.job] = append(deps[u.job], d.job)
		if u.by != "" {
			edges[u.by] = append(edges[u.by], u.name)
		}
	}
	t.cycles(l, edges)
	return deps
}

// cycles reports each reference cycle once, at the first job of the cycle.
func (t *refTracker) cycles(l *loader, edges map[string][]string) {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	reported := map[string]bool{}
	var visit func(n string)
	visit = func(n string) {
		color[n] = grey
		stack = append(stack, n)
		next := append([]string(nil), edges[n]...)
		sort.Strings(next)
		for _, m := range next {
			switch color[m] {
			case white:
				visit(m)
			case grey:
				// the cycle is the stack from m to n, then back to m
				i := len(stack) - 1
				for stack[i] != m {
					i--
				}
				cyc := append([]string(nil), stack[i:]...)
				t.reportCycle(l, cyc, reported)
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
	}
	starts := make([]string, 0, len(edges))
	for n := range edges {
		starts = append(starts, n)
	}
	sort.Strings(starts)
	for _, n := range starts {
		if color[n] == white {
			visit(n)
		}
	}
}

func (t *refTracker) reportCycle(l *loader, cyc []string, reported map[string]bool) {
	// Rotate so the cycle starts at its earliest job, and name it by its
	// members so it is reported once.
	first := 0
	for i, n := range cyc {
		if t.defs[n].job < t.defs[cyc[first]].job {
			first = i
		}
	}
	cyc = append(cyc[first:], cyc[:first]...)
	members := append([]string(nil), cyc...)
	sort.Strings(members)
	id := strings.Join(members, "\x00")
	if reported[id] {
		return
	}
	reported[id] = true
	parts := make([]string, 0, len(cyc)+1)
	for _, n := range append(cyc, cyc[0]) {
		d := t.defs[n]
		unit := "row"
		if d.yaml {
			unit = "line"
		}
		loc := fmt.Sprintf("%s %d", unit, d.row)
		if d.source != t.defs[cyc[0]].source {
			loc = fmt.Sprintf("%s %s %d", d.source, unit, d.row)
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", n, loc))
	}
	d := t.defs[cyc[0]]
	l.problem(Problem{File: d.source, Row: d.row, Field: "ref",
		Message: "reference cycle: " + strings.Join(parts, " -> ") + "; none of these jobs could start"})
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// article puts "a" or "an" before an action name.
func article(name string) string {
	if name != "" && strings.ContainsRune("aeiou", rune(name[0])) {
		return "an " + name
	}
	return "a " + name
}
