package domain

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestDefinitionsNameThePlaceOfTheirFirstProblem(t *testing.T) {
	schema := json.RawMessage(`{"type":"object"}`)
	good := Definition{Fields: []Field{{Name: "text", Type: TextField}}, Steps: []Step{
		{ID: "classify", Kind: Extract, Template: "Classify {{ input.text }}", Schema: schema},
		{ID: "route", Kind: Condition, Inputs: []string{"classify"}, Expression: `steps.classify.case == "parking"`, Then: "parking", Else: "other"},
		{ID: "parking", Kind: Prompt, Template: "Parking"},
		{ID: "other", Kind: Prompt, Template: "Other"},
	}}
	require.NoError(t, good.Validate(KindWorkflow))
	require.NoError(t, good.Validate(KindApp))

	cases := map[string]struct {
		edit func(d *Definition)
		kind Kind
		want string
	}{
		"unknown kind":        {func(d *Definition) { d.Steps[2].Kind = "sing" }, KindWorkflow, `steps[2].kind: unknown step kind "sing"`},
		"input not earlier":   {func(d *Definition) { d.Steps[0].Inputs = []string{"route"} }, KindWorkflow, `steps[0].inputs: "route" names no earlier step`},
		"a cycle":             {func(d *Definition) { d.Steps[2].Inputs = []string{"parking"} }, KindWorkflow, `steps[2].inputs: "parking" names no earlier step`},
		"branch backwards":    {func(d *Definition) { d.Steps[1].Then = "classify" }, KindWorkflow, `steps[1].then: "classify" names no later step`},
		"duplicate id":        {func(d *Definition) { d.Steps[3].ID = "parking" }, KindWorkflow, `steps[3].id: "parking" is the id of an earlier step too`},
		"bad id":              {func(d *Definition) { d.Steps[0].ID = "Classify!" }, KindWorkflow, `steps[0].id: "Classify!" is not a step id`},
		"no schema":           {func(d *Definition) { d.Steps[0].Schema = nil }, KindWorkflow, `steps[0].schema: extract steps need a JSON schema`},
		"service of 4":        {func(d *Definition) {}, KindService, `steps: a service is one extract or prompt step`},
		"app without a form":  {func(d *Definition) { d.Fields = nil }, KindApp, `fields: an app needs at least one form field`},
		"unknown output":      {func(d *Definition) { d.Output = "nope" }, KindWorkflow, `output: "nope" names no step`},
		"transcribe no field": {func(d *Definition) { d.Steps[2] = Step{ID: "parking", Kind: Transcribe, File: "text"} }, KindWorkflow, `steps[2].file: transcribe steps need the name of a recording field`},
		"retrieve nothing":    {func(d *Definition) { d.Steps[2] = Step{ID: "parking", Kind: Retrieve, Template: "q"} }, KindWorkflow, `steps[2].collections: retrieve steps need at least one collection`},
		"assistant nobody":    {func(d *Definition) { d.Steps[2] = Step{ID: "parking", Kind: Ask, Template: "q"} }, KindWorkflow, `steps[2].assistant_id: assistant steps need an assistant`},
	}
	for name, c := range cases {
		d := clone(good)
		c.edit(&d)
		err := d.Validate(c.kind)
		require.Error(t, err, name)
		require.Contains(t, err.Error(), c.want, name)
	}
	a := uuid.New()
	ok := clone(good)
	ok.Steps[3] = Step{ID: "other", Kind: Ask, Assistant: &a, Template: "q"}
	require.NoError(t, ok.Validate(KindWorkflow))
}

func clone(d Definition) Definition {
	b, _ := json.Marshal(d)
	var out Definition
	_ = json.Unmarshal(b, &out)
	return out
}
