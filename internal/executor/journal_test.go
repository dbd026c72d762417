package executor

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/diskfull"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/secret"
	"github.com/firmtools/bulk/internal/wire"
)

var (
	tenant = Service{URL: "https://cloudimanage.com", User: "svc-bulk"}
	simSvc = Service{Sim: true}
)

// openJournal plans and opens the journal at path for a run against tenant
// of t.csv, with o's choices.
func openTestJournal(t *testing.T, path string, o JournalOptions) (*Journal, *JournalPlan) {
	t.Helper()
	o.Path = path
	if o.Service == (Service{}) {
		o.Service = tenant
	}
	if o.Manifests == nil {
		o.Manifests = []string{"/data/t.csv"}
	}
	p, err := PlanJournal(o)
	if err != nil {
		t.Fatal(err)
	}
	j, err := p.Open(WriteOptions{Redactor: &secret.Redactor{}})
	if err != nil {
		t.Fatal(err)
	}
	return j, p
}

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

	j, _ := openTestJournal(t, path, JournalOptions{})
	for _, jb := range jobs[:5] {
		if err := j.Start(keys[jb.Index], jb); err != nil {
			t.Fatal(err)
		}
	}
	end := func(jb *manifest.Job, st Status, err error) {
		o := Outcome{Job: jb, Status: st, Attempts: 1, Err: err}
		if st == StatusOK {
			o.Result.ObjectID = "ACTIVE_US!10001"
			o.Result.Refs = map[string]string{"id": "ACTIVE_US!10001"}
			o.Result.Output = map[string]string{"name": "Done"}
		}
		if err := j.End(keys[jb.Index], o); err != nil {
			t.Fatal(err)
		}
	}
	end(okTab, StatusOK, nil)
	end(failed, StatusFailed, apiErr(404, "CONTAINER_NOT_FOUND"))
	end(unknown, StatusUnknown, errors.New("dropped"))
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
		if o := p[0].Outcome; o == nil || o.Status != StatusOK || o.Result.ObjectID != "ACTIVE_US!10001" || !o.CarriedOver || o.Result.Refs["id"] == "" {
			t.Fatalf("ok job not carried over: %+v", p[0])
		}
		if retryUnknown {
			if p[1].Outcome != nil || !p[1].MaybeDone || p[4].Outcome != nil {
				t.Fatalf("--retry-unknown should repeat unknown tabs: %+v %+v", p[1], p[4])
			}
		} else {
			if o := p[1].Outcome; o == nil || o.Status != StatusUnknown || !strings.Contains(o.Err.Error(), "--retry-unknown") {
				t.Fatalf("started-never-ended tab: %+v", p[1])
			}
			if o := p[4].Outcome; o == nil || o.Status != StatusUnknown {
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
	j, _ := openTestJournal(t, path, JournalOptions{})
	j.Close()
	// Only a header: nothing to lose, so a new run may start over.
	j, _ = openTestJournal(t, path, JournalOptions{})
	j.Start("k#1", tab(t, 0, "A"))
	j.Close()
	if _, err := PlanJournal(JournalOptions{Path: path, Service: tenant}); !errors.Is(err, errJournalExists) {
		t.Fatalf("second open without resume: %v", err)
	}
	j, _ = openTestJournal(t, path, JournalOptions{Fresh: true})
	j.Close()
	if entries, _ := ReadJournal(path); len(entries) != 0 {
		t.Fatalf("--fresh kept %d jobs", len(entries))
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("journal mode %o, want 600", st.Mode().Perm())
	}
}

// writeJournal writes a journal bound to svc for manifests, with one job
// started, and returns its path.
func writeJournal(t *testing.T, dir string, svc Service, manifests ...string) string {
	t.Helper()
	path := filepath.Join(dir, "b.journal")
	os.Remove(path)
	j, _ := openTestJournal(t, path, JournalOptions{Service: svc, Manifests: manifests})
	if err := j.Start("k#1", tab(t, 0, "A")); err != nil {
		t.Fatal(err)
	}
	j.Close()
	return path
}

func TestAJournalBelongsToOneService(t *testing.T) {
	dir := t.TempDir()
	other := Service{URL: "https://other.example.com", User: "svc-bulk"}
	v1 := `{"t":"journal","version":1}` + "\n" + `{"t":"start","key":"k#1"}` + "\n"
	cases := []struct {
		name    string
		journal func() string
		opts    JournalOptions
		want    error  // nil: accepted
		names   string // the message names this too
	}{
		{"resume against another service", func() string { return writeJournal(t, dir, tenant, "/data/t.csv") },
			JournalOptions{Service: other, Resume: true}, errJournalService, "https://cloudimanage.com as svc-bulk"},
		{"resume as another user", func() string { return writeJournal(t, dir, tenant, "/data/t.csv") },
			JournalOptions{Service: Service{URL: tenant.URL, User: "someone"}, Resume: true}, errJournalService, "someone"},
		{"the same user in other case", func() string { return writeJournal(t, dir, tenant, "/data/t.csv") },
			JournalOptions{Service: Service{URL: tenant.URL, User: "SVC-BULK"}, Resume: true}, nil, ""},
		{"a rehearsal's journal resumed against the tenant", func() string { return writeJournal(t, dir, simSvc, "/data/t.csv") },
			JournalOptions{Resume: true}, errJournalService, "embedded simulator"},
		{"a rehearsal's journal, not resumed", func() string { return writeJournal(t, dir, simSvc, "/data/t.csv") },
			JournalOptions{}, errJournalExists, "embedded simulator"},
		{"a rehearsal's journal, discarded", func() string { return writeJournal(t, dir, simSvc, "/data/t.csv") },
			JournalOptions{Fresh: true}, nil, ""},
		{"--sim over a tenant's journal", func() string { return writeJournal(t, dir, tenant, "/data/t.csv") },
			JournalOptions{Service: simSvc}, errJournalService, "not even with --fresh"},
		{"--sim --fresh over a tenant's journal", func() string { return writeJournal(t, dir, tenant, "/data/t.csv") },
			JournalOptions{Service: simSvc, Fresh: true}, errJournalService, "cloudimanage.com"},
		{"--sim over a rehearsal's journal", func() string { return writeJournal(t, dir, simSvc, "/data/t.csv") },
			JournalOptions{Service: simSvc}, nil, ""},
		{"resume of other manifests", func() string { return writeJournal(t, dir, tenant, "/data/a.csv", "/data/b.csv") },
			JournalOptions{Resume: true}, errJournalManifests, "/data/a.csv, /data/b.csv"},
		{"resume of other manifests, adopted", func() string { return writeJournal(t, dir, tenant, "/data/old.csv") },
			JournalOptions{Resume: true, Adopt: true}, nil, ""},
		{"an older bulk's journal resumed", func() string { return writeFile(t, dir, "v1.journal", v1) },
			JournalOptions{Resume: true}, errJournalUnbound, "--adopt-journal"},
		{"an older bulk's journal adopted", func() string { return writeFile(t, dir, "v1.journal", v1) },
			JournalOptions{Resume: true, Adopt: true}, nil, ""},
		{"an older bulk's journal, not resumed", func() string { return writeFile(t, dir, "v1.journal", v1) },
			JournalOptions{}, errJournalExists, "older bulk"},
		{"adopting never crosses services", func() string { return writeJournal(t, dir, tenant, "/data/t.csv") },
			JournalOptions{Service: other, Resume: true, Adopt: true}, errJournalService, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			o.Path = tc.journal()
			if o.Service == (Service{}) {
				o.Service = tenant
			}
			if o.Manifests == nil {
				o.Manifests = []string{"/data/t.csv"}
			}
			p, err := PlanJournal(o)
			if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if err != nil {
				if !strings.Contains(err.Error(), o.Path) || !strings.Contains(err.Error(), tc.names) {
					t.Fatalf("%q does not name the journal and %q", err, tc.names)
				}
				return
			}
			j, err := p.Open(WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			j.Close()
			// Once used, the journal is this run's: resuming it again needs no adoption.
			o.Resume, o.Adopt, o.Fresh = o.Service != simSvc, false, false
			if _, err := PlanJournal(o); err != nil {
				t.Fatalf("the journal is not bound to the run that used it: %v", err)
			}
		})
	}
}

func TestResumeWithSimIsRefused(t *testing.T) {
	_, err := PlanJournal(JournalOptions{Path: filepath.Join(t.TempDir(), "j"), Service: simSvc, Resume: true})
	if err == nil || !strings.Contains(err.Error(), "starts empty") {
		t.Fatalf("--sim --resume: %v", err)
	}
}

func TestResumeSaysWhenThereIsNoJournal(t *testing.T) {
	p, err := PlanJournal(JournalOptions{Path: filepath.Join(t.TempDir(), "none.journal"), Service: tenant, Resume: true})
	if err != nil || !p.Missing {
		t.Fatalf("resume without a journal: %+v, %v", p, err)
	}
	p, _ = PlanJournal(JournalOptions{Path: filepath.Join(t.TempDir(), "none.journal"), Service: tenant})
	if p.Missing {
		t.Fatal("a run without --resume reports a missing journal")
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTornLastLineIsCutBeforeTheNextRunAppends(t *testing.T) {
	for name, torn := range map[string]string{
		"half a record":            `{"t":"end","key":"k#1","sta`,
		"a record without newline": `{"t":"end","key":"k#1","status":"ok"}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeJournal(t, dir, tenant, "/data/t.csv")
			f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString(torn)
			f.Close()
			j, p := openTestJournal(t, path, JournalOptions{Resume: true})
			if !p.Torn {
				t.Fatal("the torn line was not noticed")
			}
			if e := p.Entries["k#1"]; e == nil || e.End != nil {
				t.Fatalf("an unfinished write was taken as the job's end: %+v", e)
			}
			if err := j.Start("k#2", tab(t, 1, "B")); err != nil {
				t.Fatal(err)
			}
			j.Close()
			// The run after that reads every line.
			entries, err := ReadJournal(path)
			if err != nil {
				t.Fatalf("the journal after a resume: %v", err)
			}
			if len(entries) != 2 || entries["k#1"].End != nil || !entries["k#2"].Started {
				t.Fatalf("entries %+v", entries)
			}
			if b, _ := os.ReadFile(path); strings.Contains(string(b), torn) {
				t.Fatalf("the torn line is still there:\n%s", b)
			}
		})
	}
}

func TestDamagedJournalNamesFileAndLine(t *testing.T) {
	head := `{"t":"journal","version":2}` + "\n"
	cases := map[string]struct{ content, want string }{
		"garbage in the middle":  {head + `{"t":"start","key":"k#1"}` + "\n" + "x{\n" + `{"t":"start","key":"k#2"}` + "\n", "line 3"},
		"a record type unknown":  {head + `{"t":"undo","key":"k#1"}` + "\n", `line 2: a record of type "undo"`},
		"no header":              {`{"t":"start","key":"k#1"}` + "\n", "line 1: the journal does not start with its header"},
		"a newer version":        {`{"t":"journal","version":9}` + "\n", "line 1: version 9"},
		"a second header":        {head + head, "line 2: a journal header in the middle"},
		"appended onto a tear":   {head + `{"t":"end","key":"k#1","sta{"t":"start","key":"k#2"}` + "\n", "line 2"},
		"bad line before a tear": {head + "}\n" + `{"t":"sta`, "line 2"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "d.journal", tc.content)
			_, err := PlanJournal(JournalOptions{Path: path, Service: tenant, Resume: true})
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %s and %q", err, path, tc.want)
			}
		})
	}
}

func TestAStatusThisBulkDoesNotKnowIsNeverRepeatedBlindly(t *testing.T) {
	tabJob, userJob := tab(t, 0, "A"), user(t, 1, "JDOE")
	jobs := []*manifest.Job{tabJob, userJob}
	keys := JobKeys(jobs)
	var b strings.Builder
	b.WriteString(`{"t":"journal","version":2}` + "\n")
	for _, k := range keys {
		b.WriteString(`{"t":"start","key":"` + k + `"}` + "\n")
		b.WriteString(`{"t":"end","key":"` + k + `","status":"applied-later"}` + "\n")
	}
	jf, err := parseJournal(strings.NewReader(b.String()), "j")
	if err != nil {
		t.Fatal(err)
	}
	p := Presets(jobs, keys, jf.entries, false)
	if o := p[0].Outcome; o == nil || o.Status != StatusUnknown || !strings.Contains(o.Err.Error(), `"applied-later"`) {
		t.Fatalf("a tab with an unknown status: %+v", p[0])
	}
	if p[1].Outcome != nil || !p[1].MaybeDone {
		t.Fatalf("a user (safe to repeat) with an unknown status: %+v", p[1])
	}
	if p := Presets(jobs, keys, jf.entries, true); p[0].Outcome != nil || !p[0].MaybeDone {
		t.Fatalf("--retry-unknown: %+v", p[0])
	}
}

func TestAFailedJournalWriteLeavesNoHalfLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.journal")
	p, err := PlanJournal(JournalOptions{Path: path, Service: tenant, Manifests: []string{"/data/t.csv"}})
	if err != nil {
		t.Fatal(err)
	}
	// Room for the header, one start line and half of the next.
	j, err := p.Open(WriteOptions{Wrap: func(w io.Writer) io.Writer { return diskfull.After(w, 400) }})
	if err != nil {
		t.Fatal(err)
	}
	a, b := tab(t, 0, "A"), tab(t, 1, "B")
	if err := j.Start("a#1", a); err != nil {
		t.Fatalf("the first start fits: %v", err)
	}
	err = j.End("a#1", Outcome{Job: a, Status: StatusOK, Result: actions.Result{ObjectID: strings.Repeat("x", 300)}})
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), path) {
		t.Fatalf("a failed write: %v", err)
	}
	if err := j.Start("b#1", b); err == nil {
		t.Fatal("a line was written after a failed one")
	}
	j.Close()
	entries, err := ReadJournal(path)
	if err != nil {
		t.Fatalf("the journal after a failed write: %v", err)
	}
	if e := entries["a#1"]; len(entries) != 1 || e == nil || !e.Started || e.End != nil {
		t.Fatalf("entries %+v", entries)
	}
	if b, _ := os.ReadFile(path); !strings.HasSuffix(string(b), "\n") {
		t.Fatalf("the journal ends in half a line:\n%s", b)
	}
}

func TestJournalRecordsEveryJobOfARun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.journal")
	j, _ := openTestJournal(t, path, JournalOptions{})
	fc := newFake()
	fc.script["addTab"] = []error{errDropped}
	jobs := []*manifest.Job{tab(t, 0, "A"), user(t, 1, "JDOE")}
	keys := JobKeys(jobs)
	_, err := runJobs(t, context.Background(), fc, jobs, func(o *Options) {
		o.Concurrency = 1
		o.OnStart = func(jb *manifest.Job) error { return j.Start(keys[jb.Index], jb) }
		end := o.OnEnd
		o.OnEnd = func(oc Outcome) error { _ = j.End(keys[oc.Job.Index], oc); return end(oc) }
	})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	entries, err := ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if e := entries[keys[0]]; e == nil || e.End == nil || e.End.Status != StatusUnknown {
		t.Fatalf("tab entry %+v", e)
	}
	if e := entries[keys[1]]; e == nil || e.End == nil || e.End.Status != StatusOK || e.End.UserNum == nil {
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

func TestSeedOutcomesKeepEveryRowAnEarlierRunWrote(t *testing.T) {
	done, failed, lost, fresh := tab(t, 0, "Done"), tab(t, 1, "Failed"), tab(t, 2, "Lost"), tab(t, 3, "New")
	jobs := []*manifest.Job{done, failed, lost, fresh}
	keys := JobKeys(jobs)
	path := filepath.Join(t.TempDir(), "x.journal")
	j, _ := openTestJournal(t, path, JournalOptions{})
	for _, jb := range jobs[:3] {
		j.Start(keys[jb.Index], jb)
	}
	j.End(keys[0], Outcome{Job: done, Status: StatusOK, Attempts: 1, Result: actionsResult("ACTIVE_US!10001")})
	j.End(keys[1], Outcome{Job: failed, Status: StatusFailed, Attempts: 1, Err: apiErr(404, "CONTAINER_NOT_FOUND")})
	j.Close()
	entries, _ := ReadJournal(path)
	presets := Presets(jobs, keys, entries, false)
	seed := SeedOutcomes(jobs, keys, entries, presets)
	if len(seed) != 3 {
		t.Fatalf("%d seed outcomes, want the ok, the failed and the lost tab: %+v", len(seed), seed)
	}
	type fields struct {
		status   Status
		objectID string
		http     int
		code     string
	}
	want := map[int]fields{
		0: {StatusOK, "ACTIVE_US!10001", 0, ""},
		1: {StatusFailed, "", 404, "CONTAINER_NOT_FOUND"},
		2: {StatusUnknown, "", 0, ""},
	}
	for _, o := range seed {
		w := want[o.Job.Index]
		http, code := o.ErrorFields()
		if o.Status != w.status || o.Result.ObjectID != w.objectID || http != w.http || code != w.code || o.Key() != o.Job.Key() {
			t.Fatalf("seed outcome %+v, want %+v", o, w)
		}
	}
	// The carried-over outcome the run reports is the seed itself, so the
	// result file does not hold it twice.
	o := *presets[0].Outcome
	o.Job = done
	if !reflect.DeepEqual(o, seed[0]) {
		t.Fatalf("carried outcome %+v differs from its seed %+v", o, seed[0])
	}
}

func TestCompactJournalForgetsJobsNoLongerInTheManifest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.journal")
	gone, kept, started := tab(t, 0, "Gone"), tab(t, 1, "Kept"), tab(t, 2, "Started")
	all := []*manifest.Job{gone, kept, started}
	keys := JobKeys(all)
	j, _ := openTestJournal(t, path, JournalOptions{})
	for _, jb := range all {
		j.Start(keys[jb.Index], jb)
	}
	j.End(keys[0], Outcome{Job: gone, Status: StatusOK})
	j.End(keys[1], Outcome{Job: kept, Status: StatusOK, Attempts: 2, Result: actionsResult("ACTIVE_US!10007")})
	j.Close()

	now := []*manifest.Job{kept, started}
	if err := j.Compact(now, keys); err != nil {
		t.Fatal(err)
	}
	jf, err := readJournalFile(path)
	if err != nil {
		t.Fatal(err)
	}
	entries := jf.entries
	if _, ok := entries[keys[0]]; ok || len(entries) != 2 {
		t.Fatalf("entries after compaction: %v", entries)
	}
	if e := entries[keys[1]]; e.End == nil || e.End.ObjectID != "ACTIVE_US!10007" || e.End.Attempts != 2 {
		t.Fatalf("kept job lost its outcome: %+v", e)
	}
	if e := entries[keys[2]]; !e.Started || e.End != nil {
		t.Fatalf("started job lost its start: %+v", e)
	}
	if h := jf.header; h == nil || h.Service == nil || !h.Service.same(tenant) {
		t.Fatalf("compaction lost the journal's service: %+v", h)
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
	jf, err := parseJournal(strings.NewReader(buf.String()), "j")
	if err != nil {
		t.Fatal(err)
	}
	p := Presets([]*manifest.Job{alias}, keys, jf.entries, false)
	if !p[0].MaybeDone || p[0].Outcome != nil {
		t.Fatalf("preset %+v", p[0])
	}
	// On the rerun, the alias the pre-read lists is the one the earlier
	// run's attempt made: that attempt's success, with no create call.
	fc := newFake()
	fc.aliases = []wire.LookupAlias{{ID: "PAR", Enabled: ptr(true), HIPAA: ptr(false)}}
	col, err := runJobs(t, context.Background(), fc, []*manifest.Job{alias}, func(o *Options) { o.Preset = p })
	if err != nil || col.out[0].Status != StatusOK || !strings.Contains(col.out[0].Result.Note, "earlier attempt") {
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
	if err != nil || col.out[0].Status != StatusFailed {
		t.Fatalf("%v %+v", err, col.out[0])
	}
}
