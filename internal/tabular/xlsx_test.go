package tabular

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// A zip whose directory alone is larger than the budget is refused before
// its entries are kept (the zip reader keeps five times the directory).
func TestZipDirectoryBounded(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		if _, err := zw.Create(name); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 200 {
		if _, err := zw.Create(fmt.Sprintf("docProps/%0200d.xml", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "users.xlsx")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func(n int64) { zipDirectoryBudget = n }(zipDirectoryBudget)
	zipDirectoryBudget = 32 << 10
	_, err := Open(path, Options{MaxCellBytes: 32 << 10, MaxColumns: 512, MaxXLSXBytes: 1 << 30})
	var p *Problem
	if !errors.As(err, &p) || p.Message != "is not a workbook Excel would write: its zip directory is larger than 32768 bytes" {
		t.Fatalf("Open: %v", err)
	}
	// Within the default budget the same directory is read, and what it
	// lacks is what is said.
	zipDirectoryBudget = 4 << 20
	if _, err := Open(path, Options{MaxCellBytes: 32 << 10, MaxColumns: 512, MaxXLSXBytes: 1 << 30}); !errors.As(err, &p) || p.Message == "" ||
		bytes.Contains([]byte(p.Message), []byte("zip directory")) {
		t.Fatalf("Open within the budget: %v", err)
	}
}
