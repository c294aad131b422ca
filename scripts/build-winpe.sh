#!/usr/bin/env bash
# Build a BIOS-bootable Windows PE ISO (or disk image) that starts the RecoveryKit wizard,
# on Linux, from a Windows installation ISO you supply (wimtools' mkwinpeimg route).
#
#   scripts/build-winpe.sh --windows-iso Win10_x64.iso [--disk-image] [OUT]
#   scripts/build-winpe.sh --windows-dir /mnt/win10     [--disk-image] [OUT]
#
# OUT defaults to build/recoverykit-winpe.iso (or .img with --disk-image; write that to a
# USB stick with dd). BIOS boot only: mkwinpeimg builds an etfsboot (ISO) or syslinux (disk)
# boot path, no UEFI. For UEFI use scripts/build-winpe.ps1 on Windows with the ADK.
#
# NativeAOT cannot cross-compile Linux -> Windows, so this route ships a trimmed,
# self-contained single-file win-x64 build (JIT, not AOT) of the same CLI.
#
# Windows PE reaches only drives that still enumerate; dead drives need the Linux ISO.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$ROOT/build/winpe-linux
WIN_ISO=
WIN_DIR=
DISK_IMAGE=0
OUT=

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
die() { printf 'build-winpe: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --windows-iso) WIN_ISO=${2:?}; shift 2 ;;
        --windows-dir) WIN_DIR=${2:?}; shift 2 ;;
        --disk-image) DISK_IMAGE=1; shift ;;
        -h|--help) usage 0 ;;
        -*) die "unknown option $1" ;;
        *) OUT=$1; shift ;;
    esac
done
[ -n "$WIN_ISO" ] || [ -n "$WIN_DIR" ] || usage 1
if [ -z "$OUT" ]; then
    if [ $DISK_IMAGE = 1 ]; then OUT=$ROOT/build/recoverykit-winpe.img; else OUT=$ROOT/build/recoverykit-winpe.iso; fi
fi
case "$OUT" in /*) ;; *) OUT=$PWD/$OUT ;; esac

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root (or sudo) to run: $*"
    fi
}

# ------------------------------------------------------------------ tools
deps=(wimtools genisoimage)
[ $DISK_IMAGE = 1 ] && deps+=(syslinux syslinux-common mtools)
missing=()
for pkg in "${deps[@]}"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)" = installed ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y --no-install-recommends "${missing[@]}"
fi

# ------------------------------------------------------------------ Windows files
cleanup() {
    if [ -n "${MOUNTED:-}" ]; then as_root umount "$MOUNTED" || true; rmdir "$MOUNTED" 2>/dev/null || true; fi
}
trap cleanup EXIT
if [ -n "$WIN_ISO" ]; then
    [ -f "$WIN_ISO" ] || die "no such file: $WIN_ISO"
    # Windows ISOs keep their files in UDF (the ISO 9660 side holds only a README): loop-mount.
    MOUNTED=$(mktemp -d)
    as_root mount -o loop,ro "$WIN_ISO" "$MOUNTED" || die "cannot mount $WIN_ISO (udf/loop support?)"
    WIN_DIR=$MOUNTED
fi
[ -f "$WIN_DIR/sources/boot.wim" ] || die "$WIN_DIR/sources/boot.wim missing: not a Windows installation medium"
[ -f "$WIN_DIR/boot/etfsboot.com" ] || [ $DISK_IMAGE = 1 ] || die "$WIN_DIR/boot/etfsboot.com missing (needed for a BIOS-bootable ISO)"
arch=$(wiminfo "$WIN_DIR/sources/boot.wim" 2 2>/dev/null | awk -F': *' '/^Architecture/ { print $2; exit }')
case "$arch" in
    x86_64|amd64|AMD64) ;;
    *) die "boot.wim image 2 is '${arch:-unknown}', need a 64-bit (x86_64) Windows medium for the win-x64 build" ;;
esac

# ------------------------------------------------------------------ the tool
rm -rf "$WORK"
mkdir -p "$WORK/overlay/Windows/System32"
echo "== dotnet publish (win-x64, self-contained single file, trimmed; NativeAOT needs Windows)"
dotnet publish "$ROOT/src/RecoveryKit.Cli" -r win-x64 -c Release -o "$WORK/publish" -nologo \
    -p:PublishAot=false -p:PublishSingleFile=true -p:SelfContained=true \
    -p:PublishTrimmed=true -p:EnableCompressionInSingleFile=true
[ -f "$WORK/publish/recoverykit.exe" ] || die "publish produced no recoverykit.exe"
cp "$WORK/publish/recoverykit.exe" "$WORK/overlay/Windows/System32/"

# mkwinpeimg puts the start script in X:\ and points winpeshl.ini at it, replacing Setup.
cp "$ROOT/boot/winpe/startnet.cmd" "$WORK/startnet.cmd"

# ------------------------------------------------------------------ image
mkdir -p "$(dirname "$OUT")"
rm -f "$OUT"
mode=()
[ $DISK_IMAGE = 1 ] || mode=(--iso)
mkwinpeimg "${mode[@]}" --windows-dir="$WIN_DIR" --start-script="$WORK/startnet.cmd" \
    --overlay="$WORK/overlay" --tmp-dir="$WORK/tmp" "$OUT"
echo "== $(du -h "$OUT" | cut -f1) $OUT (BIOS boot only)"
