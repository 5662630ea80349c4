package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestChatBenchRuns runs the streaming benchmark (make bench) at a tiny
// scale, so the tool the README names keeps working.
func TestChatBenchRuns(t *testing.T) {
	bins := build(t, "api", "chatbench", "extract")
	cmd := exec.Command(filepath.Join(bins, "chatbench"), "-api", filepath.Join(bins, "api"),
		"-database-url", testkit.AppDatabaseURL(t), "-migration-database-url", testkit.DatabaseURL(t), "-redis-url", testkit.RedisURL(t),
		"-streams", "1,4", "-requests", "8", "-open", "30", "-ttft", "5ms", "-gap", "1ms", "-tokens", "5")
	// The test key, so tests that read every stored secret meanwhile can.
	cmd.Env = append(os.Environ(), "ENCRYPTION_KEY="+testkit.EncryptionKey)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "chatbench: %s", out)
	text := string(out)
	for _, want := range []string{"direct", "/v1/chat/completions", "/conversations/", "30 open SSE streams", "30 answered in full"} {
		require.Contains(t, text, want)
	}
	require.Equal(t, 6, strings.Count(text, "\n1 ")+strings.Count(text, "\n4 "), "a row per route and level:\n%s", text)
}
