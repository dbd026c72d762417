package report

import (
	"archive/zip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/tabular"
)

// readTable reads a file bulk wrote as bulk reads a manifest: every
// record, the header first.
func readTable(t *testing.T, path string) [][]string {
	t.Helper()
	tb, err := tabular.Open(path, tabular.Options{MaxCellBytes: 1 << 20, MaxColumns: 512, MaxXLSXBytes: 1 << 30})
	if err != nil {
		t.Fatalf("bulk cannot read its own %s: %v", path, err)
	}
	defer tb.Close()
	var out [][]string
	for {
		rec, err := tb.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("reading %s: %v", path, err)
		}
		out = append(out, slices.Clone(rec))
	}
}

// sheetXML is the first worksheet of a workbook, as stored.
func sheetXML(t *testing.T, path string) string {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, f := range z.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			r, _ := f.Open()
			b, _ := io.ReadAll(r)
			return string(b)
		}
	}
	t.Fatalf("%s has no first sheet", path)
	return ""
}

// A workbook result file: every row appended to the CSV beside it while
// the run lasts (a crash loses no finished row), then the workbook written
// whole and the CSV removed; header frozen and filtered, every cell text,
// the status cells coloured, the widths fitted.
func TestWorkbookResultFile(t *testing.T) {
	dir := t.TempDir()
	path, partial := filepath.Join(dir, "r.xlsx"), filepath.Join(dir, "r.partial.csv")
	if _, err := Create(path, nil, Options{}); err == nil {
		t.Fatal("a workbook without a CSV for the rows in progress was accepted")
	}
	rows := sampleRows()
	w, err := Create(path, nil, Options{Seed: rows[:1], Partial: partial})
	if err != nil {
		t.Fatal(err)
	}
	if got := readTable(t, path); len(got) != 2 {
		t.Fatalf("the seeded workbook holds %d records, want the header and the seed row", len(got))
	}
	for _, r := range rows[1:] {
		if err := w.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := ReadFile(partial); err != nil || len(got) != len(rows) {
		t.Fatalf("while the run lasts %s holds %d rows (%v), want %d", partial, len(got), err, len(rows))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(partial); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s is still there once the workbook holds every row: %v", partial, err)
	}
	got := readTable(t, path)
	sorted := slices.Clone(rows)
	sortRows(sorted)
	want := resultTable(sorted, nil)
	if !slices.Equal(got[0], want.header) || len(got) != len(rows)+1 {
		t.Fatalf("workbook header %q, %d records", got[0], len(got))
	}
	for i, r := range want.rows {
		for len(r) > 0 && r[len(r)-1] == "" { // a record ends at its last cell
			r = r[:len(r)-1]
		}
		if !slices.Equal(got[i+1], r) {
			t.Errorf("row %d reads back as\n %q\nwritten\n %q", i, got[i+1], r)
		}
	}
	xml := sheetXML(t, path)
	for _, want := range []string{`state="frozen"`, `ySplit="1"`, `<autoFilter ref="$A$1:$R$6">`, `customWidth="1"`} {
		if !strings.Contains(xml, want) {
			t.Errorf("the sheet lacks %s", want)
		}
	}
	// The columns are listed in order, one each (Excel repairs a sheet whose
	// aren't, calling it damaged).
	cols := regexp.MustCompile(`<col min="(\d+)" max="(\d+)"`).FindAllStringSubmatch(xml, -1)
	for i, c := range cols {
		if c[1] != strconv.Itoa(i+1) || c[2] != c[1] {
			t.Fatalf("column entry %d is %s: want the columns in order, min and max %d", i, c[0], i+1)
		}
	}
	if len(cols) != len(want.header) {
		t.Fatalf("%d column entries for %d columns", len(cols), len(want.header))
	}
	// Every cell is a string: nothing is a number or a formula.
	cells := regexp.MustCompile(`<c [^>]*>`).FindAllString(xml, -1)
	for _, c := range cells {
		if !strings.Contains(c, ` t="inlineStr"`) {
			t.Fatalf("a cell not stored as text: %s", c)
		}
	}
	if len(cells) < len(rows)*5 {
		t.Fatalf("only %d cells in the sheet", len(cells))
	}
	if strings.Contains(xml, "<f>") {
		t.Fatal("the sheet holds a formula")
	}
	checkStatusColours(t, path, len(rows))
}

// checkStatusColours: each status cell is filled by what is to be done
// about it, and the columns are formatted as text.
func checkStatusColours(t *testing.T, path string, n int) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	col, _ := excelize.ColumnNumberToName(statusColumn() + 1)
	for row := 2; row <= n+1; row++ {
		cell := col + strconv.Itoa(row)
		v, _ := f.GetCellValue(sheet, cell)
		id, err := f.GetCellStyle(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		want := followUpFill[executor.Status(v).FollowUp()]
		if len(st.Fill.Color) != 1 || !strings.EqualFold(st.Fill.Color[0], want) || st.NumFmt != textFormat {
			t.Errorf("%s (%s): fill %v, number format %d; want %s, text", cell, v, st.Fill.Color, st.NumFmt, want)
		}
	}
	w, err := f.GetColWidth(sheet, "A")
	if err != nil || w < minWidth || w > maxWidth {
		t.Errorf("column A is %v wide (%v)", w, err)
	}
}

// A cell longer than Excel keeps is cut with a note, never silently.
func TestWorkbookCellsAreCutWithANote(t *testing.T) {
	long := strings.Repeat("é", maxCellChars+10)
	got := fitCell(long)
	if utf16Len(got) > maxCellChars || !strings.HasSuffix(got, cutNote) {
		t.Fatalf("a cut cell is %d UTF-16 units, ends %q", utf16Len(got), got[len(got)-40:])
	}
	if fitCell("short") != "short" {
		t.Fatal("a short cell was changed")
	}
	// Characters beyond the basic plane count twice, as Excel counts them.
	emoji := strings.Repeat("😀", maxCellChars/2+1)
	if utf16Len(fitCell(emoji)) > maxCellChars {
		t.Fatal("a cell of emoji is over what Excel keeps")
	}
}

// bulk reads its own CSV outputs (a byte-order mark, CRLF, quoted line
// breaks) as it reads a manifest: the cells it wrote.
func TestBulkReadsItsOwnCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.csv")
	rows := sampleRows()
	rows[0].Note = "two\nlines, and \"quotes\""
	want := resultTable(rows, nil)
	if err := writeTable(path, CSV, want); err != nil {
		t.Fatal(err)
	}
	got := readTable(t, path)
	if !slices.Equal(got[0], want.header) || len(got) != len(rows)+1 {
		t.Fatalf("header %q, %d records", got[0], len(got))
	}
	for i, r := range want.rows {
		for c := range r {
			r[c] = strings.ReplaceAll(r[c], "\r", "\n") // a lone carriage return is written as a line break
		}
		if !slices.Equal(got[i+1], r) {
			t.Errorf("row %d reads back as\n %q\nwritten\n %q", i, got[i+1], r)
		}
	}
}
