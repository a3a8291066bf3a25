#!/usr/bin/env bash
# The test command of the README (and of .ci/run): install, find PostgreSQL, run pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/ensure_chromium.sh
pg_url="$(bash scripts/ensure_postgres.sh)"
if [ -n "$pg_url" ]; then
  export FRISKLIV_TEST_POSTGRES_URL="$pg_url"
fi
if [ "${CI:-}" = "true" ]; then
  export FRISKLIV_REQUIRE_POSTGRES=1   # CI never skips the PostgreSQL tests
fi
# one pytest worker per core (pytest-xdist), a test file per worker at a time (tests/conftest.py says why)
exec .venv/bin/python -m pytest -n auto --dist loadfile "$@"
