package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/firmtools/bulk/internal/wire"
)

// Existing is what a create found already in the service instead of making
// it, from the service's own answer (createUser's user_created: false) or
// from a pre-read (the aliases listed before creating any). The executor
// turns it into the row's status: exists when it is as the row asks,
// conflict when it differs.
type Existing struct {
	// Differences are the fields in which the service's object is not as
	// the row asks; none means it is the same.
	Differences []Difference
	// Unchecked names what the service did not show, so could not be
	// compared: said in the row's note, never guessed.
	Unchecked []string
}

// Difference is one field in which the service differs from the row.
type Difference struct {
	Field   string // the row's column
	Service string // what the service has
	Row     string // what the row asks for
	// Absent: the service has no value (where it shows one for others).
	Absent bool
}

// Conflict reports whether the object differs from the row.
func (e *Existing) Conflict() bool { return e != nil && len(e.Differences) > 0 }

// DifferenceText names each differing field with both values.
func (e *Existing) DifferenceText() string {
	parts := make([]string, len(e.Differences))
	for i, d := range e.Differences {
		if d.Absent {
			parts[i] = fmt.Sprintf("%s: the service has none, the row says %q", d.Field, d.Row)
			continue
		}
		parts[i] = fmt.Sprintf("%s: the service has %q, the row says %q", d.Field, d.Service, d.Row)
	}
	return strings.Join(parts, "; ")
}

// UncheckedText says what was not compared, or "" when everything was.
func (e *Existing) UncheckedText() string {
	if e == nil || len(e.Unchecked) == 0 {
		return ""
	}
	return "not compared, the service did not show them: " + strings.Join(e.Unchecked, ", ")
}

// JoinNotes joins the non-empty notes of a row with "; ".
func JoinNotes(notes ...string) string {
	var out []string
	for _, n := range notes {
		if n != "" {
			out = append(out, n)
		}
	}
	return strings.Join(out, "; ")
}

// compare collects the differences between what the service has and what a
// row asks for.
type compare struct{ Existing }

// field compares one field. service is nil when the service did not show
// it; fold compares ignoring case (e-mail addresses, library names).
func (c *compare) field(name string, service *string, row string, fold bool) {
	if service == nil {
		c.Unchecked = append(c.Unchecked, name)
		return
	}
	s, r := strings.TrimSpace(*service), strings.TrimSpace(row)
	if s == r || (fold && strings.EqualFold(s, r)) {
		return
	}
	c.Differences = append(c.Differences, Difference{Field: name, Service: *service, Row: row})
}

// boolField compares a boolean field.
func (c *compare) boolField(name string, service *bool, row bool) {
	var s *string
	if service != nil {
		v := fmt.Sprint(*service)
		s = &v
	}
	c.field(name, s, fmt.Sprint(row), false)
}

// property compares a further property (MEMBER.NAME) the row gives, as
// text, with the JSON value the service showed (nil: it did not): text
// as text, true/false and numbers by their value.
func (c *compare) property(name string, service json.RawMessage, row string) {
	if service == nil {
		c.Unchecked = append(c.Unchecked, name)
		return
	}
	var x any
	dec := json.NewDecoder(bytes.NewReader(service))
	dec.UseNumber()
	if dec.Decode(&x) != nil {
		c.Unchecked = append(c.Unchecked, name)
		return
	}
	same := false
	shown := string(service)
	switch x := x.(type) {
	case string:
		same, shown = strings.TrimSpace(x) == strings.TrimSpace(row), x
	case bool:
		b, ok := ParseBool(row)
		same = ok && b == x
	case json.Number:
		a, errA := strconv.ParseFloat(x.String(), 64)
		b, errB := strconv.ParseFloat(strings.TrimSpace(row), 64)
		same = errA == nil && errB == nil && a == b
	}
	if !same {
		c.Differences = append(c.Differences, Difference{Field: name, Service: shown, Row: row})
	}
}

func (c *compare) result() *Existing {
	e := c.Existing
	return &e
}

// PreRead is a read an action makes before creating anything, once per run
// for each group of rows that share it, so that what is already in the
// service ends exists or conflict without a write (create-lookup-alias:
// the aliases of each library, field and parent). The executor runs it
// like any call, paced and repeated while that is safe; `bulk validate
// --remote` runs it too, and the plan counts it.
type PreRead struct {
	// Group names the read row v needs; rows with the same group share one
	// read. "" means the row needs none (a value still holds a reference).
	Group func(v Values) string
	// Describe says in words what the read of v's group lists, for
	// messages ("the aliases of custom1 in ACTIVE_US").
	Describe func(v Values) string
	// Read makes the read for v's group and returns what it saw.
	Read func(ctx context.Context, c Reader, v Values) (Seen, error)
}

// Seen is what a pre-read saw of a group.
type Seen interface {
	// Find says whether row v's object is there and, when it is, gives
	// the row's result: what was found, with Existing saying how it
	// compares with the row.
	Find(v Values) (Result, bool)
}

// Reader is the part of the service client a pre-read may use: reads
// only, so `bulk validate --remote` can run them without writing.
type Reader interface {
	GetLookupAliases(ctx context.Context, req wire.GetLookupAliasesRequest) ([]wire.LookupAlias, error)
}
