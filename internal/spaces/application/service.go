// Package application holds the space use cases and the access check every
// module uses for things inside a space.
package application

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/txn"
	"github.com/agora-platform/agora/internal/spaces/domain"
)

// Service runs the space use cases.
type Service struct {
	repo   Repo
	tx     txn.Transactor
	users  Users
	models Models
	// personal creates personal spaces.
	personal *PersonalSpaces
	audit    audit.Recorder
	now      func() time.Time
}

// NewService returns a Service.
func NewService(repo Repo, tx txn.Transactor, personal *PersonalSpaces, users Users, models Models, auditor audit.Recorder) *Service {
	return &Service{repo: repo, tx: tx, personal: personal, users: users, models: models, audit: auditor,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Entered is a space with the caller's role in it.
type Entered struct {
	domain.Space
	Role domain.Role
}

// Enter loads a space and the caller's role; a space the caller cannot
// enter is "not found", never "forbidden", so it is not revealed.
func (s *Service) Enter(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) (Entered, error) {
	sp, err := s.repo.Get(ctx, tenant, id)
	if err != nil {
		return Entered{}, err
	}
	groups, err := s.users.GroupsOf(ctx, tenant, c.UserID)
	if err != nil {
		return Entered{}, fmt.Errorf("load groups of user %s: %w", c.UserID, err)
	}
	role := sp.RoleOf(c.UserID, groups, c.TenantAdmin)
	if role == domain.RoleNone {
		return Entered{}, domain.ErrNotFound
	}
	return Entered{Space: sp, Role: role}, nil
}

// Authorize enters a space and checks the matrix for action on resource.
// It is what every route touching something in a space calls.
func (s *Service) Authorize(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, res domain.Resource, act domain.Action) (Entered, error) {
	e, err := s.Enter(ctx, tenant, c, id)
	if err != nil {
		return Entered{}, err
	}
	if !domain.Can(e.Role, res, act) {
		return Entered{}, domain.ErrForbidden
	}
	return e, nil
}

// List returns the spaces the caller can enter, with their roles.
func (s *Service) List(ctx context.Context, tenant tenancy.ID, c actor.Caller) ([]Entered, error) {
	if _, err := s.ensurePersonal(ctx, tenant, c.UserID); err != nil {
		return nil, err
	}
	groups, err := s.users.GroupsOf(ctx, tenant, c.UserID)
	if err != nil {
		return nil, fmt.Errorf("load groups: %w", err)
	}
	sps, err := s.repo.ListFor(ctx, tenant, c.UserID, groups, c.TenantAdmin)
	if err != nil {
		return nil, fmt.Errorf("list spaces: %w", err)
	}
	out := make([]Entered, 0, len(sps))
	for _, sp := range sps {
		if role := sp.RoleOf(c.UserID, groups, c.TenantAdmin); role != domain.RoleNone {
			out = append(out, Entered{Space: sp, Role: role})
		}
	}
	return out, nil
}

// CreateShared creates a shared space with the caller as its admin.
func (s *Service) CreateShared(ctx context.Context, tenant tenancy.ID, c actor.Caller, name, description string) (Entered, error) {
	sp, err := domain.NewShared(uuid.Must(uuid.NewV7()), tenant, c.UserID, name, description, s.now())
	if err != nil {
		return Entered{}, err
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.Insert(ctx, sp); err != nil {
			return err
		}
		s.audit.Record(ctx, audit.Event{Tenant: tenant, Action: "space.created", TargetType: "space", TargetID: sp.ID.String(),
			Details: map[string]string{"name": sp.Name}})
		return nil
	})
	if err != nil {
		return Entered{}, fmt.Errorf("create space: %w", err)
	}
	return Entered{Space: sp, Role: domain.RoleAdmin}, nil
}

// Patch is a partial change to a space.
type Patch struct {
	Name        *string
	Description *string
	Models      *[]uuid.UUID
	// DefaultModels are the space's defaults, at most one per kind, each
	// among Models (or the current models when Models is nil).
	DefaultModels *[]uuid.UUID
}

// Update changes a space's name, description or enabled models.
func (s *Service) Update(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, p Patch) (Entered, error) {
	var e Entered
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if e, err = s.Authorize(ctx, tenant, c, id, domain.ResSpace, domain.Edit); err != nil {
			return err
		}
		if err := e.Describe(p.Name, p.Description, s.now()); err != nil {
			return err
		}
		if err := s.repo.Update(ctx, e.Space); err != nil {
			return err
		}
		if p.Models != nil || p.DefaultModels != nil {
			return s.setModels(ctx, tenant, &e, p)
		}
		return nil
	})
	if err != nil {
		return Entered{}, fmt.Errorf("update space %s: %w", id, err)
	}
	return e, nil
}

// setModels checks and stores a space's models and defaults.
func (s *Service) setModels(ctx context.Context, tenant tenancy.ID, e *Entered, p Patch) error {
	models, defaults := e.Models, e.DefaultModels
	if p.Models != nil {
		models = *p.Models
	}
	if p.DefaultModels != nil {
		defaults = *p.DefaultModels
	}
	kinds := map[uuid.UUID]string{}
	for _, m := range models {
		kind, err := s.models.EnabledKind(ctx, tenant, m)
		if err != nil {
			return err
		}
		kinds[m] = kind
	}
	var kept []uuid.UUID
	perKind := map[string]bool{}
	for _, d := range defaults {
		kind, ok := kinds[d]
		if !ok {
			if p.DefaultModels != nil {
				return errs.New(errs.Invalid, "default_models must be among the space's models")
			}
			continue // the model left the space; so does its default
		}
		if perKind[kind] {
			return errs.Newf(errs.Invalid, "default_models may hold one %s model", kind)
		}
		perKind[kind] = true
		kept = append(kept, d)
	}
	if err := s.repo.SetModels(ctx, tenant, e.ID, kinds, kept); err != nil {
		return err
	}
	e.Models, e.DefaultModels = models, kept
	s.audit.Record(ctx, audit.Event{Tenant: tenant, Action: "space.models_changed", TargetType: "space", TargetID: e.ID.String(),
		Details: map[string]string{"models": fmt.Sprint(models), "defaults": fmt.Sprint(kept)}})
	return nil
}

// Delete removes a shared space with everything in it.
func (s *Service) Delete(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) error {
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		e, err := s.Enter(ctx, tenant, c, id)
		if err != nil {
			return err
		}
		if e.Kind != domain.Shared {
			return domain.ErrNotShared
		}
		if !domain.Can(e.Role, domain.ResSpace, domain.Delete) {
			return domain.ErrForbidden
		}
		if err := s.repo.Delete(ctx, tenant, id); err != nil {
			return err
		}
		s.audit.Record(ctx, audit.Event{Tenant: tenant, Action: "space.deleted", TargetType: "space", TargetID: id.String()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete space %s: %w", id, err)
	}
	return nil
}

// Personal returns the caller's personal space, creating it if the user
// predates spaces.
func (s *Service) Personal(ctx context.Context, tenant tenancy.ID, c actor.Caller) (Entered, error) {
	sp, err := s.ensurePersonal(ctx, tenant, c.UserID)
	if err != nil {
		return Entered{}, err
	}
	return Entered{Space: sp, Role: domain.RoleOwner}, nil
}

func (s *Service) ensurePersonal(ctx context.Context, tenant tenancy.ID, user uuid.UUID) (domain.Space, error) {
	return s.personal.Ensure(ctx, tenant, user)
}

// Organization returns the tenant's organisation space to tenant admins.
func (s *Service) Organization(ctx context.Context, tenant tenancy.ID, c actor.Caller) (Entered, error) {
	if !c.TenantAdmin {
		return Entered{}, domain.ErrNotFound
	}
	sp, err := s.repo.Organization(ctx, tenant)
	if errors.Is(err, domain.ErrNotFound) {
		sp = domain.NewOrganization(uuid.Must(uuid.NewV7()), tenant, s.now())
		if err = s.repo.Insert(ctx, sp); err != nil {
			sp, err = s.repo.Organization(ctx, tenant)
		}
	}
	if err != nil {
		return Entered{}, fmt.Errorf("organisation space: %w", err)
	}
	return Entered{Space: sp, Role: domain.RoleAdmin}, nil
}

// AuthorizeNamed is Authorize with the resource and action by name, for
// other modules' adapters.
func (s *Service) AuthorizeNamed(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, resource, action string) (Entered, error) {
	return s.Authorize(ctx, tenant, c, id, domain.Resource(resource), domain.Action(action))
}

// Can reports whether a role (by name) may do action on resource.
func (s *Service) Can(role, resource, action string) bool {
	return domain.Can(domain.Role(role), domain.Resource(resource), domain.Action(action))
}
