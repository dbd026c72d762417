package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestWhatEachStatusMeans(t *testing.T) {
	tests := []struct {
		st                        Status
		success, failure, carried bool
	}{
		{StatusOK, true, false, true},
		{StatusExists, true, false, true},
		{StatusFailed, false, true, false},
		{StatusConflict, false, true, false},
		{StatusSkipped, false, false, false},
		{StatusUnknown, false, true, false},
		{Status("done"), false, false, false}, // not a status of this program
	}
	for _, tt := range tests {
		if tt.st.Succeeded() != tt.success || tt.st.Failure() != tt.failure || tt.st.CarriedOver() != tt.carried {
			t.Errorf("%s: succeeded %v failure %v carried over %v", tt.st, tt.st.Succeeded(), tt.st.Failure(), tt.st.CarriedOver())
		}
	}
	if len(Statuses()) != len(statusTable) {
		t.Fatal("a status is missing from the order they are shown in")
	}
}

func TestSummaryCountsEveryStatus(t *testing.T) {
	var s Summary
	for _, st := range []Status{StatusOK, StatusExists, StatusExists, StatusConflict, StatusFailed, StatusSkipped, Status("done")} {
		s.Count("create-user", st)
	}
	want := ActionCounts{OK: 1, Exists: 2, Failed: 1, Conflict: 1, Skipped: 1, Unknown: 1}
	if s.Total != want || *s.Actions["create-user"] != want {
		t.Fatalf("counts %+v", s.Total)
	}
	if s.Total.Succeeded() != 3 || s.Total.AllSucceeded() {
		t.Fatalf("succeeded %d", s.Total.Succeeded())
	}
	var only Summary
	only.Count("create-user", StatusExists)
	only.Count("create-user", StatusOK)
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
