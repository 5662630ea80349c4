package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/logging"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

func TestRecordsCarryRequestAndTenant(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := logging.New(&buf, "json", "info").With("component", "test")
	tenant := tenancy.ID{UUID: uuid.New()}
	ctx := tenancy.With(logging.WithRequestID(context.Background(), "req-123456"), tenant)

	log.InfoContext(ctx, "hello")
	log.DebugContext(ctx, "below the level")

	var rec map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rec), buf.String())
	require.Equal(t, "hello", rec["msg"])
	require.Equal(t, "req-123456", rec["request_id"])
	require.Equal(t, tenant.String(), rec["tenant_id"])
	require.Equal(t, "test", rec["component"])
	require.Equal(t, "req-123456", logging.RequestID(ctx))
}

func TestTextFormat(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logging.New(&buf, "text", "debug").Debug("plain")
	require.Contains(t, buf.String(), "level=DEBUG msg=plain")
}
