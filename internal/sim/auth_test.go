package sim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSignIn(t *testing.T) {
	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	full := func(user, pw string) url.Values {
		return form("grant_type", "password", "username", user, "password", pw, "client_id", "bulk")
	}
	cases := []struct {
		name   string
		opts   Options
		form   url.Values
		status int
		code   string
		fields []string
	}{
		{"admin with the default password", Options{}, full("admin", "admin"), 200, "", nil},
		{"admin with a configured password", Options{Password: "s3cret-pass"}, full("admin", "s3cret-pass"), 200, "", nil},
		{"default password refused once one is configured", Options{Password: "s3cret-pass"}, full("admin", "admin"), 401, codeUnauthorized, nil},
		{"viewer", Options{}, full("viewer", "viewer"), 200, "", nil},
		{"user ID in another case", Options{}, full("ADMIN", "admin"), 200, "", nil},
		{"with a client secret", Options{}, form("grant_type", "password", "username", "admin", "password", "admin", "client_id", "bulk", "client_secret", "x"), 200, "", nil},
		{"wrong password", Options{}, full("admin", "nope"), 401, codeUnauthorized, nil},
		{"unknown user", Options{}, full("nobody", "admin"), 401, codeUnauthorized, nil},
		{"seeded user without a password", Options{}, full("ASMITH", ""), 400, codeValidation, []string{"password"}},
		{"seeded user cannot sign in", Options{}, full("ASMITH", "anything"), 401, codeUnauthorized, nil},
		{"client_id missing", Options{}, form("grant_type", "password", "username", "admin", "password", "admin"), 400, codeValidation, []string{"client_id"}},
		{"everything missing", Options{}, url.Values{}, 400, codeValidation, []string{"grant_type", "username", "password", "client_id"}},
		{"another grant type", Options{}, form("grant_type", "client_credentials", "username", "admin", "password", "admin", "client_id", "bulk"), 400, codeValidation, []string{"grant_type"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.opts)
			before := h.sim.Stats().TokensIssued
			a := h.tokenCall(tc.form)
			if a.status != tc.status || a.code() != tc.code {
				t.Fatalf("status %d %s, want %d %s: %s", a.status, a.code(), tc.status, tc.code, a.raw)
			}
			assertEqual(t, "fields", a.fields(), tc.fields)
			if tc.status != 200 {
				if pw := tc.form.Get("password"); pw != "" && strings.Contains(string(a.raw), pw) {
					t.Errorf("the answer shows the password: %s", a.raw)
				}
				assertEqual(t, "tokens issued", h.sim.Stats().TokensIssued, before)
				return
			}
			var tok struct {
				AccessToken  string `json:"access_token"`
				TokenType    string `json:"token_type"`
				ExpiresIn    int    `json:"expires_in"`
				RefreshToken string `json:"refresh_token"`
			}
			if err := json.Unmarshal(a.raw, &tok); err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken == "" || tok.RefreshToken == "" || tok.TokenType != "bearer" || tok.ExpiresIn <= 0 {
				t.Errorf("token answer %s", a.raw)
			}
			assertEqual(t, "tokens issued", h.sim.Stats().TokensIssued, before+1)
		})
	}
}

func TestSignInRequestShape(t *testing.T) {
	h := newHarness(t, Options{})
	cases := []struct {
		name   string
		method string
		ct     string
		body   string
		status int
	}{
		{"GET", http.MethodGet, "", "", http.StatusMethodNotAllowed},
		{"JSON body", http.MethodPost, "application/json", `{"grant_type":"password","username":"admin","password":"admin","client_id":"x"}`, http.StatusBadRequest},
		{"form with charset", http.MethodPost, "application/x-www-form-urlencoded; charset=utf-8", "grant_type=password&username=admin&password=admin&client_id=x", http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, h.srv.URL+"/auth/oauth2/token", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.ct != "" {
				req.Header.Set("Content-Type", tc.ct)
			}
			a := h.send(req)
			assertEqual(t, "status", a.status, tc.status)
		})
	}
}

func TestExpiresIn(t *testing.T) {
	cases := []struct {
		name string
		ttl  time.Duration
		want int
	}{
		{"never", 0, noExpiryExpiresIn},
		{"an hour", time.Hour, 3600},
		{"rounded up", 1500 * time.Millisecond, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{TokenTTL: tc.ttl})
			a := h.tokenCall(url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"admin"}, "client_id": {"x"}})
			var tok struct {
				ExpiresIn int `json:"expires_in"`
			}
			if err := json.Unmarshal(a.raw, &tok); err != nil {
				t.Fatal(err)
			}
			assertEqual(t, "expires_in", tok.ExpiresIn, tc.want)
		})
	}
}

func TestOperationAuth(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(h *harness, r *http.Request)
		status int
		code   string
		fields []string
	}{
		{"X-Auth-Token", func(h *harness, r *http.Request) {}, 200, "", nil},
		{"Authorization Bearer", func(h *harness, r *http.Request) {
			r.Header.Del("X-Auth-Token")
			r.Header.Set("Authorization", "Bearer "+h.token)
		}, 200, "", nil},
		{"Authorization bearer in lower case", func(h *harness, r *http.Request) {
			r.Header.Del("X-Auth-Token")
			r.Header.Set("Authorization", "bearer "+h.token)
		}, 200, "", nil},
		{"both headers, the same token", func(h *harness, r *http.Request) {
			r.Header.Set("Authorization", "Bearer "+h.token)
		}, 200, "", nil},
		{"both headers, different tokens", func(h *harness, r *http.Request) {
			r.Header.Set("Authorization", "Bearer not-"+h.token)
		}, 401, codeUnauthorized, nil},
		{"no token", func(h *harness, r *http.Request) { r.Header.Del("X-Auth-Token") }, 401, codeUnauthorized, nil},
		{"unknown token", func(h *harness, r *http.Request) { r.Header.Set("X-Auth-Token", "not-a-token") }, 401, codeUnauthorized, nil},
		{"Basic authorization", func(h *harness, r *http.Request) {
			r.Header.Del("X-Auth-Token")
			r.SetBasicAuth("admin", "admin")
		}, 401, codeUnauthorized, nil},
		{"connector header missing", func(h *harness, r *http.Request) { r.Header.Del("x-im-connector-id") }, 400, codeValidation, []string{"x-im-connector-id"}},
		{"connector header wrong", func(h *harness, r *http.Request) { r.Header.Set("x-im-connector-id", "imanage-work") }, 400, codeValidation, []string{"x-im-connector-id"}},
		{"connector header checked before the token", func(h *harness, r *http.Request) {
			r.Header.Del("x-im-connector-id")
			r.Header.Del("X-Auth-Token")
		}, 400, codeValidation, []string{"x-im-connector-id"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			req := h.request(http.MethodGet, "getLibraries", nil, nil)
			tc.mutate(h, req)
			a := h.send(req)
			if a.status != tc.status || a.code() != tc.code {
				t.Fatalf("status %d %s, want %d %s: %s", a.status, a.code(), tc.status, tc.code, a.raw)
			}
			assertEqual(t, "fields", a.fields(), tc.fields)
			if tc.status == 401 && a.header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
			// Refused before the throttle: nothing admitted.
			if tc.status != 200 {
				assertEqual(t, "max admitted", h.sim.Stats().MaxAdmittedInWindow, 0)
			}
		})
	}
}

func TestTokenExpiry(t *testing.T) {
	const ttl = 10 * time.Minute
	cases := []struct {
		name    string
		advance time.Duration
		status  int
	}{
		{"fresh", 0, 200},
		{"just before expiry", ttl - time.Millisecond, 200},
		{"at expiry", ttl, 401},
		{"long after", 3 * ttl, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{TokenTTL: ttl})
			h.clock.Advance(tc.advance)
			a := h.get("getLibraries", nil)
			assertEqual(t, "status", a.status, tc.status)
			if tc.status == 401 {
				// Signing in again gives a working token.
				h.token = h.signIn(AdminUser, "admin")
				assertEqual(t, "status after signing in again", h.get("getLibraries", nil).status, 200)
			}
		})
	}
}

func TestExpireTokens(t *testing.T) {
	cases := []struct {
		name   string
		expire func(h *harness)
	}{
		{"method", func(h *harness) { h.sim.ExpireTokens() }},
		{"endpoint", func(h *harness) {
			resp, err := h.srv.Client().Post(h.srv.URL+"/_sim/expire-tokens", "", nil)
			if err != nil {
				h.t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				h.t.Fatalf("expire-tokens: status %d", resp.StatusCode)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			viewer := h.signIn(ViewerUser, "viewer")
			assertEqual(t, "before", h.get("getLibraries", nil).status, 200)
			tc.expire(h)
			a := h.get("getLibraries", nil)
			if a.status != 401 || a.code() != codeUnauthorized {
				t.Fatalf("after expiry: %d %s", a.status, a.raw)
			}
			h.token = viewer
			assertEqual(t, "viewer's token too", h.get("getLibraries", nil).status, 401)
			h.token = h.signIn(AdminUser, "admin")
			assertEqual(t, "new token", h.get("getLibraries", nil).status, 200)
		})
	}
}

func TestRouting(t *testing.T) {
	cases := []struct {
		name   string
		method string
		path   string
		status int
		code   string
		allow  string
	}{
		{"unknown operation", http.MethodGet, "/automate/work/getEverything", 404, codeNotFound, ""},
		{"operation name in another case", http.MethodGet, "/automate/work/getlibraries", 404, codeNotFound, ""},
		{"trailing slash", http.MethodGet, "/automate/work/getLibraries/", 404, codeNotFound, ""},
		{"outside the API", http.MethodGet, "/api/v2/customers", 404, codeNotFound, ""},
		{"unknown _sim path", http.MethodGet, "/_sim/reset", 404, codeNotFound, ""},
		{"POST to a read", http.MethodPost, "/automate/work/getLibraries", 405, codeMethod, "GET"},
		{"GET of a write", http.MethodGet, "/automate/work/createUser", 405, codeMethod, "POST"},
		{"PUT of a write", http.MethodPut, "/automate/work/addTab", 405, codeMethod, "POST"},
		{"POST to stats", http.MethodPost, "/_sim/stats", 405, codeMethod, "GET"},
		{"GET of expire-tokens", http.MethodGet, "/_sim/expire-tokens", 405, codeMethod, "POST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			req := h.request(tc.method, "x", nil, nil)
			req.URL.Path = tc.path
			a := h.send(req)
			if a.status != tc.status || a.code() != tc.code {
				t.Fatalf("status %d %s, want %d %s: %s", a.status, a.code(), tc.status, tc.code, a.raw)
			}
			assertEqual(t, "Allow", a.header.Get("Allow"), tc.allow)
		})
	}
}

// TestViewerRights: a non-administrator may read but every write is 403,
// after validation (a bad body is still a 400) and before existence.
func TestViewerRights(t *testing.T) {
	writes := []struct {
		op   string
		body obj
	}{
		{"createUser", validCreateUser},
		{"assignUserToLibrary", validAssign},
		{"createCustomOrPropertyLookup", validAlias},
		{"updateCustomField", validUpdate},
		{"addTab", validTab},
		{"addFolder", validFolder},
		{"addShortcutsToMyMattersAdmin", validShortcuts},
	}
	h := newHarness(t, Options{})
	h.token = h.signIn(ViewerUser, "viewer")
	for _, w := range writes {
		t.Run(w.op, func(t *testing.T) {
			a := h.post(w.op, w.body)
			if a.status != 403 || a.code() != codeForbidden {
				t.Fatalf("valid body: %d %s, want 403 %s", a.status, a.raw, codeForbidden)
			}
			if a := h.post(w.op, obj{"bogus": true}); a.status != 400 {
				t.Errorf("invalid body: status %d, want 400 (validation comes first)", a.status)
			}
		})
	}
	t.Run("write to something missing is still 403", func(t *testing.T) {
		a := h.post("addTab", validTab.with("parentId", "NOWHERE!1"))
		assertEqual(t, "status", a.status, 403)
	})
	reads := []struct {
		op string
		q  url.Values
	}{
		{"getLibraries", nil},
		{"getLibraryRoles", url.Values{"libraryId": {"ACTIVE_US"}}},
		{"getLookupAliases", url.Values{"libraryId": {"ACTIVE_US"}, "lookupFieldId": {"custom1"}}},
		{"getMyMattersCategories", url.Values{"user_id": {"viewer"}}},
		{"getLookupFieldNames", nil},
		{"getEmailOptions", nil},
	}
	for _, r := range reads {
		t.Run(r.op, func(t *testing.T) {
			assertEqual(t, "status", h.get(r.op, r.q).status, 200)
		})
	}
	st := h.sim.Stats()
	assertEqual(t, "created", st.Created, map[string]int{})
}

// The stats say which header carried the token, so a test can see what a
// client sends.
func TestTokenHeaderStats(t *testing.T) {
	h := newHarness(t, Options{})
	for _, set := range []func(r *http.Request){
		func(r *http.Request) {},
		func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+h.token) },
		func(r *http.Request) { r.Header.Del("X-Auth-Token"); r.Header.Set("Authorization", "Bearer "+h.token) },
	} {
		req := h.request(http.MethodGet, "getLibraries", nil, nil)
		set(req)
		if a := h.send(req); a.status != 200 {
			t.Fatalf("status %d: %s", a.status, a.raw)
		}
	}
	assertEqual(t, "token headers", h.sim.Stats().TokenHeaders, map[string]int{"X-Auth-Token": 2, "Authorization": 2})
}
