package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/files/api"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/domain"
)

const cutOffMessage = "the upload was cut off; send the file again"

func TestCutOffAttachmentUploadIs400AndLeavesNothing(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	tenant := e.Tenant(t)
	token, _ := e.Token(t, tenant, domain.RoleUser)
	content := []byte(strings.Repeat("A parking permit costs 500 kronor a month. ", 2))
	require.Equal(t, http.StatusOK, e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+tenant.String()+"/", fmt.Sprintf(`{"quota_limit":%d}`, len(content)+10)).Code)
	srv := httptest.NewServer(e.H)
	t.Cleanup(srv.Close)

	for name, up := range apptest.CutOffUploads(t, content) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/files/", bytes.NewReader(up.Body))
		req.Header.Set("Content-Type", up.ContentType)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		e.H.ServeHTTP(rec, req)
		require.Equal(t, http.StatusBadRequest, rec.Code, "%s: %s", name, rec.Body.String())
		require.Equal(t, httpx.ErrorBody{Message: cutOffMessage, Code: "invalid"}, testkit.JSON[httpx.ErrorBody](t, rec), name)

		whole, _ := apptest.MultipartBody(t, "notes.txt", content)
		status, body := apptest.SendCutOff(t, srv, "/api/v1/files/", token, up.Body, up.ContentType, len(whole))
		require.Equal(t, http.StatusBadRequest, status, "%s over the network: %+v", name, body)
		require.Equal(t, httpx.ErrorBody{Message: cutOffMessage, Code: "invalid"}, body, name)
	}
	require.Equal(t, 0, testkit.JSON[api.FileList](t, e.Do(http.MethodGet, "/api/v1/files/", "", token)).Count, "no file row")
	require.Empty(t, apptest.StoredFiles(t, e, tenant.String()), "no bytes on disk")
	rec := upload(e, token, "notes.txt", content)
	require.Equal(t, http.StatusCreated, rec.Code, "the quota was not charged for the cut-off uploads: %s", rec.Body.String())
}
