package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"unicode/utf8"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/names"
	"github.com/firmtools/bulk/internal/tabular"
)

// tableContext is what a YAML manifest adds to a CSV or workbook source.
type tableContext struct {
	yamlFile string // the YAML manifest that names the source ("" for a plain file)
	action   *actions.Spec
	columns  []columnMap       // field -> header or template
	set      map[string]string // folded field -> value (source set:)
	defaults map[string]string // folded field -> value (YAML defaults:)
	ignore   bool              // ignore_columns: true
	// hiddenCol reports a column hidden in the sheet (nil for CSV).
	hiddenCol func(int) bool
	// singleByte: the file is decoded as Windows-1252 or Latin-1 (from
	// --encoding or a source's encoding:).
	singleByte bool
}

// columnMap maps a field to a header, or to a template over the row.
type columnMap struct {
	key    string // field as written in columns:
	header string // the column header, when not a template
	tmpl   *template.Template
	text   string // the template text
	refs   []string
	line   int
}

// hiddenNote is what a message about a cell of column col adds when the
// column is hidden.
func (tc *tableContext) hiddenNote(col int) string {
	if tc.hiddenCol != nil && tc.hiddenCol(col) {
		return " (the column is hidden in the sheet)"
	}
	return ""
}

// tableOptions are how the tabular reader reads the tables of opts.
func (l *loader) tableOptions(opts Options) tabular.Options {
	return tabular.Options{Delimiter: opts.Delimiter, Encoding: opts.Encoding, Sheet: opts.Sheet, HiddenRows: opts.HiddenRows,
		MaxCellBytes: l.lim.MaxCellBytes, MaxColumns: l.lim.MaxColumns, MaxXLSXBytes: l.lim.MaxXLSXBytes}
}

// tableFile reads a CSV file or workbook.
func (l *loader) tableFile(path string, opts Options, tc tableContext) error {
	if tc.yamlFile != "" {
		l.mu.Lock()
		l.inputs = append(l.inputs, path) // a YAML source
		l.mu.Unlock()
	}
	te, _ := tabular.ParseEncoding(opts.Encoding) // checked by newLoader and the YAML source
	tc.singleByte = te.SingleByte()
	t, err := tabular.Open(path, l.tableOptions(opts))
	if err != nil {
		if l.tableProblem(path, err) {
			return nil
		}
		return err
	}
	defer t.Close()
	return l.readTable(path, t, tc, opts.HeaderRow)
}

// noteTable says, once the table is read, what was read of it and which
// hidden rows were.
func (l *loader) noteTable(path string, sheet *tabular.Sheet, h tabular.Header) {
	read := Read{File: path, HeaderRow: h.Row, HeaderHow: h.How}
	if sheet == nil {
		if h.Row != 1 {
			l.noteRead(read)
		}
		return
	}
	read.Sheet, read.Why, read.HiddenRowsSkipped = sheet.Name(), sheet.Why(), sheet.Skipped()
	l.noteRead(read)
	if p := sheet.HiddenRowsRead(); p != nil {
		l.tableProblem(path, p)
	}
}

// hiddenColumns warns of the columns hidden in the sheet that fields are
// read from, and marks them for the messages of their cells.
func (l *loader) hiddenColumns(cp *columnPlan, sheet *tabular.Sheet) {
	for i, h := range cp.header {
		if !sheet.ColumnHidden(i) || strings.TrimSpace(h) == "" {
			continue
		}
		if cp.hidden == nil {
			cp.hidden = map[string]bool{}
		}
		cp.hidden[h] = true
		if cp.direct[i] || i == cp.actionCol || cp.mappedCol(i) {
			l.problem(Problem{File: cp.file, Row: cp.headerRow, Column: h, Severity: Warning,
				Message: fmt.Sprintf("column %s is hidden in the sheet, and its values are read: unhide it to see what will run", tabular.ColumnLetters(i))})
		}
	}
}

// mappedCol reports whether a YAML source's columns: reads column i.
func (cp *columnPlan) mappedCol(i int) bool {
	for _, c := range cp.mapped {
		if c == i {
			return true
		}
	}
	return false
}

// readTable reads a table's header, then its rows into jobs.
func (l *loader) readTable(path string, t tabular.Table, tc tableContext, headerRow int) error {
	sheet, _ := t.(*tabular.Sheet)
	if sheet != nil {
		tc.hiddenCol = sheet.ColumnHidden
	}
	spec := l.action
	if tc.action != nil {
		spec = tc.action
	}
	h, t, err := tabular.FindHeader(t, headerRow, func(rec []string) int { return headerScore(rec, tc, spec) })
	if err != nil {
		return l.stop(path, err)
	}
	defer l.noteTable(path, sheet, h)
	if !l.headerFits(path, t, h) {
		return nil
	}
	h.Cells[0] = strings.TrimPrefix(h.Cells[0], "\uFEFF")
	cp := l.newColumnPlan(path, h.Row, h.Cells, tc)
	if cp == nil {
		return nil
	}
	if sheet != nil {
		l.hiddenColumns(cp, sheet)
	}
	return l.readRows(t, cp, tc)
}

// headerFits reports a header within the limits, and valid UTF-8.
func (l *loader) headerFits(path string, t tabular.Table, h tabular.Header) bool {
	if len(h.Cells) > l.lim.MaxColumns {
		l.problem(Problem{File: path, Row: h.Row, Message: fmt.Sprintf("has %d columns; the limit is %d", len(h.Cells), l.lim.MaxColumns)})
		return false
	}
	for i, c := range h.Cells {
		if len(c) > l.lim.MaxCellBytes {
			l.problem(Problem{File: path, Row: h.Row, Message: fmt.Sprintf("column %d's header is %d bytes; the limit is %d", i+1, len(c), l.lim.MaxCellBytes)})
			return false
		}
		if t.CheckUTF8() && !utf8.ValidString(c) {
			l.problem(notUTF8(path, h.Row, fmt.Sprintf("column %d", i+1), c))
			return false
		}
	}
	return true
}

// readRows turns the rows of a table into jobs, read ahead of the workers
// that validate them.
func (l *loader) readRows(t tabular.Table, cp *columnPlan, tc tableContext) error {
	pf := tabular.Prefetch(t, l.lim.MaxRows)
	defer pf.Stop()
	// Rows are independent of each other, except through ref names and
	// column templates: without those, Validate checks them on every core.
	workers := 1
	if !l.keep && cp.refCol < 0 && len(tc.columns) == 0 {
		workers = validateWorkers
	}
	ws := make([]*rowWorker, workers)
	for i := range ws {
		ws[i] = &rowWorker{cp: cp, sc: l.sc, plans: map[*actions.Spec]*actionPlan{}, specs: map[string]*actions.Spec{}}
		if workers > 1 {
			ws[i].sc = newScratch()
		}
	}
	errs := make([]error, workers)
	if workers == 1 {
		errs[0] = ws[0].run(pf)
	} else {
		var wg sync.WaitGroup
		for i, w := range ws {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = w.run(pf)
			}()
		}
		wg.Wait()
		for _, w := range ws {
			l.scratch = append(l.scratch, w.sc)
		}
	}
	rows := 0
	for _, w := range ws {
		rows += w.rows
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if rows == 0 && !pf.Stopped() {
		l.problem(Problem{File: cp.file, Severity: Warning, Message: "has a header but no rows"})
	}
	return nil
}

// validateWorkers is how many goroutines validate the rows of one file
// (besides the one reading it) when nothing links its rows.
var validateWorkers = max(1, min(runtime.GOMAXPROCS(0), 4))

// rowWorker turns records into jobs; each worker has its own buffers.
type rowWorker struct {
	cp    *columnPlan
	sc    *scratch
	plans map[*actions.Spec]*actionPlan // cache of cp.plan
	// lastSpec's plan is lastPlan: most files have one action.
	lastSpec *actions.Spec
	lastPlan *actionPlan
	specs    map[string]*actions.Spec // action cells already looked up
	cells    []string                 // by field position, reused row after row
	pend     pending
	data     map[string]string // the row, for templates
	cur      tabular.Cursor
	rows     int // rows that were not blank
}

// run takes records until the prefetcher has no more, or a problem ends
// the file. Its error is for I/O and cancellation.
func (w *rowWorker) run(pf *tabular.Prefetcher) error {
	l, cp := w.cp.l, w.cp
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := l.ctx.Err(); err != nil {
				pf.Abort()
				return err
			}
		}
		rec, meta, row, err := pf.Next(&w.cur)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			pf.Abort()
			var ue *tabular.UTF8Error
			var lim *tabular.RowLimitError
			switch {
			case errors.As(err, &ue):
				l.problem(notUTF8(cp.file, ue.Row, cp.columnName(ue.Col), ue.Cell))
				return nil
			case errors.As(err, &lim):
				l.problem(Problem{File: cp.file, Row: lim.Row, Message: fmt.Sprintf("has more than %d rows: the rest was not read; split the file or raise --max-rows", lim.Max)})
				return nil
			}
			return l.stop(cp.file, err)
		}
		w.rows++
		w.row(rec, meta, row)
	}
}

// stop reports what the tabular reader could not read of path (a problem
// with the file, not an error); other errors are returned, saying which
// file.
func (l *loader) stop(path string, err error) error {
	if l.tableProblem(path, err) {
		return nil
	}
	return fmt.Errorf("reading manifest %s: %w", path, err)
}

// tableProblem reports err as a problem of path when it is one (the
// tabular reader's *Problem or *UTF8Error).
func (l *loader) tableProblem(path string, err error) bool {
	var tp *tabular.Problem
	var ue *tabular.UTF8Error
	switch {
	case errors.As(err, &ue):
		l.problem(notUTF8(path, ue.Row, fmt.Sprintf("column %d", ue.Col+1), ue.Cell))
	case errors.As(err, &tp):
		l.problem(Problem{File: path, Row: tp.Row, Column: tp.Column, Message: tp.Message})
	default:
		return false
	}
	return true
}

func notUTF8(path string, row int, column, cell string) Problem {
	return Problem{File: path, Row: row, Column: column, Message: tabular.NotUTF8(cell)}
}

// columnPlan is how the columns of one file become fields.
type columnPlan struct {
	l         *loader
	file      string
	headerRow int
	header    []string
	folded    []string
	direct    []bool // column holds a field directly (by its name)
	actionCol int
	refCol    int
	spec      *actions.Spec
	tc        tableContext
	mapped    map[string]int // folded mapping key -> column, from columns:
	fi        int            // the file's index for duplicate locations
	mu        sync.Mutex     // guards plans: workers share the plan
	plans     map[*actions.Spec]*actionPlan
	hidden    map[string]bool // headers of the columns hidden in the sheet
}

type simpleField struct{ col, index int }

type fieldSource struct {
	field  string
	index  int // in spec.Fields
	cols   []int
	tmpl   *columnMap
	set    string
	hasSet bool
	def    string
	hasDef bool
}

type actionPlan struct {
	keyIdx []int // the loader's keyIndex and actionIndex of the action
	action uint8
	// simple are the fields read from exactly one column and nothing else,
	// which is most of them: the row loop for those is a copy.
	simple    []simpleField
	fields    []fieldSource // the others
	columns   map[string]string
	foreign   []int // columns that are fields of other actions only
	templates bool
}

func (l *loader) newColumnPlan(path string, headerRow int, header []string, tc tableContext) *columnPlan {
	cp := &columnPlan{l: l, file: path, headerRow: headerRow, header: header, actionCol: -1, refCol: -1, tc: tc,
		folded: make([]string, len(header)), direct: make([]bool, len(header)),
		plans: map[*actions.Spec]*actionPlan{}}
	cp.fi = l.fileIndex(path, false)
	cp.spec = l.action
	if tc.action != nil {
		cp.spec = tc.action
	}
	hp := func(col int, msg string) {
		l.problem(Problem{File: path, Row: headerRow, Column: header[col], Message: msg + tc.hiddenNote(col)})
	}
	first := map[string]int{}
	for i, h := range header {
		f := names.Fold(h)
		cp.folded[i] = f
		if f == "" {
			continue
		}
		if j, dup := first[f]; dup {
			hp(i, fmt.Sprintf("appears twice (columns %d and %d); only the first is read", j+1, i+1))
			cp.folded[i] = ""
			continue
		}
		first[f] = i
		switch f {
		case "action":
			cp.actionCol = i
		case "ref":
			cp.refCol = i
		}
	}
	// Columns named by a YAML source mapping, and by its templates.
	used := make([]bool, len(header))
	cp.mapped = map[string]int{}
	findCol := func(name string) (int, bool) {
		for i, h := range header {
			if strings.TrimSpace(h) == strings.TrimSpace(name) {
				return i, true
			}
		}
		want := names.Fold(name)
		for i, f := range cp.folded {
			if f != "" && f == want {
				return i, true
			}
		}
		return 0, false
	}
	mappingOK := true
	for _, m := range tc.columns {
		if m.tmpl == nil {
			c, ok := findCol(m.header)
			if !ok {
				l.problem(Problem{File: tc.yamlFile, Row: m.line, Column: m.key, Field: "columns",
					Message: fmt.Sprintf("%s has no column %q%s", path, m.header, names.DidYouMean(m.header, header))})
				mappingOK = false
				continue
			}
			used[c] = true
			cp.mapped[names.Fold(m.key)] = c
			continue
		}
		for _, name := range m.refs {
			c, ok := findCol(name)
			if !ok {
				l.problem(Problem{File: tc.yamlFile, Row: m.line, Column: m.key, Field: "columns",
					Message: fmt.Sprintf("the template uses column %q, which %s does not have%s", name, path, names.DidYouMean(name, header))})
				mappingOK = false
				continue
			}
			used[c] = true
		}
	}
	if !mappingOK {
		return nil // every row would repeat what the mapping problem says
	}
	if cp.spec == nil && cp.actionCol < 0 {
		l.problem(Problem{File: path, Row: headerRow,
			Message: `has no "action" column: add one naming each row's action, or give the action of every row with --action`})
		return nil
	}
	// The other columns must be fields; which actions count depends on
	// whether rows name their action.
	var candidates []string
	if cp.actionCol < 0 {
		candidates = fieldNames(cp.spec)
	} else {
		candidates = allFieldNames()
	}
	for i, h := range header {
		f := cp.folded[i]
		if f == "" || i == cp.actionCol || i == cp.refCol || used[i] {
			continue
		}
		if cp.actionCol < 0 {
			if _, ok := visibleField(cp.spec, h); ok {
				cp.direct[i] = true
				continue
			}
		} else if isFieldOf(h, nil) {
			cp.direct[i] = true
			continue
		}
		if tc.ignore || l.opts.IgnoreColumns {
			continue
		}
		if cp.actionCol < 0 && isFieldOf(h, nil) {
			hp(i, fmt.Sprintf("is not a field of %s%s (or use --ignore-columns)", cp.spec.Name, names.DidYouMean(h, candidates)))
			continue
		}
		hp(i, "unknown column"+names.DidYouMean(h, append(candidates, "action", "ref"))+" (map it in a YAML source, or use --ignore-columns)")
	}
	return cp
}

// plan returns how the columns fill the fields of one action.
func (cp *columnPlan) plan(spec *actions.Spec) *actionPlan {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if ap, ok := cp.plans[spec]; ok {
		return ap
	}
	ap := &actionPlan{columns: map[string]string{}, keyIdx: cp.l.keyIndex[spec], action: cp.l.actionIndex[spec]}
	by := map[string]*fieldSource{}
	get := func(name string) *fieldSource {
		fs, ok := by[name]
		if !ok {
			i, _ := spec.FieldIndex(name)
			fs = &fieldSource{field: name, index: i}
			by[name] = fs
		}
		return fs
	}
	for i, h := range cp.header {
		if !cp.direct[i] {
			continue
		}
		f, ok := spec.Field(h)
		if !ok {
			ap.foreign = append(ap.foreign, i)
			continue
		}
		fs := get(f.Name)
		fs.cols = append(fs.cols, i)
		if _, ok := ap.columns[f.Name]; !ok {
			ap.columns[f.Name] = h
		}
	}
	for mi := range cp.tc.columns {
		m := &cp.tc.columns[mi]
		f, ok := spec.Field(m.key)
		if !ok {
			continue
		}
		fs := get(f.Name)
		if m.tmpl != nil {
			fs.tmpl = m
			ap.templates = true
			if _, ok := ap.columns[f.Name]; !ok {
				ap.columns[f.Name] = m.text
			}
			continue
		}
		if c, ok := cp.mapped[names.Fold(m.key)]; ok {
			fs.cols = append(fs.cols, c)
			if _, ok := ap.columns[f.Name]; !ok {
				ap.columns[f.Name] = cp.header[c]
			}
		}
	}
	setValue := func(k, v, from string) {
		f, ok := spec.Field(k)
		if !ok {
			return
		}
		fs := get(f.Name)
		if len(fs.cols) > 0 || fs.tmpl != nil {
			col := ap.columns[f.Name]
			cp.l.problem(Problem{File: cp.file, Row: cp.headerRow, Column: col, Field: f.Name,
				Message: fmt.Sprintf("is also given by %s %s; remove one of them", from, k)})
			return
		}
		fs.set, fs.hasSet = v, true
		ap.columns[f.Name] = from
	}
	for k, v := range cp.tc.set {
		setValue(k, v, "set:")
	}
	for k, v := range cp.l.set {
		setValue(cp.l.setNames[k], v, "--set")
	}
	for k, v := range cp.tc.defaults {
		f, ok := spec.Field(k)
		if !ok {
			continue
		}
		fs := get(f.Name)
		fs.def, fs.hasDef = v, true
		if _, ok := ap.columns[f.Name]; !ok {
			ap.columns[f.Name] = "defaults"
		}
	}
	for _, f := range spec.Fields {
		fs, ok := by[f.Name]
		if !ok {
			continue
		}
		// A column named exactly as the field comes before its aliases
		// (in a mixed file, user_id is create-user's id only when id is
		// empty), and names the field in messages.
		for i, c := range fs.cols {
			if i > 0 && cp.folded[c] == names.Fold(f.Name) {
				copy(fs.cols[1:i+1], fs.cols[:i])
				fs.cols[0] = c
				ap.columns[f.Name] = cp.header[c]
				break
			}
		}
		if len(fs.cols) == 1 && fs.tmpl == nil && !fs.hasSet && !fs.hasDef {
			ap.simple = append(ap.simple, simpleField{col: fs.cols[0], index: fs.index})
			continue
		}
		ap.fields = append(ap.fields, *fs)
	}
	cp.plans[spec] = ap
	return ap
}

// columnName names a column for a message: its header, or its position.
func (cp *columnPlan) columnName(i int) string {
	if i < len(cp.header) && strings.TrimSpace(cp.header[i]) != "" {
		return cp.header[i]
	}
	return "column " + strconv.Itoa(i+1)
}

// row turns one record into a job; meta says what its cells are, for a
// workbook.
func (w *rowWorker) row(rec []string, meta []tabular.Cell, row int) {
	cp := w.cp
	l := cp.l
	prob := func(col int, msg string, sev Severity) {
		l.problem(Problem{File: cp.file, Row: row, Column: cp.columnName(col), Message: msg + cp.tc.hiddenNote(col), Severity: sev})
	}
	if len(rec) > l.lim.MaxColumns {
		l.problem(Problem{File: cp.file, Row: row, Message: fmt.Sprintf("has %d cells; the limit is %d", len(rec), l.lim.MaxColumns)})
		return
	}
	if !cp.cellsFit(rec, prob) {
		return
	}
	spec := cp.spec
	if cp.actionCol >= 0 && cp.actionCol < len(rec) {
		if name := strings.TrimSpace(rec[cp.actionCol]); name != "" {
			s, ok := w.specs[name]
			if !ok {
				s, _ = actions.Lookup(name)
				if len(w.specs) < 64 {
					w.specs[name] = s
				}
			}
			if s == nil {
				prob(cp.actionCol, fmt.Sprintf("unknown action %q%s", name, names.DidYouMean(name, actions.Names())), Error)
				return
			}
			spec = s
		}
	}
	if spec == nil {
		prob(cp.actionCol, "has no action: name the row's action here, or give one for all rows with --action", Error)
		return
	}
	ap := w.lastPlan
	p := &w.pend
	if spec != w.lastSpec {
		var ok bool
		if ap, ok = w.plans[spec]; !ok {
			ap = cp.plan(spec)
			w.plans[spec] = ap
		}
		w.lastSpec, w.lastPlan = spec, ap
		// Every row of this action writes the same cells (the planned
		// ones, blank or not): clearing them once per change of action
		// is enough.
		if cap(w.cells) < len(spec.Fields) {
			w.cells = make([]string, len(spec.Fields))
		}
		w.cells = w.cells[:len(spec.Fields)]
		clear(w.cells)
		*p = pending{source: cp.file, spec: spec, cells: w.cells, fi: cp.fi, keyIdx: ap.keyIdx, action: ap.action,
			singleByte: cp.tc.singleByte, hidden: cp.hidden}
	}
	if ap.templates {
		if w.data == nil {
			w.data = map[string]string{}
		}
		clear(w.data)
		for i, h := range cp.header {
			if i < len(rec) && strings.TrimSpace(h) != "" {
				w.data[strings.TrimSpace(h)] = rec[i]
			}
		}
	}
	cells := w.cells
	p.row, p.columns, p.ref, p.refCol, p.bad, p.refused = row, ap.columns, "", "", false, nil
	for _, sf := range ap.simple {
		x := ""
		if sf.col < len(rec) {
			x = rec[sf.col]
			if meta != nil && meta[sf.col].Kind != tabular.CellText {
				x = w.fromCell(&spec.Fields[sf.index], sf.col, x, meta[sf.col], row)
			}
		}
		cells[sf.index] = x
	}
	ownColumns := false
	for i := range ap.fields {
		fs := &ap.fields[i]
		val, from := "", -1
		for _, c := range fs.cols {
			if c >= len(rec) {
				continue
			}
			x := rec[c]
			if tabular.IsBlank(x) {
				continue
			}
			if meta != nil && meta[c].Kind != tabular.CellText {
				x = w.fromCell(&spec.Fields[fs.index], c, x, meta[c], row)
			}
			if from < 0 {
				val, from = x, c
				continue
			}
			if strings.TrimSpace(x) != strings.TrimSpace(val) {
				prob(c, fmt.Sprintf("%s: disagrees with column %q; give the value once", fs.field, cp.columnName(from)), Error)
				p.bad = true
			}
		}
		if from >= 0 && from != fs.cols[0] {
			// The value came from another column than the one the plan
			// names for this field: say so in this row's messages.
			if !ownColumns {
				p.columns, ownColumns = maps.Clone(ap.columns), true
			}
			p.columns[fs.field] = cp.header[from]
		}
		if val == "" && fs.tmpl != nil {
			out, err := w.execute(fs.tmpl)
			if err != nil {
				l.problem(Problem{File: cp.file, Row: row, Column: fs.tmpl.text, Field: fs.field, Message: err.Error()})
				p.bad = true
				cells[fs.index] = ""
				continue
			}
			val = out
		}
		if val == "" && fs.hasSet {
			val = fs.set
		}
		if val == "" && fs.hasDef {
			val = fs.def
		}
		cells[fs.index] = val
	}
	for _, c := range ap.foreign {
		if c < len(rec) && strings.TrimSpace(rec[c]) != "" {
			prob(c, "ignored: not a field of "+spec.Name, Warning)
		}
	}
	if cp.refCol >= 0 && cp.refCol < len(rec) {
		p.ref = strings.TrimSpace(rec[cp.refCol])
		p.refCol = cp.header[cp.refCol]
	}
	l.add(p, w.sc)
}

// cellsFit reports the cells of a record too long, or where the header
// has no column (once a row past its last), and whether there were none.
func (cp *columnPlan) cellsFit(rec []string, prob func(col int, msg string, sev Severity)) bool {
	ok, beyond := true, false
	for i, c := range rec {
		if len(c) > cp.l.lim.MaxCellBytes {
			prob(i, fmt.Sprintf("cell is %d bytes; the limit is %d", len(c), cp.l.lim.MaxCellBytes), Error)
			ok = false
			continue
		}
		if (i >= len(cp.header) || cp.folded[i] == "") && !tabular.IsBlank(c) {
			switch {
			case i < len(cp.header):
				prob(i, "has a value, but the column has no header", Error)
			case !beyond:
				prob(i, fmt.Sprintf("has a value, but the header has only %d columns", len(cp.header)), Error)
				beyond = true
			}
			ok = false
		}
	}
	return ok
}

// fromCell is what a field takes from a workbook cell that is not text: a
// number field the number beneath the display (1,234.50 is 1234.5), a text
// field what Excel shows (123 formatted 00000 is 00123), a date field the
// date. What cannot be taken as the sheet shows it is reported.
func (w *rowWorker) fromCell(f *actions.Field, col int, x string, m tabular.Cell, row int) string {
	l, cp, p := w.cp.l, w.cp, &w.pend
	report := func(sev Severity, format string, args ...any) {
		msg := fmt.Sprintf("cell %s ", tabular.CellName(col, row)) + fmt.Sprintf(format, args...) + cp.tc.hiddenNote(col)
		l.problem(Problem{File: cp.file, Row: row, Column: cp.columnName(col), Field: f.Name, Message: msg, Severity: sev})
	}
	switch m.Kind {
	case tabular.CellError:
		report(Error, "holds the Excel error %s: correct the formula, or type the value", x)
		p.refuse(f.Name)
		return ""
	case tabular.CellNumber, tabular.CellGeneral, tabular.CellShownAs:
		switch f.Kind {
		case actions.KindNumber, actions.KindInt, actions.KindBool:
			return m.Value
		case actions.KindDateTime:
			return x // a number, not a date: validation says what a date must be
		}
		if m.Kind == tabular.CellShownAs {
			report(Error, "is the number %s shown with the format %q, which bulk does not reproduce: format the column as Text and type the value as it should read", m.Value, m.Code)
			p.refuse(f.Name)
			return ""
		}
		if m.Kind == tabular.CellGeneral && f.Identifier {
			report(Warning, "is a number in General format (%s): leading zeros may have been lost; format the column as Text and type the values again", m.Value)
		}
	case tabular.CellBool:
		if f.Kind == actions.KindBool {
			return m.Value
		}
	}
	return x
}

// execute runs a column template over the current row. Files with
// templates are read by a single worker (see readTable), which binds col
// to its row.
func (w *rowWorker) execute(m *columnMap) (string, error) {
	var b bytes.Buffer
	lw := &limitedWriter{w: &b, n: w.cp.l.lim.MaxCellBytes}
	m.tmpl.Funcs(template.FuncMap{"col": w.col})
	if err := m.tmpl.Execute(lw, w.data); err != nil {
		if errors.Is(err, errCellTooLong) {
			return "", fmt.Errorf("the template makes a value longer than %d bytes", w.cp.l.lim.MaxCellBytes)
		}
		return "", fmt.Errorf("template: %v", err)
	}
	return b.String(), nil
}

var errCellTooLong = errors.New("cell too long")

type limitedWriter struct {
	w io.Writer
	n int
}

func (lw *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > lw.n {
		return 0, errCellTooLong
	}
	lw.n -= len(p)
	return lw.w.Write(p)
}

// col is the template function {{col "Employee ID"}}: a cell of the
// current row by header, for headers that are not Go identifiers.
func (w *rowWorker) col(name string) string {
	name = strings.TrimSpace(name)
	if v, ok := w.data[name]; ok {
		return v
	}
	want := names.Fold(name)
	for h, v := range w.data {
		if names.Fold(h) == want {
			return v
		}
	}
	return ""
}
