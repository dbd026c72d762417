// Package report writes the per-row result CSV and the run summary.
//
// The result file is written twice over: each row is appended as soon as its
// job ends (so a crash loses no finished row), and when the run ends the whole
// file is rewritten sorted by source and row, through a temporary file and a
// rename, so it is never seen half-written.
package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gocarina/gocsv"

	"github.com/firmtools/bulk/internal/secret"
)

// Row is one line of the result CSV. The column order is the struct's order
// and is documented in README; keep it stable.
type Row struct {
	Source      string `csv:"source"`
	Row         int    `csv:"row"`
	Action      string `csv:"action"`
	Key         string `csv:"key"`
	Status      Status `csv:"status"`
	Attempts    int    `csv:"attempts"`
	HTTPStatus  string `csv:"http_status"`
	ErrorCode   string `csv:"error_code"`
	Error       string `csv:"error"`
	UserCreated string `csv:"user_created"`
	UserNum     string `csv:"user_num"`
	ObjectID    string `csv:"object_id"`
	Output      string `csv:"output"`
	Note        string `csv:"note"`

	// Index orders rows that share a source and row (jobs expanded from one
	// YAML job); it is not written.
	Index int `csv:"-"`
}

// Header is the result CSV's header, in order.
func Header() []string {
	return []string{"source", "row", "action", "key", "status", "attempts", "http_status",
		"error_code", "error", "user_created", "user_num", "object_id", "output", "note"}
}

// cells returns r's cells in Header order, neutralised and redacted.
func (r Row) cells(red *Redactor) []string {
	c := []string{r.Source, strconv.Itoa(r.Row), r.Action, r.Key, string(r.Status),
		strconv.Itoa(r.Attempts), r.HTTPStatus, r.ErrorCode, r.Error, r.UserCreated,
		r.UserNum, r.ObjectID, r.Output, r.Note}
	for i := range c {
		c[i] = Neutralise(red.Redact(c[i]))
	}
	return c
}

// Neutralise makes a cell safe to open in a spreadsheet: a cell starting
// with =, +, -, @, tab or carriage return would be read as a formula (CSV
// injection), so it gets a leading single quote, as OWASP recommends.
func Neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Redactor removes known secret values from text, in every form a server
// may echo them (secret.Forms: raw, JSON- and HTML-escaped,
// percent-encoded, base64). It is the last line of defence: secrets are
// kept out of results by type, and this catches a service that echoes one
// back in an error message.
//
// The forms are indexed by their first minSecret bytes, so a text costs a
// map lookup per byte whatever the number of secrets (a run may hold the
// passwords of thousands of new users), and memory stays proportional to
// the forms themselves.
type Redactor struct {
	mu      sync.RWMutex
	secrets map[string]bool
	index   map[string][]string // forms by their first minSecret bytes, longest first; nil: to build
}

// minSecret is the shortest value registered: replacing shorter ones would
// mangle ordinary text (the simulator's default password "admin" is also
// its administrator's user ID), and new users' passwords are 8 or more by
// the contract. Every form of a value is at least as long.
const minSecret = 8

// Add registers secret values; values shorter than 8 bytes are not.
func (r *Redactor) Add(values ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		if len(v) >= minSecret && !r.secrets[v] {
			if r.secrets == nil {
				r.secrets = map[string]bool{}
			}
			r.secrets[v] = true
			r.index = nil
		}
	}
}

// Redact replaces every form of every registered secret in s with
// [redacted], leftmost first, the longest form where several start at one
// place.
func (r *Redactor) Redact(s string) string {
	if r == nil || len(s) < minSecret {
		return s
	}
	r.mu.RLock()
	idx := r.index
	r.mu.RUnlock()
	if idx == nil {
		idx = r.build()
	}
	if len(idx) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i+minSecret <= len(s); {
		n := 0
		for _, f := range idx[s[i:i+minSecret]] {
			if strings.HasPrefix(s[i:], f) {
				n = len(f)
				break
			}
		}
		if n == 0 {
			i++
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(secret.Redacted)
		i += n
		last = i
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func (r *Redactor) build() map[string][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.index != nil {
		return r.index
	}
	idx := map[string][]string{}
	for v := range r.secrets {
		for _, f := range secret.Forms(v) {
			if len(f) >= minSecret {
				idx[f[:minSecret]] = append(idx[f[:minSecret]], f)
			}
		}
	}
	for k, forms := range idx {
		sort.SliceStable(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
		idx[k] = forms
	}
	r.index = idx
	return idx
}

// Writer appends result rows as jobs end and writes the sorted file at Close.
//
// Each row reaches the file in one write; a write that fails is cut back
// off the file, so the file never ends in half a row, and no row is
// appended after a failed one (the rows are kept for the sorted file that
// Close writes).
type Writer struct {
	path string
	red  *Redactor

	mu     sync.Mutex
	file   *Appender
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
}

// Create replaces path, atomically, with the header and the seed rows, then
// appends rows to it as they are added.
func Create(path string, red *Redactor, opts Options) (*Writer, error) {
	w := &Writer{path: path, red: red, latest: map[int]Row{}}
	seed := append([]Row(nil), opts.Seed...)
	SortRows(seed)
	for _, r := range seed {
		w.latest[r.Index] = r
	}
	if err := WriteFile(path, seed, red); err != nil {
		return nil, fmt.Errorf("creating result file: %w", err)
	}
	f, err := OpenAppender("result file", path, math.MaxInt64, 0o644, false, opts.Wrap)
	if err != nil {
		return nil, err
	}
	w.file = f
	return w, nil
}

// Path is the result file's path.
func (w *Writer) Path() string { return w.path }

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
	var line bytes.Buffer
	cw := csv.NewWriter(&line)
	_ = cw.Write(r.cells(w.red)) // a bytes.Buffer does not fail
	cw.Flush()
	return w.file.Append(line.Bytes())
}

// Rows returns one row per job added or seeded, sorted.
func (w *Writer) Rows() []Row {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sorted()
}

func (w *Writer) sorted() []Row {
	out := make([]Row, 0, len(w.latest))
	for _, r := range w.latest {
		out = append(out, r)
	}
	SortRows(out)
	return out
}

// Close rewrites the file with one row per job, sorted by source and row.
// When that fails (the disk is full) the appended file stays as it is:
// whole rows only.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.file == nil {
		return nil
	}
	closeErr := w.file.Close()
	w.file = nil
	if err := WriteFile(w.path, w.sorted(), w.red); err != nil {
		return err
	}
	if closeErr != nil {
		return fmt.Errorf("closing %s: %w", w.path, closeErr)
	}
	return nil
}

// SortRows sorts by source, row, then the job's index.
func SortRows(rows []Row) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.Row != b.Row {
			return a.Row < b.Row
		}
		return a.Index < b.Index
	})
}

// WriteFile writes rows (in the order given) to path atomically.
func WriteFile(path string, rows []Row, red *Redactor) error {
	return ReplaceFile(path, 0o644, func(w io.Writer) error { return Write(w, rows, red) })
}

// ReplaceFile replaces path with what write produces, atomically: written
// to a temporary file beside it, synced, then renamed over it, so a reader
// (or a crash) sees the old file or the new one, never half of one.
func ReplaceFile(path string, mode os.FileMode, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Write writes the header and rows as CSV to out, cells neutralised and
// redacted.
func Write(out io.Writer, rows []Row, red *Redactor) error {
	clean := make([]Row, len(rows))
	for i, r := range rows {
		c := r.cells(red)
		clean[i] = Row{Source: c[0], Row: r.Row, Action: c[2], Key: c[3], Status: Status(c[4]),
			Attempts: r.Attempts, HTTPStatus: c[6], ErrorCode: c[7], Error: c[8],
			UserCreated: c[9], UserNum: c[10], ObjectID: c[11], Output: c[12], Note: c[13]}
	}
	if err := gocsv.Marshal(&clean, out); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	return nil
}

// ReadFile reads a result CSV written by this package (used to carry results
// over and by tests).
func ReadFile(path string) ([]Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []Row
	if err := gocsv.Unmarshal(f, &rows); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return rows, nil
}
