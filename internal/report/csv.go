package report

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/firmtools/bulk/internal/secret"
	"github.com/firmtools/bulk/internal/tabular"
)

// The result file is CSV (encoding/csv), UTF-8 with a byte-order mark and
// CRLF line ends (NewCSV): the header, then one line of cells per row, in
// the order of columns. A workbook result file is written whole from the
// same cells (workbook.go).

// resultTable is the result file's table of rows, in the order given.
func resultTable(rows []Row, red *secret.Redactor) *table {
	t := &table{header: header(), rows: make([][]string, len(rows)), status: statusColumn(), sheet: "results"}
	for i, r := range rows {
		t.rows[i] = r.cells(red)
	}
	return t
}

// statusColumn is the position of the status column.
func statusColumn() int {
	for i, c := range columns {
		if c.name == "status" {
			return i
		}
	}
	return -1
}

// Write writes the header and rows as CSV to out, cells neutralised and
// redacted.
func Write(out io.Writer, rows []Row, red *secret.Redactor) error {
	if err := resultTable(rows, red).writeCSV(out); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	return nil
}

// csvLine is r as one CSV line, for appending.
func csvLine(r Row, red *secret.Redactor) []byte {
	var b lineBuffer
	cw := csvLines(&b)
	_ = writeRecord(cw, r.cells(red)) // a lineBuffer does not fail
	cw.Flush()
	return b
}

type lineBuffer []byte

func (b *lineBuffer) Write(p []byte) (int, error) {
	*b = append(*b, p...)
	return len(p), nil
}

// ReadFile reads a result CSV written by this package (used by tests and
// by whoever reads a run's results back). Columns are found by name; cells
// are as they were before they were neutralised.
func ReadFile(path string) ([]Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := read(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return rows, nil
}

func read(in io.Reader) ([]Row, error) {
	cr := csv.NewReader(in)
	names, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("the header: %w", err)
	}
	names[0] = strings.TrimPrefix(names[0], bom)
	at := map[string]int{}
	for i, n := range names {
		at[n] = i
	}
	var rows []Row
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		var r Row
		for _, c := range columns {
			if i, ok := at[c.name]; ok && i < len(rec) {
				if err := c.set(&r, tabular.Restore(rec[i])); err != nil {
					return nil, fmt.Errorf("line %d: %w", line, err)
				}
			}
		}
		rows = append(rows, r)
	}
}
