#!/usr/bin/env bash
# Build the RecoveryKit recovery ISO: a hybrid image (BIOS + UEFI El Torito, and an MBR so it
# also boots when written to a USB stick with dd) holding a Debian kernel and a small initramfs
# with busybox, the NativeAOT recoverykit executable and the drivers in boot/linux/modules.list.
#
#   scripts/build-iso.sh [OUT.iso]          default OUT: build/recoverykit.iso
#
# Environment (all optional):
#   RK_KERNEL_PKG   Debian kernel package, e.g. linux-image-6.1.0-56-amd64
#                   (default: what linux-image-amd64 currently depends on)
#   RK_PUBLISH_DIR  use this existing `dotnet publish` output instead of publishing
#   RK_ISO_MAX_MB   fail if the ISO is larger (default 40)
#
# Downloads nothing but Debian packages through apt. Intermediates and the cached kernel .deb
# live under build/ (ignored by git).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$ROOT/build/recoverykit.iso}
case "$OUT" in /*) ;; *) OUT=$PWD/$OUT ;; esac
WORK=$ROOT/build/iso
CACHE=$ROOT/build/cache
MAX_MB=${RK_ISO_MAX_MB:-40}
DATA_MB=${RK_DATA_MB:-16}
# libssl-dev: the publish links OpenSSL statically (RecoveryKit.Cli.csproj, StaticOpenSslLinking).
BUILD_DEPS=(grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools dosfstools fdisk busybox-static cpio kmod xz-utils ntfs-3g libssl-dev)

START=$(date +%s)
log() { printf '== %s\n' "$*"; }
die() { printf 'build-iso: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root (or sudo) to run: $*"
    fi
}

# ------------------------------------------------------------------ build dependencies
missing=()
for pkg in "${BUILD_DEPS[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing build dependencies: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! as_root apt-get install -y --no-install-recommends "${missing[@]}"; then
        as_root apt-get update
        as_root apt-get install -y --no-install-recommends "${missing[@]}"
    fi
fi
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || die "busybox-static did not provide $BUSYBOX"
if ldd "$BUSYBOX" >/dev/null 2>&1; then die "$BUSYBOX is dynamically linked; install busybox-static"; fi

# ------------------------------------------------------------------ kernel package
mkdir -p "$CACHE" "$WORK"
KERNEL_PKG=${RK_KERNEL_PKG:-}
if [ -z "$KERNEL_PKG" ]; then
    KERNEL_PKG=$(apt-cache depends linux-image-amd64 2>/dev/null \
        | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
    [ -n "$KERNEL_PKG" ] || die "cannot resolve linux-image-amd64 (run apt-get update?)"
fi
newest_deb() { find "$CACHE" -maxdepth 1 -name "${KERNEL_PKG}_*_amd64.deb" | sort -V | tail -n 1; }
deb=$(newest_deb)
if [ -z "$deb" ]; then
    log "downloading $KERNEL_PKG with apt-get download"
    # apt's _apt sandbox user cannot write into build/; the download itself is the same.
    (cd "$CACHE" && { apt-get download "$KERNEL_PKG" 2>&1 | grep -v 'unsandboxed as root'; } ) || true
    deb=$(newest_deb)
    [ -n "$deb" ] || die "apt-get download $KERNEL_PKG failed"
fi
log "kernel package: ${deb#"$ROOT"/}"

KROOT=$WORK/kernel
stamp=$KROOT/.extracted-from
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$(basename "$deb")" ]; then
    rm -rf "$KROOT"
    mkdir -p "$KROOT"
    dpkg-deb -x "$deb" "$KROOT"
    basename "$deb" > "$stamp"
fi
KVER=$(find "$KROOT/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | head -n 1)
if [ -z "$KVER" ] || [ ! -f "$KROOT/boot/vmlinuz-$KVER" ]; then die "no kernel in $deb"; fi
depmod -b "$KROOT" "$KVER"
log "kernel $KVER"

# ------------------------------------------------------------------ the tool
if [ -n "${RK_PUBLISH_DIR:-}" ]; then
    PUBLISH=$RK_PUBLISH_DIR
    log "using existing publish output $PUBLISH"
else
    PUBLISH=$WORK/publish
    rm -rf "$PUBLISH"
    log "dotnet publish (NativeAOT, linux-x64)"
    dotnet publish "$ROOT/src/RecoveryKit.Cli" -r linux-x64 -c Release -o "$PUBLISH" -nologo
fi
EXE=$PUBLISH/recoverykit
[ -x "$EXE" ] || die "no executable at $EXE"

# ------------------------------------------------------------------ initramfs tree
RFS=$WORK/rootfs
rm -rf "$RFS"
mkdir -p "$RFS"/{bin,sbin,usr/bin,usr/sbin,etc/recoverykit,proc,sys,dev,run,tmp,media,root,lib/modules}
cp "$BUSYBOX" "$RFS/bin/busybox"
ln -s busybox "$RFS/bin/sh"   # /init's interpreter; /init installs the other applets
install -m 0755 "$ROOT/boot/linux/init" "$RFS/init"
cp "$ROOT/boot/linux/raw-skip.list" "$RFS/etc/recoverykit/raw-skip.list"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$RFS/etc/passwd"
printf 'root:x:0:\n' > "$RFS/etc/group"

install -m 0755 "$EXE" "$RFS/usr/bin/recoverykit"
# NativeAOT puts any native libraries it cannot link statically next to the executable.
shopt -s nullglob
sos=("$PUBLISH"/*.so)
shopt -u nullglob
for so in "${sos[@]}"; do install -m 0755 "$so" "$RFS/usr/bin/"; done

# glibc and friends, exactly as the dynamic loader resolves them on this build machine.
copy_libs() {
    local bin=$1 lib
    ldd "$bin" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
    while read -r lib; do
        mkdir -p "$RFS$(dirname "$lib")"
        cp -L "$lib" "$RFS$lib"
    done
}
copy_libs "$EXE"
for so in "${sos[@]}"; do copy_libs "$so"; done
# NTFS (Windows partitions): the Debian 12 kernel has no NTFS driver, so ntfs-3g over FUSE.
NTFS3G=$(command -v ntfs-3g || true)
[ -n "$NTFS3G" ] || die "ntfs-3g not installed"
install -m 0755 "$NTFS3G" "$RFS/usr/bin/ntfs-3g"
copy_libs "$NTFS3G"
log "libraries for recoverykit and ntfs-3g: $(cd "$RFS" && find lib lib64 usr/lib -name '*.so*' 2>/dev/null | tr '\n' ' ')"

# Kernel modules: expand globs, then let kmod resolve dependencies against the package tree.
KMOD=$KROOT/lib/modules/$KVER
names=()
while read -r line; do
    line=${line%%#*}
    line=$(echo "$line" | tr -d '[:space:]')
    [ -n "$line" ] || continue
    if [[ $line == *'*'* ]]; then
        while read -r ko; do
            names+=("$(basename "$ko" .ko)")
        done < <(find "$KMOD/kernel" -name "$line.ko" -o -name "${line//_/-}.ko" | sort)
    else
        names+=("$line")
    fi
done < "$ROOT/boot/linux/modules.list"

: > "$WORK/modules.resolved"
for name in "${names[@]}"; do
    if ! modprobe -d "$KROOT" -S "$KVER" --show-depends "$name" >> "$WORK/modules.resolved" 2>"$WORK/modprobe.err"; then
        die "module $name not in $KVER: $(cat "$WORK/modprobe.err")"
    fi
done
count=0
while read -r kind path _; do
    [ "$kind" = insmod ] || continue
    rel=${path#"$KROOT"}
    if [ ! -f "$RFS$rel" ]; then
        mkdir -p "$RFS$(dirname "$rel")"
        cp "$path" "$RFS$rel"
        count=$((count + 1))
    fi
done < "$WORK/modules.resolved"
for f in modules.order modules.builtin modules.builtin.modinfo; do
    [ -f "$KMOD/$f" ] && cp "$KMOD/$f" "$RFS/lib/modules/$KVER/"
done
depmod -b "$RFS" "$KVER"
log "$count kernel modules ($(du -sh "$RFS/lib/modules" | cut -f1))"

# ------------------------------------------------------------------ smoke test in the rootfs
# The tool must do its main job with only what is in the initramfs: run it in a chroot of the
# tree (its own loader, libraries and nothing else). This is what catches .NET's run-time dlopen
# of libssl ("No usable version of libssl was found"), which ldd does not show. /proc, /sys and
# /dev are mounted as /init mounts them (the runtime reads /dev/urandom and /proc), inside a
# private mount namespace (unshare), so they vanish with it and never reach the cpio.
log "smoke test: recoverykit inspect / flash --device sim: / unbrick --simulate in a chroot of the rootfs"
SMOKE=$RFS/tmp/smoke
mkdir -p "$SMOKE"
cat > "$WORK/smoke.sh" <<'EOF'
set -e
rfs=$1; shift
mount -t proc proc "$rfs/proc"
mount -t sysfs sysfs "$rfs/sys"
mount -t devtmpfs devtmpfs "$rfs/dev"
chroot=$(command -v chroot)
exec env -i PATH=/usr/bin:/bin HOME=/tmp/smoke RECOVERYKIT_DATA=/tmp/smoke \
    "$chroot" "$rfs" /bin/sh -c "cd /tmp/smoke && $*"
EOF
smoke() {
    local what=$1; shift
    if ! as_root env PATH=/usr/sbin:/usr/bin:/sbin:/bin unshare --mount --propagation private \
            sh "$WORK/smoke.sh" "$RFS" "$*" > "$WORK/smoke-$what.log" 2>&1; then
        cat "$WORK/smoke-$what.log" >&2
        die "the tool cannot run '$what' inside the built rootfs (see above); something it loads at run time is missing from the initramfs"
    fi
}
smoke sim-image recoverykit sim-image dead-ldw411s -o fw.bin
smoke inspect recoverykit inspect fw.bin
smoke flash recoverykit flash --device sim:dead-ldw411s fw.bin --yes
smoke unbrick recoverykit unbrick --simulate --yes
rm -rf "$SMOKE"

VERSION=$("$EXE" --version 2>/dev/null | head -n 1 || true)
[ -n "$VERSION" ] || VERSION=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$ROOT/Directory.Build.props" | head -n 1)
[ -n "$VERSION" ] || VERSION=unknown
GIT_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
printf 'version=%s\ngit=%s\nkernel=%s\nbuilt=%s\n' "$VERSION" "$GIT_REV" "$KVER" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    > "$RFS/etc/recoverykit/build-info"

# ------------------------------------------------------------------ ISO tree
ISO_TREE=$WORK/iso-root
rm -rf "$ISO_TREE"
mkdir -p "$ISO_TREE/boot/grub" "$ISO_TREE/recoverykit"
cp "$KROOT/boot/vmlinuz-$KVER" "$ISO_TREE/boot/vmlinuz"
log "initramfs (cpio newc, xz)"
(cd "$RFS" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
    | xz --check=crc32 -6 -T1 > "$ISO_TREE/boot/initrd.img"
sed -e "s/@VERSION@/$VERSION/g" -e "s/@KVER@/$KVER/g" "$ROOT/boot/linux/grub.cfg" > "$ISO_TREE/boot/grub/grub.cfg"
cat > "$ISO_TREE/recoverykit/README.txt" <<EOF
RecoveryKit $VERSION ($GIT_REV), Linux $KVER

This folder is on the read-only ISO 9660 part of the CD or stick. On a stick written from
recoverykit.iso (scripts/make-stick.sh, dd, or an imager in DD mode) the writable place is
the FAT drive labelled RECOVERYKIT: copy firmware files into its recoverykit/ folder; logs,
backups and transcripts land there. Booted from CD, use a FAT stick (or a Windows partition)
with a folder named "recoverykit". See docs/recovery-media.md in the RecoveryKit sources.
EOF
cp "$RFS/etc/recoverykit/build-info" "$ISO_TREE/recoverykit/build-info.txt"

# ------------------------------------------------------------------ data partition
# A FAT partition labelled RECOVERYKIT appended to the image: on a stick it is the writable
# place for firmware files, session logs, backups and transcripts (/init mounts it and points
# RECOVERYKIT_DATA at its recoverykit/ folder). scripts/make-stick.sh grows it to fill the
# stick (FAT32); booted from CD it simply is not there.
DATA_IMG=$WORK/data.img
rm -f "$DATA_IMG"
truncate -s "${DATA_MB}M" "$DATA_IMG"
mkfs.fat -n RECOVERYKIT -i 524b4954 "$DATA_IMG" > /dev/null
mmd -i "$DATA_IMG" ::/recoverykit ::/recoverykit/logs
sed -e "s/@VERSION@/$VERSION/g" -e "s/@GIT@/$GIT_REV/g" -e "s/@KVER@/$KVER/g" -e "s/@DATA_MB@/$DATA_MB/g" \
    "$ROOT/boot/linux/data-readme.txt" | sed 's/$/\r/' > "$WORK/data-readme.txt"
mcopy -i "$DATA_IMG" "$WORK/data-readme.txt" ::/recoverykit/README.TXT
mcopy -i "$DATA_IMG" "$ISO_TREE/recoverykit/build-info.txt" ::/recoverykit/BUILD-INFO.TXT

# ------------------------------------------------------------------ hybrid ISO
log "grub-mkrescue -> $OUT"
mkdir -p "$(dirname "$OUT")"
rm -f "$OUT"
grub-mkrescue -o "$OUT" --compress=xz --fonts= --locales= --themes= \
    "$ISO_TREE" -- -volid RECOVERYKIT -append_partition 2 0x0c "$DATA_IMG" > "$WORK/grub-mkrescue.log" 2>&1 \
    || { cat "$WORK/grub-mkrescue.log" >&2; die "grub-mkrescue failed"; }

xorriso -indev "$OUT" -report_el_torito plain 2>/dev/null | grep -E 'El Torito (boot img|images)' || true
size=$(stat -c %s "$OUT")
mb=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }')
log "ISO: $OUT  $mb MiB (initrd $(du -h "$ISO_TREE/boot/initrd.img" | cut -f1), kernel $(du -h "$ISO_TREE/boot/vmlinuz" | cut -f1)), built in $(( $(date +%s) - START )) s"
if [ "$size" -gt $((MAX_MB * 1048576)) ]; then
    die "ISO is $mb MiB, over the $MAX_MB MiB budget"
fi
