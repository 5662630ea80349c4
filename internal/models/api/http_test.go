package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/models/api"
	"github.com/agora-platform/agora/internal/platform/secrets"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/domain"
)

func createGlobal(t *testing.T, e *apptest.Env, kind, body string) api.ModelResponse {
	t.Helper()
	rec := e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/"+kind+"-models/", body)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	return testkit.JSON[api.ModelResponse](t, rec)
}

func unique(prefix string) string { return prefix + " " + uuid.NewString()[:8] }

func TestSysadminGlobalModels(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	name := unique("GPT")
	m := createGlobal(t, e, "completion", `{"name":"`+name+`","provider_type":"openai","provider_model":"gpt-4o","token_limit":128000,"vision":true}`)
	require.Equal(t, "completion", m.Kind)
	require.True(t, m.Global)
	require.True(t, m.Vision)
	listed := false
	for _, it := range testkit.JSON[api.ModelList](t, e.Sysadmin(http.MethodGet, "/api/v1/sysadmin/completion-models/", "")).Items {
		listed = listed || it.ID == m.ID
	}
	require.True(t, listed)
	tr := createGlobal(t, e, "transcription", `{"name":"`+unique("Whisper")+`","provider_type":"openai","provider_model":"whisper-1"}`)
	for _, it := range testkit.JSON[api.ModelList](t, e.Sysadmin(http.MethodGet, "/api/v1/sysadmin/completion-models/", "")).Items {
		require.NotEqual(t, tr.ID, it.ID, "kinds are listed apart")
	}
	require.Equal(t, http.StatusUnauthorized, testkit.Do(e.H, http.MethodGet, "/api/v1/sysadmin/completion-models/", "").Code)

	for body, why := range map[string]string{
		`{"name":"x","provider_type":"openai","provider_model":"m"}`:                                "no token limit",
		`{"name":"x","provider_type":"watson","provider_model":"m","token_limit":5}`:                "unknown provider",
		`{"name":"x","provider_type":"openai","provider_model":"","token_limit":5}`:                 "no provider model",
		`{"name":"x","provider_type":"openai","provider_model":"m","token_limit":5,"dimensions":3}`: "dimensions on a completion model",
	} {
		require.Equal(t, http.StatusBadRequest, e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/completion-models/", body).Code, why)
	}
	require.Equal(t, http.StatusBadRequest, e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/embedding-models/",
		`{"name":"e","provider_type":"openai","provider_model":"m"}`).Code, "embedding models need dimensions")
	require.Equal(t, http.StatusConflict, e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/completion-models/",
		`{"name":"`+strings.ToUpper(name)+`","provider_type":"openai","provider_model":"m","token_limit":5}`).Code)

	rec := e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/completion-models/"+m.ID+"/", `{"name":"`+name+`","provider_type":"openai","provider_model":"gpt-4o-mini","token_limit":64000}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, 64000, testkit.JSON[api.ModelResponse](t, rec).TokenLimit)
	require.Equal(t, http.StatusNotFound, e.Sysadmin(http.MethodGet, "/api/v1/sysadmin/embedding-models/"+m.ID+"/", "").Code, "the kind is part of the route")
	require.Equal(t, http.StatusOK, e.Sysadmin(http.MethodGet, "/api/v1/sysadmin/completion-models/"+m.ID+"/", "").Code)
	require.Equal(t, http.StatusNoContent, e.Sysadmin(http.MethodDelete, "/api/v1/sysadmin/completion-models/"+m.ID+"/", "").Code)
	require.Equal(t, http.StatusNotFound, e.Sysadmin(http.MethodGet, "/api/v1/sysadmin/completion-models/"+m.ID+"/", "").Code)
}

func TestTenantEnablementAndDefaults(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	tn := e.Tenant(t)
	a := createGlobal(t, e, "embedding", `{"name":"`+unique("Emb A")+`","provider_type":"local","provider_model":"hash","dimensions":384}`)
	b := createGlobal(t, e, "embedding", `{"name":"`+unique("Emb B")+`","provider_type":"openai","provider_model":"text-embedding-3-small","dimensions":1536}`)
	user, _ := e.Token(t, tn, domain.RoleUser)
	configurator, _ := e.Token(t, tn, domain.RoleAIConfigurator)

	list := testkit.JSON[api.ModelList](t, e.Do(http.MethodGet, "/api/v1/embedding-models/", "", user))
	byID := map[string]api.ModelResponse{}
	for _, m := range list.Items {
		byID[m.ID] = m
	}
	require.False(t, byID[a.ID].IsEnabled, "new global models start disabled for tenants")

	require.Equal(t, http.StatusForbidden, e.Do(http.MethodPost, "/api/v1/embedding-models/"+a.ID+"/", `{"is_enabled":true}`, user).Code, "Users cannot configure models")
	rec := e.Do(http.MethodPost, "/api/v1/embedding-models/"+a.ID+"/", `{"is_default":true}`, configurator)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	got := testkit.JSON[api.ModelResponse](t, rec)
	require.True(t, got.IsEnabled && got.IsDefault, "a default is enabled")

	rec = e.Do(http.MethodPost, "/api/v1/embedding-models/"+b.ID+"/", `{"is_enabled":true,"is_default":true}`, configurator)
	require.Equal(t, http.StatusOK, rec.Code)
	list = testkit.JSON[api.ModelList](t, e.Do(http.MethodGet, "/api/v1/embedding-models/", "", user))
	defaults := 0
	for _, m := range list.Items {
		if m.IsDefault {
			defaults++
			require.Equal(t, b.ID, m.ID)
		}
	}
	require.Equal(t, 1, defaults, "one default per kind")
	require.Equal(t, http.StatusNotFound, e.Do(http.MethodPost, "/api/v1/completion-models/"+a.ID+"/", `{"is_enabled":true}`, configurator).Code)

	other := e.Tenant(t)
	rec = e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+other.String()+"/embedding-models/"+a.ID+"/", `{"is_enabled":true}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.False(t, testkit.JSON[api.ModelResponse](t, rec).IsDefault)
}

func TestTenantProvidersAndPrivateModels(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	a, b := e.Tenant(t), e.Tenant(t)
	ownerA, _ := e.Token(t, a, domain.RoleOwner)
	configuratorA, _ := e.Token(t, a, domain.RoleAIConfigurator)
	ownerB, _ := e.Token(t, b, domain.RoleOwner)
	key := "sk-private-0123456789abcdef"

	require.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/admin/model-providers/", "", configuratorA).Code, "admin permission required")
	rec := e.Do(http.MethodPost, "/api/v1/admin/model-providers/", `{"name":"Our vLLM","provider_type":"vllm","endpoint":"http://vllm.internal:8000/v1","api_key":"`+key+`"}`, ownerA)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	p := testkit.JSON[api.ProviderResponse](t, rec)
	require.Equal(t, secrets.Mask(key), p.APIKey)
	require.Equal(t, http.StatusBadRequest, e.Do(http.MethodPost, "/api/v1/admin/model-providers/", `{"name":"No endpoint","provider_type":"vllm"}`, ownerA).Code)

	rec = e.Do(http.MethodPost, "/api/v1/admin/model-providers/"+p.ID+"/models/", `{"kind":"completion","name":"Llama","provider_model":"llama-3.1-70b","token_limit":32000}`, ownerA)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	private := testkit.JSON[api.ModelResponse](t, rec)
	require.False(t, private.Global)
	require.True(t, private.IsEnabled, "private models start enabled")
	require.Equal(t, "vllm", private.ProviderType)

	seen := func(token string) bool {
		for _, m := range testkit.JSON[api.ModelList](t, e.Do(http.MethodGet, "/api/v1/completion-models/", "", token)).Items {
			if m.ID == private.ID {
				return true
			}
		}
		return false
	}
	require.True(t, seen(configuratorA))
	require.False(t, seen(ownerB), "another tenant never sees a private model")
	for _, r := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/v1/admin/model-providers/" + p.ID + "/", ""},
		{http.MethodPut, "/api/v1/admin/model-providers/" + p.ID + "/", `{"name":"x","provider_type":"openai"}`},
		{http.MethodDelete, "/api/v1/admin/model-providers/" + p.ID + "/", ""},
		{http.MethodPost, "/api/v1/admin/model-providers/" + p.ID + "/models/", `{"kind":"completion","name":"x","provider_model":"m","token_limit":5}`},
		{http.MethodDelete, "/api/v1/admin/model-providers/" + p.ID + "/models/" + private.ID + "/", ""},
		{http.MethodPost, "/api/v1/completion-models/" + private.ID + "/", `{"is_enabled":true}`},
	} {
		require.Equal(t, http.StatusNotFound, e.Do(r.method, r.path, r.body, ownerB).Code, "%s %s", r.method, r.path)
	}

	rec = e.Do(http.MethodPut, "/api/v1/admin/model-providers/"+p.ID+"/", `{"name":"Renamed","provider_type":"vllm","endpoint":"http://vllm.internal:8000/v1"}`, ownerA)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, secrets.Mask(key), testkit.JSON[api.ProviderResponse](t, rec).APIKey, "an empty key keeps the stored one")
	require.Equal(t, http.StatusNoContent, e.Do(http.MethodDelete, "/api/v1/admin/model-providers/"+p.ID+"/", "", ownerA).Code)
	require.False(t, seen(ownerA), "its models went with it")
}

func TestCompletionModelFallbacks(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	spare := createGlobal(t, e, "completion", `{"name":"`+unique("Spare")+`","provider_type":"local","provider_model":"extractive","token_limit":8192}`)
	emb := createGlobal(t, e, "embedding", `{"name":"`+unique("Emb")+`","provider_type":"local","provider_model":"hash","dimensions":384}`)
	body := func(name string, fallbacks ...string) string {
		return `{"name":"` + name + `","provider_type":"openai","provider_model":"gpt-4o","token_limit":128000,"fallback_model_ids":["` + strings.Join(fallbacks, `","`) + `"]}`
	}
	name := unique("Main")
	m := createGlobal(t, e, "completion", body(name, spare.ID))
	require.Equal(t, []string{spare.ID}, m.FallbackModelIDs)

	for why, b := range map[string]string{
		"not an id":         body(unique("x"), "nope"),
		"no such model":     body(unique("x"), uuid.NewString()),
		"another kind":      body(unique("x"), emb.ID),
		"named twice":       body(unique("x"), spare.ID, spare.ID),
		"more than allowed": body(unique("x"), spare.ID, m.ID, uuid.NewString(), uuid.NewString()),
	} {
		rec := e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/completion-models/", b)
		require.Equal(t, http.StatusBadRequest, rec.Code, why)
		require.NotEmpty(t, testkit.JSON[map[string]string](t, rec)["message"], why)
	}
	require.Equal(t, http.StatusBadRequest, e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/completion-models/"+m.ID+"/", body(name, m.ID)).Code,
		"a model cannot fall back to itself")
	rec := e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/embedding-models/",
		`{"name":"`+unique("E")+`","provider_type":"local","provider_model":"hash","dimensions":384,"fallback_model_ids":["`+emb.ID+`"]}`)
	require.Equal(t, http.StatusBadRequest, rec.Code, "embedding models have no fallbacks")

	require.Equal(t, http.StatusNoContent, e.Sysadmin(http.MethodDelete, "/api/v1/sysadmin/completion-models/"+spare.ID+"/", "").Code)
	got := testkit.JSON[api.ModelResponse](t, e.Sysadmin(http.MethodGet, "/api/v1/sysadmin/completion-models/"+m.ID+"/", ""))
	require.Empty(t, got.FallbackModelIDs, "a deleted model leaves the fallback lists")
}

// TestEmbeddingModelsCarryTheirFusionWeight: an embedding model takes a
// fusion weight between 0 and 1 and shows it; without one it shows its
// provider's default (the local embedder counts for little); other kinds
// refuse one, naming the field.
func TestEmbeddingModelsCarryTheirFusionWeight(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	set := createGlobal(t, e, "embedding", `{"name":"`+unique("E5")+`","provider_type":"vllm","provider_model":"e5","dimensions":768,"fusion_weight":0.5}`)
	require.InDelta(t, 0.5, set.FusionWeight, 1e-9)
	remote := createGlobal(t, e, "embedding", `{"name":"`+unique("Ada")+`","provider_type":"openai","provider_model":"ada","dimensions":1536}`)
	require.InDelta(t, 1.0, remote.FusionWeight, 1e-9, "a served model counts as much as full-text search")
	local := createGlobal(t, e, "embedding", `{"name":"`+unique("Local")+`","provider_type":"local","provider_model":"hash-ngram-384","dimensions":384}`)
	require.InDelta(t, 0.1, local.FusionWeight, 1e-9, "the local embedder counts for little")

	for kind, body := range map[string]string{
		"embedding":  `{"name":"x","provider_type":"vllm","provider_model":"e5","dimensions":768,"fusion_weight":1.5}`,
		"completion": `{"name":"x","provider_type":"openai","provider_model":"m","token_limit":5,"fusion_weight":0.5}`,
	} {
		rec := e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/"+kind+"-models/", body)
		require.Equal(t, http.StatusBadRequest, rec.Code, kind)
		require.Contains(t, rec.Body.String(), "fusion_weight", kind)
	}
}

func TestRerankModelsAreAKindOfTheirOwn(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	name := unique("BGE reranker")
	m := createGlobal(t, e, "rerank", `{"name":"`+name+`","provider_type":"vllm","provider_model":"BAAI/bge-reranker-v2-m3"}`)
	require.Equal(t, "rerank", m.Kind)
	listed := false
	for _, it := range testkit.JSON[api.ModelList](t, e.Sysadmin(http.MethodGet, "/api/v1/sysadmin/rerank-models/", "")).Items {
		listed = listed || it.ID == m.ID
	}
	require.True(t, listed)
	for body, why := range map[string]string{
		`{"name":"x","provider_type":"local","provider_model":"m"}`:                 "the local provider has no reranker",
		`{"name":"x","provider_type":"anthropic","provider_model":"m"}`:             "Anthropic has no /rerank API",
		`{"name":"x","provider_type":"vllm","provider_model":"m","dimensions":768}`: "dimensions on a rerank model",
	} {
		rec := e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/rerank-models/", body)
		require.Equal(t, http.StatusBadRequest, rec.Code, why)
	}
	tenant := e.Tenant(t)
	rec := e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+tenant.String()+"/rerank-models/"+m.ID+"/", `{"is_enabled":true}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	token, _ := e.Token(t, tenant, domain.RoleOwner)
	require.Contains(t, e.Do(http.MethodGet, "/api/v1/rerank-models/", "", token).Body.String(), m.ID, "the tenant sees its rerank models")
	rec = e.Do(http.MethodPost, "/api/v1/users/api-keys/", `{"name":"sdk","scopes":["write"]}`, token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	rec = e.Do(http.MethodGet, "/v1/models", "", testkit.JSON[struct{ Key string }](t, rec).Key)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NotContains(t, rec.Body.String(), name, "the OpenAI-compatible API lists no rerank models")
}
