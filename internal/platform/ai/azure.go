package ai

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// Azure speaks Azure OpenAI: the OpenAI wire format on per-deployment URLs
// with an api-key header and an api-version parameter.
type Azure struct{ HTTP *http.Client }

func (a Azure) url(ep Endpoint, op string) string {
	return strings.TrimRight(ep.BaseURL, "/") + "/openai/deployments/" + url.PathEscape(ep.Deployment) + "/" + op +
		"?api-version=" + url.QueryEscape(ep.APIVersion)
}

func azureHeaders(key string) http.Header {
	h := http.Header{}
	h.Set("api-key", key)
	return h
}

// Chat streams a chat completion from a deployment.
func (a Azure) Chat(ctx context.Context, ep Endpoint, req ChatRequest) (Stream, error) {
	resp, err := post(ctx, a.HTTP, ep, a.url(ep, "chat/completions"), oaChat(req, "azure"), azureHeaders(ep.APIKey))
	if err != nil {
		return nil, err
	}
	return &oaStream{ep: ep.Name, body: resp.Body, events: newEventReader(resp.Body)}, nil
}

// Embed asks a deployment for embeddings.
func (a Azure) Embed(ctx context.Context, ep Endpoint, req EmbedRequest) (EmbedResult, error) {
	resp, err := post(ctx, a.HTTP, ep, a.url(ep, "embeddings"), oaEmbedRequest{Input: req.Inputs}, azureHeaders(ep.APIKey))
	if err != nil {
		return EmbedResult{}, err
	}
	defer resp.Body.Close()
	return decodeEmbeddings(ep.Name, resp.Body, len(req.Inputs))
}
