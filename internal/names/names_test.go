package names

import "testing"

func TestFold(t *testing.T) {
	for _, s := range []string{"Full Name", "full_name", "fullName", " FULL-NAME\t"} {
		if got := Fold(s); got != "fullname" {
			t.Errorf("Fold(%q) = %q", s, got)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	actions := []string{"add-folder", "add-tab", "create-user", "create-lookup-alias"}
	for _, tt := range []struct {
		in, want string
	}{
		{"crate-user", `; did you mean "create-user"?`},
		{"add-tabs", `; did you mean "add-tab"?`},
		{"Create User", `; did you mean "create-user"?`}, // folded: no distance at all
		{"delete-everything", ""},
		{"", ""},
	} {
		if got := DidYouMean(tt.in, actions); got != tt.want {
			t.Errorf("DidYouMean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Short names: two edits are still close, three are not.
	if got := Closest("ACTIVE_UK", []string{"ACTIVE_US"}); got != "ACTIVE_US" {
		t.Errorf("Closest(ACTIVE_UK) = %q", got)
	}
	if got := Closest("abc", []string{"xyz"}); got != "" {
		t.Errorf("Closest(abc, xyz) = %q", got)
	}
}
