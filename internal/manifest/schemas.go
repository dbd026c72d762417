package manifest

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/secret"
)

// SchemaProblems holds each job's dynamic members to the schemas read
// (actions.Schemas): a problem names the job's file, row, column and the
// schema's property. Reading the schemas is the caller's (the run's, or
// `bulk validate --remote`'s); this only compares.
//
// A message may repeat a cell (`not "maybe"`); no message repeats a secret
// of any row (a password pasted in another column).
func SchemaProblems(ss *actions.Schemas, jobs []*Job) []Problem {
	var red secret.Redactor
	for _, j := range jobs {
		for _, s := range j.Secrets {
			red.Add(s.Reveal())
		}
	}
	var out []Problem
	for _, j := range jobs {
		for _, fe := range ss.Check(j.Action, j.Values, j.Secrets) {
			col := j.column(fe.Field)
			if fe.Tag == actions.TagSecret {
				j.forget(fe.Field, col)
			}
			msg := actions.Unfilled(fe.Message, col)
			if ext := strings.ToLower(filepath.Ext(j.Source)); ext == ".yaml" || ext == ".yml" {
				msg = strings.Replace(msg, ": add a column ", ": add a key ", 1) // a job of a YAML manifest
			}
			out = append(out, Problem{File: j.Source, Row: j.Row, Column: col, Field: fe.Field, Message: red.Redact(msg), Severity: Error})
		}
	}
	return out
}

// forget drops a further property the service's schema says is a secret
// from the job's copies (its values and its row's cells), so that no file
// bulk writes of the row (the rows to run again) holds it.
func (j *Job) forget(field, col string) {
	f, prop, ok, _ := j.Action.PropertyColumn(field)
	if !ok {
		return
	}
	if v, has := j.Values[f.Name]; has {
		if v = actions.WithoutProperty(v, prop); v == "" {
			delete(j.Values, f.Name)
		} else {
			j.Values[f.Name] = v
		}
	}
	if j.Table != nil {
		if i := slices.Index(j.Table.Header, col); i >= 0 && i < len(j.Cells) {
			if _, _, own, _ := j.Action.PropertyColumn(col); own {
				j.Cells[i] = ""
			} else { // the member's JSON column: the other properties stay
				j.Cells[i] = actions.WithoutProperty(j.Cells[i], prop)
			}
		}
	}
}

// column is the column (or key) that gave a field, or a further property
// (aliasInfo.NAME) given in its member's column (alias_info) or mapping.
func (j *Job) column(field string) string {
	if c, ok := j.Columns[field]; ok {
		return c
	}
	if f, _, ok, _ := j.Action.PropertyColumn(field); ok {
		return j.Columns[f.Name]
	}
	return ""
}
