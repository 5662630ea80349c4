package application

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/workflows/domain"
)

// execute runs a definition's steps in order for r. A step stored as
// complete or skipped (a run taken up again) is not run again; its output
// is used. A condition skips the branch it did not choose, and every step
// that reads a skipped step is skipped too.
func (s *Service) execute(ctx context.Context, c actor.Caller, r *domain.Run, d domain.Definition, report func(int, string) error) error {
	input, err := s.inputEnv(ctx, r, d.Fields)
	if err != nil {
		return err
	}
	prev := map[string]domain.StepRun{}
	for _, st := range r.Steps {
		prev[st.Step] = st
	}
	outputs, skipped := map[string]any{}, map[string]bool{}
	last := ""
	for i, st := range d.Steps {
		old, had := prev[st.ID]
		switch {
		case had && old.Status == domain.RunComplete:
			outputs[st.ID], last = old.Output, st.ID
			branch(st, old.Output, skipped)
			continue
		case skipped[st.ID] || readsSkipped(st, skipped) || (had && old.Status == domain.StepSkipped):
			skipped[st.ID] = true
			if err := s.putStep(ctx, r, domain.StepRun{Step: st.ID, Position: i, Kind: st.Kind, Status: domain.StepSkipped}); err != nil {
				return err
			}
			continue
		}
		if err := report(100*i/len(d.Steps), fmt.Sprintf("step %d of %d: %s", i+1, len(d.Steps), st.ID)); err != nil {
			return err
		}
		progress := func(done, total int) error {
			return report((100*i+100*done/max(total, 1))/len(d.Steps), fmt.Sprintf("step %d of %d: %s (%d of %d)", i+1, len(d.Steps), st.ID, done, total))
		}
		out, err := s.runStep(ctx, c, r, i, st, old.Attempts, input, outputs, progress)
		if err != nil {
			return err
		}
		outputs[st.ID], last = out, st.ID
		branch(st, out, skipped)
	}
	if d.Output != "" && !skipped[d.Output] {
		last = d.Output
	}
	r.Output = outputs[last]
	return nil
}

// branch marks the branch a condition did not choose as skipped.
func branch(st domain.Step, out any, skipped map[string]bool) {
	if st.Kind != domain.Condition {
		return
	}
	if b, _ := out.(bool); b {
		skipped[st.Else] = st.Else != ""
	} else {
		skipped[st.Then] = st.Then != ""
	}
	delete(skipped, "")
}

func readsSkipped(st domain.Step, skipped map[string]bool) bool {
	for _, in := range st.Inputs {
		if skipped[in] {
			return true
		}
	}
	return false
}

// runStep runs one step and stores how it went.
func (s *Service) runStep(ctx context.Context, c actor.Caller, r *domain.Run, i int, st domain.Step, attempts int, input, outputs map[string]any,
	progress func(done, total int) error) (any, error) {
	started := s.now()
	sr := domain.StepRun{Step: st.ID, Position: i, Kind: st.Kind, Status: domain.RunInProgress, Attempts: attempts + 1, Started: &started}
	if err := s.putStep(ctx, r, sr); err != nil {
		return nil, err
	}
	env := Env{Input: input, Steps: map[string]any{}}
	for _, in := range st.Inputs {
		env.Steps[in] = outputs[in]
	}
	res, err := s.step(ctx, c, r, st, env, progress)
	finished := s.now()
	sr.Input, sr.Finished, sr.Tokens = res.input, &finished, res.tokens
	r.Tokens += res.tokens
	if err != nil {
		_, msg := errs.KindOf(err)
		sr.Status, sr.Error = domain.RunFailed, msg
		if perr := s.putStep(context.WithoutCancel(ctx), r, sr); perr != nil {
			return nil, perr
		}
		kind, _ := errs.KindOf(err)
		return nil, errs.Wrap(kind, fmt.Sprintf("step %s (%s): %s", st.ID, st.Kind, msg), err)
	}
	sr.Status, sr.Output = domain.RunComplete, res.output
	if err := s.putStep(ctx, r, sr); err != nil {
		return nil, err
	}
	return res.output, nil
}

// putStep stores a step, keeps it in the run and tells the run's user.
func (s *Service) putStep(ctx context.Context, r *domain.Run, sr domain.StepRun) error {
	if err := s.d.Repo.PutStep(ctx, r.Tenant, r.ID, sr); err != nil {
		return err
	}
	if i := slices.IndexFunc(r.Steps, func(o domain.StepRun) bool { return o.Step == sr.Step }); i >= 0 {
		r.Steps[i] = sr
	} else {
		r.Steps = append(r.Steps, sr)
	}
	s.d.Updates.Publish(ctx, r.User, *r)
	return nil
}

// stepResult is what a step did.
type stepResult struct {
	input  any
	output any
	tokens int
}

// step runs one step of a kind.
func (s *Service) step(ctx context.Context, c actor.Caller, r *domain.Run, st domain.Step, env Env, progress func(done, total int) error) (stepResult, error) {
	switch st.Kind {
	case domain.Retrieve:
		return s.retrieve(ctx, r, st, env)
	case domain.Ask:
		return s.ask(ctx, c, r, st, env)
	case domain.Transcribe:
		return s.transcribe(ctx, r, st, progress)
	case domain.Prompt:
		return s.prompt(ctx, r, st, env)
	case domain.Extract:
		return s.extract(ctx, r, st, env)
	case domain.Condition:
		e, err := s.d.Compiler.Expr(st.Expression, st.Inputs)
		if err != nil {
			return stepResult{}, errs.Newf(errs.Invalid, "the expression does not compile: %v", err)
		}
		v, err := e.Eval(env)
		if err != nil {
			return stepResult{}, errs.Newf(errs.Invalid, "the expression failed: %v", err)
		}
		b, ok := v.(bool)
		if !ok {
			return stepResult{}, errs.Newf(errs.Invalid, "the expression gave %v, not true or false", v)
		}
		return stepResult{output: b}, nil
	case domain.HTTP:
		return s.post(ctx, r, st, env)
	}
	return stepResult{}, errs.Newf(errs.Invalid, "%s steps cannot run in this version", st.Kind)
}

// inputEnv is the input as templates see it: a document field's value is
// the document's text, a recording's its file name.
func (s *Service) inputEnv(ctx context.Context, r *domain.Run, fields []domain.Field) (map[string]any, error) {
	out := make(map[string]any, len(r.Input))
	for k, v := range r.Input {
		out[k] = v
	}
	for _, f := range fields {
		id, _ := r.Input[f.Name].(string)
		if f.Type == domain.TextField || id == "" {
			continue
		}
		fid, err := uuid.Parse(id)
		if err != nil {
			return nil, errs.Newf(errs.Invalid, "input.%s is not a file id", f.Name)
		}
		if f.Type == domain.RecordingField {
			file, err := s.d.Files.File(ctx, r.Tenant, r.User, fid)
			if err != nil {
				return nil, err
			}
			out[f.Name] = file.Name
			continue
		}
		if out[f.Name], err = s.d.Files.Text(ctx, r.Tenant, r.User, fid); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// transcribe turns the recording of the step's field into text.
func (s *Service) transcribe(ctx context.Context, r *domain.Run, st domain.Step, progress func(done, total int) error) (stepResult, error) {
	id, err := uuid.Parse(fmt.Sprint(r.Input[st.File]))
	if err != nil {
		return stepResult{}, errs.Newf(errs.Invalid, "no recording was given in %s", st.File)
	}
	rec, err := s.d.Files.Recording(ctx, r.Tenant, r.User, id)
	if err != nil {
		return stepResult{}, err
	}
	text, err := s.d.Models.Transcribe(ctx, r.Tenant, rec, progress)
	if err != nil {
		return stepResult{input: rec.Name}, err
	}
	return stepResult{input: rec.Name, output: strings.TrimSpace(text)}, nil
}

// retrieve searches the step's collections and websites with the
// rendered query.
func (s *Service) retrieve(ctx context.Context, r *domain.Run, st domain.Step, env Env) (stepResult, error) {
	query, err := s.render(st, env)
	if err != nil {
		return stepResult{}, err
	}
	k := st.TopK
	if k == 0 {
		k = 5
	}
	ps, err := s.d.Knowledge.Search(ctx, r.Tenant, r.User, st.Collections, query, k)
	if err != nil {
		return stepResult{input: query}, err
	}
	if ps == nil {
		ps = []Passage{}
	}
	return stepResult{input: query, output: toAny(ps)}, nil
}

// ask puts the rendered question to the step's assistant as the run's
// user; its usage is counted as the assistant's.
func (s *Service) ask(ctx context.Context, c actor.Caller, r *domain.Run, st domain.Step, env Env) (stepResult, error) {
	question, err := s.render(st, env)
	if err != nil {
		return stepResult{}, err
	}
	a, err := s.d.Assistants.Ask(ctx, r.Tenant, c, *st.Assistant, question)
	if err != nil {
		return stepResult{input: question}, err
	}
	if a.References == nil {
		a.References = []Passage{}
	}
	return stepResult{input: question, output: toAny(a)}, nil
}

// toAny turns a value into plain data (maps, lists), as expressions and
// storage see outputs.
func toAny(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// render fills a step's template.
func (s *Service) render(st domain.Step, env Env) (string, error) {
	t, err := s.d.Compiler.Template(st.Template, st.Inputs)
	if err != nil {
		return "", errs.Newf(errs.Invalid, "the template does not compile: %v", err)
	}
	text, err := t.Render(env)
	if err != nil {
		return "", errs.Newf(errs.Invalid, "the template failed: %v", err)
	}
	return text, nil
}

// complete asks the step's model (none named: the tenant's default).
func (s *Service) complete(ctx context.Context, r *domain.Run, st domain.Step, msgs []Message, schema json.RawMessage) (Completion, error) {
	return s.d.Models.Complete(ctx, r.Tenant, r.User, st.Model, msgs,
		CompleteOptions{Temperature: st.Temperature, MaxTokens: st.MaxTokens, Schema: schema, Workflow: r.Workflow})
}

// prompt asks a completion model with the rendered template.
func (s *Service) prompt(ctx context.Context, r *domain.Run, st domain.Step, env Env) (stepResult, error) {
	text, err := s.render(st, env)
	if err != nil {
		return stepResult{}, err
	}
	if offline, err := s.d.Models.Offline(ctx, r.Tenant, st.Model); err != nil || offline {
		return stepResult{input: text, output: quoteInputs(env, st.Inputs, text)}, err
	}
	c, err := s.complete(ctx, r, st, []Message{{Role: "user", Content: text}}, nil)
	if err != nil {
		return stepResult{input: text}, err
	}
	return stepResult{input: text, output: strings.TrimSpace(c.Text), tokens: c.Tokens}, nil
}

// extract asks for JSON of the step's schema, checks it, and asks once
// more with the problem when it does not fit.
func (s *Service) extract(ctx context.Context, r *domain.Run, st domain.Step, env Env) (stepResult, error) {
	text, err := s.render(st, env)
	if err != nil {
		return stepResult{}, err
	}
	schema, err := s.d.Compiler.Schema(st.Schema)
	if err != nil {
		return stepResult{input: text}, errs.Newf(errs.Invalid, "the schema does not compile: %v", err)
	}
	if offline, err := s.d.Models.Offline(ctx, r.Tenant, st.Model); err != nil || offline {
		if err != nil {
			return stepResult{input: text}, err
		}
		out, cerr := schema.Check(fillSchema(st.Schema, text))
		if cerr != nil {
			return stepResult{input: text}, errs.Newf(errs.Invalid, "the offline model cannot fill this schema: %v", cerr)
		}
		return stepResult{input: text, output: out}, nil
	}
	msgs := []Message{
		{Role: "system", Content: "Answer with one JSON value, and nothing else, that satisfies this JSON schema:\n" + string(st.Schema)},
		{Role: "user", Content: text},
	}
	res := stepResult{input: text}
	for attempt := 0; ; attempt++ {
		c, err := s.complete(ctx, r, st, msgs, st.Schema)
		res.tokens += c.Tokens
		if err != nil {
			return res, err
		}
		out, cerr := schema.Check(unfence(c.Text))
		if cerr == nil {
			res.output = out
			return res, nil
		}
		if attempt == 1 {
			return res, errs.Newf(errs.Invalid, "the model's answer does not fit the schema, also after a second try: %v", cerr)
		}
		msgs = append(msgs, Message{Role: "assistant", Content: c.Text},
			Message{Role: "user", Content: fmt.Sprintf("That answer does not fit the schema: %v. Answer again with JSON only.", cerr)})
	}
}

// unfence takes JSON out of a Markdown code block a model may wrap it in.
func unfence(s string) string {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "```") {
		return t
	}
	t = strings.TrimPrefix(t, "```")
	if nl := strings.IndexByte(t, '\n'); nl >= 0 {
		t = t[nl+1:]
	}
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(t), "```"))
}

// post sends an http step's request; the idempotency key is the run's and
// the step's, so a request sent before a crash is not acted on twice by a
// receiver that honours it.
func (s *Service) post(ctx context.Context, r *domain.Run, st domain.Step, env Env) (stepResult, error) {
	var body string
	if strings.TrimSpace(st.Template) != "" {
		var err error
		if body, err = s.render(st, env); err != nil {
			return stepResult{}, err
		}
	} else {
		b, err := json.Marshal(map[string]any{"input": env.Input, "steps": env.Steps})
		if err != nil {
			return stepResult{}, err
		}
		body = string(b)
	}
	if !json.Valid([]byte(body)) {
		return stepResult{input: body}, errs.New(errs.Invalid, "the body is not JSON")
	}
	headers := make(map[string]string, len(st.Headers))
	for k, v := range st.Headers {
		plain, err := s.d.Secrets.Decrypt(v)
		if err != nil {
			return stepResult{}, fmt.Errorf("decrypt header %s: %w", k, err)
		}
		headers[k] = plain
	}
	status, out, err := s.d.Poster.Post(ctx, st.URL, headers, r.ID.String()+":"+st.ID, []byte(body))
	res := stepResult{input: json.RawMessage(body), output: map[string]any{"status": status, "body": out}}
	switch {
	case err != nil:
		return res, err
	case status >= 500 || status == 429:
		return res, errs.Newf(errs.Unavailable, "%s answered %d", st.URL, status)
	case status >= 400:
		return res, errs.Newf(errs.Invalid, "%s answered %d", st.URL, status)
	}
	return res, nil
}
