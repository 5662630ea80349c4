package application

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/users/domain"
)

// Roles returns the tenant's custom roles.
func (s *Service) Roles(ctx context.Context, tenant tenancy.ID) ([]domain.Role, error) {
	rs, err := s.d.RolesRepo.ListRoles(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	return rs, nil
}

// Role returns one custom role.
func (s *Service) Role(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Role, error) {
	r, err := s.d.RolesRepo.GetRole(ctx, tenant, id)
	if err != nil {
		return domain.Role{}, fmt.Errorf("get role %s: %w", id, err)
	}
	return r, nil
}

// CreateRole adds a custom role.
func (s *Service) CreateRole(ctx context.Context, tenant tenancy.ID, name string, perms []string) (domain.Role, error) {
	r, err := domain.NewRole(uuid.Must(uuid.NewV7()), tenant, name, perms, s.now())
	if err != nil {
		return domain.Role{}, err
	}
	err = s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.RolesRepo.InsertRole(ctx, r); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "role.created", TargetType: "role", TargetID: r.ID.String(),
			Details: map[string]string{"name": r.Name, "permissions": fmt.Sprint(r.Permissions)}})
		return nil
	})
	if err != nil {
		return domain.Role{}, fmt.Errorf("create role: %w", err)
	}
	return r, nil
}

// UpdateRole replaces a custom role's name and permissions.
func (s *Service) UpdateRole(ctx context.Context, tenant tenancy.ID, id uuid.UUID, name string, perms []string) (domain.Role, error) {
	var r domain.Role
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if r, err = s.d.RolesRepo.GetRole(ctx, tenant, id); err != nil {
			return err
		}
		if err := r.Set(name, perms, s.now()); err != nil {
			return err
		}
		if err := s.d.RolesRepo.UpdateRole(ctx, r); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "role.updated", TargetType: "role", TargetID: id.String(),
			Details: map[string]string{"name": r.Name, "permissions": fmt.Sprint(r.Permissions)}})
		return nil
	})
	if err != nil {
		return domain.Role{}, fmt.Errorf("update role %s: %w", id, err)
	}
	return r, nil
}

// DeleteRole removes a custom role from the tenant and its users.
func (s *Service) DeleteRole(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error {
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.RolesRepo.DeleteRole(ctx, tenant, id); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "role.deleted", TargetType: "role", TargetID: id.String()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete role %s: %w", id, err)
	}
	return nil
}
