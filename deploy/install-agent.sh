#!/usr/bin/env bash
# Installs the coldtrail agent on Raspberry Pi OS / Debian (arm64, armhf; amd64 works too) as a systemd
# service. Run it as root from an unpacked coldtrail source tree (a git checkout or release tarball):
#
#   sudo deploy/install-agent.sh --device pi-042 --org Org1MSP --mqtt-url mqtts://broker.example:8883 \
#        --source 'modbus:///dev/ttyUSB0?baud=9600&unit=1'
#
# Without --device/--org/--mqtt-url it installs everything but the device's key and config, and prints the
# `coldtrail agent init` command to run later. Running it again upgrades the code and keeps the key, the
# config and the outbox (agent init never overwrites them).
#
# Native modules (the only architecture-specific parts):
#   better-sqlite3          prebuild-install downloads a prebuilt binary for linux-arm64 / linux-arm (armv7)
#                           and this Node ABI from its GitHub release; offline or with no matching prebuild
#                           (e.g. armv6, a Pi Zero W) it builds from source with node-gyp.
#   @serialport/bindings-cpp  ships prebuilds for linux-arm64 and linux-arm inside the npm package (no download);
#                           node-gyp-build picks one at run time, or it is built from source when none fits.
#   epoll (onoff, GPIO)     always built from source with node-gyp.
# Building from source needs build-essential and python3, which this script installs with apt-get unless
# --no-build-tools is given (then it fails, saying so, if a build is needed).
set -euo pipefail

PREFIX=/opt/coldtrail
STATE_DIR=/var/lib/coldtrail-agent
USER_NAME=coldtrail-agent
UNIT=/etc/systemd/system/coldtrail-agent.service
JOURNALD_CONF=/etc/systemd/journald.conf.d/coldtrail.conf
NODE_MIN=20.19.0
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_TOOLS=yes
START=yes
INIT_ARGS=()
DEVICE=''
ORG=''
URLS=0

usage() {
  cat <<USAGE
usage: sudo $0 [--device ID --org MSP --mqtt-url URL [--mqtt-url URL2]... [--source ADDRESS]...
               [--interval DURATION]] [--prefix DIR] [--no-build-tools] [--no-start]

  --device, --org, --mqtt-url, --source, --interval   passed to \`coldtrail agent init\` (first install only)
  --prefix DIR        where the code goes (default $PREFIX)
  --no-build-tools    do not apt-get install build-essential python3 (native modules must then have prebuilds)
  --no-start          enable the service but do not start it now
USAGE
}

die() {
  echo "install-agent: $*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
    --device) DEVICE="${2:?--device needs a value}"; INIT_ARGS+=(--device "$2"); shift 2 ;;
    --org) ORG="${2:?--org needs a value}"; INIT_ARGS+=(--org "$2"); shift 2 ;;
    --mqtt-url) URLS=$((URLS + 1)); INIT_ARGS+=(--mqtt-url "${2:?--mqtt-url needs a value}"); shift 2 ;;
    --source) INIT_ARGS+=(--source "${2:?--source needs a value}"); shift 2 ;;
    --interval) INIT_ARGS+=(--interval "${2:?--interval needs a value}"); shift 2 ;;
    --prefix) PREFIX="${2:?--prefix needs a value}"; shift 2 ;;
    --no-build-tools) BUILD_TOOLS=no; shift ;;
    --no-start) START=no; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; echo "install-agent: unknown option $1" >&2; exit 2 ;;
  esac
done

[ "$(id -u)" -eq 0 ] || die "run as root (sudo $0 ...)"
if [ ! -f "$SRC/package-lock.json" ] || [ ! -d "$SRC/agent" ] || [ ! -d "$SRC/cli" ]; then
  die "$SRC is not a coldtrail source tree (run the script from its deploy/ directory)"
fi

ARCH="$(dpkg --print-architecture 2>/dev/null || uname -m)"
case "$ARCH" in
  arm64 | armhf | amd64) ;;
  *) echo "install-agent: warning: untested architecture $ARCH; native modules will be built from source" >&2 ;;
esac

# Node >= 20.19 (engines in package.json). Debian 12's own nodejs is 18: take Node 20 or 22 from nodejs.org
# (linux-arm64 / linux-armv7l tarballs) or from NodeSource.
NODE="$(command -v node || true)"
[ -n "$NODE" ] || die "Node.js >= $NODE_MIN is not installed: install Node 20 or 22 (nodejs.org or NodeSource) first"
NODE_VERSION="$("$NODE" -p process.versions.node)"
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }
version_ge "$NODE_VERSION" "$NODE_MIN" || die "Node.js $NODE_VERSION at $NODE is too old: coldtrail needs >= $NODE_MIN"
NPM="$(command -v npm || true)"
[ -n "$NPM" ] || die "npm is not installed (it comes with Node.js from nodejs.org or NodeSource)"
command -v systemd-notify >/dev/null || die "systemd-notify is missing (apt-get install -y systemd)"

if [ "$BUILD_TOOLS" = yes ]; then
  missing=()
  for pkg in build-essential python3; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "install-agent: installing ${missing[*]} (to build native modules that have no prebuild)"
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi

# The service's own user: no login, no home outside its state directory; serial ports and GPIO by group.
getent group gpio >/dev/null || groupadd --system gpio
if ! id "$USER_NAME" >/dev/null 2>&1; then
  useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
fi
usermod -a -G dialout,gpio "$USER_NAME"
install -d -m 0700 -o "$USER_NAME" -g "$USER_NAME" "$STATE_DIR"

# The code: compiled JavaScript (dist/) is the same on every architecture; build it here if the tree has none.
if [ ! -f "$SRC/cli/dist/main.js" ] || [ ! -f "$SRC/agent/dist/index.js" ]; then
  echo "install-agent: building coldtrail (npm ci && npm run build in $SRC)"
  (cd "$SRC" && "$NPM" ci && "$NPM" run build)
fi
echo "install-agent: installing into $PREFIX"
install -d -m 0755 "$PREFIX"
tar -C "$SRC" --exclude=./node_modules --exclude='./*/node_modules' --exclude=./.git --exclude='./*/src' \
  -cf - . | tar -C "$PREFIX" -xf -
# Production dependencies only. --ignore-scripts skips the root's `prepare` (a TypeScript build, a dev tool);
# the native modules' own install scripts run explicitly right after, fetching a prebuild or building one.
(cd "$PREFIX" && "$NPM" ci --omit=dev --ignore-scripts --no-audit --no-fund)
(cd "$PREFIX" && "$NPM" rebuild better-sqlite3 @serialport/bindings-cpp) ||
  die "a native module could not be fetched or built: check the network (prebuilds) or install build-essential python3"
(cd "$PREFIX" && "$NPM" rebuild epoll) ||
  echo "install-agent: warning: onoff's epoll did not build: GPIO sources (door contact, alarm LED) will not work" >&2
(cd "$PREFIX/agent" && "$NODE" -e "new (require('better-sqlite3'))(':memory:').close(); require('serialport')") ||
  die "the native modules do not load on this machine ($ARCH, Node $NODE_VERSION)"
ln -sf "$PREFIX/cli/bin/coldtrail.js" /usr/local/bin/coldtrail

# journald keeps the logs (there is no log file to rotate); its limits protect the SD card.
install -d -m 0755 "$(dirname "$JOURNALD_CONF")"
install -m 0644 "$SRC/deploy/journald-coldtrail.conf" "$JOURNALD_CONF"
systemctl restart systemd-journald || true

sed -e "s#/usr/bin/node #$NODE #" -e "s#/opt/coldtrail/#$PREFIX/#g" "$SRC/deploy/coldtrail-agent.service" >"$UNIT"
chmod 0644 "$UNIT"
systemd-analyze verify "$UNIT" || die "systemd refuses $UNIT"
systemctl daemon-reload
systemctl enable coldtrail-agent.service

CONFIG="$STATE_DIR/agent.yaml"
if [ ! -f "$CONFIG" ]; then
  if [ -n "$DEVICE" ] && [ -n "$ORG" ] && [ "$URLS" -gt 0 ]; then
    runuser -u "$USER_NAME" -- "$NODE" "$PREFIX/cli/bin/coldtrail.js" agent init --dir "$STATE_DIR" "${INIT_ARGS[@]}"
  else
    echo "install-agent: no device configured yet. As the service user, run:"
    echo "  sudo -u $USER_NAME coldtrail agent init --dir $STATE_DIR --device ID --org MSP --mqtt-url URL --source ADDRESS"
    echo "then: sudo systemctl start coldtrail-agent"
    exit 0
  fi
fi
if [ "$START" = yes ]; then
  systemctl restart coldtrail-agent.service
  echo "install-agent: started; follow it with: journalctl -u coldtrail-agent -f"
else
  echo "install-agent: installed and enabled; start it with: sudo systemctl start coldtrail-agent"
fi
