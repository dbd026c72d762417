package actions

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Rules of the contract's identifiers and of the definition's patterns
// (docs/contract.md), each written once, by hand, as a matcher that runs
// on every row (a regular expression on every row of a million-row file
// costs more than reading the file) beside its words in Field.Rule. The
// tests keep each rule's regular expression as test data: they hold every
// matcher to it, and it to the definition's own pattern
// (internal/definition/facts.json).

// isJSSpace is ECMAScript's \s: what the definition's patterns call whitespace.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// isObjectName is the definition's pattern of a tab's or folder's name and
// owner, ^(?!\s*$)[...]+$: printable ASCII but the backslash, whitespace,
// and U+00A0-U+D7FF, U+F900-U+FDCF, U+FDF0-U+FFEF (no control characters,
// private use, non-characters or emoji), with at least one character that
// is not whitespace. Whitespace is ECMAScript's \s, as the definition means
// it.
func isObjectName(s string) bool {
	visible := false
	for _, r := range s {
		switch {
		case r >= '!' && r <= '~':
			if r == '\\' {
				return false
			}
			visible = true
		case isJSSpace(r):
		case r >= 0xA0 && r <= 0xD7FF, r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFEF:
			visible = true
		default:
			return false
		}
	}
	return visible
}

// isUserID: the contract's user ID pattern, ^[\u0021-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF]*$.
func isUserID(s string) bool {
	for _, r := range s {
		switch {
		case r >= 0x21 && r <= 0xD7FF:
		case r >= 0xF900 && r <= 0xFDCF:
		case r >= 0xFDF0 && r <= 0xFFEF:
		default:
			return false
		}
	}
	return true
}

// isContainerID: LIBRARY!number, ^[^!]+![0-9]+$.
func isContainerID(s string) bool {
	i := strings.LastIndexByte(s, '!')
	if i <= 0 || i == len(s)-1 || strings.IndexByte(s[:i], '!') >= 0 {
		return false
	}
	for j := i + 1; j < len(s); j++ {
		if s[j] < '0' || s[j] > '9' {
			return false
		}
	}
	return true
}

// isLibraryName: a plain name without spaces, control characters or "!"
// (which separates a library from a number in every other ID).
func isLibraryName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return !strings.ContainsFunc(s, func(r rune) bool { return r == '!' || r <= ' ' || unicode.IsSpace(r) })
		}
		if c <= ' ' || c == '!' {
			return false
		}
	}
	return true
}

// emailChars are the characters the connector's e-mail pattern allows on
// either side of the "@".
var emailChars = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range []byte("+*.&_`~|$%^?!'#={}/-") {
		t[c] = true
	}
	return t
}()

func emailChar(c byte) bool { return emailChars[c] }

// isEmail: local@domain.tld with the connector's characters, the last part
// at least two characters long: somewhere in the domain a "." with at least
// one character before it and two after it. The definition's length rule
// (5 to 254) is the field's MinLen and MaxLen.
func isEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return false
	}
	for i := 0; i < at; i++ {
		if !emailChar(s[i]) {
			return false
		}
	}
	dom := s[at+1:]
	tld := false
	for i := 0; i < len(dom); i++ {
		if !emailChar(dom[i]) {
			return false
		}
		if dom[i] == '.' && i >= 1 && i <= len(dom)-3 {
			tld = true
		}
	}
	return tld
}

// emailWhy says what keeps s from being an e-mail address isEmail takes.
func emailWhy(s string) string {
	at := strings.IndexByte(s, '@')
	switch {
	case at < 0:
		return "it has no @"
	case at == 0:
		return "nothing before the @"
	case strings.IndexByte(s[at+1:], '@') >= 0:
		return "it has more than one @"
	}
	for _, r := range s {
		if r == '@' {
			continue
		}
		if r >= utf8.RuneSelf || !emailChar(byte(r)) {
			if r == ' ' {
				return "it has a space"
			}
			return fmt.Sprintf("%q is not allowed (letters A-Z, digits and +*.&_`~|$%%^?!'#={}/- only)", r)
		}
	}
	return "the part after the @ needs a dot with at least two characters after it, like firm.com"
}

// isFolderEmail: a folder e-mail prefix, letters, digits, ".", "_" and "-".
func isFolderEmail(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return s != ""
}

// Field builders shared by the action files.

func libraryField(name string, aliases ...string) Field {
	return Field{Name: name, Aliases: aliases, Kind: KindString, Required: true, Identifier: true, Match: isLibraryName, Library: LibraryName,
		Rule: "be a library name like ACTIVE_US (no spaces, no \"!\")"}
}

func userIDField(name string, required, reference bool, aliases ...string) Field {
	return Field{Name: name, Aliases: aliases, Kind: KindString, Required: required, Reference: reference,
		Identifier: true, IgnoreCase: true, Match: isUserID,
		Rule: "be a user ID like JSMITH (no spaces or control characters)"}
}

// ownerField is a tab's or folder's owner: the definition gives it the
// pattern of names (so it may hold spaces), up to 63 characters.
func ownerField() Field {
	return Field{Name: "owner", Kind: KindString, MaxLen: 63, Match: isObjectName,
		Identifier: true, IgnoreCase: true,
		Rule: "be a user ID of at most 63 characters (no backslash, control characters or emoji)"}
}

func containerField(name, what string, required bool, aliases ...string) Field {
	return Field{Name: name, Aliases: aliases, Kind: KindString, Required: required, Reference: true,
		Identifier: true, Match: isContainerID, Library: LibraryOfIDs,
		Rule: "look like LIBRARY!123 (" + what + ")"}
}

// boolField is a yes/no field; required is the contract's R (with a
// default, an empty cell is never missing).
func boolField(name, def string, required bool, aliases ...string) Field {
	return Field{Name: name, Aliases: aliases, Kind: KindBool, Required: required, Default: def}
}

// lookupFields are the fourteen lookup fields, and lookupParent the parent
// of each of the two child fields: the client side's one table of them
// (the simulator keeps its own).
var lookupFields = []string{"custom1", "custom2", "custom3", "custom4", "custom5", "custom6",
	"custom7", "custom8", "custom9", "custom10", "custom11", "custom12", "custom29", "custom30"}
var lookupParent = map[string]string{"custom2": "custom1", "custom30": "custom29"}

func lookupFieldField() Field {
	return Field{Name: "lookup_field_id", Aliases: []string{"lookupFieldId", "lookup_field"}, Kind: KindEnum,
		Required: true, Enum: lookupFields}
}

func aliasField(name string, required bool, aliases ...string) Field {
	return Field{Name: name, Aliases: aliases, Kind: KindString, Required: required, MinLen: 1, MaxLen: 32,
		Identifier: true, Rule: "be 1 to 32 characters"}
}

// checkParentAlias applies the contract's parent rule of lookup aliases:
// required for custom2 and custom30, refused for the others.
func checkParentAlias(v Values, required bool) []FieldError {
	field, ok := v["lookup_field_id"]
	if !ok {
		return nil // lookup_field_id itself is reported
	}
	parent, isChild := lookupParent[field]
	_, has := v["parent_alias"]
	switch {
	case isChild && !has && required:
		return []FieldError{{Field: "parent_alias", Message: "is required for " + field + ": an alias of " + parent}}
	case !isChild && has:
		return []FieldError{{Field: "parent_alias", Message: "is only for custom2 and custom30; " + field + " has no parent"}}
	}
	return nil
}

// boolPtr returns a pointer to the field's bool when it was given.
func boolPtr(v Values, name string) *bool {
	x, ok := v[name]
	if !ok {
		return nil
	}
	b := x == "true"
	return &b
}

// boolOr is the field's bool when it was given, else def.
func boolOr(v Values, name string, def bool) bool {
	if p := boolPtr(v, name); p != nil {
		return *p
	}
	return def
}

func strPtr(v Values, name string) *string {
	x, ok := v[name]
	if !ok {
		return nil
	}
	return &x
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
