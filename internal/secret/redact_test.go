package secret

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

func TestRedactorCoversEncodings(t *testing.T) {
	const pw = "S3cret Passw0rd&<x>"
	red := &Redactor{}
	red.Add(pw, "short") // too short to register
	for name, echo := range map[string]string{
		"raw":           pw,
		"JSON":          `S3cret Passw0rd\u0026\u003cx\u003e`,
		"HTML":          "S3cret Passw0rd&amp;&lt;x&gt;",
		"percent, +":    "S3cret+Passw0rd%26%3Cx%3E",
		"percent, %20":  "S3cret%20Passw0rd%26%3Cx%3E",
		"base64":        base64.StdEncoding.EncodeToString([]byte(pw)),
		"base64 URL":    base64.RawURLEncoding.EncodeToString([]byte(pw)),
		"Basic header":  "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+pw)),
		"offset 1 of 3": base64.StdEncoding.EncodeToString([]byte("x" + pw + "y")),
	} {
		got := red.Redact("said " + echo + " short")
		if !strings.Contains(got, "[redacted]") || strings.Contains(got, "Passw0rd") || strings.Contains(got, "UGFzc3cwcm") {
			t.Errorf("%s: %q", name, got)
		}
		if !strings.HasPrefix(got, "said ") || !strings.HasSuffix(got, " short") {
			t.Errorf("%s: ordinary text mangled: %q", name, got)
		}
	}
	// A secret added later is redacted too.
	red.Add("Another-Secret-1")
	if got := red.Redact("x Another-Secret-1 y"); got != "x [redacted] y" {
		t.Fatalf("%q", got)
	}
}

// BenchmarkRedact: one result cell through a redactor holding the
// passwords of n new users (a large onboarding run).
func BenchmarkRedact(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		red := &Redactor{}
		for i := 0; i < n; i++ {
			red.Add(fmt.Sprintf("Gen-%06d-Passw0rd!x", i))
		}
		cell := `createUser: HTTP 400 VALIDATION_FAILED: create_password.password: must be 8 to 128 characters; email: "jo@firm.example.com" is taken`
		b.Run(fmt.Sprintf("secrets=%d/build", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				red.mu.Lock()
				red.index = nil
				red.mu.Unlock()
				red.build()
			}
		})
		b.Run(fmt.Sprintf("secrets=%d/cell", n), func(b *testing.B) {
			red.build()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				_ = red.Redact(cell)
			}
		})
	}
}
