package report

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/secret"
	"github.com/firmtools/bulk/internal/tabular"
)

// Row is one line of the result file: one job's outcome as it is written.
type Row struct {
	Source      string
	Row         int
	Action      string
	Key         string
	Status      executor.Status
	Attempts    int
	HTTPStatus  string
	ErrorCode   string
	Error       string
	UserCreated string
	UserNum     string
	ObjectID    string
	Name        string // the answer's main fields, for people
	Email       string
	Workspace   string
	URL         string
	Output      string
	Note        string

	// Index orders rows that share a source and row (jobs expanded from one
	// YAML job); it is not written.
	Index int
}

// column is one column of the result file: its name, and how a row's cell
// is written and read back.
type column struct {
	name string
	get  func(*Row) string
	set  func(*Row, string) error
}

// columns is the one description of the result file's columns, in the
// order every format writes them (README documents it: keep it stable).
var columns = []column{
	text("source", func(r *Row) *string { return &r.Source }),
	number("row", func(r *Row) *int { return &r.Row }),
	text("action", func(r *Row) *string { return &r.Action }),
	text("key", func(r *Row) *string { return &r.Key }),
	text("status", func(r *Row) *string { return (*string)(&r.Status) }),
	number("attempts", func(r *Row) *int { return &r.Attempts }),
	text("http_status", func(r *Row) *string { return &r.HTTPStatus }),
	text("error_code", func(r *Row) *string { return &r.ErrorCode }),
	text("error", func(r *Row) *string { return &r.Error }),
	text(actions.ColumnUserCreated, func(r *Row) *string { return &r.UserCreated }),
	text(actions.ColumnUserNum, func(r *Row) *string { return &r.UserNum }),
	text(actions.ColumnObjectID, func(r *Row) *string { return &r.ObjectID }),
	text(actions.ColumnName, func(r *Row) *string { return &r.Name }),
	text(actions.ColumnEmail, func(r *Row) *string { return &r.Email }),
	text(actions.ColumnWorkspace, func(r *Row) *string { return &r.Workspace }),
	text(actions.ColumnURL, func(r *Row) *string { return &r.URL }),
	text(actions.ColumnOutput, func(r *Row) *string { return &r.Output }),
	text("note", func(r *Row) *string { return &r.Note }),
}

func text(name string, field func(*Row) *string) column {
	return column{name: name,
		get: func(r *Row) string { return *field(r) },
		set: func(r *Row, v string) error { *field(r) = v; return nil }}
}

func number(name string, field func(*Row) *int) column {
	return column{name: name,
		get: func(r *Row) string { return strconv.Itoa(*field(r)) },
		set: func(r *Row, v string) error {
			if v == "" {
				*field(r) = 0
				return nil
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%s %q is not a number", name, v)
			}
			*field(r) = n
			return nil
		}}
}

// header is the columns' names, in order.
func header() []string {
	h := make([]string, len(columns))
	for i, c := range columns {
		h[i] = c.name
	}
	return h
}

// cells returns r's cells in column order, redacted and neutralised: what
// every format writes.
func (r Row) cells(red *secret.Redactor) []string {
	c := make([]string, len(columns))
	for i, col := range columns {
		c[i] = Neutralise(red.Redact(col.get(&r)))
	}
	return c
}

// Neutralise makes a cell safe to open in a spreadsheet: a cell starting
// with =, +, -, @, tab or carriage return would be read as a formula (CSV
// injection), so it gets a leading single quote (tabular.Neutralise).
func Neutralise(s string) string { return tabular.Neutralise(s) }

// RowOf is the row that records the outcome o.
func RowOf(o executor.Outcome) Row {
	j := o.Job
	r := Row{Source: j.Source, Row: j.Row, Index: j.Index, Action: j.Action.Name, Key: o.Key(),
		Status: o.Status, Attempts: o.Attempts, ObjectID: o.Result.ObjectID, Note: o.Result.Note}
	if o.Err != nil {
		r.Error = o.Err.Error()
		status, code := o.ErrorFields()
		if status != 0 {
			r.HTTPStatus = strconv.Itoa(status)
		}
		r.ErrorCode = code
	}
	if o.Result.UserCreated != nil {
		r.UserCreated = strconv.FormatBool(*o.Result.UserCreated)
	}
	if o.Result.UserNum != nil {
		r.UserNum = strconv.FormatInt(*o.Result.UserNum, 10)
	}
	c := o.Result.Columns
	r.Name, r.Email, r.Workspace, r.URL = c[actions.ColumnName], c[actions.ColumnEmail], c[actions.ColumnWorkspace], c[actions.ColumnURL]
	r.Output = output(o)
	return r
}

// output is the output cell: a read's count of the items it listed (the
// items are rows of the reads file), otherwise the answer as compact JSON.
func output(o executor.Outcome) string {
	if o.Result.Output == nil {
		return ""
	}
	if items := o.Job.Action.Items; items != nil {
		if rows, err := items.Rows(o.Result.Output); err == nil {
			return items.Count(len(rows))
		}
	}
	if b, err := json.Marshal(o.Result.Output); err == nil && string(b) != "null" {
		return string(b)
	}
	return ""
}

// sortRows sorts by source, row, then the job's index.
func sortRows(rows []Row) {
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
