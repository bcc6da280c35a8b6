#!/usr/bin/env bash
# One idempotent setup for a fresh Debian 12 machine with Node 20: system packages, npm dependencies, models.
# Safe to re-run: each step is skipped when it is already done, so the README's commands can always start with it.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# ffmpeg: decode; mosquitto: the real broker of the integration tests; opencv-doc: the demo/test clips (vtest.avi);
# darknet: its sample photo person.jpg, a vision test scene; openssl: the TLS tests make their certificates;
# GStreamer's RTSP server + Python bindings: the real RTSP camera the camera tests stream from
# (test/support/rtsp-server.py, run with Debian's /usr/bin/python3).
# chromium: the guard dashboard's browser tests drive it headless with playwright-core.
# postgresql: the national hub's store (tests start their own server in a temp dir); lintian + systemd: the
# package and unit checks (lintian on the .deb, systemd-analyze verify/security on the unit).
APT_PACKAGES=(
  ffmpeg mosquitto opencv-doc darknet openssl chromium postgresql lintian systemd
  gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { log "need root to install: ${missing[*]} (run as root or install sudo)"; exit 1; }
    SUDO="sudo"
  fi
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The package ships mosquitto as a system service; the agent never needs it, tests start their own.
  if command -v systemctl >/dev/null && systemctl is-active --quiet mosquitto 2>/dev/null; then
    $SUDO systemctl disable --now mosquitto >/dev/null 2>&1 || true
  fi
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 20)); then
  log "Node.js 20 or newer is required (found $(node --version))"; exit 1
fi

# onnxruntime-node's install script downloads GPU libraries from outside; the CPU binaries ship in the package.
export ONNXRUNTIME_NODE_INSTALL=skip
stamp=node_modules/.qmon-lock-sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  log "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

log "preparing models (npm run models)"
npm run --silent models

log "ready"
