package application

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/spaces/domain"
)

// manage authorizes a member change in a shared space.
func (s *Service) manage(ctx context.Context, tenant tenancy.ID, c actor.Caller, space uuid.UUID, act domain.Action) (Entered, error) {
	e, err := s.Enter(ctx, tenant, c, space)
	if err != nil {
		return Entered{}, err
	}
	if e.Kind != domain.Shared {
		return Entered{}, domain.ErrNotShared
	}
	if !domain.Can(e.Role, domain.ResMember, act) {
		return Entered{}, domain.ErrForbidden
	}
	return e, nil
}

// PutMember adds a user to a shared space or changes their role.
func (s *Service) PutMember(ctx context.Context, tenant tenancy.ID, c actor.Caller, space, user uuid.UUID, role domain.Role, create bool) (Entered, error) {
	act := domain.Edit
	if create {
		act = domain.Create
	}
	if _, ok := domain.ParseMemberRole(string(role)); !ok {
		return Entered{}, domain.ErrBadRole
	}
	var e Entered
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if e, err = s.manage(ctx, tenant, c, space, act); err != nil {
			return err
		}
		if err := s.users.CheckUser(ctx, tenant, user); err != nil {
			return err
		}
		current := e.RoleOf(user, nil, false)
		if !create && current == domain.RoleNone {
			return domain.ErrMemberNotFound
		}
		if current == domain.RoleAdmin && role != domain.RoleAdmin && e.Admins() <= 1 {
			return domain.ErrLastAdmin
		}
		if err := s.repo.PutMember(ctx, tenant, space, domain.Member{UserID: user, Role: role}); err != nil {
			return err
		}
		s.audit.Record(ctx, audit.Event{Tenant: tenant, Action: "space.member_set", TargetType: "space", TargetID: space.String(),
			Details: map[string]string{"user_id": user.String(), "role": string(role)}})
		e, err = s.Enter(ctx, tenant, c, space)
		return err
	})
	if err != nil {
		return Entered{}, fmt.Errorf("set member %s of space %s: %w", user, space, err)
	}
	return e, nil
}

// RemoveMember takes a user out of a shared space; the last admin stays.
func (s *Service) RemoveMember(ctx context.Context, tenant tenancy.ID, c actor.Caller, space, user uuid.UUID) error {
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		e, err := s.manage(ctx, tenant, c, space, domain.Delete)
		if err != nil {
			return err
		}
		if e.RoleOf(user, nil, false) == domain.RoleAdmin && e.Admins() <= 1 {
			return domain.ErrLastAdmin
		}
		found, err := s.repo.DeleteMember(ctx, tenant, space, user)
		if err != nil {
			return err
		}
		if !found {
			return domain.ErrMemberNotFound
		}
		s.audit.Record(ctx, audit.Event{Tenant: tenant, Action: "space.member_removed", TargetType: "space", TargetID: space.String(),
			Details: map[string]string{"user_id": user.String()}})
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove member %s of space %s: %w", user, space, err)
	}
	return nil
}

// PutGroupMember gives a user group a role in a shared space.
func (s *Service) PutGroupMember(ctx context.Context, tenant tenancy.ID, c actor.Caller, space, group uuid.UUID, role domain.Role, create bool) (Entered, error) {
	act := domain.Edit
	if create {
		act = domain.Create
	}
	if _, ok := domain.ParseMemberRole(string(role)); !ok {
		return Entered{}, domain.ErrBadRole
	}
	var e Entered
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if e, err = s.manage(ctx, tenant, c, space, act); err != nil {
			return err
		}
		if err := s.users.CheckGroup(ctx, tenant, group); err != nil {
			return err
		}
		if !create && !hasGroup(e.Space, group) {
			return domain.ErrMemberNotFound
		}
		if err := s.repo.PutGroupMember(ctx, tenant, space, domain.GroupMember{GroupID: group, Role: role}); err != nil {
			return err
		}
		s.audit.Record(ctx, audit.Event{Tenant: tenant, Action: "space.group_member_set", TargetType: "space", TargetID: space.String(),
			Details: map[string]string{"group_id": group.String(), "role": string(role)}})
		e, err = s.Enter(ctx, tenant, c, space)
		return err
	})
	if err != nil {
		return Entered{}, fmt.Errorf("set group %s of space %s: %w", group, space, err)
	}
	return e, nil
}

// RemoveGroupMember takes a user group out of a shared space.
func (s *Service) RemoveGroupMember(ctx context.Context, tenant tenancy.ID, c actor.Caller, space, group uuid.UUID) error {
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.manage(ctx, tenant, c, space, domain.Delete); err != nil {
			return err
		}
		found, err := s.repo.DeleteGroupMember(ctx, tenant, space, group)
		if err != nil {
			return err
		}
		if !found {
			return domain.ErrMemberNotFound
		}
		s.audit.Record(ctx, audit.Event{Tenant: tenant, Action: "space.group_member_removed", TargetType: "space", TargetID: space.String(),
			Details: map[string]string{"group_id": group.String()}})
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove group %s of space %s: %w", group, space, err)
	}
	return nil
}

func hasGroup(sp domain.Space, group uuid.UUID) bool {
	for _, g := range sp.GroupMembers {
		if g.GroupID == group {
			return true
		}
	}
	return false
}
