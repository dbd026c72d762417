// Package credstore keeps the refresh token of a sign-in between runs, so
// that commands after `bulk login` need no password: in the operating
// system's credential store (macOS Keychain, Windows Credential Manager, a
// D-Bus Secret Service on Linux) where there is one, else in a file of mode
// 0600 in the user's state folder.
//
// Refresh tokens rotate: using one hands back its replacement, and the old
// one is refused from then on (a service may even revoke the sign-in when
// it sees an old one again). So a refresh is read, used and replaced under
// a lock (Store.Update) that other processes of the same user wait for:
// two cron jobs that start together do not both spend the same token.
package credstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/firmtools/bulk/internal/runfiles"
	"github.com/firmtools/bulk/internal/secret"
)

// Key names a sign-in: a service, a user and the application (client ID)
// the token was issued to. Each has its own token.
type Key struct {
	URL      string // the normalised service URL
	User     string
	ClientID string
}

// String is the key as the credential store and messages name it. User IDs
// compare ignoring case, as iManage's do.
func (k Key) String() string {
	return strings.ToLower(k.URL) + " " + strings.ToUpper(k.User) + " " + k.ClientID
}

// Where a token is kept.
const (
	InKeyring = "the operating system's credential store"
	InFile    = "a file only you can read"
)

// ErrNotFound: no token is kept for the key.
var ErrNotFound = errors.New("no sign-in is kept")

// Keyring is the operating system's credential store, as
// github.com/zalando/go-keyring speaks to it.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// keyringService is the service name bulk's items have in the credential store.
const keyringService = "bulk (iManage Work)"

// Store keeps tokens in Keyring, when it is there and answers, else in
// files under Dir. Dir also holds the locks, always.
type Store struct {
	Dir     string  // e.g. ~/.local/state/bulk/signins
	Keyring Keyring // nil: there is none (NoKeyring says why)
	// NoKeyring says why there is no Keyring, for messages.
	NoKeyring string
	// KeyringNotFound is the Keyring's "no such item" error.
	KeyringNotFound error
	// LockRetry is how often a held lock is tried again; 0 is 50ms.
	LockRetry time.Duration
}

// record is a token file.
type record struct {
	Service  string    `json:"service"`
	User     string    `json:"user"`
	ClientID string    `json:"client_id"`
	Saved    time.Time `json:"saved"`
	Refresh  string    `json:"refresh_token"`
}

func (s *Store) base(k Key) string {
	sum := sha256.Sum256([]byte(k.String()))
	return filepath.Join(s.Dir, hex.EncodeToString(sum[:12]))
}

// File is where the token for k is kept when there is no credential store.
func (s *Store) File(k Key) string { return s.base(k) + ".json" }

// Get returns the token kept for k and where it was: ErrNotFound when none.
func (s *Store) Get(k Key) (secret.Secret, string, error) {
	if s.Keyring != nil {
		v, err := s.Keyring.Get(keyringService, k.String())
		switch {
		case err == nil && v != "":
			return secret.New(v), InKeyring, nil
		case err != nil && !errors.Is(err, s.KeyringNotFound):
			// A store that does not answer (locked, no Secret Service
			// behind the bus): the file, saying why when there is none.
			rec, ferr := s.readFile(k)
			if ferr != nil {
				return secret.Secret{}, "", fmt.Errorf("%w (%s did not answer: %v)", ferr, InKeyring, err)
			}
			return secret.New(rec.Refresh), InFile, nil
		}
	}
	rec, err := s.readFile(k)
	if err != nil {
		return secret.Secret{}, "", err
	}
	return secret.New(rec.Refresh), InFile, nil
}

func (s *Store) readFile(k Key) (*record, error) {
	b, err := os.ReadFile(s.File(k))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("reading the sign-in: %w", err)
	}
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil || rec.Refresh == "" {
		return nil, fmt.Errorf("the sign-in kept in %s is damaged: run 'bulk logout' and 'bulk login' again", s.File(k))
	}
	return &rec, nil
}

// Put keeps rt for k, replacing what was kept, and says where: the
// credential store when it takes it, else the file (written whole or not at
// all, mode 0600). A copy in the other place is removed.
func (s *Store) Put(k Key, rt secret.Secret, now time.Time) (string, error) {
	if s.Keyring != nil {
		if err := s.Keyring.Set(keyringService, k.String(), rt.Reveal()); err == nil {
			if err := os.Remove(s.File(k)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return InKeyring, fmt.Errorf("removing the old sign-in file: %w", err)
			}
			return InKeyring, nil
		}
		// A store that refuses (locked, no Secret Service behind the bus):
		// the file, as if there were none.
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return "", fmt.Errorf("keeping the sign-in: %w", err)
	}
	rec := record{Service: k.URL, User: k.User, ClientID: k.ClientID, Saved: now.UTC(), Refresh: rt.Reveal()}
	err := runfiles.ReplaceFile(s.File(k), 0o600, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rec)
	})
	if err != nil {
		return "", fmt.Errorf("keeping the sign-in: %w", err)
	}
	if s.Keyring != nil {
		_ = s.Keyring.Delete(keyringService, k.String()) // a stale copy there would win over the file
	}
	return InFile, nil
}

// Delete forgets the token kept for k, wherever it is; it reports whether
// there was one.
func (s *Store) Delete(k Key) (bool, error) {
	found := false
	if s.Keyring != nil {
		switch err := s.Keyring.Delete(keyringService, k.String()); {
		case err == nil:
			found = true
		case !errors.Is(err, s.KeyringNotFound):
			return false, fmt.Errorf("removing the sign-in from %s: %w", InKeyring, err)
		}
	}
	switch err := os.Remove(s.File(k)); {
	case err == nil:
		found = true
	case !errors.Is(err, fs.ErrNotExist):
		return found, fmt.Errorf("removing the sign-in: %w", err)
	}
	return found, nil
}

// Update reads the token kept for k, hands it to use, and keeps the token
// use returns in its place (unless it returns a zero one: the same token
// stays), all under k's lock, which other processes wait for. use sees
// ErrNotFound's absence as a zero token.
func (s *Store) Update(ctx context.Context, k Key, now func() time.Time, use func(secret.Secret) (secret.Secret, error)) error {
	unlock, err := s.Lock(ctx, k)
	if err != nil {
		return err
	}
	defer unlock()
	rt, _, err := s.Get(k)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	next, err := use(rt)
	if err != nil {
		return err
	}
	if next.IsZero() || next.Reveal() == rt.Reveal() {
		return nil
	}
	_, err = s.Put(k, next, now())
	return err
}

// Lock takes k's lock, waiting while another process holds it, until ctx
// ends.
func (s *Store) Lock(ctx context.Context, k Key) (func(), error) {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("locking the sign-in: %w", err)
	}
	retry := s.LockRetry
	if retry == 0 {
		retry = 50 * time.Millisecond
	}
	l := flock.New(s.base(k) + ".lock")
	ok, err := l.TryLockContext(ctx, retry)
	if err != nil || !ok {
		if err == nil {
			err = errors.New("not taken")
		}
		return nil, fmt.Errorf("locking the sign-in (%s): %w", l.Path(), err)
	}
	return func() { _ = l.Unlock() }, nil
}
