package manifest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/names"
	"github.com/firmtools/bulk/internal/secret"
	"github.com/firmtools/bulk/internal/tabular"
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
	// setNames: folded field name -> the name as typed after --set, for
	// messages.
	setNames map[string]string

	jobs []*Job
	sc   *scratch // for the jobs read one at a time; its count is a job's index in Load
	// mu guards emit and files, which workers reading one file in
	// parallel share.
	mu      sync.Mutex
	scratch []*scratch // of finished workers: counts and duplicate hashes

	files    []fileInfo
	inputs   []string // every file opened: manifests and YAML sources
	manifest string   // the manifest being read (Job.Manifest)
	reads    []Read   // guarded by mu
	// properties are the further properties (MEMBER.NAME) the manifests
	// give, which only the service's schemas can check (guarded by mu).
	properties []string
	// listed and unlisted count the problems of each file that were
	// reported and left out (guarded by mu).
	listed   map[string]int
	unlisted map[string]*unlisted
	seed     maphash.Seed

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
	// keys holds the text of each entry's natural key and a hash of its
	// secrets, for the message when it repeats (a few bytes a row).
	keys []byte
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
				ErrUsage, opts.Action, names.DidYouMean(opts.Action, actions.Names()), strings.Join(actions.Names(), ", "))
		}
		l.action = s
	}
	if _, err := tabular.ParseEncoding(opts.Encoding); err != nil {
		return nil, fmt.Errorf("%w: --encoding %q: use utf-8, utf-16 or windows-1252", ErrUsage, opts.Encoding)
	}
	if err := tabular.CheckHiddenRows(opts.HiddenRows); err != nil {
		return nil, fmt.Errorf("%w: --hidden-rows %w", ErrUsage, err)
	}
	if opts.HeaderRow < 0 {
		return nil, fmt.Errorf("%w: --header-row %d: give the row of the header, 1 or more", ErrUsage, opts.HeaderRow)
	}
	switch opts.Delimiter {
	case 0, ',', ';', '\t', '|':
	default:
		return nil, fmt.Errorf("%w: --delimiter %q: use one of , ; | or tab", ErrUsage, opts.Delimiter)
	}
	for k := range opts.Set {
		if isSecretField(k) {
			return nil, fmt.Errorf("%w: --set %s: a password on the command line shows in ps and in the shell's history: "+
				"give it in the manifest's %s column, or let bulk run --generate-passwords make one", ErrUsage, k, k)
		}
	}
	set, err := foldSet(opts.Set, l.action, "--set")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	l.set = set
	l.setNames = map[string]string{}
	for k := range opts.Set {
		l.setNames[names.Fold(k)] = strings.TrimSpace(k)
	}
	return l, nil
}

// isSecretField reports whether name is a secret field of some action.
func isSecretField(name string) bool {
	for _, s := range actions.All() {
		if f, ok := s.Field(name); ok && f.Kind == actions.KindSecret {
			return true
		}
	}
	return false
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
		if isProp, _ := isPropertyColumn(k, action); isProp || isPropertiesField(k) {
			return nil, fmt.Errorf("%s %s: a tenant's own property is given in a column (or a YAML key) of its name, not by %s", what, k, what)
		}
		if !isFieldOf(k, action) && !isInternalField(k) {
			scope, known := "any action", allFieldNames()
			if action != nil {
				scope, known = action.Name, fieldNames(action)
			}
			return nil, fmt.Errorf("%s %s: not a field of %s%s", what, k, scope, names.DidYouMean(k, known))
		}
		out[names.Fold(k)] = in[k]
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

// noteProperty records a further property a column or key gives.
func (l *loader) noteProperty(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !slices.Contains(l.properties, key) {
		l.properties = append(l.properties, key)
	}
}

// isPropertyColumn reports whether a column or key names a further
// property of a dynamic member of the action (of some action when nil):
// MEMBER.NAME. err says what is wrong with a name that has a member's
// prefix but cannot be a property.
func isPropertyColumn(name string, action *actions.Spec) (bool, error) {
	specs := actions.All()
	if action != nil {
		specs = []*actions.Spec{action}
	}
	var bad error
	for _, s := range specs {
		_, _, ok, err := s.PropertyColumn(name)
		if ok {
			return true, nil
		}
		if err != nil {
			bad = err
		}
	}
	return false, bad
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
	if !st.Mode().IsRegular() {
		// Opening a named pipe waits for a writer, a device may never end:
		// a manifest is read more than once (sniffing, then rows), from a
		// file.
		return fmt.Errorf("reading manifest %s: is %s, not a file: save the manifest to a file and name that", path, fileKind(st.Mode()))
	}
	l.inputs = append(l.inputs, path)
	l.manifest = path
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return l.yamlFile(path)
	}
	return l.tableFile(path, l.opts, tableContext{})
}

func (l *loader) noteRead(r Read) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reads = append(l.reads, r)
}

// fileKind names what a path that is not a regular file is.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

func (l *loader) problem(p Problem) {
	if l.opts.Strict && p.Severity == Warning {
		p.Severity = Error
		p.Message += " (an error with --strict)"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// Problems are kept until they are printed: a small file of a million
	// bad rows must not make millions of them.
	if l.listed == nil {
		l.listed, l.unlisted = map[string]int{}, map[string]*unlisted{}
	}
	if l.listed[p.File] >= maxProblemsPerFile {
		u := l.unlisted[p.File]
		if u == nil {
			u = &unlisted{}
			l.unlisted[p.File] = u
		}
		u.n++
		u.errors = u.errors || p.Severity == Error
		return
	}
	l.listed[p.File]++
	l.emit(p)
}

// maxProblemsPerFile bounds the problems listed for one file. A variable
// for the tests.
var maxProblemsPerFile = 10_000

type unlisted struct {
	n      int
	errors bool
}

// reportUnlisted says how many problems of each file were not listed.
func (l *loader) reportUnlisted() {
	files := make([]string, 0, len(l.unlisted))
	for f := range l.unlisted {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		u := l.unlisted[f]
		sev := Warning
		if u.errors {
			sev = Error
		}
		l.emit(Problem{File: f, Severity: sev, Message: fmt.Sprintf("has %d more problems, not listed: the first %d are; correct those and validate again", u.n, maxProblemsPerFile)})
	}
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
	// singleByte: the file was decoded with --encoding windows-1252 or
	// latin1, the likely cause of mojibake.
	singleByte bool
	hidden     map[string]bool // columns (by header) hidden in the sheet
	// record and table: the row's cells as the job keeps them (Job.Cells).
	record []string
	table  *Table
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
	failed := false
	var red *secret.Redactor // the row's secrets, which no message repeats
	for _, e := range errs {
		if e.Field != "" && slices.Contains(p.refused, e.Field) {
			continue
		}
		failed = failed || !e.Warning
		pr := p.fieldProblem(e)
		if len(secrets) > 0 {
			if red == nil {
				red = &secret.Redactor{}
				for _, s := range secrets {
					red.Add(s.Reveal())
				}
			}
			pr.Message = red.Redact(pr.Message)
		}
		l.problem(pr)
	}
	if !failed && !p.bad {
		l.checkDuplicate(p, values, secrets, norm, sc)
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
			Manifest: l.manifest, Table: p.table, Cells: p.record,
		})
	}
	return idx
}

// fieldProblem is the Problem of one field error of the job.
func (p *pending) fieldProblem(e actions.FieldError) Problem {
	row := p.row
	if ln, ok := p.lines[e.Field]; ok {
		row = ln
	}
	msg := e.Message
	if e.Tag == actions.TagMojibake {
		if p.singleByte {
			msg += ": the file is UTF-8; read it without --encoding"
		} else {
			msg += ": the text was converted twice before it reached this file; correct it where it was exported"
		}
	}
	col, ok := p.columns[e.Field]
	if f, _, isProp, _ := p.spec.PropertyColumn(e.Field); !ok && isProp {
		col = p.columns[f.Name] // given in the member's own column or mapping
	} else if f, isField := p.spec.Field(e.Field); !ok && isField && f.Kind == actions.KindProperties {
		col = firstPropertyColumn(p.columns, f.Member) // given in MEMBER.NAME columns
	}
	if p.hidden[col] {
		msg += fmt.Sprintf(" (column %q is hidden in the sheet)", col)
	}
	sev := Error
	if e.Warning {
		sev = Warning
	}
	return Problem{File: p.source, Row: row, Column: col, Field: e.Field, Message: msg, Severity: sev}
}

// firstPropertyColumn is the first (by name) of the MEMBER.NAME columns
// that gave a row's further properties of member.
func firstPropertyColumn(columns map[string]string, member string) string {
	best := ""
	for k := range columns {
		if strings.HasPrefix(k, member+".") && (best == "" || k < best) {
			best = k
		}
	}
	if best == "" {
		return ""
	}
	return columns[best]
}

// dupEntry is what duplicate detection keeps of a valid job: 24 bytes.
type dupEntry struct {
	key    uint64 // hash of action and natural key
	val    uint32 // hash of all the values (not the secrets)
	row    uint32
	koff   uint32 // where its key's text and secrets' hash are in its scratch's keys; noKey: not kept
	file   uint16
	action uint8 // index in actions.All()
}

const noKey = math.MaxUint32

// fieldValue is the normalised value of the i-th field of the job, folded
// to upper case for a field that ignores case (a user ID), as the service
// compares them.
func fieldValue(p *pending, i int, v actions.Values, norm []string) string {
	f := &p.spec.Fields[i]
	x := ""
	if norm != nil {
		x = norm[i]
	} else {
		x = v[f.Name]
	}
	if f.IgnoreCase && x != "" {
		x = upperASCIIFast(x)
	}
	return x
}

func upperASCIIFast(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || ('a' <= c && c <= 'z') {
			return strings.ToUpper(s)
		}
	}
	return s
}

func (l *loader) checkDuplicate(p *pending, v actions.Values, secrets actions.Secrets, norm []string, sc *scratch) {
	if p.fi > 0xFFFF {
		return
	}
	// One buffer, two hashes: the natural key, then every value.
	b := append(sc.hbuf[:0], p.spec.Name...)
	b = append(b, 0)
	empty := true
	for _, i := range p.keyIdx {
		x := fieldValue(p, i, v, norm)
		empty = empty && x == ""
		b = append(b, x...)
		b = append(b, 0)
	}
	if empty {
		return
	}
	kh := maphash.Bytes(l.seed, b)
	b = b[:0]
	for i := range p.spec.Fields {
		if x := fieldValue(p, i, v, norm); x != "" {
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
	*last = append(*last, dupEntry{key: kh, val: uint32(sum ^ sum>>32), koff: sc.keepKey(p, v, norm, secrets, l.seed),
		row: uint32(min(max(p.row, 0), 0xFFFFFFFF)), file: uint16(p.fi), action: p.action})
}

// keepKey appends the text of the job's key (its key fields, as given,
// each ended by 0) and a hash of its secrets to sc.keys.
func (sc *scratch) keepKey(p *pending, v actions.Values, norm []string, secrets actions.Secrets, seed maphash.Seed) uint32 {
	off := len(sc.keys)
	if off > math.MaxUint32-(1<<20) {
		return noKey
	}
	for _, i := range p.keyIdx {
		x := ""
		if norm != nil {
			x = norm[i]
		} else {
			x = v[p.spec.Fields[i].Name]
		}
		sc.keys = append(sc.keys, x...)
		sc.keys = append(sc.keys, 0)
	}
	var sh uint64
	if len(secrets) > 0 {
		var h maphash.Hash
		h.SetSeed(seed)
		for _, f := range p.spec.Fields {
			if s, ok := secrets[f.Name]; ok {
				h.WriteString(f.Name)
				h.WriteByte(0)
				h.WriteString(s.Reveal())
				h.WriteByte(0)
			}
		}
		sh = h.Sum64() | 1 // never 0: 0 is "no secrets"
	}
	sc.keys = binary.LittleEndian.AppendUint64(sc.keys, sh)
	return uint32(off)
}

// keptKey reads back what keepKey wrote: the key fields' values and the
// secrets' hash.
func (sc *scratch) keptKey(off uint32, n int) ([]string, uint64, bool) {
	if off == noKey {
		return nil, 0, false
	}
	b := sc.keys[off:]
	vals := make([]string, n)
	for i := range vals {
		j := bytes.IndexByte(b, 0)
		vals[i], b = string(b[:j]), b[j+1:]
	}
	return vals, binary.LittleEndian.Uint64(b), true
}

const (
	dupBuckets = 256
	dupChunk   = 512 // entries: 12 KiB
)

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
			var owners []*scratch
			seen := map[uint64]int32{}
			for {
				b := int(next.Add(1) - 1)
				if b >= dupBuckets {
					return
				}
				entries, owners = entries[:0], owners[:0]
				for _, sc := range scratches {
					for _, c := range sc.dups[b] {
						entries = append(entries, c...)
						for range c {
							owners = append(owners, sc)
						}
					}
					sc.dups[b] = nil
				}
				l.checkBucket(entries, owners, seen)
			}
		}()
	}
	wg.Wait()
}

// checkBucket finds the keys that repeat in one bucket and reports them;
// owners[i] is the scratch that holds entries[i]'s key text.
func (l *loader) checkBucket(entries []dupEntry, owners []*scratch, seen map[uint64]int32) {
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
	runs := map[uint64][]int{}
	for i, e := range entries {
		if repeated[e.key] {
			runs[e.key] = append(runs[e.key], i)
		}
	}
	for _, run := range runs {
		slices.SortStableFunc(run, func(i, j int) int {
			a, b := entries[i], entries[j]
			if c := cmp.Compare(a.file, b.file); c != 0 {
				return c
			}
			return cmp.Compare(a.row, b.row)
		})
		for _, j := range run[1:] {
			l.reportDuplicate(entries[run[0]], owners[run[0]], entries[j], owners[j])
		}
	}
}

// reportDuplicate reports b, a job with the natural key of the earlier a.
func (l *loader) reportDuplicate(a dupEntry, aOwner *scratch, b dupEntry, bOwner *scratch) {
	spec := actions.All()[b.action]
	file := l.files[b.file]
	where := l.describeLocation(a, file.path)
	aKey, aSec, _ := aOwner.keptKey(a.koff, len(spec.KeyFields))
	bKey, bSec, ok := bOwner.keptKey(b.koff, len(spec.KeyFields))
	what := "the same " + strings.Join(spec.KeyFields, ", ")
	if ok {
		what = describeKey(spec, aKey, bKey)
	}
	switch {
	case a.val == b.val && aSec == bSec:
		msg := "repeats " + where + " exactly (" + what + ")"
		switch {
		case spec.Repeat == actions.RepeatIfNotProcessed:
			msg += "; this would create a second one"
		case spec.Read:
			msg += "; one read serves both rows"
		default:
			msg += "; it will run twice"
		}
		l.problem(Problem{File: file.path, Row: int(b.row), Severity: Warning, Message: msg})
	case a.val == b.val:
		l.problem(Problem{File: file.path, Row: int(b.row),
			Message: fmt.Sprintf("conflicts with %s: another %s with %s and the same details but a different password; keep one of them", where, spec.Name, what)})
	default:
		l.problem(Problem{File: file.path, Row: int(b.row),
			Message: fmt.Sprintf("duplicate of %s: another %s with %s but different details", where, spec.Name, what)})
	}
}

// describeKey names a natural key and its value as the later job gives it
// ("user ID NEW001"), saying so when the earlier one differs only in case.
func describeKey(spec *actions.Spec, a, b []string) string {
	var parts []string
	folded := false
	for i, name := range spec.KeyFields {
		if b[i] == "" {
			continue
		}
		label := name
		if f, ok := spec.Field(name); ok && f.IgnoreCase {
			label = "user ID"
			folded = folded || (a[i] != b[i] && strings.EqualFold(a[i], b[i]))
		}
		parts = append(parts, label+" "+b[i])
	}
	out := strings.Join(parts, ", ")
	if folded {
		out += " (user IDs ignore case)"
	}
	return out
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
	l.reportUnlisted()
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
// wherever it is in the files (what each action creates and needs is its
// Spec's Creates and Needs): a user, for its assignments, shortcuts,
// category and role reads, and the tabs and folders it owns; a lookup
// alias, for the child aliases under it, its updates, and the folders
// whose profile uses it.
func (l *loader) implicitDependencies() {
	made := Creators(l.jobs)
	for _, j := range l.jobs {
		if j.Action.Needs == nil {
			continue
		}
		for _, o := range j.Action.Needs(j.Values) {
			if c, ok := made[o]; ok && c != j {
				j.DependsOn = append(j.DependsOn, c.Index)
			}
		}
	}
}

// Creators maps what the jobs create in the service (Spec.Creates) to the
// first job that creates it.
func Creators(jobs []*Job) map[actions.Object]*Job {
	made := map[actions.Object]*Job{}
	for _, j := range jobs {
		if j.Action.Creates == nil {
			continue
		}
		for _, o := range j.Action.Creates(j.Values) {
			if _, dup := made[o]; !dup {
				made[o] = j
			}
		}
	}
	return made
}

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
