// Package schema checks values against the JSON schemas the service
// describes some request members with (the definition's schema operations:
// aliasInfo, create_password, profileProperties), and against the
// definition's own schemas in tests.
//
// Validation is github.com/santhosh-tekuri/jsonschema/v6, which knows every
// draft from 4 to 2020-12; patterns run on github.com/dlclark/regexp2 in
// ECMAScript mode, because JSON Schema's patterns are ECMA-262 expressions
// (the definition's own use look-ahead, which Go's regexp lacks). A schema
// that says no $schema is read as draft 2020-12, then, if it does not fit
// that draft, as draft 4 (the Swagger 2.0 heritage of the connector).
// Nothing a schema names by $ref outside itself is ever fetched.
//
// Violations never repeat the value that was checked: it may be a password.
package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// schemaURL names a schema the service gave, for the compiler and its
// messages: a name of its own, not a file (a relative one would be read
// as a path beside the working directory).
const schemaURL = "https://bulk.invalid/the-service-schema.json"

// patternTimeout bounds one pattern match: a pattern from the service that
// backtracks badly must not hang a run.
const patternTimeout = 100 * time.Millisecond

// Schema is a compiled JSON schema.
type Schema struct {
	compiled *jsonschema.Schema
	doc      map[string]any
	// Draft is the draft the schema was read as, e.g. "2020-12" or "4".
	Draft string
}

// Violation is one way a value does not fit a schema.
type Violation struct {
	// Property is the top-level property concerned ("" for the object
	// itself): the one that is missing, not allowed, or whose value fails.
	Property string
	// Keyword is the schema keyword that failed: type, enum, maxLength,
	// pattern, required, additionalProperties, anyOf, ...
	Keyword string
	// Message says what the schema wants, without the value checked.
	Message string
}

// Compile reads a JSON schema. An object is required; true and false
// schemas are allowed too.
func Compile(raw []byte) (*Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("a schema must be a JSON object, not %s", jsonType(doc))
	}
	if uri, ok := obj["$schema"].(string); ok && !knownDraft(uri) {
		// An OpenAPI or vendor meta-schema: read the keywords as JSON Schema.
		obj = cloneWithout(obj, "$schema")
	}
	var firstErr error
	for _, d := range []struct {
		draft *jsonschema.Draft
		name  string
	}{{jsonschema.Draft2020, "2020-12"}, {jsonschema.Draft4, "4"}} {
		c := jsonschema.NewCompiler()
		c.DefaultDraft(d.draft)
		c.UseLoader(noLoader{})
		c.UseRegexpEngine(ecmaRegexp)
		// A format the service names (date, email) is checked too: a value
		// it would refuse is better refused before the first write.
		c.AssertFormat()
		if err := c.AddResource(schemaURL, obj); err != nil {
			return nil, err
		}
		sch, err := c.Compile(schemaURL)
		if err == nil {
			name := d.name
			if uri, ok := obj["$schema"].(string); ok {
				name = uri
			}
			return &Schema{compiled: sch, doc: obj, Draft: name}, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if _, declared := obj["$schema"]; declared {
			break
		}
	}
	return nil, fmt.Errorf("not a usable JSON schema: %w", firstErr)
}

// MustCompile is Compile for schemas the program writes itself.
func MustCompile(raw []byte) *Schema {
	s, err := Compile(raw)
	if err != nil {
		panic("schema: " + err.Error())
	}
	return s
}

// Properties returns the names the schema's top-level "properties" declares.
func (s *Schema) Properties() []string {
	props, _ := s.doc["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Property is what a schema says of one top-level property's values.
type Property struct {
	// Types are the JSON types the property's "type" allows, "null" left
	// out; none when it says no type.
	Types []string
	// ItemTypes are the types of an array's items ("items"), likewise.
	ItemTypes []string
	// Secret: the schema marks the value as one (writeOnly, or the format
	// "password").
	Secret bool
}

// Property returns what the schema says of its top-level property name
// (following a local $ref), and whether its "properties" declares it.
func (s *Schema) Property(name string) (Property, bool) {
	props, _ := s.doc["properties"].(map[string]any)
	p, ok := s.resolve(props[name])
	if !ok {
		return Property{}, false
	}
	out := Property{Types: s.typesOf(p)}
	if w, _ := p["writeOnly"].(bool); w {
		out.Secret = true
	}
	if f, _ := p["format"].(string); f == "password" {
		out.Secret = true
	}
	if items, ok := s.resolve(p["items"]); ok {
		out.ItemTypes = s.typesOf(items)
	}
	return out, true
}

// Closed reports whether the schema allows no top-level property beyond
// those it names ("additionalProperties": false, no patternProperties).
func (s *Schema) Closed() bool {
	ap, ok := s.doc["additionalProperties"].(bool)
	_, patterns := s.doc["patternProperties"]
	return ok && !ap && !patterns
}

// resolve is a subschema as an object, through a local $ref ("#/...");
// true stands for an object with no keywords.
func (s *Schema) resolve(v any) (map[string]any, bool) {
	for range 8 { // a chain of $refs, not a loop
		switch x := v.(type) {
		case bool:
			return map[string]any{}, x
		case map[string]any:
			ref, isRef := x["$ref"].(string)
			if !isRef {
				return x, true
			}
			v = s.pointer(ref)
			if v == nil {
				return x, true // a reference outside the schema: no more is known
			}
		default:
			return nil, false
		}
	}
	return nil, false
}

// pointer finds a local JSON pointer ("#/definitions/x") in the schema.
func (s *Schema) pointer(ref string) any {
	path, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var cur any = s.doc
	for _, part := range strings.Split(path, "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// typesOf are the types a subschema allows: its "type", else those of the
// values its "enum" or "const" allow, else those of its "oneOf" or
// "anyOf" alternatives.
func (s *Schema) typesOf(p map[string]any) []string {
	var out []string
	add := func(t string) {
		if t != "null" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	switch t := p["type"].(type) {
	case string:
		add(t)
	case []any:
		for _, x := range t {
			if name, ok := x.(string); ok {
				add(name)
			}
		}
	}
	if len(out) > 0 {
		return out
	}
	values, _ := p["enum"].([]any)
	if c, ok := p["const"]; ok {
		values = append(values, c)
	}
	for _, v := range values {
		add(typeName(v))
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		alts, _ := p[k].([]any)
		for _, a := range alts {
			if sub, ok := s.resolve(a); ok {
				for _, t := range s.typesOf(sub) {
					add(t)
				}
			}
		}
	}
	return out
}

// Required returns the schema's top-level "required" list.
func (s *Schema) Required() []string {
	list, _ := s.doc["required"].([]any)
	var out []string
	for _, x := range list {
		if name, ok := x.(string); ok {
			out = append(out, name)
		}
	}
	return out
}

// Validate checks v, a value as encoding/json would decode it (or built of
// maps, slices, strings, bools and numbers), and returns every violation,
// sorted by property.
func (s *Schema) Validate(v any) []Violation {
	inst, err := normalize(v)
	if err != nil {
		return []Violation{{Keyword: "type", Message: err.Error()}}
	}
	err = s.compiled.Validate(inst)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Violation{{Message: "cannot be checked: " + err.Error()}}
	}
	var out []Violation
	collect(ve, &out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Property < out[j].Property })
	return slices.CompactFunc(out, func(a, b Violation) bool { return a == b })
}

// collect gathers the leaves of a validation error tree. The causes of an
// anyOf or oneOf are alternatives, not separate problems: the group is one
// violation.
func collect(ve *jsonschema.ValidationError, out *[]Violation) {
	prop := ""
	if len(ve.InstanceLocation) > 0 {
		prop = ve.InstanceLocation[0]
	}
	switch k := ve.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf:
		*out = append(*out, Violation{Property: prop, Keyword: keyword(ve), Message: "must fit " + alternatives(ve)})
		return
	case *kind.Required:
		for _, m := range k.Missing {
			if len(ve.InstanceLocation) == 0 {
				*out = append(*out, Violation{Property: m, Keyword: "required", Message: "is required"})
			} else {
				*out = append(*out, Violation{Property: prop, Keyword: "required", Message: "needs " + m})
			}
		}
		return
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			if len(ve.InstanceLocation) == 0 {
				*out = append(*out, Violation{Property: p, Keyword: "additionalProperties", Message: "is not a property the schema names"})
			} else {
				*out = append(*out, Violation{Property: prop, Keyword: "additionalProperties", Message: "has " + p + ", which the schema does not name"})
			}
		}
		return
	}
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			collect(c, out)
		}
		return
	}
	*out = append(*out, Violation{Property: prop, Keyword: keyword(ve), Message: describe(ve.ErrorKind)})
}

func keyword(ve *jsonschema.ValidationError) string {
	if p := ve.ErrorKind.KeywordPath(); len(p) > 0 {
		return p[0]
	}
	return ""
}

// alternatives says what an anyOf or oneOf wanted, from its causes.
func alternatives(ve *jsonschema.ValidationError) string {
	var parts []string
	for _, c := range ve.Causes {
		var sub []Violation
		collect(c, &sub)
		var msgs []string
		for _, v := range sub {
			m := v.Message
			if v.Keyword == "required" && len(c.InstanceLocation) == 0 {
				m = v.Property + " given"
			}
			msgs = append(msgs, m)
		}
		if len(msgs) > 0 {
			parts = append(parts, strings.Join(msgs, " and "))
		}
	}
	if len(parts) == 0 {
		return "one of its alternatives"
	}
	return "one of: " + strings.Join(parts, "; or ")
}

// describe says what a leaf keyword wants, never quoting the value.
func describe(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		return fmt.Sprintf("must be %s, not %s", strings.Join(k.Want, " or "), k.Got)
	case *kind.Enum:
		return "must be one of " + quoteAll(k.Want)
	case *kind.Const:
		return "must be " + quoteAll([]any{k.Want})
	case *kind.MinLength:
		return fmt.Sprintf("must be at least %d characters", k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %d characters", k.Want)
	case *kind.Pattern:
		return "must match the pattern " + k.Want
	case *kind.Format:
		return "must be a " + k.Want
	case *kind.Minimum:
		return "must be at least " + k.Want.RatString()
	case *kind.Maximum:
		return "must be at most " + k.Want.RatString()
	case *kind.ExclusiveMinimum:
		return "must be more than " + k.Want.RatString()
	case *kind.ExclusiveMaximum:
		return "must be less than " + k.Want.RatString()
	case *kind.MultipleOf:
		return "must be a multiple of " + k.Want.RatString()
	case *kind.MinProperties:
		return fmt.Sprintf("must have at least %d properties", k.Want)
	case *kind.MaxProperties:
		return fmt.Sprintf("must have at most %d properties", k.Want)
	case *kind.FalseSchema:
		return "is not allowed"
	}
	return "does not fit the schema's " + strings.Join(k.KeywordPath(), "/")
}

func quoteAll(vals []any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte(fmt.Sprint(v))
		}
		parts[i] = string(b)
	}
	return strings.Join(parts, ", ")
}

// normalize turns v into what the validator expects: maps, slices,
// strings, bools, json.Number.
func normalize(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cannot be written as JSON: %w", err)
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

func knownDraft(uri string) bool {
	u := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(uri, "https://"), "http://"), "#")
	switch u {
	case "json-schema.org/schema", "json-schema.org/draft/2020-12/schema", "json-schema.org/draft/2019-09/schema",
		"json-schema.org/draft-07/schema", "json-schema.org/draft-06/schema", "json-schema.org/draft-04/schema":
		return true
	}
	return false
}

func cloneWithout(m map[string]any, key string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "an array"
	case json.Number:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// typeName is the JSON Schema type of a value: "number" for any number
// ("integer" types fewer cells, and a number type takes them all).
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "number"
}

// noLoader refuses every external reference: a schema from the service
// must not make the program fetch a URL or read a file.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s: schemas outside the answer are not fetched", url)
}

// ecmaRegexp compiles a pattern as ECMA-262 (JavaScript), as JSON Schema
// defines patterns.
func ecmaRegexp(s string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	re.MatchTimeout = patternTimeout
	return (*ecma)(re), nil
}

type ecma regexp2.Regexp

func (re *ecma) MatchString(s string) bool {
	ok, err := (*regexp2.Regexp)(re).MatchString(s)
	return err == nil && ok
}

func (re *ecma) String() string { return (*regexp2.Regexp)(re).String() }

// MatchPattern reports whether s matches an ECMA-262 pattern, as a schema's
// "pattern" would (tests hold the program's own rules to the definition's).
func MatchPattern(pattern, s string) (bool, error) {
	re, err := regexp2.Compile(pattern, regexp2.ECMAScript)
	if err != nil {
		return false, err
	}
	re.MatchTimeout = patternTimeout
	return re.MatchString(s)
}
