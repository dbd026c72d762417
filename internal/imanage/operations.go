package imanage

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/firmtools/bulk/internal/wire"
	"net/http"
	"net/url"
	"strings"
)

// The ten actions of the contract and its helper reads. Each is one
// operation request (two when a 401 makes the client sign in again).

// CreateUser creates a user (POST /createUser). With
// IgnoreIfUserAlreadyExists an existing user comes back with UserCreated
// false.
func (c *Client) CreateUser(ctx context.Context, req wire.CreateUserRequest) (*wire.User, error) {
	return call(ctx, c, http.MethodPost, wire.OpCreateUser, nil, req, decodeUser, req.CreatePassword.Password)
}

// AssignUserToLibrary gives a user a role in a library (POST /assignUserToLibrary).
func (c *Client) AssignUserToLibrary(ctx context.Context, req wire.AssignUserToLibraryRequest) (*wire.AssignUserToLibraryResult, error) {
	return call(ctx, c, http.MethodPost, wire.OpAssignUserToLibrary, nil, req, decodeAssignResult)
}

// GetLibraryRoles lists a library's roles (GET /getLibraryRoles).
func (c *Client) GetLibraryRoles(ctx context.Context, req wire.GetLibraryRolesRequest) ([]wire.IDDescription, error) {
	q := url.Values{}
	q.Set(qLibraryID, req.LibraryID)
	q.Set(qIsExternal, queryBool(req.IsExternal))
	setIf(q, qUserID, req.UserID)
	return call(ctx, c, http.MethodGet, wire.OpGetLibraryRoles, q, nil, decodeIDDescriptions)
}

// GetLookupAliases lists the aliases of a lookup field (GET /getLookupAliases).
func (c *Client) GetLookupAliases(ctx context.Context, req wire.GetLookupAliasesRequest) ([]wire.LookupAlias, error) {
	q := url.Values{}
	q.Set(qLibraryID, req.LibraryID)
	q.Set(qLookupFieldID, req.LookupFieldID)
	setIf(q, qParentAlias, req.ParentAlias)
	q.Set(qGetParentAliases, queryBool(req.GetParentAliases))
	return call(ctx, c, http.MethodGet, wire.OpGetLookupAliases, q, nil, decodeLookupAliases)
}

// CreateLookupAlias creates an alias of a custom or property lookup field
// (POST /createCustomOrPropertyLookup).
func (c *Client) CreateLookupAlias(ctx context.Context, req wire.LookupAliasRequest) error {
	_, err := call(ctx, c, http.MethodPost, wire.OpCreateLookupAlias, nil, req, decodeAnything)
	return err
}

// UpdateCustomField changes an existing alias (POST /updateCustomField).
func (c *Client) UpdateCustomField(ctx context.Context, req wire.LookupAliasRequest) error {
	_, err := call(ctx, c, http.MethodPost, wire.OpUpdateCustomField, nil, req, decodeAnything)
	return err
}

// AddTab adds a tab to a workspace (POST /addTab). Not idempotent.
func (c *Client) AddTab(ctx context.Context, req wire.AddTabRequest) (*wire.Tab, error) {
	return call(ctx, c, http.MethodPost, wire.OpAddTab, nil, req, decodeTab)
}

// AddFolder adds a folder under a workspace, tab or folder (POST /addFolder).
// Not idempotent.
func (c *Client) AddFolder(ctx context.Context, req wire.AddFolderRequest) (*wire.Folder, error) {
	return call(ctx, c, http.MethodPost, wire.OpAddFolder, nil, req, decodeFolder)
}

// AddShortcutsToMyMatters adds workspace shortcuts to a user's My Matters
// (POST /addShortcutsToMyMattersAdmin); all the workspaces go in one call.
func (c *Client) AddShortcutsToMyMatters(ctx context.Context, req wire.AddShortcutsRequest) (*wire.AddShortcutsResult, error) {
	body := shortcutsBody{
		UserID:      req.UserID,
		WorkspaceID: strings.Join(req.WorkspaceIDs, shortcutIDSeparator),
		CategoryID:  req.CategoryID,
	}
	return call(ctx, c, http.MethodPost, wire.OpAddShortcutsToMyMatters, nil, body, decodeShortcuts)
}

// GetMyMattersCategories lists a user's My Matters categories (GET /getMyMattersCategories).
func (c *Client) GetMyMattersCategories(ctx context.Context, userID string) ([]wire.MyMattersCategory, error) {
	q := url.Values{}
	q.Set(qUserID, userID)
	return call(ctx, c, http.MethodGet, wire.OpGetMyMattersCategories, q, nil, decodeCategories)
}

// GetLibraries lists the libraries (GET /getLibraries).
func (c *Client) GetLibraries(ctx context.Context, showAll, hidePreferred bool) ([]wire.Library, error) {
	q := url.Values{}
	q.Set(qShowAllLibraries, queryBool(showAll))
	q.Set(qHidePreferred, queryBool(hidePreferred))
	return call(ctx, c, http.MethodGet, wire.OpGetLibraries, q, nil, decodeLibraries)
}

// GetLookupFieldNames lists the fourteen lookup fields and their display
// names (GET /getLookupFieldNames).
func (c *Client) GetLookupFieldNames(ctx context.Context) ([]wire.LookupFieldName, error) {
	return call(ctx, c, http.MethodGet, wire.OpGetLookupFieldNames, nil, nil, decodeLookupFieldNames)
}

// GetEmailOptions lists the e-mail options (GET /getEmailOptions).
func (c *Client) GetEmailOptions(ctx context.Context) ([]string, error) {
	return call(ctx, c, http.MethodGet, wire.OpGetEmailOptions, nil, nil, decodeStrings)
}

// GetCreateLookupAliasSchema reads the JSON schema of aliasInfo for
// creating an alias of a lookup field (GET /getCreateCustomOrPropertyLookupSchema).
func (c *Client) GetCreateLookupAliasSchema(ctx context.Context, lookupFieldID string) (json.RawMessage, error) {
	return c.schema(ctx, wire.OpGetCreateLookupAliasSchema, qLookupFieldID, lookupFieldID)
}

// GetUpdateCustomFieldSchema reads the JSON schema of aliasInfo for
// updating an alias of a lookup field (GET /getUpdateCustomFieldSchema).
func (c *Client) GetUpdateCustomFieldSchema(ctx context.Context, lookupFieldID string) (json.RawMessage, error) {
	return c.schema(ctx, wire.OpGetUpdateCustomFieldSchema, qLookupFieldID, lookupFieldID)
}

// GetCreateUserPasswordSchema reads the JSON schema of create_password for
// a password_create_method (GET /getCreateUserPasswordSchema).
func (c *Client) GetCreateUserPasswordSchema(ctx context.Context, method string) (json.RawMessage, error) {
	return c.schema(ctx, wire.OpGetCreateUserPasswordSchema, qPasswordMethod, method)
}

// GetAddFolderPropertiesSchema reads the JSON schema of profileProperties
// for inherit_profile_from_workspace Yes or No (GET /getAddFolderPropertiesSchema).
func (c *Client) GetAddFolderPropertiesSchema(ctx context.Context, inherit string) (json.RawMessage, error) {
	return c.schema(ctx, wire.OpGetAddFolderPropertiesSchema, qInheritProfile, inherit)
}

// schema reads one schema. A tenant that predates the schema operations
// answers their path with 404: the error then also wraps
// wire.ErrNoOperation, for the caller to stand the contract's shape in.
func (c *Client) schema(ctx context.Context, op, param, value string) (json.RawMessage, error) {
	q := url.Values{}
	q.Set(param, value)
	raw, err := call(ctx, c, http.MethodGet, op, q, nil, decodeSchema)
	if e, ok := AsError(err); ok && e.Delivery == Answered && e.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("%w: %w", wire.ErrNoOperation, err)
	}
	return raw, err
}

// setIf sets an optional query parameter only when it has a value.
func setIf(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}
