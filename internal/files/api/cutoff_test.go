package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/files/api"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/domain"
)

// multipartBody is a whole multipart body with one file part, and its
// content type.
func multipartBody(t *testing.T, name string, content []byte) ([]byte, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("file", name)
	require.NoError(t, err)
	_, err = part.Write(content)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	return body.Bytes(), mw.FormDataContentType()
}

// cutOffUploads are bodies that end inside the file part: the whole file
// without the closing boundary, and half the file.
func cutOffUploads(t *testing.T, content []byte) map[string]struct {
	body        []byte
	contentType string
} {
	t.Helper()
	body, ct := multipartBody(t, "notes.txt", content)
	fileEnd := bytes.Index(body, content) + len(content)
	return map[string]struct {
		body        []byte
		contentType string
	}{
		"no closing boundary": {body[:fileEnd], ct},
		"stopped mid-file":    {body[:fileEnd-len(content)/2], ct},
	}
}

// sendCutOff sends the head of a body to a real server with the
// Content-Length of the whole one, closes its side of the connection and
// reads the answer: a client that stopped sending.
func sendCutOff(t *testing.T, srv *httptest.Server, path, token string, head []byte, contentType string, fullLength int) (int, httpx.ErrorBody) {
	t.Helper()
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	conn, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		path, u.Host, token, contentType, fullLength)
	require.NoError(t, err)
	_, err = conn.Write(head)
	require.NoError(t, err)
	require.NoError(t, conn.(*net.TCPConn).CloseWrite())
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var body httpx.ErrorBody
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusAccepted {
		require.Contains(t, resp.Header.Get("Content-Type"), "application/json", string(raw))
		require.NoError(t, json.Unmarshal(raw, &body), string(raw))
	}
	return resp.StatusCode, body
}

// storedFiles lists every file under the tenant's storage directory.
func storedFiles(t *testing.T, e *apptest.Env, tenant string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(filepath.Join(e.App.Config.FileStorageDir, tenant), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, path)
		}
		return nil
	})
	return out
}

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

	for name, up := range cutOffUploads(t, content) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/files/", bytes.NewReader(up.body))
		req.Header.Set("Content-Type", up.contentType)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		e.H.ServeHTTP(rec, req)
		require.Equal(t, http.StatusBadRequest, rec.Code, "%s: %s", name, rec.Body.String())
		require.Equal(t, httpx.ErrorBody{Message: cutOffMessage, Code: "invalid"}, testkit.JSON[httpx.ErrorBody](t, rec), name)

		whole, _ := multipartBody(t, "notes.txt", content)
		status, body := sendCutOff(t, srv, "/api/v1/files/", token, up.body, up.contentType, len(whole))
		require.Equal(t, http.StatusBadRequest, status, "%s over the network: %+v", name, body)
		require.Equal(t, httpx.ErrorBody{Message: cutOffMessage, Code: "invalid"}, body, name)
	}
	require.Equal(t, 0, testkit.JSON[api.FileList](t, e.Do(http.MethodGet, "/api/v1/files/", "", token)).Count, "no file row")
	require.Empty(t, storedFiles(t, e, tenant.String()), "no bytes on disk")
	rec := upload(e, token, "notes.txt", content)
	require.Equal(t, http.StatusCreated, rec.Code, "the quota was not charged for the cut-off uploads: %s", rec.Body.String())
}

func TestCutOffDocumentUploadIs400AndLeavesNothing(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Inbox")
	content := []byte(strings.Repeat("Bygglov krävs för att bygga ett nytt hus. ", 2))
	require.Equal(t, http.StatusOK, l.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+l.tenant.String()+"/", fmt.Sprintf(`{"quota_limit":%d}`, len(content)+10)).Code)
	srv := httptest.NewServer(l.e.H)
	t.Cleanup(srv.Close)
	path := "/api/v1/groups/" + l.collection + "/info-blobs/upload/"

	for name, up := range cutOffUploads(t, content) {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(up.body))
		req.Header.Set("Content-Type", up.contentType)
		req.Header.Set("Authorization", "Bearer "+l.token)
		rec := httptest.NewRecorder()
		l.e.H.ServeHTTP(rec, req)
		require.Equal(t, http.StatusBadRequest, rec.Code, "%s: %s", name, rec.Body.String())
		require.Equal(t, httpx.ErrorBody{Message: cutOffMessage, Code: "invalid"}, testkit.JSON[httpx.ErrorBody](t, rec), name)

		whole, _ := multipartBody(t, "notes.txt", content)
		status, body := sendCutOff(t, srv, path, l.token, up.body, up.contentType, len(whole))
		require.Equal(t, http.StatusBadRequest, status, "%s over the network: %+v", name, body)
		require.Equal(t, httpx.ErrorBody{Message: cutOffMessage, Code: "invalid"}, body, name)
	}
	blobs := testkit.JSON[api.InfoBlobList](t, l.e.Do(http.MethodGet, "/api/v1/groups/"+l.collection+"/info-blobs/", "", l.token))
	require.Zero(t, blobs.Count, "no blob row")
	require.Empty(t, storedFiles(t, l.e, l.tenant.String()), "no bytes on disk")
	l.upload(t, "notes.txt", content)
}
