package sim

import (
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

type userAns struct {
	UserNum             int    `json:"user_num"`
	FullName            string `json:"full_name"`
	ID                  string `json:"id"`
	PreferredLibrary    string `json:"preferred_library"`
	UserNos             int    `json:"user_nos"`
	IsExternal          bool   `json:"is_external"`
	HasPassword         bool   `json:"has_password"`
	ForcePasswordChange bool   `json:"force_password_change"`
	Email               string `json:"email"`
	CreateDate          string `json:"create_date"`
	EditDate            string `json:"edit_date"`
	PwdChangedTS        string `json:"pwd_changed_ts"`
	UserCreated         bool   `json:"user_created"`
}

type idDesc struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	Enabled     bool   `json:"enabled"`
	Parent      string `json:"parent"`
}

type category struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	CategoryType  string `json:"category_type"`
	HasSubfolders bool   `json:"has_subfolders"`
	Owner         string `json:"owner"`
}

func ids(items []idDesc) []string {
	var out []string
	for _, i := range items {
		out = append(out, i.ID)
	}
	return out
}

func TestCreateUser(t *testing.T) {
	cases := []struct {
		name      string
		body      obj
		wantNum   int
		wantNos   int
		wantPwd   bool
		wantForce bool
	}{
		{"enterprise user", validCreateUser, 1001, 6, false, false},
		{"external user", validCreateUser.with("is_external", true).with("role", "EXTERNAL_CLIENT"), 1001, 2, false, false},
		{"with a password", validCreateUserWithPassword, 1001, 6, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.clock.Advance(90 * time.Minute)
			var u userAns
			h.post("createUser", tc.body).decode(t, &u)
			want := userAns{
				UserNum: tc.wantNum, FullName: "Dana Scully", ID: tc.body["id"].(string), PreferredLibrary: "ACTIVE_US",
				UserNos: tc.wantNos, IsExternal: tc.body["is_external"].(bool), HasPassword: tc.wantPwd, ForcePasswordChange: tc.wantForce,
				Email: "dscully@example.com", CreateDate: "2025-03-14T10:30:00Z", EditDate: "2025-03-14T10:30:00Z",
				PwdChangedTS: "2025-03-14T10:30:00Z", UserCreated: true,
			}
			assertEqual(t, "user", u, want)
			assertEqual(t, "created", h.sim.Stats().Created, map[string]int{"user": 1})

			// The new user has the default My Matters categories, numbered in its library.
			var cats []category
			h.get("getMyMattersCategories", url.Values{"user_id": {u.ID}}).decode(t, &cats)
			assertEqual(t, "categories", cats, []category{
				{ID: "ACTIVE_US!10000", Name: "My Matters", CategoryType: "my_matters", Owner: u.ID},
				{ID: "ACTIVE_US!10001", Name: "My Favorites", CategoryType: "my_favorites", Owner: u.ID},
			})

			// The roles it may hold follow is_external.
			var roles []idDesc
			h.get("getLibraryRoles", url.Values{"libraryId": {"ACTIVE_UK"}, "user_id": {u.ID}}).decode(t, &roles)
			wantRoles := []string{"ATTORNEY", "PARALEGAL", "SECRETARY", "READ_ONLY"}
			if u.IsExternal {
				wantRoles = []string{"EXTERNAL_CLIENT", "EXTERNAL_COUNSEL"}
			}
			assertEqual(t, "roles", ids(roles), wantRoles)
		})
	}
}

func TestCreateExistingUser(t *testing.T) {
	cases := []struct {
		name    string
		id      string
		ignore  bool
		status  int
		code    string
		wantID  string
		created bool
	}{
		{"ignored", "BJONES", true, 200, "", "BJONES", false},
		{"ignored in another case", "bjones", true, 200, "", "BJONES", false},
		{"not ignored", "BJONES", false, 409, codeDuplicateUser, "", false},
		{"not ignored in another case", "BJones", false, 409, codeDuplicateUser, "", false},
		{"new user", "NEWBIE", false, 200, "", "NEWBIE", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			a := h.post("createUser", validCreateUser.with("id", tc.id).with("ignore_if_user_already_exists", tc.ignore))
			if a.status != tc.status || a.code() != tc.code {
				t.Fatalf("status %d %s, want %d %s: %s", a.status, a.code(), tc.status, tc.code, a.raw)
			}
			if tc.status != 200 {
				return
			}
			var u userAns
			a.decode(t, &u)
			assertEqual(t, "id", u.ID, tc.wantID)
			assertEqual(t, "user_created", u.UserCreated, tc.created)
			if !tc.created {
				// The existing user as it is, not as the request describes it.
				assertEqual(t, "full_name", u.FullName, "Bob Jones")
				assertEqual(t, "user_num", u.UserNum, 4)
				assertEqual(t, "created", h.sim.Stats().Created["user"], 0)
			}
		})
	}
}

func TestAssignUserToLibrary(t *testing.T) {
	h := newHarness(t, Options{})
	preferred := func() string {
		var u userAns
		h.post("createUser", validCreateUser.with("id", "CWONG")).decode(t, &u)
		return u.PreferredLibrary
	}
	steps := []struct {
		name      string
		body      obj
		preferred string
	}{
		{"assign", validAssign.with("user_id", "CWONG"), "ACTIVE_US"},
		{"same role again", validAssign.with("user_id", "CWONG"), "ACTIVE_US"},
		{"another role, preferred", validAssign.with("user_id", "CWONG").with("role", "SECRETARY").with("is_preferred_library", true), "ACTIVE_UK"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			var ans struct {
				UserNum int `json:"user_num"`
			}
			h.post("assignUserToLibrary", s.body).decode(t, &ans)
			assertEqual(t, "user_num", ans.UserNum, 5)
			assertEqual(t, "preferred library", preferred(), s.preferred)
		})
	}
	t.Run("external user gets external roles only", func(t *testing.T) {
		h.post("createUser", validCreateUser.with("id", "EXT1").with("is_external", true).with("role", "EXTERNAL_COUNSEL")).decode(t, &userAns{})
		assertEqual(t, "internal role", h.post("assignUserToLibrary", validAssign.with("user_id", "EXT1")).status, 400)
		assertEqual(t, "external role", h.post("assignUserToLibrary", validAssign.with("user_id", "EXT1").with("role", "EXTERNAL_CLIENT")).status, 200)
	})
}

func TestGetLibraryRoles(t *testing.T) {
	internal := []string{"ATTORNEY", "PARALEGAL", "SECRETARY", "READ_ONLY"}
	external := []string{"EXTERNAL_CLIENT", "EXTERNAL_COUNSEL"}
	cases := []struct {
		name string
		q    url.Values
		want []string
	}{
		{"library", url.Values{"libraryId": {"LINKS"}}, internal},
		{"external", url.Values{"libraryId": {"ACTIVE_US"}, "is_external": {"true"}}, external},
		{"not external", url.Values{"libraryId": {"ARCHIVE"}, "is_external": {"false"}}, internal},
		{"for a user", url.Values{"libraryId": {"ACTIVE_US"}, "user_id": {"asmith"}}, internal},
		{"a user outranks is_external", url.Values{"libraryId": {"ACTIVE_US"}, "user_id": {"ASMITH"}, "is_external": {"true"}}, internal},
	}
	h := newHarness(t, Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var roles []idDesc
			h.get("getLibraryRoles", tc.q).decode(t, &roles)
			assertEqual(t, "roles", ids(roles), tc.want)
			for _, r := range roles {
				if r.Description == "" {
					t.Errorf("role %s without a description", r.ID)
				}
			}
		})
	}
}

func TestLookupAliases(t *testing.T) {
	h := newHarness(t, Options{})
	list := func(q url.Values) []idDesc {
		t.Helper()
		var out []idDesc
		h.get("getLookupAliases", q).decode(t, &out)
		return out
	}
	q := func(lib, field string, kv ...string) url.Values {
		v := url.Values{"libraryId": {lib}, "lookupFieldId": {field}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	cases := []struct {
		name string
		q    url.Values
		want []string
	}{
		{"custom1", q("ACTIVE_US", "custom1"), []string{"1001", "1002", "1003"}},
		{"custom1 in the UK", q("ACTIVE_UK", "custom1"), []string{"1001", "1002", "1003"}},
		{"custom1 in the archive", q("ARCHIVE", "custom1"), nil},
		{"custom2, all", q("ACTIVE_US", "custom2"), []string{"1001-0001", "1001-0002", "1002-0001"}},
		{"custom2 under 1001", q("ACTIVE_US", "custom2", "parentAlias", "1001"), []string{"1001-0001", "1001-0002"}},
		{"custom2 under 1003", q("ACTIVE_US", "custom2", "parentAlias", "1003"), nil},
		{"custom2's parents", q("ACTIVE_US", "custom2", "getParentAliases", "true"), []string{"1001", "1002", "1003"}},
		{"custom29", q("ACTIVE_US", "custom29"), []string{"LIT", "CORP", "TAX"}},
		{"custom30 under LIT", q("ACTIVE_US", "custom30", "parentAlias", "LIT"), []string{"LIT-ARB", "LIT-EMP"}},
		{"custom30's parents", q("ACTIVE_UK", "custom30", "getParentAliases", "true"), []string{"LIT", "CORP", "TAX"}},
		{"custom3", q("ACTIVE_US", "custom3"), []string{"NY", "LDN"}},
		{"custom4", q("ACTIVE_US", "custom4"), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assertEqual(t, "aliases", ids(list(tc.q)), tc.want)
		})
	}

	t.Run("create then read", func(t *testing.T) {
		h.post("createCustomOrPropertyLookup", validChild).decode(t, &map[string]any{})
		assertEqual(t, "custom2 under 1001", ids(list(q("ACTIVE_US", "custom2", "parentAlias", "1001"))), []string{"1001-0001", "1001-0002", "1001-0003"})
		assertEqual(t, "not in the UK", ids(list(q("ACTIVE_UK", "custom2", "parentAlias", "1001"))), []string{"1001-0001", "1001-0002"})
		assertEqual(t, "again", h.post("createCustomOrPropertyLookup", validChild).code(), codeDuplicateAlias)
		assertEqual(t, "created", h.sim.Stats().Created["alias"], 1)
	})
	t.Run("update then read", func(t *testing.T) {
		for i := 0; i < 2; i++ { // the same values again are not an error
			h.post("updateCustomField", validUpdate.with("aliasInfo.enabled", false)).decode(t, &map[string]any{})
		}
		got := list(q("ACTIVE_US", "custom1"))[1]
		assertEqual(t, "updated", got, idDesc{ID: "1002", Description: "Globex Corporation", Enabled: false})
		// Only what was given changes.
		h.post("updateCustomField", validUpdate.without("aliasInfo.description").with("aliasInfo.enabled", true)).decode(t, &map[string]any{})
		got = list(q("ACTIVE_US", "custom1"))[1]
		assertEqual(t, "enabled again", got, idDesc{ID: "1002", Description: "Globex Corporation", Enabled: true})
	})
	t.Run("update a child", func(t *testing.T) {
		body := obj{"libraryId": "ACTIVE_US", "lookupFieldId": "custom30", "aliasInfo": obj{"id": "LIT-EMP", "parent": "LIT", "description": "Employment law"}}
		h.post("updateCustomField", body).decode(t, &map[string]any{})
		got := list(q("ACTIVE_US", "custom30", "parentAlias", "LIT"))[1]
		assertEqual(t, "updated", got, idDesc{ID: "LIT-EMP", Description: "Employment law", Enabled: true, Parent: "LIT"})
	})
}

type tabAns struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Database         string `json:"database"`
	DefaultSecurity  string `json:"default_security"`
	Owner            string `json:"owner"`
	OwnerDescription string `json:"owner_description"`
	TabURL           string `json:"tab_url"`
	WorkspaceID      string `json:"workspace_id"`
	WorkspaceName    string `json:"workspace_name"`
}

func TestAddTabNotIdempotent(t *testing.T) {
	h := newHarness(t, Options{})
	steps := []struct {
		name       string
		body       obj
		wantID     string
		duplicates int
	}{
		{"new name", validTab, "ACTIVE_US!10000", 0},
		{"same name again", validTab, "ACTIVE_US!10001", 1},
		{"same name, other workspace", validTab.with("parentId", "ACTIVE_US!1001"), "ACTIVE_US!10002", 1},
		{"a seeded tab's name", validTab.with("name", "Documents"), "ACTIVE_US!10003", 2},
		{"other library", validTab.with("parentId", "ACTIVE_UK!2000"), "ACTIVE_UK!10000", 2},
	}
	for i, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			var tab tabAns
			h.post("addTab", s.body).decode(t, &tab)
			assertEqual(t, "id", tab.ID, s.wantID)
			st := h.sim.Stats()
			assertEqual(t, "duplicates", st.DuplicateCreations, s.duplicates)
			assertEqual(t, "tabs created", st.Created["tab"], i+1)
		})
	}
	t.Run("answer", func(t *testing.T) {
		var tab tabAns
		h.post("addTab", validTab.with("owner", "BJONES").with("default_security", "private")).decode(t, &tab)
		want := tabAns{
			ID: "ACTIVE_US!10004", Name: "Billing", Database: "ACTIVE_US", DefaultSecurity: "private",
			Owner: "BJONES", OwnerDescription: "Bob Jones", TabURL: h.srv.URL + "/work/link/d/ACTIVE_US!10004",
			WorkspaceID: "ACTIVE_US!1000", WorkspaceName: "Acme Corp - Matter 1000",
		}
		assertEqual(t, "tab", tab, want)
		// A new tab can hold folders.
		h.post("addFolder", validFolder.with("parentId", tab.ID)).decode(t, &map[string]any{})
	})
}

func TestAddFolder(t *testing.T) {
	type folderAns struct {
		ID            string         `json:"id"`
		WSType        string         `json:"wstype"`
		ParentID      string         `json:"parent_id"`
		WorkspaceID   string         `json:"workspace_id"`
		WorkspaceName string         `json:"workspace_name"`
		Database      string         `json:"database"`
		FolderURL     string         `json:"folder_url"`
		Profile       map[string]any `json:"profile"`
	}
	cases := []struct {
		name    string
		body    obj
		wantID  string
		parent  string
		ws      string
		profile map[string]any
	}{
		{"under a workspace", validFolder.with("parentId", "ACTIVE_US!1001").with("parentType", "Workspace"), "ACTIVE_US!10000", "ACTIVE_US!1001", "ACTIVE_US!1001",
			map[string]any{"custom1": "1002", "custom2": "1002-0001", "custom3": "NY", "custom29": "CORP"}},
		{"under a tab", validFolder, "ACTIVE_US!10000", "ACTIVE_US!3000", "ACTIVE_US!1000",
			map[string]any{"custom1": "1001", "custom2": "1001-0001", "custom3": "NY", "custom29": "LIT"}},
		{"under a folder", validFolder.with("parentId", "ACTIVE_UK!5002").with("parentType", "Folder"), "ACTIVE_UK!10000", "ACTIVE_UK!5002", "ACTIVE_UK!2002",
			map[string]any{"custom1": "1003", "custom3": "LDN", "custom29": "LIT"}},
		{"own profile", validProfileFolder, "ACTIVE_US!10000", "ACTIVE_US!3000", "ACTIVE_US!1000",
			map[string]any{"custom1": "1001", "custom2": "1001-0002", "custom13": "free text", "custom17": 12.5,
				"custom21": "2024-05-01T09:30:00Z", "custom25": true, "custom29": "LIT", "custom30": "LIT-ARB"}},
		{"no profile, not inherited", validFolder.with("inherit_profile_from_workspace", "No"), "ACTIVE_US!10000", "ACTIVE_US!3000", "ACTIVE_US!1000", map[string]any{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			var f folderAns
			var rest map[string]any
			a := h.post("addFolder", tc.body)
			a.decode(t, &f)
			a.decode(t, &rest)
			assertEqual(t, "id", f.ID, tc.wantID)
			assertEqual(t, "wstype", f.WSType, "folder")
			assertEqual(t, "parent_id", f.ParentID, tc.parent)
			assertEqual(t, "workspace_id", f.WorkspaceID, tc.ws)
			assertEqual(t, "database", f.Database, strings.Split(tc.ws, "!")[0])
			if !strings.HasSuffix(f.FolderURL, "/"+f.ID) || f.WorkspaceName == "" {
				t.Errorf("folder_url %q, workspace_name %q", f.FolderURL, f.WorkspaceName)
			}
			assertEqual(t, "profile", f.Profile, tc.profile)
			assertEqual(t, "created", h.sim.Stats().Created, map[string]int{"folder": 1})
			for _, k := range []string{"effective_security", "view_type", "has_documents", "has_subfolders", "folder_type", "edit_date", "owner_description"} {
				if _, ok := rest[k]; !ok {
					t.Errorf("the answer has no %s: %v", k, rest)
				}
			}

			// Not idempotent: the same call again makes a second folder, counted as a duplicate.
			var again folderAns
			h.post("addFolder", tc.body).decode(t, &again)
			if again.ID == f.ID {
				t.Errorf("the second folder has the first one's ID %s", f.ID)
			}
			st := h.sim.Stats()
			assertEqual(t, "created", st.Created, map[string]int{"folder": 2})
			assertEqual(t, "duplicates", st.DuplicateCreations, 1)
		})
	}
	t.Run("seeded folder name under its tab is a duplicate", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.post("addFolder", validFolder.with("name", "General")).decode(t, &folderAns{})
		assertEqual(t, "duplicates", h.sim.Stats().DuplicateCreations, 1)
	})
}

type shortcutsAns struct {
	Shortcuts []struct {
		ID     string `json:"id"`
		WSType string `json:"wstype"`
		Target struct {
			ID string `json:"id"`
		} `json:"target"`
	} `json:"shortcuts"`
	All string `json:"all_workspace_shortcut_ids"`
}

func (s shortcutsAns) pairs() []string {
	var out []string
	for _, sc := range s.Shortcuts {
		if sc.WSType != "workspace_shortcut" {
			out = append(out, "bad wstype "+sc.WSType)
		}
		out = append(out, sc.ID+"->"+sc.Target.ID)
	}
	return out
}

func TestAddShortcuts(t *testing.T) {
	h := newHarness(t, Options{})
	steps := []struct {
		name    string
		body    obj
		want    []string
		all     string
		created int
	}{
		{"two workspaces", validShortcuts, []string{"ACTIVE_US!10000->ACTIVE_US!1000", "ACTIVE_US!10001->ACTIVE_US!1001"}, "ACTIVE_US!10000;ACTIVE_US!10001", 2},
		{"repeat returns the same shortcuts", validShortcuts, []string{"ACTIVE_US!10000->ACTIVE_US!1000", "ACTIVE_US!10001->ACTIVE_US!1001"}, "ACTIVE_US!10000;ACTIVE_US!10001", 2},
		{"one old, one new", validShortcuts.with("workspace_id", "ACTIVE_US!1001;ACTIVE_UK!2005"),
			[]string{"ACTIVE_US!10001->ACTIVE_US!1001", "ACTIVE_US!10002->ACTIVE_UK!2005"}, "ACTIVE_US!10001;ACTIVE_US!10002", 3},
		{"a workspace twice in one call", validShortcuts.with("workspace_id", "ACTIVE_US!1002;ACTIVE_US!1002"),
			[]string{"ACTIVE_US!10003->ACTIVE_US!1002"}, "ACTIVE_US!10003", 4},
		{"another category is another place", validShortcuts.with("category_id", "ACTIVE_US!9006").with("workspace_id", "ACTIVE_US!1000"),
			[]string{"ACTIVE_US!10004->ACTIVE_US!1000"}, "ACTIVE_US!10004", 5},
		{"the default category by ID", validShortcuts.with("category_id", "ACTIVE_US!9005").with("workspace_id", "ACTIVE_US!1000"),
			[]string{"ACTIVE_US!10000->ACTIVE_US!1000"}, "ACTIVE_US!10000", 5},
		{"another user", validShortcuts.with("user_id", "BJONES").with("workspace_id", "ACTIVE_US!1000"),
			[]string{"ACTIVE_US!10005->ACTIVE_US!1000"}, "ACTIVE_US!10005", 6},
		{"one missing workspace adds nothing", validShortcuts.with("workspace_id", "ACTIVE_US!1040;ACTIVE_US!1050"), nil, "", 6},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			a := h.post("addShortcutsToMyMattersAdmin", s.body)
			if s.want == nil {
				assertEqual(t, "code", a.code(), codeContainerNF)
			} else {
				var ans shortcutsAns
				a.decode(t, &ans)
				assertEqual(t, "shortcuts", ans.pairs(), s.want)
				assertEqual(t, "all_workspace_shortcut_ids", ans.All, s.all)
			}
			assertEqual(t, "created", h.sim.Stats().Created["shortcut"], s.created)
		})
	}
	t.Run("categories show they hold shortcuts", func(t *testing.T) {
		var cats []category
		h.get("getMyMattersCategories", url.Values{"user_id": {"CWONG"}}).decode(t, &cats)
		assertEqual(t, "CWONG", cats, []category{
			{ID: "ACTIVE_US!9009", Name: "My Matters", CategoryType: "my_matters", Owner: "CWONG"},
			{ID: "ACTIVE_US!9010", Name: "My Favorites", CategoryType: "my_favorites", Owner: "CWONG"},
		})
		h.get("getMyMattersCategories", url.Values{"user_id": {"ASMITH"}}).decode(t, &cats)
		assertEqual(t, "ASMITH", cats, []category{
			{ID: "ACTIVE_US!9005", Name: "My Matters", CategoryType: "my_matters", HasSubfolders: true, Owner: "ASMITH"},
			{ID: "ACTIVE_US!9006", Name: "My Favorites", CategoryType: "my_favorites", HasSubfolders: true, Owner: "ASMITH"},
		})
	})
}

func TestSeedCategories(t *testing.T) {
	cases := []struct {
		user    string
		matters string
		favs    string
	}{
		{"admin", "ACTIVE_US!9001", "ACTIVE_US!9002"},
		{"viewer", "ACTIVE_US!9003", "ACTIVE_US!9004"},
		{"ASMITH", "ACTIVE_US!9005", "ACTIVE_US!9006"},
		{"BJONES", "ACTIVE_US!9007", "ACTIVE_US!9008"},
		{"CWONG", "ACTIVE_US!9009", "ACTIVE_US!9010"},
	}
	h := newHarness(t, Options{})
	for _, tc := range cases {
		t.Run(tc.user, func(t *testing.T) {
			var cats []category
			h.get("getMyMattersCategories", url.Values{"user_id": {tc.user}}).decode(t, &cats)
			assertEqual(t, "categories", cats, []category{
				{ID: tc.matters, Name: "My Matters", CategoryType: "my_matters", Owner: tc.user},
				{ID: tc.favs, Name: "My Favorites", CategoryType: "my_favorites", Owner: tc.user},
			})
		})
	}
}

func TestSeedContainers(t *testing.T) {
	h := newHarness(t, Options{})
	st := h.sim.st
	cases := []struct {
		id, kind, name, parent string
	}{
		{"ACTIVE_US!1000", kindWorkspace, "Acme Corp - Matter 1000", ""},
		{"ACTIVE_US!1049", kindWorkspace, "Globex - Matter 1049", ""},
		{"ACTIVE_US!3000", kindTab, "Documents", "ACTIVE_US!1000"},
		{"ACTIVE_US!3001", kindTab, "Correspondence", "ACTIVE_US!1000"},
		{"ACTIVE_US!3098", kindTab, "Documents", "ACTIVE_US!1049"},
		{"ACTIVE_US!5049", kindFolder, "General", "ACTIVE_US!3098"},
		{"ACTIVE_UK!2009", kindWorkspace, "Acme Corp - Matter 2009", ""},
		{"ACTIVE_UK!3019", kindTab, "Correspondence", "ACTIVE_UK!2009"},
		{"ACTIVE_UK!5009", kindFolder, "General", "ACTIVE_UK!3018"},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			c := st.containers[tc.id]
			if c == nil {
				t.Fatalf("%s missing", tc.id)
			}
			parent := ""
			if c.parent != nil {
				parent = c.parent.id
			}
			assertEqual(t, "container", []string{c.kind, c.name, parent}, []string{tc.kind, tc.name, tc.parent})
		})
	}
	for _, missing := range []string{"ACTIVE_US!999", "ACTIVE_US!1050", "ACTIVE_UK!2010", "ACTIVE_US!3100", "ACTIVE_US!5050"} {
		if st.containers[missing] != nil {
			t.Errorf("%s exists, want it not to", missing)
		}
	}
}

func TestHelperReads(t *testing.T) {
	type lib struct {
		ID          string `json:"id"`
		DisplayName string `json:"display_name"`
		Type        string `json:"type"`
		IsHidden    bool   `json:"is_hidden"`
	}
	us := lib{"ACTIVE_US", "Active US", "worksite", false}
	uk := lib{"ACTIVE_UK", "Active UK", "worksite", false}
	ar := lib{"ARCHIVE", "Archive", "worksite", true}
	ln := lib{"LINKS", "Links", "linksite", false}
	cases := []struct {
		name string
		q    url.Values
		want []lib
	}{
		{"default hides hidden", nil, []lib{us, uk, ln}},
		{"show all", url.Values{"showAllLibraries": {"true"}}, []lib{us, uk, ar, ln}},
		{"hide the preferred", url.Values{"hidePreferredLibrary": {"true"}}, []lib{uk, ln}},
		{"both", url.Values{"showAllLibraries": {"true"}, "hidePreferredLibrary": {"true"}}, []lib{uk, ar, ln}},
	}
	h := newHarness(t, Options{})
	for _, tc := range cases {
		t.Run("getLibraries/"+tc.name, func(t *testing.T) {
			var got []lib
			h.get("getLibraries", tc.q).decode(t, &got)
			assertEqual(t, "libraries", got, tc.want)
		})
	}
	t.Run("getLookupFieldNames", func(t *testing.T) {
		var got []struct {
			ID          string `json:"id"`
			DisplayName string `json:"display_name"`
		}
		h.get("getLookupFieldNames", nil).decode(t, &got)
		if len(got) != 14 {
			t.Fatalf("%d fields, want 14", len(got))
		}
		names := map[string]string{}
		for _, f := range got {
			names[f.ID] = f.DisplayName
		}
		assertEqual(t, "names", names, map[string]string{
			"custom1": "Client", "custom2": "Matter", "custom3": "Custom 3", "custom4": "Custom 4", "custom5": "Custom 5",
			"custom6": "Custom 6", "custom7": "Custom 7", "custom8": "Custom 8", "custom9": "Custom 9", "custom10": "Custom 10",
			"custom11": "Custom 11", "custom12": "Custom 12", "custom29": "Practice Area", "custom30": "Sub Area",
		})
	})
	t.Run("getEmailOptions", func(t *testing.T) {
		var got []string
		h.get("getEmailOptions", nil).decode(t, &got)
		if len(got) == 0 {
			t.Fatal("no e-mail options")
		}
		// Each option is a folder e-mail prefix that addFolder takes.
		for _, opt := range got {
			var f struct {
				Email string `json:"email"`
			}
			h.post("addFolder", validFolder.with("email", opt)).decode(t, &f)
			if !strings.HasPrefix(f.Email, opt+"@") {
				t.Errorf("folder made with e-mail option %q has e-mail %q", opt, f.Email)
			}
		}
	})
}

// TestConcurrentWrites: many writers at once get distinct IDs and exact counts.
func TestConcurrentWrites(t *testing.T) {
	h := newHarness(t, Options{RateLimit: 1000})
	const n = 40
	idsCh := make(chan string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := h.request("POST", "addTab", validTab, nil)
			resp, err := h.srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var env struct {
				Data tabAns `json:"data"`
			}
			if err := decodeJSON(resp.Body, &env); err != nil || resp.StatusCode != 200 {
				t.Errorf("status %d: %v", resp.StatusCode, err)
				return
			}
			idsCh <- env.Data.ID
		}()
	}
	wg.Wait()
	close(idsCh)
	seen := map[string]bool{}
	for id := range idsCh {
		if seen[id] {
			t.Errorf("ID %s given twice", id)
		}
		seen[id] = true
	}
	st := h.sim.Stats()
	assertEqual(t, "distinct IDs", len(seen), n)
	assertEqual(t, "created", st.Created["tab"], n)
	assertEqual(t, "duplicates", st.DuplicateCreations, n-1)
	assertEqual(t, "calls", st.Calls["addTab"], n)
}
