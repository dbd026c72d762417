package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/executor"
)

func TestSummaryCountsEveryStatus(t *testing.T) {
	var s Summary
	for _, st := range []executor.Status{executor.StatusOK, executor.StatusExists, executor.StatusExists, executor.StatusConflict, executor.StatusFailed, executor.StatusSkipped, executor.Status("done")} {
		s.Count("create-user", st)
	}
	want := executor.Tally{OK: 1, Exists: 2, Failed: 1, Conflict: 1, Skipped: 1, Unknown: 1}
	if s.Total != want || *s.Actions["create-user"] != want {
		t.Fatalf("counts %+v", s.Total)
	}
	if s.Total.Succeeded() != 3 || s.Total.AllSucceeded() {
		t.Fatalf("succeeded %d", s.Total.Succeeded())
	}
	var only Summary
	only.Count("create-user", executor.StatusExists)
	only.Count("create-user", executor.StatusOK)
	if !only.Total.AllSucceeded() {
		t.Fatal("ok and exists are both success")
	}
	var buf bytes.Buffer
	s.WriteText(&buf)
	for _, w := range []string{"action       ok  exists  failed  conflict  skipped  unknown\n", "create-user  1   2       1       1         1        1\n"} {
		if !strings.Contains(buf.String(), w) {
			t.Fatalf("summary lacks %q:\n%s", w, buf.String())
		}
	}
}

// calls_per_minute never shows a run above the limit it kept to: a run
// shorter than the window is counted over the window; a longer one over
// the intervals between its calls.
func TestCallsPerMinute(t *testing.T) {
	for _, tc := range []struct {
		window, elapsed time.Duration
		calls           int64
		want            float64
	}{
		{time.Minute, 10 * time.Millisecond, 5, 5},
		{5 * time.Second, 4 * time.Second, 100, 1200},
		{time.Second, time.Minute, 101, 100},
		{time.Minute, 2 * time.Minute, 1, 0},
	} {
		s := Summary{Window: tc.window, Calls: tc.calls}
		s.Finish(tc.elapsed)
		if s.CallsPerMinute != tc.want {
			t.Errorf("%d calls in %v (window %v): %v a minute, want %v", tc.calls, tc.elapsed, tc.window, s.CallsPerMinute, tc.want)
		}
	}
}
