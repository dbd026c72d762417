package report

import (
	"bytes"
	"strings"
	"testing"

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
