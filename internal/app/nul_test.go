package app_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/api"
	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/domain"
)

// spec is the part of the Swagger 2.0 document the walk reads.
type spec struct {
	Paths       map[string]map[string]operation `json:"paths"`
	Definitions map[string]*schema              `json:"definitions"`
}

type operation struct {
	Parameters []parameter           `json:"parameters"`
	Security   []map[string][]string `json:"security"`
}

type parameter struct {
	Name   string  `json:"name"`
	In     string  `json:"in"`
	Type   string  `json:"type"`
	Format string  `json:"format"`
	Enum   []any   `json:"enum"`
	Schema *schema `json:"schema"`
}

type schema struct {
	Ref                  string             `json:"$ref"`
	Type                 string             `json:"type"`
	Format               string             `json:"format"`
	Enum                 []any              `json:"enum"`
	Minimum              *float64           `json:"minimum"`
	Properties           map[string]*schema `json:"properties"`
	Items                *schema            `json:"items"`
	AdditionalProperties any                `json:"additionalProperties"`
	AllOf                []*schema          `json:"allOf"`
}

func loadSpec(t *testing.T) spec {
	t.Helper()
	var s spec
	require.NoError(t, json.Unmarshal(api.SwaggerJSON, &s))
	return s
}

func (s spec) resolve(sc *schema) *schema {
	for sc != nil && (sc.Ref != "" || len(sc.AllOf) == 1) {
		if sc.Ref != "" {
			sc = s.Definitions[strings.TrimPrefix(sc.Ref, "#/definitions/")]
		} else {
			sc = sc.AllOf[0]
		}
	}
	return sc
}

// body builds a valid-looking value of sc; the string at path target (in
// the form the NUL refusal names fields: "a.b", "a[0]") gets a NUL. It
// returns every string path it built, so the walk knows the targets.
func (s spec) body(sc *schema, path, target string, paths *[]string) any {
	sc = s.resolve(sc)
	if sc == nil {
		return nil
	}
	join := func(key string) string {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	switch {
	case len(sc.Properties) > 0:
		out := map[string]any{}
		for name, p := range sc.Properties {
			out[name] = s.body(p, join(name), target, paths)
		}
		return out
	case sc.Type == "object":
		if ap, ok := sc.AdditionalProperties.(map[string]any); ok && ap["type"] == "string" {
			return map[string]any{"key": s.body(&schema{Type: "string"}, join("key"), target, paths)}
		}
		return map[string]any{}
	case sc.Type == "array":
		return []any{s.body(sc.Items, path+"[0]", target, paths)}
	case sc.Type == "integer":
		if sc.Minimum != nil {
			return int(*sc.Minimum)
		}
		return 1
	case sc.Type == "number":
		return 0.5
	case sc.Type == "boolean":
		return false
	case sc.Type == "string":
		*paths = append(*paths, path)
		if path == target {
			return "bad\x00value"
		}
		return sampleString(path, sc.Format, sc.Enum)
	}
	return nil
}

func sampleString(name, format string, enum []any) string {
	switch {
	case len(enum) > 0:
		return enum[0].(string)
	case format == "uuid":
		return uuid.NewString()
	case strings.Contains(name, "email") || strings.HasSuffix(name, "username"):
		return "anna@kommun.example"
	case strings.HasSuffix(name, "url") || strings.HasSuffix(name, "endpoint"):
		return "https://www.example.org/"
	}
	return "Parking permits"
}

// walkEnv is a fresh tenant with a signed-in Owner, the Owner's user API
// key for /v1, and real ids for the path parameters that are easy to have.
type walkEnv struct {
	e               *apptest.Env
	token, key      string
	ids             map[string]string
	tenant, ownerID string
}

func newWalkEnv(t *testing.T) *walkEnv {
	t.Helper()
	e := apptest.New(t)
	tenant := e.Tenant(t)
	token, owner := e.Token(t, tenant, domain.RoleOwner)
	w := &walkEnv{e: e, token: token, tenant: tenant.String(), ownerID: owner.String()}
	rec := e.Do(http.MethodPost, "/api/v1/users/api-keys/", `{"name":"walk","scopes":["write"]}`, token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	w.key = testkit.JSON[struct{ Key string }](t, rec).Key
	rec = e.Do(http.MethodPost, "/api/v1/spaces/", `{"name":"Team"}`, token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	space := testkit.JSON[struct{ ID string }](t, rec).ID
	w.ids = map[string]string{"/api/v1/spaces/{id}": space, "/api/v1/sysadmin/tenants/{id}": w.tenant,
		"/api/v1/users/admin/{id}": w.ownerID, "/api/v1/sysadmin/users/{id}": w.ownerID}
	return w
}

// target fills a spec path's parameters.
func (w *walkEnv) target(path string) string {
	for prefix, id := range w.ids {
		if strings.HasPrefix(path, prefix) {
			path = strings.Replace(path, "{id}", id, 1)
		}
	}
	return strings.NewReplacer("{tenant}", w.tenant, "{user_id}", w.ownerID, "{provider}", "openai",
		"{id}", uuid.NewString(), "{session_id}", uuid.NewString(), "{group_id}", uuid.NewString()).Replace(path)
}

// send sends a request as the route's caller: the super key for sysadmin
// routes, the Owner's API key for /v1, the Owner's token otherwise.
func (w *walkEnv) send(method, path, contentType, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	switch {
	case strings.HasPrefix(path, "/api/v1/sysadmin/"):
		req.Header.Set(httpx.APIKeyHeader, testkit.SuperKey)
	case strings.HasPrefix(path, "/v1/"):
		req.Header.Set("Authorization", "Bearer "+w.key)
	default:
		req.Header.Set("Authorization", "Bearer "+w.token)
	}
	rec := httptest.NewRecorder()
	w.e.H.ServeHTTP(rec, req)
	return rec
}

// refusedFor checks a NUL refusal: 400 naming the field, in the API's
// error format (OpenAI's under /v1).
func refusedFor(t *testing.T, rec *httptest.ResponseRecorder, path, message, field, what string) {
	t.Helper()
	require.Equal(t, http.StatusBadRequest, rec.Code, "%s: %s", what, rec.Body.String())
	if strings.HasPrefix(path, "/v1/") {
		got := testkit.JSON[httpx.OpenAIErrorBody](t, rec).Error
		require.Equal(t, message, got.Message, what)
		require.Equal(t, "invalid_request_error", got.Type, what)
		require.NotNil(t, got.Param, what)
		require.Equal(t, field, *got.Param, what)
		return
	}
	require.Equal(t, httpx.ErrorBody{Message: message, Code: "invalid"}, testkit.JSON[httpx.ErrorBody](t, rec), what)
}

// TestNULInEveryStringOfEveryWriteRouteIs400 walks the OpenAPI document:
// for every POST, PATCH and PUT route, each string field of its JSON body
// (and each text field of its form) in turn holds a NUL, and the answer is
// 400 naming that field.
func TestNULInEveryStringOfEveryWriteRouteIs400(t *testing.T) {
	t.Parallel()
	s := loadSpec(t)
	w := newWalkEnv(t)
	routes, requests := 0, 0
	for _, p := range slices.Sorted(maps.Keys(s.Paths)) {
		for _, method := range []string{"post", "patch", "put"} {
			op, ok := s.Paths[p][method]
			if !ok {
				continue
			}
			path := w.target(p)
			counted := false
			for _, param := range op.Parameters {
				var fields []string
				switch {
				case param.In == "body":
					s.body(param.Schema, "", "", &fields)
					for _, field := range fields {
						var ignored []string
						body, err := json.Marshal(s.body(param.Schema, "", field, &ignored))
						require.NoError(t, err)
						require.Contains(t, string(body), `\u0000`)
						what := strings.ToUpper(method) + " " + p + " " + field
						rec := w.send(strings.ToUpper(method), path, "application/json", string(body))
						refusedFor(t, rec, p, field+" contains a NUL character (U+0000), which is not allowed", field, what)
						requests++
					}
				case param.In == "formData" && param.Type == "string":
					form := url.Values{}
					for _, other := range op.Parameters {
						if other.In == "formData" && other.Type == "string" {
							form.Set(other.Name, sampleString(other.Name, other.Format, other.Enum))
						}
					}
					form.Set(param.Name, "bad\x00value")
					fields = []string{param.Name}
					what := strings.ToUpper(method) + " " + p + " form " + param.Name
					rec := w.send(strings.ToUpper(method), path, "application/x-www-form-urlencoded", form.Encode())
					refusedFor(t, rec, p, "form field "+param.Name+" contains a NUL character (U+0000), which is not allowed", param.Name, what)
					requests++
				}
				if len(fields) > 0 && !counted {
					routes, counted = routes+1, true
				}
			}
		}
	}
	t.Logf("%d routes, %d requests with a NUL", routes, requests)
	require.GreaterOrEqual(t, routes, 50, "the walk found the write routes with string fields")
	require.GreaterOrEqual(t, requests, 150, "the walk sent a NUL in every string field")
}

// TestNULInEveryStringQueryParameterIs400 walks every route's string query
// parameters (the audit filter, user search, cursors, dates).
func TestNULInEveryStringQueryParameterIs400(t *testing.T) {
	t.Parallel()
	s := loadSpec(t)
	w := newWalkEnv(t)
	n := 0
	for p, ops := range s.Paths {
		for method, op := range ops {
			for _, param := range op.Parameters {
				if param.In != "query" || param.Type != "string" {
					continue
				}
				q := url.Values{param.Name: {"bad\x00value"}}
				what := strings.ToUpper(method) + " " + p + "?" + param.Name
				rec := w.send(strings.ToUpper(method), w.target(p)+"?"+q.Encode(), "", "")
				refusedFor(t, rec, p, "query parameter "+param.Name+" contains a NUL character (U+0000), which is not allowed", param.Name, what)
				n++
			}
		}
	}
	require.GreaterOrEqual(t, n, 15, "the walk found the string query parameters")

	// The audit filter and the user search with ordinary values still answer.
	rec := w.send(http.MethodGet, "/api/v1/audit/logs?action=user.login&target_type=user", "", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	rec = w.send(http.MethodGet, "/api/v1/users/?search="+url.QueryEscape("anna 100%"), "", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

// TestNULInTheLoginFormIs400 signs in with a NUL in the url-encoded form.
func TestNULInTheLoginFormIs400(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	email, _ := e.User(t, e.Tenant(t), domain.RoleUser)
	ip := "10.99." + strconv.Itoa(int(uuid.New()[0])) + "." + strconv.Itoa(int(uuid.New()[0])) + ":40000"
	login := func(username, password string) *httptest.ResponseRecorder {
		form := url.Values{"username": {username}, "password": {password}, "grant_type": {"password"}}
		req := httptest.NewRequest(http.MethodPost, "/api/v1/users/login/token/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = ip // sign-in limits count per address; this test's are its own
		rec := httptest.NewRecorder()
		e.H.ServeHTTP(rec, req)
		return rec
	}
	for field, rec := range map[string]*httptest.ResponseRecorder{
		"username": login(email+"\x00", apptest.Password),
		"password": login(email, apptest.Password+"\x00"),
	} {
		require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
		require.Equal(t, httpx.ErrorBody{Message: "form field " + field + " contains a NUL character (U+0000), which is not allowed", Code: "invalid"},
			testkit.JSON[httpx.ErrorBody](t, rec))
	}
	require.Equal(t, http.StatusOK, login(email, apptest.Password).Code, "the form without a NUL signs in")
}
