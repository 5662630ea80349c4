package postgres_test

import (
	"testing"

	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// BenchmarkScopeCost measures one tenant statement three ways: as the
// owner sending it as it is (no policies), as the owner through the scoped
// pipeline (the cost of carrying the scope), and as the application's role
// (the scope plus the policies).
func BenchmarkScopeCost(b *testing.B) {
	tenant := testkit.Tenant(b)
	ctx := tenancy.With(b.Context(), tenant)
	ownerScoped, err := postgres.Open(ctx, testkit.DatabaseURL(b), postgres.Options{MaxOpenConns: 2, MaxIdleConns: 2, Scoped: true})
	if err != nil {
		b.Fatal(err)
	}
	for name, db := range map[string]*bun.DB{"owner": testkit.DB(b), "owner-scoped": ownerScoped, "app": testkit.AppDB(b)} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				var n int
				if err := db.NewSelect().Table("spaces").ColumnExpr("count(*)").Where("tenant_id = ?", tenant.UUID).Scan(ctx, &n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
