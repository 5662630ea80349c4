// Package e2e runs the real binaries and, later, the web UI in a browser
// against the real services.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/testkit"
)

// build compiles the named commands into a temporary directory.
func build(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	args := []string{"build", "-o", dir + "/"}
	for _, n := range names {
		args = append(args, "github.com/agora-platform/agora/cmd/"+n)
	}
	out, err := exec.Command("go", args...).CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return dir
}

// without drops the variable name from env.
func without(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

type proc struct {
	cmd     *exec.Cmd
	out     *testkit.Buffer
	done    chan error
	stopped bool
}

// start runs bin with env in an empty directory, so no developer .env is read.
func start(t *testing.T, bin string, env []string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin), out: &testkit.Buffer{}}
	p.done = make(chan error, 1)
	p.cmd.Dir = t.TempDir()
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	// A process outlives no test binary (one killed at its timeout, say):
	// a stray worker would take the next tests' tasks.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, p.cmd.Start())
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if !p.stopped {
			_ = p.cmd.Process.Kill()
			<-p.done
			p.stopped = true
		}
		if testkit.HasPanic(p.out.String()) {
			t.Errorf("%s logged a panic", filepath.Base(bin))
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(bin), p.out.String())
		}
	})
	return p
}

// stop sends SIGTERM and requires a clean exit within the shutdown timeout.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if p.stopped {
		return
	}
	p.stopped = true
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.done:
		require.NoError(t, err, "%s did not exit cleanly:\n%s", p.cmd.Path, p.out.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not stop within 30s", p.cmd.Path)
	}
}

func rssKiB(pid int) string {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:"))
		}
	}
	return "unknown"
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/api/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 100*time.Millisecond, "the API never became ready")
}

func sysadmin(t *testing.T, method, url, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("X-API-Key", testkit.SuperKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp, out
}

// TestWorkerProcessRunsTasksTheAPIProcessQueues starts the real API and
// worker binaries: a tenant created over HTTP is provisioned by the worker
// process; both stop cleanly on SIGTERM and start again.
func TestWorkerProcessRunsTasksTheAPIProcessQueues(t *testing.T) {
	redisURL := os.Getenv("TEST_PROCESS_REDIS_URL")
	if redisURL == "" {
		redisURL = testkit.RedisURL(t)
	}
	// Built side by side as make build does, the binaries find their
	// sandbox child, extract, next to themselves without EXTRACT_BIN.
	bins := build(t, "api", "worker", "extract")
	addr := freeAddr(t)
	base := "http://" + addr
	env := append(without(testkit.Env(t), "EXTRACT_BIN"), "REDIS_URL="+redisURL, "HTTP_ADDR="+addr, "PUBLIC_ORIGIN="+base, "LOG_FORMAT=json", "SHUTDOWN_TIMEOUT=10s")
	storage := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "FILE_STORAGE_DIR="); ok {
			storage = v
		}
	}

	worker := start(t, filepath.Join(bins, "worker"), env)
	api := start(t, filepath.Join(bins, "api"), env)
	waitReady(t, base)
	time.Sleep(time.Second)
	t.Logf("idle RSS: api %s, worker %s", rssKiB(api.cmd.Process.Pid), rssKiB(worker.cmd.Process.Pid))

	resp, created := sysadmin(t, http.MethodPost, base+"/api/v1/sysadmin/tenants/", `{"name":"Process `+fmt.Sprint(time.Now().UnixNano())+`"}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", created)
	id := created["id"].(string)
	requestID := resp.Header.Get("X-Request-Id")
	require.NotEmpty(t, requestID)

	require.Eventually(t, func() bool {
		_, got := sysadmin(t, http.MethodGet, base+"/api/v1/sysadmin/tenants/"+id+"/", "")
		return got["provisioned"] == true
	}, 30*time.Second, 100*time.Millisecond, "the worker process never provisioned the tenant")
	_, err := os.Stat(filepath.Join(storage, id))
	require.NoError(t, err, "the worker created the tenant's storage directory")
	require.Contains(t, api.out.String(), `"request_id":"`+requestID+`"`, "the API logs the request id")

	api.stop(t)
	worker.stop(t)

	// Stopping and starting again works (ports freed, no stale locks).
	worker = start(t, filepath.Join(bins, "worker"), env)
	api = start(t, filepath.Join(bins, "api"), env)
	waitReady(t, base)
	api.stop(t)
	worker.stop(t)

	// Without its sandbox child a worker does not start: it could read no
	// document.
	missing := exec.Command(filepath.Join(bins, "worker"))
	missing.Dir = t.TempDir()
	missing.Env = append([]string{"PATH=" + os.Getenv("PATH")}, append(env, "EXTRACT_BIN="+filepath.Join(t.TempDir(), "extract"))...)
	out, err := missing.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "EXTRACT_BIN", "the worker says which setting names its sandbox child")
}

// TestAPIRefusesToStartWithBadConfig checks that configuration mistakes are
// reported up front with the variable to fix.
func TestAPIRefusesToStartWithBadConfig(t *testing.T) {
	bins := build(t, "api")
	cmd := exec.Command(filepath.Join(bins, "api"))
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LOG_FORMAT=xml"}
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "JWT_SECRET must be set")
	require.Contains(t, string(out), "LOG_FORMAT must be text or json")
}

// TestRateLimitsHoldAcrossTwoAPIProcesses runs two API binaries on one
// Redis: a user's requests alternate between them and the shared budget
// still stops the sixth.
func TestRateLimitsHoldAcrossTwoAPIProcesses(t *testing.T) {
	redisURL := os.Getenv("TEST_PROCESS_REDIS_URL")
	if redisURL == "" {
		redisURL = testkit.RedisURL(t)
	}
	bins := build(t, "api")
	addrs := []string{freeAddr(t), freeAddr(t)}
	for _, addr := range addrs {
		env := append(testkit.Env(t), "REDIS_URL="+redisURL, "HTTP_ADDR="+addr, "PUBLIC_ORIGIN=http://"+addr, "RATE_LIMIT_PER_USER=5")
		p := start(t, filepath.Join(bins, "api"), env)
		t.Cleanup(func() { p.stop(t) })
		require.Eventually(t, func() bool {
			resp, err := http.Get("http://" + addr + "/api/healthz")
			if err == nil {
				resp.Body.Close()
			}
			return err == nil && resp.StatusCode == http.StatusOK
		}, 30*time.Second, 100*time.Millisecond)
	}
	base := "http://" + addrs[0]
	_, tenant := sysadmin(t, http.MethodPost, base+"/api/v1/sysadmin/tenants/", `{"name":"Limits `+fmt.Sprint(time.Now().UnixNano())+`"}`)
	email := fmt.Sprintf("limits-%d@kommun.example", time.Now().UnixNano())
	const pw = "correct-horse-battery-staple"
	resp, _ := sysadmin(t, http.MethodPost, base+"/api/v1/sysadmin/users/",
		`{"email":"`+email+`","password":"`+pw+`","tenant_id":"`+tenant["id"].(string)+`"}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode)

	form := strings.NewReader("username=" + email + "&password=" + pw)
	resp, err := http.Post(base+"/api/v1/users/login/token/", "application/x-www-form-urlencoded", form)
	require.NoError(t, err)
	var tokens struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tokens))
	resp.Body.Close()

	var codes []int
	for i := range 7 {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addrs[i%2]+"/api/v1/users/me/", nil)
		req.Header.Set("Authorization", "Bearer "+tokens.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests {
			require.NotEmpty(t, resp.Header.Get("Retry-After"))
		}
	}
	require.Equal(t, []int{200, 200, 200, 200, 200, 429, 429}, codes)
}

// TestCLICreatesTenantAndUserThatCanSignIn runs the agora binary the way an
// operator would, with the password piped on stdin.
func TestCLICreatesTenantAndUserThatCanSignIn(t *testing.T) {
	bins := build(t, "agora", "api")
	env := append(testkit.Env(t), "REDIS_URL="+testkit.RedisURL(t))
	run := func(stdin string, args ...string) string {
		cmd := exec.Command(filepath.Join(bins, "agora"), args...)
		cmd.Dir = t.TempDir()
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "agora %v: %s", args, out)
		return strings.TrimSpace(string(out))
	}
	slug := fmt.Sprintf("cli-%d", time.Now().UnixNano())
	run("", "create-tenant", "-name", "CLI "+slug, "-slug", slug)
	email := slug + "@kommun.example"
	const pw = "correct-horse-battery-staple"
	run(pw+"\n", "create-user", "-tenant", slug, "-email", email, "-role", "Owner")

	addr := freeAddr(t)
	p := start(t, filepath.Join(bins, "api"), append(env, "HTTP_ADDR="+addr, "PUBLIC_ORIGIN=http://"+addr))
	t.Cleanup(func() { p.stop(t) })
	require.Eventually(t, func() bool {
		resp, err := http.Post("http://"+addr+"/api/v1/users/login/token/", "application/x-www-form-urlencoded",
			strings.NewReader("username="+email+"&password="+pw))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 200*time.Millisecond, "the CLI-created Owner signs in")
}
