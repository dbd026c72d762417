package architecture

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/firmtools/bulk/"

// sources are the repository's Go files that are not tests, parsed, by
// path from the repository's root.
func sources(t *testing.T) map[string]*ast.File {
	t.Helper()
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		files[filepath.ToSlash(rel)] = f
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("only %d Go files found from %s: not the repository's root", len(files), root)
	}
	fileSet = fset
	return files
}

var fileSet *token.FileSet

// longFunctions are the functions allowed over the limit, each with the
// reason. Add none: cut the function down instead.
var longFunctions = map[string]string{}

// No function is over 100 lines, and none of the command line's over 60:
// the face only turns flags into options.
func TestFunctionLengths(t *testing.T) {
	seen := map[string]bool{}
	for path, f := range sources(t) {
		limit := 100
		if strings.HasPrefix(path, "cmd/bulk/") {
			limit = 60
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			n := fileSet.Position(fd.End()).Line - fileSet.Position(fd.Pos()).Line + 1
			name := path + " " + fd.Name.Name
			if n <= limit {
				continue
			}
			if _, ok := longFunctions[name]; ok {
				seen[name] = true
				continue
			}
			t.Errorf("%s: %s is %d lines, more than %d", path, fd.Name.Name, n, limit)
		}
	}
	for name, why := range longFunctions {
		if !seen[name] {
			t.Errorf("%s is no longer over the limit (%s): take it off longFunctions", name, why)
		}
	}
}

// mayImport is every package's permitted imports among this module's: a
// new dependency is declared here, on purpose. Data flows one way: files ->
// manifest (jobs) -> executor (outcomes) -> report; actions and imanage
// beneath; run and the command line on top. The simulator imports nothing
// of the client side: it speaks only the wire contract.
var mayImport = map[string][]string{
	"bench/plaincsv":        {},
	"cmd/bulk":              {"actions", "check", "config", "connect", "credstore", "exit", "iostreams", "manifest", "names", "ratelimit", "run", "secret", "sim"},
	"internal/actions":      {"names", "schema", "secret", "wire"},
	"internal/architecture": {},
	"internal/check":        {"connect", "exit", "imanage", "iostreams", "wire"},
	"internal/config":       {"names"},
	"internal/credstore":    {"runfiles", "secret"},
	"internal/connect":      {"config", "credstore", "exit", "imanage", "iostreams", "ratelimit", "runfiles", "secret", "sim"},
	"internal/definition":   {"schema"},
	"internal/diskfull":     {},
	"internal/executor":     {"actions", "imanage", "manifest", "pacer", "ratelimit", "runfiles", "secret"},
	"internal/exit":         {"imanage"},
	"internal/imanage":      {"secret", "wire"},
	"internal/iostreams":    {},
	"internal/manifest":     {"actions", "names", "secret", "tabular"},
	"internal/names":        {},
	"internal/pacer":        {"ratelimit"},
	"internal/ratelimit":    {},
	"internal/remote":       {"actions", "imanage", "manifest", "names", "wire"},
	"internal/report":       {"actions", "executor", "manifest", "runfiles", "secret", "tabular"},
	"internal/run":          {"actions", "connect", "executor", "exit", "imanage", "iostreams", "manifest", "pacer", "ratelimit", "remote", "report", "runfiles", "secret"},
	"internal/runfiles":     {},
	"internal/runtest":      {"connect", "executor", "report", "secret", "sim"},
	"internal/schema":       {},
	"internal/secret":       {},
	"internal/sim":          {"ratelimit"},
	"internal/tabular":      {"names"},
	"internal/wire":         {"secret"},
}

// offline are the packages that reach no network, and the imports that
// would.
var (
	offline       = []string{"internal/manifest", "internal/tabular", "internal/executor", "internal/pacer", "internal/report", "internal/runfiles"}
	networkImport = []string{"net", "net/http", "net/http/httptest", module + "internal/connect"}
)

// importExceptions are imports allowed against the rules, each with the
// reason ("file import"). Add none.
var importExceptions = map[string]string{}

func TestDependenciesFlowOneWay(t *testing.T) {
	seen := map[string]bool{}
	for path, f := range sources(t) {
		pkg := filepath.ToSlash(filepath.Dir(path))
		allowed, ok := mayImport[pkg]
		if !ok {
			t.Errorf("%s: package %s is not in mayImport: say what it may import", path, pkg)
			continue
		}
		for _, spec := range f.Imports {
			imp, _ := strconv.Unquote(spec.Path.Value)
			if _, ok := importExceptions[path+" "+imp]; ok {
				seen[path+" "+imp] = true
				continue
			}
			if slices.Contains(offline, pkg) && slices.Contains(networkImport, imp) {
				t.Errorf("%s imports %s: %s is offline", path, imp, pkg)
			}
			own, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			if !slices.Contains(allowed, strings.TrimPrefix(own, "internal/")) || own == "internal/runtest" && pkg != "internal/runtest" {
				t.Errorf("%s imports %s, which %s may not (mayImport)", path, own, pkg)
			}
		}
	}
	for k, why := range importExceptions {
		if !seen[k] {
			t.Errorf("the import %s is gone (%s): take it off importExceptions", k, why)
		}
	}
}
