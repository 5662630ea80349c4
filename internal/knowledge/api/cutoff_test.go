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
	"github.com/agora-platform/agora/internal/knowledge/api"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

const cutOffMessage = "the upload was cut off; send the file again"

func TestCutOffDocumentUploadIs400AndLeavesNothing(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Inbox")
	content := []byte(strings.Repeat("Bygglov krävs för att bygga ett nytt hus. ", 2))
	require.Equal(t, http.StatusOK, l.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+l.tenant.String()+"/", fmt.Sprintf(`{"quota_limit":%d}`, len(content)+10)).Code)
	srv := httptest.NewServer(l.e.H)
	t.Cleanup(srv.Close)
	path := "/api/v1/groups/" + l.collection + "/info-blobs/upload/"

	for name, up := range apptest.CutOffUploads(t, content) {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(up.Body))
		req.Header.Set("Content-Type", up.ContentType)
		req.Header.Set("Authorization", "Bearer "+l.token)
		rec := httptest.NewRecorder()
		l.e.H.ServeHTTP(rec, req)
		require.Equal(t, http.StatusBadRequest, rec.Code, "%s: %s", name, rec.Body.String())
		require.Equal(t, httpx.ErrorBody{Message: cutOffMessage, Code: "invalid"}, testkit.JSON[httpx.ErrorBody](t, rec), name)

		whole, _ := apptest.MultipartBody(t, "notes.txt", content)
		status, body := apptest.SendCutOff(t, srv, path, l.token, up.Body, up.ContentType, len(whole))
		require.Equal(t, http.StatusBadRequest, status, "%s over the network: %+v", name, body)
		require.Equal(t, httpx.ErrorBody{Message: cutOffMessage, Code: "invalid"}, body, name)
	}
	blobs := testkit.JSON[api.InfoBlobList](t, l.e.Do(http.MethodGet, "/api/v1/groups/"+l.collection+"/info-blobs/", "", l.token))
	require.Zero(t, blobs.Count, "no blob row")
	require.Empty(t, apptest.StoredFiles(t, l.e, l.tenant.String()), "no bytes on disk")
	l.upload(t, "notes.txt", content)
}
