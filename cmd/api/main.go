// Command api serves Agora's REST API, the OpenAI-compatible API, the
// WebSocket progress channel and the web UI.
//
//	@title						Agora API
//	@version					1.0
//	@description				Agora is a self-hosted AI workspace platform for the public sector. Errors are JSON {"message","code"}; every response carries X-Request-Id.
//	@BasePath					/
//	@securityDefinitions.apikey	SuperKey
//	@in							header
//	@name						X-API-Key
//	@description				The sysadmin super key (SUPER_API_KEY). Wrong or missing keys are audited (sysadmin.auth_failed) and throttled per client address: after SUPER_KEY_FAILURES_PER_IP within SUPER_KEY_FAILURE_WINDOW the address gets 429 with Retry-After, even with the right key, until the window ends.
//	@securityDefinitions.apikey	Bearer
//	@in							header
//	@name						Authorization
//	@description				"Bearer <access token>" from /api/v1/users/login/token/, or a user API key in X-API-Key.
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
		fmt.Fprintln(os.Stderr, "api:", err)
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
	return a.ServeHTTP(ctx)
}
