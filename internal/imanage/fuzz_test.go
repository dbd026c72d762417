package imanage

import (
	"encoding/json"
	"github.com/firmtools/bulk/internal/wire"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// answerOps are the operations whose answers decodeAnswer knows.
var answerOps = []string{
	wire.OpCreateUser, wire.OpAssignUserToLibrary, wire.OpGetLibraryRoles, wire.OpGetLookupAliases,
	wire.OpCreateLookupAlias, wire.OpUpdateCustomField, wire.OpAddTab, wire.OpAddFolder,
	wire.OpAddShortcutsToMyMatters, wire.OpGetMyMattersCategories, wire.OpGetLibraries,
	wire.OpGetLookupFieldNames, wire.OpGetEmailOptions,
	wire.OpGetCreateLookupAliasSchema, wire.OpGetUpdateCustomFieldSchema, wire.OpGetCreateUserPasswordSchema, wire.OpGetAddFolderPropertiesSchema,
}

// FuzzDecodeAnswer feeds arbitrary bodies to every answer decoder: none may
// panic, and whatever one accepts must meet the promises the client makes
// to its callers (an id on every created thing and list entry, valid JSON).
// The seed corpus is in testdata/fuzz/FuzzDecodeAnswer.
func FuzzDecodeAnswer(f *testing.F) {
	f.Add([]byte(`{"data":{"user_num":1,"id":"JDOE","user_created":true}}`))
	f.Add([]byte(`{"data":[{"id":"A","description":"a"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, op := range answerOps {
			v, err := decodeAnswer(op, body)
			if err != nil {
				if v != nil && !reflect.ValueOf(v).IsZero() {
					t.Fatalf("%s: an error (%v) with a value %#v", op, err, v)
				}
				continue
			}
			if op != wire.OpCreateLookupAlias && op != wire.OpUpdateCustomField && !json.Valid(body) {
				t.Fatalf("%s accepted invalid JSON %q", op, body)
			}
			checkAccepted(t, op, v, body)
		}
		// The same body as an error answer: whatever it holds, the error
		// text is one line of valid UTF-8 without control characters.
		c := &Client{now: time.Now}
		e := c.errorFromAnswer(wire.OpAddTab, &answer{status: 500, header: http.Header{}, body: body}, nil)
		msg := e.Error()
		if !utf8.ValidString(msg) || strings.IndexFunc(msg, unicode.IsControl) >= 0 {
			t.Fatalf("error text %q from body %q", msg, body)
		}
	})
}

func checkAccepted(t *testing.T, op string, v any, body []byte) {
	t.Helper()
	fail := func(what string) { t.Fatalf("%s accepted %q: %s", op, body, what) }
	switch x := v.(type) {
	case *wire.User:
		// The definition requires none of its fields, not even id.
		if x == nil {
			fail("nil user")
		}
	case *wire.AssignUserToLibraryResult:
		if x == nil {
			fail("nil result")
		}
	case []wire.LookupAlias:
		for _, e := range x {
			if e.ID == "" {
				fail("an alias without id")
			}
		}
	case []wire.IDDescription:
		for _, e := range x {
			if e.ID == "" {
				fail("an entry without id")
			}
		}
	case *wire.Tab:
		if x == nil || x.ID == "" {
			fail("a tab without id")
		}
	case *wire.Folder:
		if x == nil || x.ID == "" {
			fail("a folder without id")
		}
	case *wire.AddShortcutsResult:
		if x == nil || x.Shortcuts == nil {
			fail("no shortcuts list")
		}
		for _, s := range x.Shortcuts {
			if s.ID == "" {
				fail("a shortcut without id")
			}
		}
	case []wire.MyMattersCategory:
		for _, e := range x {
			if e.ID == "" {
				fail("a category without id")
			}
		}
	case []wire.Library:
		for _, e := range x {
			if e.ID == "" {
				fail("a library without id")
			}
		}
	case []wire.LookupFieldName:
		for _, e := range x {
			if e.ID == "" {
				fail("a field without id")
			}
		}
	case []string:
		if x == nil {
			fail("a nil list")
		}
	case struct{}:
	case json.RawMessage:
		if !json.Valid(x) {
			fail("a schema that is not JSON")
		}
	default:
		fail("an unexpected type")
	}
}
