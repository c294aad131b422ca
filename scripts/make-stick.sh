#!/usr/bin/env bash
# Write the RecoveryKit image to a USB stick and grow its RECOVERYKIT data partition to fill the
# stick (FAT32), so one stick holds the recovery system, the firmware files and the logs.
#
#   scripts/make-stick.sh [--yes] [--image ISO] /dev/sdX
#
#   /dev/sdX      the whole stick (not a partition). A regular file works too (a stand-in for
#                 a stick, e.g. for tests: truncate -s 1G stick.img).
#   --image ISO   default: build/recoverykit.iso (scripts/build-iso.sh)
#   --yes         do not ask before overwriting the stick
#
# Refuses a device that is mounted, used as swap, or holds the running system. Everything on the
# stick is lost. Files already on the image's data partition (recoverykit/README.TXT ...) are kept.
# The image's partition table is a hybrid MBR/GPT (xorriso): the GPT is grown with sfdisk, the MBR
# (boot code, the 0xEE entry and the data partition's entry, which BIOSes and Windows read) is
# kept byte for byte except the two sizes.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RK_SCRIPT_NAME=make-stick
# shellcheck source=lib/qemu-test.sh
. "$ROOT/scripts/lib/qemu-test.sh"

die() { printf 'make-stick: %s\n' "$*" >&2; exit 2; }
usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

IMAGE=$ROOT/build/recoverykit.iso
YES=0
TARGET=
while [ $# -gt 0 ]; do
    case "$1" in
        --yes|-y) YES=1 ;;
        --image) shift; [ $# -gt 0 ] || usage; IMAGE=$1 ;;
        -h|--help) usage ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) [ -z "$TARGET" ] || die "one stick at a time ($TARGET and $1 given)"; TARGET=$1 ;;
    esac
    shift
done
[ -n "$TARGET" ] || usage
[ -f "$IMAGE" ] || die "no image at $IMAGE (run scripts/build-iso.sh, or give --image)"

rk_ensure_packages fdisk mtools dosfstools

# ------------------------------------------------------------------ what the target is
if [ -b "$TARGET" ]; then
    KIND=device
    dev=$(readlink -f "$TARGET")
    name=$(basename "$dev")
    [ ! -e "/sys/class/block/$name/partition" ] || die "$TARGET is a partition; give the whole stick (e.g. /dev/sdb, not /dev/sdb1)"
    # Mounted, swap, or the disk of the running system (/, /boot, /boot/efi, /usr): refuse.
    for part in "$dev" $(lsblk -lnpo NAME "$dev" | tail -n +2); do
        if grep -q "^$part " /proc/mounts; then die "$part is mounted ($(grep "^$part " /proc/mounts | awk '{print $2}' | head -n 1)); unmount it first"; fi
        if grep -q "^$part " /proc/swaps; then die "$part is in use as swap"; fi
    done
    for mp in / /boot /boot/efi /usr /var /home; do
        src=$(findmnt -n -o SOURCE --target "$mp" 2>/dev/null | sed 's/\[.*//') || continue
        [ -b "$src" ] || continue
        for disk in $(lsblk -snlpo NAME "$src" 2>/dev/null); do
            [ "$disk" = "$dev" ] && die "$TARGET holds the running system ($mp is on $src): refusing"
        done
    done
    SIZE=$(blockdev --getsize64 "$dev")
    desc="$(lsblk -dno SIZE,MODEL,TRAN "$dev" | tr -s ' ')"
    [ "$(lsblk -dno TRAN "$dev" 2>/dev/null | tr -d ' ')" = usb ] || desc="$desc  (NOT a USB device: check twice)"
elif [ -f "$TARGET" ]; then
    KIND=file
    dev=$TARGET
    SIZE=$(stat -c %s "$TARGET")
    desc="regular file, $SIZE bytes"
else
    die "$TARGET is neither a block device nor a file"
fi

IMAGE_SIZE=$(stat -c %s "$IMAGE")
[ "$SIZE" -ge "$IMAGE_SIZE" ] || die "$TARGET ($SIZE bytes) is smaller than the image ($IMAGE_SIZE bytes)"
DATA_OFF=$(rk_data_offset "$IMAGE") || die "$IMAGE has no RECOVERYKIT data partition (built by an older build-iso.sh?)"
[ "$DATA_OFF" -gt 0 ] || die "$IMAGE is a bare FAT image, not the RecoveryKit image"

echo "Image:  $IMAGE ($IMAGE_SIZE bytes)"
echo "Target: $TARGET — $desc"
echo "Everything on $TARGET will be lost."
if [ "$YES" != 1 ]; then
    [ -t 0 ] || die "no terminal to ask; add --yes to write without asking"
    read -r -p "Type YES to write the stick: " answer
    [ "$answer" = YES ] || die "not written (answer was not YES)"
fi

# ------------------------------------------------------------------ keep the data partition's files
KEEP=$(mktemp -d)
trap 'rm -rf "$KEEP" "$KEEP".*' EXIT
MTOOLS_SKIP_CHECK=1 mcopy -s -n -i "$IMAGE@@$DATA_OFF" '::/*' "$KEEP/" 2>/dev/null || true

# ------------------------------------------------------------------ write
echo "== writing the image"
if [ "$KIND" = device ]; then
    dd if="$IMAGE" of="$dev" bs=4M conv=fsync status=progress
else
    dd if="$IMAGE" of="$dev" bs=4M conv=notrunc status=none
fi

# ------------------------------------------------------------------ grow the data partition
SECTORS=$((SIZE / 512))
START=$((DATA_OFF / 512))
# GPT: the data partition is the GPT entry starting at START; the backup GPT takes the last 33 sectors.
# Start aligned partitions at 1 MiB boundaries is not needed here: the start stays where xorriso put it.
END=$(( (SECTORS - 34) / 2048 * 2048 - 1 ))   # end on a 1 MiB boundary before the backup GPT
NEW_SIZE=$((END - START + 1))
MIN_FAT32=$((64 * 2048))                      # 64 MiB: FAT32 needs >= 65525 clusters
if [ "$NEW_SIZE" -lt "$MIN_FAT32" ]; then
    echo "The stick is too small to grow the data partition to FAT32 (needs 64 MiB after the system);"
    echo "it keeps the image's $(( (IMAGE_SIZE - DATA_OFF) / 1048576 )) MiB FAT data partition."
    sync
    exit 0
fi

echo "== growing the RECOVERYKIT partition to $((NEW_SIZE / 2048)) MiB"
MBR=$KEEP.mbr
dd if="$dev" of="$MBR" bs=512 count=1 status=none
dump=$(sfdisk --dump "$dev")
part=$(echo "$dump" | awk -v s="$START" -F'[:,= ]+' '$0 ~ ("start= *" s ",") { print $1 }')
[ -n "$part" ] || die "no GPT entry starts at sector $START"
# Drop the entries after the data partition (xorriso's padding "Gap" entry), and the fields sfdisk
# must recompute for the new disk size.
echo "$dump" | awk -v s="$START" -v n="$NEW_SIZE" '
    /^last-lba:/ { next }
    /^[^ ]+ : start=/ {
        match($0, /start= *[0-9]+/); st = substr($0, RSTART + 6, RLENGTH - 6) + 0
        if (st > s) next
        if (st == s) { sub(/size= *[0-9]+/, "size=" n) }
    }
    # xorriso fills gaps with "Basic data" entries (Gap0): hidden, no drive letter, so Windows
    # does not offer to format them (GPT attribute bits 62 and 63).
    /name="Gap[0-9]*"/ && /attrs="/ { sub(/attrs="/, "attrs=\"GUID:62 GUID:63 ") }
    { print }
' > "$KEEP.sfdisk"
sfdisk --quiet --no-reread --no-tell-kernel --wipe never --wipe-partitions never "$dev" < "$KEEP.sfdisk" >"$KEEP.sfdisk.log" 2>&1 \
    || { cat "$KEEP.sfdisk.log" >&2; die "sfdisk could not grow the partition table"; }

# Put the hybrid MBR back, with the new sizes: entry 1 (0xEE, whole disk) and the data entry.
put_le32() { # FILE OFFSET VALUE
    printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(( $3 & 255 )) $(( ($3 >> 8) & 255 )) $(( ($3 >> 16) & 255 )) $(( ($3 >> 24) & 255 )))" \
        | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
for i in 0 1 2 3; do
    e=$((446 + i * 16))
    type=$(od -An -tu1 -j $((e + 4)) -N1 "$MBR" | tr -d ' ')
    lba=$(od -An -tu4 -j $((e + 8)) -N4 "$MBR" | tr -d ' ')
    if [ "$type" = 238 ]; then                  # 0xEE: the GPT's protective entry covers the disk
        whole=$((SECTORS - lba)); [ "$whole" -le 4294967295 ] || whole=4294967295
        put_le32 "$MBR" $((e + 12)) "$whole"
    elif [ "$lba" = "$START" ]; then            # the data partition: FAT32 LBA from now on
        put_le32 "$MBR" $((e + 12)) "$NEW_SIZE"
        printf '\x0c' | dd of="$MBR" bs=1 seek=$((e + 4)) conv=notrunc status=none
    fi
done
dd if="$MBR" of="$dev" bs=512 count=1 conv=notrunc status=none

# A fresh FAT32 over the whole partition, then the kept files.
echo "== formatting it FAT32 (label RECOVERYKIT)"
mkfs.fat -F 32 -n RECOVERYKIT --offset "$START" "$dev" $((NEW_SIZE / 2)) >"$KEEP.mkfs.log" 2>&1 \
    || { cat "$KEEP.mkfs.log" >&2; die "mkfs.fat failed"; }
MTOOLS_SKIP_CHECK=1 mcopy -s -i "$dev@@$DATA_OFF" "$KEEP"/* ::/
MTOOLS_SKIP_CHECK=1 mmd -i "$dev@@$DATA_OFF" ::/recoverykit/logs 2>/dev/null || true
sync
if [ "$KIND" = device ]; then
    blockdev --rereadpt "$dev" 2>/dev/null || partx -u "$dev" 2>/dev/null || true
fi
echo "== done: $TARGET boots RecoveryKit (BIOS and UEFI); its RECOVERYKIT drive ($((NEW_SIZE / 2048)) MiB, FAT32) takes"
echo "   firmware files in recoverykit/ and keeps logs and backups. Unplug it safely before removing it."
