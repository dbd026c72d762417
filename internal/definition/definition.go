// Package definition holds the facts of the connector definition the
// service contract follows (facts.json: per operation its method, query
// parameters, body and answer, as JSON Schema), so tests can hold the
// simulator's answers and the offline rules to them. docs/contract.md is
// the account for people; this file is the one for tests. Only tests
// import this package.
package definition

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/firmtools/bulk/internal/schema"
)

//go:embed facts.json
var factsJSON []byte

// Operation is one operation of the definition.
type Operation struct {
	Method   string                    `json:"method"`
	Query    map[string]map[string]any `json:"query"`
	Body     map[string]any            `json:"body"`
	Response json.RawMessage           `json:"response"`
}

type facts struct {
	Operations map[string]Operation `json:"operations"`
}

var all = func() facts {
	var f facts
	if err := json.Unmarshal(factsJSON, &f); err != nil {
		panic("definition: facts.json: " + err.Error())
	}
	return f
}()

// Names returns the operations, sorted.
func Names() []string {
	out := make([]string, 0, len(all.Operations))
	for n := range all.Operations {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Op returns an operation by name.
func Op(name string) (Operation, bool) {
	o, ok := all.Operations[name]
	return o, ok
}

// Response compiles the schema of an operation's 200 answer.
func Response(name string) (*schema.Schema, error) {
	o, ok := all.Operations[name]
	if !ok {
		return nil, fmt.Errorf("the definition has no operation %s", name)
	}
	return schema.Compile(o.Response)
}

// BodyProperties returns the properties of an operation's body, and the
// names it requires.
func BodyProperties(name string) (map[string]map[string]any, map[string]bool) {
	o := all.Operations[name]
	props := map[string]map[string]any{}
	if p, ok := o.Body["properties"].(map[string]any); ok {
		for k, v := range p {
			if m, ok := v.(map[string]any); ok {
				props[k] = m
			}
		}
	}
	req := map[string]bool{}
	if r, ok := o.Body["required"].([]any); ok {
		for _, x := range r {
			if s, ok := x.(string); ok {
				req[s] = true
			}
		}
	}
	return props, req
}
