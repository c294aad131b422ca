#!/usr/bin/env bash
# Boot the RecoveryKit recovery image in QEMU (TCG, -cpu max) in four combinations and check what
# the recovery system reports on its serial console and leaves on its data partition.
#
#   scripts/test-iso.sh [ISO]          default ISO: build/recoverykit.iso
#
# Installs what it needs with apt when missing (qemu-system-x86 ovmf mtools xorriso fdisk
# dosfstools cpio xz-utils zstd). Every QEMU run is bounded by `timeout`.
#
# The USB combinations boot two kinds of stick: pc-bios-usb one written by scripts/make-stick.sh
# (128 MiB, data partition grown to FAT32), q35-uefi-usb the image as dd writes it.
#
# ---------------------------------------------------------------------------------------------
# TEST-MODE CONTRACT (boot/linux/init; other media tests rely on exactly this)
#
#  * Test mode is switched on from outside, without changing the image: QEMU sets the SMBIOS
#    system serial to "rk-test" (-smbios type=1,serial=rk-test). GRUB then boots the default
#    entry (raw IDE ports) at once; /init writes everything to the first serial port.
#  * The image carries a FAT partition labelled RECOVERYKIT (appended by build-iso.sh; MBR and
#    GPT entry). /init mounts it read-write and exports RECOVERYKIT_DATA=<mount>/recoverykit
#    (created if missing). Booted from CD there is no such partition: /init then takes the first
#    writable FAT/exFAT/NTFS partition or unpartitioned FAT stick with a recoverykit/ folder,
#    else a RAM folder. Logs land in $RECOVERYKIT_DATA/logs, backups beside the image flashed.
#  * /init runs its built-in steps (version, scan, selftest), each framed by
#      RK-STEP-BEGIN <name>: <command>      ...output...      RK-STEP <name> rc=<n>
#    Then, if $RECOVERYKIT_DATA/autotest.sh exists, it runs it with `sh` as step "autotest"
#    (RK-STEP-BEGIN autotest / RK-STEP autotest rc=N), in $RECOVERYKIT_DATA as working folder,
#    stdin /dev/null, with `recoverykit` on PATH, RECOVERYKIT_DATA exported and the raw-port
#    mode's drivers (IDE channel drivers NOT loaded: the legacy ports are the tool's alone).
#    Its output goes to the console and to $RECOVERYKIT_DATA/autotest.log.
#    Without autotest.sh it prints "RK-AUTOTEST none (...)".
#  * After that (raw mode) /init loads all drivers and runs step scan-all, then prints
#    "RK-TEST-DONE rc=<failed steps> steps=<n>", copies its boot log to $RECOVERYKIT_DATA/logs,
#    syncs, unmounts the data partition and powers off (QEMU exits; -no-reboot).
#  * Files go onto the data partition from outside, before the boot, and come back after it with
#    mtools (`mcopy -i IMAGE@@OFFSET`): no root, no loop mount. The helpers (partition offset,
#    copy in/out, QEMU arguments, bounded run) are in scripts/lib/qemu-test.sh for reuse.
# ---------------------------------------------------------------------------------------------
#
# What this test runs inside the guest through autotest.sh (the main job): `recoverykit inspect`
# of a firmware image put on the data partition from outside, `flash --device sim:dead-ldw411s
# IMAGE --yes`, a scan with --transcript, and `unbrick --simulate --yes`; afterwards it reads the data partition back and
# checks the session logs, and that the flash's backup is there with the flash chip's size.
#
# Environment (optional):
#   RK_TEST_COMBOS   subset of: pc-bios-cd pc-bios-usb q35-uefi-cd q35-uefi-usb
#   RK_TEST_TIMEOUT  seconds per boot (default 240)
#   RK_TEST_MEM      guest memory in MiB (default 512)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck disable=SC2034  # read by the sourced helpers
RK_SCRIPT_NAME=test-iso
# shellcheck source=lib/qemu-test.sh
. "$ROOT/scripts/lib/qemu-test.sh"

# ======================================================================= expectations
# The drive under test: an ATAPI CD-ROM with this serial, on the secondary master (0x170) on
# `pc` and on an AHCI port on `q35`. The boot CD is a QEMU DVD-ROM too, so only this exact
# serial proves the right drive was seen.
TEST_SERIAL=RKTEST0042

# The main job's virtual drive: sim:dead-ldw411s carries an SST39VF080, 8 Mbit = 1 MiB
# (SST39VF080 datasheet), so the backup of its whole flash is exactly this long.
SIM_SCENARIO=dead-ldw411s
FLASH_BYTES=1048576

# Steps /init runs in test mode (RK-STEP lines). A step listed here must end with rc=0.
#   version   recoverykit --version
#   scan      recoverykit scan --json                        (booted mode: raw)
#   selftest  recoverykit selftest --device port:0x170:master
#   autotest  this script's autotest.sh (the main job, below)
#   scan-all  recoverykit scan --json after loading all drivers (same boot)
REQUIRED_STEPS_PC="version scan selftest autotest scan-all"
REQUIRED_STEPS_Q35="version scan autotest scan-all"
# Steps reported but not failing the run (selftest is not run on q35: it has no legacy port).
PENDING_STEPS_PC=""
PENDING_STEPS_Q35=""

# "step|extended regex" that must match that step's own output (between its RK-STEP-BEGIN and
# RK-STEP lines), so a serial printed by /init itself cannot satisfy it.
COMMON_OUTPUT=("version|^[0-9]+\.[0-9]+\.[0-9]+"
    "autotest|^AUTOTEST inspect rc=0$" "autotest|^AUTOTEST flash rc=0$" "autotest|^AUTOTEST transcript rc=0$"
    "autotest|^AUTOTEST unbrick rc=0$" "autotest|^AUTOTEST unbrick-stick rc=0$")
REQUIRED_OUTPUT_PC=("${COMMON_OUTPUT[@]}" "selftest|$TEST_SERIAL" "selftest|SELFTEST PASS" "scan|$TEST_SERIAL" "scan-all|$TEST_SERIAL")
REQUIRED_OUTPUT_Q35=("${COMMON_OUTPUT[@]}" "scan|AHCI: no task-file registers" "scan|$TEST_SERIAL" "scan-all|$TEST_SERIAL")
PENDING_OUTPUT_PC=()
PENDING_OUTPUT_Q35=()

# What the kernel itself must (or must not) have identified, from /init's RK-KERNEL-ATA lines.
# pc, raw entry: no IDE driver loaded, so libata must NOT know the test drive (the channel is
# RecoveryKit's alone); after loading all drivers it must. q35: AHCI is loaded in both.
KERNEL_MUST_PC=("phase=all .*serial=$TEST_SERIAL")
KERNEL_MUST_NOT_PC=("phase=raw .*serial=$TEST_SERIAL")
KERNEL_MUST_Q35=("phase=raw .*serial=$TEST_SERIAL" "phase=all .*serial=$TEST_SERIAL")
KERNEL_MUST_NOT_Q35=()

# ======================================================================= setup
ISO=${1:-$ROOT/build/recoverykit.iso}
case "$ISO" in /*) ;; *) ISO=$PWD/$ISO ;; esac
OUT=$ROOT/build/test-iso
COMBOS=${RK_TEST_COMBOS:-"pc-bios-cd pc-bios-usb q35-uefi-cd q35-uefi-usb"}
TIMEOUT=${RK_TEST_TIMEOUT:-240}

[ -f "$ISO" ] || rk_die "no ISO at $ISO (run scripts/build-iso.sh)"
rk_ensure_packages qemu-system-x86 ovmf mtools xorriso fdisk dosfstools cpio xz-utils zstd
case " $COMBOS " in *uefi*) rk_ovmf_files || rk_die "ovmf is installed but no OVMF_CODE/OVMF_VARS pair is in /usr/share/OVMF" ;; esac
mkdir -p "$OUT"
rk_data_offset "$ISO" >/dev/null || rk_die "$ISO has no FAT partition labelled RECOVERYKIT (built by an older build-iso.sh?)"

# The drive under test carries a tiny data disc of its own.
mkdir -p "$OUT/testdisc"
echo "RecoveryKit QEMU test disc" > "$OUT/testdisc/RKTEST.TXT"
xorriso -as mkisofs -quiet -V RKTESTDISC -o "$OUT/testdisc.iso" "$OUT/testdisc" 2>/dev/null

# The firmware image, made by the very recoverykit inside the ISO under test.
TOOL=$OUT/recoverykit
rk_extract_tool "$ISO" "$TOOL" || rk_die "cannot extract usr/bin/recoverykit from the initramfs of $ISO"
rm -f "$OUT/$SIM_SCENARIO.bin"
"$TOOL" sim-image "$SIM_SCENARIO" -o "$OUT/$SIM_SCENARIO.bin" >/dev/null \
    || rk_die "recoverykit sim-image $SIM_SCENARIO failed on this machine"

# The main job, run inside the guest as autotest.sh (in $RECOVERYKIT_DATA). The image sits in a
# subfolder: unbrick must find it there too (it looks in the data folder, subfolders included).
cat > "$OUT/autotest.sh" <<EOF
# RecoveryKit media test (scripts/test-iso.sh): the main job on the booted stick.
fail=0
step() {
    name=\$1; shift
    echo "AUTOTEST-BEGIN \$name: \$*"
    "\$@"
    rc=\$?
    echo "AUTOTEST \$name rc=\$rc"
    [ \$rc -eq 0 ] || fail=1
}
mkdir -p transcripts
step inspect recoverykit inspect images/$SIM_SCENARIO.bin
step flash recoverykit flash --device sim:$SIM_SCENARIO images/$SIM_SCENARIO.bin --yes
# A register transcript lands on the stick too (a scan's: a whole flash's is ~400 MB per MiB).
step transcript recoverykit scan --device sim:$SIM_SCENARIO --transcript transcripts/scan.txt
step unbrick recoverykit unbrick --simulate --yes
# Practice mode always takes its own practice image; the real wizard's image search (the data folder and its
# subfolders first) runs on the same virtual bench without --simulate, and must find images/.
step unbrick-stick recoverykit unbrick --device sim:$SIM_SCENARIO --yes
echo "AUTOTEST files:"
find . -type f | sort | while read -r f; do echo "  \$(wc -c < "\$f") \$f"; done
exit \$fail
EOF

# A plain FAT "data stick" (no partition table) with a recoverykit/ folder, for the CD
# combinations: there the image's own data partition does not exist, and /init must fall back
# to this stick, mount it read-write and use it the same way.
make_data_stick() {
    rm -f "$1"
    truncate -s 32M "$1"
    mformat -i "$1" -v RKDATA ::
    mmd -i "$1" ::/recoverykit
}

# ======================================================================= one boot
# Sets VERDICT, REASONS, NOTES, SECONDS_TAKEN and FIRST_LINE.
# shellcheck disable=SC2054  # commas inside QEMU option values, not array separators
run_combo() {
    local combo=$1 machine firmware media log data
    machine=${combo%%-*}
    firmware=$(echo "$combo" | cut -d- -f2)
    media=${combo##*-}
    log=$OUT/$combo.serial.log

    if [ "$media" = cd ]; then
        data=$OUT/$combo.data.img
        make_data_stick "$data"
        rk_qemu_args "$machine" "$firmware" cd "$ISO" "$log" "$OUT/$combo.vars.fd"
        RK_QEMU_ARGS+=(-drive "if=none,id=data,format=raw,file=$data"
                       -device usb-storage,bus=xhci.0,drive=data)
    else
        data=$OUT/$combo.stick.img
        rm -f "$data"
        if [ "$machine" = pc ]; then
            # A 128 MiB stick written by make-stick.sh: data partition grown to FAT32.
            truncate -s 128M "$data"
            "$ROOT/scripts/make-stick.sh" --yes --image "$ISO" "$data" > "$OUT/$combo.make-stick.log" 2>&1 \
                || { VERDICT=FAIL; REASONS="make-stick.sh failed: $(tail -n 1 "$OUT/$combo.make-stick.log")"; SECONDS_TAKEN=0; FIRST_LINE=none; return; }
        else
            # The image as dd or an imager in DD mode writes it: the data partition as built.
            cp "$ISO" "$data"
        fi
        rk_qemu_args "$machine" "$firmware" usb "$data" "$log" "$OUT/$combo.vars.fd"
    fi
    rk_data_put "$data" "$OUT/autotest.sh" autotest.sh
    rk_data_put "$data" "$OUT/$SIM_SCENARIO.bin" "images/$SIM_SCENARIO.bin"

    # The drive under test: secondary master on PIIX; an AHCI port on q35.
    RK_QEMU_ARGS+=(-drive "if=none,id=td,media=cdrom,readonly=on,format=raw,file=$OUT/testdisc.iso")
    if [ "$machine" = pc ]; then
        RK_QEMU_ARGS+=(-device "ide-cd,drive=td,bus=ide.1,unit=0,serial=$TEST_SERIAL")
    else
        RK_QEMU_ARGS+=(-device "ide-cd,drive=td,bus=ide.2,serial=$TEST_SERIAL")
    fi

    rk_qemu_run "$TIMEOUT" "$log" "$OUT/$combo.qemu.log"
    SECONDS_TAKEN=$RK_QEMU_SECONDS
    FIRST_LINE=${RK_QEMU_FIRST_LINE_SECONDS:-none}

    VERDICT=PASS
    REASONS=
    local notes=
    fail() { VERDICT=FAIL; REASONS="$REASONS; $*"; }
    note() { notes="$notes; $*"; }

    if [ "$RK_QEMU_PANIC" = 1 ]; then
        fail "kernel panic: $(grep -m1 -o 'Kernel panic - not syncing.*' "$log" | head -c 120)"
    elif [ "$RK_QEMU_RC" -eq 124 ]; then
        fail "timed out after ${TIMEOUT}s"
    elif [ "$RK_QEMU_RC" -ne 0 ]; then
        fail "qemu exit $RK_QEMU_RC ($(head -c 200 "$OUT/$combo.qemu.log" | tr '\n' ' '))"
    fi
    [ -f "$log" ] || { fail "no serial log"; return; }
    # Serial output can carry CRs and escape sequences; work on a cleaned copy.
    rk_clean_serial "$log"
    local txt=$log.txt

    grep -q '^RK-TEST-BEGIN mode=raw ' "$txt" || fail "no RK-TEST-BEGIN in raw mode (default menu entry did not reach /init test mode)"
    grep -q '^RK-TEST-BEGIN .*cx16=yes' "$txt" || fail "guest CPU without cx16"
    grep -q '^RK-TEST-DONE rc=' "$txt" || fail "no RK-TEST-DONE marker"

    local required pending req_out pend_out must must_not
    if [ "$machine" = pc ]; then
        required=$REQUIRED_STEPS_PC; pending=$PENDING_STEPS_PC
        req_out=("${REQUIRED_OUTPUT_PC[@]}"); pend_out=(${PENDING_OUTPUT_PC[@]+"${PENDING_OUTPUT_PC[@]}"})
        must=("${KERNEL_MUST_PC[@]}"); must_not=("${KERNEL_MUST_NOT_PC[@]}")
    else
        required=$REQUIRED_STEPS_Q35; pending=$PENDING_STEPS_Q35
        req_out=("${REQUIRED_OUTPUT_Q35[@]}"); pend_out=(${PENDING_OUTPUT_Q35[@]+"${PENDING_OUTPUT_Q35[@]}"})
        must=("${KERNEL_MUST_Q35[@]}"); must_not=(${KERNEL_MUST_NOT_Q35[@]+"${KERNEL_MUST_NOT_Q35[@]}"})
    fi
    local s rc
    for s in $required; do
        rc=$(rk_step_rc "$txt" "$s")
        [ "$rc" = 0 ] || fail "step $s rc=${rc:-missing}"
    done
    for s in $pending; do
        rc=$(rk_step_rc "$txt" "$s")
        [ "$rc" = 0 ] || note "pending step $s rc=${rc:-missing}"
    done
    local pair step re
    for pair in ${req_out[@]+"${req_out[@]}"}; do
        step=${pair%%|*}; re=${pair#*|}
        rk_step_output "$txt" "$step" | grep -E -- "$re" >/dev/null || fail "step $step output lacks /$re/"
    done
    for pair in ${pend_out[@]+"${pend_out[@]}"}; do
        step=${pair%%|*}; re=${pair#*|}
        rk_step_output "$txt" "$step" | grep -E -- "$re" >/dev/null || note "pending: step $step output lacks /$re/"
    done
    for re in ${must[@]+"${must[@]}"}; do
        grep -qE -- "^RK-KERNEL-ATA $re" "$txt" || fail "kernel did not identify: $re"
    done
    for re in ${must_not[@]+"${must_not[@]}"}; do
        grep -qE -- "^RK-KERNEL-ATA $re" "$txt" && fail "kernel identified (must not): $re"
    done

    # Where the data folder must have been: the image's own RECOVERYKIT partition when booted
    # from the stick; the separate FAT stick (fallback) when booted from CD.
    if [ "$media" = usb ]; then
        grep -q '^RK-DATA state=rw .*partition=RECOVERYKIT' "$txt" || fail "the stick's RECOVERYKIT partition was not mounted read-write"
        if [ "$machine" = pc ]; then
            MTOOLS_SKIP_CHECK=1 minfo -i "$(rk_mtools_target "$data")" :: 2>/dev/null | grep -q 'disk type="FAT32' \
                || fail "make-stick.sh did not leave a FAT32 data partition"
        fi
    else
        grep -q '^RK-DATA state=rw ' "$txt" || fail "FAT data stick not mounted read-write"
        grep -q 'no RECOVERYKIT data partition' "$txt" || fail "/init did not say the CD has no data partition"
    fi

    # After power-off: what the guest left on the data partition.
    local listing=$OUT/$combo.data.ls
    rk_data_ls "$data" > "$listing" || true
    grep -q '/logs/rk-init-.*\.log' "$listing" || fail "no rk-init-*.log in recoverykit/logs after power-off"
    grep -q '/logs/recoverykit-.*-flash\.log' "$listing" || fail "no flash session log in recoverykit/logs"
    grep -q '/logs/recoverykit-.*-unbrick\.log' "$listing" || fail "no unbrick session log in recoverykit/logs"
    grep -q '/autotest\.log' "$listing" || fail "no autotest.log in recoverykit/"
    grep -q '/transcripts/scan\.txt' "$listing" || fail "no scan transcript in recoverykit/transcripts"
    local backups=$OUT/$combo.backups
    rm -rf "$backups"; mkdir -p "$backups"
    rk_data_get "$data" images "$backups" 2>/dev/null || true
    local b found=0
    for b in "$backups"/images/"$SIM_SCENARIO"-backup-*.bin; do
        [ -f "$b" ] || continue
        found=$((found + 1))
        [ "$(stat -c %s "$b")" = "$FLASH_BYTES" ] || fail "backup $(basename "$b") is $(stat -c %s "$b") bytes, not the flash's $FLASH_BYTES"
    done
    # flash and the wizard's real image search (which picks the same image from images/) each back up first.
    [ "$found" -ge 2 ] || fail "expected the backups of flash and unbrick beside images/$SIM_SCENARIO.bin, found $found"
    rk_data_get "$data" autotest.log "$OUT/$combo.autotest.log" 2>/dev/null || true

    REASONS=${REASONS#; }
    NOTES=${notes#; }
}

# ======================================================================= all combinations
overall=0
summary=()
total_start=$(date +%s)
for combo in $COMBOS; do
    case "$combo" in pc-bios-cd|pc-bios-usb|q35-uefi-cd|q35-uefi-usb) ;; *) rk_die "unknown combination $combo" ;; esac
    echo "== $combo (timeout ${TIMEOUT}s)"
    NOTES=
    run_combo "$combo"
    line="$VERDICT $combo: first tool line after ${FIRST_LINE}s, powered off after ${SECONDS_TAKEN}s"
    [ -n "$REASONS" ] && line="$line: $REASONS"
    [ -n "$NOTES" ] && line="$line [not yet required: $NOTES]"
    summary+=("$line")
    [ "$VERDICT" = PASS ] || overall=1
    grep -E '^(RK-TEST-BEGIN|RK-STEP |RK-KERNEL-ATA|RK-DATA|RK-AUTOTEST|AUTOTEST |RK-TEST-DONE|rk-init: (raw mode|NO |no RECOVERYKIT|data folder))' "$OUT/$combo.serial.log.txt" 2>/dev/null | sed 's/^/   | /' || true
    echo "   serial log: ${OUT#"$ROOT"/}/$combo.serial.log"
done
echo "== verdicts ($(( $(date +%s) - total_start )) s in total)"
printf '%s\n' "${summary[@]}"
exit $overall
