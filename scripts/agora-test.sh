#!/usr/bin/env bash
# Runs the agora command against the test services (make eval, make bench):
# migrates the test database first, then `agora "$@"`.
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL=${TEST_APP_DATABASE_URL:-postgres://agora_app:agora_app@127.0.0.1:5432/agora_test?sslmode=disable}
export MIGRATION_DATABASE_URL=${TEST_DATABASE_URL:-postgres://agora:agora@127.0.0.1:5432/agora_test?sslmode=disable}
export REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/1}
export JWT_SECRET=${JWT_SECRET:-eval-jwt-secret-0123456789abcdef0123456789}
export ENCRYPTION_KEY=${ENCRYPTION_KEY:-cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=}
export LOG_LEVEL=${LOG_LEVEL:-warn}

go build -o bin/agora ./cmd/agora
bin/agora migrate
bin/agora "$@"
