package ai

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStructuredOutputIsAskedOnlyOfProvidersThatHaveIt(t *testing.T) {
	req := ChatRequest{Model: "m", JSONSchema: json.RawMessage(`{"type":"object"}`)}
	require.NotNil(t, oaChat(req, "openai").ResponseFormat)
	require.NotNil(t, oaChat(req, "vllm").ResponseFormat)
	require.Nil(t, oaChat(req, "mistral").ResponseFormat, "providers without json_schema get the schema in the instructions only")
	require.Nil(t, oaChat(ChatRequest{Model: "m"}, "openai").ResponseFormat, "no schema, no format")
}
