#!/bin/bash
# CI test of the .deb: build it, install it with apt into a clean Debian 12 root made by
# debootstrap (minbase), and check what a cabin would get: the kiosk user, the folders and their
# modes, the unit, the udev rules, the virtual environment and `kiosk --version`, a self-test on
# the simulators as the kiosk user, the touchscreen's Qt libraries, a clean stop on SIGTERM, the
# service's command line under cage (headless), and removal.
#
# Usage (root): bash packaging/test-deb.sh
#   CABIN_KIOSK_DEB=FILE  test this .deb instead of building one
#   KEEP_ROOT=1           keep the Debian root afterwards (its path is printed)
#   CI=1                  start clean: no cached debootstrap root, no cached Debian packages
# Outside CI, the debootstrap root is cached for the day in ~/.cache/cabin-kiosk/debootstrap and
# the Debian packages in ~/.cache/cabin-kiosk/apt-archives, so that a second run is quicker.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "test-deb: needs root (debootstrap, chroot, mount)" >&2
  exit 2
fi
for tool in debootstrap dpkg-deb chroot mount; do
  command -v "$tool" >/dev/null || {
    echo "test-deb: $tool is missing (scripts/install.sh installs debootstrap)" >&2
    exit 2
  }
done

SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/cabin-kiosk
PY_VERSION=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' kiosk/__init__.py)
STARTED=$(date +%s)
WORK=$(mktemp -d /var/tmp/cabin-kiosk-test.XXXXXX) # on disk: the root takes about 2 GB
ROOT=$WORK/root
MOUNTS=()
PASSED=0
FAILED=0

step() { echo "test-deb: [$(($(date +%s) - STARTED)) s] $*"; }

mount_in_root() { # mount_in_root TARGET MOUNT-ARGS...
  local target=$ROOT$1
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  MOUNTS+=("$target")
}

cleanup() {
  local i proc here
  # Whatever this test started inside the root goes first (a kiosk left by a failed check).
  if [ -d "$ROOT" ]; then
    here=$(stat -c %d:%i "$ROOT")
    for proc in /proc/[0-9]*; do
      [ "$(stat -L -c %d:%i "$proc/root" 2>/dev/null)" = "$here" ] && kill -KILL "${proc#/proc/}"
    done 2>/dev/null
    sleep 0.5
  fi
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" || true
  done
  # Never delete through a mount that is still there (/dev of the host, the package cache).
  if awk -v work="$WORK/" 'index($2 "/", work) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    echo "test-deb: something is still mounted under $WORK: not deleting it" >&2
    return
  fi
  if [ -n "${KEEP_ROOT:-}" ]; then
    echo "test-deb: the Debian root stays in $ROOT"
  else
    rm -rf --one-file-system "$WORK"
  fi
}
trap cleanup EXIT

in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  LC_ALL=C.UTF-8 "$@"; }
as_kiosk() { in_root runuser -u kiosk -- "$@"; }
# As systemd's LoadCredential does for the service: the database key in a folder of the kiosk's.
kiosk_creds() {
  in_root install -d -o kiosk -g kiosk -m 0500 /run/kiosk-creds
  in_root install -o kiosk -g kiosk -m 0400 /etc/kiosk/db.key /run/kiosk-creds/db-key
}

check() { # check NAME COMMAND...: PASS when the command succeeds
  local name=$1 output
  shift
  if output=$("$@" 2>&1); then
    echo "PASS: $name"
    PASSED=$((PASSED + 1))
  else
    echo "FAIL: $name"
    [ -z "$output" ] || printf '%s\n' "$output" | tail -n 15 | sed 's/^/      /'
    FAILED=$((FAILED + 1))
  fi
}

# -- 1. the package -------------------------------------------------------------------------------
if [ -n "${CABIN_KIOSK_DEB:-}" ]; then
  DEB=$(realpath "$CABIN_KIOSK_DEB")
else
  step "building the .deb"
  bash packaging/build-deb.sh "$WORK/dist"
  DEB=$(find "$WORK/dist" -name 'cabin-kiosk_*.deb' | head -n 1)
fi

# -- 2. a clean Debian root -------------------------------------------------------------------------
TARBALL=$CACHE/debootstrap/$SUITE-minbase-$(date +%Y%m%d).tar
if [ -z "${CI:-}" ] && [ -f "$TARBALL" ]; then
  step "Debian root from today's cache ($TARBALL)"
  mkdir "$ROOT"
  tar -xpf "$TARBALL" -C "$ROOT"
else
  step "debootstrap --variant=minbase $SUITE"
  debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
    tail -n 20 "$WORK/debootstrap.log" >&2
    echo "FAIL: debootstrap"
    exit 1
  }
  if [ -z "${CI:-}" ]; then
    mkdir -p "$(dirname "$TARBALL")"
    find "$(dirname "$TARBALL")" -name "$SUITE-minbase-*.tar" ! -name "$(basename "$TARBALL")" -delete
    tar -cpf "$TARBALL.part" -C "$ROOT" . && mv "$TARBALL.part" "$TARBALL"
  fi
fi

cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY $SUITE-security main
EOF
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# No service starts inside the chroot (invoke-rc.d and deb-systemd-invoke obey this).
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
mount_in_root /proc -t proc proc
mount_in_root /sys -t sysfs sysfs
mount_in_root /dev --bind /dev
mount_in_root /dev/pts --bind /dev/pts
if [ -z "${CI:-}" ]; then
  mkdir -p "$CACHE/apt-archives/partial"
  mount_in_root /var/cache/apt/archives --bind "$CACHE/apt-archives"
fi

# -- 3. install it as a technician would: packaging/install-cabin.sh, i.e. apt-get install ./deb --
cp "$DEB" packaging/install-cabin.sh "$ROOT/tmp/"
step "install-cabin.sh $(basename "$DEB") (apt-get install of the .deb and its Depends)"
install_started=$(date +%s)
if ! in_root bash /tmp/install-cabin.sh "/tmp/$(basename "$DEB")" </dev/null >"$WORK/install.log" 2>&1
then
  tail -n 30 "$WORK/install.log"
  echo "FAIL: install-cabin.sh (apt-get install ./$(basename "$DEB"))"
  exit 1
fi
step "installed in $(($(date +%s) - install_started)) s; checking"

# -- 4. checks --------------------------------------------------------------------------------------
# Each check is a function; `check` runs it with errexit off, so each test says `|| return 1`.
UNIT=$ROOT/lib/systemd/system/cabin-kiosk.service
RULES=$ROOT/etc/udev/rules.d/70-cabin-kiosk.rules
KIOSK_UID=$(chroot "$ROOT" id -u kiosk 2>/dev/null || echo none)

owner_mode() { # owner_mode PATH "700 kiosk:kiosk"
  local found
  found=$(in_root stat -c '%a %U:%G' "$1") || return 1
  [ "$found" = "$2" ] || {
    echo "$1 is $found, expected $2"
    return 1
  }
}

has_lines() { # has_lines FILE LINE...: every line is in the file, exactly
  local file=$1 line
  shift
  for line in "$@"; do
    grep -qxF -- "$line" "$file" || {
      echo "no line '$line' in ${file#"$ROOT"}"
      return 1
    }
  done
}

installed() {
  local status
  # shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
  status=$(in_root dpkg-query -W -f='${Status} ${Version}' cabin-kiosk) || return 1
  echo "$status"
  [[ $status == "install ok installed "* ]]
}

guides() {
  local guide
  for guide in operations.md assistant-guide.md doctor-guide.md devices.md; do
    [ -s "$ROOT/usr/share/doc/cabin-kiosk/$guide" ] || {
      echo "no /usr/share/doc/cabin-kiosk/$guide"
      return 1
    }
  done
}

kiosk_account() {
  local entry
  entry=$(in_root getent passwd kiosk) || return 1
  echo "$entry"
  awk -F: '$3 < 1000 && $6 == "/var/lib/kiosk" && $7 == "/usr/sbin/nologin" { ok = 1 }
    END { exit !ok }' <<<"$entry"
}

kiosk_groups() {
  local groups group wanted=(dialout video audio)
  groups=$(in_root id -nG kiosk) || return 1
  echo "groups: $groups"
  if in_root getent group render >/dev/null; then wanted+=(render); fi
  for group in "${wanted[@]}"; do
    [[ " $groups " == *" $group "* ]] || return 1
  done
}

conffiles() {
  local listed
  # shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
  listed=$(in_root dpkg-query -W -f='${Conffiles}' cabin-kiosk) || return 1
  echo "$listed"
  grep -q " /etc/kiosk/kiosk.toml " <<<"$listed" &&
    grep -q " /etc/udev/rules.d/70-cabin-kiosk.rules " <<<"$listed"
}

config_template() {
  local file=$ROOT/etc/kiosk/kiosk.toml
  has_lines "$file" 'data_dir = "/var/lib/kiosk"' 'fullscreen = true' || return 1
  grep -q '^portal_url = ""' "$file" && grep -q '^cabin = ""' "$file" &&
    grep -q '^cabin_secret = ""' "$file" && grep -q '"/dev/kiosk/bp"' "$file" || return 1
  # The kiosk itself reads it (as the kiosk user): no unknown key, no wrong type.
  as_kiosk /opt/cabin-kiosk/venv/bin/python -c \
    'from kiosk.config import load_config; c = load_config(); print(c.data_dir, c.ui.fullscreen)'
}

database_key() {
  # The unit hands the key over; the key is root's alone, 64 hex characters.
  grep -q '^LoadCredential=db-key:/etc/kiosk/db.key' "$UNIT" || return 1
  [ "$(stat -c '%a %U:%G' "$ROOT/etc/kiosk/db.key")" = "400 root:root" ] || return 1
  grep -Eqx '[0-9a-f]{64}' "$ROOT/etc/kiosk/db.key"
}

rules_names() {
  local name
  for name in bp thermometer oximeter otoscope room-camera; do
    grep -q "^[^#].*SYMLINK+=\"kiosk/$name\"" "$RULES" || {
      echo "no rule for /dev/kiosk/$name"
      return 1
    }
  done
  grep -q 'ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6001", ATTRS{serial}==' "$RULES" &&
    grep -q 'SUBSYSTEM=="video4linux".*ATTR{index}=="0"' "$RULES"
}

rules_owner() {
  local loose
  loose=$(grep '^[^#]' "$RULES" | grep -vF 'OWNER="kiosk", GROUP="kiosk", MODE="0660"')
  [ -z "$loose" ] || {
    echo "$loose"
    return 1
  }
}

rules_parse() {
  # udevadm test loads every rule file and reports the lines it cannot parse.
  local device output
  device=$(find /sys/class/tty -maxdepth 1 -name 'tty*' | head -n 1)
  output=$(in_root udevadm test --action=add "$device" 2>&1) || {
    echo "$output"
    return 1
  }
  grep -F 70-cabin-kiosk.rules <<<"$output" | grep -iE 'invalid|error|unknown|fail|ignor' &&
    return 1
  grep -F 'Reading rules file: /etc/udev/rules.d/70-cabin-kiosk.rules' <<<"$output"
}

version() {
  local printed
  printed=$(in_root /usr/bin/kiosk --version) || return 1
  echo "$printed"
  [ "$printed" = "kiosk $PY_VERSION" ]
}

venv_matches_lock() {
  in_root /opt/cabin-kiosk/venv/bin/python -m pip check || return 1
  diff <(grep '^[a-z]' "$ROOT/opt/cabin-kiosk/requirements.lock" | sort) \
    <(in_root /opt/cabin-kiosk/venv/bin/python -m pip list --disable-pip-version-check \
      --format=freeze 2>/dev/null | grep '==' |
      awk -F'==' '{ name = tolower($1); gsub(/[-_.]+/, "-", name); print name "==" $2 }' |
      grep -v -e '^cabin-kiosk==' -e '^setuptools==' | sort)
}

selftest_simulated() {
  local output
  output=$(as_kiosk /usr/bin/kiosk selftest --simulate --json) || {
    echo "$output"
    return 1
  }
  in_root /opt/cabin-kiosk/venv/bin/python -c '
import json, sys
lines = [json.loads(line) for line in sys.argv[1].splitlines() if line.strip()]
for item in lines:
    print(item["device"], "PASS" if item["ok"] else "FAIL", item["summary"])
sys.exit(0 if len(lines) == 6 and all(item["ok"] for item in lines) else 1)' "$output"
}

microphone_opens() {
  # ALSA's null device through PyAV's own ALSA library: it opens only when that library finds
  # Debian's ALSA configuration. (What null records is noise, so only the opening is judged.)
  local output
  output=$(as_kiosk env KIOSK_CALL__MICROPHONE=alsa:null /usr/bin/kiosk selftest --simulate \
    --json microphone 2>&1) || true
  echo "$output" | tail -n 1
  echo "$output" | grep -q '"device": "microphone"' && ! echo "$output" | grep -q "cannot be opened"
}

qt_plugins() {
  local qt=/opt/cabin-kiosk/venv/lib/python3.11/site-packages/PySide6/Qt/plugins plugin missing
  for plugin in platforms/libqxcb.so platforms/libqwayland.so platforminputcontexts/libqtvirtualkeyboardplugin.so; do
    [ -f "$ROOT$qt/$plugin" ] || {
      echo "no $plugin"
      return 1
    }
    if missing=$(in_root ldd "$qt/$plugin" | grep 'not found'); then
      echo "$plugin: $missing"
      return 1
    fi
  done
}

reap() { # reap PID SECONDS: the exit status of a background job, or kill it after SECONDS
  local pid=$1
  for _ in $(seq $(($2 * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "still running after $2 s: killed"
    # shellcheck disable=SC2046 # one pid per word
    kill -KILL $(root_pids -u "$KIOSK_UID") "$pid" 2>/dev/null
  fi
  wait "$pid"
}

run_and_sigterm() {
  # As the service runs it (user kiosk, /etc/kiosk/kiosk.toml, /var/lib/kiosk), but offscreen
  # and on the simulators; then SIGTERM to the kiosk, as ExecStop sends it.
  local log=$ROOT/tmp/run.log runner pid status=0
  kiosk_creds
  as_kiosk env CREDENTIALS_DIRECTORY=/run/kiosk-creds QT_QPA_PLATFORM=offscreen \
    /usr/bin/kiosk run --simulate >"$log" 2>&1 &
  runner=$!
  for _ in $(seq 300); do
    grep -q 'oximeter ready' "$log" && break
    kill -0 "$runner" 2>/dev/null || break
    sleep 0.2
  done
  pid=$(root_pids -u "$KIOSK_UID" -f 'venv/bin/kiosk run' | head -n 1)
  if [ -z "$pid" ]; then
    echo "the kiosk is not running"
    cat "$log"
    return 1
  fi
  kill -TERM "$pid"
  reap "$runner" 20 || status=$?
  tail -n 4 "$log"
  echo "exit status $status"
  [ "$status" = 0 ] && grep -q 'signal 15 received' "$log"
}

cage_then_stop() {
  # The service's command line under cage, on wlroots' headless backend (no screen here): the
  # kiosk connects to cage's Wayland socket; stop-kiosk (ExecStop) ends the kiosk, then cage.
  local log=$ROOT/tmp/cage.log runner cage status=0
  in_root install -d -o kiosk -g kiosk -m 0700 /tmp/xdg-kiosk || return 1
  kiosk_creds
  as_kiosk env CREDENTIALS_DIRECTORY=/run/kiosk-creds HOME=/var/lib/kiosk \
    XDG_RUNTIME_DIR=/tmp/xdg-kiosk WLR_BACKENDS=headless \
    WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 QT_QPA_PLATFORM=xcb \
    QT_IM_MODULE=qtvirtualkeyboard PYTHONUNBUFFERED=1 \
    /usr/bin/cage -d -- /usr/bin/kiosk run --fullscreen --simulate >"$log" 2>&1 &
  runner=$!
  for _ in $(seq 300); do
    grep -q 'oximeter ready' "$log" && break
    kill -0 "$runner" 2>/dev/null || break
    sleep 0.2
  done
  cage=$(root_pids -u "$KIOSK_UID" -x cage | head -n 1)
  if [ -z "$cage" ] || ! grep -q 'oximeter ready' "$log"; then
    echo "cage or the kiosk did not start"
    grep -v -e 'allocate buffer' -e 'damage output' -e 'Basic output test' "$log" | tail -n 20
    [ -z "$cage" ] || kill "$cage"
    return 1
  fi
  as_kiosk /usr/lib/cabin-kiosk/stop-kiosk "$cage" || return 1
  reap "$runner" 5 || status=$?
  grep -e 'signal 15' -e 'closed' -e 'Wayland' -e 'stop-kiosk' "$log"
  if [ -n "$(root_pids -u "$KIOSK_UID")" ]; then
    echo "still running: $(root_pids -u "$KIOSK_UID")"
    return 1
  fi
  grep -q 'signal 15 received' "$log" && grep -q 'oximeter: closed' "$log" &&
    ! grep -q 'Wayland connection broke' "$log"
}

root_pids() { # root_pids PGREP-ARGS...: pgrep, limited to the processes inside the Debian root
  local pid here
  here=$(stat -c %d:%i "$ROOT")
  for pid in $(pgrep "$@"); do
    [ "$(stat -L -c %d:%i "/proc/$pid/root" 2>/dev/null)" = "$here" ] && echo "$pid"
  done
  return 0
}

data_owned_by_kiosk() {
  local stray
  stray=$(find "$ROOT/var/lib/kiosk" ! -user "$KIOSK_UID")
  [ -z "$stray" ] || {
    echo "not owned by kiosk: $stray"
    return 1
  }
}

install_cabin_extras() {
  [ "$(readlink "$ROOT/etc/systemd/system/ctrl-alt-del.target")" = /dev/null ] || {
    echo "ctrl-alt-del.target is not masked"
    return 1
  }
  grep -q "Installed: kiosk $PY_VERSION" "$WORK/install.log" &&
    grep -q "kiosk technician add" "$WORK/install.log"
}

technician_as_root() {
  printf '4321\n4321\n' | in_root /usr/bin/kiosk technician add "Marc Petit" || return 1
  in_root /usr/bin/kiosk technician list | grep -q "^Marc Petit" || return 1
  owner_mode /var/lib/kiosk/kiosk.db "600 kiosk:kiosk"
}

update_keeps_data_and_settings() {
  # An update as docs/operations.md tells it: install-cabin.sh with a newer .deb (this one with
  # its version raised: prerm stops, dpkg unpacks, postinst rebuilds the venv).
  local newer=cabin-kiosk_update_amd64.deb
  dpkg-deb -R "$DEB" "$WORK/newer" &&
    sed -i 's/^Version: .*/&+update1/' "$WORK/newer/DEBIAN/control" &&
    dpkg-deb --root-owner-group -Znone -b "$WORK/newer" "$ROOT/tmp/$newer" >/dev/null || return 1
  rm -rf "$WORK/newer"
  echo '# changed by the technician' >>"$ROOT/etc/kiosk/kiosk.toml"
  in_root bash /tmp/install-cabin.sh "/tmp/$newer" </dev/null >"$WORK/update.log" 2>&1 || {
    tail -n 20 "$WORK/update.log"
    return 1
  }
  grep -A1 "Already registered" "$WORK/update.log"
  grep -q "installing the kiosk $PY_VERSION into /opt/cabin-kiosk/venv" "$WORK/update.log" || {
    echo "the virtual environment was not rebuilt"
    return 1
  }
  grep -qx '# changed by the technician' "$ROOT/etc/kiosk/kiosk.toml" || {
    echo "the technician's change to kiosk.toml was lost"
    return 1
  }
  # shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
  in_root dpkg-query -W -f='${Version}\n' cabin-kiosk | grep -q '+update1$' || {
    echo "the newer package is not the one installed"
    return 1
  }
  owner_mode /etc/kiosk/kiosk.toml "640 root:kiosk" && owner_mode /var/lib/kiosk "700 kiosk:kiosk" &&
    in_root /usr/bin/kiosk technician list | grep -q "^Marc Petit" && version
}

remove_keeps_data() {
  in_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q cabin-kiosk >/dev/null || return 1
  [ ! -e "$ROOT/opt/cabin-kiosk" ] && [ -d "$ROOT/var/lib/kiosk/logs" ] &&
    [ -f "$ROOT/etc/kiosk/kiosk.toml" ] && [ ! -e "$ROOT/usr/bin/kiosk" ]
}

check "package installed" installed
check "the guides (technician, assistant, doctor, devices) in /usr/share/doc/cabin-kiosk" guides
check "user kiosk: system account, home /var/lib/kiosk, no login shell" kiosk_account
check "user kiosk: groups dialout, video, audio (and render where it exists)" kiosk_groups
check "/var/lib/kiosk is 0700 kiosk:kiosk" owner_mode /var/lib/kiosk "700 kiosk:kiosk"
check "/etc/kiosk is 0750 root:kiosk" owner_mode /etc/kiosk "750 root:kiosk"
check "/etc/kiosk/kiosk.toml is 0640 root:kiosk" owner_mode /etc/kiosk/kiosk.toml "640 root:kiosk"
check "conffiles: kiosk.toml and the udev rules" conffiles
check "kiosk.toml: the cabin's template, and the kiosk reads it" config_template
check "unit: ExecStart runs the kiosk full screen under cage, as user kiosk on tty1" has_lines \
  "$UNIT" "ExecStart=/usr/bin/cage -d -- /usr/bin/kiosk run --fullscreen" User=kiosk \
  PAMName=login TTYPath=/dev/tty1 StandardInput=tty-fail
# shellcheck disable=SC2016 # $MAINPID is systemd's, in the unit
check "unit: Restart=always, RestartSec=2, SIGTERM to the kiosk, 15 s to stop" has_lines "$UNIT" \
  Restart=always RestartSec=2 KillSignal=SIGTERM TimeoutStopSec=15 \
  'ExecStop=/usr/lib/cabin-kiosk/stop-kiosk $MAINPID'
check "unit: journal, X client of cage's Xwayland, virtual keyboard, hardening" has_lines "$UNIT" \
  StandardOutput=journal StandardError=journal Environment=QT_QPA_PLATFORM=xcb \
  Environment=QT_IM_MODULE=qtvirtualkeyboard NoNewPrivileges=yes ProtectSystem=strict \
  "ReadWritePaths=/var/lib/kiosk -/run/user" PrivateTmp=yes
check "database key: root-only /etc/kiosk/db.key, handed over by LoadCredential" database_key
check "unit: systemd-analyze verify" in_root systemd-analyze verify --man=no \
  /lib/systemd/system/cabin-kiosk.service
check "unit: enabled for boot (multi-user.target.wants)" \
  test -L "$ROOT/etc/systemd/system/multi-user.target.wants/cabin-kiosk.service"
check "unit: the stop helper is executable" test -x "$ROOT/usr/lib/cabin-kiosk/stop-kiosk"
check "udev rules: /dev/kiosk/{bp,thermometer,oximeter,otoscope,room-camera}" rules_names
check "udev rules: every rule gives owner kiosk, group kiosk, mode 0660" rules_owner
check "udev rules: udevadm test reads them without complaint" rules_parse
check "/usr/bin/kiosk --version prints kiosk $PY_VERSION" version
check "virtual environment: Debian's python3" grep -qx "home = /usr/bin" \
  "$ROOT/opt/cabin-kiosk/venv/pyvenv.cfg"
check "virtual environment: the locked versions exactly, pip check clean" venv_matches_lock
check "kiosk selftest --simulate --json as user kiosk: 6 devices pass" selftest_simulated
check "microphone self-test: ALSA devices open through the packaged PyAV" microphone_opens
check "touchscreen: Qt's X, Wayland and virtual keyboard plugins find their libraries" qt_plugins
check "kiosk run as user kiosk: SIGTERM ends it cleanly (exit 0)" run_and_sigterm
check "cage + kiosk (headless backend): ExecStop's stop-kiosk parks the kiosk, then cage ends" \
  cage_then_stop
check "install-cabin.sh: Ctrl+Alt+Delete masked, next steps printed" install_cabin_extras
check "kiosk technician add as root (PIN on stdin) runs as the kiosk user" technician_as_root
check "/var/lib/kiosk: everything in it owned by kiosk" data_owned_by_kiosk
check "update (install-cabin.sh again): data, accounts and changed settings kept" \
  update_keeps_data_and_settings
check "apt-get remove: the virtual environment goes, data and settings stay" remove_keeps_data

step "done: $PASSED passed, $FAILED failed, $(($(date +%s) - STARTED)) s in all"
[ "$FAILED" = 0 ]
