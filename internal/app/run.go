package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"github.com/google/uuid"

	knowledgeapp "github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/platform/ai"
	"github.com/agora-platform/agora/internal/platform/config"
	"github.com/agora-platform/agora/internal/platform/jobs"
	"github.com/agora-platform/agora/internal/platform/logging"
	workflowsapp "github.com/agora-platform/agora/internal/workflows/application"
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
	if err := a.Sandbox.Check(); err != nil {
		return err // attachments are read through it
	}
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
	if a.Config.DebugAddr != "" {
		go a.serveProfiler(ctx)
	}
	go a.Caches.Listen(ctx)
	go a.Hub.Run(ctx)
	// The claim on the answers this process writes outlives ctx until the
	// server has shut down, so answers finishing during shutdown are not
	// taken for abandoned.
	answersCtx, stopAnswers := context.WithCancel(context.WithoutCancel(ctx))
	defer stopAnswers()
	go a.Sessions.KeepAlive(answersCtx, func(err error) { a.Log.Warn("answer writer heartbeat failed", "err", err) })
	go a.sweepAnswers(answersCtx)
	go ai.LoadTokenizer()
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

// serveProfiler serves net/http/pprof on DEBUG_ADDR until ctx ends.
func (a *App) serveProfiler(ctx context.Context) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: a.Config.DebugAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	a.Log.Info("profiler listening", "addr", a.Config.DebugAddr)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		a.Log.Warn("profiler stopped", "addr", a.Config.DebugAddr, "err", err)
	}
}

// sweepJobs recovers abandoned jobs until ctx ends, twice in the time
// after which a silent job counts as abandoned.
func (a *App) sweepJobs(ctx context.Context) {
	t := time.NewTicker(a.JobRows.Service.StaleAfter() / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := a.JobRows.Service.Recover(ctx); err != nil {
				a.Log.Warn("job recovery failed", "err", err)
			} else if n > 0 {
				a.Log.Info("recovered abandoned jobs", "count", n)
			}
		}
	}
}

// sweepAnswers marks the answers of processes that died mid-answer as
// interrupted: at start-up, and every AnswerSweepEvery after.
func (a *App) sweepAnswers(ctx context.Context) {
	t := time.NewTicker(AnswerSweepEvery)
	defer t.Stop()
	for {
		if n, err := a.Sessions.Service.Interrupt(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("interrupted answers not marked yet", "err", err)
		} else if n > 0 {
			a.Log.Info("marked the answers of a stopped process interrupted", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// AnswerSweepEvery is how often an API process looks for answers whose
// writer died.
const AnswerSweepEvery = 5 * time.Second

// RunWorker processes tasks until ctx ends, beating the worker heartbeat,
// then lets running tasks finish within SHUTDOWN_TIMEOUT.
func (a *App) RunWorker(ctx context.Context) error {
	if err := a.Sandbox.Check(); err != nil {
		return err
	}
	srv := jobs.NewServer(a.Redis, a.Log, jobs.ServerOptions{
		Queue: a.Config.JobQueue, Concurrency: a.Config.WorkerConcurrency, ShutdownTimeout: a.Config.ShutdownTimeout,
	})
	if err := srv.Start(a.TaskMux()); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	sched := jobs.NewScheduler(a.Redis, a.Log)
	for _, task := range []string{knowledgeapp.TaskSchedule, workflowsapp.TaskSchedule} {
		if err := jobs.Periodic(sched, a.Config.JobQueue, task, a.Config.CrawlSchedule); err != nil {
			srv.Shutdown()
			return err
		}
	}
	if err := sched.Start(); err != nil {
		srv.Shutdown()
		return fmt.Errorf("start the scheduler: %w", err)
	}
	host, _ := os.Hostname()
	id := fmt.Sprintf("%s:%d:%s", host, os.Getpid(), uuid.NewString()[:8])
	hbCtx, stopBeat := context.WithCancel(context.WithoutCancel(ctx))
	beatDone := make(chan struct{})
	go func() {
		defer close(beatDone)
		jobs.RunHeartbeat(hbCtx, a.Redis, id, func(err error) { a.Log.Warn("worker heartbeat failed", "err", err) })
	}()
	go a.sweepJobs(hbCtx)
	a.Log.Info("worker running", "worker_id", id, "concurrency", a.Config.WorkerConcurrency)
	<-ctx.Done()
	a.Log.Info("worker shutting down")
	sched.Shutdown()
	srv.Shutdown()
	stopBeat()
	<-beatDone
	return nil
}
