package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

const exitCodesHelp = `Exit codes:
  0    every job ok or exists (or: the manifest is valid)
  1    at least one job failed, conflict, ended unknown, or was skipped;
       or a journal or result write failed, and no further call was sent
  2    invalid manifest or usage; nothing was sent (also: the journal is held by
       another run, belongs to another service, or is damaged; an output names an input)
  3    could not sign in to or reach the service; nothing was done
  130  interrupted (Ctrl-C, SIGTERM, SIGHUP, a closed output pipe); every row still has its result`

// subcommands are added by each command's file (run.go, sim.go, ...).
var subcommands []func(ios *IOStreams) *cobra.Command

func newRootCmd(ios *IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "bulk",
		Short: "Run iManage Work admin jobs in bulk from a CSV, spreadsheet or YAML manifest",
		Long: `bulk runs iManage Work admin jobs (create users, assign libraries, lookup aliases,
custom fields, tabs, folders, My Matters shortcuts, and reads) from a manifest,
validating every row before a single call is made, pacing calls to the service's
limit of 100 per minute, and writing one result row per manifest row.

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{err: fmt.Errorf("%w\nRun '%s --help' for usage.", err, c.CommandPath())}
	})
	for _, mk := range subcommands {
		root.AddCommand(mk(ios))
	}
	return root
}

// Main runs the command line and returns the process exit code.
func Main(args []string, ios *IOStreams) int {
	root := newRootCmd(ios)
	root.SetArgs(args)
	err := root.Execute()
	if err != nil && !errors.Is(err, errSilent) {
		fmt.Fprintf(ios.ErrOut, "bulk: %v\n", err)
	}
	code := exitCodeFor(err)
	if err != nil && code == ExitOK {
		code = ExitJobsFailed
	}
	// cobra's own argument errors (unknown command, wrong arg count) are usage errors.
	if err != nil && isCobraUsage(err) {
		code = ExitInvalid
	}
	return int(code)
}

func isCobraUsage(err error) bool {
	var ee *exitError
	if errors.As(err, &ee) {
		return false
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "accepts ", "requires at least", "requires at most", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
