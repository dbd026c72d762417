package executor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/report"
)

func TestJournalResumeDecisions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.journal")
	okTab := tab(t, 0, "Done")
	lostTab := tab(t, 1, "Lost")    // started, never ended: not safe to repeat
	lostUser := user(t, 2, "JDOE")  // started, never ended: safe to repeat
	failed := tab(t, 3, "Failed")   // ended failed: runs again
	unknown := tab(t, 4, "Unknown") // ended unknown: stays unknown
	fresh := tab(t, 5, "New")       // not in the journal
	jobs := []*manifest.Job{okTab, lostTab, lostUser, failed, unknown, fresh}
	keys := JobKeys(jobs)

	j, err := OpenJournal(path, false, false, &report.Redactor{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, jb := range jobs[:5] {
		if err := j.Start(keys[jb.Index], jb); err != nil {
			t.Fatal(err)
		}
	}
	end := func(jb *manifest.Job, st report.Status, err error) {
		o := Outcome{Job: jb, Status: st, Attempts: 1, Err: err}
		if st == report.StatusOK {
			o.Result.ObjectID = "ACTIVE_US!10001"
			o.Result.Refs = map[string]string{"id": "ACTIVE_US!10001"}
			o.Result.Output = map[string]string{"name": "Done"}
		}
		if err := j.End(keys[jb.Index], o); err != nil {
			t.Fatal(err)
		}
	}
	end(okTab, report.StatusOK, nil)
	end(failed, report.StatusFailed, apiErr(404, "CONTAINER_NOT_FOUND"))
	end(unknown, report.StatusUnknown, errors.New("dropped"))
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	// A torn last line, as a SIGKILL during a write leaves.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"t":"end","key":"` + keys[1] + `","sta`)
	f.Close()

	entries, err := ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, retryUnknown := range []bool{false, true} {
		p := Presets(jobs, keys, entries, retryUnknown)
		if o := p[0].Outcome; o == nil || o.Status != report.StatusOK || o.Result.ObjectID != "ACTIVE_US!10001" || !o.CarriedOver || o.Result.Refs["id"] == "" {
			t.Fatalf("ok job not carried over: %+v", p[0])
		}
		if retryUnknown {
			if p[1].Outcome != nil || !p[1].MaybeDone || p[4].Outcome != nil {
				t.Fatalf("--retry-unknown should repeat unknown tabs: %+v %+v", p[1], p[4])
			}
		} else {
			if o := p[1].Outcome; o == nil || o.Status != report.StatusUnknown || !strings.Contains(o.Err.Error(), "--retry-unknown") {
				t.Fatalf("started-never-ended tab: %+v", p[1])
			}
			if o := p[4].Outcome; o == nil || o.Status != report.StatusUnknown {
				t.Fatalf("unknown tab: %+v", p[4])
			}
		}
		if p[2].Outcome != nil || !p[2].MaybeDone {
			t.Fatalf("started-never-ended user should run again: %+v", p[2])
		}
		if _, ok := p[3]; ok {
			t.Fatalf("a job the service refused should run again as new: %+v", p[3])
		}
		if _, ok := p[5]; ok {
			t.Fatalf("new job has a preset: %+v", p[5])
		}
	}
}

func TestJournalRefusesToBeOverwrittenByAccident(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.journal")
	j, err := OpenJournal(path, false, false, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	// Only a header: nothing to lose, so a new run may start over.
	j, err = OpenJournal(path, false, false, nil, nil)
	if err != nil {
		t.Fatalf("a journal without jobs was refused: %v", err)
	}
	j.Start("k#1", tab(t, 0, "A"))
	j.Close()
	if _, err := OpenJournal(path, false, false, nil, nil); !errors.Is(err, ErrJournalExists) {
		t.Fatalf("second open without resume: %v", err)
	}
	j, err = OpenJournal(path, false, true, nil, nil)
	if err != nil {
		t.Fatalf("--fresh: %v", err)
	}
	j.Close()
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("journal mode %o, want 600", st.Mode().Perm())
	}
}

func TestJournalRecordsEveryJobOfARun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.journal")
	j, err := OpenJournal(path, false, false, &report.Redactor{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fc := newFake()
	fc.script["addTab"] = []error{errDropped}
	jobs := []*manifest.Job{tab(t, 0, "A"), user(t, 1, "JDOE")}
	keys := JobKeys(jobs)
	_, err = runJobs(t, context.Background(), fc, jobs, func(o *Options) {
		o.Concurrency = 1
		o.OnStart = func(jb *manifest.Job) error { return j.Start(keys[jb.Index], jb) }
		end := o.OnEnd
		o.OnEnd = func(oc Outcome) { _ = j.End(keys[oc.Job.Index], oc); end(oc) }
	})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	entries, err := ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if e := entries[keys[0]]; e == nil || e.End == nil || e.End.Status != report.StatusUnknown {
		t.Fatalf("tab entry %+v", e)
	}
	if e := entries[keys[1]]; e == nil || e.End == nil || e.End.Status != report.StatusOK || e.End.UserNum == nil {
		t.Fatalf("user entry %+v", e)
	}
}

func TestJobKeysSeparateExactDuplicates(t *testing.T) {
	a, b := tab(t, 0, "Same"), tab(t, 1, "Same")
	keys := JobKeys([]*manifest.Job{a, b})
	if keys[0] == keys[1] {
		t.Fatal("two identical jobs share a journal key")
	}
	moved := tab(t, 7, "Same") // the same content at another row keeps its key
	if JobKeys([]*manifest.Job{moved})[7] != keys[0] {
		t.Fatal("a job's key depends on its row")
	}
}

func TestCompactJournalForgetsJobsNoLongerInTheManifest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.journal")
	gone, kept, started := tab(t, 0, "Gone"), tab(t, 1, "Kept"), tab(t, 2, "Started")
	all := []*manifest.Job{gone, kept, started}
	keys := JobKeys(all)
	j, err := OpenJournal(path, false, false, &report.Redactor{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, jb := range all {
		j.Start(keys[jb.Index], jb)
	}
	j.End(keys[0], Outcome{Job: gone, Status: report.StatusOK})
	j.End(keys[1], Outcome{Job: kept, Status: report.StatusOK, Attempts: 2, Result: actionsResult("ACTIVE_US!10007")})
	j.Close()

	now := []*manifest.Job{kept, started}
	if err := CompactJournal(path, now, keys); err != nil {
		t.Fatal(err)
	}
	entries, err := ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := entries[keys[0]]; ok || len(entries) != 2 {
		t.Fatalf("entries after compaction: %v", entries)
	}
	if e := entries[keys[1]]; e.End == nil || e.End.ObjectID != "ACTIVE_US!10007" || e.End.Attempts != 2 {
		t.Fatalf("kept job lost its outcome: %+v", e)
	}
	if e := entries[keys[2]]; !e.Started || e.End != nil {
		t.Fatalf("started job lost its start: %+v", e)
	}
}

func actionsResult(id string) actions.Result { return actions.Result{ObjectID: id} }

func TestFailedAfterAmbiguityMayBeDone(t *testing.T) {
	alias := job(t, 0, "create-lookup-alias", map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom3", "alias": "PAR"})
	keys := JobKeys([]*manifest.Job{alias})
	var buf strings.Builder
	buf.WriteString(`{"t":"journal","version":1}` + "\n")
	buf.WriteString(`{"t":"start","key":"` + keys[0] + `"}` + "\n")
	buf.WriteString(`{"t":"end","key":"` + keys[0] + `","status":"failed","error":"after 5 attempts: no answer"}` + "\n")
	entries, err := parseJournal(strings.NewReader(buf.String()), "j")
	if err != nil {
		t.Fatal(err)
	}
	p := Presets([]*manifest.Job{alias}, keys, entries, false)
	if !p[0].MaybeDone || p[0].Outcome != nil {
		t.Fatalf("preset %+v", p[0])
	}
	// On the rerun, the alias the pre-read lists is the one the earlier
	// run's attempt made: that attempt's success, with no create call.
	fc := newFake()
	fc.aliases = []imanage.LookupAlias{{ID: "PAR", Enabled: ptr(true), HIPAA: ptr(false)}}
	col, err := runJobs(t, context.Background(), fc, []*manifest.Job{alias}, func(o *Options) { o.Preset = p })
	if err != nil || col.out[0].Status != report.StatusOK || !strings.Contains(col.out[0].Result.Note, "earlier attempt") {
		t.Fatalf("%v %+v", err, col.out[0])
	}
	if n := fc.count("createCustomOrPropertyLookup"); n != 0 {
		t.Fatalf("%d create calls for an alias the read listed", n)
	}
	// The read does not list it: the earlier attempt did not make it, so a
	// DUPLICATE_ALIAS now is someone else's alias, not a success of ours.
	fc = newFake()
	fc.script["createCustomOrPropertyLookup"] = []error{apiErr(409, "DUPLICATE_ALIAS")}
	col, err = runJobs(t, context.Background(), fc, []*manifest.Job{alias}, func(o *Options) { o.Preset = p })
	if err != nil || col.out[0].Status != report.StatusFailed {
		t.Fatalf("%v %+v", err, col.out[0])
	}
}
