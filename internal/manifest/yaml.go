package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"

	"go.yaml.in/yaml/v3"

	"github.com/firmtools/bulk/internal/actions"
	"github.com/firmtools/bulk/internal/names"
	"github.com/firmtools/bulk/internal/tabular"
)

// The keys of a YAML manifest and of a source (a job's: jobKeys).
var (
	topKeys    = []string{"version", "description", "defaults", "jobs", "sources"}
	sourceKeys = []string{"path", "action", "sheet", "header_row", "hidden_rows", "delimiter", "encoding", "columns", "set", "ignore_columns"}
)

// yamlReader interprets one YAML manifest.
type yamlReader struct {
	l        *loader
	path     string
	fi       int               // fileIndex of path
	defaults map[string]string // folded field -> value
}

func (y *yamlReader) problem(line int, column, field, msg string) {
	y.l.problem(Problem{File: y.path, Row: line, Column: column, Field: field, Message: msg})
}

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (l *loader) yamlFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading manifest: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, l.lim.MaxYAMLBytes+1))
	if err != nil {
		return fmt.Errorf("reading manifest %s: %w", path, err)
	}
	y := &yamlReader{l: l, path: path, fi: l.fileIndex(path, true)}
	if int64(len(data)) > l.lim.MaxYAMLBytes {
		y.problem(0, "", "", fmt.Sprintf("is larger than %d bytes, the limit for a YAML manifest: put the rows in a CSV source", l.lim.MaxYAMLBytes))
		return nil
	}
	if tabular.LooksLikeWorkbook(data) ||
		(bytes.IndexByte(data, 0) >= 0 && !bytes.HasPrefix(data, []byte{0xFF, 0xFE}) && !bytes.HasPrefix(data, []byte{0xFE, 0xFF})) {
		y.problem(0, "", "", "holds binary data, not YAML text")
		return nil
	}
	doc, err := decodeYAML(data)
	if err != nil {
		line, msg := 0, err.Error()
		if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		y.problem(line, "", "", "is not valid YAML: "+strings.TrimPrefix(msg, "yaml: "))
		return nil
	}
	if doc == nil {
		y.problem(0, "", "", "is empty: a YAML manifest needs version: 1 and jobs or sources")
		return nil
	}
	if err := checkYAMLSize(doc, l.lim); err != nil {
		var ye *yamlLimitError
		if errors.As(err, &ye) {
			y.problem(ye.line, "", "", ye.msg)
			return nil
		}
		return err
	}
	return y.manifest(doc)
}

// decodeYAML parses the single document of a manifest into nodes, without
// expanding aliases (checkYAMLSize bounds them first).
func decodeYAML(data []byte) (doc *yaml.Node, err error) {
	defer func() {
		if v := recover(); v != nil {
			doc, err = nil, fmt.Errorf("yaml: %v", v)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var n yaml.Node
	if err := dec.Decode(&n); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("yaml: line %d: a manifest is one YAML document, but another starts here (---)", extra.Line)
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil, nil
		}
		return n.Content[0], nil
	}
	return &n, nil
}

type yamlLimitError struct {
	line int
	msg  string
}

func (e *yamlLimitError) Error() string { return e.msg }

// checkYAMLSize measures nesting and counts the values the document's
// aliases stand for, as if every alias were expanded (without expanding
// them): an alias bomb of a few hundred bytes that would expand to billions
// of values fails here, in time proportional to the file. Values written
// out plainly are not counted (the file's size bounds them): a large manifest
// without aliases is no bomb.
func checkYAMLSize(root *yaml.Node, lim Limits) error {
	memo := map[*yaml.Node]int{} // a node's size with its aliases expanded
	active := map[*yaml.Node]bool{}
	expanded := 0 // values reached through aliases
	var size func(n *yaml.Node, depth int) (int, error)
	size = func(n *yaml.Node, depth int) (int, error) {
		if depth > lim.MaxYAMLDepth {
			return 0, &yamlLimitError{line: n.Line, msg: fmt.Sprintf("is nested more than %d levels deep", lim.MaxYAMLDepth)}
		}
		if n.Kind == yaml.AliasNode {
			if n.Alias == nil {
				return 1, nil
			}
			if active[n.Alias] {
				return 0, &yamlLimitError{line: n.Line, msg: fmt.Sprintf("alias *%s refers to itself", n.Value)}
			}
			s, err := size(n.Alias, depth)
			if err != nil {
				return 0, err
			}
			if expanded += s; expanded > lim.MaxYAMLNodes {
				return 0, &yamlLimitError{line: n.Line, msg: fmt.Sprintf("expands to more than %d values through its aliases (an alias bomb?)", lim.MaxYAMLNodes)}
			}
			return s, nil
		}
		if s, ok := memo[n]; ok {
			return s, nil
		}
		active[n] = true
		total := 1
		for _, c := range n.Content {
			s, err := size(c, depth+1)
			if err != nil {
				return 0, err
			}
			total += s
		}
		delete(active, n)
		memo[n] = total
		return total, nil
	}
	_, err := size(root, 0)
	return err
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

type pair struct {
	key *yaml.Node
	val *yaml.Node
}

// pairs lists a mapping's entries, with "<<" merge keys folded in (explicit
// keys win) and repeated keys reported.
func (y *yamlReader) pairs(n *yaml.Node) []pair { return y.pairsBy(n, pairKey) }

// pairKey is what makes two keys of a mapping the same: their folded
// names; for a tenant's property (aliasInfo.practice_area) the member
// folded and the name exact, as a schema spells it.
func pairKey(k string) string {
	if prefix, name, ok := strings.Cut(strings.TrimSpace(k), "."); ok {
		if isProp, _ := isPropertyColumn(k, nil); isProp {
			return names.Fold(prefix) + "." + strings.TrimSpace(name)
		}
	}
	return names.Fold(k)
}

// exactKey makes keys the same only as written (a member's properties).
func exactKey(k string) string { return strings.TrimSpace(k) }

// pairsBy is pairs with the keys told apart by key.
func (y *yamlReader) pairsBy(n *yaml.Node, key func(string) string) []pair {
	n = deref(n)
	var out []pair
	seen := map[string]bool{}
	var merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Tag == "!!merge" {
			for _, m := range mergeSources(v) {
				if m = deref(m); m != nil && m.Kind == yaml.MappingNode {
					for j := 0; j+1 < len(m.Content); j += 2 {
						merged = append(merged, pair{m.Content[j], m.Content[j+1]})
					}
				}
			}
			continue
		}
		name := key(k.Value)
		if seen[name] {
			y.problem(k.Line, k.Value, "", "appears twice in the same mapping")
			continue
		}
		seen[name] = true
		out = append(out, pair{k, v})
	}
	for _, p := range merged {
		name := key(p.key.Value)
		if !seen[name] {
			seen[name] = true
			out = append(out, p)
		}
	}
	return out
}

func mergeSources(v *yaml.Node) []*yaml.Node {
	v = deref(v)
	if v != nil && v.Kind == yaml.SequenceNode {
		return v.Content
	}
	return []*yaml.Node{v}
}

// scalar reads a single value; null is "".
func scalar(n *yaml.Node) (string, bool) {
	n = deref(n)
	if n == nil {
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		return "", false
	}
	if n.Tag == "!!null" {
		return "", true
	}
	return n.Value, true
}

func kindName(n *yaml.Node) string {
	switch deref(n).Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	return "a value"
}

// fieldValue reads a field's value: a scalar, or for list fields a list of
// scalars joined by ";".
func (y *yamlReader) fieldValue(f *actions.Field, k, v *yaml.Node) (string, bool) {
	if s, ok := scalar(v); ok {
		return s, true
	}
	if n := deref(v); n.Kind == yaml.MappingNode && f != nil && f.Kind == actions.KindProperties {
		props := map[string]string{}
		for _, kv := range y.pairsBy(n, exactKey) {
			s, ok := scalar(kv.val)
			if !ok {
				y.problem(kv.val.Line, actions.PropertyKey(f.Member, kv.key.Value), f.Name, "must be a single value, not "+kindName(kv.val))
				return "", false
			}
			props[kv.key.Value] = s
			y.l.noteProperty(actions.PropertyKey(f.Member, kv.key.Value))
		}
		return actions.EncodeProperties(props), true
	}
	if n := deref(v); n.Kind == yaml.SequenceNode && f != nil && f.Kind == actions.KindList {
		items := make([]string, 0, len(n.Content))
		for _, it := range n.Content {
			s, ok := scalar(it)
			if !ok {
				y.problem(it.Line, k.Value, f.Name, "each item must be a single value, not "+kindName(it))
				return "", false
			}
			items = append(items, s)
		}
		return strings.Join(items, ";"), true
	}
	name := ""
	if f != nil {
		name = f.Name
	}
	y.problem(k.Line, k.Value, name, "must be a single value, not "+kindName(v))
	return "", false
}

func (y *yamlReader) manifest(root *yaml.Node) error {
	root = deref(root)
	if root.Kind != yaml.MappingNode {
		y.problem(root.Line, "", "", "must be a mapping with version: 1 and jobs or sources, not "+kindName(root))
		return nil
	}
	var jobs, sources, version *pair
	for _, p := range y.pairs(root) {
		p := p
		switch names.Fold(p.key.Value) {
		case "version":
			version = &p
		case "description":
		case "defaults":
			y.readDefaults(p)
		case "jobs":
			jobs = &p
		case "sources":
			sources = &p
		default:
			y.problem(p.key.Line, p.key.Value, "", "unknown key"+names.DidYouMean(p.key.Value, topKeys)+" (a manifest has "+strings.Join(topKeys, ", ")+")")
		}
	}
	switch {
	case version == nil:
		y.problem(root.Line, "", "version", "is required: start the manifest with version: 1")
	default:
		if v, _ := scalar(version.val); v != "1" {
			y.problem(version.key.Line, version.key.Value, "version", fmt.Sprintf("must be 1, not %q: this bulk reads version 1 manifests", v))
			return nil // another version may mean other keys: don't guess
		}
	}
	if jobs == nil && sources == nil {
		y.problem(root.Line, "", "", "has no jobs and no sources: nothing to do")
	}
	if jobs != nil {
		seq := deref(jobs.val)
		if seq.Kind != yaml.SequenceNode {
			if s, ok := scalar(seq); !ok || s != "" {
				y.problem(jobs.key.Line, jobs.key.Value, "", "must be a list of jobs, not "+kindName(seq))
			}
		} else {
			for i, item := range seq.Content {
				if i%256 == 0 {
					if err := y.l.ctx.Err(); err != nil {
						return err
					}
				}
				y.job(item)
			}
		}
	}
	if sources != nil {
		seq := deref(sources.val)
		if seq.Kind != yaml.SequenceNode {
			if s, ok := scalar(seq); !ok || s != "" {
				y.problem(sources.key.Line, sources.key.Value, "", "must be a list of sources, not "+kindName(seq))
			}
			return nil
		}
		for _, item := range seq.Content {
			if err := y.source(item); err != nil {
				return err
			}
		}
	}
	return nil
}

func (y *yamlReader) readDefaults(p pair) {
	m := deref(p.val)
	if s, ok := scalar(m); ok && s == "" {
		return
	}
	if m.Kind != yaml.MappingNode {
		y.problem(p.key.Line, p.key.Value, "", "must be a mapping of field: value, not "+kindName(m))
		return
	}
	y.defaults = map[string]string{}
	for _, kv := range y.pairs(m) {
		if isProp, _ := isPropertyColumn(kv.key.Value, nil); isProp || isPropertiesField(kv.key.Value) {
			y.problem(kv.key.Line, kv.key.Value, "", "a tenant's own properties are given in each job (or by a source's columns:), not in defaults:")
			continue
		}
		if !isFieldOf(kv.key.Value, nil) {
			y.problem(kv.key.Line, kv.key.Value, "", "is not a field of any action"+names.DidYouMean(kv.key.Value, allFieldNames()))
			continue
		}
		var f *actions.Field
		for _, s := range actions.All() {
			if ff, ok := s.Field(kv.key.Value); ok && ff.Kind == actions.KindList {
				f = ff
			}
		}
		v, ok := y.fieldValue(f, kv.key, kv.val)
		if !ok {
			continue
		}
		y.defaults[names.Fold(kv.key.Value)] = v
	}
}

// jobFields reads the field entries of a job (or of an item of an
// expansion list) into p; extra handles the keys that are not fields and returns
// false for unknown ones.
func (y *yamlReader) jobFields(p *pending, ps []pair, extra func(pair) bool, allowed []string) {
	for _, kv := range ps {
		if extra != nil && extra(kv) {
			continue
		}
		f, ok := visibleField(p.spec, kv.key.Value)
		if !ok && y.property(p, kv) {
			continue
		}
		if !ok {
			y.problem(kv.key.Line, kv.key.Value, "", "is not a field of "+p.spec.Name+
				names.DidYouMean(kv.key.Value, append(fieldNames(p.spec), allowed...)))
			continue
		}
		if _, dup := p.raw[f.Name]; dup {
			also := p.columns[f.Name]
			if also == "" && f.Kind == actions.KindProperties {
				also = f.Member + ".NAME keys"
			}
			y.problem(kv.key.Line, kv.key.Value, f.Name, fmt.Sprintf("is given twice (also as %s)", also))
			continue
		}
		v, ok := y.fieldValue(f, kv.key, kv.val)
		if !ok {
			p.refuse(f.Name)
			continue
		}
		if len(v) > y.l.lim.MaxCellBytes {
			y.problem(kv.key.Line, kv.key.Value, f.Name, fmt.Sprintf("is %d bytes; the limit is %d", len(v), y.l.lim.MaxCellBytes))
			p.refuse(f.Name)
			continue
		}
		p.raw[f.Name] = v
		p.columns[f.Name] = kv.key.Value
		p.lines[f.Name] = kv.key.Line
	}
	y.fill(p)
}

// property reads a key MEMBER.NAME, a further property of one of the
// action's dynamic members, into its properties field; false when the key
// is no such thing.
func (y *yamlReader) property(p *pending, kv pair) bool {
	f, prop, ok, err := p.spec.PropertyColumn(kv.key.Value)
	if err != nil {
		y.problem(kv.key.Line, kv.key.Value, "", err.Error())
		p.bad = true
		return true
	}
	if !ok {
		return false
	}
	key := actions.PropertyKey(f.Member, prop)
	if _, dup := p.columns[key]; dup {
		y.problem(kv.key.Line, kv.key.Value, key, fmt.Sprintf("is given twice (also as %s)", p.columns[key]))
		return true
	}
	if from, direct := p.columns[f.Name]; direct {
		y.problem(kv.key.Line, kv.key.Value, key, fmt.Sprintf("give the further properties of %s either as %s.NAME keys or in %s, not both", f.Member, f.Member, from))
		p.refuse(f.Name)
		return true
	}
	v, ok := y.fieldValue(nil, kv.key, kv.val)
	if ok && len(v) > y.l.lim.MaxCellBytes {
		y.problem(kv.key.Line, kv.key.Value, key, fmt.Sprintf("is %d bytes; the limit is %d", len(v), y.l.lim.MaxCellBytes))
		ok = false
	}
	if !ok {
		p.refuse(f.Name)
		return true
	}
	props := actions.PropertyTexts(p.raw[f.Name])
	if props == nil {
		props = map[string]string{}
	}
	props[prop] = v
	p.raw[f.Name] = actions.EncodeProperties(props)
	p.columns[key] = kv.key.Value
	p.lines[key] = kv.key.Line
	y.l.noteProperty(key)
	return true
}

// fill applies --set and defaults: to fields the job does not give.
func (y *yamlReader) fill(p *pending) {
	for k, v := range y.l.set {
		f, ok := p.spec.Field(k)
		if !ok {
			continue
		}
		if _, has := p.raw[f.Name]; has {
			y.problem(p.lines[f.Name], p.columns[f.Name], f.Name, "is also given by --set "+y.l.setNames[k]+"; remove one of them")
			p.bad = true
			continue
		}
		p.raw[f.Name] = v
		p.columns[f.Name] = "--set"
	}
	for k, v := range y.defaults {
		f, ok := p.spec.Field(k)
		if !ok {
			continue
		}
		if _, has := p.raw[f.Name]; has {
			continue
		}
		p.raw[f.Name] = v
		p.columns[f.Name] = "defaults"
	}
}

func (y *yamlReader) newPending(spec *actions.Spec, row int) *pending {
	return &pending{source: y.path, yaml: true, row: row, spec: spec, fi: y.fi,
		keyIdx: y.l.keyIndex[spec], action: y.l.actionIndex[spec],
		raw: map[string]string{}, columns: map[string]string{}, lines: map[string]int{}}
}

func (y *yamlReader) job(item *yaml.Node) {
	n := deref(item)
	if n.Kind != yaml.MappingNode {
		y.problem(item.Line, "", "", "a job must be a mapping of field: value, not "+kindName(n))
		return
	}
	ps := y.pairs(n)
	spec := y.l.action
	for _, kv := range ps {
		if names.Fold(kv.key.Value) != "action" {
			continue
		}
		name, ok := scalar(kv.val)
		if !ok {
			y.problem(kv.key.Line, kv.key.Value, "", "must be an action name, not "+kindName(kv.val))
			return
		}
		s, found := actions.Lookup(name)
		if !found {
			y.problem(kv.key.Line, kv.key.Value, "", fmt.Sprintf("unknown action %q%s", name, names.DidYouMean(name, actions.Names())))
			return
		}
		spec = s
	}
	if spec == nil {
		y.problem(n.Line, "", "", "has no action: add action: with one of "+strings.Join(actions.Names(), ", "))
		return
	}
	p := y.newPending(spec, n.Line)
	lists := map[string]*pair{} // expansion keys, folded
	y.jobFields(p, ps, func(kv pair) bool {
		switch key := names.Fold(kv.key.Value); {
		case key == "action", key == names.Fold(StatusColumn), key == names.Fold(ErrorColumn):
			return true // bulk_status and bulk_error: what bulk wrote of an earlier run
		case key == "ref":
			s, ok := scalar(kv.val)
			if !ok {
				y.problem(kv.key.Line, kv.key.Value, "ref", "must be a name, not "+kindName(kv.val))
				return true
			}
			p.ref, p.refCol = strings.TrimSpace(s), kv.key.Value
			return true
		case expansionOwner(key) != nil:
			kv := kv
			lists[key] = &kv
			return true
		}
		return false
	}, jobKeys())
	y.foreignExpansions(spec, lists)
	idx := y.l.add(p, y.l.sc)
	for _, e := range spec.Expansions {
		if list := lists[names.Fold(e.Key)]; list != nil {
			from := p.raw[e.Link.From]
			if from == "" {
				return // the job reports it; its dependants would only repeat it
			}
			y.expand(list, idx, p.row, e, from)
		}
	}
}

// jobKeys are the keys of a YAML job besides its fields.
func jobKeys() []string { return append([]string{"action", "ref"}, actions.ExpansionKeys()...) }

// expansionOwner is the action whose jobs may have the (folded) expansion
// key, nil for a key that is none.
func expansionOwner(key string) *actions.Spec {
	for _, s := range actions.All() {
		for _, e := range s.Expansions {
			if names.Fold(e.Key) == key {
				return s
			}
		}
	}
	return nil
}

// foreignExpansions reports (once) and drops the expansion keys of other
// actions that a job of spec has.
func (y *yamlReader) foreignExpansions(spec *actions.Spec, lists map[string]*pair) {
	reported := false
	for _, key := range actions.ExpansionKeys() {
		k := names.Fold(key)
		list, owner := lists[k], expansionOwner(k)
		if list == nil || owner == spec {
			continue
		}
		delete(lists, k)
		if reported {
			continue
		}
		reported = true
		var keys []string
		for _, e := range owner.Expansions {
			keys = append(keys, e.Key)
		}
		y.problem(list.key.Line, list.key.Value, "", fmt.Sprintf("only %s job can have %s", article(owner.Name), strings.Join(keys, " and ")))
	}
}

// expand turns an expansion list of a job (create-user's libraries:) into
// jobs of e.Action that depend on it, each given from as its e.Link.Field.
// An item is a mapping of fields, or a single value for e.Main (a library
// ID, a workspace ID).
func (y *yamlReader) expand(list *pair, parent, row int, e actions.Expansion, from string) {
	spec, _ := actions.Lookup(e.Action)
	seq := deref(list.val)
	if seq.Kind != yaml.SequenceNode {
		y.problem(list.key.Line, list.key.Value, "", fmt.Sprintf("must be a list (of %s values or mappings), not %s", e.Main, kindName(seq)))
		return
	}
	for _, item := range seq.Content {
		p := y.newPending(spec, row)
		p.depends = []int{parent}
		p.raw[e.Link.Field] = from
		p.columns[e.Link.Field] = e.Link.From
		n := deref(item)
		switch n.Kind {
		case yaml.ScalarNode:
			v, _ := scalar(n)
			p.raw[e.Main] = v
			p.columns[e.Main] = list.key.Value
			p.lines[e.Main] = n.Line
			y.fill(p)
		case yaml.MappingNode:
			y.jobFields(p, y.pairs(n), func(kv pair) bool {
				if f, ok := spec.Field(kv.key.Value); ok && f.Name == e.Link.Field {
					y.problem(kv.key.Line, kv.key.Value, f.Name, "is "+e.Link.What+"; leave it out")
					return true
				}
				return false
			}, nil)
		default:
			y.problem(item.Line, list.key.Value, "", "each item must be a value or a mapping, not "+kindName(n))
			continue
		}
		// Problems point at the item's lines; the job's row is the
		// expanding job's, as the result file shows it.
		y.l.add(p, y.l.sc)
	}
}

func (y *yamlReader) source(item *yaml.Node) error {
	n := deref(item)
	if n.Kind != yaml.MappingNode {
		y.problem(item.Line, "", "", "a source must be a mapping with path: and columns:, not "+kindName(n))
		return nil
	}
	tc := tableContext{yamlFile: y.path, defaults: y.defaults}
	opts := y.l.opts
	var path string
	var columns *pair
	var setPair *pair
	ok := true
	for _, kv := range y.pairs(n) {
		s, isScalar := scalar(kv.val)
		key := names.Fold(kv.key.Value)
		known := false
		for _, k := range sourceKeys {
			known = known || names.Fold(k) == key
		}
		if !known {
			y.problem(kv.key.Line, kv.key.Value, "", "unknown key"+names.DidYouMean(kv.key.Value, sourceKeys)+" (a source has "+strings.Join(sourceKeys, ", ")+")")
			ok = false
			continue
		}
		if key != "columns" && key != "set" && !isScalar {
			y.problem(kv.key.Line, kv.key.Value, "", "must be a single value, not "+kindName(kv.val))
			ok = false
			continue
		}
		switch key {
		case "path":
			path = s
		case "action":
			spec, found := actions.Lookup(s)
			if !found {
				y.problem(kv.key.Line, kv.key.Value, "", fmt.Sprintf("unknown action %q%s", s, names.DidYouMean(s, actions.Names())))
				ok = false
				continue
			}
			tc.action = spec
		case "sheet", "headerrow", "hiddenrows":
			ok = y.sheetOption(kv, key, s, &opts) && ok
		case "delimiter":
			d, err := parseDelimiter(s)
			if err != nil {
				y.problem(kv.key.Line, kv.key.Value, "", err.Error())
				ok = false
			}
			opts.Delimiter = d
		case "encoding":
			if _, err := tabular.ParseEncoding(s); err != nil {
				y.problem(kv.key.Line, kv.key.Value, "", fmt.Sprintf("unknown encoding %q: use utf-8, utf-16 or windows-1252", s))
				ok = false
			}
			opts.Encoding = s
		case "ignorecolumns":
			b, valid := actions.ParseBool(s)
			if !valid {
				y.problem(kv.key.Line, kv.key.Value, "", fmt.Sprintf("must be true or false, not %q", s))
				ok = false
			}
			tc.ignore = b
		case "columns":
			kv := kv
			columns = &kv
		case "set":
			kv := kv
			setPair = &kv
		}
	}
	if path == "" {
		y.problem(n.Line, "", "path", "is required: the CSV file or workbook to read, relative to this manifest")
		return nil
	}
	if columns != nil && !y.readColumns(columns, &tc) {
		ok = false
	}
	if setPair != nil && !y.readSet(setPair, &tc) {
		ok = false
	}
	if !ok {
		return nil
	}
	full, ok := y.sourcePath(n, path)
	if !ok {
		return nil
	}
	return y.l.tableFile(full, opts, tc)
}

// sourcePath is the file a source's path: names, relative to the YAML
// manifest; ok is false (reported) when it is no CSV file or workbook.
func (y *yamlReader) sourcePath(n *yaml.Node, path string) (string, bool) {
	full := path
	if !filepath.IsAbs(full) {
		full = filepath.Join(filepath.Dir(y.path), path)
	}
	switch strings.ToLower(filepath.Ext(full)) {
	case ".yaml", ".yml":
		y.problem(n.Line, "path", "", "a source must be a CSV file or a workbook, not another YAML manifest")
		return "", false
	}
	if st, err := os.Stat(full); err != nil || !st.Mode().IsRegular() {
		msg := "is not a regular file"
		if err != nil {
			msg = err.Error()
			if errors.Is(err, os.ErrNotExist) {
				msg = "does not exist"
			}
		}
		y.problem(n.Line, "path", "", fmt.Sprintf("%s: %s", full, msg))
		return "", false
	}
	return full, true
}

// sheetOption reads a source's sheet:, header_row: or hidden_rows:.
func (y *yamlReader) sheetOption(kv pair, key, s string, opts *Options) bool {
	switch key {
	case "sheet":
		opts.Sheet = s
		return true
	case "headerrow":
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			y.problem(kv.key.Line, kv.key.Value, "", fmt.Sprintf("must be the row of the header, 1 or more, not %q", s))
			return false
		}
		opts.HeaderRow = n
		return true
	}
	if err := tabular.CheckHiddenRows(s); err != nil {
		y.problem(kv.key.Line, kv.key.Value, "", "must be include or skip, not "+strconv.Quote(s))
		return false
	}
	opts.HiddenRows = s
	return true
}

func parseDelimiter(s string) (rune, error) {
	switch strings.ToLower(s) {
	case ",", "comma":
		return ',', nil
	case ";", "semicolon":
		return ';', nil
	case "\t", "tab", `\t`:
		return '\t', nil
	case "|", "pipe":
		return '|', nil
	case "":
		return 0, nil
	}
	return 0, fmt.Errorf(`must be one of ",", ";", "|" or tab, not %q`, s)
}

// readColumns reads columns: {field: "Header" | "{{template}}"}.
func (y *yamlReader) readColumns(p *pair, tc *tableContext) bool {
	m := deref(p.val)
	if m.Kind != yaml.MappingNode {
		y.problem(p.key.Line, p.key.Value, "", "must be a mapping of field: column header, not "+kindName(m))
		return false
	}
	ok := true
	for _, kv := range y.pairs(m) {
		isProp, err := isPropertyColumn(kv.key.Value, tc.action)
		if err != nil {
			y.problem(kv.key.Line, kv.key.Value, "columns", err.Error())
			ok = false
			continue
		}
		if isProp && strings.Contains(kv.val.Value, "{{") {
			y.problem(kv.key.Line, kv.key.Value, "columns", "a further property is read from a column as it is: name the column's header, not a template")
			ok = false
			continue
		}
		if !isProp && !isFieldOf(kv.key.Value, tc.action) {
			scope, known := "any action", allFieldNames()
			if tc.action != nil {
				scope, known = tc.action.Name, fieldNames(tc.action)
			}
			y.problem(kv.key.Line, kv.key.Value, "columns", "is not a field of "+scope+names.DidYouMean(kv.key.Value, known))
			ok = false
			continue
		}
		s, isScalar := scalar(kv.val)
		if !isScalar || strings.TrimSpace(s) == "" {
			y.problem(kv.key.Line, kv.key.Value, "columns", "must name a column header, or be a template like \"{{.First}} {{.Last}}\"")
			ok = false
			continue
		}
		cm := columnMap{key: kv.key.Value, header: s, line: kv.key.Line}
		if strings.Contains(s, "{{") {
			t, err := template.New(kv.key.Value).Option("missingkey=zero").Funcs(templateFuncs).Parse(s)
			if err != nil {
				y.problem(kv.key.Line, kv.key.Value, "columns", "template: "+strings.TrimPrefix(err.Error(), "template: "))
				ok = false
				continue
			}
			cm.tmpl, cm.text, cm.header = t, s, ""
			cm.refs = templateColumns(t.Tree)
		}
		tc.columns = append(tc.columns, cm)
	}
	return ok
}

func (y *yamlReader) readSet(p *pair, tc *tableContext) bool {
	m := deref(p.val)
	if m.Kind != yaml.MappingNode {
		y.problem(p.key.Line, p.key.Value, "", "must be a mapping of field: value, not "+kindName(m))
		return false
	}
	tc.set = map[string]string{}
	ok := true
	for _, kv := range y.pairs(m) {
		if isProp, _ := isPropertyColumn(kv.key.Value, tc.action); isProp || isPropertiesField(kv.key.Value) {
			y.problem(kv.key.Line, kv.key.Value, "set", "a tenant's own properties are given by the source's columns:, not by set:")
			ok = false
			continue
		}
		if !isFieldOf(kv.key.Value, tc.action) {
			y.problem(kv.key.Line, kv.key.Value, "set", "is not a field of "+actionScope(tc.action)+names.DidYouMean(kv.key.Value, allFieldNames()))
			ok = false
			continue
		}
		v, valid := y.fieldValue(nil, kv.key, kv.val)
		if !valid {
			ok = false
			continue
		}
		tc.set[names.Fold(kv.key.Value)] = v
	}
	return ok
}

func actionScope(s *actions.Spec) string {
	if s == nil {
		return "any action"
	}
	return s.Name
}

// templateFuncs are the functions of column templates. col is bound to the
// row being read by each file's column plan.
var templateFuncs = template.FuncMap{
	"col":   func(string) string { return "" },
	"lower": strings.ToLower,
	"upper": strings.ToUpper,
	"trim":  strings.TrimSpace,
}

// templateColumns lists the column headers a template reads: {{.Name}} and
// {{col "Header"}}.
func templateColumns(tree *parse.Tree) []string {
	seen := map[string]bool{}
	var out []string
	addName := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case nil:
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			if len(n.Args) >= 2 {
				if id, ok := n.Args[0].(*parse.IdentifierNode); ok && id.Ident == "col" {
					if s, ok := n.Args[1].(*parse.StringNode); ok {
						addName(s.Text)
					}
				}
			}
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.FieldNode:
			if len(n.Ident) > 0 {
				addName(n.Ident[0])
			}
		case *parse.ChainNode:
			walk(n.Node)
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		}
	}
	if tree != nil {
		walk(tree.Root)
	}
	sort.Strings(out)
	return out
}

// isPropertiesField reports whether name is an action's field of a
// tenant's own properties (alias_info, aliasInfo, ...).
func isPropertiesField(name string) bool {
	for _, s := range actions.All() {
		if f, ok := s.Field(name); ok && f.Kind == actions.KindProperties {
			return true
		}
	}
	return false
}
