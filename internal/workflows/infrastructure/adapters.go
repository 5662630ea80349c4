package infrastructure

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	assistantsapp "github.com/agora-platform/agora/internal/assistants/application"
	filesapp "github.com/agora-platform/agora/internal/files/application"
	jobsapp "github.com/agora-platform/agora/internal/jobs/application"
	knowledgeapp "github.com/agora-platform/agora/internal/knowledge/application"
	modelsapp "github.com/agora-platform/agora/internal/models/application"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/flow"
	"github.com/agora-platform/agora/internal/platform/realtime"
	"github.com/agora-platform/agora/internal/platform/safehttp"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	sessionsapp "github.com/agora-platform/agora/internal/sessions/application"
	spacesapp "github.com/agora-platform/agora/internal/spaces/application"
	"github.com/agora-platform/agora/internal/workflows/application"
	"github.com/agora-platform/agora/internal/workflows/domain"
)

// Spaces adapts the spaces module.
type Spaces struct{ svc *spacesapp.Service }

// NewSpaces returns the adapter.
func NewSpaces(svc *spacesapp.Service) Spaces { return Spaces{svc: svc} }

// Authorize checks the matrix in a space.
func (s Spaces) Authorize(ctx context.Context, tenant tenancy.ID, c actor.Caller, space uuid.UUID, resource, action string) (application.Access, error) {
	e, err := s.svc.AuthorizeNamed(ctx, tenant, c, space, resource, action)
	if err != nil {
		return application.Access{}, err
	}
	return application.Access{Space: e.ID, Role: string(e.Role), Defaults: e.DefaultModels}, nil
}

// Readable lists the spaces the caller can enter.
func (s Spaces) Readable(ctx context.Context, tenant tenancy.ID, c actor.Caller) ([]application.Access, error) {
	es, err := s.svc.List(ctx, tenant, c)
	if err != nil {
		return nil, err
	}
	out := make([]application.Access, len(es))
	for i, e := range es {
		out[i] = application.Access{Space: e.ID, Role: string(e.Role), Defaults: e.DefaultModels}
	}
	return out, nil
}

// Can reports whether a role may do action on resource.
func (s Spaces) Can(role, resource, action string) bool { return s.svc.Can(role, resource, action) }

// Models completes through the models module's gateway and records the
// usage under the source "workflow".
type Models struct {
	gw       *modelsapp.Gateway
	registry *modelsapp.Service
	meter    *modelsapp.Metering
}

// NewModels returns the adapter.
func NewModels(gw *modelsapp.Gateway, registry *modelsapp.Service, meter *modelsapp.Metering) Models {
	return Models{gw: gw, registry: registry, meter: meter}
}

// Complete reads a whole answer.
func (m Models) Complete(ctx context.Context, tenant tenancy.ID, user uuid.UUID, model *uuid.UUID, msgs []application.Message,
	o application.CompleteOptions) (application.Completion, error) {
	id, err := m.model(ctx, tenant, model)
	if err != nil {
		return application.Completion{}, err
	}
	conv := make([]modelsapp.Message, len(msgs))
	for i, msg := range msgs {
		conv[i] = modelsapp.Message{Role: msg.Role, Content: msg.Content}
	}
	pieces, err := m.gw.Complete(ctx, tenant, id, conv, modelsapp.Sampling{Temperature: o.Temperature, MaxTokens: o.MaxTokens, JSONSchema: o.Schema})
	if err != nil {
		return application.Completion{}, err
	}
	defer pieces.Close()
	var b strings.Builder
	var prompt, completion int
	for {
		p, err := pieces.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return application.Completion{}, err
		}
		b.WriteString(p.Delta)
		if p.HasUsage {
			prompt, completion = p.PromptTokens, p.CompletionTokens
		}
	}
	text := b.String()
	if prompt+completion == 0 { // the provider did not say: estimate
		for _, msg := range msgs {
			prompt += m.gw.Count(msg.Content)
		}
		completion = m.gw.Count(text)
	}
	wf := o.Workflow
	if err := m.meter.Record(context.WithoutCancel(ctx), tenant, modelsapp.UsageRecord{User: user, Model: &id, Workflow: &wf, Source: "workflow",
		PromptTokens: prompt, CompletionTokens: completion}); err != nil {
		return application.Completion{}, fmt.Errorf("record usage: %w", err)
	}
	return application.Completion{Text: text, Model: id, Tokens: prompt + completion}, nil
}

// Offline reports whether the step's model is the built-in offline one.
func (m Models) Offline(ctx context.Context, tenant tenancy.ID, model *uuid.UUID) (bool, error) {
	id, err := m.model(ctx, tenant, model)
	if err != nil {
		return false, err
	}
	info, err := m.gw.Model(ctx, tenant, id)
	if err != nil {
		return false, err
	}
	return info.Local, nil
}

func (m Models) model(ctx context.Context, tenant tenancy.ID, model *uuid.UUID) (uuid.UUID, error) {
	if model != nil {
		return *model, nil
	}
	d, err := m.registry.Default(ctx, tenant, "completion")
	if err != nil {
		return uuid.Nil, errs.New(errs.Invalid, "the step names no model and your organisation has no default language model; ask an administrator to choose one")
	}
	return d.ID, nil
}

// Compiler compiles templates, expressions and schemas with platform/flow
// and checks URLs against the fetch guard.
type Compiler struct{ Guard safehttp.EndpointGuard }

type template struct{ t *flow.Template }

func (t template) Render(env application.Env) (string, error) {
	return t.t.Render(flow.Env{Input: env.Input, Steps: env.Steps})
}

type expression struct{ e *flow.Expr }

func (e expression) Eval(env application.Env) (any, error) {
	return e.e.Eval(flow.Env{Input: env.Input, Steps: env.Steps})
}

// Template compiles a template.
func (Compiler) Template(src string, visible []string) (application.Template, error) {
	t, _, err := flow.CompileTemplate(src, visible)
	if err != nil {
		return nil, err
	}
	return template{t}, nil
}

// Expr compiles an expression.
func (Compiler) Expr(src string, visible []string) (application.Expr, error) {
	e, _, err := flow.CompileExpr(src, visible)
	if err != nil {
		return nil, err
	}
	return expression{e}, nil
}

// Schema compiles a JSON schema.
func (Compiler) Schema(raw json.RawMessage) (application.Schema, error) {
	return flow.CompileSchema(raw)
}

// URL checks an http step's target.
func (c Compiler) URL(ctx context.Context, url string) error {
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return errs.New(errs.Invalid, "must be an http or https URL")
	}
	if err := c.Guard.Allow.CheckURL(ctx, url, c.Guard.Resolver); err != nil {
		return errs.Wrap(errs.Invalid, err.Error(), err)
	}
	return nil
}

// Poster sends http steps' requests through the fetch guard.
type Poster struct{ client *http.Client }

// NewPoster returns a Poster whose requests take at most timeout.
func NewPoster(allow safehttp.AllowList, timeout time.Duration) Poster {
	return Poster{client: safehttp.NewClient(allow, safehttp.Options{Timeout: timeout, MaxRedirects: 3})}
}

// maxResponse bounds the body kept from an http step's answer.
const maxResponse = 1 << 20

// Post sends a JSON body.
func (p Poster) Post(ctx context.Context, url string, headers map[string]string, key string, body []byte) (int, any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, errs.Newf(errs.Invalid, "the URL cannot be requested: %v", err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	res, err := p.client.Do(req)
	if err != nil {
		if errors.Is(err, safehttp.ErrRefused) {
			return 0, nil, errs.Wrap(errs.Invalid, "the fetch guard refused the address", err)
		}
		return 0, nil, errs.Wrap(errs.Unavailable, "the request failed", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	if err != nil {
		return res.StatusCode, nil, errs.Wrap(errs.Unavailable, "the answer could not be read", err)
	}
	var out any
	if json.Unmarshal(raw, &out) != nil {
		out = string(raw)
	}
	return res.StatusCode, out, nil
}

// Jobs adapts the jobs module.
type Jobs struct{ svc *jobsapp.Service }

// NewJobs returns the adapter.
func NewJobs(svc *jobsapp.Service) Jobs { return Jobs{svc: svc} }

// Create stores a queued job.
func (j Jobs) Create(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID, task, name string, payload []byte) error {
	_, err := j.svc.Create(ctx, jobsapp.NewJob{Tenant: tenant, User: user, ID: id, Task: task, Name: name, Payload: payload})
	return err
}

// Dispatch queues a created job.
func (j Jobs) Dispatch(ctx context.Context, tenant tenancy.ID, id uuid.UUID) {
	j.svc.DispatchID(ctx, tenant, id)
}

// Cancel stops a job.
func (j Jobs) Cancel(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) error {
	_, err := j.svc.Cancel(ctx, tenant, user, id)
	return err
}

// Run does a job's work.
func (j Jobs) Run(ctx context.Context, tenant tenancy.ID, id uuid.UUID, work func(context.Context, func(int, string) error) (string, error)) error {
	return j.svc.Run(ctx, tenant, id, work)
}

// Updates publish runs on the app_run_updates channel.
type Updates struct{ rdb redis.UniversalClient }

// NewUpdates returns the publisher.
func NewUpdates(rdb redis.UniversalClient) Updates { return Updates{rdb: rdb} }

// RunEvent is a run as the channel carries it.
type RunEvent struct {
	ID         string      `json:"id"`
	WorkflowID string      `json:"workflow_id"`
	JobID      string      `json:"job_id,omitempty"`
	Status     string      `json:"status"`
	Error      string      `json:"error,omitempty"`
	Steps      []StepEvent `json:"steps"`
}

// StepEvent is one step's state.
type StepEvent struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// Publish tells the user's connections; a failure to publish is not the
// run's failure.
func (u Updates) Publish(ctx context.Context, user uuid.UUID, r domain.Run) {
	if u.rdb == nil || user == uuid.Nil {
		return
	}
	ev := RunEvent{ID: r.ID.String(), WorkflowID: r.Workflow.String(), Status: string(r.Status), Error: r.Error, Steps: []StepEvent{}}
	if r.Job != uuid.Nil {
		ev.JobID = r.Job.String()
	}
	for _, s := range r.Steps {
		ev.Steps = append(ev.Steps, StepEvent{ID: s.Step, Status: string(s.Status)})
	}
	_ = realtime.Publish(ctx, u.rdb, "app_run_updates", user, ev)
}

// Transcribe turns a recording into text with the tenant's default
// transcription model.
func (m Models) Transcribe(ctx context.Context, tenant tenancy.ID, rec application.Recording, progress func(done, total int) error) (string, error) {
	model, err := m.gw.TranscriptionModel(ctx, tenant, nil)
	if err != nil {
		return "", err
	}
	return m.gw.Transcribe(ctx, tenant, model, modelsapp.Recording{Name: rec.Name, MIME: rec.MIME, Size: rec.Size, Open: rec.Open}, progress)
}

// Files adapts the files module: the run's user's uploads.
type Files struct{ svc *filesapp.Service }

// NewFiles returns the adapter.
func NewFiles(svc *filesapp.Service) Files { return Files{svc: svc} }

// File describes one of user's files.
func (f Files) File(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) (application.File, error) {
	file, err := f.svc.Get(ctx, tenant, user, id)
	if err != nil {
		return application.File{}, err
	}
	return application.File{ID: file.ID, Name: file.Name, Recording: f.svc.IsRecording(file.MimeType)}, nil
}

// Text is a document's text, read at upload.
func (f Files) Text(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) (string, error) {
	as, err := f.svc.Attachments(ctx, tenant, user, []uuid.UUID{id})
	if err != nil {
		return "", err
	}
	return as[0].Text, nil
}

// Recording opens a stored recording.
func (f Files) Recording(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) (application.Recording, error) {
	file, open, err := f.svc.Recording(ctx, tenant, user, id)
	if err != nil {
		return application.Recording{}, err
	}
	return application.Recording{Name: file.Name, MIME: file.MimeType, Size: file.Size, Open: open}, nil
}

// Knowledge adapts the knowledge module: a space's collections and
// websites and their hybrid search.
type Knowledge struct {
	k *knowledgeapp.Knowledge
	w *knowledgeapp.Websites
}

// NewKnowledge returns the adapter.
func NewKnowledge(k *knowledgeapp.Knowledge, w *knowledgeapp.Websites) Knowledge {
	return Knowledge{k: k, w: w}
}

// CheckSource refuses an id that is no collection or website of the space.
func (k Knowledge) CheckSource(ctx context.Context, tenant tenancy.ID, space, id uuid.UUID) error {
	if _, err := k.k.CheckCollection(ctx, tenant, space, id); err == nil {
		return nil
	}
	_, err := k.w.CheckWebsite(ctx, tenant, space, id)
	return err
}

// Search returns the best passages.
func (k Knowledge) Search(ctx context.Context, tenant tenancy.ID, user uuid.UUID, ids []uuid.UUID, query string, topK int) ([]application.Passage, error) {
	hits, err := k.k.SearchCollections(ctx, tenant, user, ids, query, knowledgeapp.SearchOptions{N: topK})
	if err != nil {
		return nil, err
	}
	out := make([]application.Passage, len(hits))
	for i, h := range hits {
		out[i] = application.Passage{Title: h.Title, Section: h.Section, Page: h.PageStart, Text: h.Text, Score: h.Score}
	}
	return out, nil
}

// Assistants adapts the assistants and sessions modules: an assistant
// step asks through the chat pipeline, as the run's user.
type Assistants struct {
	a *assistantsapp.Service
	s *sessionsapp.Service
}

// NewAssistants returns the adapter.
func NewAssistants(a *assistantsapp.Service, s *sessionsapp.Service) Assistants {
	return Assistants{a: a, s: s}
}

// Check refuses an assistant of another space or one the caller cannot use.
func (a Assistants) Check(ctx context.Context, tenant tenancy.ID, c actor.Caller, space, id uuid.UUID) error {
	v, err := a.a.Get(ctx, tenant, c, id)
	if err != nil {
		return err
	}
	if v.Space != space {
		return errs.New(errs.Invalid, "the assistant is of another space")
	}
	return nil
}

// Ask reads a whole answer.
func (a Assistants) Ask(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, question string) (application.Answer, error) {
	sink := &collect{}
	if err := a.s.Ask(ctx, tenant, c, sessionsapp.AskInput{Assistant: id, Question: question}, sink); err != nil {
		return application.Answer{}, err
	}
	if sink.failed != nil {
		return application.Answer{}, sink.failed
	}
	return sink.answer, nil
}

// collect is a chat sink that keeps the whole answer.
type collect struct {
	answer application.Answer
	failed error
}

func (c *collect) Start(*sessionsapp.Turn) error         { return nil }
func (c *collect) Delta(*sessionsapp.Turn, string) error { return nil }

func (c *collect) Fail(_ *sessionsapp.Turn, kind errs.Kind, msg string) error {
	c.failed = errs.New(kind, msg)
	return nil
}

func (c *collect) Done(t *sessionsapp.Turn) error {
	c.answer.Text = t.Answer()
	for _, r := range t.References() {
		p := application.Passage{Title: r.Title, Section: r.Section, Page: r.Page, Score: r.Score}
		for _, s := range t.Sources {
			if s.Reference.ID == r.ID {
				p.Text = s.Text
			}
		}
		c.answer.References = append(c.answer.References, p)
	}
	return nil
}
