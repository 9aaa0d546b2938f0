#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages Falco Explorer needs to build, test and run. Idempotent: apt is skipped
# when everything is already installed. Run as root (or through sudo).
set -euo pipefail

PACKAGES=(
    cmake ninja-build g++ ccache file dpkg-dev
    qt6-base-dev libqt6opengl6-dev qt6-charts-dev libqt6sql6-sqlite libxkbcommon-dev
    nlohmann-json3-dev libsqlite3-dev zlib1g-dev libzstd-dev pkg-config libsimdjson-dev qtkeychain-qt6-dev
    xvfb xauth xdotool imagemagick x11-apps fonts-dejavu-core libgl1-mesa-dri
    openssl rsyslog bsdutils poppler-utils sqlite3
    desktop-file-utils appstream man-db lintian
)

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#PACKAGES[@]} packages already installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        exec sudo "$0" "$@"
    fi
    echo "install-deps: missing packages (${missing[*]}); run as root" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${PACKAGES[@]}"
