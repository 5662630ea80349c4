package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/tenants/domain"
)

func TestNew(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	id := tenancy.ID{UUID: uuid.New()}
	tests := []struct {
		name, in, display string
		wantDisplay       string
		wantErr           bool
	}{
		{name: "plain", in: "Sundsvall", wantDisplay: "Sundsvall"},
		{name: "trimmed with display", in: "  Region Västernorrland ", display: " Region VN ", wantDisplay: "Region VN"},
		{name: "unicode letters", in: "Malmö stad", wantDisplay: "Malmö stad"},
		{name: "too short", in: "a", wantErr: true},
		{name: "too long", in: strings.Repeat("x", domain.MaxNameLen+1), wantErr: true},
		{name: "slash", in: "a/b", wantErr: true},
		{name: "control in display", in: "Umeå", display: "Um\x00eå", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := domain.New(id, tt.in, tt.display, "", now)
			if tt.wantErr {
				require.Error(t, err)
				kind, _ := errs.KindOf(err)
				require.Equal(t, errs.Invalid, kind)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantDisplay, got.DisplayName)
			require.Equal(t, domain.StateActive, got.State)
			require.False(t, got.Provisioned())
			require.Equal(t, now, got.CreatedAt)
		})
	}
}
