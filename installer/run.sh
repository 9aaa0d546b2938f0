#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the dependencies, builds Falco Explorer and starts the desktop application on the default
# store (~/.local/share/falco-explorer/alerts.db). --demo fills an empty store with demo alerts first, so the first
# run shows something to explore (the installed application shows its welcome view instead; Help > Getting started
# opens it here). Extra arguments go to the application (e.g. --db PATH).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${FE_BUILD_DIR:-$ROOT/build}"

"$ROOT/installer/install-deps.sh"

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFE_BUILD_TESTS=OFF \
    $(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake --build "$BUILD" --target falco-explorer -j"$(nproc)"

# No display (a container, an SSH session): run on a virtual X server.
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "${QT_QPA_PLATFORM:-}" != "offscreen" ]; then
    echo "run: no display found, starting the application under xvfb-run" >&2
    exec xvfb-run -a -s "-screen 0 1600x1000x24" "$BUILD/app/falco-explorer" --demo "$@"
fi
exec "$BUILD/app/falco-explorer" --demo "$@"
