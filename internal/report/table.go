package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/firmtools/bulk/internal/runfiles"
)

// Format is how a table of the run's outputs is written: CSV, or a
// workbook. The result file's extension chooses it (--out X.xlsx); the
// files beside it (the failed, unknown and reads files) follow it.
type Format int

const (
	CSV      Format = iota // UTF-8 with a byte-order mark, CRLF line ends
	Workbook               // .xlsx: every cell stored as text
)

// formatOf is the format a path's extension asks for: a workbook for
// .xlsx (in any case), CSV otherwise.
func formatOf(path string) Format {
	if strings.EqualFold(filepath.Ext(path), ".xlsx") {
		return Workbook
	}
	return CSV
}

// Ext is the extension of the format, with its dot.
func (f Format) Ext() string {
	if f == Workbook {
		return ".xlsx"
	}
	return ".csv"
}

// bom is the UTF-8 byte-order mark every CSV output starts with: without
// it, Excel on Windows reads a double-clicked CSV as the ANSI code page
// and shows Zoë as ZoÃ«.
const bom = "\uFEFF"

// NewCSV returns a CSV writer for a new file: it writes the byte-order
// mark at once and ends lines with CRLF, as Excel on Windows expects.
// bulk reads both back (internal/tabular strips the mark and takes either
// line end).
func NewCSV(w io.Writer) (*csv.Writer, error) {
	if _, err := io.WriteString(w, bom); err != nil {
		return nil, err
	}
	return csvLines(w), nil
}

// writeRecord writes one record of cells. A CSV writer with CRLF line ends
// writes a line break in a cell as CRLF too, and drops a carriage return
// that is not followed by a line feed: such a carriage return is written
// as the line break it stands for, rather than lost.
func writeRecord(cw *csv.Writer, cells []string) error {
	copied := false
	for i, c := range cells {
		if strings.IndexByte(c, '\r') >= 0 {
			if !copied {
				cells, copied = slices.Clone(cells), true // the caller's cells stay as they are
			}
			cells[i] = strings.ReplaceAll(strings.ReplaceAll(c, "\r\n", "\n"), "\r", "\n")
		}
	}
	return cw.Write(cells)
}

// csvLines is a CSV writer with CRLF line ends and no byte-order mark: for
// lines appended to a file that has one.
func csvLines(w io.Writer) *csv.Writer {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return cw
}

// table is a whole output table: its header and rows, every cell already
// redacted and neutralised. status, when not negative, is the column whose
// cells are a row's status (a workbook colours them).
type table struct {
	header []string
	rows   [][]string
	status int
	sheet  string // the worksheet's name in a workbook
}

// writeCSV writes t as CSV.
func (t *table) writeCSV(w io.Writer) error {
	cw, err := NewCSV(w)
	if err != nil {
		return err
	}
	if err := writeRecord(cw, t.header); err != nil {
		return err
	}
	for _, r := range t.rows {
		if err := writeRecord(cw, r); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeTable replaces path, atomically, with t in format f.
func writeTable(path string, f Format, t *table) error {
	err := runfiles.ReplaceFile(path, 0o644, func(w io.Writer) error {
		if f == Workbook {
			return t.writeWorkbook(w)
		}
		return t.writeCSV(w)
	})
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
