package connect

import (
	"fmt"
	"net/http"

	"github.com/firmtools/bulk/internal/imanage"
)

// Advice says what to fix when signing in or reaching the service failed
// with err, or "" when there is nothing to say beyond err itself.
func Advice(err error) string {
	if e, ok := imanage.AsError(err); ok && e.Delivery == imanage.Answered {
		switch {
		case e.Code == imanage.CodeInvalidClient:
			return "the client ID is not registered with the service: an administrator registers the application " +
				"(Control Center, Settings, Applications) and gives you its client ID (--client-id, IMANAGE_CLIENT_ID or the profile's client_id)"
		case e.Code == imanage.CodeInvalidGrant:
			return "the kept sign-in is no longer good (expired, revoked, or used by another copy of it): run 'bulk login' again"
		case e.Op == imanage.OpSignIn && e.StatusCode == http.StatusUnauthorized:
			return "wrong user ID or password; an account that signs in through the firm's single sign-on cannot use a password: " +
				"use 'bulk login --browser' (a profile's sign_in: browser)"
		case e.Code == imanage.CodeForbidden || e.StatusCode == http.StatusForbidden:
			return "the user is not an administrator (NRT administrator or support tier 1 or 2): the service refuses every write; " +
				"ask for the rights or use another account"
		case e.Op == imanage.OpSignIn && e.StatusCode == http.StatusNotFound:
			return "no token endpoint at that address: check --url, or give --token-url"
		}
		return ""
	}
	switch imanage.CauseOf(err) {
	case imanage.CauseDNS:
		return "the host name does not resolve: check --url (and HTTPS_PROXY if the firm has a proxy)"
	case imanage.CauseRefused:
		return "nothing answers at that address: check the URL and port (and HTTPS_PROXY)"
	case imanage.CauseTimeout:
		return "no answer in time: a firewall or proxy may be holding the connection"
	case imanage.CauseTLSUnknownAuthority:
		return "the service's certificate comes from an authority this computer does not trust: if the firm's proxy inspects TLS, " +
			"give its CA certificate with --ca-file (a profile's ca_file)"
	case imanage.CauseTLSHostname:
		return "the service's certificate is for another host: check the URL"
	case imanage.CauseTLSInvalid:
		return "the service's certificate has expired or is not yet valid: check this computer's clock, or tell the service's owner"
	case imanage.CauseNotTLS:
		return "the address does not speak TLS: check the URL's scheme and port"
	case imanage.CauseTLS:
		return "the TLS handshake failed: check the URL, and --ca-file if the firm's proxy inspects TLS"
	}
	return ""
}

// withAdvice is err with what to fix, when there is something to say.
func withAdvice(err error) error {
	if a := Advice(err); a != "" {
		return fmt.Errorf("%w\nTo fix: %s", err, a)
	}
	return err
}
