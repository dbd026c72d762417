package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/iostreams"
)

func TestActionsList(t *testing.T) {
	r := runCLI(t, "actions")
	if r.code != 0 || r.errOut != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
	}
	lines := strings.Split(r.out, "\n")
	if !strings.HasPrefix(lines[0], "ACTION") {
		t.Fatalf("header %q", lines[0])
	}
	for i, name := range actions.Names() {
		if !strings.HasPrefix(lines[i+1], name+" ") {
			t.Errorf("line %d %q, want action %s", i+1, lines[i+1], name)
		}
	}
	if !regexp.MustCompile(`(?m)^get-library-roles +read +getLibraryRoles +List the roles`).MatchString(r.out) {
		t.Errorf("reads not marked:\n%s", r.out)
	}
}

func TestActionsFields(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want []string // lines (or parts) the output must have
	}{
		{[]string{"actions", "create-user"}, 0, []string{
			"create-user (createUser): Create a user",
			"email                          required                  string  -              must be an e-mail address like name@firm.com",
			"password_create_method         required, with a default  enum    Send an email  must be one of Send an email, Create a password",
			"password                       optional                  secret",
			`A field "required, with a default" may be left empty: the service needs a value, and the default is sent.`,
			"A job with ref: NAME lets later jobs use its answer: ${NAME.id}, ${NAME.user_num}.",
		}},
		{[]string{"actions", "AddTab"}, 0, []string{
			"add-tab (addTab)",
			"Not idempotent",
			"parent_id         required                  string  -        must look like LIBRARY!123 (a workspace ID) [may be ${ref.field}; also parentId, workspace_id, workspaceId]",
			"default_security  required, with a default  enum    inherit  must be one of inherit, private, view, public",
		}},
		{[]string{"actions", "add-my-matters-shortcuts"}, 0, []string{"workspace_id  required  list"}},
		{[]string{"actions", "create-user"}, 0, []string{
			"The result row shows object_id (the user's ID), user_num (the user's number), user_created (false when the user was already there), name (the user's full name, as the service answered), email (the user's e-mail address, as the service answered), output (the user, as the service answered).",
		}},
		{[]string{"actions", "get-library-roles"}, 0, []string{"The result row shows output (how many roles were read, as \"3 roles\").\nEach role read is a row of the reads file (<manifest>.reads.csv) with id, description.\n"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runCLI(t, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d: %s %s", r.code, r.out, r.errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.out, w) {
					t.Errorf("output lacks %q:\n%s", w, r.out)
				}
			}
			if strings.Contains(r.out, actions.GeneratePasswordField) {
				t.Errorf("internal field listed:\n%s", r.out)
			}
		})
	}
}

func TestActionsAndTemplateErrors(t *testing.T) {
	tests := []struct {
		args   []string
		errOut string
	}{
		{[]string{"actions", "crate-user"}, `bulk: "crate-user" is not an action; did you mean "create-user"? (the actions are add-folder,`},
		{[]string{"actions", "a", "b"}, "accepts at most 1 arg(s), received 2"},
		{[]string{"template"}, "bulk: name the action to make a template for: bulk template ACTION, where ACTION is one of add-folder, add-my-matters-shortcuts, add-tab, assign-user-to-library, create-lookup-alias, create-user, get-library-roles, get-lookup-aliases, get-my-matters-categories, update-custom-field"},
		{[]string{"template", "a", "b"}, "accepts at most 1 arg(s), received 2"},
		{[]string{"template", "add-tabs", "--yaml"}, `bulk: "add-tabs" is not an action; did you mean "add-tab"?`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runCLI(t, tt.args...)
			if r.code != 2 || !strings.Contains(r.errOut, tt.errOut) {
				t.Fatalf("exit %d, stderr %q, want %q", r.code, r.errOut, tt.errOut)
			}
		})
	}
}

func TestTemplateFlagsParseWithoutIO(t *testing.T) {
	var got *templateOptions
	cmd := newTemplateCmdWith(iostreams.Test(nil, &bytes.Buffer{}, &bytes.Buffer{}, nil), func(o *templateOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"add-folder", "--yaml"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Action != "add-folder" || !got.YAML {
		t.Fatalf("options %+v", got)
	}
}

// sampleValue is a valid value for a field, for filling in templates.
func sampleValue(action string, f *actions.Field) string {
	switch f.Name {
	case "email":
		if action == "add-folder" {
			return "letters"
		}
		return "jo@firm.com"
	case "id", "user_id", "owner":
		return "JSMITH"
	case "library_id", "preferred_library":
		return "ACTIVE_US"
	case "role":
		return "ATTORNEY"
	case "parent_id", "workspace_id", "category_id":
		return "ACTIVE_US!1000"
	case "lookup_field_id":
		return "custom3"
	case "alias":
		return "NY"
	case "name", "full_name":
		return "Jo Smith"
	case "parent_type":
		return "Workspace"
	}
	if f.Kind == actions.KindEnum {
		return f.Enum[0]
	}
	if f.Kind == actions.KindBool {
		return "no"
	}
	return "x"
}

// required are the fields a template leaves to fill, plus what a
// cross-field rule asks for.
func toFill(s *actions.Spec) []*actions.Field {
	var out []*actions.Field
	for i := range s.Fields {
		f := &s.Fields[i]
		if (f.Required && f.Default == "") || (s.Name == "update-custom-field" && f.Name == "enabled") {
			out = append(out, f)
		}
	}
	return out
}

// TestTemplatesValidateOnceFilledIn fills the template of every action,
// as CSV and as YAML, and validates it.
func TestTemplatesValidateOnceFilledIn(t *testing.T) {
	for _, s := range actions.All() {
		t.Run(s.Name+" csv", func(t *testing.T) {
			r := runCLI(t, "template", s.Name)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.errOut)
			}
			header, err := csv.NewReader(strings.NewReader(r.out)).Read()
			if err != nil {
				t.Fatal(err)
			}
			if header[0] != "action" || strings.Count(r.out, "\n") != 1 {
				t.Fatalf("template %q", r.out)
			}
			row := make([]string, len(header))
			row[0] = s.Name
			for i, col := range header[1:] {
				f, ok := s.Field(col)
				if !ok {
					t.Fatalf("column %q is not a field", col)
				}
				for _, want := range toFill(s) {
					if want.Name == f.Name {
						row[i+1] = sampleValue(s.Name, f)
					}
				}
			}
			var b strings.Builder
			w := csv.NewWriter(&b)
			w.Write(header)
			w.Write(row)
			w.Flush()
			p := filepath.Join(t.TempDir(), "filled.csv")
			if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			v := runCLI(t, "validate", p)
			if v.code != 0 || v.out != "valid: 1 job ("+s.Name+" 1)\n" {
				t.Fatalf("exit %d:\n%s%s\nfile:\n%s", v.code, v.out, v.errOut, b.String())
			}
		})
		t.Run(s.Name+" yaml", func(t *testing.T) {
			r := runCLI(t, "template", s.Name, "--yaml")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.errOut)
			}
			filled := r.out
			for _, f := range toFill(s) {
				re := regexp.MustCompile(`(?m)^(    (?:# )?)` + regexp.QuoteMeta(f.Name) + `:[^\n]*$`)
				if !re.MatchString(filled) {
					t.Fatalf("no line for %s in\n%s", f.Name, r.out)
				}
				filled = re.ReplaceAllString(filled, "    "+f.Name+": "+sampleValue(s.Name, f))
			}
			p := filepath.Join(t.TempDir(), "filled.yaml")
			if err := os.WriteFile(p, []byte(filled), 0o644); err != nil {
				t.Fatal(err)
			}
			v := runCLI(t, "validate", p)
			if v.code != 0 || v.out != "valid: 1 job ("+s.Name+" 1)\n" {
				t.Fatalf("exit %d:\n%s%s\nfile:\n%s", v.code, v.out, v.errOut, filled)
			}
			// Unfilled, the skeleton is still YAML the validator reads:
			// only the required fields are reported.
			p2 := filepath.Join(t.TempDir(), "skeleton.yaml")
			os.WriteFile(p2, []byte(r.out), 0o644)
			v = runCLI(t, "validate", p2)
			if v.code != 2 || strings.Count(v.out, "is required") == 0 || strings.Contains(v.out, "not valid YAML") {
				t.Fatalf("skeleton: exit %d\n%s", v.code, v.out)
			}
		})
	}
}

// The YAML template shows an action's expansion lists (create-user's
// libraries: and my_matters:), and their examples, uncommented, make the
// jobs they stand for.
func TestTemplateShowsExpansions(t *testing.T) {
	for _, s := range actions.All() {
		if len(s.Expansions) == 0 {
			continue
		}
		r := runCLI(t, "template", s.Name, "--yaml")
		filled := r.out
		for _, f := range toFill(s) {
			re := regexp.MustCompile(`(?m)^(    (?:# )?)` + regexp.QuoteMeta(f.Name) + `:[^\n]*$`)
			filled = re.ReplaceAllString(filled, "    "+f.Name+": "+sampleValue(s.Name, f))
		}
		want := map[string]int{s.Name: 1}
		for _, e := range s.Expansions {
			key := regexp.MustCompile(`(?m)^    # ` + e.Key + `: .*$`)
			item := "    #   - " + e.Example + "\n"
			if !key.MatchString(filled) || !strings.Contains(filled, item) {
				t.Fatalf("%s: no %s list in\n%s", s.Name, e.Key, r.out)
			}
			filled = key.ReplaceAllString(filled, "    "+e.Key+":")
			filled = strings.Replace(filled, item, "      - "+e.Example+"\n", 1)
			want[e.Action]++
		}
		p := filepath.Join(t.TempDir(), "expanded.yaml")
		if err := os.WriteFile(p, []byte(filled), 0o644); err != nil {
			t.Fatal(err)
		}
		v := runCLI(t, "validate", p, "--format", "json")
		var rep struct {
			Valid     bool           `json:"valid"`
			PerAction map[string]int `json:"per_action"`
		}
		if err := json.Unmarshal([]byte(v.out), &rep); err != nil || !rep.Valid || !reflect.DeepEqual(rep.PerAction, want) {
			t.Fatalf("%s: %v %+v, want %v\n%s%s", s.Name, err, rep, want, v.out, filled)
		}
	}
}

// TestDocsMentionEveryField keeps docs/manifests.md in step with the
// actions.
func TestDocsMentionEveryField(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "manifests.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, s := range actions.All() {
		if !strings.Contains(doc, "### "+s.Name) {
			t.Errorf("docs/manifests.md has no section for %s", s.Name)
		}
		for _, f := range s.Fields {
			if !f.Internal && !strings.Contains(doc, "`"+f.Name+"`") {
				t.Errorf("docs/manifests.md does not mention %s's field `%s`", s.Name, f.Name)
			}
		}
	}
}
