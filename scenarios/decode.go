package scenarios

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// A decoder walks the YAML syntax tree of one scenario file against the Go
// types by reflection, using the yaml struct tags, and collects every
// problem instead of stopping at the first. It records the position of
// every value it visits so that Validate's FieldErrors can be placed.
type decoder struct {
	file     string
	problems []Problem

	// pos is the position of the value at each key path present in the
	// file ("" is the root mapping).
	pos map[string]position
	// failed holds the key paths whose value could not be decoded, so that
	// Validate's complaints about the zero left there are not reported.
	failed map[string]bool
	// zeros are the reflect index paths (struct field or slice index, from
	// the Scenario) of integer fields the file sets to an explicit zero,
	// which Defaults would otherwise replace.
	zeros [][]int

	// anchors are the anchors of the document by name, in document order.
	anchors map[string][]*ast.AnchorNode
	// active are the anchors being decoded, to stop an alias that refers
	// to its own anchor.
	active map[*ast.AnchorNode]bool
	// merged caches the entries of each mapping brought in by a merge key,
	// so that chains of merges cost their size, not the number of paths
	// through them.
	merged map[ast.Node][]entry
	// truncated is set when problems stopped being recorded at
	// maxProblems.
	truncated bool
}

// maxProblems bounds the problems reported for one file. Aliases can make
// a small file repeat a problem many times; past this many, the rest would
// not help anyone.
const maxProblems = 100

// position is a 1-based line and column.
type position struct{ line, col int }

func newDecoder(file string) *decoder {
	return &decoder{
		file:    file,
		pos:     make(map[string]position),
		failed:  make(map[string]bool),
		anchors: make(map[string][]*ast.AnchorNode),
		active:  make(map[*ast.AnchorNode]bool),
		merged:  make(map[ast.Node][]entry),
	}
}

var textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()

// full reports whether maxProblems have been recorded; decoding stops
// then.
func (d *decoder) full() bool { return len(d.problems) >= maxProblems }

// addAt records a problem at p.
func (d *decoder) addAt(p position, path, format string, args ...any) {
	if d.full() {
		d.truncated = true
		return
	}
	d.problems = append(d.problems, Problem{
		File:   d.file,
		Line:   max(p.line, 1),
		Column: max(p.col, 1),
		Path:   path,
		Msg:    fmt.Sprintf(format, args...),
	})
}

// add records a problem at node n.
func (d *decoder) add(n ast.Node, path, format string, args ...any) {
	d.addAt(nodePos(n), path, format, args...)
}

// fail records a problem with the value at path and marks path as failed.
func (d *decoder) fail(n ast.Node, path, format string, args ...any) {
	d.add(n, path, format, args...)
	d.failed[path] = true
}

// decodeFile decodes a whole file into s. It reports whether there was a
// document to decode; when not, the problems say why.
func (d *decoder) decodeFile(data []byte, s *Scenario) bool {
	f, err := parse(data)
	if err != nil {
		d.syntaxError(err)
		return false
	}
	var docs []*ast.DocumentNode
	for _, doc := range f.Docs {
		if _, ok := doc.Body.(*ast.DirectiveNode); ok {
			continue // %YAML or %TAG: part of the next document
		}
		docs = append(docs, doc)
	}
	if len(docs) > 1 {
		p := position{1, 1}
		if tk := docs[1].Start; tk != nil && tk.Position != nil {
			p = position{tk.Position.Line, tk.Position.Column}
		} else if docs[1].Body != nil {
			p = nodePos(docs[1].Body)
		}
		d.addAt(p, "", "more than one YAML document (a scenario file holds one)")
	}
	if len(docs) == 0 || docs[0].Body == nil {
		d.addAt(position{1, 1}, "", "empty scenario file")
		return false
	}
	body := docs[0].Body
	d.collectAnchors(body)
	d.pos[""] = nodePos(body)
	d.decode(body, reflect.ValueOf(s).Elem(), "", nil)
	return true
}

// parse runs the YAML parser. The parser is third-party code fed with
// arbitrary input, so a panic in it is turned into an error rather than
// taking the caller down.
func parse(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("yaml parser failed: %v", r)
		}
	}()
	// Duplicate keys are allowed here so that the decoder reports them
	// all, with the rest of the problems.
	return parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
}

// syntaxError records a parser error, at its token's position when it has
// one.
func (d *decoder) syntaxError(err error) {
	p := position{1, 1}
	msg := err.Error()
	var yerr yaml.Error
	if errors.As(err, &yerr) {
		msg = yerr.GetMessage()
		if tk := yerr.GetToken(); tk != nil && tk.Position != nil {
			p = position{tk.Position.Line, tk.Position.Column}
		}
	}
	d.addAt(p, "", "syntax error: %s", msg)
}

// collectAnchors records every anchor under n, in document order.
func (d *decoder) collectAnchors(n ast.Node) {
	ast.Walk(anchorVisitor{d}, n)
}

type anchorVisitor struct{ d *decoder }

func (v anchorVisitor) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok && a.Name != nil {
		name := tokenValue(a.Name)
		v.d.anchors[name] = append(v.d.anchors[name], a)
	}
	return v
}

// anchorFor returns the anchor an alias refers to: the last one of that
// name defined before it.
func (d *decoder) anchorFor(al *ast.AliasNode) *ast.AnchorNode {
	if al.Value == nil {
		return nil
	}
	at := nodePos(al)
	var found *ast.AnchorNode
	for _, a := range d.anchors[tokenValue(al.Value)] {
		if p := nodePos(a); p.line < at.line || p.line == at.line && p.col < at.col {
			found = a
		}
	}
	return found
}

// tokenValue returns the text of n's token, or "" if it has none.
func tokenValue(n ast.Node) string {
	if n == nil {
		return ""
	}
	if tk := n.GetToken(); tk != nil {
		return tk.Value
	}
	return ""
}

// resolve follows anchors and aliases to the node they stand for and calls
// fn with it. When an alias refers to no anchor, or to an anchor that is
// being decoded (a cycle), it records the problem and does not call fn.
func (d *decoder) resolve(n ast.Node, path string, fn func(ast.Node)) {
	switch t := n.(type) {
	case *ast.AnchorNode:
		d.active[t] = true
		defer delete(d.active, t)
		d.resolve(t.Value, path, fn)
	case *ast.AliasNode:
		a := d.anchorFor(t)
		name := tokenValue(t.Value)
		switch {
		case a == nil:
			d.fail(n, path, "alias *%s refers to no anchor before it", name)
		case d.active[a]:
			d.fail(n, path, "alias *%s refers to its own anchor", name)
		default:
			d.active[a] = true
			defer delete(d.active, a)
			d.resolve(a.Value, path, fn)
		}
	default:
		fn(n)
	}
}

// decode decodes node n into v, the value at key path; idx is v's reflect
// index path from the Scenario.
func (d *decoder) decode(n ast.Node, v reflect.Value, path string, idx []int) {
	if d.full() {
		d.truncated = true
		return
	}
	d.resolve(n, path, func(n ast.Node) {
		n = d.untag(n, path)
		if n == nil || isNull(n) {
			return // null leaves the zero value: the default
		}
		d.decodeValue(n, v, path, idx)
	})
}

// untag strips a YAML tag from n. The core schema's tags are accepted:
// !!str makes a scalar a string, the others only restate what the node
// is. Any other tag is a problem, and untag returns nil.
func (d *decoder) untag(n ast.Node, path string) ast.Node {
	t, ok := n.(*ast.TagNode)
	if !ok {
		return n
	}
	tag := ""
	if t.Start != nil {
		tag = t.Start.Value
	}
	switch tag {
	case "!!str":
		if s, ok := scalarText(t.Value); ok && t.Value.GetToken() != nil {
			str := ast.String(t.Value.GetToken())
			str.Value = s
			return str
		}
		return t.Value
	case "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq":
		return t.Value
	}
	d.fail(n, path, "tag %s is not supported", tag)
	return nil
}

func (d *decoder) decodeValue(n ast.Node, v reflect.Value, path string, idx []int) {
	t := v.Type()
	switch {
	case t.Kind() == reflect.Pointer:
		// idx goes on through the pointer (validate follows it), so that
		// explicit zeros under it are kept as written too.
		nv := reflect.New(t.Elem())
		before := len(d.problems)
		d.decodeValue(n, nv.Elem(), path, idx)
		if len(d.problems) == before {
			v.Set(nv)
		}
		return
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		text, ok := scalarText(n)
		if !ok {
			d.fail(n, path, "want %s, got %s", want(t), describe(n))
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(text)); err != nil {
			d.fail(n, path, "%v", err)
			return
		}
	default:
		switch t.Kind() {
		case reflect.Struct:
			d.decodeStruct(n, v, path, idx)
			return
		case reflect.Slice:
			d.decodeSlice(n, v, path, idx)
			return
		case reflect.String:
			text, ok := scalarText(n)
			if !ok {
				d.fail(n, path, "want %s, got %s", want(t), describe(n))
				return
			}
			v.SetString(text)
		case reflect.Bool:
			b, ok := n.(*ast.BoolNode)
			if !ok {
				d.fail(n, path, "want %s, got %s", want(t), describe(n))
				return
			}
			v.SetBool(b.Value)
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			d.decodeInt(n, v, path)
		case reflect.Float32, reflect.Float64:
			d.decodeFloat(n, v, path)
		default:
			// The schema has no other kinds; a new field of another kind
			// needs code here.
			d.fail(n, path, "cannot decode into Go type %s", t)
			return
		}
	}
	if !d.failed[path] && idx != nil && v.CanInt() && v.Int() == 0 {
		d.zeros = append(d.zeros, idx)
	}
}

func (d *decoder) decodeInt(n ast.Node, v reflect.Value, path string) {
	in, ok := n.(*ast.IntegerNode)
	if !ok {
		if s, ok := n.(*ast.StringNode); ok && looksInteger(s) {
			d.fail(n, path, "integer %s out of range", s.Value)
			return
		}
		d.fail(n, path, "want %s, got %s", want(v.Type()), describe(n))
		return
	}
	var i int64
	switch x := in.Value.(type) {
	case int64:
		i = x
	case uint64:
		if x > 1<<63-1 {
			d.fail(n, path, "integer %s out of range", tokenValue(in))
			return
		}
		i = int64(x)
	default:
		d.fail(n, path, "want %s, got %s", want(v.Type()), describe(n))
		return
	}
	if v.OverflowInt(i) {
		d.fail(n, path, "integer %s out of range", tokenValue(in))
		return
	}
	v.SetInt(i)
}

// decodeFloat decodes a number (integer or float) into a float field.
func (d *decoder) decodeFloat(n ast.Node, v reflect.Value, path string) {
	var f float64
	switch x := n.(type) {
	case *ast.FloatNode:
		f = x.Value
	case *ast.IntegerNode:
		switch i := x.Value.(type) {
		case int64:
			f = float64(i)
		case uint64:
			f = float64(i)
		default:
			d.fail(n, path, "want %s, got %s", want(v.Type()), describe(n))
			return
		}
	default:
		d.fail(n, path, "want %s, got %s", want(v.Type()), describe(n))
		return
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		d.fail(n, path, "want a finite number, got %v", f)
		return
	}
	v.SetFloat(f)
}

// looksInteger reports whether a plain scalar the parser left as a string
// is a decimal integer too large for it.
func looksInteger(s *ast.StringNode) bool {
	if s.Token == nil || s.Token.Type != token.StringType {
		return false // quoted: the user meant a string
	}
	t := strings.TrimLeft(s.Value, "+-")
	if t == "" {
		return false
	}
	for _, c := range t {
		if (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// scalarOrList is implemented by slice types whose YAML value may also be
// a single scalar, meaning a list of that one value (network.rtt: 40ms or
// [0ms, 40ms]).
type scalarOrList interface{ scalarOrList() }

var scalarOrListType = reflect.TypeFor[scalarOrList]()

func (d *decoder) decodeSlice(n ast.Node, v reflect.Value, path string, idx []int) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok && v.Type().Implements(scalarOrListType) {
		if _, scalar := scalarText(n); scalar {
			s := reflect.MakeSlice(v.Type(), 1, 1)
			d.decodeValue(n, s.Index(0), path, appendIndex(idx, 0))
			v.Set(s)
			return
		}
	}
	if !ok {
		d.fail(n, path, "want %s, got %s", want(v.Type()), describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
	for i, e := range seq.Values {
		ep := path + "[" + strconv.Itoa(i) + "]"
		d.pos[ep] = nodePos(e)
		d.decode(e, s.Index(i), ep, appendIndex(idx, i))
	}
	v.Set(s)
}

// appendIndex returns idx with i appended, never sharing idx's array.
func appendIndex(idx []int, i int) []int {
	return append(idx[:len(idx):len(idx)], i)
}

// entry is one key of a mapping, after merge keys are expanded.
type entry struct {
	key     string
	keyNode ast.Node
	value   ast.Node
}

func (d *decoder) decodeStruct(n ast.Node, v reflect.Value, path string, idx []int) {
	values, ok := mappingValues(n)
	if !ok {
		d.fail(n, path, "want %s, got %s", want(v.Type()), describe(n))
		return
	}
	fields := schemaFields(v.Type())
	for _, e := range d.entries(values, path) {
		if d.full() {
			d.truncated = true
			return
		}
		fp := e.key
		if path != "" {
			fp = path + "." + e.key
		}
		i := fieldIndex(fields, e.key)
		if i < 0 {
			d.add(e.keyNode, fp, "unknown key %q (known: %s)", e.key, knownKeys(fields))
			continue
		}
		d.pos[fp] = nodePos(e.value)
		d.decode(e.value, v.Field(fields[i].index), fp, appendIndex(idx, fields[i].index))
	}
}

// entries lists the keys of a mapping with their values, reporting
// duplicate and non-scalar keys. Merge keys (<<) are expanded: the keys of
// the mapping itself win over merged ones, and earlier merged mappings win
// over later ones.
func (d *decoder) entries(values []*ast.MappingValueNode, path string) []entry {
	var (
		out    []entry
		merges []ast.Node
		seen   = make(map[string]ast.Node)
	)
	for _, mv := range values {
		if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
			merges = append(merges, mv.Value)
			continue
		}
		key, ok := d.keyText(mv.Key, path)
		if !ok {
			continue
		}
		if first, dup := seen[key]; dup {
			p := nodePos(first)
			dp := key
			if path != "" {
				dp = path + "." + key
			}
			d.add(mv.Key, dp, "duplicate key %q (first at line %d, column %d)", key, p.line, p.col)
			continue
		}
		seen[key] = mv.Key
		out = append(out, entry{key: key, keyNode: mv.Key, value: mv.Value})
	}
	for _, m := range merges {
		for _, e := range d.mergeEntries(m, path) {
			if _, dup := seen[e.key]; !dup {
				seen[e.key] = e.keyNode
				out = append(out, e)
			}
		}
	}
	return out
}

// mergeEntries returns the entries a merge key's value brings in: a
// mapping, or a sequence of mappings.
func (d *decoder) mergeEntries(n ast.Node, path string) []entry {
	var out []entry
	d.resolve(n, path, func(n ast.Node) {
		if seq, ok := n.(*ast.SequenceNode); ok {
			for _, e := range seq.Values {
				d.resolve(e, path, func(e ast.Node) {
					out = append(out, d.mergeMapping(e, path)...)
				})
			}
			return
		}
		out = append(out, d.mergeMapping(n, path)...)
	})
	return out
}

func (d *decoder) mergeMapping(n ast.Node, path string) []entry {
	if e, ok := d.merged[n]; ok {
		return e
	}
	values, ok := mappingValues(n)
	if !ok {
		d.fail(n, path, "merge key << wants a mapping or a sequence of mappings, got %s", describe(n))
		return nil
	}
	e := d.entries(values, path)
	d.merged[n] = e
	return e
}

// keyText returns a mapping key's text, reporting keys that are not
// scalars.
func (d *decoder) keyText(k ast.Node, path string) (string, bool) {
	var (
		text string
		ok   bool
	)
	d.resolve(k, path, func(n ast.Node) {
		if mk, isKey := n.(*ast.MappingKeyNode); isKey {
			n = mk.Value
		}
		if t, isTag := n.(*ast.TagNode); isTag {
			n = t.Value
		}
		text, ok = scalarText(n)
		if !ok {
			d.add(k, path, "a key must be a scalar, got %s", describe(n))
		}
	})
	return text, ok
}

// mappingValues returns the key-value pairs of a mapping node.
func mappingValues(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch m := n.(type) {
	case *ast.MappingNode:
		return m.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}, true
	}
	return nil, false
}

// isNull reports whether n is a YAML null (~, null or nothing).
func isNull(n ast.Node) bool {
	_, ok := n.(*ast.NullNode)
	return ok
}

// scalarText returns the text of a scalar: the value of a string, the
// source text of a number or boolean (so that 1.3 stays "1.3").
func scalarText(n ast.Node) (string, bool) {
	switch s := n.(type) {
	case *ast.StringNode:
		return s.Value, true
	case *ast.LiteralNode:
		if s.Value == nil {
			return "", true
		}
		return s.Value.Value, true
	case *ast.NullNode:
		return "", true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		if tk := n.GetToken(); tk != nil {
			return tk.Value, true
		}
	}
	return "", false
}

// describe names what a node is, for "want X, got Y" messages.
func describe(n ast.Node) string {
	switch s := n.(type) {
	case nil:
		return "nothing"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a sequence"
	case *ast.StringNode:
		return fmt.Sprintf("string %q", s.Value)
	case *ast.LiteralNode:
		text, _ := scalarText(s)
		return fmt.Sprintf("string %q", text)
	case *ast.IntegerNode:
		return "integer " + tokenValue(s)
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "float " + tokenValue(n)
	case *ast.BoolNode:
		return "boolean " + tokenValue(s)
	case *ast.NullNode:
		return "null"
	case *ast.AnchorNode:
		return "an anchor"
	case *ast.AliasNode:
		return "an alias"
	case *ast.TagNode:
		return "a tagged value"
	}
	return "a " + n.Type().YAMLName()
}

// want names what a Go type is decoded from.
func want(t reflect.Type) string {
	if t == reflect.TypeFor[Duration]() {
		return "a duration"
	}
	if t.Implements(scalarOrListType) {
		return want(t.Elem()) + " or a sequence of them"
	}
	switch t.Kind() {
	case reflect.Struct:
		return "a mapping"
	case reflect.Slice:
		return "a sequence"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean (true or false)"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a scalar"
}

// nodePos is the position of a node: where its text starts.
func nodePos(n ast.Node) position {
	var tk *token.Token
	switch t := n.(type) {
	case nil:
		return position{1, 1}
	case *ast.MappingNode:
		// A block mapping's token is the first ':'; it starts at its
		// first key.
		if !t.IsFlowStyle && len(t.Values) > 0 {
			return nodePos(t.Values[0])
		}
		tk = t.Start
	case *ast.MappingValueNode:
		if t.Key != nil {
			return nodePos(t.Key)
		}
		tk = t.Start
	case *ast.MappingKeyNode:
		tk = t.Start
	case *ast.LiteralNode:
		tk = t.Start
	case *ast.TagNode:
		tk = t.Start
	case *ast.AnchorNode:
		tk = t.Start
	case *ast.AliasNode:
		tk = t.Start
	default:
		tk = n.GetToken()
	}
	if tk == nil || tk.Position == nil {
		return position{1, 1}
	}
	return position{max(tk.Position.Line, 1), max(tk.Position.Column, 1)}
}

// field is one key of the schema.
type field struct {
	name  string
	index int
}

// schemaFields lists the YAML keys of a struct type in field order, from
// its yaml tags; fields tagged "-" are not in the schema.
func schemaFields(t reflect.Type) []field {
	var fields []field
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = strings.ToLower(f.Name)
		}
		fields = append(fields, field{name: name, index: i})
	}
	return fields
}

func fieldIndex(fields []field, name string) int {
	for i, f := range fields {
		if f.name == name {
			return i
		}
	}
	return -1
}

func knownKeys(fields []field) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}
