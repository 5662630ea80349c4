// Package mail sends the installation's e-mail (invitations, password
// links) over SMTP. The API never sends in a request: it queues a task,
// and the worker sends it with asynq's retries and backoff. Bodies are
// encrypted in the queue, since they carry one-time links.
//
// SMTP is done by github.com/wneessen/go-mail: a maintained client with
// STARTTLS policies, implicit TLS, authentication and RFC 5322 messages,
// which net/smtp does not offer whole.
package mail

import (
	"context"
	"fmt"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/agora-platform/agora/internal/platform/errs"
)

// TLS modes of SMTP_TLS.
const (
	StartTLS = "starttls" // STARTTLS required (port 587)
	TLS      = "tls"      // implicit TLS (port 465)
	None     = "none"     // no encryption: only for a relay on localhost
)

// Config is the SMTP server and the sender address.
type Config struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	TLS      string
	Timeout  time.Duration
}

// Enabled reports whether e-mail is configured.
func (c Config) Enabled() bool { return c.Host != "" && c.From != "" }

// Message is one plain-text e-mail.
type Message struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// Sender sends messages now.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTP sends through the configured server.
type SMTP struct{ cfg Config }

// NewSMTP returns an SMTP sender.
func NewSMTP(cfg Config) *SMTP { return &SMTP{cfg: cfg} }

// Send delivers one message; the error says which server refused it.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return errs.Wrap(errs.Invalid, "SMTP_FROM is not an e-mail address", err)
	}
	if err := msg.To(m.To); err != nil {
		return errs.Wrap(errs.Invalid, fmt.Sprintf("cannot send to %q: not an e-mail address", m.To), err)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	client, err := gomail.NewClient(s.cfg.Host, s.options()...)
	if err != nil {
		return fmt.Errorf("SMTP client for %s: %w", s.cfg.Host, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send e-mail through %s:%d: %w", s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}

func (s *SMTP) options() []gomail.Option {
	timeout := s.cfg.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(timeout)}
	switch s.cfg.TLS {
	case TLS:
		opts = append(opts, gomail.WithSSL())
	case None:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	return opts
}
