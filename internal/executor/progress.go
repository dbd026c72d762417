package executor

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// ProgressOptions configure the progress display.
type ProgressOptions struct {
	Out      io.Writer // standard error
	Terminal bool      // redraw a bar in place; otherwise print plain status lines
	Interval time.Duration
	Counters *Counters
	Pacer    *Pacer
	Clock    Clock
}

// StartProgress shows progress until the returned stop is called. On a
// terminal it redraws a bar; elsewhere (cron, CI, pipes) it prints one plain
// status line every Interval (default 10 s) so logs stay readable.
func StartProgress(opts ProgressOptions) (stop func()) {
	if opts.Clock == nil {
		opts.Clock = RealClock{}
	}
	if opts.Interval <= 0 {
		opts.Interval = 10 * time.Second
		if opts.Terminal {
			opts.Interval = 500 * time.Millisecond
		}
	}
	start := opts.Clock.Now()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var bar *progressbar.ProgressBar
	if opts.Terminal {
		bar = progressbar.NewOptions64(max(opts.Counters.Total.Load(), 1),
			progressbar.OptionSetWriter(opts.Out),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowDescriptionAtLineEnd(),
			progressbar.OptionClearOnFinish(),
		)
	}
	render := func() {
		line := statusLine(opts.Counters, opts.Pacer, opts.Clock.Now().Sub(start))
		if bar != nil {
			// The run sets the total once it has planned; read it each time.
			if total := opts.Counters.Total.Load(); total != bar.GetMax64() {
				bar.ChangeMax64(total)
			}
			// The bar shows done of total; the description the rest.
			_, rest, _ := strings.Cut(line, " done, ")
			bar.Describe(rest)
			_ = bar.Set64(int64(opts.Counters.ended().Total()))
			return
		}
		fmt.Fprintf(opts.Out, "bulk: %s\n", line)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if err := opts.Clock.Sleep(ctx, opts.Interval); err != nil {
				return
			}
			render()
		}
	}()
	return func() {
		cancel()
		wg.Wait()
		if bar != nil {
			_ = bar.Finish()
			fmt.Fprintln(opts.Out)
		}
	}
}

// statusLine is one line of progress: done of total, failures, calls per
// minute and the time left, computed from the calls still to make at the
// pacer's rate (not from the pace so far, which a 429 hold distorts).
func statusLine(c *Counters, p *Pacer, elapsed time.Duration) string {
	ended := c.ended()
	done, total := ended.Total(), c.Total.Load()
	cpm := 0.0
	if p != nil && elapsed > 0 {
		cpm = float64(p.Calls()) / elapsed.Minutes()
	}
	eta := "-"
	if p != nil && p.callsPerSecond() > 0 {
		left := time.Duration(float64(c.Pending.Load()) / p.callsPerSecond() * float64(time.Second))
		eta = left.Round(time.Second).String()
	}
	// exists and conflict only when there are some: most runs have none.
	ok := fmt.Sprintf("%d ok", ended.OK)
	if ended.Exists > 0 {
		ok += fmt.Sprintf(", %d exists", ended.Exists)
	}
	failed := fmt.Sprintf("%d failed", ended.Failed)
	if ended.Conflict > 0 {
		failed += fmt.Sprintf(", %d conflict", ended.Conflict)
	}
	return fmt.Sprintf("%d/%d done, %s, %s, %d skipped, %d unknown, %.0f calls/min, %d throttled, ETA %s",
		done, total, ok, failed, ended.Skipped, ended.Unknown, cpm, c.Throttled.Load(), eta)
}
