//go:build unix

package iostreams

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// watchResize tells of every SIGWINCH, the signal a terminal sends its
// processes when its window is resized, until ctx is done.
func watchResize(ctx context.Context) <-chan struct{} {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGWINCH)
	out := make(chan struct{}, 1)
	go func() {
		defer signal.Stop(sig)
		for {
			select {
			case <-ctx.Done():
				return
			case <-sig:
				select {
				case out <- struct{}{}:
				default: // one redraw is pending already
				}
			}
		}
	}()
	return out
}
