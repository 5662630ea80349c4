package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/sandbox"
)

// The test binary is its own child: started with the child's flags, it
// runs sandbox.Main with these modes instead of the tests.
var modes = map[string]sandbox.Mode{
	"echo": func(_ []string, in io.Reader, out io.Writer) error {
		_, err := io.Copy(out, in)
		return err
	},
	"fail": func([]string, io.Reader, io.Writer) error {
		return &sandbox.Failure{Code: "encrypted", Message: "the document is password-protected"}
	},
	"spin": func([]string, io.Reader, io.Writer) error {
		for n := 0; ; n++ {
			if n < 0 {
				return nil
			}
		}
	},
	"sleep": func([]string, io.Reader, io.Writer) error {
		time.Sleep(time.Hour)
		return nil
	},
	"alloc": func([]string, io.Reader, io.Writer) error {
		var keep [][]byte
		for {
			b := make([]byte, 16<<20)
			for i := range b {
				b[i] = 1
			}
			keep = append(keep, b)
		}
	},
	"flood": func(_ []string, _ io.Reader, out io.Writer) error {
		_, err := out.Write(bytes.Repeat([]byte("x"), 8<<20))
		return err
	},
	"deep": func([]string, io.Reader, io.Writer) error {
		return recurse(0)
	},
	"pid": func(_ []string, _ io.Reader, out io.Writer) error {
		_, err := io.WriteString(out, "started")
		time.Sleep(time.Hour)
		return err
	},
}

func recurse(n int) error {
	var pad [256]byte
	if n < 0 {
		return errors.New(string(pad[:]))
	}
	return recurse(n + 1)
}

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "-cpu" {
		os.Exit(sandbox.Main(os.Args[1:], modes))
	}
	os.Exit(m.Run())
}

func runner(t *testing.T) sandbox.Runner {
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	r := sandbox.Runner{Bin: self}
	require.NoError(t, r.Check())
	return r
}

var generous = sandbox.Limits{Timeout: 20 * time.Second, CPU: 20 * time.Second, Memory: 256 << 20, Output: 1 << 20}

func TestRunReturnsTheOutput(t *testing.T) {
	t.Parallel()
	out, err := runner(t).Run(context.Background(), generous, "echo", nil, strings.NewReader("hello"))
	require.NoError(t, err)
	require.Equal(t, "hello", string(out))
}

func TestAFailureKeepsItsCode(t *testing.T) {
	t.Parallel()
	_, err := runner(t).Run(context.Background(), generous, "fail", nil, strings.NewReader(""))
	f, ok := errors.AsType[*sandbox.Failure](err)
	require.True(t, ok, "%v", err)
	require.Equal(t, "encrypted", f.Code)
	require.Equal(t, "the document is password-protected", f.Message)
}

func TestLimitsStopTheChild(t *testing.T) {
	t.Parallel()
	cases := []struct {
		mode   string
		limits sandbox.Limits
		want   error
	}{
		{"spin", sandbox.Limits{Timeout: 30 * time.Second, CPU: time.Second, Memory: 256 << 20, Output: 1 << 20}, sandbox.ErrCPU},
		{"sleep", sandbox.Limits{Timeout: 300 * time.Millisecond, CPU: 10 * time.Second, Memory: 256 << 20, Output: 1 << 20}, sandbox.ErrTimeout},
		{"alloc", sandbox.Limits{Timeout: 30 * time.Second, CPU: 30 * time.Second, Memory: 128 << 20, Output: 1 << 20}, sandbox.ErrMemory},
		{"flood", sandbox.Limits{Timeout: 30 * time.Second, CPU: 30 * time.Second, Memory: 256 << 20, Output: 1 << 20}, sandbox.ErrOutput},
		// No memory bound: the stack's own bound stops it first.
		{"deep", sandbox.Limits{Timeout: 30 * time.Second, CPU: 30 * time.Second, Output: 1 << 20}, sandbox.ErrNesting},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, err := runner(t).Run(context.Background(), tc.limits, tc.mode, nil, strings.NewReader(""))
			// Under -race the child is a race build, whose runtime may
			// fail to place its shadow memory inside a small address
			// space before the mode even starts; that start is tried again.
			for try := 0; try < 3 && err != nil && strings.Contains(err.Error(), "address space collisions for -race mode"); try++ {
				start = time.Now()
				_, err = runner(t).Run(context.Background(), tc.limits, tc.mode, nil, strings.NewReader(""))
			}
			require.ErrorIs(t, err, tc.want)
			_, ok := errors.AsType[*sandbox.Stopped](err)
			require.True(t, ok, "%T %v", err, err)
			require.Less(t, time.Since(start), 25*time.Second)
		})
	}
}

// TestCancelKillsTheChild: an ended context (a cancelled job) kills the
// child at once, so nothing keeps using the CPU.
func TestCancelKillsTheChild(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := runner(t).Run(ctx, generous, "spin", nil, strings.NewReader(""))
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("the child was not stopped within 5 s of the cancel")
	}
}

func TestExecRunsAProgramWithinLimits(t *testing.T) {
	t.Parallel()
	r := runner(t)
	dir := t.TempDir()
	require.NoError(t, r.Exec(context.Background(), generous, "/bin/sh", "-c", "echo ok > "+filepath.Join(dir, "out")))
	b, err := os.ReadFile(filepath.Join(dir, "out"))
	require.NoError(t, err)
	require.Equal(t, "ok\n", string(b))

	err = r.Exec(context.Background(), generous, "/bin/sh", "-c", "echo 'no such stream' >&2; exit 1")
	require.ErrorContains(t, err, "exit status 1: no such stream")

	start := time.Now()
	err = r.Exec(context.Background(), sandbox.Limits{Timeout: 300 * time.Millisecond, CPU: 10 * time.Second, Memory: 256 << 20}, "/bin/sleep", "60")
	require.ErrorIs(t, err, sandbox.ErrTimeout)
	require.Less(t, time.Since(start), 5*time.Second)
}

// TestAKilledChildTakesItsChildrenWithIt: the kill goes to the process
// group, so a program the child started does not outlive it.
func TestAKilledChildTakesItsChildrenWithIt(t *testing.T) {
	t.Parallel()
	r := runner(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	err := r.Exec(context.Background(), sandbox.Limits{Timeout: 500 * time.Millisecond, CPU: 10 * time.Second, Memory: 256 << 20},
		"/bin/sh", "-c", "sleep 60 & echo $! > "+pidFile+"; wait")
	require.ErrorIs(t, err, sandbox.ErrTimeout)
	b, err := os.ReadFile(pidFile)
	require.NoError(t, err)
	var pid int
	_, err = fmt.Sscan(strings.TrimSpace(string(b)), &pid)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return gone(pid) }, 5*time.Second, 50*time.Millisecond, "the grandchild %d outlived the kill", pid)
}

func TestCheckSaysWhatIsMissing(t *testing.T) {
	t.Parallel()
	require.ErrorContains(t, sandbox.Runner{}.Check(), "EXTRACT_BIN")
	require.ErrorContains(t, sandbox.Runner{Bin: "/nonexistent/extract"}.Check(), "is missing")
}

// gone reports whether a process has ended (a zombie waiting for a
// reaper has ended too).
func gone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}
