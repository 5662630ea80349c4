package httpx_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/logging"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// nulEcho serves routes that show what reached the handler: the raw body,
// its hash, or the form.
func nulEcho(t *testing.T, limit int64) *echo.Echo {
	t.Helper()
	e := httpx.New(logging.New(io.Discard, "json", "error"), httpx.Options{BodyLimitBytes: limit})
	e.POST("/raw", func(c *echo.Context) error {
		b, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "application/octet-stream", b)
	})
	e.POST("/bind", func(c *echo.Context) error {
		var v map[string]any
		if err := c.Bind(&v); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, v)
	})
	e.POST("/form", func(c *echo.Context) error { return c.String(http.StatusOK, c.FormValue("username")) })
	e.POST("/upload", func(c *echo.Context) error {
		mr, err := c.Request().MultipartReader()
		if err != nil {
			return err
		}
		out := map[string]string{}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return c.JSON(http.StatusOK, out)
			}
			if err != nil {
				return err
			}
			h := sha256.New()
			if _, err := io.Copy(h, part); err != nil {
				return err
			}
			out[part.FormName()] = hex.EncodeToString(h.Sum(nil))
		}
	})
	e.GET("/search", func(c *echo.Context) error { return c.String(http.StatusOK, c.QueryParam("q")) })
	return e
}

func nulRefusal(t *testing.T, rec *httptest.ResponseRecorder, field string) {
	t.Helper()
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	require.Equal(t, httpx.ErrorBody{Message: field + " contains a NUL character (U+0000), which is not allowed", Code: "invalid"},
		testkit.JSON[httpx.ErrorBody](t, rec))
}

func TestNULInJSONIsRefusedNamingTheField(t *testing.T) {
	t.Parallel()
	e := nulEcho(t, 1<<20)
	for body, field := range map[string]string{
		`{"name":"a\u0000b"}`:                                  "name",
		`{"name":"ok","prompt":{"text":"\u0000"}}`:             "prompt.text",
		`{"messages":[{"content":"x"},{"content":"y\u0000"}]}`: "messages[1].content",
		`{"tags":["a","\u0000"]}`:                              "tags[1]",
		`{"a\u0000":1}`:                                        "a field name",
		`"\u0000"`:                                             "the body",
		`{"a":"\\\u0000"}`:                                     "a",
	} {
		nulRefusal(t, testkit.Do(e, http.MethodPost, "/bind", body), field)
	}
	rec := testkit.Do(e, http.MethodPost, "/raw", `{"b":"\u0000", "a":"\u0000"}`, "Content-Type", "application/merge-patch+json")
	nulRefusal(t, rec, "a")
}

func TestJSONWithoutNULReachesTheHandlerUnchanged(t *testing.T) {
	t.Parallel()
	e := nulEcho(t, 1<<20)
	for _, body := range []string{
		`{"path":"C:\\u0000\\dir"}`, // an escaped backslash and the text u0000
		`{"text":"plain"}`,
		`{"broken":"\u0000"`, // not JSON: the handler says so
		`{"x":"\u0001"}`,
	} {
		rec := testkit.Do(e, http.MethodPost, "/raw", body)
		require.Equal(t, http.StatusOK, rec.Code, body)
		require.Equal(t, body, rec.Body.String(), "the handler reads the body as sent")
	}
	rec := testkit.Do(e, http.MethodPost, "/bind", `{"broken":"\u0000"`)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.NotContains(t, rec.Body.String(), "NUL", "invalid JSON is the handler's to refuse")
}

func TestNULBodyOverTheLimitIs413(t *testing.T) {
	t.Parallel()
	e := nulEcho(t, 1024)
	body := `{"a":"` + strings.Repeat("x", 2000) + `\u0000"}`
	req := httptest.NewRequest(http.MethodPost, "/raw", io.MultiReader(strings.NewReader(body))) // no Content-Length
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code, "the handler meets the body limit as before: %s", rec.Body.String())
}

func TestNULInQueryAndFormIsRefused(t *testing.T) {
	t.Parallel()
	e := nulEcho(t, 1<<20)
	rec := testkit.Do(e, http.MethodGet, "/search?page=1&q=parking%00permit", "")
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Equal(t, "query parameter q contains a NUL character (U+0000), which is not allowed", testkit.JSON[httpx.ErrorBody](t, rec).Message)
	rec = testkit.Do(e, http.MethodGet, "/search%00/x", "")
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Equal(t, "the path contains a NUL character (U+0000), which is not allowed", testkit.JSON[httpx.ErrorBody](t, rec).Message)
	rec = testkit.Do(e, http.MethodGet, "/search?q=100%25%30%30", "")
	require.Equal(t, http.StatusOK, rec.Code, "%30%30 is the text 00")
	require.Equal(t, "100%00", rec.Body.String())

	post := func(form string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/form", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	rec = post(url.Values{"username": {"anna\x00@kommun.example"}, "password": {"x"}}.Encode())
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Equal(t, "form field username contains a NUL character (U+0000), which is not allowed", testkit.JSON[httpx.ErrorBody](t, rec).Message)
	rec = post(url.Values{"username": {"anna@kommun.example"}}.Encode())
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "anna@kommun.example", rec.Body.String(), "the form reaches the handler")
}

func TestNULInMultipartTextFieldsIsRefusedButFilesPassUnread(t *testing.T) {
	t.Parallel()
	e := nulEcho(t, 10<<20)
	send := func(fields map[string]string, file []byte) *httptest.ResponseRecorder {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range fields {
			require.NoError(t, mw.WriteField(k, v))
		}
		if file != nil {
			part, err := mw.CreateFormFile("file", "data.bin")
			require.NoError(t, err)
			_, err = part.Write(file)
			require.NoError(t, err)
		}
		require.NoError(t, mw.Close())
		req := httptest.NewRequest(http.MethodPost, "/upload", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	nulRefusal(t, send(map[string]string{"title": "a\x00b"}, []byte("content")), "form field title")

	file := bytes.Repeat([]byte("binary\x00data\x00"), 200_000) // 2.4 MB with NULs
	rec := send(map[string]string{"title": "Report"}, file)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	sum := sha256.Sum256(file)
	title := sha256.Sum256([]byte("Report"))
	require.Equal(t, map[string]string{"file": hex.EncodeToString(sum[:]), "title": hex.EncodeToString(title[:])},
		testkit.JSON[map[string]string](t, rec), "the handler reads every part whole")
}
