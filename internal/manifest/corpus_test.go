package manifest

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/unicode"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/corpus")

// corpusCase is one awkward or malformed input. Its golden file
// testdata/corpus/NAME.want holds the exact problems Load reports (sorted,
// one per line, temporary directories written as $TMP) and the job count.
type corpusCase struct {
	name  string
	files []string                                // under testdata/corpus
	gen   func(t *testing.T, dir string) []string // generated inputs (paths), when not committed
	opts  Options
}

var corpusCases = []corpusCase{
	{name: "utf8_bom", files: []string{"utf8_bom.csv"}, opts: Options{Action: "create-user"}},
	{name: "utf16_bom", gen: genUTF16, opts: Options{Action: "create-user"}},
	{name: "crlf", files: []string{"crlf.csv"}, opts: Options{Action: "create-user"}},
	{name: "quoted_newline", files: []string{"quoted_newline.csv"}, opts: Options{Action: "create-user", IgnoreColumns: true}},
	{name: "semicolon", files: []string{"semicolon.csv"}, opts: Options{Action: "create-user"}},
	{name: "tab", files: []string{"tab.tsv"}, opts: Options{Action: "create-user"}},
	{name: "trailing_blank_rows", files: []string{"trailing_blank_rows.csv"}, opts: Options{Action: "create-user"}},
	{name: "windows1252_detected", files: []string{"windows1252.csv"}, opts: Options{Action: "create-user"}},
	{name: "windows1252_declared", files: []string{"windows1252.csv"}, opts: Options{Action: "create-user", Encoding: "windows-1252"}},
	{name: "unknown_column", files: []string{"unknown_column.csv"}, opts: Options{Action: "create-user"}},
	{name: "unknown_column_ignored", files: []string{"unknown_column.csv"}, opts: Options{Action: "create-user", IgnoreColumns: true}},
	{name: "mixed_actions", files: []string{"mixed_actions.csv"}},
	{name: "no_action", files: []string{"no_action.csv"}},
	{name: "set_fills_missing_columns", files: []string{"hr_export.csv"},
		opts: Options{Action: "create-user", IgnoreColumns: true, Set: map[string]string{"Preferred Library": "ACTIVE_US", "role": "ATTORNEY"}}},
	{name: "hr_export_unmapped", files: []string{"hr_export.csv"}, opts: Options{Action: "create-user"}},
	{name: "set_conflict", files: []string{"set_conflict.csv"}, opts: Options{Action: "create-user", Set: map[string]string{"role": "PARALEGAL"}}},
	{name: "wrong_types", files: []string{"wrong_types.csv"}, opts: Options{Action: "add-folder"}},
	{name: "overlong", files: []string{"overlong.csv"}},
	{name: "bad_ids", files: []string{"bad_ids.csv"}},
	{name: "definition_rules", files: []string{"definition_rules.csv"}},
	{name: "duplicates", files: []string{"duplicates.csv"}, opts: Options{Action: "create-user"}},
	{name: "password_never_echoed", files: []string{"password.csv"}, opts: Options{Action: "create-user"}},
	{name: "header_only", files: []string{"header_only.csv"}, opts: Options{Action: "create-user"}},
	{name: "empty", files: []string{"empty.csv"}, opts: Options{Action: "create-user"}},
	{name: "bare_quote", files: []string{"bare_quote.csv"}, opts: Options{Action: "create-user"}},
	{name: "unclosed_quote", files: []string{"unclosed_quote.csv"}, opts: Options{Action: "create-user"}},
	{name: "extra_cells", files: []string{"extra_cells.csv"}, opts: Options{Action: "create-user"}},
	{name: "too_many_rows", files: []string{"many_rows.csv"}, opts: Options{Action: "create-user", Limits: Limits{MaxRows: 2}}},
	{name: "cell_too_large", files: []string{"overlong.csv"}, opts: Options{Limits: Limits{MaxCellBytes: 200}}},
	{name: "too_many_columns", files: []string{"mixed_actions.csv"}, opts: Options{Limits: Limits{MaxColumns: 5}}},
	{name: "refs", files: []string{"refs.yaml"}},
	{name: "alias_bomb", files: []string{"alias_bomb.yaml"}},
	{name: "deep", files: []string{"deep.yaml"}},
	{name: "unknown_keys", files: []string{"unknown_keys.yaml"}},
	{name: "no_version", files: []string{"no_version.yaml"}},
	{name: "version2", files: []string{"version2.yaml"}},
	{name: "not_yaml", files: []string{"not_yaml.yaml"}},
	{name: "two_docs", files: []string{"two_docs.yaml"}},
	{name: "libraries", files: []string{"libraries.yaml"}},
	{name: "sources", files: []string{"sources.yaml"}},
	{name: "binary", gen: genBinary, opts: Options{Action: "create-user"}},
	{name: "xls", gen: genXLS},
	{name: "xlsx", gen: genXLSX, opts: Options{Action: "create-user"}},
	{name: "xlsx_sheet", gen: genXLSX, opts: Options{Action: "create-user", Sheet: "people"}},
	{name: "xlsx_no_such_sheet", gen: genXLSX, opts: Options{Action: "create-user", Sheet: "Peopel"}},
	{name: "xlsx_named_csv", gen: genXLSXAsCSV, opts: Options{Action: "create-user"}},
	{name: "not_a_workbook", gen: genFakeXLSX, opts: Options{Action: "create-user"}},
	{name: "cross_file_duplicates", files: []string{"crlf.csv", "utf8_bom.csv"}, opts: Options{Action: "create-user"}},
}

// paths returns the case's inputs and the temporary directory of the
// generated ones ("" if none).
func (c corpusCase) paths(t *testing.T) ([]string, string) {
	var ps []string
	for _, f := range c.files {
		ps = append(ps, filepath.Join("testdata", "corpus", f))
	}
	tmp := ""
	if c.gen != nil {
		tmp = t.TempDir()
		ps = append(ps, c.gen(t, tmp)...)
	}
	return ps, tmp
}

func TestCorpus(t *testing.T) {
	for _, c := range corpusCases {
		t.Run(c.name, func(t *testing.T) {
			paths, tmp := c.paths(t)
			m, err := Load(context.Background(), paths, c.opts)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			var streamed []Problem
			sum, err := Validate(context.Background(), paths, c.opts, func(p Problem) { streamed = append(streamed, p) })
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			SortProblems(streamed)
			if got, want := problemLines(streamed), problemLines(m.Problems); got != want {
				t.Errorf("Validate and Load disagree:\nValidate:\n%s\nLoad:\n%s", got, want)
			}
			if sum.Jobs != len(m.Jobs) || sum.Errors != m.Errors() || sum.Errors+sum.Warnings != len(m.Problems) {
				t.Errorf("summary %+v, Load has %d jobs, %d problems", sum, len(m.Jobs), len(m.Problems))
			}
			got := problemLines(m.Problems) + fmt.Sprintf("jobs: %d %s\n", len(m.Jobs), perAction(m))
			if tmp != "" {
				got = strings.ReplaceAll(got, tmp+string(filepath.Separator), "$TMP/")
			}
			golden := filepath.Join("testdata", "corpus", c.name+".want")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("problems:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func problemLines(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func perAction(m *Manifest) string {
	counts := map[string]int{}
	for _, j := range m.Jobs {
		counts[j.Action.Name]++
	}
	var parts []string
	for a, n := range counts {
		parts = append(parts, fmt.Sprintf("%s=%d", a, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func genUTF16(t *testing.T, dir string) []string {
	src, err := os.ReadFile(filepath.Join("testdata", "corpus", "crlf.csv"))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes(src)
	if err != nil {
		t.Fatal(err)
	}
	return []string{writeFile(t, dir, "utf16.csv", enc)}
}

func genBinary(t *testing.T, dir string) []string {
	b := make([]byte, 4096)
	for i := range b {
		b[i] = byte(i * 7919 % 251)
	}
	return []string{writeFile(t, dir, "users.csv", b)}
}

func genXLS(t *testing.T, dir string) []string {
	return []string{writeFile(t, dir, "users.xls", append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), make([]byte, 504)...))}
}

func genFakeXLSX(t *testing.T, dir string) []string {
	return []string{writeFile(t, dir, "users.xlsx", []byte("full_name,id\n"))}
}

// xlsxRows are the sheet "people" of the generated workbook; the first
// sheet "notes" holds one line of text.
var xlsxRows = [][]any{
	{"Full Name", "ID", "Email", "Preferred Library", "Role", "Is External"},
	{"Jo Smith", "JSMITH", "jo@firm.com", "ACTIVE_US", "ATTORNEY", true},
	{},
	{"Al Jones", "AJONES", "al@firm", "ACTIVE_US", "ATTORNEY", false},
	{"Bo Lee", 1234, "bo@firm.com", "ACTIVE_US", "ATTORNEY", "maybe"},
}

func makeWorkbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "notes"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellValue("notes", "A1", "Exported from HR"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("people"); err != nil {
		t.Fatal(err)
	}
	for i, row := range xlsxRows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if len(row) > 0 {
			if err := f.SetSheetRow("people", cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func genXLSX(t *testing.T, dir string) []string {
	return []string{writeFile(t, dir, "people.xlsx", makeWorkbook(t))}
}

func genXLSXAsCSV(t *testing.T, dir string) []string {
	return []string{writeFile(t, dir, "people.csv", makeWorkbook(t))}
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
