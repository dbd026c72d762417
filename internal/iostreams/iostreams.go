// Package iostreams holds the streams a command reads and writes, passed in
// rather than taken from os, so tests can give buffers and say whether each
// is a terminal (the model is cli/cli's pkg/iostreams).
package iostreams

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
	"syscall"

	"golang.org/x/term"
)

// IOStreams are the streams a command uses. Nothing touches os.Stdin,
// os.Stdout or os.Stderr directly. Results go to Out; progress, logs and
// problems to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	InTTY     bool // standard input is a terminal (a password prompt is possible)
	ErrOutTTY bool // standard error is a terminal (redraw progress in place)
	// ErrOutWidth is the width of standard error's terminal in columns
	// now (0 when unknown); nil when it is not a terminal.
	ErrOutWidth func() int
	// WatchResize tells of each resize of that terminal until ctx is
	// done; nil, or a nil channel, when it cannot (then ask ErrOutWidth
	// again from time to time).
	WatchResize func(ctx context.Context) <-chan struct{}

	// ReadPassword reads a line without echo from the terminal; nil when
	// there is no terminal.
	ReadPassword func() ([]byte, error)
	// Getenv reads the environment (tests pass a map). Only the face reads
	// it, to fill options; the packages behind it are given values.
	Getenv func(string) string
}

// System returns the process's streams.
func System() *IOStreams {
	ios := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		InTTY:     term.IsTerminal(int(os.Stdin.Fd())),
		ErrOutTTY: term.IsTerminal(int(os.Stderr.Fd())),
		Getenv:    os.Getenv,
	}
	if ios.InTTY {
		ios.ReadPassword = func() ([]byte, error) { return term.ReadPassword(int(os.Stdin.Fd())) }
	}
	if ios.ErrOutTTY {
		ios.ErrOutWidth = func() int {
			w, _, err := term.GetSize(int(os.Stderr.Fd()))
			if err != nil {
				return 0
			}
			return w
		}
		ios.WatchResize = watchResize
	}
	return ios
}

// Test returns streams over the given buffers, none of them a terminal,
// with an environment read from env.
func Test(in io.Reader, out, errOut io.Writer, env map[string]string) *IOStreams {
	return &IOStreams{
		In: in, Out: out, ErrOut: errOut,
		Getenv: func(k string) string { return env[k] },
	}
}

// StopOnClosedPipe returns streams whose Out and ErrOut call stop when
// their reader has gone (EPIPE: `bulk run ... -v 2>&1 | head`), so the run
// ends as an interruption would; what is written after that is dropped,
// since nobody reads it.
func (ios *IOStreams) StopOnClosedPipe(stop func()) *IOStreams {
	c := *ios
	c.Out = &pipeWriter{w: ios.Out, gone: stop}
	c.ErrOut = &pipeWriter{w: ios.ErrOut, gone: stop}
	return &c
}

type pipeWriter struct {
	w    io.Writer
	gone func()

	mu     sync.Mutex
	closed bool
}

func (p *pipeWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return len(b), nil
	}
	n, err := p.w.Write(b)
	if errors.Is(err, syscall.EPIPE) {
		p.closed = true
		p.gone()
		return len(b), nil
	}
	return n, err
}
