package infrastructure

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/models/application"
	"github.com/agora-platform/agora/internal/platform/ai"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// DimensionsMismatch is a probe's problem when an embedding model's
// vectors are not as long as the model is registered with: search would
// fail on every document.
const DimensionsMismatch ai.Kind = "dimensions_mismatch"

// probeTimeout bounds a model test: the admin waits for it.
const probeTimeout = 30 * time.Second

// Probe makes one small call to an enabled model at its own endpoint (no
// fallbacks, so a fallback cannot hide a broken provider record).
func (g *Providers) Probe(ctx context.Context, tenant tenancy.ID, model uuid.UUID) (application.Probe, error) {
	m, err := g.enabled(ctx, tenant, model)
	if err != nil {
		return application.Probe{}, err
	}
	ep, err := g.endpoint(ctx, tenant, m.served)
	if err != nil {
		return application.Probe{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	start := time.Now()
	p, err := g.probe(ctx, m, []ai.Endpoint{ep})
	p.Latency = time.Since(start)
	if err != nil {
		return failedProbe(p, err), nil
	}
	p.OK = true
	return p, nil
}

func (g *Providers) probe(ctx context.Context, m entry, eps []ai.Endpoint) (application.Probe, error) {
	switch m.kind {
	case "embedding":
		res, err := g.router.Embed(ctx, eps, ai.EmbedRequest{Model: m.name, Inputs: []string{"connection test"}, Dimensions: m.dims})
		if err != nil || len(res.Vectors) != 1 {
			return application.Probe{}, orNoAnswer(err)
		}
		if got := len(res.Vectors[0]); m.dims > 0 && got != m.dims {
			return application.Probe{}, &ai.Error{Kind: DimensionsMismatch,
				Msg: fmt.Sprintf("the model returned vectors of %d dimensions; it is registered with %d", got, m.dims)}
		}
		return application.Probe{Reply: fmt.Sprintf("%d dimensions", len(res.Vectors[0])), PromptTokens: res.Usage.PromptTokens}, nil
	case "rerank":
		res, err := g.router.Rerank(ctx, eps, ai.RerankRequest{Model: m.name, Query: "connection test", Documents: []string{"a connection test"}})
		if err != nil || len(res.Scores) != 1 {
			return application.Probe{}, orNoAnswer(err)
		}
		return application.Probe{Reply: fmt.Sprintf("score %.3f", res.Scores[0]), PromptTokens: res.Tokens}, nil
	case "transcription":
		res, err := g.router.Transcribe(ctx, eps, ai.TranscribeRequest{Model: m.name, Name: "test.wav", Open: silence})
		if err != nil {
			return application.Probe{}, err
		}
		return application.Probe{Reply: strings.TrimSpace(res.Text)}, nil
	}
	return g.probeChat(ctx, m, eps)
}

// probeChat asks for a few tokens and reads the whole answer.
func (g *Providers) probeChat(ctx context.Context, m entry, eps []ai.Endpoint) (application.Probe, error) {
	limit := 16
	s, err := g.router.Chat(ctx, eps, ai.ChatRequest{Model: m.name, MaxTokens: &limit,
		Messages: []ai.Message{{Role: ai.User, Content: "Reply with the single word OK."}}})
	if err != nil {
		return application.Probe{}, err
	}
	defer s.Close()
	var p application.Probe
	var reply strings.Builder
	for {
		c, err := s.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return application.Probe{}, err
		}
		reply.WriteString(c.Delta)
		if c.Usage != nil {
			p.PromptTokens, p.CompletionTokens = c.Usage.PromptTokens, c.Usage.CompletionTokens
		}
	}
	p.Reply = shorten(strings.TrimSpace(reply.String()), 200)
	return p, nil
}

// failedProbe says why a probe failed: the provider failure's class,
// status and own message where the router classified it.
func failedProbe(p application.Probe, err error) application.Probe {
	p.Problem, p.Detail = string(ai.KindUnavailable), err.Error()
	if e, ok := ai.AsError(err); ok {
		p.Problem, p.Status, p.Detail = string(e.Kind), e.Status, e.Msg
	}
	if errors.Is(err, context.DeadlineExceeded) {
		p.Detail = fmt.Sprintf("no answer within %s", probeTimeout)
	}
	p.Detail = shorten(p.Detail, 500)
	return p
}

func orNoAnswer(err error) error {
	if err != nil {
		return err
	}
	return &ai.Error{Kind: ai.KindUnavailable, Msg: "the provider answered without a result"}
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// silence opens half a second of silent 16 kHz mono WAV.
func silence() (io.ReadCloser, error) {
	const rate, samples = 16000, 8000
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(36+samples*2))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(rate * 2), uint16(2), uint16(16)} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(samples*2))
	b.Write(make([]byte, samples*2))
	return io.NopCloser(&b), nil
}
