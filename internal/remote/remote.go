// Package remote asks the service, read-only, whether what a manifest's
// jobs name exists, before anything is written (`bulk validate --remote`):
// the libraries their fields name, what each action's remote check asks
// (actions.Spec.CheckRemote: roles, lookup aliases, My Matters categories,
// users), which rows are already there (the actions' pre-reads), and that
// the rows fit the service's schemas. The manifest reader stays offline;
// the questions are asked here, through the client.
package remote

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/names"
	"github.com/firmtools/bulk/internal/wire"
)

// Service is the read-only part of the service client the checks need;
// *imanage.Client satisfies it.
type Service interface {
	actions.SchemaReader
	GetLibraries(ctx context.Context, showAll, hidePreferred bool) ([]wire.Library, error)
	GetLibraryRoles(ctx context.Context, req wire.GetLibraryRolesRequest) ([]wire.IDDescription, error)
	GetLookupAliases(ctx context.Context, req wire.GetLookupAliasesRequest) ([]wire.LookupAlias, error)
	GetMyMattersCategories(ctx context.Context, userID string) ([]wire.MyMattersCategory, error)
}

var _ Service = (*imanage.Client)(nil)

// Stats counts the lookups Check made and what it found.
type Stats struct {
	Calls      int `json:"calls"`
	Libraries  int `json:"libraries"`
	Roles      int `json:"roles"`
	Aliases    int `json:"aliases"`
	Categories int `json:"categories"`
	Exists     int `json:"exists"` // rows whose object the service already has
	// ExistsNotCompared counts those of them with fields the service did
	// not show.
	ExistsNotCompared int `json:"exists_not_compared"`
	Conflicts         int `json:"conflicts"` // ... but not as the row asks
	Unknown           int `json:"unknown"`   // rows for which the service could not say
	// Schemas counts the service's schemas read (see actions.Dynamic);
	// SchemaFallbacks name the schema operations the service does not
	// have, whose members were checked against the contract's shape.
	Schemas         int      `json:"schemas"`
	SchemaFallbacks []string `json:"schema_fallbacks,omitempty"`
}

// Found is a row whose object the service may already have: what a run
// will find, said before anything is written.
type Found struct {
	File   string `json:"file"`
	Row    int    `json:"row"`
	Action string `json:"action"`
	Key    string `json:"key"`
	// Status is what the run will make of the row: "exists" (nothing to
	// create), "conflict" (there, but not as the row asks; the row fails),
	// or "unknown" (the service would not say whether it is there).
	Status string `json:"status"`
	// Compared: the service showed the object, so it was compared with the
	// row. A user can only be seen to exist: no read shows its details.
	Compared bool `json:"compared"`
	// NotCompared names the fields the service did not show, so could not
	// be compared (a row that ends exists all the same).
	NotCompared []string `json:"not_compared,omitempty"`
	Message     string   `json:"message"`
}

// String formats f as "file:row: status: action key: message".
func (f Found) String() string {
	return fmt.Sprintf("%s:%d: %s: %s %s: %s", f.File, f.Row, f.Status, f.Action, f.Key, f.Message)
}

// Report is what Check learned.
type Report struct {
	Problems []manifest.Problem
	Found    []Found // sorted by file and row
	Stats    Stats
}

// Check asks the service whether what the jobs name exists. Each distinct
// lookup is made once. Values holding references, and what the manifest
// itself creates (actions.Spec.Creates), are not looked up. The error is
// for a failed lookup that is not an answer about the thing looked up
// (sign-in, network, throttling beyond retries).
func Check(ctx context.Context, m *manifest.Manifest, svc Service) (Report, error) {
	c := &checker{ctx: ctx, svc: svc, created: manifest.Creators(m.Jobs),
		roles: map[string]map[string]bool{}, aliasLists: map[wire.GetLookupAliasesRequest]*aliasList{},
		categories: map[string]map[string]bool{}, refusedUsers: map[string]*actions.Refusal{},
		seen: map[string]bool{}, preReads: map[string]actions.Seen{}}
	for _, j := range m.Jobs {
		if err := c.job(j); err != nil {
			return Report{Stats: c.stats}, err
		}
	}
	if err := c.checkSchemas(validJobs(m)); err != nil {
		return Report{Stats: c.stats}, err
	}
	manifest.SortProblems(c.problems)
	sort.SliceStable(c.found, func(a, b int) bool {
		x, y := c.found[a], c.found[b]
		if x.File != y.File {
			return x.File < y.File
		}
		return x.Row < y.Row
	})
	return Report{Problems: c.problems, Found: c.found, Stats: c.stats}, nil
}

// checker holds what the service said, so that each question is asked
// once.
type checker struct {
	ctx      context.Context
	svc      Service
	stats    Stats
	problems []manifest.Problem
	found    []Found
	created  map[actions.Object]*manifest.Job

	libraries    map[string]bool // nil until fetched
	libraryNames []string
	roles        map[string]map[string]bool // library|external -> roles; nil entry: refused
	aliasLists   map[wire.GetLookupAliasesRequest]*aliasList
	preReads     map[string]actions.Seen    // action|group -> what its pre-read saw; nil: refused
	categories   map[string]map[string]bool // user -> category IDs
	refusedUsers map[string]*actions.Refusal
	seen         map[string]bool // keys of RemoteCheck.First
}

// job runs the checks of one job: the libraries its fields name, its
// action's pre-read, and its action's own checks.
func (c *checker) job(j *manifest.Job) error {
	row := &rowCheck{checker: c, j: j}
	for i := range j.Action.Fields {
		if err := row.checkLibraries(&j.Action.Fields[i]); err != nil {
			return err
		}
	}
	if err := c.checkPreRead(j); err != nil {
		return err
	}
	if j.Action.CheckRemote == nil {
		return nil
	}
	return j.Action.CheckRemote(row, j.Values)
}

// checkLibraries checks that the libraries a field names exist.
func (r *rowCheck) checkLibraries(f *actions.Field) error {
	v, ok := actions.Known(r.j.Values, f.Name)
	if !ok || f.Library == actions.NoLibrary {
		return nil
	}
	if f.Library == actions.LibraryName {
		exists, err := r.HasLibrary(v)
		if err == nil && !exists {
			r.Problem(f.Name, fmt.Sprintf("the service has no library %q%s", v, names.DidYouMean(v, r.libraryNames)))
		}
		return err
	}
	for _, id := range strings.Split(v, ";") {
		lib, _, found := strings.Cut(id, "!")
		if !found {
			continue
		}
		if exists, err := r.HasLibrary(lib); err != nil {
			return err
		} else if !exists {
			r.Problem(f.Name, fmt.Sprintf("%s is in library %q, which the service does not have%s", id, lib, names.DidYouMean(lib, r.libraryNames)))
		}
	}
	return nil
}

func (c *checker) problem(j *manifest.Job, field, msg string) {
	c.problems = append(c.problems, manifest.Problem{File: j.Source, Row: j.Row, Column: j.Columns[field], Field: field, Message: msg, Severity: manifest.Error})
}

func (c *checker) foundRow(j *manifest.Job, f actions.Finding) {
	switch f.Status {
	case actions.FoundExists:
		c.stats.Exists++
		if len(f.NotCompared) > 0 {
			c.stats.ExistsNotCompared++
		}
	case actions.FoundConflict:
		c.stats.Conflicts++
	default:
		c.stats.Unknown++
	}
	c.found = append(c.found, Found{File: j.Source, Row: j.Row, Action: j.Action.Name, Key: j.Key(),
		Status: f.Status, Compared: f.Compared, NotCompared: f.NotCompared, Message: f.Message})
}

// validJobs are the jobs of rows without an offline error: the schemas
// hold those alone, so that a value refused offline is not also reported
// as missing ("requires practice_area") by them.
func validJobs(m *manifest.Manifest) []*manifest.Job {
	type at struct {
		file string
		row  int
	}
	bad := map[at]bool{}
	for _, p := range m.Problems {
		if p.Severity == manifest.Error {
			bad[at{p.File, p.Row}] = true
		}
	}
	if len(bad) == 0 {
		return m.Jobs
	}
	var out []*manifest.Job
	for _, j := range m.Jobs {
		if !bad[at{j.Source, j.Row}] {
			out = append(out, j)
		}
	}
	return out
}
