package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/models/api"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/domain"
)

// TestPrivateModelsAreEditedAndTested: an admin changes a private model
// (its hosting region too; the kind and provider stay, the setting is
// kept) and tests it with one small call: a working upstream answers
// ok with the reply, a refused key is ok false with the class and the
// provider's status and message, never an error response.
func TestPrivateModelsAreEditedAndTested(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	tenant := e.Tenant(t)
	owner, _ := e.Token(t, tenant, domain.RoleOwner)
	other, _ := e.Token(t, e.Tenant(t), domain.RoleOwner)
	user, _ := e.Token(t, tenant, domain.RoleUser)
	fake := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"O", "K"}, Usage: [2]int{9, 2}})

	rec := e.Do(http.MethodPost, "/api/v1/admin/model-providers/", `{"name":"`+unique("Fake")+`","provider_type":"openai","endpoint":"`+fake.URL()+`","api_key":"sk-test-0123456789"}`, owner)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	p := testkit.JSON[api.ProviderResponse](t, rec)
	rec = e.Do(http.MethodPost, "/api/v1/admin/model-providers/"+p.ID+"/models/", `{"kind":"completion","name":"`+unique("Chat")+`","provider_model":"gpt-x","token_limit":8000,"hosting_region":"EU (Sweden)"}`, owner)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	m := testkit.JSON[api.ModelResponse](t, rec)
	require.Equal(t, "EU (Sweden)", m.HostingRegion)
	models := "/api/v1/admin/model-providers/" + p.ID + "/models/" + m.ID + "/"

	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, "/api/v1/completion-models/"+m.ID+"/", `{"is_enabled":true,"is_default":true}`, owner).Code)
	rec = e.Do(http.MethodPut, models, `{"name":"Renamed chat","provider_type":"anthropic","provider_model":"gpt-y","token_limit":16000,"vision":true,"hosting_region":"Sweden"}`, owner)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	got := testkit.JSON[api.ModelResponse](t, rec)
	require.Equal(t, "Renamed chat", got.Name)
	require.Equal(t, "gpt-y", got.ProviderModel)
	require.Equal(t, 16000, got.TokenLimit)
	require.True(t, got.Vision)
	require.Equal(t, "Sweden", got.HostingRegion)
	require.Equal(t, "openai", got.ProviderType, "the provider type is the record's")
	require.True(t, got.IsDefault, "the tenant's setting is kept")
	rec = e.Do(http.MethodPut, models, `{"name":"x","provider_model":"m","token_limit":10,"hosting_region":"`+longText(101)+`"}`, owner)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), "hosting_region")

	rec = e.Do(http.MethodPost, models+"test/", "", owner)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	res := testkit.JSON[api.ModelTestResponse](t, rec)
	require.True(t, res.OK, rec.Body.String())
	require.Equal(t, "OK", res.Reply)
	require.Equal(t, "gpt-y", fake.Requests[len(fake.Requests)-1]["model"], "the test calls the model as the provider names it")
	usage := testkit.JSON[map[string]any](t, e.Do(http.MethodGet, "/api/v1/token-usage/", "", owner))
	require.EqualValues(t, 11, usage["prompt_tokens"].(float64)+usage["completion_tokens"].(float64), "the test's tokens are counted: %v", usage)

	fake.Script(testkit.Reply{Status: http.StatusUnauthorized, ErrorBody: `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`})
	rec = e.Do(http.MethodPost, models+"test/", "", owner)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	res = testkit.JSON[api.ModelTestResponse](t, rec)
	require.False(t, res.OK)
	require.Equal(t, "auth", res.Problem)
	require.Equal(t, http.StatusUnauthorized, res.Status)
	require.Contains(t, res.Detail, "Incorrect API key")

	require.Equal(t, http.StatusForbidden, e.Do(http.MethodPost, models+"test/", "", user).Code)
	require.Equal(t, http.StatusNotFound, e.Do(http.MethodPost, models+"test/", "", other).Code)
	require.Equal(t, http.StatusNotFound, e.Do(http.MethodPut, models, `{"name":"x","provider_model":"m","token_limit":10}`, other).Code)

	// An embedding model embeds two words; vectors of another length
	// than registered fail the test.
	fake.Script()
	rec = e.Do(http.MethodPost, "/api/v1/admin/model-providers/"+p.ID+"/models/", `{"kind":"embedding","name":"`+unique("Embed")+`","provider_model":"emb","dimensions":8}`, owner)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	emb := testkit.JSON[api.ModelResponse](t, rec)
	rec = e.Do(http.MethodPost, "/api/v1/admin/model-providers/"+p.ID+"/models/"+emb.ID+"/test/", "", owner)
	res = testkit.JSON[api.ModelTestResponse](t, rec)
	require.False(t, res.OK, rec.Body.String())
	require.Equal(t, "dimensions_mismatch", res.Problem)
	require.Equal(t, "the model returned vectors of 3 dimensions; it is registered with 8", res.Detail)
	embURL := "/api/v1/admin/model-providers/" + p.ID + "/models/" + emb.ID + "/"
	rec = e.Do(http.MethodPut, embURL, `{"name":"`+emb.Name+`","provider_model":"emb","dimensions":3}`, owner)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	rec = e.Do(http.MethodPost, embURL+"test/", "", owner)
	res = testkit.JSON[api.ModelTestResponse](t, rec)
	require.True(t, res.OK, rec.Body.String())
	require.Equal(t, "3 dimensions", res.Reply)
}

func longText(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}
