// Package domain holds workflows: apps (a form, then steps, then one
// result), services (one structured step called synchronously) and
// general multi-step workflows; their definitions, the rules a definition
// must keep, and runs.
package domain

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/errs"
)

// Kind is what a workflow is to its users.
type Kind string

// The kinds.
const (
	KindApp      Kind = "app"
	KindService  Kind = "service"
	KindWorkflow Kind = "workflow"
)

// Kinds lists the kinds.
var Kinds = []Kind{KindApp, KindService, KindWorkflow}

// StepKind is what a step does.
type StepKind string

// The step kinds.
const (
	Prompt     StepKind = "prompt"
	Extract    StepKind = "extract"
	Retrieve   StepKind = "retrieve"
	Transcribe StepKind = "transcribe"
	Condition  StepKind = "condition"
	HTTP       StepKind = "http"
	Ask        StepKind = "assistant"
)

// StepKinds lists the step kinds a definition may use.
var StepKinds = []StepKind{Prompt, Extract, Condition, HTTP, Retrieve, Transcribe, Ask}

// FieldType is what a form field takes.
type FieldType string

// The field types.
const (
	TextField      FieldType = "text"
	FileField      FieldType = "file"
	RecordingField FieldType = "recording"
)

// Field is one input of a run: a form field of an app, a key of a
// service's input.
type Field struct {
	Name     string    `json:"name"`
	Label    string    `json:"label,omitempty"`
	Type     FieldType `json:"type" enums:"text,file,recording"`
	Required bool      `json:"required,omitempty"`
} // @name WorkflowField

// Step is one step of a definition. Which fields count depends on Kind.
type Step struct {
	ID   string   `json:"id"`
	Kind StepKind `json:"kind" enums:"prompt,extract,condition,http,retrieve,transcribe,assistant"`
	// Inputs are the earlier steps whose outputs this step reads (as
	// steps.<id> in its templates and expressions).
	Inputs []string `json:"inputs,omitempty"`
	// Model is the completion model of a prompt or extract step (nil:
	// the space's default, else the organisation's).
	Model       *uuid.UUID `json:"model_id,omitempty" swaggertype:"string" format:"uuid"`
	Temperature *float64   `json:"temperature,omitempty"`
	MaxTokens   *int       `json:"max_tokens,omitempty"`
	// Template is the instructions of a prompt or extract step, the
	// question of an assistant step, the query of a retrieve step and the
	// body of an http step: text with {{ expression }} placeholders.
	Template string `json:"template,omitempty"`
	// Schema is the JSON schema an extract step's output must satisfy.
	Schema json.RawMessage `json:"schema,omitempty" swaggertype:"object"`
	// Expression chooses a condition's branch: true runs Then, false Else.
	Expression string `json:"expression,omitempty"`
	Then       string `json:"then,omitempty"`
	Else       string `json:"else,omitempty"`
	// URL and Headers are an http step's target; header values are
	// secrets, stored encrypted and never shown.
	URL     string            `json:"url,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	// Collections and TopK shape a retrieve step.
	Collections []uuid.UUID `json:"collections,omitempty" swaggertype:"array,string"`
	TopK        int         `json:"top_k,omitempty"`
	// Assistant is the assistant an assistant step asks.
	Assistant *uuid.UUID `json:"assistant_id,omitempty" swaggertype:"string" format:"uuid"`
	// File is the input field holding a transcribe step's recording.
	File string `json:"file,omitempty"`
} // @name WorkflowStep

// Definition is what a workflow does: its inputs, its steps in order, and
// the step whose output is the result.
type Definition struct {
	Fields []Field `json:"fields"`
	Steps  []Step  `json:"steps"`
	// Output names the step whose output is the run's result ("": the
	// last step that ran).
	Output string `json:"output,omitempty"`
} // @name WorkflowDefinition

// Limits on definitions.
const (
	MaxSteps       = 20
	MaxFields      = 20
	MaxTemplateLen = 20_000
	MaxHeaders     = 10
	MaxTopK        = 50
	MaxStepTokens  = 32_000
)

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// invalid is an error about one place in a definition, named by its path
// (steps[2].inputs).
func invalid(path, format string, args ...any) error {
	return errs.InvalidField(path, "%s: %s", path, fmt.Sprintf(format, args...))
}

// Validate checks a definition's shape for a kind of workflow: ids,
// kinds, that every step reads only earlier steps (so the steps form a
// graph without cycles), what each kind of step needs, and the form.
// Templates, expressions, schemas and URLs are checked by the
// application, which knows how to compile them.
func (d Definition) Validate(kind Kind) error {
	if err := validateFields(d.Fields); err != nil {
		return err
	}
	if len(d.Steps) == 0 || len(d.Steps) > MaxSteps {
		return invalid("steps", "a definition has 1 to %d steps", MaxSteps)
	}
	seen := map[string]int{}
	for i, s := range d.Steps {
		p := fmt.Sprintf("steps[%d]", i)
		if !idPattern.MatchString(s.ID) {
			return invalid(p+".id", "%q is not a step id: lowercase letters, digits and _, starting with a letter, at most 40", s.ID)
		}
		if _, dup := seen[s.ID]; dup {
			return invalid(p+".id", "%q is the id of an earlier step too", s.ID)
		}
		if err := s.validate(p, seen, d.Fields); err != nil {
			return err
		}
		seen[s.ID] = i
	}
	if err := d.validateBranches(); err != nil {
		return err
	}
	if _, ok := seen[d.Output]; d.Output != "" && !ok {
		return invalid("output", "%q names no step", d.Output)
	}
	return d.validateKind(kind)
}

func validateFields(fs []Field) error {
	if len(fs) > MaxFields {
		return invalid("fields", "at most %d fields", MaxFields)
	}
	for i, f := range fs {
		p := fmt.Sprintf("fields[%d]", i)
		if !idPattern.MatchString(f.Name) {
			return invalid(p+".name", "%q is not a field name: lowercase letters, digits and _, starting with a letter", f.Name)
		}
		if slices.ContainsFunc(fs[:i], func(o Field) bool { return o.Name == f.Name }) {
			return invalid(p+".name", "%q is the name of an earlier field too", f.Name)
		}
		if !slices.Contains([]FieldType{TextField, FileField, RecordingField}, f.Type) {
			return invalid(p+".type", "must be text, file or recording, not %q", f.Type)
		}
		if utf8.RuneCountInString(f.Label) > 200 {
			return invalid(p+".label", "at most 200 characters")
		}
	}
	return nil
}

// validate checks one step against the steps before it (seen).
func (s Step) validate(p string, seen map[string]int, fields []Field) error {
	if !slices.Contains(StepKinds, s.Kind) {
		names := make([]string, len(StepKinds))
		for i, k := range StepKinds {
			names[i] = string(k)
		}
		return invalid(p+".kind", "unknown step kind %q; one of %s", s.Kind, strings.Join(names, ", "))
	}
	for _, in := range s.Inputs {
		if _, ok := seen[in]; !ok {
			return invalid(p+".inputs", "%q names no earlier step", in)
		}
	}
	if utf8.RuneCountInString(s.Template) > MaxTemplateLen {
		return invalid(p+".template", "at most %d characters", MaxTemplateLen)
	}
	if s.MaxTokens != nil && (*s.MaxTokens < 1 || *s.MaxTokens > MaxStepTokens) {
		return invalid(p+".max_tokens", "between 1 and %d", MaxStepTokens)
	}
	if t := s.Temperature; t != nil && !(*t >= 0 && *t <= 2) {
		return invalid(p+".temperature", "between 0 and 2")
	}
	return s.validateKind(p, fields)
}

// validateKind checks what a kind of step needs.
func (s Step) validateKind(p string, fields []Field) error {
	need := func(ok bool, field, what string) error {
		if ok {
			return nil
		}
		return invalid(p+"."+field, "%s steps need %s", s.Kind, what)
	}
	switch s.Kind {
	case Prompt:
		return need(strings.TrimSpace(s.Template) != "", "template", "a template")
	case Extract:
		if err := need(strings.TrimSpace(s.Template) != "", "template", "a template"); err != nil {
			return err
		}
		return need(len(s.Schema) > 0, "schema", "a JSON schema")
	case Condition:
		if err := need(strings.TrimSpace(s.Expression) != "", "expression", "an expression"); err != nil {
			return err
		}
		return need(s.Then != "" || s.Else != "", "then", "a step to run when true (then) or false (else)")
	case HTTP:
		if err := need(s.URL != "", "url", "a URL"); err != nil {
			return err
		}
		if len(s.Headers) > MaxHeaders {
			return invalid(p+".headers", "at most %d headers", MaxHeaders)
		}
	case Retrieve:
		if err := need(strings.TrimSpace(s.Template) != "", "template", "a query template"); err != nil {
			return err
		}
		if err := need(len(s.Collections) > 0, "collections", "at least one collection"); err != nil {
			return err
		}
		if s.TopK < 0 || s.TopK > MaxTopK {
			return invalid(p+".top_k", "between 1 and %d", MaxTopK)
		}
	case Ask:
		if err := need(s.Assistant != nil, "assistant_id", "an assistant"); err != nil {
			return err
		}
		return need(strings.TrimSpace(s.Template) != "", "template", "a question template")
	case Transcribe:
		ok := slices.ContainsFunc(fields, func(f Field) bool { return f.Name == s.File && f.Type == RecordingField })
		return need(ok, "file", "the name of a recording field")
	}
	return nil
}

// validateBranches checks that a condition's branches name later steps.
func (d Definition) validateBranches() error {
	for i, s := range d.Steps {
		if s.Kind != Condition {
			continue
		}
		for field, target := range map[string]string{"then": s.Then, "else": s.Else} {
			if target == "" {
				continue
			}
			j := slices.IndexFunc(d.Steps, func(o Step) bool { return o.ID == target })
			if j <= i {
				return invalid(fmt.Sprintf("steps[%d].%s", i, field), "%q names no later step", target)
			}
		}
	}
	return nil
}

// validateKind checks what a kind of workflow needs: a service is one
// prompt or extract step; an app has a form.
func (d Definition) validateKind(kind Kind) error {
	switch kind {
	case KindService:
		if len(d.Steps) != 1 || (d.Steps[0].Kind != Extract && d.Steps[0].Kind != Prompt) {
			return invalid("steps", "a service is one extract or prompt step")
		}
	case KindApp:
		if len(d.Fields) == 0 {
			return invalid("fields", "an app needs at least one form field")
		}
	case KindWorkflow:
	default:
		return errs.Newf(errs.Invalid, "kind must be app, service or workflow, not %q", kind)
	}
	return nil
}
