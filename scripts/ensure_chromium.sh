#!/usr/bin/env bash
# The browser tests use Debian's chromium, the PDF page test poppler-utils' pdftoppm. In CI
# (CI=true, root) install what is missing; elsewhere the browser tests skip with a message when
# chromium is not there.
set -uo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "${CI:-}" = "true" ] && [ "$(id -u)" = "0" ]; then
  echo "installing Debian's ${missing[*]} for the browser and PDF tests" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >&2
fi
