package archtest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/archtest"
)

const module = "github.com/agora-platform/agora"

// TestImportRules checks this repository against STYLE.md's table.
func TestImportRules(t *testing.T) {
	t.Parallel()
	vs, err := archtest.Check("../..", module)
	require.NoError(t, err)
	for _, v := range vs {
		t.Error(v)
	}
	links, err := archtest.CheckLinks("../..")
	require.NoError(t, err)
	for _, v := range links {
		t.Error(v)
	}
}

// write creates files under a temporary repository root.
func write(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	return root
}

func imports(pkg string, paths ...string) string {
	var b strings.Builder
	b.WriteString("package " + pkg + "\n\nimport (\n")
	for _, p := range paths {
		b.WriteString("\t_ \"" + p + "\"\n")
	}
	b.WriteString(")\n")
	return b.String()
}

// TestDomainImportingEchoOrBunFails proves the check catches the rule it
// exists for.
func TestDomainImportingEchoOrBunFails(t *testing.T) {
	t.Parallel()
	root := write(t, map[string]string{
		"internal/widgets/domain/widget.go": imports("domain",
			"github.com/labstack/echo/v5", "github.com/uptrace/bun", "github.com/google/uuid", "strings",
			module+"/internal/platform/errs"),
		"internal/widgets/domain/widget_test.go": imports("domain", "github.com/labstack/echo/v5"),
	})
	vs, err := archtest.Check(root, module)
	require.NoError(t, err)
	require.Len(t, vs, 2, "%v", vs)
	require.Equal(t, "github.com/labstack/echo/v5", vs[0].Import)
	require.Equal(t, "github.com/uptrace/bun", vs[1].Import)
	require.Equal(t, "internal/widgets/domain/widget.go", vs[0].File)
}

func TestLayerRules(t *testing.T) {
	t.Parallel()
	root := write(t, map[string]string{
		"internal/widgets/application/service.go": imports("application",
			module+"/internal/widgets/domain", module+"/internal/widgets/infrastructure", "net/http"),
		"internal/widgets/api/http.go": imports("api",
			module+"/internal/widgets/application", module+"/internal/platform/httpx", "github.com/labstack/echo/v5",
			"github.com/uptrace/bun", module+"/internal/gadgets/application"),
		"internal/widgets/infrastructure/postgres.go": imports("infrastructure",
			"github.com/uptrace/bun", module+"/internal/gadgets/application", module+"/internal/gadgets/domain",
			module+"/internal/widgets/api"),
		"internal/platform/thing/thing.go": imports("thing", module+"/internal/widgets/domain"),
		"internal/widgets/module.go":       imports("widgets", module+"/internal/widgets/api", module+"/internal/gadgets"),
		"internal/app/app.go":              imports("app", module+"/internal/widgets", module+"/internal/gadgets"),
		"cmd/tool/main.go":                 imports("main", module+"/internal/app", module+"/internal/widgets/domain"),
	})
	vs, err := archtest.Check(root, module)
	require.NoError(t, err)
	got := map[string]bool{}
	for _, v := range vs {
		got[v.File+" -> "+strings.TrimPrefix(v.Import, module+"/")] = true
	}
	want := []string{
		"internal/widgets/application/service.go -> internal/widgets/infrastructure",
		"internal/widgets/application/service.go -> net/http",
		"internal/widgets/api/http.go -> github.com/uptrace/bun",
		"internal/widgets/api/http.go -> internal/gadgets/application",
		"internal/widgets/infrastructure/postgres.go -> internal/gadgets/domain",
		"internal/widgets/infrastructure/postgres.go -> internal/widgets/api",
		"internal/platform/thing/thing.go -> internal/widgets/domain",
		"internal/widgets/module.go -> internal/gadgets",
		"cmd/tool/main.go -> internal/widgets/domain",
	}
	for _, w := range want {
		require.True(t, got[w], "expected a violation for %s; got %v", w, vs)
	}
	require.Len(t, vs, len(want), "%v", vs)
}

// TestProviderRouterIsTheModelsModules: only the models module (and the
// composition root) may import platform/ai; chat, knowledge and files reach
// models through models/application.
func TestProviderRouterIsTheModelsModules(t *testing.T) {
	t.Parallel()
	ai := module + "/internal/platform/ai"
	root := write(t, map[string]string{
		"internal/models/infrastructure/providers.go": imports("infrastructure", ai),
		"internal/models/module.go":                   imports("models", ai),
		"internal/app/app.go":                         imports("app", ai),
		"internal/platform/ai/local.go":               imports("ai", module+"/internal/platform/prompt"),
		"internal/knowledge/infrastructure/embed.go":  imports("infrastructure", ai, module+"/internal/models/application"),
		"internal/sessions/infrastructure/models.go":  imports("infrastructure", ai+"/sub"),
		"internal/files/infrastructure/models.go":     imports("infrastructure", module+"/internal/models/infrastructure"),
		"internal/sessions/application/service.go":    imports("application", module+"/internal/platform/prompt", module+"/internal/platform/upload"),
	})
	vs, err := archtest.Check(root, module)
	require.NoError(t, err)
	got := map[string]bool{}
	for _, v := range vs {
		got[v.File+" -> "+strings.TrimPrefix(v.Import, module+"/")] = true
	}
	require.Equal(t, map[string]bool{
		"internal/knowledge/infrastructure/embed.go -> internal/platform/ai":        true,
		"internal/sessions/infrastructure/models.go -> internal/platform/ai/sub":    true,
		"internal/files/infrastructure/models.go -> internal/models/infrastructure": true,
	}, got, "%v", vs)
}

// TestLinkShimsInTheCompositionRootFail: a links.go, a link type or a
// setter that connects a module built later fails the check.
func TestLinkShimsInTheCompositionRootFail(t *testing.T) {
	t.Parallel()
	root := write(t, map[string]string{
		"internal/app/links.go": "package app\n",
		"internal/app/app.go": `package app

type embedLink struct{}

func wire(a *App) {
	a.Spaces.Service.SetKnowledge(nil)
	a.Hub.SetLimit(3)
	a.Caches.OnInvalidate(nil)
}
`,
		"internal/app/app_test.go": "package app\n\ntype testLink struct{}\n",
	})
	vs, err := archtest.CheckLinks(root)
	require.NoError(t, err)
	var got []string
	for _, v := range vs {
		got = append(got, v.File+": "+v.Import)
	}
	require.ElementsMatch(t, []string{"internal/app/links.go: links.go", "internal/app/app.go: type embedLink",
		"internal/app/app.go: call SetKnowledge"}, got)
	clean := write(t, map[string]string{"internal/app/app.go": "package app\n\nfunc wire(a *App) { a.Caches.OnInvalidate(nil) }\n"})
	vs, err = archtest.CheckLinks(clean)
	require.NoError(t, err)
	require.Empty(t, vs)
}

// TestOpsRules proves internal/ops is held to modules' application and
// domain layers and platform packages, and that only internal/app and
// cmd/* may import it.
func TestOpsRules(t *testing.T) {
	t.Parallel()
	root := write(t, map[string]string{
		"internal/ops/bench.go": imports("ops",
			module+"/internal/widgets/application", module+"/internal/widgets/domain", module+"/internal/platform/tenancy",
			"github.com/google/uuid", "context",
			module+"/internal/widgets/infrastructure", module+"/internal/widgets/api", module+"/internal/widgets",
			module+"/internal/app", "github.com/uptrace/bun", "github.com/uptrace/bun/dialect/pgdialect",
			"github.com/redis/go-redis/v9", "database/sql"),
		"internal/ops/bench_test.go":           imports("ops", module+"/internal/widgets/infrastructure", "github.com/uptrace/bun"),
		"internal/app/ops.go":                  imports("app", module+"/internal/ops"),
		"cmd/tool/main.go":                     imports("main", module+"/internal/app", module+"/internal/ops"),
		"internal/widgets/application/uses.go": imports("application", module+"/internal/ops"),
		"internal/platform/thing/thing.go":     imports("thing", module+"/internal/ops"),
	})
	vs, err := archtest.Check(root, module)
	require.NoError(t, err)
	got := map[string]bool{}
	for _, v := range vs {
		got[v.File+" -> "+strings.TrimPrefix(v.Import, module+"/")] = true
	}
	want := []string{
		"internal/ops/bench.go -> internal/widgets/infrastructure",
		"internal/ops/bench.go -> internal/widgets/api",
		"internal/ops/bench.go -> internal/widgets",
		"internal/ops/bench.go -> internal/app",
		"internal/ops/bench.go -> github.com/uptrace/bun",
		"internal/ops/bench.go -> github.com/uptrace/bun/dialect/pgdialect",
		"internal/ops/bench.go -> github.com/redis/go-redis/v9",
		"internal/ops/bench.go -> database/sql",
		"internal/widgets/application/uses.go -> internal/ops",
		"internal/platform/thing/thing.go -> internal/ops",
	}
	for _, w := range want {
		require.True(t, got[w], "expected a violation for %s; got %v", w, vs)
	}
	require.Len(t, vs, len(want), "%v", vs)
}
