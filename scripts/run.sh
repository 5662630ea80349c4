#!/usr/bin/env bash
# Runs Agora in the foreground: writes a .env with fresh secrets on first
# run, applies migrations, seeds demo data, then starts the worker and the
# API together. Ctrl-C stops both. Expects `make build` to have built bin/.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }

secret() { head -c 32 /dev/urandom | base64 | tr -d '\n'; }
fernet_key() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '\n'; }

if [ ! -f .env ]; then
  say "writing .env with fresh secrets (keep it; ENCRYPTION_KEY decrypts stored credentials)"
  umask 077
  cat >.env <<ENV
# Written by scripts/run.sh on first run. See configs/agora.example.env.
SUPER_API_KEY=$(secret)
JWT_SECRET=$(secret)
ENCRYPTION_KEY=$(fernet_key)
ENV
fi

# Secrets added by later versions are appended to an existing .env.
if ! grep -q '^DEMO_ADMIN_PASSWORD=' .env; then
  echo "DEMO_ADMIN_PASSWORD=$(secret | tr -d '+/=' | cut -c1-20)" >>.env
fi

say "applying migrations"
bin/agora migrate
say "seeding demo data"
bin/agora seed

pids=()
stop() {
  trap - INT TERM EXIT
  say "stopping API and worker"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

bin/worker & pids+=($!)
bin/api & pids+=($!)

addr=$(grep -E '^HTTP_ADDR=' .env | tail -1 | cut -d= -f2- || true)
addr=${HTTP_ADDR:-${addr:-127.0.0.1:8080}}
ready() {
  if command -v curl >/dev/null; then
    curl -fsS "http://$addr/api/readyz" >/dev/null 2>&1
  else
    # Without curl, a successful TCP connect is the best sign we can read.
    (exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}") 2>/dev/null
  fi
}
for _ in $(seq 1 60); do
  if ready; then
    say "Agora is ready at http://$addr/  (API docs: http://$addr/api/docs/, sysadmin key: SUPER_API_KEY in .env)"
    say "demo sign-in: admin@demo.example / $(grep '^DEMO_ADMIN_PASSWORD=' .env | cut -d= -f2-)"
    say "press Ctrl-C to stop"
    break
  fi
  sleep 0.5
done

# Exit (and stop the other) as soon as either process ends.
wait -n "${pids[@]}"
