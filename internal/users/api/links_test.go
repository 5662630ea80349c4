package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/mail"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/api"
	"github.com/agora-platform/agora/internal/users/domain"
)

var linkToken = regexp.MustCompile(`/(?:invite|reset)/(pl_[A-Za-z0-9_-]+)`)

// token is the token of a link's address.
func token(t *testing.T, url string) string {
	t.Helper()
	m := linkToken.FindStringSubmatch(url)
	require.NotNil(t, m, "a link: %q", url)
	return m[1]
}

func (v *env) checkLink(t *testing.T, tok string) api.LinkInfoResponse {
	t.Helper()
	rec := v.Do(http.MethodPost, "/api/v1/users/password/check/", `{"token":"`+tok+`"}`, "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	return testkit.JSON[api.LinkInfoResponse](t, rec)
}

func (v *env) setPassword(tok, pw string) int {
	return v.Do(http.MethodPost, "/api/v1/users/password/set/", `{"token":"`+tok+`","password":"`+pw+`"}`, "").Code
}

func TestInvitationLinkSetsThePasswordOnce(t *testing.T) {
	t.Parallel()
	v := setup(t)
	tn := v.Tenant(t)
	admin, _ := v.Token(t, tn, domain.RoleOwner)
	invitee := "colleague-" + uuid.NewString()[:8] + "@kommun.example"
	rec := v.Do(http.MethodPost, "/api/v1/users/admin/invite/", `{"email":"`+invitee+`","predefined_roles":["User"]}`, admin)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	inv := testkit.JSON[api.InviteResponse](t, rec)
	require.Equal(t, "invited", inv.State)
	require.False(t, inv.Invitation.Emailed, "no SMTP in this configuration")
	require.False(t, inv.Invitation.SSO)
	require.NotNil(t, inv.Invitation.ExpiresAt)
	require.WithinDuration(t, time.Now().Add(7*24*time.Hour), *inv.Invitation.ExpiresAt, time.Minute, "INVITE_TTL defaults to 7 days")
	tok := token(t, inv.Invitation.URL)
	require.True(t, strings.HasPrefix(inv.Invitation.URL, v.App.Config.PublicOrigin+"/invite/"), inv.Invitation.URL)

	info := v.checkLink(t, tok)
	require.Equal(t, api.LinkInfoResponse{State: "valid", Kind: "invite", Email: invitee, ExpiresAt: info.ExpiresAt}, info)
	require.Equal(t, "unknown", v.checkLink(t, "pl_nothing").State)

	require.Equal(t, http.StatusBadRequest, v.setPassword(tok, "short"), "the password policy holds")
	require.Equal(t, "valid", v.checkLink(t, tok).State, "a refused password does not use the link")
	rec = v.Do(http.MethodPost, "/api/v1/users/password/set/", `{"token":"`+tok+`","password":"a long new password 42"}`, "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	pair := testkit.JSON[api.TokenResponse](t, rec)
	me := testkit.JSON[api.MeResponse](t, v.Do(http.MethodGet, "/api/v1/users/me/", "", pair.AccessToken))
	require.Equal(t, "active", me.State, "the invitee is signed in and active")
	require.Equal(t, http.StatusOK, v.SignIn(invitee, "a long new password 42").Code)

	require.Equal(t, http.StatusConflict, v.setPassword(tok, "another long password 43"), "a link works once")
	require.Equal(t, "used", v.checkLink(t, tok).State)
	require.Equal(t, http.StatusNotFound, v.setPassword("pl_nothing", "another long password 43"))
}

func TestExpiredAndReplacedLinksAreRefused(t *testing.T) {
	t.Parallel()
	v := setup(t)
	tn := v.Tenant(t)
	admin, _ := v.Token(t, tn, domain.RoleOwner)
	_, user := v.User(t, tn, domain.RoleUser)

	link := func() string {
		rec := v.Do(http.MethodPost, "/api/v1/users/admin/"+user.String()+"/password-link/", "", admin)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		out := testkit.JSON[api.PasswordLinkResponse](t, rec)
		require.Contains(t, out.URL, "/reset/", "an active user gets a reset link")
		return token(t, out.URL)
	}
	first := link()
	second := link()
	require.Equal(t, "expired", v.checkLink(t, first).State, "a newer link replaces the older")
	require.Equal(t, http.StatusConflict, v.setPassword(first, "a long new password 42"))

	_, err := v.App.DB.NewUpdate().Table("user_links").Set("expires_at = now() - interval '1 minute'").
		Where("token_hash = sha256(?::bytea)", second).Exec(context.Background())
	require.NoError(t, err)
	require.Equal(t, "expired", v.checkLink(t, second).State)
	require.Equal(t, http.StatusConflict, v.setPassword(second, "a long new password 42"))

	user2, _ := v.Token(t, tn, domain.RoleUser)
	require.Equal(t, http.StatusForbidden, v.Do(http.MethodPost, "/api/v1/users/admin/"+user.String()+"/password-link/", "", user2).Code,
		"only admins make links")
}

// sentMail runs the queued e-mail tasks to an address through the worker's
// handler, as the worker would.
func sentMail(t *testing.T, v *env, to string) {
	t.Helper()
	insp := asynq.NewInspectorFromRedisClient(v.App.Redis)
	tasks, err := insp.ListPendingTasks(v.App.Config.JobQueue, asynq.PageSize(1000))
	require.NoError(t, err)
	n := 0
	for _, task := range tasks {
		var p struct {
			To string `json:"to"`
		}
		if task.Type != mail.TypeSend || json.Unmarshal(task.Payload, &p) != nil || p.To != to {
			continue
		}
		require.NotContains(t, string(task.Payload), "pl_", "the link is encrypted in the queue")
		require.NoError(t, insp.DeleteTask(v.App.Config.JobQueue, task.ID))
		require.NoError(t, v.App.TaskMux().ProcessTask(context.Background(), asynq.NewTask(task.Type, task.Payload)))
		n++
	}
	require.Positive(t, n, "an e-mail to %s was queued", to)
}

func TestForgotPasswordByEmailTellsNothingAboutAccounts(t *testing.T) {
	t.Parallel()
	smtp := testkit.NewSMTPServer(t)
	cfg := testkit.Config(t)
	cfg.SMTPHost, cfg.SMTPPort, cfg.SMTPTLS, cfg.SMTPFrom = smtp.Host, smtp.Port, "none", "agora@kommun.example"
	v := setupWith(t, cfg)
	tn := v.Tenant(t)
	email, _ := v.User(t, tn, domain.RoleUser)

	known := v.Do(http.MethodPost, "/api/v1/users/password/forgot/", `{"email":"`+email+`"}`, "")
	unknown := v.Do(http.MethodPost, "/api/v1/users/password/forgot/", `{"email":"nobody-`+email+`"}`, "")
	require.Equal(t, http.StatusAccepted, known.Code, known.Body.String())
	require.Equal(t, known.Code, unknown.Code)
	require.Equal(t, known.Body.String(), unknown.Body.String(), "the same answer for an unknown address")

	owner, _ := v.Token(t, tn, domain.RoleOwner)
	me := testkit.JSON[api.MeResponse](t, v.Do(http.MethodGet, "/api/v1/users/me/", "", owner))
	require.Equal(t, []string{"email"}, me.Features, "clients learn that e-mail is on")

	sentMail(t, v, email)
	msg := smtp.WaitFor(t, email, 10*time.Second)
	require.Contains(t, msg.Subject, "New password")
	tok := token(t, msg.Text)
	require.Equal(t, "reset", v.checkLink(t, tok).Kind)
	require.Equal(t, http.StatusOK, v.setPassword(tok, "a brand new password 77"))
	require.Equal(t, http.StatusOK, v.SignIn(email, "a brand new password 77").Code)

	// Invitations are e-mailed too.
	admin, _ := v.Token(t, tn, domain.RoleOwner)
	rec := v.Do(http.MethodPost, "/api/v1/users/admin/invite/", `{"email":"mailed-`+email+`"}`, admin)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	require.True(t, testkit.JSON[api.InviteResponse](t, rec).Invitation.Emailed)
	sentMail(t, v, "mailed-"+email)
	invite := smtp.WaitFor(t, "mailed-"+email, 10*time.Second)
	require.Contains(t, invite.Text, "/invite/pl_")

	// Asking again and again is limited, for known and unknown addresses alike.
	var last int
	for range 10 {
		last = v.Do(http.MethodPost, "/api/v1/users/password/forgot/", `{"email":"nobody-else@kommun.example"}`, "").Code
	}
	require.Equal(t, http.StatusTooManyRequests, last)
}
