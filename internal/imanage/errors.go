package imanage

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Delivery says what is known about whether a request reached the service.
// It is what decides if a non-idempotent call (addTab, addFolder) may be
// repeated.
type Delivery int

const (
	// NotSent: the request provably never reached the service (dial refused,
	// DNS failure, TLS failure, context cancelled before the request was
	// written).
	NotSent Delivery = iota
	// Ambiguous: the request was written but no answer came back (connection
	// dropped, timeout while waiting). The service may have processed it.
	Ambiguous
	// Answered: the service answered with a status code.
	Answered
)

func (d Delivery) String() string {
	switch d {
	case NotSent:
		return "not sent"
	case Ambiguous:
		return "ambiguous"
	case Answered:
		return "answered"
	}
	return fmt.Sprintf("Delivery(%d)", int(d))
}

// ErrAuthLost is wrapped by the error of a call that met a 401 after signing
// in again: the run cannot go on.
var ErrAuthLost = errors.New("sign-in lost: the service refused a fresh token")

// ErrSignIn is wrapped by the error of a first sign-in that failed: wrong
// credentials, a token endpoint that cannot be reached or answers nonsense.
// Nothing was sent to the service yet. A sign-in that fails after a token had
// been refused mid-run wraps ErrAuthLost instead, since calls were made.
var ErrSignIn = errors.New("could not sign in")

// errTimeout is wrapped when one attempt got no answer within Config.Timeout.
// It is deliberately not context.DeadlineExceeded: the caller's context is
// still alive and the attempt may be repeated.
var errTimeout = errors.New("no answer in time")

// FieldMessage is one entry of the error envelope's messages list.
type FieldMessage struct {
	Field       string `json:"field"`
	Code        string `json:"code"`
	CodeMessage string `json:"code_message"`
}

// Error is the one error type every failed operation returns (wrapped or not;
// use errors.As).
type Error struct {
	Op            string         // operation name, e.g. "createUser"
	Delivery      Delivery       // what is known about delivery
	StatusCode    int            // HTTP status; 0 unless Delivery == Answered
	Code          string         // the service's error code, e.g. "DUPLICATE_USER"
	Message       string         // the service's code_message
	Fields        []FieldMessage // per-field messages
	RetryAfter    time.Duration  // from Retry-After, when HasRetryAfter
	HasRetryAfter bool
	Err           error // the transport or decoding cause, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	switch {
	case e.Delivery == Answered:
		fmt.Fprintf(&b, ": HTTP %d", e.StatusCode)
		if e.Code != "" {
			fmt.Fprintf(&b, " %s", e.Code)
		}
		if e.Message != "" {
			fmt.Fprintf(&b, ": %s", e.Message)
		}
		for _, f := range e.Fields {
			fmt.Fprintf(&b, "; %s: %s", f.Field, f.CodeMessage)
		}
		if e.Err != nil {
			fmt.Fprintf(&b, ": %v", e.Err)
		}
	case e.Delivery == Ambiguous:
		fmt.Fprintf(&b, ": no answer, the request may have been processed: %v", e.Err)
	default:
		fmt.Fprintf(&b, ": not sent: %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Throttled reports a 429.
func (e *Error) Throttled() bool { return e.Delivery == Answered && e.StatusCode == 429 }

// Unavailable reports a 503: the contract says the service did nothing.
func (e *Error) Unavailable() bool { return e.Delivery == Answered && e.StatusCode == 503 }

// ServerError reports a 5xx answer.
func (e *Error) ServerError() bool { return e.Delivery == Answered && e.StatusCode >= 500 }

// Rejected reports a 4xx answer other than 429: the request was understood
// and refused; repeating it will not help.
func (e *Error) Rejected() bool {
	return e.Delivery == Answered && e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != 429
}

// ProvablyNotProcessed reports whether the service certainly did not act on
// the request: never sent, throttled, or 503.
func (e *Error) ProvablyNotProcessed() bool {
	return e.Delivery == NotSent || e.Throttled() || e.Unavailable()
}

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
