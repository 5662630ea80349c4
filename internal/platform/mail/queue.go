package mail

import (
	"context"
	"fmt"

	"github.com/hibiken/asynq"

	"github.com/agora-platform/agora/internal/platform/jobs"
	"github.com/agora-platform/agora/internal/platform/secrets"
)

// TypeSend is the worker task that sends one message.
const TypeSend = "mail:send"

// task is the queued message: the body encrypted, since it holds a link
// that lets its holder set a password.
type task struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text_enc"`
}

// Enqueuer queues tasks (platform/jobs.Client).
type Enqueuer interface {
	Enqueue(ctx context.Context, taskType string, payload any, id string) error
}

// Queue hands messages to the worker.
type Queue struct {
	jobs Enqueuer
	box  *secrets.Box
	on   bool
}

// NewQueue returns a Queue; with e-mail off (no SMTP_HOST) Enabled is
// false and Send refuses.
func NewQueue(jobs Enqueuer, box *secrets.Box, cfg Config) *Queue {
	return &Queue{jobs: jobs, box: box, on: cfg.Enabled()}
}

// Enabled reports whether messages can be sent.
func (q *Queue) Enabled() bool { return q.on }

// Send queues a plain-text message for the worker; id makes it unique (a
// retry of the same request queues it once).
func (q *Queue) Send(ctx context.Context, to, subject, text, id string) error {
	if !q.on {
		return fmt.Errorf("e-mail is not configured (SMTP_HOST, SMTP_FROM)")
	}
	sealed, err := q.box.Encrypt(text)
	if err != nil {
		return fmt.Errorf("encrypt the e-mail to %s: %w", to, err)
	}
	return q.jobs.Enqueue(ctx, TypeSend, task{To: to, Subject: subject, Text: sealed}, id)
}

// Tasks is the worker's side: it sends the queued messages.
type Tasks struct {
	sender Sender
	box    *secrets.Box
}

// NewTasks returns the handler of TypeSend.
func NewTasks(sender Sender, box *secrets.Box) *Tasks { return &Tasks{sender: sender, box: box} }

// Register adds the handler to the worker's mux.
func (t *Tasks) Register(mux *asynq.ServeMux) { mux.HandleFunc(TypeSend, t.send) }

func (t *Tasks) send(ctx context.Context, at *asynq.Task) error {
	p, err := jobs.Decode[task](at)
	if err != nil {
		return err
	}
	text, err := t.box.Decrypt(p.Text)
	if err != nil {
		return fmt.Errorf("decrypt the queued e-mail to %s (ENCRYPTION_KEY changed?): %w: %w", p.To, err, asynq.SkipRetry)
	}
	return t.sender.Send(ctx, Message{To: p.To, Subject: p.Subject, Text: text})
}
