package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/firmtools/bulk/internal/imanage"
)

// ExitCode is what the process returns. They are chosen in one place,
// exitCodeFor, from the error a command returns.
type ExitCode int

const (
	ExitOK          ExitCode = 0   // every job ok
	ExitJobsFailed  ExitCode = 1   // at least one job failed, unknown, or skipped for a failure
	ExitInvalid     ExitCode = 2   // invalid manifest or usage; nothing sent
	ExitUnreachable ExitCode = 3   // could not sign in or reach the service; nothing done
	ExitInterrupted ExitCode = 130 // interrupted (Ctrl-C, SIGTERM, SIGHUP, a closed output pipe)
)

// exitError carries an exit code with the error that caused it.
type exitError struct {
	code ExitCode
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// withExit attaches an exit code to err.
func withExit(code ExitCode, err error) error { return &exitError{code: code, err: err} }

// errSilent is an error whose message was already printed (e.g. the list
// of validation problems); only its exit code matters.
var errSilent = errors.New("silent")

func exitCodeFor(err error) ExitCode {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, context.Canceled) {
		return ExitInterrupted
	}
	if errors.Is(err, imanage.ErrSignIn) {
		return ExitUnreachable
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return ExitInvalid
	}
	return ExitJobsFailed
}

// usageError is a problem with the command line.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }
