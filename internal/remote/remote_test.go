package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/imanage"
	"github.com/firmtools/bulk/internal/manifest"
	"github.com/firmtools/bulk/internal/wire"
)

// fakeRemote answers like the simulator's seed data and counts each
// distinct question.
type fakeRemote struct {
	calls   map[string]int
	failAll error
}

func (f *fakeRemote) count(q string) error {
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[q]++
	return f.failAll
}

func (f *fakeRemote) GetLibraries(_ context.Context, showAll, hidePreferred bool) ([]wire.Library, error) {
	if err := f.count(fmt.Sprintf("libraries %v %v", showAll, hidePreferred)); err != nil {
		return nil, err
	}
	libs := []wire.Library{{ID: "ACTIVE_US"}, {ID: "ACTIVE_UK"}, {ID: "LINKS"}}
	if showAll {
		libs = append(libs, wire.Library{ID: "ARCHIVE", IsHidden: true})
	}
	return libs, nil
}

func (f *fakeRemote) GetLibraryRoles(_ context.Context, req wire.GetLibraryRolesRequest) ([]wire.IDDescription, error) {
	if err := f.count(fmt.Sprintf("roles %s %v %s", req.LibraryID, req.IsExternal, req.UserID)); err != nil {
		return nil, err
	}
	if req.IsExternal {
		return []wire.IDDescription{{ID: "EXTERNAL_CLIENT"}, {ID: "EXTERNAL_COUNSEL"}}, nil
	}
	return []wire.IDDescription{{ID: "ATTORNEY"}, {ID: "PARALEGAL"}, {ID: "SECRETARY"}, {ID: "READ_ONLY"}}, nil
}

func (f *fakeRemote) GetLookupAliases(_ context.Context, req wire.GetLookupAliasesRequest) ([]wire.LookupAlias, error) {
	if err := f.count(fmt.Sprintf("aliases %s %s %s", req.LibraryID, req.LookupFieldID, req.ParentAlias)); err != nil {
		return nil, err
	}
	switch req.LookupFieldID {
	case "custom1":
		return []wire.LookupAlias{{ID: "1001"}, {ID: "1002"}, {ID: "1003"}}, nil
	case "custom2":
		if req.ParentAlias == "1001" {
			return []wire.LookupAlias{{ID: "1001-0001"}, {ID: "1001-0002"}}, nil
		}
		return nil, nil
	case "custom3":
		// As the simulator shows them: with enabled and hipaa.
		yes, no := true, false
		ny, ldn := "New York", "London"
		return []wire.LookupAlias{{ID: "NY", Description: &ny, Enabled: &yes, HIPAA: &no}, {ID: "LDN", Description: &ldn, Enabled: &yes, HIPAA: &no}}, nil
	}
	return nil, nil
}

func (f *fakeRemote) GetMyMattersCategories(_ context.Context, userID string) ([]wire.MyMattersCategory, error) {
	if err := f.count("categories " + userID); err != nil {
		return nil, err
	}
	switch userID {
	case "ASMITH", "BJONES", "CWONG", "DKIM":
	case "HIDDEN":
		return nil, &imanage.Error{Op: wire.OpGetMyMattersCategories, Delivery: imanage.Answered, StatusCode: 403, Code: "INSUFFICIENT_RIGHTS"}
	default:
		return nil, &imanage.Error{Op: wire.OpGetMyMattersCategories, Delivery: imanage.Answered, StatusCode: 404, Code: "USER_NOT_FOUND"}
	}
	return []wire.MyMattersCategory{{ID: "ACTIVE_US!9001", Name: "My Matters"}, {ID: "ACTIVE_US!9002", Name: "My Favorites"}}, nil
}

// The fake has no schema operations (a tenant that predates them): the
// checks fall back to the contract's shapes, and say so.
func (f *fakeRemote) noSchema(op, arg string) (json.RawMessage, error) {
	if err := f.count(op + " " + arg); err != nil {
		return nil, err
	}
	// As the client answers it (a 404 to a schema read).
	return nil, fmt.Errorf("%w: %w", wire.ErrNoOperation, &imanage.Error{Op: op, Delivery: imanage.Answered, StatusCode: 404, Code: "NOT_FOUND"})
}
func (f *fakeRemote) GetCreateLookupAliasSchema(_ context.Context, a string) (json.RawMessage, error) {
	return f.noSchema(wire.OpGetCreateLookupAliasSchema, a)
}
func (f *fakeRemote) GetUpdateCustomFieldSchema(_ context.Context, a string) (json.RawMessage, error) {
	return f.noSchema(wire.OpGetUpdateCustomFieldSchema, a)
}
func (f *fakeRemote) GetCreateUserPasswordSchema(_ context.Context, a string) (json.RawMessage, error) {
	return f.noSchema(wire.OpGetCreateUserPasswordSchema, a)
}
func (f *fakeRemote) GetAddFolderPropertiesSchema(_ context.Context, a string) (json.RawMessage, error) {
	return f.noSchema(wire.OpGetAddFolderPropertiesSchema, a)
}

const remoteManifest = `version: 1
jobs:
  - {action: create-user, id: NEWBIE, full_name: New Bie, email: n@firm.com, preferred_library: ACTIVE_US, role: ATTORNEY}
  - {action: create-user, id: EXT, full_name: Ex Ternal, email: e@firm.com, preferred_library: ACTIVE_US, role: ATTORNEY, is_external: yes}
  - {action: create-user, id: TYPO, full_name: Ty Po, email: t@firm.com, preferred_library: ACTIVE_USA, role: ATTORNEY}
  - {action: assign-user-to-library, user_id: ASMITH, library_id: ARCHIVE, role: READ_ONLY}
  - {action: assign-user-to-library, user_id: ASMITH, library_id: ACTIVE_UK, role: EXTERNAL_CLIENT}
  - {action: assign-user-to-library, user_id: NEWBIE, library_id: ACTIVE_UK, role: EXTERNAL_CLIENT}
  - {action: assign-user-to-library, user_id: BJONES, library_id: ACTIVE_UK, role: PARTNER}
  - {action: create-lookup-alias, library_id: ACTIVE_US, lookup_field_id: custom1, alias: "1001"}
  - {action: create-lookup-alias, library_id: ACTIVE_US, lookup_field_id: custom1, alias: "1004"}
  - {action: create-lookup-alias, library_id: ACTIVE_US, lookup_field_id: custom2, alias: "1004-0001", parent_alias: "1004"}
  - {action: create-lookup-alias, library_id: ACTIVE_US, lookup_field_id: custom2, alias: "1009-0001", parent_alias: "1009"}
  - {action: update-custom-field, library_id: ACTIVE_US, lookup_field_id: custom3, alias: LDN, enabled: no}
  - {action: update-custom-field, library_id: ACTIVE_US, lookup_field_id: custom3, alias: PAR, enabled: no}
  - {action: update-custom-field, library_id: ACTIVE_US, lookup_field_id: custom1, alias: "1004", hipaa: yes}
  - {action: add-folder, name: F, parent_id: ACTIVE_US!3001, parent_type: Tab, inherit_profile_from_workspace: No, custom1: "1001", custom2: "1001-0009", custom3: NY}
  - {action: add-folder, name: G, parent_id: NOWHERE!3001, parent_type: Tab}
  - {action: add-my-matters-shortcuts, user_id: ASMITH, workspace_id: ACTIVE_US!1000, category_id: ACTIVE_US!9002}
  - {action: add-my-matters-shortcuts, user_id: ASMITH, workspace_id: ACTIVE_US!1001, category_id: ACTIVE_US!9009}
  - {action: add-my-matters-shortcuts, user_id: NEWBIE, workspace_id: ACTIVE_US!1001, category_id: ACTIVE_US!9009}
  - {action: add-my-matters-shortcuts, user_id: GHOST, workspace_id: ACTIVE_US!1001, category_id: ACTIVE_US!9001}
  - {action: add-my-matters-shortcuts, user_id: GHOST, workspace_id: ACTIVE_US!1002, category_id: ACTIVE_US!9001}
  - {action: get-library-roles, library_id: "${x.id}"}
  - {action: add-tab, ref: x, name: T, parent_id: ACTIVE_US!1000}
  - {action: create-user, id: CWONG, full_name: Carol Wong, email: cwong@example.com, preferred_library: ACTIVE_US, role: ATTORNEY}
  - {action: create-user, id: DKIM, full_name: Dan Kim, email: dkim@example.com, preferred_library: ACTIVE_US, role: ATTORNEY, ignore_if_user_already_exists: no}
  - {action: create-lookup-alias, library_id: ACTIVE_US, lookup_field_id: custom3, alias: NY, alias_description: Manhattan}
  - {action: create-lookup-alias, library_id: ACTIVE_US, lookup_field_id: custom3, alias: LDN, alias_description: London, enabled: no}
  - {action: create-lookup-alias, library_id: ACTIVE_UK, lookup_field_id: custom3, alias: LDN, alias_description: London}
  - {action: create-user, id: HIDDEN, full_name: Hid Den, email: hidden@example.com, preferred_library: ACTIVE_US, role: ATTORNEY}
`

func TestCheck(t *testing.T) {
	path := writeFile(t, t.TempDir(), "remote.yaml", []byte(remoteManifest))
	m := load(t, manifest.Options{}, path)
	// A library is not a field that takes a reference.
	if len(m.Jobs) != 29 || len(m.Problems) != 1 || m.Problems[0].Message != "cannot hold a ${name.field} reference; it must be given as a value" {
		t.Fatalf("%d jobs, offline problems %v", len(m.Jobs), m.Problems)
	}
	r := &fakeRemote{}
	rep, err := Check(context.Background(), m, r)
	if err != nil {
		t.Fatal(err)
	}
	stats := rep.Stats
	got := strings.ReplaceAll(problemLines(rep.Problems), path, "remote.yaml")
	want := `remote.yaml:4:role: role: "ATTORNEY" is not an external role of library ACTIVE_US; its roles are EXTERNAL_CLIENT, EXTERNAL_COUNSEL
remote.yaml:5:preferred_library: preferred_library: the service has no library "ACTIVE_USA"; did you mean "ACTIVE_US"?
remote.yaml:8:role: role: "EXTERNAL_CLIENT" is not a role of library ACTIVE_UK; its roles are ATTORNEY, PARALEGAL, READ_ONLY, SECRETARY
remote.yaml:9:role: role: "PARTNER" is not a role of library ACTIVE_UK; its roles are ATTORNEY, EXTERNAL_CLIENT, EXTERNAL_COUNSEL, PARALEGAL, READ_ONLY, SECRETARY
remote.yaml:13:parent_alias: parent_alias: ACTIVE_US has no custom1 alias "1009" to be the parent
remote.yaml:15:alias: alias: ACTIVE_US has no custom3 alias "PAR" to update
remote.yaml:17:custom2: custom2: ACTIVE_US has no custom2 alias "1001-0009"
remote.yaml:18:parent_id: parent_id: NOWHERE!3001 is in library "NOWHERE", which the service does not have
remote.yaml:20:category_id: category_id: "ACTIVE_US!9009" is not a My Matters category of ASMITH; theirs are ACTIVE_US!9001, ACTIVE_US!9002
remote.yaml:22:user_id: user_id: the service has no user "GHOST"
remote.yaml:27:id: id: the service already has user DKIM and ignore_if_user_already_exists is false: createUser will refuse the row (DUPLICATE_USER)
remote.yaml:28:alias_description: alias_description: conflict: already in the service, but not as the row asks: alias_description: the service has "New York", the row says "Manhattan"; the run leaves it as it is and the row ends conflict
remote.yaml:29:enabled: enabled: conflict: already in the service, but not as the row asks: enabled: the service has "true", the row says "false"; the run leaves it as it is and the row ends conflict
`
	if got != want {
		t.Fatalf("problems:\n%s\nwant:\n%s", got, want)
	}
	// Each distinct question once. Roles: ACTIVE_US internal (NEWBIE) and
	// external (EXT); ARCHIVE internal (READ_ONLY found there, so the
	// external list is not needed); ACTIVE_UK internal and external (an
	// existing user may be either). Aliases: custom1; custom2 under 1004
	// (the parent 1004 itself is created here, so not looked up) and under
	// 1009; custom3; custom2 under 1001 for the folder. Categories: ASMITH
	// and GHOST for their shortcuts; NEWBIE, EXT, TYPO, CWONG and DKIM to
	// learn whether the users the manifest creates exist, and HIDDEN, whom
	// the service will not say anything about.
	for q, n := range r.calls {
		if n != 1 {
			t.Errorf("%s asked %d times", q, n)
		}
	}
	// Schemas: create_password for "Send an email"; aliasInfo to create
	// custom1, custom2 and custom3 aliases and to update custom3 and
	// custom1; profileProperties with "No". The fake has none of the
	// operations.
	wantStats := Stats{Calls: len(r.calls), Libraries: 1, Roles: 5, Aliases: 6, Categories: 8, Exists: 3, ExistsNotCompared: 1, Conflicts: 2, Unknown: 1, Schemas: 7,
		SchemaFallbacks: []string{wire.OpGetCreateUserPasswordSchema, wire.OpGetCreateLookupAliasSchema,
			wire.OpGetUpdateCustomFieldSchema, wire.OpGetAddFolderPropertiesSchema}}
	if !reflect.DeepEqual(stats, wantStats) {
		t.Errorf("stats %+v, want %+v; calls %v", stats, wantStats, r.calls)
	}
	if r.calls["libraries true false"] != 1 {
		t.Errorf("calls %v", r.calls)
	}
	var found []string
	for _, f := range rep.Found {
		found = append(found, fmt.Sprintf("%d %s %s compared=%v", f.Row, f.Status, f.Key, f.Compared))
	}
	// Alias 1001 is listed without enabled and hipaa (as the definition
	// answers): compared as far as shown, and the note says what was not.
	wantFound := "10 exists ACTIVE_US/custom1/1001 compared=true|26 exists CWONG compared=false|" +
		"28 conflict ACTIVE_US/custom3/NY compared=true|29 conflict ACTIVE_US/custom3/LDN compared=true|30 exists ACTIVE_UK/custom3/LDN compared=true|31 unknown HIDDEN compared=false"
	if g := strings.Join(found, "|"); g != wantFound {
		t.Errorf("found %s\nwant  %s", g, wantFound)
	}
	if m := rep.Found[0].Message; !strings.Contains(m, "not compared, the service did not show them: enabled, hipaa") {
		t.Errorf("alias 1001: %s", m)
	}
	if m := rep.Found[1].Message; !strings.Contains(m, "not compared here") {
		t.Errorf("CWONG: %s", m)
	}
	if m := rep.Found[5].Message; !strings.Contains(m, "could not tell whether the service has user HIDDEN") || !strings.Contains(m, "INSUFFICIENT_RIGHTS") {
		t.Errorf("HIDDEN: %s", m)
	}
}

func TestCheckFails(t *testing.T) {
	path := writeFile(t, t.TempDir(), "remote.yaml", []byte(remoteManifest))
	m := load(t, manifest.Options{}, path)
	cause := &imanage.Error{Op: wire.OpGetLibraries, Delivery: imanage.NotSent, Err: errors.New("dial tcp: connection refused")}
	_, err := Check(context.Background(), m, &fakeRemote{failAll: cause})
	if !errors.Is(err, cause) || !strings.HasPrefix(err.Error(), "checking libraries: ") {
		t.Fatalf("error %v", err)
	}
}

// strictRemote's schema for aliases names no hipaa.
type strictRemote struct{ fakeRemote }

func (f *strictRemote) GetCreateLookupAliasSchema(_ context.Context, a string) (json.RawMessage, error) {
	_ = f.count("alias schema " + a)
	return json.RawMessage(`{"type":"object","properties":{"id":{"type":"string","maxLength":4},"description":{"type":"string"}},"additionalProperties":false}`), nil
}

func TestCheckHoldsRowsToTheServicesSchemas(t *testing.T) {
	path := writeFile(t, t.TempDir(), "aliases.csv", []byte("library_id,lookup_field_id,alias,HIPAA\nACTIVE_US,custom3,BOS,yes\nACTIVE_US,custom3,CHICAGO,\n"))
	m := load(t, manifest.Options{Action: "create-lookup-alias"}, path)
	r := &strictRemote{}
	rep, err := Check(context.Background(), m, r)
	if err != nil {
		t.Fatal(err)
	}
	stats := rep.Stats
	got := strings.ReplaceAll(problemLines(rep.Problems), path, "aliases.csv")
	want := `aliases.csv:2:HIPAA: hipaa: the service's schema for custom3 aliases has no property hipaa
aliases.csv:3:alias: alias: the service's schema for custom3 aliases refuses it as id: must be at most 4 characters
`
	if got != want {
		t.Fatalf("problems:\n%s\nwant:\n%s", got, want)
	}
	if stats.Schemas != 1 || r.calls["alias schema custom3"] != 1 || len(stats.SchemaFallbacks) != 0 {
		t.Errorf("stats %+v, calls %v", stats, r.calls)
	}
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func load(t *testing.T, opts manifest.Options, paths ...string) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load(context.Background(), paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func problemLines(ps []manifest.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	return b.String()
}
