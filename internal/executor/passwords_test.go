package executor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/report"
)

func newUserWithGeneratedPassword(t *testing.T, i int, id string) *manifest.Job {
	return job(t, i, "create-user", map[string]string{"id": id, "full_name": "X " + id, "email": strings.ToLower(id) + "@firm.com",
		"preferred_library": "ACTIVE_US", "role": "ATTORNEY", "password_create_method": "Create a password", "generate_password": "true"})
}

// Once the password file cannot be written, no more users with generated
// passwords are created: their passwords would be lost.
func TestPasswordFileThatCannotBeWrittenStopsTheRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-dir", "pw.csv")
	p, err := NewPasswords(path)
	if err != nil {
		t.Fatal(err)
	}
	jobs := []*manifest.Job{newUserWithGeneratedPassword(t, 0, "A1"), newUserWithGeneratedPassword(t, 1, "A2"), newUserWithGeneratedPassword(t, 2, "A3")}
	if err := p.Generate(jobs); err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Secrets["password"].IsZero() {
			t.Fatalf("%s got no password", j.Key())
		}
	}
	fc := newFake()
	var recordErrs int
	col, err := runJobs(t, context.Background(), fc, jobs, func(o *Options) {
		o.Concurrency = 1
		o.OnStart = p.Before
		end := o.OnEnd
		o.OnEnd = func(oc Outcome) error {
			if p.Record(&oc) != nil {
				recordErrs++
			}
			return end(oc)
		}
	})
	if err == nil || !strings.Contains(err.Error(), "not creating users with generated passwords") || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("run error %v", err)
	}
	if n := fc.count("createUser"); n != 1 || recordErrs != 1 {
		t.Fatalf("%d users created, %d passwords lost: want the first only", n, recordErrs)
	}
	if o := col.out[0]; !strings.Contains(o.Result.Note, "could not be written down: reset it") {
		t.Fatalf("first user's note %q", o.Result.Note)
	}
	if col.out[1].Status != report.StatusSkipped || col.out[2].Status != report.StatusSkipped {
		t.Fatalf("the others: %s, %s", col.out[1].Status, col.out[2].Status)
	}
	if p.Close() == nil {
		t.Fatal("Close forgets the write error")
	}
}
