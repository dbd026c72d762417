package manifest

import (
	"cmp"
	"context"
	"fmt"
	"hash/maphash"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/firmtools/bulk/internal/actions"
)

// loader is the state shared by Load and Validate while files are read.
type loader struct {
	ctx    context.Context
	opts   Options
	lim    Limits
	emit   func(Problem)
	keep   bool // Load: keep the jobs
	action *actions.Spec
	set    map[string]string // --set, folded field name -> value

	jobs []*Job
	sc   *scratch // for the jobs read one at a time; its count is a job's index in Load
	// mu guards emit and files, which workers reading one file in
	// parallel share.
	mu      sync.Mutex
	scratch []*scratch // of finished workers: counts and duplicate hashes

	files  []fileInfo
	inputs []string // every file opened: manifests and YAML sources
	seed   maphash.Seed

	refs        refTracker
	actionIndex map[*actions.Spec]uint8

	keyIndex map[*actions.Spec][]int // filled before reading: shared by workers
}

// scratch is what one goroutine validating rows owns: buffers reused row
// after row, counts, and the duplicate hashes.
type scratch struct {
	values    actions.Values // Validate keeps no job: values go here row after row
	norm      []string
	count     int // jobs
	perAction map[string]int
	// dups holds 24 bytes for every valid job (hashes of its natural key
	// and of its values, and where it is), so a million rows cost 24 MB,
	// not copies of the rows. They are split by the top byte of the key
	// hash into 256 buckets that are checked one at a time at the end:
	// each bucket's map fits in cache, where one map of a million keys
	// would cost a cache miss per row.
	dups [dupBuckets][][]dupEntry // chunks, so that growing never copies
	hbuf []byte
}

func newScratch() *scratch { return &scratch{values: actions.Values{}, perAction: map[string]int{}} }

type fileInfo struct {
	path string
	yaml bool
}

func newLoader(ctx context.Context, opts Options, keep bool, emit func(Problem)) (*loader, error) {
	l := &loader{
		ctx: ctx, opts: opts, lim: opts.Limits.withDefaults(), emit: emit, keep: keep,
		actionIndex: map[*actions.Spec]uint8{}, keyIndex: map[*actions.Spec][]int{},
		seed: maphash.MakeSeed(), sc: newScratch(),
	}
	for i, s := range actions.All() {
		l.actionIndex[s] = uint8(i)
		var idx []int
		for _, k := range s.KeyFields {
			i, _ := s.FieldIndex(k)
			idx = append(idx, i)
		}
		l.keyIndex[s] = idx
	}
	if opts.Action != "" {
		s, ok := actions.Lookup(opts.Action)
		if !ok {
			return nil, fmt.Errorf("%w: --action %q is not an action%s (the actions are %s)",
				ErrUsage, opts.Action, didYouMean(opts.Action, actions.Names()), strings.Join(actions.Names(), ", "))
		}
		l.action = s
	}
	if _, err := encodingByName(opts.Encoding); err != nil {
		return nil, err
	}
	switch opts.Delimiter {
	case 0, ',', ';', '\t', '|':
	default:
		return nil, fmt.Errorf("%w: --delimiter %q: use one of , ; | or tab", ErrUsage, opts.Delimiter)
	}
	set, err := foldSet(opts.Set, l.action, "--set")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	l.set = set
	return l, nil
}

// foldSet folds the keys of a --set (or a source's set:) and checks each is
// a field of the action (or of some action when there is none).
func foldSet(in map[string]string, action *actions.Spec, what string) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(in))
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		// The program's own fields (bulk run --generate-passwords) apply
		// to the actions that have them and are ignored by the others.
		if !isFieldOf(k, action) && !isInternalField(k) {
			scope, names := "any action", allFieldNames()
			if action != nil {
				scope, names = action.Name, fieldNames(action)
			}
			return nil, fmt.Errorf("%s %s: not a field of %s%s", what, k, scope, didYouMean(k, names))
		}
		out[actions.FoldName(k)] = in[k]
	}
	return out, nil
}

// isFieldOf reports whether a column or key names a field of the action
// (of some action when nil). Internal fields are not: only the program
// sets them, through Options.Set.
func isFieldOf(name string, action *actions.Spec) bool {
	if action != nil {
		_, ok := visibleField(action, name)
		return ok
	}
	for _, s := range actions.All() {
		if _, ok := visibleField(s, name); ok {
			return true
		}
	}
	return false
}

// visibleField is Spec.Field without the internal fields.
func visibleField(s *actions.Spec, name string) (*actions.Field, bool) {
	f, ok := s.Field(name)
	if !ok || f.Internal {
		return nil, false
	}
	return f, true
}

func isInternalField(name string) bool {
	for _, s := range actions.All() {
		if f, ok := s.Field(name); ok && f.Internal {
			return true
		}
	}
	return false
}

// fieldNames lists the canonical names of an action's fields, without the
// internal ones.
func fieldNames(s *actions.Spec) []string {
	var out []string
	for _, f := range s.Fields {
		if !f.Internal {
			out = append(out, f.Name)
		}
	}
	return out
}

func allFieldNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range actions.All() {
		for _, n := range fieldNames(s) {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

// file reads one manifest, choosing the reader by extension and content.
func (l *loader) file(path string) error {
	if err := l.ctx.Err(); err != nil {
		return err
	}
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("reading manifest: %w", err)
	}
	if st.IsDir() {
		return fmt.Errorf("reading manifest %s: is a directory", path)
	}
	l.inputs = append(l.inputs, path)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return l.yamlFile(path)
	}
	return l.tableFile(path, l.opts, tableContext{})
}

func (l *loader) problem(p Problem) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.emit(p)
}

// fileIndex numbers files for duplicate locations.
func (l *loader) fileIndex(path string, yaml bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, f := range l.files {
		if f.path == path {
			return i
		}
	}
	l.files = append(l.files, fileInfo{path: path, yaml: yaml})
	return len(l.files) - 1
}

// pending is a job read from a row or a YAML entry, before validation.
type pending struct {
	source  string
	yaml    bool
	row     int
	spec    *actions.Spec
	ref     string
	refCol  string
	raw     map[string]string // canonical field -> cell (YAML)
	cells   []string          // cells by field position (CSV, workbooks)
	columns map[string]string // canonical field -> column or key, for messages
	lines   map[string]int    // YAML: canonical field -> line of its key
	depends []int             // explicit dependencies (expanded create-user jobs)
	fi      int               // fileIndex of source
	keyIdx  []int             // positions of the action's key fields
	action  uint8             // index in actions.All()
	// bad: the row already has a problem (e.g. two columns disagree); it
	// is still validated, so every problem is reported, but it takes no
	// part in duplicate detection.
	bad bool
	// refused are fields already reported (a list where a value was
	// expected): validation would only add "is required".
	refused []string
}

func (p *pending) refuse(field string) {
	p.bad = true
	p.refused = append(p.refused, field)
}

// add validates a pending job, reports its problems and records it, with
// sc's buffers and counts. It returns the job's index.
func (l *loader) add(p *pending, sc *scratch) int {
	var values actions.Values
	var secrets actions.Secrets
	var errs []actions.FieldError
	var norm []string
	switch {
	case p.cells != nil && !l.keep:
		if cap(sc.norm) < len(p.spec.Fields) {
			sc.norm = make([]string, len(p.spec.Fields))
		}
		norm = sc.norm[:len(p.spec.Fields)]
		secrets, errs = p.spec.ValidateNorm(p.cells, norm, sc.values)
	case p.cells != nil:
		values, secrets, errs = p.spec.ValidateFields(p.cells)
	default:
		values, secrets, errs = p.spec.Validate(p.raw)
	}
	// Jobs read one at a time (all of Load's) are numbered in order; a
	// worker's numbers are its own, which only Validate uses, for nothing
	// but references, which workers never read.
	idx := sc.count
	sc.count++
	sc.perAction[p.spec.Name]++
	for _, e := range errs {
		if e.Field != "" && slices.Contains(p.refused, e.Field) {
			continue
		}
		row := p.row
		if ln, ok := p.lines[e.Field]; ok {
			row = ln
		}
		l.problem(Problem{File: p.source, Row: row, Column: p.columns[e.Field], Field: e.Field, Message: e.Message})
	}
	if len(errs) == 0 && !p.bad {
		l.checkDuplicate(p, values, norm, sc)
	}
	if p.ref != "" {
		l.refs.define(l, p, idx)
	}
	for i := range p.spec.Fields {
		f := &p.spec.Fields[i]
		if !f.Reference {
			continue
		}
		var v string
		if norm != nil {
			v = norm[i]
		} else {
			v = values[f.Name]
		}
		if !strings.Contains(v, "${") {
			continue
		}
		for _, r := range actions.Refs(v) {
			row := p.row
			if ln, ok := p.lines[f.Name]; ok {
				row = ln
			}
			l.refs.use(refUse{job: idx, by: p.ref, source: p.source, row: row, column: p.columns[f.Name],
				field: f.Name, name: r[0], refField: r[1]})
		}
	}
	if l.keep {
		l.jobs = append(l.jobs, &Job{
			Index: idx, Source: p.source, Row: p.row, Action: p.spec, Values: values, Secrets: secrets,
			Ref: p.ref, DependsOn: append([]int(nil), p.depends...), Columns: p.columns,
		})
	}
	return idx
}

// dupEntry is what duplicate detection keeps of a valid job.
type dupEntry struct {
	key    uint64 // hash of action and natural key
	val    uint32 // hash of all the values
	row    uint32
	file   uint16
	action uint8 // index in actions.All()
}

func (l *loader) checkDuplicate(p *pending, v actions.Values, norm []string, sc *scratch) {
	var key string
	if norm != nil {
		key = keyOf(p.keyIdx, norm)
	} else {
		key = p.spec.Key(v)
	}
	if key == "" || p.fi > 0xFFFF {
		return
	}
	// One buffer, two hashes: the natural key, then every value.
	b := append(sc.hbuf[:0], p.spec.Name...)
	b = append(b, 0)
	b = append(b, key...)
	kh := maphash.Bytes(l.seed, b)
	b = b[:0]
	for i := range p.spec.Fields {
		var x string
		if norm != nil {
			x = norm[i]
		} else {
			x = v[p.spec.Fields[i].Name]
		}
		if x != "" {
			b = append(b, byte(i))
			b = append(b, x...)
			b = append(b, 0)
		}
	}
	sum := maphash.Bytes(l.seed, b)
	sc.hbuf = b
	chunks := &sc.dups[kh>>(64-8)]
	if n := len(*chunks); n == 0 || len((*chunks)[n-1]) == dupChunk {
		*chunks = append(*chunks, make([]dupEntry, 0, dupChunk))
	}
	last := &(*chunks)[len(*chunks)-1]
	*last = append(*last, dupEntry{key: kh, val: uint32(sum ^ sum>>32),
		row: uint32(min(max(p.row, 0), 0xFFFFFFFF)), file: uint16(p.fi), action: p.action})
}

const (
	dupBuckets = 256
	dupChunk   = 512 // entries: 12 KiB
)

// keyOf is Spec.Key over values by position; idx are the key fields'
// positions.
func keyOf(idx []int, norm []string) string {
	if len(idx) == 1 {
		return norm[idx[0]]
	}
	parts := make([]string, 0, len(idx))
	for _, i := range idx {
		if norm[i] != "" {
			parts = append(parts, norm[i])
		}
	}
	return strings.Join(parts, "/")
}

// reportDuplicates reports every job whose natural key an earlier job
// already had: an error when the details differ, a warning when the job is
// repeated exactly. "Earlier" is by file (in reading order) and row, so it
// does not matter which worker read which row. Buckets are checked in
// parallel.
func (l *loader) reportDuplicates() {
	scratches := append(l.scratch, l.sc)
	var next atomic.Int32
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), 4)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var entries []dupEntry
			seen := map[uint64]int32{}
			for {
				b := int(next.Add(1) - 1)
				if b >= dupBuckets {
					return
				}
				entries = entries[:0]
				for _, sc := range scratches {
					for _, c := range sc.dups[b] {
						entries = append(entries, c...)
					}
					sc.dups[b] = nil
				}
				l.checkBucket(entries, seen)
			}
		}()
	}
	wg.Wait()
}

// checkBucket finds the keys that repeat in one bucket and reports them.
func (l *loader) checkBucket(entries []dupEntry, seen map[uint64]int32) {
	clear(seen)
	var repeated map[uint64]bool
	for i, e := range entries {
		if _, dup := seen[e.key]; dup {
			if repeated == nil {
				repeated = map[uint64]bool{}
			}
			repeated[e.key] = true
			continue
		}
		seen[e.key] = int32(i)
	}
	if repeated == nil {
		return
	}
	runs := map[uint64][]dupEntry{}
	for _, e := range entries {
		if repeated[e.key] {
			runs[e.key] = append(runs[e.key], e)
		}
	}
	all := actions.All()
	for _, run := range runs {
		slices.SortStableFunc(run, func(a, b dupEntry) int {
			if c := cmp.Compare(a.file, b.file); c != 0 {
				return c
			}
			return cmp.Compare(a.row, b.row)
		})
		a := run[0]
		for _, b := range run[1:] {
			spec := all[b.action]
			file := l.files[b.file]
			where := l.describeLocation(a, file.path)
			if a.val == b.val {
				msg := "repeats " + where + " exactly"
				if spec.Repeat == actions.RepeatIfNotProcessed {
					msg += "; this would create a second one"
				} else {
					msg += "; it will run twice"
				}
				l.problem(Problem{File: file.path, Row: int(b.row), Severity: Warning, Message: msg})
				continue
			}
			l.problem(Problem{File: file.path, Row: int(b.row),
				Message: fmt.Sprintf("duplicate of %s: another %s with the same %s but different details",
					where, spec.Name, strings.Join(spec.KeyFields, ", "))})
		}
	}
}

func (l *loader) describeLocation(d dupEntry, current string) string {
	f := l.files[d.file]
	unit := "row"
	if f.yaml {
		unit = "line"
	}
	if f.path == current {
		return fmt.Sprintf("%s %d", unit, d.row)
	}
	return fmt.Sprintf("%s %s %d", f.path, unit, d.row)
}

// finish runs the checks that need the whole manifest: references and,
// for Load, dependencies.
func (l *loader) finish() {
	l.reportDuplicates()
	deps := l.refs.resolve(l)
	if !l.keep {
		return
	}
	for idx, ds := range deps {
		l.jobs[idx].DependsOn = append(l.jobs[idx].DependsOn, ds...)
	}
	l.implicitDependencies()
	for _, j := range l.jobs {
		j.DependsOn = uniqueSorted(j.DependsOn)
	}
}

// implicitDependencies makes jobs wait for what the same manifest creates,
// wherever it is in the files: a user (for its assignments, shortcuts,
// category and role reads, and tabs and folders it owns) and a lookup alias
// (for the child aliases under it, its updates, and folders whose profile
// uses it).
func (l *loader) implicitDependencies() {
	users := map[string]int{}
	aliases := map[string]int{} // library, field, alias
	first := func(m map[string]int, k string, idx int) {
		if _, dup := m[k]; !dup {
			m[k] = idx
		}
	}
	for _, j := range l.jobs {
		v := j.Values
		switch j.Action.Name {
		case "create-user":
			if id := v["id"]; id != "" {
				first(users, id, j.Index)
			}
		case "create-lookup-alias":
			if v["library_id"] != "" && v["lookup_field_id"] != "" && v["alias"] != "" {
				first(aliases, aliasKey(v["library_id"], v["lookup_field_id"], v["alias"]), j.Index)
			}
		}
	}
	wait := func(j *Job, m map[string]int, k string) {
		if c, ok := m[k]; ok && c != j.Index {
			j.DependsOn = append(j.DependsOn, c)
		}
	}
	for _, j := range l.jobs {
		v := j.Values
		switch j.Action.Name {
		case "assign-user-to-library", "add-my-matters-shortcuts", "get-my-matters-categories", "get-library-roles":
			wait(j, users, v["user_id"])
		case "add-tab":
			wait(j, users, v["owner"])
		case "create-lookup-alias", "update-custom-field":
			if pf, ok := childOf[v["lookup_field_id"]]; ok && v["parent_alias"] != "" {
				wait(j, aliases, aliasKey(v["library_id"], pf, v["parent_alias"]))
			}
			if j.Action.Name == "update-custom-field" {
				wait(j, aliases, aliasKey(v["library_id"], v["lookup_field_id"], v["alias"]))
			}
		case "add-folder":
			wait(j, users, v["owner"])
			lib, _, ok := strings.Cut(v["parent_id"], "!")
			if !ok || v["inherit_profile_from_workspace"] != "No" {
				continue
			}
			for field := range lookupFieldSet {
				if a := v[field]; a != "" {
					wait(j, aliases, aliasKey(lib, field, a))
				}
			}
		}
	}
}

// lookupFieldSet are the fields whose values are lookup aliases.
var lookupFieldSet = map[string]bool{"custom1": true, "custom2": true, "custom3": true, "custom4": true, "custom5": true,
	"custom6": true, "custom7": true, "custom8": true, "custom9": true, "custom10": true, "custom11": true, "custom12": true,
	"custom29": true, "custom30": true}

func uniqueSorted(xs []int) []int {
	if len(xs) == 0 {
		return nil
	}
	sort.Ints(xs)
	out := xs[:1]
	for _, x := range xs[1:] {
		if x != out[len(out)-1] {
			out = append(out, x)
		}
	}
	return out
}
