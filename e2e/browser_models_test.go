package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/testkit"
)

// providersAndModels: an admin adds a provider record against a fake
// OpenAI-compatible server and a private model on it, tests it (a working
// key, then a refused one explained in words with the provider's message
// under Details), sees its facts, chats with it through an assistant,
// edits it, and deletes a spare model and a spare provider after a
// confirmation.
func providersAndModels(t *testing.T, base string, owner *member) {
	fake := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"OK"}})
	stamp := time.Now().UnixNano()
	provider, model := fmt.Sprintf("Municipal vLLM %d", stamp), fmt.Sprintf("Municipal Llama %d", stamp)

	b := newBrowser(t, base)
	b.signIn(owner.email, owner.password)
	b.waitFor("signed in", onHome)
	b.open("/admin/models")
	b.waitFor("the models page", `document.querySelector('h1')?.textContent === 'Models' && !!document.querySelector('#providers-h')`)
	b.requireAccessible("models without providers")
	b.click(`//button[normalize-space()="Add provider"]`)
	b.fill("#provider-new-name", provider)
	b.fill("#provider-new-endpoint", fake.URL())
	b.fill("#provider-new-key", "sk-municipal-0123456789")
	b.click(`//form[contains(@class, "provider-form")]//button[normalize-space()="Save"]`)
	b.waitFor("the provider, its key masked", `[...document.querySelectorAll('article.provider')].some(a => a.querySelector('h3')?.textContent === '`+provider+`' && a.querySelector('code')?.textContent === 'sk-m...6789')`)
	require.NotContains(t, b.pageText(), "sk-municipal-0123456789", "the key is never shown")

	card := `//article[contains(@class, "provider")][.//h3[normalize-space()="` + provider + `"]]`
	b.click(card + `//button[normalize-space()="Add model"]`)
	b.fill("#model-new-name", model)
	b.fill("#model-new-pm", "llama-municipal")
	b.fill("#model-new-region", "EU (Sweden)")
	b.click(card + `//form[contains(@class, "model-form")]//button[normalize-space()="Save"]`)
	b.waitFor("the model on the card", `[...document.querySelectorAll('article.provider .models strong')].some(s => s.textContent === '`+model+`')`)
	b.waitFor("its facts in the table", `[...document.querySelectorAll('tbody tr')].some(r => r.innerText.includes('`+model+`') && r.innerText.includes('EU (Sweden)') && r.innerText.includes('128,000 tokens') && r.innerText.includes('`+provider+`'))`)

	b.click(`//button[@aria-label="Test ` + model + `"]`)
	b.waitFor("the test passed", `document.querySelector('[data-testid=model-test]')?.textContent.includes('Works: answered in')`)
	require.Equal(t, "llama-municipal", fake.Requests[len(fake.Requests)-1]["model"], "the test asked the model by the provider's name")
	fake.Script(testkit.Reply{Status: http.StatusUnauthorized, ErrorBody: `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`})
	b.click(`//button[@aria-label="Test ` + model + `"]`)
	b.waitFor("the refusal in words", `document.querySelector('[data-testid=model-test] .error')?.textContent.includes('did not accept the API key')`)
	b.click(`//div[@data-testid="model-test"]//summary`)
	require.Contains(t, eval[string](b, `document.querySelector('[data-testid=model-test] details').innerText`), "HTTP 401: Incorrect API key provided")
	b.requireAccessible("models with a provider and a failed test")
	b.screenshot("admin-models")
	fake.Script(testkit.Reply{Tokens: []string{"Parking ", "costs ", "500 kronor."}})

	// Chat with it through an assistant.
	var modelID string
	for _, m := range owner.do(t, http.MethodGet, "/api/v1/completion-models/", "", http.StatusOK)["items"].([]any) {
		if m := m.(map[string]any); m["name"] == model {
			modelID = m["id"].(string)
		}
	}
	require.NotEmpty(t, modelID)
	assistant := owner.do(t, http.MethodPost, "/api/v1/assistants/",
		`{"name":"Own model desk","space_id":"`+owner.space+`","prompt":{"text":"Answer briefly."},"completion_model":{"id":"`+modelID+`"}}`, http.StatusCreated)["id"].(string)
	b.open("/chat/" + assistant)
	b.waitFor("the chat", `document.querySelector('#chat-title')?.textContent === 'Own model desk'`)
	b.ask("What does parking cost?")
	b.lastAnswerDone("the private model's answer")
	require.Contains(t, eval[string](b, `document.querySelector('.answer .markdown').textContent`), "Parking costs 500 kronor.")
	require.Equal(t, "· "+model, eval[string](b, `document.querySelector('.answer .model-name').textContent.trim()`))

	// Edit it; add a spare model and a spare provider, and delete both.
	b.open("/admin/models")
	b.waitFor("the card", `!!document.querySelector('article.provider')`)
	b.click(`//button[@aria-label="Edit model ` + model + `"]`)
	b.waitFor("the edit form", `!!document.querySelector('form.model-form input[id$="-region"]')`)
	require.True(t, eval[bool](b, `(document.querySelector('form.model-form input[id$="-region"]').select(), true)`), "select the old region to type over it")
	b.typeKeys("Sweden, own hall")
	b.click(card + `//form[contains(@class, "model-form")]//button[normalize-space()="Save"]`)
	b.waitFor("the new region", `[...document.querySelectorAll('tbody tr')].some(r => r.innerText.includes('`+model+`') && r.innerText.includes('Sweden, own hall') && !r.innerText.includes('EU (Sweden)'))`)

	b.click(card + `//button[normalize-space()="Add model"]`)
	b.fill("#model-new-name", "Spare "+model)
	b.fill("#model-new-pm", "spare")
	b.click(card + `//form[contains(@class, "model-form")]//button[normalize-space()="Save"]`)
	b.click(`//button[@aria-label="Delete model Spare ` + model + `"]`)
	b.click(`//div[@role="alertdialog"]//button[normalize-space()="Delete"]`)
	b.waitFor("the spare model gone", `![...document.querySelectorAll('article.provider .models strong')].some(s => s.textContent === 'Spare `+model+`') &&
		[...document.querySelectorAll('article.provider .models strong')].some(s => s.textContent === '`+model+`')`)

	b.click(`//button[normalize-space()="Add provider"]`)
	b.fill("#provider-new-name", "Spare "+provider)
	b.fill("#provider-new-endpoint", fake.URL())
	b.click(`//form[contains(@class, "provider-form")]//button[normalize-space()="Save"]`)
	b.waitFor("two providers", `document.querySelectorAll('article.provider').length === 2`)
	b.click(`//button[@aria-label="Delete Spare ` + provider + `"]`)
	b.click(`//div[@role="alertdialog"]//button[normalize-space()="Delete"]`)
	b.waitFor("one provider left", `document.querySelectorAll('article.provider').length === 1`)
	b.click(card + `//button[normalize-space()="Add model"]`)
	b.phone()
	b.waitFor("the form at phone width", `!!document.querySelector('#model-new-name')`)
	require.True(t, eval[bool](b, `document.documentElement.scrollWidth <= window.innerWidth`), "no sideways scrolling at phone width")
	b.screenshot("admin-models-phone")
	b.desktop()
	audit := owner.do(t, http.MethodGet, "/api/v1/audit/logs/?action=model.deleted", "", http.StatusOK)["items"].([]any)
	require.NotEmpty(t, audit, "deleting a model is audited")
	b.requireNoProblems()
}

// spaceModels: an admin reaches the organisation space from the spaces
// page; in a shared space they allow one language model and make it the
// default, and an assistant made there without a model gets it.
func spaceModels(t *testing.T, base string, owner *member) {
	space := owner.do(t, http.MethodPost, "/api/v1/spaces/", fmt.Sprintf(`{"name":"Model office %d"}`, time.Now().UnixNano()), http.StatusCreated)["id"].(string)
	var pick map[string]any
	for _, m := range owner.do(t, http.MethodGet, "/api/v1/completion-models/", "", http.StatusOK)["items"].([]any) {
		if m := m.(map[string]any); m["is_enabled"] == true && m["is_default"] != true {
			pick = m
		}
	}
	require.NotNil(t, pick, "the tenant has an enabled language model besides its default")

	b := newBrowser(t, base)
	b.signIn(owner.email, owner.password)
	b.waitFor("signed in", onHome)
	b.open("/spaces")
	b.waitFor("the organisation space", `[...document.querySelectorAll('.space-name a')].some(a => a.textContent === 'Organisation space')`)
	b.click(`//h2[contains(@class, "space-name")]/a[normalize-space()="Organisation space"]`)
	b.waitFor("inside it", `document.querySelector('h1')?.textContent === 'Organisation space'`)

	b.open("/spaces/" + space)
	b.waitFor("the space's models", `!!document.querySelector('.space-models input[type=checkbox]')`)
	b.click(`//section[contains(@class, "space-models")]//label[contains(normalize-space(), "` + pick["name"].(string) + `")]/input`)
	b.waitFor("the default choosable", `[...document.querySelectorAll('#sm-chat option')].some(o => o.textContent === '`+pick["name"].(string)+`')`)
	require.True(t, eval[bool](b, `(() => { const s = document.querySelector('#sm-chat'); s.value = '`+pick["id"].(string)+`'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`))
	b.click(`//button[normalize-space()="Save models"]`)
	b.waitFor("saved", `document.querySelector('.space-models [role=status]')?.textContent === 'The space’s models were saved.'`)
	b.requireAccessible("space with its models")
	b.screenshot("space-models")
	got := owner.do(t, http.MethodGet, "/api/v1/spaces/"+space+"/", "", http.StatusOK)
	require.Equal(t, []any{pick["id"]}, got["models"])
	require.Equal(t, []any{pick["id"]}, got["default_models"])
	a := owner.do(t, http.MethodPost, "/api/v1/assistants/", `{"name":"Defaulted","space_id":"`+space+`"}`, http.StatusCreated)
	require.Equal(t, pick["id"], a["completion_model"].(map[string]any)["id"], "an assistant made in the space gets its default")
	b.requireNoProblems()
}
