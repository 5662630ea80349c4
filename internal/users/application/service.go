// Package application holds the user, role, group, sign-in and API key use
// cases. Every method on tenant data takes the tenant right after ctx.
package application

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/txn"
	"github.com/agora-platform/agora/internal/users/domain"
)

// Deps are the Service's collaborators and settings.
type Deps struct {
	// The stores, one per aggregate.
	UsersRepo   UserStore
	RolesRepo   RoleStore
	GroupsRepo  GroupStore
	RefreshRepo RefreshStore
	KeysRepo    KeyStore
	Tx          txn.Transactor
	Hasher      Hasher
	Tokens      Tokens
	Throttle    Throttle
	Tenants     Tenants
	Audit       audit.Recorder
	Log         *slog.Logger
	// AccessTTL and RefreshTTL are the token lifetimes.
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	// Pepper keys the HMAC under which API keys are stored.
	Pepper []byte

	// Single sign-on.
	Federation Federation
	OIDC       OIDC
	States     LoginStates
	// RedirectURI is fixed server-side: PUBLIC_ORIGIN + /login/callback.
	RedirectURI string
	// StateKey signs the OIDC state.
	StateKey []byte
	// Spaces creates each new user's personal space.
	Spaces Spaces

	// Password links and the e-mail that carries them.
	Links        LinkStore
	Mailer       Mailer
	PublicOrigin string
	InviteTTL    time.Duration
}

// Service runs the users module's use cases.
type Service struct {
	// d are the collaborators, kept to the service.
	d   Deps
	now func() time.Time
	// dummyHash is verified for unknown accounts so that a sign-in takes
	// as long whether or not the e-mail exists.
	dummyHash string
}

// NewService returns a Service.
func NewService(d Deps) (*Service, error) {
	dummy, err := d.Hasher.Hash(randomString(24))
	if err != nil {
		return nil, fmt.Errorf("prepare dummy hash: %w", err)
	}
	return &Service{d: d, now: now, dummyHash: dummy}, nil
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Page limits for lists.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// CreateInput describes a user to create; a password makes the user
// active at once, otherwise the user is invited.
type CreateInput struct {
	Email           string
	Username        string
	Password        string
	PredefinedRoles []string
	RoleIDs         []uuid.UUID
}

// Create adds a user to a tenant.
func (s *Service) Create(ctx context.Context, tenant tenancy.ID, in CreateInput) (domain.User, error) {
	if err := s.d.Tenants.CheckActive(ctx, tenant); err != nil {
		return domain.User{}, err
	}
	u, err := domain.New(uuid.Must(uuid.NewV7()), tenant, domain.NewInput{
		Email: in.Email, Username: in.Username, PredefinedRoles: in.PredefinedRoles, RoleIDs: in.RoleIDs, Active: in.Password != "",
	}, s.now())
	if err != nil {
		return domain.User{}, err
	}
	if in.Password != "" {
		if err := domain.CheckPassword(in.Password, u.Email); err != nil {
			return domain.User{}, err
		}
		if u.PasswordHash, err = s.d.Hasher.Hash(in.Password); err != nil {
			return domain.User{}, fmt.Errorf("hash password: %w", err)
		}
	}
	err = s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.checkRoles(ctx, tenant, u.RoleIDs); err != nil {
			return err
		}
		if err := s.insertUser(ctx, u); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "user.created", TargetType: "user", TargetID: u.ID.String(),
			Details: map[string]string{"email": u.Email, "state": string(u.State)}})
		return nil
	})
	if err != nil {
		return domain.User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// insertUser stores a user and creates its personal space, in the caller's
// transaction.
func (s *Service) insertUser(ctx context.Context, u domain.User) error {
	if err := s.d.UsersRepo.InsertUser(ctx, u); err != nil {
		return err
	}
	if s.d.Spaces == nil {
		return nil
	}
	if err := s.d.Spaces.EnsurePersonal(ctx, u.Tenant, u.ID); err != nil {
		return fmt.Errorf("create personal space: %w", err)
	}
	return nil
}

// Get returns a user of the tenant.
func (s *Service) Get(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.User, error) {
	u, err := s.d.UsersRepo.GetUser(ctx, tenant, id)
	if err != nil {
		return domain.User{}, fmt.Errorf("get user %s: %w", id, err)
	}
	return u, nil
}

// ByEmail returns the tenant's live user with an e-mail address.
func (s *Service) ByEmail(ctx context.Context, tenant tenancy.ID, email string) (domain.User, error) {
	u, err := s.d.UsersRepo.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return domain.User{}, fmt.Errorf("find user %q: %w", email, err)
	}
	if u.Tenant != tenant {
		return domain.User{}, domain.ErrNotFound
	}
	return u, nil
}

// TenantOfUser returns the tenant of a user, for the sysadmin API.
func (s *Service) TenantOfUser(ctx context.Context, id uuid.UUID) (tenancy.ID, error) {
	t, err := s.d.UsersRepo.TenantOfUser(ctx, id)
	if err != nil {
		return tenancy.ID{}, fmt.Errorf("find user %s: %w", id, err)
	}
	return t, nil
}

// List returns a page of the tenant's users matching search (e-mail or
// name, case-insensitive) and the total count.
func (s *Service) List(ctx context.Context, tenant tenancy.ID, search string, limit, offset int) ([]domain.User, int, error) {
	if limit == 0 {
		limit = DefaultPageSize
	}
	if limit < 1 || limit > MaxPageSize || offset < 0 {
		return nil, 0, errs.Newf(errs.Invalid, "limit must be between 1 and %d and offset not negative", MaxPageSize)
	}
	us, n, err := s.d.UsersRepo.ListUsers(ctx, tenant, search, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list users: %w", err)
	}
	return us, n, nil
}

// Update changes a user; actor is who asks (they may not deactivate
// themselves), and the tenant always keeps an active Owner.
func (s *Service) Update(ctx context.Context, tenant tenancy.ID, actor, id uuid.UUID, p domain.Patch) (domain.User, error) {
	var u domain.User
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if u, err = s.d.UsersRepo.GetUser(ctx, tenant, id); err != nil {
			return err
		}
		wasOwner, wasActive := u.IsOwner(), u.State == domain.StateActive
		if err := u.Apply(p, s.now()); err != nil {
			return err
		}
		if id == actor && u.State == domain.StateDeactivated {
			return domain.ErrCannotTouchSelf
		}
		if err := s.checkRoles(ctx, tenant, u.RoleIDs); err != nil {
			return err
		}
		if wasOwner && wasActive && (!u.IsOwner() || u.State != domain.StateActive) {
			if err := s.keepAnOwner(ctx, tenant); err != nil {
				return err
			}
		}
		if err := s.d.UsersRepo.UpdateUser(ctx, u); err != nil {
			return err
		}
		if u.State == domain.StateDeactivated {
			if _, err := s.d.RefreshRepo.RevokeUserRefreshTokens(ctx, tenant, id, s.now()); err != nil {
				return err
			}
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: updateAction(p), TargetType: "user", TargetID: id.String(),
			Details: map[string]string{"state": string(u.State), "predefined_roles": fmt.Sprint(u.PredefinedRoles)}})
		return nil
	})
	if err != nil {
		return domain.User{}, fmt.Errorf("update user %s: %w", id, err)
	}
	return u, nil
}

func updateAction(p domain.Patch) string {
	switch {
	case p.State != nil && *p.State == domain.StateDeactivated:
		return "user.deactivated"
	case p.PredefinedRoles != nil || p.RoleIDs != nil:
		return "user.roles_changed"
	}
	return "user.updated"
}

// Delete soft-deletes a user: the row stays for the record, invisible, and
// the e-mail can be used again.
func (s *Service) Delete(ctx context.Context, tenant tenancy.ID, actor, id uuid.UUID) error {
	if id == actor {
		return domain.ErrCannotTouchSelf
	}
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.d.UsersRepo.GetUser(ctx, tenant, id)
		if err != nil {
			return err
		}
		if u.IsOwner() && u.State == domain.StateActive {
			if err := s.keepAnOwner(ctx, tenant); err != nil {
				return err
			}
		}
		if err := s.d.UsersRepo.SoftDeleteUser(ctx, tenant, id, s.now()); err != nil {
			return err
		}
		if _, err := s.d.RefreshRepo.RevokeUserRefreshTokens(ctx, tenant, id, s.now()); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "user.deleted", TargetType: "user", TargetID: id.String()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete user %s: %w", id, err)
	}
	return nil
}

// People returns the tenant's users among ids (deleted ones too), for
// showing names where only ids are stored (the audit log).
func (s *Service) People(ctx context.Context, tenant tenancy.ID, ids []uuid.UUID) ([]domain.User, error) {
	return s.d.UsersRepo.UsersByID(ctx, tenant, ids)
}

// SetPassword replaces a user's password (CLI and sysadmin) and activates an
// invited user.
func (s *Service) SetPassword(ctx context.Context, tenant tenancy.ID, id uuid.UUID, password string) error {
	u, err := s.d.UsersRepo.GetUser(ctx, tenant, id)
	if err != nil {
		return fmt.Errorf("set password of user %s: %w", id, err)
	}
	if err := domain.CheckPassword(password, u.Email); err != nil {
		return err
	}
	hash, err := s.d.Hasher.Hash(password)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.UsersRepo.SetPassword(ctx, tenant, id, hash, s.now()); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "user.password_set", TargetType: "user", TargetID: id.String()})
		return nil
	})
}

// keepAnOwner fails when the change would leave no active Owner; it must
// run before the change is stored.
func (s *Service) keepAnOwner(ctx context.Context, tenant tenancy.ID) error {
	n, err := s.d.UsersRepo.ActiveOwners(ctx, tenant)
	if err != nil {
		return err
	}
	if n <= 1 {
		return domain.ErrLastOwner
	}
	return nil
}

// checkRoles verifies that every custom role exists in the tenant.
func (s *Service) checkRoles(ctx context.Context, tenant tenancy.ID, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	rs, err := s.d.RolesRepo.RolesByID(ctx, tenant, ids)
	if err != nil {
		return err
	}
	if len(rs) != len(ids) {
		return errs.New(errs.Invalid, "roles lists a role that does not exist in this tenant")
	}
	return nil
}

// Permissions returns a user's effective tenant permissions.
func (s *Service) Permissions(ctx context.Context, u domain.User) ([]domain.Permission, error) {
	custom, err := s.d.RolesRepo.RolesByID(ctx, u.Tenant, u.RoleIDs)
	if err != nil {
		return nil, fmt.Errorf("load roles of user %s: %w", u.ID, err)
	}
	return domain.Effective(u.PredefinedRoles, custom), nil
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func isNotFound(err error) bool { return errors.Is(err, domain.ErrNotFound) }

// Tenant describes the tenant a user belongs to.
func (s *Service) Tenant(ctx context.Context, tenant tenancy.ID) (TenantInfo, error) {
	t, err := s.d.Tenants.Info(ctx, tenant)
	if err != nil {
		return TenantInfo{}, fmt.Errorf("describe tenant %s: %w", tenant, err)
	}
	return t, nil
}
