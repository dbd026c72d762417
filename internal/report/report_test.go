package report

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/firmtools/bulk/internal/diskfull"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sampleRows() []Row {
	rows := []Row{
		{Source: "b.csv", Row: 2, Action: "add-tab", Key: "ACTIVE_US!1000/Pleadings", Status: StatusOK, Attempts: 1,
			ObjectID: "ACTIVE_US!10001", Output: `{"name":"Pleadings"}`},
		{Source: "a.csv", Row: 3, Action: "create-user", Key: "=HYPERLINK(\"http://evil\")", Status: StatusFailed, Attempts: 2,
			HTTPStatus: "400", ErrorCode: "VALIDATION_FAILED", Error: "password: S3cret-Passw0rd! is too weak"},
		{Source: "a.csv", Row: 2, Action: "create-user", Key: "JDOE", Status: StatusOK, Attempts: 1,
			UserCreated: "true", UserNum: "1042", ObjectID: "JDOE"},
		{Source: "a.csv", Row: 4, Action: "add-folder", Key: "+cmd", Status: StatusUnknown, Attempts: 1,
			Error: "-1+1 @SUM(A1) \tx"},
		{Source: "a.csv", Row: 5, Action: "add-folder", Key: "@x", Status: StatusSkipped, Error: "\rcarriage"},
	}
	for i := range rows {
		rows[i].Index = i // each its own job
	}
	return rows
}

func TestResultCSVGolden(t *testing.T) {
	rows := sampleRows()
	SortRows(rows)
	red := &Redactor{}
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
	s.Count("add-tab", StatusOK)
	s.Count("add-tab", StatusUnknown)
	s.Count("create-user", StatusFailed)
	s.Count("create-user", StatusSkipped)
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
}

func TestWriterNeverLeavesHalfARow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	rows := sampleRows()
	// Room for the first row and part of the second.
	w, err := Create(path, nil, Options{Wrap: func(f io.Writer) io.Writer { return diskfull.After(f, 100) }})
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
	again.Status, again.Error, again.HTTPStatus, again.ErrorCode = StatusOK, "", "", ""
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
		if r.Status != StatusOK {
			t.Fatalf("the repeated job kept its earlier row: %+v", r)
		}
	}
}
