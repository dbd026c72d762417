package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/iostreams"
)

func newRootCmd(ios *iostreams.IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "bulk",
		Short: "Run iManage Work admin jobs in bulk from a CSV, spreadsheet or YAML manifest",
		Long: `bulk runs iManage Work admin jobs (create users, assign libraries, lookup aliases,
custom fields, tabs, folders, My Matters shortcuts, and reads) from a manifest,
validating every row before a single call is made, pacing calls to the service's
limit of 100 per minute, and writing one result row per manifest row.

` + exit.Help,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &flagError{err: err, path: c.CommandPath()}
	})
	root.AddCommand(
		newRunCmd(ios),
		newValidateCmd(ios),
		newActionsCmd(ios),
		newTemplateCmd(ios),
		newSimCmd(ios),
		newCheckCmd(ios),
		newLoginCmd(ios),
		newLogoutCmd(ios),
		newConfigCmd(ios),
		newVersionCmd(ios),
	)
	return root
}

// Main runs the command line and returns the process exit code.
func Main(args []string, ios *iostreams.IOStreams) int {
	root := newRootCmd(ios)
	root.SetArgs(args)
	// What fails before a command starts (an unknown command or flag, the
	// wrong number of arguments) is a usage error: cobra does not mark it.
	started := false
	root.PersistentPreRun = func(*cobra.Command, []string) { started = true }
	err := root.Execute()
	if err != nil && !started {
		err = exit.Usage(err)
	}
	if err != nil && !errors.Is(err, exit.ErrSilent) {
		fmt.Fprintf(ios.ErrOut, "bulk: %v\n", err)
	}
	return int(exit.Of(err))
}

// flagError is a flag that could not be read, and where to read about it.
type flagError struct {
	err  error
	path string
}

func (e *flagError) Error() string {
	return fmt.Sprintf("%v\nRun '%s --help' for usage.", e.err, e.path)
}
func (e *flagError) Unwrap() error { return e.err }
