package report

import (
	"slices"
	"strconv"
	"strings"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/executor"
)

// The reads file has one row per item a read job listed (a role, an alias,
// a category): the job's source, row and action, its key fields (library,
// lookup field, parent alias, user...), then the item's fields as the
// action declares them (Spec.Items). Its columns are those of the read
// actions the run has, in the order of their names; an item's field that
// has the name of a key field is item_NAME.

// writeReads writes the reads file, if a read listed any item.
func (b *Beside) writeReads(outcomes []executor.Outcome) (string, int, error) {
	t := readsTable(outcomes, b)
	if t == nil || len(t.rows) == 0 || len(b.Manifests) == 0 {
		return "", 0, nil
	}
	f := b.format()
	path := b.Loc.Beside(b.Manifests[0], KindReads, f.Ext())
	return path, len(t.rows), writeTable(path, f, t)
}

func readsTable(outcomes []executor.Outcome, b *Beside) *table {
	var specs []*actions.Spec
	for _, o := range outcomes {
		if s := o.Job.Action; s.Items != nil && !slices.Contains(specs, s) {
			specs = append(specs, s)
		}
	}
	if len(specs) == 0 {
		return nil
	}
	slices.SortFunc(specs, func(a, b *actions.Spec) int { return strings.Compare(a.Name, b.Name) })
	t := &table{header: []string{"source", "row", "action"}, status: -1, sheet: KindReads}
	keyAt, itemAt := map[string]int{}, map[*actions.Spec][]int{}
	for _, s := range specs {
		for _, k := range s.KeyFields {
			if _, ok := keyAt[k]; !ok {
				keyAt[k] = len(t.header)
				t.header = append(t.header, k)
			}
		}
	}
	for _, s := range specs {
		for _, c := range s.Items.Columns {
			name := c
			if _, clash := keyAt[c]; clash {
				name = "item_" + c
			}
			i := slices.Index(t.header, name)
			if i < 0 {
				i = len(t.header)
				t.header = append(t.header, name)
			}
			itemAt[s] = append(itemAt[s], i)
		}
	}
	for _, o := range outcomes {
		s := o.Job.Action
		if s.Items == nil || !o.Status.Succeeded() || o.Result.Output == nil {
			continue
		}
		items, err := s.Items.Rows(o.Result.Output)
		if err != nil {
			continue // the result file's output cell keeps the answer as it was
		}
		values := o.Values
		if values == nil {
			values = o.Job.Values
		}
		for _, item := range items {
			row := make([]string, len(t.header))
			row[0], row[1], row[2] = o.Job.Source, strconv.Itoa(o.Job.Row), s.Name
			for _, k := range s.KeyFields {
				row[keyAt[k]] = values[k]
			}
			for i, c := range item {
				row[itemAt[s][i]] = c
			}
			for i := range row {
				row[i] = Neutralise(b.Red.Redact(row[i]))
			}
			t.rows = append(t.rows, row)
		}
	}
	return t
}
