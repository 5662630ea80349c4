package audit_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/audit"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/domain"
)

func TestAuditRowsNameUsersAndExportAsCSV(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	tn := e.Tenant(t)
	ownerEmail, _ := e.User(t, tn, domain.RoleOwner)
	owner := e.Login(t, ownerEmail)
	invitee := "invitee-" + ownerEmail
	rec := e.Do(http.MethodPost, "/api/v1/users/admin/invite/", `{"email":"`+invitee+`","username":"=SUM(1,2)"}`, owner)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())

	rec = e.Do(http.MethodGet, "/api/v1/audit/logs/?action=user.created", "", owner)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	list := testkit.JSON[audit.EntryList](t, rec)
	require.NotEmpty(t, list.Items)
	var row audit.EntryResponse
	for _, it := range list.Items {
		if it.TargetEmail == invitee {
			row = it
		}
	}
	require.Equal(t, invitee, row.TargetEmail, "the target is named by e-mail: %+v", list.Items)
	require.Equal(t, ownerEmail, row.ActorEmail, "so is the actor")
	require.NotEmpty(t, row.ActorID, "ids stay, for filtering")

	rec = e.Do(http.MethodGet, "/api/v1/audit/actions/", "", owner)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, testkit.JSON[audit.ActionList](t, rec).Actions, "user.created")

	rec = e.Do(http.MethodGet, "/api/v1/audit/logs/export/?action=user.created", "", owner)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "text/csv; charset=utf-8", rec.Header().Get("Content-Type"))
	require.Contains(t, rec.Header().Get("Content-Disposition"), "attachment")
	records, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
	require.NoError(t, err)
	require.Equal(t, "time", records[0][0])
	require.Len(t, records, list.Count+1, "the export holds the filtered rows")
	var found []string
	for _, r := range records[1:] {
		require.Equal(t, "user.created", r[3], "only the filtered action")
		if r[6] == invitee {
			found = r
		}
	}
	require.NotNil(t, found, "the invitee's row")
	require.Equal(t, "'=SUM(1,2)", found[5], "a name that a spreadsheet would run is quoted")

	user, _ := e.Token(t, tn, domain.RoleUser)
	require.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/audit/logs/export/", "", user).Code)
}
