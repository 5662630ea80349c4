package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/testkit"
)

// flowsUI: an editor builds an app in the space's editor (a problem is
// shown at the step it names), runs it and follows its steps to the
// result; a service is tried from its page and shows its JSON.
func flowsUI(t *testing.T, base string, owner *member) {
	fake := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"A short ", "summary."}})
	_, modelName := scriptedAssistant(t, base, owner, fake, owner.space, "Flow helper", "Help.")
	var modelID string
	for _, m := range owner.do(t, http.MethodGet, "/api/v1/completion-models/", "", http.StatusOK)["items"].([]any) {
		if m := m.(map[string]any); m["name"] == modelName {
			modelID = m["id"].(string)
		}
	}
	require.NotEmpty(t, modelID)

	b := newBrowser(t, base)
	b.signIn(owner.email, owner.password)
	b.waitFor("signed in", onHome)
	b.open("/spaces/" + owner.space)
	b.waitFor("the space's apps", `!!document.querySelector('.space-flows')`)
	b.click(`//section[contains(@class, "space-flows")]//a[normalize-space()="New app"]`)
	b.waitFor("the editor", `!!document.querySelector('#f-name') && !!document.querySelector('[id$="-template"]')`)
	b.fill("#f-name", "Summarise a text")
	require.True(t, eval[bool](b, `(() => { const s = document.querySelector('[id$="-model"]'); s.value = '`+modelID+`'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`))
	b.click(`//button[normalize-space()="Add a step"]`)
	b.waitFor("a second step", `document.querySelectorAll('li.step-card').length === 2`)
	b.fill(`li.step-card:nth-child(2) textarea[id$="-template"]`, "{{ steps.nope }}")
	b.click(`//form[contains(@class, "flow-editor")]//button[normalize-space()="Save"]`)
	b.waitFor("the problem at the second step", `document.querySelector('li.step-card:nth-child(2) .error')?.textContent.includes('steps.nope names no earlier step')`)
	require.False(t, eval[bool](b, `!!document.querySelector('li.step-card:nth-child(1) .error')`), "the first step has no problem")
	b.requireAccessible("the app editor with a problem")
	b.screenshot("app-editor")
	b.click(`//button[@aria-label="Remove step step2"]`)
	b.click(`//form[contains(@class, "flow-editor")]//button[normalize-space()="Save"]`)
	b.waitFor("the app's page", `document.querySelector('h1')?.textContent === 'Summarise a text' && !!document.querySelector('#in-text')`)

	b.fill("#in-text", "The council decided that parking permits cost 500 kronor a month from January.")
	b.click(`//button[normalize-space()="Start"]`)
	b.waitFor("the run done", `document.querySelector('.current-run .run-status')?.textContent === 'Done'`)
	require.Equal(t, "A short summary.", eval[string](b, `document.querySelector('.run-output').textContent.trim()`))
	require.Equal(t, "complete", eval[string](b, `document.querySelector('.current-run li.step[data-step=answer]').dataset.status`))
	b.waitFor("the run in the history", `document.querySelectorAll('.history li').length === 1`)
	b.requireAccessible("an app's run")
	b.screenshot("app-run")
	b.phone()
	require.True(t, eval[bool](b, `document.documentElement.scrollWidth <= window.innerWidth`), "no sideways scrolling at phone width")
	b.screenshot("app-run-phone")
	b.desktop()

	// Start it on a schedule and from another system.
	b.fill("#tr-cron", "0 7 * * 1-5")
	b.fill("#tr-in-text", "Today's parking decisions.")
	b.click(`//button[normalize-space()="Save the schedule"]`)
	b.waitFor("the schedule saved with its next run", `document.querySelector('.triggers [role=status]')?.textContent === 'The schedule was saved.' && document.querySelector('.triggers').innerText.includes('Next run:')`)
	b.click(`//button[normalize-space()="Make a webhook"]`)
	b.waitFor("the webhook's address and secret", `document.querySelector('.hook-url')?.textContent.includes('/api/v1/hooks/wh_') && document.querySelector('.hook-secret')?.textContent.startsWith('whsec_')`)
	b.requireAccessible("an app's triggers")
	b.screenshot("app-triggers")

	// A change is a new version; an earlier one can be taken back.
	appID := strings.TrimPrefix(eval[string](b, `location.pathname`), "/spaces/"+owner.space+"/apps/")
	b.open("/spaces/" + owner.space + "/app-editor/" + appID)
	b.waitFor("the editor", `!!document.querySelector('textarea[id$="-template"]')`)
	first := eval[string](b, `document.querySelector('textarea[id$="-template"]').value`)
	require.True(t, eval[bool](b, `(document.querySelector('textarea[id$="-template"]').select(), true)`))
	b.typeKeys("Summarise briefly: {{ input.text }}")
	b.click(`//form[contains(@class, "flow-editor")]//button[normalize-space()="Save"]`)
	b.waitFor("back on the app's page", `location.pathname.endsWith('/apps/`+appID+`') && document.body.innerText.includes('version 2')`)
	b.open("/spaces/" + owner.space + "/app-editor/" + appID)
	b.waitFor("the versions", `!!document.querySelector('details.versions')`)
	b.click(`//details[contains(@class, "versions")]/summary`)
	b.click(`//button[@aria-label="Use this version: version 1"]`)
	b.waitFor("the first instructions back", `document.querySelector('textarea[id$="-template"]').value === `+"`"+first+"`")
	b.click(`//form[contains(@class, "flow-editor")]//button[normalize-space()="Save"]`)
	b.waitFor("version 3", `document.body.innerText.includes('version 3')`)
	got := owner.do(t, http.MethodGet, "/api/v1/workflows/"+appID+"/", "", http.StatusOK)
	require.Equal(t, first, got["definition"].(map[string]any)["steps"].([]any)[0].(map[string]any)["template"], "the first version's instructions are back")

	fake.Script(testkit.Reply{Tokens: []string{`{"case":"parking"}`}})
	svc := owner.do(t, http.MethodPost, "/api/v1/workflows/", `{"kind":"service","space_id":"`+owner.space+`","name":"Classify a message","published":true,
		"definition":{"fields":[{"name":"message","type":"text","required":true}],"steps":[{"id":"classify","kind":"extract","model_id":"`+modelID+`",
		"template":"Classify: {{ input.message }}","schema":{"type":"object","properties":{"case":{"enum":["parking","school"]}}}}]}}`, http.StatusCreated)["id"].(string)
	b.open("/spaces/" + owner.space + "/apps/" + svc)
	b.waitFor("the service's page", `!!document.querySelector('#in-message')`)
	b.fill("#in-message", "My car was towed.")
	b.click(`//button[normalize-space()="Run"]`)
	b.waitFor("the JSON answer", `document.querySelector('[data-testid=service-output]')?.textContent.includes('"case": "parking"')`)
	b.requireAccessible("a service tried")
	b.screenshot("service-try")

	// A key for another system runs the service and nothing else.
	b.fill("#skey-name", "Case system")
	b.click(`//section[contains(@class, "service-keys")]//button[normalize-space()="Create key"]`)
	b.waitFor("the key, shown once", `!!document.querySelector('code.service-key') && document.querySelectorAll('.service-keys tbody tr').length === 1`)
	key := eval[string](b, `document.querySelector('code.service-key').textContent`)
	fake.Script(testkit.Reply{Tokens: []string{`{"case":"school"}`}})
	call := func(path string) int {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(`{"input":{"message":"Free meals?"}}`))
		req.Header.Set("X-API-Key", key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusOK, call("/api/v1/services/"+svc+"/run/"))
	require.Equal(t, http.StatusUnauthorized, call("/api/v1/workflows/"), "nothing else")
	b.requireNoProblems()
}
