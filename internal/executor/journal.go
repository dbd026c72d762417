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
	"time"

	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/runfiles"
	"github.com/firmtools/bulk/internal/secret"
)

// The journal is an append-only file of JSON lines, synced to disk after
// every line: a header naming the service and the manifests, then a
// "start" line before a job's first request is sent and an "end" line when
// it ends. Jobs are keyed by the hash of their content (action and
// normalised fields), not their row number, so a manifest can be edited
// between runs and resumed.

// journalVersion 2 added the header's service and manifests; version 1
// journals are read, but name no service.
const journalVersion = 2

// JournalRecord is one line of the journal.
type JournalRecord struct {
	Type        string            `json:"t"` // "journal" (header), "start", "end"
	Version     int               `json:"version,omitempty"`
	Service     *Service          `json:"service,omitempty"`   // header: what the journal was written against
	Manifests   []string          `json:"manifests,omitempty"` // header: the run's manifests, absolute
	Key         string            `json:"key,omitempty"`
	Time        time.Time         `json:"time"`
	Action      string            `json:"action,omitempty"`
	Source      string            `json:"source,omitempty"`
	Row         int               `json:"row,omitempty"`
	ResultKey   string            `json:"result_key,omitempty"` // the result file's key column, references filled
	Status      Status            `json:"status,omitempty"`
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
	Columns     map[string]string `json:"columns,omitempty"` // the answer's main fields, for people
}

// JournalEntry is what the journal knows of one job.
type JournalEntry struct {
	Started bool
	End     *JournalRecord // nil when the job started and never ended
}

// Journal appends records durably, each line in one write, synced: a
// write that fails is cut back off the file and every later one is
// refused, so the journal never holds half a line before a whole one.
type Journal struct {
	path   string
	header JournalRecord
	red    *secret.Redactor
	clock  Clock
	file   *runfiles.Appender
}

// journalFile is what reading a journal found.
type journalFile struct {
	header    *JournalRecord // nil when the file holds no record
	headerEnd int64          // offset just after the header line
	entries   map[string]*JournalEntry
	whole     int64 // bytes of complete lines; anything after is a torn line
	size      int64
}

// ReadJournal reads the jobs recorded in the journal at path. A missing file
// is an empty journal. A torn last line (the process was killed while
// writing it) is ignored; any other unreadable line is an error naming the
// file and the line.
func ReadJournal(path string) (map[string]*JournalEntry, error) {
	f, err := readJournalFile(path)
	if err != nil {
		return nil, err
	}
	return f.entries, nil
}

func readJournalFile(path string) (*journalFile, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return &journalFile{entries: map[string]*JournalEntry{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading journal: %w", err)
	}
	defer f.Close()
	return parseJournal(f, path)
}

// parseJournal reads journal lines. A last line without its newline is
// torn: its write never completed (each record is written with its newline
// in one write and synced), so it is left out even when it parses.
func parseJournal(r io.Reader, path string) (*journalFile, error) {
	jf := &journalFile{entries: map[string]*JournalEntry{}}
	br := bufio.NewReaderSize(r, 64*1024)
	line := 0
	for {
		b, err := br.ReadBytes('\n')
		jf.size += int64(len(b))
		if err == io.EOF {
			break // b, if any, is a torn line
		}
		if err != nil {
			return nil, fmt.Errorf("reading journal %s: %w", path, err)
		}
		line++
		jf.whole = jf.size
		if b = bytes.TrimSpace(b); len(b) == 0 {
			continue
		}
		var rec JournalRecord
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("journal %s line %d: not a journal record (%v): the journal is damaged; nothing was sent", path, line, err)
		}
		if err := jf.add(&rec, line); err != nil {
			return nil, fmt.Errorf("journal %s line %d: %w; nothing was sent", path, line, err)
		}
		if rec.Type == "journal" {
			jf.headerEnd = jf.whole
		}
	}
	return jf, nil
}

func (jf *journalFile) add(rec *JournalRecord, line int) error {
	if rec.Type == "journal" {
		if jf.header != nil || line != 1 {
			return errors.New("a journal header in the middle of the journal")
		}
		if rec.Version != 1 && rec.Version != journalVersion {
			return fmt.Errorf("version %d, this bulk reads versions 1 and %d", rec.Version, journalVersion)
		}
		if rec.Version == 1 {
			rec.Service, rec.Manifests = nil, nil
		}
		jf.header = rec
		return nil
	}
	if jf.header == nil {
		return errors.New("the journal does not start with its header")
	}
	e := jf.entries[rec.Key]
	if e == nil {
		e = &JournalEntry{}
		jf.entries[rec.Key] = e
	}
	switch rec.Type {
	case "start":
		e.Started, e.End = true, nil
	case "end":
		e.End = rec
	default:
		return fmt.Errorf("a record of type %q, which this bulk does not know", rec.Type)
	}
	return nil
}

// openJournal opens path for appending after its first whole bytes (a torn
// last line is cut away), or starts it over with header when restart.
func openJournal(path string, header JournalRecord, restart bool, whole int64, opts WriteOptions) (*Journal, error) {
	if restart {
		whole = 0
	}
	f, err := runfiles.OpenAppender("journal", path, whole, 0o600, true, opts.Wrap)
	if err != nil {
		return nil, err
	}
	clock := opts.Clock
	if clock == nil {
		clock = RealClock{}
	}
	j := &Journal{path: path, header: header, red: opts.Redactor, clock: clock, file: f}
	if f.Size() == 0 {
		if err := j.write(header); err != nil {
			f.Close()
			return nil, err
		}
	}
	return j, nil
}

// WriteOptions are how a run's journal is written.
type WriteOptions struct {
	Redactor *secret.Redactor
	Clock    Clock
	// Wrap wraps the writer lines are appended through: a test's disk that
	// fills after N bytes.
	Wrap func(io.Writer) io.Writer
}

// Path is the journal's path.
func (j *Journal) Path() string { return j.path }

func (j *Journal) write(rec JournalRecord) error {
	rec.Time = j.clock.Now().UTC()
	rec.Error = j.red.Redact(rec.Error)
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("writing journal %s: %w", j.path, err)
	}
	return j.file.Append(append(b, '\n'))
}

// Start records that key's first request is about to be sent.
func (j *Journal) Start(key string, job *manifest.Job) error {
	return j.write(JournalRecord{Type: "start", Key: key, Action: job.Action.Name, Source: job.Source, Row: job.Row})
}

// End records how key ended.
func (j *Journal) End(key string, o Outcome) error {
	rec := JournalRecord{Type: "end", Key: key, Action: o.Job.Action.Name, Source: o.Job.Source, Row: o.Job.Row,
		ResultKey: o.Key(), Status: o.Status, Attempts: o.Attempts}
	if o.Err != nil {
		rec.Error = o.Err.Error()
		rec.HTTPStatus, rec.ErrorCode = o.ErrorFields()
	}
	rec.UserCreated, rec.UserNum, rec.ObjectID, rec.Refs = o.Result.UserCreated, o.Result.UserNum, o.Result.ObjectID, o.Result.Refs
	rec.Note = j.red.Redact(o.Result.Note)
	for k, v := range o.Result.Columns {
		if rec.Columns == nil {
			rec.Columns = map[string]string{}
		}
		rec.Columns[k] = j.red.Redact(v)
	}
	if o.Result.Output != nil {
		out, err := json.Marshal(o.Result.Output)
		if err == nil {
			rec.Output = out
		}
	}
	return j.write(rec)
}

// Close closes the journal file.
func (j *Journal) Close() error { return j.file.Close() }

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

// Compact rewrites the closed journal keeping only what it knows of the
// jobs in keys (the current manifest): jobs no longer in the manifest are
// forgotten, and a journal run every night does not grow without end. The
// new file replaces the old one atomically.
func (j *Journal) Compact(jobs []*manifest.Job, keys map[int]string) error {
	entries, err := ReadJournal(j.path)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	header := j.header
	header.Time = now
	if err := enc.Encode(header); err != nil {
		return err
	}
	for _, jb := range jobs {
		k := keys[jb.Index]
		e := entries[k]
		switch {
		case e == nil:
		case e.End != nil:
			if err := enc.Encode(e.End); err != nil {
				return err
			}
		case e.Started:
			if err := enc.Encode(JournalRecord{Type: "start", Key: k, Time: now, Action: jb.Action.Name, Source: jb.Source, Row: jb.Row}); err != nil {
				return err
			}
		}
	}
	if err := runfiles.ReplaceFile(j.path, 0o600, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	}); err != nil {
		return fmt.Errorf("compacting journal: %w", err)
	}
	return nil
}
