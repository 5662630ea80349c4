package application

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/users/domain"
)

// Groups returns the tenant's user groups with their members.
func (s *Service) Groups(ctx context.Context, tenant tenancy.ID) ([]domain.Group, error) {
	gs, err := s.d.GroupsRepo.ListGroups(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("list user groups: %w", err)
	}
	return gs, nil
}

// Group returns one user group with its members.
func (s *Service) Group(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Group, error) {
	g, err := s.d.GroupsRepo.GetGroup(ctx, tenant, id)
	if err != nil {
		return domain.Group{}, fmt.Errorf("get user group %s: %w", id, err)
	}
	return g, nil
}

// CreateGroup adds a user group.
func (s *Service) CreateGroup(ctx context.Context, tenant tenancy.ID, name, description string) (domain.Group, error) {
	g, err := domain.NewGroup(uuid.Must(uuid.NewV7()), tenant, name, description, s.now())
	if err != nil {
		return domain.Group{}, err
	}
	err = s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.GroupsRepo.InsertGroup(ctx, g); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "group.created", TargetType: "user_group", TargetID: g.ID.String(),
			Details: map[string]string{"name": g.Name}})
		return nil
	})
	if err != nil {
		return domain.Group{}, fmt.Errorf("create user group: %w", err)
	}
	return g, nil
}

// UpdateGroup replaces a group's name and description.
func (s *Service) UpdateGroup(ctx context.Context, tenant tenancy.ID, id uuid.UUID, name, description string) (domain.Group, error) {
	var g domain.Group
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if g, err = s.d.GroupsRepo.GetGroup(ctx, tenant, id); err != nil {
			return err
		}
		if err := g.Set(name, description, s.now()); err != nil {
			return err
		}
		return s.d.GroupsRepo.UpdateGroup(ctx, g)
	})
	if err != nil {
		return domain.Group{}, fmt.Errorf("update user group %s: %w", id, err)
	}
	return g, nil
}

// DeleteGroup removes a user group.
func (s *Service) DeleteGroup(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error {
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.GroupsRepo.DeleteGroup(ctx, tenant, id); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "group.deleted", TargetType: "user_group", TargetID: id.String()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete user group %s: %w", id, err)
	}
	return nil
}

// AddGroupMember puts a user of the tenant in a group; adding twice is fine.
func (s *Service) AddGroupMember(ctx context.Context, tenant tenancy.ID, group, user uuid.UUID) (domain.Group, error) {
	var g domain.Group
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.d.GroupsRepo.GetGroup(ctx, tenant, group); err != nil {
			return err
		}
		if _, err := s.d.UsersRepo.GetUser(ctx, tenant, user); err != nil {
			return err
		}
		if err := s.d.GroupsRepo.AddGroupMember(ctx, tenant, group, user); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "group.member_added", TargetType: "user_group", TargetID: group.String(),
			Details: map[string]string{"user_id": user.String()}})
		var err error
		g, err = s.d.GroupsRepo.GetGroup(ctx, tenant, group)
		return err
	})
	if err != nil {
		return domain.Group{}, fmt.Errorf("add user %s to group %s: %w", user, group, err)
	}
	return g, nil
}

// RemoveGroupMember takes a user out of a group.
func (s *Service) RemoveGroupMember(ctx context.Context, tenant tenancy.ID, group, user uuid.UUID) error {
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.d.GroupsRepo.GetGroup(ctx, tenant, group); err != nil {
			return err
		}
		found, err := s.d.GroupsRepo.RemoveGroupMember(ctx, tenant, group, user)
		if err != nil {
			return err
		}
		if !found {
			return domain.ErrNotFound
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "group.member_removed", TargetType: "user_group", TargetID: group.String(),
			Details: map[string]string{"user_id": user.String()}})
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove user %s from group %s: %w", user, group, err)
	}
	return nil
}

// GroupsOf lists the groups a user of the tenant belongs to.
func (s *Service) GroupsOf(ctx context.Context, tenant tenancy.ID, user uuid.UUID) ([]uuid.UUID, error) {
	ids, err := s.d.GroupsRepo.GroupsOf(ctx, tenant, user)
	if err != nil {
		return nil, fmt.Errorf("groups of user %s: %w", user, err)
	}
	return ids, nil
}
