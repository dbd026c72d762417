// Package secret holds values that must never be printed: the administrator's
// password, access tokens, client secrets and passwords for new users.
//
// A Secret formats as "[redacted]" through every fmt verb, in JSON, in YAML
// and in slog, so a secret that reaches a log line, an error message or a
// result file by mistake shows up as a redaction rather than a leak. The
// value itself is only available through Reveal, which is easy to grep for.
package secret

import (
	"fmt"
	"log/slog"
)

// Redacted is what every printed Secret looks like.
const Redacted = "[redacted]"

// Secret is a string that redacts itself when printed.
type Secret struct {
	v string
}

// New wraps s.
func New(s string) Secret { return Secret{v: s} }

// Reveal returns the secret value. Call it only where the value is sent to
// the service.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == "" }

func (s Secret) String() string   { return Redacted }
func (s Secret) GoString() string { return Redacted }

// Format makes %v, %+v, %#v, %s, %q and %x all print the redaction.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", Redacted)
		return
	}
	_, _ = f.Write([]byte(Redacted))
}

// MarshalJSON never writes the value.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText never writes the value (encoding/csv helpers, YAML, maps).
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue keeps the value out of slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }
