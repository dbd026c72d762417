package secret

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// redactAll replaces every form of v in s, longest first, as the
// redactors do.
func redactAll(s, v string) string {
	for _, f := range Forms(v) {
		s = strings.ReplaceAll(s, f, Redacted)
	}
	return s
}

// A password with every character an encoding treats specially.
const nasty = `p@ss w0rd/<&>"'+=%é😀\x`

func TestFormsCoverEachEncoding(t *testing.T) {
	goJSON := func(v string, html bool) string {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		_ = enc.Encode(v)
		return unquote(strings.TrimSpace(b.String()))
	}
	b64 := func(enc *base64.Encoding, s string) string { return enc.EncodeToString([]byte(s)) }
	raw := func(enc *base64.Encoding) *base64.Encoding { return enc.WithPadding(base64.NoPadding) }
	tests := []struct{ name, echo string }{
		{"raw", nasty},
		{"JSON, Go", goJSON(nasty, true)},
		{"JSON, no HTML escaping", goJSON(nasty, false)},
		{"JSON, ASCII only (Python)", `p@ss w0rd/<&>\"'+=%\u00e9\ud83d\ude00\\x`},
		{"JSON, upper-case hex and \\/ (PHP)", `p@ss w0rd\/<&>\"'+=%\u00E9\uD83D\uDE00\\x`},
		{"HTML, Go", html.EscapeString(nasty)},
		{"HTML, named", strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;").Replace(nasty)},
		{"percent, + for space", url.QueryEscape(nasty)},
		{"percent, %20 for space", strings.ReplaceAll(url.QueryEscape(nasty), "+", "%20")},
		{"percent, path", url.PathEscape(nasty)},
		{"percent, lower-case hex", regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(url.QueryEscape(nasty), strings.ToLower)},
		{"percent, encodeURIComponent", `p%40ss%20w0rd%2F%3C%26%3E%22'%2B%3D%25%C3%A9%F0%9F%98%80%5Cx`},
		{"Go %q", strconv.Quote(nasty)},
		{"base64 std", b64(base64.StdEncoding, nasty)},
		{"base64 std, no padding", b64(raw(base64.StdEncoding), nasty)},
		{"base64 URL", b64(base64.URLEncoding, nasty)},
		{"base64 URL, no padding", b64(raw(base64.URLEncoding), nasty)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := "the service said: " + tt.echo + " (end)"
			got := redactAll(text, nasty)
			if got == text || !strings.Contains(got, Redacted) {
				t.Fatalf("not redacted: %q", got)
			}
			if !strings.HasPrefix(got, "the service said: ") || !strings.HasSuffix(got, " (end)") {
				t.Fatalf("ordinary text mangled: %q", got)
			}
			if strings.Contains(got, "w0rd") || strings.Contains(got, "p@ss") {
				t.Fatalf("a piece of the secret remains: %q", got)
			}
		})
	}
}

// TestBase64AtAnyOffset: base64 of text holding the secret anywhere (a
// Basic Authorization header holds base64 of "user:password") shows none
// of the secret once redacted: no run of the remaining base64 decodes to
// three of its characters.
func TestBase64AtAnyOffset(t *testing.T) {
	const pw = "Hunter2-Hunter2!"
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		for _, prefix := range []string{"", "a", "ab", "admin:", "svc-bulk:", "x"} {
			for _, suffix := range []string{"", "!", "?q=1"} {
				encoded := enc.EncodeToString([]byte(prefix + pw + suffix))
				text := "Authorization: Basic " + encoded
				got := redactAll(text, pw)
				if !strings.Contains(got, Redacted) {
					t.Fatalf("%q+secret+%q: not redacted: %q", prefix, suffix, got)
				}
				for _, run := range strings.Split(strings.TrimPrefix(got, "Authorization: Basic "), Redacted) {
					if leaks(run, pw) {
						t.Fatalf("%q+secret+%q: what remains (%q) decodes to part of the secret", prefix, suffix, run)
					}
				}
			}
		}
	}
}

// leaks reports whether some run of s, decoded from base64 at any
// alignment, holds three consecutive characters of pw.
func leaks(s, pw string) bool {
	for i := 0; i < len(s); i++ {
		for j := i + 4; j <= len(s); j++ {
			for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
				b, err := enc.DecodeString(strings.TrimRight(s[i:j], "="))
				if err != nil {
					continue
				}
				for k := 0; k+3 <= len(pw); k++ {
					if strings.Contains(string(b), pw[k:k+3]) {
						return true
					}
				}
			}
		}
	}
	return false
}

func TestFormsAreDistinctLongestFirst(t *testing.T) {
	forms := Forms(nasty)
	seen := map[string]bool{}
	for i, f := range forms {
		if seen[f] || f == "" {
			t.Fatalf("form %d %q repeated or empty", i, f)
		}
		seen[f] = true
		if i > 0 && len(f) > len(forms[i-1]) {
			t.Fatalf("form %d is longer than the one before it", i)
		}
	}
	if Forms("") != nil {
		t.Fatal("forms of nothing")
	}
	// A plain password has few forms: the replacer stays small.
	if n := len(Forms("Plain8Password")); n > 12 {
		t.Fatalf("%d forms of a plain password: %q", n, Forms("Plain8Password"))
	}
}
