package credstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/secret"
)

var key = Key{URL: "https://cloudimanage.com", User: "bulkadmin", ClientID: "bulk"}

func now() time.Time { return time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC) }

// fakeKeyring is a credential store in memory; broken makes every call fail
// as a store that does not answer does.
type fakeKeyring struct {
	mu     sync.Mutex
	items  map[string]string
	broken bool
}

var errNotFound = errors.New("not found")

func (f *fakeKeyring) Get(service, user string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.broken {
		return "", errors.New("org.freedesktop.secrets was not provided by any .service files")
	}
	v, ok := f.items[service+"/"+user]
	if !ok {
		return "", errNotFound
	}
	return v, nil
}

func (f *fakeKeyring) Set(service, user, pw string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.broken {
		return errors.New("locked")
	}
	if f.items == nil {
		f.items = map[string]string{}
	}
	f.items[service+"/"+user] = pw
	return nil
}

func (f *fakeKeyring) Delete(service, user string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.broken {
		return errors.New("locked")
	}
	if _, ok := f.items[service+"/"+user]; !ok {
		return errNotFound
	}
	delete(f.items, service+"/"+user)
	return nil
}

func TestTheFileWhenThereIsNoKeyring(t *testing.T) {
	s := &Store{Dir: filepath.Join(t.TempDir(), "signins"), NoKeyring: "none here"}
	if _, _, err := s.Get(key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("nothing kept: %v", err)
	}
	where, err := s.Put(key, secret.New("rt-one-0123456789"), now())
	if err != nil || where != InFile {
		t.Fatalf("put: %s %v", where, err)
	}
	st, err := os.Stat(s.File(key))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %o", st.Mode().Perm())
	}
	// The same sign-in, the user's ID in another case.
	other := key
	other.User = "BULKADMIN"
	rt, where, err := s.Get(other)
	if err != nil || rt.Reveal() != "rt-one-0123456789" || where != InFile {
		t.Fatalf("get: %v %s", err, where)
	}
	if found, err := s.Delete(key); !found || err != nil {
		t.Fatalf("delete: %v %v", found, err)
	}
	if found, _ := s.Delete(key); found {
		t.Fatal("deleted twice")
	}
	// Another client ID is another sign-in.
	other = key
	other.ClientID = "other"
	if s.File(other) == s.File(key) {
		t.Fatal("two keys share a file")
	}
}

func TestTheKeyringWhenItAnswers(t *testing.T) {
	kr := &fakeKeyring{}
	s := &Store{Dir: t.TempDir(), Keyring: kr, KeyringNotFound: errNotFound}
	// A file from a time the keyring did not answer is replaced.
	kr.broken = true
	if where, err := s.Put(key, secret.New("rt-in-file-0123"), now()); where != InFile || err != nil {
		t.Fatalf("a broken keyring: %s %v", where, err)
	}
	if rt, where, err := s.Get(key); err != nil || where != InFile || rt.Reveal() != "rt-in-file-0123" {
		t.Fatalf("read back from the file: %s %v", where, err)
	}
	kr.broken = false
	if where, err := s.Put(key, secret.New("rt-in-keyring-0123"), now()); where != InKeyring || err != nil {
		t.Fatalf("put: %s %v", where, err)
	}
	if _, err := os.Stat(s.File(key)); !os.IsNotExist(err) {
		t.Fatalf("the old file stays: %v", err)
	}
	rt, where, err := s.Get(key)
	if err != nil || where != InKeyring || rt.Reveal() != "rt-in-keyring-0123" {
		t.Fatalf("get: %s %v", where, err)
	}
	if found, err := s.Delete(key); !found || err != nil {
		t.Fatalf("delete: %v %v", found, err)
	}
	if _, _, err := s.Get(key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	kr.broken = true
	if _, _, err := s.Get(key); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("a broken keyring, nothing in the file: %v", err)
	}
}

func TestADamagedFileSaysWhatToDo(t *testing.T) {
	s := &Store{Dir: t.TempDir()}
	if err := os.WriteFile(s.File(key), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(key); err == nil || !strings.Contains(err.Error(), "bulk login") {
		t.Fatalf("%v", err)
	}
}

// Many processes refreshing at once: each reads, uses and replaces the
// token under the lock, so each sees the token the one before it left,
// and no token is used twice.
func TestConcurrentUpdatesNeverSpendATokenTwice(t *testing.T) {
	dir := t.TempDir()
	first := &Store{Dir: dir, LockRetry: time.Millisecond}
	if _, err := first.Put(key, secret.New("rt-0"), now()); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	used := map[string]bool{}
	var wg sync.WaitGroup
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &Store{Dir: dir, LockRetry: time.Millisecond} // each its own, as a process would be
			errs <- s.Update(context.Background(), key, now, func(rt secret.Secret) (secret.Secret, error) {
				mu.Lock()
				defer mu.Unlock()
				if used[rt.Reveal()] {
					return secret.Secret{}, fmt.Errorf("worker %d: %s was used before", i, rt.Reveal())
				}
				used[rt.Reveal()] = true
				return secret.New(fmt.Sprintf("rt-%d", len(used))), nil
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	rt, _, err := first.Get(key)
	if err != nil || rt.Reveal() != fmt.Sprintf("rt-%d", n) {
		t.Fatalf("the last token %v %v", rt.Reveal(), err)
	}
}

func TestALockHeldUntilTheContextEnds(t *testing.T) {
	s := &Store{Dir: t.TempDir(), LockRetry: time.Millisecond}
	unlock, err := s.Lock(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	other := &Store{Dir: s.Dir, LockRetry: time.Millisecond}
	if _, err := other.Lock(ctx, key); err == nil {
		t.Fatal("took a held lock")
	}
}

func TestNoSessionBusMeansNoKeyring(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("the D-Bus check is for Linux and the BSDs; " + runtime.GOOS + " always has its credential store")
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	s := System(t.TempDir(), env(map[string]string{"XDG_RUNTIME_DIR": t.TempDir()}))
	if s.Keyring != nil || !strings.Contains(s.NoKeyring, "D-Bus") {
		t.Fatalf("no bus: keyring %v, %q", s.Keyring, s.NoKeyring)
	}
	s = System(t.TempDir(), env(map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"}))
	if s.Keyring == nil {
		t.Fatal("a session bus named, and no keyring tried")
	}
}
