package application

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/workflows/domain"
)

var headerName = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

// prepare validates a definition for a kind of workflow, compiles its
// templates, expressions and schemas, checks its URLs against the fetch
// guard, and encrypts new secret header values (a masked value keeps the
// one stored in old, the previous definition).
func (s *Service) prepare(ctx context.Context, c actor.Caller, w domain.Workflow, d, old domain.Definition) (domain.Definition, error) {
	if err := d.Validate(w.Kind); err != nil {
		return domain.Definition{}, err
	}
	d.Steps = slices.Clone(d.Steps)
	for i := range d.Steps {
		p := fmt.Sprintf("steps[%d]", i)
		if err := s.compileStep(ctx, p, d.Steps[i]); err != nil {
			return domain.Definition{}, err
		}
		if err := s.checkRefs(ctx, c, w, p, d.Steps[i]); err != nil {
			return domain.Definition{}, err
		}
		h, err := s.sealHeaders(p, d.Steps[i], old)
		if err != nil {
			return domain.Definition{}, err
		}
		d.Steps[i].Headers = h
	}
	return d, nil
}

// compileStep checks what one step holds.
func (s *Service) compileStep(ctx context.Context, p string, st domain.Step) error {
	if st.Template != "" {
		if _, err := s.d.Compiler.Template(st.Template, st.Inputs); err != nil {
			return errs.InvalidField(p+".template", "%s.template: %v", p, err)
		}
	}
	switch st.Kind {
	case domain.Extract:
		if _, err := s.d.Compiler.Schema(st.Schema); err != nil {
			return errs.InvalidField(p+".schema", "%s.schema: %v", p, err)
		}
	case domain.Condition:
		if _, err := s.d.Compiler.Expr(st.Expression, st.Inputs); err != nil {
			return errs.InvalidField(p+".expression", "%s.expression: %v", p, err)
		}
	case domain.HTTP:
		if err := s.d.Compiler.URL(ctx, st.URL); err != nil {
			_, msg := errs.KindOf(err)
			return errs.InvalidField(p+".url", "%s.url: %s", p, msg)
		}
	}
	return nil
}

// checkRefs checks that what a step names is of the workflow's space: a
// retrieve step's collections and websites, an assistant step's assistant.
func (s *Service) checkRefs(ctx context.Context, c actor.Caller, w domain.Workflow, p string, st domain.Step) error {
	for j, id := range st.Collections {
		if err := s.d.Knowledge.CheckSource(ctx, w.Tenant, w.Space, id); err != nil {
			return errs.InvalidField(p+".collections", "%s.collections[%d]: %s is no collection or website of this space", p, j, id)
		}
	}
	if st.Assistant != nil {
		if err := s.d.Assistants.Check(ctx, w.Tenant, c, w.Space, *st.Assistant); err != nil {
			return errs.InvalidField(p+".assistant_id", "%s.assistant_id: %s is no assistant of this space you may use", p, *st.Assistant)
		}
	}
	return nil
}

// sealHeaders encrypts an http step's header values; the mask keeps the
// value the same step stored before.
func (s *Service) sealHeaders(p string, st domain.Step, old domain.Definition) (map[string]string, error) {
	if len(st.Headers) == 0 {
		return nil, nil
	}
	var before map[string]string
	if i := slices.IndexFunc(old.Steps, func(o domain.Step) bool { return o.ID == st.ID }); i >= 0 {
		before = old.Steps[i].Headers
	}
	out := make(map[string]string, len(st.Headers))
	for name, value := range st.Headers {
		if !headerName.MatchString(name) || reservedHeader(name) {
			return nil, errs.InvalidField(p+".headers", "%s.headers: %q cannot be set", p, name)
		}
		if value == Mask {
			kept, ok := before[name]
			if !ok {
				return nil, errs.InvalidField(p+".headers", "%s.headers: %q has no stored value to keep; give its value", p, name)
			}
			out[name] = kept
			continue
		}
		enc, err := s.d.Secrets.Encrypt(value)
		if err != nil {
			return nil, fmt.Errorf("encrypt header %s: %w", name, err)
		}
		out[name] = enc
	}
	return out, nil
}

// reservedHeader names headers the http step sets itself.
func reservedHeader(name string) bool {
	return slices.ContainsFunc([]string{"Host", "Content-Length", "Content-Type", "Idempotency-Key", "Connection", "Transfer-Encoding"},
		func(r string) bool { return strings.EqualFold(r, name) })
}
