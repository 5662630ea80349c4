# Agora: `make run` starts the product, `make test` runs every test.
# Both ready PostgreSQL + pgvector and Redis first (scripts/services.sh).

SHELL   := /bin/bash
PKG     := github.com/agora-platform/agora
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X $(PKG)/internal/platform/health.Version=$(VERSION) -X $(PKG)/internal/platform/health.Commit=$(COMMIT)
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: services web build run test test-go lint imports openapi bench eval clean

services: ## ready PostgreSQL 15 + pgvector and Redis (idempotent)
	$(SUDO) bash scripts/services.sh

web: ## build the web UI into web/dist/app (npm ci from the lock file when it changed)
	bash scripts/web.sh build

build: web ## build bin/api (with the UI embedded), bin/worker and bin/agora
	go build -ldflags '$(LDFLAGS)' -o bin/ ./cmd/...

run: services build ## migrate, seed, then run API and worker in the foreground (Ctrl-C stops both)
	bash scripts/run.sh

test: ## fresh test database, then every test against the real services (race detector on)
	$(SUDO) env AGORA_FRESH_TEST_DB=1 AGORA_BROWSER=1 bash scripts/services.sh
	bash scripts/test.sh

lint: ## gofmt, go vet and the import rules
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	$(MAKE) imports

imports: ## check STYLE.md's import rules
	go test -count=1 -run 'TestImportRules' ./internal/archtest/

openapi: ## regenerate api/swagger.json and api/swagger.yaml from the annotations, and the UI's client types
	go test -count=1 -run TestOpenAPISpec ./api/ -args -update
	cd web && node scripts/gen-api.mjs

bench: services build ## the Go benchmarks, then cmd/chatbench (streamed chat latency and memory) against the test services
	BENCH=1 bash scripts/test.sh -run '^$$' -bench . -benchmem
	bin/chatbench
	bash scripts/agora-test.sh bench retrieval -chunks 100000

eval: services ## SciFact retrieval figures: agora eval scifact on the test services
	bash scripts/agora-test.sh eval scifact

clean:
	rm -rf bin web/dist/app
