#!/usr/bin/env bash
# The main command of the README: install, then run every grant year found in assets/raw/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/friskliv run "$@"
