// Package wire holds what travels between bulk and the service, as data:
// the operations' names and the request and answer types of the actions
// and helper reads, with the contract's field names (docs/contract.md).
//
// It has no HTTP. The client (internal/imanage) sends and decodes these
// types; the actions (internal/actions) build and read them. So the code
// that only describes an action, and the manifest reader above it, links
// no network code.
package wire

import "errors"

// Operation names, as they appear in the URL path ({base}/automate/work/{operation})
// and in the client's errors.
const (
	OpCreateUser              = "createUser"
	OpAssignUserToLibrary     = "assignUserToLibrary"
	OpGetLibraryRoles         = "getLibraryRoles"
	OpGetLookupAliases        = "getLookupAliases"
	OpCreateLookupAlias       = "createCustomOrPropertyLookup"
	OpUpdateCustomField       = "updateCustomField"
	OpAddTab                  = "addTab"
	OpAddFolder               = "addFolder"
	OpAddShortcutsToMyMatters = "addShortcutsToMyMattersAdmin"
	OpGetMyMattersCategories  = "getMyMattersCategories"
	OpGetLibraries            = "getLibraries"
	OpGetLookupFieldNames     = "getLookupFieldNames"
	OpGetEmailOptions         = "getEmailOptions"

	// The schema operations: the definition leaves aliasInfo,
	// create_password and profileProperties to the service, which
	// describes each with a JSON schema.
	OpGetCreateLookupAliasSchema   = "getCreateCustomOrPropertyLookupSchema"
	OpGetUpdateCustomFieldSchema   = "getUpdateCustomFieldSchema"
	OpGetCreateUserPasswordSchema  = "getCreateUserPasswordSchema"
	OpGetAddFolderPropertiesSchema = "getAddFolderPropertiesSchema"
)

// ErrNoOperation is wrapped by the error of a call to an operation the
// service does not have: a tenant that predates the schema operations
// answers their path with 404.
var ErrNoOperation = errors.New("the service has no such operation")
