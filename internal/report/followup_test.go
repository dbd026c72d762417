package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/runfiles"
	"github.com/firmtools/bulk/internal/secret"
	"github.com/firmtools/bulk/internal/wire"
)

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(testdataDir, name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from %s:\n%s", name, path, got)
	}
}

// testdataDir is the package's testdata, absolute: the tests below run in
// a directory of their own, so that the files name their manifests
// relatively.
var testdataDir, _ = filepath.Abs("testdata")

// loadIn writes the files into a new working directory and loads the
// manifest.
func loadIn(t *testing.T, files map[string]string, opts manifest.Options, m string) []*manifest.Job {
	t.Helper()
	t.Chdir(t.TempDir())
	for name, content := range files {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := manifest.Load(context.Background(), []string{m}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got.Errors() > 0 {
		t.Fatalf("%v", got.Problems)
	}
	return got.Jobs
}

func outcome(j *manifest.Job, st executor.Status, err string) executor.Outcome {
	o := executor.Outcome{Job: j, Status: st, Attempts: 1}
	if err != "" {
		o.Err = errors.New(err)
	}
	return o
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The failed and unknown files of a CSV manifest: its own columns and
// order, the password blank (and the error says so), references to a job
// that succeeded filled with its answer, cells neutralised, then
// bulk_status and bulk_error; a stale file of a kind this run has no rows
// of is removed; the reads file has one row per item.
func TestFilesBesideACSVManifest(t *testing.T) {
	jobs := loadIn(t, map[string]string{"joiners.csv": "action,ref,id,full_name,email,preferred_library,role,password_create_method,password,name,parent_id,parent_type\n" +
		"create-user,,ZNG,Zoë Ng,zoe@firm.com,ACTIVE_US,ATTORNEY,Create a password,S3cret-Passw0rd!,,\n" +
		"create-user,,=HYPER,-Bad,bad@firm.com,ACTIVE_US,NOPE,,,,\n" +
		"add-tab,pl,,,,,,,,Pleadings,ACTIVE_US!1000\n" +
		"add-folder,,,,,,,,,Sub,${pl.id},Tab\n" +
		"add-tab,lt,,,,,,,,Letters,ACTIVE_US!1002,\n" +
		"add-folder,,,,,,,,,Out,${lt.id},Tab\n"}, manifest.Options{}, "joiners.csv")
	red := &secret.Redactor{}
	red.Add("S3cret-Passw0rd!")
	ok := outcome(jobs[2], executor.StatusOK, "")
	ok.Result.Refs = map[string]string{"name": "Pleadings", "id": "ACTIVE_US!10001"}
	outcomes := []executor.Outcome{
		outcome(jobs[0], executor.StatusFailed, "create-user ZNG: the password S3cret-Passw0rd! is too weak"),
		outcome(jobs[1], executor.StatusConflict, "conflict: @role differs"),
		ok,
		outcome(jobs[3], executor.StatusSkipped, "not started: the run was interrupted"),
		outcome(jobs[4], executor.StatusUnknown, "addTab: no answer"),
		outcome(jobs[5], executor.StatusSkipped, "not started: lt did not succeed"),
	}
	b := &Beside{Loc: runfiles.Locate([]string{"joiners.csv"}, "", "", false), Manifests: []string{"joiners.csv"}, Red: red}
	os.WriteFile("joiners.failed.xlsx", []byte("stale"), 0o644)
	os.WriteFile("joiners.reads.csv", []byte("stale"), 0o644)
	if err := b.Clear(); err != nil {
		t.Fatal(err)
	}
	if exists("joiners.failed.xlsx") || exists("joiners.reads.csv") {
		t.Fatal("Clear left an earlier run's files")
	}
	files, err := b.Write(outcomes)
	if err != nil {
		t.Fatal(err)
	}
	want := []File{{KindFailed, "joiners.failed.csv", 4}, {KindUnknown, "joiners.unknown.csv", 1}}
	if !slices.Equal(files, want) {
		t.Fatalf("wrote %+v, want %+v", files, want)
	}
	failed := readFile(t, "joiners.failed.csv")
	if bytes.Contains(failed, []byte("S3cret")) {
		t.Fatal("a password reached the failed file")
	}
	golden(t, "joiners.failed.golden.csv", failed)
	if !bytes.Contains(failed, []byte("refers to a job that is not in this file and made nothing: ${lt.id} (joiners.csv row 6, which ended unknown)")) {
		t.Fatal("a row that waits for a job outside the file does not say so")
	}
	golden(t, "joiners.unknown.golden.csv", readFile(t, "joiners.unknown.csv"))
	// The same rows from a workbook result file are a workbook.
	b.Loc = runfiles.Locate([]string{"joiners.csv"}, "r.xlsx", "", false)
	if _, err := b.Write(outcomes); err != nil {
		t.Fatal(err)
	}
	csvRows := readTable(t, "joiners.failed.csv")
	if got := readTable(t, "joiners.failed.xlsx"); !slices.EqualFunc(got, csvRows, slices.Equal) {
		t.Fatalf("the workbook holds\n%q\nthe CSV\n%q", got, csvRows)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// A YAML manifest's rows come back as YAML jobs: a source's row with its
// mapping, template and set: applied, a job expanded from libraries: as a
// job of its own, references to jobs that succeeded filled in and those to
// jobs of the file kept with their ref; nothing at a default.
func TestFailedYAMLJobs(t *testing.T) {
	jobs := loadIn(t, map[string]string{
		"hr.csv": "Login,First,Last,Mail\nPKAUR,Priya,Kaur,priya@firm.com\nTNG,Thomas,Nguyen,tom@firm.com\n",
		"migration.yaml": `version: 1
sources:
  - path: hr.csv
    action: create-user
    columns: {id: Login, email: Mail, full_name: "{{.First}} {{.Last}}"}
    set: {preferred_library: ACTIVE_US, role: ATTORNEY}
jobs:
  - {action: add-tab, ref: pl, name: Pleadings, parent_id: ACTIVE_US!1000}
  - {action: add-folder, name: Drafts, parent_id: "${pl.id}", parent_type: Tab}
  - {action: add-tab, ref: lt, name: Letters, parent_id: ACTIVE_US!1001}
  - {action: add-folder, name: "=Outgoing", parent_id: "${lt.id}", parent_type: Tab}
  - action: create-user
    id: LWEBER
    full_name: Lena Weber
    email: lena@firm.com
    preferred_library: ACTIVE_US
    role: ATTORNEY
    libraries: [{library_id: ACTIVE_UK, role: ATTORNEY}]
`}, manifest.Options{}, "migration.yaml")
	byKey := map[string]*manifest.Job{}
	for _, j := range jobs {
		byKey[j.Action.Name+" "+j.Key()] = j
	}
	pl := outcome(byKey["add-tab ACTIVE_US!1000/Pleadings"], executor.StatusOK, "")
	pl.Result.Refs = map[string]string{"id": "ACTIVE_US!10001"}
	outcomes := []executor.Outcome{pl,
		outcome(byKey["add-folder ${pl.id}/Drafts"], executor.StatusFailed, "add-folder: 400"),
		outcome(byKey["add-tab ACTIVE_US!1001/Letters"], executor.StatusFailed, "add-tab: 404"),
		outcome(byKey["add-folder ${lt.id}/=Outgoing"], executor.StatusSkipped, "not started: lt failed"),
		outcome(byKey["create-user PKAUR"], executor.StatusFailed, "create-user PKAUR: 400"),
		outcome(byKey["create-user TNG"], executor.StatusOK, ""),
		outcome(byKey["create-user LWEBER"], executor.StatusOK, ""),
		outcome(byKey["assign-user-to-library LWEBER/ACTIVE_UK"], executor.StatusFailed, "assign: 403"),
	}
	if len(jobs) != len(outcomes) {
		t.Fatalf("%d jobs: %v", len(jobs), byKey)
	}
	b := &Beside{Loc: runfiles.Locate([]string{"migration.yaml"}, "", "", true), Manifests: []string{"migration.yaml"}, Red: &secret.Redactor{}}
	files, err := b.Write(outcomes)
	if err != nil || len(files) != 1 || files[0].Path != "migration.sim.failed.yaml" || files[0].Rows != 5 {
		t.Fatalf("wrote %+v (%v)", files, err)
	}
	out := readFile(t, "migration.sim.failed.yaml")
	golden(t, "migration.failed.golden.yaml", out)
	// It runs as it is: five jobs, the reference to the tab that failed
	// kept, the one to the tab that was made filled.
	again, err := manifest.Load(context.Background(), []string{"migration.sim.failed.yaml"}, manifest.Options{})
	if err != nil || again.Errors() > 0 || len(again.Jobs) != 5 {
		t.Fatalf("the failed file does not run: %v %v", err, again.Problems)
	}
	var keys []string
	for _, j := range again.Jobs {
		keys = append(keys, j.Action.Name+" "+j.Key())
	}
	for _, k := range []string{"add-folder ACTIVE_US!10001/Drafts", "add-folder ${lt.id}/=Outgoing", "create-user PKAUR", "assign-user-to-library LWEBER/ACTIVE_UK"} {
		if !slices.Contains(keys, k) {
			t.Errorf("%q not among the jobs fed back: %q", k, keys)
		}
	}
}

// The reads file: one row per item, the job's key fields, then the item's.
func TestReadsFile(t *testing.T) {
	jobs := loadIn(t, map[string]string{"audit.csv": "action,library_id,lookup_field_id,user_id\n" +
		"get-library-roles,ACTIVE_US,,\nget-lookup-aliases,ACTIVE_US,custom1,\nget-my-matters-categories,,,ASMITH\nget-library-roles,ACTIVE_UK,,\n"},
		manifest.Options{}, "audit.csv")
	desc := "-Umbrella, Corp"
	roles := outcome(jobs[0], executor.StatusOK, "")
	roles.Result.Output = []wire.IDDescription{{ID: "ATTORNEY", Description: "Attorney"}, {ID: "=PARALEGAL", Description: "Paralegal"}}
	aliases := outcome(jobs[1], executor.StatusOK, "")
	b, _ := json.Marshal([]wire.LookupAlias{{ID: "1001", Description: &desc}})
	aliases.Result.Output = json.RawMessage(b) // carried over from the journal
	aliases.CarriedOver = true
	cats := outcome(jobs[2], executor.StatusOK, "")
	cats.Result.Output = []wire.MyMattersCategory{{ID: "ACTIVE_US!9001", Name: "My Matters", CategoryType: "mymatters", Owner: "ASMITH"}}
	failed := outcome(jobs[3], executor.StatusFailed, "403")
	outcomes := []executor.Outcome{roles, aliases, cats, failed}
	be := &Beside{Loc: runfiles.Locate([]string{"audit.csv"}, "", "", false), Manifests: []string{"audit.csv"}, Red: &secret.Redactor{}}
	files, err := be.Write(outcomes)
	if err != nil || !slices.Contains(files, File{KindReads, "audit.reads.csv", 4}) {
		t.Fatalf("wrote %+v (%v)", files, err)
	}
	golden(t, "audit.reads.golden.csv", readFile(t, "audit.reads.csv"))
	if got := RowOf(aliases).Output; got != "1 alias" {
		t.Errorf("the output cell of a read of one alias: %q", got)
	}
	if got := RowOf(roles).Output; got != "2 roles" {
		t.Errorf("the output cell of a read of two roles: %q", got)
	}
}

// A tenant's own properties come back as the MEMBER.NAME keys they were
// given as, and the file runs as it is.
func TestFailedYAMLJobsGiveBackTheTenantsProperties(t *testing.T) {
	jobs := loadIn(t, map[string]string{"aliases.yaml": `version: 1
jobs:
  - {action: create-lookup-alias, library_id: ACTIVE_US, lookup_field_id: custom1, alias: "1009", aliasInfo: {practice_area: Tax, billable: "=1+1"}}
`}, manifest.Options{}, "aliases.yaml")
	b := &Beside{Loc: runfiles.Locate([]string{"aliases.yaml"}, "", "", true), Manifests: []string{"aliases.yaml"}, Red: &secret.Redactor{}}
	if _, err := b.Write([]executor.Outcome{outcome(jobs[0], executor.StatusFailed, "400")}); err != nil {
		t.Fatal(err)
	}
	out := string(readFile(t, "aliases.sim.failed.yaml"))
	if !strings.Contains(out, "aliasInfo.billable: =1+1") || !strings.Contains(out, "aliasInfo.practice_area: Tax") {
		t.Errorf("the properties are not given back as keys:\n%s", out)
	}
	again, err := manifest.Load(context.Background(), []string{"aliases.sim.failed.yaml"}, manifest.Options{})
	if err != nil || again.Errors() > 0 || len(again.Jobs) != 1 || again.Jobs[0].Values["alias_info"] != `{"billable":"=1+1","practice_area":"Tax"}` {
		t.Fatalf("the failed file does not run as it was: %v %v %v", err, again.Problems, again.Jobs)
	}
}
