package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"
)

// fieldMsg is one entry of the error envelope's messages list.
type fieldMsg struct {
	Field       string `json:"field"`
	Code        string `json:"code"`
	CodeMessage string `json:"code_message"`
}

// apiError is an answer other than 200.
type apiError struct {
	status   int
	code     string
	message  string
	messages []fieldMsg
	header   http.Header // extra headers (Retry-After, Allow, ...)
}

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func (e *apiError) withHeader(k, v string) *apiError {
	if e.header == nil {
		e.header = http.Header{}
	}
	e.header.Set(k, v)
	return e
}

// invalid is a 400 VALIDATION_FAILED about one field.
func invalid(field, code, format string, args ...any) *apiError {
	var p problems
	p.add(field, code, format, args...)
	return p.err()
}

// problems collects every bad field of a request so one 400 names them all.
type problems []fieldMsg

func (p *problems) add(field, code, format string, args ...any) {
	*p = append(*p, fieldMsg{Field: field, Code: code, CodeMessage: fmt.Sprintf(format, args...)})
}

// err is the 400 for the collected problems, or nil when there are none.
func (p problems) err() *apiError {
	if len(p) == 0 {
		return nil
	}
	fields := make([]string, 0, len(p))
	for _, m := range p {
		fields = append(fields, m.Field)
	}
	return &apiError{
		status:   http.StatusBadRequest,
		code:     codeValidation,
		message:  "the request is not valid: " + strings.Join(fields, ", "),
		messages: p,
	}
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// length checks min <= characters <= max (max 0: no maximum).
func (p *problems) length(field, s string, min, max int) bool {
	n := runeLen(s)
	switch {
	case max > 0 && (n < min || n > max):
		p.add(field, msgLength, "must be %d to %d characters, got %d", min, max, n)
		return false
	case n < min:
		p.add(field, msgLength, "must be at least %d characters, got %d", min, n)
		return false
	}
	return true
}

func (p *problems) enum(field, s string, allowed []string) bool {
	for _, a := range allowed {
		if s == a {
			return true
		}
	}
	p.add(field, msgEnum, "must be one of %s, got %q", quoteList(allowed), s)
	return false
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func (p *problems) userID(field, s string) bool {
	if !userIDPattern.MatchString(s) {
		p.add(field, msgPattern, "must be a user ID: characters from U+0021 upward, no whitespace or control characters")
		return false
	}
	return true
}

func (p *problems) objectID(field, s string) bool {
	if !objectIDPattern.MatchString(s) {
		p.add(field, msgPattern, "must be an ID of the form LIBRARY!number, got %q", s)
		return false
	}
	return true
}

// objectName checks a tab's or folder's name or owner: the definition's
// pattern and a length of 1 to max.
func (p *problems) objectName(field, s string, max int) bool {
	switch {
	case strings.TrimSpace(s) == "" && runeLen(s) <= max:
		p.add(field, msgRequired, "must not be blank")
		return false
	case !p.length(field, s, 1, max):
		return false
	case !namePattern.MatchString(s):
		p.add(field, msgPattern, "must not hold a backslash, control characters, private-use characters or emoji, got %q", s)
		return false
	}
	return true
}

// email checks the connector's local@domain.tld pattern and its length.
func (p *problems) email(field, s string) {
	if !p.length(field, s, emailMin, emailMax) {
		return
	}
	if !emailPattern.MatchString(s) {
		p.add(field, msgPattern, "must be an e-mail address local@domain.tld, the last part at least two characters, got %q", s)
	}
}

// jsonObject reads the fields of one JSON object, recording every problem
// and which keys were read, so unknown keys can be refused afterwards.
type jsonObject struct {
	path string // "" for the body, else e.g. "aliasInfo"
	m    map[string]any
	used map[string]bool
	p    *problems
}

func newObject(path string, m map[string]any, p *problems) *jsonObject {
	return &jsonObject{path: path, m: m, used: map[string]bool{}, p: p}
}

func (o *jsonObject) field(k string) string {
	if o.path == "" {
		return k
	}
	return o.path + "." + k
}

func (o *jsonObject) has(k string) bool { _, ok := o.m[k]; return ok }

func (o *jsonObject) get(k string, required bool) (any, bool) {
	o.used[k] = true
	v, ok := o.m[k]
	if !ok {
		if required {
			o.p.add(o.field(k), msgRequired, "is required")
		}
		return nil, false
	}
	return v, true
}

// str reads a string; a required one must not be empty.
func (o *jsonObject) str(k string, required bool) (string, bool) {
	v, ok := o.get(k, required)
	if !ok {
		return "", false
	}
	s, isStr := v.(string)
	if !isStr {
		o.p.add(o.field(k), msgType, "must be a string, got %s", jsonType(v))
		return "", false
	}
	if required && s == "" {
		o.p.add(o.field(k), msgRequired, "is required and must not be empty")
		return "", false
	}
	return s, true
}

func (o *jsonObject) boolean(k string, required bool) (bool, bool) {
	v, ok := o.get(k, required)
	if !ok {
		return false, false
	}
	b, isBool := v.(bool)
	if !isBool {
		o.p.add(o.field(k), msgType, "must be a boolean, got %s", jsonType(v))
		return false, false
	}
	return b, true
}

func (o *jsonObject) object(k string, required bool) (*jsonObject, bool) {
	v, ok := o.get(k, required)
	if !ok {
		return nil, false
	}
	m, isObj := v.(map[string]any)
	if !isObj {
		o.p.add(o.field(k), msgType, "must be an object, got %s", jsonType(v))
		return nil, false
	}
	return newObject(o.field(k), m, o.p), true
}

// rejectUnknown records every key that no reader asked for.
func (o *jsonObject) rejectUnknown() {
	var extra []string
	for k := range o.m {
		if !o.used[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		o.p.add(o.field(k), msgUnknownField, "is not a field of this request")
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// readBody takes in the whole body (at most maxBodyBytes) before the call
// waits out its latency: net/http notices a caller that went away only once
// the body has been read.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
}

// decodeBody checks a POST body read by readBody: one JSON object.
func decodeBody(r *http.Request, raw []byte, readErr error) (map[string]any, *apiError) {
	ct := r.Header.Get("Content-Type")
	if mt, _, _ := strings.Cut(ct, ";"); !strings.EqualFold(strings.TrimSpace(mt), "application/json") {
		return nil, invalid("Content-Type", msgInvalid, "must be application/json, got %q", ct)
	}
	if readErr != nil {
		var tooBig *http.MaxBytesError
		if errors.As(readErr, &tooBig) {
			return nil, newError(http.StatusRequestEntityTooLarge, codeTooLarge, "the body is larger than %d bytes", maxBodyBytes)
		}
		return nil, newError(http.StatusBadRequest, codeValidation, "reading the body: %v", readErr)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, invalid("body", msgInvalidJSON, "is empty; want a JSON object")
		}
		return nil, invalid("body", msgInvalidJSON, "is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, invalid("body", msgInvalidJSON, "has data after the JSON object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("body", msgType, "must be a JSON object, got %s", jsonType(v))
	}
	return m, nil
}

// query reads GET parameters with the same bookkeeping as jsonObject.
type query struct {
	v    url.Values
	used map[string]bool
	p    *problems
}

func newQuery(v url.Values, p *problems) *query {
	return &query{v: v, used: map[string]bool{}, p: p}
}

// str reads a parameter; an empty optional one counts as absent.
func (q *query) str(k string, required bool) (string, bool) {
	q.used[k] = true
	vs, ok := q.v[k]
	if !ok || (len(vs) == 1 && vs[0] == "") {
		if required {
			q.p.add(k, msgRequired, "is required")
		}
		return "", false
	}
	if len(vs) > 1 {
		q.p.add(k, msgDuplicate, "is given %d times; give it once", len(vs))
		return "", false
	}
	return vs[0], true
}

// boolean reads "true" or "false"; absent is false.
func (q *query) boolean(k string) bool {
	q.used[k] = true
	vs, ok := q.v[k]
	if !ok {
		return false
	}
	if len(vs) > 1 {
		q.p.add(k, msgDuplicate, "is given %d times; give it once", len(vs))
		return false
	}
	switch vs[0] {
	case "true":
		return true
	case "false":
		return false
	}
	q.p.add(k, msgType, "must be \"true\" or \"false\", got %q", vs[0])
	return false
}

func (q *query) rejectUnknown() {
	var extra []string
	for k := range q.v {
		if !q.used[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		q.p.add(k, msgUnknownField, "is not a parameter of this operation")
	}
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the simulator's own values are encoded here; failing is a bug in it.
		panic(fmt.Sprintf("sim: encoding an answer: %v", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, e *apiError) {
	for k, vs := range e.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	msgs := e.messages
	if msgs == nil {
		msgs = []fieldMsg{}
	}
	writeJSON(w, e.status, map[string]any{
		"error": map[string]any{
			"code":         e.code,
			"code_message": e.message,
			"messages":     msgs,
		},
	})
}

func writeData(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}
