package api

import (
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/workflows/application"
	"github.com/agora-platform/agora/internal/workflows/domain"
)

// WorkflowRequest creates a workflow (all fields) or changes one (omitted
// fields stay; kind and space_id cannot change).
type WorkflowRequest struct {
	Kind        string             `json:"kind,omitempty" enums:"app,service,workflow"`
	SpaceID     string             `json:"space_id,omitempty" format:"uuid"`
	Name        *string            `json:"name,omitempty" example:"Summarise a document"`
	Description *string            `json:"description,omitempty"`
	Definition  *domain.Definition `json:"definition,omitempty"`
	Published   *bool              `json:"published,omitempty"`
} // @name WorkflowRequest

// WorkflowResponse is a workflow with its current definition (secret
// header values masked) and what the caller may do with it.
type WorkflowResponse struct {
	ID          string            `json:"id" format:"uuid"`
	Kind        string            `json:"kind" enums:"app,service,workflow"`
	SpaceID     string            `json:"space_id" format:"uuid"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Version     int               `json:"version"`
	Definition  domain.Definition `json:"definition"`
	Published   bool              `json:"published"`
	// Schedule runs it at the times a cron expression names (null: none).
	Schedule *ScheduleResponse `json:"schedule"`
	// Webhook tells whether it has an inbound webhook.
	Webhook     bool      `json:"webhook"`
	Permissions []string  `json:"permissions" example:"read,edit"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
} // @name Workflow

// ScheduleRequest sets a schedule; an empty cron removes it.
type ScheduleRequest struct {
	// Cron is five fields (minute hour day month weekday) or a
	// descriptor (@daily, @every 1h), in the server's time zone.
	Cron  string         `json:"cron" example:"0 7 * * 1-5"`
	Input map[string]any `json:"input"`
} // @name WorkflowScheduleRequest

// ScheduleResponse is a schedule.
type ScheduleResponse struct {
	Cron      string         `json:"cron"`
	Input     map[string]any `json:"input"`
	NextRunAt *time.Time     `json:"next_run_at"`
} // @name WorkflowSchedule

// WebhookResponse is a new webhook, shown once: POST to url with the JSON
// body {"input": {...}}, the headers X-Agora-Timestamp (Unix seconds) and
// X-Agora-Signature: sha256=<hex of HMAC-SHA256 under secret of
// "<timestamp>.<body>">.
type WebhookResponse struct {
	URL    string `json:"url" example:"https://agora.example/api/v1/hooks/wh_…"`
	Secret string `json:"secret"`
} // @name WorkflowWebhook

// HookAccepted is a webhook request's answer.
type HookAccepted struct {
	RunID  string `json:"run_id" format:"uuid"`
	Status string `json:"status"`
} // @name WorkflowHookAccepted

// WorkflowList is a list of workflows.
type WorkflowList struct {
	Items []WorkflowResponse `json:"items"`
	Count int                `json:"count"`
} // @name WorkflowList

// VersionResponse is one stored definition.
type VersionResponse struct {
	Version    int               `json:"version"`
	Definition domain.Definition `json:"definition"`
	CreatedBy  string            `json:"created_by" format:"uuid"`
	CreatedAt  time.Time         `json:"created_at"`
} // @name WorkflowVersion

// VersionList is a workflow's versions, newest first.
type VersionList struct {
	Items []VersionResponse `json:"items"`
} // @name WorkflowVersionList

// RunRequest starts a run.
type RunRequest struct {
	// Input holds a value per field of the definition, by name.
	Input map[string]any `json:"input"`
} // @name WorkflowRunRequest

// StepResponse is what one step of a run did.
type StepResponse struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	Status     string     `json:"status" enums:"in_progress,complete,failed,skipped"`
	Input      any        `json:"input"`
	Output     any        `json:"output"`
	Error      string     `json:"error,omitempty"`
	Tokens     int        `json:"tokens"`
	Attempts   int        `json:"attempts"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
} // @name WorkflowRunStep

// RunResponse is a run with its steps.
type RunResponse struct {
	ID         string         `json:"id" format:"uuid"`
	WorkflowID string         `json:"workflow_id" format:"uuid"`
	Version    int            `json:"version"`
	Trigger    string         `json:"trigger" enums:"manual,api"`
	Status     string         `json:"status" enums:"queued,in_progress,complete,failed,cancelled"`
	Input      map[string]any `json:"input"`
	Output     any            `json:"output"`
	Error      string         `json:"error,omitempty"`
	// JobID is the job running it (its progress is on job_updates; POST
	// /jobs/{id}/cancel/ stops it); empty for a service's run.
	JobID      string         `json:"job_id,omitempty"`
	Tokens     int            `json:"tokens"`
	Steps      []StepResponse `json:"steps"`
	CreatedAt  time.Time      `json:"created_at"`
	StartedAt  *time.Time     `json:"started_at"`
	FinishedAt *time.Time     `json:"finished_at"`
} // @name WorkflowRun

// RunList is a workflow's recent runs.
type RunList struct {
	Items []RunResponse `json:"items"`
} // @name WorkflowRunList

// ServiceResult is a service's output.
type ServiceResult struct {
	Output any    `json:"output"`
	RunID  string `json:"run_id" format:"uuid"`
	Tokens int    `json:"tokens"`
} // @name ServiceResult

func toWorkflow(v application.View) WorkflowResponse {
	d := v.Definition
	if d.Fields == nil {
		d.Fields = []domain.Field{}
	}
	perms := v.Actions
	if perms == nil {
		perms = []string{}
	}
	out := WorkflowResponse{ID: v.ID.String(), Kind: string(v.Kind), SpaceID: v.Space.String(), Name: v.Name, Description: v.Description,
		Version: v.Version, Definition: d, Published: v.Published, Permissions: perms, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt,
		Webhook: v.Hook != nil}
	if s := v.Schedule; s != nil {
		out.Schedule = &ScheduleResponse{Cron: s.Cron, Input: s.Input, NextRunAt: s.Next}
	}
	return out
}

func toRun(r domain.Run) RunResponse {
	out := RunResponse{ID: r.ID.String(), WorkflowID: r.Workflow.String(), Version: r.Version, Trigger: r.Trigger, Status: string(r.Status),
		Input: r.Input, Output: r.Output, Error: r.Error, Tokens: r.Tokens, Steps: []StepResponse{}, CreatedAt: r.Created,
		StartedAt: r.Started, FinishedAt: r.Finished}
	if out.Input == nil {
		out.Input = map[string]any{}
	}
	if r.Job != uuid.Nil {
		out.JobID = r.Job.String()
	}
	for _, s := range r.Steps {
		out.Steps = append(out.Steps, StepResponse{ID: s.Step, Kind: string(s.Kind), Status: string(s.Status), Input: s.Input, Output: s.Output,
			Error: s.Error, Tokens: s.Tokens, Attempts: s.Attempts, StartedAt: s.Started, FinishedAt: s.Finished})
	}
	return out
}
