package run

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// interruptOnSignals returns a context cancelled by Ctrl-C, SIGTERM or
// SIGHUP (an SSH session that drops): nothing new starts, calls in flight
// finish, every row gets its result.
//
// SIGPIPE is ignored first: otherwise Go's runtime kills the process the
// moment it writes to a standard output or error whose reader has gone
// (`bulk run ... | head`), with rows started and never recorded. Ignored,
// the write fails with EPIPE, which the streams turn into the same
// interruption (iostreams.IOStreams.StopOnClosedPipe).
func interruptOnSignals(ctx context.Context) (context.Context, context.CancelFunc) {
	signal.Ignore(syscall.SIGPIPE)
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
}
