// Package report writes what a run tells: the result file (one row per
// job, from the executor's outcomes) and the run summary. Data flows one
// way: the executor owns outcomes and their statuses; report only writes
// them down.
//
// The result file's columns are described once (columns, row.go); a format
// writes the cells they give (csv.go).
//
// The result file is written twice over: each row is appended as soon as its
// job ends (so a crash loses no finished row), and when the run ends the whole
// file is rewritten sorted by source and row, through a temporary file and a
// rename, so it is never seen half-written. A workbook cannot be appended
// to: its rows are appended to a CSV beside it (Options.Partial) while the
// run lasts, and the workbook is written whole at the start and the end;
// the CSV is removed once the workbook holds every row.
package report

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync"

	"github.com/firmtools/bulk/internal/runfiles"
	"github.com/firmtools/bulk/internal/secret"
)

// Writer appends result rows as jobs end and writes the sorted file at Close.
//
// Each row reaches the file in one write; a write that fails is cut back
// off the file, so the file never ends in half a row, and no row is
// appended after a failed one (the rows are kept for the sorted file that
// Close writes).
type Writer struct {
	path    string
	format  Format
	partial string // the CSV rows are appended to, when path is a workbook
	red     *secret.Redactor

	mu     sync.Mutex
	file   *runfiles.Appender
	latest map[int]Row
}

// Options are Create's options.
type Options struct {
	// Seed rows are the file's first rows: what earlier runs recorded of
	// this manifest's jobs, so that a resumed run's file never holds fewer
	// rows than the last one's. A later row for the same job (Row.Index)
	// replaces its seed row in the file Close writes.
	Seed []Row
	// Wrap wraps the writer rows are appended through: a test's disk that
	// fills after N bytes.
	Wrap func(io.Writer) io.Writer
	// Partial is the CSV that rows are appended to while a workbook result
	// file waits for the end of the run (runfiles.Locations.Partial).
	Partial string
}

// Create replaces path, atomically, with the header and the seed rows, then
// appends rows to it (or, for a workbook, to opts.Partial) as they are
// added.
func Create(path string, red *secret.Redactor, opts Options) (*Writer, error) {
	w := &Writer{path: path, format: formatOf(path), red: red, latest: map[int]Row{}}
	seed := append([]Row(nil), opts.Seed...)
	sortRows(seed)
	for _, r := range seed {
		w.latest[r.Index] = r
	}
	appendTo := path
	if w.format == Workbook {
		if opts.Partial == "" {
			return nil, fmt.Errorf("creating result file %s: a workbook needs a CSV beside it for the rows of a run in progress", path)
		}
		w.partial, appendTo = opts.Partial, opts.Partial
		if err := writeTable(path, Workbook, resultTable(seed, red)); err != nil {
			return nil, fmt.Errorf("creating result file: %w", err)
		}
	}
	if err := writeTable(appendTo, CSV, resultTable(seed, red)); err != nil {
		return nil, fmt.Errorf("creating result file: %w", err)
	}
	f, err := runfiles.OpenAppender("result file", appendTo, math.MaxInt64, 0o644, false, opts.Wrap)
	if err != nil {
		return nil, err
	}
	w.file = f
	return w, nil
}

// Add appends one row and hands it to the operating system, so that a crash
// of this process loses no finished row. A row equal to the one the file
// already holds for its job (a seed row carried over) is not written again.
// After a failed write every Add returns that failure (the row is still
// kept for the sorted file Close writes).
func (w *Writer) Add(r Row) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if prev, ok := w.latest[r.Index]; ok && prev == r {
		return nil
	}
	w.latest[r.Index] = r
	if w.file == nil {
		return fmt.Errorf("writing result file %s: closed", w.path)
	}
	return w.file.Append(csvLine(r, w.red))
}

func (w *Writer) sorted() []Row {
	out := make([]Row, 0, len(w.latest))
	for _, r := range w.latest {
		out = append(out, r)
	}
	sortRows(out)
	return out
}

// Close rewrites the file with one row per job, sorted by source and row
// (and removes the CSV a workbook's rows were appended to). When that fails
// (the disk is full) the appended file stays as it is: whole rows only.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.file == nil {
		return nil
	}
	closeErr := w.file.Close()
	w.file = nil
	if err := writeTable(w.path, w.format, resultTable(w.sorted(), w.red)); err != nil {
		return err
	}
	if closeErr != nil {
		return fmt.Errorf("closing %s: %w", w.path, closeErr)
	}
	if w.partial != "" {
		if err := os.Remove(w.partial); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("the workbook %s holds every row, but %s could not be removed: %w", w.path, w.partial, err)
		}
	}
	return nil
}

// Rows are the rows the file holds, one per job, sorted by source and row.
func (w *Writer) Rows() []Row {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sorted()
}
