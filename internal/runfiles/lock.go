package runfiles

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gofrs/flock"
)

// errLocked is returned by Acquire when another process holds the journal.
var errLocked = errors.New("the journal is in use by another run")

// holder says who holds a lock. It is written into the lock file for the
// message a second run prints; the operating system's lock is the truth.
type holder struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host,omitempty"`
	Since time.Time `json:"since"`
}

// lockedError is errLocked with what the lock file says of its holder.
type lockedError struct {
	Journal string
	holder  *holder // nil when the lock file names no holder (yet)
}

func (e *lockedError) Error() string {
	who := "another bulk run"
	if h := e.holder; h != nil {
		who = fmt.Sprintf("bulk run pid %d", h.PID)
		if h.Host != "" {
			who += " on " + h.Host
		}
		who += ", running since " + h.Since.Local().Format("2006-01-02 15:04:05 MST")
	}
	return fmt.Sprintf("%v: %s is held by %s; a second run on the same journal would send its jobs again: wait for that run to end, or give this one its own --journal",
		errLocked, e.Journal, who)
}

func (e *lockedError) Unwrap() error { return errLocked }

// Lock is a journal held by this process.
type Lock struct{ fl *flock.Flock }

// Acquire takes the operating-system lock on lockPath for journal, at once
// or not at all. The lock ends with the process, so a run that was killed
// never blocks the next one. The lock file is left in place afterwards:
// removing it would let two runs lock two different files of one name.
func Acquire(lockPath, journal string, now time.Time) (*Lock, error) {
	fl := flock.New(lockPath, flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("locking journal %s: %w", journal, err)
	}
	if !ok {
		return nil, &lockedError{Journal: journal, holder: readHolder(lockPath)}
	}
	host, _ := os.Hostname()
	b, _ := json.Marshal(holder{PID: os.Getpid(), Host: host, Since: now.UTC().Truncate(time.Second)})
	// Best effort: the details are for the message, the lock is what counts
	// (and on Windows the locked file may refuse a second handle's write).
	_ = os.WriteFile(lockPath, append(b, '\n'), 0o600)
	return &Lock{fl: fl}, nil
}

func readHolder(path string) *holder {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var h holder
	if json.Unmarshal(b, &h) != nil || h.PID == 0 {
		return nil
	}
	return &h
}

// Release ends the lock.
func (l *Lock) Release() error {
	if l == nil {
		return nil
	}
	return l.fl.Unlock()
}
