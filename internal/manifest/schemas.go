package manifest

import "github.com/firmtools/bulk/internal/actions"

// SchemaProblems holds each job's dynamic members to the schemas read
// (actions.Schemas): a problem names the job's file, row, column and the
// schema's property. Reading the schemas is the caller's (the run's, or
// `bulk validate --remote`'s); this only compares.
func SchemaProblems(ss *actions.Schemas, jobs []*Job) []Problem {
	var out []Problem
	for _, j := range jobs {
		for _, fe := range ss.Check(j.Action, j.Values, j.Secrets) {
			out = append(out, Problem{File: j.Source, Row: j.Row, Column: j.Columns[fe.Field], Field: fe.Field, Message: fe.Message, Severity: Error})
		}
	}
	return out
}
