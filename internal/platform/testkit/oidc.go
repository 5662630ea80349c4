package testkit

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// IdP is an OpenID Connect provider for tests: discovery, JWKS, and an
// authorization-code token endpoint with PKCE, signing RS256 ID tokens
// with go-jose. Tests change its behaviour to play a misbehaving provider.
type IdP struct {
	Server       *httptest.Server
	ClientID     string
	ClientSecret string

	key     *rsa.PrivateKey
	foreign *rsa.PrivateKey

	mu          sync.Mutex
	codes       map[string]authRequest
	tweak       func(claims map[string]any)
	foreignSign bool
	browserUser string
}

// SignInAs makes the provider's /authorize page sign a browser in as email
// at once and send it back to the redirect URI, as a real provider does
// after its own login form.
func (p *IdP) SignInAs(email string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.browserUser = email
}

// Tweak makes the provider edit ID token claims before signing (wrong
// audience, expired, another nonce...); nil stops it.
func (p *IdP) Tweak(f func(claims map[string]any)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tweak = f
}

// SignWithForeignKey makes the provider sign with a key not in its JWKS.
func (p *IdP) SignWithForeignKey(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.foreignSign = on
}

type authRequest struct {
	email, nonce, challenge, redirectURI string
}

// NewIdP starts a provider that is stopped when the test ends.
func NewIdP(t testing.TB, clientID, clientSecret string) *IdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("idp key: %v", err)
	}
	foreign, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("idp key: %v", err)
	}
	p := &IdP{ClientID: clientID, ClientSecret: clientSecret, key: key, foreign: foreign, codes: map[string]authRequest{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /authorize", p.authorize)
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Server.Close)
	return p
}

// DiscoveryURL is the provider's .well-known/openid-configuration.
func (p *IdP) DiscoveryURL() string { return p.Server.URL + "/.well-known/openid-configuration" }

func (p *IdP) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, map[string]any{
		"issuer": p.Server.URL, "authorization_endpoint": p.Server.URL + "/authorize",
		"token_endpoint": p.Server.URL + "/token", "jwks_uri": p.Server.URL + "/jwks",
		"id_token_signing_alg_values_supported": []string{"RS256"}, "response_types_supported": []string{"code"},
		"subject_types_supported": []string{"public"}, "code_challenge_methods_supported": []string{"S256"},
	})
}

func (p *IdP) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
}

// Authorize plays the user signing in at the provider with email: it reads
// the authorization URL Agora made and returns the code and state the
// provider would send to the redirect URI.
func (p *IdP) Authorize(t testing.TB, authURL, email string) (code, state string) {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatalf("authorization URL: %v", err)
	}
	if !p.validRequest(u.Query()) {
		t.Fatalf("unexpected authorization request: %s", authURL)
	}
	return p.issue(u.Query(), email), u.Query().Get("state")
}

// validRequest reports whether q is an authorization-code request with PKCE
// for this provider's client.
func (p *IdP) validRequest(q url.Values) bool {
	return q.Get("client_id") == p.ClientID && q.Get("response_type") == "code" && q.Get("code_challenge_method") == "S256"
}

// issue records a code for email and the request's nonce and PKCE challenge.
func (p *IdP) issue(q url.Values, email string) string {
	code := base64.RawURLEncoding.EncodeToString(randomBytes(16))
	p.mu.Lock()
	p.codes[code] = authRequest{email: email, nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirectURI: q.Get("redirect_uri")}
	p.mu.Unlock()
	return code
}

// authorize is the browser's side of Authorize: it answers with a redirect
// to the client's redirect URI carrying the code and state, or with 403
// when no user was set with SignInAs.
func (p *IdP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	email := p.browserUser
	p.mu.Unlock()
	if email == "" || !p.validRequest(q) {
		http.Error(w, "the test provider has no user to sign in, or the request is not for its client", http.StatusForbidden)
		return
	}
	code, state := p.issue(q, email), q.Get("state")
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	bq := back.Query()
	bq.Set("code", code)
	bq.Set("state", state)
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (p *IdP) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != p.ClientID || secret != p.ClientSecret {
		w.WriteHeader(http.StatusUnauthorized)
		writeJSON(w, map[string]string{"error": "invalid_client"})
		return
	}
	p.mu.Lock()
	req, found := p.codes[r.PostForm.Get("code")]
	delete(p.codes, r.PostForm.Get("code"))
	tweak, foreignSign := p.tweak, p.foreignSign
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !found || base64.RawURLEncoding.EncodeToString(sum[:]) != req.challenge || r.PostForm.Get("redirect_uri") != req.redirectURI {
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]string{"error": "invalid_grant"})
		return
	}
	now := time.Now()
	claims := map[string]any{
		"iss": p.Server.URL, "sub": "sub-" + req.email, "aud": p.ClientID, "exp": now.Add(5 * time.Minute).Unix(),
		"iat": now.Unix(), "nonce": req.nonce, "email": req.email, "email_verified": true, "name": "Test Person",
	}
	if tweak != nil {
		tweak(claims)
	}
	key := p.key
	if foreignSign {
		key = p.foreign
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	idToken, _ := jws.CompactSerialize()
	writeJSON(w, map[string]any{"access_token": "at-" + base64.RawURLEncoding.EncodeToString(randomBytes(8)),
		"token_type": "Bearer", "expires_in": 300, "id_token": idToken})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
