package sim

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The definition leaves three request members to the service: aliasInfo,
// create_password and profileProperties. Each has a schema operation that
// answers {"data": <a JSON schema of the member>}. Here every such member is
// a table of properties; the simulator checks requests with the table and
// writes the schema it serves from the same table, so what it says and what
// it enforces cannot drift apart. A server's tables are its shapes: the
// built-in properties and the ones its tenant adds (Options.TenantProperties).

// prop is one property of a member.
type prop struct {
	name           string
	typ            string   // "string", "boolean", "number" or "integer"
	minLen, maxLen int      // for strings, in characters (maxLen 0: no maximum)
	enum           []string // for strings: the allowed values (nil: any)
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
		if len(p.enum) > 0 {
			s["enum"] = p.enum
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
	case "number", "integer":
		v, ok := o.get(p.name, p.required)
		if !ok {
			return nil, false
		}
		n, isNum := v.(json.Number)
		if !isNum {
			o.p.add(field, msgType, "must be %s, got %s", article(p.typ), jsonType(v))
			return nil, false
		}
		if p.typ == "integer" && !integral(n) {
			o.p.add(field, msgType, "must be an integer (a number with no fraction), got %s", n)
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
	if len(p.enum) > 0 && !o.p.enum(field, s, p.enum) {
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

func article(typ string) string {
	if typ == "integer" {
		return "an integer"
	}
	return "a " + typ
}

// integral reports whether a JSON number has no fraction: its value is a
// whole number, as JSON Schema's "integer" says (so 3, 3.0 and 3e2 are;
// 3.5 is not). It reads the digits, so no exponent is too large for it.
func integral(n json.Number) bool {
	s := strings.TrimPrefix(string(n), "-")
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	whole, frac, _ := strings.Cut(mant, ".")
	digits := strings.TrimLeft(whole+frac, "0")
	if digits == "" {
		return true // zero
	}
	zeros := len(digits) - len(strings.TrimRight(digits, "0"))
	// The value is digits * 10^(e - len(frac)); whole when the trailing
	// zeros make up for the places below the point.
	places := len(frac)
	if hasExp {
		e, err := strconv.Atoi(exp)
		if err != nil { // beyond an int: huge, or tiny
			return !strings.HasPrefix(exp, "-")
		}
		places -= e
	}
	return places <= zeros
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

// shapes are a server's member tables: the built-in properties of each
// member and those its tenant adds. The routes that read a member, and the
// schema operations, are given the server's shapes.
type shapes struct {
	tenant map[string][]TenantProperty // by member, in the order given
}

func newShapes(tps []TenantProperty) shapes {
	s := shapes{tenant: map[string][]TenantProperty{}}
	for _, tp := range tps {
		tp.Enum = slices.Clone(tp.Enum) // the caller's slice may change later
		s.tenant[tp.Member] = append(s.tenant[tp.Member], tp)
	}
	return s
}

// tenantProps are the member's tenant properties as table rows; required
// says whether this table requires those the tenant requires.
func (s shapes) tenantProps(member string, required bool) []prop {
	var out []prop
	for _, tp := range s.tenant[member] {
		p := prop{name: tp.Name, typ: tp.Type, enum: tp.Enum, required: required && tp.Required}
		if p.required && p.typ == "string" && len(p.enum) == 0 {
			p.minLen = 1 // a required string must not be empty, and the schema says so
		}
		out = append(out, p)
	}
	return out
}

// tenantValues picks the member's tenant properties out of what a table
// read.
func (s shapes) tenantValues(member string, v map[string]any) map[string]any {
	var out map[string]any
	for _, tp := range s.tenant[member] {
		if x, ok := v[tp.Name]; ok {
			if out == nil {
				out = map[string]any{}
			}
			out[tp.Name] = x
		}
	}
	return out
}

// alias is aliasInfo for a lookup field, to create an alias or (update)
// to change one. known is false when the field itself is not valid: the
// shape is then the loosest, so that only the field is reported. The
// tenant's properties are never required to change an alias, and count
// as a change.
func (s shapes) alias(fieldID string, known, update bool) shape {
	sh := shape{props: []prop{
		{name: "id", typ: "string", minLen: 1, maxLen: aliasIDMax, required: true},
		{name: "description", typ: "string", maxLen: descriptionMax},
		{name: "enabled", typ: "boolean"},
		{name: "hipaa", typ: "boolean"},
	}}
	if _, child := parentField[fieldID]; child || !known {
		sh.props = append(sh.props, prop{name: "parent", typ: "string", minLen: 1, maxLen: aliasIDMax, required: known})
	}
	tenant := s.tenantProps(memberAlias, known && !update)
	sh.props = append(sh.props, tenant...)
	if update {
		sh.atLeastOne = []string{"description", "enabled", "hipaa"}
		for _, p := range tenant {
			sh.atLeastOne = append(sh.atLeastOne, p.name)
		}
	}
	return sh
}

// password is create_password for a password_create_method; known is
// false when the method is not valid. The tenant's properties belong to
// "Create a password" ("Send an email" takes {}).
func (s shapes) password(method string, known bool) shape {
	switch {
	case known && method == sendAnEmail:
		return shape{closedMsg: "must be {} when password_create_method is \"" + sendAnEmail + "\""}
	case known && method == createAPassword:
		return shape{props: append([]prop{
			// Created users cannot sign in to the simulator, so only the
			// password's rules matter.
			{name: "password", typ: "string", minLen: passwordMin, maxLen: passwordMax, required: true, secret: true},
			{name: "force_password_change", typ: "boolean"},
		}, s.tenantProps(memberPassword, true)...)}
	}
	return shape{props: append([]prop{{name: "password", typ: "string", secret: true}, {name: "force_password_change", typ: "boolean"}},
		s.tenantProps(memberPassword, false)...)}
}

// profileDatePattern is the definition's ISO 8601 date-time of the
// custom21-custom24 profile fields (the same in RE2 and ECMAScript).
var profileDatePattern = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})T(\d{2})(:)(\d{2})(:)(\d{2})(\.\d+)?(Z|([+-])(\d{2})(:)?(\d{2}))$`)

// profile is profileProperties for inherit_profile_from_workspace: the
// typed custom fields and the tenant's properties with "No"; nothing with
// "Yes" (the folder takes the workspace's profile). known is false when
// inherit is not valid: the "No" table, requiring nothing of the tenant's.
func (s shapes) profile(inherit string, known bool) shape {
	if known && inherit == "Yes" {
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
	return shape{props: append(props, s.tenantProps(memberProfile, known)...)}
}

// ---- the four schema operations ----

func parseAliasSchema(update bool) func(q *query, sh shapes) runFunc {
	return func(q *query, sh shapes) runFunc {
		fieldID, ok := q.str("lookupFieldId", true)
		if ok {
			ok = q.p.enum("lookupFieldId", fieldID, lookupFieldIDs)
		}
		return func(st *state, e *env) (any, *apiError) {
			return sh.alias(fieldID, ok, update).schema(), nil
		}
	}
}

func parsePasswordSchema(q *query, sh shapes) runFunc {
	method, ok := q.str("password_create_method", true)
	if ok {
		ok = q.p.enum("password_create_method", method, passwordMethods)
	}
	return func(st *state, e *env) (any, *apiError) {
		return sh.password(method, ok).schema(), nil
	}
}

func parseProfileSchema(q *query, sh shapes) runFunc {
	inherit, ok := q.str("inherit_profile_from_workspace", true)
	if ok {
		ok = q.p.enum("inherit_profile_from_workspace", inherit, yesNo)
	}
	return func(st *state, e *env) (any, *apiError) {
		return sh.profile(inherit, ok).schema(), nil
	}
}

// schemaOperations are the four, as routes.
var schemaOperations = map[string]operation{
	"getCreateCustomOrPropertyLookupSchema": getShapedOp(parseAliasSchema(false)),
	"getUpdateCustomFieldSchema":            getShapedOp(parseAliasSchema(true)),
	"getCreateUserPasswordSchema":           getShapedOp(parsePasswordSchema),
	"getAddFolderPropertiesSchema":          getShapedOp(parseProfileSchema),
}
