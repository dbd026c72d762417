package executor

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/wire"
)

func aliasJob(t *testing.T, i int, field, alias string, extra map[string]string) *manifest.Job {
	raw := map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": field, "alias": alias}
	for k, v := range extra {
		raw[k] = v
	}
	j := job(t, i, "create-lookup-alias", raw)
	j.Columns = map[string]string{"hipaa": "HIPAA"}
	return j
}

// Each distinct schema is read once, before any write; a row it refuses
// stops the run before anything is sent, and names the row and column.
func TestSchemasReadOnceBeforeAnyWrite(t *testing.T) {
	fc := newFake()
	fc.schemas = map[string]string{wire.OpGetCreateLookupAliasSchema: `{"type":"object","properties":{"id":{"type":"string"},"enabled":{"type":"boolean"}},"additionalProperties":false}`}
	jobs := []*manifest.Job{
		aliasJob(t, 0, "custom1", "A1", nil),
		aliasJob(t, 1, "custom1", "A2", map[string]string{"hipaa": "yes"}),
		aliasJob(t, 2, "custom3", "A3", nil),
		tab(t, 3, "Billing"),
	}
	var got *actions.Schemas
	col, err := runJobs(t, context.Background(), fc, jobs, func(o *Options) { o.OnSchemas = func(s *actions.Schemas) { got = s } })
	var se *SchemaError
	if !errors.As(err, &se) {
		t.Fatalf("run error %v, want a SchemaError", err)
	}
	want := []manifest.Problem{{File: "t.csv", Row: 3, Column: "HIPAA", Field: "hipaa", Message: "the service's schema for custom1 aliases has no property hipaa"}}
	if !reflect.DeepEqual(se.Problems, want) {
		t.Errorf("problems %+v", se.Problems)
	}
	// One read per lookup field, however many rows; no write at all.
	if n := fc.count(wire.OpGetCreateLookupAliasSchema); n != 2 || got == nil || got.Reads != 2 {
		t.Errorf("%d schema reads (report %+v), want 2", n, got)
	}
	for _, op := range []string{"createCustomOrPropertyLookup", "addTab"} {
		if fc.count(op) != 0 {
			t.Errorf("%s was sent", op)
		}
	}
	for i := range jobs {
		if o := col.out[i]; o.Status != StatusSkipped || !strings.Contains(o.Err.Error(), "nothing was sent") {
			t.Errorf("job %d: %s %v", i, o.Status, o.Err)
		}
	}
}

// A tenant without the schema operations: the contract's shapes, and the
// run says which operations it fell back for.
func TestSchemasFallBackOnce(t *testing.T) {
	fc := newFake()
	jobs := []*manifest.Job{aliasJob(t, 0, "custom1", "A1", nil), aliasJob(t, 1, "custom3", "A2", map[string]string{"hipaa": "yes"})}
	var got *actions.Schemas
	col, err := runJobs(t, context.Background(), fc, jobs, func(o *Options) { o.OnSchemas = func(s *actions.Schemas) { got = s } })
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || !reflect.DeepEqual(got.Fallbacks, []string{wire.OpGetCreateLookupAliasSchema}) {
		t.Errorf("schemas %+v", got)
	}
	for i := range jobs {
		if col.out[i].Status != StatusOK {
			t.Errorf("job %d: %s %v", i, col.out[i].Status, col.out[i].Err)
		}
	}
}

// A throttled schema read waits and is read again, like any safe call.
func TestSchemaReadRetried(t *testing.T) {
	fc := newFake()
	fc.script[wire.OpGetCreateUserPasswordSchema] = []error{&imanage.Error{Op: "x", Delivery: imanage.Answered, StatusCode: 429, Code: "TOO_MANY_REQUESTS"}}
	fc.schemas = map[string]string{wire.OpGetCreateUserPasswordSchema: `{"type":"object","properties":{},"additionalProperties":false}`}
	col, err := runJobs(t, context.Background(), fc, []*manifest.Job{user(t, 0, "JDOE")}, nil)
	if err != nil || col.out[0].Status != StatusOK || fc.count(wire.OpGetCreateUserPasswordSchema) != 2 {
		t.Errorf("err %v, outcome %+v, %d reads", err, col.out[0], fc.count(wire.OpGetCreateUserPasswordSchema))
	}
}
