package runfiles

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLocateDefaultsBesideTheManifest(t *testing.T) {
	cases := []struct {
		name                string
		manifests           []string
		out, journal        string
		sim                 bool
		wantOut, wantJounal string
	}{
		{"beside the manifest", []string{"../hr/joiners.csv"}, "", "", false, "../hr/joiners.results.csv", "../hr/joiners.results.journal"},
		{"the first of several", []string{"/data/a.yaml", "/other/b.csv"}, "", "", false, "/data/a.results.csv", "/data/a.results.journal"},
		{"a rehearsal has its own", []string{"/data/a.csv"}, "", "", true, "/data/a.sim.results.csv", "/data/a.sim.results.journal"},
		{"the journal follows --out", []string{"/data/a.csv"}, "/var/out/r.csv", "", false, "/var/out/r.csv", "/var/out/r.journal"},
		{"both given", []string{"/data/a.csv"}, "r.csv", "/var/j", true, "r.csv", "/var/j"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := Locate(tc.manifests, tc.out, tc.journal, tc.sim)
			if l.Out != filepath.FromSlash(tc.wantOut) || l.Journal != filepath.FromSlash(tc.wantJounal) || l.Lock != l.Journal+".lock" {
				t.Fatalf("%+v, want out %s, journal %s", l, tc.wantOut, tc.wantJounal)
			}
		})
	}
}

// The files of rows to look at again go beside the result file, named after
// each manifest; a rehearsal's have .sim in their name; a workbook result
// file's rows in progress go to a CSV beside it.
func TestFilesBesideTheResults(t *testing.T) {
	l := Locate([]string{"../hr/joiners.csv"}, "", "", false)
	if got := l.Beside("../hr/joiners.csv", "failed", ".csv"); got != filepath.FromSlash("../hr/joiners.failed.csv") {
		t.Errorf("failed file %s", got)
	}
	if l.Partial != "" {
		t.Errorf("a CSV result file has a partial file %s", l.Partial)
	}
	l = Locate([]string{"/data/a.xlsx"}, "/var/out/nightly.XLSX", "", true)
	if got := l.Beside("/data/b.yaml", "unknown", ".yaml"); got != filepath.FromSlash("/var/out/b.sim.unknown.yaml") {
		t.Errorf("unknown file %s", got)
	}
	if l.Partial != filepath.FromSlash("/var/out/nightly.partial.csv") {
		t.Errorf("partial file %q", l.Partial)
	}
}

func TestCheckRefusesOutputsThatAreInputsOrEachOther(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	write := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	m := write("m.yaml")
	src := write("hr.csv")
	if err := os.Symlink(m, filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(src, filepath.Join(dir, "hard.csv")); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	inputs := []File{{"the manifest", m}, {"the source", src}}
	cases := []struct {
		name    string
		outputs []File
		want    string // "" accepted
	}{
		{"separate files", []File{{"--out", "r.csv"}, {"--journal", "r.journal"}, {"--generate-passwords", "pw.csv"}}, ""},
		{"--out is the manifest", []File{{"--out", m}}, "--out " + m + " is the manifest"},
		{"--out is the manifest, relative", []File{{"--out", "./sub/../m.yaml"}}, "is the manifest"},
		{"--journal through a link", []File{{"--journal", "link.yaml"}}, "--journal link.yaml is the manifest"},
		{"--generate-passwords is a YAML source", []File{{"--generate-passwords", "hr.csv"}}, "is the source"},
		{"a hard link to a source", []File{{"--out", "hard.csv"}}, "is the source"},
		{"--out and --journal", []File{{"--out", "r.csv"}, {"--journal", "./r.csv"}}, "--out r.csv and --journal ./r.csv are the same file"},
		{"one new file named two ways", []File{{"--out", "sub/r.csv"}, {"--journal", filepath.Join(dir, "sub", "r.csv")}}, "are the same file"},
	}
	if err := os.Symlink(filepath.Join(dir, "elsewhere.csv"), filepath.Join(dir, "out-link.csv")); err != nil {
		t.Fatal(err)
	}
	// Outputs that are there and not regular files: replacing them whole
	// would replace the link or the device itself.
	for _, tc := range []struct{ path, want string }{
		{"out-link.csv", "--out out-link.csv is a symbolic link"},
		{"sub", "--out sub is not a regular file (a folder)"},
	} {
		if err := Check(inputs, []File{{"--out", tc.path}}); !errors.Is(err, errNotRegular) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--out %s: %v, want one saying %q", tc.path, err, tc.want)
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(inputs, tc.outputs)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, errCollision) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestLockIsHeldOnceAndNamesItsHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.lock")
	since := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	l, err := Acquire(path, "j", since)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(path, "j", time.Now())
	var le *lockedError
	if !errors.As(err, &le) || !errors.Is(err, errLocked) || le.holder == nil || le.holder.PID != os.Getpid() || !le.holder.Since.Equal(since) {
		t.Fatalf("a second lock: %v (%+v)", err, le)
	}
	if msg := err.Error(); !strings.Contains(msg, "pid "+strconv.Itoa(os.Getpid())) || !strings.Contains(msg, "j is held") {
		t.Fatalf("message %q", msg)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l, err = Acquire(path, "j", time.Now())
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l.Release()
}

// TestMain lets the test binary hold a lock as a child process.
func TestMain(m *testing.M) {
	if path := os.Getenv("RUNFILES_HOLD_LOCK"); path != "" {
		if _, err := Acquire(path, "j", time.Now()); err != nil {
			os.Stdout.WriteString("error: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("locked\n")
		select {} // until killed
	}
	os.Exit(m.Run())
}

func TestLockAcrossProcessesEndsWithTheHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.lock")
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "RUNFILES_HOLD_LOCK="+path)
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("the child did not take the lock: %q", line)
	}

	_, err = Acquire(path, "j", time.Now())
	var le *lockedError
	if !errors.As(err, &le) || le.holder == nil || le.holder.PID != child.Process.Pid {
		t.Fatalf("while another process holds it: %v, want its pid %d", err, child.Process.Pid)
	}
	// Killed, the holder leaves its lock file behind, but not its lock.
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	l, err := Acquire(path, "j", time.Now())
	if err != nil {
		t.Fatalf("a killed process's lock still blocks: %v", err)
	}
	l.Release()
}
