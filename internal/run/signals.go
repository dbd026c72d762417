package run

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// interruptOnSignals returns the contexts Ctrl-C, SIGTERM or SIGHUP (an
// SSH session that drops) cancel: first at the first signal (nothing new
// starts, calls in flight may finish, every row gets its result), second
// at the next one (calls in flight are cancelled at once). Signals after
// that are caught and ignored: the run is already ending, and a process
// killed now would leave rows unrecorded.
//
// SIGPIPE is ignored first: otherwise Go's runtime kills the process the
// moment it writes to a standard output or error whose reader has gone
// (`bulk run ... | head`), with rows started and never recorded. Ignored,
// the write fails with EPIPE, which the streams turn into the same
// interruption (iostreams.IOStreams.StopOnClosedPipe).
func interruptOnSignals(ctx context.Context) (first, second context.Context, stop func()) {
	signal.Ignore(syscall.SIGPIPE)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	first, cancelFirst := context.WithCancel(ctx)
	second, cancelSecond := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		for _, cancel := range []context.CancelFunc{cancelFirst, cancelSecond} {
			select {
			case <-sigs:
				cancel()
			case <-done:
				return
			}
		}
	}()
	return first, second, func() {
		signal.Stop(sigs)
		close(done)
		cancelFirst()
		cancelSecond()
	}
}
