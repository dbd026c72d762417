package main

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/iostreams"
	"github.com/firmtools/bulk/internal/run"
	"github.com/firmtools/bulk/internal/sim"
)

// connOf is the simulator's knobs bulk run or bulk validate makes of args.
func connOf(t *testing.T, command string, args ...string) connect.Simulator {
	t.Helper()
	ios := iostreams.Test(nil, nil, nil, nil)
	var got connect.Options
	cmd := newRunCmdWith(ios, func(_ context.Context, o *run.Options) error { got = o.Conn; return nil })
	if command == "validate" {
		cmd = newValidateCmdWith(ios, func(_ context.Context, o *run.ValidateOptions) error { got = o.Conn; return nil })
	}
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	return got.Simulator
}

// --tenant-property (bulk sim) and --sim-tenant-property (the commands
// that take --sim) read MEMBER.NAME=TYPE[,required], repeatable, into the
// simulator's options.
func TestTenantPropertyFlagsReachTheSimulatorsOptions(t *testing.T) {
	want := []sim.TenantProperty{
		{Member: "aliasInfo", Name: "practice_area", Type: "string", Required: true},
		{Member: "profileProperties", Name: "risk", Type: "string", Enum: []string{"Low", "High"}},
	}
	args := []string{"aliasInfo.practice_area=string,required", "profileproperties.risk=Low|High"}

	var got *simOptions
	cmd := newSimCmdWith(iostreams.Test(strings.NewReader(""), nil, nil, nil), func(o *simOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--tenant-property", args[0], "--tenant-property", args[1]})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	opts, err := got.simOptions()
	if err != nil || !reflect.DeepEqual(opts.TenantProperties, want) {
		t.Fatalf("bulk sim: %+v, %v", opts.TenantProperties, err)
	}

	for _, cmd := range [][]string{{"run", "m.csv"}, {"validate", "m.csv", "--remote"}} {
		c := connOf(t, cmd[0], append(cmd[1:], "--sim", "--sim-tenant-property", args[0], "--sim-tenant-property", args[1])...)
		if !reflect.DeepEqual(c.TenantProperties, want) {
			t.Fatalf("bulk %s: %+v", cmd[0], c.TenantProperties)
		}
	}
}

// A bad SPEC is a usage error (exit 2) naming the flag and what would be
// valid, before anything is started or sent.
func TestABadTenantPropertyIsAUsageError(t *testing.T) {
	for _, tc := range []struct {
		specs []string
		want  string
	}{
		{[]string{"aliasInfo.practice_area"}, "want MEMBER.NAME=TYPE[,required]"},
		{[]string{"alias.practice_area=string"}, "want aliasInfo, create_password or profileProperties"},
		{[]string{"aliasInfo.practice_area=text"}, "want string, boolean, number, integer, or an enum of strings A|B|C"},
		{[]string{"aliasInfo.id=string"}, "aliasInfo already has id"},
		{[]string{"aliasInfo.x=string", "aliasInfo.X=boolean"}, "aliasInfo.X is given twice"},
	} {
		// bulk sim gets an address it cannot listen on: were the property
		// taken, it would fail on the address instead of serving on.
		for _, cmd := range [][]string{{"sim", "--listen", "256.0.0.1:0"}, {"run", "m.csv", "--sim"}, {"validate", "m.csv", "--remote", "--sim"}, {"check", "--sim"}} {
			flag := "--sim-tenant-property"
			if cmd[0] == "sim" {
				flag = "--tenant-property"
			}
			args := append([]string{}, cmd...)
			for _, s := range tc.specs {
				args = append(args, flag, s)
			}
			r := bulk(t, nil, args...)
			if r.code != 2 || !strings.Contains(r.stderr, `for "`+flag+`" flag: `) || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("bulk %s: exit %d, %s", strings.Join(args, " "), r.code, r.stderr)
			}
		}
	}
}

// Through the whole command: the simulator --sim starts requires the
// tenant's property, so a row that does not fill it is refused (by the
// client reading the schema, or by the simulator); without the flag the
// same row succeeds.
func TestARunAgainstTheSimulatorHasTheTenantsProperties(t *testing.T) {
	dir := t.TempDir()
	m := writeFile(t, dir, "aliases.csv", "action,library_id,lookup_field_id,alias,description\ncreate-lookup-alias,ACTIVE_US,custom3,BOS,Boston\n")
	run := func(extra ...string) runResult {
		args := append([]string{"run", m, "--sim", "--rate-limit", fast, "--out", filepath.Join(dir, "r.csv"), "--quiet", "--fresh"}, extra...)
		return bulk(t, nil, args...)
	}
	if r := run(); r.code != 0 {
		t.Fatalf("without tenant properties: exit %d, %s", r.code, r.stderr)
	}
	r := run("--sim-tenant-property", "aliasInfo.practice_area=string,required")
	rows := readResults(t, filepath.Join(dir, "r.csv"))
	if r.code == 0 || len(rows) != 1 || rows[0].Status == executor.StatusOK || strings.Contains(r.stderr, "flag") ||
		!strings.Contains(r.stderr+rows[0].Error, "practice_area") {
		t.Fatalf("with a required tenant property: exit %d, %s, rows %+v", r.code, r.stderr, rows)
	}
}

// A simulator's flag where no simulator runs would do nothing, silently:
// refused (exit 2) naming it.
func TestSimulatorFlagsWithoutTheSimulatorAreRefused(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "m.csv", "--url", "https://dms.example.com", "--sim-latency", "5ms"}, "--sim-latency is for the embedded simulator: add --sim"},
		{[]string{"run", "m.csv", "--sim-tenant-property", "aliasInfo.x=string"}, "--sim-tenant-property is for the embedded simulator"},
		{[]string{"validate", "m.csv", "--remote", "--sim-fault-rate", "0.1"}, "--sim-fault-rate is for the embedded simulator"},
		{[]string{"validate", "m.csv", "--sim-tenant-property", "aliasInfo.x=string"}, "--sim-tenant-property is for the remote checks: add --remote"},
		{[]string{"validate", "m.csv", "--sim"}, "--sim is for the remote checks: add --remote"},
	} {
		r := bulk(t, nil, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("bulk %s: exit %d, %s", strings.Join(tc.args, " "), r.code, r.stderr)
		}
	}
}
