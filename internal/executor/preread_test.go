package executor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/wire"
)

func alias(t *testing.T, index int, field, id string, more ...string) *manifest.Job {
	t.Helper()
	raw := map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": field, "alias": id}
	for i := 0; i+1 < len(more); i += 2 {
		raw[more[i]] = more[i+1]
	}
	return job(t, index, "create-lookup-alias", raw)
}

func TestPreReadOncePerGroupSharedByItsRows(t *testing.T) {
	fc := newFake()
	fc.aliases = []wire.LookupAlias{
		{ID: "NY", Description: ptr("New York"), Enabled: ptr(true), HIPAA: ptr(false)},
		{ID: "LDN", Description: ptr("London"), Enabled: ptr(true), HIPAA: ptr(false)},
	}
	var jobs []*manifest.Job
	for i, id := range []string{"NY", "LDN", "PAR", "BER", "ROM"} {
		jobs = append(jobs, alias(t, i, "custom3", id))
	}
	jobs = append(jobs, alias(t, 5, "custom3", "NY", "alias_description", "Manhattan"))
	jobs = append(jobs, alias(t, 6, "custom4", "X1")) // another field: another read
	counters := &Counters{}
	col, err := runJobs(t, context.Background(), fc, jobs, func(o *Options) { o.Concurrency = 4; o.Counters = counters })
	if err != nil {
		t.Fatal(err)
	}
	want := []Status{StatusExists, StatusExists, StatusOK, StatusOK, StatusOK, StatusConflict, StatusOK}
	for i, st := range want {
		if col.out[i].Status != st {
			t.Errorf("job %d: %s %v, want %s", i, col.out[i].Status, col.out[i].Err, st)
		}
	}
	if !strings.Contains(col.out[5].Err.Error(), `alias_description: the service has "New York", the row says "Manhattan"`) {
		t.Errorf("conflict: %v", col.out[5].Err)
	}
	if n := fc.count("getLookupAliases"); n != 2 {
		t.Fatalf("%d reads for two fields", n)
	}
	if n := fc.count("createCustomOrPropertyLookup"); n != 4 {
		t.Fatalf("%d creates, want 4 (PAR, BER, ROM, X1)", n)
	}
	if ended := counters.ended(); ended.Exists != 2 || ended.Conflict != 1 || counters.Pending.Load() != 0 {
		t.Fatalf("counters exists %d conflict %d pending %d", ended.Exists, ended.Conflict, counters.Pending.Load())
	}

	// The calls still to make count the reads: 7 units and 2 reads, less
	// the unit that makes the first read, when it makes it.
	fc = newFake()
	counters = &Counters{}
	var pending []int64
	fc.onCall = func(op string) {
		if op == "getLookupAliases" {
			pending = append(pending, counters.Pending.Load())
		}
	}
	if _, err := runJobs(t, context.Background(), fc, jobs, func(o *Options) { o.Concurrency = 1; o.Counters = counters }); err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2 || pending[0] != 8 || counters.Pending.Load() != 0 {
		t.Fatalf("pending at each read %v, at the end %d", pending, counters.Pending.Load())
	}
}

func TestPreReadRetriedAndItsFailureEndsItsRows(t *testing.T) {
	t.Run("503 then answered", func(t *testing.T) {
		fc := newFake()
		fc.script["getLookupAliases"] = []error{apiErr(503, "SERVICE_UNAVAILABLE")}
		col, err := runJobs(t, context.Background(), fc, []*manifest.Job{alias(t, 0, "custom3", "PAR")}, nil)
		if err != nil || col.out[0].Status != StatusOK || fc.count("getLookupAliases") != 2 {
			t.Fatalf("%v %+v, %d reads", err, col.out[0], fc.count("getLookupAliases"))
		}
	})
	t.Run("refused", func(t *testing.T) {
		fc := newFake()
		fc.script["getLookupAliases"] = []error{apiErr(404, "LIBRARY_NOT_FOUND")}
		jobs := []*manifest.Job{alias(t, 0, "custom3", "PAR"), alias(t, 1, "custom3", "BER")}
		col, err := runJobs(t, context.Background(), fc, jobs, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range jobs {
			if o := col.out[i]; o.Status != StatusFailed || !strings.Contains(o.Err.Error(), "listing the custom3 aliases in ACTIVE_US first failed") {
				t.Errorf("job %d: %s %v", i, o.Status, o.Err)
			}
		}
		if fc.count("getLookupAliases") != 1 || fc.count("createCustomOrPropertyLookup") != 0 {
			t.Fatalf("reads %d creates %d", fc.count("getLookupAliases"), fc.count("createCustomOrPropertyLookup"))
		}
	})
	t.Run("sign-in lost", func(t *testing.T) {
		fc := newFake()
		lost := &imanage.Error{Op: "getLookupAliases", Delivery: imanage.Answered, StatusCode: 401, Err: fmt.Errorf("%w: x", imanage.ErrAuthLost)}
		fc.script["getLookupAliases"] = []error{lost}
		col, err := runJobs(t, context.Background(), fc, []*manifest.Job{alias(t, 0, "custom3", "PAR")}, nil)
		if !errors.Is(err, imanage.ErrAuthLost) || col.out[0].Status != StatusFailed {
			t.Fatalf("%v %+v", err, col.out[0])
		}
	})
}

// A DUPLICATE_ALIAS is our own earlier attempt's success only after an
// attempt of this run that may have been processed: the read before it did
// not list the alias.
func TestDuplicateAliasAfterAReadNeedsAnAmbiguousAttempt(t *testing.T) {
	fc := newFake()
	fc.script["createCustomOrPropertyLookup"] = []error{apiErr(409, "DUPLICATE_ALIAS")}
	col, err := runJobs(t, context.Background(), fc, []*manifest.Job{alias(t, 0, "custom3", "PAR")}, nil)
	if err != nil || col.out[0].Status != StatusFailed {
		t.Fatalf("someone else's alias, made after our read: %v %+v", err, col.out[0])
	}
	fc = newFake()
	fc.script["createCustomOrPropertyLookup"] = []error{errDropped, apiErr(409, "DUPLICATE_ALIAS")}
	col, err = runJobs(t, context.Background(), fc, []*manifest.Job{alias(t, 0, "custom3", "PAR")}, nil)
	if err != nil || col.out[0].Status != StatusOK || !strings.Contains(col.out[0].Result.Note, "earlier attempt") || col.out[0].Result.ObjectID != "PAR" {
		t.Fatalf("our own dropped attempt: %v %+v", err, col.out[0])
	}
}

// An existing user after an attempt that may have been processed is that
// attempt's success; without one it is exists.
func TestExistingUserAfterAnAmbiguousAttempt(t *testing.T) {
	existing := func() *wire.User {
		return &wire.User{ID: "JDOE", UserNum: ptr[int64](7), UserCreated: ptr(false), FullName: ptr("X JDOE"),
			Email: ptr("jdoe@firm.com"), PreferredLibrary: ptr("ACTIVE_US"), IsExternal: ptr(false)}
	}
	fc := newFake()
	fc.user = existing()
	col, err := runJobs(t, context.Background(), fc, []*manifest.Job{user(t, 0, "JDOE")}, nil)
	if err != nil || col.out[0].Status != StatusExists {
		t.Fatalf("%v %+v", err, col.out[0])
	}
	fc = newFake()
	fc.user = existing()
	fc.script["createUser"] = []error{errDropped}
	col, err = runJobs(t, context.Background(), fc, []*manifest.Job{user(t, 0, "JDOE")}, nil)
	if err != nil || col.out[0].Status != StatusOK || !strings.Contains(col.out[0].Result.Note, "earlier attempt") {
		t.Fatalf("%v %+v", err, col.out[0])
	}
	// From the journal: an earlier run may have made it.
	fc = newFake()
	fc.user = existing()
	col, err = runJobs(t, context.Background(), fc, []*manifest.Job{user(t, 0, "JDOE")}, func(o *Options) {
		o.Preset = map[int]Preset{0: {MaybeDone: true}}
	})
	if err != nil || col.out[0].Status != StatusOK || !strings.Contains(col.out[0].Result.Note, "earlier attempt") {
		t.Fatalf("%v %+v", err, col.out[0])
	}
	// A user unlike the row is a conflict, even after an ambiguous attempt.
	fc = newFake()
	fc.user = existing()
	fc.user.Email = ptr("someone@else.example")
	fc.script["createUser"] = []error{errDropped}
	col, err = runJobs(t, context.Background(), fc, []*manifest.Job{user(t, 0, "JDOE")}, nil)
	if err != nil || col.out[0].Status != StatusConflict {
		t.Fatalf("%v %+v", err, col.out[0])
	}
}
