package manifest

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// The benchmarks compare `bulk validate` on a million create-user rows with
// a plain encoding/csv read of the same file (bench/validate.sh runs both
// as programs and records peak memory in BENCHMARKS.md).

const benchRows = 1_000_000

func benchFile(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "users.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := WriteCreateUserCSV(w, benchRows); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

func BenchmarkValidateCSV1M(b *testing.B) {
	path := benchFile(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sum, err := Validate(context.Background(), []string{path}, Options{Action: "create-user"}, nil)
		if err != nil {
			b.Fatal(err)
		}
		if sum.Jobs != benchRows || sum.Errors != 0 {
			b.Fatalf("summary %+v", sum)
		}
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkPlainCSVRead1M(b *testing.B) {
	path := benchFile(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, err := PlainCSVRead(path)
		if err != nil {
			b.Fatal(err)
		}
		if n != benchRows+1 {
			b.Fatalf("%d records", n)
		}
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// PlainCSVRead is the baseline: encoding/csv reading every record of a
// file, nothing else.
func PlainCSVRead(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 64<<10))
	n := 0
	for {
		_, err := r.Read()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// WriteCreateUserCSV writes a create-user CSV of n valid, distinct rows: the
// input of the validation benchmark. bench/validate.sh writes the same file
// with awk.
func WriteCreateUserCSV(w io.Writer, n int) error {
	if _, err := io.WriteString(w, "full_name,id,email,is_external,preferred_library,role,ignore_if_user_already_exists\n"); err != nil {
		return err
	}
	libs := []string{"ACTIVE_US", "ACTIVE_UK"}
	roles := []string{"ATTORNEY", "PARALEGAL", "SECRETARY", "READ_ONLY"}
	for i := 0; i < n; i++ {
		if _, err := fmt.Fprintf(w, "\"User %07d, Test\",U%07d,user%07d@firm.com,%s,%s,%s,yes\n",
			i, i, i, []string{"false", "no"}[i%2], libs[i%2], roles[i%4]); err != nil {
			return err
		}
	}
	return nil
}
