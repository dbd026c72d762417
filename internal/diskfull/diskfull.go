// Package diskfull is a writer that fills up like a disk: tests put it
// between the run and a file to see what a full disk does to it.
package diskfull

import (
	"io"
	"syscall"
)

// After returns a writer that passes n bytes to w, then writes what still
// fits of the next write and fails it, and every later one, with ENOSPC.
func After(w io.Writer, n int) io.Writer { return &writer{w: w, left: n} }

type writer struct {
	w    io.Writer
	left int
}

func (d *writer) Write(p []byte) (int, error) {
	if len(p) <= d.left {
		d.left -= len(p)
		return d.w.Write(p)
	}
	n, _ := d.w.Write(p[:d.left])
	d.left = 0
	return n, syscall.ENOSPC
}
