package application

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTheOfflineModelFillsASchemaFromTheText(t *testing.T) {
	schema := json.RawMessage(`{"type":"object","properties":{"case":{"enum":["parking","school","other"]},
		"summary":{"type":"string","description":"what the citizen asks for"},"amount":{"type":"number"},"urgent":{"type":"boolean"}}}`)
	text := "Hello. My car was towed from the parking by the school. I ask for the 500 kronor fee back."
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(fillSchema(schema, text)), &got))
	require.Equal(t, "parking", got["case"], "the first enum value the text names")
	require.Equal(t, "I ask for the 500 kronor fee back.", got["summary"], "the sentence sharing most words with the field")
	require.EqualValues(t, 500, got["amount"])
	require.Equal(t, false, got["urgent"])
}

func TestTheOfflineModelQuotesWhatAPromptStepReads(t *testing.T) {
	env := Env{Input: map[string]any{"text": "The council met on Monday.", "empty": ""}, Steps: map[string]any{"facts": map[string]any{"n": 2}}}
	require.Equal(t, "The council met on Monday.\n\n{\"n\":2}", quoteInputs(env, []string{"facts"}, "Summarise"))
	require.Equal(t, "Summarise", quoteInputs(Env{}, nil, " Summarise "))
}
