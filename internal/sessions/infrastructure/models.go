package infrastructure

import (
	"context"
	"strings"

	"github.com/google/uuid"

	modelsapp "github.com/agora-platform/agora/internal/models/application"
	"github.com/agora-platform/agora/internal/platform/prompt"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/sessions/application"
)

// Models lets chat reach models through the models module's gateway, and
// renders chat's prompts as the messages the gateway takes.
type Models struct{ gw *modelsapp.Gateway }

// NewModels returns the adapter.
func NewModels(gw *modelsapp.Gateway) Models { return Models{gw: gw} }

// Model describes an enabled completion model.
func (m Models) Model(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (application.ModelInfo, error) {
	i, err := m.gw.Model(ctx, tenant, id)
	return application.ModelInfo(i), err
}

// Generate streams an answer to the prompt.
func (m Models) Generate(ctx context.Context, tenant tenancy.ID, model uuid.UUID, p application.Prompt) (application.Pieces, error) {
	return m.gw.Complete(ctx, tenant, model, messages(p), application.Sampling{Temperature: p.Temperature, MaxTokens: p.MaxTokens})
}

// Count estimates tokens offline.
func (m Models) Count(text string) int { return m.gw.Count(text) }

// Complete streams a raw conversation to an enabled model.
func (m Models) Complete(ctx context.Context, tenant tenancy.ID, model uuid.UUID, msgs []application.Message, s application.Sampling) (application.Pieces, error) {
	return m.gw.Complete(ctx, tenant, model, msgs, s)
}

// Embed embeds inputs with an enabled embedding model, recording nothing.
func (m Models) Embed(ctx context.Context, tenant tenancy.ID, model uuid.UUID, inputs []string) ([][]float32, int, error) {
	return m.gw.EmbedRaw(ctx, tenant, model, inputs)
}

// Listed returns the tenant's enabled completion and embedding models.
func (m Models) Listed(ctx context.Context, tenant tenancy.ID) ([]application.ListedModel, error) {
	ls, err := m.gw.Listed(ctx, tenant)
	out := make([]application.ListedModel, len(ls))
	for i, l := range ls {
		out[i] = application.ListedModel(l)
	}
	return out, err
}

// citeRule tells the model how to cite the sources it is given.
const citeRule = "Answer from the sources below when they are relevant and cite them as [n] with their id. If they do not hold the answer, say so."

// messages renders a prompt: instructions and sources as the system
// message, then the history and the question.
func messages(p application.Prompt) []application.Message {
	var sys strings.Builder
	sys.WriteString(p.Instructions)
	if len(p.Sources) > 0 {
		if sys.Len() > 0 {
			sys.WriteString("\n\n")
		}
		sys.WriteString(citeRule)
		for _, s := range p.Sources {
			sys.WriteString("\n\n" + prompt.Source(s.Number, s.Reference.Label(), s.Text))
		}
	}
	var out []application.Message
	if sys.Len() > 0 {
		out = append(out, application.Message{Role: "system", Content: sys.String()})
	}
	for _, h := range p.History {
		out = append(out, application.Message{Role: h.Role, Content: h.Content})
	}
	return append(out, application.Message{Role: "user", Content: withAttachments(p)})
}

// withAttachments puts the attached files ahead of the question.
func withAttachments(p application.Prompt) string {
	if len(p.Attachments) == 0 {
		return p.Question
	}
	var b strings.Builder
	for _, a := range p.Attachments {
		b.WriteString(prompt.Attachment(a.Name, a.Text) + "\n\n")
	}
	b.WriteString(p.Question)
	return b.String()
}

// Meter records chat's usage through the models module's metering.
type Meter struct{ m *modelsapp.Metering }

// NewMeter returns the adapter.
func NewMeter(m *modelsapp.Metering) Meter { return Meter{m: m} }

// Record stores a usage record, in the context's transaction.
func (m Meter) Record(ctx context.Context, tenant tenancy.ID, u application.UsageRecord) error {
	return m.m.Record(ctx, tenant, modelsapp.UsageRecord{User: u.User, Assistant: u.Assistant, Model: u.Model, Source: u.Source,
		PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, At: u.At})
}

// CheckQuota refuses work when the tenant has used its tokens for today.
func (m Meter) CheckQuota(ctx context.Context, tenant tenancy.ID) error {
	return m.m.CheckQuota(ctx, tenant)
}
