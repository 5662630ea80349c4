package testkit

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
)

// PanicLogEnv names the file every test process appends the log records
// of recovered panics to; `make test` fails when it is not empty at the
// end. A panic recovered by Echo or asynq becomes a 500 or a failed task
// and a log line that no assertion reads: this makes it loud.
const PanicLogEnv = "AGORA_PANIC_LOG"

// PanicMarkers are the texts a recovered panic leaves in a log: Echo's
// recover middleware, asynq's handler recovery, and the runtime's own.
var PanicMarkers = []string{"[PANIC RECOVER]", "panic [", "\npanic: ", "goroutine stack exceeds"}

// HasPanic reports whether s holds a panic marker.
func HasPanic(s string) bool {
	s = "\n" + s
	for _, m := range PanicMarkers {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// panicWatch passes records on and writes those that tell of a panic to
// the panic log.
type panicWatch struct {
	slog.Handler
}

var panicLogMu sync.Mutex

func (h panicWatch) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		var b strings.Builder
		b.WriteString(r.Message)
		r.Attrs(func(a slog.Attr) bool {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
			return true
		})
		if HasPanic(b.String()) {
			recordPanic(b.String())
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h panicWatch) WithAttrs(attrs []slog.Attr) slog.Handler {
	return panicWatch{h.Handler.WithAttrs(attrs)}
}

func (h panicWatch) WithGroup(name string) slog.Handler { return panicWatch{h.Handler.WithGroup(name)} }

// recordPanic appends a line to the panic log (and to stderr, for a
// failing package's output).
func recordPanic(line string) {
	fmt.Fprintln(os.Stderr, "PANIC in a log:", line)
	path := os.Getenv(PanicLogEnv)
	if path == "" {
		return
	}
	panicLogMu.Lock()
	defer panicLogMu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = fmt.Fprintf(f, "%s: %s\n", os.Args[0], line)
}

// Logger returns a logger that writes to w (io.Discard when nil) and
// records recovered panics in the panic log.
func Logger(w io.Writer) *slog.Logger {
	if w == nil {
		w = io.Discard
	}
	return slog.New(panicWatch{slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})})
}
