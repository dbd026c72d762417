package actions

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/firmtools/bulk/internal/wire"
)

// assignClient answers assignUserToLibrary with a user_num as given.
type assignClient struct {
	fakeClient
	userNum json.Number
}

func (a *assignClient) AssignUserToLibrary(context.Context, wire.AssignUserToLibraryRequest) (*wire.AssignUserToLibraryResult, error) {
	return &wire.AssignUserToLibraryResult{UserNum: a.userNum}, nil
}

// The assignment was made whatever user_num looks like: a whole number in
// any JSON spelling is the number, any other is kept as the service wrote it.
func TestAssignUserNumAsGiven(t *testing.T) {
	spec, _ := Lookup("assign-user-to-library")
	v := Values{"library_id": "ACTIVE_US", "user_id": "JDOE", "role": "ATTORNEY", "is_preferred_library": "false"}
	for _, tc := range []struct {
		num     json.Number
		wantNum int64 // -1: none
		wantRef string
	}{
		{"3", 3, "3"},
		{"3.0", 3, "3"},
		{"3e0", 3, "3"},
		{"3.5", -1, "3.5"},
	} {
		t.Run(string(tc.num), func(t *testing.T) {
			r, err := spec.Call(t.Context(), &assignClient{userNum: tc.num}, v, nil)
			if err != nil {
				t.Fatalf("a call the service accepted failed: %v", err)
			}
			switch {
			case tc.wantNum < 0 && r.UserNum != nil:
				t.Errorf("user_num %d made up from %s", *r.UserNum, tc.num)
			case tc.wantNum >= 0 && (r.UserNum == nil || *r.UserNum != tc.wantNum):
				t.Errorf("user_num %v, want %d", r.UserNum, tc.wantNum)
			}
			if r.Refs["user_num"] != tc.wantRef {
				t.Errorf("ref user_num %q, want %q", r.Refs["user_num"], tc.wantRef)
			}
			if tc.wantNum < 0 {
				out, _ := json.Marshal(r.Output)
				if string(out) != `{"note":"user_num is not a whole number; kept as the service wrote it","user_num":3.5}` {
					t.Errorf("output %s", out)
				}
			}
		})
	}
}
