package sandbox

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
)

// Mode is one kind of work a child does: it reads its input from in and
// writes its result to out. Its error reaches the parent as a *Failure
// (an error that is a *Failure keeps its code; any other gets "failed").
type Mode func(args []string, in io.Reader, out io.Writer) error

// modeExec is the built-in mode that sets the limits, then execs a program.
const modeExec = "exec"

// maxStack bounds a goroutine's stack in the child, so a parser recursing
// through a deeply nested file fails in milliseconds, not after a
// gigabyte of stack.
const maxStack = 64 << 20

// Main is the child's entry point, for cmd/extract:
//
//	extract -cpu SECONDS -mem BYTES MODE ARGS...
//
// It sets its limits before reading anything, runs the mode, and writes
// the mode's output only when the mode succeeded, so a parent never
// reads half a result. It returns the process's exit code.
func Main(args []string, modes map[string]Mode) int {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	cpu := fs.Int("cpu", 0, "CPU seconds the child may use (0: no limit)")
	mem := fs.Int64("mem", 0, "bytes of address space the child may add (0: no limit)")
	if err := fs.Parse(args); err != nil || fs.NArg() == 0 {
		return report(&Failure{Code: "usage", Message: "usage: extract [-cpu SECONDS] [-mem BYTES] MODE ARGS..."})
	}
	mode, rest := fs.Arg(0), fs.Args()[1:]
	if err := limitCPU(*cpu); err != nil {
		return report(err)
	}
	if mode == modeExec {
		return report(execProgram(rest, *mem))
	}
	run, ok := modes[mode]
	if !ok {
		return report(&Failure{Code: "usage", Message: "unknown mode " + mode})
	}
	if err := limitMemory(*mem); err != nil {
		return report(err)
	}
	var out bytes.Buffer
	if err := run(rest, bufio.NewReaderSize(os.Stdin, 64<<10), &out); err != nil {
		return report(err)
	}
	if _, err := os.Stdout.Write(out.Bytes()); err != nil {
		return 1
	}
	return 0
}

// report writes err for the parent as one JSON line on stderr.
func report(err error) int {
	if err == nil {
		return 0
	}
	f, ok := errors.AsType[*Failure](err)
	if !ok {
		f = &Failure{Code: "failed", Message: err.Error()}
	}
	b, _ := json.Marshal(f)
	fmt.Fprintf(os.Stderr, "\n%s\n", b)
	return exitFailure
}

func limitCPU(seconds int) error {
	if seconds <= 0 {
		return nil
	}
	// The Go runtime ignores SIGXCPU at the soft limit; the hard limit a
	// second later kills.
	lim := syscall.Rlimit{Cur: uint64(seconds), Max: uint64(seconds) + 1}
	if err := syscall.Setrlimit(syscall.RLIMIT_CPU, &lim); err != nil {
		return fmt.Errorf("set the CPU limit: %w", err)
	}
	return nil
}

// limitMemory lets the child's address space grow by n bytes past what
// the Go runtime reserved at start (several hundred MiB of reservations
// that hold no memory), and tells the collector to stay under n.
func limitMemory(n int64) error {
	debug.SetMaxStack(maxStack)
	if n <= 0 {
		return nil
	}
	debug.SetMemoryLimit(n)
	now, err := addressSpace()
	if err != nil {
		return err
	}
	lim := syscall.Rlimit{Cur: uint64(now + n), Max: uint64(now + n)}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &lim); err != nil {
		return fmt.Errorf("set the memory limit: %w", err)
	}
	return nil
}

// addressSpace reads the process's current virtual size (VmSize).
func addressSpace() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("read the process's size: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmSize:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("read the process's size: %w", err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("read the process's size: no VmSize in /proc/self/status")
}

// execProgram becomes the program named in args, with the address space
// bounded to mem bytes in all (it is not a Go program reserving ahead).
func execProgram(args []string, mem int64) error {
	if len(args) == 0 {
		return &Failure{Code: "usage", Message: "exec needs a program"}
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		return &Failure{Code: "missing", Message: err.Error()}
	}
	if mem > 0 {
		lim := syscall.Rlimit{Cur: uint64(mem), Max: uint64(mem)}
		if err := syscall.Setrlimit(syscall.RLIMIT_AS, &lim); err != nil {
			return fmt.Errorf("set the memory limit: %w", err)
		}
	}
	return syscall.Exec(path, args, os.Environ())
}
