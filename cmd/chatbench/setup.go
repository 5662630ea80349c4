package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// api is the API process under test.
type api struct {
	cmd      *exec.Cmd
	base     string
	superKey string
	log      *os.File
}

// secret is 32 random bytes, URL-safe base64 (also fine in names).
func secret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startAPI runs the API binary with fresh secrets against the given
// services. Request budgets are lifted: the benchmark measures latency,
// not the limits that protect a real installation.
func startAPI(ctx context.Context, o options) (*api, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logf, err := os.CreateTemp("", "chatbench-api-*.log")
	if err != nil {
		return nil, err
	}
	// A key of its own, unless given: the provisioned credential is
	// deleted at the end either way.
	encKey := os.Getenv("ENCRYPTION_KEY")
	if encKey == "" {
		fernet := make([]byte, 32)
		_, _ = rand.Read(fernet)
		encKey = base64.URLEncoding.EncodeToString(fernet)
	}
	a := &api{base: "http://" + addr, superKey: secret(), log: logf}
	bin, err := filepath.Abs(o.apiBin)
	if err != nil {
		return nil, err
	}
	a.cmd = exec.Command(bin)
	a.cmd.Dir = os.TempDir()
	a.cmd.Env = append(os.Environ(),
		"DATABASE_URL="+o.databaseURL, "MIGRATION_DATABASE_URL="+o.ownerURL, "REDIS_URL="+o.redisURL, "HTTP_ADDR="+addr, "PUBLIC_ORIGIN="+a.base,
		"SUPER_API_KEY="+a.superKey, "JWT_SECRET="+secret(), "JWT_EXPIRY_SECONDS=7200",
		"ENCRYPTION_KEY="+encKey, "FETCH_ALLOWED_HOSTS=127.0.0.1", // the fake upstream listens on loopback
		"RATE_LIMIT_PER_KEY=100000000", "RATE_LIMIT_PER_USER=100000000", "RATE_LIMIT_PER_TENANT=100000000",
		"QUESTIONS_PER_MINUTE_PER_USER=0", "QUESTIONS_PER_MINUTE_PER_TENANT=0", "FILE_STORAGE_DIR="+os.TempDir()+"/chatbench-files")
	a.cmd.Stdout, a.cmd.Stderr = logf, logf
	if err := a.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w (run `make build` first)", o.apiBin, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(a.base + "/api/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return a, nil
			}
		}
		select {
		case <-ctx.Done():
			a.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	a.stop()
	return nil, fmt.Errorf("the API did not start; see %s", logf.Name())
}

func (a *api) stop() {
	if a.cmd.Process != nil {
		_ = a.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = a.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = a.cmd.Process.Kill()
		}
	}
	a.log.Close()
}

// call sends a JSON request and decodes a JSON answer into out.
func (a *api) call(method, path, auth string, body, out any) error {
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ctype)
	if strings.HasPrefix(auth, "Bearer ") {
		req.Header.Set("Authorization", auth)
	} else if auth != "" {
		req.Header.Set("X-API-Key", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// world is what the benchmark provisions in the API.
type world struct {
	tenant, model, modelName string
	token, key, assistant    string
}

type idOnly struct {
	ID string `json:"id"`
}

// provision creates a tenant whose default model is served by the
// upstream, a user with a session token and an API key, and an assistant.
func provision(a *api, upstreamURL string) (world, error) {
	w := world{modelName: "Bench " + secret()[:8]}
	var t, m idOnly
	steps := []func() error{
		func() error {
			return a.call(http.MethodPost, "/api/v1/sysadmin/tenants/", a.superKey, map[string]string{"name": w.modelName}, &t)
		},
		func() error {
			w.tenant = t.ID
			return a.call(http.MethodPut, "/api/v1/sysadmin/tenants/"+w.tenant+"/credentials/openai", a.superKey,
				map[string]string{"api_key": "sk-bench", "endpoint": upstreamURL + "/v1"}, nil)
		},
		func() error {
			return a.call(http.MethodPost, "/api/v1/sysadmin/completion-models/", a.superKey,
				map[string]any{"name": w.modelName, "provider_type": "openai", "provider_model": "bench", "token_limit": 8192}, &m)
		},
		func() error {
			w.model = m.ID
			return a.call(http.MethodPost, "/api/v1/sysadmin/tenants/"+w.tenant+"/completion-models/"+w.model+"/", a.superKey,
				map[string]bool{"is_enabled": true, "is_default": true}, nil)
		},
		func() error { return w.signIn(a) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return w, fmt.Errorf("provision: %w", err)
		}
	}
	return w, nil
}

// signIn creates the user and their API key and assistant.
func (w *world) signIn(a *api) error {
	email, password := "bench-"+strings.ToLower(secret()[:6])+"@bench.example", "bench-"+secret()
	err := a.call(http.MethodPost, "/api/v1/sysadmin/users/", a.superKey,
		map[string]any{"email": email, "password": password, "tenant_id": w.tenant, "predefined_roles": []string{"Owner"}}, nil)
	if err != nil {
		return err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := a.call(http.MethodPost, "/api/v1/users/login/token/", "", url.Values{"username": {email}, "password": {password}}, &tok); err != nil {
		return err
	}
	w.token = "Bearer " + tok.AccessToken
	var key struct {
		Key string `json:"key"`
	}
	if err := a.call(http.MethodPost, "/api/v1/users/api-keys/", w.token, map[string]any{"name": "bench", "scopes": []string{"write"}}, &key); err != nil {
		return err
	}
	w.key = "Bearer " + key.Key
	var space, asst idOnly
	if err := a.call(http.MethodGet, "/api/v1/spaces/type/personal/", w.token, nil, &space); err != nil {
		return err
	}
	err = a.call(http.MethodPost, "/api/v1/assistants/", w.token,
		map[string]any{"name": "Bench", "space_id": space.ID, "prompt": map[string]string{"text": "Be brief."}}, &asst)
	w.assistant = asst.ID
	return err
}

// cleanup removes what provision made.
func (w world) cleanup(a *api) {
	if w.tenant != "" {
		_ = a.call(http.MethodDelete, "/api/v1/sysadmin/tenants/"+w.tenant+"/", a.superKey, nil, nil)
	}
	if w.model != "" {
		_ = a.call(http.MethodDelete, "/api/v1/sysadmin/completion-models/"+w.model+"/", a.superKey, nil, nil)
	}
}
