package apptest

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
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/httpx"
)

// CutOff is an upload body that ends inside its file part.
type CutOff struct {
	Body        []byte
	ContentType string
}

// MultipartBody is a whole multipart body with one file part, and its
// content type.
func MultipartBody(t testing.TB, name string, content []byte) ([]byte, string) {
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

// CutOffUploads are bodies that end inside the file part: the whole file
// without the closing boundary, and half the file.
func CutOffUploads(t testing.TB, content []byte) map[string]CutOff {
	t.Helper()
	body, ct := MultipartBody(t, "notes.txt", content)
	fileEnd := bytes.Index(body, content) + len(content)
	return map[string]CutOff{
		"no closing boundary": {Body: body[:fileEnd], ContentType: ct},
		"stopped mid-file":    {Body: body[:fileEnd-len(content)/2], ContentType: ct},
	}
}

// SendCutOff sends the head of a body to a real server with the
// Content-Length of the whole one, closes its side of the connection and
// reads the answer: a client that stopped sending.
func SendCutOff(t testing.TB, srv *httptest.Server, path, token string, head []byte, contentType string, fullLength int) (int, httpx.ErrorBody) {
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

// StoredFiles lists every file under the tenant's storage directory.
func StoredFiles(t testing.TB, e *Env, tenant string) []string {
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
