#!/usr/bin/env bash
# Makes this machine ready for Agora, idempotently: PostgreSQL 15 with pgvector,
# Redis, Tesseract and pdftoppm for OCR, and the agora database with its two roles (plus agora_test for
# `make test`): agora owns the tables and runs migrations; agora_app is the
# application's, which row-level security applies to.
# Runs as root on Debian 12. Every step says what it does; a step that finds
# its work already done says so and moves on.
set -euo pipefail

PG_VERSION=15
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
DB_USER=${AGORA_DB_USER:-agora}
DB_PASSWORD=${AGORA_DB_PASSWORD:-agora}
APP_DB_USER=${AGORA_APP_DB_USER:-agora_app}
APP_DB_PASSWORD=${AGORA_APP_DB_PASSWORD:-agora_app}
DATABASES=${AGORA_DATABASES:-"agora agora_test"}
# AGORA_FRESH_TEST_DB=1 drops and recreates agora_test (make test does this,
# so every run starts from an empty schema and applies every migration).
FRESH_TEST_DB=${AGORA_FRESH_TEST_DB:-0}
REDIS_PORT=${AGORA_REDIS_PORT:-6379}

say() { printf '==> %s\n' "$*"; }
die() { printf 'services: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it installs Debian packages and starts services)"

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update"
    apt-get update -qq || die "apt-get update failed; check the Debian mirror in /etc/apt/sources.list.d"
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed; run it by hand to see why"
}

# psql_super runs psql as the postgres superuser over the local socket, which
# works both with Debian's default peer auth and with trust auth.
psql_super() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qAt "$@"; }

ensure_postgres() {
  if [ -x "$PG_BIN/postgres" ]; then
    say "PostgreSQL $PG_VERSION is installed"
  else
    apt_install "postgresql-$PG_VERSION" postgresql-contrib
  fi
  if runuser -u postgres -- "$PG_BIN/pg_isready" -q 2>/dev/null; then
    say "PostgreSQL is running"
    return
  fi
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | grep -q "^$PG_VERSION main$"; then
    say "creating cluster $PG_VERSION/main"
    pg_createcluster "$PG_VERSION" main >/dev/null
  fi
  say "starting PostgreSQL $PG_VERSION/main"
  pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start \
    || die "PostgreSQL did not start; see /var/log/postgresql/postgresql-$PG_VERSION-main.log"
  for _ in $(seq 1 30); do
    runuser -u postgres -- "$PG_BIN/pg_isready" -q && return
    sleep 1
  done
  die "PostgreSQL did not become ready within 30 s; see /var/log/postgresql/"
}

# debian_mirror prints the Debian archive URI apt is configured with.
debian_mirror() {
  local uri
  uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
  if [ -z "$uri" ]; then
    uri=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}' | grep -v security | grep debian | head -1 || true)
  fi
  printf '%s' "${uri:-http://deb.debian.org/debian}"
}

# ensure_pgvector builds pgvector from Debian 13's source package: it is not
# packaged for Debian 12, but its source builds against PostgreSQL 15 as is.
# A private source list keeps the system's apt configuration untouched.
ensure_pgvector() {
  local ext=/usr/share/postgresql/$PG_VERSION/extension/vector.control
  if [ -f "$ext" ]; then
    say "pgvector is installed ($(grep default_version "$ext" | tr -d "'" | awk '{print $3}'))"
    return
  fi
  command -v make >/dev/null && command -v gcc >/dev/null || apt_install build-essential
  [ -x /usr/lib/postgresql/$PG_VERSION/bin/pg_config ] && [ -d /usr/include/postgresql/$PG_VERSION/server ] \
    || apt_install "postgresql-server-dev-$PG_VERSION"
  command -v dpkg-source >/dev/null || apt_install dpkg-dev
  local work mirror
  work=$(mktemp -d /tmp/agora-pgvector.XXXXXX)
  mirror=$(debian_mirror)
  say "fetching pgvector source from $mirror (trixie)"
  chmod 755 "$work"
  mkdir -p "$work/lists/partial"
  chown -R _apt "$work/lists" 2>/dev/null || true
  echo "deb-src $mirror trixie main" >"$work/sources.list"
  local aptopts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=-" -o "Dir::State::Lists=$work/lists")
  apt-get "${aptopts[@]}" update -qq || die "could not read trixie sources from $mirror"
  (cd "$work" && apt-get "${aptopts[@]}" source -qq pgvector >/dev/null 2>&1) \
    || die "apt-get source pgvector failed; check that $mirror serves trixie sources"
  local src
  src=$(find "$work" -maxdepth 1 -type d -name 'pgvector-*' | head -1)
  [ -n "$src" ] || die "pgvector source not found in $work"
  say "building pgvector in $src"
  make -s -C "$src" PG_CONFIG=/usr/lib/postgresql/$PG_VERSION/bin/pg_config OPTFLAGS="" >/dev/null \
    || die "building pgvector failed; see the output of make in $src"
  make -s -C "$src" PG_CONFIG=/usr/lib/postgresql/$PG_VERSION/bin/pg_config install >/dev/null \
    || die "installing pgvector failed"
  rm -rf "$work"
  say "pgvector installed"
}

ensure_database() {
  say "ensuring roles $DB_USER (owner) and $APP_DB_USER (application)"
  psql_super <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$APP_DB_USER') THEN
    CREATE ROLE $APP_DB_USER LOGIN PASSWORD '$APP_DB_PASSWORD' NOSUPERUSER NOBYPASSRLS;
  END IF;
END
\$\$;
SQL
  local db
  for db in $DATABASES; do
    if [ "$db" = agora_test ] && [ "$FRESH_TEST_DB" = 1 ]; then
      say "dropping database $db for a fresh test run"
      psql_super -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
    fi
    if [ "$(psql_super -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" = 1 ]; then
      say "database $db exists"
    else
      say "creating database $db"
      psql_super -c "CREATE DATABASE $db OWNER $DB_USER"
    fi
    # Extensions need a superuser; the migrations then find them in place.
    psql_super -d "$db" -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS vector; CREATE EXTENSION IF NOT EXISTS pgcrypto; CREATE EXTENSION IF NOT EXISTS citext; CREATE EXTENSION IF NOT EXISTS btree_gin;"
    psql_super -d "$db" -c "GRANT ALL ON SCHEMA public TO $DB_USER; ALTER SCHEMA public OWNER TO $DB_USER"
    # Full-text matching may run before the row-level security policy
    # only when it is leakproof; otherwise searches cannot use their index.
    psql_super -d "$db" -c "ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF"
  done
}

ensure_redis() {
  if ! command -v redis-server >/dev/null; then
    apt_install redis-server
  else
    say "Redis is installed"
  fi
  if redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
    say "Redis is running on port $REDIS_PORT"
    return
  fi
  say "starting Redis on 127.0.0.1:$REDIS_PORT"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/agora.log \
    || die "Redis did not start; see /var/log/redis/agora.log"
  for _ in $(seq 1 20); do
    redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && return
    sleep 0.5
  done
  die "Redis did not answer PING; see /var/log/redis/agora.log"
}

# The tools the README's examples and the tests use: curl and jq for the
# examples, Node.js and npm for the web UI's build and the official openai
# npm client's test.
ensure_tools() {
  local missing=()
  command -v curl >/dev/null || missing+=(curl)
  command -v jq >/dev/null || missing+=(jq)
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
  else
    say "curl, jq, node and npm are installed"
  fi
}

# ensure_browser installs Debian's Chromium for the web UI's browser tests
# (make test sets AGORA_BROWSER=1; make run does not need it).
ensure_browser() {
  [ "${AGORA_BROWSER:-0}" = 1 ] || return 0
  if command -v chromium >/dev/null; then
    say "Chromium is installed ($(chromium --version 2>/dev/null | head -1))"
  else
    apt_install chromium fonts-dejavu-core
  fi
}

# ensure_ocr installs Tesseract with its Swedish and English data and
# poppler's pdftoppm, which the worker runs to read scanned PDF pages and
# images (OCR_PATH, PDFTOPPM_PATH).
ensure_ocr() {
  local missing=()
  command -v tesseract >/dev/null || missing+=(tesseract-ocr)
  [ -e /usr/share/tesseract-ocr/5/tessdata/swe.traineddata ] || missing+=(tesseract-ocr-swe)
  [ -e /usr/share/tesseract-ocr/5/tessdata/eng.traineddata ] || missing+=(tesseract-ocr-eng)
  command -v pdftoppm >/dev/null || missing+=(poppler-utils)
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
  else
    say "Tesseract ($(tesseract --version 2>/dev/null | head -1)) and pdftoppm are installed"
  fi
}

ensure_tools
ensure_ocr
ensure_browser
ensure_postgres
ensure_pgvector
ensure_database
ensure_redis
say "services ready"
