package application

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/txn"
	"github.com/agora-platform/agora/internal/workflows/domain"
)

// Deps are what the service needs.
type Deps struct {
	Repo Repo
	Keys Keys
	// Pepper keys the HMAC services' API keys are stored as.
	Pepper     []byte
	Tx         txn.Transactor
	Spaces     Spaces
	Models     Models
	Files      Files
	Knowledge  Knowledge
	Assistants Assistants
	Compiler   Compiler
	Secrets    Secrets
	Poster     Poster
	Jobs       Jobs
	Updates    Updates
	Cron       Cron
	Replays    Replays
	Audit      audit.Recorder
	Log        *slog.Logger
}

// Service runs the workflows use cases.
type Service struct {
	d   Deps
	now func() time.Time
}

// NewService returns a Service.
func NewService(d Deps) *Service { return &Service{d: d, now: time.Now} }

// The space actions (the spaces module's matrix).
const (
	actRead    = "read"
	actCreate  = "create"
	actEdit    = "edit"
	actDelete  = "delete"
	actPublish = "publish"
	permApps   = "apps"
)

// View is a workflow with what the caller may do with it.
type View struct {
	domain.Workflow
	Actions []string
}

func (s *Service) view(w domain.Workflow, role string) View {
	v := View{Workflow: masked(w)}
	for _, act := range []string{actRead, actEdit, actDelete, actPublish} {
		if s.d.Spaces.Can(role, string(w.Kind), act) {
			v.Actions = append(v.Actions, act)
		}
	}
	return v
}

// CreateInput describes a new workflow.
type CreateInput struct {
	Space       uuid.UUID
	Kind        domain.Kind
	Name        string
	Description string
	Definition  domain.Definition
	Published   bool
}

// Create adds a workflow to a space as its version 1.
func (s *Service) Create(ctx context.Context, tenant tenancy.ID, c actor.Caller, in CreateInput) (View, error) {
	if !c.Can(permApps) {
		return View{}, domain.ErrNoPermission
	}
	acc, err := s.d.Spaces.Authorize(ctx, tenant, c, in.Space, string(in.Kind), actCreate)
	if err != nil {
		return View{}, err
	}
	if in.Published && !s.d.Spaces.Can(acc.Role, string(in.Kind), actPublish) {
		return View{}, errs.Newf(errs.Forbidden, "your role in this space does not allow publishing %ss", in.Kind)
	}
	now := s.now()
	w := domain.Workflow{ID: uuid.Must(uuid.NewV7()), Tenant: tenant, Space: in.Space, Kind: in.Kind, Version: 1, Published: in.Published,
		CreatedBy: c.UserID, CreatedAt: now, UpdatedAt: now}
	if err := w.Describe(&in.Name, &in.Description); err != nil {
		return View{}, err
	}
	if w.Definition, err = s.prepare(ctx, c, w, in.Definition, domain.Definition{}); err != nil {
		return View{}, err
	}
	err = s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.Repo.Insert(ctx, w); err != nil {
			return err
		}
		s.audit(ctx, w, "created")
		return nil
	})
	if err != nil {
		return View{}, fmt.Errorf("create %s: %w", w.Kind, err)
	}
	return s.view(w, acc.Role), nil
}

func (s *Service) audit(ctx context.Context, w domain.Workflow, what string) {
	s.d.Audit.Record(ctx, audit.Event{Tenant: w.Tenant, Action: string(w.Kind) + "." + what, TargetType: string(w.Kind), TargetID: w.ID.String(),
		Details: map[string]string{"name": w.Name, "version": fmt.Sprint(w.Version)}})
}

// load returns a workflow the caller may act on, of kind when kind is set.
func (s *Service) load(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, kind domain.Kind, act string) (domain.Workflow, Access, error) {
	w, err := s.d.Repo.Get(ctx, tenant, id)
	if err != nil {
		return domain.Workflow{}, Access{}, err
	}
	if kind != "" && w.Kind != kind {
		return domain.Workflow{}, Access{}, domain.ErrWrongKind
	}
	acc, err := s.d.Spaces.Authorize(ctx, tenant, c, w.Space, string(w.Kind), actRead)
	if err != nil {
		return domain.Workflow{}, Access{}, domain.ErrNotFound
	}
	if act != actRead && !s.d.Spaces.Can(acc.Role, string(w.Kind), act) {
		return domain.Workflow{}, Access{}, errs.Newf(errs.Forbidden, "your role in this space does not allow this on %ss", w.Kind)
	}
	if act == actRead && !w.Published && !s.d.Spaces.Can(acc.Role, string(w.Kind), actEdit) {
		return domain.Workflow{}, Access{}, domain.ErrNotFound // drafts are for those who build them
	}
	return w, acc, nil
}

// Get returns a workflow.
func (s *Service) Get(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) (View, error) {
	w, acc, err := s.load(ctx, tenant, c, id, "", actRead)
	if err != nil {
		return View{}, err
	}
	return s.view(w, acc.Role), nil
}

// List returns the workflows the caller may see, of one space (zero: all
// their spaces) and kind ("": every kind).
func (s *Service) List(ctx context.Context, tenant tenancy.ID, c actor.Caller, space uuid.UUID, kind domain.Kind) ([]View, error) {
	accs, err := s.d.Spaces.Readable(ctx, tenant, c)
	if err != nil {
		return nil, err
	}
	roles := map[uuid.UUID]string{}
	var ids []uuid.UUID
	for _, a := range accs {
		if space == uuid.Nil || a.Space == space {
			roles[a.Space] = a.Role
			ids = append(ids, a.Space)
		}
	}
	if space != uuid.Nil && len(ids) == 0 {
		return nil, errs.New(errs.NotFound, "space not found")
	}
	ws, err := s.d.Repo.List(ctx, tenant, ids, kind)
	if err != nil {
		return nil, fmt.Errorf("list workflows: %w", err)
	}
	out := make([]View, 0, len(ws))
	for _, w := range ws {
		role := roles[w.Space]
		if w.Published || s.d.Spaces.Can(role, string(w.Kind), actEdit) {
			out = append(out, s.view(w, role))
		}
	}
	return out, nil
}

// Patch is a partial change; nil fields stay. A new definition is a new
// version.
type Patch struct {
	Name        *string
	Description *string
	Definition  *domain.Definition
	Published   *bool
}

// Update changes a workflow.
func (s *Service) Update(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, p Patch) (View, error) {
	w, acc, err := s.load(ctx, tenant, c, id, "", actEdit)
	if err != nil {
		return View{}, err
	}
	if err := w.Describe(p.Name, p.Description); err != nil {
		return View{}, err
	}
	if p.Published != nil && *p.Published != w.Published {
		if !s.d.Spaces.Can(acc.Role, string(w.Kind), actPublish) {
			return View{}, errs.Newf(errs.Forbidden, "your role in this space does not allow publishing %ss", w.Kind)
		}
		w.Published = *p.Published
	}
	changed := p.Definition != nil
	if changed {
		if w.Definition, err = s.prepare(ctx, c, w, *p.Definition, w.Definition); err != nil {
			return View{}, err
		}
		w.Version++
	}
	w.UpdatedAt = s.now()
	err = s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.Repo.Update(ctx, w, changed); err != nil {
			return err
		}
		s.audit(ctx, w, "updated")
		return nil
	})
	if err != nil {
		return View{}, fmt.Errorf("update %s %s: %w", w.Kind, id, err)
	}
	return s.view(w, acc.Role), nil
}

// Delete removes a workflow with its versions and runs.
func (s *Service) Delete(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) error {
	w, _, err := s.load(ctx, tenant, c, id, "", actDelete)
	if err != nil {
		return err
	}
	return s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.Repo.Delete(ctx, tenant, id); err != nil {
			return err
		}
		s.audit(ctx, w, "deleted")
		return nil
	})
}

// Versions lists a workflow's versions, newest first.
func (s *Service) Versions(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) ([]domain.Version, error) {
	if _, _, err := s.load(ctx, tenant, c, id, "", actEdit); err != nil {
		return nil, err
	}
	vs, err := s.d.Repo.Versions(ctx, tenant, id)
	if err != nil {
		return nil, fmt.Errorf("versions of %s: %w", id, err)
	}
	for i := range vs {
		vs[i].Definition = maskDefinition(vs[i].Definition)
	}
	return vs, nil
}

// masked hides an http step's secret header values.
func masked(w domain.Workflow) domain.Workflow {
	w.Definition = maskDefinition(w.Definition)
	return w
}

// Mask is what a stored secret header value reads as; sent back, it keeps
// the stored value.
const Mask = "********"

func maskDefinition(d domain.Definition) domain.Definition {
	steps := slices.Clone(d.Steps)
	for i, st := range steps {
		if len(st.Headers) == 0 {
			continue
		}
		h := make(map[string]string, len(st.Headers))
		for k := range st.Headers {
			h[k] = Mask
		}
		steps[i].Headers = h
	}
	d.Steps = steps
	return d
}
