package actions

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Rules of the contract's identifiers (../shared/imanage-api.md,
// "Identifiers"), each as a regular expression (shown by `bulk actions`) and
// as a hand-written matcher used on every row.

var (
	userIDPattern    = regexp.MustCompile(`^[\x{21}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}]*$`)
	containerPattern = regexp.MustCompile(`^[^!]+![0-9]+$`)
	libraryPattern   = regexp.MustCompile(`^[^!\s]+$`)
	emailPattern     = regexp.MustCompile("^[A-Za-z0-9+*.&_`~|$%^?!'#={}/-]+@[A-Za-z0-9+*.&_`~|$%^?!'#={}/-]+\\.[A-Za-z0-9+*.&_`~|$%^?!'#={}/-]+$")
	folderEmailRe    = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
)

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

// isLibraryName: a plain name without spaces or "!" (which separates a
// library from a number in every other ID).
func isLibraryName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return !strings.ContainsFunc(s, func(r rune) bool { return r == '!' || unicode.IsSpace(r) })
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

// isEmail: local@domain.tld with the connector's characters.
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
	dot := strings.LastIndexByte(dom, '.')
	if dot <= 0 || dot == len(dom)-1 {
		return false
	}
	for i := 0; i < len(dom); i++ {
		if !emailChar(dom[i]) {
			return false
		}
	}
	return true
}

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
	return Field{Name: name, Aliases: aliases, Kind: KindString, Required: true, Identifier: true,
		Pattern: libraryPattern, Match: isLibraryName,
		Rule: "be a library name like ACTIVE_US (no spaces, no \"!\")"}
}

func userIDField(name string, required, reference bool, aliases ...string) Field {
	return Field{Name: name, Aliases: aliases, Kind: KindString, Required: required, Reference: reference,
		Identifier: true, IgnoreCase: true, Pattern: userIDPattern, Match: isUserID,
		Rule: "be a user ID like JSMITH (no spaces or control characters)"}
}

func ownerField() Field {
	return Field{Name: "owner", Kind: KindString, MaxLen: 63, Pattern: userIDPattern, Match: isUserID,
		Identifier: true, IgnoreCase: true,
		Rule: "be a user ID of at most 63 characters (no spaces)"}
}

func containerField(name, what string, required bool, aliases ...string) Field {
	return Field{Name: name, Aliases: aliases, Kind: KindString, Required: required, Reference: true,
		Identifier: true, Pattern: containerPattern, Match: isContainerID,
		Rule: "look like LIBRARY!123 (" + what + ")"}
}

// boolField is a yes/no field; required is the contract's R (with a
// default, an empty cell is never missing).
func boolField(name, def string, required bool, aliases ...string) Field {
	return Field{Name: name, Aliases: aliases, Kind: KindBool, Required: required, Default: def}
}

func roleField() Field {
	return Field{Name: "role", Kind: KindString, Required: true, MaxLen: 254, Identifier: true,
		Rule: "be a role of the library, like ATTORNEY"}
}

// lookupFields are the fourteen lookup fields.
var lookupFields = []string{"custom1", "custom2", "custom3", "custom4", "custom5", "custom6",
	"custom7", "custom8", "custom9", "custom10", "custom11", "custom12", "custom29", "custom30"}

// lookupParent is the parent field of the two child lookup fields.
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

func strPtr(v Values, name string) *string {
	x, ok := v[name]
	if !ok {
		return nil
	}
	return &x
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
