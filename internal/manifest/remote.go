package manifest

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/names"
	"github.com/firmtools/bulk/internal/wire"
)

// Remote is the read-only part of the service client that `bulk validate
// --remote` needs; *imanage.Client satisfies it.
type Remote interface {
	actions.SchemaReader
	GetLibraries(ctx context.Context, showAll, hidePreferred bool) ([]wire.Library, error)
	GetLibraryRoles(ctx context.Context, req wire.GetLibraryRolesRequest) ([]wire.IDDescription, error)
	GetLookupAliases(ctx context.Context, req wire.GetLookupAliasesRequest) ([]wire.LookupAlias, error)
	GetMyMattersCategories(ctx context.Context, userID string) ([]wire.MyMattersCategory, error)
}

// RemoteStats counts the lookups CheckRemote made and what it found.
type RemoteStats struct {
	Calls      int `json:"calls"`
	Libraries  int `json:"libraries"`
	Roles      int `json:"roles"`
	Aliases    int `json:"aliases"`
	Categories int `json:"categories"`
	Exists     int `json:"exists"`    // rows whose object the service already has
	Conflicts  int `json:"conflicts"` // ... but not as the row asks
	Unknown    int `json:"unknown"`   // rows for which the service could not say
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
	Compared bool   `json:"compared"`
	Message  string `json:"message"`
}

// String formats f as "file:row: status: action key: message".
func (f Found) String() string {
	return fmt.Sprintf("%s:%d: %s: %s %s: %s", f.File, f.Row, f.Status, f.Action, f.Key, f.Message)
}

// RemoteReport is what CheckRemote learned.
type RemoteReport struct {
	Problems []Problem
	Found    []Found // sorted by file and row
	Stats    RemoteStats
}

// CheckRemote asks the service whether what the jobs name exists: the
// libraries, the roles of each library, the lookup aliases (that an update
// changes, that a child alias hangs under, that a folder's profile uses) and
// the My Matters categories of existing users. Each distinct lookup is made
// once. Values holding references, and users, aliases created by the
// manifest itself, are not looked up. It also says which rows the service
// already has (Found): an action's pre-read (the aliases a
// create-lookup-alias would find), and for create-user whether the user
// exists, which is all a read can show of a user. The error is for a failed
// lookup that is not an answer about the thing looked up (sign-in,
// network, throttling beyond retries).
func CheckRemote(ctx context.Context, m *Manifest, r Remote) (RemoteReport, error) {
	c := &remoteChecker{ctx: ctx, r: r,
		roles: map[string]map[string]bool{}, aliasLists: map[wire.GetLookupAliasesRequest]*aliasList{},
		categories: map[string]map[string]bool{}, refusedUsers: map[string]*imanage.Error{},
		reportedUsers: map[string]bool{}, preReads: map[string]actions.Seen{},
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
			return RemoteReport{Stats: c.stats}, err
		}
	}
	if err := c.checkSchemas(m.Jobs); err != nil {
		return RemoteReport{Stats: c.stats}, err
	}
	SortProblems(c.problems)
	sort.SliceStable(c.found, func(a, b int) bool {
		x, y := c.found[a], c.found[b]
		if x.File != y.File {
			return x.File < y.File
		}
		return x.Row < y.Row
	})
	return RemoteReport{Problems: c.problems, Found: c.found, Stats: c.stats}, nil
}

type remoteChecker struct {
	ctx      context.Context
	r        Remote
	stats    RemoteStats
	problems []Problem

	found []Found

	libraries     map[string]bool // nil until fetched
	libraryNames  []string
	roles         map[string]map[string]bool // library|external -> roles; nil entry: library unknown
	aliasLists    map[wire.GetLookupAliasesRequest]*aliasList
	preReads      map[string]actions.Seen    // action|group -> what its pre-read saw; nil: refused
	categories    map[string]map[string]bool // user -> category IDs
	refusedUsers  map[string]*imanage.Error  // user -> why the service would not list their categories
	reportedUsers map[string]bool            // users whose refusal is already a problem

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
				c.problem(j, field, fmt.Sprintf("the service has no library %q%s", lib, names.DidYouMean(lib, c.libraryNames)), Error)
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
				c.problem(j, field, fmt.Sprintf("%s is in library %q, which the service does not have%s", id, lib, names.DidYouMean(lib, c.libraryNames)), Error)
			}
		}
	}
	if err := c.checkPreRead(j); err != nil {
		return err
	}
	switch j.Action.Name {
	case "create-user":
		if err := c.checkUserExists(j); err != nil {
			return err
		}
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
			list, err := c.r.GetLibraryRoles(c.ctx, wire.GetLibraryRolesRequest{LibraryID: lib, IsExternal: ext})
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
	c.problem(j, "role", fmt.Sprintf("%q is not %s of library %s; its roles are %s%s", role, kind, lib, strings.Join(all, ", "), names.DidYouMean(role, all)), Error)
	return nil
}

// aliasList is one getLookupAliases answer: the list, or the refusal.
type aliasList struct {
	list []wire.LookupAlias
	err  error
}

// GetLookupAliases asks the service once for each distinct request, for
// the remote checks and the actions' pre-reads alike (it is the
// actions.Reader they are given).
func (c *remoteChecker) GetLookupAliases(ctx context.Context, req wire.GetLookupAliasesRequest) ([]wire.LookupAlias, error) {
	if a, seen := c.aliasLists[req]; seen {
		return a.list, a.err
	}
	list, err := c.r.GetLookupAliases(ctx, req)
	c.stats.Calls++
	c.stats.Aliases++
	c.aliasLists[req] = &aliasList{list: list, err: err}
	return list, err
}

// lookupAliases fetches (once) the aliases of a lookup field; ok is false
// when the service refused the question (reported by the library check).
func (c *remoteChecker) lookupAliases(lib, field, parent string) (map[string]bool, bool, error) {
	list, err := c.GetLookupAliases(c.ctx, wire.GetLookupAliasesRequest{LibraryID: lib, LookupFieldID: field, ParentAlias: parent})
	if err != nil {
		if e, ok := imanage.AsError(err); ok && e.Rejected() {
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
	if j.Action.Name != "update-custom-field" {
		return nil // an alias to create: its pre-read says whether it is there (checkPreRead)
	}
	existing, ok, err := c.lookupAliases(lib, field, parent)
	if err != nil || !ok {
		return err
	}
	if !existing[alias] && !c.createdAliases[aliasKey(lib, field, alias)] {
		c.problem(j, "alias", fmt.Sprintf("%s has no %s alias %q to update", lib, field, alias), Error)
	}
	return nil
}

// checkPreRead makes the read j's action makes before creating (once per
// group) and says whether the run will find j's object already there: it
// will end exists, or conflict, which is also an error here.
func (c *remoteChecker) checkPreRead(j *Job) error {
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
			if e, ok := imanage.AsError(err); !ok || !e.Rejected() {
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
	f := c.foundRow(j)
	f.Compared = true
	if ex := res.Existing; ex.Conflict() {
		f.Status, f.Message = "conflict", "already in the service, but not as the row asks: "+ex.DifferenceText()
		c.problem(j, ex.Differences[0].Field, "conflict: "+f.Message+"; the run leaves it as it is and the row ends conflict", Error)
		c.stats.Conflicts++
	} else {
		f.Status, f.Message = "exists", actions.JoinNotes("already in the service as the row asks: the run creates nothing and the row ends exists", ex.UncheckedText())
		c.stats.Exists++
	}
	c.found = append(c.found, f)
	return nil
}

func (c *remoteChecker) foundRow(j *Job) Found {
	return Found{File: j.Source, Row: j.Row, Action: j.Action.Name, Key: j.Key()}
}

// checkUserExists says whether the service already has the user a
// create-user row names. No read of the contract shows a user's full name,
// e-mail, preferred library or external flag, so only existence can be
// known before the run: the run compares the details from createUser's
// answer. Existence is read from getMyMattersCategories: a user the service
// has lists its categories (every user has My Matters and My Favorites); a
// user it does not have is refused (USER_NOT_FOUND).
func (c *remoteChecker) checkUserExists(j *Job) error {
	id, ok := known(j, "id")
	if !ok {
		return nil
	}
	cats, refused, err := c.userCategories(id)
	if err != nil {
		return err
	}
	f := c.foundRow(j)
	switch {
	case refused != nil && isUserNotFound(refused):
		return nil // it will be created
	case refused != nil:
		f.Status, f.Message = "unknown", fmt.Sprintf("could not tell whether the service has user %s: it refused to list the user's My Matters categories (%s)", id, refusalText(refused))
		c.stats.Unknown++
	case len(cats) == 0:
		f.Status, f.Message = "unknown", fmt.Sprintf("could not tell whether the service has user %s: it listed no My Matters categories for it", id)
		c.stats.Unknown++
	case !j.Values.Bool("ignore_if_user_already_exists"):
		c.problem(j, "id", fmt.Sprintf("the service already has user %s and ignore_if_user_already_exists is false: createUser will refuse the row (DUPLICATE_USER)", id), Error)
		return nil
	default:
		f.Status = "exists"
		f.Message = fmt.Sprintf("the service already has user %s; no read shows its full name, email, preferred library or external flag, "+
			"so they are not compared here: the run compares them with createUser's answer and ends the row exists or conflict", id)
		c.stats.Exists++
	}
	c.found = append(c.found, f)
	return nil
}

func isUserNotFound(e *imanage.Error) bool { return e.Code == "USER_NOT_FOUND" || e.StatusCode == 404 }

func refusalText(e *imanage.Error) string {
	if e.Code != "" {
		return e.Code
	}
	return fmt.Sprintf("HTTP %d", e.StatusCode)
}

// userCategories lists (once) the My Matters categories of user; refused
// is the service's refusal to (USER_NOT_FOUND for a user it does not have).
func (c *remoteChecker) userCategories(user string) (cats map[string]bool, refused *imanage.Error, err error) {
	if e, ok := c.refusedUsers[user]; ok {
		return nil, e, nil
	}
	if cats, ok := c.categories[user]; ok {
		return cats, nil, nil
	}
	list, err := c.r.GetMyMattersCategories(c.ctx, user)
	c.stats.Calls++
	c.stats.Categories++
	if err != nil {
		if e, ok := imanage.AsError(err); ok && e.Rejected() {
			c.refusedUsers[user] = e
			return nil, e, nil
		}
		return nil, nil, fmt.Errorf("checking the My Matters categories of %s: %w", user, err)
	}
	cats = map[string]bool{}
	for _, x := range list {
		cats[x.ID] = true
	}
	c.categories[user] = cats
	return cats, nil, nil
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
	cats, refused, err := c.userCategories(user)
	if err != nil {
		return err
	}
	if refused != nil {
		if !c.reportedUsers[user] {
			c.reportedUsers[user] = true
			msg := fmt.Sprintf("the service has no user %q", user)
			if !isUserNotFound(refused) {
				msg = fmt.Sprintf("the service refused to list the My Matters categories of %q: %s", user, refused.Code)
			}
			c.problem(j, "user_id", msg, Error)
		}
		return nil
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

// checkSchemas reads, once each, the schemas the jobs' dynamic members need
// and holds every job to them, as a run does before its first write.
func (c *remoteChecker) checkSchemas(jobs []*Job) error {
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
		if err := ss.Load(c.ctx, c.r, n); err != nil {
			return err
		}
	}
	c.problems = append(c.problems, SchemaProblems(ss, jobs)...)
	return nil
}

// SchemaProblems holds each job's dynamic members to the schemas read: a
// problem names the job's file, row, column and the schema's property.
func SchemaProblems(ss *actions.Schemas, jobs []*Job) []Problem {
	var out []Problem
	for _, j := range jobs {
		for _, fe := range ss.Check(j.Action, j.Values, j.Secrets) {
			out = append(out, Problem{File: j.Source, Row: j.Row, Column: j.Columns[fe.Field], Field: fe.Field, Message: fe.Message, Severity: Error})
		}
	}
	return out
}
