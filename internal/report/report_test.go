package report

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/diskfull"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/secret"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sampleRows() []Row {
	rows := []Row{
		{Source: "b.csv", Row: 2, Action: "add-tab", Key: "ACTIVE_US!1000/Pleadings", Status: executor.StatusOK, Attempts: 1,
			ObjectID: "ACTIVE_US!10001", Name: "Pleadings", Workspace: "-Smith v Jones", URL: "https://dms.example.com/tab/10001",
			Output: `{"name":"Pleadings"}`},
		{Source: "a.csv", Row: 3, Action: "create-user", Key: "=HYPERLINK(\"http://evil\")", Status: executor.StatusFailed, Attempts: 2,
			HTTPStatus: "400", ErrorCode: "VALIDATION_FAILED", Error: "password: S3cret-Passw0rd! is too weak"},
		{Source: "a.csv", Row: 2, Action: "create-user", Key: "JDOE", Status: executor.StatusOK, Attempts: 1,
			UserCreated: "true", UserNum: "1042", ObjectID: "JDOE", Name: "Zoë Doe", Email: "zoe@firm.com"},
		{Source: "a.csv", Row: 4, Action: "add-folder", Key: "+cmd", Status: executor.StatusUnknown, Attempts: 1,
			Error: "-1+1 @SUM(A1) \tx"},
		{Source: "a.csv", Row: 5, Action: "add-folder", Key: "@x", Status: executor.StatusSkipped, Error: "\rcarriage"},
	}
	for i := range rows {
		rows[i].Index = i // each its own job
	}
	return rows
}

func TestResultCSVGolden(t *testing.T) {
	rows := sampleRows()
	sortRows(rows)
	red := &secret.Redactor{}
	red.Add("S3cret-Passw0rd!")
	var buf bytes.Buffer
	if err := Write(&buf, rows, red); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "results.golden.csv")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("result CSV differs from %s:\n%s", golden, buf.String())
	}
	out := buf.String()
	if strings.Contains(out, "S3cret-Passw0rd!") {
		t.Fatal("a secret reached the result CSV")
	}
	for _, line := range strings.Split(out, "\n")[1:] {
		for _, cell := range strings.Split(line, ",") {
			cell = strings.TrimPrefix(cell, `"`)
			if cell != "" && strings.ContainsAny(cell[:1], "=+-@") {
				t.Fatalf("cell %q would be read as a formula", cell)
			}
		}
	}
}

func TestNeutralise(t *testing.T) {
	cases := map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@A": "'@A", "\tx": "'\tx", "\rx": "'\rx",
		"plain": "plain", "": "", "a=b": "a=b", "ACTIVE_US!1": "ACTIVE_US!1",
	}
	for in, want := range cases {
		if got := Neutralise(in); got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriterAppendsThenSorts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	w, err := Create(path, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := sampleRows()
	for i, r := range rows[:3] {
		if err := w.Add(r); err != nil {
			t.Fatal(err)
		}
		// Every finished row is on disk before the run ends.
		got, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != i+1 {
			t.Fatalf("after %d adds the file holds %d rows", i+1, len(got))
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Source != "a.csv" || got[0].Row != 2 || got[2].Source != "b.csv" {
		t.Fatalf("not sorted by source and row: %+v", got)
	}
}

func TestSummaryCounts(t *testing.T) {
	var s Summary
	s.Count("add-tab", executor.StatusOK)
	s.Count("add-tab", executor.StatusUnknown)
	s.Count("create-user", executor.StatusFailed)
	s.Count("create-user", executor.StatusSkipped)
	if s.Total.Total() != 4 || s.Actions["add-tab"].Unknown != 1 || s.Actions["create-user"].Failed != 1 {
		t.Fatalf("%+v", s)
	}
	var buf bytes.Buffer
	s.Calls = 121
	s.Finish(2 * 60e9)
	s.WriteText(&buf)
	if !strings.Contains(buf.String(), "60.0 calls/min") {
		t.Fatalf("summary text: %s", buf.String())
	}
	// A run shorter than the limit's window has no pace per minute to
	// speak of: 8 calls in 8 ms is not 60,000 a minute against 100.
	short := Summary{Calls: 8, RateLimit: "100/60s", Window: time.Minute}
	short.Finish(8 * time.Millisecond)
	buf.Reset()
	short.WriteText(&buf)
	if got := buf.String(); !strings.Contains(got, "within one window of --rate-limit 100/60s") || strings.Contains(got, "calls/min") {
		t.Fatalf("summary text of a short run: %s", got)
	}
	// And the pacing's own lines: the pace lowered, the outages.
	short.SlowedTo, short.Outages, short.OutageSeconds = "35 calls per 1m0s", 2, 42
	buf.Reset()
	short.WriteText(&buf)
	for _, want := range []string{"the service throttled inside --rate-limit 100/60s: the pace was lowered, to 35 calls per 1m0s at its lowest",
		"the service failed for every job 2 time(s), 42s in all"} {
		if !strings.Contains(buf.String(), want) {
			t.Fatalf("summary text lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestWriterNeverLeavesHalfARow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	rows := sampleRows()
	// Room for the first row and part of the second.
	w, err := Create(path, nil, Options{Wrap: func(f io.Writer) io.Writer { return diskfull.After(f, 200) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(rows[0]); err != nil {
		t.Fatalf("the first row fits: %v", err)
	}
	err = w.Add(rows[1])
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), path) {
		t.Fatalf("a failed write: %v, want ENOSPC naming %s", err, path)
	}
	if err := w.Add(rows[2]); err == nil {
		t.Fatal("a row was appended after a failed one")
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatalf("the file after a failed write: %v", err)
	}
	if len(got) != 1 || got[0].Key != rows[0].Key {
		t.Fatalf("after a failed write the file holds %+v, want the first row only", got)
	}
	// Close writes the whole sorted file through a new file when it can.
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := ReadFile(path); len(got) != 3 {
		t.Fatalf("the sorted file holds %d rows, want 3", len(got))
	}
}

func TestWriterStartsFromTheSeedAndReplacesItsRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	rows := sampleRows()
	carried, repeated := rows[0], rows[1] // repeated failed earlier and runs again
	w, err := Create(path, nil, Options{Seed: []Row{carried, repeated}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := ReadFile(path); len(got) != 2 {
		t.Fatalf("the seeded file holds %d rows before anything ran, want 2", len(got))
	}
	if err := w.Add(carried); err != nil { // carried over: already there
		t.Fatal(err)
	}
	again := repeated
	again.Status, again.Error, again.HTTPStatus, again.ErrorCode = executor.StatusOK, "", "", ""
	if err := w.Add(again); err != nil {
		t.Fatal(err)
	}
	if got, _ := ReadFile(path); len(got) != 3 {
		t.Fatalf("while running the file holds %d rows, want the 2 seeded and the repeated job's new one", len(got))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := ReadFile(path)
	if len(got) != 2 {
		t.Fatalf("after Close %d rows, want one per job: %+v", len(got), got)
	}
	for _, r := range got {
		if r.Status != executor.StatusOK {
			t.Fatalf("the repeated job kept its earlier row: %+v", r)
		}
	}
}

// What the file holds reads back as what was written, column by column,
// found by name; a cell that is not a number where one belongs is refused
// with its line.
func TestResultFileReadsBackWhatItWrote(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	rows := sampleRows()
	if err := writeTable(path, CSV, resultTable(rows, nil)); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil || len(got) != len(rows) {
		t.Fatalf("%d rows, %v", len(got), err)
	}
	for i := range rows {
		// A carriage return reads back as the line break it stands for.
		want := strings.ReplaceAll(strings.Join(rows[i].cells(nil), "|"), "\r", "\n")
		if a, b := strings.Join(got[i].cells(nil), "|"), want; a != b {
			t.Fatalf("row %d reads back as\n%s\nwritten\n%s", i, a, b)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("source,row,status\na.csv,2,ok\na.csv,x,ok\n"), 0o644)
	if _, err := ReadFile(bad); err == nil || !strings.Contains(err.Error(), `line 3: row "x" is not a number`) {
		t.Fatalf("a bad row number: %v", err)
	}
}

func TestRowOfAnOutcome(t *testing.T) {
	spec, _ := actions.Lookup("add-tab")
	j := &manifest.Job{Index: 4, Source: "t.csv", Row: 6, Action: spec, Values: actions.Values{"name": "Pleadings", "parent_id": "ACTIVE_US!1000"}}
	created, num := true, int64(1042)
	o := executor.Outcome{Job: j, Status: executor.StatusFailed, Attempts: 3,
		Err:    &imanage.Error{Op: "addTab", Delivery: imanage.Answered, StatusCode: 404, Code: "CONTAINER_NOT_FOUND"},
		Result: actions.Result{ObjectID: "X", Note: "n", UserCreated: &created, UserNum: &num, Output: map[string]string{"a": "b"}}}
	r := RowOf(o)
	want := Row{Source: "t.csv", Row: 6, Index: 4, Action: "add-tab", Key: j.Key(), Status: executor.StatusFailed, Attempts: 3,
		HTTPStatus: "404", ErrorCode: "CONTAINER_NOT_FOUND", Error: o.Err.Error(), UserCreated: "true", UserNum: "1042",
		ObjectID: "X", Output: `{"a":"b"}`, Note: "n"}
	if r != want {
		t.Fatalf("row\n %+v\nwant\n %+v", r, want)
	}
}

// Every column an action says its result row shows (Spec.Shows) is a
// column of the result file.
func TestEveryColumnAnActionShowsIsAResultColumn(t *testing.T) {
	n := 0
	for _, s := range actions.All() {
		for _, sh := range s.Shows {
			n++
			if !slices.Contains(header(), sh.Column) {
				t.Errorf("%s shows %q, which is not a result column (%v)", s.Name, sh.Column, header())
			}
		}
	}
	if n == 0 {
		t.Fatal("no action shows anything: nothing was checked")
	}
}
