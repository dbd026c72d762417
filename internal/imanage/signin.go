package imanage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/firmtools/bulk/internal/secret"
)

// requestToken makes one OAuth2 password-grant request. It is not paced:
// the token call does not count against the service's limit.
func (c *Client) requestToken(ctx context.Context) (secret.Secret, error) {
	form := url.Values{}
	form.Set(formGrantType, grantPassword)
	form.Set(formUsername, c.username)
	form.Set(formPassword, c.password.Reveal())
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
		e = c.errorFromAnswer(OpSignIn, ans, nil)
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
			return secret.New(t.AccessToken), nil
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
	return secret.Secret{}, e
}
