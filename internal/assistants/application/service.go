// Package application holds the assistant use cases. Every one asks the
// spaces module whether the caller may act on assistants in the space.
package application

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/assistants/domain"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/txn"
)

// The resource and actions assistants ask the matrix about.
const (
	resAssistant = "assistant"
	actRead      = "read"
	actCreate    = "create"
	actEdit      = "edit"
	actDelete    = "delete"
	actPublish   = "publish"
)

// Deps are the Service's collaborators.
type Deps struct {
	Repo      Repo
	Tx        txn.Transactor
	Spaces    Spaces
	Models    Models
	Knowledge Knowledge
	Audit     audit.Recorder
	// Pepper keys the HMAC of assistant API keys.
	Pepper []byte
}

// Service runs the assistant use cases.
type Service struct {
	// d are the collaborators, kept to the service.
	d   Deps
	now func() time.Time
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	return &Service{d: d, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// View is an assistant with what the caller may do with it.
type View struct {
	domain.Assistant
	Actions []string
}

func (s *Service) view(a domain.Assistant, role string) View {
	v := View{Assistant: a}
	for _, act := range []string{actRead, actEdit, actDelete, actPublish} {
		if s.d.Spaces.Can(role, resAssistant, act) {
			v.Actions = append(v.Actions, act)
		}
	}
	return v
}

// visible reports whether a role sees an assistant: builders see all,
// others only published ones.
func (s *Service) visible(a domain.Assistant, role string) bool {
	return a.Published || s.d.Spaces.Can(role, resAssistant, actEdit)
}

// CreateInput describes a new assistant.
type CreateInput struct {
	Space       uuid.UUID
	Name        string
	Description string
	Prompt      string
	Model       *uuid.UUID
	Kwargs      domain.Kwargs
	Groups      []uuid.UUID
	Websites    []uuid.UUID
	Retrieval   domain.Retrieval
	Starters    []string
	Published   bool
}

// Create adds an assistant to a space.
func (s *Service) Create(ctx context.Context, tenant tenancy.ID, c actor.Caller, in CreateInput) (View, error) {
	if !slices.Contains(c.Permissions, "assistants") {
		return View{}, domain.ErrNoPermission
	}
	acc, err := s.d.Spaces.Authorize(ctx, tenant, c, in.Space, resAssistant, actCreate)
	if err != nil {
		return View{}, err
	}
	if in.Published && !s.d.Spaces.Can(acc.Role, resAssistant, actPublish) {
		return View{}, errs.New(errs.Forbidden, "your role in this space does not allow publishing assistants")
	}
	a := domain.Assistant{ID: uuid.Must(uuid.NewV7()), Tenant: tenant, Space: in.Space, Published: in.Published,
		CreatedBy: c.UserID, CreatedAt: s.now(), UpdatedAt: s.now()}
	if err := a.Describe(&in.Name, &in.Description); err != nil {
		return View{}, err
	}
	if err := a.SetStarters(in.Starters); err != nil {
		return View{}, err
	}
	if err := s.setModel(ctx, tenant, acc, &a, in.Model, in.Kwargs); err != nil {
		return View{}, err
	}
	if err := s.setKnowledge(ctx, tenant, &a, in.Groups, in.Websites); err != nil {
		return View{}, err
	}
	if err := s.setRetrieval(ctx, tenant, &a, in.Retrieval); err != nil {
		return View{}, err
	}
	if err := domain.CheckPrompt(in.Prompt); err != nil {
		return View{}, err
	}
	a.Prompt = in.Prompt
	p := domain.Prompt{ID: uuid.Must(uuid.NewV7()), Text: in.Prompt, Selected: true, CreatedBy: c.UserID, CreatedAt: s.now()}
	err = s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.Repo.Insert(ctx, a, p); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "assistant.created", TargetType: "assistant", TargetID: a.ID.String(),
			Details: map[string]string{"name": a.Name, "space_id": a.Space.String()}})
		return nil
	})
	if err != nil {
		return View{}, fmt.Errorf("create assistant: %w", err)
	}
	return s.view(a, acc.Role), nil
}

// setModel picks the model (when none is given, the space's default
// completion model, else the tenant's), checks it is enabled for the tenant
// and in the space's list when it names language models, and validates the
// settings against it.
func (s *Service) setModel(ctx context.Context, tenant tenancy.ID, acc Access, a *domain.Assistant, id *uuid.UUID, k domain.Kwargs) error {
	var m ModelInfo
	var err error
	if id == nil {
		for _, d := range acc.Defaults {
			if m, err = s.d.Models.Completion(ctx, tenant, d); err == nil {
				id = &d
				break
			}
		}
	}
	if id == nil {
		m, err = s.d.Models.DefaultCompletion(ctx, tenant)
	} else {
		m, err = s.d.Models.Completion(ctx, tenant, *id)
	}
	if err != nil {
		return err
	}
	if !slices.Contains(acc.Models, m.ID) && s.listsCompletion(ctx, tenant, acc.Models) {
		return domain.ErrModelNotInSpace
	}
	if err := k.Check(m.TokenLimit); err != nil {
		return err
	}
	a.Model, a.Kwargs = m.ID, k
	return nil
}

// listsCompletion reports whether a space's model list names a completion
// model: a space that lists only embedding or transcription models leaves
// the choice of language model open.
func (s *Service) listsCompletion(ctx context.Context, tenant tenancy.ID, models []uuid.UUID) bool {
	for _, id := range models {
		if _, err := s.d.Models.Completion(ctx, tenant, id); err == nil {
			return true
		}
	}
	return false
}

// setRetrieval checks the retrieval settings and that a rerank model, if
// named, is one the tenant has enabled.
func (s *Service) setRetrieval(ctx context.Context, tenant tenancy.ID, a *domain.Assistant, r domain.Retrieval) error {
	if err := r.Check(); err != nil {
		return err
	}
	if r.Rerank != uuid.Nil {
		if err := s.d.Models.CheckReranker(ctx, tenant, r.Rerank); err != nil {
			return err
		}
	}
	a.Retrieval = r
	return nil
}

// setKnowledge checks that every collection and website belongs to the
// assistant's space and that all are embedded with one model, so one
// search serves them all.
func (s *Service) setKnowledge(ctx context.Context, tenant tenancy.ID, a *domain.Assistant, groups, websites []uuid.UUID) error {
	groups, websites, err := domain.CheckAttachments(groups, websites)
	if err != nil {
		return err
	}
	var model uuid.UUID
	same := func(m uuid.UUID, what string, id uuid.UUID) error {
		if model != uuid.Nil && m != model {
			return errs.Newf(errs.Invalid, "%s %s is embedded with another model than the assistant's other knowledge; an assistant's collections and websites must share one embedding model", what, id)
		}
		model = m
		return nil
	}
	for _, g := range groups {
		if s.d.Knowledge == nil {
			return errs.Newf(errs.Invalid, "collection %s not found in this space", g)
		}
		m, err := s.d.Knowledge.CheckCollection(ctx, tenant, a.Space, g)
		if err != nil {
			return err
		}
		if err := same(m, "collection", g); err != nil {
			return err
		}
	}
	for _, w := range websites {
		if s.d.Knowledge == nil {
			return errs.Newf(errs.Invalid, "website %s not found in this space", w)
		}
		m, err := s.d.Knowledge.CheckWebsite(ctx, tenant, a.Space, w)
		if err != nil {
			return err
		}
		if err := same(m, "website", w); err != nil {
			return err
		}
	}
	a.Groups, a.Websites = groups, websites
	return nil
}

// load returns an assistant the caller may act on; one the caller may not
// see is not found.
func (s *Service) load(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, act string) (domain.Assistant, Access, error) {
	a, err := s.d.Repo.Get(ctx, tenant, id)
	if err != nil {
		return domain.Assistant{}, Access{}, err
	}
	acc, err := s.d.Spaces.Authorize(ctx, tenant, c, a.Space, resAssistant, actRead)
	if err != nil {
		return domain.Assistant{}, Access{}, domain.ErrNotFound
	}
	if !s.visible(a, acc.Role) {
		return domain.Assistant{}, Access{}, domain.ErrNotFound
	}
	if !s.d.Spaces.Can(acc.Role, resAssistant, act) {
		return domain.Assistant{}, Access{}, errs.Newf(errs.Forbidden, "your role in this space does not allow you to %s this assistant", act)
	}
	return a, acc, nil
}

// Get returns an assistant the caller can see.
func (s *Service) Get(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) (View, error) {
	a, acc, err := s.load(ctx, tenant, c, id, actRead)
	if err != nil {
		return View{}, fmt.Errorf("get assistant %s: %w", id, err)
	}
	return s.view(a, acc.Role), nil
}

// List returns the assistants the caller can see in all their spaces.
func (s *Service) List(ctx context.Context, tenant tenancy.ID, c actor.Caller) ([]View, error) {
	accs, err := s.d.Spaces.Accessible(ctx, tenant, c)
	if err != nil {
		return nil, fmt.Errorf("list assistants: %w", err)
	}
	return s.inSpaces(ctx, tenant, accs)
}

// InSpace returns the assistants the caller can see in one space.
func (s *Service) InSpace(ctx context.Context, tenant tenancy.ID, c actor.Caller, space uuid.UUID) ([]View, error) {
	acc, err := s.d.Spaces.Authorize(ctx, tenant, c, space, "space", actRead)
	if err != nil {
		return nil, err
	}
	return s.inSpaces(ctx, tenant, []Access{acc})
}

func (s *Service) inSpaces(ctx context.Context, tenant tenancy.ID, accs []Access) ([]View, error) {
	role := map[uuid.UUID]string{}
	ids := make([]uuid.UUID, len(accs))
	for i, a := range accs {
		role[a.Space], ids[i] = a.Role, a.Space
	}
	as, err := s.d.Repo.ListInSpaces(ctx, tenant, ids)
	if err != nil {
		return nil, fmt.Errorf("list assistants: %w", err)
	}
	out := []View{}
	for _, a := range as {
		if s.visible(a, role[a.Space]) {
			out = append(out, s.view(a, role[a.Space]))
		}
	}
	return out, nil
}

// Patch is a partial change; nil fields stay.
type Patch struct {
	Name        *string
	Description *string
	Prompt      *string
	Model       *uuid.UUID
	Kwargs      *domain.Kwargs
	Groups      *[]uuid.UUID
	Websites    *[]uuid.UUID
	Retrieval   *domain.Retrieval
	Starters    *[]string
	Published   *bool
}

// Update changes an assistant. A new prompt text becomes a new selected
// version; the old ones stay in the history.
func (s *Service) Update(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, p Patch) (View, error) {
	var v View
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		a, acc, err := s.load(ctx, tenant, c, id, actEdit)
		if err != nil {
			return err
		}
		if err := a.Describe(p.Name, p.Description); err != nil {
			return err
		}
		if p.Starters != nil {
			if err := a.SetStarters(*p.Starters); err != nil {
				return err
			}
		}
		if p.Published != nil && *p.Published != a.Published {
			if !s.d.Spaces.Can(acc.Role, resAssistant, actPublish) {
				return errs.New(errs.Forbidden, "your role in this space does not allow publishing assistants")
			}
			a.Published = *p.Published
		}
		if p.Model != nil || p.Kwargs != nil {
			model, kw := &a.Model, a.Kwargs
			if p.Model != nil {
				model = p.Model
			}
			if p.Kwargs != nil {
				kw = *p.Kwargs
			}
			if err := s.setModel(ctx, tenant, acc, &a, model, kw); err != nil {
				return err
			}
		}
		if p.Retrieval != nil {
			if err := s.setRetrieval(ctx, tenant, &a, *p.Retrieval); err != nil {
				return err
			}
		}
		if p.Groups != nil || p.Websites != nil {
			gs, ws := a.Groups, a.Websites
			if p.Groups != nil {
				gs = *p.Groups
			}
			if p.Websites != nil {
				ws = *p.Websites
			}
			if err := s.setKnowledge(ctx, tenant, &a, gs, ws); err != nil {
				return err
			}
		}
		a.UpdatedAt = s.now()
		if err := s.d.Repo.Update(ctx, a); err != nil {
			return err
		}
		if p.Prompt != nil && *p.Prompt != a.Prompt {
			if err := domain.CheckPrompt(*p.Prompt); err != nil {
				return err
			}
			pr := domain.Prompt{ID: uuid.Must(uuid.NewV7()), Text: *p.Prompt, Selected: true, CreatedBy: c.UserID, CreatedAt: s.now()}
			if err := s.d.Repo.AddPrompt(ctx, tenant, id, pr); err != nil {
				return err
			}
			a.Prompt = *p.Prompt
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "assistant.updated", TargetType: "assistant", TargetID: id.String(),
			Details: map[string]string{"name": a.Name, "published": fmt.Sprint(a.Published)}})
		v = s.view(a, acc.Role)
		return nil
	})
	if err != nil {
		return View{}, fmt.Errorf("update assistant %s: %w", id, err)
	}
	return v, nil
}

// Delete removes an assistant with its prompts, attachments and keys.
func (s *Service) Delete(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) error {
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, _, err := s.load(ctx, tenant, c, id, actDelete); err != nil {
			return err
		}
		if err := s.d.Repo.Delete(ctx, tenant, id); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "assistant.deleted", TargetType: "assistant", TargetID: id.String()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete assistant %s: %w", id, err)
	}
	return nil
}

// Prompts returns the prompt history, newest first, to those who may edit.
func (s *Service) Prompts(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) ([]domain.Prompt, error) {
	if _, _, err := s.load(ctx, tenant, c, id, actEdit); err != nil {
		return nil, fmt.Errorf("prompts of assistant %s: %w", id, err)
	}
	ps, err := s.d.Repo.Prompts(ctx, tenant, id)
	if err != nil {
		return nil, fmt.Errorf("prompts of assistant %s: %w", id, err)
	}
	return ps, nil
}

// AssistantKeyPrefix starts every assistant-scoped API key.
const AssistantKeyPrefix = "aak_"

// CreateKey makes an API key that works only on this assistant's session
// routes; the secret is returned this once and stored as an HMAC.
func (s *Service) CreateKey(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, name string) (Key, string, error) {
	if name == "" {
		name = "assistant key"
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Key{}, "", fmt.Errorf("random key: %w", err)
	}
	secret := AssistantKeyPrefix + base64.RawURLEncoding.EncodeToString(b)
	k := Key{ID: uuid.Must(uuid.NewV7()), Assistant: id, Name: name, Prefix: secret[:len(AssistantKeyPrefix)+6], CreatedBy: c.UserID, CreatedAt: s.now()}
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, _, err := s.load(ctx, tenant, c, id, actEdit); err != nil {
			return err
		}
		if err := s.d.Repo.InsertKey(ctx, tenant, k, s.hash(secret)); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "api_key.created", TargetType: "assistant_api_key", TargetID: k.ID.String(),
			Details: map[string]string{"assistant_id": id.String(), "prefix": k.Prefix}})
		return nil
	})
	if err != nil {
		return Key{}, "", fmt.Errorf("create key for assistant %s: %w", id, err)
	}
	return k, secret, nil
}

// Keys lists an assistant's keys (those who may edit it manage them).
func (s *Service) Keys(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) ([]Key, error) {
	if _, _, err := s.load(ctx, tenant, c, id, actEdit); err != nil {
		return nil, err
	}
	return s.d.Repo.Keys(ctx, tenant, id)
}

// RevokeKey revokes one of an assistant's keys: it stops working at once.
func (s *Service) RevokeKey(ctx context.Context, tenant tenancy.ID, c actor.Caller, id, key uuid.UUID) error {
	return s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, _, err := s.load(ctx, tenant, c, id, actEdit); err != nil {
			return err
		}
		if err := s.d.Repo.RevokeKey(ctx, tenant, id, key, s.now()); err != nil {
			return fmt.Errorf("revoke key %s of assistant %s: %w", key, id, err)
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "api_key.revoked", TargetType: "assistant_api_key", TargetID: key.String(),
			Details: map[string]string{"assistant_id": id.String()}})
		return nil
	})
}

func (s *Service) hash(secret string) []byte {
	m := hmac.New(sha256.New, s.d.Pepper)
	m.Write([]byte(secret))
	return m.Sum(nil)
}

// ForChat returns an assistant the caller may open a chat session with:
// visible to them, and sessions allowed by their role in its space.
func (s *Service) ForChat(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) (domain.Assistant, error) {
	a, acc, err := s.load(ctx, tenant, c, id, actRead)
	if err != nil {
		return domain.Assistant{}, err
	}
	if !s.d.Spaces.Can(acc.Role, "session", actCreate) {
		return domain.Assistant{}, errs.New(errs.Forbidden, "your role in this space does not allow chatting")
	}
	return a, nil
}

// errBadKey hides which part of an assistant key was wrong.
var errBadKey = errs.New(errs.Unauthenticated, "invalid or revoked API key")

// AuthenticateKey checks an assistant-scoped key and returns its tenant,
// its assistant and the user who made it (whose access it acts with).
func (s *Service) AuthenticateKey(ctx context.Context, secret string) (tenancy.ID, Key, error) {
	if len(secret) > 200 {
		return tenancy.ID{}, Key{}, errBadKey
	}
	tenant, k, err := s.d.Repo.KeyByHash(ctx, s.hash(secret))
	if err != nil {
		return tenancy.ID{}, Key{}, errBadKey
	}
	return tenant, k, nil
}
