package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/ai"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// readmeBlock returns the sh block that follows the README comment
// "checked by e2e/readme_test.go: <name>".
func readmeBlock(t *testing.T, name string) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	re := regexp.MustCompile("(?s)<!-- checked by e2e/readme_test.go: " + regexp.QuoteMeta(name) + " -->\\s*```sh\\n(.*?)```")
	m := re.FindSubmatch(readme)
	require.NotNil(t, m, "README.md has no block %q", name)
	return string(m[1])
}

// TestReadmeDemoChatWorksOffline seeds like `make run` does, starts the
// API and worker binaries with no provider credentials, and runs the
// README's demo chat and knowledge examples with bash, curl and jq exactly
// as written.
func TestReadmeDemoChatWorksOffline(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed for the README example; scripts/services.sh installs it", tool)
		}
	}
	bins := build(t, "agora", "api", "worker")
	// The same password as internal/app's seed test: both seed the demo tenant.
	const password = "correct-horse-battery-staple"
	redisURL := os.Getenv("TEST_PROCESS_REDIS_URL") // its worker must not take other tests' tasks
	if redisURL == "" {
		redisURL = testkit.RedisURL(t)
	}
	env := append(testkit.Env(t), "REDIS_URL="+redisURL, "DEMO_ADMIN_PASSWORD="+password)
	seed := exec.Command(filepath.Join(bins, "agora"), "seed")
	seed.Dir = t.TempDir()
	seed.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	out, err := seed.CombinedOutput()
	require.NoError(t, err, "agora seed: %s", out)

	addr := freeAddr(t)
	p := start(t, filepath.Join(bins, "api"), append(env, "HTTP_ADDR="+addr, "PUBLIC_ORIGIN=http://"+addr))
	t.Cleanup(func() { p.stop(t) })
	w := start(t, filepath.Join(bins, "worker"), env)
	t.Cleanup(func() { w.stop(t) })
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/api/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 100*time.Millisecond)

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".env"), []byte("DEMO_ADMIN_PASSWORD="+password+"\n"), 0o600))
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", readmeBlock(t, "demo-chat")+readmeBlock(t, "demo-knowledge"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AGORA=http://"+addr)
	got, err := cmd.CombinedOutput()
	require.NoError(t, err, "the README example failed:\n%s", got)
	text := string(got)

	require.Contains(t, text, "event: first_chunk")
	require.Contains(t, text, "event: done")
	require.Contains(t, text, "Local extractive answerer", "/v1/models lists the local model")
	require.Contains(t, text, "Local hashed n-grams (384)")
	// The whole answer is in the done event and in the OpenAI-compatible reply.
	require.GreaterOrEqual(t, strings.Count(text, ai.NoAnswer), 2, text)
	require.Contains(t, text, "Parking permits cost 500 kronor a month [permit.txt].", "the attached file is quoted")
	require.Contains(t, text, "Glass goes to the green containers.", "the search finds the chunk")
	require.Contains(t, text, "500 kronor a month [1].", "the knowledge is quoted")
	require.Contains(t, text, "source: rules.md", "the answer names its source")
}
