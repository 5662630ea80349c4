package api_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/testkit"
)

// twoChats scripts a non-streamed then a streamed completion.
func twoChats() []testkit.Reply {
	return []testkit.Reply{
		{Tokens: []string{"Hej", " då"}, Usage: [2]int{7, 2}},
		{Tokens: []string{"one", " two", " three"}, Usage: [2]int{6, 3}},
	}
}

// TestOpenAIGoClient runs the official Go SDK against /v1.
func TestOpenAIGoClient(t *testing.T) {
	t.Parallel()
	w := newOpenAI(t, twoChats()...)
	ctx := context.Background()
	client := openai.NewClient(option.WithAPIKey(w.key), option.WithBaseURL(w.srv.URL+"/v1/"), option.WithMaxRetries(0))

	page, err := client.Models.List(ctx)
	require.NoError(t, err)
	var ids []string
	for _, m := range page.Data {
		ids = append(ids, m.ID)
	}
	require.ElementsMatch(t, []string{w.model, w.embedding}, ids)

	params := openai.ChatCompletionNewParams{
		Model:    w.model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("Be brief."), openai.UserMessage("Say goodbye")},
	}
	done, err := client.Chat.Completions.New(ctx, params)
	require.NoError(t, err)
	require.Equal(t, "Hej då", done.Choices[0].Message.Content)
	require.Equal(t, "stop", done.Choices[0].FinishReason)
	require.EqualValues(t, 9, done.Usage.TotalTokens)

	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	stream := client.Chat.Completions.NewStreaming(ctx, params)
	acc := openai.ChatCompletionAccumulator{}
	chunks := 0
	for stream.Next() {
		acc.AddChunk(stream.Current())
		chunks++
	}
	require.NoError(t, stream.Err())
	require.Greater(t, chunks, 3, "the answer arrives in pieces")
	require.Equal(t, "one two three", acc.Choices[0].Message.Content)
	require.EqualValues(t, 9, acc.Usage.TotalTokens)

	emb, err := client.Embeddings.New(ctx, openai.EmbeddingNewParams{
		Model: w.embedding,
		Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"building permit", "school meals"}},
	})
	require.NoError(t, err)
	require.Len(t, emb.Data, 2)
	require.Len(t, emb.Data[1].Embedding, 384)

	_, err = client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "missing", Messages: params.Messages})
	var apiErr *openai.Error
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 404, apiErr.StatusCode)
	require.Contains(t, apiErr.Message, "does not exist")
}

// TestOpenAINodeClient runs the official `openai` npm package against /v1.
// scripts/test.sh installs it (npm ci) into testdata/openai-node.
func TestOpenAINodeClient(t *testing.T) {
	t.Parallel()
	dir, err := filepath.Abs(filepath.Join("testdata", "openai-node"))
	require.NoError(t, err)
	node, err := exec.LookPath("node")
	if err != nil || !exists(filepath.Join(dir, "node_modules", "openai")) {
		if os.Getenv("REQUIRE_SERVICES") == "1" {
			t.Fatalf("node and the openai npm package are needed (node: %v); run `make test`, which installs them", err)
		}
		t.Skip("node or the openai npm package is missing; `make test` installs it")
	}
	w := newOpenAI(t, twoChats()...)
	cmd := exec.Command(node, "client.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "OPENAI_BASE_URL="+w.srv.URL+"/v1", "OPENAI_API_KEY="+w.key,
		"CHAT_MODEL="+w.model, "EMBEDDING_MODEL="+w.embedding)
	out, err := cmd.Output()
	var stderr string
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = string(ee.Stderr)
	}
	require.NoError(t, err, stderr)

	var got struct {
		Models     []string `json:"models"`
		Answer     string   `json:"answer"`
		Finish     string   `json:"finish"`
		Streamed   string   `json:"streamed"`
		Chunks     int      `json:"chunks"`
		Usage      int      `json:"usage"`
		Dimensions int      `json:"dimensions"`
		Vectors    int      `json:"vectors"`
		NotFound   int      `json:"not_found"`
	}
	require.NoError(t, json.Unmarshal([]byte(lastLine(string(out))), &got), string(out))
	require.ElementsMatch(t, []string{w.model, w.embedding}, got.Models)
	require.Equal(t, "Hej då", got.Answer)
	require.Equal(t, "stop", got.Finish)
	require.Equal(t, "one two three", got.Streamed)
	require.Greater(t, got.Chunks, 3)
	require.Equal(t, 9, got.Usage)
	require.Equal(t, 2, got.Vectors)
	require.Equal(t, 384, got.Dimensions, "the client's default base64 encoding decodes to the full vector")
	require.Equal(t, 404, got.NotFound)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
