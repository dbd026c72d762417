package tabular

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// headerScan is how many non-blank rows are looked at for a header below
// title rows.
const headerScan = 10

// heldRec is a record read ahead, looking for the header.
type heldRec struct {
	rec  []string
	meta []Cell
	row  int
}

// replayTable gives back the records read ahead, then the rest of its
// table.
type replayTable struct {
	Table
	held []heldRec
	cur  *heldRec
}

func (r *replayTable) Next() ([]string, error) {
	if len(r.held) > 0 {
		r.cur = &r.held[0]
		r.held = r.held[1:]
		return r.cur.rec, nil
	}
	r.cur = nil
	return r.Table.Next()
}

func (r *replayTable) Row() int {
	if r.cur != nil {
		return r.cur.row
	}
	return r.Table.Row()
}

func (r *replayTable) Meta() []Cell {
	if r.cur != nil {
		return r.cur.meta
	}
	return r.Table.Meta()
}

func hold(t Table, rec []string) heldRec {
	h := heldRec{rec: slices.Clone(rec), row: t.Row()}
	if m := t.Meta(); m != nil {
		h.meta = slices.Clone(m[:len(rec)])
	}
	return h
}

// titleLike: a row of at most two cells, as a title, an "Exported on ...
// by ..." line or a date.
func titleLike(rec []string) bool {
	n := 0
	for _, c := range rec {
		if !IsBlank(c) {
			n++
		}
	}
	return n <= 2
}

// Header is where the header of a table is.
type Header struct {
	Cells []string
	Row   int
	// How says how the header was found when it is not the first row:
	// below title rows, or given as the header row.
	How string
}

// FindHeader reads a table up to its header: the row headerRow names (1
// is the first; 0: find it); else the first non-blank row, unless none of
// its cells is a column the caller knows (known counts them) and a row
// below a few title rows has one. It returns the header and the table to
// read the rows from (the rows read ahead first). A problem that prevents
// reading is a *Problem; other errors are the table's.
func FindHeader(t Table, headerRow int, known func(rec []string) int) (Header, Table, error) {
	if headerRow > 0 {
		for {
			rec, err := t.Next()
			if err == io.EOF || (err == nil && t.Row() > headerRow) {
				return Header{}, nil, &Problem{Row: headerRow, Message: fmt.Sprintf("row %d, given as the header row, is empty: give the row of the header", headerRow)}
			}
			if err != nil {
				return Header{}, nil, err
			}
			if t.Row() < headerRow {
				continue
			}
			rec = trimTrailingEmpty(rec)
			if blank(rec) {
				return Header{}, nil, &Problem{Row: headerRow, Message: fmt.Sprintf("row %d, given as the header row, is empty: give the row of the header", headerRow)}
			}
			how := ""
			if headerRow > 1 {
				how = "given as the header row"
			}
			return Header{Cells: slices.Clone(rec), Row: headerRow, How: how}, t, nil
		}
	}
	var held []heldRec
	for len(held) < headerScan {
		rec, err := t.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Header{}, nil, err
		}
		rec = trimTrailingEmpty(rec)
		if blank(rec) {
			continue
		}
		held = append(held, hold(t, rec))
		if len(held) == 1 && known(rec) > 0 {
			break // the usual file: the header first
		}
	}
	if len(held) == 0 {
		return Header{}, nil, &Problem{Message: "is empty: a header row naming the columns was expected"}
	}
	pick := 0
	for i := 1; i < len(held); i++ {
		if known(held[0].rec) == 0 && known(held[i].rec) > 0 {
			pick = i
			break
		}
	}
	for _, above := range held[:pick] {
		if !titleLike(above.rec) {
			return Header{}, nil, &Problem{Row: held[0].row, Message: fmt.Sprintf(
				"row %d names no column bulk knows, and row %d does, with data-like rows between: give the header's row with --header-row N (header_row: in a YAML source)",
				held[0].row, held[pick].row)}
		}
	}
	how := ""
	if pick > 0 {
		how = "below 1 title row"
		if pick > 1 {
			how = fmt.Sprintf("below %d title rows", pick)
		}
	}
	h := Header{Cells: held[pick].rec, Row: held[pick].row, How: how}
	if rest := held[pick+1:]; len(rest) > 0 {
		return h, &replayTable{Table: t, held: rest}, nil
	}
	return h, t, nil
}

// HiddenRowsRead names the rows hidden in the sheet that were read (not
// left out by Options.HiddenRows skip); nil when there were none. Call it
// once the rows are read.
func (s *Sheet) HiddenRowsRead() *Problem {
	rows, sheet := s.hidden, s.sheet
	if len(rows) == 0 {
		return nil
	}
	var parts []string
	for i := 0; i < len(rows); {
		j := i
		for j+1 < len(rows) && rows[j+1] == rows[j]+1 {
			j++
		}
		if len(parts) == 10 {
			parts = append(parts, fmt.Sprintf("and %d more", len(rows)-i))
			break
		}
		if j > i {
			parts = append(parts, strconv.Itoa(rows[i])+"-"+strconv.Itoa(rows[j]))
		} else {
			parts = append(parts, strconv.Itoa(rows[i]))
		}
		i = j + 1
	}
	what := "row " + parts[0] + " is"
	if len(rows) > 1 {
		what = "rows " + strings.Join(parts, ", ") + " are"
	}
	return &Problem{Row: rows[0], Message: fmt.Sprintf(
		"%s hidden in sheet %q (by a filter or by hand), and would run: say --hidden-rows include to run them, or --hidden-rows skip to leave them out (hidden_rows: in a YAML source)",
		what, sheet)}
}

// Hidden rows, columns and the sheet read, for the messages of a sheet.

// Name is the sheet's name.
func (s *Sheet) Name() string { return s.sheet }

// Why says why this sheet was read: the active one, the first visible one,
// or the one Options.Sheet names.
func (s *Sheet) Why() string { return s.why }

// Skipped counts the hidden rows left out (Options.HiddenRows skip).
func (s *Sheet) Skipped() int { return s.skipped }

// ColumnHidden reports whether column i (from 0) is hidden in the sheet.
func (s *Sheet) ColumnHidden(i int) bool { return i < len(s.hiddenCols) && s.hiddenCols[i] }
