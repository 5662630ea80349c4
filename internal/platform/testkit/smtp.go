package testkit

import (
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// SMTPServer is a real SMTP server in the test process (emersion/go-smtp)
// that keeps what it receives, so tests read the e-mail the product sent.
type SMTPServer struct {
	Host string
	Port int

	mu       sync.Mutex
	messages []Mail
	arrived  chan struct{}
}

// Mail is one received message.
type Mail struct {
	From, To, Subject, Text string
}

// NewSMTPServer starts a server on a free local port, closed with the test.
func NewSMTPServer(t testing.TB) *SMTPServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("SMTP test server: %v", err)
	}
	s := &SMTPServer{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, arrived: make(chan struct{}, 100)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// Addr is host:port.
func (s *SMTPServer) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Env returns the product's settings that send through this server.
func (s *SMTPServer) Env() []string {
	return []string{"SMTP_HOST=" + s.Host, "SMTP_PORT=" + strconv.Itoa(s.Port), "SMTP_TLS=none", "SMTP_FROM=agora@kommun.example"}
}

// WaitFor returns the first message to the address, waiting up to timeout.
func (s *SMTPServer) WaitFor(t testing.TB, to string, timeout time.Duration) Mail {
	t.Helper()
	return s.WaitForSubject(t, to, "", timeout)
}

// WaitForSubject returns the first message to the address whose subject
// contains subject.
func (s *SMTPServer) WaitForSubject(t testing.TB, to, subject string, timeout time.Duration) Mail {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if m, ok := s.find(to, subject); ok {
			return m
		}
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("no e-mail to %s with %q in its subject within %s", to, subject, timeout)
		}
	}
}

// Count is how many messages went to the address.
func (s *SMTPServer) Count(to string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.messages {
		if strings.EqualFold(m.To, to) {
			n++
		}
	}
	return n
}

func (s *SMTPServer) find(to, subject string) (Mail, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.messages {
		if strings.EqualFold(m.To, to) && strings.Contains(m.Subject, subject) {
			return m, true
		}
	}
	return Mail{}, false
}

type smtpSession struct {
	s        *SMTPServer
	from, to string
}

func (x *smtpSession) Reset()        { x.from, x.to = "", "" }
func (x *smtpSession) Logout() error { return nil }
func (x *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}
func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = to
	return nil
}

// Data parses the message: its subject and its plain-text body.
func (x *smtpSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		return err
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	text := decodeBody(string(body), msg.Header.Get("Content-Transfer-Encoding"))
	x.s.mu.Lock()
	x.s.messages = append(x.s.messages, Mail{From: x.from, To: x.to, Subject: subject, Text: text})
	x.s.mu.Unlock()
	select { // wake a waiter; a full buffer has wake-ups pending already
	case x.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

// decodeBody undoes a message body's transfer encoding.
func decodeBody(body, encoding string) string {
	if strings.EqualFold(encoding, "quoted-printable") {
		if b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(body))); err == nil {
			return string(b)
		}
	}
	return body
}
