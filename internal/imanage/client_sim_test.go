package imanage_test

// These tests run the client against the real simulator (internal/sim),
// which speaks only the wire contract: a mismatch in a path, header, field
// name or envelope shows up here even if both sides pass their own tests.

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/secret"
	"github.com/firmtools/bulk/internal/sim"
	"github.com/firmtools/bulk/internal/wire"
)

// simEnv is a simulator on a test server.
type simEnv struct {
	sim *sim.Server
	url string
}

func startSim(t *testing.T, opts sim.Options) simEnv {
	t.Helper()
	s := sim.New(opts)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return simEnv{sim: s, url: ts.URL}
}

// client signs in as user (admin or viewer, whose passwords are their names).
func (e simEnv) client(t *testing.T, user string) *imanage.Client {
	t.Helper()
	c, err := imanage.New(imanage.Config{
		BaseURL:  e.url,
		Username: user,
		Password: secret.New(user),
		ClientID: "bulk-test",
		Timeout:  10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fixedClock makes the simulator's throttle see every call at one instant,
// so a small limit is reached by call count alone, however slow the machine.
func fixedClock() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }

func wantAPIError(t *testing.T, err error, status int, code string) *imanage.Error {
	t.Helper()
	e, ok := imanage.AsError(err)
	if !ok {
		t.Fatalf("error %v is not an *imanage.Error", err)
	}
	if e.Delivery != imanage.Answered || e.StatusCode != status || e.Code != code {
		t.Fatalf("got %v (delivery %v, status %d, code %q); want HTTP %d %s", err, e.Delivery, e.StatusCode, e.Code, status, code)
	}
	return e
}

func TestSimEveryOperation(t *testing.T) {
	env := startSim(t, sim.Options{})
	c := env.client(t, sim.AdminUser)
	ctx := t.Context()

	t.Run("createUser", func(t *testing.T) {
		req := wire.CreateUserRequest{
			FullName: "Jane Doe", ID: "JDOE", Email: "jdoe@example.com", PreferredLibrary: "ACTIVE_US", Role: "ATTORNEY",
			IgnoreIfUserAlreadyExists: true, PasswordCreateMethod: "Create a password",
			CreatePassword: wire.CreatePassword{Password: secret.New("Str0ng-enough"), ForcePasswordChange: true},
		}
		u, err := c.CreateUser(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != "JDOE" || !*u.UserCreated || *u.UserNum == 0 || !*u.HasPassword || !*u.ForcePasswordChange || *u.UserNos != 6 {
			t.Errorf("created user %+v", u)
		}
		again, err := c.CreateUser(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if *again.UserCreated || *again.UserNum != *u.UserNum {
			t.Errorf("second create: %+v; want the same user, not created", again)
		}
	})
	t.Run("createUser sending an email, external", func(t *testing.T) {
		u, err := c.CreateUser(ctx, wire.CreateUserRequest{
			FullName: "Ext Client", ID: "EXT1", Email: "ext1@client.example", IsExternal: true,
			PreferredLibrary: "ACTIVE_US", Role: "EXTERNAL_CLIENT", PasswordCreateMethod: "Send an email",
		})
		if err != nil {
			t.Fatal(err)
		}
		if !*u.IsExternal || *u.UserNos != 2 || *u.HasPassword {
			t.Errorf("external user %+v", u)
		}
	})
	t.Run("assignUserToLibrary", func(t *testing.T) {
		r, err := c.AssignUserToLibrary(ctx, wire.AssignUserToLibraryRequest{LibraryID: "ACTIVE_UK", UserID: "ASMITH", Role: "PARALEGAL"})
		if err != nil {
			t.Fatal(err)
		}
		if n, ok := r.UserNumInt(); !ok || n == 0 {
			t.Errorf("user_num %s", r.UserNum)
		}
	})
	t.Run("getLibraryRoles", func(t *testing.T) {
		roles, err := c.GetLibraryRoles(ctx, wire.GetLibraryRolesRequest{LibraryID: "ACTIVE_US"})
		if err != nil {
			t.Fatal(err)
		}
		if ids := idsOf(roles); !slices.Contains(ids, "ATTORNEY") || slices.Contains(ids, "EXTERNAL_CLIENT") {
			t.Errorf("roles %v", ids)
		}
		ext, err := c.GetLibraryRoles(ctx, wire.GetLibraryRolesRequest{LibraryID: "ACTIVE_US", IsExternal: true})
		if err != nil {
			t.Fatal(err)
		}
		if ids := idsOf(ext); !slices.Contains(ids, "EXTERNAL_COUNSEL") {
			t.Errorf("external roles %v", ids)
		}
	})
	t.Run("getLookupAliases", func(t *testing.T) {
		as, err := c.GetLookupAliases(ctx, wire.GetLookupAliasesRequest{LibraryID: "ACTIVE_US", LookupFieldID: "custom2", ParentAlias: "1001"})
		if err != nil {
			t.Fatal(err)
		}
		if ids := aliasIDs(as); !slices.Contains(ids, "1001-0001") || slices.Contains(ids, "1002-0001") {
			t.Errorf("custom2 under 1001: %v", ids)
		}
	})
	t.Run("createCustomOrPropertyLookup then updateCustomField", func(t *testing.T) {
		err := c.CreateLookupAlias(ctx, wire.LookupAliasRequest{LibraryID: "ACTIVE_US", LookupFieldID: "custom30",
			AliasInfo: wire.AliasInfo{ID: "LIT-IP", Description: ptr("IP litigation"), Parent: "LIT"}})
		if err != nil {
			t.Fatal(err)
		}
		err = c.UpdateCustomField(ctx, wire.LookupAliasRequest{LibraryID: "ACTIVE_US", LookupFieldID: "custom30",
			AliasInfo: wire.AliasInfo{ID: "LIT-IP", Parent: "LIT", Enabled: ptr(false)}})
		if err != nil {
			t.Fatal(err)
		}
		as, err := c.GetLookupAliases(ctx, wire.GetLookupAliasesRequest{LibraryID: "ACTIVE_US", LookupFieldID: "custom30", ParentAlias: "LIT"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(aliasIDs(as), "LIT-IP") {
			t.Errorf("new alias missing: %v", aliasIDs(as))
		}
	})
	var tabID string
	t.Run("addTab", func(t *testing.T) {
		tab, err := c.AddTab(ctx, wire.AddTabRequest{Name: "Correspondence", ParentID: "ACTIVE_US!1000", DefaultSecurity: "inherit", Description: "letters"})
		if err != nil {
			t.Fatal(err)
		}
		if tab.ID == "" || tab.WorkspaceID != "ACTIVE_US!1000" || tab.Name != "Correspondence" || tab.Owner != "admin" || tab.Description != "letters" {
			t.Errorf("tab %+v", tab)
		}
		tabID = tab.ID
	})
	t.Run("addFolder", func(t *testing.T) {
		if tabID == "" {
			t.Skip("no tab")
		}
		f, err := c.AddFolder(ctx, wire.AddFolderRequest{Name: "Pleadings", ParentID: tabID, ParentType: "Tab",
			DefaultSecurity: "private", InheritProfileFromWorkspace: "No", Class: "DOC", Subclass: "PLEAD",
			ProfileProperties: map[string]any{"custom1": "1001", "custom17": 12.5, "custom25": true}})
		if err != nil {
			t.Fatal(err)
		}
		if f.ID == "" || f.WSType != "folder" || f.ParentID != tabID || f.WorkspaceID != "ACTIVE_US!1000" || f.Profile == nil ||
			string(f.Profile.Custom["custom1"]) != `"1001"` || f.Profile.Class != "DOC" || f.Profile.Subclass != "PLEAD" {
			t.Errorf("folder %+v profile %+v", f, f.Profile)
		}
		if f.EffectiveSecurity == "" || f.ViewType == "" || f.HasDocuments == nil || f.OwnerDescription == "" {
			t.Errorf("folder without the definition's fields: %+v", f)
		}
		// The result keeps the answer whole.
		out, err := json.Marshal(f)
		if err != nil || !strings.Contains(string(out), `"effective_security"`) || !strings.Contains(string(out), `"class":"DOC"`) {
			t.Errorf("folder as reported: %s (%v)", out, err)
		}
		inherited, err := c.AddFolder(ctx, wire.AddFolderRequest{Name: "Inherited", ParentID: "ACTIVE_US!1000", ParentType: "Workspace",
			DefaultSecurity: "inherit", InheritProfileFromWorkspace: "Yes"})
		if err != nil {
			t.Fatal(err)
		}
		if inherited.ParentID != "ACTIVE_US!1000" {
			t.Errorf("folder %+v", inherited)
		}
	})
	t.Run("getMyMattersCategories and addShortcutsToMyMattersAdmin", func(t *testing.T) {
		cats, err := c.GetMyMattersCategories(ctx, "admin")
		if err != nil {
			t.Fatal(err)
		}
		var myMatters string
		for _, cat := range cats {
			if cat.CategoryType == "my_matters" {
				myMatters = cat.ID
			}
		}
		if myMatters != "ACTIVE_US!9001" {
			t.Fatalf("admin's My Matters category %q, categories %+v", myMatters, cats)
		}
		res, err := c.AddShortcutsToMyMatters(ctx, wire.AddShortcutsRequest{UserID: "admin", WorkspaceIDs: []string{"ACTIVE_US!1001", "ACTIVE_US!1002"}, CategoryID: myMatters})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Shortcuts) != 2 || res.Shortcuts[1].Target.ID != "ACTIVE_US!1002" || len(strings.Split(res.AllWorkspaceShortcutIDs, ";")) != 2 {
			t.Errorf("shortcuts %+v", res)
		}
		// Without a category: the user's My Matters; an existing shortcut is not added twice.
		again, err := c.AddShortcutsToMyMatters(ctx, wire.AddShortcutsRequest{UserID: "admin", WorkspaceIDs: []string{"ACTIVE_US!1001"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Shortcuts) != 1 || again.Shortcuts[0].ID != res.Shortcuts[0].ID {
			t.Errorf("repeat added a second shortcut: %+v vs %+v", again, res)
		}
	})
	t.Run("getLibraries", func(t *testing.T) {
		all, err := c.GetLibraries(ctx, true, false)
		if err != nil {
			t.Fatal(err)
		}
		visible, err := c.GetLibraries(ctx, false, false)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(all, func(l wire.Library) bool { return l.ID == "ARCHIVE" && l.IsHidden }) ||
			slices.ContainsFunc(visible, func(l wire.Library) bool { return l.ID == "ARCHIVE" }) {
			t.Errorf("all %+v, visible %+v", all, visible)
		}
	})
	t.Run("getLookupFieldNames", func(t *testing.T) {
		fields, err := c.GetLookupFieldNames(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(fields) != 14 {
			t.Errorf("%d lookup fields, want 14", len(fields))
		}
	})
	t.Run("getEmailOptions", func(t *testing.T) {
		opts, err := c.GetEmailOptions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(opts) == 0 {
			t.Error("no e-mail options")
		}
	})
	t.Run("schema operations", func(t *testing.T) {
		for name, read := range map[string]func() (json.RawMessage, error){
			"create alias":   func() (json.RawMessage, error) { return c.GetCreateLookupAliasSchema(ctx, "custom2") },
			"update alias":   func() (json.RawMessage, error) { return c.GetUpdateCustomFieldSchema(ctx, "custom1") },
			"password":       func() (json.RawMessage, error) { return c.GetCreateUserPasswordSchema(ctx, "Create a password") },
			"folder profile": func() (json.RawMessage, error) { return c.GetAddFolderPropertiesSchema(ctx, "No") },
		} {
			raw, err := read()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var s struct {
				Type       string         `json:"type"`
				Properties map[string]any `json:"properties"`
			}
			if err := json.Unmarshal(raw, &s); err != nil || s.Type != "object" || len(s.Properties) == 0 {
				t.Errorf("%s: schema %s (%v)", name, raw, err)
			}
		}
		_, err := c.GetCreateUserPasswordSchema(ctx, "Carrier pigeon")
		if e, ok := imanage.AsError(err); !ok || e.StatusCode != 400 {
			t.Errorf("an unknown method: %v", err)
		}
	})

	st := env.sim.Stats()
	if st.TokensIssued != 1 {
		t.Errorf("%d tokens issued, want 1", st.TokensIssued)
	}
	for _, op := range []string{"createUser", "assignUserToLibrary", "getLibraryRoles", "getLookupAliases",
		"createCustomOrPropertyLookup", "updateCustomField", "addTab", "addFolder", "addShortcutsToMyMattersAdmin",
		"getMyMattersCategories", "getLibraries", "getLookupFieldNames", "getEmailOptions",
		"getCreateCustomOrPropertyLookupSchema", "getUpdateCustomFieldSchema", "getCreateUserPasswordSchema", "getAddFolderPropertiesSchema"} {
		if st.Calls[op] == 0 {
			t.Errorf("the simulator saw no %s call", op)
		}
	}
	if st.Created["user"] != 2 || st.Created["tab"] != 1 || st.Created["folder"] != 2 || st.Created["alias"] != 1 || st.Created["shortcut"] != 2 {
		t.Errorf("created %v", st.Created)
	}
}

func ptr[T any](v T) *T { return &v }

func idsOf(list []wire.IDDescription) []string {
	var out []string
	for _, x := range list {
		out = append(out, x.ID)
	}
	return out
}

func aliasIDs(list []wire.LookupAlias) []string {
	var out []string
	for _, x := range list {
		out = append(out, x.ID)
	}
	return out
}

func TestSimErrorClasses(t *testing.T) {
	env := startSim(t, sim.Options{})
	admin := env.client(t, sim.AdminUser)
	viewer := env.client(t, sim.ViewerUser)
	ctx := t.Context()

	t.Run("400 with field messages", func(t *testing.T) {
		_, err := admin.CreateUser(ctx, wire.CreateUserRequest{FullName: "X", ID: "has space", Email: "nope",
			PreferredLibrary: "ACTIVE_US", Role: "ATTORNEY", PasswordCreateMethod: "Send an email"})
		e := wantAPIError(t, err, 400, "VALIDATION_FAILED")
		var fields []string
		for _, f := range e.Fields {
			fields = append(fields, f.Field)
		}
		if !slices.Contains(fields, "email") || !slices.Contains(fields, "id") {
			t.Errorf("field messages %+v; want email and id", e.Fields)
		}
		if !e.Rejected() || e.ProvablyNotProcessed() {
			t.Errorf("a 400 is rejected, and not provably unprocessed for retry purposes")
		}
	})
	t.Run("400 keeps the new user's password out", func(t *testing.T) {
		const pwd = "short"
		_, err := admin.CreateUser(ctx, wire.CreateUserRequest{FullName: "X", ID: "PWUSER", Email: "pw@example.com",
			PreferredLibrary: "ACTIVE_US", Role: "ATTORNEY", PasswordCreateMethod: "Create a password",
			CreatePassword: wire.CreatePassword{Password: secret.New(pwd)}})
		e := wantAPIError(t, err, 400, "VALIDATION_FAILED")
		if len(e.Fields) == 0 || e.Fields[0].Field != "create_password.password" {
			t.Errorf("fields %+v", e.Fields)
		}
	})
	t.Run("403 for a non-administrator", func(t *testing.T) {
		_, err := viewer.AddTab(ctx, wire.AddTabRequest{Name: "x", ParentID: "ACTIVE_US!1000", DefaultSecurity: "inherit"})
		wantAPIError(t, err, 403, "INSUFFICIENT_RIGHTS")
		// Reads are allowed.
		if _, err := viewer.GetLibraries(ctx, false, false); err != nil {
			t.Errorf("viewer read: %v", err)
		}
	})
	t.Run("404 unknown user", func(t *testing.T) {
		_, err := admin.AssignUserToLibrary(ctx, wire.AssignUserToLibraryRequest{LibraryID: "ACTIVE_US", UserID: "NOBODY", Role: "ATTORNEY"})
		wantAPIError(t, err, 404, "USER_NOT_FOUND")
	})
	t.Run("404 unknown workspace", func(t *testing.T) {
		_, err := admin.AddTab(ctx, wire.AddTabRequest{Name: "x", ParentID: "ACTIVE_US!999999", DefaultSecurity: "inherit"})
		wantAPIError(t, err, 404, "CONTAINER_NOT_FOUND")
	})
	t.Run("404 unknown alias", func(t *testing.T) {
		err := admin.UpdateCustomField(ctx, wire.LookupAliasRequest{LibraryID: "ACTIVE_US", LookupFieldID: "custom1",
			AliasInfo: wire.AliasInfo{ID: "9999", Description: ptr("x")}})
		wantAPIError(t, err, 404, "ALIAS_NOT_FOUND")
	})
	t.Run("409 duplicate alias", func(t *testing.T) {
		err := admin.CreateLookupAlias(ctx, wire.LookupAliasRequest{LibraryID: "ACTIVE_US", LookupFieldID: "custom1",
			AliasInfo: wire.AliasInfo{ID: "1001"}})
		wantAPIError(t, err, 409, "DUPLICATE_ALIAS")
	})
	t.Run("409 duplicate user", func(t *testing.T) {
		_, err := admin.CreateUser(ctx, wire.CreateUserRequest{FullName: "Alice", ID: "ASMITH", Email: "a@example.com",
			PreferredLibrary: "ACTIVE_US", Role: "ATTORNEY", PasswordCreateMethod: "Send an email"})
		wantAPIError(t, err, 409, "DUPLICATE_USER")
	})
	t.Run("wrong password", func(t *testing.T) {
		c, err := imanage.New(imanage.Config{BaseURL: env.url, Username: "admin", Password: secret.New("wrong-pw-x"), ClientID: "bulk-test"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetEmailOptions(ctx)
		if !errors.Is(err, imanage.ErrSignIn) || errors.Is(err, imanage.ErrAuthLost) {
			t.Fatalf("err %v; want ErrSignIn", err)
		}
		if strings.Contains(err.Error(), "wrong-pw-x") {
			t.Errorf("error leaks the password: %v", err)
		}
	})
}

func TestSimThrottled(t *testing.T) {
	env := startSim(t, sim.Options{RateLimit: 2, Window: 600 * time.Millisecond, Now: fixedClock})
	c := env.client(t, sim.AdminUser)
	for i := range 2 {
		if _, err := c.GetEmailOptions(t.Context()); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	_, err := c.GetEmailOptions(t.Context())
	e := wantAPIError(t, err, 429, "TOO_MANY_REQUESTS")
	if !e.Throttled() || !e.ProvablyNotProcessed() || !e.HasRetryAfter {
		t.Errorf("429: throttled %v, not processed %v, has Retry-After %v", e.Throttled(), e.ProvablyNotProcessed(), e.HasRetryAfter)
	}
	// With the clock stopped, the window frees up exactly 600 ms after the
	// first call; the millisecond header gives that precisely.
	if e.RetryAfter != 600*time.Millisecond {
		t.Errorf("RetryAfter %v, want 600ms", e.RetryAfter)
	}
	if st := env.sim.Stats(); st.Throttled != 1 || st.MaxAdmittedInWindow != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestSimFaults(t *testing.T) {
	env := startSim(t, sim.Options{FaultRate: 1, Seed: 7})
	c := env.client(t, sim.AdminUser)
	seen := map[int]bool{}
	for range 20 {
		_, err := c.AddTab(t.Context(), wire.AddTabRequest{Name: "x", ParentID: "ACTIVE_US!1000", DefaultSecurity: "inherit"})
		e, ok := imanage.AsError(err)
		if !ok || e.Delivery != imanage.Answered {
			t.Fatalf("err %v; want an answered *Error", err)
		}
		seen[e.StatusCode] = true
		switch e.StatusCode {
		case 500:
			if e.Code != "INTERNAL" || !e.ServerError() || e.ProvablyNotProcessed() {
				t.Errorf("500: %+v", e)
			}
		case 503:
			if e.Code != "SERVICE_UNAVAILABLE" || !e.Unavailable() || !e.ProvablyNotProcessed() || !e.HasRetryAfter || e.RetryAfter != time.Second {
				t.Errorf("503: %+v", e)
			}
		default:
			t.Errorf("status %d: %v", e.StatusCode, err)
		}
	}
	if !seen[500] || !seen[503] {
		t.Errorf("statuses seen %v; want both 500 and 503 in 20 calls", seen)
	}
	if st := env.sim.Stats(); st.Created["tab"] != 0 || st.Faults != 20 {
		t.Errorf("stats %+v: a fault must do nothing", st)
	}
}

func TestSimReSignInAfterExpiry(t *testing.T) {
	env := startSim(t, sim.Options{})
	c := env.client(t, sim.AdminUser)
	if _, err := c.GetLibraries(t.Context(), false, false); err != nil {
		t.Fatal(err)
	}
	env.sim.ExpireTokens()

	// Many workers meet the expired token at once: one sign-in between them.
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = c.AddTab(t.Context(), wire.AddTabRequest{Name: "after expiry", ParentID: "ACTIVE_US!1001", DefaultSecurity: "inherit"})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("worker %d: %v", i, err)
		}
	}
	st := env.sim.Stats()
	if st.TokensIssued != 2 {
		t.Errorf("%d tokens issued, want 2 (one sign-in, one re-sign-in)", st.TokensIssued)
	}
	if st.Created["tab"] != n {
		t.Errorf("%d tabs created, want %d (each exactly once)", st.Created["tab"], n)
	}
}

func TestSimTokenTTL(t *testing.T) {
	var mu sync.Mutex
	now := fixedClock()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	env := startSim(t, sim.Options{TokenTTL: time.Minute, Now: clock})
	c := env.client(t, sim.AdminUser)
	if _, err := c.GetEmailOptions(t.Context()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	if _, err := c.GetEmailOptions(t.Context()); err != nil {
		t.Fatalf("after the token's lifetime: %v", err)
	}
	if st := env.sim.Stats(); st.TokensIssued != 2 {
		t.Errorf("%d tokens issued, want 2", st.TokensIssued)
	}
}

func TestSimDroppedAnswerIsAmbiguous(t *testing.T) {
	env := startSim(t, sim.Options{DropRate: 1})
	c := env.client(t, sim.AdminUser)
	_, err := c.AddTab(t.Context(), wire.AddTabRequest{Name: "dropped", ParentID: "ACTIVE_US!1000", DefaultSecurity: "inherit"})
	e, ok := imanage.AsError(err)
	if !ok || e.Delivery != imanage.Ambiguous || e.StatusCode != 0 || e.ProvablyNotProcessed() {
		t.Fatalf("err %v; want an ambiguous *Error", err)
	}
	st := env.sim.Stats()
	if st.Created["tab"] != 1 || st.Drops != 1 || st.Calls["addTab"] != 1 {
		t.Errorf("stats %+v; want the tab created once, its answer dropped, no repeat", st)
	}
}

func TestSimReadyTokenRevoked(t *testing.T) {
	// A ready token and no password: once the simulator revokes the token,
	// the run cannot go on.
	env := startSim(t, sim.Options{})
	// Take a token from a real sign-in by watching what the client sends.
	var token string
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		token = r.Header.Get("X-Auth-Token")
		return http.DefaultTransport.RoundTrip(r)
	})}
	watched, err := imanage.New(imanage.Config{BaseURL: env.url, Username: "admin", Password: secret.New("admin"), ClientID: "bulk-test", HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := watched.GetEmailOptions(t.Context()); err != nil || token == "" {
		t.Fatalf("sign-in: %v, token %q", err, token)
	}

	tokenOnly, err := imanage.New(imanage.Config{BaseURL: env.url, Token: secret.New(token)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tokenOnly.GetEmailOptions(t.Context()); err != nil {
		t.Fatalf("ready token: %v", err)
	}
	env.sim.ExpireTokens()
	_, err = tokenOnly.GetEmailOptions(t.Context())
	wantAPIError(t, err, 401, "UNAUTHORIZED")
	if !errors.Is(err, imanage.ErrAuthLost) {
		t.Errorf("err %v; want ErrAuthLost", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("error leaks the token: %v", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
