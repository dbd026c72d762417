package sim

import (
	"fmt"
	"time"
)

// seedTime stamps every seeded object, so seed data is the same on every run.
var seedTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

type seedAlias struct{ field, id, description, parent string }

// seedAliases exist in ACTIVE_US and ACTIVE_UK.
var seedAliases = []seedAlias{
	{"custom1", "1001", "Acme Corp", ""},
	{"custom1", "1002", "Globex", ""},
	{"custom1", "1003", "Initech", ""},
	{"custom2", "1001-0001", "Acme Corp - General", "1001"},
	{"custom2", "1001-0002", "Acme Corp - Litigation", "1001"},
	{"custom2", "1002-0001", "Globex - General", "1002"},
	{"custom3", "NY", "New York", ""},
	{"custom3", "LDN", "London", ""},
	{"custom29", "LIT", "Litigation", ""},
	{"custom29", "CORP", "Corporate", ""},
	{"custom29", "TAX", "Tax", ""},
	{"custom30", "LIT-ARB", "Arbitration", "LIT"},
	{"custom30", "LIT-EMP", "Employment", "LIT"},
	{"custom30", "CORP-MA", "Mergers and Acquisitions", "CORP"},
}

type seedUser struct {
	id, fullName, password string
	admin                  bool
	roles                  map[string]string
}

// seedWorkspaces: library, first workspace number, how many, office (custom3).
var seedWorkspaces = []struct {
	library       string
	first, count  int
	office        string
	firstTab      int
	firstFolderID int
}{
	{"ACTIVE_US", 1000, 50, "NY", 3000, 5000},
	{"ACTIVE_UK", 2000, 10, "LDN", 3000, 5000},
}

// workspace clients cycle through the three custom1 aliases.
var seedClients = []struct{ id, name, matter string }{
	{"1001", "Acme Corp", "1001-0001"},
	{"1002", "Globex", "1002-0001"},
	{"1003", "Initech", ""},
}

// seedWorkspaceName is the name of workspace number n, i its index in its library.
func seedWorkspaceName(i, n int) string {
	return fmt.Sprintf("%s - Matter %d", seedClients[i%len(seedClients)].name, n)
}

func newState(adminPassword string) *state {
	st := &state{
		libraries:   map[string]*library{},
		users:       map[string]*user{},
		containers:  map[string]*container{},
		nextUserNum: firstNewUserNum,
		created:     map[string]int{},
	}
	for _, l := range []struct {
		id, name, kind string
		hidden         bool
	}{
		{"ACTIVE_US", "Active US", "worksite", false},
		{"ACTIVE_UK", "Active UK", "worksite", false},
		{"ARCHIVE", "Archive", "worksite", true},
		{"LINKS", "Links", "linksite", false},
	} {
		lib := &library{id: l.id, displayName: l.name, kind: l.kind, hidden: l.hidden, nextID: firstNewObjectID, fields: map[string]*lookupField{}}
		for _, f := range lookupFieldIDs {
			lib.fields[f] = &lookupField{id: f}
		}
		st.libraries[l.id] = lib
		st.libOrder = append(st.libOrder, l.id)
	}
	for _, lib := range []string{"ACTIVE_US", "ACTIVE_UK"} {
		for _, a := range seedAliases {
			f := st.libraries[lib].fields[a.field]
			f.aliases = append(f.aliases, &alias{id: a.id, description: a.description, parent: a.parent, enabled: true})
		}
	}

	us := st.libraries["ACTIVE_US"]
	users := []seedUser{
		{AdminUser, "Administrator", adminPassword, true, map[string]string{"ACTIVE_US": "ATTORNEY", "ACTIVE_UK": "ATTORNEY", "ARCHIVE": "ATTORNEY", "LINKS": "ATTORNEY"}},
		{ViewerUser, "Viewer", viewerPassword, false, map[string]string{"ACTIVE_US": "READ_ONLY"}},
		{"ASMITH", "Alice Smith", "", false, map[string]string{"ACTIVE_US": "ATTORNEY"}},
		{"BJONES", "Bob Jones", "", false, map[string]string{"ACTIVE_US": "ATTORNEY"}},
		{"CWONG", "Carol Wong", "", false, map[string]string{"ACTIVE_US": "ATTORNEY"}},
		{SSOUser, "Single Sign-On Administrator", ssoPassword, true, map[string]string{"ACTIVE_US": "ATTORNEY", "ACTIVE_UK": "ATTORNEY"}},
	}
	// Seeded categories are ACTIVE_US!9001 upward, two per user in this order.
	us.nextID = 9001
	for i, su := range users {
		u := &user{
			id: su.id, fullName: su.fullName, email: fmt.Sprintf("%s@example.com", su.id),
			num: i + 1, admin: su.admin, password: su.password, preferred: "ACTIVE_US",
			roles: su.roles, hasPassword: su.password != "", created: seedTime,
		}
		u.ssoOnly = su.id == SSOUser
		st.users[userKey(u.id)] = u
		st.addCategories(u, us, seedTime)
	}
	us.nextID = firstNewObjectID

	for _, sw := range seedWorkspaces {
		lib := st.libraries[sw.library]
		for i := 0; i < sw.count; i++ {
			n := sw.first + i
			client := seedClients[i%len(seedClients)]
			profile := map[string]any{"custom1": client.id, "custom3": sw.office}
			if client.matter != "" {
				profile["custom2"] = client.matter
			}
			if i%2 == 0 {
				profile["custom29"] = "LIT"
			} else {
				profile["custom29"] = "CORP"
			}
			ws := st.add(&container{
				id: fmt.Sprintf("%s!%d", lib.id, n), kind: kindWorkspace, name: seedWorkspaceName(i, n),
				library: lib.id, owner: AdminUser, defaultSecurity: "public", profile: profile, created: seedTime,
			})
			docs := st.add(&container{
				id: fmt.Sprintf("%s!%d", lib.id, sw.firstTab+2*i), kind: kindTab, name: "Documents",
				library: lib.id, parent: ws, owner: AdminUser, defaultSecurity: "inherit", created: seedTime,
			})
			st.add(&container{
				id: fmt.Sprintf("%s!%d", lib.id, sw.firstTab+2*i+1), kind: kindTab, name: "Correspondence",
				library: lib.id, parent: ws, owner: AdminUser, defaultSecurity: "inherit", created: seedTime,
			})
			st.add(&container{
				id: fmt.Sprintf("%s!%d", lib.id, sw.firstFolderID+i), kind: kindFolder, name: "General",
				library: lib.id, parent: docs, owner: AdminUser, defaultSecurity: "inherit",
				inheritProfileFromWorkspace: "Yes", profile: copyProfile(profile), created: seedTime,
			})
		}
	}
	return st
}

func copyProfile(p map[string]any) map[string]any {
	c := make(map[string]any, len(p))
	for k, v := range p {
		c[k] = v
	}
	return c
}
