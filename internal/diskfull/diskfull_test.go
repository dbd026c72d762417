package diskfull

import (
	"bytes"
	"errors"
	"syscall"
	"testing"
)

func TestAfter(t *testing.T) {
	var b bytes.Buffer
	w := After(&b, 5)
	if n, err := w.Write([]byte("abc")); n != 3 || err != nil {
		t.Fatalf("within the room: %d %v", n, err)
	}
	if n, err := w.Write([]byte("defg")); n != 2 || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("past the room: %d %v", n, err)
	}
	if n, err := w.Write([]byte("h")); n != 0 || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("once full: %d %v", n, err)
	}
	if b.String() != "abcde" {
		t.Fatalf("wrote %q", b.String())
	}
}
