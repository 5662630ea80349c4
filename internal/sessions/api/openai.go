package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/sessions/application"
)

// RegisterOpenAI adds the OpenAI-compatible API to a group mounted at /v1
// and guarded by authentication (an API key as the bearer token).
func (h *Handler) RegisterOpenAI(g *echo.Group) {
	g.GET("/models", h.oaModels)
	g.POST("/chat/completions", h.oaChat)
	g.POST("/embeddings", h.oaEmbeddings)
}

func apiCaller(c *echo.Context) application.APICaller {
	p := auth.MustFrom(c.Request().Context())
	return application.APICaller{Caller: actor.Caller{UserID: p.UserID, TenantAdmin: p.Has("admin"), Permissions: p.Permissions}, Models: p.Models}
}

// OAModel is a model in OpenAI's list format.
type OAModel struct {
	ID      string `json:"id"`
	Object  string `json:"object" example:"model"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
} // @name OpenAIModel

// OAModelList is OpenAI's model list.
type OAModelList struct {
	Object string    `json:"object" example:"list"`
	Data   []OAModel `json:"data"`
} // @name OpenAIModelList

// oaModels godoc
//
//	@Summary	OpenAI-compatible: the models you may use
//	@Tags		openai
//	@Produce	json
//	@Security	Bearer
//	@Success	200	{object}	OAModelList
//	@Router		/v1/models [get]
func (h *Handler) oaModels(c *echo.Context) error {
	ctx := c.Request().Context()
	p := auth.MustFrom(ctx)
	ms, err := h.svc.OpenAIModels(ctx, p.Tenant, apiCaller(c))
	if err != nil {
		return err
	}
	out := OAModelList{Object: "list", Data: []OAModel{}}
	for _, m := range ms {
		out.Data = append(out.Data, OAModel{ID: m.Name, Object: "model", Created: m.Created.Unix(), OwnedBy: m.Owner})
	}
	return c.JSON(http.StatusOK, out)
}

// OAMessage is an OpenAI chat message; content is a string or text parts.
type OAMessage struct {
	Role    string          `json:"role" example:"user"`
	Content json.RawMessage `json:"content" swaggertype:"string"`
} // @name OpenAIMessage

// OAChatRequest is OpenAI's chat completion request (the fields Agora
// uses). The sampling settings are checked against OpenAI's ranges; one
// out of range answers 400 naming it in "param".
type OAChatRequest struct {
	Model         string      `json:"model"`
	Messages      []OAMessage `json:"messages"`
	Stream        bool        `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options,omitempty"`
	// Temperature is 0 to 2.
	Temperature *float64 `json:"temperature,omitempty" minimum:"0" maximum:"2"`
	// TopP is 0 to 1.
	TopP *float64 `json:"top_p,omitempty" minimum:"0" maximum:"1"`
	// MaxTokens is at least 1 and at most the model's token limit.
	MaxTokens *int `json:"max_tokens,omitempty" minimum:"1"`
	// MaxCompletionTokens is max_tokens' newer name; it wins when both are sent.
	MaxCompletionTokens *int `json:"max_completion_tokens,omitempty" minimum:"1"`
	// N must be 1: one choice is answered.
	N *int `json:"n,omitempty" minimum:"1" maximum:"1"`
	// Stop is a string or an array of at most 4 non-empty strings.
	Stop json.RawMessage `json:"stop,omitempty" swaggertype:"string"`
	// PresencePenalty is -2 to 2.
	PresencePenalty *float64 `json:"presence_penalty,omitempty" minimum:"-2" maximum:"2"`
	// FrequencyPenalty is -2 to 2.
	FrequencyPenalty *float64 `json:"frequency_penalty,omitempty" minimum:"-2" maximum:"2"`
} // @name OpenAIChatRequest

// stops reads stop: absent or null, a string, or an array of strings.
func stops(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, errs.InvalidField("stop", "stop must be a string or an array of at most %d strings", application.MaxStops)
	}
	return many, nil
}

// OAUsage is OpenAI's usage object.
type OAUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
} // @name OpenAIUsage

// OAChoice is one answer.
type OAChoice struct {
	Index        int               `json:"index"`
	Message      map[string]string `json:"message"`
	FinishReason string            `json:"finish_reason"`
	Logprobs     *struct{}         `json:"logprobs"`
} // @name OpenAIChoice

// OAChatResponse is OpenAI's chat completion.
type OAChatResponse struct {
	ID      string     `json:"id"`
	Object  string     `json:"object" example:"chat.completion"`
	Created int64      `json:"created"`
	Model   string     `json:"model"`
	Choices []OAChoice `json:"choices"`
	Usage   OAUsage    `json:"usage"`
} // @name OpenAIChatResponse

func messages(in []OAMessage) ([]application.Message, error) {
	out := make([]application.Message, 0, len(in))
	for i, m := range in {
		role := m.Role
		if role == "developer" {
			role = "system"
		}
		if role != "system" && role != "user" && role != "assistant" {
			return nil, errs.InvalidField(fmt.Sprintf("messages[%d].role", i), "messages[%d].role %q is not supported; use system, developer, user or assistant", i, m.Role)
		}
		var text string
		if err := json.Unmarshal(m.Content, &text); err != nil {
			var parts []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			}
			if err := json.Unmarshal(m.Content, &parts); err != nil {
				return nil, errs.InvalidField(fmt.Sprintf("messages[%d].content", i), "messages[%d].content must be a string or an array of text parts", i)
			}
			var b strings.Builder
			for _, p := range parts {
				if p.Type != "text" {
					return nil, errs.InvalidField(fmt.Sprintf("messages[%d].content", i), "messages[%d] has a %q part; only text is supported", i, p.Type)
				}
				b.WriteString(p.Text)
			}
			text = b.String()
		}
		out = append(out, application.Message{Role: role, Content: text})
	}
	return out, nil
}

// oaChat godoc
//
//	@Summary		OpenAI-compatible: chat completion (streamed or not)
//	@Description	The OpenAI wire format: with stream true, chat.completion.chunk events and a final "data: [DONE]"; stream_options.include_usage adds a usage chunk. model is one of /v1/models' ids. Errors are OpenAI's {"error": {"message", "type", "param", "code"}}; a sampling setting out of range (temperature 0-2, top_p 0-1, max_tokens and max_completion_tokens 1 to the model's limit, n 1, stop at most 4 strings, penalties -2 to 2) is 400 invalid_request_error with the setting in param.
//	@Tags			openai
//	@Accept			json
//	@Produce		json,text/event-stream
//	@Security		Bearer
//	@Param			body	body		OAChatRequest	true	"the request"
//	@Success		200		{object}	OAChatResponse
//	@Failure		400		{object}	httpx.OpenAIErrorBody	"a bad request; param names the field"
//	@Failure		401		{object}	httpx.OpenAIErrorBody
//	@Failure		404		{object}	httpx.OpenAIErrorBody	"no such model, or not one you may use"
//	@Failure		429		{object}	httpx.OpenAIErrorBody	"rate limit or daily token quota"
//	@Router			/v1/chat/completions [post]
func (h *Handler) oaChat(c *echo.Context) error {
	var req OAChatRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	msgs, err := messages(req.Messages)
	if err != nil {
		return err
	}
	stop, err := stops(req.Stop)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := auth.MustFrom(ctx)
	_, _ = io.Copy(io.Discard, io.LimitReader(c.Request().Body, 1<<20))
	comp, err := h.svc.Complete(ctx, p.Tenant, apiCaller(c), application.CompletionInput{Model: req.Model, Messages: msgs,
		N: req.N, Temperature: req.Temperature, TopP: req.TopP, MaxTokens: req.MaxTokens, MaxCompletionTokens: req.MaxCompletionTokens,
		Stop: stop, PresencePenalty: req.PresencePenalty, FrequencyPenalty: req.FrequencyPenalty})
	if err != nil {
		return err
	}
	defer comp.Pieces.Close()
	t := &oaTurn{h: h, ctx: ctx, p: p, comp: comp, msgs: msgs, finish: "stop",
		id: "chatcmpl-" + strings.ReplaceAll(uuid.NewString(), "-", ""), created: time.Now().Unix()}
	// Usage is stored after the answer is out, so the client never waits
	// for that write.
	defer t.store()
	if req.Stream {
		return t.stream(c, req.StreamOptions != nil && req.StreamOptions.IncludeUsage)
	}
	for {
		if _, err := t.next(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return err
		}
	}
	t.settle()
	err = c.JSON(http.StatusOK, OAChatResponse{ID: t.id, Object: "chat.completion", Created: t.created, Model: comp.Model.Name,
		Choices: []OAChoice{{Message: map[string]string{"role": "assistant", "content": t.answer.String()}, FinishReason: t.finish}}, Usage: t.usage})
	_ = http.NewResponseController(c.Response()).Flush()
	return err
}

// oaChunk is one chat.completion.chunk event.
type oaChunk struct {
	ID      string          `json:"id"`
	Object  string          `json:"object"`
	Created int64           `json:"created"`
	Model   string          `json:"model"`
	Choices []oaChunkChoice `json:"choices"`
	Usage   *OAUsage        `json:"usage,omitempty"`
}

type oaChunkChoice struct {
	Index        int       `json:"index"`
	Delta        oaDelta   `json:"delta"`
	FinishReason *string   `json:"finish_reason"`
	Logprobs     *struct{} `json:"logprobs"`
}

type oaDelta struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
}

// oaTurn is one chat completion being answered.
type oaTurn struct {
	h       *Handler
	ctx     context.Context
	p       auth.Principal
	comp    application.Completion
	msgs    []application.Message
	id      string
	created int64
	answer  strings.Builder
	usage   OAUsage
	finish  string
	stored  bool
}

func (t *oaTurn) next() (application.Piece, error) {
	piece, err := t.comp.Pieces.Next()
	if err == nil {
		t.answer.WriteString(piece.Delta)
		if piece.FinishReason != "" {
			t.finish = piece.FinishReason
		}
		if piece.HasUsage {
			t.usage.PromptTokens, t.usage.CompletionTokens = piece.PromptTokens, piece.CompletionTokens
		}
	}
	return piece, err
}

// settle completes the usage: the provider's figures, else counted offline.
func (t *oaTurn) settle() {
	if t.usage.PromptTokens == 0 && t.usage.CompletionTokens == 0 {
		for _, m := range t.msgs {
			t.usage.PromptTokens += t.h.svc.CountTokens(m.Content)
		}
		t.usage.CompletionTokens = t.h.svc.CountTokens(t.answer.String())
	}
	t.usage.TotalTokens = t.usage.PromptTokens + t.usage.CompletionTokens
}

// store records the usage once. The client may be gone; the tokens were
// spent all the same.
func (t *oaTurn) store() {
	if t.stored {
		return
	}
	t.stored = true
	t.settle()
	mid := t.comp.Model.ID
	t.h.svc.RecordUsage(t.ctx, t.p.Tenant, application.UsageRecord{User: t.p.UserID, Model: &mid, Source: "openai",
		PromptTokens: t.usage.PromptTokens, CompletionTokens: t.usage.CompletionTokens})
}

// stream writes the answer as OpenAI's chat.completion.chunk events.
func (t *oaTurn) stream(c *echo.Context, includeUsage bool) error {
	w := c.Response()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	var buf bytes.Buffer
	// write queues an event; send queues one and flushes what is queued.
	write := func(v any) error {
		buf.Reset()
		buf.WriteString("data: ")
		if err := json.NewEncoder(&buf).Encode(v); err != nil {
			return err
		}
		buf.WriteString("\n")
		_, err := w.Write(buf.Bytes())
		return err
	}
	send := func(v any) error {
		if err := write(v); err != nil {
			return err
		}
		return rc.Flush()
	}
	chunk := func(delta oaDelta, fin *string) oaChunk {
		return oaChunk{ID: t.id, Object: "chat.completion.chunk", Created: t.created, Model: t.comp.Model.Name,
			Choices: []oaChunkChoice{{Delta: delta, FinishReason: fin}}}
	}
	// The first token is here already (the router waits for it): the role
	// chunk goes out with it, in one write.
	empty := ""
	if err := write(chunk(oaDelta{Role: "assistant", Content: &empty}, nil)); err != nil {
		return nil
	}
	for {
		piece, err := t.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			_, body := httpx.OpenAIError(err)
			_ = send(body)
			return nil
		}
		if piece.Delta != "" && send(chunk(oaDelta{Content: &piece.Delta}, nil)) != nil {
			return nil
		}
	}
	t.settle()
	f := t.finish
	if err := send(chunk(oaDelta{}, &f)); err != nil {
		return nil
	}
	if includeUsage {
		u := t.usage
		_ = send(oaChunk{ID: t.id, Object: "chat.completion.chunk", Created: t.created, Model: t.comp.Model.Name, Choices: []oaChunkChoice{}, Usage: &u})
	}
	_, _ = fmt.Fprint(w, "data: [DONE]\n\n")
	_ = rc.Flush()
	return nil
}

// OAEmbeddingRequest is OpenAI's embedding request.
type OAEmbeddingRequest struct {
	Model          string          `json:"model"`
	Input          json.RawMessage `json:"input" swaggertype:"string"`
	EncodingFormat string          `json:"encoding_format,omitempty" enums:"float,base64"`
} // @name OpenAIEmbeddingRequest

// OAEmbeddingResponse is OpenAI's embedding list.
type OAEmbeddingResponse struct {
	Object string           `json:"object" example:"list"`
	Data   []map[string]any `json:"data"`
	Model  string           `json:"model"`
	Usage  OAUsage          `json:"usage"`
} // @name OpenAIEmbeddingResponse

// oaEmbeddings godoc
//
//	@Summary		OpenAI-compatible: embeddings
//	@Description	input is a string or an array of strings; encoding_format base64 returns little-endian float32s, as OpenAI's clients expect.
//	@Tags			openai
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			body	body		OAEmbeddingRequest	true	"the request"
//	@Success		200		{object}	OAEmbeddingResponse
//	@Failure		400		{object}	httpx.OpenAIErrorBody
//	@Failure		401		{object}	httpx.OpenAIErrorBody
//	@Failure		404		{object}	httpx.OpenAIErrorBody
//	@Router			/v1/embeddings [post]
func (h *Handler) oaEmbeddings(c *echo.Context) error {
	var req OAEmbeddingRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	var inputs []string
	var one string
	if err := json.Unmarshal(req.Input, &one); err == nil {
		inputs = []string{one}
	} else if err := json.Unmarshal(req.Input, &inputs); err != nil {
		return errs.New(errs.Invalid, "input must be a string or an array of strings")
	}
	if req.EncodingFormat != "" && req.EncodingFormat != "float" && req.EncodingFormat != "base64" {
		return errs.New(errs.Invalid, "encoding_format must be float or base64")
	}
	ctx := c.Request().Context()
	p := auth.MustFrom(ctx)
	vs, m, tokens, err := h.svc.Embed(ctx, p.Tenant, apiCaller(c), req.Model, inputs)
	if err != nil {
		return err
	}
	out := OAEmbeddingResponse{Object: "list", Data: make([]map[string]any, len(vs)), Model: m.Name, Usage: OAUsage{PromptTokens: tokens, TotalTokens: tokens}}
	for i, v := range vs {
		var emb any = v
		if req.EncodingFormat == "base64" {
			b := make([]byte, 4*len(v))
			for j, x := range v {
				binary.LittleEndian.PutUint32(b[4*j:], math.Float32bits(x))
			}
			emb = base64.StdEncoding.EncodeToString(b)
		}
		out.Data[i] = map[string]any{"object": "embedding", "index": i, "embedding": emb}
	}
	return c.JSON(http.StatusOK, out)
}
