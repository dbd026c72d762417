package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

	"github.com/firmtools/bulk/internal/secret"
)

// Request and answer types of the ten admin actions and the helper reads.
// Field names and JSON tags are the contract's (docs/contract.md); the
// client's own choices of the contract marked [chosen] are collected in
// internal/imanage/contract.go.

// CreateUserRequest is the body of POST /createUser.
type CreateUserRequest struct {
	FullName                  string         `json:"full_name"`
	ID                        string         `json:"id"`
	Email                     string         `json:"email"`
	IsExternal                bool           `json:"is_external"`
	PreferredLibrary          string         `json:"preferred_library"`
	Role                      string         `json:"role"`
	IgnoreIfUserAlreadyExists bool           `json:"ignore_if_user_already_exists"`
	PasswordCreateMethod      string         `json:"password_create_method"`
	CreatePassword            CreatePassword `json:"create_password"`
}

// CreatePassword is create_password: empty for "Send an email"; a password and
// force_password_change for "Create a password". The password is a Secret and
// is only revealed when the body is encoded for the wire (see MarshalJSON).
type CreatePassword struct {
	Password            secret.Secret
	ForcePasswordChange bool
	// Extra are the further properties the tenant's schema names
	// (create_password.NAME columns), as JSON values.
	Extra map[string]json.RawMessage
}

// MarshalJSON writes {} when no password is set (and no further property),
// else the password in clear: this is the one place the new user's
// password leaves the process.
func (c CreatePassword) MarshalJSON() ([]byte, error) {
	if c.Password.IsZero() {
		return withExtra(struct{}{}, c.Extra)
	}
	return withExtra(struct {
		Password            string `json:"password"`
		ForcePasswordChange bool   `json:"force_password_change"`
	}{c.Password.Reveal(), c.ForcePasswordChange}, c.Extra)
}

// User is the answer of createUser. The definition declares none of its
// fields required, so each is a pointer: nil is a field the service did not
// send, which is unknown, never false, 0 or "" (the client reads it so). ID is ""
// when absent.
type User struct {
	UserNum             *int64  `json:"user_num,omitempty"`
	FullName            *string `json:"full_name,omitempty"`
	ID                  string  `json:"id,omitempty"`
	PreferredLibrary    *string `json:"preferred_library,omitempty"`
	UserNos             *int64  `json:"user_nos,omitempty"`
	UserIDEx            *string `json:"user_id_ex,omitempty"`
	SSID                *string `json:"ssid,omitempty"`
	PwdNeverExpire      *bool   `json:"pwd_never_expire,omitempty"`
	IsLocked            *bool   `json:"is_locked,omitempty"`
	IsExternal          *bool   `json:"is_external,omitempty"`
	HasPassword         *bool   `json:"has_password,omitempty"`
	ForcePasswordChange *bool   `json:"force_password_change,omitempty"`
	FailedLogins        *int64  `json:"failed_logins,omitempty"`
	Email               *string `json:"email,omitempty"`
	EditDate            *string `json:"edit_date,omitempty"`
	CreateDate          *string `json:"create_date,omitempty"`
	PwdChangedTS        *string `json:"pwd_changed_ts,omitempty"`
	AllowLogon          *bool   `json:"allow_logon,omitempty"`
	UserCreated         *bool   `json:"user_created,omitempty"`
}

// AssignUserToLibraryRequest is the body of POST /assignUserToLibrary.
type AssignUserToLibraryRequest struct {
	LibraryID          string `json:"libraryId"`
	UserID             string `json:"user_id"`
	Role               string `json:"role"`
	IsPreferredLibrary bool   `json:"is_preferred_library"`
}

// AssignUserToLibraryResult is the answer of assignUserToLibrary. The
// definition types user_num as a JSON number, not an integer: 3, 3.0 and 3e0
// are all the number three, kept as the service wrote it.
type AssignUserToLibraryResult struct {
	UserNum json.Number `json:"user_num"`
}

// UserNumInt returns user_num as a whole number, when it is one.
func (r AssignUserToLibraryResult) UserNumInt() (int64, bool) {
	n, err := Integral(r.UserNum)
	return n, err == nil
}

// Integral reads a JSON number that must hold a whole value: 3, 3.0 and
// 3e0 are all three.
func Integral(n json.Number) (int64, error) {
	if v, err := n.Int64(); err == nil {
		return v, nil
	}
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("%s is not a whole number", n)
	}
	return int64(f), nil
}

// GetLibraryRolesRequest is the query of GET /getLibraryRoles.
type GetLibraryRolesRequest struct {
	LibraryID  string
	IsExternal bool
	UserID     string // optional
}

// IDDescription is an {id, description} pair: a role or a lookup alias.
type IDDescription struct {
	ID          string `json:"id"`
	Description string `json:"description"`
}

// LookupAlias is one entry of getLookupAliases. The definition answers
// {id, description}; Enabled, HIPAA and Parent are read when a service
// sends them too (the simulator does) and stay nil or "" when it does not:
// what is not shown cannot be compared.
type LookupAlias struct {
	ID          string  `json:"id"`
	Description *string `json:"description,omitempty"`
	Enabled     *bool   `json:"enabled,omitempty"`
	HIPAA       *bool   `json:"hipaa,omitempty"`
	Parent      string  `json:"parent,omitempty"`
	// Extra are the other fields the service showed (a tenant's own
	// properties), as they came.
	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON reads the alias and keeps the fields it does not name.
func (a *LookupAlias) UnmarshalJSON(b []byte) error {
	type plain LookupAlias
	if err := json.Unmarshal(b, (*plain)(a)); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	for _, k := range []string{"id", "description", "enabled", "hipaa", "parent"} {
		delete(all, k)
	}
	a.Extra = nil
	if len(all) > 0 {
		a.Extra = all
	}
	return nil
}

// MarshalJSON writes the alias with the other fields it came with.
func (a LookupAlias) MarshalJSON() ([]byte, error) {
	type plain LookupAlias
	return withExtra(plain(a), a.Extra)
}

// GetLookupAliasesRequest is the query of GET /getLookupAliases.
type GetLookupAliasesRequest struct {
	LibraryID        string
	LookupFieldID    string
	ParentAlias      string // for custom2 / custom30
	GetParentAliases bool
}

// AliasInfo is aliasInfo of createCustomOrPropertyLookup and updateCustomField.
// Pointers distinguish "not given" from false / empty.
type AliasInfo struct {
	ID          string  `json:"id"`
	Description *string `json:"description,omitempty"`
	Enabled     *bool   `json:"enabled,omitempty"`
	HIPAA       *bool   `json:"hipaa,omitempty"`
	Parent      string  `json:"parent,omitempty"`
	// Extra are the further properties the tenant's schema names
	// (MEMBER.NAME columns), as JSON values.
	Extra map[string]json.RawMessage `json:"-"`
}

// MarshalJSON writes the properties and the further ones in one object.
func (a AliasInfo) MarshalJSON() ([]byte, error) {
	type plain AliasInfo
	return withExtra(plain(a), a.Extra)
}

// withExtra writes v (a struct) with the further properties added; the
// struct's own win over an extra of the same name (the reader refuses
// those).
func withExtra(v any, extra map[string]json.RawMessage) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, x := range extra {
		if _, own := m[k]; !own {
			m[k] = x
		}
	}
	return json.Marshal(m)
}

// LookupAliasRequest is the body of POST /createCustomOrPropertyLookup and
// POST /updateCustomField.
type LookupAliasRequest struct {
	LibraryID     string    `json:"libraryId"`
	LookupFieldID string    `json:"lookupFieldId"`
	AliasInfo     AliasInfo `json:"aliasInfo"`
}

// AddTabRequest is the body of POST /addTab.
type AddTabRequest struct {
	Name            string `json:"name"`
	ParentID        string `json:"parentId"`
	DefaultSecurity string `json:"default_security"`
	Description     string `json:"description,omitempty"`
	Owner           string `json:"owner,omitempty"`
}

// Tab is the answer of addTab: the definition's NewTabProfile. The answer
// is also kept whole (see UnmarshalJSON and MarshalJSON), so a field the
// service adds is reported as it came.
type Tab struct {
	Database         string `json:"database"`
	DefaultSecurity  string `json:"default_security"`
	ID               string `json:"id"`
	Name             string `json:"name"`
	Owner            string `json:"owner"`
	TabURL           string `json:"tab_url"`
	WorkspaceID      string `json:"workspace_id"`
	WorkspaceName    string `json:"workspace_name"`
	Description      string `json:"description,omitempty"`
	OwnerDescription string `json:"owner_description,omitempty"`

	raw json.RawMessage
}

// UnmarshalJSON reads the answer and keeps it, compacted, as it came.
func (t *Tab) UnmarshalJSON(b []byte) error {
	type plain Tab
	var p plain
	raw, err := readWhole(b, &p)
	*t = Tab(p)
	t.raw = raw
	return err
}

// MarshalJSON writes the answer as the service sent it.
func (t Tab) MarshalJSON() ([]byte, error) {
	if t.raw != nil {
		return t.raw, nil
	}
	type plain Tab
	return json.Marshal(plain(t))
}

// readWhole reads b into v (a type without readWhole's caller's
// UnmarshalJSON) and returns b compacted, to be reported as it came.
func readWhole(b []byte, v any) (json.RawMessage, error) {
	if err := json.Unmarshal(b, v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// AddFolderRequest is the body of POST /addFolder.
type AddFolderRequest struct {
	Name                        string         `json:"name"`
	ParentID                    string         `json:"parentId"`
	ParentType                  string         `json:"parentType"`
	DefaultSecurity             string         `json:"default_security"`
	InheritProfileFromWorkspace string         `json:"inherit_profile_from_workspace"`
	Description                 string         `json:"description,omitempty"`
	Email                       string         `json:"email,omitempty"`
	Owner                       string         `json:"owner,omitempty"`
	Class                       string         `json:"class,omitempty"`
	Subclass                    string         `json:"subclass,omitempty"`
	IsExternalAsNormal          bool           `json:"is_external_as_normal,omitempty"`
	ProfileProperties           map[string]any `json:"profileProperties,omitempty"`
}

// Folder is the answer of addFolder: the definition's NewFolderProfile,
// every field it names. Optional booleans are pointers: absent is not
// false. The answer is also kept whole (see UnmarshalJSON and
// MarshalJSON), so a field the service adds is reported as it came.
type Folder struct {
	ID                       string         `json:"id"`
	Name                     string         `json:"name"`
	WSType                   string         `json:"wstype"`
	FolderURL                string         `json:"folder_url"`
	ParentID                 string         `json:"parent_id,omitempty"`
	WorkspaceID              string         `json:"workspace_id,omitempty"`
	WorkspaceName            string         `json:"workspace_name,omitempty"`
	Database                 string         `json:"database,omitempty"`
	DefaultSecurity          string         `json:"default_security,omitempty"`
	InheritedDefaultSecurity string         `json:"inherited_default_security,omitempty"`
	EffectiveSecurity        string         `json:"effective_security,omitempty"`
	Description              string         `json:"description,omitempty"`
	Email                    string         `json:"email,omitempty"`
	EditDate                 string         `json:"edit_date,omitempty"`
	FolderType               string         `json:"folder_type,omitempty"`
	ViewType                 string         `json:"view_type,omitempty"`
	Owner                    string         `json:"owner,omitempty"`
	OwnerDescription         string         `json:"owner_description,omitempty"`
	HasDocuments             *bool          `json:"has_documents,omitempty"`
	HasSubfolders            *bool          `json:"has_subfolders,omitempty"`
	IsContainerSavedSearch   *bool          `json:"is_container_saved_search,omitempty"`
	IsContentSavedSearch     *bool          `json:"is_content_saved_search,omitempty"`
	IsExternal               *bool          `json:"is_external,omitempty"`
	IsExternalAsNormal       *bool          `json:"is_external_as_normal,omitempty"`
	Profile                  *FolderProfile `json:"profile,omitempty"`

	raw json.RawMessage
}

// FolderProfile is a folder's profile: class, subclass and the custom
// fields custom1 to custom30, each as the service wrote it.
type FolderProfile struct {
	Class    string                     `json:"class,omitempty"`
	Subclass string                     `json:"subclass,omitempty"`
	Custom   map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON reads class, subclass and the rest of the profile.
func (p *FolderProfile) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*p = FolderProfile{}
	for k, v := range m {
		var err error
		switch k {
		case "class":
			err = json.Unmarshal(v, &p.Class)
		case "subclass":
			err = json.Unmarshal(v, &p.Subclass)
		default:
			if p.Custom == nil {
				p.Custom = map[string]json.RawMessage{}
			}
			p.Custom[k] = v
		}
		if err != nil {
			return fmt.Errorf("profile.%s: %w", k, err)
		}
	}
	return nil
}

// MarshalJSON writes class, subclass and the custom fields in one object.
func (p FolderProfile) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(p.Custom)+2)
	for k, v := range p.Custom {
		m[k] = v
	}
	if p.Class != "" {
		m["class"] = p.Class
	}
	if p.Subclass != "" {
		m["subclass"] = p.Subclass
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads the answer and keeps it, compacted, as it came.
func (f *Folder) UnmarshalJSON(b []byte) error {
	type plain Folder
	var p plain
	raw, err := readWhole(b, &p)
	*f = Folder(p)
	f.raw = raw
	return err
}

// MarshalJSON writes the answer as the service sent it.
func (f Folder) MarshalJSON() ([]byte, error) {
	if f.raw != nil {
		return f.raw, nil
	}
	type plain Folder
	return json.Marshal(plain(f))
}

// AddShortcutsRequest is the body of POST /addShortcutsToMyMattersAdmin.
// WorkspaceIDs are joined with ";" on the wire.
type AddShortcutsRequest struct {
	UserID       string
	WorkspaceIDs []string
	CategoryID   string // optional
}

// Shortcut is one workspace shortcut in a My Matters answer.
type Shortcut struct {
	ID     string `json:"id"`
	WSType string `json:"wstype"`
	Target struct {
		ID string `json:"id"`
	} `json:"target"`
}

// AddShortcutsResult is the answer of addShortcutsToMyMattersAdmin.
type AddShortcutsResult struct {
	Shortcuts               []Shortcut `json:"shortcuts"`
	AllWorkspaceShortcutIDs string     `json:"all_workspace_shortcut_ids"`
}

// MyMattersCategory is one entry of getMyMattersCategories.
type MyMattersCategory struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	CategoryType    string `json:"category_type"`
	DefaultSecurity string `json:"default_security"`
	HasSubfolders   bool   `json:"has_subfolders"`
	Owner           string `json:"owner"`
}

// Library is one entry of getLibraries.
type Library struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	Type        string `json:"type"`
	IsHidden    bool   `json:"is_hidden"`
}

// LookupFieldName is one entry of getLookupFieldNames.
type LookupFieldName struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
}
