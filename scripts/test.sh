#!/usr/bin/env bash
# Every check CI runs: lint, format, types, the dependency rule, the core without Qt, then all tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen

echo "== ruff"; .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "== mypy --strict (kiosk, devices)"; .venv/bin/mypy --strict kiosk devices
echo "== import-linter"; .venv/bin/lint-imports
echo "== core tests without PySide6"
.venv-core/bin/python -m pytest -q -p no:cacheprovider tests/unit tests/contract tests/portal tests/call "$@"
echo "== all tests"
# Inside a network namespace with only lo when the shared tool is there (CI, as root): proves that
# nothing leaves the machine, and lets the end-to-end test cut the network for real.
ISOLATE=()
if [ -x ../shared/tools/loopback-only ] && [ "$(id -u)" = 0 ]; then
  ISOLATE=(../shared/tools/loopback-only)
fi
"${ISOLATE[@]}" .venv/bin/python -m pytest -q -p no:cacheprovider tests "$@"
