package run

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/exit"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/runtest"
	"github.com/firmtools/bulk/internal/sim"
)

// tenantProperties are a firm's own properties of aliasInfo and
// profileProperties, which the simulator's schemas then name and enforce.
func tenantProperties(t *testing.T) []sim.TenantProperty {
	var out []sim.TenantProperty
	for _, spec := range []string{"aliasInfo.practice_area=Litigation|Tax,required", "aliasInfo.billable=boolean", "profileProperties.partners=integer"} {
		p, err := sim.ParseTenantProperty(spec)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// End to end: columns MEMBER.NAME fill the tenant's own properties, typed
// by the schema the run reads ("Y" is sent as true, "3" as 3); run again,
// the aliases are there as asked (exists), and a row asking for another
// value of one ends conflict naming it.
func TestColumnsFillTheTenantsOwnProperties(t *testing.T) {
	s := runtest.Start(t, sim.Options{TenantProperties: tenantProperties(t)})
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", `action,library_id,lookup_field_id,alias,alias_description,aliasInfo.practice_area,aliasInfo.billable,name,parent_id,parent_type,inherit_profile_from_workspace,profileProperties.partners
create-lookup-alias,ACTIVE_US,custom3,BOS,Boston,Tax,Y,,,,,
create-lookup-alias,ACTIVE_US,custom3,CHI,Chicago,Litigation,,,,,,
add-folder,,,,,,,Pleadings,ACTIVE_US!1001,Workspace,No,3
`)
	o := newOptions(s.Conn(), m)
	o.Out, o.Quiet = filepath.Join(dir, "r.csv"), true
	if r := start(t, o); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rows := readResults(t, o.Out)
	if c := countStatus(rows); c[executor.StatusOK] != 3 {
		t.Fatalf("statuses %v: %+v", c, rows)
	}
	if !strings.Contains(rows[2].Output, `"partners":3`) {
		t.Errorf("the folder's profile as the service answered: %s", rows[2].Output)
	}

	again := writeFile(t, dir, "again.csv", `library_id,lookup_field_id,alias,alias_description,aliasInfo.practice_area,aliasInfo.billable
ACTIVE_US,custom3,BOS,Boston,Tax,yes
ACTIVE_US,custom3,CHI,Chicago,Tax,
`)
	o = newOptions(s.Conn(), again)
	o.Manifest.Action, o.Out, o.Quiet = "create-lookup-alias", filepath.Join(dir, "again-r.csv"), true
	r := start(t, o)
	rows = readResults(t, o.Out)
	if r.code != 1 || rows[0].Status != executor.StatusExists || rows[1].Status != executor.StatusConflict {
		t.Fatalf("exit %d, rows %+v", r.code, rows)
	}
	if want := `aliasInfo.practice_area: the service has "Litigation", the row says "Tax"`; !strings.Contains(rows[1].Error, want) {
		t.Errorf("the conflict does not name the property: %q", rows[1].Error)
	}
	if n := s.Stats().Created["alias"]; n != 2 {
		t.Errorf("%d aliases created, want 2", n)
	}
}

// Before anything is written, validate --remote and a run both hold the
// columns to the tenant's schema: a property it does not name, a value
// not of its type, a required one no column gives; each names the file,
// row, column and property.
func TestTheTenantsSchemaIsHeldBeforeAnyWrite(t *testing.T) {
	s := runtest.Start(t, sim.Options{TenantProperties: tenantProperties(t)})
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", `library_id,lookup_field_id,alias,aliasInfo.practise_area,aliasInfo.practice_area,aliasInfo.billable
ACTIVE_US,custom3,BOS,Tax,,
ACTIVE_US,custom3,CHI,,Tax,maybe
ACTIVE_US,custom3,DAL,,Litigation,no
`)
	want := []string{
		`m.csv:2:aliasInfo.practise_area: aliasInfo.practise_area: the service's schema for custom3 aliases has no property practise_area; did you mean "practice_area"?`,
		`m.csv:3:aliasInfo.billable: aliasInfo.billable: the service's schema for custom3 aliases types billable as boolean: give true or false (or yes/no, y/n, 1/0), not "maybe"`,
	}
	v := validate(t, &ValidateOptions{Manifests: []string{m}, Remote: true, RateLimit: fast, Conn: s.Conn()})
	o := newOptions(s.Conn(), m)
	o.Manifest.Action, o.Out, o.Quiet = "create-lookup-alias", filepath.Join(dir, "r.csv"), true
	v2 := validate(t, &ValidateOptions{Manifests: []string{m}, Remote: true, RateLimit: fast, Conn: s.Conn(), Manifest: o.Manifest})
	r := start(t, o)
	for name, res := range map[string]result{"validate without --action": v, "validate --remote": v2, "run": r} {
		if res.code != int(exit.Invalid) {
			t.Errorf("%s: exit %d: %s%s", name, res.code, res.stdout, res.stderr)
		}
	}
	for _, w := range want {
		if !strings.Contains(v2.stdout, w) || strings.Count(r.stderr, w) != 1 {
			t.Errorf("missing, or said more than once, %q\nvalidate:\n%s\nrun:\n%s", w, v2.stdout, r.stderr)
		}
	}
	// Each row says whether it is one to fix.
	rows := readResults(t, o.Out)
	if len(rows) != 3 || !strings.Contains(rows[0].Error, "the service's schema refuses this row") || !strings.Contains(rows[0].Error, "practise_area") ||
		!strings.Contains(rows[2].Error, "other rows do not fit the service's schemas") {
		t.Errorf("rows %+v", rows)
	}
	if !strings.Contains(v.stdout, `not a field of any action`) && !strings.Contains(v.stdout, `has no "action" column`) {
		t.Errorf("without an action: %s", v.stdout)
	}
	if n := s.Stats().Calls["createCustomOrPropertyLookup"]; n != 0 {
		t.Errorf("%d creates sent", n)
	}

	missing := writeFile(t, dir, "missing.csv", "library_id,lookup_field_id,alias\nACTIVE_US,custom3,BOS\n")
	o = newOptions(s.Conn(), missing)
	o.Manifest.Action, o.Out, o.Quiet = "create-lookup-alias", filepath.Join(dir, "r2.csv"), true
	r = start(t, o)
	blank := writeFile(t, dir, "blank.csv", "library_id,lookup_field_id,alias,aliasInfo.practice_area\nACTIVE_US,custom3,BOS,\n")
	o = newOptions(s.Conn(), blank)
	o.Manifest.Action, o.Out, o.Quiet = "create-lookup-alias", filepath.Join(dir, "r3.csv"), true
	if r := start(t, o); !strings.Contains(r.stderr, `blank.csv:2:aliasInfo.practice_area: aliasInfo.practice_area: the service's schema for custom3 aliases requires practice_area: give it a value in column "aliasInfo.practice_area"`) {
		t.Errorf("a blank cell of the column:\n%s", r.stderr)
	}
	if w := "missing.csv:2: aliasInfo.practice_area: the service's schema for custom3 aliases requires practice_area, which no column fills: add a column aliasInfo.practice_area"; r.code != int(exit.Invalid) || !strings.Contains(r.stderr, w) {
		t.Errorf("exit %d, want %q in:\n%s", r.code, w, r.stderr)
	}
}

// Offline, validate can check only the names and text of the tenant's own
// properties: it says which it could not hold to a schema, in text and
// JSON, and still finds the file valid.
func TestOfflineValidateSaysWhatItCannotCheck(t *testing.T) {
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", "library_id,lookup_field_id,alias,aliasInfo.practice_area,aliasInfo.billable\nACTIVE_US,custom3,BOS,Tax,Y\n")
	o := &ValidateOptions{Manifests: []string{m}, Manifest: manifest.Options{Action: "create-lookup-alias"}}
	r := validate(t, o)
	if r.code != 0 || !strings.Contains(r.stdout, "not checked offline: aliasInfo.billable, aliasInfo.practice_area, the tenant's own properties;") {
		t.Errorf("exit %d:\n%s", r.code, r.stdout)
	}
	o.Format = "json"
	r = validate(t, o)
	if !strings.Contains(r.stdout, `"unchecked_properties": [
    "aliasInfo.billable",
    "aliasInfo.practice_area"
  ]`) {
		t.Errorf("JSON:\n%s", r.stdout)
	}
	plain := writeFile(t, dir, "plain.csv", "library_id,lookup_field_id,alias\nACTIVE_US,custom3,BOS\n")
	o = &ValidateOptions{Manifests: []string{plain}, Manifest: manifest.Options{Action: "create-lookup-alias"}}
	if r := validate(t, o); strings.Contains(r.stdout, "not checked offline") {
		t.Errorf("said of a file without them:\n%s", r.stdout)
	}
}

// An alias already there that the listing shows without a property the
// row gives: not compared (exists, said in its note, the summary and
// --json) while no alias shows it; a conflict once others do, for then
// this one has none.
func TestAnAliasWithoutTheTenantsProperty(t *testing.T) {
	s := runtest.Start(t, sim.Options{TenantProperties: tenantProperties(t)})
	dir := t.TempDir()
	m := writeFile(t, dir, "m.csv", "library_id,lookup_field_id,alias,aliasInfo.practice_area\nACTIVE_US,custom1,1001,Tax\n")
	o := newOptions(s.Conn(), m)
	o.Manifest.Action, o.Out, o.JSON = "create-lookup-alias", filepath.Join(dir, "r.csv"), true
	r := start(t, o)
	rows := readResults(t, o.Out)
	if r.code != 0 || rows[0].Status != executor.StatusExists || !strings.Contains(rows[0].Note, "not compared, the service did not show them: aliasInfo.practice_area") ||
		!strings.Contains(r.stdout, `"exists_not_compared": 1`) {
		t.Fatalf("exit %d (%v), rows %+v\n%s\n%s", r.code, r.err, rows, r.stdout, r.stderr)
	}
	v := validate(t, &ValidateOptions{Manifests: []string{m}, Remote: true, RateLimit: fast, Conn: s.Conn(), Manifest: o.Manifest, Format: "json"})
	if v.code != 0 || !strings.Contains(v.stdout, `"not_compared": [
        "aliasInfo.practice_area"
      ]`) || !strings.Contains(v.stdout, `"exists_not_compared": 1`) {
		t.Errorf("validate --remote: exit %d\n%s", v.code, v.stdout)
	}
	v = validate(t, &ValidateOptions{Manifests: []string{m}, Remote: true, RateLimit: fast, Conn: s.Conn(), Manifest: o.Manifest})
	if !strings.Contains(v.stdout, "already in the service: 1 as the row asks in all the service showed (1 of them with fields it did not show, not compared)") {
		t.Errorf("validate --remote:\n%s", v.stdout)
	}
	other := writeFile(t, dir, "other.csv", "library_id,lookup_field_id,alias,aliasInfo.practice_area\nACTIVE_US,custom1,9001,Tax\n")
	o2 := newOptions(s.Conn(), other)
	o2.Manifest.Action, o2.Out, o2.Quiet = "create-lookup-alias", filepath.Join(dir, "r2.csv"), true
	if r := start(t, o2); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	o.JSON, o.Quiet, o.Fresh = false, true, true
	r = start(t, o)
	rows = readResults(t, o.Out)
	if r.code != 1 || rows[0].Status != executor.StatusConflict || !strings.Contains(rows[0].Error, `aliasInfo.practice_area: the service has none, the row says "Tax"`) {
		t.Fatalf("exit %d (%v), rows %+v\n%s", r.code, r.err, rows, r.stderr)
	}
}
