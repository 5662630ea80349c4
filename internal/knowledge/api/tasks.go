package api

import (
	"context"

	"github.com/hibiken/asynq"

	"github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/platform/jobs"
)

// RegisterTasks adds the ingestion task to the worker's mux.
func (h *KnowledgeHandler) RegisterTasks(mux *asynq.ServeMux) {
	mux.HandleFunc(application.TaskIngest, h.ingest)
	mux.HandleFunc(application.TaskIngestTexts, func(ctx context.Context, t *asynq.Task) error {
		p, err := jobs.Decode[application.IngestTextsPayload](t)
		if err != nil {
			return err
		}
		return h.k.IngestTexts(ctx, p)
	})
}

func (h *KnowledgeHandler) ingest(ctx context.Context, t *asynq.Task) error {
	p, err := jobs.Decode[application.IngestPayload](t)
	if err != nil {
		return err
	}
	return h.k.Ingest(ctx, p)
}

// RegisterTasks adds the crawl and schedule tasks to the worker's mux.
func (h *WebsiteHandler) RegisterTasks(mux *asynq.ServeMux) {
	mux.HandleFunc(application.TaskCrawl, func(ctx context.Context, t *asynq.Task) error {
		p, err := jobs.Decode[application.CrawlPayload](t)
		if err != nil {
			return err
		}
		return h.w.Crawl(ctx, p)
	})
	mux.HandleFunc(application.TaskSchedule, func(ctx context.Context, _ *asynq.Task) error {
		if _, err := h.w.SweepFiles(ctx); err != nil {
			return err
		}
		_, err := h.w.QueueDue(ctx)
		return err
	})
}
