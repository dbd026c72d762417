package imanage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/firmtools/bulk/internal/secret"
)

// Tokens are what the token endpoint hands out.
type Tokens struct {
	Access  secret.Secret
	Refresh secret.Secret // zero when the service issued none ("Allow Refresh Token" is off)
	// ExpiresIn is the access token's lifetime as the service told it; 0
	// when it did not.
	ExpiresIn time.Duration
}

// requestToken signs in the way the client was configured to: its
// Config.SignIn, else the password grant.
func (c *Client) requestToken(ctx context.Context) (secret.Secret, error) {
	if c.signIn != nil {
		return c.signIn(ctx, c)
	}
	t, err := c.PasswordGrant(ctx)
	return t.Access, err
}

// PasswordGrant asks the token endpoint for tokens with the user name and
// password the client was given (OAuth2's password grant). It does not
// change the token the client's calls use.
func (c *Client) PasswordGrant(ctx context.Context) (Tokens, error) {
	form := url.Values{}
	form.Set(formGrantType, grantPassword)
	form.Set(formUsername, c.username)
	form.Set(formPassword, c.password.Reveal())
	return c.Grant(ctx, form)
}

// RefreshGrant exchanges a refresh token for new tokens; the answer's
// Refresh, when the service rotates them, replaces rt, which then no
// longer works.
func (c *Client) RefreshGrant(ctx context.Context, rt secret.Secret) (Tokens, error) {
	form := url.Values{}
	form.Set(formGrantType, grantRefresh)
	form.Set(formRefreshToken, rt.Reveal())
	return c.Grant(ctx, form, rt)
}

// CodeGrant exchanges an authorization code and its PKCE verifier, with
// the redirect URI the authorize request named, for tokens.
func (c *Client) CodeGrant(ctx context.Context, code, verifier secret.Secret, redirectURI string) (Tokens, error) {
	form := url.Values{}
	form.Set(formGrantType, grantCode)
	form.Set(formCode, code.Reveal())
	form.Set(formRedirectURI, redirectURI)
	form.Set(formCodeVerifier, verifier.Reveal())
	return c.Grant(ctx, form, code, verifier)
}

// Grant makes one token request with form, to which it adds the client ID
// and secret. It is not paced: the token call does not count against the
// service's limit. scrub are the form's secrets, kept out of any error.
// A failure wraps ErrSignIn (or the context's error).
func (c *Client) Grant(ctx context.Context, form url.Values, scrub ...secret.Secret) (Tokens, error) {
	form.Set(formClientID, c.clientID)
	if !c.clientSecret.IsZero() {
		form.Set(formClientSecret, c.clientSecret.Reveal())
	}
	encoded := form.Encode()
	newReq := func(actx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(actx, http.MethodPost, c.tokenURL, strings.NewReader(encoded))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		return req, nil
	}
	ans, e := c.exchange(ctx, OpSignIn, newReq, maxErrorBodyBytes)
	if e == nil && !ans.ok() {
		e = c.errorFromAnswer(OpSignIn, ans, scrub)
	}
	if e == nil {
		var t tokenAnswer
		switch err := json.Unmarshal(ans.body, &t); {
		case err != nil:
			e = &Error{Op: OpSignIn, Delivery: Answered, StatusCode: ans.status,
				Err: fmt.Errorf("unexpected answer from the token endpoint: %w", err)}
		case t.AccessToken == "":
			e = &Error{Op: OpSignIn, Delivery: Answered, StatusCode: ans.status,
				Err: errors.New("the token endpoint's answer has no access_token")}
		default:
			return Tokens{Access: secret.New(t.AccessToken), Refresh: secret.New(t.RefreshToken),
				ExpiresIn: time.Duration(max(t.ExpiresIn, 0)) * time.Second}, nil
		}
	}
	// A cancelled sign-in is an interruption, not a failure to sign in.
	if !(isContextError(e.Err) && ctx.Err() != nil) {
		if e.Err == nil {
			e.Err = ErrSignIn
		} else {
			e.Err = fmt.Errorf("%w: %w", ErrSignIn, e.Err)
		}
	}
	return Tokens{}, e
}
