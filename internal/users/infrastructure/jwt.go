package infrastructure

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/users/application"
)

// issuer names Agora in its tokens; tokens of other issuers are refused.
const issuer = "agora"

// JWT signs access tokens with HS256 (golang-jwt).
type JWT struct{ secret []byte }

// NewJWT returns a signer with the JWT_SECRET.
func NewJWT(secret string) JWT { return JWT{secret: []byte(secret)} }

type claims struct {
	Tenant string `json:"tid"`
	Family string `json:"sid,omitempty"`
	jwt.RegisteredClaims
}

// Issue signs an access token carrying user, tenant and token id.
func (j JWT) Issue(c application.Claims) (string, error) {
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
		Tenant: c.Tenant.String(), Family: c.Family,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: issuer, Subject: c.UserID.String(), ID: c.TokenID,
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(c.ExpiresAt),
		},
	})
	s, err := tok.SignedString(j.secret)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

// Parse verifies signature, algorithm, issuer and expiry (with a few
// seconds of leeway for clock skew between replicas).
func (j JWT) Parse(token string) (application.Claims, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return j.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(), jwt.WithLeeway(5*time.Second))
	if err != nil {
		return application.Claims{}, err
	}
	user, err := uuid.Parse(c.Subject)
	if err != nil {
		return application.Claims{}, errors.New("token subject is not a user id")
	}
	tenant, err := tenancy.Parse(c.Tenant)
	if err != nil {
		return application.Claims{}, errors.New("token tenant is not a tenant id")
	}
	return application.Claims{UserID: user, Tenant: tenant, TokenID: c.ID, Family: c.Family, ExpiresAt: c.ExpiresAt.Time}, nil
}
