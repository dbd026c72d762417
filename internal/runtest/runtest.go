// Package runtest is what tests of a whole run share: a simulator on
// loopback that sees every request, a proxy in front of one that loses
// answers or refuses requests, manifests to run, and readers of what a run
// wrote. It is imported by tests only.
package runtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/firmtools/bulk/internal/connect"
	"github.com/firmtools/bulk/internal/executor"
	"github.com/firmtools/bulk/internal/report"
	"github.com/firmtools/bulk/internal/secret"
	"github.com/firmtools/bulk/internal/sim"
)

// Server is a simulator on loopback, with a hook that sees every request.
type Server struct {
	*sim.Server
	URL    string
	Tokens sync.Map // access tokens seen in requests

	seen  atomic.Int64 // operation requests seen
	onReq atomic.Pointer[func(n int64)]
}

// Start serves a simulator with opts until the test ends.
func Start(t *testing.T, opts sim.Options) *Server {
	t.Helper()
	s := &Server{Server: sim.New(opts)}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/automate/") {
			if tok := r.Header.Get("X-Auth-Token"); tok != "" {
				s.Tokens.Store(tok, true)
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

// OnRequest has f told of every operation request, with how many have
// been seen; nil stops it.
func (s *Server) OnRequest(f func(n int64)) {
	if f == nil {
		s.onReq.Store(nil)
		return
	}
	s.onReq.Store(&f)
}

// Env is the environment that signs in to s as its administrator.
func (s *Server) Env() map[string]string { return adminEnv(s.URL) }

// Conn is the connection to s as its administrator.
func (s *Server) Conn() connect.Options { return AdminConn(s.URL) }

// adminEnv is the environment that signs in to the simulator at url as
// its administrator.
func adminEnv(url string) map[string]string {
	return map[string]string{"IMANAGE_URL": url, "IMANAGE_USER": "admin", "IMANAGE_PASSWORD": "admin", "IMANAGE_CLIENT_ID": "bulk"}
}

// AdminConn is the connection to the simulator at url as its
// administrator, as the face makes it of adminEnv.
func AdminConn(url string) connect.Options {
	return connect.Options{URL: url, User: "admin", ClientID: "bulk",
		Password:     connect.Source{Flag: "--password-file", Value: secret.New("admin")},
		ClientSecret: connect.Source{Flag: "--client-secret-file"}}
}

// WriteFile writes content to dir/name and returns its path.
func WriteFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// ReadResults reads a result file.
func ReadResults(t *testing.T, path string) []report.Row {
	t.Helper()
	rows, err := report.ReadFile(path)
	if err != nil {
		t.Fatalf("reading results: %v", err)
	}
	return rows
}

// CountStatus counts rows by status.
func CountStatus(rows []report.Row) map[executor.Status]int {
	m := map[executor.Status]int{}
	for _, r := range rows {
		m[r.Status]++
	}
	return m
}

// OneRowPerJob checks the results hold n rows.
func OneRowPerJob(t *testing.T, rows []report.Row, n int) {
	t.Helper()
	if len(rows) != n {
		t.Fatalf("%d result rows, want %d", len(rows), n)
	}
}

// RowsByNumber are rows by their manifest row.
func RowsByNumber(rows []report.Row) map[int]report.Row {
	m := map[int]report.Row{}
	for _, r := range rows {
		m[r.Row] = r
	}
	return m
}

// RowSet is each result row as "row action key status", sorted.
func RowSet(rows []report.Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%d %s %s %s", r.Row, r.Action, r.Key, r.Status))
	}
	sort.Strings(out)
	return out
}

// TabsCSV is an add-tab manifest of n tabs, one per seeded workspace in
// turn (so at most one per workspace while n <= 50).
func TabsCSV(n int) string {
	var b strings.Builder
	b.WriteString("name,parent_id\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "Tab %d,ACTIVE_US!%d\n", i, 1000+i%50)
	}
	return b.String()
}
