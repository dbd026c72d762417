package runtest

import (
	"encoding/csv"
	"os"
	"strings"
	"testing"
)

// ReadPasswordFile reads a --generate-passwords file: mode 0600, a
// byte-order mark and CRLF line ends, no cell a spreadsheet would read as a
// formula.
func ReadPasswordFile(t *testing.T, path string) map[string]string {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("%s: mode %o", path, st.Mode().Perm())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(raw), "\n") != strings.Count(string(raw), "\r\n") {
		t.Fatalf("%s: lines do not all end in CRLF", path)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 || strings.Join(recs[0], ",") != "\uFEFFuser_id,password" {
		t.Fatalf("%s: %v %v", path, recs, err)
	}
	out := map[string]string{}
	for _, rec := range recs[1:] {
		for _, cell := range rec {
			if cell != "" && strings.ContainsAny(cell[:1], "=+-@\t\r") {
				t.Fatalf("%s: cell %q would be read as a formula", path, cell)
			}
		}
		out[rec[0]] = rec[1]
	}
	return out
}
