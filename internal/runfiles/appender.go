package runfiles

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Appender appends records to a file, each in one write. A write that
// fails (a full disk) is cut back off the file and every later one is
// refused, so the file never ends in half a record, nor holds one after a
// gap.
type Appender struct {
	what string // "result file", "journal": for messages
	path string
	sync bool // sync each record to disk

	mu     sync.Mutex
	f      *os.File
	out    io.Writer // f, or what a test's wrap made of it
	size   int64     // bytes of whole records in f
	broken error     // the first failed write
}

// OpenAppender opens path for appending after its first whole bytes (what
// follows is cut away), creating it (mode perm) if needed. wrap, when set,
// wraps the writer records go through: a test's disk that fills.
func OpenAppender(what, path string, whole int64, perm os.FileMode, syncEach bool, wrap func(io.Writer) io.Writer) (*Appender, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, perm)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", what, err)
	}
	st, err := f.Stat()
	if err == nil && st.Size() > whole {
		err = f.Truncate(whole)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("opening %s %s: %w", what, path, err)
	}
	a := &Appender{what: what, path: path, sync: syncEach, f: f, out: f, size: min(st.Size(), whole)}
	if wrap != nil {
		a.out = wrap(f)
	}
	return a, nil
}

// Size is the number of bytes of whole records in the file.
func (a *Appender) Size() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.size
}

// Append writes b, one whole record, or nothing.
func (a *Appender) Append(b []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.broken != nil {
		return a.broken
	}
	if a.f == nil {
		return fmt.Errorf("writing %s %s: closed", a.what, a.path)
	}
	n, err := a.out.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err == nil && a.sync {
		err = a.f.Sync() // not durable: cut it away like a failed write
	}
	if err != nil {
		a.broken = fmt.Errorf("writing %s %s: %w", a.what, a.path, err)
		if terr := a.f.Truncate(a.size); terr != nil {
			a.broken = fmt.Errorf("%w (and cutting off the half-written record failed: %v)", a.broken, terr)
		}
		return a.broken
	}
	a.size += int64(n)
	return nil
}

// Close closes the file; closing twice is nothing.
func (a *Appender) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.f == nil {
		return nil
	}
	err := a.f.Close()
	a.f = nil
	return err
}

// ReplaceFile replaces path with what write produces, atomically: written
// to a temporary file beside it, synced, then renamed over it, so a reader
// (or a crash) sees the old file or the new one, never half of one.
func ReplaceFile(path string, mode os.FileMode, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
