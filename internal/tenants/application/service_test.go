package application_test

import (
	"context"
	"errors"
	"testing"

	"github.com/fernet/fernet-go"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/safehttp"
	"github.com/agora-platform/agora/internal/platform/secrets"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/tenants/application"
	"github.com/agora-platform/agora/internal/tenants/infrastructure"
)

// fakeQueue records enqueued tasks, or fails when err is set.
type fakeQueue struct {
	err   error
	tasks []string
}

func (q *fakeQueue) Enqueue(_ context.Context, taskType string, _ any, id string) error {
	if q.err != nil {
		return q.err
	}
	q.tasks = append(q.tasks, taskType+":"+id)
	return nil
}

// fakeStorage fails Prepare when err is set.
type fakeStorage struct{ err error }

func (s fakeStorage) Prepare(context.Context, tenancy.ID) error { return s.err }

func (s fakeStorage) Remove(context.Context, tenancy.ID) error { return s.err }

func newService(t *testing.T, q *fakeQueue, s fakeStorage) *application.Service {
	t.Helper()
	db := testkit.DB(t)
	keys, err := fernet.DecodeKeys(testkit.EncryptionKey)
	require.NoError(t, err)
	return application.NewService(application.Deps{
		Repo: infrastructure.NewRepo(db), Tx: postgres.NewTransactor(db), Jobs: q, Storage: s,
		Secrets: secrets.NewBox(keys), Audit: audit.Discard{}, Log: testkit.Logger(nil), Endpoints: safehttp.EndpointGuard{},
	})
}

func TestCreateEnqueuesProvisioningOnce(t *testing.T) {
	t.Parallel()
	q := &fakeQueue{}
	svc := newService(t, q, fakeStorage{})
	tn, err := svc.Create(context.Background(), application.CreateInput{Name: "Svc " + uuid.NewString()[:8]})
	require.NoError(t, err)
	require.Equal(t, []string{application.TypeProvision + ":" + tn.ID.String()}, q.tasks)
}

func TestCreateKeepsTheTenantWhenTheQueueIsDown(t *testing.T) {
	t.Parallel()
	svc := newService(t, &fakeQueue{err: errors.New("redis down")}, fakeStorage{})
	tn, err := svc.Create(context.Background(), application.CreateInput{Name: "Svc " + uuid.NewString()[:8]})
	require.NoError(t, err)
	got, err := svc.Get(context.Background(), tn.ID)
	require.NoError(t, err)
	require.False(t, got.Provisioned())
}

func TestProvisionFailureLeavesTenantUnprovisioned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := newService(t, &fakeQueue{}, fakeStorage{err: errors.New("disk full")})
	tn, err := svc.Create(ctx, application.CreateInput{Name: "Svc " + uuid.NewString()[:8]})
	require.NoError(t, err)
	require.ErrorContains(t, svc.Provision(ctx, tn.ID), "disk full")
	got, err := svc.Get(ctx, tn.ID)
	require.NoError(t, err)
	require.False(t, got.Provisioned())
}

func TestListValidatesPaging(t *testing.T) {
	t.Parallel()
	svc := newService(t, &fakeQueue{}, fakeStorage{})
	for _, tc := range []struct{ limit, offset int }{{-1, 0}, {application.MaxPageSize + 1, 0}, {10, -5}} {
		_, _, err := svc.List(context.Background(), tc.limit, tc.offset)
		kind, _ := errs.KindOf(err)
		require.Equal(t, errs.Invalid, kind, "%+v", tc)
	}
	items, _, err := svc.List(context.Background(), 0, 0)
	require.NoError(t, err)
	require.LessOrEqual(t, len(items), application.DefaultPageSize)
}
