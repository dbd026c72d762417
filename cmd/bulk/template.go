package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/iostreams"
)

type templateOptions struct {
	IO     *iostreams.IOStreams
	Action string
	YAML   bool
}

func newTemplateCmd(ios *iostreams.IOStreams) *cobra.Command { return newTemplateCmdWith(ios, nil) }

func newTemplateCmdWith(ios *iostreams.IOStreams, runF func(*templateOptions) error) *cobra.Command {
	o := &templateOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "template ACTION",
		Short: "Print a CSV header (or with --yaml a YAML manifest) to fill in for an action",
		Long: `Template prints the header line of a CSV file for ACTION: an action column and
every field, in the order 'bulk actions ACTION' lists them. Add one row per
job (the action column holds ACTION) and 'bulk validate' accepts the file.
With --yaml it prints a YAML manifest with one job: required fields to fill
in, optional fields and defaults commented out.`,
		Example: `  bulk template create-user > users.csv
  bulk template add-folder --yaml > folders.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return exit.Usage(fmt.Errorf("name the action to make a template for: bulk template ACTION, where ACTION is one of %s (see 'bulk actions')",
					strings.Join(actions.Names(), ", ")))
			}
			o.Action = args[0]
			if runF != nil {
				return runF(o)
			}
			return runTemplate(o)
		},
	}
	cmd.Flags().BoolVar(&o.YAML, "yaml", false, "print a YAML manifest skeleton instead of a CSV header")
	return cmd
}

func runTemplate(o *templateOptions) error {
	s, err := lookupAction(o.Action)
	if err != nil {
		return err
	}
	if o.YAML {
		return writeYAMLTemplate(o.IO.Out, s)
	}
	return writeCSVTemplate(o.IO.Out, s)
}

func writeCSVTemplate(w io.Writer, s *actions.Spec) error {
	header := []string{"action"}
	for _, f := range s.Fields {
		// A tenant's further properties (MEMBER.NAME) are its own: a
		// template cannot know them.
		if !f.Internal && f.Kind != actions.KindProperties {
			header = append(header, f.Name)
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func writeYAMLTemplate(w io.Writer, s *actions.Spec) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %s\n", s.Name, s.Summary)
	b.WriteString("# Fill in the required fields; uncomment the others to give them.\n")
	b.WriteString("# More jobs: repeat the list item. See 'bulk actions " + s.Name + "'.\n")
	b.WriteString("version: 1\njobs:\n")
	fmt.Fprintf(&b, "  - action: %s\n", s.Name)
	if len(s.RefFields) > 0 {
		fmt.Fprintf(&b, "    # ref: NAME          # later jobs may use %s\n", refList(s.RefFields))
	}
	width := 0
	for _, f := range s.Fields {
		width = max(width, len(f.Name))
	}
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.Internal {
			continue
		}
		rule := f.RuleText()
		if rule != "" {
			rule = "must " + rule
		}
		switch {
		case f.Kind == actions.KindProperties:
			fmt.Fprintf(&b, "    # %-*s  # optional; a property the service's schema for %s names beyond the fields above, one key each, typed as the schema says\n", width+1, f.Member+".NAME:", f.Member)
		case f.Required && f.Default == "":
			fmt.Fprintf(&b, "    %-*s  # required; %s\n", width+1, f.Name+":", orText(rule))
		case f.Default != "":
			fmt.Fprintf(&b, "    # %-*s  # default; %s\n", width+1, f.Name+": "+yamlScalar(f.Default), orText(rule))
		default:
			fmt.Fprintf(&b, "    # %-*s  # optional; %s\n", width+1, f.Name+":", orText(rule))
		}
	}
	for _, e := range s.Expansions {
		fmt.Fprintf(&b, "    # %-20s# %s: %s jobs\n    #   - %s\n", e.Key+":", e.Summary, e.Action, e.Example)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orText(rule string) string {
	if rule == "" {
		return "any text"
	}
	return rule
}

// yamlScalar quotes a default that YAML would read as something else.
func yamlScalar(v string) string {
	switch strings.ToLower(v) {
	case "yes", "no", "on", "off", "y", "n", "~", "null":
		return fmt.Sprintf("%q", v)
	}
	return v
}
