package executor

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	pacerpkg "github.com/firmtools/bulk/internal/pacer"
	"github.com/firmtools/bulk/internal/ratelimit"
)

// tickClock's Sleep returns when the test sends a tick.
type tickClock struct {
	now  time.Time
	tick chan struct{}
}

func (c *tickClock) Now() time.Time { return c.now }
func (c *tickClock) Sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.tick:
		return nil
	}
}

// syncBuffer collects output and tells the test of every write.
type syncBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{}
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	n, err := s.b.Write(p)
	s.mu.Unlock()
	s.wrote <- struct{}{}
	return n, err
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPlainProgressLinesWhenNotATerminal(t *testing.T) {
	c := &Counters{}
	c.Total.Store(10)
	clock := &tickClock{now: time.Unix(0, 0), tick: make(chan struct{})}
	out := syncBuffer{wrote: make(chan struct{}, 10)}
	p := StartProgress(ProgressOptions{Out: &out, Counters: c, Clock: clock,
		Pacer: pacerpkg.New(ratelimit.Limit{N: 100, Window: time.Minute}, clock, pacerpkg.Settings{})})
	c.count("ok")
	c.Pending.Store(4)
	clock.tick <- struct{}{}
	<-out.wrote
	c.count("failed")
	clock.tick <- struct{}{}
	<-out.wrote
	p.Stop()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one line per interval, got %q", out.String())
	}
	if !strings.HasPrefix(lines[0], "bulk: 1/10 done") || !strings.Contains(lines[1], "2/10 done, 1 ok, 1 failed") {
		t.Fatalf("lines %q", lines)
	}
	if strings.ContainsAny(out.String(), "\r\x1b") {
		t.Fatal("a non-terminal got cursor control characters")
	}
}

func TestStatusLineETAFromCallsLeft(t *testing.T) {
	c := &Counters{}
	c.Total.Store(200)
	c.Pending.Store(250)
	p := pacerpkg.New(ratelimit.Limit{N: 100, Window: time.Minute}, nil, pacerpkg.Settings{})
	line := statusLine(c, p, time.Minute)
	if !strings.Contains(line, "ETA 2m0s") { // 100 now, 100 a minute later, the last 50 a minute after
		t.Fatalf("250 calls left at 100 a minute: %s", line)
	}
	if !strings.Contains(line, "0 calls/min") {
		t.Fatalf("after a window the line gives the pace: %s", line)
	}
	// Within the first window the limit lets 100 go at once: the line
	// gives the calls, not a pace that would look like the limit broken.
	if line := statusLine(c, p, 10*time.Second); !strings.Contains(line, ", 0 calls, ") || strings.Contains(line, "/min") {
		t.Fatalf("within the first window: %s", line)
	}
}

// vt is a terminal of a given width, as far as the progress display uses
// one: text wraps at the last column (wraps counts it), \r, \n, and the
// escapes ESC[K (clear to the end of the line), ESC[J (to the end of the
// screen) and ESC[nA (up n rows). A resize re-wraps the rows onto the new
// width, keeping the cursor at the end of the text it was after, as most
// terminals do.
type vt struct {
	width    int
	rows     []string
	row, col int
	wraps    int
}

func (v *vt) Write(b []byte) (int, error) {
	s := string(b)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\r':
			v.col = 0
		case c == '\n':
			v.row, v.col = v.row+1, 0
			v.fill()
		case c == 0x1b && i+1 < len(s) && s[i+1] == '[':
			j := i + 2
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			n, _ := strconv.Atoi(s[i+2 : j])
			v.escape(s[j], n)
			i = j
		case c < 0x20 || c > 0x7e:
			return 0, fmt.Errorf("the display wrote %q, not printable ASCII", c)
		default:
			if v.col == v.width {
				v.wraps++
				v.row, v.col = v.row+1, 0
			}
			v.fill()
			line := []byte(v.rows[v.row])
			for len(line) < v.col {
				line = append(line, ' ')
			}
			if v.col < len(line) {
				line[v.col] = c
			} else {
				line = append(line, c)
			}
			v.rows[v.row] = string(line)
			v.col++
		}
	}
	return len(b), nil
}

func (v *vt) fill() {
	for len(v.rows) <= v.row {
		v.rows = append(v.rows, "")
	}
}

func (v *vt) escape(cmd byte, n int) {
	v.fill()
	switch cmd {
	case 'K':
		if v.col < len(v.rows[v.row]) {
			v.rows[v.row] = v.rows[v.row][:v.col]
		}
	case 'J':
		v.escape('K', 0)
		v.rows = v.rows[:v.row+1]
	case 'A':
		v.row = max(0, v.row-max(n, 1))
	}
}

// resize re-wraps every row to the new width.
func (v *vt) resize(width int) {
	v.fill()
	var rows []string
	row, col := v.row, v.col
	for i, r := range v.rows {
		chunks := max(1, (len(r)+width-1)/width)
		if i == v.row {
			k := min(v.col/width, chunks-1)
			row, col = len(rows)+k, v.col-k*width
		}
		for k := range chunks {
			rows = append(rows, r[k*width:min(len(r), (k+1)*width)])
		}
	}
	v.rows, v.width, v.row, v.col = rows, width, row, min(col, width)
}

// screen is what the terminal shows, trailing blank rows left out.
func (v *vt) screen() []string {
	rows := append([]string(nil), v.rows...)
	for len(rows) > 0 && strings.TrimSpace(rows[len(rows)-1]) == "" {
		rows = rows[:len(rows)-1]
	}
	return rows
}

// fakeTerminal is a progress display on a vt whose width the test sets.
type fakeTerminal struct {
	mu      sync.Mutex
	vt      *vt
	resized chan struct{}
	drawn   chan struct{}
}

func (f *fakeTerminal) Write(b []byte) (int, error) {
	f.mu.Lock()
	n, err := f.vt.Write(b)
	f.mu.Unlock()
	f.drawn <- struct{}{} // room for every write of a test
	return n, err
}

// settle forgets the writes made so far (those of the test's own
// goroutine, which are done when it calls this).
func (f *fakeTerminal) settle() {
	for {
		select {
		case <-f.drawn:
		default:
			return
		}
	}
}

func (f *fakeTerminal) width() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.vt.width
}

func (f *fakeTerminal) resize(w int) {
	f.mu.Lock()
	f.vt.resize(w)
	f.mu.Unlock()
	f.resized <- struct{}{}
}

func (f *fakeTerminal) screen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.vt.screen()
}

func newFakeTerminal(width int) *fakeTerminal {
	return &fakeTerminal{vt: &vt{width: width}, resized: make(chan struct{}), drawn: make(chan struct{}, 1000)}
}

// busy are counters of a large run well under way, with every status.
func busy() *Counters {
	c := &Counters{}
	c.Total.Store(12000)
	for st, n := range map[Status]int{StatusOK: 8000, StatusExists: 500, StatusFailed: 250, StatusConflict: 120, StatusSkipped: 90, StatusUnknown: 40} {
		for range n {
			c.count(st)
		}
	}
	c.Pending.Store(3000)
	return c
}

// At 40, 80 and 120 columns the line fits, never wraps, leaves one line
// on the screen however often it is redrawn, and its bar agrees with its
// counts; a hold says who holds the run and until when.
func TestProgressFitsTheTerminal(t *testing.T) {
	for _, width := range []int{40, 80, 120} {
		t.Run(strconv.Itoa(width), func(t *testing.T) {
			term := newFakeTerminal(width)
			clock := &tickClock{now: time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC), tick: make(chan struct{})}
			pc := pacerpkg.New(ratelimit.Limit{N: 100, Window: time.Minute}, clock, pacerpkg.Settings{})
			c := busy()
			p := StartProgress(ProgressOptions{Out: term, Terminal: true, Width: term.width, Resized: term.resized,
				Counters: c, Pacer: pc, Clock: clock})
			fmt.Fprintln(p.Writer(), "bulk: a note")
			term.settle()
			for range 3 {
				clock.tick <- struct{}{}
				<-term.drawn
			}
			running := term.screen()
			if len(running) != 2 || len(running[1]) >= width {
				t.Fatalf("screen %q", running)
			}
			checkBar(t, running[1], 9000, 12000)
			if width == 80 && !strings.Contains(running[1], "8500 ok, 500 not ok") || width == 120 && !strings.Contains(running[1], "250 failed, 120 conflict") {
				t.Fatalf("the counts are not in %q", running[1])
			}
			pm, err := pc.Acquire(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			pm.Done(pacerpkg.Result{Kind: pacerpkg.Throttled, HasRetryAfter: true, RetryAfter: 130 * time.Second})
			clock.tick <- struct{}{}
			<-term.drawn
			screen := term.screen()
			p.Stop()
			if term.vt.wraps > 0 {
				t.Fatalf("the line wrapped %d times: %q", term.vt.wraps, screen)
			}
			if len(screen) != 2 || screen[0] != "bulk: a note" {
				t.Fatalf("screen %q: want the printed line and one display line", screen)
			}
			line := screen[1]
			t.Logf("running: %s\n  held: %s", running[1], line)
			if len(line) >= width || len(line) < width/2 {
				t.Fatalf("%d columns for a terminal of %d: %q", len(line), width, line)
			}
			if !strings.Contains(line, "9000/12000") || !strings.Contains(line, "held ") || !strings.Contains(line, "until 14:02:10") {
				t.Fatalf("line %q lacks the counts or the hold", line)
			}
			if width >= 80 && !strings.Contains(line, "held by the service until 14:02:10") {
				t.Fatalf("line %q does not say who holds the run", line)
			}
			if width >= 80 {
				checkBar(t, line, 9000, 12000)
			}
			if after := term.screen(); len(after) != 1 {
				t.Fatalf("after Stop the screen holds %q: the display was not cleared", after)
			}
		})
	}
}

// checkBar: the bar's fill is done of total.
func checkBar(t *testing.T, line string, done, total int) {
	t.Helper()
	if !strings.HasPrefix(line, "[") {
		t.Fatalf("no bar in %q", line)
	}
	inner := line[1:strings.IndexByte(line, ']')]
	fill := strings.Count(inner, "=")
	if want := len(inner) * done / total; fill != want {
		t.Fatalf("bar %q is %d of %d filled, want %d for %d/%d", inner, fill, len(inner), want, done, total)
	}
}

// A resize, wider or narrower, redraws the line at once to the new width,
// and the line drawn for the old width leaves nothing behind, even when
// the terminal re-wrapped it onto several rows.
func TestProgressFollowsAResize(t *testing.T) {
	term := newFakeTerminal(120)
	clock := &tickClock{now: time.Unix(0, 0).UTC(), tick: make(chan struct{})}
	p := StartProgress(ProgressOptions{Out: term, Terminal: true, Width: term.width, Resized: term.resized,
		Counters: busy(), Pacer: pacerpkg.New(ratelimit.Limit{N: 100, Window: time.Minute}, clock, pacerpkg.Settings{}), Clock: clock})
	defer p.Stop()
	fmt.Fprintln(term, "earlier output")
	term.settle()
	clock.tick <- struct{}{}
	<-term.drawn
	for _, w := range []int{40, 80, 44, 120, 40} {
		term.resize(w)
		<-term.drawn
		screen := term.screen()
		if len(screen) != 2 || screen[0] != "earlier output" {
			t.Fatalf("after a resize to %d the screen is %q", w, screen)
		}
		if len(screen[1]) >= w || !strings.Contains(screen[1], "9000/12000") {
			t.Fatalf("after a resize to %d: %q", w, screen[1])
		}
	}
	if term.vt.wraps > 0 {
		t.Fatalf("wrapped %d times", term.vt.wraps)
	}
}

// Whatever the width and the figures, the line fits and starts with done
// of total (the bar aside).
func TestLayoutAlwaysFits(t *testing.T) {
	hold := time.Date(2026, 1, 1, 9, 30, 0, 0, time.UTC)
	for width := MinWidth - 1; width < 200; width++ {
		for _, s := range []progressState{
			{total: 3},
			{ended: Tally{OK: 123456, Failed: 9999, Exists: 1, Conflict: 2, Skipped: 3, Unknown: 4}, total: 999999, throttled: 12345, callsPerMin: 98, eta: "123h45m6s", held: holdPart(pacerpkg.Snapshot{HeldUntil: hold})},
		} {
			line := layout(s, width)
			if len(line) > width {
				t.Fatalf("width %d: %d columns: %q", width, len(line), line)
			}
			if !strings.Contains(line, fmt.Sprintf("%d/%d", s.ended.Total(), s.total)) {
				t.Fatalf("width %d: no done of total in %q", width, line)
			}
		}
	}
}
