package actions

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Checks of text that looks right in a spreadsheet and is not: UTF-8 read
// as Windows-1252 ("ZoÃ«"), letters an export turned into "?", invisible
// characters and look-alike letters in identifiers. They run only on cells
// that are not plain ASCII (or, for "?", that hold one), so a million
// ordinary rows pay one byte scan each.

// tagError is an error with a FieldError tag.
type tagError struct {
	tag string
	msg string
}

func (e *tagError) Error() string { return e.msg }

// cp1252Byte maps the characters of Windows-1252's upper half back to their
// byte, for the characters UTF-8 continuation and lead bytes decode to.
var cp1252Byte = func() map[rune]byte {
	m := make(map[rune]byte, 128)
	for b := 0x80; b <= 0xFF; b++ {
		r := charmap.Windows1252.DecodeByte(byte(b))
		if r != utf8.RuneError {
			m[r] = byte(b)
		}
	}
	return m
}()

// mojibake finds UTF-8 text that was decoded as Windows-1252: a lead byte
// (Â..ô) followed by continuation bytes (0x80-0xBF) that together are a
// valid UTF-8 character. It returns the first such run and what it was.
func mojibake(s string) (seen, meant string, ok bool) {
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		lead, isByte := cp1252Byte[rs[i]]
		if !isByte || lead < 0xC2 || lead > 0xF4 {
			continue
		}
		n := 2
		switch {
		case lead >= 0xF0:
			n = 4
		case lead >= 0xE0:
			n = 3
		}
		if i+n > len(rs) {
			continue
		}
		b := []byte{lead}
		for _, r := range rs[i+1 : i+n] {
			c, isByte := cp1252Byte[r]
			if !isByte || c < 0x80 || c > 0xBF {
				break
			}
			b = append(b, c)
		}
		if len(b) != n {
			continue
		}
		if r, size := utf8.DecodeRune(b); r != utf8.RuneError && size == n {
			return string(rs[i : i+n]), string(r), true
		}
	}
	return "", "", false
}

// lostLetters reports a "?" where a letter probably was: inside or at the
// start of a word, or several in a row. A question mark at the end of a
// sentence is not one.
func lostLetters(s string) bool {
	i := strings.IndexByte(s, '?')
	if i < 0 {
		return false
	}
	if strings.Contains(s, "??") || strings.Trim(s, "? ") == "" {
		return true
	}
	for ; i >= 0 && i < len(s); i = nextQ(s, i) {
		next, _ := utf8.DecodeRuneInString(s[i+1:])
		if unicode.IsLetter(next) {
			return true
		}
	}
	return false
}

func nextQ(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '?')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// invisibleNames names the invisible characters most often pasted into
// identifiers.
var invisibleNames = map[rune]string{
	0x00A0: "no-break space", 0x00AD: "soft hyphen", 0x180E: "Mongolian vowel separator",
	0x200B: "zero width space", 0x200C: "zero width non-joiner", 0x200D: "zero width joiner",
	0x200E: "left-to-right mark", 0x200F: "right-to-left mark", 0x202A: "left-to-right embedding",
	0x202B: "right-to-left embedding", 0x202C: "pop directional formatting", 0x202D: "left-to-right override",
	0x202E: "right-to-left override", 0x2060: "word joiner", 0x2066: "left-to-right isolate",
	0x2067: "right-to-left isolate", 0x2068: "first strong isolate", 0x2069: "pop directional isolate",
	0xFEFF: "byte-order mark (zero width no-break space)", 0x3000: "ideographic space", 0x2007: "figure space",
	0x202F: "narrow no-break space",
}

// invisible returns the first character of an identifier that shows as
// nothing (or as a space) and is not one: format characters, controls,
// spaces other than " ".
func invisible(s string) (rune, bool) {
	for _, r := range s {
		if r < 0x80 {
			if r < 0x20 || r == 0x7F {
				return r, true
			}
			continue
		}
		if unicode.Is(unicode.Cf, r) || unicode.IsControl(r) || unicode.Is(unicode.Zs, r) ||
			unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) || invisibleNames[r] != "" {
			return r, true
		}
	}
	return 0, false
}

func describeRune(r rune) string {
	if name := invisibleNames[r]; name != "" {
		return fmt.Sprintf("U+%04X (%s)", r, name)
	}
	if unicode.IsControl(r) {
		return fmt.Sprintf("U+%04X (a control character)", r)
	}
	return fmt.Sprintf("U+%04X", r)
}

// lookAlikeScripts are the scripts whose letters pass for each other.
var lookAlikeScripts = []struct {
	name  string
	table *unicode.RangeTable
}{{"Latin", unicode.Latin}, {"Cyrillic", unicode.Cyrillic}, {"Greek", unicode.Greek}, {"Armenian", unicode.Armenian}}

// mixedScripts reports an identifier whose letters come from two of the
// look-alike scripts (a Cyrillic "А" among Latin letters), naming the first
// letter of the minority script.
func mixedScripts(s string) (string, bool) {
	counts := make([]int, len(lookAlikeScripts))
	first := make([]rune, len(lookAlikeScripts))
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		for i, sc := range lookAlikeScripts {
			if unicode.Is(sc.table, r) {
				if counts[i] == 0 {
					first[i] = r
				}
				counts[i]++
				break
			}
		}
	}
	major, minor := -1, -1
	for i, n := range counts {
		switch {
		case n == 0:
		case major < 0 || n > counts[major]:
			major, minor = i, major
		case minor < 0 || n > counts[minor]:
			minor = i
		}
	}
	if minor < 0 {
		return "", false
	}
	return fmt.Sprintf("mixes %s and %s letters (%s %q %s among %s ones): a look-alike? Retype it in one script",
		lookAlikeScripts[major].name, lookAlikeScripts[minor].name, lookAlikeScripts[minor].name,
		string(first[minor]), fmt.Sprintf("U+%04X", first[minor]), lookAlikeScripts[major].name), true
}

// textError is checkRunes' part for text that is not ASCII: UTF-8 read as
// Windows-1252, and for identifiers invisible characters.
func (f *Field) textError(v string, show bool) error {
	if f.Identifier {
		if r, bad := invisible(v); bad {
			return fmt.Errorf("contains the invisible character %s, which an identifier cannot hold: retype the value", describeRune(r))
		}
	}
	if seen, meant, ok := mojibake(v); ok {
		msg := "looks like UTF-8 text read as Windows-1252"
		if show {
			msg += fmt.Sprintf(" (%q is %q)", seen, meant)
		}
		return &tagError{tag: TagMojibake, msg: msg}
	}
	return nil
}

// warning returns what is doubtful about a valid value, or "".
func (f *Field) warning(v string) string {
	if f.Kind == KindSecret {
		return ""
	}
	if strings.IndexByte(v, '?') >= 0 && lostLetters(v) {
		return `has "?" where a letter probably was (a Windows-1252 export turns letters such as "Ł" or "王" into "?"): export the file as UTF-8`
	}
	if f.Identifier && !isASCII(v) {
		if msg, ok := mixedScripts(v); ok {
			return msg
		}
	}
	return ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
