// Command worker runs Agora's background tasks (ingestion, crawling,
// transcription, provisioning) from the Redis queue.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/agora-platform/agora/internal/app"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.Boot(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.RunWorker(ctx)
}
