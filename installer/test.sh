#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the dependencies, builds everything with warnings as errors and runs the whole test suite; then builds
# the suite again with AddressSanitizer + UndefinedBehaviorSanitizer (-DFE_SANITIZE=ON, in build-asan/) and runs
# it there too. FE_SANITIZE_BUILD=0 skips the second pass (a quick local run).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${FE_BUILD_DIR:-$ROOT/build}"
ASAN_BUILD="${FE_ASAN_BUILD_DIR:-$ROOT/build-asan}"
LAUNCHER=$(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache || true)

"$ROOT/installer/install-deps.sh"

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFE_WERROR=ON -DFE_BUILD_TESTS=ON $LAUNCHER
cmake --build "$BUILD" -j"$(nproc)"
QT_QPA_PLATFORM=offscreen ctest --test-dir "$BUILD" --output-on-failure -j2

if [ "${FE_SANITIZE_BUILD:-1}" != 0 ]; then
    echo "test.sh: the same suite under AddressSanitizer + UndefinedBehaviorSanitizer ($ASAN_BUILD)"
    # -O1 -g1 (line tables): what the sanitizers need for speed and file:line stacks, compiled faster than -O2 -g.
    cmake -S "$ROOT" -B "$ASAN_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFE_WERROR=ON -DFE_BUILD_TESTS=ON \
        -DFE_SANITIZE=ON "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" $LAUNCHER
    cmake --build "$ASAN_BUILD" -j"$(nproc)"
    QT_QPA_PLATFORM=offscreen ctest --test-dir "$ASAN_BUILD" --output-on-failure -j2
fi
