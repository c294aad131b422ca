# shellcheck shell=bash
# Shared helpers for booting the RecoveryKit recovery image under QEMU and exchanging files with
# its FAT data partition (label RECOVERYKIT) from outside: no root, no loop mount (mtools).
# Sourced by scripts/test-iso.sh; a second media test can source it too:
#
#   . "$ROOT/scripts/lib/qemu-test.sh"
#   rk_ensure_packages qemu-system-x86 ovmf mtools xorriso
#   cp build/recoverykit.iso "$STICK"                  # a writable copy: the stick
#   rk_data_put "$STICK" autotest.sh autotest.sh       # -> recoverykit/autotest.sh
#   rk_qemu_args pc bios usb "$STICK" "$SERIAL_LOG"    # fills RK_QEMU_ARGS
#   RK_QEMU_ARGS+=(-device ...)                        # the devices under test
#   rk_qemu_run 120 "$SERIAL_LOG" "$QEMU_LOG"          # sets RK_QEMU_RC, RK_QEMU_SECONDS, RK_QEMU_PANIC
#   rk_data_get "$STICK" autotest.log "$OUT/autotest.log"
#
# Test-mode contract (boot/linux/init): see the comment at the top of scripts/test-iso.sh.

RK_DATA_LABEL=RECOVERYKIT
RK_DATA_FOLDER=recoverykit

rk_log() { printf '== %s\n' "$*"; }
rk_die() { printf '%s: %s\n' "${RK_SCRIPT_NAME:-qemu-test}" "$*" >&2; exit 2; }

rk_as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else rk_die "need root (or sudo) to run: $*"
    fi
}

# rk_ensure_packages PKG...: apt-get install whatever of the Debian packages is not installed
# (apt-get update first only when the plain install fails, e.g. on a fresh machine).
rk_ensure_packages() {
    local pkg status missing=()
    for pkg in "$@"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
        [ "$status" = installed ] || missing+=("$pkg")
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    rk_log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! rk_as_root apt-get install -y --no-install-recommends "${missing[@]}"; then
        rk_as_root apt-get update
        rk_as_root apt-get install -y --no-install-recommends "${missing[@]}"
    fi
}

# OVMF firmware files (Debian 12 ships the 4 MiB build; older releases the 2 MiB one).
rk_ovmf_files() {
    local d=/usr/share/OVMF
    for pair in "OVMF_CODE_4M.fd OVMF_VARS_4M.fd" "OVMF_CODE.fd OVMF_VARS.fd"; do
        set -- $pair
        if [ -f "$d/$1" ] && [ -f "$d/$2" ]; then
            RK_OVMF_CODE=$d/$1; RK_OVMF_VARS=$d/$2
            return 0
        fi
    done
    return 1
}

# ------------------------------------------------------------------ data partition (mtools)

# rk_data_offset IMAGE: byte offset of the FAT partition labelled RECOVERYKIT (MBR or GPT entry),
# or 0 for an unpartitioned FAT image. Prints nothing and fails when there is neither (e.g. an ISO
# built before the data partition existed).
rk_data_offset() {
    local image=$1 start label
    for start in $(sfdisk --dump "$image" 2>/dev/null | sed -n 's/.*start= *\([0-9]*\),.*/\1/p'); do
        label=$(MTOOLS_SKIP_CHECK=1 mlabel -s -i "$image@@$((start * 512))" :: 2>/dev/null | sed -n 's/^ *Volume label is \(.*[^ ]\) *$/\1/p')
        if [ "$label" = "$RK_DATA_LABEL" ]; then
            echo $((start * 512))
            return 0
        fi
    done
    # A plain FAT stick without a partition table (as test-iso.sh's CD combinations use).
    if MTOOLS_SKIP_CHECK=1 mlabel -s -i "$image" :: >/dev/null 2>&1; then
        echo 0
        return 0
    fi
    return 1
}

# rk_mtools_target IMAGE: "IMAGE@@OFFSET" for mtools' -i, or fail.
rk_mtools_target() {
    local off
    off=$(rk_data_offset "$1") || return 1
    printf '%s@@%s' "$1" "$off"
}

# rk_data_put IMAGE LOCAL REMOTE: copy a local file to recoverykit/REMOTE (folders created).
rk_data_put() {
    local target dir
    target=$(rk_mtools_target "$1") || { echo "no $RK_DATA_LABEL partition in $1" >&2; return 1; }
    dir=$(dirname "$3")
    if [ "$dir" != . ]; then
        local part= p
        for p in $(echo "$dir" | tr '/' ' '); do
            part=$part/$p
            MTOOLS_SKIP_CHECK=1 mmd -i "$target" "::/$RK_DATA_FOLDER$part" 2>/dev/null || true
        done
    fi
    MTOOLS_SKIP_CHECK=1 mcopy -o -i "$target" "$2" "::/$RK_DATA_FOLDER/$3"
}

# rk_data_get IMAGE REMOTE LOCAL: copy recoverykit/REMOTE (a file or a folder) out.
rk_data_get() {
    local target
    target=$(rk_mtools_target "$1") || { echo "no $RK_DATA_LABEL partition in $1" >&2; return 1; }
    MTOOLS_SKIP_CHECK=1 mcopy -s -o -n -i "$target" "::/$RK_DATA_FOLDER/$2" "$3"
}

# rk_data_ls IMAGE [REMOTE]: "size name" per file under recoverykit/REMOTE, recursively.
rk_data_ls() {
    local target
    target=$(rk_mtools_target "$1") || { echo "no $RK_DATA_LABEL partition in $1" >&2; return 1; }
    MTOOLS_SKIP_CHECK=1 mdir -/ -b -i "$target" "::/$RK_DATA_FOLDER/${2:-}" 2>/dev/null
}

# rk_extract_tool ISO DEST: the recoverykit executable inside the image's initramfs, so files
# made for a test (e.g. `recoverykit sim-image`) come from the very build under test.
rk_extract_tool() {
    local iso=$1 dest=$2 tmp
    tmp=$(mktemp -d)
    xorriso -osirrox on -indev "$iso" -extract /boot/initrd.img "$tmp/initrd.img" >/dev/null 2>&1 \
        || { rm -rf "$tmp"; return 1; }
    (cd "$tmp" && rk_decompress < initrd.img | cpio -i --quiet -d usr/bin/recoverykit) || { rm -rf "$tmp"; return 1; }
    mv "$tmp/usr/bin/recoverykit" "$dest"
    rm -rf "$tmp"
}

# stdin -> stdout, whichever of the initramfs compressions build-iso.sh may use.
rk_decompress() {
    local head
    head=$(mktemp)
    cat > "$head"
    case "$(od -An -tx1 -N6 "$head" | tr -d ' \n')" in
        fd377a585a00*) xz -dc < "$head" ;;
        28b52ffd*) zstd -dc < "$head" ;;
        1f8b*) gzip -dc < "$head" ;;
        02214c18*) lz4 -dc < "$head" ;;
        *) cat "$head" ;;
    esac
    rm -f "$head"
}

# ------------------------------------------------------------------ QEMU

# rk_qemu_args MACHINE FIRMWARE MEDIA IMAGE SERIAL_LOG [VARS_COPY]
#   MACHINE pc|q35, FIRMWARE bios|uefi, MEDIA cd|usb. The image boots from an IDE CD-ROM (ide.0
#   master, read-only) or a USB stick on an xHCI controller (id xhci, writable: the data
#   partition is written). Test mode is switched on by the SMBIOS serial rk-test. Fills the
#   array RK_QEMU_ARGS; add the devices under test to it.
# shellcheck disable=SC2054  # commas inside QEMU option values, not array separators
rk_qemu_args() {
    local machine=$1 firmware=$2 media=$3 image=$4 serial=$5 vars=${6:-}
    RK_QEMU_ARGS=(-accel tcg -cpu max -smp 1 -m "${RK_TEST_MEM:-512}" -M "$machine" -nodefaults -display none
        -vga std -no-reboot -monitor none -serial "file:$serial"
        -smbios type=1,serial=rk-test)
    if [ "$firmware" = uefi ]; then
        rk_ovmf_files || rk_die "OVMF firmware missing after installing ovmf"
        [ -n "$vars" ] || vars=${serial%.log}.vars.fd
        cp "$RK_OVMF_VARS" "$vars"
        RK_QEMU_ARGS+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$RK_OVMF_CODE"
                       -drive "if=pflash,format=raw,unit=1,file=$vars")
    fi
    RK_QEMU_ARGS+=(-device qemu-xhci,id=xhci)
    if [ "$media" = cd ]; then
        RK_QEMU_ARGS+=(-drive "if=none,id=boot,media=cdrom,readonly=on,format=raw,file=$image"
                       -device ide-cd,drive=boot,bus=ide.0,unit=0,bootindex=0)
    else
        RK_QEMU_ARGS+=(-drive "if=none,id=stick,format=raw,file=$image"
                       -device usb-storage,bus=xhci.0,drive=stick,bootindex=0)
    fi
}

# rk_qemu_run TIMEOUT SERIAL_LOG QEMU_LOG: run qemu-system-x86_64 "${RK_QEMU_ARGS[@]}", bounded by
# timeout, and stop early on a kernel panic (it never powers off). Sets RK_QEMU_RC (124: timed
# out), RK_QEMU_PANIC (0/1), RK_QEMU_SECONDS and RK_QEMU_FIRST_LINE_SECONDS (QEMU start to the
# first line of the recovery tool, "RK-STEP-BEGIN", or empty when none came).
rk_qemu_run() {
    local timeout=$1 serial=$2 qlog=$3 start qpid now
    rm -f "$serial"
    printf '%s\n' "qemu-system-x86_64 ${RK_QEMU_ARGS[*]}" > "${qlog%.log}.cmdline"
    RK_QEMU_RC=0 RK_QEMU_PANIC=0 RK_QEMU_FIRST_LINE_SECONDS=
    start=$(date +%s.%N)
    timeout -k 10 "$timeout" qemu-system-x86_64 "${RK_QEMU_ARGS[@]}" > "$qlog" 2>&1 &
    qpid=$!
    while kill -0 "$qpid" 2>/dev/null; do
        if [ -z "$RK_QEMU_FIRST_LINE_SECONDS" ] && grep -q '^RK-STEP-BEGIN ' "$serial" 2>/dev/null; then
            now=$(date +%s.%N)
            RK_QEMU_FIRST_LINE_SECONDS=$(awk -v a="$start" -v b="$now" 'BEGIN { printf "%.1f", b - a }')
        fi
        if grep -q 'Kernel panic - not syncing' "$serial" 2>/dev/null; then
            RK_QEMU_PANIC=1
            sleep 2
            kill "$qpid" 2>/dev/null || true
            break
        fi
        sleep 0.5
    done
    wait "$qpid" || RK_QEMU_RC=$?
    now=$(date +%s.%N)
    RK_QEMU_SECONDS=$(awk -v a="$start" -v b="$now" 'BEGIN { printf "%.1f", b - a }')
}

# rk_clean_serial LOG: the serial log without CRs and terminal escape sequences, as LOG.txt.
rk_clean_serial() {
    tr -d '\r' < "$1" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' > "$1.txt"
}

# rk_step_output CLEAN_LOG STEP: the lines between "RK-STEP-BEGIN STEP:" and "RK-STEP STEP rc=".
rk_step_output() {
    awk -v s="$2" '
        index($0, "RK-STEP-BEGIN " s ":") == 1 { on = 1; next }
        index($0, "RK-STEP " s " rc=") == 1 { on = 0 }
        on { print }
    ' "$1"
}

# rk_step_rc CLEAN_LOG STEP: the step's exit code, or nothing when it did not run.
rk_step_rc() {
    sed -n "s/^RK-STEP $2 rc=\([0-9]*\)$/\1/p" "$1" | tail -n 1
}
