package manifest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fuzz tests feed arbitrary bytes to the readers, as a CSV file and as
// a YAML manifest: no input may panic, hang or fail with anything but
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
