package app_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// BenchmarkHealthz measures the middleware chain alone: request id, logging,
// recovery, security headers, body limit and routing.
func BenchmarkHealthz(b *testing.B) {
	e := apptest.New(b).H
	req := httptest.NewRequest(http.MethodGet, "/api/healthz", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkGetTenant measures a sysadmin read: key check, one indexed
// PostgreSQL query and JSON encoding.
func BenchmarkGetTenant(b *testing.B) {
	e := apptest.New(b).H
	id := testkit.Tenant(b)
	req := httptest.NewRequest(http.MethodGet, "/api/v1/sysadmin/tenants/"+id.String()+"/", nil)
	req.Header.Set(httpx.APIKeyHeader, testkit.SuperKey)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
}
