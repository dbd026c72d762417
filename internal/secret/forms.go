package secret

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Forms returns the ways a service, a proxy or a library may echo v back:
// v itself; JSON-escaped (with and without HTML escaping, ASCII-only as
// Python writes it, "\/" as PHP writes it); HTML-escaped (&#34; or &quot;,
// &#39;, &#x27; or &apos;); percent-encoded (space as %20 or +, as Go's
// query and path escaping and JavaScript's encodeURIComponent leave
// characters, upper- or lower-case hex); Go-quoted (%q in a standard
// library error); and base64 in the standard and URL alphabets, with and
// without padding, of v alone and of v inside other bytes (a Basic
// Authorization header holds base64 of "user:password"). base64 of v
// inside other bytes depends on where v starts, modulo 3: for each of the
// three offsets the characters that encode v's bytes alone are a form; the
// one or two characters at either end also encode the neighbouring bytes,
// which leaks a few bits, never a character.
//
// The forms are distinct, longest first, so a replacer that prefers the
// earlier of two matches at one place removes the most.
func Forms(v string) []string {
	if v == "" {
		return nil
	}
	set := map[string]bool{v: true}
	add := func(forms ...string) {
		for _, f := range forms {
			if f != "" {
				set[f] = true
			}
		}
	}
	for _, html := range []bool{false, true} {
		for _, ascii := range []bool{false, true} {
			for _, slash := range []bool{false, true} {
				for _, upper := range []bool{false, true} {
					add(jsonEscape(v, html, ascii, slash, upper))
				}
			}
		}
	}
	if strings.ContainsAny(v, `&<>"'`) {
		for _, r := range htmlEscapers {
			add(r.Replace(v))
		}
	}
	for _, keep := range []func(byte) bool{isUnreserved, isPathSafe, isURIComponentSafe} {
		for _, plus := range []bool{false, true} {
			for _, upper := range []bool{false, true} {
				add(percentEncode(v, keep, plus, upper))
			}
		}
	}
	add(url.QueryEscape(v), url.PathEscape(v))
	add(unquote(strconv.Quote(v)), unquote(strconv.QuoteToASCII(v)))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		add(enc.EncodeToString([]byte(v)), enc.WithPadding(base64.NoPadding).EncodeToString([]byte(v)))
		for off := 0; off < 3; off++ {
			add(base64Core(enc, v, off))
		}
	}
	out := make([]string, 0, len(set))
	for f := range set {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

// htmlEscapers are the ways HTML escapes &, <, >, " and ': &#34; or
// &quot;, &#39;, &#x27; or &apos;.
var htmlEscapers = func() []*strings.Replacer {
	var out []*strings.Replacer
	for _, quot := range []string{"&#34;", "&quot;"} {
		for _, apos := range []string{"&#39;", "&#x27;", "&apos;"} {
			out = append(out, strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, quot, "'", apos))
		}
	}
	return out
}()

func unquote(q string) string { return q[1 : len(q)-1] }

// minCore is the shortest base64 run taken as a form: shorter runs occur
// in ordinary text.
const minCore = 8

// base64Core is the run of base64 characters that encode v's bytes alone
// when v starts off bytes (modulo 3) into what is encoded.
func base64Core(enc *base64.Encoding, v string, off int) string {
	b := append(make([]byte, off), v...)
	s := enc.WithPadding(base64.NoPadding).EncodeToString(b)
	// Character i holds bits [6i, 6i+6): it is v's alone when those bits
	// lie in [8*off, 8*(off+len(v))).
	first := (8*off + 5) / 6
	last := 8 * (off + len(v)) / 6
	if last > len(s) {
		last = len(s)
	}
	if last-first < minCore {
		return ""
	}
	return s[first:last]
}

// jsonEscape writes v as the inside of a JSON string: html escapes <, >
// and & (as Go does); ascii escapes everything beyond ASCII (as Python
// does); slash escapes "/" (as PHP does); upper writes \u hex in upper case.
func jsonEscape(v string, html, ascii, slash, upper bool) string {
	hex := "\\u%04x"
	if upper {
		hex = "\\u%04X"
	}
	var b strings.Builder
	for _, r := range v {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '/' && slash:
			b.WriteString(`\/`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20, r == 0x2028, r == 0x2029, html && (r == '<' || r == '>' || r == '&'):
			fmt.Fprintf(&b, hex, r)
		case ascii && r > 0x7f:
			if r > 0xffff {
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(&b, hex+hex, r1, r2)
			} else {
				fmt.Fprintf(&b, hex, r)
			}
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// percentEncode writes every byte of v that keep does not leave as %XX
// (space as + when plus).
func percentEncode(v string, keep func(byte) bool, plus, upper bool) string {
	digits := "0123456789ABCDEF"
	if !upper {
		digits = "0123456789abcdef"
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == ' ' && plus:
			b.WriteByte('+')
		case keep(c):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(digits[c>>4])
			b.WriteByte(digits[c&15])
		}
	}
	return b.String()
}

// isUnreserved: RFC 3986's unreserved characters, all that Go's
// url.QueryEscape leaves.
func isUnreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0
}

// isPathSafe: what Go's url.PathEscape leaves besides the unreserved.
func isPathSafe(c byte) bool { return isUnreserved(c) || strings.IndexByte("$&+,:;=@", c) >= 0 }

// isURIComponentSafe: what JavaScript's encodeURIComponent leaves.
func isURIComponentSafe(c byte) bool { return isUnreserved(c) || strings.IndexByte("!'()*", c) >= 0 }
