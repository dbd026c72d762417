package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/firmtools/bulk/internal/report"
	"github.com/firmtools/bulk/internal/sim"
)

// runResult is what one invocation of the command line produced.
type runResult struct {
	code   int
	stdout string
	stderr string
}

// bulk runs the command line in-process with env as its environment.
func bulk(t *testing.T, env map[string]string, args ...string) runResult {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(args, TestIO(strings.NewReader(""), &out, &errOut, env))
	return runResult{code: code, stdout: out.String(), stderr: errOut.String()}
}

// simServer is a simulator on loopback, with a hook that sees every request.
type simServer struct {
	*sim.Server
	URL    string
	tokens sync.Map     // access tokens seen in requests
	seen   atomic.Int64 // operation requests seen
	onReq  atomic.Pointer[func(n int64)]
}

func startSim(t *testing.T, opts sim.Options) *simServer {
	t.Helper()
	s := &simServer{Server: sim.New(opts)}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/automate/") {
			if tok := r.Header.Get("X-Auth-Token"); tok != "" {
				s.tokens.Store(tok, true)
			}
			n := s.seen.Add(1)
			if f := s.onReq.Load(); f != nil {
				(*f)(n)
			}
		}
		s.Server.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	return s
}

// env signs in to s as the administrator.
func (s *simServer) env() map[string]string {
	return map[string]string{"IMANAGE_URL": s.URL, "IMANAGE_USER": "admin", "IMANAGE_PASSWORD": "admin", "IMANAGE_CLIENT_ID": "bulk"}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readResults(t *testing.T, path string) []report.Row {
	t.Helper()
	rows, err := report.ReadFile(path)
	if err != nil {
		t.Fatalf("reading results: %v", err)
	}
	return rows
}

func countStatus(rows []report.Row) map[report.Status]int {
	m := map[report.Status]int{}
	for _, r := range rows {
		m[r.Status]++
	}
	return m
}

// oneRowPerJob checks the results hold each (source, row, key) exactly once
// and n rows in all.
func oneRowPerJob(t *testing.T, rows []report.Row, n int) {
	t.Helper()
	if len(rows) != n {
		t.Fatalf("%d result rows, want %d", len(rows), n)
	}
}

// tabsCSV is an add-tab manifest of n tabs, one per seeded workspace in
// turn (so at most one per workspace while n <= 50).
func tabsCSV(n int) string {
	var b strings.Builder
	b.WriteString("name,parent_id\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "Tab %d,ACTIVE_US!%d\n", i, 1000+i%50)
	}
	return b.String()
}
