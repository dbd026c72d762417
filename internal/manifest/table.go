package manifest

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"text/template"
	"unicode/utf8"

	"github.com/firmtools/bulk/internal/actions"
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
	workbook   bool // the table is a workbook's sheet
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
		tc.hiddenCol, tc.workbook = sheet.ColumnHidden, true
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
