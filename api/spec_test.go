package api_test

import (
	"flag"
	"io"
	"log"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/swaggo/swag/gen"
)

var update = flag.Bool("update", false, "write the generated spec to api/ (make openapi)")

// generate runs swag over the repository into dir, exactly as `make openapi`.
func generate(t *testing.T, dir string) {
	t.Helper()
	err := gen.New().Build(&gen.Config{
		SearchDir:          "..",
		MainAPIFile:        "cmd/api/main.go",
		OutputDir:          dir,
		OutputTypes:        []string{"json", "yaml"},
		PropNamingStrategy: "snakecase",
		ParseDepth:         100,
		ParseInternal:      true,
		Excludes:           "../web/node_modules,../e2e",
		Debugger:           log.New(io.Discard, "", 0),
		LeftTemplateDelim:  "{{",
		RightTemplateDelim: "}}",
	})
	require.NoError(t, err, "swag could not generate the spec from the annotations")
}

// TestOpenAPISpec fails when api/swagger.json or api/swagger.yaml differ from
// what the annotations generate; run `make openapi` to refresh them.
func TestOpenAPISpec(t *testing.T) {
	dir := t.TempDir()
	generate(t, dir)
	for _, name := range []string{"swagger.json", "swagger.yaml"} {
		fresh, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		if *update {
			require.NoError(t, os.WriteFile(name, fresh, 0o644))
			continue
		}
		committed, err := os.ReadFile(name)
		require.NoError(t, err, "api/%s is missing; run `make openapi`", name)
		require.Equal(t, string(fresh), string(committed), "api/%s is out of date; run `make openapi` and commit it", name)
	}
}
