package manifest

import (
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A job of a CSV or workbook row keeps the row's cells in the input's own
// columns and order, secrets blank, a workbook's numbers as the row was
// validated; a YAML job keeps none, and every job says its manifest.
func TestJobsKeepTheirRowsCells(t *testing.T) {
	dir := t.TempDir()
	csvPath := writeFile(t, dir, "joiners.csv", []byte("\ufeffNote,Full Name,ID,Email,preferred_library,role,password_create_method,password\r\n"+
		"first,Zoë Ng,ZNG,zoe@firm.com,ACTIVE_US,ATTORNEY,Create a password,S3cret-Passw0rd!\r\n"))
	xlsxPath := writeFile(t, dir, "tabs.xlsx", newWorkbook(t, func(f *excelize.File) error {
		if err := withRows([]any{"name", "parent_id", "description"}, []any{"Pleadings", "ACTIVE_US!1000", 123})(f); err != nil {
			return err
		}
		st, _ := f.NewStyle(&excelize.Style{NumFmt: 1}) // "0"
		return f.SetCellStyle("Sheet1", "C2", "C2", st)
	}))
	yamlPath := writeFile(t, dir, "m.yaml", []byte("version: 1\njobs:\n  - {action: add-tab, name: Billing, parent_id: ACTIVE_US!1001}\n"))
	m := load(t, Options{Action: "create-user", IgnoreColumns: true}, csvPath)
	if m.Errors() > 0 {
		t.Fatalf("%v", m.Problems)
	}
	j := m.Jobs[0]
	wantHeader := []string{"Note", "Full Name", "ID", "Email", "preferred_library", "role", "password_create_method", "password"}
	if j.Table == nil || !slices.Equal(j.Table.Header, wantHeader) || j.Table.Workbook || j.Manifest != csvPath {
		t.Fatalf("table %+v, manifest %s", j.Table, j.Manifest)
	}
	if want := []string{"first", "Zoë Ng", "ZNG", "zoe@firm.com", "ACTIVE_US", "ATTORNEY", "Create a password", ""}; !slices.Equal(j.Cells, want) {
		t.Fatalf("cells %q, want %q (the password blank)", j.Cells, want)
	}
	m = load(t, Options{Action: "add-tab"}, xlsxPath, yamlPath)
	if m.Errors() > 0 {
		t.Fatalf("%v", m.Problems)
	}
	if x := m.Jobs[0]; x.Table == nil || !x.Table.Workbook || !slices.Equal(x.Cells, []string{"Pleadings", "ACTIVE_US!1000", "123"}) {
		t.Fatalf("workbook job %+v %q", x.Table, x.Cells)
	}
	if y := m.Jobs[1]; y.Table != nil || y.Cells != nil || y.Manifest != yamlPath {
		t.Fatalf("YAML job %+v %q %s", y.Table, y.Cells, y.Manifest)
	}
}

// A file bulk wrote back (it has bulk_status or bulk_error) reads as the
// rows it holds: those columns are not read, and a cell bulk neutralised
// is as it was.
func TestAFileBulkWroteBackReadsAsItsRows(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "tabs.failed.csv", []byte("\ufeffname,parent_id,bulk_status,bulk_error\r\n"+
		"'-Drafts,ACTIVE_US!1000,failed,\"'=the service said: no\"\r\n"+
		"''=x,ACTIVE_US!1001,skipped,\r\n"))
	m := load(t, Options{Action: "add-tab"}, p)
	if m.Errors() > 0 || len(m.Problems) > 0 {
		t.Fatalf("problems: %v", m.Problems)
	}
	if got := []string{m.Jobs[0].Values["name"], m.Jobs[1].Values["name"]}; !slices.Equal(got, []string{"-Drafts", "'=x"}) {
		t.Fatalf("names %q", got)
	}
	if h := m.Jobs[0].Table.Header; !slices.Equal(h, []string{"name", "parent_id"}) {
		t.Fatalf("kept header %q: the columns bulk added are not the input's", h)
	}
	// Elsewhere a leading quote is the cell's own, and an unknown column is
	// still an error.
	q := writeFile(t, dir, "tabs.csv", []byte("name,parent_id,status\n'-Drafts,ACTIVE_US!1000,x\n"))
	m = load(t, Options{Action: "add-tab"}, q)
	if len(m.Problems) == 0 || !strings.Contains(m.Problems[0].String(), "status") {
		t.Fatalf("an unknown column: %v", m.Problems)
	}
	if len(m.Jobs) == 1 && m.Jobs[0].Values["name"] != "'-Drafts" {
		t.Fatalf("a quote of the file's own was taken off: %q", m.Jobs[0].Values["name"])
	}
	y := writeFile(t, dir, "m.failed.yaml", []byte("version: 1\njobs:\n  - {action: add-tab, name: Billing, parent_id: ACTIVE_US!1001, bulk_status: failed, bulk_error: \"no\"}\n"))
	if m = load(t, Options{}, y); len(m.Problems) > 0 || len(m.Jobs) != 1 {
		t.Fatalf("a YAML file bulk wrote back: %v", m.Problems)
	}
}
