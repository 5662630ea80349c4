package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/testkit"
)

// The web UI in headless Debian Chromium against the real API and worker
// binaries and the real database. AGORA_SCREENSHOTS=1 also writes the
// screenshots under docs/screenshots/ that the README shows.

const (
	desktopW, desktopH = 1280, 800
	phoneW, phoneH     = 390, 844
)

// browser is one Chromium with one tab, signed in as nobody yet.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	problems []string // uncaught exceptions and CSP violations
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("REQUIRE_SERVICES") == "1" {
			t.Fatal("Chromium is missing: `make test` installs Debian's chromium (scripts/services.sh with AGORA_BROWSER=1)")
		}
		t.Skip("chromium is not installed")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "en-GB"), chromedp.WindowSize(desktopW, desktopH),
		chromedp.UserDataDir(t.TempDir()))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTime := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base}
	require.NoError(t, chromedp.Do(ctx), "Chromium did not start")
	b.watchConsole()
	t.Cleanup(b.requireNoProblems)
	return b
}

// watchConsole records what must never happen on a page: an uncaught
// exception, or something the Content-Security-Policy blocked.
func (b *browser) watchConsole() {
	messages := chromedp.Console(b.ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				b.mu.Lock()
				b.problems = append(b.problems, m.String())
				b.mu.Unlock()
			}
		}
	}()
}

func (b *browser) requireNoProblems() {
	b.mu.Lock()
	defer b.mu.Unlock()
	require.Empty(b.t, b.problems, "the pages threw or broke the CSP")
}

func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Do(b.ctx, actions...))
}

func (b *browser) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base + path))
}

// eval runs JavaScript in the page and decodes its result into T.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	require.NoError(b.t, err, "evaluating %s", js)
	return v
}

// waitFor polls a JavaScript condition until it holds. A poll cut short by
// a navigation (a sign-in redirect) starts again on the new page.
func (b *browser) waitFor(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		_, err := chromedp.Run(b.ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			return
		}
		navigated := strings.Contains(err.Error(), "navigated") || strings.Contains(err.Error(), "context")
		if !navigated || time.Now().After(deadline) || b.ctx.Err() != nil {
			require.NoError(b.t, err, "waiting until %s (%s); page text: %s", what, js, b.pageText())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *browser) pageText() string {
	text, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 2000)`))
	return text
}

func (b *browser) heading() string {
	return eval[string](b, `document.querySelector('h1')?.textContent.trim() ?? ''`)
}

func (b *browser) click(xpath string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.Search(xpath), chromedp.NodeVisible))
}

func (b *browser) fill(css, text string) {
	b.t.Helper()
	b.do(chromedp.SendKeys(chromedp.CSS(css), text, chromedp.NodeVisible))
}

func (b *browser) signIn(email, password string) {
	b.t.Helper()
	b.open("/login")
	b.fill("#email", email)
	b.fill("#password", password)
	b.click(`//button[@id="login-submit"]`)
}

// screenshot writes the viewport as docs/screenshots/<name>.png when
// AGORA_SCREENSHOTS=1, and to a temporary directory otherwise.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	require.NoError(b.t, err)
	dir := b.t.TempDir()
	if os.Getenv("AGORA_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "docs", "screenshots")
		require.NoError(b.t, os.MkdirAll(dir, 0o755))
	}
	require.NoError(b.t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

func (b *browser) phone() {
	b.do(chromedp.EmulateViewport(phoneW, phoneH, chromedp.EmulateScale(2)))
}

func (b *browser) desktop() {
	b.do(chromedp.EmulateViewport(desktopW, desktopH))
}

// axeViolation is one rule axe-core found broken.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// requireAccessible runs axe-core (web/node_modules, installed by npm ci)
// with the WCAG 2.1 A and AA rules and fails on serious or critical findings.
func (b *browser) requireAccessible(page string) {
	b.t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "web", "node_modules", "axe-core", "axe.min.js"))
	require.NoError(b.t, err, "axe-core is installed by scripts/web.sh (npm ci in web/)")
	if !eval[bool](b, `typeof window.axe === 'object'`) {
		eval[any](b, string(src)+";true")
	}
	found := eval[[]axeViolation](b, `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
		.then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
		.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))`)
	require.Empty(b.t, found, "axe-core on the %s page", page)
}

// tabTo presses Tab until the focused element satisfies js (an expression
// over el), as someone without a mouse would.
func (b *browser) tabTo(what, js string) {
	b.t.Helper()
	cond := `(() => { const el = document.activeElement; return !!el && el !== document.body && (` + js + `); })()`
	for range 80 {
		if eval[bool](b, cond) {
			return
		}
		b.do(chromedp.KeyEvent(kb.Tab))
	}
	b.t.Fatalf("Tab never reached %s; focus is on %s", what, eval[string](b, `document.activeElement?.outerHTML.slice(0, 200) ?? ''`))
}

func (b *browser) typeKeys(text string) {
	b.do(chromedp.KeyEvent(text))
}

// requireFocusVisible checks the focused element (or the question box
// around a focused question field) shows a focus outline.
func (b *browser) requireFocusVisible() {
	b.t.Helper()
	style := eval[string](b, `getComputedStyle(document.activeElement.closest('.composer') ?? document.activeElement).outlineStyle`)
	require.NotEqual(b.t, "none", style, "the focused element has a visible outline")
}

// uploadSeen installs a recorder of every state the upload rows show, so
// the test sees the progress bar move, not only where it ends.
const uploadRecorder = `(() => {
	window.__uploads = [];
	const rec = () => document.querySelectorAll('.uploads li').forEach(li => {
		const p = li.querySelector('progress');
		const s = li.dataset.status + ':' + (p.hasAttribute('value') ? p.value : '-');
		const all = window.__uploads;
		if (all[all.length - 1] !== s) all.push(s);
	});
	new MutationObserver(rec).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
	return true;
})()`

// dropFile drops a file on the page's drop zone as a drag from the desktop would.
func (b *browser) dropFile(name, mime string, content []byte) {
	b.t.Helper()
	js := fmt.Sprintf(`(() => {
		const bytes = Uint8Array.from(atob(%q), c => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], %q, {type: %q}));
		const zone = document.querySelector('.drop');
		for (const type of ['dragenter', 'dragover', 'drop']) {
			zone.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
		}
		return true;
	})()`, base64.StdEncoding.EncodeToString(content), name, mime)
	require.True(b.t, eval[bool](b, js))
}

// onHome is true on the home page of a signed-in user, in English.
const onHome = `location.pathname === '/' && (document.querySelector('h1')?.textContent ?? '').startsWith('What can I help you with')`

// The documents of the main flow.
var permitsPDF = testkit.PDF(false,
	"Residents apply for parking permits online.",
	"A parking permit costs 500 kronor a month.")

// TestWebUI runs the acceptance flows of the web UI on one stack.
func TestWebUI(t *testing.T) {
	smtp := testkit.NewSMTPServer(t)
	s := newStack(t, append(smtp.Env(), "FEDERATION_PER_TENANT_ENABLED=true")...)
	s.worker(t)
	base := s.api(t)
	owner := newMember(t, base)

	var spaceID string
	t.Run("main flow: sign in, space, upload with progress, assistant, streamed answer, citation", func(t *testing.T) {
		spaceID = mainFlow(t, base, owner)
	})
	require.NotEmpty(t, spaceID, "the main flow made the space the other flows use")

	t.Run("the UI's assets are served precompressed", func(t *testing.T) {
		precompressedAssets(t, base)
	})

	t.Run("sign in with your organisation (per-tenant OIDC) through the tenant picker", func(t *testing.T) {
		signInWithOrganisation(t, base, owner)
	})

	t.Run("a wrong password shows an error", func(t *testing.T) {
		b := newBrowser(t, base)
		b.signIn(owner.email, "not-the-password")
		b.waitFor("the error shows", `document.querySelector('[role=alert]')?.textContent.trim().length > 0`)
		require.Equal(t, "/login", eval[string](b, `location.pathname`))
		require.Equal(t, "", eval[string](b, `document.querySelector('#password').value`), "the wrong password is cleared")
		require.NotContains(t, eval[string](b, `sessionStorage.getItem('agora.tokens') ?? ''`), "access")
		b.screenshot("sign-in-error")
	})

	t.Run("a viewer sees no edit controls", func(t *testing.T) {
		viewerSeesNoEditControls(t, base, owner, spaceID)
	})

	t.Run("switching to Swedish changes the UI text", func(t *testing.T) {
		b := newBrowser(t, base)
		b.open("/login")
		b.waitFor("the sign-in page", `document.querySelector('h1')?.textContent === 'Sign in'`)
		require.True(t, eval[bool](b, `(() => { const s = document.querySelector('#lang-select'); s.value = 'sv'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`))
		b.waitFor("Swedish headings", `document.querySelector('h1')?.textContent === 'Logga in'`)
		require.Equal(t, "sv", eval[string](b, `document.documentElement.lang`))
		require.Equal(t, "Lösenord", eval[string](b, `document.querySelector('label[for=password]').textContent.trim()`))
		b.screenshot("sign-in-sv")
		b.fill("#email", owner.email)
		b.fill("#password", owner.password)
		b.click(`//button[@id="login-submit"]`)
		b.waitFor("the home page in Swedish", `(document.querySelector('h1')?.textContent ?? '').startsWith('Vad kan jag hjälpa dig med')`)
		require.Equal(t, "Logga ut", eval[string](b, `document.querySelector('#sign-out').getAttribute('aria-label')`))
		require.Contains(t, eval[string](b, `document.querySelector('aside').textContent`), "I dag", "the sidebar's groups are Swedish")
		b.open("/spaces/" + spaceID)
		b.waitFor("the space page", `document.querySelector('#knowledge-h')?.textContent === 'Kunskap'`)
		require.Contains(t, b.pageText(), "Assistenter")
		require.NotContains(t, b.pageText(), "Assistants", "no English left on the page")

		// An error reads in Swedish; the server's English words wait under
		// Details.
		group := fmt.Sprintf("Handläggare %d", time.Now().UnixNano())
		owner.do(t, http.MethodPost, "/api/v1/user-groups/", `{"name":"`+group+`"}`, http.StatusCreated)
		b.open("/admin/groups")
		b.waitFor("the groups page", `!!document.querySelector('#group-name')`)
		b.fill("#group-name", group)
		b.click(`//button[normalize-space()="Skapa grupp"]`)
		b.waitFor("the error in Swedish", `document.querySelector('.error-note > span')?.textContent === 'Det finns redan något med det namnet. Välj ett annat namn.'`)
		require.NotContains(t, eval[string](b, `document.querySelector('.error-note').innerText`), "already exists", "the English stays folded away")
		b.click(`//details[contains(@class, "error-detail")]/summary`)
		require.Contains(t, eval[string](b, `document.querySelector('.error-note').innerText`), "a user group with this name already exists")
		b.requireAccessible("an error in Swedish")
		b.screenshot("error-sv")
		require.True(t, eval[bool](b, `(() => { const s = document.querySelector('#lang-select'); s.value = 'en'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`))
		b.waitFor("English again", `document.querySelector('h1')?.textContent === 'User groups'`)
	})

	t.Run("the answer streams in piece by piece, and stop ends it", func(t *testing.T) {
		streamAndStop(t, base, owner, spaceID)
	})

	t.Run("admin portal and API keys", func(t *testing.T) {
		adminPortal(t, base, owner)
	})

	t.Run("keyboard only: sign in, open the space, chat, open and close a citation", func(t *testing.T) {
		keyboardChat(t, base, owner)
	})

	t.Run("space settings: rename, a user group's access, delete after typing the name", func(t *testing.T) {
		spaceSettings(t, base, owner)
	})

	t.Run("assistant editor: restore an earlier prompt, create and revoke an API key", func(t *testing.T) {
		assistantTools(t, base, owner)
	})

	t.Run("collections: search with passages, rename, delete after typing the name", func(t *testing.T) {
		collectionTools(t, base, owner, spaceID)
	})

	t.Run("custom roles: create with permissions, change, delete", func(t *testing.T) {
		customRoles(t, base, owner)
	})

	t.Run("models: a provider and a private model against a fake server, tested, chatted with, edited, deleted", func(t *testing.T) {
		providersAndModels(t, base, owner)
	})
	t.Run("space models: the organisation space reached, a space's language model allowed and made its default", func(t *testing.T) {
		spaceModels(t, base, owner)
	})
	t.Run("apps: built in the editor with a problem shown at its step, run with its steps followed; a service tried", func(t *testing.T) {
		flowsUI(t, base, owner)
	})
	t.Run("invitations: a copied link and an e-mailed one set a password; used and replaced links are refused; forgot-password", func(t *testing.T) {
		invitations(t, base, smtp)
	})

	t.Run("home and sidebar: new chat with the picker, search, rename, delete; a phone", func(t *testing.T) {
		homeAndSidebar(t, base, owner)
	})

	t.Run("answers: code highlighted and copied, copy, regenerate, edit and resend, the limit, the injection flag", func(t *testing.T) {
		answerActions(t, base, owner)
	})

	t.Run("attachments by drop and paste, answered from the file", func(t *testing.T) {
		attachments(t, base, owner)
	})

	t.Run("the chat's flows at 390 px", func(t *testing.T) {
		phoneChat(t, base, owner)
	})

	// Last: signing out ends every sign-in of the owner.
	t.Run("dark mode remembered, every page accessible in it, a second tab signed in, sign-out everywhere", func(t *testing.T) {
		themesAndSessions(t, base, owner, spaceID)
	})
}

// mainFlow is the acceptance's main flow; it returns the space it created.
func mainFlow(t *testing.T, base string, owner *member) string {
	b := newBrowser(t, base)
	b.open("/")
	b.waitFor("the redirect to sign-in", `location.pathname === '/login' && !!document.querySelector('#email')`)
	b.requireAccessible("sign-in")
	b.screenshot("sign-in")
	b.fill("#email", owner.email)
	b.fill("#password", owner.password)
	b.click(`//button[@id="login-submit"]`)
	b.waitFor("the home page", onHome)
	require.Empty(t, eval[string](b, `sessionStorage.getItem('agora.tokens') ?? ''`), "no token in storage a script could read")

	// Create a space.
	b.open("/spaces")
	b.waitFor("the spaces page", `document.querySelector('h1')?.textContent === 'Spaces'`)
	b.fill("#space-name", "Parking office")
	b.click(`//button[normalize-space()="Create space"]`)
	b.waitFor("the new space", `document.querySelector('h1')?.textContent === 'Parking office'`)
	spaceID := strings.TrimPrefix(eval[string](b, `location.pathname`), "/spaces/")
	require.Len(t, spaceID, 36, "the address names the space")

	// Create a collection and drop a document on it.
	b.fill("#collection-name", "Parking rules")
	b.click(`//button[normalize-space()="Create collection"]`)
	b.waitFor("the collection page", `document.querySelector('h1')?.textContent === 'Parking rules' && !!document.querySelector('.drop')`)
	require.True(t, eval[bool](b, uploadRecorder))
	b.dropFile("permits.pdf", "application/pdf", permitsPDF)
	b.waitFor("the upload to finish", `document.querySelector('.uploads li')?.dataset.status === 'complete'`)
	row := eval[map[string]any](b, `(() => { const li = document.querySelector('.uploads li');
		return {name: li.querySelector('.name').textContent, value: li.querySelector('progress').value, status: li.querySelector('.status').textContent}; })()`)
	require.Equal(t, "permits.pdf", row["name"])
	require.EqualValues(t, 100, row["value"], "the progress bar reached the end")
	require.Equal(t, "Done", row["status"])
	seen := eval[[]string](b, `window.__uploads`)
	require.Contains(t, seen, "complete:100", "states shown: %v", seen)
	require.Equal(t, "uploading:-", seen[0], "the row appeared at once, before the server answered: %v", seen)
	b.waitFor("the document in the list", `[...document.querySelectorAll('tbody td')].some(td => td.textContent.trim() === 'permits.pdf')`)
	b.requireAccessible("knowledge")
	b.screenshot("knowledge")
	b.tabTo("the file picker", `el.id === 'file-input'`)
	require.NotEqual(t, "none", eval[string](b, `getComputedStyle(document.querySelector('label[for=file-input]')).outlineStyle`),
		"the hidden file input's focus shows on its label")

	// Create an assistant that answers from the collection.
	b.click(`//a[contains(., "Back to the space")]`)
	b.click(`//a[normalize-space()="New assistant"]`)
	b.waitFor("the assistant editor", `!!document.querySelector('#a-name') && document.querySelector('#a-model').options.length > 0`)
	b.fill("#a-name", "Parking clerk")
	b.fill("#a-prompt", "Answer questions about parking from the documents.")
	b.click(`//label[contains(., "Parking rules")]/input`)
	b.click(`//label[contains(., "Published")]/input`)
	b.screenshot("assistant-editor")
	b.click(`//button[normalize-space()="Save"]`)
	b.waitFor("the assistant in the space", `[...document.querySelectorAll('h3')].some(h => h.textContent === 'Parking clerk')`)
	b.screenshot("space")

	// Ask; the answer streams in and cites the document.
	b.click(`//a[@aria-label="Chat with Parking clerk"]`)
	b.waitFor("the chat page", `!!document.querySelector('#question')`)
	require.True(t, eval[bool](b, `(() => { window.__busy = false;
		new MutationObserver(() => { if (document.querySelector('.answer[aria-busy=true][aria-live=polite]')) window.__busy = true; })
			.observe(document.body, {subtree: true, childList: true, attributes: true});
		return true; })()`))
	b.fill("#question", "What does a parking permit cost?")
	b.do(chromedp.KeyEvent(kb.Enter))
	b.waitFor("the answer", `document.querySelector('.answer')?.dataset.status === 'done'`)
	require.True(t, eval[bool](b, `window.__busy`), "the answer was a busy live region while it streamed")
	require.Contains(t, eval[string](b, `document.querySelector('.answer .markdown').textContent`), "500 kronor")
	require.Regexp(t, `^/chat/[0-9a-f-]{36}/[0-9a-f-]{36}$`, eval[string](b, `location.pathname`), "the address names the session")
	citation := eval[string](b, `document.querySelector('button.citation')?.textContent.trim() ?? ''`)
	require.Equal(t, "[1] permits.pdf", citation)
	b.screenshot("chat")

	// Open the citation: title, source and the cited passage.
	b.click(`//button[contains(@class, "citation")]`)
	b.waitFor("the citation dialog", `document.querySelector('dialog.citation')?.open === true`)
	require.Equal(t, "permits.pdf", eval[string](b, `document.querySelector('#citation-title').textContent`))
	require.Contains(t, eval[string](b, `document.querySelector('dialog .passage').textContent`), "500 kronor")
	facts := eval[map[string]string](b, `Object.fromEntries([...document.querySelectorAll('dialog.citation dt')].map(dt => [dt.textContent, dt.nextElementSibling.textContent]))`)
	require.Equal(t, "1", facts["Page"], "the citation names the PDF page: %v", facts)
	require.Contains(t, eval[string](b, `document.querySelector('dialog.citation .actions button')?.textContent ?? ''`), "page 1", "the document can be fetched from the citation")
	b.screenshot("citation")
	b.do(chromedp.KeyEvent(kb.Escape))
	b.waitFor("the dialog to close", `document.querySelector('dialog.citation')?.open === false`)
	// The answer's own "[1]" marker opens the same source.
	b.click(`//div[contains(@class, "markdown")]//a[@data-n="1"]`)
	b.waitFor("the citation dialog from the marker", `document.querySelector('dialog.citation')?.open === true && document.querySelector('#citation-title').textContent === 'permits.pdf'`)
	b.do(chromedp.KeyEvent(kb.Escape))
	b.waitFor("the dialog to close", `document.querySelector('dialog.citation')?.open === false`)
	b.requireAccessible("chat")

	// The conversation is in the history, and the page works at phone width.
	b.waitFor("the conversation in the sidebar", `document.querySelectorAll('aside .conversations li').length === 1`)
	require.True(t, eval[bool](b, `!!document.querySelector('.answer .offline-note')`), "the offline model's answer says it only quotes")
	require.Contains(t, eval[string](b, `document.querySelector('.answer .model-name').textContent`), "Answerer", "the answer names its model")
	b.phone()
	b.open(eval[string](b, `location.pathname`))
	b.waitFor("the reloaded conversation", `document.querySelector('.answer .markdown')?.textContent.includes('500 kronor')`)
	require.True(t, eval[bool](b, `document.documentElement.scrollWidth <= window.innerWidth`), "no sideways scrolling at phone width")
	b.screenshot("chat-phone")
	b.open("/spaces/" + spaceID)
	b.waitFor("the space", `document.querySelector('h1')?.textContent === 'Parking office'`)
	b.screenshot("space-phone")
	b.desktop()
	return spaceID
}

// viewerSeesNoEditControls adds a viewer to the space and checks, in the
// browser, that nothing offers to change it, while the owner's page does.
func viewerSeesNoEditControls(t *testing.T, base string, owner *member, spaceID string) {
	email := fmt.Sprintf("viewer-%d@kommun.example", time.Now().UnixNano())
	const pw = "viewer-password-123456"
	resp, user := sysadmin(t, http.MethodPost, base+"/api/v1/sysadmin/users/",
		`{"email":"`+email+`","password":"`+pw+`","tenant_id":"`+owner.tenant+`","predefined_roles":["User"]}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", user)
	owner.do(t, http.MethodPost, "/api/v1/spaces/"+spaceID+"/members/", `{"id":"`+user["id"].(string)+`","role":"viewer"}`, http.StatusOK)

	editControls := `(() => {
		const found = [];
		if (document.querySelector('a[href$="/assistants/new"]')) found.push('new assistant');
		if (document.querySelector('a[aria-label^="Edit"]')) found.push('edit assistant');
		if ([...document.querySelectorAll('button')].some(b => b.textContent.trim() === 'Delete')) found.push('delete');
		if (document.querySelector('#collection-name')) found.push('create collection');
		if (document.querySelector('#website-url')) found.push('add website');
		if (document.querySelector('#member-user')) found.push('add member');
		if (document.querySelector('select[aria-label^="Role of"]')) found.push('change role');
		return found;
	})()`

	ownerView := newBrowser(t, base)
	ownerView.signIn(owner.email, owner.password)
	ownerView.waitFor("signed in", onHome)
	ownerView.open("/spaces/" + spaceID)
	ownerView.waitFor("the space with its members", `!!document.querySelector('#members-h') && !!document.querySelector('select[aria-label^="Role of"]')`)
	require.ElementsMatch(t, []string{"new assistant", "edit assistant", "delete", "create collection", "add website", "add member", "change role"},
		eval[[]string](ownerView, editControls), "the owner's page has every control (the check can see them)")

	b := newBrowser(t, base)
	b.signIn(email, pw)
	b.waitFor("signed in", onHome)
	b.open("/spaces/" + spaceID)
	b.waitFor("the space as a viewer", `!!document.querySelector('#members-h') && document.body.innerText.includes('Parking clerk')`)
	require.Contains(t, b.pageText(), "Viewer", "the page says the role")
	require.Empty(t, eval[[]string](b, editControls), "a viewer sees no edit controls")
	require.True(t, eval[bool](b, `!!document.querySelector('a[aria-label="Chat with Parking clerk"]')`), "a viewer may chat")
	require.NotContains(t, eval[string](b, `document.querySelector('aside').innerText`), "Administration")
	b.open("/admin/users")
	b.waitFor("the no-access page", `document.querySelector('main h1')?.textContent === 'No access'`)
	require.False(t, eval[bool](b, `!!document.querySelector('#inv-email, nav.subnav')`), "no admin controls or tabs")
	b.requireAccessible("no access")
	b.open("/spaces/" + spaceID)
	b.waitFor("the space again", `!!document.querySelector('#members-h')`)
	b.screenshot("space-viewer")

	b.click(`//a[normalize-space()="Parking rules"]`)
	b.waitFor("the collection as a viewer", `document.querySelector('h1')?.textContent === 'Parking rules' && document.querySelectorAll('tbody tr').length === 1`)
	require.False(t, eval[bool](b, `!!document.querySelector('.drop, #file-input')`), "no upload for a viewer")
	require.Empty(t, eval[[]string](b, editControls))
}

// keyboardChat signs in, reaches the assistant and asks with the keyboard
// alone, then opens the citation and closes it again.
func keyboardChat(t *testing.T, base string, owner *member) {
	b := newBrowser(t, base)
	b.open("/login")
	b.waitFor("the sign-in page", `!!document.querySelector('#email')`)
	b.tabTo("the skip link", `el.classList.contains('skip-link')`)
	b.tabTo("the e-mail field", `el.id === 'email'`)
	b.requireFocusVisible()
	b.typeKeys(owner.email)
	b.tabTo("the password field", `el.id === 'password'`)
	b.typeKeys(owner.password + kb.Enter)
	b.waitFor("the home page", onHome)

	b.tabTo("the space's link in the sidebar", `el.tagName === 'A' && el.textContent.trim() === 'Parking office'`)
	b.requireFocusVisible()
	b.typeKeys(kb.Enter)
	b.waitFor("the space", `document.querySelector('h1')?.textContent === 'Parking office' && !!document.querySelector('a[aria-label="Chat with Parking clerk"]')`)
	b.tabTo("the chat link", `el.getAttribute('aria-label') === 'Chat with Parking clerk'`)
	b.typeKeys(kb.Enter)
	b.waitFor("the chat page", `!!document.querySelector('#question')`)
	b.tabTo("the question field", `el.id === 'question'`)
	b.requireFocusVisible()
	b.typeKeys("How do residents apply for parking permits?" + kb.Enter)
	b.waitFor("the answer", `document.querySelector('.answer')?.dataset.status === 'done'`)
	require.Contains(t, eval[string](b, `document.querySelector('.answer .markdown').textContent`), "online")

	b.tabTo("the citation", `el.classList.contains('citation')`)
	b.requireFocusVisible()
	b.typeKeys(kb.Enter)
	b.waitFor("the citation dialog", `document.querySelector('dialog.citation')?.open === true`)
	require.True(t, eval[bool](b, `document.querySelector('dialog.citation').contains(document.activeElement)`), "focus moved into the dialog")
	b.typeKeys(kb.Escape)
	b.waitFor("the dialog to close", `document.querySelector('dialog.citation')?.open === false`)
	require.True(t, eval[bool](b, `document.activeElement.classList.contains('citation')`), "focus went back to the citation")

	b.tabTo("the feedback button", `el.closest('.feedback') !== null`)
	b.typeKeys(kb.Enter)
	b.waitFor("the feedback is recorded", `document.querySelector('.feedback button[aria-pressed=true]') !== null`)
	sid := strings.Split(eval[string](b, `location.pathname`), "/")[3]
	session := owner.do(t, http.MethodGet, "/api/v1/conversations/"+sid+"/", "", http.StatusOK)
	questions := session["questions"].([]any)
	require.EqualValues(t, 1, questions[0].(map[string]any)["feedback"], "the keyboard's thumbs-up reached the server")

	// A comment may follow the thumb.
	b.waitFor("the comment field", `!!document.querySelector('#feedback-text')`)
	b.tabTo("the comment field", `el.id === 'feedback-text'`)
	b.typeKeys("Short and clear." + kb.Enter)
	b.waitFor("the thanks", `[...document.querySelectorAll('.toast')].some(t => t.textContent.includes('Thank you'))`)
	session = owner.do(t, http.MethodGet, "/api/v1/conversations/"+sid+"/", "", http.StatusOK)
	require.Equal(t, "Short and clear.", session["questions"].([]any)[0].(map[string]any)["feedback_text"])
}

// adminPortal walks the admin pages as the tenant's owner: invite a user,
// see the token usage chart and the audit log, and create an API key that
// is shown once.
func adminPortal(t *testing.T, base string, owner *member) {
	b := newBrowser(t, base)
	b.signIn(owner.email, owner.password)
	b.waitFor("signed in", onHome)

	b.click(`//aside//a[normalize-space()="Administration"]`)
	b.waitFor("the users page", `document.querySelector('h1')?.textContent === 'Users' && document.querySelectorAll('tbody tr').length >= 2`)
	invitee := fmt.Sprintf("new-%d@kommun.example", time.Now().UnixNano())
	b.fill("#inv-email", invitee)
	b.click(`//button[normalize-space()="Invite"]`)
	b.waitFor("the invitation in the list", `document.querySelector('[role=status]')?.textContent.includes('was invited') &&
		[...document.querySelectorAll('tbody tr')].some(r => r.innerText.includes(`+"`"+invitee+"`"+`))`)
	require.Contains(t, eval[string](b, `[...document.querySelectorAll('tbody tr')].find(r => r.innerText.includes(`+"`"+invitee+"`"+`)).innerText`), "Invited")
	b.requireAccessible("users")
	b.screenshot("admin-users")

	pages := map[string]string{"User groups": "/admin/groups", "Models": "/admin/models", "Token usage": "/admin/usage", "Audit log": "/admin/audit"}
	for title, path := range pages {
		b.click(`//nav//a[normalize-space()="` + title + `"]`)
		b.waitFor(title, `location.pathname === '`+path+`' && document.querySelector('h1')?.textContent === '`+title+`'`)
	}
	require.False(t, eval[bool](b, `[...document.querySelectorAll('nav.subnav a')].some(a => a.textContent.trim() === 'Credentials')`),
		"no Credentials tab while self-service credentials are off")
	b.open("/admin/credentials")
	b.waitFor("the note on who manages keys", `document.querySelector('.operator-managed')?.textContent.includes('operator')`)
	require.False(t, eval[bool](b, `!!document.querySelector('[role=alert]')`), "no error on the page")
	b.click(`//nav//a[normalize-space()="Token usage"]`)
	b.waitFor("the usage chart with the day's tokens", `document.querySelectorAll('svg.chart rect').length >= 60 && [...document.querySelectorAll('svg.chart rect')].some(r => +r.getAttribute('height') > 0)`)
	b.waitFor("the per-user table", `document.querySelectorAll('table.usage-users tbody tr').length >= 1`)
	rows := eval[[]int](b, `[...document.querySelectorAll('table.usage-users tbody td[data-tokens]')].map(td => +td.dataset.tokens)`)
	start, end := eval[string](b, `document.querySelector('#u-start').value`), eval[string](b, `document.querySelector('#u-end').value`)
	usage := owner.do(t, http.MethodGet, "/api/v1/token-usage/?start="+start+"&end="+end, "", http.StatusOK)
	apiTotal := int(usage["prompt_tokens"].(float64) + usage["completion_tokens"].(float64))
	sum := 0
	for _, n := range rows {
		sum += n
	}
	require.Positive(t, apiTotal)
	require.Equal(t, apiTotal, sum, "the per-user rows add up to the API's total")
	require.Equal(t, apiTotal, eval[int](b, `+document.querySelector('table.usage-users tfoot td.total').dataset.tokens`))
	require.Contains(t, eval[string](b, `document.querySelector('table.usage-users').innerText`), owner.email, "users are named")
	b.requireAccessible("token usage")
	b.screenshot("admin-usage")
	b.click(`//nav//a[normalize-space()="Audit log"]`)
	b.waitFor("audit entries", `document.querySelectorAll('tbody tr').length > 1`)
	b.waitFor("the action filter's list", `[...document.querySelectorAll('#f-action option')].some(o => o.value === 'user.created')`)
	require.True(t, eval[bool](b, `(() => { const s = document.querySelector('#f-action'); s.value = 'user.created'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`))
	b.click(`//button[normalize-space()="Filter"]`)
	b.waitFor("only created users, the invitation among them, named by e-mail", `(() => { const rows = [...document.querySelectorAll('tbody tr')].map(r => r.innerText);
		return rows.length >= 2 && rows.every(r => r.includes('user.created')) && rows.some(r => r.includes(`+"`"+invitee+"`"+`)); })()`)
	require.Contains(t, eval[string](b, `document.querySelector('tbody tr td.actor').textContent`), owner.email, "the actor is named")

	// The export downloads the filtered rows as CSV.
	require.True(t, eval[bool](b, `(() => { window.__blobs = []; const orig = URL.createObjectURL;
		URL.createObjectURL = b => { window.__blobs.push(b); return orig.call(URL, b); }; return true; })()`))
	b.click(`//button[@id="audit-export"]`)
	b.waitFor("the CSV", `window.__blobs.length === 1`)
	exported := eval[string](b, `window.__blobs[0].text()`)
	lines := strings.Split(strings.TrimSpace(exported), "\n")
	require.True(t, strings.HasPrefix(lines[0], "time,actor,actor_email,action"), lines[0])
	require.Greater(t, len(lines), 2)
	for _, l := range lines[1:] {
		require.Contains(t, l, ",user.created,", "only the filtered action is exported")
	}
	require.Contains(t, exported, invitee)
	b.requireAccessible("audit log")
	b.screenshot("admin-audit")

	b.click(`//aside//a[normalize-space()="API keys"]`)
	b.waitFor("the API keys page", `document.querySelector('h1')?.textContent === 'API keys'`)
	b.fill("#key-name", "Reporting script")
	b.click(`//button[normalize-space()="Create key"]`)
	b.waitFor("the new key, and the key in the list", `!!document.querySelector('code.key') && !!document.querySelector('tbody tr code')`)
	key := eval[string](b, `document.querySelector('code.key').textContent`)
	require.True(t, strings.HasPrefix(key, "agk_"), key)
	shown := eval[string](b, `document.querySelector('tbody tr code').textContent`)
	require.True(t, strings.HasPrefix(key, strings.TrimSuffix(shown, "…")), "the list shows the key's prefix %q", shown)
	require.Less(t, len(shown), len(key), "the list never shows the whole key")
	b.screenshot("api-keys")
	b.open("/account/api-keys")
	b.waitFor("the list again", `document.querySelectorAll('tbody tr').length === 1`)
	require.NotContains(t, b.pageText(), key, "after leaving the page the key is not shown again")
}

// scriptedAssistant makes an assistant in a space answered by a fake
// upstream model (through the tenant's OpenAI credential) and returns its
// id and the model's name.
func scriptedAssistant(t *testing.T, base string, owner *member, fake *testkit.FakeAI, spaceID, name, prompt string) (string, string) {
	t.Helper()
	resp, out := sysadmin(t, http.MethodPut, base+"/api/v1/sysadmin/tenants/"+owner.tenant+"/credentials/openai",
		`{"api_key":"sk-upstream","endpoint":"`+fake.URL()+`"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", out)
	modelName := fmt.Sprintf("Scripted %d", time.Now().UnixNano())
	resp, model := sysadmin(t, http.MethodPost, base+"/api/v1/sysadmin/completion-models/",
		`{"name":"`+modelName+`","provider_type":"openai","provider_model":"gpt-script","token_limit":8192}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", model)
	resp, out = sysadmin(t, http.MethodPost, base+"/api/v1/sysadmin/tenants/"+owner.tenant+"/completion-models/"+model["id"].(string)+"/", `{"is_enabled":true}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", out)
	id := owner.do(t, http.MethodPost, "/api/v1/assistants/",
		`{"name":"`+name+`","space_id":"`+spaceID+`","prompt":{"text":"`+prompt+`"},"completion_model":{"id":"`+model["id"].(string)+`"}}`,
		http.StatusCreated)["id"].(string)
	return id, modelName
}

// streamAndStop puts an assistant on a slow fake upstream model, watches
// its answer grow in the page, then stops it with the stop button.
func streamAndStop(t *testing.T, base string, owner *member, spaceID string) {
	words := make([]string, 60)
	for i := range words {
		words[i] = fmt.Sprintf("word%d ", i)
	}
	fake := testkit.NewFakeAI(t, testkit.Reply{Tokens: words, Gap: 150 * time.Millisecond, Usage: [2]int{10, 60}})
	assistant, _ := scriptedAssistant(t, base, owner, fake, spaceID, "Storyteller", "Tell long stories.")

	b := newBrowser(t, base)
	b.signIn(owner.email, owner.password)
	b.waitFor("signed in", onHome)
	b.open("/chat/" + assistant)
	b.waitFor("the chat page", `document.querySelector('h1')?.textContent === 'Storyteller'`)
	require.True(t, eval[bool](b, `(() => { window.__lengths = [];
		new MutationObserver(() => { const a = document.querySelector('.answer .markdown'); const n = a ? a.textContent.length : 0;
			const l = window.__lengths; if (n > 0 && l[l.length - 1] !== n) l.push(n); })
			.observe(document.body, {subtree: true, childList: true, characterData: true});
		return true; })()`))
	b.fill("#question", "Tell me a long story.")
	b.do(chromedp.KeyEvent(kb.Enter))
	b.waitFor("the answer to grow three times", `window.__lengths.length >= 3`)
	require.Equal(t, "streaming", eval[string](b, `document.querySelector('.answer').dataset.status`))
	require.True(t, eval[bool](b, `!!document.querySelector('button[aria-keyshortcuts=Escape]')`), "a Stop button, also on Escape")
	b.do(chromedp.KeyEvent(kb.Escape))
	b.waitFor("the answer to stop", `document.querySelector('.answer').dataset.status === 'stopped'`)
	lengths := eval[[]int](b, `window.__lengths`)
	require.GreaterOrEqual(t, len(lengths), 3, "the text grew piece by piece: %v", lengths)
	shown := eval[string](b, `document.querySelector('.answer .markdown').textContent`)
	require.NotContains(t, shown, "word59", "the answer ended early")
	require.Contains(t, b.pageText(), "Stopped.")
	require.True(t, eval[bool](b, `!!document.querySelector('button[type=submit]')`), "the send button is back")
	require.Eventually(t, func() bool { return fake.Cancelled.Load() > 0 }, 10*time.Second, 50*time.Millisecond,
		"stopping in the browser cancelled the upstream generation")
}

// signInWithOrganisation gives the owner's tenant an identity provider,
// picks the organisation on the sign-in page, and follows the provider's
// redirect back into Agora.
func signInWithOrganisation(t *testing.T, base string, owner *member) {
	idp := testkit.NewIdP(t, "agora-web", "web-secret")
	resp, out := sysadmin(t, http.MethodPut, base+"/api/v1/sysadmin/tenants/"+owner.tenant+"/federation",
		`{"provider":"entra_id","discovery_endpoint":"`+idp.DiscoveryURL()+`","client_id":"agora-web","client_secret":"web-secret","allowed_domains":["kommun.example"]}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", out)
	idp.SignInAs(owner.email)

	b := newBrowser(t, base)
	b.open("/login")
	_, tenant := sysadmin(t, http.MethodGet, base+"/api/v1/sysadmin/tenants/"+owner.tenant+"/", "")
	slug := tenant["slug"].(string)
	b.waitFor("the organisation in the picker", `[...document.querySelectorAll('#tenant option')].some(o => o.value === '`+slug+`')`)
	b.do(chromedp.SetValue(chromedp.CSS("#tenant"), slug))
	require.True(t, eval[bool](b, `document.querySelector('#tenant').dispatchEvent(new Event('change', {bubbles: true}))`))
	b.requireAccessible("sign-in with the organisation picker")
	b.click(`//button[@id="org-submit"]`)
	b.waitFor("back in Agora, signed in", onHome)
	require.Contains(t, eval[string](b, `document.querySelector('aside .who').getAttribute('title')`), owner.email)
	require.Empty(t, eval[string](b, `sessionStorage.getItem('agora.oidc') ?? ''`), "the sign-in state is cleaned up")

	// A forged callback (no sign-in started here) is refused with a message.
	b.open("/login/callback?code=forged&state=forged")
	b.waitFor("the refusal", `document.querySelector('[role=alert]')?.textContent.includes('could not be completed')`)
}
