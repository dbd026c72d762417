//go:build unix

package manifest

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A FIFO would block the reader forever; a directory or a device is no
// manifest either. They are refused before anything is opened.
func TestNotAFileIsRefusedAtOnce(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	for path, want := range map[string]string{fifo: "is a named pipe (FIFO), not a file", dir: "is a directory, not a file", "/dev/null": "is a device, not a file"} {
		done := make(chan error, 1)
		go func() { _, err := Load(context.Background(), []string{path}, Options{Action: "add-tab"}); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v, want %q", path, err, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: still reading after 10s", path)
		}
	}
}
