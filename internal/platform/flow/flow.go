// Package flow evaluates what workflow definitions hold: expressions and
// text templates over a run's inputs and its steps' outputs, and JSON
// schemas for structured output.
//
// Expressions are expr-lang/expr programs over plain data (maps, lists,
// strings, numbers): they cannot call methods on Go values, reach the
// file system or loop forever, and their size is bounded. A template is
// text with {{ expression }} placeholders. Schemas are JSON Schema (draft
// 2020-12 unless the schema says otherwise), compiled and checked by
// santhosh-tekuri/jsonschema with no remote references.
package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Limits on what a definition may hold.
const (
	MaxExprLen   = 2000
	MaxNodes     = 500
	maxPieces    = 100
	MaxOutputLen = 200_000 // a template's result, in bytes
)

// Env is what an expression sees: input (the run's inputs by name) and
// steps (each earlier step's output by id).
type Env struct {
	Input map[string]any `expr:"input"`
	Steps map[string]any `expr:"steps"`
}

func (e Env) vars() map[string]any { return map[string]any{"input": e.Input, "steps": e.Steps} }

// Expr is a compiled expression.
type Expr struct{ program *vm.Program }

// CompileExpr compiles an expression and checks that every steps.<id> it
// reads is one of steps (the ids it may see); it returns the ids it reads.
func CompileExpr(code string, steps []string) (*Expr, []string, error) {
	if len(code) > MaxExprLen {
		return nil, nil, fmt.Errorf("the expression is longer than %d characters", MaxExprLen)
	}
	tree, err := parser.Parse(code)
	if err != nil {
		return nil, nil, fmt.Errorf("%s", firstLine(err.Error()))
	}
	v := &reads{}
	ast.Walk(&tree.Node, v)
	if v.nodes > MaxNodes {
		return nil, nil, fmt.Errorf("the expression is too large (more than %d parts)", MaxNodes)
	}
	for _, id := range v.steps {
		if !slices.Contains(steps, id) {
			return nil, nil, fmt.Errorf("steps.%s names no earlier step this one takes as input", id)
		}
	}
	program, err := expr.Compile(code, expr.Env(map[string]any{"input": map[string]any{}, "steps": map[string]any{}}))
	if err != nil {
		return nil, nil, fmt.Errorf("%s", firstLine(err.Error()))
	}
	return &Expr{program: program}, v.steps, nil
}

// Eval runs the expression.
func (e *Expr) Eval(env Env) (any, error) {
	out, err := expr.Run(e.program, env.vars())
	if err != nil {
		return nil, fmt.Errorf("%s", firstLine(err.Error()))
	}
	return out, nil
}

// reads collects the steps an expression reads (other unknown names fail
// when it is compiled against the environment).
type reads struct {
	steps []string
	nodes int
}

func (r *reads) Visit(node *ast.Node) {
	r.nodes++
	switch n := (*node).(type) {
	case *ast.MemberNode:
		if id, ok := n.Node.(*ast.IdentifierNode); ok && id.Value == "steps" {
			if s, ok := n.Property.(*ast.StringNode); ok && !slices.Contains(r.steps, s.Value) {
				r.steps = append(r.steps, s.Value)
			}
		}
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// Template is text with {{ expression }} placeholders.
type Template struct {
	text  []string // text[i] comes before exprs[i]; one more text than exprs
	exprs []*Expr
}

// CompileTemplate compiles a template; steps are the ids its expressions
// may read. It returns the step ids it reads.
func CompileTemplate(src string, steps []string) (*Template, []string, error) {
	t := &Template{}
	var read []string
	rest := src
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			t.text = append(t.text, rest)
			break
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return nil, nil, errors.New("a {{ has no closing }}")
		}
		if len(t.exprs) == maxPieces {
			return nil, nil, fmt.Errorf("a template may hold at most %d placeholders", maxPieces)
		}
		e, ids, err := CompileExpr(strings.TrimSpace(rest[i+2:i+j]), steps)
		if err != nil {
			return nil, nil, fmt.Errorf("placeholder %d: %w", len(t.exprs)+1, err)
		}
		t.text, t.exprs = append(t.text, rest[:i]), append(t.exprs, e)
		for _, id := range ids {
			if !slices.Contains(read, id) {
				read = append(read, id)
			}
		}
		rest = rest[i+j+2:]
	}
	return t, read, nil
}

// Render fills the placeholders: strings as they are, other values as
// JSON.
func (t *Template) Render(env Env) (string, error) {
	var b strings.Builder
	for i, e := range t.exprs {
		b.WriteString(t.text[i])
		v, err := e.Eval(env)
		if err != nil {
			return "", fmt.Errorf("placeholder %d: %w", i+1, err)
		}
		b.WriteString(Text(v))
		if b.Len() > MaxOutputLen {
			return "", fmt.Errorf("the text is longer than %d bytes", MaxOutputLen)
		}
	}
	b.WriteString(t.text[len(t.text)-1])
	return b.String(), nil
}

// Text shows a value in a text: a string as it is, nil as nothing, the
// rest as JSON.
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Schema is a compiled JSON schema.
type Schema struct {
	s   *jsonschema.Schema
	raw json.RawMessage
}

// CompileSchema compiles a JSON schema; remote references are refused.
func CompileSchema(raw json.RawMessage) (*Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("the schema is not JSON: %v", err)
	}
	if _, ok := doc.(map[string]any); !ok {
		return nil, errors.New("the schema must be a JSON object")
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("invalid schema: %v", err)
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		return nil, schemaError(err)
	}
	return &Schema{s: s, raw: raw}, nil
}

// Raw is the schema as given.
func (s *Schema) Raw() json.RawMessage { return s.raw }

// Check validates a JSON text against the schema; the error names the
// path of the first problem ("/case: value must be one of …").
func (s *Schema) Check(text string) (any, error) {
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("the output is not JSON: %v", err)
	}
	if err := s.s.Validate(v); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return nil, errors.New(firstProblem(ve))
		}
		return nil, err
	}
	return normalise(v), nil
}

// firstProblem is the deepest first cause: its instance path and message.
func firstProblem(e *jsonschema.ValidationError) string {
	for len(e.Causes) > 0 {
		e = e.Causes[0]
	}
	path := "/" + strings.Join(e.InstanceLocation, "/")
	msg := firstLine(e.Error())
	if _, after, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "at '") {
		msg = after
	}
	return path + ": " + msg
}

// normalise turns json.Number into float64 or int64 so expressions and
// JSON output treat numbers plainly.
func normalise(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = normalise(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalise(e)
		}
	}
	return v
}

// schemaURL names the schema being compiled (never fetched).
const schemaURL = "urn:agora:schema"

// schemaError says where an invalid schema breaks the rules of JSON
// Schema, without the library's internal names.
func schemaError(err error) error {
	var se *jsonschema.SchemaValidationError
	var ve *jsonschema.ValidationError
	if errors.As(err, &se) && errors.As(se.Err, &ve) {
		return fmt.Errorf("invalid schema at %s", firstProblem(ve))
	}
	return fmt.Errorf("invalid schema: %s", strings.ReplaceAll(firstLine(err.Error()), schemaURL, "the schema"))
}

type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("the schema refers to %s; only references inside the schema are allowed", url)
}
