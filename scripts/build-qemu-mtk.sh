#!/usr/bin/env bash
# Builds qemu-system-x86_64 with the rk-mtk-drive device (tests/qemu/) from Debian's own
# `qemu` source package and prints the binary's path as the last line of stdout.
#
#   scripts/build-qemu-mtk.sh            build (or reuse) and print the path
#
# Nothing but Debian's source package is downloaded (apt-get source, through a deb-src line of
# our own for bookworm main). The result is cached outside the clone, keyed by the sha256 of
# tests/qemu/ (the device source and the hook patch):
#   ${RK_QEMU_CACHE:-~/.cache/recoverykit}/qemu-mtk-<sha256>/qemu-system-x86_64
# and reused as long as tests/qemu/ is unchanged. The configured build tree
# (…/qemu-build/) is kept too, so a changed device recompiles a handful of files.
#
# Measured here (Debian 12, 2 cores shared with ~8 other sessions, load average ~30, 2026-11-30): the first
# build from nothing (deps + download + extract + configure + ninja, 1426 steps) took 4621 s (77 min); on
# the same kind of machine idle it takes about 5.5 min (DESIGN.md). A rebuild after a device change:
# 45-90 s. A cached run (tests/qemu unchanged): under a second.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${RK_QEMU_CACHE:-$HOME/.cache/recoverykit}
log() { echo "build-qemu-mtk: $*" >&2; }

# -- the cache key: every file of tests/qemu that goes into the build
key_files=("$here/tests/qemu/rk-mtk-drive.c" "$here/tests/qemu/ide-raw-hook.patch")
for f in "${key_files[@]}"; do
  [ -f "$f" ] || { log "missing $f (the device source); run from a complete clone"; exit 2; }
done
sha=$(cat "${key_files[@]}" | sha256sum | cut -c1-64)
out="$cache/qemu-mtk-$sha"
if [ -x "$out/qemu-system-x86_64" ]; then
  log "reusing $out (tests/qemu unchanged)"
  echo "$out/qemu-system-x86_64"
  exit 0
fi

# -- build dependencies (the dfsg tarball bundles no meson: Debian's is used)
need=(dpkg-dev meson ninja-build pkg-config gcc libglib2.0-dev libpixman-1-dev libfdt-dev zlib1g-dev
      flex bison python3 patch seabios ipxe-qemu)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { log "missing packages ${missing[*]}: run as root or install them"; exit 2; }
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# -- Debian's source package, through a deb-src line of our own (the system's sources stay as they are)
src="$cache/qemu-src"
mkdir -p "$src"
if ! ls "$src"/qemu_*.dsc >/dev/null 2>&1; then
  apt_dir="$cache/apt-src"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/sources.list.d"
  echo "deb-src http://deb.debian.org/debian bookworm main" > "$apt_dir/sources.list"
  aopt=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=$apt_dir/sources.list.d"
        -o "Dir::State::Lists=$apt_dir/lists" -o "APT::Get::List-Cleanup=0")
  log "fetching Debian's qemu source package"
  apt-get "${aopt[@]}" update -qq >&2
  (cd "$src" && apt-get "${aopt[@]}" source --download-only qemu >&2)
fi
build="$cache/qemu-build"
tree=$(ls -d "$build"/qemu-*/ 2>/dev/null | head -1 || true)
if [ -z "$tree" ] || [ ! -f "$build/.extracted" ]; then
  rm -rf "$build"; mkdir -p "$build"
  log "extracting (dpkg-source applies Debian's patches)"
  (cd "$build" && dpkg-source --no-check -x "$(ls "$src"/qemu_*.dsc | head -1)" >&2)
  touch "$build/.extracted"
  tree=$(ls -d "$build"/qemu-*/ | head -1)
fi
tree=${tree%/}

# -- the device: the hook patch is applied to pristine copies of the files it touches (kept as *.rk-orig
# the first time), so a changed patch replaces the old one; a file is rewritten only when its content
# changes (ninja then recompiles only what depends on it). The device source is copied in.
patch_file=$here/tests/qemu/ide-raw-hook.patch
mapfile -t touched < <(sed -n 's#^+++ b/\([^[:space:]]*\).*#\1#p' "$patch_file")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
for f in "${touched[@]}"; do
  [ -e "$tree/$f.rk-orig" ] || cp -p "$tree/$f" "$tree/$f.rk-orig"
  mkdir -p "$stage/$(dirname "$f")"
  cp "$tree/$f.rk-orig" "$stage/$f"
done
patch -s -d "$stage" -p1 --no-backup-if-mismatch < "$patch_file" >&2 ||
  { log "tests/qemu/ide-raw-hook.patch does not apply to $(basename "$tree")"; exit 1; }
for f in "${touched[@]}"; do
  cmp -s "$stage/$f" "$tree/$f" || cp "$stage/$f" "$tree/$f"
done
# files an earlier patch touched and this one does not: back to pristine
while IFS= read -r orig; do
  f=${orig#"$tree"/}; f=${f%.rk-orig}
  printf '%s\n' "${touched[@]}" | grep -qxF "$f" && continue
  cmp -s "$orig" "$tree/$f" || cp -p "$orig" "$tree/$f"
done < <(find "$tree" -name '*.rk-orig' -not -path "$tree/build/*")
cmp -s "$here/tests/qemu/rk-mtk-drive.c" "$tree/hw/ide/rk-mtk-drive.c" ||
  cp "$here/tests/qemu/rk-mtk-drive.c" "$tree/hw/ide/rk-mtk-drive.c"

# -- configure once (x86_64 system emulation, TCG, nothing optional), then build one binary
if [ ! -f "$tree/build/build.ninja" ]; then
  log "configuring"
  (cd "$tree" && ./configure --target-list=x86_64-softmmu --without-default-features --disable-docs \
     --enable-tcg --disable-install-blobs --disable-werror >&2)
fi
log "building (ninja qemu-system-x86_64)"
(cd "$tree/build" && ninja -j"$(nproc)" qemu-system-x86_64 >&2)

mkdir -p "$out.tmp"
cp "$tree/build/qemu-system-x86_64" "$out.tmp/"
rm -rf "$out"; mv "$out.tmp" "$out"
log "built $out/qemu-system-x86_64"
echo "$out/qemu-system-x86_64"
