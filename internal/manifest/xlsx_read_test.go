package manifest

import (
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// What the spreadsheet shows is what runs: each workbook here is made by
// excelize as an office suite would save it.

func readsOf(m *Manifest) string {
	var b strings.Builder
	for _, r := range m.Reads {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// twoSheets: a hidden first sheet of old rows, and the visible "People".
func twoSheets(t *testing.T, active int, hideFirst bool) []byte {
	return newWorkbook(t, func(f *excelize.File) error {
		if err := withRows(userHeader, []any{"Old Row", "OLD1", "old@firm.com", "ACTIVE_US", "ATTORNEY"})(f); err != nil {
			return err
		}
		idx, err := f.NewSheet("People")
		if err != nil {
			return err
		}
		for i, r := range [][]any{userHeader, {"Jo Smith", "JSMITH", "jo@firm.com", "ACTIVE_US", "ATTORNEY"}} {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow("People", cell, &r); err != nil {
				return err
			}
		}
		f.SetActiveSheet(map[int]int{0: 0, 1: idx}[active])
		if hideFirst {
			return f.SetSheetVisible("Sheet1", false)
		}
		return nil
	})
}

func TestXLSXWhichSheet(t *testing.T) {
	user := Options{Action: "create-user"}
	cases := []struct {
		name   string
		data   []byte
		opts   Options
		id     string
		read   string
		probls string
	}{
		{"the active sheet", twoSheets(t, 1, true), user, "JSMITH", `read sheet "People" (the active sheet), header on row 1`, ""},
		{"the active sheet when visible, though not the first", twoSheets(t, 1, false), user, "JSMITH", `read sheet "People" (the active sheet)`, ""},
		// An office suite will not hide the active sheet; another program may.
		{"a hidden active sheet is not read", rezip(t, twoSheets(t, 0, false), editPart("xl/workbook.xml", `<sheet name="Sheet1"`, `<sheet state="hidden" name="Sheet1"`), nil),
			user, "JSMITH", `read sheet "People" (the first visible sheet)`, ""},
		{"a hidden sheet named by --sheet", twoSheets(t, 1, true), Options{Action: "create-user", Sheet: "sheet1"}, "OLD1",
			`read sheet "Sheet1" (named by --sheet; it is hidden)`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, probs := loadBytes(t, "hr.xlsx", c.data, c.opts)
			if probs != c.probls || len(m.Jobs) != 1 || m.Jobs[0].Values["id"] != c.id {
				t.Fatalf("problems %q, jobs %v", probs, m.Jobs)
			}
			if got := readsOf(m); !strings.Contains(got, c.read) {
				t.Errorf("read %q, want %q", got, c.read)
			}
		})
	}
}

func withHidden(t *testing.T) []byte {
	return newWorkbook(t, func(f *excelize.File) error {
		rows := [][]any{userHeader}
		for _, id := range []string{"U1", "U2", "U3", "U4", "U5"} {
			rows = append(rows, []any{"User " + id, id, strings.ToLower(id) + "@firm.com", "ACTIVE_US", "ATTORNEY"})
		}
		if err := withRows(rows...)(f); err != nil {
			return err
		}
		// A filter that hides rows 3, 4 and 6, as an office suite saves it.
		if err := f.AutoFilter("Sheet1", "A1:E6", []excelize.AutoFilterOptions{{Column: "B", Expression: "x == U1 or x == U4"}}); err != nil {
			return err
		}
		for _, r := range []int{3, 4, 6} {
			if err := f.SetRowVisible("Sheet1", r, false); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestXLSXHiddenRows(t *testing.T) {
	data := withHidden(t)
	m, probs := loadBytes(t, "hr.xlsx", data, Options{Action: "create-user"})
	want := `$TMP/hr.xlsx:3: rows 3-4, 6 are hidden in sheet "Sheet1" (by a filter or by hand), and would run: ` +
		"say --hidden-rows include to run them, or --hidden-rows skip to leave them out (hidden_rows: in a YAML source)\n"
	if probs != want || m.Errors() != 1 {
		t.Fatalf("problems\n%s\nwant\n%s", probs, want)
	}
	m, probs = loadBytes(t, "hr.xlsx", data, Options{Action: "create-user", HiddenRows: "skip"})
	if probs != "" || len(m.Jobs) != 2 || m.Jobs[1].Values["id"] != "U4" || !strings.Contains(readsOf(m), "; 3 hidden rows left out (--hidden-rows skip)") {
		t.Fatalf("skip: problems %q, %d jobs, read %q", probs, len(m.Jobs), readsOf(m))
	}
	m, probs = loadBytes(t, "hr.xlsx", data, Options{Action: "create-user", HiddenRows: "include"})
	if probs != "" || len(m.Jobs) != 5 {
		t.Fatalf("include: problems %q, %d jobs", probs, len(m.Jobs))
	}
	// The same from a YAML source.
	dir := t.TempDir()
	writeFile(t, dir, "hr.xlsx", data)
	y := writeFile(t, dir, "m.yaml", []byte("version: 1\nsources:\n  - {path: hr.xlsx, action: create-user, hidden_rows: skip}\n"))
	if m := load(t, Options{}, y); len(m.Problems) != 0 || len(m.Jobs) != 2 {
		t.Fatalf("yaml: problems %v, %d jobs", m.Problems, len(m.Jobs))
	}
	if _, err := Validate(t.Context(), []string{y}, Options{HiddenRows: "maybe"}, nil); err == nil || !strings.Contains(err.Error(), `--hidden-rows "maybe": want include`) {
		t.Fatalf("err %v", err)
	}
}

func TestXLSXHiddenColumn(t *testing.T) {
	data := newWorkbook(t, func(f *excelize.File) error {
		if err := withRows(userHeader, []any{"Jo Smith", "J SMITH", "jo@firm.com", "ACTIVE_US", "ATTORNEY"})(f); err != nil {
			return err
		}
		return f.SetColVisible("Sheet1", "B", false)
	})
	_, probs := loadBytes(t, "hr.xlsx", data, Options{Action: "create-user"})
	want := "$TMP/hr.xlsx:1:id: warning: column B is hidden in the sheet, and its values are read: unhide it to see what will run\n" +
		`$TMP/hr.xlsx:2:id: id: must be a user ID like JSMITH (no spaces or control characters), not "J SMITH" (column "id" is hidden in the sheet)` + "\n"
	if probs != want {
		t.Fatalf("problems\n%s\nwant\n%s", probs, want)
	}
}

func TestXLSXHeaderBelowTitles(t *testing.T) {
	titled := func(title ...[]any) []byte {
		rows := append(title, userHeader, []any{"Jo Smith", "JSMITH", "jo@firm.com", "ACTIVE_US", "ATTORNEY"})
		return newWorkbook(t, withRows(rows...))
	}
	census := titled([]any{"Worker Census - New Hires"}, []any{"Exported 2024-03-01 by hr-admin", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)}, nil)
	m, probs := loadBytes(t, "hr.xlsx", census, Options{Action: "create-user"})
	if probs != "" || len(m.Jobs) != 1 || m.Jobs[0].Row != 5 || !strings.Contains(readsOf(m), "header on row 4 (below 2 title rows)") {
		t.Fatalf("problems %q, jobs %v, read %q", probs, m.Jobs, readsOf(m))
	}
	// A row that looks like data above the header: which is the header is
	// not plain.
	unclear := titled([]any{"Employee", "Number", "Mail"}, []any{"Jo", "1", "jo@firm.com"})
	_, probs = loadBytes(t, "hr.xlsx", unclear, Options{Action: "create-user"})
	want := "$TMP/hr.xlsx:1: row 1 names no column bulk knows, and row 3 does, with data-like rows between: " +
		"give the header's row with --header-row N (header_row: in a YAML source)\n"
	if probs != want {
		t.Fatalf("problems\n%s\nwant\n%s", probs, want)
	}
	m, probs = loadBytes(t, "hr.xlsx", unclear, Options{Action: "create-user", HeaderRow: 3})
	if probs != "" || len(m.Jobs) != 1 || !strings.Contains(readsOf(m), "header on row 3 (given as the header row)") {
		t.Fatalf("--header-row: problems %q, read %q", probs, readsOf(m))
	}
	_, probs = loadBytes(t, "hr.xlsx", unclear, Options{Action: "create-user", HeaderRow: 9})
	if probs != "$TMP/hr.xlsx:9: row 9, given as the header row, is empty: give the row of the header\n" {
		t.Fatalf("problems %q", probs)
	}
	// CSV too, and the header row is named.
	dir := t.TempDir()
	csvFile := writeFile(t, dir, "hr.csv", []byte("Worker Census - New Hires\n\nfull_name,id,email,preferred_library,role\nJo,JS,jo@firm.com,ACTIVE_US,ATTORNEY\n"))
	m = load(t, Options{Action: "create-user"}, csvFile)
	if len(m.Problems) != 0 || len(m.Jobs) != 1 || readsOf(m) != csvFile+": read header on row 3 (below 1 title row)\n" {
		t.Fatalf("csv: problems %v, read %q", m.Problems, readsOf(m))
	}
}

// Number and date fields read the cell's value; text fields what Excel
// shows; an identifier from a General number is a warning.
func TestXLSXValuesBeneathTheDisplay(t *testing.T) {
	data := newWorkbook(t, func(f *excelize.File) error {
		header := []any{"name", "parent_id", "parent_type", "inherit_profile_from_workspace", "custom17", "custom18", "custom19", "custom21", "custom1", "custom3"}
		if err := withRows(header,
			[]any{"Letters", "ACTIVE_US!3001", "Tab", "No", 1234.5, 0.25, 50000, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), 123, 42},
		)(f); err != nil {
			return err
		}
		for cell, code := range map[string]string{"E2": "#,##0.00", "F2": "0%", "G2": `"$"#,##0.00`, "H2": "d mmmm yyyy", "I2": "00000"} {
			id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
			if err != nil {
				return err
			}
			if err := f.SetCellStyle("Sheet1", cell, cell, id); err != nil {
				return err
			}
		}
		return nil
	})
	if got := sheetCells(t, data, "")[1][4:]; strings.Join(got, "|") != "1,234.50|25%|$50,000.00|2026-12-01T00:00:00Z|00123|42" {
		t.Fatalf("the cells show %q", got)
	}
	m, probs := loadBytes(t, "folders.xlsx", data, Options{Action: "add-folder"})
	want := "$TMP/folders.xlsx:2:custom3: custom3: warning: cell J2 is a number in General format (42): leading zeros may have been lost; " +
		"format the column as Text and type the values again\n"
	if probs != want {
		t.Fatalf("problems\n%s\nwant\n%s", probs, want)
	}
	v := m.Jobs[0].Values
	for field, want := range map[string]string{"custom17": "1234.5", "custom18": "0.25", "custom19": "50000", "custom21": "2026-12-01T00:00:00Z", "custom1": "00123", "custom3": "42"} {
		if v[field] != want {
			t.Errorf("%s = %q, want %q", field, v[field], want)
		}
	}
}

// An Excel error and a number in a format bulk does not render are refused
// in a text field.
func TestXLSXCellsRefused(t *testing.T) {
	data := newWorkbook(t, func(f *excelize.File) error {
		if err := withRows([]any{"name", "parent_id", "description"}, []any{"Letters", "ACTIVE_US!3001", 0.5})(f); err != nil {
			return err
		}
		code := "h:mm"
		id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			return err
		}
		return f.SetCellStyle("Sheet1", "C2", "C2", id)
	})
	data = rezip(t, data, editPart("xl/worksheets/sheet1.xml", `<c r="A2" t="s"><v>3</v></c>`, `<c r="A2" t="e"><v>#N/A</v></c>`), nil)
	_, probs := loadBytes(t, "tabs.xlsx", data, Options{Action: "add-tab"})
	want := "$TMP/tabs.xlsx:2:description: description: cell C2 is the number 0.5 shown with the format \"h:mm\", which bulk does not reproduce: " +
		"format the column as Text and type the value as it should read\n" +
		"$TMP/tabs.xlsx:2:name: name: cell A2 holds the Excel error #N/A: correct the formula, or type the value\n"
	if probs != want {
		t.Fatalf("problems\n%s\nwant\n%s", probs, want)
	}
}
