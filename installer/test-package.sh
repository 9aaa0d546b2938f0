#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The package, tested as a user meets it: builds the .deb (CPack), checks it (lintian without errors, a stripped
# binary without RPATH, the files it must install), installs it with `apt-get install ./….deb`, runs the installed
# binary (--version, a headless import and stats, a --screenshot on an X server), checks that every shared library
# those runs loaded, plugins included, comes from a package the Depends pull in, and removes the package and what
# apt installed with it. Run as root, after a build (./installer/test.sh); .ci/run runs it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${FE_BUILD_DIR:-$ROOT/build}"
APT=(apt-get -y -o DPkg::Lock::Timeout=600)

fail() {
    echo "test-package: FAIL: $*" >&2
    exit 1
}
step() {
    echo "test-package: $*"
}

[ "$(id -u)" -eq 0 ] || fail "run as root (it installs and removes the package)"
if dpkg-query -W -f='${Status}' falco-explorer 2>/dev/null | grep -q "install ok installed"; then
    fail "falco-explorer is already installed; remove it first (this test installs and removes its own)"
fi

step "building the package"
cmake --build "$BUILD" --target falco-explorer manpage
rm -f "$BUILD"/falco-explorer_*.deb
(cd "$BUILD" && cpack -G DEB > cpack.log) || { cat "$BUILD/cpack.log" >&2; fail "cpack"; }
DEB="$(ls "$BUILD"/falco-explorer_*.deb)"
VERSION="$(dpkg-deb -f "$DEB" Version)"
step "built $DEB ($VERSION)"

WORK="$(mktemp -d)"
INSTALLED_BEFORE="$WORK/before"
dpkg-query -W -f='${Package}\n' | sort > "$INSTALLED_BEFORE"
# Removes the package and the packages apt installed with it (the machine is left as it was).
remove_package() {
    dpkg-query -W -f='${Package}\n' | sort > "$WORK/after"
    # shellcheck disable=SC2046
    "${APT[@]}" purge falco-explorer $(comm -13 "$INSTALLED_BEFORE" "$WORK/after" | grep -vx falco-explorer) > "$WORK/purge.log" 2>&1 \
        || { cat "$WORK/purge.log" >&2; return 1; }
}
cleanup() {
    if dpkg-query -W -f='${Status}' falco-explorer 2>/dev/null | grep -q "install ok installed"; then
        step "removing the package and what apt installed with it"
        remove_package || echo "test-package: could not remove the package" >&2
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

step "checking the control fields"
DEPENDS="$(dpkg-deb -f "$DEB" Depends)"
echo "  Depends: $DEPENDS"
echo "  Recommends: $(dpkg-deb -f "$DEB" Recommends)"
for pkg in libc6 libqt6core6 libqt6gui6 libqt6widgets6 libqt6network6 libqt6charts6 libsqlite3-0 zlib1g \
           libqt6keychain1 libsecret-1-0; do
    grep -Eq "(^|, )$pkg( |,|$)" <<< "$DEPENDS" || fail "Depends lacks $pkg"
done

step "checking the contents"
dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's#^\./#/#' > "$WORK/files"
for f in /usr/bin/falco-explorer /usr/share/applications/falco-explorer.desktop \
         /usr/share/icons/hicolor/scalable/apps/falco-explorer.svg /usr/share/man/man1/falco-explorer.1.gz \
         /usr/share/doc/falco-explorer/copyright /usr/share/doc/falco-explorer/changelog.Debian.gz; do
    grep -qx "$f" "$WORK/files" || fail "the package lacks $f"
done
for size in 16 24 32 48 64 128 256; do
    grep -qx "/usr/share/icons/hicolor/${size}x${size}/apps/falco-explorer.png" "$WORK/files" || fail "no ${size}px icon"
done
grep -q "^/usr/share/metainfo/.*\.metainfo\.xml$" "$WORK/files" || fail "the package lacks its AppStream metainfo"
if grep -q "/tests/\|elastic-falco\|LICENSE-ELv2" "$WORK/files"; then
    fail "test data in the package"
fi
mkdir "$WORK/root"
dpkg-deb -x "$DEB" "$WORK/root"
file "$WORK/root/usr/bin/falco-explorer" | grep -q ", stripped" || fail "the binary is not stripped"
if readelf -d "$WORK/root/usr/bin/falco-explorer" | grep -Eq "RPATH|RUNPATH"; then
    fail "the binary has an RPATH"
fi

step "lintian"
lintian --fail-on error --display-level ">=warning" "$DEB" || fail "lintian reports errors"

step "installing with apt-get"
"${APT[@]}" install --no-install-recommends "$DEB" > "$WORK/install.log" 2>&1 || { cat "$WORK/install.log" >&2; fail "apt-get install"; }
[ "$(command -v falco-explorer)" = /usr/bin/falco-explorer ] || fail "falco-explorer is not /usr/bin/falco-explorer on the PATH"

step "the installed files"
desktop-file-validate /usr/share/applications/falco-explorer.desktop || fail "desktop-file-validate"
appstreamcli validate --no-net "/usr/share/metainfo/$(grep -o '[^/]*\.metainfo\.xml$' "$WORK/files")" || fail "appstreamcli validate"
if command -v man > /dev/null; then
    [ "$(man -w falco-explorer)" = /usr/share/man/man1/falco-explorer.1.gz ] || fail "man -w falco-explorer"
fi

# Each run keeps its own home, so nothing of the user's is read or written; LD_DEBUG lists every library loaded.
export HOME="$WORK/home" XDG_RUNTIME_DIR="$WORK/runtime"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
unset XDG_DATA_HOME XDG_CONFIG_HOME
traced() {
    LD_DEBUG=libs LD_DEBUG_OUTPUT="$WORK/ld" "$@"
}

step "falco-explorer --version"
falco-explorer --version | tee "$WORK/version"
head -n 1 "$WORK/version" | grep -qx "falco-explorer ${VERSION%-*}" || fail "--version's first line"
grep -q "^store schema: [0-9]" "$WORK/version" || fail "--version names no store schema"
for lib in Qt SQLite zlib simdjson nlohmann/json; do
    grep -q "^$lib: [0-9]" "$WORK/version" || fail "--version names no $lib version"
done

step "headless import and stats"
ALERTS="$ROOT/tests/data/cli/alerts.jsonl"
EXPECTED="$(grep -c . "$ALERTS")"
traced falco-explorer import --db "$WORK/alerts.db" --json "$ALERTS" > "$WORK/import.json"
cat "$WORK/import.json"
grep -q "\"stored\": *${EXPECTED}[,}]" "$WORK/import.json" || fail "import did not store the $EXPECTED alerts of $ALERTS"
traced falco-explorer stats --db "$WORK/alerts.db" --json > "$WORK/stats.json"
grep -q "\"total\": *${EXPECTED}[,}]" "$WORK/stats.json" || fail "stats does not count $EXPECTED alerts: $(head -c 300 "$WORK/stats.json")"

step "--screenshot on an X server (xcb)"
env -u QT_QPA_PLATFORM xvfb-run -a -s "-screen 0 1280x800x24" \
    env LD_DEBUG=libs LD_DEBUG_OUTPUT="$WORK/ld" falco-explorer --db "$WORK/alerts.db" --screenshot "$WORK/shot.png" \
    --size 1024x700 > "$WORK/gui.log" 2>&1 || { cat "$WORK/gui.log" >&2; fail "--screenshot"; }
file "$WORK/shot.png" | grep -q "PNG image data, 1024 x 700" || fail "the screenshot is not a 1024x700 PNG"
cp "$WORK/shot.png" "$BUILD/package-screenshot.png"   # to look at
grep -q "libqxcb.so" "$WORK"/ld.* || fail "the screenshot did not run on the xcb platform plugin"

step "every library loaded comes from a package the Depends (or, for what Qt opens when it is there, the Recommends) pull in"
# The recursive closure, as installed: every package it reaches is a line of its own.
closure() {
    apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
        --no-enhances "$@" 2>/dev/null | grep -v '^ ' | tr -d '<>' | sed 's/:.*//'
}
recommended="$(dpkg-deb -f "$DEB" Recommends | sed 's/[,|]/\n/g' | sed 's/(.*//; s/ //g' | grep . || true)"
# shellcheck disable=SC2086
{ closure falco-explorer; for pkg in $recommended; do if dpkg-query -W "$pkg" > /dev/null 2>&1; then closure "$pkg"; fi; done; } \
    | sort -u > "$WORK/closure"
sed -n 's/.*calling init: //p' "$WORK"/ld.* | sort -u > "$WORK/loaded"
[ -s "$WORK/loaded" ] || fail "LD_DEBUG recorded no library"
missing=0
while read -r lib; do
    case "$(basename "$lib")" in
        libnss_*) continue ;;   # name service modules: the system's nsswitch.conf loads them, not the package
    esac
    owner=""
    for candidate in "$lib" "$(realpath "$lib")" "${lib#/usr}" "/usr$lib"; do
        owner="$(dpkg-query -S "$candidate" 2>/dev/null | head -n 1 | cut -d: -f1)" && [ -n "$owner" ] && break
    done
    [ -n "$owner" ] || { echo "  $lib: no package owns it" >&2; missing=1; continue; }
    if ! grep -qx "$owner" "$WORK/closure"; then
        echo "  $lib: in $owner, which the Depends do not pull in" >&2
        missing=1
    fi
done < "$WORK/loaded"
[ "$missing" -eq 0 ] || fail "libraries outside the Depends"
echo "  $(wc -l < "$WORK/loaded") libraries from $(wc -l < "$WORK/closure") packages"

step "removing the package and what apt installed with it"
remove_package || fail "apt-get purge"
[ ! -e /usr/bin/falco-explorer ] || fail "/usr/bin/falco-explorer is still there"
dpkg-query -W -f='${Package}\n' | sort | cmp -s - "$INSTALLED_BEFORE" || fail "the installed packages differ from before the test"
step "PASS"
