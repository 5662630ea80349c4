package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/audit"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/tenants/api"
	"github.com/agora-platform/agora/internal/tenants/application"
	tenantsdomain "github.com/agora-platform/agora/internal/tenants/domain"
)

const base = "/api/v1/sysadmin/tenants/"

func sysadmin(h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	return testkit.Do(h, method, target, body, httpx.APIKeyHeader, testkit.SuperKey)
}

func uniqueName(prefix string) string { return prefix + " " + uuid.NewString()[:8] }

func TestCreateTwoTenantsListAndGet(t *testing.T) {
	t.Parallel()
	e := apptest.New(t).H
	a, b := uniqueName("Sundsvall"), uniqueName("Umeå")

	rec := sysadmin(e, http.MethodPost, base, `{"name":"`+a+`","display_name":"Sundsvalls kommun"}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	first := testkit.JSON[api.TenantResponse](t, rec)
	require.Equal(t, a, first.Name)
	require.Equal(t, "Sundsvalls kommun", first.DisplayName)
	require.Equal(t, "active", first.State)
	require.False(t, first.Provisioned)
	_, err := uuid.Parse(first.ID)
	require.NoError(t, err)

	rec = sysadmin(e, http.MethodPost, "/api/v1/sysadmin/tenants", `{"name":"`+b+`"}`)
	require.Equal(t, http.StatusCreated, rec.Code, "the path without the trailing slash works too")
	second := testkit.JSON[api.TenantResponse](t, rec)
	require.Equal(t, b, second.DisplayName, "display name defaults to the name")

	rec = sysadmin(e, http.MethodGet, base+first.ID+"/", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, first, testkit.JSON[api.TenantResponse](t, rec))

	// Tenants accumulate in the test database across runs; the newest are
	// on the last page (oldest first).
	rec = sysadmin(e, http.MethodGet, base+"?limit=1", "")
	require.Equal(t, http.StatusOK, rec.Code)
	total := testkit.JSON[api.TenantList](t, rec).Count
	require.GreaterOrEqual(t, total, 2)
	rec = sysadmin(e, http.MethodGet, fmt.Sprintf("%s?limit=200&offset=%d", base, max(0, total-200)), "")
	require.Equal(t, http.StatusOK, rec.Code)
	list := testkit.JSON[api.TenantList](t, rec)
	require.GreaterOrEqual(t, list.Count, 2, "other tests create and delete tenants meanwhile, so the count moves")
	ids := map[string]bool{}
	for _, it := range list.Items {
		ids[it.ID] = true
	}
	require.True(t, ids[first.ID] && ids[second.ID], "both tenants are listed")
}

func TestSysadminNeedsTheSuperKey(t *testing.T) {
	t.Parallel()
	e := apptest.New(t).H
	for _, tc := range []struct{ name, key, msg string }{
		{"missing", "", "missing X-API-Key header: the sysadmin API needs the super key"},
		{"wrong", testkit.SuperKey + "x", "invalid API key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				rec := testkit.Do(e, method, base, `{"name":"Nope"}`, httpx.APIKeyHeader, tc.key)
				require.Equal(t, http.StatusUnauthorized, rec.Code)
				require.Equal(t, httpx.ErrorBody{Message: tc.msg, Code: "unauthenticated"}, testkit.JSON[httpx.ErrorBody](t, rec))
			}
		})
	}
}

func TestCreateRejectsBadInput(t *testing.T) {
	t.Parallel()
	e := apptest.New(t).H
	name := uniqueName("Dup")
	require.Equal(t, http.StatusCreated, sysadmin(e, http.MethodPost, base, `{"name":"`+name+`"}`).Code)

	for _, tc := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"name":"` + name + `"}`, http.StatusConflict, "conflict"},
		{`{"name":"x"}`, http.StatusBadRequest, "invalid"},
		{`{"name":"a/b/c"}`, http.StatusBadRequest, "invalid"},
		{`{}`, http.StatusBadRequest, "invalid"},
		{`{"name":`, http.StatusBadRequest, "invalid"},
		{`{"name":42}`, http.StatusBadRequest, "invalid"},
	} {
		rec := sysadmin(e, http.MethodPost, base, tc.body)
		require.Equal(t, tc.status, rec.Code, "%s: %s", tc.body, rec.Body.String())
		require.Equal(t, tc.code, testkit.JSON[httpx.ErrorBody](t, rec).Code, tc.body)
	}
}

func TestGetAndListErrors(t *testing.T) {
	t.Parallel()
	e := apptest.New(t).H
	rec := sysadmin(e, http.MethodGet, base+uuid.NewString()+"/", "")
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Equal(t, httpx.ErrorBody{Message: "tenant not found", Code: "not_found"}, testkit.JSON[httpx.ErrorBody](t, rec))

	rec = sysadmin(e, http.MethodGet, base+"not-a-uuid/", "")
	require.Equal(t, http.StatusBadRequest, rec.Code)

	for _, q := range []string{"?limit=0x", "?limit=1000", "?offset=-1"} {
		rec = sysadmin(e, http.MethodGet, base+q, "")
		require.Equal(t, http.StatusBadRequest, rec.Code, q)
	}
}

// TestCreateQueuesProvisioningThatTheWorkerRuns follows the task from the
// HTTP request to the queue and through the worker's mux.
func TestCreateQueuesProvisioningThatTheWorkerRuns(t *testing.T) {
	t.Parallel()
	a := apptest.New(t).App
	rec := sysadmin(a.HTTP(), http.MethodPost, base, `{"name":"`+uniqueName("Queue")+`"}`)
	require.Equal(t, http.StatusCreated, rec.Code)
	created := testkit.JSON[api.TenantResponse](t, rec)

	insp := asynq.NewInspectorFromRedisClient(a.Redis)
	taskID := application.TypeProvision + ":" + created.ID
	info, err := insp.GetTaskInfo(a.Config.JobQueue, taskID)
	require.NoError(t, err, "provisioning was not queued")
	require.NoError(t, insp.DeleteTask(a.Config.JobQueue, taskID))

	mux := a.TaskMux()
	for range 2 { // running it twice is harmless
		require.NoError(t, mux.ProcessTask(context.Background(), asynq.NewTask(info.Type, info.Payload)))
	}
	rec = sysadmin(a.HTTP(), http.MethodGet, base+created.ID+"/", "")
	got := testkit.JSON[api.TenantResponse](t, rec)
	require.True(t, got.Provisioned)
	require.NotNil(t, got.ProvisionedAt)
	_, err = os.Stat(filepath.Join(a.Config.FileStorageDir, created.ID))
	require.NoError(t, err, "the tenant's storage directory exists")

	err = mux.ProcessTask(context.Background(), asynq.NewTask(application.TypeProvision, []byte(`{"tenant_id":"`+uuid.NewString()+`"}`)))
	require.ErrorIs(t, err, asynq.SkipRetry, "a vanished tenant is not retried")
	err = mux.ProcessTask(context.Background(), asynq.NewTask(application.TypeProvision, []byte(`{"tenant_id":42}`)))
	require.ErrorIs(t, err, asynq.SkipRetry, "a malformed payload is not retried")
}

func tenantID(u uuid.UUID) tenancy.ID { return tenancy.ID{UUID: u} }

func TestUpdateSuspendAndDelete(t *testing.T) {
	t.Parallel()
	a := apptest.New(t).App
	e := a.HTTP()
	tn := createTenant(t, a)

	rec := sysadmin(e, http.MethodPost, base+tn.ID+"/", `{"state":"suspended","quota_limit":1048576,"settings":{"jit_provisioning":true,"language":"swedish"},"display_name":"New name"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	got := testkit.JSON[api.TenantResponse](t, rec)
	require.Equal(t, "suspended", got.State)
	require.Equal(t, int64(1048576), got.QuotaLimit)
	require.Equal(t, api.SettingsDTO{JITProvisioning: true, Language: "swedish"}, got.Settings)
	require.Equal(t, "New name", got.DisplayName)
	require.Equal(t, tn.Name, got.Name, "omitted fields stay")
	require.ErrorIs(t, a.Tenants.Service.CheckActive(context.Background(), tenantID(uuid.MustParse(tn.ID))), tenantsdomain.ErrSuspended)

	other := createTenant(t, a)
	rec = sysadmin(e, http.MethodPost, base+tn.ID+"/", `{"slug":"`+other.Slug+`"}`)
	require.Equal(t, http.StatusConflict, rec.Code)
	rec = sysadmin(e, http.MethodPost, base+tn.ID+"/", `{"state":"gone"}`)
	require.Equal(t, http.StatusBadRequest, rec.Code)

	rec = sysadmin(e, http.MethodDelete, base+tn.ID+"/", "")
	require.Equal(t, http.StatusNoContent, rec.Code)
	require.Equal(t, http.StatusNotFound, sysadmin(e, http.MethodGet, base+tn.ID+"/", "").Code)
	require.Equal(t, http.StatusNotFound, sysadmin(e, http.MethodDelete, base+tn.ID+"/", "").Code)
	require.Equal(t, http.StatusNotFound, sysadmin(e, http.MethodPost, base+tn.ID+"/", `{"state":"active"}`).Code)

	insp := asynq.NewInspectorFromRedisClient(a.Redis)
	info, err := insp.GetTaskInfo(a.Config.JobQueue, application.TypePurge+":"+tn.ID)
	require.NoError(t, err, "deleting queues the file purge")
	require.NoError(t, insp.DeleteTask(a.Config.JobQueue, info.ID))
	require.NoError(t, a.TaskMux().ProcessTask(context.Background(), asynq.NewTask(info.Type, info.Payload)))
}

func TestTenantChangesAreAudited(t *testing.T) {
	t.Parallel()
	a := apptest.New(t).App
	tn := createTenant(t, a)
	rec := testkit.Do(a.HTTP(), http.MethodPost, base+tn.ID+"/", `{"state":"suspended"}`, httpx.APIKeyHeader, testkit.SuperKey, "X-Request-Id", "audit-req-123")
	require.Equal(t, http.StatusOK, rec.Code)

	entries, n, err := a.Audit.List(context.Background(), tenantID(uuid.MustParse(tn.ID)), audit.Filter{})
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.Equal(t, "tenant.updated", entries[0].Action)
	require.Equal(t, "sysadmin", entries[0].ActorType)
	require.Equal(t, "audit-req-123", entries[0].RequestID)
	require.Equal(t, "suspended", entries[0].Details["state"])
	require.Equal(t, "tenant.created", entries[1].Action)
}
