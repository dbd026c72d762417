package sim

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// A real tenant adds its own properties to the members the service leaves
// to it (a firm's customisation). Options.TenantProperties does the same
// here: each one joins its member's table (shapes.go), so the schema
// operations serve it and requests are held to it like any built-in one.

// TenantProperty is a property a tenant adds to a member's schema.
type TenantProperty struct {
	Member   string   // "aliasInfo", "create_password" or "profileProperties"
	Name     string   // e.g. "practice_area"
	Type     string   // "string", "boolean", "number" or "integer"
	Enum     []string // for "string": the allowed values (nil: any)
	Required bool
}

// The members a tenant may add properties to, in their canonical spelling.
const (
	memberAlias    = "aliasInfo"
	memberPassword = "create_password"
	memberProfile  = "profileProperties"
)

var tenantMembers = []string{memberAlias, memberPassword, memberProfile}

var tenantTypes = []string{"string", "boolean", "number", "integer"}

var tenantNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`)

// tenantSyntax is what ParseTenantProperty reads, for messages.
const tenantSyntax = "MEMBER.NAME=TYPE[,required], e.g. aliasInfo.practice_area=string,required, aliasInfo.risk=Low|Medium|High or profileProperties.billable=boolean"

// ParseTenantProperty reads MEMBER.NAME=TYPE[,required]. MEMBER is
// aliasInfo, create_password or profileProperties (in any case); TYPE is
// string, boolean, number, integer, or an enum of strings A|B|C. Spaces
// around the parts are ignored.
func ParseTenantProperty(s string) (TenantProperty, error) {
	var tp TenantProperty
	lhs, rhs, ok := strings.Cut(s, "=")
	if !ok {
		return tp, fmt.Errorf("no '=' before the type: want %s", tenantSyntax)
	}
	member, name, ok := strings.Cut(lhs, ".")
	if !ok {
		return tp, fmt.Errorf("no '.' between the member and the name: want %s", tenantSyntax)
	}
	tp.Member, tp.Name = strings.TrimSpace(member), strings.TrimSpace(name)
	for _, m := range tenantMembers {
		if strings.EqualFold(tp.Member, m) {
			tp.Member = m
		}
	}
	parts := strings.Split(rhs, ",")
	for _, flag := range parts[1:] {
		if f := strings.TrimSpace(flag); !strings.EqualFold(f, "required") || tp.Required {
			return tp, fmt.Errorf("%q after the type: only one \",required\" may follow it (enum values cannot hold a comma); want %s", f, tenantSyntax)
		}
		tp.Required = true
	}
	tp.Type = strings.TrimSpace(parts[0])
	if strings.Contains(tp.Type, "|") {
		tp.Enum = strings.Split(tp.Type, "|")
		for i := range tp.Enum {
			tp.Enum[i] = strings.TrimSpace(tp.Enum[i])
		}
		tp.Type = "string"
	}
	return tp, tp.check()
}

// String is the property as ParseTenantProperty reads it.
func (tp TenantProperty) String() string {
	typ := tp.Type
	if len(tp.Enum) > 0 {
		typ = strings.Join(tp.Enum, "|")
	}
	s := tp.Member + "." + tp.Name + "=" + typ
	if tp.Required {
		s += ",required"
	}
	return s
}

// check is every rule of one property; Options.Validate and
// ParseTenantProperty both apply it.
func (tp TenantProperty) check() error {
	if !slices.Contains(tenantMembers, tp.Member) {
		return fmt.Errorf("member %q: want %s", tp.Member, joinNames(tenantMembers))
	}
	if !tenantNamePattern.MatchString(tp.Name) {
		return fmt.Errorf("name %q: want a letter or '_', then up to 63 letters, digits, '_' or '-'", tp.Name)
	}
	own := builtInNames(tp.Member)
	for _, b := range own {
		if strings.EqualFold(b, tp.Name) {
			return fmt.Errorf("name %q: %s already has %s (its own properties: %s); choose another name", tp.Name, tp.Member, b, summarizeNames(own))
		}
	}
	if !slices.Contains(tenantTypes, tp.Type) {
		return fmt.Errorf("type %q: want string, boolean, number, integer, or an enum of strings A|B|C", tp.Type)
	}
	if len(tp.Enum) > 0 && tp.Type != "string" {
		return fmt.Errorf("an enum is for type string, not %s", tp.Type)
	}
	for i, v := range tp.Enum {
		switch {
		case v == "":
			return fmt.Errorf("enum value %d is empty: want values such as Low|Medium|High", i+1)
		case slices.Contains(tp.Enum[:i], v):
			return fmt.Errorf("enum value %q is given twice", v)
		}
	}
	return nil
}

// ValidateTenantProperties checks each property (as ParseTenantProperty
// does) and that no member gets one name twice (in any case).
func ValidateTenantProperties(tps []TenantProperty) error {
	seen := map[string]bool{}
	for _, tp := range tps {
		if err := tp.check(); err != nil {
			return fmt.Errorf("tenant property %s.%s: %w", tp.Member, tp.Name, err)
		}
		key := tp.Member + "." + strings.ToLower(tp.Name)
		if seen[key] {
			return fmt.Errorf("tenant property %s.%s is given twice: give each name of a member once", tp.Member, tp.Name)
		}
		seen[key] = true
	}
	return nil
}

// builtInNames are the properties a member has without the tenant's: the
// loosest of its tables. A folder's answer also puts class and subclass in
// its profile, so profileProperties cannot have those either.
func builtInNames(member string) []string {
	var sh shape
	switch member {
	case memberAlias:
		sh = shapes{}.alias("", false, false)
	case memberPassword:
		sh = shapes{}.password("", false)
	case memberProfile:
		sh = shapes{}.profile("", false)
		sh.props = append(sh.props, prop{name: "class"}, prop{name: "subclass"})
	}
	names := make([]string, len(sh.props))
	for i, p := range sh.props {
		names[i] = p.name
	}
	return names
}

// summarizeNames lists names, shortening a run of customN.
func summarizeNames(names []string) string {
	if len(names) > 2 && names[0] == "custom1" {
		rest := names[:0:0]
		for _, n := range names {
			if !strings.HasPrefix(n, "custom") {
				rest = append(rest, n)
			}
		}
		return strings.Join(append([]string{"custom1 to custom30"}, rest...), ", ")
	}
	return strings.Join(names, ", ")
}
