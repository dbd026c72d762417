package sim

import (
	"regexp"
	"time"
)

// Everything the contract (docs/contract.md) leaves open and this
// simulator had to choose is collected here, so a real tenant that answers
// differently means one edit in one place.

const (
	// connectorHeader must carry connectorID on every operation.
	connectorHeader = "x-im-connector-id"
	connectorID     = "imanage-work-for-admins"

	// tokenHeader is iManage's own header; "Authorization: Bearer" (how the
	// connector's OAuth2 sends it) is also accepted, and both may come.
	tokenHeader = "X-Auth-Token"

	// retryAfterMsHeader gives the exact wait of a 429 in milliseconds, so
	// tests on a time-scaled limit need not round to whole seconds.
	retryAfterMsHeader = "X-Retry-After-Ms"

	// maxBodyBytes: bodies above this are refused with 413.
	maxBodyBytes = 1 << 20

	// noExpiryExpiresIn is the expires_in answered when TokenTTL is 0 (tokens
	// never expire): a year, so clients that refresh ahead of expiry never do.
	noExpiryExpiresIn = 365 * 24 * 60 * 60

	defaultRateLimit = 100
	defaultWindow    = 60 * time.Second
	defaultPassword  = "admin"
	viewerPassword   = "viewer"
	ssoPassword      = "ssoadmin"

	// The OAuth2 endpoints.
	tokenPath     = "/auth/oauth2/token"
	authorizePath = "/auth/oauth2/authorize"
	// defaultRefreshTTL is iManage's default refresh token expiry.
	defaultRefreshTTL = 365 * 24 * time.Hour
	// codeTTL: an authorization code must be exchanged this soon.
	codeTTL = time.Minute

	// user_nos: the contract's user types.
	userNosVirtual    = 2 // external users
	userNosEnterprise = 6 // everyone else

	// firstNewObjectID: new workspaces' tabs, folders, categories and
	// shortcuts are numbered from here, per library.
	firstNewObjectID = 10000
	// firstNewUserNum: user_num of the first user created by a call.
	firstNewUserNum = 1001

	sendAnEmail     = "Send an email"
	createAPassword = "Create a password"

	categoryMyMatters   = "my_matters"
	categoryMyFavorites = "my_favorites"
)

// Modes of the throttle.
const (
	ModeStrict = "strict"
	ModeFixed  = "fixed"
)

// Error codes of the envelope. The contract's, plus NOT_FOUND,
// METHOD_NOT_ALLOWED and PAYLOAD_TOO_LARGE for routing and size problems the
// contract does not name.
const (
	codeValidation      = "VALIDATION_FAILED"
	codeUnauthorized    = "UNAUTHORIZED"
	codeForbidden       = "INSUFFICIENT_RIGHTS"
	codeLibraryNotFound = "LIBRARY_NOT_FOUND"
	codeUserNotFound    = "USER_NOT_FOUND"
	codeContainerNF     = "CONTAINER_NOT_FOUND"
	codeAliasNotFound   = "ALIAS_NOT_FOUND"
	codeDuplicateUser   = "DUPLICATE_USER"
	codeDuplicateAlias  = "DUPLICATE_ALIAS"
	codeTooMany         = "TOO_MANY_REQUESTS"
	codeInternal        = "INTERNAL"
	codeUnavailable     = "SERVICE_UNAVAILABLE"
	codeNotFound        = "NOT_FOUND"
	codeMethod          = "METHOD_NOT_ALLOWED"
	codeTooLarge        = "PAYLOAD_TOO_LARGE"
	// The token endpoint's refusals of a client or a grant, named after
	// OAuth2's invalid_client and invalid_grant (RFC 6749, 5.2).
	codeInvalidClient = "INVALID_CLIENT"
	codeInvalidGrant  = "INVALID_GRANT"
)

// Codes of the per-field entries in an error's messages list.
const (
	msgRequired      = "REQUIRED"        // missing, or an empty string where a value is required
	msgType          = "TYPE"            // wrong JSON type, or a query value that is not "true"/"false"
	msgPattern       = "PATTERN"         // does not match the field's pattern
	msgLength        = "LENGTH"          // too short or too long (in characters)
	msgEnum          = "ENUM"            // not one of the allowed values
	msgUnknownField  = "UNKNOWN_FIELD"   // a key the operation does not take
	msgNotAllowed    = "NOT_ALLOWED"     // a field given where the contract refuses it
	msgRequiredOneOf = "REQUIRED_ONE_OF" // none of a set of fields given
	msgDuplicate     = "DUPLICATE"       // a query parameter given more than once
	msgInvalid       = "INVALID"         // well-formed but wrong for the current data (a role the library lacks, ...)
	msgInvalidJSON   = "INVALID_JSON"    // the body is not one JSON object
)

// Security values of tabs and folders.
var securityValues = []string{"inherit", "private", "view", "public"}

var passwordMethods = []string{sendAnEmail, createAPassword}

var parentTypes = []string{"Workspace", "Tab", "Folder"}

var yesNo = []string{"Yes", "No"}

// folderEmailOptions is getEmailOptions' answer: folder e-mail prefixes
// that addFolder's email accepts (the connector offers them in a list,
// beside "Enter custom value"). [chosen: the definition names no values]
var folderEmailOptions = []string{"correspondence", "filings", "matter-documents"}

// A new folder's answer: its e-mail address is the prefix at this domain,
// and the caller, an administrator, has full access to a folder that holds
// no documents yet. [chosen]
const (
	folderEmailDomain       = "@mail.imanage.sim"
	folderEffectiveSecurity = "full_access"
	folderViewType          = "document"
)

// role is an {id, description} of a library role.
type role struct {
	ID          string `json:"id"`
	Description string `json:"description"`
}

// Every library has the same roles; external users may only hold external
// roles and other users only the others.
var (
	internalRoles = []role{
		{"ATTORNEY", "Attorney"},
		{"PARALEGAL", "Paralegal"},
		{"SECRETARY", "Secretary"},
		{"READ_ONLY", "Read only"},
	}
	externalRoles = []role{
		{"EXTERNAL_CLIENT", "External client"},
		{"EXTERNAL_COUNSEL", "External counsel"},
	}
)

func rolesFor(external bool) []role {
	if external {
		return externalRoles
	}
	return internalRoles
}

// lookupFieldIDs are the fourteen lookup fields in the order getLookupFieldNames answers them.
var lookupFieldIDs = []string{
	"custom1", "custom2", "custom3", "custom4", "custom5", "custom6", "custom7",
	"custom8", "custom9", "custom10", "custom11", "custom12", "custom29", "custom30",
}

// parentField maps a child lookup field to its parent.
var parentField = map[string]string{"custom2": "custom1", "custom30": "custom29"}

var lookupFieldNames = map[string]string{
	"custom1": "Client", "custom2": "Matter", "custom29": "Practice Area", "custom30": "Sub Area",
}

// Patterns from the contract's identifier table.
var (
	// userIDPattern is the connector's: U+0021 upward, no surrogates, no
	// non-characters; so no whitespace and no control characters.
	userIDPattern = regexp.MustCompile(`^[\x{21}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}]*$`)
	// objectIDPattern: workspaces, tabs, folders, categories, shortcuts.
	objectIDPattern = regexp.MustCompile(`^[^!]+![0-9]+$`)
	// folderEmailPattern: a folder e-mail prefix.
	folderEmailPattern = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	// namePattern is the definition's pattern of tab and folder names and
	// owners, ^(?!\s*$)[...]+$, in RE2 (which has no look-ahead): printable
	// ASCII but the backslash, ECMAScript whitespace, U+00A0-U+D7FF,
	// U+F900-U+FDCF and U+FDF0-U+FFEF, with at least one character that is
	// not whitespace. So no control characters (but whitespace), no
	// private-use characters, non-characters or emoji.
	namePattern = regexp.MustCompile(`^[` + nameSpace + nameVisible + `]*[` + nameVisible + `][` + nameSpace + nameVisible + `]*$`)
	// emailPattern is the connector's pattern of a user's e-mail, less its
	// length look-ahead (emailMin, emailMax): the last part of the domain
	// has two or more characters.
	emailPattern = regexp.MustCompile("^[" + emailClass + "]+@[" + emailClass + "]+\\.[" + emailClass + "]{2,}$")
)

// The character classes of namePattern and emailPattern.
const (
	nameSpace   = `\t\n\x0B\f\r \x{00A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}`
	nameVisible = "!-\\[\\]-~" + `\x{00A1}-\x{167F}\x{1681}-\x{1FFF}\x{200B}-\x{2027}\x{202A}-\x{202E}\x{2030}-\x{205E}\x{2060}-\x{2FFF}\x{3001}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FEFE}\x{FF00}-\x{FFEF}`
	emailClass  = "A-Za-z0-9+*.&_`~|$%^?!'#={}/-"
)

// Length limits in characters.
const (
	emailMin       = 5
	emailMax       = 254
	passwordMin    = 8
	passwordMax    = 128
	nameMax        = 254
	ownerMax       = 63
	classMax       = 32
	aliasIDMax     = 32
	descriptionMax = 254
	profileLookup  = 32 // custom1-custom12, custom29, custom30 in profileProperties
	profileText    = 96 // custom13-custom16
)
