package imanage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/firmtools/bulk/internal/secret"
)

// answer is a response that came back: its status, headers and body, the
// body read through a size cap.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a *answer) ok() bool { return a.status >= 200 && a.status < 300 }

// call sends one operation and decodes its answer with decode. It signs in
// when needed, paces each request, and on a 401 signs in again and repeats
// once. scrub lists request values (a new user's password) that must not
// come back inside an error.
func call[T any](ctx context.Context, c *Client, method, op string, query url.Values, body any,
	decode func([]byte) (T, error), scrub ...secret.Secret) (T, error) {
	var zero T
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return zero, &Error{Op: op, Delivery: NotSent, Err: fmt.Errorf("encoding the request: %w", err)}
		}
	}
	target := c.opsPrefix + op
	if len(query) > 0 {
		target += "?" + query.Encode()
	}

	tok, gen, err := c.currentToken(ctx)
	if err != nil {
		return zero, &Error{Op: op, Delivery: NotSent, Err: err}
	}
	for repeated := false; ; repeated = true {
		ended := func(error) {}
		if c.pace != nil {
			done, err := c.pace(ctx)
			if err != nil {
				return zero, &Error{Op: op, Delivery: NotSent, Err: fmt.Errorf("waiting for the rate limiter: %w", err)}
			}
			ended = done
		}
		start := time.Now()
		newReq := func(actx context.Context) (*http.Request, error) {
			var rd io.Reader
			if payload != nil {
				rd = bytes.NewReader(payload)
			}
			req, err := http.NewRequestWithContext(actx, method, target, rd)
			if err != nil {
				return nil, err
			}
			req.Header.Set(headerConnectorID, connectorID)
			req.Header.Set(headerAuthToken, tok.Reveal())
			req.Header.Set(headerAuthorization, "Bearer "+tok.Reveal())
			req.Header.Set("Accept", "application/json")
			if payload != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			return req, nil
		}
		ans, e := c.exchange(ctx, op, newReq, c.maxAnswer)
		var out T
		if e == nil {
			if ans.ok() {
				var derr error
				if out, derr = decode(ans.body); derr != nil {
					e = &Error{Op: op, Delivery: Answered, StatusCode: ans.status,
						Err: fmt.Errorf("unexpected answer: %s", c.clean(derr.Error(), maxTextLen, scrub))}
				}
			} else {
				e = c.errorFromAnswer(op, ans, scrub)
			}
		}
		c.ended(op, start, ans, e, ended)
		if e == nil {
			return out, nil
		}
		if e.Delivery != Answered || e.StatusCode != http.StatusUnauthorized {
			return zero, e
		}

		// 401: the token expired or was revoked. The observer may keep e,
		// so the final error is a copy with the cause filled in.
		lost := func(cause error) (T, error) {
			final := *e
			final.Err = cause
			return zero, &final
		}
		switch {
		case repeated:
			return lost(fmt.Errorf("%w: a fresh token was refused too", ErrAuthLost))
		case !c.canSignIn():
			return lost(fmt.Errorf("%w: the access token was refused and there is no password to sign in again with", ErrAuthLost))
		}
		newTok, newGen, err := c.renew(ctx, gen)
		if err != nil {
			if isContextError(err) && ctx.Err() != nil {
				return lost(err)
			}
			// Flattened on purpose: ErrSignIn means "nothing was done",
			// which is no longer true once a call has been answered.
			return lost(fmt.Errorf("%w: signing in again failed: %s", ErrAuthLost, err.Error()))
		}
		tok, gen = newTok, newGen
	}
}

// ended tells the pacer (through ended) and the observer how an attempt
// begun at start ended: answered with ans, or failed with e.
func (c *Client) ended(op string, start time.Time, ans *answer, e *Error, ended func(error)) {
	if e != nil {
		ended(e)
	} else {
		ended(nil)
	}
	if c.observe == nil {
		return
	}
	info := CallInfo{Op: op, Duration: time.Since(start)}
	if e != nil {
		info.StatusCode, info.Delivery, info.Err = e.StatusCode, e.Delivery, e
	} else {
		info.StatusCode, info.Delivery = ans.status, Answered
	}
	c.observe(info)
}

// exchange makes one attempt: it sends the request newReq builds (under a
// context bounded by the per-attempt timeout), reads the answer through a
// cap of limit bytes for a success and maxErrorBodyBytes for an error, and
// drains and closes the body. A failure is an *Error whose Delivery tells
// whether the request was fully written.
func (c *Client) exchange(ctx context.Context, op string, newReq func(context.Context) (*http.Request, error), limit int64) (*answer, *Error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// Sticky: once any try of the transport wrote the whole request, the
	// service may have acted on it, whatever happens next.
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				wrote.Store(true)
			}
		},
	}
	req, err := newReq(httptrace.WithClientTrace(actx, trace))
	if err != nil {
		return nil, &Error{Op: op, Delivery: NotSent, Err: fmt.Errorf("building the request: %w", c.cleanErr(err))}
	}
	req.Header.Set("User-Agent", c.userAgent)

	resp, err := c.hc.Do(req)
	if err != nil {
		d := NotSent
		if wrote.Load() {
			d = Ambiguous
		}
		return nil, &Error{Op: op, Delivery: d, Err: c.attemptError(ctx, actx, err)}
	}
	defer drainClose(resp.Body)

	ans := &answer{status: resp.StatusCode, header: resp.Header}
	if !ans.ok() {
		limit = maxErrorBodyBytes
	} else if resp.ContentLength > limit {
		return nil, &Error{Op: op, Delivery: Answered, StatusCode: resp.StatusCode,
			Err: fmt.Errorf("answer of %d bytes is larger than the limit of %d", resp.ContentLength, limit)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	switch {
	case err != nil && ans.ok():
		// The service answered 200 but the answer was cut: it acted, and we
		// do not know what it said.
		return nil, &Error{Op: op, Delivery: Ambiguous,
			Err: fmt.Errorf("reading the answer: %w", c.attemptError(ctx, actx, err))}
	case err != nil:
		// An error status is known; keep what arrived of its body.
	case int64(len(body)) > limit && ans.ok():
		return nil, &Error{Op: op, Delivery: Answered, StatusCode: resp.StatusCode,
			Err: fmt.Errorf("answer is larger than the limit of %d bytes", limit)}
	case int64(len(body)) > limit:
		body = body[:limit]
	}
	ans.body = body
	return ans, nil
}

// attemptError says why an attempt failed, keeping the caller's context
// error (so errors.Is(err, context.Canceled) holds) apart from the
// per-attempt timeout (errTimeout), which the caller may repeat.
func (c *Client) attemptError(ctx, actx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("interrupted: %w", cerr)
	}
	if errors.Is(actx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w within %s", errTimeout, c.timeout)
	}
	// The standard library's text may quote what the service sent (a
	// Location header it could not parse) or the URL.
	return c.cleanErr(err)
}

// drainClose discards a bounded remainder of body so the connection can
// carry the next request, then closes it.
func drainClose(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, maxDrainBytes)
	_ = body.Close()
}

// errorFromAnswer turns a non-2xx answer into an *Error: the error
// envelope's code, message and field messages when it has one, a short
// cleaned snippet of the body when not, and the wait the service asked for.
func (c *Client) errorFromAnswer(op string, ans *answer, scrub []secret.Secret) *Error {
	e := &Error{Op: op, Delivery: Answered, StatusCode: ans.status}
	e.RetryAfter, e.HasRetryAfter = retryAfterFrom(ans.header, c.now())

	var env errorEnvelope
	var oe oauthError
	switch {
	case ans.status >= 300 && ans.status < 400:
		loc := c.clean(ans.header.Get("Location"), maxTextLen, scrub)
		e.Err = fmt.Errorf("the service redirected to %q, which is not followed: check the service URL", loc)
	case json.Unmarshal(ans.body, &env) == nil && env.Error != nil:
		e.Code = c.clean(env.Error.Code, 64, scrub)
		e.Message = c.clean(env.Error.CodeMessage, maxTextLen, scrub)
		for _, f := range env.Error.Messages {
			e.Fields = append(e.Fields, FieldMessage{
				Field:       c.clean(f.Field, 64, scrub),
				Code:        c.clean(f.Code, 64, scrub),
				CodeMessage: c.clean(f.CodeMessage, maxTextLen, scrub),
			})
		}
	case json.Unmarshal(ans.body, &oe) == nil && oe.Error != "":
		// RFC 6749's token error: its code in the envelope's spelling.
		e.Code = strings.ToUpper(c.clean(oe.Error, 64, scrub))
		e.Message = c.clean(oe.Description, maxTextLen, scrub)
	case len(bytes.TrimSpace(ans.body)) == 0:
		e.Err = errors.New(strings.ToLower(http.StatusText(ans.status)) + ", no details")
	default:
		e.Err = fmt.Errorf("unexpected error answer %q", c.clean(string(ans.body), snippetLen, scrub))
	}
	return e
}

// retryAfterFrom reads the wait an answer asks for: X-Retry-After-Ms when
// valid, else Retry-After.
func retryAfterFrom(h http.Header, now time.Time) (time.Duration, bool) {
	if d, ok := parseRetryAfterMs(h.Get(headerRetryAfterMs)); ok {
		return d, true
	}
	return parseRetryAfter(h.Get(headerRetryAfter), now)
}
