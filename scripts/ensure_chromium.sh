#!/usr/bin/env bash
# The browser tests use Debian's chromium. In CI (CI=true, root) install it when missing;
# elsewhere the browser tests skip with a message when it is not there.
set -uo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "${CI:-}" = "true" ] && [ "$(id -u)" = "0" ]; then
  echo "installing Debian's chromium for the browser tests" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2
fi
