package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/mail"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

func TestSMTPSendsAPlainTextMessage(t *testing.T) {
	t.Parallel()
	srv := testkit.NewSMTPServer(t)
	s := mail.NewSMTP(mail.Config{Host: srv.Host, Port: srv.Port, From: "agora@kommun.example", TLS: mail.None, Timeout: 5 * time.Second})
	text := "Välkommen! Set your password here: http://127.0.0.1/invite/abc\n\nThe link works once."
	require.NoError(t, s.Send(context.Background(), mail.Message{To: "anna@kommun.example", Subject: "Inbjudan till Agora", Text: text}))
	got := srv.WaitFor(t, "anna@kommun.example", 5*time.Second)
	require.Equal(t, "Inbjudan till Agora", got.Subject)
	require.Equal(t, "agora@kommun.example", got.From)
	require.Equal(t, strings.ReplaceAll(text, "\n", "\r\n"), strings.TrimRight(got.Text, "\r\n"))
}

func TestSMTPErrorsNameTheServer(t *testing.T) {
	t.Parallel()
	s := mail.NewSMTP(mail.Config{Host: "127.0.0.1", Port: 1, From: "agora@kommun.example", TLS: mail.None, Timeout: time.Second})
	err := s.Send(context.Background(), mail.Message{To: "anna@kommun.example", Subject: "x", Text: "y"})
	require.ErrorContains(t, err, "127.0.0.1:1")
	err = mail.NewSMTP(mail.Config{Host: "127.0.0.1", Port: 1, From: "not an address", TLS: mail.None}).
		Send(context.Background(), mail.Message{To: "anna@kommun.example", Subject: "x", Text: "y"})
	require.ErrorContains(t, err, "SMTP_FROM")
}
