package manifest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fuzz tests feed arbitrary bytes to the readers, as a CSV file, a
// workbook and a YAML manifest: no input may panic, hang or fail with anything but
// problems, and the streaming Validate must agree with Load. The seeds are
// the corpus of awkward inputs (testdata/corpus) and testdata/fuzz.

func addCorpusSeeds(f *testing.F, exts ...string) {
	files, err := os.ReadDir(filepath.Join("testdata", "corpus"))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range files {
		for _, ext := range exts {
			if strings.HasSuffix(e.Name(), ext) {
				b, err := os.ReadFile(filepath.Join("testdata", "corpus", e.Name()))
				if err != nil {
					f.Fatal(err)
				}
				f.Add(b)
			}
		}
	}
}

func checkReader(t *testing.T, name string, data []byte, opts Options) {
	checkReaderPath(t, name, data, opts)
}

// checkReaderPath is checkReader, returning the file's path and what Load
// made of it.
func checkReaderPath(t *testing.T, name string, data []byte, opts Options) (string, *Manifest) {
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Load(context.Background(), []string{path}, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var ps []Problem
	sum, err := Validate(context.Background(), []string{path}, opts, func(p Problem) { ps = append(ps, p) })
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	SortProblems(ps)
	if got, want := problemLines(ps), problemLines(m.Problems); got != want {
		t.Fatalf("Validate and Load disagree:\n%s\n---\n%s", got, want)
	}
	if sum.Jobs != len(m.Jobs) {
		t.Fatalf("Validate counted %d jobs, Load %d", sum.Jobs, len(m.Jobs))
	}
	return path, m
}

func FuzzReadCSV(f *testing.F) {
	addCorpusSeeds(f, ".csv", ".tsv")
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReader(t, "in.csv", data, Options{})
		checkReader(t, "in.csv", data, Options{Action: "add-folder", Limits: Limits{MaxCellBytes: 64, MaxColumns: 16, MaxRows: 50}})
	})
}

func FuzzReadYAML(f *testing.F) {
	addCorpusSeeds(f, ".yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		checkReader(t, "in.yaml", data, Options{Limits: Limits{MaxYAMLNodes: 20000, MaxYAMLDepth: 16}})
	})
}

// FuzzReadXLSX reads arbitrary bytes as a workbook named .xlsx, the way the
// loader does. The seeds are workbooks made by excelize (also stored
// without checksums, so that changes reach the XML) and damaged ones.
func FuzzReadXLSX(f *testing.F) {
	for _, seed := range xlsxSeeds(f) {
		f.Add(seed)
	}
	options := []Options{
		{Action: "create-user"},
		{Sheet: "people", Limits: Limits{MaxCellBytes: 64, MaxColumns: 16, MaxRows: 50, MaxXLSXBytes: 1 << 20}},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// One set of options per input, chosen by its length, which the
		// fuzzer changes often: a workbook takes a few milliseconds to open.
		path, m := checkReaderPath(t, "in.xlsx", data, options[len(data)%len(options)])
		if len(m.Jobs) == 0 && len(m.Problems) == 0 {
			t.Fatal("neither jobs nor problems")
		}
		for _, p := range m.Problems {
			if p.File != path {
				t.Fatalf("problem not about %s: %v", path, p)
			}
		}
	})
}
