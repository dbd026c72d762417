// Package actions describes the ten admin actions. Everything the program
// asks about an action is declared by its Spec: its fields as a manifest
// column sees them (name, type, rule, default) and the offline checks the
// contract allows, what its jobs create and need of each other, its checks
// against the service (`bulk validate --remote`), how a validated row
// becomes a service request and how several rows may share one, the YAML
// keys that expand into more jobs, what the result row shows of the answer
// (and, for a read, the items it lists), and whether a failed call may be
// sent again. No other package names an action.
//
// One file per action (create_user.go, add_tab.go, ...) registers a *Spec.
// The other files hold the shared machinery: field kinds, normalisation,
// the registry, the rules, the remote checks. The package never imports the
// executor, the manifest reader or the HTTP client: it builds the service's
// request and answer types (internal/wire) and talks to the service
// through the small Client interface below, which *imanage.Client
// satisfies.
package actions

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/firmtools/bulk/internal/names"
	"github.com/firmtools/bulk/internal/secret"
	"github.com/firmtools/bulk/internal/wire"
)

// Kind is the type of a field's value in a manifest cell.
type Kind string

const (
	KindString   Kind = "string"
	KindBool     Kind = "bool"     // true/false/yes/no/y/n/1/0, normalised to "true"/"false"
	KindInt      Kind = "integer"  // e.g. user_nos
	KindNumber   Kind = "number"   // custom17-custom20
	KindEnum     Kind = "enum"     // case-insensitive, normalised to the contract's spelling
	KindList     Kind = "list"     // separated by ";" or "|", normalised to ";"-joined
	KindDateTime Kind = "datetime" // ISO 8601, custom21-custom24
	KindSecret   Kind = "secret"   // never echoed; kept in Job.Secrets, not Values
	// KindProperties: a dynamic member's further properties, a JSON object
	// gathered from MEMBER.NAME columns (see properties.go).
	KindProperties Kind = "properties"
)

// Field describes one manifest column of an action.
type Field struct {
	Name     string   // canonical snake_case column name, e.g. "library_id"
	Aliases  []string // other accepted spellings, e.g. the contract's "libraryId"
	Kind     Kind
	Required bool
	Default  string   // the contract's default, applied when the cell is empty
	Enum     []string // canonical spellings, for KindEnum
	MinLen   int      // for strings: minimum length in characters (0: none)
	MaxLen   int      // for strings: maximum length in characters (0: none)
	// Rule is what is valid, in words, for `bulk actions` and error
	// messages.
	Rule string
	// Reference: the cell may hold ${ref.field}, filled from another job's
	// answer at run time; offline checks of its value are then skipped.
	Reference bool
	// Match, when set, is the field's pattern: the rule of a string (and
	// of each item of a list) beyond its lengths, which Rule says in words.
	Match func(string) bool
	// Why, when set, says what is wrong with a value Match refused ("it
	// has a space"), after the rule.
	Why func(string) string
	// Internal fields are set by the program (e.g. --generate-passwords), not
	// by an administrator: `bulk actions`, `bulk template` and the docs leave
	// them out, and they are never sent to the service.
	Internal bool
	// Identifier: the value names something (a user, library, container,
	// alias, e-mail address) and must be exactly what it looks like:
	// invisible and control characters are errors, letters of two scripts
	// that look alike are warnings, and a spreadsheet number in General
	// format is a warning (leading zeros may be lost).
	Identifier bool
	// IgnoreCase: iManage keeps the value (a user ID) in upper case, so two
	// values that differ only in case are the same thing.
	IgnoreCase bool
	// Library says how the value names a library, which `bulk validate
	// --remote` checks the service has.
	Library LibraryUse
	// Member, for KindProperties, is the dynamic member whose further
	// properties the field holds ("aliasInfo").
	Member string
}

// Values are a job's normalised field values by canonical name. Secret fields
// are never in Values (see Job.Secrets).
type Values map[string]string

// Secrets holds a job's secret fields (a new user's password) by canonical name.
type Secrets map[string]secret.Secret

// FieldError is one offline problem with one field of one row.
type FieldError struct {
	Field   string // canonical field name ("" for a whole-row problem)
	Message string // what is wrong and what would be valid; never a secret value
	// Warning: worth a look, but the value is kept and the row may run.
	Warning bool
	// Tag says what kind of problem it is, for readers that add advice
	// (TagMojibake: the reader knows whether --encoding was given).
	Tag string
}

// TagMojibake marks UTF-8 text that was decoded as Windows-1252.
const TagMojibake = "mojibake"

// Errors returns the problems that are not warnings.
func Errors(errs []FieldError) []FieldError {
	var out []FieldError
	for _, e := range errs {
		if !e.Warning {
			out = append(out, e)
		}
	}
	return out
}

func (e FieldError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Repeat says when a failed attempt of an action may be sent again.
type Repeat int

const (
	// RepeatSafe: repeating has the same effect as sending once (reads,
	// create-user with ignore_if_user_already_exists, assignments, updates,
	// shortcuts).
	RepeatSafe Repeat = iota
	// RepeatIfNotProcessed: not idempotent (add-tab, add-folder); repeat only
	// when the service provably did not act (not sent, 429, 503).
	RepeatIfNotProcessed
	// RepeatRecognizeDuplicate: create-lookup-alias; repeat, and the
	// Spec's Duplicate refusal met after an ambiguous attempt counts as
	// success.
	RepeatRecognizeDuplicate
)

// Duplicate is the service's refusal to create what is already there.
type Duplicate struct {
	Code string // the error code of the 409, e.g. "DUPLICATE_ALIAS"
	// Result is the row's result when the refusal answers an attempt of
	// the run's own: what the call would have answered.
	Result func(v Values) Result
}

// Result is what a successful call produced, for the result CSV and for
// ${ref.field} references.
type Result struct {
	UserCreated *bool
	UserNum     *int64
	ObjectID    string            // ID of what was created, if anything
	Output      any               // the rest of the answer, written as compact JSON
	Refs        map[string]string // fields later jobs may reference as ${ref.NAME}
	// Existing is set when the object was already in the service and the
	// call made nothing (create-user answered user_created: false).
	Existing *Existing
	// Note is what the row's result should say besides its status: a field
	// the service did not send, what could not be compared.
	Note string
	// Columns are the answer's main fields as result columns for people
	// (ColumnName, ColumnEmail, ...), as the service sent them: a field it
	// left out is absent, never made up.
	Columns map[string]string
}

// Client is what the actions need of the service client.
type Client interface {
	SchemaReader
	CreateUser(ctx context.Context, req wire.CreateUserRequest) (*wire.User, error)
	AssignUserToLibrary(ctx context.Context, req wire.AssignUserToLibraryRequest) (*wire.AssignUserToLibraryResult, error)
	GetLibraryRoles(ctx context.Context, req wire.GetLibraryRolesRequest) ([]wire.IDDescription, error)
	GetLookupAliases(ctx context.Context, req wire.GetLookupAliasesRequest) ([]wire.LookupAlias, error)
	CreateLookupAlias(ctx context.Context, req wire.LookupAliasRequest) error
	UpdateCustomField(ctx context.Context, req wire.LookupAliasRequest) error
	AddTab(ctx context.Context, req wire.AddTabRequest) (*wire.Tab, error)
	AddFolder(ctx context.Context, req wire.AddFolderRequest) (*wire.Folder, error)
	AddShortcutsToMyMatters(ctx context.Context, req wire.AddShortcutsRequest) (*wire.AddShortcutsResult, error)
	GetMyMattersCategories(ctx context.Context, userID string) ([]wire.MyMattersCategory, error)
}

// Spec is one admin action.
type Spec struct {
	Name      string // kebab-case, e.g. "create-user"
	Operation string // the contract's operation, e.g. "createUser"
	Summary   string
	Read      bool // a read: changes nothing
	Fields    []Field
	Repeat    Repeat
	// Duplicate, with RepeatRecognizeDuplicate, is how the service
	// refuses to create what is already there: met after an ambiguous
	// attempt of the run's own, that attempt succeeded.
	Duplicate *Duplicate
	// KeyFields name the fields that make the natural key (user ID,
	// library + alias, parent + name, ...).
	KeyFields []string
	// Check runs the cross-field rules on normalised values (fields holding a
	// reference are present but unchecked). May be nil.
	Check func(v Values, s Secrets) []FieldError
	// Call sends the request built from v and s and returns the result.
	Call func(ctx context.Context, c Client, v Values, s Secrets) (Result, error)
	// CheckFields name the fields Check reads. A reader validating many
	// rows (manifest.Validate) then gives Check a map of only these; nil
	// means all fields. A test holds Check to it.
	CheckFields []string
	// RefFields are the answer fields a later job may reference as
	// ${name.FIELD} (the keys of Result.Refs); empty: nothing to reference.
	RefFields []string
	// PreRead, when set, is read before any row is created, so that rows
	// whose object is already there end exists or conflict without a call
	// of their own (see PreRead).
	PreRead *PreRead
	// NeedsPassword, when set, reports a row that asks for a generated
	// password (bulk run --generate-passwords): the secret field to fill.
	NeedsPassword func(v Values, s Secrets) (field string, ok bool)
	// Dynamic are the members of the request whose shape the service gives
	// through a schema operation (see dynamic.go); a run holds every row to
	// them before the first write.
	Dynamic []*Dynamic
	// Batch, when set, lets one call serve several rows (see Batcher).
	Batch *Batcher

	// Creates names what a job makes in the service that other jobs of
	// the same manifest may use (see Object): those wait for it, and the
	// remote checks do not look it up. Nil: nothing.
	Creates func(v Values) []Object
	// Needs names what a job uses that a job of the same manifest may
	// create: it waits for that job. Nil: nothing.
	Needs func(v Values) []Object
	// CheckRemote asks the service, read-only, whether what a job names
	// exists (`bulk validate --remote`), beyond the libraries its fields
	// name (Field.Library) and its PreRead, which every action gets. Nil:
	// nothing more.
	CheckRemote func(c RemoteCheck, v Values) error
	// Expansions are the keys of a YAML job of this action whose lists
	// become more jobs (see Expansion).
	Expansions []Expansion
	// Shows says what the result row shows of the service's answer (see
	// Shown); a test holds Call to it.
	Shows []Shown
	// Items, for a read, are the items its answer lists, one row each in
	// a file of what was read (see Items).
	Items *Items

	ix *specIndex // built by register (see validate.go)
}

// registry is every action, by name: built once from the list below, the
// one place that says which actions there are (each is its own file).
var registry = register(addFolderSpec, addMyMattersShortcutsSpec, addTabSpec, assignUserToLibrarySpec, createLookupAliasSpec, createUserSpec, getLibraryRolesSpec, getLookupAliasesSpec, getMyMattersCategoriesSpec, updateCustomFieldSpec)

// register indexes the actions' specs by name.
func register(specs ...func() *Spec) map[string]*Spec {
	out := make(map[string]*Spec, len(specs))
	for _, spec := range specs {
		s := spec()
		if _, dup := out[s.Name]; dup {
			panic("actions: duplicate action " + s.Name)
		}
		s.ix = s.index() // rows are validated by many goroutines: build it once, now
		for _, d := range s.Dynamic {
			d.spec = s
		}
		out[s.Name] = s
	}
	return out
}

// Lookup finds an action by name, ignoring case, "_" and "-".
func Lookup(name string) (*Spec, bool) {
	want := names.Fold(name)
	for _, s := range registry {
		if names.Fold(s.Name) == want || names.Fold(s.Operation) == want {
			return s, true
		}
	}
	return nil, false
}

// All returns every action, sorted by name.
func All() []*Spec {
	out := make([]*Spec, 0, len(registry))
	for _, s := range registry {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the action names, sorted.
func Names() []string {
	var out []string
	for _, s := range All() {
		out = append(out, s.Name)
	}
	return out
}

// Field finds a field by canonical name or alias, folded as names.Fold does.
func (s *Spec) Field(name string) (*Field, bool) {
	want := names.Fold(name)
	for i := range s.Fields {
		f := &s.Fields[i]
		if names.Fold(f.Name) == want {
			return f, true
		}
		for _, a := range f.Aliases {
			if names.Fold(a) == want {
				return f, true
			}
		}
	}
	return nil, false
}

// Key returns the natural key of a job: its key fields' values joined by "/".
func (s *Spec) Key(v Values) string {
	parts := make([]string, 0, len(s.KeyFields))
	for _, k := range s.KeyFields {
		if x := v[k]; x != "" {
			parts = append(parts, x)
		}
	}
	return strings.Join(parts, "/")
}

// refPattern matches ${name.field}.
var refPattern = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_]*)\}`)

// Refs returns the references (name, field) a value holds.
func Refs(value string) [][2]string {
	var out [][2]string
	for _, m := range refPattern.FindAllStringSubmatch(value, -1) {
		out = append(out, [2]string{m[1], m[2]})
	}
	return out
}

// HasRef reports whether value holds a ${name.field} reference.
func HasRef(value string) bool { return strings.Contains(value, "${") && refPattern.MatchString(value) }

// Substitute fills ${name.field} references in value with lookup's answers.
func Substitute(value string, lookup func(name, field string) (string, bool)) (string, error) {
	var err error
	out := refPattern.ReplaceAllStringFunc(value, func(m string) string {
		sub := refPattern.FindStringSubmatch(m)
		v, ok := lookup(sub[1], sub[2])
		if !ok && err == nil {
			err = fmt.Errorf("reference %s has no value", m)
		}
		return v
	})
	return out, err
}
