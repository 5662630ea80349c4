package domain

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Workflow is an app, service or workflow in a space. Every change of
// its definition is a new version; runs record the version they ran.
type Workflow struct {
	ID          uuid.UUID
	Tenant      tenancy.ID
	Space       uuid.UUID
	Kind        Kind
	Name        string
	Description string
	Version     int
	Definition  Definition
	Published   bool
	CreatedBy   uuid.UUID
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Schedule and Hook are its triggers besides people and API calls
	// (nil: none).
	Schedule *Schedule
	Hook     *Hook
}

// Schedule runs a workflow at the times a cron expression names, with a
// fixed input, as the user who set it (with their rights then).
type Schedule struct {
	Cron        string
	Input       map[string]any
	User        uuid.UUID
	Permissions []string
	Next        *time.Time
}

// Hook is a workflow's inbound webhook: a secret URL (its token stored as
// a hash) and the HMAC-SHA256 secret its requests are signed with
// (stored encrypted). Its runs act as the user who made it.
type Hook struct {
	TokenHash   []byte
	Secret      string
	User        uuid.UUID
	Permissions []string
}

// Version is one stored definition of a workflow.
type Version struct {
	Workflow   uuid.UUID
	Version    int
	Definition Definition
	CreatedBy  uuid.UUID
	CreatedAt  time.Time
}

// Errors of the workflows module.
var (
	ErrNotFound     = errs.New(errs.NotFound, "workflow not found")
	ErrRunNotFound  = errs.New(errs.NotFound, "run not found")
	ErrWrongKind    = errs.New(errs.NotFound, "no workflow of this kind with this id")
	ErrNoPermission = errs.New(errs.Forbidden,
		"your organisation role does not allow apps, services and workflows; ask an administrator for the apps permission")
)

// Describe validates and sets the name and description; nil keeps a field.
func (w *Workflow) Describe(name, description *string) error {
	if name != nil {
		n := strings.TrimSpace(*name)
		if c := utf8.RuneCountInString(n); c < 1 || c > 200 {
			return errs.InvalidField("name", "name must be 1 to 200 characters")
		}
		w.Name = n
	}
	if description != nil {
		d := strings.TrimSpace(*description)
		if utf8.RuneCountInString(d) > 2000 {
			return errs.InvalidField("description", "description must be at most 2000 characters")
		}
		w.Description = d
	}
	return nil
}

// ParseKind validates a kind.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", errs.InvalidField("kind", "kind must be app, service or workflow, not %q", s)
}

// RunStatus is where a run or one of its steps is.
type RunStatus string

// The statuses; complete, failed, cancelled and skipped are final.
const (
	RunQueued     RunStatus = "queued"
	RunInProgress RunStatus = "in_progress"
	RunComplete   RunStatus = "complete"
	RunFailed     RunStatus = "failed"
	RunCancelled  RunStatus = "cancelled"
	// StepSkipped marks a step a condition did not choose.
	StepSkipped RunStatus = "skipped"
)

// Final reports whether nothing more happens in this status.
func (s RunStatus) Final() bool {
	return s == RunComplete || s == RunFailed || s == RunCancelled || s == StepSkipped
}

// Run is one execution of a workflow's version.
type Run struct {
	ID       uuid.UUID
	Tenant   tenancy.ID
	Workflow uuid.UUID
	Version  int
	User     uuid.UUID
	// Trigger is how it started: manual, api, schedule or webhook.
	Trigger  string
	Status   RunStatus
	Input    map[string]any
	Output   any
	Error    string
	Job      uuid.UUID // the job running it (zero: a service run in the request)
	Steps    []StepRun
	Tokens   int
	Created  time.Time
	Started  *time.Time
	Finished *time.Time
}

// StepRun is what one step of a run did.
type StepRun struct {
	Step     string
	Position int
	Kind     StepKind
	Status   RunStatus
	Input    any
	Output   any
	Error    string
	Tokens   int
	Attempts int
	Started  *time.Time
	Finished *time.Time
}
