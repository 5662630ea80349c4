package flow

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExpressionsReadInputsAndEarlierSteps(t *testing.T) {
	e, read, err := CompileExpr(`steps.classify.case == "parking" && len(input.text) > 3`, []string{"classify"})
	require.NoError(t, err)
	require.Equal(t, []string{"classify"}, read)
	v, err := e.Eval(Env{Input: map[string]any{"text": "a long text"}, Steps: map[string]any{"classify": map[string]any{"case": "parking"}}})
	require.NoError(t, err)
	require.Equal(t, true, v)

	_, _, err = CompileExpr(`steps.later.x`, []string{"classify"})
	require.EqualError(t, err, "steps.later names no earlier step this one takes as input")
	_, _, err = CompileExpr(`os.Exit(1)`, nil)
	require.Error(t, err, "only input and steps are known")
	_, _, err = CompileExpr(`input.text +`, nil)
	require.Error(t, err)
}

func TestTemplatesFillPlaceholders(t *testing.T) {
	tpl, read, err := CompileTemplate("Summarise {{ input.name }}: {{ steps.facts }}", []string{"facts"})
	require.NoError(t, err)
	require.Equal(t, []string{"facts"}, read)
	out, err := tpl.Render(Env{Input: map[string]any{"name": "the minutes"}, Steps: map[string]any{"facts": map[string]any{"n": 2}}})
	require.NoError(t, err)
	require.Equal(t, `Summarise the minutes: {"n":2}`, out)
	_, _, err = CompileTemplate("Open {{ input.x", nil)
	require.EqualError(t, err, "a {{ has no closing }}")
	_, _, err = CompileTemplate("{{ steps.nope }}", nil)
	require.EqualError(t, err, "placeholder 1: steps.nope names no earlier step this one takes as input")
}

func TestSchemasCheckOutputWithThePathOfTheFirstProblem(t *testing.T) {
	s, err := CompileSchema(json.RawMessage(`{"type":"object","required":["case"],"properties":{"case":{"enum":["parking","school"]},"urgent":{"type":"boolean"}}}`))
	require.NoError(t, err)
	v, err := s.Check(`{"case":"parking","urgent":true}`)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"case": "parking", "urgent": true}, v)
	_, err = s.Check(`{"case":"taxes"}`)
	require.ErrorContains(t, err, "/case: ")
	_, err = s.Check(`not json`)
	require.ErrorContains(t, err, "not JSON")

	_, err = CompileSchema(json.RawMessage(`{"type":"nonsense"}`))
	require.ErrorContains(t, err, "invalid schema")
	_, err = CompileSchema(json.RawMessage(`{"$ref":"https://example.com/s.json"}`))
	require.Error(t, err, "no remote references")
	_, err = CompileSchema(json.RawMessage(`[1]`))
	require.EqualError(t, err, "the schema must be a JSON object")
}

func TestSchemaErrorsReadPlainly(t *testing.T) {
	s, err := CompileSchema(json.RawMessage(`{"type":"object","properties":{"case":{"enum":["parking","school"]}}}`))
	require.NoError(t, err)
	_, err = s.Check(`{"case":"taxes"}`)
	require.EqualError(t, err, "/case: value must be one of 'parking', 'school'")
	_, err = CompileSchema(json.RawMessage(`{"type":"nonsense"}`))
	require.EqualError(t, err, "invalid schema at /type: value must be one of 'array', 'boolean', 'integer', 'null', 'number', 'object', 'string'")
}
