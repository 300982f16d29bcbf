#!/bin/bash
# Install the kiosk on a fresh Debian 12 cabin PC. Run it once, as root, with the .deb beside it:
#
#     sudo bash install-cabin.sh [cabin-kiosk_VERSION_amd64.deb]
#
# It installs the package with the Debian packages it needs (apt, from the network), blocks
# Ctrl+Alt+Delete, asks for the first technician's name and PIN, and says what to do next.
# Running it again is harmless (an update: same command with the new .deb).
set -euo pipefail

say() { printf '\n== %s\n' "$*"; }
die() {
  echo "install-cabin: $*" >&2
  exit 1
}

[ "$(id -u)" = 0 ] || die "run it as root: sudo bash $0 ${1:-}"

DEB=${1:-}
if [ -z "$DEB" ]; then
  # The newest package next to this script, else in the current folder.
  DEB=$(find "$(dirname "$0")" . -maxdepth 1 -name 'cabin-kiosk_*.deb' -printf '%T@ %p\n' |
    sort -rn | head -n 1 | cut -d' ' -f2-)
fi
if [ -z "$DEB" ] || [ ! -f "$DEB" ]; then
  die "no cabin-kiosk_*.deb given or found here"
fi
DEB=$(realpath "$DEB")

# shellcheck source=/dev/null
. /etc/os-release
if [ "${VERSION_CODENAME:-}" != bookworm ]; then
  die "this is ${PRETTY_NAME:-an unknown system}; the cabin needs Debian 12 (bookworm)"
fi
[ "$(dpkg --print-architecture)" = amd64 ] || die "the cabin needs a 64-bit PC (amd64)"

say "Installing $(basename "$DEB") and the Debian packages it needs (a few minutes)"
apt-get update -q
# An update keeps the settings and udev rules you changed (the new template lands beside them
# as *.dpkg-dist) instead of stopping to ask.
DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$DEB"

say "Blocking Ctrl+Alt+Delete (it would restart the cabin in the middle of a consultation)"
systemctl mask ctrl-alt-del.target

say "Technicians"
existing=$(kiosk technician list)
if [ -n "$existing" ]; then
  echo "Already registered:"
  printf '  %s\n' "${existing//$'\n'/$'\n  '}"
elif [ -t 0 ]; then
  echo "The first technician signs in on the touchscreen (\"Technician\" button) with a PIN."
  while true; do
    read -r -p "Technician's name (empty: later): " name
    [ -n "$name" ] || {
      echo "Add one later with: kiosk technician add \"First Last\""
      break
    }
    if kiosk technician add "$name"; then
      break
    fi
    echo "Try again."
  done
else
  echo "No terminal to ask in: add one with: kiosk technician add \"First Last\""
fi

version=$(kiosk --version)
cat <<EOF

== Installed: $version

Next steps (docs: /usr/share/doc/cabin-kiosk/operations.md):
  1. Plug the devices in, then list them:            kiosk devices
     Put their serial numbers in                     /etc/udev/rules.d/70-cabin-kiosk.rules
     and apply:                                      udevadm control --reload && udevadm trigger
  2. Set the doctor portal's address, this cabin's name and its secret:
                                                     nano /etc/kiosk/kiosk.toml   ([call] section)
  3. Check every device:                             kiosk selftest
  4. Add the assistants:                             kiosk assistant add "First Last"
  5. Restart the cabin: it starts on the kiosk.      reboot
EOF
