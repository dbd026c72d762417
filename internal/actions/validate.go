package actions

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/firmtools/bulk/internal/names"
	"github.com/firmtools/bulk/internal/secret"
)

// GeneratePasswordField is the internal create-user field that `bulk run
// --generate-passwords` sets to "true" (through manifest.Options.Set, or in
// Values before the run-time re-validation): a "Create a password" row may
// then leave password empty, because the run fills Secrets["password"]
// before the call. It is never sent to the service.
const GeneratePasswordField = "generate_password"

// maxEcho bounds how much of a bad value a message repeats: enough to find
// the cell, not enough to flood a terminal with a 32 KiB cell.
const maxEcho = 40

// echo quotes a (non-secret) value for a message, shortened.
func echo(v string) string {
	if utf8.RuneCountInString(v) > maxEcho {
		r := []rune(v)
		v = string(r[:maxEcho]) + "..."
	}
	return strconv.Quote(v)
}

// trimmed reports, cheaply, that s has no space to trim at either end.
func trimmed(s string) bool {
	return len(s) > 0 && s[0] > ' ' && s[0] < 0x80 && s[len(s)-1] > ' ' && s[len(s)-1] < 0x80
}

// Bool reads a normalised bool value: "true" is true, anything else false.
func (v Values) Bool(name string) bool { return v[name] == "true" }

// ParseBool reads the spellings a spreadsheet uses for a yes/no cell:
// true/false, yes/no, y/n, 1/0, in any case.
func ParseBool(s string) (value, ok bool) {
	switch s { // the usual spellings, without folding
	case "true", "yes", "y", "1", "TRUE", "Yes", "Y", "True", "YES":
		return true, true
	case "false", "no", "n", "0", "FALSE", "No", "N", "False", "NO":
		return false, true
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1":
		return true, true
	case "false", "no", "n", "0":
		return false, true
	}
	return false, false
}

// RuleText is the field's rule as a full sentence part, for listings and
// messages: Rule, or the list of values of an enum.
func (f *Field) RuleText() string {
	if f.Rule != "" {
		return f.Rule
	}
	switch f.Kind {
	case KindEnum:
		return "be one of " + strings.Join(f.Enum, ", ")
	case KindBool:
		return "be true or false (or yes/no, y/n, 1/0)"
	case KindInt:
		return "be a whole number"
	case KindNumber:
		return "be a number like 12.5"
	case KindDateTime:
		return "be an ISO 8601 date-time like 2024-03-01T09:30:00Z, or a date like 2024-03-01 (without a zone: UTC)"
	}
	return ""
}

// Normalize checks one non-empty cell against the field's type and rule and
// returns it in canonical form: bools as "true"/"false", enums in the
// contract's spelling, lists ";"-joined, strings trimmed (secrets are kept as
// given). It is idempotent: normalising its own output gives the same value,
// which is what lets the executor re-validate a row after filling references.
// An empty cell is returned as is: whether a field may be empty is Validate's
// business. Errors never repeat a secret.
func (f *Field) Normalize(raw string) (string, error) {
	if f.Kind == KindSecret {
		if raw == "" {
			return "", nil
		}
		if err := f.checkText(raw, false); err != nil {
			return "", err
		}
		return raw, nil
	}
	v := raw
	if !trimmed(v) {
		v = strings.TrimSpace(raw)
	}
	if v == "" {
		return "", nil
	}
	switch f.Kind {
	case KindBool:
		b, ok := ParseBool(v)
		if !ok {
			return "", fmt.Errorf("must %s, not %s", f.RuleText(), echo(v))
		}
		return strconv.FormatBool(b), nil
	case KindInt:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "", fmt.Errorf("must %s, not %s", f.RuleText(), echo(v))
		}
		return strconv.FormatInt(n, 10), nil
	case KindNumber:
		return f.normalizeNumber(v)
	case KindEnum:
		for _, e := range f.Enum { // the common case, cheaply
			if e == v || strings.EqualFold(e, v) {
				return e, nil
			}
		}
		want := names.Fold(v)
		for _, e := range f.Enum {
			if names.Fold(e) == want {
				return e, nil
			}
		}
		return "", fmt.Errorf("must %s, not %s", f.RuleText(), echo(v))
	case KindDateTime:
		return f.normalizeDateTime(v)
	case KindList:
		return f.normalizeList(v)
	case KindProperties:
		n, errs := f.normalizeProperties(v, nil)
		if len(errs) > 0 {
			return "", errors.New(joinFieldErrors(errs))
		}
		return n, nil
	}
	if err := f.checkText(v, true); err != nil {
		return "", err
	}
	return v, nil
}

// normalizeDateTime accepts an ISO 8601 date-time with a zone, and a date
// or a date-time without one, which is taken in UTC (as Excel's dates are:
// a workbook keeps no time zone): 2024-03-01 is 2024-03-01T00:00:00Z.
func (f *Field) normalizeDateTime(v string) (string, error) {
	if _, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return v, nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC().Format(time.RFC3339Nano), nil
		}
	}
	return "", fmt.Errorf("must %s, not %s", f.RuleText(), echo(v))
}

// normalizeNumber accepts plain decimals (no hex, no NaN or Inf, which Go
// would parse but JSON cannot carry) and writes them the way JSON does.
func (f *Field) normalizeNumber(v string) (string, error) {
	bad := fmt.Errorf("must %s, not %s", f.RuleText(), echo(v))
	if !isDecimal(v) {
		return "", bad
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return "", bad
	}
	if x == 0 {
		return "0", nil // also folds -0
	}
	if math.Abs(x) < 1e15 {
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	}
	return strconv.FormatFloat(x, 'g', -1, 64), nil
}

// isDecimal matches [+-]digits[.digits][e[+-]digits].
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// normalizeList splits on ";" or "|", trims, drops empty items and checks
// each item as a string of the field.
func (f *Field) normalizeList(v string) (string, error) {
	parts := strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '|' })
	items := parts[:0]
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if err := f.checkText(p, true); err != nil {
			return "", fmt.Errorf("item %s: %w", echo(p), err)
		}
		items = append(items, p)
	}
	return strings.Join(items, ";"), nil
}

// checkText applies the string rules: valid UTF-8, no control characters,
// lengths in characters, Match. show says whether the value may be
// repeated in the message (never for a secret).
func (f *Field) checkText(v string, show bool) error {
	// Most cells are short printable ASCII: one pass decides that, and then
	// the length in characters is the length in bytes.
	n := len(v)
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c >= 0x7f {
			n = -1
			break
		}
	}
	if n < 0 {
		if err := f.checkRunes(v); err != nil {
			return err
		}
		n = utf8.RuneCountInString(v)
	}
	if (f.MinLen > 0 && n < f.MinLen) || (f.MaxLen > 0 && n > f.MaxLen) {
		if !show {
			return fmt.Errorf("must %s", f.lengthRule())
		}
		return fmt.Errorf("must %s (it has %d)", f.lengthRule(), n)
	}
	if f.Match != nil && !f.Match(v) {
		why := ""
		if f.Why != nil {
			why = ": " + f.Why(v)
		}
		if !show {
			return fmt.Errorf("must %s%s", f.RuleText(), why)
		}
		return fmt.Errorf("must %s, not %s%s", f.RuleText(), echo(v), why)
	}
	return nil
}

// checkRunes is the slow path of checkText: valid UTF-8, no control
// characters.
func (f *Field) checkRunes(v string) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("is not valid UTF-8 text")
	}
	for _, r := range v {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
			return fmt.Errorf("must not contain control characters (found U+%04X)", r)
		}
	}
	return f.textError(v, f.Kind != KindSecret)
}

// lengthRule is the rule for a length failure: the field's own rule when it
// states the lengths (so the message says everything that is wanted), else
// the bare lengths.
func (f *Field) lengthRule() string {
	if r := f.RuleText(); r != "" && strings.Contains(r, "character") {
		return r
	}
	switch {
	case f.MinLen > 0 && f.MaxLen > 0:
		return fmt.Sprintf("be %d to %d characters", f.MinLen, f.MaxLen)
	case f.MaxLen > 0:
		return fmt.Sprintf("be at most %d characters", f.MaxLen)
	default:
		return fmt.Sprintf("be at least %d characters", f.MinLen)
	}
}

// specIndex maps folded names and aliases to field positions, built once per
// Spec on first use.
type specIndex struct {
	once     sync.Once
	byName   map[string]int // canonical name -> position
	defaults int            // fields with a default
	checked  []bool         // by position: named in CheckFields
}

// indexes holds the *specIndex of a Spec that was not registered (tests).
var indexes sync.Map

func (s *Spec) index() *specIndex {
	if s.ix != nil {
		return s.ix
	}
	v, ok := indexes.Load(s)
	if !ok {
		v, _ = indexes.LoadOrStore(s, &specIndex{})
	}
	ix := v.(*specIndex)
	ix.once.Do(func() {
		ix.byName = make(map[string]int, len(s.Fields))
		for i, f := range s.Fields {
			ix.byName[f.Name] = i
			if f.Default != "" {
				ix.defaults++
			}
		}
		ix.checked = make([]bool, len(s.Fields))
		for _, name := range s.CheckFields {
			if i, ok := ix.byName[name]; ok {
				ix.checked[i] = true
			}
		}
	})
	return ix
}

// HasField reports whether name is the canonical name of one of the
// action's fields.
func (s *Spec) HasField(name string) bool {
	_, ok := s.index().byName[name]
	return ok
}

// Validate checks one row. raw holds the cells by canonical field name (the
// manifest has already matched column names to fields). It applies the
// contract's defaults to empty cells, normalises every value, reports
// missing required fields, keeps secret fields out of Values (and out of
// every message), lets a ${name.field} reference through unchecked where the
// field allows one, and finally runs the action's cross-field Check. Invalid
// values are left out of Values. All problems are returned, in field order.
func (s *Spec) Validate(raw map[string]string) (Values, Secrets, []FieldError) {
	ix := s.index()
	var errs []FieldError
	cells := make([]string, len(s.Fields))
	if len(raw) > 0 {
		var unknown []string
		for name, x := range raw {
			i, ok := ix.byName[name]
			if !ok {
				unknown = append(unknown, name)
				continue
			}
			cells[i] = x
		}
		sort.Strings(unknown)
		for _, name := range unknown {
			errs = append(errs, FieldError{Field: name, Message: "is not a field of " + s.Name})
		}
	}
	v, sec, ferrs := s.ValidateFields(cells)
	return v, sec, append(errs, ferrs...)
}

// ValidateFields is Validate for cells given by position: cells[i] is the
// cell of s.Fields[i] (missing or "" when empty). Reading a large file, it
// spares building a map of cells for every row.
func (s *Spec) ValidateFields(cells []string) (Values, Secrets, []FieldError) {
	ix := s.index()
	n := ix.defaults
	for _, c := range cells {
		if c != "" {
			n++
		}
	}
	// Sized for what will be kept, not for every field: a map of up to 8
	// entries is one small group.
	v := make(Values, n)
	sec, errs := s.validate(cells, v, nil, true)
	return v, sec, errs
}

// ValidateInto is ValidateFields into the caller's map, cleared first.
// When norm is not nil, norm[i] also gets the normalised value of
// s.Fields[i] ("" when absent or invalid; never a secret).
func (s *Spec) ValidateInto(cells []string, v Values, norm []string) (Secrets, []FieldError) {
	return s.validate(cells, v, norm, true)
}

// ValidateNorm is for a reader that checks many rows and keeps none: the
// normalised values go to norm (by position, as in ValidateInto) and only
// the fields the action's Check reads (CheckFields) go to scratch, a map
// the caller reuses row after row. A row then costs no allocation and few
// map writes.
func (s *Spec) ValidateNorm(cells []string, norm []string, scratch Values) (Secrets, []FieldError) {
	return s.validate(cells, scratch, norm, s.CheckFields == nil)
}

func (s *Spec) validate(cells []string, v Values, norm []string, all bool) (Secrets, []FieldError) {
	ix := s.index()
	if all {
		clear(v)
	} else {
		// Only checked fields are ever written here: removing those is
		// cheaper than clearing the map, row after row.
		for _, name := range s.CheckFields {
			delete(v, name)
		}
	}
	if norm != nil {
		clear(norm)
	}
	var sec Secrets
	var errs []FieldError
	for i := range s.Fields {
		f := &s.Fields[i]
		keep := all || ix.checked[i]
		var x string
		if i < len(cells) {
			x = cells[i]
		}
		if f.Kind != KindSecret && x != "" && !trimmed(x) {
			x = strings.TrimSpace(x)
		}
		if x == "" {
			if f.Default == "" {
				if f.Required {
					errs = append(errs, FieldError{Field: f.Name, Message: "is required"})
				}
				continue
			}
			// Defaults are written in canonical form (a test holds them
			// to it): no need to normalise them row after row.
			x = f.Default
		} else if f.Kind != KindSecret && len(x) >= len("${a.b}") && strings.IndexByte(x, '$') >= 0 && HasRef(x) {
			if !f.Reference {
				errs = append(errs, FieldError{Field: f.Name, Message: "cannot hold a ${name.field} reference; it must be given as a value"})
				continue
			}
		} else {
			n, ferrs := s.normalizeCell(f, x)
			errs = append(errs, ferrs...)
			if n == "" {
				continue
			}
			x = n
		}
		if f.Kind == KindSecret {
			if sec == nil {
				sec = Secrets{}
			}
			sec[f.Name] = secret.New(x)
			continue
		}
		if keep {
			v[f.Name] = x
		}
		if norm != nil {
			norm[i] = x
		}
	}
	if s.Check != nil {
		// One problem per field: a cross-field rule about a field whose
		// value was already refused (and so is missing) would only repeat it.
		failed := len(errs)
		for _, e := range s.Check(v, sec) {
			dup := false
			for _, prev := range errs[:failed] {
				if e.Field != "" && prev.Field == e.Field {
					dup = true
					break
				}
			}
			if !dup {
				errs = append(errs, e)
			}
		}
	}
	return sec, errs
}

// normalizeCell normalises a non-empty cell of f: "" when nothing is left
// of it (errs then says why, when that is a problem).
func (s *Spec) normalizeCell(f *Field, x string) (string, []FieldError) {
	if f.Kind == KindProperties {
		return f.normalizeProperties(x, s.dynamicOf(f).Fields)
	}
	n, err := f.Normalize(x)
	if err != nil {
		fe := FieldError{Field: f.Name, Message: err.Error()}
		var te *tagError
		if errors.As(err, &te) {
			fe.Tag = te.tag
		}
		return "", []FieldError{fe}
	}
	var errs []FieldError
	if w := f.warning(n); w != "" {
		errs = append(errs, FieldError{Field: f.Name, Message: w, Warning: true})
	}
	if n == "" && f.Required { // a list of only separators
		errs = append(errs, FieldError{Field: f.Name, Message: "is required"})
	}
	return n, errs
}

// joinFieldErrors says several problems in one message.
func joinFieldErrors(errs []FieldError) string {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// FieldIndex returns the position of a field in s.Fields by canonical name.
func (s *Spec) FieldIndex(name string) (int, bool) {
	i, ok := s.index().byName[name]
	return i, ok
}
