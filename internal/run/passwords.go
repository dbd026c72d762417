package run

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/report"
	"github.com/firmtools/bulk/internal/secret"
)

// passwordFile gives new users generated passwords (bulk run
// --generate-passwords) and writes down the password of each user this
// run created, and of no other: not rows carried over from a journal, not
// rows that failed, were skipped, already existed or conflict.
//
// The file is created (mode 0600, never over an existing file) at the
// first user created, so a run that creates nobody, or cannot sign in,
// leaves none. Each line is synced to disk when the creation is recorded,
// before the journal's record of it: a process killed after that keeps the
// password. A password can still be lost if the process dies between the
// service creating the user and its answer arriving; the resumed run then
// sees user_created: false and says, in the row's note, to reset it.
type passwordFile struct {
	path string

	mu        sync.Mutex
	generated map[int]string // the secret field of jobs given a generated password, by index
	f         *os.File
	w         *csv.Writer
	written   int
	err       error
}

// openPasswordFile prepares the password file at path, refusing one that
// exists: it may hold the passwords an earlier run handed out.
func openPasswordFile(path string) (*passwordFile, error) {
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("--generate-passwords: %s already exists; it may hold passwords from an earlier run: move it away or name a new file", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("--generate-passwords: %w", err)
	}
	return &passwordFile{path: path, generated: map[int]string{}}, nil
}

// generate gives every job that asks for one (its action's NeedsPassword)
// a random password, kept in the job's secrets.
func (p *passwordFile) generate(jobs []*manifest.Job) error {
	for _, j := range jobs {
		need := j.Action.NeedsPassword
		if need == nil {
			continue
		}
		field, ok := need(j.Values, j.Secrets)
		if !ok {
			continue
		}
		pw, err := secret.Generate(secret.GeneratedLength)
		if err != nil {
			return fmt.Errorf("--generate-passwords: %w", err)
		}
		if j.Secrets == nil {
			j.Secrets = map[string]secret.Secret{}
		}
		j.Secrets[field] = pw
		p.generated[j.Index] = field
	}
	return nil
}

// before refuses to start a job with a generated password once the file
// could not be written: the service would set a password nobody can read.
// Call it from Options.OnStart.
func (p *passwordFile) before(j *manifest.Job) error {
	if p == nil || p.generated[j.Index] == "" {
		return nil
	}
	if err := p.firstErr(); err != nil {
		return fmt.Errorf("not creating users with generated passwords any more: %w", err)
	}
	return nil
}

// record writes the password of a user o says this run created, durably,
// and notes in o why a generated password was not written. Call it before
// the outcome is journalled. An error means the password could not be
// kept; the row's note says so too.
func (p *passwordFile) record(o *executor.Outcome) error {
	if p == nil || o.CarriedOver {
		return nil
	}
	field := p.generated[o.Job.Index]
	if field == "" {
		return nil
	}
	created := o.Status == executor.StatusOK && o.Result.UserCreated != nil && *o.Result.UserCreated
	switch {
	case created:
	case o.Status == executor.StatusExists:
		o.Result.Note = actions.JoinNotes(o.Result.Note, "no password written: the user already existed and keeps its own")
		return nil
	case o.Status.Succeeded():
		o.Result.Note = actions.JoinNotes(o.Result.Note, "no password written: the service did not say it created this user now; if an earlier attempt did, its password is unknown: reset it")
		return nil
	default:
		return nil
	}
	id := o.Result.ObjectID
	if id == "" {
		id = o.Job.Key() // the row's user ID: create-user's natural key
	}
	if err := p.write(id, o.Job.Secrets[field]); err != nil {
		o.Result.Note = actions.JoinNotes(o.Result.Note, "the generated password could not be written down: reset it")
		return err
	}
	return nil
}

func (p *passwordFile) write(userID string, pw secret.Secret) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	if p.f == nil {
		f, err := os.OpenFile(p.path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			p.err = fmt.Errorf("--generate-passwords: %w", err)
			return p.err
		}
		p.f = f
		if p.w, err = report.NewCSV(f); err != nil { // a byte-order mark and CRLF, as every CSV bulk writes
			p.err = fmt.Errorf("--generate-passwords: writing %s: %w", p.path, err)
			return p.err
		}
		if err := p.w.Write([]string{"user_id", "password"}); err != nil {
			p.err = fmt.Errorf("--generate-passwords: writing %s: %w", p.path, err)
			return p.err
		}
	}
	// A generated password never begins with a formula character
	// (secret.Generate); the user ID is neutralised like every cell.
	if err := p.w.Write([]string{report.Neutralise(userID), pw.Reveal()}); err != nil {
		p.err = fmt.Errorf("--generate-passwords: writing %s: %w", p.path, err)
		return p.err
	}
	p.w.Flush()
	if err := p.w.Error(); err != nil {
		p.err = fmt.Errorf("--generate-passwords: writing %s: %w", p.path, err)
		return p.err
	}
	if err := p.f.Sync(); err != nil {
		p.err = fmt.Errorf("--generate-passwords: syncing %s: %w", p.path, err)
		return p.err
	}
	p.written++
	return nil
}

// count is how many passwords the file holds.
func (p *passwordFile) count() int {
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.written
}

// firstErr is the first error writing the file, if any.
func (p *passwordFile) firstErr() error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// close closes the file, if one was created, and returns the first error
// writing it.
func (p *passwordFile) close() error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.f == nil {
		return p.err
	}
	err := p.f.Close()
	p.f = nil
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("--generate-passwords: closing %s: %w", p.path, err)
	}
	return p.err
}

// withGeneratedPasswords lets "Create a password" rows leave the password
// empty: --generate-passwords fills it in (bulk run), or will (bulk
// validate, which writes nothing).
func withGeneratedPasswords(opts manifest.Options) manifest.Options {
	set := map[string]string{actions.GeneratePasswordField: "true"}
	for k, v := range opts.Set {
		set[k] = v
	}
	opts.Set = set
	return opts
}

// newPasswords gives the jobs that ask for one a generated password; the
// file at path is written as users are created (see passwordFile).
func newPasswords(path string, jobs []*manifest.Job) (*passwordFile, error) {
	p, err := openPasswordFile(path)
	if err != nil {
		return nil, err
	}
	return p, p.generate(jobs)
}
