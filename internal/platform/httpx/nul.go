package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/errs"
)

// RefuseNUL answers 400 for a request with U+0000 in its path, a query
// parameter, a JSON body, a url-encoded form or a text field of a
// multipart form, naming the field. PostgreSQL's text cannot hold NUL, so
// such a string would otherwise fail deep in a handler as a 500; refusing
// it here covers every route at once.
//
// It stays cheap: a JSON body is decoded only when a byte scan finds the
// escape \u0000, a form only when it finds %00 or a NUL byte, and the body
// is given back to the handler unchanged. Bodies are read within the body
// limit (the middleware runs after it). Of a multipart form only the text
// fields before the first file part are read ahead (the file parts stream
// to the handler unread, never into memory); fields after a file part are
// not checked, and no handler reads them.
func RefuseNUL(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		req := c.Request()
		if strings.IndexByte(req.URL.Path, 0) >= 0 {
			return errs.InvalidField("path", "the path contains a NUL character (U+0000), which is not allowed")
		}
		if strings.Contains(req.URL.RawQuery, "%00") {
			q, _ := url.ParseQuery(req.URL.RawQuery)
			if err := nulInValues(q, "query parameter "); err != nil {
				return err
			}
		}
		if req.Body == nil || req.Body == http.NoBody {
			return next(c)
		}
		ct := req.Header.Get(echo.HeaderContentType)
		mediaType := strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
		var err error
		switch {
		case strings.HasPrefix(mediaType, echo.MIMEApplicationJSON) || strings.HasSuffix(mediaType, "+json"):
			err = nulInJSON(req)
		case mediaType == echo.MIMEApplicationForm:
			err = nulInForm(req)
		case mediaType == echo.MIMEMultipartForm:
			if _, params, perr := mime.ParseMediaType(ct); perr == nil && params["boundary"] != "" {
				err = nulInMultipart(req, params["boundary"])
			}
		}
		if err != nil {
			return err
		}
		return next(c)
	}
}

// nulError names the field that holds a NUL.
func nulError(field string) error {
	return errs.InvalidField(field, "%s contains a NUL character (U+0000), which is not allowed", field)
}

// readBody reads the whole body and gives the handler the same bytes. A
// read that fails (the body limit, a client that went away) is not judged
// here: the handler meets the same failure after the same bytes.
func readBody(req *http.Request) ([]byte, bool) {
	data, err := io.ReadAll(req.Body)
	var rest io.Reader = bytes.NewReader(data)
	if err != nil {
		rest = io.MultiReader(rest, failingReader{err})
	}
	req.Body = readCloser{rest, req.Body}
	return data, err == nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

var escapedNUL = []byte(`\u0000`)

func nulInJSON(req *http.Request) error {
	data, ok := readBody(req)
	if !ok || !bytes.Contains(data, escapedNUL) {
		return nil
	}
	// The escape may be text ("\\u0000" is a backslash and "u0000");
	// only a decoded string tells. Invalid JSON is the handler's to refuse.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	if field, found := nulIn(v, ""); found {
		return nulError(field)
	}
	return nil
}

// nulIn finds a string with a NUL in a decoded JSON value and returns its
// path ("name", "messages[0].content"); object keys are visited in order,
// so the same body always names the same field.
func nulIn(v any, path string) (string, bool) {
	switch v := v.(type) {
	case string:
		if strings.IndexByte(v, 0) >= 0 {
			if path == "" {
				return "the body", true
			}
			return path, true
		}
	case []any:
		for i, e := range v {
			if f, ok := nulIn(e, path+"["+strconv.Itoa(i)+"]"); ok {
				return f, true
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if strings.IndexByte(k, 0) >= 0 {
				if path == "" {
					return "a field name", true
				}
				return "a field name in " + path, true
			}
			sub := k
			if path != "" {
				sub = path + "." + k
			}
			if f, ok := nulIn(v[k], sub); ok {
				return f, true
			}
		}
	}
	return "", false
}

func nulInForm(req *http.Request) error {
	data, ok := readBody(req)
	if !ok || (!bytes.Contains(data, []byte("%00")) && bytes.IndexByte(data, 0) < 0) {
		return nil
	}
	form, _ := url.ParseQuery(string(data))
	return nulInValues(form, "form field ")
}

func nulInValues(vs url.Values, what string) error {
	names := make([]string, 0, len(vs))
	for name := range vs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if strings.IndexByte(name, 0) >= 0 {
			return errs.Newf(errs.Invalid, "a %sname contains a NUL character (U+0000), which is not allowed", what)
		}
		for _, v := range vs[name] {
			if strings.IndexByte(v, 0) >= 0 {
				return errs.InvalidField(name, "%s%s contains a NUL character (U+0000), which is not allowed", what, name)
			}
		}
	}
	return nil
}

// nulInMultipart reads the text fields ahead of the first file part and
// then gives the handler the body from its start: the bytes read so far,
// then the rest unread.
func nulInMultipart(req *http.Request, boundary string) error {
	var seen bytes.Buffer
	body := &erring{r: req.Body}
	mr := multipart.NewReader(io.TeeReader(body, &seen), boundary)
	var found error
	for {
		part, err := mr.NextPart()
		if err != nil {
			break // the end, or a malformed body the handler will refuse
		}
		if part.FileName() != "" {
			break
		}
		value, err := io.ReadAll(part)
		if err != nil {
			break
		}
		if bytes.IndexByte(value, 0) >= 0 {
			found = errs.InvalidField(part.FormName(), "form field %s contains a NUL character (U+0000), which is not allowed", part.FormName())
			break
		}
	}
	rest := io.Reader(req.Body)
	if body.err != nil && !errors.Is(body.err, io.EOF) {
		rest = failingReader{body.err}
	}
	req.Body = readCloser{io.MultiReader(bytes.NewReader(seen.Bytes()), rest), req.Body}
	return found
}

// erring remembers the error its reader returned.
type erring struct {
	r   io.Reader
	err error
}

func (e *erring) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil {
		e.err = err
	}
	return n, err
}
