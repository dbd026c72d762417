// Package report writes the per-row result CSV and the run summary.
//
// The result file is written twice over: each row is appended as soon as its
// job ends (so a crash loses no finished row), and when the run ends the whole
// file is rewritten sorted by source and row, through a temporary file and a
// rename, so it is never seen half-written.
package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
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
type Writer struct {
	path string
	red  *Redactor

	mu   sync.Mutex
	f    *os.File
	bw   *bufio.Writer
	cw   *csv.Writer
	rows []Row
}

// Create opens path for writing (truncating it) and writes the header.
func Create(path string, red *Redactor) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("creating result file: %w", err)
	}
	w := &Writer{path: path, red: red, f: f}
	w.bw = bufio.NewWriter(f)
	w.cw = csv.NewWriter(w.bw)
	if err := w.cw.Write(Header()); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing result header: %w", err)
	}
	if err := w.flush(); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// Path is the result file's path.
func (w *Writer) Path() string { return w.path }

func (w *Writer) flush() error {
	w.cw.Flush()
	if err := w.cw.Error(); err != nil {
		return fmt.Errorf("writing %s: %w", w.path, err)
	}
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", w.path, err)
	}
	return nil
}

// Add appends one row and flushes it to the operating system, so that a
// crash of this process loses no finished row.
func (w *Writer) Add(r Row) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rows = append(w.rows, r)
	if err := w.cw.Write(r.cells(w.red)); err != nil {
		return fmt.Errorf("writing %s: %w", w.path, err)
	}
	return w.flush()
}

// Rows returns the rows added so far, sorted.
func (w *Writer) Rows() []Row {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := append([]Row(nil), w.rows...)
	SortRows(out)
	return out
}

// Close rewrites the file sorted by source and row.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	flushErr := w.flush()
	closeErr := w.f.Close()
	w.f = nil
	if flushErr != nil {
		return flushErr
	}
	if closeErr != nil {
		return fmt.Errorf("closing %s: %w", w.path, closeErr)
	}
	rows := append([]Row(nil), w.rows...)
	SortRows(rows)
	return WriteFile(w.path, rows, w.red)
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
