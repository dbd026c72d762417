package imanage

import (
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/firmtools/bulk/internal/wire"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/secret"
)

func TestErrorAnswers(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		wantCode   string
		wantMsg    string
		wantFields []FieldMessage
		wantRetry  time.Duration
		hasRetry   bool
		errHas     []string // Error() contains each
		errHasNot  []string
		throttled  bool
		rejected   bool
		unavail    bool
	}{
		{
			name:   "400 with field messages",
			status: 400,
			body: `{"error":{"code":"VALIDATION_FAILED","code_message":"the request is not valid","messages":[
				{"field":"email","code":"PATTERN","code_message":"not an e-mail address"},
				{"field":"role","code":"REQUIRED","code_message":"required"}]}}`,
			wantCode: "VALIDATION_FAILED", wantMsg: "the request is not valid",
			wantFields: []FieldMessage{{"email", "PATTERN", "not an e-mail address"}, {"role", "REQUIRED", "required"}},
			errHas:     []string{"addTab: HTTP 400 VALIDATION_FAILED: the request is not valid", "email: not an e-mail address", "role: required"},
			rejected:   true,
		},
		{
			name: "403", status: 403,
			body:     `{"error":{"code":"INSUFFICIENT_RIGHTS","code_message":"admins only"}}`,
			wantCode: "INSUFFICIENT_RIGHTS", wantMsg: "admins only", rejected: true,
			errHas: []string{"HTTP 403 INSUFFICIENT_RIGHTS"},
		},
		{
			name: "404", status: 404,
			body:     `{"error":{"code":"CONTAINER_NOT_FOUND","code_message":"no workspace ACTIVE_US!1"}}`,
			wantCode: "CONTAINER_NOT_FOUND", wantMsg: "no workspace ACTIVE_US!1", rejected: true,
		},
		{
			name: "409", status: 409,
			body:     `{"error":{"code":"DUPLICATE_ALIAS","code_message":"exists"}}`,
			wantCode: "DUPLICATE_ALIAS", wantMsg: "exists", rejected: true,
		},
		{
			name: "429 with Retry-After seconds", status: 429,
			header:   map[string]string{"Retry-After": "7"},
			body:     `{"error":{"code":"TOO_MANY_REQUESTS","code_message":"slow down"}}`,
			wantCode: "TOO_MANY_REQUESTS", wantMsg: "slow down", wantRetry: 7 * time.Second, hasRetry: true, throttled: true,
		},
		{
			name: "429 X-Retry-After-Ms wins over Retry-After", status: 429,
			header:   map[string]string{"Retry-After": "1", "X-Retry-After-Ms": "250"},
			body:     `{"error":{"code":"TOO_MANY_REQUESTS","code_message":"slow down"}}`,
			wantCode: "TOO_MANY_REQUESTS", wantMsg: "slow down", wantRetry: 250 * time.Millisecond, hasRetry: true, throttled: true,
		},
		{
			name: "429 invalid X-Retry-After-Ms falls back", status: 429,
			header:   map[string]string{"Retry-After": "3", "X-Retry-After-Ms": "-5"},
			body:     `{"error":{"code":"TOO_MANY_REQUESTS"}}`,
			wantCode: "TOO_MANY_REQUESTS", wantRetry: 3 * time.Second, hasRetry: true, throttled: true,
		},
		{
			name: "503 with Retry-After date", status: 503,
			header:   map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)},
			body:     `{"error":{"code":"SERVICE_UNAVAILABLE","code_message":"later"}}`,
			wantCode: "SERVICE_UNAVAILABLE", wantMsg: "later", wantRetry: 90 * time.Second, hasRetry: true, unavail: true,
		},
		{
			name: "500 without an envelope keeps a snippet", status: 500,
			body:      "<html>\n<body>Internal\x1b[31m error\tfrom the proxy</body></html>",
			errHas:    []string{"addTab: HTTP 500", `"<html> <body>Internal [31m error from the proxy</body></html>"`},
			errHasNot: []string{"\x1b", "\n"},
		},
		{
			name: "a long non-JSON body is cut", status: 502,
			body:      strings.Repeat("x", 5000),
			errHas:    []string{strings.Repeat("x", snippetLen) + "…"},
			errHasNot: []string{strings.Repeat("x", snippetLen+1)},
		},
		{
			name: "JSON that is not the envelope", status: 500,
			body:   `{"message":"boom"}`,
			errHas: []string{`unexpected error answer "{\"message\":\"boom\"}"`},
		},
		{
			name: "empty body", status: 500,
			errHas: []string{"HTTP 500: internal server error, no details"},
		},
		{
			name: "redirect is not followed", status: 302,
			header: map[string]string{"Location": "https://elsewhere.example/automate/work/addTab"},
			errHas: []string{"HTTP 302", "redirected to \"https://elsewhere.example/automate/work/addTab\""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := &fakeService{op: func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}}
			ts := serve(t, fs)
			c := newTestClient(t, testConfig(ts.URL))
			c.now = func() time.Time { return now }

			_, err := c.AddTab(t.Context(), wire.AddTabRequest{Name: "n", ParentID: "L!1", DefaultSecurity: "inherit"})
			e := mustError(t, err)
			if e.Op != wire.OpAddTab || e.Delivery != Answered || e.StatusCode != tt.status {
				t.Errorf("Op %q Delivery %v Status %d; want addTab answered %d", e.Op, e.Delivery, e.StatusCode, tt.status)
			}
			if e.Code != tt.wantCode || e.Message != tt.wantMsg || !reflect.DeepEqual(e.Fields, tt.wantFields) {
				t.Errorf("Code %q Message %q Fields %v; want %q %q %v", e.Code, e.Message, e.Fields, tt.wantCode, tt.wantMsg, tt.wantFields)
			}
			if e.RetryAfter != tt.wantRetry || e.HasRetryAfter != tt.hasRetry {
				t.Errorf("RetryAfter %v (%v), want %v (%v)", e.RetryAfter, e.HasRetryAfter, tt.wantRetry, tt.hasRetry)
			}
			if e.Throttled() != tt.throttled || e.Rejected() != tt.rejected || e.Unavailable() != tt.unavail {
				t.Errorf("Throttled %v Rejected %v Unavailable %v", e.Throttled(), e.Rejected(), e.Unavailable())
			}
			for _, s := range tt.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err.Error(), s)
				}
			}
			for _, s := range tt.errHasNot {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q has %q", err.Error(), s)
				}
			}
			if _, ops := fs.counts(); ops != 1 {
				t.Errorf("%d operation requests, want 1 (the client does not retry)", ops)
			}
		})
	}
}

func TestUnexpectedAnswers(t *testing.T) {
	type opCall func(c *Client) error
	createUser := func(c *Client) error {
		_, err := c.CreateUser(t.Context(), wire.CreateUserRequest{ID: "X"})
		return err
	}
	assign := func(c *Client) error {
		_, err := c.AssignUserToLibrary(t.Context(), wire.AssignUserToLibraryRequest{})
		return err
	}
	roles := func(c *Client) error {
		_, err := c.GetLibraryRoles(t.Context(), wire.GetLibraryRolesRequest{LibraryID: "L"})
		return err
	}
	shortcuts := func(c *Client) error {
		_, err := c.AddShortcutsToMyMatters(t.Context(), wire.AddShortcutsRequest{})
		return err
	}
	folder := func(c *Client) error {
		_, err := c.AddFolder(t.Context(), wire.AddFolderRequest{})
		return err
	}
	tests := []struct {
		name    string
		call    opCall
		body    string
		chunked bool  // send without Content-Length
		max     int64 // MaxAnswerBytes
		wantErr string
	}{
		{name: "not JSON", call: createUser, body: "<html>ok</html>", wantErr: "not the {\"data\": ...} envelope"},
		{name: "no data", call: createUser, body: `{"result":{"id":"X"}}`, wantErr: `no "data"`},
		{name: "data null", call: roles, body: `{"data":null}`, wantErr: `no "data"`},
		{name: "top-level array", call: roles, body: `[{"id":"A"}]`, wantErr: "envelope"},
		{name: "wrong type", call: createUser, body: `{"data":{"id":"X","user_num":"twelve"}}`, wantErr: "reading \"data\""},
		{name: "createUser with a fractional user_num", call: createUser, body: `{"data":{"user_num":5.5}}`, wantErr: "user_num: 5.5 is not a whole number"},
		{name: "assign without user_num", call: assign, body: `{"data":{}}`, wantErr: "no user_num"},
		{name: "list entry without id", call: roles, body: `{"data":[{"id":"A"},{"description":"x"}]}`, wantErr: "entry 2"},
		{name: "list is an object", call: roles, body: `{"data":{"id":"A"}}`, wantErr: "reading \"data\""},
		{name: "shortcuts missing", call: shortcuts, body: `{"data":{"all_workspace_shortcut_ids":""}}`, wantErr: "no shortcuts"},
		{name: "folder without id", call: folder, body: `{"data":{"name":"x"}}`, wantErr: "no id"},
		{name: "trailing garbage", call: createUser, body: `{"data":{"id":"X"}} {"again":1}`, wantErr: "envelope"},
		{name: "assign with user_num as text", call: assign, body: `{"data":{"user_num":"12"}}`, wantErr: "user_num is not a number"},
		{name: "assign with user_num true", call: assign, body: `{"data":{"user_num":true}}`, wantErr: "user_num is not a number"},
		{name: "oversized with Content-Length", call: roles, body: `{"data":[` + strings.Repeat(`{"id":"A"},`, 100) + `{"id":"A"}]}`, max: 256, wantErr: "larger than the limit of 256"},
		{name: "oversized chunked", call: roles, body: `{"data":[` + strings.Repeat(`{"id":"A"},`, 100) + `{"id":"A"}]}`, max: 256, chunked: true, wantErr: "larger than the limit of 256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := &fakeService{op: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if !tt.chunked {
					w.Header().Set("Content-Length", fmt.Sprint(len(tt.body)))
				}
				w.WriteHeader(200)
				if tt.chunked {
					// Flushing early leaves the length unknown.
					w.(http.Flusher).Flush()
				}
				_, _ = io.WriteString(w, tt.body)
			}}
			ts := serve(t, fs)
			cfg := testConfig(ts.URL)
			cfg.MaxAnswerBytes = tt.max
			c := newTestClient(t, cfg)
			err := tt.call(c)
			e := mustError(t, err)
			if e.Delivery != Answered || e.StatusCode != 200 || e.Err == nil {
				t.Errorf("Delivery %v Status %d Err %v; want answered 200 with a cause", e.Delivery, e.StatusCode, e.Err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q lacks %q", err.Error(), tt.wantErr)
			}
			if e.Rejected() || e.ProvablyNotProcessed() {
				t.Errorf("an unreadable 200 must not look rejected or unprocessed")
			}
		})
	}
}

// The definition declares the answers of createCustomOrPropertyLookup and
// updateCustomField as any object: whatever a 2xx carries, the call was
// accepted.
func TestAnyObjectAnswersAccepted(t *testing.T) {
	bodies := []string{``, `{}`, `{"data":{}}`, `{"data":null}`, ` {"data":{"x":1},"meta":{}} `,
		`[]`, `{"data":[1]}`, `"done"`, `<html>ok</html>`, `{"data":`}
	for _, status := range []int{200, 201, 204} {
		for _, body := range bodies {
			if status == 204 && body != "" {
				continue
			}
			t.Run(fmt.Sprintf("%d %q", status, body), func(t *testing.T) {
				ts := serve(t, &fakeService{op: func(w http.ResponseWriter, r *http.Request) {
					writeJSON(w, status, body)
				}})
				c := newTestClient(t, testConfig(ts.URL))
				if err := c.UpdateCustomField(t.Context(), wire.LookupAliasRequest{}); err != nil {
					t.Errorf("UpdateCustomField: %v", err)
				}
				if err := c.CreateLookupAlias(t.Context(), wire.LookupAliasRequest{}); err != nil {
					t.Errorf("CreateLookupAlias: %v", err)
				}
			})
		}
	}
}

// assignUserToLibrary's user_num is a JSON number, not only an integer.
func TestAssignUserNumIsANumber(t *testing.T) {
	for _, tc := range []struct {
		body  string
		want  int64
		whole bool
	}{
		{`{"data":{"user_num":3}}`, 3, true},
		{`{"data":{"user_num":3.0}}`, 3, true},
		{`{"data":{"user_num":3e0}}`, 3, true},
		{`{"data":{"user_num":30E-1}}`, 3, true},
		{`{"data":{"user_num":-0.0}}`, 0, true},
		{`{"data":{"user_num":3.5}}`, 0, false},
		{`{"data":{"user_num":1e300}}`, 0, false},
		{`{"data":{"user_num":9007199254740993}}`, 9007199254740993, true},
	} {
		t.Run(tc.body, func(t *testing.T) {
			ts := serve(t, &fakeService{op: func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tc.body) }})
			c := newTestClient(t, testConfig(ts.URL))
			res, err := c.AssignUserToLibrary(t.Context(), wire.AssignUserToLibraryRequest{})
			if err != nil {
				t.Fatalf("AssignUserToLibrary: %v", err)
			}
			n, whole := res.UserNumInt()
			if n != tc.want || whole != tc.whole {
				t.Errorf("UserNumInt() = %d, %v; want %d, %v (as given: %s)", n, whole, tc.want, tc.whole, res.UserNum)
			}
		})
	}
}

// TestSecretsNeverInErrors makes a service that echoes everything it gets
// (body, form, headers) into its error answers, and checks no secret the
// client holds comes back out in an error.
func TestSecretsNeverInErrors(t *testing.T) {
	echo := func(r *http.Request) string {
		b, _ := io.ReadAll(r.Body)
		return fmt.Sprintf("got %s %v %s", b, r.Header, r.Form)
	}
	tests := []struct {
		name  string
		token func(w http.ResponseWriter, r *http.Request, n int)
		op    http.HandlerFunc
		// echoed: the echo reaches the error text, so a redaction must show.
		echoed bool
	}{
		{
			name: "sign-in refused with an echo in the envelope", echoed: true,
			token: func(w http.ResponseWriter, r *http.Request, n int) {
				writeJSON(w, 401, fmt.Sprintf(`{"error":{"code":"UNAUTHORIZED","code_message":%q}}`, r.PostForm.Encode()))
			},
		},
		{
			name: "sign-in refused with an echo as text", echoed: true,
			token: func(w http.ResponseWriter, r *http.Request, n int) {
				w.WriteHeader(400)
				_, _ = io.WriteString(w, r.PostForm.Encode())
			},
		},
		{
			name: "operation error echoes the body and token", echoed: true,
			op: func(w http.ResponseWriter, r *http.Request) {
				msg := echo(r)
				writeJSON(w, 400, fmt.Sprintf(`{"error":{"code":"VALIDATION_FAILED","code_message":%q,"messages":[{"field":"create_password","code":"X","code_message":%q}]}}`, msg, msg))
			},
		},
		{
			name: "operation error echoes as text", echoed: true,
			op: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(500)
				_, _ = io.WriteString(w, echo(r)[:snippetLen/2]+testNewUserPwd)
			},
		},
		{
			name:   "unexpected 200 echoes the body",
			echoed: false,
			op: func(w http.ResponseWriter, r *http.Request) {
				// Not a number: the decoding error quotes the value.
				writeJSON(w, 200, fmt.Sprintf(`{"data":{"user_num":%q}}`, echo(r)))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := serve(t, &fakeService{token: tt.token, op: tt.op})
			c := newTestClient(t, testConfig(ts.URL))
			_, err := c.CreateUser(t.Context(), wire.CreateUserRequest{
				ID: "JDOE", FullName: "Jane", PasswordCreateMethod: "Create a password",
				CreatePassword: wire.CreatePassword{Password: secret.New(testNewUserPwd)},
			})
			mustError(t, err)
			assertNoSecrets(t, err, "tok-1")
			if tt.echoed && !strings.Contains(err.Error(), secret.Redacted) {
				t.Errorf("error %q shows no redaction: was the secret echoed at all?", err)
			}
		})
	}
}

func TestErrorNeverHoldsRequestBody(t *testing.T) {
	const marker = "BODY-MARKER-31337"
	tests := []struct {
		name string
		op   http.HandlerFunc
	}{
		{"500 empty", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }},
		{"400 envelope", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 400, `{"error":{"code":"VALIDATION_FAILED","code_message":"bad"}}`)
		}},
		{"malformed 200", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"data":5}`) }},
		{"dropped", hijackAndClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := serve(t, &fakeService{op: tt.op})
			c := newTestClient(t, testConfig(ts.URL))
			_, err := c.AddTab(t.Context(), wire.AddTabRequest{Name: marker, ParentID: "L!1", Description: marker})
			mustError(t, err)
			if strings.Contains(fmt.Sprintf("%+v", err), marker) {
				t.Errorf("error holds the request body: %v", err)
			}
		})
	}
}

func TestCleanText(t *testing.T) {
	c := newTestClient(t, testConfig("http://127.0.0.1:1"))
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"plain", "hello world", 50, "hello world"},
		{"controls and runs of space", "a\x00b\n\n  c\td\x1b[2J", 50, "a b c d [2J"},
		{"leading and trailing space", "  a  ", 50, "a"},
		{"cut", "abcdef", 3, "abc…"},
		{"invalid UTF-8", "a\xffb", 50, "a\uFFFDb"},
		{"the password", "x" + testPassword + "y", 100, "x[redacted]y"},
		{"the client secret", testClientSecret, 100, "[redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.clean(tt.in, tt.max, nil); got != tt.want {
				t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestErrorIsWrapped(t *testing.T) {
	// An *Error can be found through fmt.Errorf wrapping, as the executor
	// and actions add their own context.
	ts := serve(t, &fakeService{op: func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 409, `{"error":{"code":"DUPLICATE_USER","code_message":"exists"}}`)
	}})
	c := newTestClient(t, testConfig(ts.URL))
	_, err := c.CreateUser(t.Context(), wire.CreateUserRequest{ID: "X"})
	wrapped := fmt.Errorf("row 3: create-user X: %w", err)
	e, ok := AsError(wrapped)
	if !ok || e.Code != "DUPLICATE_USER" {
		t.Fatalf("AsError(%v) = %v, %v", wrapped, e, ok)
	}
	if errors.Is(wrapped, ErrAuthLost) || errors.Is(wrapped, ErrSignIn) {
		t.Error("a 409 must not look like an auth failure")
	}
}

// TestStandardLibraryErrorsAreCleaned: net/http quotes a Location header it
// cannot parse in its error. A service echoing the credentials there, in any
// encoding, must not put them in an error text, nor a text without bound.
func TestStandardLibraryErrorsAreCleaned(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testPassword))
	ts := serve(t, &fakeService{op: func(w http.ResponseWriter, r *http.Request) {
		// %zz does not parse; the rest echoes what the request carried.
		w.Header().Set("Location", "http://elsewhere.example/%zz/"+testPassword+
			"?basic="+basic+"&q="+url.QueryEscape(testClientSecret)+
			"&b64="+base64.RawURLEncoding.EncodeToString([]byte(r.Header.Get("X-Auth-Token")))+
			"&tok="+r.Header.Get("X-Auth-Token")+"&pad="+strings.Repeat("x", 5000))
		w.WriteHeader(http.StatusFound)
	}})
	c := newTestClient(t, testConfig(ts.URL))
	_, err := c.GetEmailOptions(t.Context())
	e := mustError(t, err)
	msg := err.Error()
	if !strings.Contains(msg, "failed to parse Location header") || !strings.Contains(msg, secret.Redacted) {
		t.Fatalf("error %q: not the standard library's, or nothing redacted", msg)
	}
	assertNoSecrets(t, err, "tok-1", basic, url.QueryEscape(testClientSecret), base64.RawURLEncoding.EncodeToString([]byte("tok-1")))
	if strings.Contains(msg, "Zq8rT5") {
		t.Fatalf("a piece of the password remains: %q", msg)
	}
	if n := len([]rune(e.Err.Error())); n > maxTextLen+1 {
		t.Fatalf("cause of %d characters: not capped", n)
	}
}
