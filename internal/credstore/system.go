package credstore

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/zalando/go-keyring"
)

// keyringTimeout bounds one call to the credential store: one that waits
// for someone to unlock it must not hang a cron job.
const keyringTimeout = 15 * time.Second

// System is the user's store: the operating system's credential store
// when there is one to reach, and files (and the locks) in
// stateDir/bulk/signins. getenv is the environment.
func System(stateDir string, getenv func(string) string) *Store {
	s := &Store{Dir: filepath.Join(stateDir, "bulk", "signins"), KeyringNotFound: keyring.ErrNotFound}
	if why := unreachable(getenv); why != "" {
		s.NoKeyring = why
		return s
	}
	s.Keyring = timedKeyring{}
	return s
}

// unreachable says why the credential store cannot be reached, or "".
// On Linux and the BSDs it is the Secret Service on the session's D-Bus;
// without a session bus, go-keyring's D-Bus library would try to start
// one (dbus-launch), which is not for a command line to do.
func unreachable(getenv func(string) string) string {
	switch runtime.GOOS {
	case "darwin", "windows":
		return ""
	}
	if a := getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return ""
	}
	// Where the D-Bus library looks for the session's bus socket.
	dir := getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = "/run/user/" + strconv.Itoa(os.Getuid())
	}
	if st, err := os.Stat(filepath.Join(dir, "bus")); err == nil && st.Mode()&os.ModeSocket != 0 {
		return ""
	}
	return "no D-Bus session bus, so no Secret Service"
}

// timedKeyring is go-keyring with each call bounded by keyringTimeout.
type timedKeyring struct{}

var errKeyringTimeout = fmt.Errorf("no answer in %s", keyringTimeout)

func timed[T any](f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	c := make(chan result, 1)
	go func() {
		v, err := f()
		c <- result{v, err}
	}()
	select {
	case r := <-c:
		return r.v, r.err
	case <-time.After(keyringTimeout):
		var zero T
		return zero, errKeyringTimeout
	}
}

func (timedKeyring) Get(service, user string) (string, error) {
	return timed(func() (string, error) { return keyring.Get(service, user) })
}

func (timedKeyring) Set(service, user, password string) error {
	_, err := timed(func() (struct{}, error) { return struct{}{}, keyring.Set(service, user, password) })
	return err
}

func (timedKeyring) Delete(service, user string) error {
	_, err := timed(func() (struct{}, error) { return struct{}{}, keyring.Delete(service, user) })
	return err
}
