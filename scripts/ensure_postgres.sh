#!/usr/bin/env bash
# Print the PostgreSQL URL the tests should use, starting (or, in CI, installing) a local server if needed.
# Prints nothing when no server can be had outside CI: the Postgres tests then skip with a message.
set -uo pipefail
url="${FRISKLIV_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! command -v pg_isready >/dev/null 2>&1 || ! ready; then
  if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start >&2 2>&1 || true
    sleep 2
  elif [ "${CI:-}" = "true" ] && [ "$(id -u)" = "0" ]; then
    echo "installing Debian's postgresql for the tests" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
    version="$(ls /etc/postgresql | head -n1)"
    sed -i 's/^\(local\|host\)\(.*\)\(peer\|scram-sha-256\|md5\)$/\1\2trust/' "/etc/postgresql/$version/main/pg_hba.conf"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2
    sleep 2
    su postgres -c "createdb test" >&2 2>&1 || true
  fi
fi
if ready; then
  echo "$url"
fi
