package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/runfiles"
	"github.com/firmtools/bulk/internal/secret"
)

// Beside the result file a run writes the rows a person looks at again,
// in the shape of the manifest they came from, so that they can be fixed
// and run as they are (Salesforce Data Loader's error files are the
// model):
//
//   - NAME.failed.csv: every row that failed, is in conflict, or was not
//     started (skipped, whatever the reason: a row left out here would be
//     silently lost to whoever runs this file), in the input's own columns
//     and order, then bulk_status and bulk_error, which the manifest
//     reader ignores;
//   - NAME.unknown.csv: the rows that may have been applied, whose
//     bulk_error says to check the service before running them again;
//   - NAME.reads.csv: one row per item the read jobs listed.
//
// A workbook manifest (or a workbook result file) gives .xlsx files, a
// YAML manifest .yaml files of YAML jobs. A file is written only when it
// has rows; one left by an earlier run is removed first (Clear), so a
// file beside the results always speaks of the last run.

// Kinds of the files beside the result file.
const (
	KindFailed  = "failed"
	KindUnknown = "unknown"
	KindReads   = "reads"
)

// Beside writes the files of a run beside its result file.
type Beside struct {
	Loc       runfiles.Locations
	Manifests []string // the run's manifests, as given
	Red       *secret.Redactor
}

// format is the result file's format.
func (b *Beside) format() Format { return formatOf(b.Loc.Out) }

// isYAML reports a YAML manifest.
func isYAML(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".yaml" || ext == ".yml"
}

// Paths are every file Beside may write or remove, for the run's check
// that no output is an input.
func (b *Beside) Paths() []runfiles.File {
	var out []runfiles.File
	for _, m := range b.Manifests {
		for _, kind := range []string{KindFailed, KindUnknown} {
			for _, ext := range b.exts(m) {
				out = append(out, runfiles.File{What: "the " + kind + " rows' file", Path: b.Loc.Beside(m, kind, ext)})
			}
		}
	}
	if len(b.Manifests) > 0 {
		for _, f := range []Format{CSV, Workbook} {
			out = append(out, runfiles.File{What: "the reads file", Path: b.Loc.Beside(b.Manifests[0], KindReads, f.Ext())})
		}
	}
	return out
}

// exts are the extensions m's files of rows may have: YAML for a YAML
// manifest, else CSV or a workbook.
func (b *Beside) exts(m string) []string {
	if isYAML(m) {
		return []string{".yaml"}
	}
	return []string{CSV.Ext(), Workbook.Ext()}
}

// Clear removes the files an earlier run left beside the results, before
// this run sends anything: a run that ends early (killed) then leaves
// none that speak of rows it may since have done.
func (b *Beside) Clear() error {
	var errs []error
	for _, f := range b.Paths() {
		if err := os.Remove(f.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("removing %s, which an earlier run wrote: %w", f.Path, err))
		}
	}
	return errors.Join(errs...)
}

// File is a file Write wrote: its kind, where, and how many rows.
type File struct {
	Kind string `json:"kind"`
	Path string `json:"path"`
	Rows int    `json:"rows"`
}

// Write writes the files of the outcomes (one per job, the run's final
// ones) that have rows, and says which it wrote.
func (b *Beside) Write(outcomes []executor.Outcome) ([]File, error) {
	outcomes = slices.Clone(outcomes)
	slices.SortStableFunc(outcomes, compareOutcomes)
	refs := refOwners(outcomes)
	var written []File
	var errs []error
	for _, m := range b.Manifests {
		var fix, check []executor.Outcome
		for _, o := range outcomes {
			if o.Job.Manifest != m {
				continue
			}
			switch o.Status.FollowUp() {
			case executor.FollowUpFix, executor.FollowUpRun:
				fix = append(fix, o)
			case executor.FollowUpCheck:
				check = append(check, o)
			}
		}
		for _, set := range []struct {
			kind string
			rows []executor.Outcome
		}{{KindFailed, fix}, {KindUnknown, check}} {
			path, err := b.writeRows(m, set.kind, set.rows, refs)
			if err != nil {
				errs = append(errs, err)
			} else if path != "" {
				written = append(written, File{Kind: set.kind, Path: path, Rows: len(set.rows)})
			}
		}
	}
	path, n, err := b.writeReads(outcomes)
	if err != nil {
		errs = append(errs, err)
	} else if path != "" {
		written = append(written, File{Kind: KindReads, Path: path, Rows: n})
	}
	return written, errors.Join(errs...)
}

func compareOutcomes(a, b executor.Outcome) int {
	switch {
	case a.Job.Source != b.Job.Source:
		return strings.Compare(a.Job.Source, b.Job.Source)
	case a.Job.Row != b.Job.Row:
		return a.Job.Row - b.Job.Row
	}
	return a.Job.Index - b.Job.Index
}

// writeRows writes the rows of manifest m of one kind, if there are any.
func (b *Beside) writeRows(m, kind string, rows []executor.Outcome, refs map[string]executor.Outcome) (string, error) {
	if len(rows) == 0 {
		return "", nil
	}
	again := followUpSet(rows)
	if isYAML(m) {
		path := b.Loc.Beside(m, kind, ".yaml")
		return path, b.writeYAMLJobs(path, m, kind, rows, refs, again)
	}
	f := b.format()
	for _, o := range rows {
		if o.Job.Table != nil && o.Job.Table.Workbook {
			f = Workbook
		}
	}
	path := b.Loc.Beside(m, kind, f.Ext())
	t := b.rowsTable(kind, rows, refs, again)
	return path, writeTable(path, f, t)
}

// rowsTable is the table of rows of a CSV or workbook manifest: the
// input's header, then the columns bulk adds.
func (b *Beside) rowsTable(kind string, rows []executor.Outcome, refs map[string]executor.Outcome, again map[string]bool) *table {
	var header []string
	for _, o := range rows {
		if o.Job.Table != nil {
			header = o.Job.Table.Header
			break
		}
	}
	t := &table{header: append(slices.Clone(header), manifest.StatusColumn, manifest.ErrorColumn), status: len(header), sheet: kind}
	for _, o := range rows {
		cells := make([]string, len(header))
		copy(cells, o.Job.Cells)
		waits := b.fillRefs(o, cells, header, refs, again)
		row := make([]string, 0, len(t.header))
		for _, c := range cells {
			row = append(row, Neutralise(b.Red.Redact(c)))
		}
		why := rowError(kind, o, secretColumns(o, header), waits)
		row = append(row, string(o.Status), Neutralise(b.Red.Redact(why)))
		t.rows = append(t.rows, row)
	}
	return t
}

// fillRefs replaces, in the cells of o's row, a ${name.field} whose job is
// not in this file with what that job answered, when it answered: the
// file runs on its own. A reference to a job of the file stays; so does
// one to a job outside it that did not answer, which it returns.
func (b *Beside) fillRefs(o executor.Outcome, cells, header []string, refs map[string]executor.Outcome, again map[string]bool) []string {
	var waits []string
	for _, col := range o.Job.Columns {
		if i := slices.Index(header, col); i >= 0 && actions.HasRef(cells[i]) {
			var w []string
			cells[i], w = fillRefs(cells[i], refs, again)
			waits = append(waits, w...)
		}
	}
	slices.Sort(waits)
	return slices.Compact(waits)
}

// fillRefs fills the references of v whose job is not one of again (the
// refs of this file's jobs) and answered; it returns the references to
// jobs outside the file that did not, as the job that has each names it.
func fillRefs(v string, refs map[string]executor.Outcome, again map[string]bool) (string, []string) {
	var waits []string
	out, _ := actions.Substitute(v, func(name, field string) (string, bool) {
		ref := "${" + name + "." + field + "}"
		o, ok := refs[name]
		if again[name] {
			return ref, true
		}
		if x := o.Result.Refs[field]; ok && x != "" {
			return x, true
		}
		where := "no job of the manifest"
		if ok {
			where = fmt.Sprintf("%s row %d, which ended %s", o.Job.Source, o.Job.Row, o.Status)
		}
		waits = append(waits, ref+" ("+where+")")
		return ref, true
	})
	return out, waits
}

// refOwners are the outcomes of the jobs that have a ref name, by name.
func refOwners(outcomes []executor.Outcome) map[string]executor.Outcome {
	out := map[string]executor.Outcome{}
	for _, o := range outcomes {
		if o.Job.Ref != "" {
			out[o.Job.Ref] = o
		}
	}
	return out
}

// followUpSet are the ref names of the jobs of a file.
func followUpSet(rows []executor.Outcome) map[string]bool {
	out := map[string]bool{}
	for _, o := range rows {
		if o.Job.Ref != "" {
			out[o.Job.Ref] = true
		}
	}
	return out
}

// secretColumns are the columns of header that held a secret of o's job,
// which the file leaves blank.
func secretColumns(o executor.Outcome, header []string) []string {
	var out []string
	for field := range o.Job.Secrets {
		col := o.Job.Columns[field]
		if col == "" {
			col = field
		}
		if header == nil || slices.Contains(header, col) {
			out = append(out, col)
		}
	}
	slices.Sort(out)
	return out
}

// checkFirst is what an unknown row's error starts with.
const checkFirst = "CHECK THE SERVICE BEFORE RUNNING THIS ROW AGAIN: the request may have been applied, and running it again could make a second one. "

// rowError is the bulk_error cell of a row: why it did not succeed, and
// what running the file again needs (secrets to type again, references to
// jobs outside the file to replace with what they made).
func rowError(kind string, o executor.Outcome, secrets, waits []string) string {
	msg := ""
	if o.Err != nil {
		msg = o.Err.Error()
	}
	if kind == KindUnknown {
		msg = checkFirst + msg
	}
	if len(secrets) > 0 {
		msg = actions.JoinNotes(msg, strings.Join(secrets, ", ")+" left blank (bulk never writes a password): type it again, or run with --generate-passwords")
	}
	if len(waits) > 0 {
		msg = actions.JoinNotes(msg, "refers to a job that is not in this file and made nothing: "+strings.Join(waits, ", ")+
			"; once it is made, type what it made in place of the reference, or run this file together with the file of rows to check it is in, once you have checked them")
	}
	return msg
}
