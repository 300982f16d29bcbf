#!/bin/bash
# Build dist/cabin-kiosk_<version>_amd64.deb from this checkout: the kiosk's wheel and every
# dependency's wheel from packaging/requirements.lock (CPython 3.11, manylinux x86_64), the
# systemd unit, the udev rules, the settings template and the maintainer scripts.
#
# Usage: bash packaging/build-deb.sh [OUTPUT_DIR]      (default: dist/)
# Needs: dpkg-deb, and a Python 3.11 with pip (.venv's, else $PYTHON, else python3). Wheels come
# from PyPI (or the index pip is configured with); the cabin installs them offline.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(realpath -m "${1:-dist}")

if [ -n "${PYTHON:-}" ]; then
  PY=$PYTHON
elif [ -x .venv/bin/python ]; then
  PY=.venv/bin/python
else
  PY=python3
fi

PY_VERSION=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' kiosk/__init__.py)
[ -n "$PY_VERSION" ] || {
  echo "build-deb: no __version__ in kiosk/__init__.py" >&2
  exit 1
}
# Debian orders 1.0~rc1 before 1.0, as Python orders 1.0rc1 before 1.0.
DEB_VERSION=$(echo "$PY_VERSION" | sed -E 's/^([0-9.]+)(a|b|rc)([0-9]+)$/\1~\2\3/; s/\.dev/~dev/')
MAINTAINER=$(git log -1 --format='%an <%ae>' 2>/dev/null || true)
MAINTAINER=${MAINTAINER:-Cabin kiosk maintainers <maintainers@example.invalid>}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cabin-kiosk-deb.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/root
WHEELS=$ROOT/opt/cabin-kiosk/wheels
mkdir -p "$WHEELS"

echo "build-deb: cabin-kiosk $PY_VERSION (Debian version $DEB_VERSION)"

# 1. The kiosk's own wheel, from a clean copy of the sources: setuptools reuses build/ and would
#    package files deleted since the last build.
mkdir "$WORK/src"
cp -a pyproject.toml README.md kiosk devices ui "$WORK/src/"
find "$WORK/src" -name __pycache__ -prune -exec rm -rf {} +
"$PY" -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$WHEELS" "$WORK/src"
OWN_WHEEL=$(find "$WHEELS" -name 'cabin_kiosk-*.whl' -printf '%f\n')
echo "build-deb: built $OWN_WHEEL"

# 2. Every dependency as a wheel for the cabin (Debian 12: glibc 2.36, CPython 3.11, x86_64),
#    whatever this machine is. pip does not widen a manylinux_2_36 tag to older ones: list them.
PLATFORMS=()
for minor in $(seq 36 -1 5); do
  PLATFORMS+=(--platform "manylinux_2_${minor}_x86_64")
done
PLATFORMS+=(--platform manylinux2014_x86_64 --platform manylinux2010_x86_64 --platform manylinux1_x86_64)
"$PY" -m pip download --quiet --disable-pip-version-check --dest "$WHEELS" \
  --only-binary=:all: "${PLATFORMS[@]}" --python-version 3.11 --implementation cp --abi cp311 \
  -r packaging/requirements.lock "cabin-kiosk[gui] @ file://$WHEELS/$OWN_WHEEL" 2>&1 |
  { grep -v "is ignored: it is neither a file nor a directory" || true; }

# 3. The lock must name every wheel pip chose: a dependency added to pyproject.toml and not to the
#    lock would otherwise ship unpinned.
unpinned=()
for wheel in "$WHEELS"/*.whl; do
  name=$(basename "$wheel" | cut -d- -f1 | sed -E 's/[_.]+/-/g' | tr '[:upper:]' '[:lower:]')
  version=$(basename "$wheel" | cut -d- -f2)
  [ "$name" = cabin-kiosk ] && continue
  grep -qixF "$name==$version" packaging/requirements.lock || unpinned+=("$name==$version")
done
if [ ${#unpinned[@]} -gt 0 ]; then
  echo "build-deb: not in packaging/requirements.lock: ${unpinned[*]}" >&2
  echo "build-deb: regenerate it: .venv/bin/python packaging/lock.py > packaging/requirements.lock" >&2
  exit 1
fi
echo "build-deb: $(find "$WHEELS" -name '*.whl' | wc -l) wheels, $(du -sh "$WHEELS" | cut -f1)"

# 4. The files, with their modes (whatever the umask of this checkout).
install -D -m 0644 packaging/requirements.lock "$ROOT/opt/cabin-kiosk/requirements.lock"
install -D -m 0755 packaging/files/kiosk "$ROOT/usr/bin/kiosk"
install -D -m 0755 packaging/files/stop-kiosk "$ROOT/usr/lib/cabin-kiosk/stop-kiosk"
install -D -m 0644 packaging/cabin-kiosk.service "$ROOT/lib/systemd/system/cabin-kiosk.service"
install -D -m 0644 packaging/70-cabin-kiosk.rules "$ROOT/etc/udev/rules.d/70-cabin-kiosk.rules"
install -d -m 0750 "$ROOT/etc/kiosk"
install -m 0640 packaging/kiosk.toml "$ROOT/etc/kiosk/kiosk.toml"
for guide in operations.md assistant-guide.md doctor-guide.md devices.md; do
  install -D -m 0644 "docs/$guide" "$ROOT/usr/share/doc/cabin-kiosk/$guide"
done
install -D -m 0644 /dev/stdin "$ROOT/usr/share/doc/cabin-kiosk/copyright" <<EOF
Cabin kiosk $PY_VERSION: GNU Affero General Public License, version 3 or later
(see /usr/share/common-licenses/AGPL-3 or https://www.gnu.org/licenses/agpl-3.0.html).
The wheels in /opt/cabin-kiosk/wheels carry their own licences in their metadata.
EOF
chmod 0644 "$WHEELS"/*.whl
find "$ROOT" -type d -exec chmod 0755 {} +
chmod 0750 "$ROOT/etc/kiosk"

# 5. Control files.
mkdir -m 0755 "$ROOT/DEBIAN"
installed_size=$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
sed -e "s|@VERSION@|$DEB_VERSION|" -e "s|@MAINTAINER@|$MAINTAINER|" \
  -e "s|@INSTALLED_SIZE@|$installed_size|" packaging/debian/control.in >"$ROOT/DEBIAN/control"
install -m 0644 packaging/debian/conffiles "$ROOT/DEBIAN/conffiles"
for script in postinst prerm postrm; do
  sed "s/@PYTHON_VERSION@/$PY_VERSION/" "packaging/debian/$script" >"$ROOT/DEBIAN/$script"
  chmod 0755 "$ROOT/DEBIAN/$script"
done
(cd "$ROOT" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
  xargs -0 md5sum) >"$ROOT/DEBIAN/md5sums"
chmod 0644 "$ROOT/DEBIAN/md5sums"

# 6. The package. The wheels are zip files already: compressing them again gains 1 % and costs
#    time on every build, so the data is stored as is.
mkdir -p "$OUT"
DEB=$OUT/cabin-kiosk_${DEB_VERSION}_amd64.deb
dpkg-deb --root-owner-group -Znone --build "$ROOT" "$DEB" >/dev/null
echo "build-deb: $DEB ($(du -h "$DEB" | cut -f1))"
