package domain_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/spaces/domain"
)

// expected is the matrix written out independently, one line per role and
// resource: the letters r c e d p say which actions are allowed.
var expected = map[domain.Role]map[domain.Resource]string{
	domain.RoleOwner: {"space": "re", "member": "", "assistant": "rcedp", "collection": "rcedp", "website": "rcedp", "info_blob": "rcedp", "session": "rcd",
		"app": "rcedp", "service": "rcedp", "workflow": "rcedp"},
	domain.RoleAdmin: {"space": "red", "member": "rced", "assistant": "rcedp", "collection": "rcedp", "website": "rcedp", "info_blob": "rcedp", "session": "rcd",
		"app": "rcedp", "service": "rcedp", "workflow": "rcedp"},
	domain.RoleEditor: {"space": "r", "member": "r", "assistant": "rced", "collection": "rced", "website": "rced", "info_blob": "rced", "session": "rcd",
		"app": "rced", "service": "rced", "workflow": "rced"},
	domain.RoleViewer: {"space": "r", "member": "r", "assistant": "r", "collection": "r", "website": "r", "info_blob": "r", "session": "rcd",
		"app": "r", "service": "r", "workflow": "r"},
	domain.RoleNone: {},
}

var letter = map[domain.Action]string{domain.Read: "r", domain.Create: "c", domain.Edit: "e", domain.Delete: "d", domain.Publish: "p"}

// TestMatrixCellByCell checks every role x resource x action cell.
func TestMatrixCellByCell(t *testing.T) {
	t.Parallel()
	cells := 0
	for _, role := range append(domain.Roles, domain.RoleNone) {
		for _, res := range domain.Resources {
			for _, act := range domain.Actions {
				want := strings.Contains(expected[role][res], letter[act])
				require.Equal(t, want, domain.Can(role, res, act), "%q may %s %s", role, act, res)
				cells++
			}
		}
	}
	require.Equal(t, 5*10*5, cells)
}

func TestHighestRoleWins(t *testing.T) {
	t.Parallel()
	require.Equal(t, domain.RoleEditor, domain.Highest(domain.RoleViewer, domain.RoleEditor))
	require.Equal(t, domain.RoleAdmin, domain.Highest(domain.RoleAdmin, domain.RoleViewer, domain.RoleEditor))
	require.Equal(t, domain.RoleNone, domain.Highest())

	user, group := uuid.New(), uuid.New()
	s := domain.Space{Kind: domain.Shared, Members: []domain.Member{{UserID: user, Role: domain.RoleViewer}},
		GroupMembers: []domain.GroupMember{{GroupID: group, Role: domain.RoleEditor}}}
	require.Equal(t, domain.RoleViewer, s.RoleOf(user, nil, false))
	require.Equal(t, domain.RoleEditor, s.RoleOf(user, []uuid.UUID{group}, false), "a group's stronger role wins")
	require.Equal(t, domain.RoleEditor, s.RoleOf(uuid.New(), []uuid.UUID{group}, false), "group members need no direct membership")
	require.Equal(t, domain.RoleNone, s.RoleOf(uuid.New(), nil, true), "tenant admins are not shared-space members")

	p := domain.NewPersonal(uuid.New(), s.Tenant, user, s.CreatedAt)
	require.Equal(t, domain.RoleOwner, p.RoleOf(user, nil, false))
	require.Equal(t, domain.RoleNone, p.RoleOf(uuid.New(), nil, true), "nobody else enters a personal space")
	o := domain.NewOrganization(uuid.New(), s.Tenant, s.CreatedAt)
	require.Equal(t, domain.RoleAdmin, o.RoleOf(user, nil, true))
	require.Equal(t, domain.RoleNone, o.RoleOf(user, nil, false))
}
