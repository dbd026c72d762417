package sim

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// env is what an operation may know about its call besides its input.
type env struct {
	now     time.Time
	caller  *user
	baseURL string
}

// runFunc does a validated call against the state: existence, data-dependent
// checks, conflicts, then the change. It runs with Server.mu held.
type runFunc func(st *state, e *env) (any, *apiError)

// operation is one /automate/work/{name} route. parse checks the input's
// shape without the state (400 with every bad field), with the server's
// member tables, and returns what to run.
type operation struct {
	method string
	write  bool
	parse  func(r *http.Request, body []byte, bodyErr error, sh shapes) (runFunc, *apiError)
}

// operations are every route: the ten actions, the helper reads, and the
// schema operations (shapes.go).
var operations = withSchemaOperations(map[string]operation{
	"createUser":                   postShapedOp(true, parseCreateUser),
	"assignUserToLibrary":          postOp(true, parseAssignUserToLibrary),
	"getLibraryRoles":              getOp(parseGetLibraryRoles),
	"getLookupAliases":             getOp(parseGetLookupAliases),
	"createCustomOrPropertyLookup": postShapedOp(true, parseCreateAlias),
	"updateCustomField":            postShapedOp(false, parseUpdateCustomField),
	"addTab":                       postOp(true, parseAddTab),
	"addFolder":                    postShapedOp(true, parseAddFolder),
	"addShortcutsToMyMattersAdmin": postOp(false, parseAddShortcuts),
	"getMyMattersCategories":       getOp(parseGetMyMattersCategories),
	"getLibraries":                 getOp(parseGetLibraries),
	"getLookupFieldNames":          getOp(func(*query) runFunc { return runGetLookupFieldNames }),
	"getEmailOptions":              getOp(func(*query) runFunc { return runGetEmailOptions }),
})

func withSchemaOperations(ops map[string]operation) map[string]operation {
	for name, op := range schemaOperations {
		ops[name] = op
	}
	return ops
}

// postOp is a write with a JSON body; noExtraFields refuses unknown top-level keys.
func postOp(noExtraFields bool, parse func(o *jsonObject) runFunc) operation {
	return postShapedOp(noExtraFields, func(o *jsonObject, _ shapes) runFunc { return parse(o) })
}

// postShapedOp is a write with a member the tenant shapes (shapes.go).
func postShapedOp(noExtraFields bool, parse func(o *jsonObject, sh shapes) runFunc) operation {
	return operation{method: http.MethodPost, write: true, parse: func(r *http.Request, body []byte, bodyErr error, sh shapes) (runFunc, *apiError) {
		m, err := decodeBody(r, body, bodyErr)
		if err != nil {
			return nil, err
		}
		var p problems
		o := newObject("", m, &p)
		run := parse(o, sh)
		if noExtraFields {
			o.rejectUnknown()
		}
		if e := p.err(); e != nil {
			return nil, e
		}
		return run, nil
	}}
}

// getOp is a read with query parameters; unknown parameters are refused.
func getOp(parse func(q *query) runFunc) operation {
	return getShapedOp(func(q *query, _ shapes) runFunc { return parse(q) })
}

// getShapedOp is a read that answers with the tenant's shapes (the schema
// operations).
func getShapedOp(parse func(q *query, sh shapes) runFunc) operation {
	return operation{method: http.MethodGet, parse: func(r *http.Request, _ []byte, _ error, sh shapes) (runFunc, *apiError) {
		var p problems
		q := newQuery(r.URL.Query(), &p)
		run := parse(q, sh)
		q.rejectUnknown()
		if e := p.err(); e != nil {
			return nil, e
		}
		return run, nil
	}}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func isoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (st *state) library(id string) (*library, *apiError) {
	if lib := st.libraries[id]; lib != nil {
		return lib, nil
	}
	return nil, newError(http.StatusNotFound, codeLibraryNotFound, "library %q does not exist", id)
}

func (st *state) findUser(id string) (*user, *apiError) {
	if u := st.user(id); u != nil {
		return u, nil
	}
	return nil, newError(http.StatusNotFound, codeUserNotFound, "user %q does not exist", id)
}

func (st *state) container(id string) (*container, *apiError) {
	if c := st.containers[id]; c != nil {
		return c, nil
	}
	return nil, newError(http.StatusNotFound, codeContainerNF, "container %q does not exist", id)
}

func badRole(field, r, lib string, external bool) *apiError {
	who := "users"
	if external {
		who = "external users"
	}
	return invalid(field, msgInvalid, "%q is not a role of library %s for %s; roles: %s", r, lib, who, strings.Join(roleIDs(external), ", "))
}

// ---- 1. createUser ----

func parseCreateUser(o *jsonObject, sh shapes) runFunc {
	p := o.p
	fullName, _ := o.str("full_name", true)
	id, ok := o.str("id", true)
	if ok {
		p.userID("id", id)
	}
	email, ok := o.str("email", true)
	if ok {
		p.email("email", email)
	}
	external, _ := o.boolean("is_external", true)
	libID, _ := o.str("preferred_library", true)
	roleID, _ := o.str("role", true)
	ignore, _ := o.boolean("ignore_if_user_already_exists", true)
	method, methodOK := o.str("password_create_method", true)
	if methodOK {
		methodOK = p.enum("password_create_method", method, passwordMethods)
	}
	var force bool
	if cp, ok := o.object("create_password", true); ok {
		// The password never appears in a message, not even its length.
		// The tenant's properties are accepted and not kept: a created
		// user cannot sign in here, so nothing would show them.
		v := sh.password(method, methodOK).read(cp)
		force, _ = v["force_password_change"].(bool)
	}
	return func(st *state, e *env) (any, *apiError) {
		if _, err := st.library(libID); err != nil {
			return nil, err
		}
		if !roleAllowed(roleID, external) {
			return nil, badRole("role", roleID, libID, external)
		}
		if u := st.user(id); u != nil {
			if !ignore {
				return nil, newError(http.StatusConflict, codeDuplicateUser, "user %q already exists", u.id)
			}
			return userAnswer(u, false), nil
		}
		u := &user{
			id: id, fullName: fullName, email: email, num: st.nextUserNum, external: external,
			preferred: libID, roles: map[string]string{libID: roleID},
			hasPassword: method == createAPassword, forcePasswordChange: force, created: e.now,
		}
		st.nextUserNum++
		st.users[userKey(id)] = u
		st.addCategories(u, st.libraries[libID], e.now)
		st.created["user"]++
		return userAnswer(u, true), nil
	}
}

func userAnswer(u *user, created bool) map[string]any {
	nos := userNosEnterprise
	if u.external {
		nos = userNosVirtual
	}
	ts := isoTime(u.created)
	return map[string]any{
		"user_num":              u.num,
		"full_name":             u.fullName,
		"id":                    u.id,
		"preferred_library":     u.preferred,
		"user_nos":              nos,
		"user_id_ex":            u.id,
		"ssid":                  "",
		"pwd_never_expire":      false,
		"is_locked":             false,
		"is_external":           u.external,
		"has_password":          u.hasPassword,
		"force_password_change": u.forcePasswordChange,
		"failed_logins":         0,
		"email":                 u.email,
		"edit_date":             ts,
		"create_date":           ts,
		"pwd_changed_ts":        ts,
		"allow_logon":           true,
		"user_created":          created,
	}
}

// ---- 2. assignUserToLibrary ----

func parseAssignUserToLibrary(o *jsonObject) runFunc {
	libID, _ := o.str("libraryId", true)
	userID, _ := o.str("user_id", true)
	roleID, _ := o.str("role", true)
	preferred, _ := o.boolean("is_preferred_library", true)
	return func(st *state, e *env) (any, *apiError) {
		if _, err := st.library(libID); err != nil {
			return nil, err
		}
		u, err := st.findUser(userID)
		if err != nil {
			return nil, err
		}
		if !roleAllowed(roleID, u.external) {
			return nil, badRole("role", roleID, libID, u.external)
		}
		u.roles[libID] = roleID
		if preferred {
			u.preferred = libID
		}
		return map[string]any{"user_num": u.num}, nil
	}
}

// ---- 3. getLibraryRoles ----

func parseGetLibraryRoles(q *query) runFunc {
	libID, _ := q.str("libraryId", true)
	external := q.boolean("is_external")
	userID, hasUser := q.str("user_id", false)
	return func(st *state, e *env) (any, *apiError) {
		if _, err := st.library(libID); err != nil {
			return nil, err
		}
		if hasUser {
			u, err := st.findUser(userID)
			if err != nil {
				return nil, err
			}
			external = u.external
		}
		return rolesFor(external), nil
	}
}

// ---- 4. getLookupAliases ----

func parseGetLookupAliases(q *query) runFunc {
	p := q.p
	libID, _ := q.str("libraryId", true)
	fieldID, fieldOK := q.str("lookupFieldId", true)
	if fieldOK {
		fieldOK = p.enum("lookupFieldId", fieldID, lookupFieldIDs)
	}
	parentAlias, hasParent := q.str("parentAlias", false)
	getParents := q.boolean("getParentAliases")
	_, isChild := parentField[fieldID]
	if fieldOK && !isChild {
		if hasParent {
			p.add("parentAlias", msgNotAllowed, "is only for custom2 and custom30, not %s", fieldID)
		}
		if getParents {
			p.add("getParentAliases", msgNotAllowed, "is only for custom2 and custom30, not %s", fieldID)
		}
	}
	return func(st *state, e *env) (any, *apiError) {
		lib, err := st.library(libID)
		if err != nil {
			return nil, err
		}
		field := lib.fields[fieldID]
		if getParents {
			return aliasList(lib.fields[parentField[fieldID]].aliases, ""), nil
		}
		if hasParent {
			pf := parentField[fieldID]
			if lib.fields[pf].find("", parentAlias) == nil {
				return nil, invalid("parentAlias", msgInvalid, "%q is not an alias of %s in library %s", parentAlias, pf, libID)
			}
			return aliasList(field.aliases, parentAlias), nil
		}
		return aliasList(field.aliases, ""), nil
	}
}

// aliasList answers aliases, those under parent only when parent is set.
func aliasList(as []*alias, parent string) []map[string]any {
	out := []map[string]any{}
	for _, a := range as {
		if parent != "" && a.parent != parent {
			continue
		}
		m := map[string]any{"id": a.id, "description": a.description, "enabled": a.enabled, "hipaa": a.hipaa}
		if a.parent != "" {
			m["parent"] = a.parent
		}
		for k, v := range a.tenant { // names no built-in property has (Options.Validate)
			m[k] = v
		}
		out = append(out, m)
	}
	return out
}

// ---- 5. createCustomOrPropertyLookup and 6. updateCustomField ----

// aliasRequest is the body both alias operations share.
type aliasRequest struct {
	libID, fieldID, id, parent string
	description                string
	enabled, hipaa             bool
	hasDesc, hasEnabled        bool
	hasHipaa, isChild          bool
	tenant                     map[string]any // the tenant's properties given
}

func parseAliasRequest(o *jsonObject, sh shapes, update bool) *aliasRequest {
	p := o.p
	a := &aliasRequest{enabled: true}
	a.libID, _ = o.str("libraryId", true)
	fieldID, fieldOK := o.str("lookupFieldId", true)
	if fieldOK {
		fieldOK = p.enum("lookupFieldId", fieldID, lookupFieldIDs)
	}
	a.fieldID = fieldID
	_, a.isChild = parentField[fieldID]
	info, ok := o.object("aliasInfo", true)
	if !ok {
		return a
	}
	if fieldOK && !a.isChild && info.has("parent") {
		info.get("parent", false)
		p.add("aliasInfo.parent", msgNotAllowed, "is only for custom2 and custom30, not %s", fieldID)
	}
	v := sh.alias(fieldID, fieldOK, update).read(info)
	a.tenant = sh.tenantValues(memberAlias, v)
	a.id, _ = v["id"].(string)
	a.description, a.hasDesc = v["description"].(string)
	a.enabled, a.hasEnabled = v["enabled"].(bool)
	if !a.hasEnabled {
		a.enabled = true
	}
	a.hipaa, a.hasHipaa = v["hipaa"].(bool)
	a.parent, _ = v["parent"].(string)
	return a
}

// checkParent is the data-dependent rule on aliasInfo.parent.
func (a *aliasRequest) checkParent(lib *library) *apiError {
	if !a.isChild {
		return nil
	}
	pf := parentField[a.fieldID]
	if lib.fields[pf].find("", a.parent) == nil {
		return invalid("aliasInfo.parent", msgInvalid, "%q is not an alias of %s in library %s", a.parent, pf, lib.id)
	}
	return nil
}

func parseCreateAlias(o *jsonObject, sh shapes) runFunc {
	a := parseAliasRequest(o, sh, false)
	return func(st *state, e *env) (any, *apiError) {
		lib, err := st.library(a.libID)
		if err != nil {
			return nil, err
		}
		if err := a.checkParent(lib); err != nil {
			return nil, err
		}
		f := lib.fields[a.fieldID]
		if f.find(a.parent, a.id) != nil {
			where := ""
			if a.isChild {
				where = " under " + a.parent
			}
			return nil, newError(http.StatusConflict, codeDuplicateAlias, "alias %q of %s%s already exists in library %s", a.id, a.fieldID, where, lib.id)
		}
		f.aliases = append(f.aliases, &alias{id: a.id, description: a.description, parent: a.parent, enabled: a.enabled, hipaa: a.hipaa, tenant: a.tenant})
		st.created["alias"]++
		return map[string]any{}, nil
	}
}

func parseUpdateCustomField(o *jsonObject, sh shapes) runFunc {
	a := parseAliasRequest(o, sh, true)
	return func(st *state, e *env) (any, *apiError) {
		lib, err := st.library(a.libID)
		if err != nil {
			return nil, err
		}
		if err := a.checkParent(lib); err != nil {
			return nil, err
		}
		al := lib.fields[a.fieldID].find(a.parent, a.id)
		if al == nil {
			return nil, newError(http.StatusNotFound, codeAliasNotFound, "alias %q of %s does not exist in library %s", a.id, a.fieldID, lib.id)
		}
		if a.hasDesc {
			al.description = a.description
		}
		if a.hasEnabled {
			al.enabled = a.enabled
		}
		if a.hasHipaa {
			al.hipaa = a.hipaa
		}
		if len(a.tenant) > 0 && al.tenant == nil {
			al.tenant = map[string]any{}
		}
		for k, v := range a.tenant {
			al.tenant[k] = v
		}
		return map[string]any{}, nil
	}
}

// ---- 7. addTab ----

// optionalOwner reads owner: up to 63 characters of the definition's name pattern.
func optionalOwner(o *jsonObject) string {
	owner, ok := o.str("owner", false)
	if ok {
		o.p.objectName("owner", owner, ownerMax)
	}
	return owner
}

// nameParentSecurity reads the fields addTab and addFolder share.
func nameParentSecurity(o *jsonObject) (name, parentID, security string) {
	p := o.p
	name, ok := o.str("name", true)
	if ok {
		p.objectName("name", name, nameMax)
	}
	parentID, ok = o.str("parentId", true)
	if ok {
		p.objectID("parentId", parentID)
	}
	security, ok = o.str("default_security", true)
	if ok {
		p.enum("default_security", security, securityValues)
	}
	return name, parentID, security
}

func parseAddTab(o *jsonObject) runFunc {
	name, parentID, security := nameParentSecurity(o)
	description, _ := o.str("description", false)
	owner := optionalOwner(o)
	return func(st *state, e *env) (any, *apiError) {
		ws, err := st.container(parentID)
		if err != nil {
			return nil, err
		}
		if ws.kind != kindWorkspace {
			return nil, invalid("parentId", msgInvalid, "%s is a %s, not a workspace", parentID, kindName(ws.kind))
		}
		if owner == "" {
			owner = e.caller.id
		}
		if hasChildNamed(ws, kindTab, name) {
			st.duplicates++
		}
		tab := st.add(&container{
			id: st.newID(st.libraries[ws.library]), kind: kindTab, name: name, library: ws.library,
			parent: ws, owner: owner, description: description, defaultSecurity: security, created: e.now,
		})
		st.created["tab"]++
		ans := map[string]any{
			"database":         tab.library,
			"default_security": tab.defaultSecurity,
			"id":               tab.id,
			"name":             tab.name,
			"owner":            tab.owner,
			"tab_url":          objectURL(e, tab),
			"workspace_id":     ws.id,
			"workspace_name":   ws.name,
		}
		if description != "" {
			ans["description"] = description
		}
		if u := st.user(tab.owner); u != nil {
			ans["owner_description"] = u.fullName
		}
		return ans, nil
	}
}

func objectURL(e *env, c *container) string {
	return fmt.Sprintf("%s/work/link/d/%s", e.baseURL, c.id)
}

// ---- 8. addFolder ----

// profileKind is the type of a profileProperties key.
func profileKind(k string) (kind string, ok bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(k, "custom"))
	if !strings.HasPrefix(k, "custom") || err != nil || strconv.Itoa(n) != strings.TrimPrefix(k, "custom") {
		return "", false
	}
	switch {
	case n >= 1 && n <= 12, n == 29, n == 30:
		return "lookup", true
	case n >= 13 && n <= 16:
		return "text", true
	case n >= 17 && n <= 20:
		return "number", true
	case n >= 21 && n <= 24:
		return "date", true
	case n >= 25 && n <= 28:
		return "bool", true
	}
	return "", false
}

func parseAddFolder(o *jsonObject, sh shapes) runFunc {
	p := o.p
	name, parentID, security := nameParentSecurity(o)
	parentType, ok := o.str("parentType", true)
	if ok {
		p.enum("parentType", parentType, parentTypes)
	}
	inherit, inheritOK := o.str("inherit_profile_from_workspace", true)
	if inheritOK {
		inheritOK = p.enum("inherit_profile_from_workspace", inherit, yesNo)
	}
	description, _ := o.str("description", false)
	email, ok := o.str("email", false)
	if ok && !folderEmailPattern.MatchString(email) {
		p.add("email", msgPattern, "must be a folder e-mail prefix of letters, digits, '.', '_' and '-', got %q", email)
	}
	owner := optionalOwner(o)
	class, ok := o.str("class", false)
	if ok {
		p.length("class", class, 0, classMax)
	}
	subclass, ok := o.str("subclass", false)
	if ok {
		p.length("subclass", subclass, 0, classMax)
	}
	externalAsNormal, _ := o.boolean("is_external_as_normal", false)
	var profile map[string]any
	hasProfile := false
	if po, ok := o.object("profileProperties", false); ok {
		hasProfile = true
		// The tenant's properties are kept in the profile with the custom
		// fields, and shown with them in the answer.
		profile = sh.profile(inherit, inheritOK).read(po)
	}

	return func(st *state, e *env) (any, *apiError) {
		parent, err := st.container(parentID)
		if err != nil {
			return nil, err
		}
		if parent.kind != kindWorkspace && parent.kind != kindTab && parent.kind != kindFolder {
			return nil, invalid("parentId", msgInvalid, "%s is a %s; a folder's parent is a workspace, tab or folder", parentID, kindName(parent.kind))
		}
		if got := kindName(parent.kind); got != parentType {
			return nil, invalid("parentType", msgInvalid, "is %q but %s is a %s", parentType, parentID, got)
		}
		lib := st.libraries[parent.library]
		var bad problems
		for _, k := range sortedKeys(profile) {
			s, isStr := profile[k].(string)
			if kind, _ := profileKind(k); kind != "lookup" || !isStr || s == "" {
				continue
			}
			f := lib.fields[k]
			var found bool
			if pf, child := parentField[k]; child {
				if parentAlias, ok := profile[pf].(string); ok && parentAlias != "" {
					found = f.find(parentAlias, s) != nil
				} else {
					found = f.findAny(s) != nil
				}
			} else {
				found = f.find("", s) != nil
			}
			if !found {
				bad.add("profileProperties."+k, msgInvalid, "%q is not an alias of %s in library %s", s, k, lib.id)
			}
		}
		if berr := bad.err(); berr != nil {
			return nil, berr
		}
		if owner == "" {
			owner = e.caller.id
		}
		if !hasProfile {
			profile = map[string]any{}
		}
		if inherit == "Yes" {
			profile = copyProfile(parent.workspace.profile)
		}
		if hasChildNamed(parent, kindFolder, name) {
			st.duplicates++
		}
		f := st.add(&container{
			id: st.newID(lib), kind: kindFolder, name: name, library: lib.id, parent: parent,
			owner: owner, description: description, defaultSecurity: security, profile: profile,
			email: email, class: class, subclass: subclass, isExternalAsNormal: externalAsNormal,
			inheritProfileFromWorkspace: inherit, created: e.now,
		})
		st.created["folder"]++
		return folderAnswer(st, e, f), nil
	}
}

// folderAnswer is addFolder's answer in the definition's NewFolderProfile
// shape: class and subclass inside profile, the folder's e-mail address
// (not the prefix), and the flags a new, empty folder has.
func folderAnswer(st *state, e *env, f *container) map[string]any {
	profile := copyProfile(f.profile)
	for k, v := range map[string]string{"class": f.class, "subclass": f.subclass} {
		if v != "" {
			profile[k] = v
		}
	}
	ans := map[string]any{
		"id":                        f.id,
		"name":                      f.name,
		"wstype":                    "folder",
		"folder_url":                objectURL(e, f),
		"parent_id":                 f.parent.id,
		"workspace_id":              f.workspace.id,
		"workspace_name":            f.workspace.name,
		"database":                  f.library,
		"default_security":          f.defaultSecurity,
		"effective_security":        folderEffectiveSecurity,
		"folder_type":               "regular",
		"view_type":                 folderViewType,
		"profile":                   profile,
		"owner":                     f.owner,
		"is_external":               false,
		"is_external_as_normal":     f.isExternalAsNormal,
		"is_container_saved_search": false,
		"is_content_saved_search":   false,
		"has_documents":             false,
		"has_subfolders":            false,
		"edit_date":                 isoTime(f.created),
	}
	if f.defaultSecurity == "inherit" {
		ans["inherited_default_security"] = inheritedSecurity(f.parent)
	}
	if f.description != "" {
		ans["description"] = f.description
	}
	if f.email != "" {
		ans["email"] = f.email + folderEmailDomain
	}
	if u := st.user(f.owner); u != nil {
		ans["owner_description"] = u.fullName
	}
	return ans
}

// inheritedSecurity is the security a container with "inherit" gets from
// its parents; a workspace that inherits too is private.
func inheritedSecurity(c *container) string {
	for ; c != nil; c = c.parent {
		if c.defaultSecurity != "" && c.defaultSecurity != "inherit" {
			return c.defaultSecurity
		}
	}
	return "private"
}

// ---- 9. addShortcutsToMyMattersAdmin ----

func parseAddShortcuts(o *jsonObject) runFunc {
	p := o.p
	userID, _ := o.str("user_id", true)
	var workspaces []string
	if list, ok := o.str("workspace_id", true); ok {
		seen := map[string]bool{}
		for i, id := range strings.Split(list, ";") {
			if !objectIDPattern.MatchString(id) {
				p.add("workspace_id", msgPattern, "item %d of the ;-separated list must be a workspace ID LIBRARY!number, got %q", i+1, id)
				continue
			}
			if !seen[id] {
				seen[id] = true
				workspaces = append(workspaces, id)
			}
		}
	}
	categoryID, hasCategory := o.str("category_id", false)
	if hasCategory {
		p.objectID("category_id", categoryID)
	}
	return func(st *state, e *env) (any, *apiError) {
		u, err := st.findUser(userID)
		if err != nil {
			return nil, err
		}
		cat := u.category(categoryMyMatters)
		if hasCategory {
			if cat, err = st.container(categoryID); err != nil {
				return nil, err
			}
			if cat.kind != kindCategory || cat.user != u {
				return nil, invalid("category_id", msgInvalid, "%s is not a My Matters category of user %s", categoryID, u.id)
			}
		}
		var missing []string
		targets := make([]*container, 0, len(workspaces))
		for _, id := range workspaces {
			ws := st.containers[id]
			switch {
			case ws == nil:
				missing = append(missing, id)
			case ws.kind != kindWorkspace:
				return nil, invalid("workspace_id", msgInvalid, "%s is a %s, not a workspace", id, kindName(ws.kind))
			}
			targets = append(targets, ws)
		}
		if len(missing) > 0 {
			return nil, newError(http.StatusNotFound, codeContainerNF, "workspace %s does not exist", strings.Join(missing, ", "))
		}
		shortcuts := []map[string]any{}
		ids := make([]string, 0, len(targets))
		for _, ws := range targets {
			var sc *container
			for _, c := range cat.children {
				if c.kind == kindShortcut && c.target == ws {
					sc = c
					break
				}
			}
			if sc == nil {
				sc = st.add(&container{
					id: st.newID(st.libraries[cat.library]), kind: kindShortcut, name: ws.name,
					library: cat.library, parent: cat, owner: u.id, target: ws, created: e.now,
				})
				st.created["shortcut"]++
			}
			shortcuts = append(shortcuts, map[string]any{
				"id": sc.id, "wstype": "workspace_shortcut", "target": map[string]any{"id": ws.id},
			})
			ids = append(ids, sc.id)
		}
		return map[string]any{"shortcuts": shortcuts, "all_workspace_shortcut_ids": strings.Join(ids, ";")}, nil
	}
}

// ---- 10. getMyMattersCategories ----

func parseGetMyMattersCategories(q *query) runFunc {
	userID, _ := q.str("user_id", true)
	return func(st *state, e *env) (any, *apiError) {
		// [chosen] Another user's My Matters is an administrator's to read
		// (the read beside addShortcutsToMyMattersAdmin), checked before
		// whether that user exists; one's own is anyone's.
		if !e.caller.admin && userKey(userID) != userKey(e.caller.id) {
			return nil, newError(http.StatusForbidden, codeForbidden, "getMyMattersCategories: user %s is not an administrator and may read only their own My Matters", e.caller.id)
		}
		u, err := st.findUser(userID)
		if err != nil {
			return nil, err
		}
		out := []map[string]any{}
		for _, c := range u.categories {
			out = append(out, map[string]any{
				"id": c.id, "name": c.name, "category_type": c.categoryType,
				"default_security": c.defaultSecurity, "has_subfolders": len(c.children) > 0, "owner": u.id,
			})
		}
		return out, nil
	}
}

// ---- helper reads ----

func parseGetLibraries(q *query) runFunc {
	showAll := q.boolean("showAllLibraries")
	hidePreferred := q.boolean("hidePreferredLibrary")
	return func(st *state, e *env) (any, *apiError) {
		out := []map[string]any{}
		for _, id := range st.libOrder {
			lib := st.libraries[id]
			if (lib.hidden && !showAll) || (hidePreferred && id == e.caller.preferred) {
				continue
			}
			out = append(out, map[string]any{"id": lib.id, "display_name": lib.displayName, "type": lib.kind, "is_hidden": lib.hidden})
		}
		return out, nil
	}
}

func runGetLookupFieldNames(st *state, e *env) (any, *apiError) {
	out := make([]map[string]any, 0, len(lookupFieldIDs))
	for _, id := range lookupFieldIDs {
		name := lookupFieldNames[id]
		if name == "" {
			name = "Custom " + strings.TrimPrefix(id, "custom")
		}
		out = append(out, map[string]any{"id": id, "display_name": name})
	}
	return out, nil
}

func runGetEmailOptions(st *state, e *env) (any, *apiError) {
	return append([]string(nil), folderEmailOptions...), nil
}
