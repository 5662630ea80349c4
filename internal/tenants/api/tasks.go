package api

import (
	"context"

	"github.com/hibiken/asynq"

	"github.com/agora-platform/agora/internal/platform/jobs"
	"github.com/agora-platform/agora/internal/tenants/application"
)

// Tasks handles the tenants module's background tasks.
type Tasks struct{ svc *application.Service }

// NewTasks returns the task handlers.
func NewTasks(svc *application.Service) *Tasks { return &Tasks{svc: svc} }

// Register adds the task handlers to the worker's mux.
func (t *Tasks) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(application.TypeProvision, t.provision)
	mux.HandleFunc(application.TypePurge, t.purge)
}

func (t *Tasks) purge(ctx context.Context, task *asynq.Task) error {
	p, err := jobs.Decode[application.ProvisionPayload](task)
	if err != nil {
		return err
	}
	return t.svc.Purge(ctx, p.TenantID)
}

func (t *Tasks) provision(ctx context.Context, task *asynq.Task) error {
	p, err := jobs.Decode[application.ProvisionPayload](task)
	if err != nil {
		return err
	}
	return t.svc.Provision(ctx, p.TenantID)
}
