package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/config"
	"github.com/agora-platform/agora/internal/platform/jobs"
	"github.com/agora-platform/agora/internal/platform/logging"
)

// EnvFile is the optional file of variables read at start-up.
const EnvFile = ".env"

// Boot loads the configuration and opens the App for a binary.
func Boot(ctx context.Context) (*App, error) {
	cfg, err := config.Load(EnvFile)
	if err != nil {
		return nil, err
	}
	log := logging.New(os.Stderr, cfg.LogFormat, cfg.LogLevel)
	return Open(ctx, cfg, log)
}

// ServeHTTP serves the API on HTTP_ADDR until ctx ends, then shuts down
// gracefully within SHUTDOWN_TIMEOUT.
func (a *App) ServeHTTP(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Config.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on HTTP_ADDR %s: %w", a.Config.HTTPAddr, err)
	}
	srv := &http.Server{
		Handler:           a.HTTP(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	a.Log.Info("API listening", "addr", ln.Addr().String(), "url", "http://"+ln.Addr().String()+"/", "public_origin", a.Config.PublicOrigin)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve HTTP: %w", err)
	case <-ctx.Done():
	}
	a.Log.Info("API shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.Config.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down HTTP server: %w", err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve HTTP: %w", err)
	}
	return nil
}

// RunWorker processes tasks until ctx ends, beating the worker heartbeat,
// then lets running tasks finish within SHUTDOWN_TIMEOUT.
func (a *App) RunWorker(ctx context.Context) error {
	srv := jobs.NewServer(a.Redis, a.Log, jobs.ServerOptions{
		Concurrency: a.Config.WorkerConcurrency, ShutdownTimeout: a.Config.ShutdownTimeout,
	})
	if err := srv.Start(a.TaskMux()); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	host, _ := os.Hostname()
	id := fmt.Sprintf("%s:%d:%s", host, os.Getpid(), uuid.NewString()[:8])
	hbCtx, stopBeat := context.WithCancel(context.WithoutCancel(ctx))
	beatDone := make(chan struct{})
	go func() {
		defer close(beatDone)
		jobs.RunHeartbeat(hbCtx, a.Redis, id, func(err error) { a.Log.Warn("worker heartbeat failed", "err", err) })
	}()
	a.Log.Info("worker running", "worker_id", id, "concurrency", a.Config.WorkerConcurrency)
	<-ctx.Done()
	a.Log.Info("worker shutting down")
	srv.Shutdown()
	stopBeat()
	<-beatDone
	return nil
}
