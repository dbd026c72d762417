package sim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Valid bodies; each case below breaks one rule.
var (
	validCreateUser = obj{
		"full_name": "Dana Scully", "id": "DSCULLY", "email": "dscully@example.com",
		"is_external": false, "preferred_library": "ACTIVE_US", "role": "ATTORNEY",
		"ignore_if_user_already_exists": true, "password_create_method": "Send an email",
		"create_password": obj{},
	}
	validCreateUserWithPassword = validCreateUser.
					with("id", "FMULDER").
					with("password_create_method", "Create a password").
					with("create_password", obj{"password": "trustno1!", "force_password_change": true})
	validAssign = obj{"libraryId": "ACTIVE_UK", "user_id": "ASMITH", "role": "PARALEGAL", "is_preferred_library": false}
	validAlias  = obj{"libraryId": "ACTIVE_US", "lookupFieldId": "custom1", "aliasInfo": obj{"id": "1004", "description": "Umbrella"}}
	validChild  = obj{"libraryId": "ACTIVE_US", "lookupFieldId": "custom2", "aliasInfo": obj{"id": "1001-0003", "parent": "1001"}}
	validUpdate = obj{"libraryId": "ACTIVE_US", "lookupFieldId": "custom1", "aliasInfo": obj{"id": "1002", "description": "Globex Corporation"}}
	validTab    = obj{"name": "Billing", "parentId": "ACTIVE_US!1000", "default_security": "inherit"}
	validFolder = obj{
		"name": "Pleadings", "parentId": "ACTIVE_US!3000", "parentType": "Tab",
		"default_security": "inherit", "inherit_profile_from_workspace": "Yes",
	}
	validProfileFolder = validFolder.with("inherit_profile_from_workspace", "No").with("profileProperties", obj{
		"custom1": "1001", "custom2": "1001-0002", "custom13": "free text", "custom17": 12.5,
		"custom21": "2024-05-01T09:30:00Z", "custom25": true, "custom29": "LIT", "custom30": "LIT-ARB",
	})
	validShortcuts = obj{"user_id": "ASMITH", "workspace_id": "ACTIVE_US!1000;ACTIVE_US!1001"}
)

type validationCase struct {
	name   string
	op     string
	body   any        // for POSTs
	query  url.Values // for GETs
	status int
	code   string   // error code; "" for 200
	fields []string // messages[].field, in order
}

func post(name, op string, body any, status int, code string, fields ...string) validationCase {
	return validationCase{name: name, op: op, body: body, status: status, code: code, fields: fields}
}

func get(name, op string, q url.Values, status int, code string, fields ...string) validationCase {
	return validationCase{name: name, op: op, query: q, status: status, code: code, fields: fields}
}

const (
	vf  = codeValidation
	bad = http.StatusBadRequest
	ok  = http.StatusOK
	nf  = http.StatusNotFound
)

func TestValidation(t *testing.T) {

	cases := []validationCase{
		// createUser
		post("createUser/valid", "createUser", validCreateUser, ok, ""),
		post("createUser/valid with a password", "createUser", validCreateUserWithPassword, ok, ""),
		post("createUser/full_name missing", "createUser", validCreateUser.without("full_name"), bad, vf, "full_name"),
		post("createUser/full_name not a string", "createUser", validCreateUser.with("full_name", 7), bad, vf, "full_name"),
		post("createUser/full_name null", "createUser", validCreateUser.with("full_name", nil), bad, vf, "full_name"),
		post("createUser/id missing", "createUser", validCreateUser.without("id"), bad, vf, "id"),
		post("createUser/id empty", "createUser", validCreateUser.with("id", ""), bad, vf, "id"),
		post("createUser/id with a space", "createUser", validCreateUser.with("id", "D SCULLY"), bad, vf, "id"),
		post("createUser/id with a control character", "createUser", validCreateUser.with("id", "D\tSCULLY"), bad, vf, "id"),
		post("createUser/id beyond U+FFFF", "createUser", validCreateUser.with("id", "DANA😀"), bad, vf, "id"),
		post("createUser/email missing", "createUser", validCreateUser.without("email"), bad, vf, "email"),
		post("createUser/email under 5 characters", "createUser", validCreateUser.with("email", "a@b."), bad, vf, "email"),
		post("createUser/email over 254 characters", "createUser", validCreateUser.with("email", long(246)+"@acme.com"), bad, vf, "email"),
		post("createUser/email without a tld", "createUser", validCreateUser.with("email", "dana@example"), bad, vf, "email"),
		post("createUser/email with a one-letter tld", "createUser", validCreateUser.with("email", "abc@b.c"), bad, vf, "email"),
		post("createUser/email with a two-letter tld", "createUser", validCreateUser.with("id", "ABC").with("email", "abc@b.co"), ok, ""),
		post("createUser/email without @", "createUser", validCreateUser.with("email", "dana.example.com"), bad, vf, "email"),
		post("createUser/email with a space", "createUser", validCreateUser.with("email", "dana scully@example.com"), bad, vf, "email"),
		post("createUser/email with the connector's symbols", "createUser", validCreateUser.with("id", "OBRIEN").with("email", "o'brien+{x}|y@ex-ample.co.uk"), ok, ""),
		post("createUser/is_external missing", "createUser", validCreateUser.without("is_external"), bad, vf, "is_external"),
		post("createUser/is_external a string", "createUser", validCreateUser.with("is_external", "false"), bad, vf, "is_external"),
		post("createUser/preferred_library missing", "createUser", validCreateUser.without("preferred_library"), bad, vf, "preferred_library"),
		post("createUser/preferred_library unknown", "createUser", validCreateUser.with("preferred_library", "NOWHERE"), nf, codeLibraryNotFound),
		post("createUser/role missing", "createUser", validCreateUser.without("role"), bad, vf, "role"),
		post("createUser/role not of the library", "createUser", validCreateUser.with("role", "PARTNER"), bad, vf, "role"),
		post("createUser/external role for a normal user", "createUser", validCreateUser.with("role", "EXTERNAL_CLIENT"), bad, vf, "role"),
		post("createUser/normal role for an external user", "createUser", validCreateUser.with("is_external", true), bad, vf, "role"),
		post("createUser/ignore_if_user_already_exists missing", "createUser", validCreateUser.without("ignore_if_user_already_exists"), bad, vf, "ignore_if_user_already_exists"),
		post("createUser/ignore_if_user_already_exists a number", "createUser", validCreateUser.with("ignore_if_user_already_exists", 1), bad, vf, "ignore_if_user_already_exists"),
		post("createUser/password_create_method missing", "createUser", validCreateUser.without("password_create_method"), bad, vf, "password_create_method"),
		post("createUser/password_create_method misspelt", "createUser", validCreateUser.with("password_create_method", "send an email"), bad, vf, "password_create_method"),
		post("createUser/create_password missing", "createUser", validCreateUser.without("create_password"), bad, vf, "create_password"),
		post("createUser/create_password not an object", "createUser", validCreateUser.with("create_password", "secret"), bad, vf, "create_password"),
		post("createUser/create_password not {} for Send an email", "createUser", validCreateUser.with("create_password", obj{"password": "trustno1!"}), bad, vf, "create_password"),
		post("createUser/password missing", "createUser", validCreateUserWithPassword.without("create_password.password"), bad, vf, "create_password.password"),
		post("createUser/password of 7 characters", "createUser", validCreateUserWithPassword.with("create_password.password", "1234567"), bad, vf, "create_password.password"),
		post("createUser/password of 129 characters", "createUser", validCreateUserWithPassword.with("create_password.password", long(129)), bad, vf, "create_password.password"),
		post("createUser/force_password_change a string", "createUser", validCreateUserWithPassword.with("create_password.force_password_change", "yes"), bad, vf, "create_password.force_password_change"),
		post("createUser/unknown key in create_password", "createUser", validCreateUserWithPassword.with("create_password.expires", "never"), bad, vf, "create_password.expires"),
		post("createUser/unknown key", "createUser", validCreateUser.with("nickname", "Dana"), bad, vf, "nickname"),
		post("createUser/every bad field at once", "createUser",
			validCreateUser.without("full_name").with("email", "nope").with("password_create_method", "Email").with("zeta", 1).with("alpha", 2),
			bad, vf, "full_name", "email", "password_create_method", "alpha", "zeta"),
		post("createUser/existing user not ignored", "createUser", validCreateUser.with("id", "BJONES").with("ignore_if_user_already_exists", false), http.StatusConflict, codeDuplicateUser),
		post("createUser/body not JSON", "createUser", `{"id": "DSCULLY",`, bad, vf, "body"),
		post("createUser/body empty", "createUser", ``, bad, vf, "body"),
		post("createUser/body an array", "createUser", `[{"id": "DSCULLY"}]`, bad, vf, "body"),
		post("createUser/data after the object", "createUser", `{} {}`, bad, vf, "body"),

		// assignUserToLibrary
		post("assignUserToLibrary/valid", "assignUserToLibrary", validAssign, ok, ""),
		post("assignUserToLibrary/libraryId missing", "assignUserToLibrary", validAssign.without("libraryId"), bad, vf, "libraryId"),
		post("assignUserToLibrary/user_id missing", "assignUserToLibrary", validAssign.without("user_id"), bad, vf, "user_id"),
		post("assignUserToLibrary/role missing", "assignUserToLibrary", validAssign.without("role"), bad, vf, "role"),
		post("assignUserToLibrary/is_preferred_library missing", "assignUserToLibrary", validAssign.without("is_preferred_library"), bad, vf, "is_preferred_library"),
		post("assignUserToLibrary/is_preferred_library a string", "assignUserToLibrary", validAssign.with("is_preferred_library", "true"), bad, vf, "is_preferred_library"),
		post("assignUserToLibrary/unknown key", "assignUserToLibrary", validAssign.with("library_id", "ACTIVE_UK"), bad, vf, "library_id"),
		post("assignUserToLibrary/library unknown", "assignUserToLibrary", validAssign.with("libraryId", "NOWHERE"), nf, codeLibraryNotFound),
		post("assignUserToLibrary/user unknown", "assignUserToLibrary", validAssign.with("user_id", "NOBODY"), nf, codeUserNotFound),
		post("assignUserToLibrary/role not of the library", "assignUserToLibrary", validAssign.with("role", "PARTNER"), bad, vf, "role"),
		post("assignUserToLibrary/external role for a normal user", "assignUserToLibrary", validAssign.with("role", "EXTERNAL_COUNSEL"), bad, vf, "role"),

		// getLibraryRoles
		get("getLibraryRoles/valid", "getLibraryRoles", url.Values{"libraryId": {"ACTIVE_US"}, "is_external": {"false"}}, ok, ""),
		get("getLibraryRoles/libraryId missing", "getLibraryRoles", url.Values{}, bad, vf, "libraryId"),
		get("getLibraryRoles/is_external not true or false", "getLibraryRoles", url.Values{"libraryId": {"ACTIVE_US"}, "is_external": {"yes"}}, bad, vf, "is_external"),
		get("getLibraryRoles/libraryId twice", "getLibraryRoles", url.Values{"libraryId": {"ACTIVE_US", "ACTIVE_UK"}}, bad, vf, "libraryId"),
		get("getLibraryRoles/unknown parameter", "getLibraryRoles", url.Values{"libraryId": {"ACTIVE_US"}, "library": {"x"}}, bad, vf, "library"),
		get("getLibraryRoles/library unknown", "getLibraryRoles", url.Values{"libraryId": {"NOWHERE"}}, nf, codeLibraryNotFound),
		get("getLibraryRoles/user unknown", "getLibraryRoles", url.Values{"libraryId": {"ACTIVE_US"}, "user_id": {"NOBODY"}}, nf, codeUserNotFound),

		// getLookupAliases
		get("getLookupAliases/valid", "getLookupAliases", url.Values{"libraryId": {"ACTIVE_US"}, "lookupFieldId": {"custom2"}, "parentAlias": {"1001"}, "getParentAliases": {"false"}}, ok, ""),
		get("getLookupAliases/libraryId missing", "getLookupAliases", url.Values{"lookupFieldId": {"custom1"}}, bad, vf, "libraryId"),
		get("getLookupAliases/lookupFieldId missing", "getLookupAliases", url.Values{"libraryId": {"ACTIVE_US"}}, bad, vf, "lookupFieldId"),
		get("getLookupAliases/lookupFieldId not a lookup field", "getLookupAliases", url.Values{"libraryId": {"ACTIVE_US"}, "lookupFieldId": {"custom13"}}, bad, vf, "lookupFieldId"),
		get("getLookupAliases/parentAlias for custom1", "getLookupAliases", url.Values{"libraryId": {"ACTIVE_US"}, "lookupFieldId": {"custom1"}, "parentAlias": {"1001"}}, bad, vf, "parentAlias"),
		get("getLookupAliases/getParentAliases for custom3", "getLookupAliases", url.Values{"libraryId": {"ACTIVE_US"}, "lookupFieldId": {"custom3"}, "getParentAliases": {"true"}}, bad, vf, "getParentAliases"),
		get("getLookupAliases/getParentAliases not true or false", "getLookupAliases", url.Values{"libraryId": {"ACTIVE_US"}, "lookupFieldId": {"custom2"}, "getParentAliases": {"1"}}, bad, vf, "getParentAliases"),
		get("getLookupAliases/parentAlias unknown", "getLookupAliases", url.Values{"libraryId": {"ACTIVE_US"}, "lookupFieldId": {"custom30"}, "parentAlias": {"1001"}}, bad, vf, "parentAlias"),
		get("getLookupAliases/library unknown", "getLookupAliases", url.Values{"libraryId": {"NOWHERE"}, "lookupFieldId": {"custom1"}}, nf, codeLibraryNotFound),

		// createCustomOrPropertyLookup
		post("createCustomOrPropertyLookup/valid", "createCustomOrPropertyLookup", validAlias, ok, ""),
		post("createCustomOrPropertyLookup/valid child", "createCustomOrPropertyLookup", validChild, ok, ""),
		post("createCustomOrPropertyLookup/libraryId missing", "createCustomOrPropertyLookup", validAlias.without("libraryId"), bad, vf, "libraryId"),
		post("createCustomOrPropertyLookup/lookupFieldId missing", "createCustomOrPropertyLookup", validAlias.without("lookupFieldId"), bad, vf, "lookupFieldId"),
		post("createCustomOrPropertyLookup/lookupFieldId not a lookup field", "createCustomOrPropertyLookup", validAlias.with("lookupFieldId", "custom13"), bad, vf, "lookupFieldId"),
		post("createCustomOrPropertyLookup/aliasInfo missing", "createCustomOrPropertyLookup", validAlias.without("aliasInfo"), bad, vf, "aliasInfo"),
		post("createCustomOrPropertyLookup/aliasInfo not an object", "createCustomOrPropertyLookup", validAlias.with("aliasInfo", "1004"), bad, vf, "aliasInfo"),
		post("createCustomOrPropertyLookup/id missing", "createCustomOrPropertyLookup", validAlias.without("aliasInfo.id"), bad, vf, "aliasInfo.id"),
		post("createCustomOrPropertyLookup/id of 33 characters", "createCustomOrPropertyLookup", validAlias.with("aliasInfo.id", long(33)), bad, vf, "aliasInfo.id"),
		post("createCustomOrPropertyLookup/description of 255 characters", "createCustomOrPropertyLookup", validAlias.with("aliasInfo.description", long(255)), bad, vf, "aliasInfo.description"),
		post("createCustomOrPropertyLookup/enabled a string", "createCustomOrPropertyLookup", validAlias.with("aliasInfo.enabled", "true"), bad, vf, "aliasInfo.enabled"),
		post("createCustomOrPropertyLookup/hipaa a number", "createCustomOrPropertyLookup", validAlias.with("aliasInfo.hipaa", 0), bad, vf, "aliasInfo.hipaa"),
		post("createCustomOrPropertyLookup/parent missing for custom2", "createCustomOrPropertyLookup", validChild.without("aliasInfo.parent"), bad, vf, "aliasInfo.parent"),
		post("createCustomOrPropertyLookup/parent missing for custom30", "createCustomOrPropertyLookup", validChild.with("lookupFieldId", "custom30").without("aliasInfo.parent"), bad, vf, "aliasInfo.parent"),
		post("createCustomOrPropertyLookup/parent refused for custom1", "createCustomOrPropertyLookup", validAlias.with("aliasInfo.parent", "1001"), bad, vf, "aliasInfo.parent"),
		post("createCustomOrPropertyLookup/parent unknown", "createCustomOrPropertyLookup", validChild.with("aliasInfo.parent", "9999"), bad, vf, "aliasInfo.parent"),
		post("createCustomOrPropertyLookup/parent of the wrong field", "createCustomOrPropertyLookup", validChild.with("lookupFieldId", "custom30"), bad, vf, "aliasInfo.parent"),
		post("createCustomOrPropertyLookup/unknown key in aliasInfo", "createCustomOrPropertyLookup", validAlias.with("aliasInfo.name", "x"), bad, vf, "aliasInfo.name"),
		post("createCustomOrPropertyLookup/unknown key", "createCustomOrPropertyLookup", validAlias.with("libraryID", "ACTIVE_US"), bad, vf, "libraryID"),
		post("createCustomOrPropertyLookup/library unknown", "createCustomOrPropertyLookup", validAlias.with("libraryId", "NOWHERE"), nf, codeLibraryNotFound),
		post("createCustomOrPropertyLookup/alias exists", "createCustomOrPropertyLookup", validAlias.with("aliasInfo.id", "1001"), http.StatusConflict, codeDuplicateAlias),
		post("createCustomOrPropertyLookup/child exists under its parent", "createCustomOrPropertyLookup", validChild.with("aliasInfo.id", "1001-0001"), http.StatusConflict, codeDuplicateAlias),
		post("createCustomOrPropertyLookup/same child under another parent", "createCustomOrPropertyLookup", validChild.with("aliasInfo.id", "1001-0001").with("aliasInfo.parent", "1003"), ok, ""),

		// updateCustomField
		post("updateCustomField/valid", "updateCustomField", validUpdate, ok, ""),
		post("updateCustomField/unknown top-level key is ignored", "updateCustomField", validUpdate.with("comment", "x"), ok, ""),
		post("updateCustomField/libraryId missing", "updateCustomField", validUpdate.without("libraryId"), bad, vf, "libraryId"),
		post("updateCustomField/lookupFieldId missing", "updateCustomField", validUpdate.without("lookupFieldId"), bad, vf, "lookupFieldId"),
		post("updateCustomField/aliasInfo missing", "updateCustomField", validUpdate.without("aliasInfo"), bad, vf, "aliasInfo"),
		post("updateCustomField/id missing", "updateCustomField", validUpdate.without("aliasInfo.id"), bad, vf, "aliasInfo.id"),
		post("updateCustomField/id of 33 characters", "updateCustomField", validUpdate.with("aliasInfo.id", long(33)), bad, vf, "aliasInfo.id"),
		post("updateCustomField/nothing to change", "updateCustomField", validUpdate.without("aliasInfo.description"), bad, vf, "aliasInfo"),
		post("updateCustomField/enabled a string", "updateCustomField", validUpdate.with("aliasInfo.enabled", "no"), bad, vf, "aliasInfo.enabled"),
		post("updateCustomField/parent missing for custom2", "updateCustomField", validUpdate.with("lookupFieldId", "custom2").with("aliasInfo.id", "1001-0001"), bad, vf, "aliasInfo.parent"),
		post("updateCustomField/parent refused for custom1", "updateCustomField", validUpdate.with("aliasInfo.parent", "1001"), bad, vf, "aliasInfo.parent"),
		post("updateCustomField/parent unknown", "updateCustomField", validUpdate.with("lookupFieldId", "custom2").with("aliasInfo.id", "1001-0001").with("aliasInfo.parent", "9999"), bad, vf, "aliasInfo.parent"),
		post("updateCustomField/unknown key in aliasInfo", "updateCustomField", validUpdate.with("aliasInfo.label", "x"), bad, vf, "aliasInfo.label"),
		post("updateCustomField/library unknown", "updateCustomField", validUpdate.with("libraryId", "NOWHERE"), nf, codeLibraryNotFound),
		post("updateCustomField/alias unknown", "updateCustomField", validUpdate.with("aliasInfo.id", "4242"), nf, codeAliasNotFound),
		post("updateCustomField/child under the wrong parent", "updateCustomField", validUpdate.with("lookupFieldId", "custom2").with("aliasInfo.id", "1001-0001").with("aliasInfo.parent", "1002"), nf, codeAliasNotFound),

		// addTab
		post("addTab/valid", "addTab", validTab, ok, ""),
		post("addTab/valid with owner and description", "addTab", validTab.with("owner", "ASMITH").with("description", "bills"), ok, ""),
		post("addTab/name missing", "addTab", validTab.without("name"), bad, vf, "name"),
		post("addTab/name blank", "addTab", validTab.with("name", "   "), bad, vf, "name"),
		post("addTab/name of 255 characters", "addTab", validTab.with("name", long(255)), bad, vf, "name"),
		post("addTab/parentId missing", "addTab", validTab.without("parentId"), bad, vf, "parentId"),
		post("addTab/parentId not an ID", "addTab", validTab.with("parentId", "ACTIVE_US-1000"), bad, vf, "parentId"),
		post("addTab/parentId unknown", "addTab", validTab.with("parentId", "ACTIVE_US!999999"), nf, codeContainerNF),
		post("addTab/parentId a tab", "addTab", validTab.with("parentId", "ACTIVE_US!3000"), bad, vf, "parentId"),
		post("addTab/default_security missing", "addTab", validTab.without("default_security"), bad, vf, "default_security"),
		post("addTab/default_security capitalised", "addTab", validTab.with("default_security", "Inherit"), bad, vf, "default_security"),
		post("addTab/description a number", "addTab", validTab.with("description", 3), bad, vf, "description"),
		post("addTab/owner of 64 characters", "addTab", validTab.with("owner", long(64)), bad, vf, "owner"),
		post("addTab/owner with a space, as the definition allows", "addTab", validTab.with("owner", "A SMITH"), ok, ""),
		post("addTab/owner with a backslash", "addTab", validTab.with("owner", `FIRM\ASMITH`), bad, vf, "owner"),
		post("addTab/name with an emoji", "addTab", validTab.with("name", "Deal 😀"), bad, vf, "name"),
		post("addTab/name with a backslash", "addTab", validTab.with("name", `a\b`), bad, vf, "name"),
		post("addTab/name with a control character", "addTab", validTab.with("name", "a\x01b"), bad, vf, "name"),
		post("addTab/name of private-use characters", "addTab", validTab.with("name", "\ue000"), bad, vf, "name"),
		post("addTab/name blank in Unicode spaces", "addTab", validTab.with("name", "\u00a0\u3000"), bad, vf, "name"),
		post("addTab/name with accents, dashes and brackets", "addTab", validTab.with("name", "Déal — 2024 (draft) [v2] \"x\""), ok, ""),
		post("addFolder/name with an emoji", "addFolder", validFolder.with("name", "Deal 😀"), bad, vf, "name"),
		post("addFolder/owner with a backslash", "addFolder", validFolder.with("owner", `a\b`), bad, vf, "owner"),
		post("addTab/unknown key", "addTab", validTab.with("parentType", "Workspace"), bad, vf, "parentType"),

		// addFolder
		post("addFolder/valid", "addFolder", validFolder, ok, ""),
		post("addFolder/valid with a typed profile", "addFolder", validProfileFolder, ok, ""),
		post("addFolder/valid with every optional field", "addFolder", validFolder.with("parentId", "ACTIVE_US!1000").with("parentType", "Workspace").
			with("description", "d").with("email", "acme.pleadings_1-a").with("owner", "BJONES").with("class", long(32)).with("subclass", long(32)).with("is_external_as_normal", true), ok, ""),
		post("addFolder/name missing", "addFolder", validFolder.without("name"), bad, vf, "name"),
		post("addFolder/name blank", "addFolder", validFolder.with("name", "\t "), bad, vf, "name"),
		post("addFolder/name of 255 characters", "addFolder", validFolder.with("name", long(255)), bad, vf, "name"),
		post("addFolder/parentId missing", "addFolder", validFolder.without("parentId"), bad, vf, "parentId"),
		post("addFolder/parentId not an ID", "addFolder", validFolder.with("parentId", "3000"), bad, vf, "parentId"),
		post("addFolder/parentId unknown", "addFolder", validFolder.with("parentId", "ACTIVE_UK!999999"), nf, codeContainerNF),
		post("addFolder/parentId a My Matters category", "addFolder", validFolder.with("parentId", "ACTIVE_US!9001"), bad, vf, "parentId"),
		post("addFolder/parentType missing", "addFolder", validFolder.without("parentType"), bad, vf, "parentType"),
		post("addFolder/parentType lower case", "addFolder", validFolder.with("parentType", "tab"), bad, vf, "parentType"),
		post("addFolder/parentType not what parentId is", "addFolder", validFolder.with("parentType", "Workspace"), bad, vf, "parentType"),
		post("addFolder/parentType Folder for a tab", "addFolder", validFolder.with("parentType", "Folder"), bad, vf, "parentType"),
		post("addFolder/default_security missing", "addFolder", validFolder.without("default_security"), bad, vf, "default_security"),
		post("addFolder/default_security unknown", "addFolder", validFolder.with("default_security", "secret"), bad, vf, "default_security"),
		post("addFolder/inherit_profile_from_workspace missing", "addFolder", validFolder.without("inherit_profile_from_workspace"), bad, vf, "inherit_profile_from_workspace"),
		post("addFolder/inherit_profile_from_workspace a bool", "addFolder", validFolder.with("inherit_profile_from_workspace", true), bad, vf, "inherit_profile_from_workspace"),
		post("addFolder/inherit_profile_from_workspace lower case", "addFolder", validFolder.with("inherit_profile_from_workspace", "yes"), bad, vf, "inherit_profile_from_workspace"),
		post("addFolder/email with @", "addFolder", validFolder.with("email", "pleadings@acme.com"), bad, vf, "email"),
		post("addFolder/email empty", "addFolder", validFolder.with("email", ""), bad, vf, "email"),
		post("addFolder/owner of 64 characters", "addFolder", validFolder.with("owner", long(64)), bad, vf, "owner"),
		post("addFolder/class of 33 characters", "addFolder", validFolder.with("class", long(33)), bad, vf, "class"),
		post("addFolder/subclass of 33 characters", "addFolder", validFolder.with("subclass", long(33)), bad, vf, "subclass"),
		post("addFolder/is_external_as_normal a string", "addFolder", validFolder.with("is_external_as_normal", "false"), bad, vf, "is_external_as_normal"),
		post("addFolder/profileProperties with inherit Yes", "addFolder", validFolder.with("profileProperties", obj{"custom3": "NY"}), bad, vf, "profileProperties"),
		post("addFolder/profileProperties not an object", "addFolder", validProfileFolder.with("profileProperties", "custom1=1001"), bad, vf, "profileProperties"),
		post("addFolder/profile key not custom1-30", "addFolder", validProfileFolder.with("profileProperties.custom31", "x"), bad, vf, "profileProperties.custom31"),
		post("addFolder/profile key not customN", "addFolder", validProfileFolder.with("profileProperties.client", "x"), bad, vf, "profileProperties.client"),
		post("addFolder/lookup profile field a number", "addFolder", validProfileFolder.with("profileProperties.custom1", 1001), bad, vf, "profileProperties.custom1"),
		post("addFolder/lookup profile field of 33 characters", "addFolder", validProfileFolder.with("profileProperties.custom3", long(33)), bad, vf, "profileProperties.custom3"),
		post("addFolder/text profile field of 97 characters", "addFolder", validProfileFolder.with("profileProperties.custom13", long(97)), bad, vf, "profileProperties.custom13"),
		post("addFolder/number profile field a string", "addFolder", validProfileFolder.with("profileProperties.custom17", "12"), bad, vf, "profileProperties.custom17"),
		post("addFolder/date profile field without a time", "addFolder", validProfileFolder.with("profileProperties.custom21", "2024-05-01"), bad, vf, "profileProperties.custom21"),
		post("addFolder/date profile field not a date", "addFolder", validProfileFolder.with("profileProperties.custom22", "yesterday"), bad, vf, "profileProperties.custom22"),
		post("addFolder/date profile field a number", "addFolder", validProfileFolder.with("profileProperties.custom23", 20240501), bad, vf, "profileProperties.custom23"),
		post("addFolder/bool profile field a string", "addFolder", validProfileFolder.with("profileProperties.custom25", "true"), bad, vf, "profileProperties.custom25"),
		post("addFolder/lookup profile value not an alias", "addFolder", validProfileFolder.with("profileProperties.custom3", "PARIS"), bad, vf, "profileProperties.custom3"),
		post("addFolder/child profile value under another parent", "addFolder", validProfileFolder.with("profileProperties.custom2", "1002-0001"), bad, vf, "profileProperties.custom2"),
		post("addFolder/two bad profile values", "addFolder", validProfileFolder.with("profileProperties.custom30", "CORP-MA").with("profileProperties.custom1", "9999"),
			bad, vf, "profileProperties.custom1", "profileProperties.custom2", "profileProperties.custom30"),
		post("addFolder/unknown key", "addFolder", validFolder.with("folder_type", "regular"), bad, vf, "folder_type"),

		// addShortcutsToMyMattersAdmin
		post("addShortcutsToMyMattersAdmin/valid", "addShortcutsToMyMattersAdmin", validShortcuts, ok, ""),
		post("addShortcutsToMyMattersAdmin/valid with a category", "addShortcutsToMyMattersAdmin", validShortcuts.with("category_id", "ACTIVE_US!9006"), ok, ""),
		post("addShortcutsToMyMattersAdmin/unknown key is ignored", "addShortcutsToMyMattersAdmin", validShortcuts.with("note", "x"), ok, ""),
		post("addShortcutsToMyMattersAdmin/user_id missing", "addShortcutsToMyMattersAdmin", validShortcuts.without("user_id"), bad, vf, "user_id"),
		post("addShortcutsToMyMattersAdmin/workspace_id missing", "addShortcutsToMyMattersAdmin", validShortcuts.without("workspace_id"), bad, vf, "workspace_id"),
		post("addShortcutsToMyMattersAdmin/workspace_id a list", "addShortcutsToMyMattersAdmin", validShortcuts.with("workspace_id", []string{"ACTIVE_US!1000"}), bad, vf, "workspace_id"),
		post("addShortcutsToMyMattersAdmin/workspace_id with an empty item", "addShortcutsToMyMattersAdmin", validShortcuts.with("workspace_id", "ACTIVE_US!1000;"), bad, vf, "workspace_id"),
		post("addShortcutsToMyMattersAdmin/workspace_id with a bad item", "addShortcutsToMyMattersAdmin", validShortcuts.with("workspace_id", "ACTIVE_US!1000;1001"), bad, vf, "workspace_id"),
		post("addShortcutsToMyMattersAdmin/category_id not an ID", "addShortcutsToMyMattersAdmin", validShortcuts.with("category_id", "My Matters"), bad, vf, "category_id"),
		post("addShortcutsToMyMattersAdmin/user unknown", "addShortcutsToMyMattersAdmin", validShortcuts.with("user_id", "NOBODY"), nf, codeUserNotFound),
		post("addShortcutsToMyMattersAdmin/workspace unknown", "addShortcutsToMyMattersAdmin", validShortcuts.with("workspace_id", "ACTIVE_US!1000;ACTIVE_US!1999"), nf, codeContainerNF),
		post("addShortcutsToMyMattersAdmin/workspace_id a tab", "addShortcutsToMyMattersAdmin", validShortcuts.with("workspace_id", "ACTIVE_US!3000"), bad, vf, "workspace_id"),
		post("addShortcutsToMyMattersAdmin/category unknown", "addShortcutsToMyMattersAdmin", validShortcuts.with("category_id", "ACTIVE_US!9999"), nf, codeContainerNF),
		post("addShortcutsToMyMattersAdmin/category of another user", "addShortcutsToMyMattersAdmin", validShortcuts.with("category_id", "ACTIVE_US!9001"), bad, vf, "category_id"),
		post("addShortcutsToMyMattersAdmin/category a workspace", "addShortcutsToMyMattersAdmin", validShortcuts.with("category_id", "ACTIVE_US!1000"), bad, vf, "category_id"),

		// getMyMattersCategories
		get("getMyMattersCategories/valid", "getMyMattersCategories", url.Values{"user_id": {"ASMITH"}}, ok, ""),
		get("getMyMattersCategories/user_id missing", "getMyMattersCategories", url.Values{}, bad, vf, "user_id"),
		get("getMyMattersCategories/user_id empty", "getMyMattersCategories", url.Values{"user_id": {""}}, bad, vf, "user_id"),
		get("getMyMattersCategories/unknown parameter", "getMyMattersCategories", url.Values{"user_id": {"ASMITH"}, "libraryId": {"ACTIVE_US"}}, bad, vf, "libraryId"),
		get("getMyMattersCategories/user unknown", "getMyMattersCategories", url.Values{"user_id": {"NOBODY"}}, nf, codeUserNotFound),

		// helper reads
		get("getLibraries/valid", "getLibraries", url.Values{"showAllLibraries": {"true"}, "hidePreferredLibrary": {"false"}}, ok, ""),
		get("getLibraries/showAllLibraries not true or false", "getLibraries", url.Values{"showAllLibraries": {"True"}}, bad, vf, "showAllLibraries"),
		get("getLibraries/hidePreferredLibrary empty", "getLibraries", url.Values{"hidePreferredLibrary": {""}}, bad, vf, "hidePreferredLibrary"),
		get("getLibraries/unknown parameter", "getLibraries", url.Values{"showAll": {"true"}}, bad, vf, "showAll"),
		get("getLookupFieldNames/valid", "getLookupFieldNames", nil, ok, ""),
		get("getLookupFieldNames/unknown parameter", "getLookupFieldNames", url.Values{"libraryId": {"ACTIVE_US"}}, bad, vf, "libraryId"),
		get("getEmailOptions/valid", "getEmailOptions", nil, ok, ""),
		get("getEmailOptions/unknown parameter", "getEmailOptions", url.Values{"x": {"1"}}, bad, vf, "x"),
	}

	h := newHarness(t, Options{RateLimit: 1 << 20})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var a answer
			if tc.query != nil || tc.body == nil {
				a = h.get(tc.op, tc.query)
			} else {
				a = h.post(tc.op, tc.body)
			}
			if a.status != tc.status || a.code() != tc.code {
				t.Fatalf("status %d %s, want %d %s; body %s", a.status, a.code(), tc.status, tc.code, a.raw)
			}
			assertEqual(t, "messages[].field", a.fields(), tc.fields)
			if a.err != nil {
				for _, m := range a.err.Messages {
					if m.Code == "" || m.CodeMessage == "" {
						t.Errorf("message %+v lacks a code or text", m)
					}
				}
			}
		})
	}
}

func TestValidationMessageCodes(t *testing.T) {
	h := newHarness(t, Options{})
	cases := []struct {
		name  string
		body  obj
		field string
		code  string
	}{
		{"missing", validTab.without("name"), "name", msgRequired},
		{"wrong type", validTab.with("name", true), "name", msgType},
		{"pattern", validTab.with("parentId", "x"), "parentId", msgPattern},
		{"length", validTab.with("name", strings.Repeat("n", 255)), "name", msgLength},
		{"enum", validTab.with("default_security", "open"), "default_security", msgEnum},
		{"unknown key", validTab.with("extra", 1), "extra", msgUnknownField},
		{"data-dependent", validTab.with("parentId", "ACTIVE_US!5000"), "parentId", msgInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := h.post("addTab", tc.body)
			if a.status != http.StatusBadRequest || len(a.err.Messages) != 1 {
				t.Fatalf("status %d, body %s; want 400 with one message", a.status, a.raw)
			}
			m := a.err.Messages[0]
			assertEqual(t, "field", m.Field, tc.field)
			assertEqual(t, "code", m.Code, tc.code)
		})
	}
}

func TestPasswordNeverInErrors(t *testing.T) {
	h := newHarness(t, Options{})
	const pw = "hunter2-very-secret-" // 20 characters: valid, so make something else fail
	cases := []struct {
		name string
		body obj
	}{
		{"too short", validCreateUserWithPassword.with("create_password.password", "Zq9!x")},
		{"too long", validCreateUserWithPassword.with("create_password.password", strings.Repeat(pw, 7))},
		{"other field bad", validCreateUserWithPassword.with("create_password.password", pw).with("email", "x")},
		{"password with Send an email", validCreateUser.with("create_password", obj{"password": pw})},
		{"duplicate user", validCreateUserWithPassword.with("create_password.password", pw).with("id", "ASMITH").with("ignore_if_user_already_exists", false)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := h.post("createUser", tc.body)
			if a.status == http.StatusOK {
				t.Fatalf("status 200, want an error")
			}
			p, _ := tc.body["create_password"].(obj)["password"].(string)
			if p == "" || strings.Contains(string(a.raw), p) || strings.Contains(string(a.raw), pw) {
				t.Errorf("the answer shows the password: %s", a.raw)
			}
		})
	}
}

func TestContentTypeAndSize(t *testing.T) {
	h := newHarness(t, Options{})
	cases := []struct {
		name   string
		ct     string
		body   string
		status int
		field  string
	}{
		{"form instead of JSON", "application/x-www-form-urlencoded", `{}`, http.StatusBadRequest, "Content-Type"},
		{"no content type", "", `{}`, http.StatusBadRequest, "Content-Type"},
		{"JSON with charset", "application/json; charset=utf-8", `{}`, http.StatusBadRequest, "name"},
		{"over 1 MiB", "application/json", `{"name":"` + strings.Repeat("n", 1<<20) + `"}`, http.StatusRequestEntityTooLarge, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := h.request(http.MethodPost, "addTab", tc.body, nil)
			req.Header.Set("Content-Type", tc.ct)
			if tc.ct == "" {
				req.Header.Del("Content-Type")
			}
			a := h.send(req)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.raw)
			}
			if tc.field != "" && (len(a.fields()) == 0 || a.fields()[0] != tc.field) {
				t.Errorf("fields %v, want %s first", a.fields(), tc.field)
			}
		})
	}
}
