package imanage

import (
	"encoding/json"
	"strconv"
	"time"
)

// Everything the contract (docs/contract.md) marks [chosen], and the
// other wire names the client depends on, live here so that a real tenant
// that answers differently means editing one file. The operations' names
// and the request and answer types, which the actions share, are in
// internal/wire.

const (
	// operationsPath is prefixed to every operation name: {base}/automate/work/{operation}.
	operationsPath = "/automate/work/"
	// defaultTokenPath is appended to the base URL when no token URL is given. [chosen]
	defaultTokenPath = "/auth/oauth2/token"

	headerConnectorID = "x-im-connector-id"
	connectorID       = "imanage-work-for-admins"
	// The access token travels in both headers: Authorization: Bearer is how
	// the connector's OAuth2 security sends it (what a gateway in front of
	// the service checks), X-Auth-Token is iManage's own header.
	headerAuthToken     = "X-Auth-Token"
	headerAuthorization = "Authorization"
	headerRetryAfter    = "Retry-After"
	// headerRetryAfterMs is not standard: the simulator sends it so tests on a
	// time-scaled limit can ask for sub-second waits. It wins over Retry-After
	// when valid.
	headerRetryAfterMs = "X-Retry-After-Ms"

	defaultUserAgent = "bulk (github.com/firmtools/bulk)"

	defaultTimeout        = 60 * time.Second
	defaultMaxAnswerBytes = 8 << 20
	// maxErrorBodyBytes bounds what is read of an error answer: an envelope
	// with a few field messages is far smaller, and a proxy's HTML page only
	// yields a snippet.
	maxErrorBodyBytes = 64 << 10
	// maxDrainBytes is how much of an unread body is discarded so the
	// connection can be reused; beyond it closing is cheaper than reading.
	maxDrainBytes = 64 << 10
	// maxTextLen bounds any text from the service that ends up in an error.
	maxTextLen = 300
	// snippetLen is how much of a non-JSON error body an error keeps.
	snippetLen = 120
)

// OpSignIn is not an operation: it is the *Error.Op of the token request.
const OpSignIn = "signIn"

// Query parameter names of the GET operations.
const (
	qLibraryID        = "libraryId"
	qIsExternal       = "is_external"
	qUserID           = "user_id"
	qLookupFieldID    = "lookupFieldId"
	qParentAlias      = "parentAlias"
	qGetParentAliases = "getParentAliases"
	qShowAllLibraries = "showAllLibraries"
	qHidePreferred    = "hidePreferredLibrary"
	qPasswordMethod   = "password_create_method"
	qInheritProfile   = "inherit_profile_from_workspace"
)

// shortcutIDSeparator joins the workspace IDs of one addShortcutsToMyMattersAdmin call.
const shortcutIDSeparator = ";"

// Form fields of the OAuth2 grants: password [chosen], refresh_token and
// authorization_code with PKCE (RFC 6749, 7636).
const (
	formGrantType    = "grant_type"
	grantPassword    = "password"
	grantRefresh     = "refresh_token"
	grantCode        = "authorization_code"
	formUsername     = "username"
	formPassword     = "password"
	formClientID     = "client_id"
	formClientSecret = "client_secret"
	formRefreshToken = "refresh_token"
	formCode         = "code"
	formRedirectURI  = "redirect_uri"
	formCodeVerifier = "code_verifier"
)

// The token endpoint's refusals the client tells apart, in the contract's
// envelope (the simulator's) or as RFC 6749's {"error": "invalid_client"}.
// [chosen]
const (
	CodeInvalidClient = "INVALID_CLIENT" // no application is registered with the client ID
	CodeInvalidGrant  = "INVALID_GRANT"  // a refresh token or code that is unknown, used, expired or revoked
	CodeUnauthorized  = "UNAUTHORIZED"   // wrong user name or password
	CodeForbidden     = "INSUFFICIENT_RIGHTS"
)

// oauthError is RFC 6749's error answer (5.2), which a real token endpoint
// may give instead of the envelope.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// queryBool is how a boolean is spelt in a query string.
func queryBool(b bool) string { return strconv.FormatBool(b) }

// dataEnvelope is every success answer: {"data": ...}.
type dataEnvelope struct {
	Data json.RawMessage `json:"data"`
}

// errorEnvelope is every error answer. [chosen, as seen in public Work API clients]
type errorEnvelope struct {
	Error *struct {
		Code        string         `json:"code"`
		CodeMessage string         `json:"code_message"`
		Messages    []FieldMessage `json:"messages"`
	} `json:"error"`
}

// tokenAnswer is the token endpoint's answer.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// shortcutsBody is the wire form of AddShortcutsRequest: the workspace IDs
// travel as one ";"-joined string.
type shortcutsBody struct {
	UserID      string `json:"user_id"`
	WorkspaceID string `json:"workspace_id"`
	CategoryID  string `json:"category_id,omitempty"`
}
