package actions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/firmtools/bulk/internal/names"
	"github.com/firmtools/bulk/internal/schema"
)

// A dynamic member's shape is the tenant's: beyond the properties an
// action's columns fill (aliasInfo's id, description, enabled ...), a
// tenant's schema may name others (a firm's practice_area). A column named
// MEMBER.PROPERTY fills one. The manifest reader gathers such columns of a
// row into the member's properties field (KindProperties, e.g. alias_info),
// whose value is a JSON object of property name -> text. Offline only the
// names and the text are checked; the schema read before the first write
// gives each property its JSON type (Schemas.Typed), and a property the
// schema does not name, a value it refuses, or a type no cell can hold is
// a problem before anything is sent, naming the column and the property.

// maxProperties bounds the further properties of one member in one row.
const maxProperties = 64

// propertyName is what a further property may be called: what a column
// header can carry without doubt.
var propertyName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`)

// PropertyKey names property prop of member as a column does, e.g.
// aliasInfo.practice_area. Messages about a further property use it as
// their field, and a job's Columns map it to the column that gave it.
func PropertyKey(member, prop string) string { return member + "." + prop }

// propertiesField is the field of a dynamic member's further properties.
func propertiesField(name, member string) Field {
	return Field{Name: name, Aliases: []string{member}, Kind: KindProperties, Member: member,
		Rule: "be a property the service's schema for " + member + " names beyond the columns above, one column " + member +
			".NAME each: typed as the schema says, and checked against it before the first write"}
}

// PropertyColumn tells whether a column or key names a further property
// of one of the action's dynamic members: MEMBER.NAME, the member matched
// as field names are (ignoring case, "_" and "-"), the name as written.
// err says what is wrong with a name that has a member's prefix but is not
// a property's name; ok is false for any other column.
func (s *Spec) PropertyColumn(column string) (f *Field, prop string, ok bool, err error) {
	prefix, name, found := strings.Cut(strings.TrimSpace(column), ".")
	if !found {
		return nil, "", false, nil
	}
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.Kind != KindProperties || !sameName(prefix, f.Member) {
			continue
		}
		name = strings.TrimSpace(name)
		if !propertyName.MatchString(name) {
			return f, "", false, fmt.Errorf("%s: a property's name is 1 to 64 letters, digits, \"_\" and \"-\", starting with a letter or \"_\" (nested properties cannot be given)", column)
		}
		if col := s.dynamicOf(f).Fields[name]; col != "" {
			return f, "", false, fmt.Errorf("%s is the property column %s fills: give it there", column, col)
		}
		return f, name, true, nil
	}
	return nil, "", false, nil
}

func sameName(a, b string) bool { return names.Fold(a) == names.Fold(b) }

// dynamicOf is the dynamic member whose further properties f holds.
func (s *Spec) dynamicOf(f *Field) *Dynamic {
	for _, d := range s.Dynamic {
		if d.Member == f.Member {
			return d
		}
	}
	panic("actions: " + s.Name + " has no dynamic member " + f.Member)
}

// normalizeProperties checks a properties cell (a JSON object of name ->
// text; a value already typed by Schemas.Typed, a number or true/false,
// is kept) and writes it canonically: names sorted, text trimmed, empty
// values left out; "" when none is left. Problems name the property.
// taken are the properties the action's own columns fill (Dynamic.Fields).
func (f *Field) normalizeProperties(raw string, taken map[string]string) (string, []FieldError) {
	props, err := decodeProperties(raw)
	if err != nil {
		return "", []FieldError{{Field: f.Name, Message: "must be a JSON object of property names and values, such as {\"practice_area\": \"Litigation\"}: " + err.Error()}}
	}
	if len(props) > maxProperties {
		return "", []FieldError{{Field: f.Name, Message: fmt.Sprintf("gives %d properties of %s; at most %d can be given", len(props), f.Member, maxProperties)}}
	}
	var errs []FieldError
	text := Field{Kind: KindString}
	out := map[string]any{}
	for _, name := range sortedKeys(props) {
		key := PropertyKey(f.Member, name)
		problem := func(msg string) { errs = append(errs, FieldError{Field: key, Message: msg}) }
		switch {
		case !propertyName.MatchString(name):
			problem("is not a property's name: 1 to 64 letters, digits, \"_\" and \"-\", starting with a letter or \"_\"")
			continue
		case taken[name] != "":
			problem("is the property column " + taken[name] + " fills: give it there")
			continue
		}
		switch x := props[name].(type) {
		case string:
			if strings.TrimSpace(x) == "" {
				continue // an empty value sends nothing
			}
			v, msg := scalar(x, &text)
			if msg != "" {
				problem(msg)
				continue
			}
			out[name] = v
		case []any: // a list, for an array property: of text, numbers, true/false
			list, msg := scalarList(x, &text)
			if msg != "" {
				problem(msg)
				continue
			}
			out[name] = list
		default:
			v, msg := scalar(x, &text)
			if msg != "" {
				problem(msg)
				continue
			}
			out[name] = v
		}
	}
	if len(errs) > 0 {
		return "", errs
	}
	return encodeProperties(out), nil
}

// scalar checks a value of a properties cell other than text: true/false,
// or a number a request can carry; msg says what is wrong.
func scalar(x any, text *Field) (any, string) {
	switch x := x.(type) {
	case bool:
		return x, ""
	case json.Number:
		n, ok := decimal(x.String())
		if !ok {
			return nil, "must be a number a request can carry, not " + echo(x.String())
		}
		return json.Number(n), ""
	case string:
		x = strings.TrimSpace(x)
		if err := text.checkText(x, true); err != nil {
			return nil, err.Error()
		}
		if HasRef(x) {
			return nil, "cannot hold a ${name.field} reference; it must be given as a value"
		}
		return x, ""
	}
	return nil, "must be text, a number, true/false or a list of them, not " + jsonKind(x)
}

// scalarList checks a list of a properties cell.
func scalarList(list []any, text *Field) ([]any, string) {
	if len(list) == 0 {
		return nil, "is a list with no item"
	}
	out := make([]any, 0, len(list))
	for i, x := range list {
		if s, isText := x.(string); isText && strings.TrimSpace(s) == "" {
			return nil, fmt.Sprintf("item %d is empty", i+1)
		}
		if _, nested := x.([]any); nested {
			return nil, fmt.Sprintf("item %d must be text, a number or true/false, not a list", i+1)
		}
		v, msg := scalar(x, text)
		if msg != "" {
			return nil, fmt.Sprintf("item %d %s", i+1, msg)
		}
		out = append(out, v)
	}
	return out, ""
}

// decodeProperties reads a properties value; numbers stay as written.
func decodeProperties(raw string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("it has more after the object")
	}
	if m == nil {
		return nil, fmt.Errorf("it is not an object")
	}
	return m, nil
}

// encodeProperties writes properties canonically (json.Marshal sorts the
// names), without escaping <, > and & (the cell stays readable).
func encodeProperties(m map[string]any) string {
	if len(m) == 0 {
		return ""
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		// Only an invalid json.Number can fail, and every number here is
		// read from JSON or written by decimal (TestDecimalCells): a
		// property dropped without a word would be worse than stopping.
		panic("actions: properties cannot be written: " + err.Error())
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// EncodeProperties writes the further properties a reader gathered from
// MEMBER.NAME columns (name -> text) as a properties field's value.
func EncodeProperties(props map[string]string) string {
	m := make(map[string]any, len(props))
	for k, v := range props {
		m[k] = v
	}
	return encodeProperties(m)
}

// Properties are the further properties of a member as a request sends
// them: each value as JSON, typed when Schemas.Typed typed them.
func Properties(raw string) map[string]json.RawMessage {
	if raw == "" {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &m) != nil {
		return nil // the value was validated: never here
	}
	return m
}

// PropertyTexts are the further properties of a member by name, as text
// (for the files of rows to run again, which give them back in columns).
func PropertyTexts(raw string) map[string]string {
	props, err := decodeProperties(raw)
	if err != nil {
		return nil
	}
	out := make(map[string]string, len(props))
	for k, v := range props {
		switch x := v.(type) {
		case string:
			out[k] = x
		case json.Number:
			out[k] = x.String()
		case bool:
			out[k] = fmt.Sprint(x)
		}
	}
	return out
}

// TagSecret marks a further property the service's schema says is a
// secret: the reader's copies of it are to be forgotten.
const TagSecret = "secret"

// WithoutProperty is a properties value without one property.
func WithoutProperty(raw, prop string) string {
	props, err := decodeProperties(raw)
	if err != nil {
		return raw
	}
	delete(props, prop)
	return encodeProperties(props)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

// Typed returns v with the further properties of each of the action's
// dynamic members typed as the schema read for the row says (a boolean
// property's "Y" becomes true, a number's "12.5" 12.5): what the check
// holds to the schema and what Call sends. v itself is not changed; it is
// returned as is when the row gives no further property. A property the
// schema does not name, one it marks as a secret, or a cell that is not of
// its type is a problem, naming the column (MEMBER.NAME) and the property.
func (ss *Schemas) Typed(s *Spec, v Values) (Values, []FieldError) {
	out, copied := v, false
	var errs []FieldError
	for _, d := range s.Dynamic {
		if d.Props == "" || v[d.Props] == "" {
			continue
		}
		arg := d.Arg(v)
		var sch *schema.Schema
		if ss != nil {
			sch = ss.byKey[SchemaKey{d.Op, arg}]
		}
		if sch == nil {
			errs = append(errs, FieldError{Field: d.Props, Message: fmt.Sprintf("the service's schema for %s was not read, so the columns %s.NAME cannot be typed", d.What(arg), d.Member)})
			continue
		}
		typed, perrs := d.typeProperties(sch, ss.about(d, arg), v[d.Props])
		if len(perrs) > 0 {
			errs = append(errs, perrs...)
			continue
		}
		if typed != v[d.Props] {
			if !copied {
				out, copied = maps.Clone(v), true
			}
			out[d.Props] = typed
		}
	}
	return out, errs
}

// typeProperties types one member's further properties by its schema.
// what names the schema in messages (Schemas.about).
func (d *Dynamic) typeProperties(sch *schema.Schema, what, raw string) (string, []FieldError) {
	props, err := decodeProperties(raw)
	if err != nil {
		return "", []FieldError{{Field: d.Props, Message: "cannot be read: " + err.Error()}}
	}
	var errs []FieldError
	out := make(map[string]any, len(props))
	for _, name := range sortedKeys(props) {
		key := PropertyKey(d.Member, name)
		p, ok := sch.Property(name)
		switch {
		case !ok && sch.Closed():
			errs = append(errs, FieldError{Field: key, Message: fmt.Sprintf("%s has no property %s%s", what, name, names.DidYouMean(name, d.further(sch)))})
			continue
		case !ok:
			// It may allow others, but says nothing of their type or rules.
			errs = append(errs, FieldError{Field: key, Message: fmt.Sprintf("%s names no property %s%s (bulk sends only the properties a schema names)", what, name, names.DidYouMean(name, d.further(sch)))})
			continue
		case p.Secret:
			errs = append(errs, FieldError{Field: key, Tag: TagSecret, Message: fmt.Sprintf("%s marks %s as a secret: bulk does not carry secrets among the tenant's own properties of %s: remove it (the files bulk writes leave its value out)", what, name, d.Member)})
			continue
		}
		x, err := typeValue(props[name], p.Types, p.ItemTypes)
		if err != nil {
			errs = append(errs, FieldError{Field: key, Message: fmt.Sprintf("%s types %s as %s", what, name, err.Error())})
			continue
		}
		out[name] = x
	}
	// The properties that were typed, even when others were not: the
	// check holds them to the schema too, so every problem is said at once.
	return encodeProperties(out), errs
}

// typeValue types a property's value as the schema says: text as a cell
// is (typeCell); a number as an integer when the schema wants one (3.0 is
// 3); each item of a list by the schema's items. true/false is kept.
func typeValue(v any, types, itemTypes []string) (any, error) {
	switch x := v.(type) {
	case string:
		return typeCell(x, types, itemTypes)
	case json.Number:
		if slices.Contains(types, "integer") && !slices.Contains(types, "number") {
			return typeCell(x.String(), []string{"integer"}, nil)
		}
	case []any:
		if len(itemTypes) == 0 {
			return x, nil
		}
		out := make([]any, len(x))
		for i, it := range x {
			t, err := typeValue(it, itemTypes, nil)
			if err != nil {
				return nil, fmt.Errorf("%s: item %d is not of its items' type (%w)", strings.Join(types, " or "), i+1, err)
			}
			out[i] = t
		}
		return out, nil
	}
	return v, nil
}

// further are the properties a schema names that no column of the
// action fills but MEMBER.NAME.
func (d *Dynamic) further(sch *schema.Schema) []string {
	var out []string
	for _, p := range sch.Properties() {
		if d.Fields[p] == "" {
			out = append(out, p)
		}
	}
	return out
}

// typeCell is a cell's text as a value of one of the types a schema
// allows: as text when text is allowed (or no type is said), else the
// first of true/false, a whole number, a number, a list (";"- or
// "|"-separated, each item typed likewise) the text reads as. The error
// completes "the schema types NAME as ...".
func typeCell(text string, types, itemTypes []string) (any, error) {
	if len(types) == 0 || slices.Contains(types, "string") {
		return text, nil
	}
	for _, t := range types {
		switch t {
		case "boolean":
			if b, ok := ParseBool(text); ok {
				return b, nil
			}
		case "integer":
			if n, ok := decimal(text); ok {
				if !strings.ContainsAny(n, ".e") {
					return json.Number(n), nil
				}
				// 3.0 and 1e16 are whole numbers too (a spreadsheet may write
				// them so), exactly.
				var r big.Rat
				if _, ok := r.SetString(n); ok && r.IsInt() {
					return json.Number(r.Num().String()), nil
				}
			}
		case "number":
			if n, ok := decimal(text); ok {
				return json.Number(n), nil
			}
		case "array":
			if slices.Contains(itemTypes, "array") || slices.Contains(itemTypes, "object") {
				continue
			}
			items := strings.FieldsFunc(text, func(r rune) bool { return r == ';' || r == '|' })
			if n := strings.Count(text, ";") + strings.Count(text, "|") + 1; n != len(items) || len(items) == 0 {
				return nil, fmt.Errorf("%s: give a list separated by \";\" or \"|\" with no empty item, not %s", strings.Join(types, " or "), echo(text))
			}
			for i := range items {
				items[i] = strings.TrimSpace(items[i])
				if items[i] == "" {
					return nil, fmt.Errorf("%s: give a list separated by \";\" or \"|\" with no empty item, not %s", strings.Join(types, " or "), echo(text))
				}
			}
			list := make([]any, 0, len(items))
			var bad error
			for _, it := range items {
				x, err := typeCell(it, itemTypes, nil)
				if err != nil {
					bad = err
					break
				}
				list = append(list, x)
			}
			if bad == nil {
				return list, nil
			}
		}
	}
	return nil, fmt.Errorf("%s: give %s, not %s", strings.Join(types, " or "), typeWords(types), echo(text))
}

// decimalPattern is a number as a cell writes it in decimal: digits, a
// fraction, an exponent; nothing Go would also read (0x10, 1_000, Inf).
var decimalPattern = regexp.MustCompile(`^([+-]?)([0-9]+)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// decimal is a decimal cell as a JSON number, exactly (no digit is lost to
// a float): a leading + and leading zeros dropped. false when the text is
// not one, or is beyond what a number can be.
func decimal(text string) (string, bool) {
	m := decimalPattern.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return "", false
	}
	sign, digits, frac, exp := m[1], strings.TrimLeft(m[2], "0"), m[3], m[4]
	if sign == "+" {
		sign = ""
	}
	if digits == "" {
		digits = "0"
	}
	n := sign + digits + frac + strings.ToLower(exp)
	f, err := strconv.ParseFloat(n, 64)
	if err != nil || f == 0 && strings.Trim(digits+frac, "0.") != "" { // beyond a double, either way
		return "", false
	}
	if e, err := strconv.Atoi(strings.TrimLeft(exp, "eE+")); exp != "" && (err != nil || e < -400 || e > 400) {
		return "", false // beyond what a double holds, and costly to write exactly
	}
	return n, true
}

// typeWords says in words what a cell of those types holds, as the
// fields' own rules do.
func typeWords(types []string) string {
	var w []string
	for _, t := range types {
		k := map[string]Kind{"boolean": KindBool, "integer": KindInt, "number": KindNumber, "array": KindList}[t]
		switch {
		case k == KindList:
			w = append(w, "a list separated by \";\" or \"|\"")
		case k != "":
			f := Field{Kind: k}
			w = append(w, strings.TrimPrefix(f.RuleText(), "be "))
		default:
			w = append(w, "a value a column cannot hold ("+t+")")
		}
	}
	return strings.Join(w, " or ")
}
