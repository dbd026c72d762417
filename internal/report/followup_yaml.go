package report

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/runfiles"
)

// A YAML manifest's rows to look at again are written as YAML jobs, one per
// job that did not succeed, whether it came from the manifest's jobs: or
// from a row of one of its sources: each with its action, its ref and its
// fields as they were validated (column mappings, templates, set: and
// defaults: already applied; a field left at its default left out), then
// bulk_status and bulk_error. A job expanded from a create-user's
// libraries: or my_matters: is a job of its own action. So the file runs
// as it is, needing neither the manifest nor its sources; a row of a source
// is named by its file and row in a comment.

// writeYAMLJobs writes rows of the YAML manifest m to path.
func (b *Beside) writeYAMLJobs(path, m, kind string, rows []executor.Outcome, refs map[string]executor.Outcome, again map[string]bool) error {
	jobs := &yaml.Node{Kind: yaml.SequenceNode}
	for _, o := range rows {
		jobs.Content = append(jobs.Content, b.yamlJob(kind, o, refs, again))
	}
	what := "failed, are in conflict or did not start"
	if kind == KindUnknown {
		what = "may have been applied: check the service for each before running it again"
	}
	doc := &yaml.Node{Kind: yaml.MappingNode, HeadComment: fmt.Sprintf(
		"The jobs of %s that %s.\nFix them and run this file: bulk run %s (bulk ignores bulk_status and bulk_error).", m, what, path)}
	doc.Content = append(doc.Content, scalarNode("version"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "1"},
		scalarNode("jobs"), jobs)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	err := runfiles.ReplaceFile(path, 0o644, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	})
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// yamlJob is one job of the file.
func (b *Beside) yamlJob(kind string, o executor.Outcome, refs map[string]executor.Outcome, again map[string]bool) *yaml.Node {
	j := o.Job
	n := &yaml.Node{Kind: yaml.MappingNode}
	if j.Source != j.Manifest {
		n.HeadComment = fmt.Sprintf("%s row %d", j.Source, j.Row)
	} else {
		n.HeadComment = fmt.Sprintf("%s line %d", j.Source, j.Row)
	}
	add := func(k, v string) { n.Content = append(n.Content, scalarNode(k), stringNode(b.Red.Redact(v))) }
	add("action", j.Action.Name)
	if j.Ref != "" {
		add("ref", j.Ref)
	}
	var waits []string
	for _, f := range j.Action.Fields {
		v, ok := j.Values[f.Name]
		if !ok || v == "" || f.Internal || v == f.Default {
			continue
		}
		if f.Kind == actions.KindProperties {
			// Given back as they are read best: a key MEMBER.NAME each.
			props := actions.PropertyTexts(v)
			for _, k := range slices.Sorted(maps.Keys(props)) {
				add(actions.PropertyKey(f.Member, k), props[k])
			}
			continue
		}
		filled, w := fillRefs(v, refs, again)
		waits = append(waits, w...)
		add(f.Name, filled)
	}
	add(manifest.StatusColumn, string(o.Status))
	add(manifest.ErrorColumn, rowError(kind, o, secretColumns(o, nil), waits))
	return n
}

func scalarNode(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }

// stringNode is s as a YAML string, quoted when it would read as another
// type (true, 123, null) or is not plain.
func stringNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}
