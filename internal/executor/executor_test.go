package executor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/pacer"
	"github.com/firmtools/bulk/internal/ratelimit"
	"github.com/firmtools/bulk/internal/wire"
)

// fakeClient answers each operation from a script of errors (nil = success)
// and counts calls. It implements actions.Client.
type fakeClient struct {
	mu      sync.Mutex
	script  map[string][]error // per operation, consumed in order; empty = success
	calls   map[string]int
	reqs    []any
	onCall  func(op string)
	tabSeq  int
	blockOn chan struct{}      // when set, AddTab waits on it
	hang    bool               // AddTab and CreateUser, once counted, wait for their context to end
	aliases []wire.LookupAlias // what GetLookupAliases lists
	user    *wire.User         // when set, what CreateUser answers
	schemas map[string]string  // what the schema operations answer, by operation
}

func newFake() *fakeClient {
	return &fakeClient{script: map[string][]error{}, calls: map[string]int{}}
}

func (f *fakeClient) next(op string, req any) error {
	f.mu.Lock()
	f.calls[op]++
	f.reqs = append(f.reqs, req)
	var err error
	if s := f.script[op]; len(s) > 0 {
		err, f.script[op] = s[0], s[1:]
	}
	cb := f.onCall
	f.mu.Unlock()
	if cb != nil {
		cb(op)
	}
	return err
}

// hung is what a call that hangs (f.hang) ends with, as the client ends
// one whose context ended after it was sent: it may have been processed.
func (f *fakeClient) hung(ctx context.Context, op string) error {
	if !f.hang {
		return nil
	}
	<-ctx.Done()
	return &imanage.Error{Op: op, Delivery: imanage.Ambiguous, Err: fmt.Errorf("interrupted: %w", ctx.Err())}
}

func (f *fakeClient) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *fakeClient) CreateUser(ctx context.Context, r wire.CreateUserRequest) (*wire.User, error) {
	if err := f.next("createUser", r); err != nil {
		return nil, err
	}
	if err := f.hung(ctx, "createUser"); err != nil {
		return nil, err
	}
	num, created := int64(42), true
	if f.user != nil {
		return f.user, nil
	}
	return &wire.User{ID: r.ID, UserNum: &num, UserCreated: &created}, nil
}
func (f *fakeClient) AssignUserToLibrary(ctx context.Context, r wire.AssignUserToLibraryRequest) (*wire.AssignUserToLibraryResult, error) {
	if err := f.next("assignUserToLibrary", r); err != nil {
		return nil, err
	}
	return &wire.AssignUserToLibraryResult{UserNum: "42"}, nil
}
func (f *fakeClient) GetLibraryRoles(ctx context.Context, r wire.GetLibraryRolesRequest) ([]wire.IDDescription, error) {
	if err := f.next("getLibraryRoles", r); err != nil {
		return nil, err
	}
	return []wire.IDDescription{{ID: "ATTORNEY", Description: "Attorney"}}, nil
}
func (f *fakeClient) GetLookupAliases(ctx context.Context, r wire.GetLookupAliasesRequest) ([]wire.LookupAlias, error) {
	if err := f.next("getLookupAliases", r); err != nil {
		return nil, err
	}
	return f.aliases, nil
}
func (f *fakeClient) CreateLookupAlias(ctx context.Context, r wire.LookupAliasRequest) error {
	return f.next("createCustomOrPropertyLookup", r)
}
func (f *fakeClient) UpdateCustomField(ctx context.Context, r wire.LookupAliasRequest) error {
	return f.next("updateCustomField", r)
}
func (f *fakeClient) AddTab(ctx context.Context, r wire.AddTabRequest) (*wire.Tab, error) {
	if f.blockOn != nil {
		<-f.blockOn
	}
	if err := f.next("addTab", r); err != nil {
		return nil, err
	}
	if err := f.hung(ctx, "addTab"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.tabSeq++
	id := fmt.Sprintf("ACTIVE_US!%d", 10000+f.tabSeq)
	f.mu.Unlock()
	return &wire.Tab{ID: id, Name: r.Name, WorkspaceID: r.ParentID}, nil
}
func (f *fakeClient) AddFolder(ctx context.Context, r wire.AddFolderRequest) (*wire.Folder, error) {
	if err := f.next("addFolder", r); err != nil {
		return nil, err
	}
	return &wire.Folder{ID: "ACTIVE_US!20001", Name: r.Name, ParentID: r.ParentID}, nil
}
func (f *fakeClient) AddShortcutsToMyMatters(ctx context.Context, r wire.AddShortcutsRequest) (*wire.AddShortcutsResult, error) {
	if err := f.next("addShortcutsToMyMattersAdmin", r); err != nil {
		return nil, err
	}
	res := &wire.AddShortcutsResult{}
	var ids []string
	for i, ws := range r.WorkspaceIDs {
		s := wire.Shortcut{ID: fmt.Sprintf("ACTIVE_US!%d", 30000+i), WSType: "workspace_shortcut"}
		s.Target.ID = ws
		res.Shortcuts = append(res.Shortcuts, s)
		ids = append(ids, s.ID)
	}
	res.AllWorkspaceShortcutIDs = strings.Join(ids, ";")
	return res, nil
}
func (f *fakeClient) GetMyMattersCategories(ctx context.Context, userID string) ([]wire.MyMattersCategory, error) {
	if err := f.next("getMyMattersCategories", userID); err != nil {
		return nil, err
	}
	return nil, nil
}

// job builds a validated job of action from raw fields.
func job(t *testing.T, index int, action string, raw map[string]string) *manifest.Job {
	t.Helper()
	spec, ok := actions.Lookup(action)
	if !ok {
		t.Fatalf("no action %s", action)
	}
	v, s, problems := spec.Validate(raw)
	if len(problems) > 0 {
		t.Fatalf("job %d (%s) invalid: %v", index, action, problems)
	}
	return &manifest.Job{Index: index, Source: "t.csv", Row: index + 2, Action: spec, Values: v, Secrets: s}
}

func tab(t *testing.T, i int, name string) *manifest.Job {
	return job(t, i, "add-tab", map[string]string{"name": name, "parent_id": "ACTIVE_US!1000"})
}

func user(t *testing.T, i int, id string) *manifest.Job {
	return job(t, i, "create-user", map[string]string{"id": id, "full_name": "X " + id, "email": strings.ToLower(id) + "@firm.com",
		"preferred_library": "ACTIVE_US", "role": "ATTORNEY"})
}

// fastClock never waits: Sleep moves its time forward. Holds and backoffs
// are checked by how far it moved.
type fastClock struct {
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
}

func newFastClock() *fastClock { return &fastClock{now: time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)} }

func (c *fastClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fastClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
		c.slept += d
	}
	return nil
}

func (c *fastClock) Slept() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slept
}

type collected struct {
	mu  sync.Mutex
	out map[int]Outcome
	n   map[int]int
}

func (c *collected) add(o Outcome) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.out == nil {
		c.out, c.n = map[int]Outcome{}, map[int]int{}
	}
	c.out[o.Job.Index] = o
	c.n[o.Job.Index]++
	return nil
}

func runJobs(t *testing.T, ctx context.Context, fc *fakeClient, jobs []*manifest.Job, mod func(*Options)) (*collected, error) {
	t.Helper()
	clock := newFastClock()
	col := &collected{}
	opts := Options{
		Client:      fc,
		Pacer:       pacer.New(ratelimit.Limit{N: 1000, Window: time.Second}, clock, pacer.Settings{}),
		Clock:       clock,
		Concurrency: 3,
		MaxAttempts: 4,
		Backoff:     Backoff{Base: time.Second, Max: 8 * time.Second},
		Rand:        func() float64 { return 0.5 },
		OnEnd:       col.add,
	}
	if mod != nil {
		mod(&opts)
	}
	err := Run(ctx, jobs, opts)
	for _, j := range jobs {
		if col.n[j.Index] != 1 {
			t.Fatalf("job %d reported %d times, want exactly once", j.Index, col.n[j.Index])
		}
	}
	return col, err
}

func apiErr(status int, code string) error {
	return &imanage.Error{Op: "x", Delivery: imanage.Answered, StatusCode: status, Code: code}
}

var (
	errDropped = &imanage.Error{Op: "x", Delivery: imanage.Ambiguous, Err: errors.New("EOF")}
	errRefused = &imanage.Error{Op: "x", Delivery: imanage.NotSent, Err: errors.New("connection refused")}
)

func TestRetryPolicy(t *testing.T) {
	throttled := &imanage.Error{Op: "x", Delivery: imanage.Answered, StatusCode: 429, Code: "TOO_MANY_REQUESTS",
		RetryAfter: 7 * time.Second, HasRetryAfter: true}
	cases := []struct {
		name     string
		mk       func(t *testing.T) *manifest.Job
		op       string
		script   []error
		status   Status
		attempts int
		calls    int
	}{
		{"tab ok after 429 and 503 and refused connection", func(t *testing.T) *manifest.Job { return tab(t, 0, "A") }, "addTab",
			[]error{throttled, apiErr(503, "SERVICE_UNAVAILABLE"), errRefused}, StatusOK, 4, 4},
		{"tab dropped connection is unknown and not repeated", func(t *testing.T) *manifest.Job { return tab(t, 0, "A") }, "addTab",
			[]error{errDropped}, StatusUnknown, 1, 1},
		{"tab 500 is unknown and not repeated", func(t *testing.T) *manifest.Job { return tab(t, 0, "A") }, "addTab",
			[]error{apiErr(500, "INTERNAL")}, StatusUnknown, 1, 1},
		{"tab 404 fails at once", func(t *testing.T) *manifest.Job { return tab(t, 0, "A") }, "addTab",
			[]error{apiErr(404, "CONTAINER_NOT_FOUND")}, StatusFailed, 1, 1},
		{"user repeated after a drop and a 500", func(t *testing.T) *manifest.Job { return user(t, 0, "JDOE") }, "createUser",
			[]error{errDropped, apiErr(500, "INTERNAL")}, StatusOK, 3, 3},
		{"user gives up after max attempts", func(t *testing.T) *manifest.Job { return user(t, 0, "JDOE") }, "createUser",
			[]error{errDropped, errDropped, errDropped, errDropped, errDropped}, StatusFailed, 4, 4},
		{"user 400 fails at once", func(t *testing.T) *manifest.Job { return user(t, 0, "JDOE") }, "createUser",
			[]error{apiErr(400, "VALIDATION_FAILED")}, StatusFailed, 1, 1},
		{"alias duplicate after a drop is its own success", func(t *testing.T) *manifest.Job {
			return job(t, 0, "create-lookup-alias", map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom3", "alias": "PAR"})
		}, "createCustomOrPropertyLookup", []error{errDropped, apiErr(409, "DUPLICATE_ALIAS")}, StatusOK, 2, 2},
		{"alias duplicate without an earlier drop is a failure", func(t *testing.T) *manifest.Job {
			return job(t, 0, "create-lookup-alias", map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom3", "alias": "PAR"})
		}, "createCustomOrPropertyLookup", []error{apiErr(409, "DUPLICATE_ALIAS")}, StatusFailed, 1, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fc := newFake()
			fc.script[tc.op] = tc.script
			col, err := runJobs(t, context.Background(), fc, []*manifest.Job{tc.mk(t)}, nil)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			o := col.out[0]
			if o.Status != tc.status || o.Attempts != tc.attempts {
				t.Fatalf("status %s attempts %d (err %v), want %s after %d", o.Status, o.Attempts, o.Err, tc.status, tc.attempts)
			}
			if got := fc.count(tc.op); got != tc.calls {
				t.Fatalf("%d calls, want %d", got, tc.calls)
			}
			if tc.status == StatusUnknown && !strings.Contains(o.Err.Error(), "--retry-unknown") {
				t.Fatalf("unknown row's error should say what to do: %v", o.Err)
			}
		})
	}
}

func TestBackoffCappedWithJitter(t *testing.T) {
	b := Backoff{Base: time.Second, Max: 10 * time.Second}
	for attempt := 1; attempt <= 8; attempt++ {
		lo, hi := b.delay(attempt, 0), b.delay(attempt, 0.999999)
		if lo > hi || hi > 10*time.Second || lo < b.delay(1, 0) {
			t.Fatalf("attempt %d: delay range [%s, %s]", attempt, lo, hi)
		}
	}
	if b.delay(2, 0) != time.Second || b.delay(3, 0) != 2*time.Second {
		t.Fatalf("not doubling: %s %s", b.delay(2, 0), b.delay(3, 0))
	}
}

func TestDependentsOfFailedJobAreSkipped(t *testing.T) {
	fc := newFake()
	fc.script["createUser"] = []error{apiErr(400, "VALIDATION_FAILED")}
	u := user(t, 0, "JDOE")
	a := job(t, 1, "assign-user-to-library", map[string]string{"library_id": "ACTIVE_UK", "user_id": "JDOE", "role": "ATTORNEY"})
	a.DependsOn = []int{0}
	b := job(t, 2, "add-my-matters-shortcuts", map[string]string{"user_id": "JDOE", "workspace_id": "ACTIVE_US!1000"})
	b.DependsOn = []int{1}
	other := user(t, 3, "ASMITH2")
	// One worker: the scripted failure must meet JDOE, not ASMITH2.
	col, err := runJobs(t, context.Background(), fc, []*manifest.Job{u, a, b, other}, func(o *Options) { o.Concurrency = 1 })
	if err != nil {
		t.Fatal(err)
	}
	if col.out[1].Status != StatusSkipped || !strings.Contains(col.out[1].Err.Error(), "t.csv row 2") {
		t.Fatalf("assign: %s %v", col.out[1].Status, col.out[1].Err)
	}
	if col.out[2].Status != StatusSkipped || !strings.Contains(col.out[2].Err.Error(), "row 3") {
		t.Fatalf("shortcut: %s %v", col.out[2].Status, col.out[2].Err)
	}
	if col.out[3].Status != StatusOK {
		t.Fatalf("independent job: %s", col.out[3].Status)
	}
	if fc.count("assignUserToLibrary") != 0 || fc.count("addShortcutsToMyMattersAdmin") != 0 {
		t.Fatal("skipped jobs were sent")
	}
}

func TestReferencesFilledFromAnswers(t *testing.T) {
	fc := newFake()
	tb := tab(t, 0, "Pleadings")
	tb.Ref = "pleadings"
	fo := job(t, 1, "add-folder", map[string]string{"name": "Drafts", "parent_id": "${pleadings.id}", "parent_type": "Tab"})
	fo.DependsOn = []int{0}
	col, err := runJobs(t, context.Background(), fc, []*manifest.Job{fo, tb}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if col.out[1].Status != StatusOK {
		t.Fatalf("folder: %s %v", col.out[1].Status, col.out[1].Err)
	}
	var got wire.AddFolderRequest
	for _, r := range fc.reqs {
		if f, ok := r.(wire.AddFolderRequest); ok {
			got = f
		}
	}
	if got.ParentID != col.out[0].Result.ObjectID || got.ParentID == "" {
		t.Fatalf("folder parent %q, tab id %q", got.ParentID, col.out[0].Result.ObjectID)
	}
}

func TestCallsMergedAndShared(t *testing.T) {
	fc := newFake()
	jobs := []*manifest.Job{
		job(t, 0, "add-my-matters-shortcuts", map[string]string{"user_id": "JDOE", "workspace_id": "ACTIVE_US!1000;ACTIVE_US!1001"}),
		job(t, 1, "add-my-matters-shortcuts", map[string]string{"user_id": "JDOE", "workspace_id": "ACTIVE_US!1002"}),
		job(t, 2, "add-my-matters-shortcuts", map[string]string{"user_id": "ASMITH", "workspace_id": "ACTIVE_US!1002"}),
		job(t, 3, "get-library-roles", map[string]string{"library_id": "ACTIVE_US"}),
		job(t, 4, "get-library-roles", map[string]string{"library_id": "ACTIVE_US"}),
		job(t, 5, "get-library-roles", map[string]string{"library_id": "ACTIVE_UK"}),
	}
	col, err := runJobs(t, context.Background(), fc, jobs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := fc.count("addShortcutsToMyMattersAdmin"); got != 2 {
		t.Fatalf("%d shortcut calls, want 2 (one per user)", got)
	}
	if got := fc.count("getLibraryRoles"); got != 2 {
		t.Fatalf("%d role lookups, want 2 (one per library)", got)
	}
	if ids := strings.Split(col.out[0].Result.ObjectID, ";"); len(ids) != 2 {
		t.Fatalf("row 0 shortcut ids %q, want its own two", col.out[0].Result.ObjectID)
	}
	if ids := strings.Split(col.out[1].Result.ObjectID, ";"); len(ids) != 1 || ids[0] == "" {
		t.Fatalf("row 1 shortcut ids %q, want its own one", col.out[1].Result.ObjectID)
	}
	for i := range jobs {
		if col.out[i].Status != StatusOK {
			t.Fatalf("job %d: %s %v", i, col.out[i].Status, col.out[i].Err)
		}
	}
}

func TestMaxFailuresStopsScheduling(t *testing.T) {
	fc := newFake()
	var jobs []*manifest.Job
	for i := 0; i < 10; i++ {
		jobs = append(jobs, tab(t, i, fmt.Sprintf("T%d", i)))
	}
	fc.script["addTab"] = []error{apiErr(404, "CONTAINER_NOT_FOUND"), apiErr(404, "CONTAINER_NOT_FOUND"), apiErr(404, "CONTAINER_NOT_FOUND")}
	col, err := runJobs(t, context.Background(), fc, jobs, func(o *Options) { o.Concurrency = 1; o.MaxFailures = 2 })
	if !errors.Is(err, errMaxFailures) {
		t.Fatalf("Run error %v, want errMaxFailures", err)
	}
	skipped := 0
	for _, o := range col.out {
		if o.Status == StatusSkipped {
			skipped++
			if !strings.Contains(o.Err.Error(), "max-failures") {
				t.Fatalf("skip reason %q", o.Err)
			}
		}
	}
	if skipped != 7 || fc.count("addTab") != 3 {
		t.Fatalf("%d skipped, %d sent; want 7 skipped after 3 failures", skipped, fc.count("addTab"))
	}
}

func TestInterruptFinishesInFlightAndSkipsTheRest(t *testing.T) {
	fc := newFake()
	var jobs []*manifest.Job
	for i := 0; i < 6; i++ {
		jobs = append(jobs, tab(t, i, fmt.Sprintf("T%d", i)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	fc.blockOn = make(chan struct{})
	started := make(chan struct{}, 10)
	fc.onCall = func(string) { started <- struct{}{} }
	go func() {
		// Let the first call in, interrupt, then let it finish.
		fc.blockOn <- struct{}{}
		<-started
		cancel()
		close(fc.blockOn)
	}()
	col, err := runJobs(t, ctx, fc, jobs, func(o *Options) { o.Concurrency = 1 })
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run error %v, want ErrInterrupted", err)
	}
	if col.out[0].Status != StatusOK {
		t.Fatalf("call in flight: %s %v", col.out[0].Status, col.out[0].Err)
	}
	sent := fc.count("addTab")
	for i := 1; i < 6; i++ {
		if col.out[i].Status == StatusOK {
			continue // started before the interruption was seen
		}
		if col.out[i].Status != StatusSkipped {
			t.Fatalf("job %d: %s", i, col.out[i].Status)
		}
	}
	if sent > 2 {
		t.Fatalf("%d calls after an interruption with one worker", sent)
	}
}

// A second interruption (Abort) cancels the calls in flight at once,
// without waiting out Grace: a tab, which may have been made, ends unknown
// and a user, safe to repeat, failed, each saying the run was interrupted
// twice; what had not started is skipped. Every job ends once.
func TestASecondInterruptCancelsTheCallsInFlight(t *testing.T) {
	fc := newFake()
	fc.hang = true
	var jobs []*manifest.Job
	for i := 0; i < 6; i += 2 {
		jobs = append(jobs, tab(t, i, fmt.Sprintf("T%d", i)), user(t, i+1, fmt.Sprintf("U%d", i+1)))
	}
	ctx, interrupt := context.WithCancel(context.Background())
	abort, abortNow := context.WithCancel(context.Background())
	var started atomic.Int32
	fc.onCall = func(string) {
		if started.Add(1) == 4 { // every worker has a call in flight
			interrupt()
			abortNow()
		}
	}
	done := make(chan struct{})
	var col *collected
	var err error
	go func() {
		defer close(done)
		col, err = runJobs(t, ctx, fc, jobs, func(o *Options) { o.Concurrency, o.Grace, o.Abort = 4, time.Hour, abort })
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a deadlock guard: the run ends in milliseconds, or after Grace's hour
		t.Fatal("the calls in flight were not cancelled at the second interruption")
	}
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run error %v, want ErrInterrupted", err)
	}
	want := map[int]Status{0: StatusUnknown, 1: StatusFailed, 2: StatusUnknown, 3: StatusFailed, 4: StatusSkipped, 5: StatusSkipped}
	for i, st := range want {
		o := col.out[i]
		if o.Status != st {
			t.Errorf("job %d (%s): %s %v, want %s", i, o.Job.Action.Name, o.Status, o.Err, st)
			continue
		}
		prefix := "the run was interrupted twice"
		if st == StatusSkipped {
			prefix = "not started: the run was interrupted"
		}
		if !strings.HasPrefix(o.Err.Error(), prefix) {
			t.Errorf("job %d (%s %s): %q does not start %q", i, o.Job.Action.Name, st, o.Err, prefix)
		}
	}
	if n := fc.count("addTab") + fc.count("createUser"); n != 4 {
		t.Errorf("%d calls, want the 4 in flight", n)
	}
}

func TestFatalSignInLossEndsRun(t *testing.T) {
	fc := newFake()
	lost := fmt.Errorf("addTab: %w", imanage.ErrAuthLost)
	fc.script["addTab"] = []error{lost}
	var jobs []*manifest.Job
	for i := 0; i < 5; i++ {
		jobs = append(jobs, tab(t, i, fmt.Sprintf("T%d", i)))
	}
	col, err := runJobs(t, context.Background(), fc, jobs, func(o *Options) { o.Concurrency = 1 })
	if !errors.Is(err, imanage.ErrAuthLost) {
		t.Fatalf("Run error %v", err)
	}
	if col.out[0].Status != StatusFailed || fc.count("addTab") != 1 {
		t.Fatalf("first %s, %d calls", col.out[0].Status, fc.count("addTab"))
	}
	for i := 1; i < 5; i++ {
		if col.out[i].Status != StatusSkipped {
			t.Fatalf("job %d: %s", i, col.out[i].Status)
		}
	}
}

// Schema operations answer f.schemas[op]; an operation without one is
// missing (404), as on a tenant that predates them.
func (f *fakeClient) schema(op, arg string) (json.RawMessage, error) {
	if err := f.next(op, arg); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if raw, ok := f.schemas[op]; ok {
		return json.RawMessage(raw), nil
	}
	// As the client answers it (a 404 to a schema read).
	return nil, fmt.Errorf("%w: %w", wire.ErrNoOperation, &imanage.Error{Op: op, Delivery: imanage.Answered, StatusCode: 404, Code: "NOT_FOUND"})
}
func (f *fakeClient) GetCreateLookupAliasSchema(_ context.Context, a string) (json.RawMessage, error) {
	return f.schema(wire.OpGetCreateLookupAliasSchema, a)
}
func (f *fakeClient) GetUpdateCustomFieldSchema(_ context.Context, a string) (json.RawMessage, error) {
	return f.schema(wire.OpGetUpdateCustomFieldSchema, a)
}
func (f *fakeClient) GetCreateUserPasswordSchema(_ context.Context, a string) (json.RawMessage, error) {
	return f.schema(wire.OpGetCreateUserPasswordSchema, a)
}
func (f *fakeClient) GetAddFolderPropertiesSchema(_ context.Context, a string) (json.RawMessage, error) {
	return f.schema(wire.OpGetAddFolderPropertiesSchema, a)
}

func TestAnOutcomeThatCannotBeRecordedStopsNewCalls(t *testing.T) {
	diskFull := errors.New("writing result file r.csv: no space left on device")
	t.Run("no job starts after it", func(t *testing.T) {
		fc := newFake()
		var jobs []*manifest.Job
		for i := 0; i < 5; i++ {
			jobs = append(jobs, tab(t, i, fmt.Sprintf("T%d", i)))
		}
		col, err := runJobs(t, context.Background(), fc, jobs, func(o *Options) {
			o.Concurrency = 1
			end := o.OnEnd
			o.OnEnd = func(oc Outcome) error {
				_ = end(oc)
				if oc.Job.Index == 0 {
					return diskFull
				}
				return nil
			}
		})
		if !errors.Is(err, diskFull) {
			t.Fatalf("Run error %v, want the failed record", err)
		}
		if n := fc.count("addTab"); n != 1 {
			t.Fatalf("%d calls, want only the one whose outcome could not be recorded", n)
		}
		for i := 1; i < 5; i++ {
			if o := col.out[i]; o.Status != StatusSkipped || !strings.Contains(o.Err.Error(), "no space left") {
				t.Fatalf("job %d: %s %v", i, o.Status, o.Err)
			}
		}
	})
	t.Run("a job being retried sends no further attempt", func(t *testing.T) {
		fc := newFake()
		fc.script["createUser"] = []error{apiErr(503, "SERVICE_UNAVAILABLE")}
		stopped := make(chan struct{})
		fc.onCall = func(op string) {
			if op == "createUser" {
				<-stopped // the run has stopped before the answer comes
			}
		}
		// Two workers: the user's call and tab A's. A's outcome cannot be
		// recorded; B, waiting for a worker, is then skipped, which tells
		// the user's call that the run has stopped.
		jobs := []*manifest.Job{user(t, 0, "JDOE"), tab(t, 1, "A"), tab(t, 2, "B")}
		col, err := runJobs(t, context.Background(), fc, jobs, func(o *Options) {
			o.Concurrency = 2
			end := o.OnEnd
			o.OnEnd = func(oc Outcome) error {
				_ = end(oc)
				switch oc.Job.Index {
				case 1:
					return diskFull
				case 2:
					close(stopped)
				}
				return nil
			}
		})
		if !errors.Is(err, diskFull) {
			t.Fatalf("Run error %v", err)
		}
		if n := fc.count("createUser"); n != 1 {
			t.Fatalf("%d createUser attempts after the run stopped, want 1", n)
		}
		if o := col.out[0]; o.Status != StatusFailed || !strings.Contains(o.Err.Error(), "the run stopped") {
			t.Fatalf("the retried job: %s %v", o.Status, o.Err)
		}
		if o := col.out[2]; o.Status != StatusSkipped || fc.count("addTab") != 1 {
			t.Fatalf("tab B: %s, %d addTab calls", o.Status, fc.count("addTab"))
		}
	})
}

func ptr[T any](v T) *T { return &v }
