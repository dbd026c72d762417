package manifest

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/imanage"
)

// Remote is the read-only part of the service client that `bulk validate
// --remote` needs; *imanage.Client satisfies it.
type Remote interface {
	GetLibraries(ctx context.Context, showAll, hidePreferred bool) ([]imanage.Library, error)
	GetLibraryRoles(ctx context.Context, req imanage.GetLibraryRolesRequest) ([]imanage.IDDescription, error)
	GetLookupAliases(ctx context.Context, req imanage.GetLookupAliasesRequest) ([]imanage.LookupAlias, error)
	GetMyMattersCategories(ctx context.Context, userID string) ([]imanage.MyMattersCategory, error)
}

// RemoteStats counts the lookups CheckRemote made.
type RemoteStats struct {
	Calls      int `json:"calls"`
	Libraries  int `json:"libraries"`
	Roles      int `json:"roles"`
	Aliases    int `json:"aliases"`
	Categories int `json:"categories"`
}

// CheckRemote asks the service whether what the jobs name exists: the
// libraries, the roles of each library, the lookup aliases (that an update
// changes, that a child alias hangs under, that a folder's profile uses) and
// the My Matters categories of existing users. Each distinct lookup is made
// once. Values holding references, and users, aliases created by the
// manifest itself, are not looked up. The error is for a failed lookup that
// is not an answer about the thing looked up (sign-in, network, throttling
// beyond retries).
func CheckRemote(ctx context.Context, m *Manifest, r Remote) ([]Problem, RemoteStats, error) {
	c := &remoteChecker{ctx: ctx, r: r,
		roles: map[string]map[string]bool{}, aliases: map[string]map[string]bool{},
		categories: map[string]map[string]bool{}, missingUsers: map[string]bool{},
		createdUsers: map[string]*Job{}, createdAliases: map[string]bool{}}
	for _, j := range m.Jobs {
		switch j.Action.Name {
		case "create-user":
			if id, ok := j.Values["id"]; ok {
				c.createdUsers[id] = j
			}
		case "create-lookup-alias":
			c.createdAliases[aliasKey(j.Values["library_id"], j.Values["lookup_field_id"], j.Values["alias"])] = true
		}
	}
	for _, j := range m.Jobs {
		if err := c.job(j); err != nil {
			return nil, c.stats, err
		}
	}
	SortProblems(c.problems)
	return c.problems, c.stats, nil
}

type remoteChecker struct {
	ctx      context.Context
	r        Remote
	stats    RemoteStats
	problems []Problem

	libraries    map[string]bool // nil until fetched
	libraryNames []string
	roles        map[string]map[string]bool // library|external -> roles; nil entry: library unknown
	aliases      map[string]map[string]bool // library|field|parent -> aliases
	categories   map[string]map[string]bool // user -> category IDs
	missingUsers map[string]bool

	createdUsers   map[string]*Job
	createdAliases map[string]bool
}

func aliasKey(lib, field, alias string) string { return lib + "\x00" + field + "\x00" + alias }

func (c *remoteChecker) problem(j *Job, field, msg string, sev Severity) {
	c.problems = append(c.problems, Problem{File: j.Source, Row: j.Row, Column: j.Columns[field], Field: field, Message: msg, Severity: sev})
}

// known returns a field's value when it is known offline (present, no
// reference).
func known(j *Job, field string) (string, bool) {
	v, ok := j.Values[field]
	if !ok || v == "" || actions.HasRef(v) {
		return "", false
	}
	return v, true
}

func (c *remoteChecker) job(j *Job) error {
	for _, field := range []string{"library_id", "preferred_library"} {
		if lib, ok := known(j, field); ok {
			if exists, err := c.library(lib); err != nil {
				return err
			} else if !exists {
				c.problem(j, field, fmt.Sprintf("the service has no library %q%s", lib, didYouMean(lib, c.libraryNames)), Error)
			}
		}
	}
	for _, field := range []string{"parent_id", "workspace_id", "category_id"} {
		v, ok := known(j, field)
		if !ok || !j.Action.HasField(field) {
			continue
		}
		for _, id := range strings.Split(v, ";") {
			lib, _, found := strings.Cut(id, "!")
			if !found {
				continue
			}
			if exists, err := c.library(lib); err != nil {
				return err
			} else if !exists {
				c.problem(j, field, fmt.Sprintf("%s is in library %q, which the service does not have%s", id, lib, didYouMean(lib, c.libraryNames)), Error)
			}
		}
	}
	switch j.Action.Name {
	case "create-user":
		return c.checkRole(j, "preferred_library", []bool{j.Values.Bool("is_external")})
	case "assign-user-to-library":
		ext := []bool{false, true} // an existing user may be internal or external
		if u, ok := c.createdUsers[j.Values["user_id"]]; ok {
			ext = []bool{u.Values.Bool("is_external")}
		}
		return c.checkRole(j, "library_id", ext)
	case "create-lookup-alias", "update-custom-field":
		return c.checkAlias(j)
	case "add-folder":
		return c.checkProfile(j)
	case "add-my-matters-shortcuts":
		return c.checkCategory(j)
	}
	return nil
}

func (c *remoteChecker) library(lib string) (bool, error) {
	if c.libraries == nil {
		libs, err := c.r.GetLibraries(c.ctx, true, false)
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

func (c *remoteChecker) checkRole(j *Job, libField string, external []bool) error {
	lib, ok := known(j, libField)
	role, ok2 := known(j, "role")
	if !ok || !ok2 {
		return nil
	}
	if exists, err := c.library(lib); err != nil || !exists {
		return err
	}
	var all []string
	asked := false
	for _, ext := range external {
		key := fmt.Sprintf("%s\x00%v", lib, ext)
		roles, seen := c.roles[key]
		if !seen {
			list, err := c.r.GetLibraryRoles(c.ctx, imanage.GetLibraryRolesRequest{LibraryID: lib, IsExternal: ext})
			c.stats.Calls++
			c.stats.Roles++
			if err != nil {
				if e, ok := imanage.AsError(err); ok && e.Rejected() {
					c.roles[key] = nil
					continue
				}
				return fmt.Errorf("checking the roles of %s: %w", lib, err)
			}
			roles = map[string]bool{}
			for _, r := range list {
				roles[r.ID] = true
			}
			c.roles[key] = roles
		}
		if roles == nil {
			continue // the service refused the question; the library check says why
		}
		asked = true
		if roles[role] {
			return nil
		}
		for r := range roles {
			all = append(all, r)
		}
	}
	if !asked {
		return nil
	}
	sort.Strings(all)
	kind := "a role"
	if len(external) == 1 && external[0] {
		kind = "an external role"
	}
	c.problem(j, "role", fmt.Sprintf("%q is not %s of library %s; its roles are %s%s", role, kind, lib, strings.Join(all, ", "), didYouMean(role, all)), Error)
	return nil
}

// lookupAliases fetches (once) the aliases of a lookup field; ok is false
// when the service refused the question (reported by the library check).
func (c *remoteChecker) lookupAliases(lib, field, parent string) (map[string]bool, bool, error) {
	key := lib + "\x00" + field + "\x00" + parent
	if a, seen := c.aliases[key]; seen {
		return a, a != nil, nil
	}
	list, err := c.r.GetLookupAliases(c.ctx, imanage.GetLookupAliasesRequest{LibraryID: lib, LookupFieldID: field, ParentAlias: parent})
	c.stats.Calls++
	c.stats.Aliases++
	if err != nil {
		if e, ok := imanage.AsError(err); ok && e.Rejected() {
			c.aliases[key] = nil
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("checking the aliases of %s in %s: %w", field, lib, err)
	}
	a := map[string]bool{}
	for _, x := range list {
		a[x.ID] = true
	}
	c.aliases[key] = a
	return a, true, nil
}

var childOf = map[string]string{"custom2": "custom1", "custom30": "custom29"}

func (c *remoteChecker) checkAlias(j *Job) error {
	lib, ok1 := known(j, "library_id")
	field, ok2 := known(j, "lookup_field_id")
	alias, ok3 := known(j, "alias")
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	if exists, err := c.library(lib); err != nil || !exists {
		return err
	}
	parent, _ := known(j, "parent_alias")
	if pf, isChild := childOf[field]; isChild && parent != "" && !c.createdAliases[aliasKey(lib, pf, parent)] {
		parents, ok, err := c.lookupAliases(lib, pf, "")
		if err != nil {
			return err
		}
		if ok && !parents[parent] {
			c.problem(j, "parent_alias", fmt.Sprintf("%s has no %s alias %q to be the parent", lib, pf, parent), Error)
		}
	}
	existing, ok, err := c.lookupAliases(lib, field, parent)
	if err != nil || !ok {
		return err
	}
	switch j.Action.Name {
	case "create-lookup-alias":
		if existing[alias] {
			c.problem(j, "alias", fmt.Sprintf("%s already has %s alias %q: creating it again fails; use update-custom-field to change it", lib, field, alias), Error)
		}
	case "update-custom-field":
		if !existing[alias] && !c.createdAliases[aliasKey(lib, field, alias)] {
			c.problem(j, "alias", fmt.Sprintf("%s has no %s alias %q to update", lib, field, alias), Error)
		}
	}
	return nil
}

// checkProfile checks a folder's lookup-field profile values against the
// aliases of the library its parent is in.
func (c *remoteChecker) checkProfile(j *Job) error {
	if j.Values["inherit_profile_from_workspace"] != "No" {
		return nil
	}
	parentID, ok := known(j, "parent_id")
	if !ok {
		return nil
	}
	lib, _, found := strings.Cut(parentID, "!")
	if !found {
		return nil
	}
	if exists, err := c.library(lib); err != nil || !exists {
		return err
	}
	for _, field := range []string{"custom1", "custom2", "custom3", "custom4", "custom5", "custom6", "custom7",
		"custom8", "custom9", "custom10", "custom11", "custom12", "custom29", "custom30"} {
		alias, ok := known(j, field)
		if !ok || c.createdAliases[aliasKey(lib, field, alias)] {
			continue
		}
		parent := ""
		if pf, isChild := childOf[field]; isChild {
			parent, _ = known(j, pf)
		}
		existing, ok, err := c.lookupAliases(lib, field, parent)
		if err != nil {
			return err
		}
		if ok && !existing[alias] {
			c.problem(j, field, fmt.Sprintf("%s has no %s alias %q", lib, field, alias), Error)
		}
	}
	return nil
}

func (c *remoteChecker) checkCategory(j *Job) error {
	user, ok1 := known(j, "user_id")
	cat, ok2 := known(j, "category_id")
	if !ok1 || !ok2 {
		return nil
	}
	if _, created := c.createdUsers[user]; created {
		return nil // its categories come with the user
	}
	if c.missingUsers[user] {
		return nil
	}
	cats, seen := c.categories[user]
	if !seen {
		list, err := c.r.GetMyMattersCategories(c.ctx, user)
		c.stats.Calls++
		c.stats.Categories++
		if err != nil {
			if e, ok := imanage.AsError(err); ok && e.Rejected() {
				c.missingUsers[user] = true
				msg := fmt.Sprintf("the service has no user %q", user)
				if e.Code != "USER_NOT_FOUND" && e.StatusCode != 404 {
					msg = fmt.Sprintf("the service refused to list the My Matters categories of %q: %s", user, e.Code)
				}
				c.problem(j, "user_id", msg, Error)
				return nil
			}
			return fmt.Errorf("checking the My Matters categories of %s: %w", user, err)
		}
		cats = map[string]bool{}
		for _, x := range list {
			cats[x.ID] = true
		}
		c.categories[user] = cats
	}
	if !cats[cat] {
		ids := make([]string, 0, len(cats))
		for id := range cats {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		c.problem(j, "category_id", fmt.Sprintf("%q is not a My Matters category of %s; theirs are %s", cat, user, strings.Join(ids, ", ")), Error)
	}
	return nil
}
