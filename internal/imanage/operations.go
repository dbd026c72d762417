package imanage

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// The ten actions of the contract and its helper reads. Each is one
// operation request (two when a 401 makes the client sign in again).

// CreateUser creates a user (POST /createUser). With
// IgnoreIfUserAlreadyExists an existing user comes back with UserCreated
// false.
func (c *Client) CreateUser(ctx context.Context, req CreateUserRequest) (*User, error) {
	return call(ctx, c, http.MethodPost, OpCreateUser, nil, req, decodeUser, req.CreatePassword.Password)
}

// AssignUserToLibrary gives a user a role in a library (POST /assignUserToLibrary).
func (c *Client) AssignUserToLibrary(ctx context.Context, req AssignUserToLibraryRequest) (*AssignUserToLibraryResult, error) {
	return call(ctx, c, http.MethodPost, OpAssignUserToLibrary, nil, req, decodeAssignResult)
}

// GetLibraryRoles lists a library's roles (GET /getLibraryRoles).
func (c *Client) GetLibraryRoles(ctx context.Context, req GetLibraryRolesRequest) ([]IDDescription, error) {
	q := url.Values{}
	q.Set(qLibraryID, req.LibraryID)
	q.Set(qIsExternal, queryBool(req.IsExternal))
	setIf(q, qUserID, req.UserID)
	return call(ctx, c, http.MethodGet, OpGetLibraryRoles, q, nil, decodeIDDescriptions)
}

// GetLookupAliases lists the aliases of a lookup field (GET /getLookupAliases).
func (c *Client) GetLookupAliases(ctx context.Context, req GetLookupAliasesRequest) ([]LookupAlias, error) {
	q := url.Values{}
	q.Set(qLibraryID, req.LibraryID)
	q.Set(qLookupFieldID, req.LookupFieldID)
	setIf(q, qParentAlias, req.ParentAlias)
	q.Set(qGetParentAliases, queryBool(req.GetParentAliases))
	return call(ctx, c, http.MethodGet, OpGetLookupAliases, q, nil, decodeLookupAliases)
}

// CreateLookupAlias creates an alias of a custom or property lookup field
// (POST /createCustomOrPropertyLookup).
func (c *Client) CreateLookupAlias(ctx context.Context, req LookupAliasRequest) error {
	_, err := call(ctx, c, http.MethodPost, OpCreateLookupAlias, nil, req, decodeEmpty)
	return err
}

// UpdateCustomField changes an existing alias (POST /updateCustomField).
func (c *Client) UpdateCustomField(ctx context.Context, req LookupAliasRequest) error {
	_, err := call(ctx, c, http.MethodPost, OpUpdateCustomField, nil, req, decodeEmpty)
	return err
}

// AddTab adds a tab to a workspace (POST /addTab). Not idempotent.
func (c *Client) AddTab(ctx context.Context, req AddTabRequest) (*Tab, error) {
	return call(ctx, c, http.MethodPost, OpAddTab, nil, req, decodeTab)
}

// AddFolder adds a folder under a workspace, tab or folder (POST /addFolder).
// Not idempotent.
func (c *Client) AddFolder(ctx context.Context, req AddFolderRequest) (*Folder, error) {
	return call(ctx, c, http.MethodPost, OpAddFolder, nil, req, decodeFolder)
}

// AddShortcutsToMyMatters adds workspace shortcuts to a user's My Matters
// (POST /addShortcutsToMyMattersAdmin); all the workspaces go in one call.
func (c *Client) AddShortcutsToMyMatters(ctx context.Context, req AddShortcutsRequest) (*AddShortcutsResult, error) {
	body := shortcutsBody{
		UserID:      req.UserID,
		WorkspaceID: strings.Join(req.WorkspaceIDs, shortcutIDSeparator),
		CategoryID:  req.CategoryID,
	}
	return call(ctx, c, http.MethodPost, OpAddShortcutsToMyMatters, nil, body, decodeShortcuts)
}

// GetMyMattersCategories lists a user's My Matters categories (GET /getMyMattersCategories).
func (c *Client) GetMyMattersCategories(ctx context.Context, userID string) ([]MyMattersCategory, error) {
	q := url.Values{}
	q.Set(qUserID, userID)
	return call(ctx, c, http.MethodGet, OpGetMyMattersCategories, q, nil, decodeCategories)
}

// GetLibraries lists the libraries (GET /getLibraries).
func (c *Client) GetLibraries(ctx context.Context, showAll, hidePreferred bool) ([]Library, error) {
	q := url.Values{}
	q.Set(qShowAllLibraries, queryBool(showAll))
	q.Set(qHidePreferred, queryBool(hidePreferred))
	return call(ctx, c, http.MethodGet, OpGetLibraries, q, nil, decodeLibraries)
}

// GetLookupFieldNames lists the fourteen lookup fields and their display
// names (GET /getLookupFieldNames).
func (c *Client) GetLookupFieldNames(ctx context.Context) ([]LookupFieldName, error) {
	return call(ctx, c, http.MethodGet, OpGetLookupFieldNames, nil, nil, decodeLookupFieldNames)
}

// GetEmailOptions lists the e-mail options (GET /getEmailOptions).
func (c *Client) GetEmailOptions(ctx context.Context) ([]string, error) {
	return call(ctx, c, http.MethodGet, OpGetEmailOptions, nil, nil, decodeStrings)
}

// setIf sets an optional query parameter only when it has a value.
func setIf(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}
