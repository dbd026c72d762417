package iostreams

import (
	"bytes"
	"errors"
	"fmt"
	"syscall"
	"testing"
)

// gone is a writer whose reader went away after ok writes.
type gone struct {
	ok     int
	writes int
}

func (g *gone) Write(b []byte) (int, error) {
	g.writes++
	if g.writes > g.ok {
		return 0, fmt.Errorf("write |1: %w", syscall.EPIPE)
	}
	return len(b), nil
}

func TestAClosedPipeStopsOnceAndDropsTheRest(t *testing.T) {
	out, errOut := &gone{ok: 1}, &bytes.Buffer{}
	stops := 0
	ios := Test(nil, out, errOut, nil).StopOnClosedPipe(func() { stops++ })
	for i := 0; i < 3; i++ {
		if n, err := ios.Out.Write([]byte("line\n")); err != nil || n != 5 {
			t.Fatalf("write %d: %d, %v", i+1, n, err)
		}
	}
	if stops != 1 || out.writes != 2 {
		t.Fatalf("stopped %d times, %d writes reached the pipe; want 1 stop, and nothing after the failed write", stops, out.writes)
	}
	if _, err := ios.ErrOut.Write([]byte("x")); err != nil || errOut.String() != "x" {
		t.Fatalf("the other stream: %q, %v", errOut, err)
	}
	other := errors.New("disk")
	bad := Test(nil, writerFunc(func([]byte) (int, error) { return 0, other }), nil, nil).StopOnClosedPipe(func() { stops++ })
	if _, err := bad.Out.Write([]byte("x")); !errors.Is(err, other) || stops != 1 {
		t.Fatalf("an error other than EPIPE: %v, %d stops", err, stops)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
