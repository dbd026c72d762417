package sim

import (
	"encoding/json"
	"regexp"
	"strconv"
)

// The definition leaves three request members to the service: aliasInfo,
// create_password and profileProperties. Each has a schema operation that
// answers {"data": <a JSON schema of the member>}. Here every such member is
// a table of properties; the simulator checks requests with the table and
// writes the schema it serves from the same table, so what it says and what
// it enforces cannot drift apart.

// prop is one property of a member.
type prop struct {
	name           string
	typ            string // "string", "boolean" or "number"
	minLen, maxLen int    // for strings, in characters (maxLen 0: no maximum)
	pattern        *regexp.Regexp
	patternText    string // what pattern means, for messages
	required       bool
	secret         bool // never repeated in a message, not even its length
}

// shape is a member's table.
type shape struct {
	props []prop
	// oneOf names properties of which at least one must be given.
	atLeastOne []string
	// closedMsg, when set, is the message for any property at all: the
	// member must be {}.
	closedMsg string
}

// schema is the JSON schema the schema operations answer for the shape.
func (sh shape) schema() map[string]any {
	props := map[string]any{}
	var required []string
	for _, p := range sh.props {
		s := map[string]any{"type": p.typ}
		if p.minLen > 0 {
			s["minLength"] = p.minLen
		}
		if p.maxLen > 0 {
			s["maxLength"] = p.maxLen
		}
		if p.pattern != nil {
			s["pattern"] = p.pattern.String()
		}
		props[p.name] = s
		if p.required {
			required = append(required, p.name)
		}
	}
	out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		out["required"] = required
	}
	if len(sh.atLeastOne) > 0 {
		var anyOf []any
		for _, name := range sh.atLeastOne {
			anyOf = append(anyOf, map[string]any{"required": []string{name}})
		}
		out["anyOf"] = anyOf
	}
	return out
}

// read checks o against the shape, recording every problem, and returns
// the values given by property name.
func (sh shape) read(o *jsonObject) map[string]any {
	out := map[string]any{}
	if sh.closedMsg != "" {
		if len(o.m) > 0 {
			o.p.add(o.path, msgNotAllowed, "%s", sh.closedMsg)
		}
		for k := range o.m {
			o.used[k] = true
		}
		return out
	}
	for _, p := range sh.props {
		if v, ok := p.read(o); ok {
			out[p.name] = v
		}
	}
	given := len(sh.atLeastOne) == 0
	for _, name := range sh.atLeastOne {
		if _, ok := out[name]; ok {
			given = true
		}
	}
	if !given && o.p.countFor(o.path) == 0 {
		o.p.add(o.path, msgRequiredOneOf, "give at least one of %s", joinNames(sh.atLeastOne))
	}
	o.rejectUnknown()
	return out
}

func (p prop) read(o *jsonObject) (any, bool) {
	field := o.field(p.name)
	switch p.typ {
	case "boolean":
		return o.boolean(p.name, p.required)
	case "number":
		v, ok := o.get(p.name, p.required)
		if !ok {
			return nil, false
		}
		n, isNum := v.(json.Number)
		if !isNum {
			o.p.add(field, msgType, "must be a number, got %s", jsonType(v))
			return nil, false
		}
		return n, true
	}
	s, ok := o.str(p.name, p.required)
	if !ok {
		return nil, false
	}
	if n := runeLen(s); p.secret && (n < p.minLen || (p.maxLen > 0 && n > p.maxLen)) {
		o.p.add(field, msgLength, "must be %d to %d characters", p.minLen, p.maxLen)
		return nil, false
	}
	if !o.p.length(field, s, p.minLen, p.maxLen) {
		return nil, false
	}
	if p.pattern != nil && !p.pattern.MatchString(s) {
		if p.secret {
			o.p.add(field, msgPattern, "must be %s", p.patternText)
		} else {
			o.p.add(field, msgPattern, "must be %s, got %q", p.patternText, s)
		}
		return nil, false
	}
	return s, true
}

// countFor counts the problems already recorded for a field or its parts.
func (p problems) countFor(path string) int {
	n := 0
	for _, m := range p {
		if m.Field == path || (len(m.Field) > len(path) && m.Field[:len(path)+1] == path+".") {
			n++
		}
	}
	return n
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			out += " or "
		default:
			out += ", "
		}
		out += n
	}
	return out
}

// aliasShape is aliasInfo for a lookup field, to create an alias or (update)
// to change one. known is false when the field itself is not valid: the
// shape is then the loosest, so that only the field is reported.
func aliasShape(fieldID string, known, update bool) shape {
	sh := shape{props: []prop{
		{name: "id", typ: "string", minLen: 1, maxLen: aliasIDMax, required: true},
		{name: "description", typ: "string", maxLen: descriptionMax},
		{name: "enabled", typ: "boolean"},
		{name: "hipaa", typ: "boolean"},
	}}
	if _, child := parentField[fieldID]; child || !known {
		sh.props = append(sh.props, prop{name: "parent", typ: "string", minLen: 1, maxLen: aliasIDMax, required: known})
	}
	if update {
		sh.atLeastOne = []string{"description", "enabled", "hipaa"}
	}
	return sh
}

// passwordShape is create_password for a password_create_method; known is
// false when the method is not valid.
func passwordShape(method string, known bool) shape {
	switch {
	case known && method == sendAnEmail:
		return shape{closedMsg: "must be {} when password_create_method is \"" + sendAnEmail + "\""}
	case known && method == createAPassword:
		return shape{props: []prop{
			// Created users cannot sign in to the simulator, so only the
			// password's rules matter.
			{name: "password", typ: "string", minLen: passwordMin, maxLen: passwordMax, required: true, secret: true},
			{name: "force_password_change", typ: "boolean"},
		}}
	}
	return shape{props: []prop{{name: "password", typ: "string", secret: true}, {name: "force_password_change", typ: "boolean"}}}
}

// profileDatePattern is the definition's ISO 8601 date-time of the
// custom21-custom24 profile fields (the same in RE2 and ECMAScript).
var profileDatePattern = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})T(\d{2})(:)(\d{2})(:)(\d{2})(\.\d+)?(Z|([+-])(\d{2})(:)?(\d{2}))$`)

// profileShape is profileProperties for inherit_profile_from_workspace: the
// typed custom fields with "No"; nothing with "Yes" (the folder takes the
// workspace's profile).
func profileShape(inherit string) shape {
	if inherit == "Yes" {
		return shape{closedMsg: "is only allowed with inherit_profile_from_workspace \"No\""}
	}
	var props []prop
	for n := 1; n <= 30; n++ {
		name := "custom" + strconv.Itoa(n)
		switch kind, _ := profileKind(name); kind {
		case "lookup":
			props = append(props, prop{name: name, typ: "string", maxLen: profileLookup})
		case "text":
			props = append(props, prop{name: name, typ: "string", maxLen: profileText})
		case "number":
			props = append(props, prop{name: name, typ: "number"})
		case "date":
			props = append(props, prop{name: name, typ: "string", pattern: profileDatePattern,
				patternText: "an ISO 8601 date-time with a zone, such as 2024-05-01T09:30:00Z"})
		case "bool":
			props = append(props, prop{name: name, typ: "boolean"})
		}
	}
	return shape{props: props}
}

// ---- the four schema operations ----

func parseAliasSchema(update bool) func(q *query) runFunc {
	return func(q *query) runFunc {
		fieldID, ok := q.str("lookupFieldId", true)
		if ok {
			ok = q.p.enum("lookupFieldId", fieldID, lookupFieldIDs)
		}
		return func(st *state, e *env) (any, *apiError) {
			return aliasShape(fieldID, ok, update).schema(), nil
		}
	}
}

func parsePasswordSchema(q *query) runFunc {
	method, ok := q.str("password_create_method", true)
	if ok {
		q.p.enum("password_create_method", method, passwordMethods)
	}
	return func(st *state, e *env) (any, *apiError) {
		return passwordShape(method, true).schema(), nil
	}
}

func parseProfileSchema(q *query) runFunc {
	inherit, ok := q.str("inherit_profile_from_workspace", true)
	if ok {
		q.p.enum("inherit_profile_from_workspace", inherit, yesNo)
	}
	return func(st *state, e *env) (any, *apiError) {
		return profileShape(inherit).schema(), nil
	}
}

// schemaOperations are the four, as routes.
var schemaOperations = map[string]operation{
	"getCreateCustomOrPropertyLookupSchema": getOp(parseAliasSchema(false)),
	"getUpdateCustomFieldSchema":            getOp(parseAliasSchema(true)),
	"getCreateUserPasswordSchema":           getOp(parsePasswordSchema),
	"getAddFolderPropertiesSchema":          getOp(parseProfileSchema),
}
