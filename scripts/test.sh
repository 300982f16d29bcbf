#!/usr/bin/env bash
# Every check CI runs: lint, format, types, the dependency rule, the core without Qt, then all tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen

echo "== ruff"; .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "== mypy --strict (kiosk, devices)"; .venv/bin/mypy --strict kiosk devices
echo "== import-linter"; .venv/bin/lint-imports
echo "== shellcheck"
if command -v shellcheck >/dev/null; then
  shellcheck scripts/*.sh .ci/run packaging/*.sh packaging/files/* packaging/debian/postinst \
    packaging/debian/prerm packaging/debian/postrm
else
  echo "skipped (shellcheck is not installed: scripts/install.sh installs it as root)"
fi
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
echo "== the .deb, installed in a clean Debian 12 root"
# Needs root (debootstrap, chroot) and the network (Debian's mirror); outside the namespace above.
if [ -n "${KIOSK_SKIP_DEB_TEST:-}" ]; then
  echo "skipped (KIOSK_SKIP_DEB_TEST is set)"
elif [ "$(id -u)" = 0 ] && command -v debootstrap >/dev/null; then
  bash packaging/test-deb.sh
else
  echo "skipped (needs root and debootstrap)"
fi
