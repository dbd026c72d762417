package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sampleRows() []Row {
	return []Row{
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
	w, err := Create(path, nil)
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
