package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/users/domain"
)

func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	for pw, ok := range map[string]bool{
		"correct-horse-battery":   true,
		"short":                   false,
		"elevenchars":             false,
		"anna.svensson@kommun.se": false, // the e-mail itself
		"xxanna.svenssonxx":       false, // contains the name part
		"Password123!":            false, // common
		"aaaaaaaaaaaaaaaa":        false, // one repeated character
		strings.Repeat("ab", 129): false, // too long
		"lång-lösenfras-med-åäö":  true,
	} {
		err := domain.CheckPassword(pw, "anna.svensson@kommun.se")
		if ok {
			require.NoError(t, err, pw)
			continue
		}
		kind, _ := errs.KindOf(err)
		require.Equal(t, errs.Invalid, kind, pw)
	}
}

// TestPredefinedRolePermissions checks every permission against every
// predefined role: the table is the contract tenant admins rely on.
func TestPredefinedRolePermissions(t *testing.T) {
	t.Parallel()
	want := map[string]map[domain.Permission]bool{
		domain.RoleUser:           {domain.PermAssistants: true, domain.PermApps: true},
		domain.RoleAIConfigurator: {domain.PermAssistants: true, domain.PermApps: true, domain.PermCollections: true, domain.PermWebsites: true, domain.PermInsights: true, domain.PermAI: true},
		domain.RoleOwner:          {domain.PermAssistants: true, domain.PermApps: true, domain.PermCollections: true, domain.PermWebsites: true, domain.PermInsights: true, domain.PermAI: true, domain.PermAdmin: true},
	}
	for role, perms := range want {
		eff := domain.Effective([]string{role}, nil)
		for _, p := range domain.AllPermissions {
			require.Equal(t, perms[p], domain.Has(eff, p), "%s / %s", role, p)
		}
	}
}

func TestCustomRolesAddPermissions(t *testing.T) {
	t.Parallel()
	r, err := domain.NewRole(uuid.New(), tenancy.ID{UUID: uuid.New()}, "Editors", []string{"Websites", "collections", "websites"}, time.Now())
	require.NoError(t, err)
	require.Equal(t, []domain.Permission{domain.PermCollections, domain.PermWebsites}, r.Permissions)
	eff := domain.Effective([]string{domain.RoleUser}, []domain.Role{r})
	require.Equal(t, []domain.Permission{domain.PermAssistants, domain.PermApps, domain.PermCollections, domain.PermWebsites}, eff)
	require.False(t, domain.Has(eff, domain.PermAdmin))

	_, err = domain.NewRole(uuid.New(), tenancy.ID{}, "Owner", nil, time.Now())
	require.Error(t, err, "predefined names are reserved")
	_, err = domain.NewRole(uuid.New(), tenancy.ID{}, "X", []string{"root"}, time.Now())
	require.Error(t, err)
}

func TestNewUser(t *testing.T) {
	t.Parallel()
	tn := tenancy.ID{UUID: uuid.New()}
	u, err := domain.New(uuid.New(), tn, domain.NewInput{Email: "  Anna@Kommun.SE "}, time.Now())
	require.NoError(t, err)
	require.Equal(t, "anna@kommun.se", u.Email)
	require.Equal(t, "anna", u.Username)
	require.Equal(t, domain.StateInvited, u.State)
	require.Equal(t, []string{domain.RoleUser}, u.PredefinedRoles)

	for _, bad := range []string{"", "anna", "anna@", "Anna <anna@kommun.se>", "anna@localhost"} {
		_, err := domain.New(uuid.New(), tn, domain.NewInput{Email: bad}, time.Now())
		require.Error(t, err, bad)
	}
	_, err = domain.New(uuid.New(), tn, domain.NewInput{Email: "a@b.se", PredefinedRoles: []string{"God"}}, time.Now())
	require.Error(t, err)

	deleted := domain.StateDeleted
	require.Error(t, u.Apply(domain.Patch{State: &deleted}, time.Now()), "deleting is its own use case")
}

func TestAPIKeyScopes(t *testing.T) {
	t.Parallel()
	now := time.Now()
	mk := func(scopes ...string) domain.APIKey {
		k, err := domain.NewAPIKey(uuid.New(), tenancy.ID{}, uuid.New(), "k", "agk_x", scopes, time.Time{}, now)
		require.NoError(t, err)
		return k
	}
	read, write, admin := mk("read"), mk("write"), mk("admin")
	require.True(t, read.Allows(true, false))
	require.False(t, read.Allows(false, false))
	require.True(t, write.Allows(false, false))
	require.False(t, write.Allows(true, true))
	require.True(t, admin.Allows(false, true))

	_, err := domain.NewAPIKey(uuid.New(), tenancy.ID{}, uuid.New(), "k", "p", []string{"root"}, time.Time{}, now)
	require.Error(t, err)
	_, err = domain.NewAPIKey(uuid.New(), tenancy.ID{}, uuid.New(), "k", "p", []string{"read"}, now.Add(-time.Hour), now)
	require.Error(t, err, "expiry in the past")
	k, err := domain.NewAPIKey(uuid.New(), tenancy.ID{}, uuid.New(), "k", "p", []string{"read"}, now.Add(time.Hour), now)
	require.NoError(t, err)
	require.True(t, k.Usable(now))
	require.False(t, k.Usable(now.Add(2*time.Hour)))
}

func TestEmailInDomains(t *testing.T) {
	t.Parallel()
	require.True(t, domain.EmailInDomains(nil, "a@anything.org"))
	require.True(t, domain.EmailInDomains([]string{"sundsvall.se"}, "anna@sundsvall.se"))
	require.False(t, domain.EmailInDomains([]string{"sundsvall.se"}, "anna@evil.sundsvall.se.attacker.org"))
	require.False(t, domain.EmailInDomains([]string{"sundsvall.se"}, "anna@sub.sundsvall.se"))
	require.False(t, domain.EmailInDomains([]string{"sundsvall.se"}, "no-at-sign"))
}
