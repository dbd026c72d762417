package actions

import "strings"

// Object is something in the service that one job of a manifest creates
// and others use (Spec.Creates, Spec.Needs), named as the service compares
// it: a user by its ID, ignoring case, or a lookup alias by its library,
// lookup field and ID. Objects are comparable: map keys.
type Object struct{ kind, key string }

// UserObject is the user with ID id (iManage keeps user IDs in upper case).
func UserObject(id string) Object { return Object{"user", strings.ToUpper(id)} }

// AliasObject is alias of lookup field field in library lib.
func AliasObject(lib, field, alias string) Object {
	return Object{"alias", lib + "\x00" + field + "\x00" + alias}
}

// needsUsers is Spec.Needs of an action that names users in fields: each
// user its fields name, when one is given.
func needsUsers(fields ...string) func(v Values) []Object {
	return func(v Values) []Object {
		var out []Object
		for _, f := range fields {
			if id := v[f]; id != "" {
				out = append(out, UserObject(id))
			}
		}
		return out
	}
}

// parentAlias is the alias a child lookup alias (custom2, custom30) hangs
// under, when the row names one.
func parentAlias(v Values) (Object, bool) {
	pf, child := lookupParent[v["lookup_field_id"]]
	if !child || v["parent_alias"] == "" {
		return Object{}, false
	}
	return AliasObject(v["library_id"], pf, v["parent_alias"]), true
}
