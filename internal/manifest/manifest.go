// Package manifest turns the files administrators prepare (CSV exports,
// spreadsheets, YAML manifests) into typed, validated jobs, one per row, and
// reports every problem with its file, row and column. Reading the tables
// themselves (CSV, workbooks, encodings, the header) is internal/tabular's;
// what a job of each action is, and needs, is its actions.Spec.
//
// Load reads whole manifests for a run. Validate streams: for CSV and
// spreadsheet files without references it holds a few batches of rows and a
// 24-byte fingerprint per row for duplicate detection, so a file of a
// million rows is checked in bounded memory.
//
// Limits (Limits) bound every input: cell size, columns, rows, YAML size,
// nesting and alias expansion. No input panics; every problem with the
// content is a Problem.
//
// The package reaches no network and links no HTTP client (a test holds it
// to that): the questions `bulk validate --remote` asks the service are
// internal/remote's, and what a run's calls will be is the executor's.
package manifest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/firmtools/bulk/internal/actions"
)

// ErrUsage is wrapped by errors about the options themselves (an unknown
// --action, a --set field no action has, an unknown encoding): nothing was
// read.
var ErrUsage = errors.New("invalid manifest options")

// Options say how to read manifests. They come from the command line flags
// (see cmd/bulk/manifestflags.go) and, for YAML sources, from the source entry.
type Options struct {
	Action    string            // --action: action for files without an action column
	Set       map[string]string // --set field=value for every row (field names folded like columns)
	Delimiter rune              // 0: detect from the header (',', ';', '\t')
	Encoding  string            // "" (auto: BOM sniff; UTF-8 else error suggesting --encoding windows-1252), "utf-8", "utf-16", "windows-1252"
	Sheet     string            // xlsx sheet name; "": the active sheet when visible, else the first visible one
	// HiddenRows says what to do with rows hidden in a sheet (by a filter
	// or by hand): "" reports them as an error, "include" reads them,
	// "skip" leaves them out.
	HiddenRows string
	// HeaderRow is the row of the header (1 is the first); 0 finds it:
	// the first non-blank row, or the one below title rows.
	HeaderRow     int
	IgnoreColumns bool
	// Strict makes every warning an error: for cron jobs that must not
	// guess.
	Strict bool
	Limits Limits // zero value = defaults
}

// Limits bound what is read, so that no input can exhaust memory or time.
// A zero field takes its default.
type Limits struct {
	MaxCellBytes int   // one cell: 32 KiB
	MaxColumns   int   // columns of a row: 512
	MaxRows      int   // rows of one file: 5,000,000
	MaxYAMLBytes int64 // a YAML manifest: 16 MiB
	MaxYAMLDepth int   // nesting of a YAML manifest: 32
	MaxYAMLNodes int   // YAML nodes counted with aliases expanded: 1,000,000
	MaxXLSXBytes int64 // a workbook, unzipped: 1 GiB
}

// DefaultLimits are the limits used for zero fields of Limits.
var DefaultLimits = Limits{
	MaxCellBytes: 32 << 10,
	MaxColumns:   512,
	MaxRows:      5_000_000,
	MaxYAMLBytes: 16 << 20,
	MaxYAMLDepth: 32,
	MaxYAMLNodes: 1_000_000,
	MaxXLSXBytes: 1 << 30,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxCellBytes > 0 {
		d.MaxCellBytes = l.MaxCellBytes
	}
	if l.MaxColumns > 0 {
		d.MaxColumns = l.MaxColumns
	}
	if l.MaxRows > 0 {
		d.MaxRows = l.MaxRows
	}
	if l.MaxYAMLBytes > 0 {
		d.MaxYAMLBytes = l.MaxYAMLBytes
	}
	if l.MaxYAMLDepth > 0 {
		d.MaxYAMLDepth = l.MaxYAMLDepth
	}
	if l.MaxYAMLNodes > 0 {
		d.MaxYAMLNodes = l.MaxYAMLNodes
	}
	if l.MaxXLSXBytes > 0 {
		d.MaxXLSXBytes = l.MaxXLSXBytes
	}
	return d
}

// Job is one row of a manifest: an action with its validated values.
type Job struct {
	Index     int    // position across all manifests, 0-based, stable
	Source    string // file path as given
	Row       int    // CSV/xlsx: the spreadsheet row number (header = row 1, first data row = 2); YAML: line of the job
	Action    *actions.Spec
	Values    actions.Values
	Secrets   actions.Secrets
	Ref       string // `ref:` name, if any
	DependsOn []int  // Indexes of jobs this one waits for (refs, and same-manifest user creation for assign/shortcut jobs)
	// Columns maps a canonical field to the column (or YAML key) it came
	// from, for messages. Jobs of one file and action may share the map: do
	// not modify it.
	Columns map[string]string
	// Manifest is the manifest the job was read from, as the run named
	// it: the YAML manifest for the rows of its sources.
	Manifest string
	// Table and Cells, for a row of a CSV or workbook manifest (not of a
	// YAML source), are the table's header and the row's cells in the
	// input's own columns and order, as they were read (a workbook's
	// numbers and dates as the row was validated), secrets left blank:
	// what a file of rows to fix gives back. nil otherwise.
	Table *Table
	Cells []string
}

// Table is a CSV or workbook manifest's header, for writing rows back in
// the input's own columns (the columns bulk itself added when it wrote the
// file, StatusColumn and ErrorColumn, left out).
type Table struct {
	Path     string
	Header   []string
	Workbook bool
}

// The columns bulk adds to a file of rows it writes back (the failed and
// unknown files): the row's status and why. Reading such a file ignores
// them (by name, folded like every header), and undoes the quote that
// kept a cell from being read as a formula (tabular.Restore), so the file
// runs as the rows it holds.
const (
	StatusColumn = "bulk_status"
	ErrorColumn  = "bulk_error"
)

// Key is the action's natural key of the job (user ID, library + alias, ...).
func (j *Job) Key() string { return j.Action.Key(j.Values) }

// Hash identifies what the job does: hex SHA-256 of the action name and the
// sorted normalised values, secrets excluded. It is the journal key of a run.
func (j *Job) Hash() string {
	h := sha256.New()
	h.Write([]byte(j.Action.Name))
	h.Write([]byte{0})
	keys := make([]string, 0, len(j.Values))
	for k := range j.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(j.Values[k]))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Severity says whether a problem stops a run.
type Severity int

const (
	Error   Severity = iota // the manifest cannot be run
	Warning                 // worth a look; the manifest can still run
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// MarshalText writes "error" or "warning".
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Problem is one thing wrong with a manifest.
type Problem struct {
	File     string   `json:"file"`
	Row      int      `json:"row,omitempty"`    // spreadsheet row or YAML line; 0: the whole file
	Column   string   `json:"column,omitempty"` // column header (or YAML key) as written
	Field    string   `json:"field,omitempty"`  // canonical field name
	Message  string   `json:"message"`
	Severity Severity `json:"severity"`
}

// String formats the problem as "file:row:column: field: message"; parts
// that are unknown are left out, and a warning's message starts with
// "warning: ".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Row > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(p.Row))
	}
	if p.Column != "" {
		b.WriteByte(':')
		b.WriteString(p.Column)
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	if p.Severity == Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// SortProblems orders problems by file, row, column, field and message.
func SortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Row != b.Row {
			return a.Row < b.Row
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.Message < b.Message
	})
}

// Manifest is everything read from the files of a run.
type Manifest struct {
	Jobs     []*Job
	Problems []Problem // sorted (file, row, column)
	// Reads say what was read of each workbook (which sheet, where the
	// header is), and of each CSV file whose header is not its first row.
	Reads []Read
	// Files are the files read, as named: the manifests and their YAML
	// sources. A run never writes to one.
	Files []string
}

// Errors counts the problems that stop a run.
func (m *Manifest) Errors() int {
	n := 0
	for _, p := range m.Problems {
		if p.Severity == Error {
			n++
		}
	}
	return n
}

// Summary counts what Validate saw.
type Summary struct {
	Jobs      int            `json:"jobs"`
	PerAction map[string]int `json:"per_action"`
	Errors    int            `json:"errors"`
	Warnings  int            `json:"warnings"`
	Reads     []Read         `json:"read,omitempty"`
	// Properties are the further properties of dynamic members the
	// manifests give (aliasInfo.practice_area): offline only their names
	// and text are checked; the service's schemas say the rest.
	Properties []string `json:"further_properties,omitempty"`
}

// Load reads the manifests in order. The error is only for a file that
// cannot be opened or read at all, for invalid options, or a cancelled ctx;
// every problem with the content is in Manifest.Problems.
func Load(ctx context.Context, paths []string, opts Options) (*Manifest, error) {
	m := &Manifest{}
	l, err := newLoader(ctx, opts, true, func(p Problem) { m.Problems = append(m.Problems, p) })
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		if err := l.file(p); err != nil {
			return nil, err
		}
	}
	l.finish()
	m.Jobs, m.Reads, m.Files = l.jobs, l.reads, l.inputs
	SortProblems(m.Problems)
	return m, nil
}

// Validate checks the manifests without keeping their jobs: CSV and
// spreadsheet rows are read one at a time (and, for a file whose rows do
// not refer to each other, validated on every core while the next rows are
// read); duplicates are found through a 24-byte fingerprint per row, and
// only rows that take part in references are remembered. A million-row file
// is checked in well under 100 MB.
//
// emit is called for each problem as it is found, from one goroutine at a
// time but in no particular order: duplicates and reference problems need
// the whole manifest and come at the end. Callers that print a sorted list
// collect and SortProblems; memory then grows with the number of problems,
// not of rows. The error is as for Load.
func Validate(ctx context.Context, paths []string, opts Options, emit func(Problem)) (Summary, error) {
	var sum Summary
	l, err := newLoader(ctx, opts, false, func(p Problem) {
		if p.Severity == Warning {
			sum.Warnings++
		} else {
			sum.Errors++
		}
		if emit != nil {
			emit(p)
		}
	})
	if err != nil {
		return sum, err
	}
	for _, p := range paths {
		if err := l.file(p); err != nil {
			return sum, err
		}
	}
	l.finish()
	sum.Reads, sum.Properties = l.reads, l.properties
	slices.Sort(sum.Properties)
	sum.PerAction = map[string]int{}
	for _, sc := range append(l.scratch, l.sc) {
		sum.Jobs += sc.count
		for a, n := range sc.perAction {
			sum.PerAction[a] += n
		}
	}
	return sum, nil
}

// MarshalJSON lets a Job be written for debugging and by tools; secrets show
// as redacted.
func (j *Job) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Index     int               `json:"index"`
		Source    string            `json:"source"`
		Row       int               `json:"row"`
		Action    string            `json:"action"`
		Ref       string            `json:"ref,omitempty"`
		Values    actions.Values    `json:"values"`
		Secrets   actions.Secrets   `json:"secrets,omitempty"`
		DependsOn []int             `json:"depends_on,omitempty"`
		Columns   map[string]string `json:"-"`
	}{j.Index, j.Source, j.Row, j.Action.Name, j.Ref, j.Values, j.Secrets, j.DependsOn, j.Columns})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
