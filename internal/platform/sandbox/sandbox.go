// Package sandbox runs work on untrusted bytes (parsing an uploaded PDF,
// splitting a recording with ffmpeg) in a child process that the caller
// can afford to lose: the child runs with CPU-time and address-space
// limits (setrlimit) it sets on itself before it reads a byte, a
// wall-clock deadline, and a cap on its output, and it is killed (with
// its process group) at any of them or when the caller's context ends. A
// loop or a bomb in a parser then costs one child, never the worker.
//
// The parent side is Runner; the child side is Main, called by the small
// program cmd/extract with the modes it offers.
package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Limits bound one child.
type Limits struct {
	// Timeout is the wall-clock deadline.
	Timeout time.Duration
	// CPU is the CPU time the child may use (RLIMIT_CPU, whole seconds).
	CPU time.Duration
	// Memory is the address space the child may add to what its runtime
	// reserved at start (RLIMIT_AS); for a program it execs, the whole.
	Memory int64
	// Output is how many bytes of output are read before the child is
	// killed.
	Output int64
}

// The ways a child can be stopped; errors.Is tells them apart.
var (
	ErrTimeout = errors.New("it did not finish in time")
	ErrCPU     = errors.New("it used more CPU time than allowed")
	ErrMemory  = errors.New("it needed more memory than allowed")
	ErrOutput  = errors.New("it produced more output than allowed")
	ErrNesting = errors.New("it is nested too deeply")
	ErrCrashed = errors.New("the reader stopped unexpectedly")
)

// Stopped is a child stopped by a limit or a crash: Reason is one of the
// errors above, Limit the limit's value when one applies.
type Stopped struct {
	Reason error
	Limit  string
	// Detail is the child's last words, for logs.
	Detail string
}

func (e *Stopped) Error() string {
	msg := e.Reason.Error()
	if e.Limit != "" {
		msg += " (" + e.Limit + ")"
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

func (e *Stopped) Unwrap() error { return e.Reason }

// Failure is an error the child's mode reported: a code the caller maps
// back to its own errors, and a message.
type Failure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (f *Failure) Error() string { return f.Message }

// exitFailure is the child's exit code after it reported a Failure.
const exitFailure = 3

// Runner starts children of one program (cmd/extract).
type Runner struct {
	// Bin is the path of the child program.
	Bin string
}

// Check reports whether the child program can be run, with an error that
// says how to fix it.
func (r Runner) Check() error {
	if r.Bin == "" {
		return errors.New("no extractor program is configured: set EXTRACT_BIN to the path of the extract binary (make build writes bin/extract)")
	}
	st, err := os.Stat(r.Bin)
	if err != nil {
		return fmt.Errorf("the extractor program %s is missing (make build writes bin/extract; EXTRACT_BIN names it): %w", r.Bin, err)
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return fmt.Errorf("the extractor program %s is not executable", r.Bin)
	}
	return nil
}

// Run runs mode with args in a child within l, feeding it stdin, and
// returns what it wrote to stdout. A child stopped by a limit or a crash
// gives a *Stopped; one whose mode failed gives its *Failure; an ended ctx
// kills the child and gives ctx's error.
func (r Runner) Run(ctx context.Context, l Limits, mode string, args []string, stdin io.Reader) ([]byte, error) {
	c := r.start(ctx, l, append([]string{mode}, args...))
	defer c.cancel()
	c.cmd.Stdin = stdin
	c.cmd.Stdout = c.out
	if err := c.cmd.Run(); err != nil {
		return nil, c.explain(ctx, err, true)
	}
	return c.out.Bytes(), nil
}

// Exec runs the program at path with args in a child within l (the child
// sets its limits, then becomes the program). A program that fails on its
// own gives its exit status and the last line it wrote to stderr.
func (r Runner) Exec(ctx context.Context, l Limits, path string, args ...string) error {
	c := r.start(ctx, l, append([]string{modeExec, path}, args...))
	defer c.cancel()
	if err := c.cmd.Run(); err != nil {
		return c.explain(ctx, err, false)
	}
	return nil
}

// child is one prepared child process.
type child struct {
	cmd         *exec.Cmd
	l           Limits
	deadline    context.Context
	cancel      context.CancelFunc
	out, stderr *capped
}

// start prepares a child: its own process group (so a kill takes
// everything it started), killed with the worker, within a deadline.
func (r Runner) start(ctx context.Context, l Limits, rest []string) *child {
	deadline, cancel := context.WithTimeout(ctx, l.Timeout)
	argv := []string{"-cpu", strconv.Itoa(cpuSeconds(l.CPU)), "-mem", strconv.FormatInt(l.Memory, 10)}
	cmd := exec.CommandContext(deadline, r.Bin, append(argv, rest...)...)
	cmd.Env = []string{"GOMAXPROCS=1", "GOTRACEBACK=single", "LC_ALL=C", "PATH=/usr/local/bin:/usr/bin:/bin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	c := &child{cmd: cmd, l: l, deadline: deadline, cancel: cancel, stderr: &capped{max: 16 << 10}}
	c.out = &capped{max: l.Output, over: cancel}
	cmd.Stderr = c.stderr
	return c
}

func cpuSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

// explain says why a child ended badly. goChild says whether it is our
// own program (whose runtime's fatal errors are read) or one it became.
func (c *child) explain(ctx context.Context, err error, goChild bool) error {
	said := c.stderr.String()
	switch {
	case c.out.overflow:
		return &Stopped{Reason: ErrOutput, Limit: fmt.Sprintf("%d bytes", c.l.Output)}
	case ctx.Err() != nil:
		return fmt.Errorf("the reader was stopped: %w", ctx.Err())
	case c.deadline.Err() != nil:
		return &Stopped{Reason: ErrTimeout, Limit: c.l.Timeout.String()}
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return fmt.Errorf("run the extractor %s: %w", c.cmd.Path, err)
	}
	if st, ok := exit.Sys().(syscall.WaitStatus); ok && st.Signaled() {
		used := exit.UserTime() + exit.SystemTime()
		switch {
		case c.l.CPU > 0 && used >= c.l.CPU-100*time.Millisecond:
			return &Stopped{Reason: ErrCPU, Limit: c.l.CPU.String()}
		case st.Signal() == syscall.SIGKILL:
			// Killed by no one here: the kernel's out-of-memory killer.
			return &Stopped{Reason: ErrMemory, Limit: mib(c.l.Memory), Detail: lastWords(said)}
		}
		return &Stopped{Reason: ErrCrashed, Detail: "signal " + st.Signal().String()}
	}
	if exit.ExitCode() == exitFailure {
		var f Failure
		if json.Unmarshal([]byte(lastLine(said)), &f) == nil && f.Code != "" {
			return &f
		}
	}
	low := strings.ToLower(said)
	switch {
	case strings.Contains(low, "out of memory") || strings.Contains(low, "cannot allocate memory") || strings.Contains(low, "failed to allocate"):
		return &Stopped{Reason: ErrMemory, Limit: mib(c.l.Memory)}
	case goChild && (strings.Contains(low, "stack overflow") || strings.Contains(low, "stack exceeds")):
		return &Stopped{Reason: ErrNesting}
	case !goChild:
		return fmt.Errorf("exit status %d: %s", exit.ExitCode(), lastWords(said))
	}
	return &Stopped{Reason: ErrCrashed, Detail: fmt.Sprintf("exit status %d: %s", exit.ExitCode(), lastWords(said))}
}

func mib(n int64) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

// lastWords is the first line of a runtime's fatal error, or the last
// line of whatever the child said, short.
func lastWords(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "fatal error:") || strings.HasPrefix(line, "panic:") || strings.HasPrefix(line, "runtime:") {
			return truncate(line, 300)
		}
	}
	return truncate(lastLine(s), 300)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// capped keeps at most max bytes (0: no bound); more calls over, once,
// and fails the write, which stops the copy from the child's pipe. It
// offers no ReadFrom, so every byte passes through Write.
type capped struct {
	buf      bytes.Buffer
	max      int64
	over     func()
	overflow bool
}

func (c *capped) Write(p []byte) (int, error) {
	if c.max > 0 && int64(c.buf.Len()+len(p)) > c.max {
		if !c.overflow && c.over != nil {
			c.over()
		}
		c.overflow = true
		if c.over == nil { // a log: keep what fits, drop the rest quietly
			_, _ = c.buf.Write(p[:max(0, int(c.max)-c.buf.Len())])
			return len(p), nil
		}
		return 0, ErrOutput
	}
	return c.buf.Write(p)
}

func (c *capped) Bytes() []byte  { return c.buf.Bytes() }
func (c *capped) String() string { return c.buf.String() }
