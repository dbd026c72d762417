// Package exit is the process's exit codes, and the one place that chooses
// a code from the error a command returns (Of).
package exit

import (
	"context"
	"errors"
	"fmt"

	"github.com/firmtools/bulk/internal/imanage"
)

// Code is what the process returns.
type Code int

const (
	OK          Code = 0   // every job ok or exists (or: the manifest is valid)
	JobsFailed  Code = 1   // at least one job failed, conflict, unknown, or skipped; or a file could not be written
	Invalid     Code = 2   // invalid manifest or usage; nothing sent
	Unreachable Code = 3   // could not sign in or reach the service; nothing done
	Interrupted Code = 130 // interrupted (Ctrl-C, SIGTERM, SIGHUP, a closed output pipe)
)

// Help says what each code means, for --help.
const Help = `Exit codes:
  0    every job ok or exists (or: the manifest is valid)
  1    at least one job failed, conflict, ended unknown, or was skipped;
       or a journal or result write failed, and no further call was sent
  2    invalid manifest or usage; nothing was sent (also: the journal is held by
       another run, belongs to another service, or is damaged; an output names an input)
  3    could not sign in to or reach the service; nothing was done
  130  interrupted (Ctrl-C, SIGTERM, SIGHUP, a closed output pipe); every row still has its result`

// ErrSilent is an error whose message was already printed (the list of
// validation problems, the summary); only its exit code matters.
var ErrSilent = errors.New("silent")

// codedError carries an exit code with the error that caused it.
type codedError struct {
	code Code
	err  error
}

func (e *codedError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *codedError) Unwrap() error { return e.err }

// With attaches code to err.
func With(code Code, err error) error { return &codedError{code: code, err: err} }

// usageError is a problem with the command line.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// Usage marks err as a problem with the command line: exit 2, nothing sent.
func Usage(err error) error { return &usageError{err: err} }

// Of chooses the exit code for the error a command returned.
func Of(err error) Code {
	if err == nil {
		return OK
	}
	var ce *codedError
	var ue *usageError
	switch {
	case errors.As(err, &ce):
		if ce.code == OK {
			return JobsFailed // an error is never success
		}
		return ce.code
	case errors.Is(err, context.Canceled):
		return Interrupted
	case errors.Is(err, imanage.ErrSignIn):
		return Unreachable
	case errors.As(err, &ue):
		return Invalid
	}
	return JobsFailed
}
