package manifest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/firmtools/bulk/internal/actions"
)

// writeManifest writes content as a file of its own directory.
func writeManifest(t *testing.T, name, content string) string {
	return writeFile(t, t.TempDir(), name, []byte(content))
}

// Columns MEMBER.NAME fill the member's further properties: gathered into
// its properties field, named as written, blank cells left out; each
// column named in the job's messages.
func TestPropertyColumnsFromCSV(t *testing.T) {
	p := writeManifest(t, "aliases.csv", "library_id,lookup_field_id,alias,aliasInfo.practice_area, ALIASINFO.Risk ,hipaa\n"+
		"ACTIVE_US,custom1,1009,Tax,High,no\nACTIVE_US,custom1,1010,,,\nACTIVE_US,custom1,1011,Litigation,,\n")
	m := load(t, Options{Action: "create-lookup-alias"}, p)
	if len(m.Problems) != 0 || len(m.Jobs) != 3 {
		t.Fatalf("%d jobs, problems:\n%s", len(m.Jobs), problemLines(m.Problems))
	}
	want := []string{`{"Risk":"High","practice_area":"Tax"}`, "", `{"practice_area":"Litigation"}`}
	for i, j := range m.Jobs {
		if j.Values["alias_info"] != want[i] {
			t.Errorf("row %d: %q, want %q", j.Row, j.Values["alias_info"], want[i])
		}
	}
	if c := m.Jobs[0].Columns; c["aliasInfo.practice_area"] != "aliasInfo.practice_area" || c["aliasInfo.Risk"] != " ALIASINFO.Risk " {
		t.Errorf("columns %v", c)
	}
	sum, err := Validate(context.Background(), []string{p}, Options{Action: "create-lookup-alias"}, func(Problem) {})
	if err != nil || !reflect.DeepEqual(sum.Properties, []string{"aliasInfo.Risk", "aliasInfo.practice_area"}) {
		t.Errorf("the summary's properties %v, %v", sum.Properties, err)
	}
}

func TestPropertyColumnProblems(t *testing.T) {
	for _, tc := range []struct {
		name, content, action string
		want                  []string
	}{
		{"a nested name", "library_id,lookup_field_id,alias,aliasInfo.a.b\nACTIVE_US,custom1,1,x\n", "create-lookup-alias",
			[]string{"aliasInfo.a.b: a property's name is 1 to 64 letters"}},
		{"a property a column fills is that column", "library_id,lookup_field_id,alias,aliasInfo.Hipaa\nACTIVE_US,custom1,1,x\n", "create-lookup-alias",
			[]string{"m.csv:2:aliasInfo.Hipaa: hipaa: must be true or false"}},
		{"another action's member", "name,parent_id,aliasInfo.x\nA,ACTIVE_US!1,x\n", "add-tab",
			[]string{`unknown column`}},
		{"in the JSON column and a column", "library_id,lookup_field_id,alias,alias_info,aliasInfo.x\nACTIVE_US,custom1,1,\"{\"\"y\"\":\"\"z\"\"}\",x\n", "create-lookup-alias",
			[]string{"give the further properties of aliasInfo either in aliasInfo.NAME columns or in alias_info, not both"}},
		{"a column twice", "library_id,lookup_field_id,alias,aliasInfo.x,AliasInfo.x\nACTIVE_US,custom1,1,a,b\n", "create-lookup-alias",
			[]string{"appears twice"}},
		{"a control character", "library_id,lookup_field_id,alias,aliasInfo.x\nACTIVE_US,custom1,1,\"a\x07b\"\n", "create-lookup-alias",
			[]string{"aliasInfo.x: aliasInfo.x: "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := load(t, Options{Action: tc.action}, writeManifest(t, "m.csv", tc.content))
			got := problemLines(m.Problems)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("problems lack %q:\n%s", w, got)
				}
			}
			if m.Errors() == 0 {
				t.Errorf("no error:\n%s", got)
			}
			if strings.Contains(got, "no header") { // a header given twice is said once, at the header
				t.Errorf("a cell is said to have no header:\n%s", got)
			}
		})
	}
}

// Property names are exact: two that differ only in case are two columns.
func TestPropertyNamesAreExact(t *testing.T) {
	p := writeManifest(t, "m.csv", "library_id,lookup_field_id,alias,aliasInfo.practice_area,aliasInfo.Practice_Area\nACTIVE_US,custom1,1,Tax,Litigation\n")
	m := load(t, Options{Action: "create-lookup-alias"}, p)
	if len(m.Problems) != 0 || m.Jobs[0].Values["alias_info"] != `{"Practice_Area":"Litigation","practice_area":"Tax"}` {
		t.Errorf("%v\n%s", m.Jobs[0].Values, problemLines(m.Problems))
	}
}

// In a file whose rows name their actions, the column is a field of the
// actions that have the member, and ignored (with a warning when it has a
// value) by the others.
func TestPropertyColumnsInAMixedFile(t *testing.T) {
	p := writeManifest(t, "mixed.csv", "action,library_id,lookup_field_id,alias,name,parent_id,aliasInfo.practice_area\n"+
		"create-lookup-alias,ACTIVE_US,custom1,1009,,,Tax\nadd-tab,,,,Deals,ACTIVE_US!1,Tax\n")
	m := load(t, Options{}, p)
	if m.Errors() != 0 || len(m.Jobs) != 2 || m.Jobs[0].Values["alias_info"] != `{"practice_area":"Tax"}` {
		t.Fatalf("jobs %d, problems:\n%s", len(m.Jobs), problemLines(m.Problems))
	}
	if got := problemLines(m.Problems); !strings.Contains(got, "mixed.csv:3:aliasInfo.practice_area: warning: ignored: not a field of add-tab") {
		t.Errorf("problems:\n%s", got)
	}
}

// YAML jobs give them as MEMBER.NAME keys or as a mapping under the
// member; a source's columns: maps an export's column to one.
func TestPropertyKeysFromYAML(t *testing.T) {
	dir := t.TempDir()
	export := filepath.Join(dir, "matters.csv")
	if err := os.WriteFile(export, []byte("Lib,Code,Area\nACTIVE_US,1009,Tax\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	y := filepath.Join(dir, "m.yaml")
	content := `version: 1
jobs:
  - action: create-lookup-alias
    library_id: ACTIVE_US
    lookup_field_id: custom1
    alias: "2001"
    aliasInfo.practice_area: Tax
    aliasInfo.billable: true
  - action: create-lookup-alias
    library_id: ACTIVE_US
    lookup_field_id: custom1
    alias: "2002"
    aliasInfo: {practice_area: Litigation, partners: 3}
sources:
  - path: matters.csv
    action: create-lookup-alias
    set: {lookup_field_id: custom1}
    columns: {library_id: Lib, alias: Code, aliasInfo.practice_area: Area}
`
	if err := os.WriteFile(y, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	m := load(t, Options{}, y)
	if m.Errors() != 0 || len(m.Jobs) != 3 {
		t.Fatalf("%d jobs, problems:\n%s", len(m.Jobs), problemLines(m.Problems))
	}
	got := map[string]string{}
	for _, j := range m.Jobs {
		got[j.Values["alias"]] = j.Values["alias_info"]
	}
	want := map[string]string{"2001": `{"billable":"true","practice_area":"Tax"}`, "2002": `{"partners":"3","practice_area":"Litigation"}`, "1009": `{"practice_area":"Tax"}`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	if j := m.Jobs[0]; j.Columns["aliasInfo.practice_area"] != "aliasInfo.practice_area" {
		t.Errorf("columns %v", j.Columns)
	}

	both := filepath.Join(dir, "both.yaml")
	if err := os.WriteFile(both, []byte(`version: 1
jobs:
  - action: create-lookup-alias
    library_id: ACTIVE_US
    lookup_field_id: custom1
    alias: "2001"
    aliasInfo: {practice_area: Tax}
    aliasInfo.billable: true
    aliasInfo.x.y: 1
`), 0o600); err != nil {
		t.Fatal(err)
	}
	m = load(t, Options{}, both)
	got2 := problemLines(m.Problems)
	for _, w := range []string{"either as aliasInfo.NAME keys or in aliasInfo, not both", "aliasInfo.x.y: a property's name is"} {
		if !strings.Contains(got2, w) {
			t.Errorf("problems lack %q:\n%s", w, got2)
		}
	}
}

// In a workbook, a number shown as other text (3.7 formatted "0" shows 4)
// cannot be a tenant's property: the schema, not the sheet, would say
// whether the number or the text is sent. A number shown as it is, a
// General one, a date and TRUE are taken as the sheet shows them.
func TestPropertyCellsOfAWorkbook(t *testing.T) {
	p := writeFile(t, t.TempDir(), "aliases.xlsx", newWorkbook(t, func(f *excelize.File) error {
		if err := withRows([]any{"library_id", "lookup_field_id", "alias", "aliasInfo.hours", "aliasInfo.rate", "aliasInfo.billable"},
			[]any{"ACTIVE_US", "custom1", "1", 3.7, 12.5, true},
			[]any{"ACTIVE_US", "custom1", "2", 4, 2.345678, false},
			[]any{"ACTIVE_US", "custom1", "3", 1234567890123456, 1, time.Date(2023, 3, 15, 0, 0, 0, 0, time.UTC)})(f); err != nil {
			return err
		}
		st, _ := f.NewStyle(&excelize.Style{NumFmt: 1}) // "0"
		if err := f.SetCellStyle("Sheet1", "D2", "D3", st); err != nil {
			return err
		}
		two, _ := f.NewStyle(&excelize.Style{NumFmt: 2}) // "0.00"
		return f.SetCellStyle("Sheet1", "E3", "E3", two)
	}))
	m := load(t, Options{Action: "create-lookup-alias"}, p)
	got := problemLines(m.Problems)
	for _, w := range []string{
		`aliases.xlsx:2:aliasInfo.hours: cell D2 is the number 3.7 shown as "4"`,
		`aliases.xlsx:3:aliasInfo.rate: cell E3 is the number 2.345678 shown as "2.35"`,
		`aliases.xlsx:4:aliasInfo.hours: cell D4 is the number 1234567890123456 shown as`,
		`aliases.xlsx:4:aliasInfo.billable: cell F4 is a date`,
	} {
		if !strings.Contains(got, w) {
			t.Errorf("problems lack %q:\n%s", w, got)
		}
	}
	if strings.Count(got, "\n") != 4 {
		t.Errorf("other problems:\n%s", got)
	}
}

// schemaFake answers every schema operation with one schema.
type schemaFake string

func (s schemaFake) GetCreateLookupAliasSchema(context.Context, string) (json.RawMessage, error) {
	return json.RawMessage(s), nil
}
func (s schemaFake) GetUpdateCustomFieldSchema(context.Context, string) (json.RawMessage, error) {
	return json.RawMessage(s), nil
}
func (s schemaFake) GetCreateUserPasswordSchema(context.Context, string) (json.RawMessage, error) {
	return json.RawMessage(s), nil
}
func (s schemaFake) GetAddFolderPropertiesSchema(context.Context, string) (json.RawMessage, error) {
	return json.RawMessage(s), nil
}

func schemaProblems(t *testing.T, schema string, m *Manifest) []Problem {
	t.Helper()
	var needs actions.SchemaNeeds
	for _, j := range m.Jobs {
		needs.Add(j.Action, j.Values)
	}
	ss := actions.NewSchemas()
	for _, n := range needs.List() {
		if err := ss.Load(context.Background(), schemaFake(schema), n); err != nil {
			t.Fatal(err)
		}
	}
	return SchemaProblems(ss, m.Jobs)
}

// A property the service's schema says is a secret is refused, and
// forgotten: neither the job's values nor its row's cells (what the rows
// to run again are written from) keep it. No message repeats a row's
// password, even one pasted in another column.
func TestSchemaProblemsKeepSecrets(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "aliases.csv", []byte("library_id,lookup_field_id,alias,aliasInfo.pin,aliasInfo.area\nACTIVE_US,custom1,1,4321-secret,Tax\n"))
	m := load(t, Options{Action: "create-lookup-alias"}, p)
	got := schemaProblems(t, `{"properties":{"id":{},"area":{"type":"string"},"pin":{"type":"string","writeOnly":true}}}`, m)
	j := m.Jobs[0]
	if len(got) != 1 || got[0].Column != "aliasInfo.pin" || strings.Contains(problemLines(got), "4321") {
		t.Errorf("problems:\n%s", problemLines(got))
	}
	if strings.Contains(j.Values["alias_info"], "4321") || j.Values["alias_info"] != `{"area":"Tax"}` || slices.Contains(j.Cells, "4321-secret") {
		t.Errorf("the secret is kept: %q %q", j.Values, j.Cells)
	}

	js := writeFile(t, dir, "json.csv", []byte("library_id,lookup_field_id,alias,alias_info\nACTIVE_US,custom1,1,\"{\"\"pin\"\":\"\"4321-secret\"\",\"\"area\"\":\"\"Tax\"\"}\"\n"))
	m = load(t, Options{Action: "create-lookup-alias"}, js)
	schemaProblems(t, `{"properties":{"id":{},"area":{"type":"string"},"pin":{"type":"string","writeOnly":true}}}`, m)
	if c := m.Jobs[0].Cells; c[3] != `{"area":"Tax"}` {
		t.Errorf("the JSON column keeps %q", c[3])
	}
	users := writeFile(t, dir, "users.csv", []byte("full_name,id,email,preferred_library,role,password_create_method,password,create_password.expires_days\n"+
		"A B,AB,ab@firm.com,ACTIVE_US,ATTORNEY,Create a password,S3cret-Pass-6,S3cret-Pass-6\n"))
	m = load(t, Options{Action: "create-user"}, users)
	got = schemaProblems(t, `{"properties":{"password":{},"force_password_change":{},"expires_days":{"type":"integer"}}}`, m)
	if len(got) != 1 || strings.Contains(problemLines(got), "S3cret") || !strings.Contains(problemLines(got), `not "[redacted]"`) {
		t.Errorf("problems:\n%s", problemLines(got))
	}
	m = load(t, Options{Action: "create-user"}, writeFile(t, dir, "pasted.csv", []byte("full_name,id,email,preferred_library,role,password_create_method,password\n"+
		"A B,AB,S3cret-Pass-6,ACTIVE_US,ATTORNEY,Create a password,S3cret-Pass-6\n")))
	if got := problemLines(m.Problems); m.Errors() != 1 || strings.Contains(got, "S3cret") {
		t.Errorf("a password in the e-mail column:\n%s", got)
	}
}

func TestPropertiesAreNotDefaults(t *testing.T) {
	p := writeManifest(t, "d.yaml", `version: 1
defaults:
  aliasInfo.practice_area: Tax
  aliasInfo: {billable: true}
jobs:
  - {action: create-lookup-alias, library_id: ACTIVE_US, lookup_field_id: custom1, alias: "1"}
`)
	got := problemLines(load(t, Options{}, p).Problems)
	if strings.Count(got, "a tenant's own properties are given in each job (or by a source's columns:), not in defaults:") != 2 {
		t.Errorf("problems:\n%s", got)
	}
}

// A number field reads a workbook number's stored digits: a General
// number of 16 digits is not the 15 the sheet shows.
func TestWorkbookNumberFieldsKeepEveryDigit(t *testing.T) {
	p := writeFile(t, t.TempDir(), "folders.xlsx", newWorkbook(t, withRows(
		[]any{"name", "parent_id", "parent_type", "inherit_profile_from_workspace", "custom17"},
		[]any{"Deal", "ACTIVE_US!1001", "Workspace", "No", 1234567890123456})))
	m := load(t, Options{Action: "add-folder"}, p)
	if m.Errors() > 0 || m.Jobs[0].Values["custom17"] != "1.234567890123456e+15" {
		t.Errorf("%q\n%s", m.Jobs[0].Values["custom17"], problemLines(m.Problems))
	}
}

// In YAML too, property names are exact; and no --set gives them, in any form.
func TestYAMLPropertyNamesAreExactAndSetRefusesThem(t *testing.T) {
	p := writeManifest(t, "m.yaml", `version: 1
jobs:
  - {action: create-lookup-alias, library_id: ACTIVE_US, lookup_field_id: custom1, alias: "1", aliasInfo.practice_area: Tax, aliasInfo.Practice_Area: Lit}
  - {action: create-lookup-alias, library_id: ACTIVE_US, lookup_field_id: custom1, alias: "2", aliasInfo: {practice_area: Tax, Practice_Area: Lit}}
`)
	m := load(t, Options{}, p)
	if len(m.Problems) != 0 || len(m.Jobs) != 2 {
		t.Fatalf("%s", problemLines(m.Problems))
	}
	for _, j := range m.Jobs {
		if j.Values["alias_info"] != `{"Practice_Area":"Lit","practice_area":"Tax"}` {
			t.Errorf("%s", j.Values["alias_info"])
		}
	}
	csv := writeManifest(t, "m.csv", "library_id,lookup_field_id,alias\nACTIVE_US,custom1,1\n")
	for _, set := range []map[string]string{{"alias_info": `{"a":"b"}`}, {"aliasInfo": `{"a":"b"}`}, {"aliasInfo.a": "b"}} {
		if _, err := Load(context.Background(), []string{csv}, Options{Action: "create-lookup-alias", Set: set}); err == nil || !strings.Contains(err.Error(), "not by --set") {
			t.Errorf("--set %v: %v", set, err)
		}
	}
}
