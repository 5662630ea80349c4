#!/usr/bin/env bash
# Runs the whole test suite against the real services: migrates the test
# database, empties the test Redis databases, and runs `go test` with the
# race detector. Extra arguments go to `go test` (used by `make bench`).
set -euo pipefail
cd "$(dirname "$0")/.."

export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://agora:agora@127.0.0.1:5432/agora_test?sslmode=disable}
# The owner's URL migrates and arranges test data; the application's role
# (row-level security applies to it) is what the code under test uses.
export TEST_APP_DATABASE_URL=${TEST_APP_DATABASE_URL:-postgres://agora_app:agora_app@127.0.0.1:5432/agora_test?sslmode=disable}
export TEST_REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/1}
# The process test runs real binaries on a Redis database of its own, so the
# worker it starts takes no task queued by other tests; databases 3 and 4
# belong to the heartbeat and readiness tests (testkit.RedisDB).
export TEST_PROCESS_REDIS_URL=${TEST_PROCESS_REDIS_URL:-redis://127.0.0.1:6379/2}
export REQUIRE_SERVICES=1

say() { printf '==> %s\n' "$*"; }

say "migrating the test database"
DATABASE_URL=$TEST_APP_DATABASE_URL MIGRATION_DATABASE_URL=$TEST_DATABASE_URL REDIS_URL=$TEST_REDIS_URL \
  JWT_SECRET=test-jwt-secret-0123456789abcdef0123456789 \
  ENCRYPTION_KEY=cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4= \
  go run ./cmd/agora migrate

say "emptying the test Redis databases"
for url in "$TEST_REDIS_URL" "$TEST_PROCESS_REDIS_URL" "${TEST_REDIS_URL%/*}/3" "${TEST_REDIS_URL%/*}/4"; do
  redis-cli -u "$url" FLUSHDB >/dev/null
done

# The official openai npm client, for the OpenAI-compatible API's test; npm ci
# runs again only when the lock file changed.
node_dir=internal/sessions/api/testdata/openai-node
if ! cmp -s "$node_dir/package-lock.json" "$node_dir/node_modules/.agora-lock" 2>/dev/null; then
  say "installing the openai npm client (npm ci)"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$node_dir/package-lock.json" "$node_dir/node_modules/.agora-lock"
fi

# The UI is built before the Go tests: the API binary embeds it, and the
# browser tests drive it in Chromium. Its own checks run here too.
if [ -n "${BENCH:-}" ]; then
  bash scripts/web.sh build
else
  bash scripts/web.sh check
fi

if [ -n "${BENCH:-}" ]; then
  say "go test $*"
  go test -count=1 "$@" ./...
  exit
fi

say "gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files '*.go') 2>/dev/null || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...

# Every test process appends the log lines of recovered panics (a 500 from
# Echo's recover, a task asynq recovered) to this file; the e2e tests fail
# on a panic in a binary's output. Any line fails the run.
export AGORA_PANIC_LOG=${AGORA_PANIC_LOG:-$(mktemp /tmp/agora-panics.XXXXXX)}
: >"$AGORA_PANIC_LOG"

say "go test -race ./... (includes the import-rule and OpenAPI drift checks)"
set +e
go test -race -count=1 -timeout 15m "$@" ./... 2>&1 | tee /tmp/agora-test-output.log
status=${PIPESTATUS[0]}
set -e
if grep -q '^panic: ' /tmp/agora-test-output.log || [ -s "$AGORA_PANIC_LOG" ]; then
  echo "A panic happened during the tests:"
  grep -n '^panic: ' /tmp/agora-test-output.log || true
  cat "$AGORA_PANIC_LOG"
  exit 1
fi
exit "$status"
