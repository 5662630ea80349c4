package e2e

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/testkit"
)

var linkURL = regexp.MustCompile(`https?://\S+/(?:invite|reset)/pl_[A-Za-z0-9_-]+`)

// choosePassword opens a password link in a fresh browser and sets a
// password; it returns the browser, signed in.
func choosePassword(t *testing.T, base, url, email, password string) *browser {
	b := newBrowser(t, base)
	b.do(chromedp.Navigate(url))
	b.waitFor("the password page", `(document.querySelector('main')?.innerText ?? '').includes('Choose a password for `+email+`')`)
	b.requireAccessible("set password")
	b.fill("#new-password", password)
	b.fill("#new-password-again", password)
	b.click(`//button[@id="set-password"]`)
	b.waitFor("signed in on the home page", onHome)
	return b
}

// invitations: the admin invites a colleague and copies the link; the
// colleague sets a password in a fresh browser and lands signed in. The
// same invitation was e-mailed; a second colleague follows the e-mailed
// link. A used link and one replaced by a newer link are refused with a
// message, and forgot-password answers the same for any address.
func invitations(t *testing.T, base string, smtp *testkit.SMTPServer) {
	owner := newMember(t, base) // a tenant without single sign-on
	admin := newBrowser(t, base)
	admin.allowClipboard()
	admin.signIn(owner.email, owner.password)
	admin.waitFor("signed in", onHome)
	admin.open("/admin/users")
	admin.waitFor("the users page", `document.querySelector('main h1')?.textContent === 'Users'`)
	invitee := fmt.Sprintf("colleague-%d@kommun.example", time.Now().UnixNano())
	admin.fill("#inv-email", invitee)
	admin.click(`//button[normalize-space()="Invite"]`)
	admin.waitFor("the invitation link", `document.querySelector('.link-card code.invite-link')?.textContent.includes('/invite/pl_')`)
	require.Contains(t, admin.pageText(), "The link was also e-mailed to "+invitee)
	admin.click(`//section[contains(@class, "link-card")]//button[normalize-space()="Copy"]`)
	admin.waitFor("copied", `[...document.querySelectorAll('.link-card button')].some(b => b.textContent.trim() === 'Copied')`)
	copied := admin.clipboard()
	require.Regexp(t, linkURL, copied, "the clipboard holds the link")
	admin.requireAccessible("users with an invitation link")
	admin.screenshot("admin-invite-link")

	b := choosePassword(t, base, copied, invitee, "a long password for the colleague")
	require.Equal(t, invitee, eval[string](b, `document.querySelector('aside .who').getAttribute('title')`))

	// The link works once.
	again := newBrowser(t, base)
	again.do(chromedp.Navigate(copied))
	again.waitFor("the refusal", `document.querySelector('.link-refused')?.textContent.includes('already been used')`)
	again.requireAccessible("used link")
	again.screenshot("invite-used")

	// The same invitation went out by e-mail through the worker.
	mail := smtp.WaitFor(t, invitee, 30*time.Second)
	require.Contains(t, mail.Subject, "Invitation to Agora")
	require.Equal(t, copied, linkURL.FindString(mail.Text), "the e-mail carries the same link")

	// A second colleague follows the e-mailed link only.
	second := fmt.Sprintf("mailed-%d@kommun.example", time.Now().UnixNano())
	admin.fill("#inv-email", second)
	admin.click(`//button[normalize-space()="Invite"]`)
	admin.waitFor("the second invitation", `document.querySelector('.link-card h2')?.textContent.includes('`+second+`')`)
	mailed := linkURL.FindString(smtp.WaitFor(t, second, 30*time.Second).Text)
	require.NotEmpty(t, mailed, "the e-mail holds a link")
	choosePassword(t, base, mailed, second, "a long password for the second one")

	// A reset link replaced by a newer one is refused as expired.
	admin.open("/admin/users")
	admin.waitFor("the users", `[...document.querySelectorAll('tbody tr')].some(r => r.innerText.includes('`+invitee+`'))`)
	reset := `//button[@aria-label="Reset password for ` + invitee + `"]`
	admin.click(reset)
	admin.waitFor("a reset link", `document.querySelector('.link-card code.invite-link')?.textContent.includes('/reset/pl_')`)
	old := eval[string](admin, `document.querySelector('.link-card code.invite-link').textContent`)
	admin.click(reset)
	admin.waitFor("a newer reset link", `(() => { const c = document.querySelector('.link-card code.invite-link')?.textContent ?? ''; return c.includes('/reset/pl_') && c !== `+"`"+old+"`"+`; })()`)
	expired := newBrowser(t, base)
	expired.do(chromedp.Navigate(old))
	expired.waitFor("the refusal", `document.querySelector('.link-refused')?.textContent.includes('expired')`)

	// Forgot-password: the same answer for a known and an unknown address.
	answers := make([]string, 2)
	for i, email := range []string{invitee, "nobody-" + invitee} {
		f := newBrowser(t, base)
		f.open("/login")
		f.click(`//a[normalize-space()="Forgot your password?"]`)
		f.waitFor("the forgot page", `!!document.querySelector('#forgot-email')`)
		f.requireAccessible("forgot password")
		f.fill("#forgot-email", email)
		f.click(`//button[@id="forgot-submit"]`)
		f.waitFor("the answer", `!!document.querySelector('.forgot-sent')`)
		answers[i] = strings.Replace(eval[string](f, `document.querySelector('.forgot-sent').textContent`), email, "<address>", 1)
	}
	require.Equal(t, answers[0], answers[1], "nothing tells whether an address has an account")
	resetMail := smtp.WaitForSubject(t, invitee, "New password", 30*time.Second)
	require.Contains(t, linkURL.FindString(resetMail.Text), "/reset/pl_", "the known address got a reset link")
	require.Zero(t, smtp.Count("nobody-"+invitee), "the unknown one got nothing")
}

// spaceSettings renames a space, gives a user group a role in it (and a
// member of that group then sees the space), and deletes it after its
// name is typed.
func spaceSettings(t *testing.T, base string, owner *member) {
	email := fmt.Sprintf("grouped-%d@kommun.example", time.Now().UnixNano())
	const pw = "grouped-password-123456"
	resp, user := sysadmin(t, http.MethodPost, base+"/api/v1/sysadmin/users/",
		`{"email":"`+email+`","password":"`+pw+`","tenant_id":"`+owner.tenant+`","predefined_roles":["User"]}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", user)
	group := owner.do(t, http.MethodPost, "/api/v1/user-groups/", `{"name":"Permit clerks `+fmt.Sprint(time.Now().UnixNano())+`"}`, http.StatusCreated)
	owner.do(t, http.MethodPost, "/api/v1/user-groups/"+group["id"].(string)+"/users/"+user["id"].(string)+"/", "", http.StatusOK)
	space := owner.do(t, http.MethodPost, "/api/v1/spaces/", `{"name":"Permit desk"}`, http.StatusCreated)["id"].(string)

	b := newBrowser(t, base)
	b.signIn(owner.email, owner.password)
	b.waitFor("signed in", onHome)
	b.open("/spaces/" + space)
	b.waitFor("the settings", `!!document.querySelector('#space-rename')`)
	require.True(t, eval[bool](b, `(document.querySelector('#space-rename').select(), true)`))
	b.typeKeys("Permit desk north")
	b.fill("#space-description", "Parking permits for the northern districts.")
	b.click(`//section[contains(@class, "space-settings")]//button[normalize-space()="Save"]`)
	b.waitFor("the new name", `document.querySelector('main h1')?.textContent === 'Permit desk north'`)
	require.Contains(t, b.pageText(), "Parking permits for the northern districts.")

	b.waitFor("the groups to pick", `[...document.querySelectorAll('#space-group option')].some(o => o.value === '`+group["id"].(string)+`')`)
	require.True(t, eval[bool](b, `(() => { const s = document.querySelector('#space-group'); s.value = '`+group["id"].(string)+`'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`))
	b.click(`//button[normalize-space()="Add group"]`)
	b.waitFor("the group in the space", `[...document.querySelectorAll('.group-members li')].some(li => li.textContent.includes('Permit clerks'))`)
	b.requireAccessible("space settings")
	b.screenshot("space-settings")

	member := newBrowser(t, base)
	member.signIn(email, pw)
	member.waitFor("signed in", onHome)
	member.open("/spaces/" + space)
	member.waitFor("the space through the group", `document.querySelector('main h1')?.textContent === 'Permit desk north'`)
	require.Contains(t, member.pageText(), "Viewer", "the group's role")

	b.click(`//button[normalize-space()="Delete this space…"]`)
	b.waitFor("the confirmation", `document.querySelector('dialog.delete-space')?.open === true`)
	require.True(t, eval[bool](b, `document.querySelector('dialog.delete-space button[type=submit]').disabled`), "nothing is deleted before the name is typed")
	b.requireAccessible("delete space dialog")
	b.fill("#delete-space-name", "Permit desk north")
	b.click(`//dialog//button[normalize-space()="Delete the space"]`)
	b.waitFor("the spaces list", `location.pathname === '/spaces'`)
	owner.requireGone(t, "/api/v1/spaces/"+space+"/")
}

// assistantTools restores an earlier prompt of an assistant and creates and
// revokes its API key, in the assistant editor.
func assistantTools(t *testing.T, base string, owner *member) {
	a := owner.do(t, http.MethodPost, "/api/v1/assistants/", `{"name":"Helper desk","space_id":"`+owner.space+`","prompt":{"text":"First instructions."}}`,
		http.StatusCreated)["id"].(string)
	owner.do(t, http.MethodPost, "/api/v1/assistants/"+a+"/", `{"prompt":{"text":"Second instructions."}}`, http.StatusOK)

	b := newBrowser(t, base)
	b.signIn(owner.email, owner.password)
	b.waitFor("signed in", onHome)
	b.open("/spaces/" + owner.space + "/assistants/" + a)
	b.waitFor("the editor with its keys", `document.querySelector('#a-prompt')?.value === 'Second instructions.' && !!document.querySelector('#akey-name')`)

	b.fill("#akey-name", "Library widget")
	b.click(`//section[contains(@class, "assistant-keys")]//button[normalize-space()="Create key"]`)
	b.waitFor("the key, shown once", `!!document.querySelector('code.assistant-key') && document.querySelectorAll('.assistant-keys tbody tr').length === 1`)
	key := eval[string](b, `document.querySelector('code.assistant-key').textContent`)
	ask := func() int {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/assistants/"+a+"/sessions/", strings.NewReader(`{"question":"Hello?"}`))
		req.Header.Set("X-API-Key", key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusOK, ask(), "the key works on its assistant")
	b.click(`//button[@aria-label="Revoke Library widget"]`)
	b.waitFor("revoked", `document.querySelector('.assistant-keys tbody tr .badge')?.textContent === 'Revoked'`)
	require.Equal(t, http.StatusUnauthorized, ask(), "a revoked key stops working")

	b.click(`//details[contains(@class, "prompt-history")]/summary`)
	b.click(`//details[contains(@class, "prompt-history")]//button[normalize-space()="Use these instructions"]`)
	b.waitFor("the earlier prompt in the box", `document.querySelector('#a-prompt').value === 'First instructions.'`)
	b.requireAccessible("assistant editor with history and keys")
	b.screenshot("assistant-tools")
	b.click(`//button[normalize-space()="Add a starter question"]`)
	b.fill("#a-starter-0", "When is the desk open?")
	b.click(`//form//button[normalize-space()="Save"]`)
	b.waitFor("saved, still in the editor", `document.querySelector('form [role=status]')?.textContent.startsWith('Saved.') && location.pathname.endsWith('/assistants/`+a+`')`)
	got := owner.do(t, http.MethodGet, "/api/v1/assistants/"+a+"/", "", http.StatusOK)
	require.Equal(t, "First instructions.", got["prompt"].(map[string]any)["text"], "the earlier prompt is restored")
	require.Equal(t, []any{"When is the desk open?"}, got["starter_questions"])

	// The test panel beside the editor offers the starter question and
	// answers it, keeping the editor open.
	b.waitFor("the starter in the test panel", `!!document.querySelector('.try-panel button.starter')`)
	b.click(`//aside[contains(@class, "try-panel")]//button[normalize-space()="When is the desk open?"]`)
	b.waitFor("the panel's answer", `document.querySelector('.try-panel .answer')?.dataset.status === 'done'`)
	require.True(t, eval[bool](b, `location.pathname.endsWith('/assistants/`+a+`')`), "the editor stays open")
	require.Equal(t, "When is the desk open?", eval[string](b, `document.querySelector('.try-panel .question').innerText.replace(/^You:\s*/, '').trim()`))
	b.requireAccessible("assistant editor with its test panel")
	b.screenshot("assistant-editor-try")
	b.click(`//aside[contains(@class, "try-panel")]//button[normalize-space()="Start over"]`)
	b.waitFor("an empty panel", `!document.querySelector('.try-panel .answer') && !!document.querySelector('.try-panel button.starter')`)

	// The chat offers it too.
	b.open("/chat/" + a)
	b.waitFor("the starter in the empty chat", `[...document.querySelectorAll('button.starter')].some(x => x.textContent === 'When is the desk open?')`)
}

// collectionTools searches a collection and shows the passages with their
// documents and pages; renames a collection and deletes it after its name
// is typed.
func collectionTools(t *testing.T, base string, owner *member, spaceID string) {
	groups := owner.do(t, http.MethodGet, "/api/v1/spaces/"+spaceID+"/knowledge/", "", http.StatusOK)["groups"].([]any)
	rules := groups[0].(map[string]any)["id"].(string)
	temp := owner.newCollection(t, fmt.Sprintf("Temporary rules %d", time.Now().UnixNano()))

	b := newBrowser(t, base)
	b.signIn(owner.email, owner.password)
	b.waitFor("signed in", onHome)
	b.open("/spaces/" + spaceID + "/collections/" + rules)
	b.waitFor("the collection", `!!document.querySelector('#collection-query')`)
	b.fill("#collection-query", "How much does a parking permit cost?")
	b.click(`//section[contains(@class, "collection-search")]//button[normalize-space()="Search"]`)
	b.waitFor("the passages", `document.querySelectorAll('.hits li').length > 0`)
	hit := eval[string](b, `document.querySelector('.hits li').innerText`)
	require.Contains(t, hit, "500 kronor")
	require.Contains(t, hit, "permits.pdf", "the passage names its document")
	require.Contains(t, hit, "Page 1")
	b.requireAccessible("collection search")

	// The documents: their type in words, their size, and a download.
	doc := eval[map[string]string](b, `(() => { const r = document.querySelector('tbody tr');
		return {type: r.querySelector('.doc-type').textContent, size: r.querySelector('.doc-size').textContent}; })()`)
	require.Equal(t, "PDF", doc["type"], "no MIME type shown")
	require.Regexp(t, `^\d+(\.\d)? (B|kB|MB)$`, doc["size"])
	require.True(t, eval[bool](b, `(() => { window.__blobs = []; const orig = URL.createObjectURL;
		URL.createObjectURL = b => { window.__blobs.push(b); return orig.call(URL, b); }; return true; })()`))
	b.click(`//button[@aria-label="Download permits.pdf"]`)
	b.waitFor("the document downloaded", `window.__blobs.length === 1`)
	require.Equal(t, len(permitsPDF), eval[int](b, `window.__blobs[0].size`), "the whole file")

	b.open("/spaces/" + owner.space + "/collections/" + temp)
	b.waitFor("the temporary collection", `!!document.querySelector('#collection-rename')`)
	require.True(t, eval[bool](b, `(document.querySelector('#collection-rename').select(), true)`))
	b.typeKeys("Old rules")
	b.click(`//button[normalize-space()="Rename"]`)
	b.waitFor("renamed", `document.querySelector('main h1')?.textContent === 'Old rules'`)
	b.click(`//button[normalize-space()="Delete this collection…"]`)
	b.waitFor("the confirmation", `document.querySelector('dialog.delete-collection')?.open === true`)
	b.fill("#delete-collection-name", "Old rules")
	b.click(`//dialog//button[normalize-space()="Delete the collection"]`)
	b.waitFor("back in the space", `location.pathname === '/spaces/`+owner.space+`'`)
	owner.requireGone(t, "/api/v1/groups/"+temp+"/")
}

// customRoles creates a role with permissions, changes it and deletes it.
func customRoles(t *testing.T, base string, owner *member) {
	b := newBrowser(t, base)
	b.signIn(owner.email, owner.password)
	b.waitFor("signed in", onHome)
	b.open("/admin/roles")
	b.waitFor("the roles page", `document.querySelector('main h1')?.textContent === 'Roles' && document.querySelectorAll('table.roles tbody tr').length >= 3`)
	require.Contains(t, eval[string](b, `document.querySelector("table.roles").innerText`), "Administration", "the predefined roles show what they grant")
	name := fmt.Sprintf("Knowledge editors %d", time.Now().UnixNano())
	b.click(`//button[normalize-space()="New role"]`)
	b.fill("#role-name", name)
	b.click(`//label[normalize-space()="Collections"]/input`)
	b.click(`//label[normalize-space()="Websites"]/input`)
	b.requireAccessible("new role")
	b.click(`//form//button[normalize-space()="Save"]`)
	b.waitFor("the role in the list", `[...document.querySelectorAll('table.roles tbody tr')].some(r => r.innerText.includes('`+name+`') && r.innerText.includes('Collections, Websites'))`)
	roles := owner.do(t, http.MethodGet, "/api/v1/roles/", "", http.StatusOK)["items"].([]any)
	var found map[string]any
	for _, r := range roles {
		if r.(map[string]any)["name"] == name {
			found = r.(map[string]any)
		}
	}
	require.NotNil(t, found, "the role is stored")
	require.ElementsMatch(t, []any{"collections", "websites"}, found["permissions"])

	b.click(`//button[@aria-label="Edit ` + name + `"]`)
	b.click(`//label[normalize-space()="Websites"]/input`)
	b.click(`//form//button[normalize-space()="Save"]`)
	b.waitFor("the change", `[...document.querySelectorAll('table.roles tbody tr')].some(r => r.innerText.includes('`+name+`') && !r.innerText.includes('Websites'))`)
	b.screenshot("admin-roles")

	// Give the role to a user on the Users page.
	email := fmt.Sprintf("roled-%d@kommun.example", time.Now().UnixNano())
	resp, user := sysadmin(t, http.MethodPost, base+"/api/v1/sysadmin/users/",
		`{"email":"`+email+`","password":"roled-password-123456","tenant_id":"`+owner.tenant+`","predefined_roles":["User"]}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", user)
	b.open("/admin/users")
	row := `//tr[contains(., "` + email + `")]`
	b.waitFor("the user with the custom roles", `[...document.querySelectorAll('tbody tr')].some(r => r.innerText.includes('`+email+`') && !!r.querySelector('.custom-roles'))`)
	b.click(row + `//label[contains(., "` + name + `")]/input`)
	b.waitFor("saved", `document.querySelector('[role=status]')?.textContent.includes('`+email+`')`)
	got := owner.do(t, http.MethodGet, "/api/v1/users/?search="+email, "", http.StatusOK)["items"].([]any)[0].(map[string]any)
	require.Equal(t, []any{found["id"]}, got["role_ids"], "the user holds the role")
	b.requireAccessible("users with custom roles")

	b.open("/admin/roles")
	b.waitFor("the roles page", `[...document.querySelectorAll('table.roles tbody tr')].some(r => r.innerText.includes('`+name+`'))`)
	b.click(`//button[@aria-label="Delete ` + name + `"]`)
	b.waitFor("the role gone", `![...document.querySelectorAll('table.roles tbody tr')].some(r => r.innerText.includes('`+name+`'))`)
}

// requireGone checks a resource answers 404 to its owner.
func (m *member) requireGone(t *testing.T, path string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, m.base+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+m.token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "%s is gone", path)
}
