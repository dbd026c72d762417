package actions

import (
	"reflect"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/names"
)

func TestNormalize(t *testing.T) {
	cu, _ := Lookup("create-user")
	email := *func() *Field { f, _ := cu.Field("email"); return f }()
	sec := Field{Name: "default_security", Kind: KindEnum, Enum: securityEnum}
	ws := Field{Name: "workspace_id", Kind: KindList, Match: isContainerID, Rule: "look like LIBRARY!123"}
	id := Field{Name: "parent_id", Kind: KindString, Match: isContainerID, Rule: "look like LIBRARY!123"}
	alias := Field{Name: "alias", Kind: KindString, MinLen: 1, MaxLen: 32}
	pw := Field{Name: "password", Kind: KindSecret, MinLen: 8, MaxLen: 128, Rule: "be 8 to 128 characters"}
	tests := []struct {
		name    string
		field   Field
		in      string
		want    string
		wantErr string
	}{
		{"bool true", Field{Kind: KindBool}, "TRUE", "true", ""},
		{"bool yes", Field{Kind: KindBool}, " yes ", "true", ""},
		{"bool y", Field{Kind: KindBool}, "Y", "true", ""},
		{"bool 1", Field{Kind: KindBool}, "1", "true", ""},
		{"bool no", Field{Kind: KindBool}, "No", "false", ""},
		{"bool 0", Field{Kind: KindBool}, "0", "false", ""},
		{"bool bad", Field{Kind: KindBool}, "maybe", "", `must be true or false (or yes/no, y/n, 1/0), not "maybe"`},
		{"enum case", sec, "PRIVATE", "private", ""},
		{"enum bad", sec, "privat", "", `must be one of inherit, private, view, public, not "privat"`},
		{"enum with spaces", Field{Kind: KindEnum, Enum: []string{SendAnEmail, CreateAPassword}}, "create a PASSWORD", CreateAPassword, ""},
		{"int", Field{Kind: KindInt}, "0042", "42", ""},
		{"int bad", Field{Kind: KindInt}, "4.2", "", `must be a whole number, not "4.2"`},
		{"number", Field{Kind: KindNumber}, "+12.50", "12.5", ""},
		{"number leading dot", Field{Kind: KindNumber}, ".5", "0.5", ""},
		{"number exp", Field{Kind: KindNumber}, "1e3", "1000", ""},
		{"number big", Field{Kind: KindNumber}, "1e300", "1e+300", ""},
		{"number minus zero", Field{Kind: KindNumber}, "-0", "0", ""},
		{"number NaN", Field{Kind: KindNumber}, "NaN", "", `must be a number like 12.5, not "NaN"`},
		{"number hex", Field{Kind: KindNumber}, "0x10", "", `must be a number like 12.5, not "0x10"`},
		{"number overflow", Field{Kind: KindNumber}, "1e400", "", `must be a number like 12.5, not "1e400"`},
		{"datetime", Field{Kind: KindDateTime}, "2024-03-01T09:30:00Z", "2024-03-01T09:30:00Z", ""},
		{"datetime offset", Field{Kind: KindDateTime}, "2024-03-01T09:30:00.5+01:00", "2024-03-01T09:30:00.5+01:00", ""},
		{"datetime date only", Field{Kind: KindDateTime}, "2024-03-01", "2024-03-01T00:00:00Z", ""},
		{"datetime without a zone is UTC", Field{Kind: KindDateTime}, "2024-03-01T09:30:00", "2024-03-01T09:30:00Z", ""},
		{"datetime bad date", Field{Kind: KindDateTime}, "2024-02-30", "", `must be an ISO 8601 date-time like 2024-03-01T09:30:00Z, or a date like 2024-03-01 (without a zone: UTC), not "2024-02-30"`},
		{"list semicolon", ws, "A!1; B!2", "A!1;B!2", ""},
		{"list pipe and empties", ws, "|A!1||B!2|", "A!1;B!2", ""},
		{"list bad item", ws, "A!1;B2", "", `item "B2": must look like LIBRARY!123, not "B2"`},
		{"id ok", id, " ACTIVE_US!123 ", "ACTIVE_US!123", ""},
		{"id bad", id, "ACTIVE_US-123", "", `must look like LIBRARY!123, not "ACTIVE_US-123"`},
		{"id two bangs", id, "A!B!1", "", `must look like LIBRARY!123, not "A!B!1"`},
		{"email ok", email, "jo.smith+x@firm.co.uk", "jo.smith+x@firm.co.uk", ""},
		// The message says what is wrong: the length, or the form.
		{"email short", email, "a@b", "", "must be 5 to 254 characters (it has 3)"},
		{"email no tld", email, "jo.smith.jones@firm", "", `must be an e-mail address like name@firm.com, not "jo.smith.jones@firm": the part after the @ needs a dot with at least two characters after it, like firm.com`},
		{"email long", email, strings.Repeat("a", 250) + "@x.com", "", "must be 5 to 254 characters (it has 256)"},
		{"alias long counts characters", alias, strings.Repeat("é", 32), strings.Repeat("é", 32), ""},
		{"alias too long", alias, strings.Repeat("é", 33), "", "must be 1 to 32 characters (it has 33)"},
		{"control character", alias, "a\x00b", "", "must not contain control characters (found U+0000)"},
		{"invalid utf8", alias, "a\xffb", "", "is not valid UTF-8 text"},
		{"long value echo is cut", id, strings.Repeat("x", 100), "", `must look like LIBRARY!123, not "` + strings.Repeat("x", 40) + `..."`},
		{"secret kept as given", pw, " s3cret pass ", " s3cret pass ", ""},
		{"secret short never echoed", pw, "hunter2", "", "must be 8 to 128 characters"},
		{"empty is empty", Field{Kind: KindBool}, "  ", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.field.Normalize(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Normalize(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				if tt.field.Kind == KindSecret && strings.Contains(err.Error(), tt.in) {
					t.Fatalf("error repeats the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Normalize(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			again, err := tt.field.Normalize(got)
			if err != nil || again != got {
				t.Fatalf("not idempotent: Normalize(%q) = %q, %v", got, again, err)
			}
		})
	}
}

func TestMatchersAgreeWithPatterns(t *testing.T) {
	cases := map[string][]string{
		"user":      {"JSMITH", "j.smith@firm", "", "has space", "tab\tin", "ctl\x01", "ünï", "\u00a0nbsp", "\U0001F600", "\uFDD0"},
		"container": {"A!1", "ACTIVE_US!123", "!1", "A!", "A!1a", "A!B!1", "A!!1", "A 1!2"},
		"email":     {"a@b.co", "x+y@firm.com", "@firm.com", "a@firm", "a@@b.com", "a b@c.com", "a@b.", "a@.b", "a@b.c.d"},
		"folder":    {"docs.in", "a_b-c", "a b", "a@b", ""},
	}
	check := func(kind string, re func(string) bool, fn func(string) bool) {
		for _, s := range cases[kind] {
			if re(s) != fn(s) {
				t.Errorf("%s %q: pattern %v, matcher %v", kind, s, re(s), fn(s))
			}
		}
	}
	check("user", rulePatterns["isUserID"].MatchString, isUserID)
	check("container", rulePatterns["isContainerID"].MatchString, isContainerID)
	check("email", rulePatterns["isEmail"].MatchString, isEmail)
	check("folder", rulePatterns["isFolderEmail"].MatchString, isFolderEmail)
}

func TestRegistry(t *testing.T) {
	want := []string{"add-folder", "add-my-matters-shortcuts", "add-tab", "assign-user-to-library", "create-lookup-alias",
		"create-user", "get-library-roles", "get-lookup-aliases", "get-my-matters-categories", "update-custom-field"}
	if got := strings.Join(Names(), ","); got != strings.Join(want, ",") {
		t.Fatalf("Names() = %s", got)
	}
	for _, s := range All() {
		t.Run(s.Name, func(t *testing.T) {
			if s.Call == nil || s.Operation == "" || s.Summary == "" {
				t.Fatalf("incomplete spec %+v", s)
			}
			owner := map[string]string{} // folded name -> field
			for _, f := range s.Fields {
				for _, n := range append([]string{f.Name}, f.Aliases...) {
					if o, ok := owner[names.Fold(n)]; ok && o != f.Name {
						t.Errorf("name %q means both %s and %s", n, o, f.Name)
					}
					owner[names.Fold(n)] = f.Name
				}
				if f.Name != strings.ToLower(f.Name) || strings.Contains(f.Name, "-") {
					t.Errorf("field %q is not snake_case", f.Name)
				}
				if f.Default != "" {
					if n, err := f.Normalize(f.Default); err != nil || n != f.Default {
						t.Errorf("default of %s %q does not normalise to itself: %q %v", f.Name, f.Default, n, err)
					}
				}
			}
			for _, k := range s.KeyFields {
				if !s.HasField(k) {
					t.Errorf("key field %q is not a field", k)
				}
			}
		})
	}
	if s, ok := Lookup("createUser"); !ok || s.Name != "create-user" {
		t.Fatalf("Lookup by operation failed")
	}
	if s, ok := Lookup("Add_Tab"); !ok || s.Name != "add-tab" {
		t.Fatalf("Lookup folded failed")
	}
}

// Text that looks right in a spreadsheet and is not.
func TestTextChecks(t *testing.T) {
	cu, _ := Lookup("create-user")
	tab, _ := Lookup("add-tab")
	row := func(name, id string) []string {
		cells := make([]string, len(cu.Fields))
		for i, f := range cu.Fields {
			switch f.Name {
			case "full_name":
				cells[i] = name
			case "id":
				cells[i] = id
			case "email":
				cells[i] = "jo@firm.com"
			case "preferred_library":
				cells[i] = "ACTIVE_US"
			case "role":
				cells[i] = "ATTORNEY"
			}
		}
		return cells
	}
	cases := []struct {
		name, full, id string
		want           []FieldError
	}{
		{"plain", "Zoë Brontë", "ZBRONTE", nil},
		{"mojibake", "ZoÃ« BrontÃ«", "ZBRONTE", []FieldError{{Field: "full_name", Tag: TagMojibake,
			Message: `looks like UTF-8 text read as Windows-1252 ("Ã«" is "ë")`}}},
		{"mojibake quote", "Oâ€™Brien", "OBRIEN", []FieldError{{Field: "full_name", Tag: TagMojibake,
			Message: `looks like UTF-8 text read as Windows-1252 ("â€™" is "’")`}}},
		{"mojibake umlaut", "JÃ¼rgen", "JURGEN", []FieldError{{Field: "full_name", Tag: TagMojibake,
			Message: `looks like UTF-8 text read as Windows-1252 ("Ã¼" is "ü")`}}},
		{"question mark for a letter", "?ukasz Nowak", "LNOWAK", []FieldError{{Field: "full_name", Warning: true,
			Message: `has "?" where a letter probably was (a Windows-1252 export turns letters such as "Ł" or "王" into "?"): export the file as UTF-8`}}},
		{"question marks for a name", "??", "WFANG", []FieldError{{Field: "full_name", Warning: true,
			Message: `has "?" where a letter probably was (a Windows-1252 export turns letters such as "Ł" or "王" into "?"): export the file as UTF-8`}}},
		{"zero width space in an ID", "Jo Smith", "JSMI\u200bTH", []FieldError{{Field: "id",
			Message: "contains the invisible character U+200B (zero width space), which an identifier cannot hold: retype the value"}}},
		{"bidi override in an ID", "Jo Smith", "JSMITH\u202e", []FieldError{{Field: "id",
			Message: "contains the invisible character U+202E (right-to-left override), which an identifier cannot hold: retype the value"}}},
		{"byte-order mark in an ID", "Jo Smith", "\ufeffJSMITH", []FieldError{{Field: "id",
			Message: "contains the invisible character U+FEFF (byte-order mark (zero width no-break space)), which an identifier cannot hold: retype the value"}}},
		{"no-break space in an ID", "Jo Smith", "J\u00a0SMITH", []FieldError{{Field: "id",
			Message: "contains the invisible character U+00A0 (no-break space), which an identifier cannot hold: retype the value"}}},
		{"control character in an ID", "Jo Smith", "JSM\x1bITH", []FieldError{{Field: "id",
			Message: "must not contain control characters (found U+001B)"}}},
		{"Cyrillic A in a Latin ID", "Jo Smith", "\u0410SMITH", []FieldError{{Field: "id", Warning: true,
			Message: `mixes Latin and Cyrillic letters (Cyrillic "А" U+0410 among Latin ones): a look-alike? Retype it in one script`}}},
		{"Cyrillic ID alone is fine", "Иван Петров", "ИПЕТРОВ", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, errs := cu.ValidateFields(row(c.full, c.id))
			if !reflect.DeepEqual(errs, c.want) {
				t.Errorf("errors\n%+v\nwant\n%+v", errs, c.want)
			}
		})
	}
	// A question mark ending a sentence is not a lost letter; a warning keeps the value.
	cells := make([]string, len(tab.Fields))
	cells[0], cells[1], cells[3] = "Ready?", "ACTIVE_US!1", "Why? Because"
	v, _, errs := tab.ValidateFields(cells)
	if len(errs) != 0 || v["description"] != "Why? Because" {
		t.Errorf("errors %v, values %v", errs, v)
	}
	v, _, errs = cu.ValidateFields(row("?ukasz", "LNOWAK"))
	if len(Errors(errs)) != 0 || v["full_name"] != "?ukasz" {
		t.Errorf("a warning must keep the value: %v %v", errs, v)
	}
}
