package executor

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/report"
)

// The journal is an append-only file of JSON lines, synced to disk after
// every line: a "start" line before a job's first request is sent and an
// "end" line when it ends. Jobs are keyed by the hash of their content
// (action and normalised fields), not their row number, so a manifest can
// be edited between runs and resumed.

const journalVersion = 1

// JournalRecord is one line of the journal.
type JournalRecord struct {
	Type        string            `json:"t"` // "journal" (header), "start", "end"
	Version     int               `json:"version,omitempty"`
	Key         string            `json:"key,omitempty"`
	Time        time.Time         `json:"time"`
	Action      string            `json:"action,omitempty"`
	Source      string            `json:"source,omitempty"`
	Row         int               `json:"row,omitempty"`
	Status      report.Status     `json:"status,omitempty"`
	Attempts    int               `json:"attempts,omitempty"`
	HTTPStatus  int               `json:"http_status,omitempty"`
	ErrorCode   string            `json:"error_code,omitempty"`
	Error       string            `json:"error,omitempty"`
	UserCreated *bool             `json:"user_created,omitempty"`
	UserNum     *int64            `json:"user_num,omitempty"`
	ObjectID    string            `json:"object_id,omitempty"`
	Output      json.RawMessage   `json:"output,omitempty"`
	Refs        map[string]string `json:"refs,omitempty"`
	Note        string            `json:"note,omitempty"`
}

// JournalEntry is what the journal knows of one job.
type JournalEntry struct {
	Started bool
	End     *JournalRecord // nil when the job started and never ended
}

// Journal appends records durably.
type Journal struct {
	path  string
	red   *report.Redactor
	clock Clock

	mu sync.Mutex
	f  *os.File
}

// ErrJournalExists is returned by OpenJournal when a journal from an earlier
// run is present and neither resume nor a fresh start was asked for.
var ErrJournalExists = errors.New("a journal from an earlier run exists")

// ReadJournal reads the journal at path. A missing file is an empty
// journal. A torn last line (the process was killed while writing it) is
// ignored; any other unreadable line is an error.
func ReadJournal(path string) (map[string]*JournalEntry, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]*JournalEntry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading journal: %w", err)
	}
	defer f.Close()
	return parseJournal(f, path)
}

func parseJournal(r io.Reader, path string) (map[string]*JournalEntry, error) {
	entries := map[string]*JournalEntry{}
	br := bufio.NewReaderSize(r, 64*1024)
	line := 0
	for {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			line++
			complete := b[len(b)-1] == '\n'
			b = bytes.TrimSpace(b)
			if len(b) > 0 {
				var rec JournalRecord
				if jerr := json.Unmarshal(b, &rec); jerr != nil {
					if !complete {
						break // torn final line
					}
					return nil, fmt.Errorf("journal %s line %d: not a journal record: %v", path, line, jerr)
				}
				switch rec.Type {
				case "journal":
					if rec.Version != journalVersion {
						return nil, fmt.Errorf("journal %s: version %d, this bulk reads version %d", path, rec.Version, journalVersion)
					}
				case "start":
					e := entries[rec.Key]
					if e == nil {
						e = &JournalEntry{}
						entries[rec.Key] = e
					}
					e.Started, e.End = true, nil
				case "end":
					e := entries[rec.Key]
					if e == nil {
						e = &JournalEntry{}
						entries[rec.Key] = e
					}
					r := rec
					e.End = &r
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading journal %s: %w", path, err)
		}
	}
	return entries, nil
}

// OpenJournal opens the journal at path for appending. With resume it keeps
// what is there; with fresh it starts over; with neither, an existing
// non-empty journal is ErrJournalExists (so a re-run never repeats by
// accident what an interrupted run may have done).
func OpenJournal(path string, resume, fresh bool, red *report.Redactor, clock Clock) (*Journal, error) {
	if clock == nil {
		clock = RealClock{}
	}
	flags := os.O_CREATE | os.O_WRONLY | os.O_APPEND
	if st, err := os.Stat(path); err == nil && st.Size() > 0 && !resume {
		// A journal that records no job (a run that could not sign in)
		// holds nothing to lose.
		if entries, err := ReadJournal(path); !fresh && (err != nil || len(entries) > 0) {
			return nil, fmt.Errorf("%w: %s (use --resume to continue it, or --fresh to start over)", ErrJournalExists, path)
		}
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening journal: %w", err)
	}
	j := &Journal{path: path, red: red, clock: clock, f: f}
	if st, err := f.Stat(); err == nil && st.Size() == 0 {
		if err := j.write(JournalRecord{Type: "journal", Version: journalVersion}); err != nil {
			f.Close()
			return nil, err
		}
	}
	return j, nil
}

// Path is the journal's path.
func (j *Journal) Path() string { return j.path }

func (j *Journal) write(rec JournalRecord) error {
	rec.Time = j.clock.Now().UTC()
	rec.Error = j.red.Redact(rec.Error)
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("writing journal: %w", err)
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("writing journal: closed")
	}
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("writing journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("syncing journal %s: %w", j.path, err)
	}
	return nil
}

// Start records that key's first request is about to be sent.
func (j *Journal) Start(key string, job *manifest.Job) error {
	return j.write(JournalRecord{Type: "start", Key: key, Action: job.Action.Name, Source: job.Source, Row: job.Row})
}

// End records how key ended.
func (j *Journal) End(key string, o Outcome) error {
	rec := JournalRecord{Type: "end", Key: key, Action: o.Job.Action.Name, Source: o.Job.Source, Row: o.Job.Row,
		Status: o.Status, Attempts: o.Attempts}
	if o.Err != nil {
		rec.Error = o.Err.Error()
		rec.HTTPStatus, rec.ErrorCode = errorFields(o.Err)
	}
	rec.UserCreated, rec.UserNum, rec.ObjectID, rec.Refs = o.Result.UserCreated, o.Result.UserNum, o.Result.ObjectID, o.Result.Refs
	rec.Note = j.red.Redact(o.Result.Note)
	if o.Result.Output != nil {
		out, err := json.Marshal(o.Result.Output)
		if err == nil {
			rec.Output = out
		}
	}
	return j.write(rec)
}

// Close closes the journal file.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// JobKeys gives every job its journal key: the hash of its content, with
// "#n" for the n-th identical job so exact duplicates keep apart.
func JobKeys(jobs []*manifest.Job) map[int]string {
	seen := map[string]int{}
	keys := make(map[int]string, len(jobs))
	for _, j := range jobs {
		h := j.Hash()
		seen[h]++
		keys[j.Index] = h + "#" + strconv.Itoa(seen[h])
	}
	return keys
}

// Presets decide, from the journal of an earlier run, what each job does
// now: ok and exists jobs are carried over and not sent again; failed,
// conflict and skipped jobs run again (a conflict was a clear answer: the
// service made nothing, so it is not "maybe done"); jobs that started and never ended (or ended unknown) run again
// when repeating them is safe, and stay unknown otherwise unless
// retryUnknown.
func Presets(jobs []*manifest.Job, keys map[int]string, entries map[string]*JournalEntry, retryUnknown bool) map[int]Preset {
	out := map[int]Preset{}
	for _, j := range jobs {
		e := entries[keys[j.Index]]
		if e == nil {
			continue
		}
		switch {
		case e.End != nil && e.End.Status.CarriedOver():
			o := outcomeFromRecord(e.End)
			o.CarriedOver = true
			out[j.Index] = Preset{Outcome: &o}
		case e.End != nil && e.End.Status == report.StatusUnknown, e.End == nil && e.Started:
			safe := j.Action.Repeat != actions.RepeatIfNotProcessed
			if safe || retryUnknown {
				out[j.Index] = Preset{MaybeDone: true}
				continue
			}
			msg := "an earlier run sent this request and never saw it end; it may have been applied, and it is not repeated so that nothing is created twice: check, then re-run with --retry-unknown if it is missing"
			if e.End != nil {
				msg = "ended unknown in an earlier run: " + e.End.Error
			}
			o := Outcome{Status: report.StatusUnknown, Err: errors.New(msg), CarriedOver: true}
			if e.End != nil {
				o.Attempts = e.End.Attempts
			}
			out[j.Index] = Preset{Outcome: &o}
		case e.End != nil && e.End.Status == report.StatusFailed && (e.End.HTTPStatus == 0 || e.End.HTTPStatus >= 500):
			// It failed without a clear refusal: an attempt may have been
			// applied (so a DUPLICATE_ALIAS now is the alias we made).
			out[j.Index] = Preset{MaybeDone: true}
		}
	}
	return out
}

func outcomeFromRecord(rec *JournalRecord) Outcome {
	o := Outcome{Status: rec.Status, Attempts: rec.Attempts, Result: actions.Result{
		UserCreated: rec.UserCreated, UserNum: rec.UserNum, ObjectID: rec.ObjectID, Refs: rec.Refs, Note: rec.Note,
	}}
	if len(rec.Output) > 0 {
		o.Result.Output = rec.Output
	}
	return o
}

// CompactJournal rewrites the journal at path keeping only what it knows of
// the jobs in keys (the current manifest): jobs no longer in the manifest
// are forgotten, and a journal run every night does not grow without end.
// The new file replaces the old one atomically.
func CompactJournal(path string, jobs []*manifest.Job, keys map[int]string) error {
	entries, err := ReadJournal(path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(JournalRecord{Type: "journal", Version: journalVersion, Time: time.Now().UTC()}); err != nil {
		return err
	}
	for _, j := range jobs {
		k := keys[j.Index]
		e := entries[k]
		switch {
		case e == nil:
		case e.End != nil:
			if err := enc.Encode(e.End); err != nil {
				return err
			}
		case e.Started:
			if err := enc.Encode(JournalRecord{Type: "start", Key: k, Time: time.Now().UTC(), Action: j.Action.Name, Source: j.Source, Row: j.Row}); err != nil {
				return err
			}
		}
	}
	if err := report.ReplaceFile(path, 0o600, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	}); err != nil {
		return fmt.Errorf("compacting journal: %w", err)
	}
	return nil
}
