package tabular

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// CellKind is what a workbook cell holds, beyond the text the record has
// for it.
type CellKind uint8

const (
	CellText    CellKind = iota // text (and every CSV cell)
	CellNumber                  // a number shown through its format: the record has the display
	CellGeneral                 // a number in the General (or Text) format: the record has the number
	CellShownAs                 // a number in a format not rendered: the record has the number
	CellDate                    // a date: the record has it in ISO 8601
	CellBool                    // TRUE or FALSE
	CellError                   // an Excel error such as #N/A
)

// Cell is what a workbook says of a cell besides its text.
type Cell struct {
	Kind  CellKind
	Value string // a number's value, written plainly (1234.5), for number fields
	Code  string // the number format, for messages
	// Raw is a number as the workbook stores it (1234567890123456, where
	// Value and the General format show 1.23456789012346E+15).
	Raw string
}

// Sheet reads one sheet of a workbook row by row.
type Sheet struct {
	wb         *workbook
	sheet      string
	part       string // the sheet's part, for messages
	why        string // why this sheet: the active one, the first visible, --sheet
	x          *xmlTokens
	closer     io.Closer
	row        int
	maxRecord  int
	maxCols    int
	hiddenMode string // "", "include" or "skip"
	rec        []string
	meta       []Cell
	hiddenCols []bool // by column, from the sheet's <cols>
	hidden     []int  // rows hidden in the sheet, with values, that were read
	skipped    int    // hidden rows left out (--hidden-rows skip)
	done       bool
	pending    error
}

// openSheet opens sheet i and reads what comes before its rows (the
// widths and states of the columns).
func (wb *workbook) openSheet(i int, why, hiddenRows string) (*Sheet, string) {
	s := wb.sheets[i]
	e := wb.parts[s.part]
	if e == nil {
		return nil, fmt.Sprintf("is a damaged workbook (sheet %q has no part %s): open it in Excel and save it again", s.name, s.part)
	}
	rc, err := e.Open()
	if err != nil {
		return nil, partError(e.Name, err)
	}
	t := &Sheet{wb: wb, sheet: s.name, part: e.Name, why: why, x: newXMLTokens(rc, xmlTokenLimit(wb.lim)), closer: rc,
		maxRecord: maxRecordBytes(wb.lim), maxCols: wb.lim.MaxColumns, hiddenMode: hiddenRows}
	for {
		err := t.x.next()
		if err == io.EOF {
			t.done = true
			return t, ""
		}
		if err != nil {
			rc.Close()
			return nil, partError(e.Name, err)
		}
		switch {
		case t.x.kind == tokStart && t.x.is("col"):
			t.noteCol()
		case t.x.kind == tokStart && t.x.is("sheetData"):
			t.done = t.x.selfClose
			return t, ""
		}
	}
}

// noteCol records the columns a <col> hides.
func (t *Sheet) noteCol() {
	if h, _ := t.x.attr("hidden"); string(h) != "1" && string(h) != "true" {
		return
	}
	lo, _ := t.x.attr("min")
	hi, _ := t.x.attr("max")
	a, errA := strconv.Atoi(string(lo))
	b, errB := strconv.Atoi(string(hi))
	if errA != nil || errB != nil || a < 1 || b < a {
		return
	}
	b = min(b, t.maxCols+1, excelColumns)
	for c := a; c <= b; c++ {
		for len(t.hiddenCols) < c {
			t.hiddenCols = append(t.hiddenCols, false)
		}
		t.hiddenCols[c-1] = true
	}
}

func (t *Sheet) stopErr(row int, format string, args ...any) error {
	return &Problem{Row: row, Message: fmt.Sprintf("sheet %q: ", t.sheet) + fmt.Sprintf(format, args...)}
}

func (t *Sheet) damagedErr(row int, err error) error {
	var be *boundError
	var de *damagedXML
	switch {
	case errors.As(err, &be):
		return &Problem{Row: row, Message: fmt.Sprintf("sheet %q is too large to read safely: it %s: split the sheet, or save it as CSV", t.sheet, be.what)}
	case errors.As(err, &de):
		return &Problem{Row: row, Message: fmt.Sprintf("sheet %q: the workbook is damaged (its part %s %s): open it in Excel and save it again", t.sheet, t.part, de.what)}
	}
	return &Problem{Row: row, Message: fmt.Sprintf("sheet %q: the workbook is damaged (%v): open it in Excel and save it again", t.sheet, err)}
}

// Next returns the next row of the sheet that has a start tag: rows Excel
// leaves out are blank. Hidden rows are left out with --hidden-rows skip,
// and otherwise noted.
func (t *Sheet) Next() ([]string, error) {
	for {
		if t.pending != nil {
			return nil, t.pending
		}
		if t.done {
			return nil, io.EOF
		}
		hidden, err := t.readRow()
		if err != nil {
			t.pending = err
			return nil, err
		}
		if t.done && t.rec == nil {
			return nil, io.EOF
		}
		if hidden && !blank(t.rec) {
			if t.hiddenMode == "skip" {
				t.skipped++
				continue
			}
			if t.hiddenMode != "include" {
				t.hidden = append(t.hidden, t.row)
			}
		}
		return t.rec, nil
	}
}

// readRow reads the next <row>, or the end of the sheet (t.done, t.rec
// nil).
func (t *Sheet) readRow() (hidden bool, err error) {
	x := t.x
	for {
		if err := x.next(); err != nil {
			if err == io.EOF {
				return false, t.stopErr(t.row+1, "the sheet ends before its rows do: the workbook is damaged")
			}
			return false, t.damagedErr(t.row+1, err)
		}
		if x.kind == tokEnd && x.is("sheetData") {
			t.done, t.rec = true, nil
			return false, t.drain()
		}
		if x.kind == tokStart && x.is("row") {
			break
		}
	}
	r := t.row + 1
	if v, ok := x.attr("r"); ok {
		n, err := strconv.Atoi(string(v))
		if err != nil || n <= t.row {
			return false, t.stopErr(t.row+1, "row number %q out of order: the workbook is damaged", v)
		}
		r = n
	}
	if r > excelRows {
		return false, t.stopErr(t.row+1, "a row is numbered beyond Excel's last row, %d: the workbook is damaged", excelRows)
	}
	t.row = r
	h, _ := x.attr("hidden")
	hidden = string(h) == "1" || string(h) == "true"
	t.rec, t.meta = t.rec[:0], t.meta[:0]
	if x.selfClose {
		return hidden, nil
	}
	return hidden, t.readCells()
}

// drain reads the rest of the sheet after its rows, to its end and
// checksum.
func (t *Sheet) drain() error {
	for {
		err := t.x.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return t.damagedErr(t.row+1, err)
		}
	}
}

// cellState is a cell being read.
type cellState struct {
	col      int
	typ      string
	style    int
	v        []byte
	inline   []byte
	inV, inT bool
	inRPh    int
}

// readCells reads the cells of the current row up to </row>.
func (t *Sheet) readCells() error {
	x := t.x
	var c *cellState
	var cs cellState
	next := 0 // column of a cell without r
	bytes := 0
	for {
		if err := x.next(); err != nil {
			if err == io.EOF {
				return t.stopErr(t.row, "the sheet ends in the middle of a row: the workbook is damaged")
			}
			return t.damagedErr(t.row, err)
		}
		switch x.kind {
		case tokStart:
			switch {
			case x.is("c"):
				col, err := t.cellColumn(next)
				if err != nil {
					return err
				}
				next = col + 1
				cs = cellState{col: col}
				if v, ok := x.attr("t"); ok {
					cs.typ = string(v)
				}
				if v, ok := x.attr("s"); ok {
					cs.style, _ = strconv.Atoi(string(v))
				}
				c = &cs
				if x.selfClose {
					c = nil // no value
				}
			case c == nil:
			case x.is("v"):
				c.inV = !x.selfClose
			case x.is("rPh"):
				c.inRPh++
			case x.is("t") && c.inRPh == 0:
				c.inT = !x.selfClose
			}
		case tokEnd:
			switch {
			case x.is("row"):
				return nil
			case c == nil:
			case x.is("v"):
				c.inV = false
			case x.is("t"):
				c.inT = false
			case x.is("rPh"):
				c.inRPh--
			case x.is("c"):
				n, err := t.putCell(c)
				if err != nil {
					return err
				}
				if bytes += n; bytes > t.maxRecord {
					return t.stopErr(t.row, "the row has more than %d bytes of text, more than the limit: the rest was not read", t.maxRecord)
				}
				c = nil
			}
		case tokText:
			switch {
			case c == nil:
			case c.inV:
				c.v = append(c.v, x.text...)
			case c.inT:
				c.inline = append(c.inline, x.text...)
			}
		}
	}
}

// cellColumn reads the column of the current <c> (its r, or the one after
// the last).
func (t *Sheet) cellColumn(next int) (int, error) {
	ref, ok := t.x.attr("r")
	if !ok {
		return next, nil
	}
	col := 0
	i := 0
	for ; i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z'; i++ {
		col = col*26 + int(ref[i]-'A'+1)
		if col > excelColumns {
			break
		}
	}
	rowPart := string(ref[i:])
	if col == 0 || col > excelColumns || rowPart != strconv.Itoa(t.row) {
		return 0, t.stopErr(t.row, "cell %q is not in row %d: the workbook is damaged: open it in Excel and save it again", ref, t.row)
	}
	return col - 1, nil
}

// putCell turns a cell into its text and meta in the record; it returns
// the bytes of text added.
func (t *Sheet) putCell(c *cellState) (int, error) {
	text, meta, err := t.cellValue(c)
	if err != nil {
		return 0, err
	}
	if text == "" {
		return 0, nil
	}
	if c.col >= t.maxCols {
		return 0, t.stopErr(t.row, "cell %s has a value, beyond the %d columns a manifest may have: the rest was not read", CellName(c.col, t.row), t.maxCols)
	}
	for len(t.rec) <= c.col {
		t.rec = append(t.rec, "")
		t.meta = append(t.meta, Cell{})
	}
	t.rec[c.col], t.meta[c.col] = text, meta
	return len(text), nil
}

// cellValue reads a cell by its type: shared or inline text, a formula's
// text, a boolean, an error, a date, or a number through its format.
func (t *Sheet) cellValue(c *cellState) (string, Cell, error) {
	switch c.typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(string(c.v)))
		s, ok := t.wb.sst.get(i)
		if err != nil || !ok {
			return "", Cell{}, t.stopErr(t.row, "cell %s refers to shared string %q, which the workbook does not have: it is damaged",
				CellName(c.col, t.row), c.v)
		}
		return s, Cell{}, nil
	case "inlineStr":
		var b strings.Builder
		writeUnescaped(&b, c.inline)
		return b.String(), Cell{}, nil
	case "str":
		var b strings.Builder
		writeUnescaped(&b, c.v)
		return b.String(), Cell{}, nil
	case "b":
		if strings.TrimSpace(string(c.v)) == "1" {
			return "TRUE", Cell{Kind: CellBool, Value: "true"}, nil
		}
		if len(c.v) == 0 {
			return "", Cell{}, nil
		}
		return "FALSE", Cell{Kind: CellBool, Value: "false"}, nil
	case "e":
		return string(c.v), Cell{Kind: CellError}, nil
	case "d":
		return string(c.v), Cell{Kind: CellDate}, nil
	}
	if len(c.v) == 0 {
		return "", Cell{}, nil // a formula never calculated, or a styled empty cell
	}
	return t.numberCell(c)
}

// numberCell reads a number through its cell style's format.
func (t *Sheet) numberCell(c *cellState) (string, Cell, error) {
	raw := strings.TrimSpace(string(c.v))
	x, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return "", Cell{}, t.stopErr(t.row, "cell %s holds %q where a number was expected: the workbook is damaged", CellName(c.col, t.row), shorten(raw))
	}
	value := formatGeneral(x)
	nf := numFmtInfo{class: fmtGeneral}
	if c.style > 0 && c.style < len(t.wb.styles) {
		nf = t.wb.styles[c.style]
	} else if c.style == 0 && len(t.wb.styles) > 0 {
		nf = t.wb.styles[0]
	}
	switch nf.class {
	case fmtDate:
		if iso, ok := excelDate(x, t.wb.date1904); ok {
			return iso, Cell{Kind: CellDate, Value: value, Raw: raw}, nil
		}
		return value, Cell{Kind: CellShownAs, Value: value, Code: nf.code, Raw: raw}, nil
	case fmtNumber:
		if s, ok := formatNumber(x, nf.code); ok {
			return s, Cell{Kind: CellNumber, Value: value, Code: nf.code, Raw: raw}, nil
		}
		return value, Cell{Kind: CellShownAs, Value: value, Code: nf.code, Raw: raw}, nil
	case fmtOther:
		return value, Cell{Kind: CellShownAs, Value: value, Code: nf.code, Raw: raw}, nil
	}
	return value, Cell{Kind: CellGeneral, Value: value, Raw: raw}, nil
}

func shorten(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// CellName is the A1 name of a cell: column index from 0.
func CellName(col, row int) string { return ColumnLetters(col) + strconv.Itoa(row) }

// ColumnLetters names a column (index from 0) as Excel does: A, Z, AA.
func ColumnLetters(col int) string {
	var b []byte
	for n := col + 1; n > 0; n = (n - 1) / 26 {
		b = append([]byte{byte('A' + (n-1)%26)}, b...)
	}
	return string(b)
}

func (t *Sheet) Row() int { return t.row }

// Meta is what the workbook says of the cells of the last record.
func (t *Sheet) Meta() []Cell { return t.meta }

// CheckUTF8: the XML reader has checked the text.
func (t *Sheet) CheckUTF8() bool { return false }

func (t *Sheet) Close() error {
	t.closer.Close()
	if err := t.wb.file.Close(); err != nil {
		return fmt.Errorf("closing workbook %s: %w", t.wb.path, err)
	}
	return nil
}
