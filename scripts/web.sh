#!/usr/bin/env bash
# Builds the web UI (web/) into web/dist/app, which the API binary embeds.
#   scripts/web.sh build   install the npm packages if the lock file changed, then build
#   scripts/web.sh check   also: generated API types up to date, svelte-check, vitest
# Packages come from the npm registry, pinned by web/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../web"

say() { printf '==> %s\n' "$*"; }
die() { printf 'web: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null || die "Node.js is missing; run 'make services' (it installs node and npm)"
# Vite 8 needs Node 20.19 or later.
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js $(node --version) is too old: the UI build needs 20.19 or later"

if ! cmp -s package-lock.json node_modules/.agora-lock 2>/dev/null; then
  say "installing the UI's npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.agora-lock
  # A go.mod makes node_modules its own module, so `go ./...` never walks it.
  printf 'module agora.invalid/web/node_modules\n' >node_modules/go.mod
fi

say "building the UI into web/dist/app"
npx --no-install vite build --logLevel warn

if [ "${1:-build}" = check ]; then
  say "UI: JavaScript per route (gzip) within the chat route's budget"
  node scripts/bundle-budget.mjs
  say "UI: generated API types match api/swagger.json"
  node scripts/gen-api.mjs --check
  say "UI: svelte-check (types against the API schema)"
  npx --no-install svelte-check --tsconfig ./tsconfig.json --fail-on-warnings --output human
  say "UI: unit tests (vitest)"
  npx --no-install vitest run
fi
