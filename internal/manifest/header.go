package manifest

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/names"
)

// Read says what was read of a table file: for a workbook which sheet and
// why, and where the header is. `validate` and `run` print it, so a person
// sees what bulk saw.
type Read struct {
	File      string `json:"file"`
	Sheet     string `json:"sheet,omitempty"`
	Why       string `json:"why,omitempty"` // the active sheet, the first visible sheet, named by --sheet
	HeaderRow int    `json:"header_row"`
	// HeaderHow says how the header was found when it is not the first
	// row: below title rows, or named by --header-row.
	HeaderHow string `json:"header_how,omitempty"`
	// HiddenRowsSkipped counts the hidden rows --hidden-rows skip left out.
	HiddenRowsSkipped int `json:"hidden_rows_skipped,omitempty"`
}

func (r Read) String() string {
	var b strings.Builder
	b.WriteString(r.File)
	b.WriteString(": read ")
	if r.Sheet != "" {
		fmt.Fprintf(&b, "sheet %q (%s), ", r.Sheet, r.Why)
	}
	fmt.Fprintf(&b, "header on row %d", r.HeaderRow)
	if r.HeaderHow != "" {
		fmt.Fprintf(&b, " (%s)", r.HeaderHow)
	}
	if r.HiddenRowsSkipped > 0 {
		fmt.Fprintf(&b, "; %s left out (--hidden-rows skip)", plural(r.HiddenRowsSkipped, "hidden row", "hidden rows"))
	}
	return b.String()
}

// headerScan is how many non-blank rows are looked at for a header below
// title rows.
const headerScan = 10

// heldRec is a record read ahead, looking for the header.
type heldRec struct {
	rec  []string
	meta []cellMeta
	row  int
}

// replayTable gives back the records read ahead, then the rest of its
// table.
type replayTable struct {
	table
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
	return r.table.Next()
}

func (r *replayTable) Row() int {
	if r.cur != nil {
		return r.cur.row
	}
	return r.table.Row()
}

func (r *replayTable) Meta() []cellMeta {
	if r.cur != nil {
		return r.cur.meta
	}
	return r.table.Meta()
}

func hold(t table, rec []string) heldRec {
	h := heldRec{rec: slices.Clone(rec), row: t.Row()}
	if m := t.Meta(); m != nil {
		h.meta = slices.Clone(m[:len(rec)])
	}
	return h
}

// headerScore counts the cells of a row that name a column bulk knows: a
// field of the file's action (of some action when rows name theirs),
// action, ref, or a header a YAML source maps.
func headerScore(rec []string, tc tableContext, spec *actions.Spec) int {
	n := 0
	for _, c := range rec {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		f := names.Fold(c)
		known := f == "action" || f == "ref" || isFieldOf(c, spec)
		for _, m := range tc.columns {
			known = known || names.Fold(m.header) == f && m.header != ""
			for _, r := range m.refs {
				known = known || names.Fold(r) == f
			}
		}
		if known {
			n++
		}
	}
	return n
}

// titleLike: a row of at most two cells, as a title, an "Exported on ...
// by ..." line or a date.
func titleLike(rec []string) bool {
	n := 0
	for _, c := range rec {
		if !isBlank(c) {
			n++
		}
	}
	return n <= 2
}

// headerResult is where the header of a table is.
type headerResult struct {
	header []string
	row    int
	how    string
	held   []heldRec // records after the header, read ahead
}

// findHeader reads a table up to its header: the row --header-row names;
// else the first non-blank row, unless it names no known column and a row
// below a few title rows does. A problem that prevents reading is returned
// as stop; err is from the table.
func findHeader(path string, t table, tc tableContext, spec *actions.Spec, headerRow int) (h headerResult, stop *Problem, err error) {
	if headerRow > 0 {
		for {
			rec, err := t.Next()
			if err == io.EOF || (err == nil && t.Row() > headerRow) {
				return h, &Problem{File: path, Row: headerRow, Message: fmt.Sprintf("row %d, given as the header row, is empty: give the row of the header", headerRow)}, nil
			}
			if err != nil {
				return h, nil, err
			}
			if t.Row() < headerRow {
				continue
			}
			rec = trimTrailingEmpty(rec)
			if blank(rec) {
				return h, &Problem{File: path, Row: headerRow, Message: fmt.Sprintf("row %d, given as the header row, is empty: give the row of the header", headerRow)}, nil
			}
			how := ""
			if headerRow > 1 {
				how = "given as the header row"
			}
			return headerResult{header: slices.Clone(rec), row: headerRow, how: how}, nil, nil
		}
	}
	var held []heldRec
	for len(held) < headerScan {
		rec, err := t.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return h, nil, err
		}
		rec = trimTrailingEmpty(rec)
		if blank(rec) {
			continue
		}
		held = append(held, hold(t, rec))
		if len(held) == 1 && headerScore(rec, tc, spec) > 0 {
			break // the usual file: the header first
		}
	}
	if len(held) == 0 {
		return h, &Problem{File: path, Message: "is empty: a header row naming the columns was expected"}, nil
	}
	pick := 0
	for i := 1; i < len(held); i++ {
		if headerScore(held[0].rec, tc, spec) == 0 && headerScore(held[i].rec, tc, spec) > 0 {
			pick = i
			break
		}
	}
	for _, above := range held[:pick] {
		if !titleLike(above.rec) {
			return h, &Problem{File: path, Row: held[0].row, Message: fmt.Sprintf(
				"row %d names no column bulk knows, and row %d does, with data-like rows between: give the header's row with --header-row N (header_row: in a YAML source)",
				held[0].row, held[pick].row)}, nil
		}
	}
	how := ""
	if pick > 0 {
		how = fmt.Sprintf("below %s", plural(pick, "title row", "title rows"))
	}
	return headerResult{header: held[pick].rec, row: held[pick].row, how: how, held: held[pick+1:]}, nil, nil
}

// hiddenRowsProblem names the hidden rows a sheet has and that were read.
func hiddenRowsProblem(path, sheet string, rows []int) Problem {
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
	return Problem{File: path, Row: rows[0], Message: fmt.Sprintf(
		"%s hidden in sheet %q (by a filter or by hand), and would run: say --hidden-rows include to run them, or --hidden-rows skip to leave them out (hidden_rows: in a YAML source)",
		what, sheet)}
}
