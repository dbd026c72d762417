package sim

import (
	"fmt"
	"strings"
	"time"
)

// state is the simulated tenant. Every access holds Server.mu.
type state struct {
	libraries   map[string]*library
	libOrder    []string
	users       map[string]*user      // by userKey(id)
	containers  map[string]*container // workspaces, tabs, folders, categories, shortcuts by ID
	nextUserNum int
	created     map[string]int // kind -> objects created by calls
	duplicates  int
}

type library struct {
	id          string
	displayName string
	kind        string // worksite or linksite
	hidden      bool
	nextID      int
	fields      map[string]*lookupField
}

type lookupField struct {
	id      string
	aliases []*alias // in creation order
}

type alias struct {
	id          string
	description string
	parent      string // the parent field's alias, for custom2 and custom30
	enabled     bool
	hipaa       bool
	tenant      map[string]any // the tenant's properties (Options.TenantProperties) given; nil: none
}

// find returns the alias id (under parent, for child fields) or nil.
func (f *lookupField) find(parent, id string) *alias {
	for _, a := range f.aliases {
		if a.id == id && a.parent == parent {
			return a
		}
	}
	return nil
}

// findAny returns an alias id under any parent.
func (f *lookupField) findAny(id string) *alias {
	for _, a := range f.aliases {
		if a.id == id {
			return a
		}
	}
	return nil
}

type user struct {
	id                  string
	fullName            string
	email               string
	num                 int
	external            bool
	admin               bool
	password            string // sign-in password; "" cannot sign in
	ssoOnly             bool   // signs in through single sign-on: the browser only, no password grant
	preferred           string
	roles               map[string]string // library -> role
	categories          []*container
	hasPassword         bool
	forcePasswordChange bool
	created             time.Time
}

// userKey makes user IDs case-insensitive, as iManage's are.
func userKey(id string) string { return strings.ToUpper(id) }

func (st *state) user(id string) *user { return st.users[userKey(id)] }

const (
	kindWorkspace = "workspace"
	kindTab       = "tab"
	kindFolder    = "folder"
	kindCategory  = "category"
	kindShortcut  = "shortcut"
)

// container is anything with a LIBRARY!N ID.
type container struct {
	id              string
	kind            string
	name            string
	library         string
	parent          *container
	workspace       *container // the enclosing workspace (itself for a workspace)
	children        []*container
	owner           string
	description     string
	defaultSecurity string
	profile         map[string]any
	created         time.Time

	// folders
	email                       string
	class, subclass             string
	isExternalAsNormal          bool
	inheritProfileFromWorkspace string

	// categories
	categoryType string
	user         *user

	// shortcuts
	target *container
}

// kindName is how a kind is spelled in parentType.
func kindName(kind string) string {
	switch kind {
	case kindWorkspace:
		return "Workspace"
	case kindTab:
		return "Tab"
	case kindFolder:
		return "Folder"
	case kindCategory:
		return "My Matters category"
	case kindShortcut:
		return "shortcut"
	}
	return kind
}

// newID takes the next object number of lib.
func (st *state) newID(lib *library) string {
	id := fmt.Sprintf("%s!%d", lib.id, lib.nextID)
	lib.nextID++
	return id
}

func (st *state) add(c *container) *container {
	st.containers[c.id] = c
	if c.parent != nil {
		c.parent.children = append(c.parent.children, c)
	}
	if c.kind == kindWorkspace {
		c.workspace = c
	} else if c.parent != nil {
		c.workspace = c.parent.workspace
	}
	return c
}

// hasChildNamed reports whether parent already holds a kind called name.
func hasChildNamed(parent *container, kind, name string) bool {
	for _, c := range parent.children {
		if c.kind == kind && c.name == name {
			return true
		}
	}
	return false
}

// addCategories gives u the default My Matters categories, numbered in lib.
func (st *state) addCategories(u *user, lib *library, now time.Time) {
	for _, c := range []struct{ name, typ string }{
		{"My Matters", categoryMyMatters},
		{"My Favorites", categoryMyFavorites},
	} {
		cat := st.add(&container{
			id: st.newID(lib), kind: kindCategory, name: c.name, library: lib.id,
			owner: u.id, defaultSecurity: "private", categoryType: c.typ, user: u, created: now,
		})
		u.categories = append(u.categories, cat)
	}
}

func (u *user) category(typ string) *container {
	for _, c := range u.categories {
		if c.categoryType == typ {
			return c
		}
	}
	return nil
}

func roleAllowed(r string, external bool) bool {
	for _, x := range rolesFor(external) {
		if x.ID == r {
			return true
		}
	}
	return false
}

func roleIDs(external bool) []string {
	var ids []string
	for _, r := range rolesFor(external) {
		ids = append(ids, r.ID)
	}
	return ids
}
