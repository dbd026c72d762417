package actions

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// An action is one file: no Go code outside internal/actions names one. A
// switch on an action's name, a lookup by name, a message that spells one:
// each is knowledge of the action kept somewhere else, which its Spec
// should declare instead. The simulator speaks the wire and keeps its own
// names (it imports nothing of the client side); the wire package and the
// client name the operations, which are the contract's paths. Tests may
// name anything, and a command's help examples (cobra's Example) are
// documentation.
func TestNoCodeOutsideActionsNamesAnAction(t *testing.T) {
	var actionNames, opNames []string
	for _, s := range All() {
		actionNames = append(actionNames, regexp.QuoteMeta(s.Name))
		opNames = append(opNames, regexp.QuoteMeta(s.Operation))
	}
	// An action's name as a word of its own (not part of a longer name).
	action := regexp.MustCompile(`(^|[^A-Za-z0-9_-])(` + strings.Join(actionNames, "|") + `)($|[^A-Za-z0-9_-])`)
	op := regexp.MustCompile(`\b(` + strings.Join(opNames, "|") + `)\b`)
	root := filepath.Join("..", "..")
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch rel {
			case "internal/actions", "internal/sim", ".git":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		files++
		wire := strings.HasPrefix(rel, "internal/wire/") || strings.HasPrefix(rel, "internal/imanage/")
		for _, lit := range stringLiterals(t, path) {
			if m := action.FindStringSubmatch(lit.text); m != nil {
				t.Errorf("%s:%d names the action %s: declare it on the action's Spec instead", rel, lit.line, m[2])
			}
			if m := op.FindString(lit.text); m != "" && !wire {
				t.Errorf("%s:%d names the operation %s: declare it on the action's Spec instead", rel, lit.line, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("only %d Go files looked at: is the walk in the module?", files)
	}
}

type literal struct {
	text string
	line int
}

// stringLiterals are the string constants of a Go file's code (not its
// comments), but for cobra commands' Example fields.
func stringLiterals(t *testing.T, path string) []literal {
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	skip := map[ast.Expr]bool{}
	var out []literal
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.KeyValueExpr:
			if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Example" {
				skip[n.Value] = true
			}
		case *ast.BasicLit:
			if n.Kind != token.STRING || skip[n] {
				return true
			}
			s, err := strconv.Unquote(n.Value)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			out = append(out, literal{s, fset.Position(n.Pos()).Line})
		}
		return true
	})
	return out
}
