package report

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/firmtools/bulk/internal/runfiles"
	"github.com/firmtools/bulk/internal/secret"
)

// The result file is CSV (encoding/csv): the header, then one line of
// cells per row, in the order of columns.

// writeFile writes rows (in the order given) to path atomically.
func writeFile(path string, rows []Row, red *secret.Redactor) error {
	return runfiles.ReplaceFile(path, 0o644, func(w io.Writer) error { return Write(w, rows, red) })
}

// Write writes the header and rows as CSV to out, cells neutralised and
// redacted.
func Write(out io.Writer, rows []Row, red *secret.Redactor) error {
	cw := csv.NewWriter(out)
	if err := cw.Write(header()); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	for _, r := range rows {
		if err := cw.Write(r.cells(red)); err != nil {
			return fmt.Errorf("writing results: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	return nil
}

// csvLine is r as one CSV line, for appending.
func csvLine(r Row, red *secret.Redactor) []byte {
	var b lineBuffer
	cw := csv.NewWriter(&b)
	_ = cw.Write(r.cells(red)) // a lineBuffer does not fail
	cw.Flush()
	return b
}

type lineBuffer []byte

func (b *lineBuffer) Write(p []byte) (int, error) {
	*b = append(*b, p...)
	return len(p), nil
}

// ReadFile reads a result CSV written by this package (used by tests and
// by whoever reads a run's results back). Columns are found by name.
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
				if err := c.set(&r, rec[i]); err != nil {
					return nil, fmt.Errorf("line %d: %w", line, err)
				}
			}
		}
		rows = append(rows, r)
	}
}
