package upload_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/upload"
)

func TestCleanName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"report.txt":             "report.txt",
		"  ../../etc/passwd ":    "passwd",
		`C:\Users\anna\notes.md`: "notes.md",
		"tab\there\x00.txt":      "tabhere.txt",
		"Åtgärdsplan 2026.html":  "Åtgärdsplan 2026.html",
	} {
		got, err := upload.CleanName(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "   ", "/", ".", strings.Repeat("x", 256)} {
		_, err := upload.CleanName(bad)
		require.Error(t, err, bad)
	}
}
