package application

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/workflows/domain"
)

// TaskSchedule is the periodic task that starts the scheduled runs due.
const TaskSchedule = "workflows:schedule"

// ScheduleLease is how long a claimed schedule is kept from other
// schedulers before its real next time is stored.
const ScheduleLease = time.Hour

// SetSchedule makes a workflow run at the times cron names, with input,
// as the caller (with their rights now); an empty cron removes the
// schedule.
func (s *Service) SetSchedule(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, cron string, input map[string]any) (View, error) {
	w, acc, err := s.load(ctx, tenant, c, id, "", actEdit)
	if err != nil {
		return View{}, err
	}
	if w.Kind == domain.KindService {
		return View{}, errs.New(errs.Invalid, "a service runs when it is called; schedule an app or workflow")
	}
	var sch *domain.Schedule
	if cron = strings.TrimSpace(cron); cron != "" {
		next, err := s.d.Cron.Next(cron, s.now())
		if err != nil {
			return View{}, errs.InvalidField("cron", "cron: %v", err)
		}
		in, err := s.checkInput(ctx, tenant, c.UserID, w.Definition.Fields, input)
		if err != nil {
			return View{}, err
		}
		sch = &domain.Schedule{Cron: cron, Input: in, User: c.UserID, Permissions: c.Permissions, Next: &next}
	}
	if err := s.d.Repo.SetSchedule(ctx, tenant, id, sch); err != nil {
		return View{}, fmt.Errorf("schedule %s: %w", id, err)
	}
	w.Schedule = sch
	s.audit(ctx, w, "schedule_changed")
	return s.view(w, acc.Role), nil
}

// RunSchedules starts a run of every workflow whose schedule is due and
// returns how many it started. Claiming is atomic in the database, so any
// number of workers may call it at once and each run starts once.
func (s *Service) RunSchedules(ctx context.Context) (int, error) {
	now := s.now()
	due, err := s.d.Repo.ClaimDue(ctx, now, now.Add(ScheduleLease), 100)
	if err != nil {
		return 0, err
	}
	started := 0
	for _, w := range due {
		sch := w.Schedule
		if next, err := s.d.Cron.Next(sch.Cron, now); err == nil {
			if err := s.d.Repo.SetNext(ctx, w.Tenant, w.ID, next); err != nil {
				s.d.Log.WarnContext(ctx, "next scheduled run not stored; it waits for the lease", "workflow_id", w.ID, "err", err)
			}
		}
		c := actor.Caller{UserID: sch.User, Permissions: sch.Permissions}
		if _, err := s.StartRun(tenancy.With(ctx, w.Tenant), w.Tenant, c, w.ID, w.Kind, sch.Input, "schedule"); err != nil {
			s.d.Log.WarnContext(ctx, "scheduled run not started", "workflow_id", w.ID, "err", err)
			continue
		}
		started++
	}
	return started, nil
}

// The webhook's signature headers and replay window.
const (
	SignatureHeader = "X-Agora-Signature"
	TimestampHeader = "X-Agora-Timestamp"
	ReplayWindow    = 5 * time.Minute
)

// HookSecret is a new webhook's URL token and signing secret, shown once.
type HookSecret struct {
	Token  string
	Secret string
}

// SetHook makes (or replaces) a workflow's inbound webhook; its runs act
// as the caller (with their rights now). The token and secret are shown
// once.
func (s *Service) SetHook(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) (HookSecret, error) {
	w, _, err := s.load(ctx, tenant, c, id, "", actEdit)
	if err != nil {
		return HookSecret{}, err
	}
	if w.Kind == domain.KindService {
		return HookSecret{}, errs.New(errs.Invalid, "a service is called with POST /services/{id}/run/; add webhooks to apps and workflows")
	}
	out := HookSecret{Token: "wh_" + random(24), Secret: "whsec_" + random(32)}
	enc, err := s.d.Secrets.Encrypt(out.Secret)
	if err != nil {
		return HookSecret{}, fmt.Errorf("encrypt webhook secret: %w", err)
	}
	sum := sha256.Sum256([]byte(out.Token))
	if err := s.d.Repo.SetHook(ctx, tenant, id, &domain.Hook{TokenHash: sum[:], Secret: enc, User: c.UserID, Permissions: c.Permissions}); err != nil {
		return HookSecret{}, fmt.Errorf("webhook of %s: %w", id, err)
	}
	s.audit(ctx, w, "webhook_created")
	return out, nil
}

// DeleteHook removes a workflow's webhook.
func (s *Service) DeleteHook(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) error {
	w, _, err := s.load(ctx, tenant, c, id, "", actEdit)
	if err != nil {
		return err
	}
	if err := s.d.Repo.SetHook(ctx, tenant, id, nil); err != nil {
		return err
	}
	s.audit(ctx, w, "webhook_deleted")
	return nil
}

var errBadHook = errs.New(errs.Unauthenticated, "unknown webhook, or a missing or wrong signature")

// Hooked starts a run from a signed webhook request: the signature is
// HMAC-SHA256 under the secret of "<timestamp>.<body>", the timestamp
// (Unix seconds) within the replay window, and a signature is accepted
// once.
func (s *Service) Hooked(ctx context.Context, token, timestamp, signature string, body []byte, input map[string]any) (domain.Run, error) {
	sum := sha256.Sum256([]byte(token))
	w, err := s.d.Repo.ByHook(ctx, sum[:])
	if err != nil || w.Hook == nil {
		return domain.Run{}, errBadHook
	}
	secret, err := s.d.Secrets.Decrypt(w.Hook.Secret)
	if err != nil {
		return domain.Run{}, fmt.Errorf("decrypt the webhook secret of %s: %w", w.ID, err)
	}
	if err := s.checkSignature(secret, timestamp, signature, body); err != nil {
		return domain.Run{}, err
	}
	if seen, err := s.d.Replays.Seen(ctx, "hook:"+w.ID.String()+":"+signature, 2*ReplayWindow); err != nil || seen {
		if err != nil {
			return domain.Run{}, err
		}
		return domain.Run{}, errs.New(errs.Conflict, "this request was received already (a replay)")
	}
	ctx = tenancy.With(ctx, w.Tenant)
	c := actor.Caller{UserID: w.Hook.User, Permissions: w.Hook.Permissions}
	return s.StartRun(ctx, w.Tenant, c, w.ID, w.Kind, input, "webhook")
}

func (s *Service) checkSignature(secret, timestamp, signature string, body []byte) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errBadHook
	}
	if d := s.now().Sub(time.Unix(ts, 0)); d > ReplayWindow || d < -ReplayWindow {
		return errs.Newf(errs.Unauthenticated, "the timestamp is outside the %s replay window", ReplayWindow)
	}
	got, err := hex.DecodeString(strings.TrimPrefix(signature, "sha256="))
	if err != nil {
		return errBadHook
	}
	if !hmac.Equal(got, Sign(secret, timestamp, body)) {
		return errBadHook
	}
	return nil
}

// Sign is a webhook request's HMAC-SHA256 over "<timestamp>.<body>".
func Sign(secret, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp + "."))
	m.Write(body)
	return m.Sum(nil)
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails: it crashes the program first
	return base64.RawURLEncoding.EncodeToString(b)
}
