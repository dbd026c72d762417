package imanage

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/firmtools/bulk/internal/wire"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/firmtools/bulk/internal/secret"
)

func ptr[T any](v T) *T { return &v }

// TestOperationsWireFormat checks, for every operation, the method, path,
// headers, query or body the client sends and what it makes of a typical
// answer.
func TestOperationsWireFormat(t *testing.T) {
	type seen struct {
		method, path string
		query        url.Values
		header       http.Header
		body         []byte
	}
	tests := []struct {
		name   string
		call   func(ctx context.Context, c *Client) (any, error)
		method string
		op     string
		query  url.Values // for GETs: exactly these parameters
		body   string     // for POSTs: this JSON, compared as values
		answer string
		want   any
	}{
		{
			name: "createUser with a password",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateUser(ctx, wire.CreateUserRequest{
					FullName: "Jane Doe", ID: "JDOE", Email: "jdoe@example.com", PreferredLibrary: "ACTIVE_US",
					Role: "ATTORNEY", IgnoreIfUserAlreadyExists: true, PasswordCreateMethod: "Create a password",
					CreatePassword: wire.CreatePassword{Password: secret.New(testNewUserPwd), ForcePasswordChange: true},
				})
			},
			method: "POST", op: wire.OpCreateUser,
			body: `{"full_name":"Jane Doe","id":"JDOE","email":"jdoe@example.com","is_external":false,
				"preferred_library":"ACTIVE_US","role":"ATTORNEY","ignore_if_user_already_exists":true,
				"password_create_method":"Create a password",
				"create_password":{"password":"` + testNewUserPwd + `","force_password_change":true}}`,
			answer: `{"data":{"user_num":1001,"id":"JDOE","full_name":"Jane Doe","user_nos":6,"user_created":true,"extra":"ignored"}}`,
			want:   &wire.User{UserNum: ptr[int64](1001), ID: "JDOE", FullName: ptr("Jane Doe"), UserNos: ptr[int64](6), UserCreated: ptr(true)},
		},
		{
			name: "createUser sending an email",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateUser(ctx, wire.CreateUserRequest{FullName: "B", ID: "B", Email: "b@x.io",
					PreferredLibrary: "L", Role: "R", PasswordCreateMethod: "Send an email"})
			},
			method: "POST", op: wire.OpCreateUser,
			body: `{"full_name":"B","id":"B","email":"b@x.io","is_external":false,"preferred_library":"L","role":"R",
				"ignore_if_user_already_exists":false,"password_create_method":"Send an email","create_password":{}}`,
			answer: `{"data":{"user_num":7,"id":"B","user_created":false}}`,
			want:   &wire.User{UserNum: ptr[int64](7), ID: "B", UserCreated: ptr(false)},
		},
		{
			name: "assignUserToLibrary",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AssignUserToLibrary(ctx, wire.AssignUserToLibraryRequest{LibraryID: "ACTIVE_UK", UserID: "ASMITH", Role: "PARALEGAL", IsPreferredLibrary: true})
			},
			method: "POST", op: wire.OpAssignUserToLibrary,
			body:   `{"libraryId":"ACTIVE_UK","user_id":"ASMITH","role":"PARALEGAL","is_preferred_library":true}`,
			answer: `{"data":{"user_num":12}}`,
			want:   &wire.AssignUserToLibraryResult{UserNum: "12"},
		},
		{
			name: "getLibraryRoles with a user",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetLibraryRoles(ctx, wire.GetLibraryRolesRequest{LibraryID: "ACTIVE_US", IsExternal: true, UserID: "ASMITH"})
			},
			method: "GET", op: wire.OpGetLibraryRoles,
			query:  url.Values{"libraryId": {"ACTIVE_US"}, "is_external": {"true"}, "user_id": {"ASMITH"}},
			answer: `{"data":[{"id":"EXTERNAL_CLIENT","description":"Client"}]}`,
			want:   []wire.IDDescription{{ID: "EXTERNAL_CLIENT", Description: "Client"}},
		},
		{
			name: "getLibraryRoles omits an empty user",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetLibraryRoles(ctx, wire.GetLibraryRolesRequest{LibraryID: "ACTIVE_US"})
			},
			method: "GET", op: wire.OpGetLibraryRoles,
			query:  url.Values{"libraryId": {"ACTIVE_US"}, "is_external": {"false"}},
			answer: `{"data":[]}`,
			want:   []wire.IDDescription{},
		},
		{
			name: "getLookupAliases of a child field",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetLookupAliases(ctx, wire.GetLookupAliasesRequest{LibraryID: "ACTIVE_US", LookupFieldID: "custom2", ParentAlias: "1001"})
			},
			method: "GET", op: wire.OpGetLookupAliases,
			query:  url.Values{"libraryId": {"ACTIVE_US"}, "lookupFieldId": {"custom2"}, "parentAlias": {"1001"}, "getParentAliases": {"false"}},
			answer: `{"data":[{"id":"1001-0001","description":"Sub"}]}`,
			want:   []wire.LookupAlias{{ID: "1001-0001", Description: ptr("Sub")}},
		},
		{
			name: "createCustomOrPropertyLookup answered {}",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.CreateLookupAlias(ctx, wire.LookupAliasRequest{LibraryID: "ACTIVE_US", LookupFieldID: "custom30",
					AliasInfo: wire.AliasInfo{ID: "LIT-X", Description: ptr("Lit X"), Enabled: ptr(false), Parent: "LIT"}})
			},
			method: "POST", op: wire.OpCreateLookupAlias,
			body:   `{"libraryId":"ACTIVE_US","lookupFieldId":"custom30","aliasInfo":{"id":"LIT-X","description":"Lit X","enabled":false,"parent":"LIT"}}`,
			answer: `{}`,
		},
		{
			name: "updateCustomField answered {data:{}}",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.UpdateCustomField(ctx, wire.LookupAliasRequest{LibraryID: "ACTIVE_US", LookupFieldID: "custom1",
					AliasInfo: wire.AliasInfo{ID: "1001", HIPAA: ptr(true)}})
			},
			method: "POST", op: wire.OpUpdateCustomField,
			body:   `{"libraryId":"ACTIVE_US","lookupFieldId":"custom1","aliasInfo":{"id":"1001","hipaa":true}}`,
			answer: `{"data":{}}`,
		},
		{
			name: "addTab",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AddTab(ctx, wire.AddTabRequest{Name: "Correspondence", ParentID: "ACTIVE_US!1000", DefaultSecurity: "inherit"})
			},
			method: "POST", op: wire.OpAddTab,
			body:   `{"name":"Correspondence","parentId":"ACTIVE_US!1000","default_security":"inherit"}`,
			answer: `{"data":{"id":"ACTIVE_US!10000","name":"Correspondence","workspace_id":"ACTIVE_US!1000","database":"ACTIVE_US"}}`,
			// The answer is kept whole: it is reported as it came.
			want: wantAnswer[wire.Tab](`{"id":"ACTIVE_US!10000","name":"Correspondence","workspace_id":"ACTIVE_US!1000","database":"ACTIVE_US"}`),
		},
		{
			name: "addFolder with a profile",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AddFolder(ctx, wire.AddFolderRequest{Name: "Pleadings", ParentID: "ACTIVE_US!3000", ParentType: "Tab",
					DefaultSecurity: "private", InheritProfileFromWorkspace: "No", ProfileProperties: map[string]any{"custom1": "1001", "custom25": true}})
			},
			method: "POST", op: wire.OpAddFolder,
			body: `{"name":"Pleadings","parentId":"ACTIVE_US!3000","parentType":"Tab","default_security":"private",
				"inherit_profile_from_workspace":"No","profileProperties":{"custom1":"1001","custom25":true}}`,
			answer: `{"data":{"id":"ACTIVE_US!10001","name":"Pleadings","wstype":"folder","profile":{"custom1":"1001","class":"DOC"}}}`,
			want:   wantAnswer[wire.Folder](`{"id":"ACTIVE_US!10001","name":"Pleadings","wstype":"folder","profile":{"custom1":"1001","class":"DOC"}}`),
		},
		{
			name: "addShortcutsToMyMattersAdmin joins workspaces with ;",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AddShortcutsToMyMatters(ctx, wire.AddShortcutsRequest{UserID: "ASMITH", WorkspaceIDs: []string{"ACTIVE_US!1000", "ACTIVE_US!1001"}, CategoryID: "ACTIVE_US!9001"})
			},
			method: "POST", op: wire.OpAddShortcutsToMyMatters,
			body:   `{"user_id":"ASMITH","workspace_id":"ACTIVE_US!1000;ACTIVE_US!1001","category_id":"ACTIVE_US!9001"}`,
			answer: `{"data":{"shortcuts":[{"id":"ACTIVE_US!10002","wstype":"workspace_shortcut","target":{"id":"ACTIVE_US!1000"}}],"all_workspace_shortcut_ids":"ACTIVE_US!10002"}}`,
			want: func() any {
				s := wire.Shortcut{ID: "ACTIVE_US!10002", WSType: "workspace_shortcut"}
				s.Target.ID = "ACTIVE_US!1000"
				return &wire.AddShortcutsResult{Shortcuts: []wire.Shortcut{s}, AllWorkspaceShortcutIDs: "ACTIVE_US!10002"}
			}(),
		},
		{
			name: "addShortcutsToMyMattersAdmin without a category",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AddShortcutsToMyMatters(ctx, wire.AddShortcutsRequest{UserID: "ASMITH", WorkspaceIDs: []string{"ACTIVE_US!1000"}})
			},
			method: "POST", op: wire.OpAddShortcutsToMyMatters,
			body:   `{"user_id":"ASMITH","workspace_id":"ACTIVE_US!1000"}`,
			answer: `{"data":{"shortcuts":[],"all_workspace_shortcut_ids":""}}`,
			want:   &wire.AddShortcutsResult{Shortcuts: []wire.Shortcut{}},
		},
		{
			name: "getMyMattersCategories",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetMyMattersCategories(ctx, "admin")
			},
			method: "GET", op: wire.OpGetMyMattersCategories,
			query:  url.Values{"user_id": {"admin"}},
			answer: `{"data":[{"id":"ACTIVE_US!9001","name":"My Matters","category_type":"my_matters","has_subfolders":true}]}`,
			want:   []wire.MyMattersCategory{{ID: "ACTIVE_US!9001", Name: "My Matters", CategoryType: "my_matters", HasSubfolders: true}},
		},
		{
			name: "getLibraries",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetLibraries(ctx, true, false)
			},
			method: "GET", op: wire.OpGetLibraries,
			query:  url.Values{"showAllLibraries": {"true"}, "hidePreferredLibrary": {"false"}},
			answer: `{"data":[{"id":"ARCHIVE","display_name":"Archive","type":"worksite","is_hidden":true}]}`,
			want:   []wire.Library{{ID: "ARCHIVE", DisplayName: "Archive", Type: "worksite", IsHidden: true}},
		},
		{
			name: "getLookupFieldNames",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetLookupFieldNames(ctx)
			},
			method: "GET", op: wire.OpGetLookupFieldNames,
			query:  url.Values{},
			answer: `{"data":[{"id":"custom1","display_name":"Client"}]}`,
			want:   []wire.LookupFieldName{{ID: "custom1", DisplayName: "Client"}},
		},
		{
			name: "getEmailOptions",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetEmailOptions(ctx)
			},
			method: "GET", op: wire.OpGetEmailOptions,
			query:  url.Values{},
			answer: `{"data":["Send an email","Create a password"]}`,
			want:   []string{"Send an email", "Create a password"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got seen
			fs := &fakeService{op: func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got = seen{method: r.Method, path: r.URL.Path, query: r.URL.Query(), header: r.Header.Clone(), body: b}
				writeJSON(w, 200, tt.answer)
			}}
			ts := serve(t, fs)
			c := newTestClient(t, testConfig(ts.URL+"/"))

			res, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if got.method != tt.method || got.path != "/automate/work/"+tt.op {
				t.Errorf("sent %s %s, want %s /automate/work/%s", got.method, got.path, tt.method, tt.op)
			}
			for h, want := range map[string]string{
				"X-Im-Connector-Id": "imanage-work-for-admins",
				"X-Auth-Token":      "tok-1",
				"Authorization":     "Bearer tok-1",
				"Accept":            "application/json",
			} {
				if v := got.header.Get(h); v != want {
					t.Errorf("header %s = %q, want %q", h, v, want)
				}
			}
			if tt.method == "GET" {
				if len(got.body) != 0 {
					t.Errorf("GET sent a body: %s", got.body)
				}
				if !reflect.DeepEqual(got.query, tt.query) {
					t.Errorf("query = %v, want %v", got.query, tt.query)
				}
			} else {
				if ct := got.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
				if len(got.query) != 0 {
					t.Errorf("POST sent a query: %v", got.query)
				}
				var gotBody, wantBody any
				if err := json.Unmarshal(got.body, &gotBody); err != nil {
					t.Fatalf("body is not JSON: %v", err)
				}
				if err := json.Unmarshal([]byte(tt.body), &wantBody); err != nil {
					t.Fatalf("test's body is not JSON: %v", err)
				}
				if !reflect.DeepEqual(gotBody, wantBody) {
					t.Errorf("body = %s\nwant   %s", got.body, tt.body)
				}
			}
			if tt.want != nil && !reflect.DeepEqual(res, tt.want) {
				t.Errorf("answer = %#v\nwant     %#v", res, tt.want)
			}
		})
	}
}

func TestSignInForm(t *testing.T) {
	tests := []struct {
		name         string
		clientSecret string
		want         url.Values
	}{
		{
			name:         "with a client secret",
			clientSecret: testClientSecret,
			want: url.Values{"grant_type": {"password"}, "username": {testUser}, "password": {testPassword},
				"client_id": {testClientID}, "client_secret": {testClientSecret}},
		},
		{
			name: "without a client secret",
			want: url.Values{"grant_type": {"password"}, "username": {testUser}, "password": {testPassword},
				"client_id": {testClientID}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var contentType string
			fs := &fakeService{}
			fs.token = func(w http.ResponseWriter, r *http.Request, n int) {
				contentType = r.Header.Get("Content-Type")
				if r.Header.Get(headerConnectorID) != "" {
					t.Error("the token request carries the connector header")
				}
				writeJSON(w, 200, `{"access_token":"abc","token_type":"bearer","expires_in":60,"refresh_token":"r"}`)
			}
			ts := serve(t, fs)
			cfg := testConfig(ts.URL)
			cfg.ClientSecret = secret.New(tt.clientSecret)
			c := newTestClient(t, cfg)
			if err := c.SignIn(t.Context()); err != nil {
				t.Fatalf("SignIn: %v", err)
			}
			if contentType != "application/x-www-form-urlencoded" {
				t.Errorf("Content-Type = %q", contentType)
			}
			if len(fs.forms) != 1 || !reflect.DeepEqual(fs.forms[0], tt.want) {
				t.Errorf("form = %v, want %v", fs.forms, tt.want)
			}
		})
	}
}

func TestTokenURLOverride(t *testing.T) {
	var tokenHits int
	tokenSrv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/token" {
			t.Errorf("token request to %s", r.URL.Path)
		}
		tokenHits++
		writeJSON(w, 200, `{"access_token":"elsewhere"}`)
	}))
	var sentToken string
	fs := &fakeService{op: func(w http.ResponseWriter, r *http.Request) {
		sentToken = r.Header.Get(headerAuthToken)
		writeJSON(w, 200, `{"data":["x"]}`)
	}}
	ts := serve(t, fs)
	cfg := testConfig(ts.URL)
	cfg.TokenURL = tokenSrv.URL + "/oauth/token"
	c := newTestClient(t, cfg)
	if _, err := c.GetEmailOptions(t.Context()); err != nil {
		t.Fatal(err)
	}
	if tokens, _ := fs.counts(); tokens != 0 || tokenHits != 1 {
		t.Errorf("token calls: base %d, override %d; want 0 and 1", tokens, tokenHits)
	}
	if sentToken != "elsewhere" {
		t.Errorf("operation sent token %q", sentToken)
	}
}

func TestReadyTokenMakesNoSignIn(t *testing.T) {
	var sent string
	fs := &fakeService{op: func(w http.ResponseWriter, r *http.Request) {
		sent = r.Header.Get(headerAuthToken)
		writeJSON(w, 200, `{"data":[]}`)
	}}
	ts := serve(t, fs)
	c := newTestClient(t, Config{BaseURL: ts.URL, Token: secret.New("ready-token")})
	if err := c.SignIn(t.Context()); err != nil {
		t.Fatalf("SignIn with only a token: %v", err)
	}
	if _, err := c.GetEmailOptions(t.Context()); err != nil {
		t.Fatal(err)
	}
	if tokens, _ := fs.counts(); tokens != 0 || sent != "ready-token" {
		t.Errorf("token calls %d, sent %q; want 0 and the ready token", tokens, sent)
	}
}

// wantAnswer is the answer data decodes to, as the wire type reads it
// (internal/wire's tests hold that to the fields and to the data kept whole).
func wantAnswer[T any](data string) *T {
	var v T
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		panic(err)
	}
	return &v
}

// A schema operation the service does not have (404, a tenant that
// predates it) is told apart from a refusal, for the contract's shape to
// stand in; the error is still the client's.
func TestSchemaOperationMissing(t *testing.T) {
	for _, tt := range []struct {
		status  int
		missing bool
	}{{404, true}, {400, false}, {403, false}} {
		svc := &fakeService{op: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, tt.status, `{"error":{"code":"X","code_message":"no"}}`)
		}}
		c := newTestClient(t, testConfig(serve(t, svc).URL))
		_, err := c.GetAddFolderPropertiesSchema(context.Background(), "No")
		if got := errors.Is(err, wire.ErrNoOperation); got != tt.missing {
			t.Errorf("HTTP %d: missing operation %v, want %v (%v)", tt.status, got, tt.missing, err)
		}
		if e := mustError(t, err); e.StatusCode != tt.status {
			t.Errorf("HTTP %d: the error says %d", tt.status, e.StatusCode)
		}
	}
}
