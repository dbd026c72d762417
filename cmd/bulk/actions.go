package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/names"
)

type actionsOptions struct {
	IO     *iostreams.IOStreams
	Action string // "" lists the actions
}

func newActionsCmd(ios *iostreams.IOStreams) *cobra.Command { return newActionsCmdWith(ios, nil) }

func newActionsCmdWith(ios *iostreams.IOStreams, runF func(*actionsOptions) error) *cobra.Command {
	o := &actionsOptions{IO: ios}
	return &cobra.Command{
		Use:   "actions [ACTION]",
		Short: "List the actions, or the fields of one with their rules",
		Example: `  bulk actions
  bulk actions create-user`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Action = args[0]
			}
			if runF != nil {
				return runF(o)
			}
			return runActions(o)
		},
	}
}

// lookupAction finds an action for a command argument; an unknown name is
// a usage error that suggests the closest.
func lookupAction(name string) (*actions.Spec, error) {
	s, ok := actions.Lookup(name)
	if !ok {
		return nil, exit.Usage(fmt.Errorf("%q is not an action%s (the actions are %s)",
			name, names.DidYouMean(name, actions.Names()), strings.Join(actions.Names(), ", ")))
	}
	return s, nil
}

func runActions(o *actionsOptions) error {
	if o.Action == "" {
		return writeActionList(o.IO.Out)
	}
	s, err := lookupAction(o.Action)
	if err != nil {
		return err
	}
	return writeActionFields(o.IO.Out, s)
}

func writeActionList(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tKIND\tOPERATION\tSUMMARY")
	for _, s := range actions.All() {
		kind := "write"
		if s.Read {
			kind = "read"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, kind, s.Operation, s.Summary)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\nRun 'bulk actions ACTION' for the fields of one, 'bulk template ACTION' for a file to fill in.")
	return err
}

// fieldType is the type of a field in words.
func fieldType(f *actions.Field) string {
	switch f.Kind {
	case actions.KindEnum:
		return "enum"
	case actions.KindSecret:
		return "secret"
	case actions.KindList:
		return "list"
	case actions.KindProperties:
		return "schema"
	}
	return string(f.Kind)
}

func writeActionFields(w io.Writer, s *actions.Spec) error {
	fmt.Fprintf(w, "%s (%s): %s\n", s.Name, s.Operation, s.Summary)
	switch s.Repeat {
	case actions.RepeatIfNotProcessed:
		fmt.Fprintln(w, "Not idempotent: repeated only when the service provably did not act on a request.")
	case actions.RepeatRecognizeDuplicate:
		fmt.Fprintln(w, "Repeated safely: an alias that exists after an unanswered attempt counts as created.")
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tREQUIRED\tTYPE\tDEFAULT\tRULE")
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.Internal {
			continue
		}
		req := "optional"
		switch {
		case f.Required && f.Default != "":
			req = "required, with a default"
		case f.Required:
			req = "required"
		}
		def := f.Default
		if def == "" {
			def = "-"
		}
		rule := "any text"
		if r := f.RuleText(); r != "" {
			rule = "must " + r
		}
		var notes []string
		if f.Reference {
			notes = append(notes, "may be ${ref.field}")
		}
		name := f.Name
		switch {
		case f.Kind == actions.KindProperties:
			// Its columns are MEMBER.NAME; the field itself holds them all.
			name = f.Member + ".NAME"
			notes = append(notes, "also "+f.Name+", all of them as a JSON object")
		case len(f.Aliases) > 0:
			notes = append(notes, "also "+strings.Join(f.Aliases, ", "))
		}
		if len(notes) > 0 {
			rule += " [" + strings.Join(notes, "; ") + "]"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, req, fieldType(f), def, rule)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nA field \"required, with a default\" may be left empty: the service needs a value, and the default is sent.")
	if len(s.RefFields) > 0 {
		fmt.Fprintf(w, "\nA job with ref: NAME lets later jobs use its answer: %s.\n", refList(s.RefFields))
	}
	writeActionAnswer(w, s)
	return nil
}

// writeActionAnswer says what the result row shows of the action's answer
// and, for a read, what each item it lists has.
func writeActionAnswer(w io.Writer, s *actions.Spec) {
	parts := make([]string, len(s.Shows))
	for i, sh := range s.Shows {
		parts[i] = sh.Column + " (" + sh.What + ")"
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "\nThe result row shows %s.\n", strings.Join(parts, ", "))
	}
	if s.Items != nil {
		fmt.Fprintf(w, "Each %s read is a row of the reads file (<manifest>.reads.csv) with %s.\n", s.Items.What, strings.Join(s.Items.Columns, ", "))
	}
}

func refList(fields []string) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = "${NAME." + f + "}"
	}
	return strings.Join(parts, ", ")
}
