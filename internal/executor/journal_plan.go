package executor

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/firmtools/bulk/internal/runfiles"
)

// Service names what a journal was written against. What a journal says
// was done was done there, and nowhere else.
type Service struct {
	URL  string `json:"url,omitempty"`  // the normalised base URL; empty for the embedded simulator
	User string `json:"user,omitempty"` // who signed in; empty for a ready token
	Sim  bool   `json:"sim,omitempty"`  // the embedded simulator (--sim), which starts empty every run
}

func (s Service) String() string {
	if s.Sim {
		return "the embedded simulator (--sim)"
	}
	if s.User == "" {
		return s.URL + " (with a ready token)"
	}
	return s.URL + " as " + s.User
}

// same reports whether s and o are the same service and user. User IDs
// are compared ignoring case, as the service does.
func (s Service) same(o Service) bool {
	return s.Sim == o.Sim && s.URL == o.URL && strings.EqualFold(s.User, o.User)
}

// Why a journal is refused. Each is wrapped with the journal's path and
// what to do.
var (
	errJournalExists    = errors.New("a journal from an earlier run exists")
	errJournalService   = errors.New("the journal belongs to another service")
	errJournalUnbound   = errors.New("the journal does not name its service")
	errJournalManifests = errors.New("the journal belongs to other manifests")
)

// JournalOptions say which journal a run uses, and for what.
type JournalOptions struct {
	Path      string
	Service   Service
	Manifests []string // absolute
	Resume    bool     // carry over what the journal records
	Fresh     bool     // discard what it records
	// Adopt accepts, on resume, a journal that names no service (written by
	// an older bulk) or names other manifests, as this run's.
	Adopt bool
}

// JournalPlan is what a run found in its journal before anything is sent.
type JournalPlan struct {
	opts JournalOptions
	file *journalFile
	// Entries are the jobs the journal records (on resume; empty otherwise).
	Entries map[string]*JournalEntry
	// Missing: --resume found no journal, so every job runs as new.
	Missing bool
	// Torn: the journal ended in a torn line, which Open cuts away.
	Torn    bool
	restart bool // Open writes a new journal
	rebind  bool // Open rewrites the header for this run's service and manifests
}

// PlanJournal reads the journal a run is about to use and decides, without
// writing anything, whether the run may use it: a journal is bound to the
// service and manifests it was written for.
func PlanJournal(o JournalOptions) (*JournalPlan, error) {
	if o.Resume && o.Service.Sim {
		return nil, errors.New("--resume with --sim: the embedded simulator starts empty every run, so there is nothing to resume; run without --resume")
	}
	jf, err := readJournalFile(o.Path)
	if err != nil {
		return nil, err
	}
	p := &JournalPlan{opts: o, file: jf, Entries: map[string]*JournalEntry{}, Torn: jf.size > jf.whole}
	h := jf.header
	if h == nil {
		p.Missing, p.restart = o.Resume, true
		return p, nil
	}
	if err := p.checkBinding(h); err != nil {
		return nil, err
	}
	if o.Resume {
		p.Entries = jf.entries
		p.rebind = h.Service == nil || !sameManifests(h.Manifests, o.Manifests)
		return p, nil
	}
	rehearsal := o.Service.Sim && h.Service != nil && h.Service.Sim
	if len(jf.entries) > 0 && !o.Fresh && !rehearsal {
		what := "use --resume to continue it, or --fresh to start over"
		switch {
		case h.Service == nil:
			what = "it was written by an older bulk that did not record the service; use --resume --adopt-journal to continue it, or --fresh to start over"
		case !h.Service.same(o.Service):
			what = fmt.Sprintf("it was written by a run against %s, not %s; use --fresh to start over, or another --journal", h.Service, o.Service)
		}
		return nil, fmt.Errorf("%w: %s (%s)", errJournalExists, o.Path, what)
	}
	p.restart = true
	return p, nil
}

// checkBinding refuses a journal written for another service, and on resume
// one that names no service or other manifests (unless adopted).
func (p *JournalPlan) checkBinding(h *JournalRecord) error {
	o := p.opts
	switch {
	case h.Service != nil && !h.Service.Sim && o.Service.Sim:
		return fmt.Errorf("%w: %s was written by a run against %s; a --sim run never uses the journal of a run against a service, not even with --fresh: give it its own --journal",
			errJournalService, o.Path, h.Service)
	case !o.Resume:
		return nil
	case h.Service != nil && !h.Service.same(o.Service):
		return fmt.Errorf("%w: %s was written by a run against %s, and this run is against %s; resuming would report its jobs done without doing them here: use --fresh to start over, or another --journal",
			errJournalService, o.Path, h.Service, o.Service)
	case o.Adopt:
		return nil
	case h.Service == nil:
		return fmt.Errorf("%w: %s was written by an older bulk, which did not record the service it ran against; if that was %s, resume with --adopt-journal; if not, use --fresh to start over",
			errJournalUnbound, o.Path, o.Service)
	case !sameManifests(h.Manifests, o.Manifests):
		return fmt.Errorf("%w: %s was written for %s, and this run is for %s; resuming would forget the jobs of the others: give this run its own --journal, or, if the manifest was moved or renamed, resume with --adopt-journal",
			errJournalManifests, o.Path, strings.Join(h.Manifests, ", "), strings.Join(o.Manifests, ", "))
	}
	return nil
}

func sameManifests(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

// Header is the header this run's journal carries.
func (p *JournalPlan) Header() JournalRecord {
	return JournalRecord{Type: "journal", Version: journalVersion, Service: &p.opts.Service, Manifests: p.opts.Manifests}
}

// Open opens the journal for this run's records: a new one, or the earlier
// one with a torn last line cut away (and, when adopted, its header
// rewritten for this run).
func (p *JournalPlan) Open(opts WriteOptions) (*Journal, error) {
	header := p.Header()
	if p.rebind && !p.restart {
		if err := p.rewriteHeader(header); err != nil {
			return nil, err
		}
	}
	return openJournal(p.opts.Path, header, p.restart, p.file.whole, opts)
}

// rewriteHeader replaces the journal with header and its whole lines after
// the old header, atomically.
func (p *JournalPlan) rewriteHeader(header JournalRecord) error {
	f, err := os.Open(p.opts.Path)
	if err != nil {
		return fmt.Errorf("opening journal: %w", err)
	}
	defer f.Close()
	body := io.NewSectionReader(f, p.file.headerEnd, p.file.whole-p.file.headerEnd)
	header.Time = RealClock{}.Now().UTC()
	line, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("adopting journal: %w", err)
	}
	line = append(line, '\n')
	err = runfiles.ReplaceFile(p.opts.Path, 0o600, func(w io.Writer) error {
		if _, err := w.Write(line); err != nil {
			return err
		}
		_, err := io.Copy(w, body)
		return err
	})
	if err != nil {
		return fmt.Errorf("adopting journal: %w", err)
	}
	p.file.whole += int64(len(line)) - p.file.headerEnd
	p.file.headerEnd = int64(len(line))
	return nil
}
