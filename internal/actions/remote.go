package actions

import (
	"fmt"
	"sort"
	"strings"

	"github.com/firmtools/bulk/internal/names"
)

// The remote checks of `bulk validate --remote`: read-only questions to the
// service about what the jobs name. Every action gets two of them: the
// libraries its fields name exist (Field.Library), and its PreRead says
// which rows are already there. Spec.CheckRemote adds the action's own,
// written with the helpers below against RemoteCheck, which the remote
// checker (internal/remote) implements.

// LibraryUse says how a field names a library.
type LibraryUse int

const (
	NoLibrary    LibraryUse = iota
	LibraryName             // the value is a library's name
	LibraryOfIDs            // each ID in the value is LIBRARY!number
)

// RemoteCheck is what an action's remote check may ask the service about
// the row it checks, and say of it. Each question is put to the service
// once per run, however many rows ask it; errors are for what is not an
// answer about the thing asked (sign-in, network, throttling beyond
// retries), say what was being checked, and stop the checks.
type RemoteCheck interface {
	// HasLibrary reports whether the service has library lib.
	HasLibrary(lib string) (bool, error)
	// Roles lists the roles of library lib, its external ones when
	// external; ok is false when the service refused to say.
	Roles(lib string, external bool) (roles map[string]bool, ok bool, err error)
	// Aliases lists the aliases of lookup field field in lib (under
	// parent, for a child field); ok is false when the service refused.
	Aliases(lib, field, parent string) (aliases map[string]bool, ok bool, err error)
	// Categories lists the My Matters categories of user; refusal is set
	// when the service refused to list them.
	Categories(user string) (cats map[string]bool, refusal *Refusal, err error)
	// Created returns the values of the manifest's first job that creates
	// o (Spec.Creates), if one does.
	Created(o Object) (Values, bool)
	// First reports whether key is met for the first time in this run's
	// checks: for a problem said once, not on every row that meets it.
	First(key string) bool
	// Problem reports an error in the row's field.
	Problem(field, message string)
	// Found says what the run will find of the row's object in the service.
	Found(f Finding)
}

// Refusal is the service refusing to answer a read.
type Refusal struct {
	NotFound bool   // it has no such thing (404, USER_NOT_FOUND)
	Code     string // its error code, "" when it gave none
	Text     string // its error code, or "HTTP n"
}

// Finding is what a remote check learned of the row's object.
type Finding struct {
	// Status is what the run will make of the row: FoundExists (nothing
	// to create), FoundConflict (there, but not as the row asks) or
	// FoundUnknown (the service would not say).
	Status string
	// Compared: the service showed the object, so it was compared with
	// the row.
	Compared bool
	// NotCompared names what the service did not show of it, so could
	// not be compared.
	NotCompared []string
	Message     string
}

// The statuses of a Finding, as the run's result rows spell them.
const (
	FoundExists   = "exists"
	FoundConflict = "conflict"
	FoundUnknown  = "unknown"
)

// Known returns a field's value when it is known offline: given, and
// holding no reference.
func Known(v Values, field string) (string, bool) {
	x, ok := v[field]
	if !ok || x == "" || HasRef(x) {
		return "", false
	}
	return x, true
}

// checkRole checks that the row's role is a role of the library in
// libField; external lists the kinds of role the user may hold (both for a
// user the manifest does not create).
func checkRole(c RemoteCheck, v Values, libField string, external []bool) error {
	lib, ok := Known(v, libField)
	role, ok2 := Known(v, "role")
	if !ok || !ok2 {
		return nil
	}
	if exists, err := c.HasLibrary(lib); err != nil || !exists {
		return err
	}
	var all []string
	asked := false
	for _, ext := range external {
		roles, ok, err := c.Roles(lib, ext)
		if err != nil {
			return err
		}
		if !ok {
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
	c.Problem("role", fmt.Sprintf("%q is not %s of library %s; its roles are %s%s", role, kind, lib, strings.Join(all, ", "), names.DidYouMean(role, all)))
	return nil
}

// checkAlias checks the parent a child alias hangs under and, for an
// update, the alias it changes. An alias to create needs no check: its
// pre-read says whether it is there.
func checkAlias(c RemoteCheck, v Values, update bool) error {
	lib, ok1 := Known(v, "library_id")
	field, ok2 := Known(v, "lookup_field_id")
	alias, ok3 := Known(v, "alias")
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	if exists, err := c.HasLibrary(lib); err != nil || !exists {
		return err
	}
	parent, _ := Known(v, "parent_alias")
	if pf, isChild := lookupParent[field]; isChild && parent != "" {
		if _, created := c.Created(AliasObject(lib, pf, parent)); !created {
			parents, ok, err := c.Aliases(lib, pf, "")
			if err != nil {
				return err
			}
			if ok && !parents[parent] {
				c.Problem("parent_alias", fmt.Sprintf("%s has no %s alias %q to be the parent", lib, pf, parent))
			}
		}
	}
	if !update {
		return nil
	}
	existing, ok, err := c.Aliases(lib, field, parent)
	if err != nil || !ok {
		return err
	}
	if _, created := c.Created(AliasObject(lib, field, alias)); !existing[alias] && !created {
		c.Problem("alias", fmt.Sprintf("%s has no %s alias %q to update", lib, field, alias))
	}
	return nil
}
