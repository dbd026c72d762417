package manifest

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/firmtools/bulk/internal/tabular"
)

// Every workbook here is made by excelize in the test, and the damaged ones
// by rewriting its zip: no binary file is committed.

// newWorkbook returns the bytes of a workbook that build fills in; its
// only sheet is "Sheet1".
func newWorkbook(t testing.TB, build func(f *excelize.File) error) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if build != nil {
		if err := build(f); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withRows fills Sheet1 from A1, one slice per row (nil: a blank row).
func withRows(rows ...[]any) func(f *excelize.File) error {
	return func(f *excelize.File) error {
		for i, r := range rows {
			if r == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
				return err
			}
		}
		return nil
	}
}

// rezip rewrites a workbook's parts: edit returns a part's new content, or
// nil to leave it out; extra parts are added at the end.
func rezip(t testing.TB, b []byte, edit func(name string, data []byte) []byte, extra map[string][]byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name string, data []byte) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range zr.File {
		rc, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			data = edit(e.Name, data)
		}
		if data != nil {
			put(e.Name, data)
		}
	}
	for name, data := range extra {
		put(name, data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// storedWithoutCRC rewrites a workbook with its parts stored, not
// compressed, and no checksums, which the zip reader then does not check:
// a fuzzer's change to the XML reaches excelize.
func storedWithoutCRC(t testing.TB, b []byte) []byte {
	t.Helper()
	return rezipWith(t, b, func(zw *zip.Writer, name string, data []byte) {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store,
			CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(data))})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	})
}

// withBadChecksum stores part (adding it when the workbook has none) with
// a wrong checksum.
func withBadChecksum(t testing.TB, b []byte, part string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("<x/>")
	for _, e := range zr.File {
		if e.Name == part {
			rc, _ := e.Open()
			data, _ = io.ReadAll(rc)
			rc.Close()
			continue
		}
		if err := zw.Copy(e); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: part, Method: zip.Store, CRC32: 1,
		CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rezipWith writes each part of a workbook again with put.
func rezipWith(t testing.TB, b []byte, put func(zw *zip.Writer, name string, data []byte)) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range zr.File {
		rc, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		put(zw, e.Name, data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// editPart replaces old with new in one part.
func editPart(part, old, new string) func(string, []byte) []byte {
	return func(name string, data []byte) []byte {
		if name == part {
			return []byte(strings.Replace(string(data), old, new, 1))
		}
		return data
	}
}

// loadBytes writes data to dir/name and loads it; Validate must agree. It
// returns the manifest and its problems, one a line, dir written as $TMP.
func loadBytes(t *testing.T, name string, data []byte, opts Options) (*Manifest, string) {
	t.Helper()
	dir := t.TempDir()
	path := writeFile(t, dir, name, data)
	m, err := Load(context.Background(), []string{path}, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var streamed []Problem
	if _, err := Validate(context.Background(), []string{path}, opts, func(p Problem) { streamed = append(streamed, p) }); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	SortProblems(streamed)
	if got, want := problemLines(streamed), problemLines(m.Problems); got != want {
		t.Errorf("Validate and Load disagree:\nValidate:\n%s\nLoad:\n%s", got, want)
	}
	return m, strings.ReplaceAll(problemLines(m.Problems), dir+string(filepath.Separator), "$TMP/")
}

var userHeader = []any{"full_name", "id", "email", "preferred_library", "role"}

// The workbook reader's bounds and advice (internal/tabular), as the
// messages give them. The bound of a zip's directory is tabular's own test.
const (
	xlsxMaxParts    = 10_000
	xlsxMaxPart     = 16 << 20
	encryptedAdvice = "bulk does not open encrypted workbooks; in Excel, clear the password " +
		"(File > Info > Protect Workbook > Encrypt with Password) and save it again, or save the sheet as CSV UTF-8"
)

func TestXLSXProblems(t *testing.T) {
	valid := newWorkbook(t, withRows(userHeader, []any{"Jo Smith", "JSMITH", "jo@firm.com", "ACTIVE_US", "ATTORNEY"}))
	encrypted := func() []byte {
		f := excelize.NewFile()
		defer f.Close()
		var buf bytes.Buffer
		if err := f.Write(&buf, excelize.Options{Password: "s3cret!"}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}()
	manySheets := newWorkbook(t, func(f *excelize.File) error {
		for i := 2; i <= 25; i++ {
			if _, err := f.NewSheet(fmt.Sprintf("Sheet%d", i)); err != nil {
				return err
			}
		}
		return nil
	})
	random := make([]byte, 2048)
	for i := range random {
		random[i] = byte(i*7919%251) ^ 0x5A
	}
	plainZip := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("users.csv")
		io.WriteString(w, "full_name,id\n")
		zw.Close()
		return buf.Bytes()
	}()
	manyParts := func() map[string][]byte {
		m := map[string][]byte{}
		for i := range xlsxMaxParts {
			m[fmt.Sprintf("docProps/x%d.xml", i)] = nil
		}
		return m
	}()
	bigPicture := map[string][]byte{"xl/media/image1.png": make([]byte, xlsxMaxPart+1)}
	user := Options{Action: "create-user"}

	cases := []struct {
		name string
		file string
		data []byte
		opts Options
		want string
	}{
		{name: "csv renamed", file: "users.xlsx", data: []byte("full_name,id\nJo Smith,JSMITH\n"), opts: user,
			want: "$TMP/users.xlsx: is named .xlsx but is not an Excel workbook (not a zip file): it looks like text; if it is CSV, rename it .csv\n"},
		{name: "random bytes", file: "users.xlsx", data: random, opts: user,
			want: "$TMP/users.xlsx: is named .xlsx but is not an Excel workbook (not a zip file)\n"},
		{name: "zip signature then garbage", file: "users.xlsx", data: append([]byte("PK\x03\x04"), random...), opts: user,
			want: "$TMP/users.xlsx: is a damaged workbook (its zip container: zip: not a valid zip file): open it in Excel and save it again\n"},
		{name: "truncated", file: "users.xlsx", data: valid[:len(valid)/2], opts: user,
			want: "$TMP/users.xlsx: is a damaged workbook (its zip container: zip: not a valid zip file): open it in Excel and save it again\n"},
		// A part that is not read does not matter; the sheet's checksum is
		// checked as it is read, to its end.
		{name: "bad checksum of a part not read", file: "users.xlsx", data: withBadChecksum(t, valid, "docProps/custom.xml"), opts: user,
			want: ""},
		{name: "bad checksum of the sheet", file: "users.xlsx", data: withBadChecksum(t, valid, "xl/worksheets/sheet1.xml"), opts: user,
			want: "$TMP/users.xlsx:3: sheet \"Sheet1\": the workbook is damaged (zip: checksum error): open it in Excel and save it again\n"},
		{name: "encrypted", file: "users.xlsx", data: encrypted, opts: user,
			want: "$TMP/users.xlsx: is a password-protected (encrypted) workbook: " + encryptedAdvice + "\n"},
		{name: "encrypted named csv", file: "users.csv", data: encrypted, opts: user,
			want: "$TMP/users.csv: is a password-protected (encrypted) workbook: " + encryptedAdvice + "\n"},
		{name: "zip but not a workbook", file: "users.xlsx", data: plainZip, opts: user,
			want: "$TMP/users.xlsx: is a zip archive, not an Excel workbook (it has no [Content_Types].xml): a CSV, .xlsx or YAML manifest was expected\n"},
		{name: "no sheets", file: "users.xlsx", opts: user,
			data: rezip(t, valid, editPart("xl/workbook.xml", `<sheet name="Sheet1" sheetId="1" r:id="rId1"></sheet>`, ""), nil),
			want: "$TMP/users.xlsx: the workbook has no sheets: is it an Excel workbook?\n"},
		{name: "empty workbook", file: "users.xlsx", data: newWorkbook(t, nil), opts: user,
			want: "$TMP/users.xlsx: is empty: a header row naming the columns was expected\n"},
		{name: "header only", file: "users.xlsx", data: newWorkbook(t, withRows(userHeader)), opts: user,
			want: "$TMP/users.xlsx: warning: has a header but no rows\n"},
		{name: "no such sheet", file: "users.xlsx", data: valid, opts: Options{Action: "create-user", Sheet: "Sheet 1"},
			want: "$TMP/users.xlsx: the workbook has no sheet \"Sheet 1\"; its sheets are \"Sheet1\"; did you mean \"Sheet1\"?\n"},
		{name: "no such sheet among many", file: "users.xlsx", data: manySheets, opts: Options{Action: "create-user", Sheet: "People"},
			want: "$TMP/users.xlsx: the workbook has no sheet \"People\"; its sheets are \"Sheet1\", \"Sheet2\", \"Sheet3\", \"Sheet4\", " +
				"\"Sheet5\", \"Sheet6\", \"Sheet7\", \"Sheet8\", \"Sheet9\", \"Sheet10\", \"Sheet11\", \"Sheet12\", \"Sheet13\", \"Sheet14\", " +
				"\"Sheet15\", \"Sheet16\", \"Sheet17\", \"Sheet18\", \"Sheet19\", \"Sheet20\" and 5 more\n"},
		{name: "damaged workbook part", file: "users.xlsx", opts: user,
			data: rezip(t, valid, editPart("xl/workbook.xml", "<sheets>", "<sheets><<"), nil),
			want: "$TMP/users.xlsx: is a damaged workbook (its part xl/workbook.xml has </sheet> where </<<sheet> was expected): open it in Excel and save it again\n"},
		{name: "sheet cut short", file: "users.xlsx", opts: user,
			data: rezip(t, valid, func(name string, data []byte) []byte {
				if name == "xl/worksheets/sheet1.xml" {
					return data[:bytes.Index(data, []byte(`<row r="2"`))+20]
				}
				return data
			}, nil),
			want: "$TMP/users.xlsx:2: sheet \"Sheet1\": the workbook is damaged (its part xl/worksheets/sheet1.xml ends before its XML does): open it in Excel and save it again\n"},
		{name: "sheet not UTF-8", file: "users.xlsx", opts: user,
			data: rezip(t, valid, editPart("xl/worksheets/sheet1.xml", `<c r="A2" t="s"><v>5</v></c>`,
				"<c r=\"A2\" t=\"inlineStr\"><is><t>Jo Sm\xefth</t></is></c>"), nil),
			want: "$TMP/users.xlsx:2: sheet \"Sheet1\": the workbook is damaged (its part xl/worksheets/sheet1.xml is not UTF-8): open it in Excel and save it again\n"},
		{name: "control character in a shared string", file: "users.xlsx", opts: user,
			data: rezip(t, valid, editPart("xl/sharedStrings.xml", "<t>Jo Smith</t>", "<t>Jo\x01Smith</t>"), nil),
			want: "$TMP/users.xlsx: is a damaged workbook (its part xl/sharedStrings.xml has the control character 0x01, which XML does not allow): " +
				"open it in Excel and save it again\n"},
		{name: "damaged cell reference", file: "users.xlsx", opts: user,
			data: rezip(t, valid, editPart("xl/worksheets/sheet1.xml", `r="A2"`, `r="A0"`), nil),
			want: "$TMP/users.xlsx:2: sheet \"Sheet1\": cell \"A0\" is not in row 2: the workbook is damaged: open it in Excel and save it again\n"},
		{name: "row beyond the last", file: "users.xlsx", opts: user,
			data: rezip(t, valid, editPart("xl/worksheets/sheet1.xml", `<row r="2"`, `<row r="1048577"`), nil),
			want: "$TMP/users.xlsx:2: sheet \"Sheet1\": a row is numbered beyond Excel's last row, 1048576: the workbook is damaged\n"},
		{name: "too many parts", file: "users.xlsx", data: rezip(t, valid, nil, manyParts), opts: user,
			want: fmt.Sprintf("$TMP/users.xlsx: is not a workbook Excel would write: it has %d parts; the limit is %d\n", xlsxMaxParts+10, xlsxMaxParts)},
		{name: "large picture", file: "users.xlsx", data: rezip(t, valid, nil, bigPicture), opts: user,
			want: "$TMP/users.xlsx: has a part xl/media/image1.png of 16777217 bytes; the limit for a part other than a sheet is 16777216 " +
				"(a large picture? remove it, or save the sheet as CSV)\n"},
		{name: "unzips beyond the limit", file: "users.xlsx", data: valid, opts: Options{Action: "create-user", Limits: Limits{MaxXLSXBytes: 8000}},
			want: "$TMP/users.xlsx: unzips to more than the limit of 8000 bytes for a workbook: split the sheet, or save it as CSV\n"},
		{name: "row too large to read", file: "users.xlsx", opts: Options{Action: "create-user", Limits: Limits{MaxCellBytes: 1000, MaxColumns: 5}},
			data: rezip(t, valid, editPart("xl/worksheets/sheet1.xml", "</sheetData>",
				`<row r="3"><c r="A3" t="inlineStr"><is><t>`+noise(1100_000)+`</t></is></c></row></sheetData>`), nil),
			want: "$TMP/users.xlsx:3: sheet \"Sheet1\" is too large to read safely: it has text of more than 1058576 bytes: split the sheet, or save it as CSV\n"},
		{name: "zip bomb", file: "users.xlsx", opts: user,
			data: rezip(t, valid, editPart("xl/worksheets/sheet1.xml", "</sheetData>", strings.Repeat(`<row r="9"/>`, 200_000)+"</sheetData>"), nil),
			want: "$TMP/users.xlsx: is not a workbook Excel would write: its part xl/worksheets/sheet1.xml unzips from 5031 to 2400714 bytes, 477 times (a zip bomb?)\n"},
		{name: "shared string too large to read", file: "users.xlsx", opts: Options{Action: "create-user", Limits: Limits{MaxCellBytes: 1000}},
			data: rezip(t, valid, editPart("xl/sharedStrings.xml", "<t>Jo Smith</t>", "<t>"+noise(2200_000)+"</t>"), nil),
			want: "$TMP/users.xlsx: is too large to read safely: its part xl/sharedStrings.xml has text of more than 2072576 bytes: " +
				"split the sheet, or save it as CSV\n"},
		{name: "too many rows", file: "users.xlsx", opts: Options{Action: "create-user", Limits: Limits{MaxRows: 2}},
			data: newWorkbook(t, withRows(userHeader, []any{"A", "A1", "a@firm.com", "L", "R"}, []any{"B", "B1", "b@firm.com", "L", "R"}, []any{"C", "C1", "c@firm.com", "L", "R"})),
			want: "$TMP/users.xlsx:4: has more than 2 rows: the rest was not read; split the file or raise --max-rows\n"},
		{name: "cell too large", file: "users.xlsx", opts: Options{Action: "create-user", Limits: Limits{MaxCellBytes: 17}},
			data: newWorkbook(t, withRows(userHeader, []any{"Jo Smith", "JSMITH", "jo.smith.longer@firm.com", "ACTIVE_US", "ATTORNEY"})),
			want: "$TMP/users.xlsx:2:email: cell is 24 bytes; the limit is 17\n"},
		{name: "too many cells", file: "users.xlsx", opts: Options{Action: "create-user", Limits: Limits{MaxColumns: 3}},
			data: newWorkbook(t, withRows(userHeader[:3], []any{"Jo Smith", "JSMITH", "jo@firm.com", "ACTIVE_US", "ATTORNEY"})),
			want: "$TMP/users.xlsx:2: sheet \"Sheet1\": cell D2 has a value, beyond the 3 columns a manifest may have: the rest was not read\n"},
		{name: "row too large", file: "users.xlsx", opts: Options{Action: "create-user", Limits: Limits{MaxCellBytes: 20, MaxColumns: 5}},
			data: newWorkbook(t, withRows(userHeader, []any{strings.Repeat("a", 25), strings.Repeat("b", 25), strings.Repeat("c", 25),
				strings.Repeat("d", 25), strings.Repeat("e", 25)})),
			want: "$TMP/users.xlsx:2: sheet \"Sheet1\": the row has more than 100 bytes of text, more than the limit: the rest was not read\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, got := loadBytes(t, c.file, c.data, c.opts)
			if got != c.want {
				t.Errorf("problems:\n%s\nwant:\n%s", got, c.want)
			}
			for _, p := range m.Problems {
				if p.File == "" {
					t.Errorf("problem without a file: %v", p)
				}
				if strings.Contains(p.Message, "s3cret!") {
					t.Errorf("the password is in a message: %v", p)
				}
			}
		})
	}
}

// sheetCells reads a workbook's sheet as the loader does and returns its
// records, each trimmed of empty trailing cells.
func sheetCells(t *testing.T, data []byte, sheet string) [][]string {
	t.Helper()
	path := writeFile(t, t.TempDir(), "cells.xlsx", data)
	tb, err := tabular.Open(path, tabular.Options{Sheet: sheet, MaxCellBytes: DefaultLimits.MaxCellBytes,
		MaxColumns: DefaultLimits.MaxColumns, MaxXLSXBytes: DefaultLimits.MaxXLSXBytes})
	if err != nil {
		t.Fatalf("tabular.Open: %v", err)
	}
	defer func() {
		if err := tb.Close(); err != nil {
			t.Error(err)
		}
	}()
	var out [][]string
	for {
		rec, err := tb.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("row %d: %v", tb.Row(), err)
		}
		for len(rec) > 0 && rec[len(rec)-1] == "" {
			rec = rec[:len(rec)-1]
		}
		out = append(out, append([]string{}, rec...))
	}
}

func TestXLSXCellValues(t *testing.T) {
	date := time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)
	style := func(f *excelize.File, cell string, s *excelize.Style) error {
		id, err := f.NewStyle(s)
		if err != nil {
			return err
		}
		return f.SetCellStyle("Sheet1", cell, cell, id)
	}
	custom := func(code string) *excelize.Style { return &excelize.Style{CustomNumFmt: &code} }
	cases := []struct {
		name  string
		build func(f *excelize.File) error
		want  [][]string
	}{
		{name: "merged cells: the value is in the top-left cell only",
			build: func(f *excelize.File) error {
				if err := withRows([]any{"a", "b", "c"}, []any{"x", "y", "z"}, []any{nil, "w"})(f); err != nil {
					return err
				}
				if err := f.MergeCell("Sheet1", "A2", "A3"); err != nil { // vertical
					return err
				}
				return f.MergeCell("Sheet1", "B2", "C2") // horizontal
			},
			want: [][]string{{"a", "b", "c"}, {"x", "y"}, {"", "w"}}},
		{name: "formulas: the value Excel saved with them",
			build: func(f *excelize.File) error {
				if err := f.SetCellInt("Sheet1", "A1", 42); err != nil {
					return err
				}
				if err := f.SetCellFormula("Sheet1", "A1", "=40+2"); err != nil {
					return err
				}
				// A formula never calculated has no value to read.
				if err := f.SetCellFormula("Sheet1", "B1", "=1+1"); err != nil {
					return err
				}
				return f.SetCellValue("Sheet1", "C1", "end")
			},
			want: [][]string{{"42", "", "end"}}},
		{name: "dates: ISO 8601 in UTC, whatever their format",
			build: func(f *excelize.File) error {
				for i, s := range []*excelize.Style{
					{NumFmt: 14}, // m/d/yy, the locale's short date
					{NumFmt: 22}, // m/d/yy h:mm
					custom("dd/mm/yyyy"),
					custom(`[$-409]d mmmm yyyy;@`),
					custom(`yyyy"年"m"月"d"日"`),
				} {
					cell, _ := excelize.CoordinatesToCellName(i+1, 1)
					if err := f.SetCellValue("Sheet1", cell, date); err != nil {
						return err
					}
					if err := style(f, cell, s); err != nil {
						return err
					}
				}
				return nil
			},
			want: [][]string{{"2024-03-01T09:30:00Z", "2024-03-01T09:30:00Z", "2024-03-01T09:30:00Z", "2024-03-01T09:30:00Z", "2024-03-01T09:30:00Z"}}},
		{name: "times and numbers: the text Excel shows",
			build: func(f *excelize.File) error {
				vals := []struct {
					v any
					s *excelize.Style
				}{
					{0.395833333333333, &excelize.Style{NumFmt: 20}}, // h:mm
					{0.395833333333333, custom("h:mm AM/PM")},
					{1.5, custom("[h]:mm")},
					{12.5, nil},                          // General
					{1234.5, &excelize.Style{NumFmt: 4}}, // #,##0.00
					{12.345, &excelize.Style{NumFmt: 2}}, // 0.00
					{0.125, &excelize.Style{NumFmt: 10}}, // 0.00%
					{123, custom("00000")},
					{"00123", nil}, // text keeps its zeros
					{true, nil},
					{123456789012345678, nil},
				}
				for i, x := range vals {
					cell, _ := excelize.CoordinatesToCellName(i+1, 1)
					if err := f.SetCellValue("Sheet1", cell, x.v); err != nil {
						return err
					}
					if x.s != nil {
						if err := style(f, cell, x.s); err != nil {
							return err
						}
					}
				}
				return nil
			},
			// A time is a number in a format bulk does not render: the
			// record has the number, and a text field refuses it.
			want: [][]string{{"0.395833333333333", "0.395833333333333", "1.5", "12.5", "1,234.50", "12.35", "12.50%", "00123", "00123", "TRUE", "1.23456789012346E+17"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := sheetCells(t, newWorkbook(t, c.build), "")
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("cells:\n%q\nwant:\n%q", got, c.want)
			}
		})
	}
}

func TestXLSXFormulaTextValue(t *testing.T) {
	// excelize writes no text value for a formula, so the one Excel would
	// save is put in by hand: <c t="str"><f>..</f><v>cached</v></c>.
	data := newWorkbook(t, withRows([]any{"x"}))
	data = rezip(t, data, editPart("xl/worksheets/sheet1.xml", `<c r="A1" t="s"><v>0</v></c>`,
		`<c r="A1" t="str"><f>LOWER(&quot;JSMITH&quot;)</f><v>jsmith</v></c>`), nil)
	if got, want := sheetCells(t, data, ""), [][]string{{"jsmith"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("cells %q, want %q", got, want)
	}
}

// A date cell becomes a valid date-time field; a date typed as text is
// read as typed, and checked like CSV.
func TestXLSXDateField(t *testing.T) {
	data := newWorkbook(t, func(f *excelize.File) error {
		if err := withRows(
			[]any{"name", "parent_id", "parent_type", "inherit_profile_from_workspace", "custom21"},
			[]any{"Letters", "ACTIVE_US!3001", "Tab", "No", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
			[]any{"Memos", "ACTIVE_US!3001", "Tab", "No", "1/3/2024"},
		)(f); err != nil {
			return err
		}
		id, err := f.NewStyle(&excelize.Style{NumFmt: 14})
		if err != nil {
			return err
		}
		return f.SetCellStyle("Sheet1", "E2", "E2", id)
	})
	m, got := loadBytes(t, "folders.xlsx", data, Options{Action: "add-folder"})
	want := "$TMP/folders.xlsx:3:custom21: custom21: must be an ISO 8601 date-time like 2024-03-01T09:30:00Z, or a date like 2024-03-01 (without a zone: UTC), not \"1/3/2024\"\n"
	if got != want {
		t.Errorf("problems:\n%s\nwant:\n%s", got, want)
	}
	if len(m.Jobs) != 2 || m.Jobs[0].Values["custom21"] != "2024-03-01T00:00:00Z" {
		t.Fatalf("jobs %d, first custom21 %q", len(m.Jobs), m.Jobs[0].Values["custom21"])
	}
}

// xlsxSeeds are the fuzzer's starting workbooks: a varied one, made by
// excelize, and damaged or unusual variants of it.
func xlsxSeeds(t testing.TB) [][]byte {
	rich := newWorkbook(t, func(f *excelize.File) error {
		if err := f.SetSheetName("Sheet1", "notes"); err != nil {
			return err
		}
		if err := f.SetCellValue("notes", "A1", "Exported from HR"); err != nil {
			return err
		}
		if _, err := f.NewSheet("people"); err != nil {
			return err
		}
		rows := [][]any{
			{"action", "full_name", "id", "email", "preferred_library", "role", "is_external", "ref"},
			{"create-user", "Jo Smith", "JSMITH", "jo@firm.com", "ACTIVE_US", "ATTORNEY", true, "jo"},
			nil,
			{"create-user", "Al Jones", 1234, "al@firm.com", "ACTIVE_US", "ATTORNEY", "no"},
			{"assign-user-to-library", nil, "${jo.id}", nil, "ACTIVE_UK", "ATTORNEY"},
			{"create-user", "Bo Lee", "BLEE", time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC), 12.5, "ATTORNEY", "maybe"},
		}
		for i, r := range rows {
			if r == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow("people", cell, &r); err != nil {
				return err
			}
		}
		if err := f.SetCellFormula("people", "E6", "=E2"); err != nil {
			return err
		}
		if err := f.MergeCell("people", "F4", "F5"); err != nil {
			return err
		}
		code := "dd/mm/yyyy"
		id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			return err
		}
		return f.SetCellStyle("people", "D6", "D6", id)
	})
	small := newWorkbook(t, withRows([]any{"id", "full_name"}, []any{"JSMITH", "Jo Smith"}))
	encrypted := func() []byte {
		f := excelize.NewFile()
		defer f.Close()
		var buf bytes.Buffer
		if err := f.Write(&buf, excelize.Options{Password: "pw"}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}()
	stored := storedWithoutCRC(t, rich)
	edit := func(part, old, new string) []byte {
		return storedWithoutCRC(t, rezip(t, rich, editPart(part, old, new), nil))
	}
	return [][]byte{
		rich,
		stored,
		storedWithoutCRC(t, small),
		rich[:len(rich)*2/3],
		stored[:len(stored)/2],
		encrypted,
		withBadChecksum(t, small, "xl/worksheets/sheet1.xml"),
		edit("xl/workbook.xml", "<sheets>", "<sheets><<"),
		edit("xl/worksheets/sheet2.xml", `r="A2"`, `r="A0"`),
		edit("xl/worksheets/sheet2.xml", `<row r="4"`, `<row r="1048577"`),
		edit("xl/worksheets/sheet2.xml", `<v>1</v>`, `<v>99999</v>`),
		edit("xl/worksheets/sheet2.xml", `</sheetData>`, `<row r="9"><c r="A9" t="inlineStr"><is><t>create-user</t></is></c>`+
			`<c r="B9" t="e"><v>#N/A</v></c><c r="C9" t="d"><v>2024-03-01T09:30:00Z</v></c><c r="XFD9" t="b"><v>1</v></c></row></sheetData>`),
		edit("xl/styles.xml", `<numFmt numFmtId="164" formatCode="dd/mm/yyyy"`, `<numFmt numFmtId="164" formatCode="[h]:mm;@;&quot;x"`),
	}
}

func TestXLSXSeedsAreDifferent(t *testing.T) {
	seen := map[string]int{}
	for i, s := range xlsxSeeds(t) {
		if j, dup := seen[string(s)]; dup {
			t.Errorf("seeds %d and %d are the same: an edit did not apply", j, i)
		}
		seen[string(s)] = i
	}
}

// noise is n letters that do not compress much, unlike a run of one.
func noise(n int) string {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = 'a' + byte(x%26)
	}
	return string(b)
}
