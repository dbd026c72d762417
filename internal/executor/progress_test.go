package executor

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

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
	stop := StartProgress(ProgressOptions{Out: &out, Counters: c, Clock: clock,
		Pacer: NewPacer(ratelimit.Limit{N: 100, Window: time.Minute}, clock)})
	c.count("ok")
	c.Pending.Store(4)
	clock.tick <- struct{}{}
	<-out.wrote
	c.count("failed")
	clock.tick <- struct{}{}
	<-out.wrote
	stop()
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
	c.Pending.Store(98)
	p := NewPacer(ratelimit.Limit{N: 100, Window: time.Minute}, nil) // 98 calls a minute
	line := statusLine(c, p, time.Minute)
	if !strings.Contains(line, "ETA 1m0s") {
		t.Fatalf("98 calls left at 98 a minute: %s", line)
	}
}
