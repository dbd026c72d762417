package executor

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/firmtools/bulk/internal/pacer"
)

// The progress display is a line of its own on a terminal, redrawn in
// place, that always fits the terminal's width: it is built from parts in
// order of importance (done of total, then a hold, the counts, the rate,
// the time left, the 429s met) and the least important are left out until
// it fits, one column short of the width so that no terminal wraps it; the
// bar takes what room is left. Bar and counts come from one reading of the
// counters, so they agree. Elsewhere (cron, CI, a pipe) it prints a plain
// status line every Interval, so logs stay readable.
//
// It is drawn here rather than by a progress-bar library: schollz/
// progressbar finds the width only of an *os.File it writes to (standard
// error is wrapped here, and a test's is a buffer), through a package
// variable, never cuts its description to the width (the wrapping and the
// stale lines people saw on an 80-column terminal), and takes the bar's
// value and its description in two calls that a redraw can fall between.
// Cutting one line of ASCII to a width is a few lines of code.

// ProgressOptions configure the progress display.
type ProgressOptions struct {
	Out      io.Writer // standard error
	Terminal bool      // redraw a line in place; otherwise print plain status lines
	// Width is the terminal's width in columns, asked at every redraw (a
	// window can be resized); nil, or an answer below 40, is 80, or 40.
	Width func() int
	// Resized, when set, says the terminal was resized (SIGWINCH): the
	// line is redrawn at once, not at the next Interval.
	Resized  <-chan struct{}
	Interval time.Duration
	Counters *Counters
	Pacer    *pacer.Pacer
	Clock    Clock
}

// MinWidth is the narrowest terminal the display is laid out for; a
// narrower one gets its first MinWidth-1 columns.
const MinWidth = 40

// Progress is a running progress display.
type Progress struct {
	opts  ProgressOptions
	start time.Time
	stop  context.CancelFunc
	wg    sync.WaitGroup

	mu       sync.Mutex
	lastLen  int // columns of the line on screen (0: none)
	lastWide int // the width it was drawn for
}

// StartProgress shows progress until Stop is called.
func StartProgress(opts ProgressOptions) *Progress {
	if opts.Clock == nil {
		opts.Clock = RealClock{}
	}
	if opts.Interval <= 0 {
		opts.Interval = 10 * time.Second
		if opts.Terminal {
			opts.Interval = 500 * time.Millisecond
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Progress{opts: opts, start: opts.Clock.Now(), stop: cancel}
	ticks := make(chan struct{})
	p.wg.Add(2)
	go func() {
		defer p.wg.Done()
		defer close(ticks)
		for opts.Clock.Sleep(ctx, opts.Interval) == nil {
			select {
			case ticks <- struct{}{}:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		defer p.wg.Done()
		for {
			select {
			case _, ok := <-ticks:
				if !ok {
					return
				}
			case <-opts.Resized:
			}
			p.render()
		}
	}()
	return p
}

// Stop ends the display; on a terminal the line is cleared, so what is
// printed next starts on a clean line.
func (p *Progress) Stop() {
	p.stop()
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

// Writer is where lines printed while the display runs go: each clears
// the display, is printed, and the display is drawn again below it.
func (p *Progress) Writer() io.Writer { return progressWriter{p} }

type progressWriter struct{ p *Progress }

func (w progressWriter) Write(b []byte) (int, error) {
	p := w.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.opts.Terminal {
		return p.opts.Out.Write(b)
	}
	p.clear()
	n, err := p.opts.Out.Write(b)
	if err == nil && len(b) > 0 && b[len(b)-1] != '\n' {
		_, err = io.WriteString(p.opts.Out, "\n")
	}
	p.draw()
	return n, err
}

func (p *Progress) render() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.opts.Terminal {
		fmt.Fprintf(p.opts.Out, "bulk: %s\n", statusLine(p.opts.Counters, p.opts.Pacer, p.opts.Clock.Now().Sub(p.start)))
		return
	}
	p.draw()
}

// width is the terminal's width now.
func (p *Progress) width() int {
	w := 80
	if p.opts.Width != nil {
		if got := p.opts.Width(); got > 0 {
			w = got
		}
	}
	return max(w, MinWidth)
}

// clear takes the line off the screen (held: p.mu).
func (p *Progress) clear() {
	if p.opts.Terminal && p.lastLen > 0 {
		io.WriteString(p.opts.Out, p.erase(p.width()))
		p.lastLen = 0
	}
}

// erase goes back to the start of the line on screen and clears it. A
// terminal made narrower than the line re-wraps it onto several rows (as
// most do: VTE, iTerm2, Windows Terminal, tmux), with the cursor on the
// last: go up to the first, and clear to the end of the screen.
func (p *Progress) erase(width int) string {
	rows := 1
	if width < p.lastWide && p.lastLen >= width {
		rows = (p.lastLen + width - 1) / width
	}
	if rows > 1 {
		return "\x1b[" + strconv.Itoa(rows-1) + "A\r\x1b[J"
	}
	return "\r\x1b[K"
}

// draw redraws the line for the width now (held: p.mu).
func (p *Progress) draw() {
	width := p.width()
	line := layout(p.snapshot(), width-1)
	var b strings.Builder
	if p.lastLen > 0 {
		b.WriteString(p.erase(width))
	} else {
		b.WriteByte('\r')
	}
	b.WriteString(line)
	b.WriteString("\x1b[K")
	io.WriteString(p.opts.Out, b.String())
	p.lastLen, p.lastWide = len(line), width
}

// progressState is one reading of the run's figures.
type progressState struct {
	ended       Tally
	total       int
	throttled   int64
	callsPerMin float64
	calls       int64 // shown instead of a pace within the first window, where N may go at once
	firstWindow bool
	eta         string
	held        part // a hold or an outage still on, else empty
}

func (p *Progress) snapshot() progressState {
	c, pc := p.opts.Counters, p.opts.Pacer
	now := p.opts.Clock.Now()
	s := progressState{ended: c.ended(), total: int(c.Total.Load())}
	s.total = max(s.total, s.ended.Total())
	if pc != nil {
		s.throttled = pc.Stats().Throttled
		s.calls = pc.Calls()
		elapsed := now.Sub(p.start)
		s.firstWindow = elapsed < pc.Limit().Window
		if elapsed > 0 {
			s.callsPerMin = float64(s.calls) / elapsed.Minutes()
		}
		s.held = holdPart(pc.Snapshot())
	}
	s.eta = eta(c, pc)
	return s
}

// part is a part of the progress line, in words and, shorter, for a
// narrow terminal.
type part struct{ long, short string }

// Bar widths, brackets included.
const minBar, maxBar = 7, 42

// layout is the line of s in at most width columns: a bar, done of total,
// then the parts in order of importance (a hold, how the jobs ended, calls
// per minute, the time left, the 429s met), each long if it fits, else
// short, else left out; the bar takes the room left, at least minBar.
func layout(s progressState, width int) string {
	done := s.ended.Total()
	text := fmt.Sprintf("%d/%d", done, s.total)
	var parts []part
	if s.held.long != "" {
		parts = append(parts, s.held)
	}
	parts = append(parts, part{counts(s.ended), fmt.Sprintf("%d ok, %d not ok", s.ended.Succeeded(), done-s.ended.Succeeded())},
		pace(s),
		part{"ETA " + s.eta, "ETA " + s.eta})
	if s.throttled > 0 {
		parts = append(parts, part{fmt.Sprintf("%d throttled (429)", s.throttled), fmt.Sprintf("%d 429s", s.throttled)})
	}
	room := width - minBar - 1
	if len(text) > room {
		return text[:min(len(text), width)] // narrower than MinWidth: done of total first
	}
	for _, pt := range parts {
		for _, w := range []string{pt.long, pt.short} {
			if len(text)+2+len(w) <= room {
				text += "  " + w
				break
			}
		}
	}
	return bar(done, s.total, min(width-len(text)-1, maxBar)) + " " + text
}

// counts says how the jobs that ended ended: ok and failed always, the
// others when there are some.
func counts(t Tally) string {
	out := []string{fmt.Sprintf("%d ok", t.OK)}
	for _, st := range []Status{StatusExists, StatusFailed, StatusConflict, StatusSkipped, StatusUnknown} {
		if n := t.Of(st); n > 0 || st == StatusFailed {
			out = append(out, fmt.Sprintf("%d %s", n, st))
		}
	}
	return strings.Join(out, ", ")
}

// bar is done of total in width columns: [=====>     ].
func bar(done, total, width int) string {
	inner := width - 2
	fill := inner
	if total > 0 {
		fill = inner * done / total
	}
	var b strings.Builder
	b.WriteByte('[')
	b.WriteString(strings.Repeat("=", fill))
	if fill < inner {
		b.WriteByte('>')
		b.WriteString(strings.Repeat(" ", inner-fill-1))
	}
	b.WriteByte(']')
	return b.String()
}

// pace is the calls per minute, or within the first window (where the
// limit lets N go at once, so a pace would look like the limit broken)
// the calls so far.
func pace(s progressState) part {
	if s.firstWindow {
		return part{fmt.Sprintf("%d calls", s.calls), fmt.Sprintf("%d calls", s.calls)}
	}
	return part{fmt.Sprintf("%.0f calls/min", s.callsPerMin), fmt.Sprintf("%.0f/min", s.callsPerMin)}
}

// holdPart words what holds every worker, if anything does: a 429's
// hold and when it ends, or an outage, since when, and the next probe.
func holdPart(sn pacer.Snapshot) part {
	switch {
	case !sn.HeldUntil.IsZero():
		until := sn.HeldUntil.Format("15:04:05")
		return part{"held by the service until " + until, "held until " + until}
	case sn.Down:
		next := sn.NextProbe.Format("15:04:05")
		return part{"the service is failing since " + sn.DownSince.Format("15:04:05") + ", next try " + next, "down, next try " + next}
	}
	return part{}
}

// eta is the time left, from the calls still to make at the pacer's pace
// (the window model; the lowered rate after 429s), not from the pace so
// far, which a hold distorts.
func eta(c *Counters, p *pacer.Pacer) string {
	if p == nil {
		return "-"
	}
	return p.Estimate(int(c.Pending.Load())).Round(time.Second).String()
}

// statusLine is one plain line of progress: done of total, how the jobs
// ended, calls per minute, a hold, and the time left.
func statusLine(c *Counters, p *pacer.Pacer, elapsed time.Duration) string {
	ended := c.ended()
	done, total := ended.Total(), c.Total.Load()
	rate := "0 calls/min"
	switch {
	case p != nil && elapsed < p.Limit().Window:
		rate = fmt.Sprintf("%d calls", p.Calls())
	case p != nil && elapsed > 0:
		rate = fmt.Sprintf("%.0f calls/min", float64(p.Calls())/elapsed.Minutes())
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
	hold, throttled := "", int64(0)
	if p != nil {
		throttled = p.Stats().Throttled
		if h := holdPart(p.Snapshot()); h.long != "" {
			hold = ", " + h.long
		}
	}
	return fmt.Sprintf("%d/%d done, %s, %s, %d skipped, %d unknown, %s, %d throttled%s, ETA %s",
		done, total, ok, failed, ended.Skipped, ended.Unknown, rate, throttled, hold, eta(c, p))
}
