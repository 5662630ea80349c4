package application

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/workflows/domain"
)

// TaskRun is the worker task that runs an app's or a workflow's run.
const TaskRun = "workflows:run"

// RunPayload names the run a job runs.
type RunPayload struct {
	Tenant tenancy.ID `json:"tenant"`
	Run    uuid.UUID  `json:"run"`
	Job    uuid.UUID  `json:"job"`
	// Permissions and Admin are the run's user's rights when it started:
	// its steps act as that user (an assistant step asks as them).
	Permissions []string `json:"permissions,omitempty"`
	Admin       bool     `json:"admin,omitempty"`
}

// MaxInputChars bounds a text field's value.
const MaxInputChars = 100_000

// checkInput keeps the fields a definition names: required ones must have
// a value, every value is text within the limit (for a file or recording
// field, the id of one of the user's uploaded files of that kind); unknown
// keys are refused.
func (s *Service) checkInput(ctx context.Context, tenant tenancy.ID, user uuid.UUID, fields []domain.Field, in map[string]any) (map[string]any, error) {
	out, err := checkText(fields, in)
	if err != nil {
		return nil, err
	}
	for _, f := range fields {
		id := out[f.Name].(string)
		if f.Type == domain.TextField || id == "" {
			continue
		}
		fid, err := uuid.Parse(id)
		if err != nil {
			return nil, errs.InvalidField("input", "input.%s: the id of an uploaded file (POST /files/?purpose=app)", f.Name)
		}
		file, err := s.d.Files.File(ctx, tenant, user, fid)
		if err != nil {
			return nil, errs.InvalidField("input", "input.%s: file %s not found; upload it with POST /files/?purpose=app", f.Name, id)
		}
		if file.Recording != (f.Type == domain.RecordingField) {
			return nil, errs.InvalidField("input", "input.%s: %s is not a %s", f.Name, file.Name, map[bool]string{true: "recording", false: "document"}[f.Type == domain.RecordingField])
		}
	}
	return out, nil
}

// checkText checks the values' shape.
func checkText(fields []domain.Field, in map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for k := range in {
		if !slices.ContainsFunc(fields, func(f domain.Field) bool { return f.Name == k }) {
			return nil, errs.InvalidField("input", "input.%s: no such field", k)
		}
	}
	for _, f := range fields {
		v, ok := in[f.Name]
		s, isText := v.(string)
		switch {
		case ok && v != nil && !isText:
			return nil, errs.InvalidField("input", "input.%s: must be text", f.Name)
		case f.Required && strings.TrimSpace(s) == "":
			return nil, errs.InvalidField("input", "input.%s: required", f.Name)
		case utf8.RuneCountInString(s) > MaxInputChars:
			return nil, errs.InvalidField("input", "input.%s: at most %d characters", f.Name, MaxInputChars)
		}
		out[f.Name] = s
	}
	return out, nil
}

// StartRun queues a run of an app or workflow for the worker and returns
// it (the caller answers 202).
func (s *Service) StartRun(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, kind domain.Kind, input map[string]any, trigger string) (domain.Run, error) {
	if !c.Can(permApps) {
		return domain.Run{}, domain.ErrNoPermission
	}
	w, _, err := s.load(ctx, tenant, c, id, kind, actRead)
	if err != nil {
		return domain.Run{}, err
	}
	if w.Kind == domain.KindService {
		return domain.Run{}, errs.New(errs.Invalid, "a service runs in the request: POST /services/{id}/run/")
	}
	in, err := s.checkInput(ctx, tenant, c.UserID, w.Definition.Fields, input)
	if err != nil {
		return domain.Run{}, err
	}
	r := domain.Run{ID: uuid.Must(uuid.NewV7()), Tenant: tenant, Workflow: w.ID, Version: w.Version, User: c.UserID, Trigger: trigger,
		Status: domain.RunQueued, Input: in, Job: uuid.Must(uuid.NewV7()), Created: s.now()}
	payload, err := json.Marshal(RunPayload{Tenant: tenant, Run: r.ID, Job: r.Job, Permissions: c.Permissions, Admin: c.TenantAdmin})
	if err != nil {
		return domain.Run{}, err
	}
	err = s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.Repo.InsertRun(ctx, r); err != nil {
			return err
		}
		return s.d.Jobs.Create(ctx, tenant, c.UserID, r.Job, TaskRun, w.Name, payload)
	})
	if err != nil {
		return domain.Run{}, fmt.Errorf("start a run of %s: %w", id, err)
	}
	s.d.Jobs.Dispatch(ctx, tenant, r.Job)
	s.d.Updates.Publish(ctx, r.User, r)
	return r, nil
}

// RunJob is the worker's task: it runs (or takes up again) a run.
func (s *Service) RunJob(ctx context.Context, p RunPayload) error {
	return s.d.Jobs.Run(ctx, p.Tenant, p.Job, func(ctx context.Context, report func(int, string) error) (string, error) {
		r, err := s.d.Repo.Run(ctx, p.Tenant, p.Run)
		if err != nil {
			return "", err
		}
		v, err := s.d.Repo.Version(ctx, p.Tenant, r.Workflow, r.Version)
		if err != nil {
			return "", err
		}
		now := s.now()
		r.Status, r.Error = domain.RunInProgress, ""
		if r.Started == nil {
			r.Started = &now
		}
		if err := s.save(ctx, r); err != nil {
			return "", err
		}
		c := actor.Caller{UserID: r.User, TenantAdmin: p.Admin, Permissions: p.Permissions}
		if err := s.execute(ctx, c, &r, v.Definition, report); err != nil {
			return "", s.fail(ctx, r, err)
		}
		return "", s.finish(ctx, r)
	})
}

// RunService runs a service in the request and returns its stored run.
func (s *Service) RunService(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, input map[string]any) (domain.Run, error) {
	if c.ServiceKey != uuid.Nil && c.ServiceKey != id {
		return domain.Run{}, errs.New(errs.Forbidden, "this API key belongs to another service")
	}
	if !c.Can(permApps) && c.ServiceKey == uuid.Nil {
		return domain.Run{}, domain.ErrNoPermission
	}
	w, _, err := s.load(ctx, tenant, c, id, domain.KindService, actRead)
	if err != nil {
		return domain.Run{}, err
	}
	in, err := s.checkInput(ctx, tenant, c.UserID, w.Definition.Fields, input)
	if err != nil {
		return domain.Run{}, err
	}
	now := s.now()
	r := domain.Run{ID: uuid.Must(uuid.NewV7()), Tenant: tenant, Workflow: w.ID, Version: w.Version, User: c.UserID, Trigger: "api",
		Status: domain.RunInProgress, Input: in, Created: now, Started: &now}
	if err := s.d.Repo.InsertRun(ctx, r); err != nil {
		return domain.Run{}, fmt.Errorf("store the run of service %s: %w", id, err)
	}
	if err := s.execute(ctx, c, &r, w.Definition, func(int, string) error { return nil }); err != nil {
		return r, s.fail(context.WithoutCancel(ctx), r, err)
	}
	return r, s.finish(ctx, r)
}

func (s *Service) finish(ctx context.Context, r domain.Run) error {
	now := s.now()
	r.Status, r.Finished = domain.RunComplete, &now
	return s.save(ctx, r)
}

// fail records a failed run and returns the error: a permanent one ends
// the run; another may be tried again by the job, which takes the run up
// at its first unfinished step.
func (s *Service) fail(ctx context.Context, r domain.Run, err error) error {
	if cur, gerr := s.d.Repo.Run(context.WithoutCancel(ctx), r.Tenant, r.ID); gerr == nil && cur.Status == domain.RunCancelled {
		return err // cancelled while it ran: it stays cancelled
	}
	_, msg := errs.KindOf(err)
	r.Error = msg
	if errs.Permanent(err) || errors.Is(err, context.Canceled) {
		now := s.now()
		r.Status, r.Finished = domain.RunFailed, &now
	}
	if serr := s.save(context.WithoutCancel(ctx), r); serr != nil {
		return errors.Join(err, serr)
	}
	return err
}

// save stores a run and tells its user.
func (s *Service) save(ctx context.Context, r domain.Run) error {
	if err := s.d.Repo.SetRun(ctx, r); err != nil {
		return fmt.Errorf("store run %s: %w", r.ID, err)
	}
	s.d.Updates.Publish(ctx, r.User, r)
	return nil
}

// CancelRun stops a run of an app or workflow: a queued one never starts,
// a running one stops at its next heartbeat; the steps done stay stored.
func (s *Service) CancelRun(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) (domain.Run, error) {
	r, err := s.GetRun(ctx, tenant, c, id)
	if err != nil {
		return domain.Run{}, err
	}
	if r.Status.Final() {
		return domain.Run{}, errs.Newf(errs.Conflict, "the run has already ended (%s)", r.Status)
	}
	if r.Job == uuid.Nil {
		return domain.Run{}, errs.New(errs.Conflict, "a service's run ends with its request")
	}
	if err := s.d.Jobs.Cancel(ctx, tenant, r.User, r.Job); err != nil {
		if kind, _ := errs.KindOf(err); kind != errs.Conflict {
			return domain.Run{}, err
		}
	}
	now := s.now()
	r.Status, r.Finished, r.Error = domain.RunCancelled, &now, "cancelled"
	return r, s.save(ctx, r)
}

// GetRun returns a run of a workflow the caller may read; only its user
// and those who may edit the workflow see it.
func (s *Service) GetRun(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) (domain.Run, error) {
	r, err := s.d.Repo.Run(ctx, tenant, id)
	if err != nil {
		return domain.Run{}, err
	}
	w, acc, err := s.load(ctx, tenant, c, r.Workflow, "", actRead)
	if err != nil || (r.User != c.UserID && !s.d.Spaces.Can(acc.Role, string(w.Kind), actEdit)) {
		return domain.Run{}, domain.ErrRunNotFound
	}
	return r, nil
}

// Runs lists a workflow's recent runs: the caller's, or all for those
// who may edit it.
func (s *Service) Runs(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, limit int) ([]domain.Run, error) {
	w, acc, err := s.load(ctx, tenant, c, id, "", actRead)
	if err != nil {
		return nil, err
	}
	rs, err := s.d.Repo.Runs(ctx, tenant, w.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("runs of %s: %w", id, err)
	}
	if s.d.Spaces.Can(acc.Role, string(w.Kind), actEdit) {
		return rs, nil
	}
	out := rs[:0]
	for _, r := range rs {
		if r.User == c.UserID {
			out = append(out, r)
		}
	}
	return out, nil
}
