package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/firmtools/bulk/internal/schema"
	"github.com/firmtools/bulk/internal/wire"
)

// The definition leaves three request members to the service: aliasInfo
// (creating and updating a lookup alias), create_password and
// profileProperties. The service describes each, per argument (the lookup
// field, the password method, whether the folder inherits its profile),
// with a JSON schema from a schema operation. An action declares such a
// member on its Spec (Dynamic); a run reads each distinct schema its rows
// need once, before the first write, and holds every row's member to it, so
// a row the service's schema refuses stops the run before anything is sent.

// SchemaReader reads the schemas of dynamic members; *imanage.Client
// satisfies it.
type SchemaReader interface {
	GetCreateLookupAliasSchema(ctx context.Context, lookupFieldID string) (json.RawMessage, error)
	GetUpdateCustomFieldSchema(ctx context.Context, lookupFieldID string) (json.RawMessage, error)
	GetCreateUserPasswordSchema(ctx context.Context, method string) (json.RawMessage, error)
	GetAddFolderPropertiesSchema(ctx context.Context, inherit string) (json.RawMessage, error)
}

// Dynamic is a member of an action's request whose shape the service gives.
type Dynamic struct {
	Member string // the request member, e.g. "aliasInfo"
	Op     string // the schema operation, e.g. wire.OpGetCreateLookupAliasSchema
	// Arg is the schema operation's argument for a row (e.g. its
	// lookup_field_id); "" when the row sends no such member.
	Arg func(v Values) string
	// What names the schema for messages: "custom1 aliases".
	What func(arg string) string
	// Fields map the member's properties to the action's fields: a column
	// fills the property of its name.
	Fields map[string]string
	// Props is the action's field of the member's further properties
	// (KindProperties): the MEMBER.NAME columns the schema gives a type.
	Props string
	// Build is the member exactly as Call sends it.
	Build func(v Values, s Secrets) any
	// Read calls the schema operation.
	Read func(ctx context.Context, r SchemaReader, arg string) (json.RawMessage, error)
	// Contract is the contract's shape of the member (a JSON schema), used
	// when the service has no such operation; spec is the action's.
	Contract func(spec *Spec, arg string) map[string]any

	spec *Spec // the action it is a member of (set as the actions are registered)
}

// ContractShape is the contract's shape of the member for arg.
func (d *Dynamic) ContractShape(arg string) map[string]any { return d.Contract(d.spec, arg) }

// SchemaKey is one schema: an operation and its argument.
type SchemaKey struct{ Op, Arg string }

// SchemaNeed is a schema a run must read.
type SchemaNeed struct {
	Key SchemaKey
	d   *Dynamic
}

// SchemaNeeds collects the distinct schemas rows need, in the order first
// needed.
type SchemaNeeds struct {
	list []SchemaNeed
	seen map[SchemaKey]bool
}

// Add notes the schemas a row of s with values v needs.
func (n *SchemaNeeds) Add(s *Spec, v Values) {
	for _, d := range s.Dynamic {
		arg := d.Arg(v)
		if arg == "" {
			continue
		}
		k := SchemaKey{d.Op, arg}
		if n.seen == nil {
			n.seen = map[SchemaKey]bool{}
		}
		if !n.seen[k] {
			n.seen[k] = true
			n.list = append(n.list, SchemaNeed{Key: k, d: d})
		}
	}
}

// List returns the schemas to read.
func (n *SchemaNeeds) List() []SchemaNeed { return n.list }

// Schemas are the schemas a run read.
type Schemas struct {
	byKey map[SchemaKey]*schema.Schema
	// contract marks the schemas that are the contract's shape, the
	// service having no such operation.
	contract map[SchemaKey]bool
	// Reads counts the schema operations called.
	Reads int
	// Fallbacks name the schema operations the service does not have
	// (it answered 404): the contract's shape stood in for them.
	Fallbacks []string
}

// NewSchemas returns an empty set.
func NewSchemas() *Schemas {
	return &Schemas{byKey: map[SchemaKey]*schema.Schema{}, contract: map[SchemaKey]bool{}}
}

// about names the schema of a key in messages: the service's, or the
// contract's shape standing in for it.
func (ss *Schemas) about(d *Dynamic, arg string) string {
	if ss.contract[SchemaKey{d.Op, arg}] {
		return "the contract's shape of " + d.What(arg) + " (the service has no " + d.Op + ")"
	}
	return "the service's schema for " + d.What(arg)
}

// Load reads one schema. An error wrapping wire.ErrNoOperation means the
// service has no such operation (the tenant predates it): the contract's
// shape is used, and the operation is named in Fallbacks. Any other failure is returned; the caller decides
// whether to try again.
func (ss *Schemas) Load(ctx context.Context, r SchemaReader, n SchemaNeed) error {
	raw, err := n.d.Read(ctx, r, n.Key.Arg)
	ss.Reads++
	if errors.Is(err, wire.ErrNoOperation) {
		if !contains(ss.Fallbacks, n.Key.Op) {
			ss.Fallbacks = append(ss.Fallbacks, n.Key.Op)
		}
		raw, err = json.Marshal(n.d.ContractShape(n.Key.Arg))
		if err != nil {
			return err
		}
		ss.contract[n.Key] = true
	} else if err != nil {
		return fmt.Errorf("reading the service's schema for %s: %w", n.d.What(n.Key.Arg), err)
	}
	s, err := schema.Compile(raw)
	if err != nil {
		return fmt.Errorf("the service's schema for %s (%s %s): %w", n.d.What(n.Key.Arg), n.Key.Op, n.Key.Arg, err)
	}
	ss.byKey[n.Key] = s
	return nil
}

// IsFallback reports whether op stands on the contract's shape.
func (ss *Schemas) IsFallback(op string) bool { return contains(ss.Fallbacks, op) }

// Check holds the dynamic members a row sends to the schemas read: every
// field given is a property the schema names, every property it requires
// is given, and every value fits. Messages name the field and the property.
func (ss *Schemas) Check(s *Spec, v Values, sec Secrets) []FieldError {
	var errs []FieldError
	for _, d := range s.Dynamic {
		arg := d.Arg(v)
		if arg == "" {
			continue
		}
		sch := ss.byKey[SchemaKey{d.Op, arg}]
		if sch == nil {
			errs = append(errs, FieldError{Message: fmt.Sprintf("the service's schema for %s was not read", d.What(arg))})
			continue
		}
		errs = append(errs, d.check(sch, ss.about(d, arg), v, sec)...)
	}
	return errs
}

func (d *Dynamic) check(sch *schema.Schema, what string, v Values, sec Secrets) []FieldError {
	var errs []FieldError
	mistyped := map[string]bool{} // said already: the schema's check would only repeat them
	if raw := v[d.Props]; d.Props != "" && raw != "" {
		typed, perrs := d.typeProperties(sch, what, raw)
		for _, e := range perrs {
			_, prop, _ := strings.Cut(e.Field, ".")
			mistyped[prop] = true
		}
		errs = append(errs, perrs...)
		v = maps.Clone(v)
		if typed == "" {
			delete(v, d.Props)
		} else {
			v[d.Props] = typed
		}
	}
	further := Properties(v[d.Props])
	fieldOf := func(prop string) string {
		if f := d.Fields[prop]; f != "" {
			return f
		}
		if _, ok := further[prop]; ok {
			return PropertyKey(d.Member, prop)
		}
		return ""
	}
	var member any
	b, err := json.Marshal(d.Build(v, sec))
	if err == nil {
		err = json.Unmarshal(b, &member)
	}
	if err != nil {
		return []FieldError{{Message: what + ": the member cannot be written: " + err.Error()}}
	}
	for _, viol := range sch.Validate(member) {
		if viol.Property != "" && mistyped[viol.Property] {
			continue
		}
		f := fieldOf(viol.Property)
		var msg string
		switch {
		case viol.Keyword == "additionalProperties" && viol.Property != "":
			msg = fmt.Sprintf("%s has no property %s", what, viol.Property)
		case viol.Keyword == "required" && f == "" && d.Props != "" && propertyName.MatchString(viol.Property):
			// The reader's Unfilled says which, of a column to add and a
			// blank cell of one the row has.
			f = PropertyKey(d.Member, viol.Property)
			msg = fmt.Sprintf("%s requires %s%s%s", what, viol.Property, unfilled, f)
		case viol.Keyword == "required" && f == "":
			msg = fmt.Sprintf("%s requires %s, which no column of this action fills", what, viol.Property)
		case viol.Keyword == "required":
			msg = fmt.Sprintf("%s requires %s: give this column a value", what, viol.Property)
		case viol.Property == "":
			msg = fmt.Sprintf("%s refuses %s: %s", what, d.Member, viol.Message)
		default:
			msg = fmt.Sprintf("%s refuses it as %s: %s", what, viol.Property, viol.Message)
		}
		errs = append(errs, FieldError{Field: f, Message: msg})
	}
	return errs
}

// unfilled ends the message of a required further property no column
// gives (Unfilled).
const unfilled = ", which no column fills: add a column "

// Unfilled is the message of a required further property the row does
// not give, for a row whose file has its column (col, blank in this row):
// no column to add, but a cell to fill. Other messages are returned as
// they are.
func Unfilled(msg, col string) string {
	if i := strings.Index(msg, unfilled); i >= 0 && col != "" {
		return msg[:i] + fmt.Sprintf(": give it a value in column %q", col)
	}
	return msg
}

// MemberOf names the request member a schema operation describes.
func MemberOf(op string) string {
	for _, s := range registry {
		for _, d := range s.Dynamic {
			if d.Op == op {
				return d.Member
			}
		}
	}
	return "its member"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// contractSchema writes the contract's shape of a member as a JSON schema
// from the action's own fields: each property takes its field's type and
// lengths. props maps property names to fields; required lists properties.
func contractSchema(s *Spec, props map[string]string, required ...string) map[string]any {
	out := map[string]any{}
	names := make([]string, 0, len(props))
	for p := range props {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		f, ok := s.Field(props[p])
		if !ok {
			panic("actions: " + s.Name + " has no field " + props[p])
		}
		out[p] = fieldSchema(f)
	}
	m := map[string]any{"type": "object", "properties": out, "additionalProperties": false}
	if len(required) > 0 {
		m["required"] = required
	}
	return m
}

// fieldSchema is the JSON schema of a field's values as a request carries them.
func fieldSchema(f *Field) map[string]any {
	switch f.Kind {
	case KindBool:
		return map[string]any{"type": "boolean"}
	case KindNumber:
		return map[string]any{"type": "number"}
	case KindInt:
		return map[string]any{"type": "integer"}
	}
	m := map[string]any{"type": "string"}
	if f.MinLen > 0 {
		m["minLength"] = f.MinLen
	}
	if f.MaxLen > 0 {
		m["maxLength"] = f.MaxLen
	}
	if f.Kind == KindEnum {
		m["enum"] = f.Enum
	}
	return m
}
