package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/names"
	"github.com/firmtools/bulk/internal/tabular"
)

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
	twice     []int           // columns whose header an earlier column has
	// own: the file is one bulk wrote back (it has StatusColumn or
	// ErrorColumn): those columns are not read, and cells are restored.
	own     bool
	bulkCol []bool
	// table, when the rows' cells are kept (Load, a plain table), is the
	// header they are kept under; keepPos maps a column to its position
	// there (-1: a column bulk added); secret marks columns of secrets,
	// kept blank.
	table   *Table
	keepPos []int
	secret  []bool
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
	// props are the properties fields filled from MEMBER.NAME columns.
	props []propGroup
}

// propGroup is a properties field (actions.KindProperties) and the
// MEMBER.NAME columns that fill it.
type propGroup struct {
	index int  // in spec.Fields
	own   bool // the field has a source of its own: its column, set:, defaults:
	cols  []propCol
}

type propCol struct {
	col  int
	prop string
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
	cp.ownColumns()
	cp.foldHeader()
	if l.keep && tc.yamlFile == "" {
		cp.keepCells(tc.workbook)
	}
	used, ok := cp.mapColumns()
	if !ok {
		return nil // every row would repeat what the mapping problem says
	}
	if cp.spec == nil && cp.actionCol < 0 {
		l.problem(Problem{File: path, Row: headerRow,
			Message: `has no "action" column: add one naming each row's action, or give the action of every row with --action`})
		return nil
	}
	cp.checkColumns(used)
	return cp
}

// headerProblem reports a problem with the header's column col.
func (cp *columnPlan) headerProblem(col int, msg string) {
	cp.l.problem(Problem{File: cp.file, Row: cp.headerRow, Column: cp.header[col], Message: msg + cp.tc.hiddenNote(col)})
}

// ownColumns finds the columns bulk adds to a file of rows it writes back;
// in such a file, every header cell is restored as it was.
func (cp *columnPlan) ownColumns() {
	cp.bulkCol = make([]bool, len(cp.header))
	status, errCol := names.Fold(StatusColumn), names.Fold(ErrorColumn)
	for i, h := range cp.header {
		if f := names.Fold(h); f == status || f == errCol {
			cp.bulkCol[i], cp.own = true, true
		}
	}
	if cp.own {
		cp.header = slices.Clone(cp.header)
		for i, h := range cp.header {
			cp.header[i] = tabular.Restore(h)
		}
	}
}

// keepCells readies the table each row's cells are kept under.
func (cp *columnPlan) keepCells(workbook bool) {
	cp.table = &Table{Path: cp.file, Workbook: workbook}
	cp.keepPos = make([]int, len(cp.header))
	cp.secret = make([]bool, len(cp.header))
	for i, h := range cp.header {
		cp.keepPos[i] = -1
		if cp.bulkCol[i] {
			continue
		}
		cp.keepPos[i] = len(cp.table.Header)
		cp.table.Header = append(cp.table.Header, h)
		cp.secret[i] = isSecretField(h)
	}
}

// keptCells are the cells of a row as the job keeps them (Job.Cells).
func (cp *columnPlan) keptCells(rec []string) []string {
	out := make([]string, len(cp.table.Header))
	for i, c := range rec {
		if i < len(cp.keepPos) && cp.keepPos[i] >= 0 && !cp.secret[i] {
			out[cp.keepPos[i]] = c
		}
	}
	return out
}

// foldHeader folds the header's names, finds the action and ref columns,
// and reports names given twice (only the first is read).
func (cp *columnPlan) foldHeader() {
	first := map[string]int{}
	for i, h := range cp.header {
		f := names.Fold(h)
		cp.folded[i] = f
		if f == "" || cp.bulkCol[i] {
			cp.folded[i] = ""
			continue
		}
		key := f
		if prefix, name, ok := strings.Cut(strings.TrimSpace(h), "."); ok {
			if isProp, _ := isPropertyColumn(h, nil); isProp {
				// A schema's property names are exact: practice_area and
				// Practice_Area may be two properties.
				key = names.Fold(prefix) + "." + strings.TrimSpace(name)
			}
		}
		if j, dup := first[key]; dup {
			cp.headerProblem(i, fmt.Sprintf("appears twice (columns %d and %d); only the first is read", j+1, i+1))
			cp.folded[i] = ""
			cp.twice = append(cp.twice, i) // said once, here: its cells are not "without a header"
			continue
		}
		first[key] = i
		switch f {
		case "action":
			cp.actionCol = i
		case "ref":
			cp.refCol = i
		}
	}
}

// findCol finds a column by its header: as written, else folded.
func (cp *columnPlan) findCol(name string) (int, bool) {
	for i, h := range cp.header {
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

// mapColumns finds the columns a YAML source's mapping and templates name;
// used marks them. ok is false when one is not there (reported).
func (cp *columnPlan) mapColumns() (used []bool, ok bool) {
	used = make([]bool, len(cp.header))
	cp.mapped = map[string]int{}
	ok = true
	missing := func(m columnMap, msg string) {
		cp.l.problem(Problem{File: cp.tc.yamlFile, Row: m.line, Column: m.key, Field: "columns", Message: msg})
		ok = false
	}
	for _, m := range cp.tc.columns {
		if m.tmpl == nil {
			c, found := cp.findCol(m.header)
			if !found {
				missing(m, fmt.Sprintf("%s has no column %q%s", cp.file, m.header, names.DidYouMean(m.header, cp.header)))
				continue
			}
			used[c] = true
			cp.mapped[pairKey(m.key)] = c
			continue
		}
		for _, name := range m.refs {
			c, found := cp.findCol(name)
			if !found {
				missing(m, fmt.Sprintf("the template uses column %q, which %s does not have%s", name, cp.file, names.DidYouMean(name, cp.header)))
				continue
			}
			used[c] = true
		}
	}
	return used, ok
}

// checkColumns marks the columns that are fields and reports the others
// (unless told to ignore them). Which actions' fields count depends on
// whether rows name their action.
func (cp *columnPlan) checkColumns(used []bool) {
	var candidates []string
	if cp.actionCol < 0 {
		candidates = fieldNames(cp.spec)
	} else {
		candidates = allFieldNames()
	}
	for i, h := range cp.header {
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
		scope := cp.spec
		if cp.actionCol >= 0 {
			scope = nil // rows name their actions
		}
		if ok, err := isPropertyColumn(h, scope); err != nil {
			cp.headerProblem(i, err.Error())
			continue
		} else if ok {
			cp.direct[i] = true
			continue
		}
		if cp.tc.ignore || cp.l.opts.IgnoreColumns {
			continue
		}
		if cp.actionCol < 0 && isFieldOf(h, nil) {
			cp.headerProblem(i, fmt.Sprintf("is not a field of %s%s (or use --ignore-columns)", cp.spec.Name, names.DidYouMean(h, candidates)))
			continue
		}
		cp.headerProblem(i, "unknown column"+names.DidYouMean(h, append(candidates, "action", "ref"))+" (map it in a YAML source, or use --ignore-columns)")
	}
}

// plan returns how the columns fill the fields of one action.
func (cp *columnPlan) plan(spec *actions.Spec) *actionPlan {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if ap, ok := cp.plans[spec]; ok {
		return ap
	}
	b := &planBuilder{cp: cp, spec: spec, by: map[string]*fieldSource{},
		ap: &actionPlan{columns: map[string]string{}, keyIdx: cp.l.keyIndex[spec], action: cp.l.actionIndex[spec]}}
	b.fromColumns()
	b.fromMapping()
	for k, v := range cp.tc.set {
		b.setValue(k, v, "set:")
	}
	for k, v := range cp.l.set {
		b.setValue(cp.l.setNames[k], v, "--set")
	}
	b.fromDefaults()
	b.finish()
	cp.plans[spec] = b.ap
	return b.ap
}

// planBuilder makes the actionPlan of one action: where each field's
// value comes from.
type planBuilder struct {
	cp   *columnPlan
	spec *actions.Spec
	ap   *actionPlan
	by   map[string]*fieldSource
}

func (b *planBuilder) get(name string) *fieldSource {
	fs, ok := b.by[name]
	if !ok {
		i, _ := b.spec.FieldIndex(name)
		fs = &fieldSource{field: name, index: i}
		b.by[name] = fs
	}
	return fs
}

// name records where a field's value comes from, for messages, unless
// something else already does.
func (b *planBuilder) name(field, from string) {
	if _, ok := b.ap.columns[field]; !ok {
		b.ap.columns[field] = from
	}
}

// fromColumns: the columns named as fields of the action; those of other
// actions only are foreign.
func (b *planBuilder) fromColumns() {
	for i, h := range b.cp.header {
		if !b.cp.direct[i] {
			continue
		}
		f, ok := b.spec.Field(h)
		if !ok && b.property(h, i) {
			continue
		}
		if !ok {
			b.ap.foreign = append(b.ap.foreign, i)
			continue
		}
		fs := b.get(f.Name)
		fs.cols = append(fs.cols, i)
		b.name(f.Name, h)
	}
}

// fromMapping: the columns and templates a YAML source's columns: maps.
func (b *planBuilder) fromMapping() {
	for mi := range b.cp.tc.columns {
		m := &b.cp.tc.columns[mi]
		f, ok := b.spec.Field(m.key)
		if !ok {
			if c, mapped := b.cp.mapped[pairKey(m.key)]; mapped {
				b.property(m.key, c)
			}
			continue
		}
		fs := b.get(f.Name)
		if m.tmpl != nil {
			fs.tmpl = m
			b.ap.templates = true
			b.name(f.Name, m.text)
			continue
		}
		if c, ok := b.cp.mapped[pairKey(m.key)]; ok {
			fs.cols = append(fs.cols, c)
			b.name(f.Name, b.cp.header[c])
		}
	}
}

// property plans column c as the further property a MEMBER.NAME name
// (a header, or a key of columns:) gives; false when name is no such
// thing for this action (the header's check reported a bad one).
func (b *planBuilder) property(name string, c int) bool {
	f, prop, ok, _ := b.spec.PropertyColumn(name)
	if !ok {
		return false
	}
	i, _ := b.spec.FieldIndex(f.Name)
	g := -1
	for k := range b.ap.props {
		if b.ap.props[k].index == i {
			g = k
		}
	}
	if g < 0 {
		b.ap.props = append(b.ap.props, propGroup{index: i})
		g = len(b.ap.props) - 1
	}
	b.ap.props[g].cols = append(b.ap.props[g].cols, propCol{col: c, prop: prop})
	key := actions.PropertyKey(f.Member, prop)
	b.name(key, b.cp.header[c])
	b.cp.l.noteProperty(key)
	return true
}

// setValue: a value for every row (a source's set:, --set), which a
// column must not also give.
func (b *planBuilder) setValue(k, v, from string) {
	f, ok := b.spec.Field(k)
	if !ok {
		return
	}
	fs := b.get(f.Name)
	if len(fs.cols) > 0 || fs.tmpl != nil {
		b.cp.l.problem(Problem{File: b.cp.file, Row: b.cp.headerRow, Column: b.ap.columns[f.Name], Field: f.Name,
			Message: fmt.Sprintf("is also given by %s %s; remove one of them", from, k)})
		return
	}
	fs.set, fs.hasSet = v, true
	b.ap.columns[f.Name] = from
}

// fromDefaults: a YAML manifest's defaults:, for the rows that give none.
func (b *planBuilder) fromDefaults() {
	for k, v := range b.cp.tc.defaults {
		f, ok := b.spec.Field(k)
		if !ok {
			continue
		}
		fs := b.get(f.Name)
		fs.def, fs.hasDef = v, true
		b.name(f.Name, "defaults")
	}
}

// finish orders each field's columns and sorts the fields into simple
// (one column, nothing else) and the others.
func (b *planBuilder) finish() {
	for k := range b.ap.props {
		_, b.ap.props[k].own = b.by[b.spec.Fields[b.ap.props[k].index].Name]
	}
	for _, f := range b.spec.Fields {
		fs, ok := b.by[f.Name]
		if !ok {
			continue
		}
		// A column named exactly as the field comes before its aliases
		// (in a mixed file, user_id is create-user's id only when id is
		// empty), and names the field in messages.
		for i, c := range fs.cols {
			if i > 0 && b.cp.folded[c] == names.Fold(f.Name) {
				copy(fs.cols[1:i+1], fs.cols[:i])
				fs.cols[0] = c
				b.ap.columns[f.Name] = b.cp.header[c]
				break
			}
		}
		if len(fs.cols) == 1 && fs.tmpl == nil && !fs.hasSet && !fs.hasDef {
			b.ap.simple = append(b.ap.simple, simpleField{col: fs.cols[0], index: fs.index})
			continue
		}
		b.ap.fields = append(b.ap.fields, *fs)
	}
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
	if len(rec) > l.lim.MaxColumns {
		l.problem(Problem{File: cp.file, Row: row, Message: fmt.Sprintf("has %d cells; the limit is %d", len(rec), l.lim.MaxColumns)})
		return
	}
	if !cp.cellsFit(rec, func(col int, msg string, sev Severity) { w.cellProblem(row, col, msg, sev) }) {
		return
	}
	if cp.own {
		rec = restoreCells(rec)
	}
	spec := w.rowSpec(rec, row)
	if spec == nil {
		return
	}
	ap := w.usePlan(spec)
	p := &w.pend
	p.record, p.table = nil, cp.table
	if cp.table != nil {
		p.record = cp.keptCells(rec)
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
	p.row, p.columns, p.ref, p.refCol, p.bad, p.refused = row, ap.columns, "", "", false, nil
	for _, sf := range ap.simple {
		x := ""
		if sf.col < len(rec) {
			x = rec[sf.col]
			if meta != nil && meta[sf.col].Kind != tabular.CellText {
				x = w.fromCell(&spec.Fields[sf.index], sf.col, x, meta[sf.col], row)
				if p.record != nil && cp.keepPos[sf.col] >= 0 && !cp.secret[sf.col] {
					p.record[cp.keepPos[sf.col]] = x // as the row was validated
				}
			}
		}
		w.cells[sf.index] = x
	}
	w.otherFields(rec, meta, row, ap)
	for _, g := range ap.props {
		w.properties(rec, meta, row, g)
	}
	for _, c := range ap.foreign {
		if c < len(rec) && strings.TrimSpace(rec[c]) != "" {
			w.cellProblem(row, c, "ignored: not a field of "+spec.Name, Warning)
		}
	}
	if cp.refCol >= 0 && cp.refCol < len(rec) {
		p.ref = strings.TrimSpace(rec[cp.refCol])
		p.refCol = cp.header[cp.refCol]
	}
	l.add(p, w.sc)
}

// restoreCells are the cells of a row of a file bulk wrote back, as they
// were before bulk neutralised them.
func restoreCells(rec []string) []string {
	out := make([]string, len(rec))
	for i, c := range rec {
		out[i] = tabular.Restore(c)
	}
	return out
}

// cellProblem reports a problem with the cell of column col of a row.
func (w *rowWorker) cellProblem(row, col int, msg string, sev Severity) {
	cp := w.cp
	cp.l.problem(Problem{File: cp.file, Row: row, Column: cp.columnName(col), Message: msg + cp.tc.hiddenNote(col), Severity: sev})
}

// rowSpec is the action of a row: its action cell's, else the file's;
// nil (reported) when there is none or it is unknown.
func (w *rowWorker) rowSpec(rec []string, row int) *actions.Spec {
	cp := w.cp
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
				w.cellProblem(row, cp.actionCol, fmt.Sprintf("unknown action %q%s", name, names.DidYouMean(name, actions.Names())), Error)
				return nil
			}
			spec = s
		}
	}
	if spec == nil {
		w.cellProblem(row, cp.actionCol, "has no action: name the row's action here, or give one for all rows with --action", Error)
	}
	return spec
}

// usePlan returns the column plan of spec, and readies the worker's
// buffers when the row's action is not the previous row's.
func (w *rowWorker) usePlan(spec *actions.Spec) *actionPlan {
	if spec == w.lastSpec {
		return w.lastPlan
	}
	ap, ok := w.plans[spec]
	if !ok {
		ap = w.cp.plan(spec)
		w.plans[spec] = ap
	}
	w.lastSpec, w.lastPlan = spec, ap
	// Every row of this action writes the same cells (the planned ones,
	// blank or not): clearing them once per change of action is enough.
	if cap(w.cells) < len(spec.Fields) {
		w.cells = make([]string, len(spec.Fields))
	}
	w.cells = w.cells[:len(spec.Fields)]
	clear(w.cells)
	cp := w.cp
	w.pend = pending{source: cp.file, spec: spec, cells: w.cells, fi: cp.fi, keyIdx: ap.keyIdx, action: ap.action,
		singleByte: cp.tc.singleByte, hidden: cp.hidden}
	return ap
}

// otherFields fills the fields that are not read from exactly one column:
// from one of several columns (which must agree), a template, set: or
// --set, or defaults:.
func (w *rowWorker) otherFields(rec []string, meta []tabular.Cell, row int, ap *actionPlan) {
	cp, p, spec := w.cp, &w.pend, w.lastSpec
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
				w.cellProblem(row, c, fmt.Sprintf("%s: disagrees with column %q; give the value once", fs.field, cp.columnName(from)), Error)
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
				cp.l.problem(Problem{File: cp.file, Row: row, Column: fs.tmpl.text, Field: fs.field, Message: err.Error()})
				p.bad = true
				w.cells[fs.index] = ""
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
		w.cells[fs.index] = val
	}
}

// properties gathers a row's MEMBER.NAME cells into their properties
// field, as a JSON object of name -> text (blank cells left out).
func (w *rowWorker) properties(rec []string, meta []tabular.Cell, row int, g propGroup) {
	f := &w.lastSpec.Fields[g.index]
	props := map[string]string{}
	first := -1
	for _, pc := range g.cols {
		if pc.col >= len(rec) || tabular.IsBlank(rec[pc.col]) {
			continue
		}
		x := rec[pc.col]
		if msg := propertyCell(meta, pc.col, row, x); msg != "" {
			w.cellProblem(row, pc.col, msg, Error)
			w.pend.refuse(f.Name)
			continue
		}
		if meta != nil && meta[pc.col].Kind != tabular.CellText {
			x = w.fromCell(f, pc.col, x, meta[pc.col], row)
		}
		if prev, twice := props[pc.prop]; twice && strings.TrimSpace(prev) != strings.TrimSpace(x) {
			w.cellProblem(row, pc.col, fmt.Sprintf("%s: disagrees with another column giving it; give the value once", actions.PropertyKey(f.Member, pc.prop)), Error)
			w.pend.bad = true
		}
		props[pc.prop] = x
		if first < 0 {
			first = pc.col
		}
	}
	if len(props) == 0 {
		if !g.own {
			w.cells[g.index] = ""
		}
		return
	}
	if g.own && w.cells[g.index] != "" {
		w.cellProblem(row, first, fmt.Sprintf("give the further properties of %s either in %s.NAME columns or in %s, not both", f.Member, f.Member, w.pend.columns[f.Name]), Error)
		w.pend.bad = true
		return
	}
	w.cells[g.index] = actions.EncodeProperties(props)
}

// propertyCell says why a workbook cell cannot give a tenant's property,
// or "": a number shown as other text (3.7 formatted "0" shows 4; a
// General number of 16 digits shows 1.23456789012346E+15) or a date. The
// schema, not the sheet, says whether the number, the text or which form
// of a date is sent, and none may be guessed.
func propertyCell(meta []tabular.Cell, col, row int, x string) string {
	if meta == nil {
		return ""
	}
	m := meta[col]
	switch {
	case m.Kind == tabular.CellDate:
		return fmt.Sprintf("cell %s is a date: a tenant's property is sent as the service's schema types it, which the sheet cannot say (a date, a date-time, a number); format the column as Text and type the value as it is to be sent, such as 2024-03-01",
			tabular.CellName(col, row))
	case (m.Kind == tabular.CellNumber || m.Kind == tabular.CellGeneral) && !sameNumber(m.Raw, x):
		return fmt.Sprintf("cell %s is the number %s shown as %q: a tenant's property is sent as the service's schema types it, as that number or as that text, which the sheet cannot say; format the column as Text and type the value as it is to be sent",
			tabular.CellName(col, row), m.Raw, x)
	}
	return ""
}

// sameNumber reports whether the text a cell shows is the number it
// stores (12.00 is 12; 4 is not 3.7, nor 1.23456789012346E+15
// 1234567890123456).
func sameNumber(raw, shown string) bool {
	a, errA := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	b, errB := strconv.ParseFloat(strings.TrimSpace(shown), 64)
	if errA != nil || errB != nil || a != b {
		return false
	}
	// Both read as the same double; the stored digits must be the shown
	// ones too, where a double cannot tell (16 digits and more).
	return len(strings.TrimLeft(strings.TrimSpace(raw), "-+0.")) < 16 || strings.TrimSpace(raw) == strings.TrimSpace(shown)
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
		if (i >= len(cp.header) || cp.folded[i] == "" && !cp.bulkCol[i] && !slices.Contains(cp.twice, i)) && !tabular.IsBlank(c) {
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
		case actions.KindNumber, actions.KindInt:
			if m.Raw != "" {
				return m.Raw // the stored digits: Value is rounded past 15
			}
			return m.Value
		case actions.KindBool:
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
