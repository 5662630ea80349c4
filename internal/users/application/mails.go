package application

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/agora-platform/agora/internal/users/domain"
)

// The e-mails the users module sends, in Swedish and English (the
// recipient's language is not known yet).

func (s *Service) mailLink(ctx context.Context, u domain.User, kind domain.LinkKind, url string, expires time.Time) bool {
	subject := "Inbjudan till Agora / Invitation to Agora"
	sv, en := "Du har bjudits in till Agora. Välj ditt lösenord här:", "You have been invited to Agora. Choose your password here:"
	if kind == domain.LinkReset {
		subject = "Nytt lösenord i Agora / New password in Agora"
		sv, en = "Någon (förhoppningsvis du) bad om ett nytt lösenord i Agora. Välj det här:", "Someone (hopefully you) asked for a new password in Agora. Choose it here:"
	}
	until := expires.UTC().Format("2006-01-02 15:04 UTC")
	text := strings.Join([]string{
		sv, url, fmt.Sprintf("Länken fungerar en gång, till %s.", until), "",
		en, url, fmt.Sprintf("The link works once, until %s.", until),
	}, "\n")
	sum := sha256.Sum256([]byte(url))
	return s.send(ctx, u, subject, text, string(kind)+":"+hex.EncodeToString(sum[:8]))
}

func (s *Service) mailSSO(ctx context.Context, u domain.User) bool {
	login := strings.TrimRight(s.d.PublicOrigin, "/") + "/login"
	text := strings.Join([]string{
		"Du har bjudits in till Agora. Logga in med din organisations konto här:", login, "",
		"You have been invited to Agora. Sign in with your organisation's account here:", login,
	}, "\n")
	return s.send(ctx, u, "Inbjudan till Agora / Invitation to Agora", text, "sso:"+u.ID.String())
}

// send queues an e-mail; it reports whether it was queued. A failure is
// logged, not returned: the administrator still has the link to pass on.
func (s *Service) send(ctx context.Context, u domain.User, subject, text, id string) bool {
	if s.d.Mailer == nil || !s.d.Mailer.Enabled() {
		return false
	}
	if err := s.d.Mailer.Send(ctx, u.Email, subject, text, id); err != nil {
		s.d.Log.WarnContext(ctx, "e-mail not queued", "user_id", u.ID, "err", err)
		return false
	}
	return true
}
