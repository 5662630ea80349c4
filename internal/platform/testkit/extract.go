package testkit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	extractOnce sync.Once
	extractBin  string
	extractErr  error
)

// ExtractBin builds cmd/extract, the sandbox child that reads documents,
// once per test process and returns its path. It is built without the
// race detector whatever the tests run with: the child's address-space
// limit leaves no room for the detector's shadow memory. The binary lives
// in a directory of this checkout's own, replaced atomically, so test
// processes and checkouts running side by side never share a half-written
// or foreign file.
func ExtractBin(t testing.TB) string {
	t.Helper()
	extractOnce.Do(func() { extractBin, extractErr = buildExtract() })
	if extractErr != nil {
		t.Fatalf("build the extract child: %v", extractErr)
	}
	return extractBin
}

func buildExtract() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("cannot find the module's directory")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(os.TempDir(), "agora-test-bin", hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, "extract-*")
	if err != nil {
		return "", err
	}
	_ = tmp.Close()
	cmd := exec.Command("go", "build", "-o", tmp.Name(), "./cmd/extract")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("go build ./cmd/extract: %v: %s", err, out)
	}
	bin := filepath.Join(dir, "extract")
	if err := os.Rename(tmp.Name(), bin); err != nil {
		return "", err
	}
	return bin, nil
}
