#!/usr/bin/env bash
# Set up everything the kiosk and its tests need, on a fresh Debian 12 machine or an existing
# checkout. Safe to run twice. Creates .venv (everything) and .venv-core (the core without Qt).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian libraries Qt needs even offscreen, and Xvfb for screenshots of real windows.
DEBS=(libegl1 libgl1 libfontconfig1 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3 libglib2.0-0
      libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
      libxcb-render-util0 libxcb-image0 fonts-dejavu-core xvfb xauth
      # The doctor's browser in end-to-end tests and benchmarks; ip for the network namespace.
      chromium chromium-driver iproute2
      # ALSA's configuration: PyAV's own ALSA library reads it for the microphone and speaker.
      libasound2-data
      # The packaging test (a clean Debian root for the .deb) and the shell scripts' lint.
      debootstrap shellcheck
      # Printing the patient's report: lp, and a private scheduler for the printing tests.
      cups-client cups-daemon)
missing=()
for pkg in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "install: Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "install: missing Debian packages (run as root to install them): ${missing[*]}" >&2
  fi
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"

# The core and the drivers must work without PySide6: a second environment proves it.
[ -x .venv-core/bin/python ] || "$PY" -m venv .venv-core
.venv-core/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
if .venv-core/bin/python -c "import PySide6" 2>/dev/null; then
  echo "install: PySide6 must not be in .venv-core" >&2
  exit 1
fi
echo "install: ready (.venv/bin/kiosk)"
