package executor

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/manifest"
)

// planJobs are rows of every kind of call a run makes: identical reads
// (one call), shortcut rows for one user and category (one call, and one
// more for another category), aliases whose pre-read lists one group
// (one read, then a create each), rows that wait for another, and a user
// whose create_password schema is read once before the first write.
func planJobs(t *testing.T) []*manifest.Job {
	roles := map[string]string{"library_id": "ACTIVE_US"}
	jobs := []*manifest.Job{
		job(t, 0, "get-library-roles", roles),
		job(t, 1, "get-library-roles", roles),
		job(t, 2, "get-library-roles", roles),
		job(t, 3, "add-my-matters-shortcuts", map[string]string{"user_id": "ASMITH", "workspace_id": "ACTIVE_US!1000"}),
		job(t, 4, "add-my-matters-shortcuts", map[string]string{"user_id": "asmith", "workspace_id": "ACTIVE_US!1001;ACTIVE_US!1002"}),
		job(t, 5, "add-my-matters-shortcuts", map[string]string{"user_id": "ASMITH", "workspace_id": "ACTIVE_US!1000", "category_id": "ACTIVE_US!9001"}),
		job(t, 6, "create-lookup-alias", map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom3", "alias": "NY"}),
		job(t, 7, "create-lookup-alias", map[string]string{"library_id": "ACTIVE_US", "lookup_field_id": "custom3", "alias": "LDN"}),
		user(t, 8, "JDOE"),
		job(t, 9, "get-my-matters-categories", map[string]string{"user_id": "JDOE"}),
		job(t, 10, "get-my-matters-categories", map[string]string{"user_id": "JDOE"}),
	}
	// As the manifest makes them: the category reads wait for the user.
	jobs[9].DependsOn, jobs[10].DependsOn = []int{8}, []int{8}
	return jobs
}

// `bulk validate --remote` prints Plan; a run makes exactly the calls it
// counts, per action and in all.
func TestPlanIsWhatTheRunMakes(t *testing.T) {
	jobs := planJobs(t)
	p := Plan(jobs, 100, time.Minute)
	want := map[string]int{"get-library-roles": 1, "add-my-matters-shortcuts": 2, "create-lookup-alias": 3,
		"create-user": 1, "get-my-matters-categories": 1}
	for a, n := range want {
		if p.Calls[a] != n {
			t.Errorf("plan: %s %d calls, want %d (%v)", a, p.Calls[a], n, p.Calls)
		}
	}
	if p.Jobs != 11 || p.PreReads != 1 || p.SchemaReads != 2 || p.TotalCalls != 10 {
		t.Errorf("plan %+v", p)
	}

	fc := newFake()
	if _, err := runJobs(t, context.Background(), fc, jobs, nil); err != nil {
		t.Fatal(err)
	}
	made := 0
	for _, n := range fc.calls {
		made += n
	}
	if made != p.TotalCalls {
		t.Errorf("the run made %d calls (%v); the plan said %d", made, fc.calls, p.TotalCalls)
	}
	for op, a := range map[string]string{"getLibraryRoles": "get-library-roles", "addShortcutsToMyMattersAdmin": "add-my-matters-shortcuts",
		"createUser": "create-user", "getMyMattersCategories": "get-my-matters-categories"} {
		if fc.calls[op] != p.Calls[a] {
			t.Errorf("%s: the run made %d, the plan said %d", op, fc.calls[op], p.Calls[a])
		}
	}
	if got := fc.calls["getLookupAliases"] + fc.calls["createCustomOrPropertyLookup"]; got != p.Calls["create-lookup-alias"] {
		t.Errorf("create-lookup-alias: the run made %d calls, the plan said %d", got, p.Calls["create-lookup-alias"])
	}
}

// Rows that wait for different jobs are not merged, so a plan never counts
// them as one call.
func TestPlanDoesNotMergeRowsThatWaitApart(t *testing.T) {
	jobs := []*manifest.Job{
		user(t, 0, "JDOE"),
		user(t, 1, "ASMITH"),
		job(t, 2, "add-my-matters-shortcuts", map[string]string{"user_id": "JDOE", "workspace_id": "ACTIVE_US!1000"}),
		job(t, 3, "add-my-matters-shortcuts", map[string]string{"user_id": "JDOE", "workspace_id": "ACTIVE_US!1001"}),
	}
	jobs[2].DependsOn, jobs[3].DependsOn = []int{0}, []int{0, 1}
	if p := Plan(jobs, 100, time.Minute); p.Calls["add-my-matters-shortcuts"] != 2 {
		t.Errorf("plan %+v", p)
	}
}

func TestPlanCountsPreReadsOncePerGroup(t *testing.T) {
	alias := func(i int, lib, field, parent, a string) *manifest.Job {
		return job(t, i, "create-lookup-alias", map[string]string{"library_id": lib, "lookup_field_id": field, "parent_alias": parent, "alias": a})
	}
	jobs := []*manifest.Job{alias(0, "ACTIVE_US", "custom1", "", "2001"), alias(1, "ACTIVE_US", "custom1", "", "2002"),
		alias(2, "ACTIVE_US", "custom2", "1001", "1001-0009"), alias(3, "ACTIVE_UK", "custom1", "", "2001")}
	p := Plan(jobs, 100, time.Minute)
	// One get-lookup-aliases per library, field and parent: three reads,
	// then at most one create per row; and the schemas of custom1 and
	// custom2 aliases, read once each.
	if p.Jobs != 4 || p.PreReads != 3 || p.Calls["create-lookup-alias"] != 7 || p.SchemaReads != 2 || p.TotalCalls != 9 {
		t.Fatalf("plan %+v", p)
	}
	if s := p.String(); !strings.Contains(s, "3 reads of what already exists") {
		t.Fatalf("plan text does not count the reads:\n%s", s)
	}
}

func TestPlanDuration(t *testing.T) {
	var big []*manifest.Job
	for i := 0; i < 250; i++ {
		big = append(big, user(t, i, "U"+strings.Repeat("X", i%7)+string(rune('A'+i%26))))
	}
	// 250 create-user rows and the one schema they need: 251 calls, 100
	// at once, 100 a minute later, the last 51 a minute after that.
	if d := Plan(big, 100, time.Minute).Duration; d != 2*time.Minute {
		t.Fatalf("251 calls at 100/min: %v", d)
	}
	if d := Plan(big, 100, 600*time.Millisecond).Duration; d != 1200*time.Millisecond {
		t.Fatalf("251 calls at 100/600ms: %v", d)
	}
	if s := Plan(big, 100, time.Minute).String(); !strings.Contains(s, "at 100 calls per 1m0s (100 at once, then 100 more each window): at least 2m0s") {
		t.Fatalf("plan text:\n%s", s)
	}
	s := Plan(big[:3], 100, time.Minute).String()
	for _, want := range []string{"create-user", "3 jobs", "3 calls", "the service's schemas", "total", "4 calls", "at 100 calls per 1m0s: all at once, as fast as the service answers"} {
		if !strings.Contains(s, want) {
			t.Fatalf("plan text lacks %q:\n%s", want, s)
		}
	}
}
