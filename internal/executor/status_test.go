package executor

import "testing"

func TestWhatEachStatusMeans(t *testing.T) {
	tests := []struct {
		st                        Status
		success, failure, carried bool
		next                      FollowUp
	}{
		{StatusOK, true, false, true, FollowUpNone},
		{StatusExists, true, false, true, FollowUpNone},
		{StatusFailed, false, true, false, FollowUpFix},
		{StatusConflict, false, true, false, FollowUpFix},
		{StatusSkipped, false, false, false, FollowUpRun},
		{StatusUnknown, false, true, false, FollowUpCheck},
		{Status("done"), false, false, false, FollowUpCheck}, // not a status of this program: never taken as done
	}
	for _, tt := range tests {
		if tt.st.Succeeded() != tt.success || tt.st.failure() != tt.failure || tt.st.CarriedOver() != tt.carried || tt.st.FollowUp() != tt.next {
			t.Errorf("%s: succeeded %v failure %v carried over %v follow-up %v", tt.st, tt.st.Succeeded(), tt.st.failure(), tt.st.CarriedOver(), tt.st.FollowUp())
		}
	}
	if len(Statuses()) != len(statusTable) {
		t.Fatal("a status is missing from the order they are shown in")
	}
}

func TestTallyCountsEveryStatus(t *testing.T) {
	var tl Tally
	for _, st := range []Status{StatusOK, StatusExists, StatusExists, StatusConflict, StatusFailed, StatusSkipped, Status("done")} {
		tl.Add(st)
	}
	want := Tally{OK: 1, Exists: 2, Failed: 1, Conflict: 1, Skipped: 1, Unknown: 1}
	if tl != want || tl.Total() != 7 || tl.Of(Status("done")) != 0 || tl.Of(StatusExists) != 2 {
		t.Fatalf("tally %+v", tl)
	}
	if tl.Succeeded() != 3 || tl.AllSucceeded() {
		t.Fatalf("succeeded %d", tl.Succeeded())
	}
	only := Tally{}
	only.Add(StatusExists)
	only.Add(StatusOK)
	if !only.AllSucceeded() {
		t.Fatal("ok and exists are both success")
	}
	for _, st := range Statuses() {
		var one Tally
		one.Add(st)
		if one.Of(st) != 1 || one.Total() != 1 {
			t.Fatalf("%s has no counter of its own: %+v", st, one)
		}
	}
}
