package manifest

import (
	"go/build"
	"strings"
	"testing"
)

// The manifest reader is offline: nothing it imports, however indirectly,
// is the service client or the network.
func TestManifestLinksNoNetwork(t *testing.T) {
	forbidden := map[string]bool{
		"github.com/firmtools/bulk/internal/imanage": true,
		"net/http": true,
		"net":      true,
	}
	seen := map[string]bool{}
	var path []string
	var walk func(pkg string)
	walk = func(pkg string) {
		if seen[pkg] || pkg == "C" || pkg == "unsafe" {
			return
		}
		seen[pkg] = true
		path = append(path, pkg)
		defer func() { path = path[:len(path)-1] }()
		if forbidden[pkg] {
			t.Errorf("internal/manifest imports %s: %s", pkg, strings.Join(path, " -> "))
			return
		}
		p, err := build.Import(pkg, ".", 0)
		if err != nil {
			t.Fatalf("importing %s: %v", pkg, err)
		}
		for _, imp := range p.Imports {
			walk(imp)
		}
	}
	walk("github.com/firmtools/bulk/internal/manifest")
	// The walk reached the packages it should: it is no empty pass.
	for _, want := range []string{"github.com/firmtools/bulk/internal/actions", "github.com/firmtools/bulk/internal/wire", "go.yaml.in/yaml/v3"} {
		if !seen[want] {
			t.Errorf("the walk did not reach %s (of %d packages)", want, len(seen))
		}
	}
}
