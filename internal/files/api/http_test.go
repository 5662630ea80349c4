package api_test

import (
	"net/http"
	"net/http/httptest"
	"os"
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

func upload(e *apptest.Env, token, name string, content []byte) *httptest.ResponseRecorder {
	return testkit.Upload(e.H, "/api/v1/files/", "file", name, content, "Authorization", "Bearer "+token)
}

func TestUploadListGetDelete(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	tenant := e.Tenant(t)
	anna, _ := e.Token(t, tenant, domain.RoleUser)
	bo, _ := e.Token(t, tenant, domain.RoleUser)

	rec := upload(e, anna, "permit rules.md", []byte("# Permits\n\nA parking permit costs 500 kronor a month."))
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	f := testkit.JSON[api.FileResponse](t, rec)
	require.Equal(t, "permit rules.md", f.Name)
	require.Equal(t, "text/markdown", f.MimeType)
	require.EqualValues(t, 53, f.Size)
	require.Len(t, f.SHA256, 64)
	require.Positive(t, f.Chars)
	stored := filepath.Join(e.App.Config.FileStorageDir, tenant.String(), "files", f.ID)
	require.FileExists(t, stored)

	list := testkit.JSON[api.FileList](t, e.Do(http.MethodGet, "/api/v1/files/", "", anna))
	require.Equal(t, 1, list.Count)
	require.Equal(t, f.ID, list.Items[0].ID)
	require.Equal(t, http.StatusOK, e.Do(http.MethodGet, "/api/v1/files/"+f.ID+"/", "", anna).Code)
	require.Equal(t, 0, testkit.JSON[api.FileList](t, e.Do(http.MethodGet, "/api/v1/files/", "", bo)).Count, "files are their owner's")
	require.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/api/v1/files/"+f.ID+"/", "", bo).Code)
	require.Equal(t, http.StatusNotFound, e.Do(http.MethodDelete, "/api/v1/files/"+f.ID+"/", "", bo).Code)

	other, _ := e.Token(t, e.Tenant(t), domain.RoleOwner)
	require.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/api/v1/files/"+f.ID+"/", "", other).Code, "nor another tenant's")

	require.Equal(t, http.StatusNoContent, e.Do(http.MethodDelete, "/api/v1/files/"+f.ID+"/", "", anna).Code)
	require.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/api/v1/files/"+f.ID+"/", "", anna).Code)
	_, err := os.Stat(stored)
	require.True(t, os.IsNotExist(err), "the bytes are gone too")
	require.Equal(t, http.StatusUnauthorized, testkit.Upload(e.H, "/api/v1/files/", "file", "a.txt", []byte("hello")).Code)
}

func TestUploadRefusalsLeaveNothingBehind(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	tenant := e.Tenant(t)
	token, _ := e.Token(t, tenant, domain.RoleUser)
	for name, tc := range map[string]struct {
		file    string
		content []byte
		status  int
		says    string
	}{
		"broken pdf":    {"scan.pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"), http.StatusUnsupportedMediaType, "damaged"},
		"encrypted pdf": {"secret.pdf", testkit.PDF(true, "hidden"), http.StatusUnsupportedMediaType, "password-protected"},
		"old word":      {"old.doc", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00\x00\x00\x00\x00\x00 binary"), http.StatusUnsupportedMediaType, "cannot be attached"},
		"zip as txt":    {"notes.txt", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00rest of a zip"), http.StatusUnsupportedMediaType, "cannot be attached"},
		"latin-1":       {"old.txt", []byte("Caf\xe9 au lait \xe0 la cr\xe8me, written long ago in Latin-1"), http.StatusUnsupportedMediaType, "not UTF-8"},
		"zero bytes":    {"empty.txt", nil, http.StatusBadRequest, "holds no text"},
		"only spaces":   {"blank.txt", []byte("  \n\n  "), http.StatusBadRequest, "holds no text"},
		"over 10 MiB":   {"big.txt", []byte(strings.Repeat("a", 10<<20+1)), http.StatusRequestEntityTooLarge, ""},
		"too much text": {"long.txt", []byte(strings.Repeat("word ", 100_000)), http.StatusRequestEntityTooLarge, "more text than an attachment"},
	} {
		rec := upload(e, token, tc.file, tc.content)
		require.Equal(t, tc.status, rec.Code, "%s: %s", name, rec.Body.String())
		require.Contains(t, testkit.JSON[httpx.ErrorBody](t, rec).Message, tc.says, name)
	}
	rec := testkit.Do(e.H, http.MethodPost, "/api/v1/files/", `{"file":"x"}`, "Authorization", "Bearer "+token)
	require.Equal(t, http.StatusBadRequest, rec.Code, "JSON is not an upload")
	require.Equal(t, 0, testkit.JSON[api.FileList](t, e.Do(http.MethodGet, "/api/v1/files/", "", token)).Count)
	entries, _ := os.ReadDir(filepath.Join(e.App.Config.FileStorageDir, tenant.String(), "files"))
	require.Empty(t, entries, "no refused file stays on disk")
}

func TestUploadRespectsTheStorageQuota(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	tenant := e.Tenant(t)
	token, _ := e.Token(t, tenant, domain.RoleUser)
	require.Equal(t, http.StatusOK, e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+tenant.String()+"/", `{"quota_limit":100}`).Code)
	require.Equal(t, http.StatusCreated, upload(e, token, "a.txt", []byte(strings.Repeat("x", 60))).Code)
	rec := upload(e, token, "b.txt", []byte(strings.Repeat("y", 60)))
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	require.Contains(t, testkit.JSON[httpx.ErrorBody](t, rec).Message, "storage quota")
}
