package imanage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/firmtools/bulk/internal/wire"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/firmtools/bulk/internal/secret"
)

// parseRetryAfter reads a Retry-After header: a number of seconds or an HTTP
// date. A negative or unparsable value is ignored (false); a date in the
// past means no wait (0, true).
func parseRetryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if isDigits(h) {
		n, err := strconv.ParseInt(h, 10, 64)
		if err != nil || n > int64(math.MaxInt64/time.Second) {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return 0, false
	}
	if d := t.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}

// parseRetryAfterMs reads X-Retry-After-Ms: whole milliseconds, not negative.
func parseRetryAfterMs(h string) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if !isDigits(h) {
		return 0, false
	}
	n, err := strconv.ParseInt(h, 10, 64)
	if err != nil || n > int64(math.MaxInt64/time.Millisecond) {
		return 0, false
	}
	return time.Duration(n) * time.Millisecond, true
}

// isDigits reports a non-empty run of ASCII digits (no sign: a negative wait
// is meaningless and "+5" is not the header's grammar).
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clean makes text that came from the service fit for an error message:
// any secret the client holds or the request carried is redacted (a
// service or proxy that echoes a request must not leak it), control
// characters go (no terminal escapes), whitespace runs become one space,
// and the result is cut to max runes.
func (c *Client) clean(s string, max int, scrub []secret.Secret) string {
	if c != nil {
		c.mu.Lock()
		tok := c.token
		c.mu.Unlock()
		for _, sec := range []secret.Secret{c.password, c.clientSecret, tok} {
			s = redact(s, sec)
		}
	}
	for _, sec := range scrub {
		s = redact(s, sec)
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space, n := false, 0
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if n >= max {
			b.WriteString("…")
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
			n++
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// redact replaces sec in s, in every form a service or a library may echo
// it (secret.Forms: escaped, percent-encoded, base64).
func redact(s string, sec secret.Secret) string {
	for _, f := range secret.Forms(sec.Reveal()) {
		s = strings.ReplaceAll(s, f, secret.Redacted)
	}
	return s
}

// cleanError is an error from the standard library (a transport error
// quoting a bad Location header, a URL that does not parse) after its text
// went through clean: secrets redacted in every form, length capped. The
// raw error is not kept, so nothing can print it by unwrapping; only
// whether it was a context error stays (errors.Is).
type cleanError struct {
	text  string
	ctx   error // context.Canceled or context.DeadlineExceeded when the cause was one
	cause Cause // what kind of failure it was (CauseOf)
}

func (e *cleanError) Error() string { return e.text }
func (e *cleanError) Unwrap() error { return e.ctx }

// cleanErr returns err with its text fit for a log, a message or the
// result file.
func (c *Client) cleanErr(err error) error {
	if err == nil {
		return nil
	}
	e := &cleanError{text: c.clean(err.Error(), maxTextLen, nil), cause: classify(err)}
	for _, sentinel := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, sentinel) {
			e.ctx = sentinel
		}
	}
	return e
}

// Answer decoders. Each takes the body of a 2xx answer and returns the
// decoded value or says what is wrong with it; none panics, whatever the
// body (see FuzzDecodeAnswer). Unknown fields are allowed, missing
// essentials are not.

// decodeData unmarshals the "data" of the {"data": ...} envelope into v.
func decodeData(body []byte, v any) error {
	var env dataEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("not the {\"data\": ...} envelope: %w", err)
	}
	if isNull(env.Data) {
		return errors.New(`no "data" in the answer`)
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		return fmt.Errorf(`reading "data": %w`, err)
	}
	return nil
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// decodeUser reads createUser's answer, whose fields the definition
// declares all optional: a field not sent stays nil. Integers may come as
// any JSON number with an integral value (3, 3.0, 3e0).
func decodeUser(body []byte) (*wire.User, error) {
	var raw struct {
		wire.User
		UserNum      *json.Number `json:"user_num"`
		UserNos      *json.Number `json:"user_nos"`
		FailedLogins *json.Number `json:"failed_logins"`
	}
	if err := decodeData(body, &raw); err != nil {
		return nil, err
	}
	u := raw.User
	for _, f := range []struct {
		name string
		n    *json.Number
		dst  **int64
	}{{"user_num", raw.UserNum, &u.UserNum}, {"user_nos", raw.UserNos, &u.UserNos}, {"failed_logins", raw.FailedLogins, &u.FailedLogins}} {
		if f.n == nil {
			continue
		}
		v, err := wire.Integral(*f.n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		*f.dst = &v
	}
	return &u, nil
}

func decodeAssignResult(body []byte) (*wire.AssignUserToLibraryResult, error) {
	var r struct {
		UserNum json.RawMessage `json:"user_num"`
	}
	if err := decodeData(body, &r); err != nil {
		return nil, err
	}
	if isNull(r.UserNum) {
		return nil, errors.New("no user_num in the answer")
	}
	var n json.Number
	if err := json.Unmarshal(r.UserNum, &n); err != nil || !isJSONNumber(r.UserNum) {
		return nil, fmt.Errorf("user_num is not a number: %s", snippet(r.UserNum))
	}
	return &wire.AssignUserToLibraryResult{UserNum: n}, nil
}

// isJSONNumber: json.Number also takes a quoted number; the definition
// wants a JSON number.
func isJSONNumber(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && (t[0] == '-' || (t[0] >= '0' && t[0] <= '9'))
}

func snippet(raw json.RawMessage) string {
	s := string(bytes.TrimSpace(raw))
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return s
}

// decodeList reads a "data" list, whose entries must each have an id.
func decodeList[T any](body []byte, id func(T) string) ([]T, error) {
	var list []T
	if err := decodeData(body, &list); err != nil {
		return nil, err
	}
	if list == nil {
		list = []T{}
	}
	if id != nil {
		for i, x := range list {
			if id(x) == "" {
				return nil, fmt.Errorf("entry %d of the list has no id", i+1)
			}
		}
	}
	return list, nil
}

func decodeIDDescriptions(body []byte) ([]wire.IDDescription, error) {
	return decodeList(body, func(x wire.IDDescription) string { return x.ID })
}

func decodeLookupAliases(body []byte) ([]wire.LookupAlias, error) {
	return decodeList(body, func(x wire.LookupAlias) string { return x.ID })
}

func decodeCategories(body []byte) ([]wire.MyMattersCategory, error) {
	return decodeList(body, func(x wire.MyMattersCategory) string { return x.ID })
}

func decodeLibraries(body []byte) ([]wire.Library, error) {
	return decodeList(body, func(x wire.Library) string { return x.ID })
}

func decodeLookupFieldNames(body []byte) ([]wire.LookupFieldName, error) {
	return decodeList(body, func(x wire.LookupFieldName) string { return x.ID })
}

func decodeStrings(body []byte) ([]string, error) {
	return decodeList[string](body, nil)
}

func decodeTab(body []byte) (*wire.Tab, error) {
	var t wire.Tab // keeps the answer whole (wire.Tab.UnmarshalJSON)
	if err := decodeData(body, &t); err != nil {
		return nil, err
	}
	if t.ID == "" {
		return nil, errors.New("the created tab has no id")
	}
	return &t, nil
}

func decodeFolder(body []byte) (*wire.Folder, error) {
	var f wire.Folder // keeps the answer whole (wire.Folder.UnmarshalJSON)
	if err := decodeData(body, &f); err != nil {
		return nil, err
	}
	if f.ID == "" {
		return nil, errors.New("the created folder has no id")
	}
	return &f, nil
}

func decodeShortcuts(body []byte) (*wire.AddShortcutsResult, error) {
	var r struct {
		Shortcuts               *[]wire.Shortcut `json:"shortcuts"`
		AllWorkspaceShortcutIDs string           `json:"all_workspace_shortcut_ids"`
	}
	if err := decodeData(body, &r); err != nil {
		return nil, err
	}
	if r.Shortcuts == nil {
		return nil, errors.New("no shortcuts in the answer")
	}
	for i, s := range *r.Shortcuts {
		if s.ID == "" {
			return nil, fmt.Errorf("shortcut %d has no id", i+1)
		}
	}
	return &wire.AddShortcutsResult{Shortcuts: *r.Shortcuts, AllWorkspaceShortcutIDs: r.AllWorkspaceShortcutIDs}, nil
}

// decodeAnything accepts every 2xx answer of the calls whose answer the
// definition declares as "any object" (createCustomOrPropertyLookup,
// updateCustomField): an empty body, {}, {"data": ...} of any shape, even a
// body that is not JSON. The service accepted the call; the shape of its
// answer is no reason to call the row failed.
func decodeAnything(body []byte) (struct{}, error) {
	return struct{}{}, nil
}

// decodeSchema reads a schema operation's answer: {"data": <a JSON schema>},
// an object (or, as JSON Schema allows, true or false). Whether it is a
// usable schema is for the caller, which knows what it describes.
func decodeSchema(body []byte) (json.RawMessage, error) {
	var raw json.RawMessage
	if err := decodeData(body, &raw); err != nil {
		return nil, err
	}
	switch t := bytes.TrimSpace(raw); {
	case len(t) > 0 && t[0] == '{', string(t) == "true", string(t) == "false":
		return t, nil
	}
	return nil, errors.New(`"data" is not a JSON schema (an object)`)
}

// decodeAnswer decodes body as the answer of op. The operations use the
// typed decoders directly; this switch is for the fuzz test.
func decodeAnswer(op string, body []byte) (any, error) {
	switch op {
	case wire.OpCreateUser:
		return decodeUser(body)
	case wire.OpAssignUserToLibrary:
		return decodeAssignResult(body)
	case wire.OpGetLibraryRoles:
		return decodeIDDescriptions(body)
	case wire.OpGetLookupAliases:
		return decodeLookupAliases(body)
	case wire.OpCreateLookupAlias, wire.OpUpdateCustomField:
		return decodeAnything(body)
	case wire.OpAddTab:
		return decodeTab(body)
	case wire.OpAddFolder:
		return decodeFolder(body)
	case wire.OpAddShortcutsToMyMatters:
		return decodeShortcuts(body)
	case wire.OpGetMyMattersCategories:
		return decodeCategories(body)
	case wire.OpGetLibraries:
		return decodeLibraries(body)
	case wire.OpGetLookupFieldNames:
		return decodeLookupFieldNames(body)
	case wire.OpGetEmailOptions:
		return decodeStrings(body)
	case wire.OpGetCreateLookupAliasSchema, wire.OpGetUpdateCustomFieldSchema, wire.OpGetCreateUserPasswordSchema, wire.OpGetAddFolderPropertiesSchema:
		return decodeSchema(body)
	}
	return nil, fmt.Errorf("unknown operation %q", op)
}
