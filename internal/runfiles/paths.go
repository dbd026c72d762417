// Package runfiles decides where a run writes (its result file, journal and
// lock) and guards those files: no output is an input or another output,
// and one run at a time holds a journal.
package runfiles

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Locations are the files a run writes besides the generated passwords.
type Locations struct {
	Out     string // the result file
	Journal string
	Lock    string // held while the run uses the journal
	// Partial is the CSV a workbook result file's rows are appended to
	// while the run lasts ("" when the result file is CSV).
	Partial string

	sim bool
}

// Beside is the file of the given kind ("failed", "unknown", "reads")
// for the manifest m, beside the result file and named after m:
// joiners.csv gives joiners.failed.csv (joiners.sim.failed.csv for a
// --sim rehearsal). ext is the file's extension, with its dot.
func (l Locations) Beside(m, kind, ext string) string {
	name := strings.TrimSuffix(filepath.Base(m), filepath.Ext(m))
	if l.sim {
		name += ".sim"
	}
	return filepath.Join(filepath.Dir(l.Out), name+"."+kind+ext)
}

// Locate fills in the default locations. The result file goes beside the
// first manifest, named after it (<name>.results.csv, or
// <name>.sim.results.csv for a --sim rehearsal, so that a rehearsal never
// shares files with a run against a service); the journal goes beside the
// result file (<name>.results.journal), and so do the files of rows to
// look at again (Beside). Defaults depend on the manifest's
// path, not the working directory, so a run started from elsewhere finds
// the same journal.
func Locate(manifests []string, out, journal string, sim bool) Locations {
	if out == "" && len(manifests) > 0 {
		m := manifests[0]
		name := strings.TrimSuffix(filepath.Base(m), filepath.Ext(m))
		if sim {
			name += ".sim"
		}
		out = filepath.Join(filepath.Dir(m), name+".results.csv")
	}
	if journal == "" {
		journal = strings.TrimSuffix(out, filepath.Ext(out)) + ".journal"
	}
	loc := Locations{Out: out, Journal: journal, Lock: journal + ".lock", sim: sim}
	if strings.EqualFold(filepath.Ext(out), ".xlsx") {
		loc.Partial = strings.TrimSuffix(out, filepath.Ext(out)) + ".partial.csv"
	}
	return loc
}

// A File is a path a run reads or writes, and what names it in messages.
type File struct {
	What string // "--out", "the manifest", ...
	Path string
}

// errCollision is returned by Check when two of a run's files are one.
var errCollision = errors.New("two of the run's files are the same file")

// Check refuses outputs that are one of the inputs or one another, before
// anything is written: comparing real paths (symbolic links followed,
// "./x" and "x" alike, case ignored where the file system usually ignores
// it) and, for files that exist, the files themselves (hard links).
func Check(inputs, outputs []File) error {
	seen := make([]identity, 0, len(inputs)+len(outputs))
	all := append(append([]File(nil), inputs...), outputs...)
	for i, f := range all {
		id, err := identify(f.Path)
		if err != nil {
			return fmt.Errorf("%s %s: %w", f.What, f.Path, err)
		}
		for j, prev := range seen {
			if i >= len(inputs) && prev.same(id) {
				return collision(all[j], f, j < len(inputs))
			}
		}
		seen = append(seen, id)
	}
	for _, f := range outputs {
		if err := regularOrNew(f); err != nil {
			return err
		}
	}
	return nil
}

// regularOrNew refuses an output that is there and is not a regular
// file: bulk replaces its files whole (a new file renamed over the old),
// which would put a plain file in place of a link or a device and write
// nothing where it points.
func regularOrNew(f File) error {
	info, err := os.Lstat(f.Path)
	switch {
	case err != nil:
		return nil // not there yet (or unreadable: writing it will say)
	case info.Mode()&os.ModeSymlink != 0:
		target, _ := os.Readlink(f.Path)
		return fmt.Errorf("%w: %s %s is a symbolic link (to %s): bulk replaces its files whole, which would replace the link; give the path it points to", errNotRegular, f.What, f.Path, target)
	case !info.Mode().IsRegular():
		return fmt.Errorf("%w: %s %s is not a regular file (%s): give the path of a file to write", errNotRegular, f.What, f.Path, kindOf(info.Mode()))
	}
	return nil
}

// errNotRegular is returned by Check for an output that is a link, a
// device, a pipe or a folder.
var errNotRegular = errors.New("an output is not a regular file")

func kindOf(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&(os.ModeDevice|os.ModeCharDevice) != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "not a plain file"
}

func collision(first, second File, input bool) error {
	if input {
		return fmt.Errorf("%w: %s %s is %s %s, which this run reads: choose another path (no input is ever overwritten)",
			errCollision, second.What, second.Path, first.What, first.Path)
	}
	return fmt.Errorf("%w: %s %s and %s %s are the same file: choose two paths", errCollision, first.What, first.Path, second.What, second.Path)
}

// identity is what makes two paths one file.
type identity struct {
	real string      // absolute, links followed, case folded where case does not matter
	info os.FileInfo // nil when the file does not exist yet
}

func (a identity) same(b identity) bool {
	if a.real == b.real {
		return true
	}
	return a.info != nil && b.info != nil && os.SameFile(a.info, b.info)
}

func identify(path string) (identity, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return identity{}, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		// Not there yet: its directory's real path, and its name.
		dir, derr := filepath.EvalSymlinks(filepath.Dir(abs))
		if derr != nil {
			dir = filepath.Dir(abs)
		}
		real = filepath.Join(dir, filepath.Base(abs))
	}
	id := identity{real: real}
	if caseInsensitive() {
		id.real = strings.ToLower(real)
	}
	if info, err := os.Stat(real); err == nil {
		id.info = info
	}
	return id, nil
}

// caseInsensitive reports a system whose file systems usually ignore case
// (macOS, Windows). os.SameFile catches the rest for files that exist.
func caseInsensitive() bool { return runtime.GOOS == "darwin" || runtime.GOOS == "windows" }
