package remote

import (
	"context"
	"fmt"
	"sort"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/wire"
)

// rowCheck is the actions.RemoteCheck an action's check is given for one
// job: the checker's lookups, and what is said goes to the job's row.
type rowCheck struct {
	*checker
	j *manifest.Job
}

var _ actions.RemoteCheck = (*rowCheck)(nil)

func (r *rowCheck) Problem(field, message string) { r.problem(r.j, field, message) }
func (r *rowCheck) Found(f actions.Finding)       { r.foundRow(r.j, f) }

func (r *rowCheck) Created(o actions.Object) (actions.Values, bool) {
	if j, ok := r.created[o]; ok {
		return j.Values, true
	}
	return nil, false
}

func (r *rowCheck) First(key string) bool {
	if r.seen[key] {
		return false
	}
	r.seen[key] = true
	return true
}

// HasLibrary lists the libraries (once) and looks lib up.
func (c *checker) HasLibrary(lib string) (bool, error) {
	if c.libraries == nil {
		libs, err := c.svc.GetLibraries(c.ctx, true, false)
		c.stats.Calls++
		c.stats.Libraries++
		if err != nil {
			return false, fmt.Errorf("checking libraries: %w", err)
		}
		c.libraries = map[string]bool{}
		for _, l := range libs {
			c.libraries[l.ID] = true
			c.libraryNames = append(c.libraryNames, l.ID)
		}
		sort.Strings(c.libraryNames)
	}
	return c.libraries[lib], nil
}

// rejected is the service's refusal in err (a 4xx other than 429), if it
// is one.
func rejected(err error) (*actions.Refusal, bool) {
	e, ok := imanage.AsError(err)
	if !ok || !e.Rejected() {
		return nil, false
	}
	text := e.Code
	if text == "" {
		text = fmt.Sprintf("HTTP %d", e.StatusCode)
	}
	return &actions.Refusal{NotFound: e.Code == "USER_NOT_FOUND" || e.StatusCode == 404, Code: e.Code, Text: text}, true
}

// Roles lists (once) the roles of lib, external or not.
func (c *checker) Roles(lib string, external bool) (map[string]bool, bool, error) {
	key := fmt.Sprintf("%s\x00%v", lib, external)
	if roles, seen := c.roles[key]; seen {
		return roles, roles != nil, nil
	}
	list, err := c.svc.GetLibraryRoles(c.ctx, wire.GetLibraryRolesRequest{LibraryID: lib, IsExternal: external})
	c.stats.Calls++
	c.stats.Roles++
	if err != nil {
		if _, ok := rejected(err); ok {
			c.roles[key] = nil
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("checking the roles of %s: %w", lib, err)
	}
	roles := map[string]bool{}
	for _, r := range list {
		roles[r.ID] = true
	}
	c.roles[key] = roles
	return roles, true, nil
}

// aliasList is one getLookupAliases answer: the list, or the refusal.
type aliasList struct {
	list []wire.LookupAlias
	err  error
}

// GetLookupAliases asks the service once for each distinct request, for
// the actions' checks and their pre-reads alike (it is the actions.Reader
// the pre-reads are given).
func (c *checker) GetLookupAliases(ctx context.Context, req wire.GetLookupAliasesRequest) ([]wire.LookupAlias, error) {
	if a, seen := c.aliasLists[req]; seen {
		return a.list, a.err
	}
	list, err := c.svc.GetLookupAliases(ctx, req)
	c.stats.Calls++
	c.stats.Aliases++
	c.aliasLists[req] = &aliasList{list: list, err: err}
	return list, err
}

// Aliases lists (once) the aliases of a lookup field.
func (c *checker) Aliases(lib, field, parent string) (map[string]bool, bool, error) {
	list, err := c.GetLookupAliases(c.ctx, wire.GetLookupAliasesRequest{LibraryID: lib, LookupFieldID: field, ParentAlias: parent})
	if err != nil {
		if _, ok := rejected(err); ok {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("checking the aliases of %s in %s: %w", field, lib, err)
	}
	a := map[string]bool{}
	for _, x := range list {
		a[x.ID] = true
	}
	return a, true, nil
}

// Categories lists (once) the My Matters categories of user; refused is
// the service's refusal to (USER_NOT_FOUND for a user it does not have).
func (c *checker) Categories(user string) (map[string]bool, *actions.Refusal, error) {
	if r, ok := c.refusedUsers[user]; ok {
		return nil, r, nil
	}
	if cats, ok := c.categories[user]; ok {
		return cats, nil, nil
	}
	list, err := c.svc.GetMyMattersCategories(c.ctx, user)
	c.stats.Calls++
	c.stats.Categories++
	if err != nil {
		if r, ok := rejected(err); ok {
			c.refusedUsers[user] = r
			return nil, r, nil
		}
		return nil, nil, fmt.Errorf("checking the My Matters categories of %s: %w", user, err)
	}
	cats := map[string]bool{}
	for _, x := range list {
		cats[x.ID] = true
	}
	c.categories[user] = cats
	return cats, nil, nil
}

// checkPreRead makes the read j's action makes before creating (once per
// group) and says whether the run will find j's object already there: it
// will end exists, or conflict, which is also an error here.
func (c *checker) checkPreRead(j *manifest.Job) error {
	pr := j.Action.PreRead
	if pr == nil {
		return nil
	}
	for _, v := range j.Values {
		if actions.HasRef(v) {
			return nil
		}
	}
	group := pr.Group(j.Values)
	if group == "" {
		return nil
	}
	key := j.Action.Name + "\x00" + group
	seen, done := c.preReads[key]
	if !done {
		var err error
		seen, err = pr.Read(c.ctx, c, j.Values)
		if err != nil {
			if _, ok := rejected(err); !ok {
				return fmt.Errorf("listing %s: %w", pr.Describe(j.Values), err)
			}
			seen = nil // refused: the library and parent checks say why
		}
		c.preReads[key] = seen
	}
	if seen == nil {
		return nil
	}
	res, found := seen.Find(j.Values)
	if !found {
		return nil
	}
	f := actions.Finding{Status: actions.FoundExists, Compared: true}
	if ex := res.Existing; ex.Conflict() {
		f.Status, f.Message = actions.FoundConflict, "already in the service, but not as the row asks: "+ex.DifferenceText()
		c.problem(j, ex.Differences[0].Field, "conflict: "+f.Message+"; the run leaves it as it is and the row ends conflict")
	} else if u := ex.UncheckedText(); u != "" {
		f.NotCompared = ex.Unchecked
		// Only what was shown can be said to be as the row asks.
		f.Message = "already in the service, as the row asks in all the service showed: the run creates nothing and the row ends exists; " + u
	} else {
		f.Message = "already in the service as the row asks: the run creates nothing and the row ends exists"
	}
	c.foundRow(j, f)
	return nil
}

// checkSchemas reads, once each, the schemas the jobs' dynamic members need
// and holds every job to them, as a run does before its first write.
func (c *checker) checkSchemas(jobs []*manifest.Job) error {
	var needs actions.SchemaNeeds
	for _, j := range jobs {
		needs.Add(j.Action, j.Values)
	}
	ss := actions.NewSchemas()
	defer func() {
		c.stats.Calls += ss.Reads
		c.stats.Schemas, c.stats.SchemaFallbacks = ss.Reads, ss.Fallbacks
	}()
	for _, n := range needs.List() {
		if err := ss.Load(c.ctx, c.svc, n); err != nil {
			return err
		}
	}
	c.problems = append(c.problems, manifest.SchemaProblems(ss, jobs)...)
	return nil
}
