#!/usr/bin/env bash
# Boot the RecoveryKit ISO in QEMU (TCG, -cpu max) in four combinations and check what the
# recovery system reports on its serial console.
#
#   scripts/test-iso.sh [ISO]          default ISO: build/recoverykit.iso
#
# Test mode is switched on from outside, without changing the ISO: QEMU sets the SMBIOS system
# serial to "rk-test"; GRUB then skips its countdown and /init (boot/linux/init) runs the tool's
# test steps, prints "RK-STEP <name> rc=<n>" per step and "RK-TEST-DONE rc=<failed steps>",
# and powers off. Every QEMU run is bounded by `timeout`.
#
# Environment (optional):
#   RK_TEST_COMBOS   subset of: pc-bios-cd pc-bios-usb q35-uefi-cd q35-uefi-usb
#   RK_TEST_TIMEOUT  seconds per boot (default 240)
#   RK_TEST_MEM      guest memory in MiB (default 512)
set -euo pipefail

# ======================================================================= expectations
# The drive under test: an ATAPI CD-ROM with this serial, on the secondary master (0x170) on
# `pc` and on an AHCI port on `q35`. The boot CD is a QEMU DVD-ROM too, so only this exact
# serial proves the right drive was seen.
TEST_SERIAL=RKTEST0042

# Steps /init runs in test mode (RK-STEP lines). A step listed here must end with rc=0.
#   version   recoverykit --version
#   scan      recoverykit scan --json                        (booted mode: raw)
#   selftest  recoverykit selftest --device port:0x170:master
#   scan-all  recoverykit scan --json after loading all drivers (same boot)
REQUIRED_STEPS_PC="version scan selftest scan-all"
REQUIRED_STEPS_Q35="version scan scan-all"
# Steps reported but not failing the run (none now; selftest is not run on q35: it has no legacy port).
PENDING_STEPS_PC=""
PENDING_STEPS_Q35=""

# "step|extended regex" that must match that step's own output (between its RK-STEP-BEGIN and
# RK-STEP lines), so a serial printed by /init itself cannot satisfy it.
REQUIRED_OUTPUT_PC=("version|^[0-9]+\.[0-9]+\.[0-9]+" "selftest|$TEST_SERIAL" "selftest|SELFTEST PASS" "scan|$TEST_SERIAL" "scan-all|$TEST_SERIAL")
REQUIRED_OUTPUT_Q35=("version|^[0-9]+\.[0-9]+\.[0-9]+" "scan|AHCI: no task-file registers" "scan|$TEST_SERIAL" "scan-all|$TEST_SERIAL")
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
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ISO=${1:-$ROOT/build/recoverykit.iso}
OUT=$ROOT/build/test-iso
COMBOS=${RK_TEST_COMBOS:-"pc-bios-cd pc-bios-usb q35-uefi-cd q35-uefi-usb"}
TIMEOUT=${RK_TEST_TIMEOUT:-240}
MEM=${RK_TEST_MEM:-512}
OVMF_CODE=/usr/share/OVMF/OVMF_CODE.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS.fd

die() { printf 'test-iso: %s\n' "$*" >&2; exit 2; }
[ -f "$ISO" ] || die "no ISO at $ISO (run scripts/build-iso.sh)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
command -v xorriso >/dev/null || die "xorriso missing"
command -v mformat >/dev/null || die "mtools missing"
mkdir -p "$OUT"

# The drive under test carries a tiny data disc of its own.
mkdir -p "$OUT/testdisc"
echo "RecoveryKit QEMU test disc" > "$OUT/testdisc/RKTEST.TXT"
xorriso -as mkisofs -quiet -V RKTESTDISC -o "$OUT/testdisc.iso" "$OUT/testdisc" 2>/dev/null

# A FAT "data stick" with a recoverykit/ folder (CD combinations): /init must mount it
# read-write and leave its boot log there.
make_data_stick() {
    rm -f "$1"
    truncate -s 32M "$1"
    mformat -i "$1" -v RKDATA ::
    mmd -i "$1" ::/recoverykit
}

# ======================================================================= one boot
# Sets VERDICT, REASONS, NOTES and SECONDS_TAKEN.
# shellcheck disable=SC2054  # commas inside QEMU option values, not array separators
run_combo() {
    local combo=$1 machine firmware media log data=
    machine=${combo%%-*}
    firmware=$(echo "$combo" | cut -d- -f2)
    media=${combo##*-}
    log=$OUT/$combo.serial.log
    rm -f "$log"

    local args=(-accel tcg -cpu max -smp 1 -m "$MEM" -M "$machine" -nodefaults -display none
        -vga std -no-reboot -monitor none -serial "file:$log"
        -smbios type=1,serial=rk-test)
    if [ "$firmware" = uefi ]; then
        if [ ! -f "$OVMF_CODE" ] || [ ! -f "$OVMF_VARS" ]; then
            VERDICT=FAIL; REASONS="OVMF missing (apt-get install ovmf)"; SECONDS_TAKEN=0; return
        fi
        cp "$OVMF_VARS" "$OUT/$combo.vars.fd"
        args+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
               -drive "if=pflash,format=raw,unit=1,file=$OUT/$combo.vars.fd")
    fi
    args+=(-device qemu-xhci,id=xhci)
    if [ "$media" = cd ]; then
        args+=(-drive "if=none,id=boot,media=cdrom,readonly=on,format=raw,file=$ISO"
               -device ide-cd,drive=boot,bus=ide.0,unit=0,bootindex=0)
        data=$OUT/$combo.data.img
        make_data_stick "$data"
        args+=(-drive "if=none,id=data,format=raw,file=$data"
               -device usb-storage,bus=xhci.0,drive=data)
    else
        args+=(-drive "if=none,id=stick,readonly=on,format=raw,file=$ISO"
               -device usb-storage,bus=xhci.0,drive=stick,bootindex=0)
    fi
    # The drive under test: secondary master on PIIX; an AHCI port on q35.
    args+=(-drive "if=none,id=td,media=cdrom,readonly=on,format=raw,file=$OUT/testdisc.iso")
    if [ "$machine" = pc ]; then
        args+=(-device "ide-cd,drive=td,bus=ide.1,unit=0,serial=$TEST_SERIAL")
    else
        args+=(-device "ide-cd,drive=td,bus=ide.2,serial=$TEST_SERIAL")
    fi

    printf '%s\n' "qemu-system-x86_64 ${args[*]}" > "$OUT/$combo.cmdline"
    local start qrc=0
    start=$(date +%s)
    timeout -k 10 "$TIMEOUT" qemu-system-x86_64 "${args[@]}" > "$OUT/$combo.qemu.log" 2>&1 &
    local qpid=$! panicked=0
    # A kernel panic never powers off: stop waiting for the timeout once one is on the console.
    while kill -0 "$qpid" 2>/dev/null; do
        if grep -q 'Kernel panic - not syncing' "$log" 2>/dev/null; then
            panicked=1
            sleep 2
            kill "$qpid" 2>/dev/null || true
            break
        fi
        sleep 2
    done
    wait "$qpid" || qrc=$?
    SECONDS_TAKEN=$(( $(date +%s) - start ))

    VERDICT=PASS
    REASONS=
    local notes=
    fail() { VERDICT=FAIL; REASONS="$REASONS; $*"; }
    note() { notes="$notes; $*"; }

    if [ $panicked = 1 ]; then
        fail "kernel panic: $(grep -m1 -o 'Kernel panic - not syncing.*' "$log" | head -c 120)"
    elif [ $qrc -eq 124 ]; then
        fail "timed out after ${TIMEOUT}s"
    elif [ $qrc -ne 0 ]; then
        fail "qemu exit $qrc ($(head -c 200 "$OUT/$combo.qemu.log" | tr '\n' ' '))"
    fi
    [ -f "$log" ] || { fail "no serial log"; return; }
    # Serial output can carry CRs and escape sequences; work on a cleaned copy.
    tr -d '\r' < "$log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' > "$log.txt"
    local txt=$log.txt

    grep -q '^RK-TEST-BEGIN mode=raw ' "$txt" || fail "no RK-TEST-BEGIN in raw mode (default menu entry did not reach /init test mode)"
    grep -q '^RK-TEST-BEGIN .*cx16=yes' "$txt" || fail "guest CPU without cx16"
    grep -q '^RK-TEST-DONE rc=' "$txt" || fail "no RK-TEST-DONE marker"

    local required pending req_out pend_out must must_not
    if [ "$machine" = pc ]; then
        required=$REQUIRED_STEPS_PC; pending=$PENDING_STEPS_PC
        req_out=("${REQUIRED_OUTPUT_PC[@]}"); pend_out=("${PENDING_OUTPUT_PC[@]}")
        must=("${KERNEL_MUST_PC[@]}"); must_not=("${KERNEL_MUST_NOT_PC[@]}")
    else
        required=$REQUIRED_STEPS_Q35; pending=$PENDING_STEPS_Q35
        req_out=("${REQUIRED_OUTPUT_Q35[@]}"); pend_out=("${PENDING_OUTPUT_Q35[@]}")
        must=("${KERNEL_MUST_Q35[@]}"); must_not=("${KERNEL_MUST_NOT_Q35[@]}")
    fi
    local s rc
    for s in $required; do
        rc=$(sed -n "s/^RK-STEP $s rc=\([0-9]*\)$/\1/p" "$txt" | tail -n 1)
        [ "$rc" = 0 ] || fail "step $s rc=${rc:-missing}"
    done
    for s in $pending; do
        rc=$(sed -n "s/^RK-STEP $s rc=\([0-9]*\)$/\1/p" "$txt" | tail -n 1)
        [ "$rc" = 0 ] || note "pending step $s rc=${rc:-missing}"
    done
    local pair step re
    for pair in ${req_out[@]+"${req_out[@]}"}; do
        step=${pair%%|*}; re=${pair#*|}
        step_output "$txt" "$step" | grep -qE -- "$re" || fail "step $step output lacks /$re/"
    done
    for pair in ${pend_out[@]+"${pend_out[@]}"}; do
        step=${pair%%|*}; re=${pair#*|}
        step_output "$txt" "$step" | grep -qE -- "$re" || note "pending: step $step output lacks /$re/"
    done
    for re in ${must[@]+"${must[@]}"}; do
        grep -qE -- "^RK-KERNEL-ATA $re" "$txt" || fail "kernel did not identify: $re"
    done
    for re in ${must_not[@]+"${must_not[@]}"}; do
        grep -qE -- "^RK-KERNEL-ATA $re" "$txt" && fail "kernel identified (must not): $re"
    done

    # Data folder: CD boots have a writable FAT stick; USB boots only the read-only ISO stick.
    if [ -n "$data" ]; then
        grep -q '^RK-DATA state=rw ' "$txt" || fail "FAT data stick not mounted read-write"
        if mdir -b -i "$data" ::/recoverykit/logs 2>/dev/null | grep -q 'rk-init-'; then
            :
        else
            fail "no rk-init-*.log on the data stick after power-off"
        fi
    else
        grep -q '^RK-DATA state=ram ' "$txt" || fail "expected the RAM data folder (no writable stick)"
        grep -q 'NO WRITABLE DATA FOLDER\|NO DATA FOLDER FOUND' "$txt" || fail "/init did not say the logs stay in RAM"
    fi
    REASONS=${REASONS#; }
    NOTES=${notes#; }
}

# Output of one test step: the lines between "RK-STEP-BEGIN <step>:" and "RK-STEP <step> rc=".
step_output() {
    awk -v s="$2" '
        index($0, "RK-STEP-BEGIN " s ":") == 1 { on = 1; next }
        index($0, "RK-STEP " s " rc=") == 1 { on = 0 }
        on { print }
    ' "$1"
}

# ======================================================================= all combinations
overall=0
summary=()
total_start=$(date +%s)
for combo in $COMBOS; do
    case "$combo" in pc-bios-cd|pc-bios-usb|q35-uefi-cd|q35-uefi-usb) ;; *) die "unknown combination $combo" ;; esac
    echo "== $combo (timeout ${TIMEOUT}s)"
    NOTES=
    run_combo "$combo"
    line="$VERDICT $combo ${SECONDS_TAKEN}s"
    [ -n "$REASONS" ] && line="$line: $REASONS"
    [ -n "$NOTES" ] && line="$line [not yet required: $NOTES]"
    summary+=("$line")
    [ "$VERDICT" = PASS ] || overall=1
    grep -E '^(RK-TEST-BEGIN|RK-STEP |RK-KERNEL-ATA|RK-DATA|RK-TEST-DONE|rk-init: (raw mode|NO |data folder))' "$OUT/$combo.serial.log.txt" 2>/dev/null | sed 's/^/   | /' || true
    echo "   serial log: ${OUT#"$ROOT"/}/$combo.serial.log"
done
echo "== verdicts ($(( $(date +%s) - total_start )) s in total)"
printf '%s\n' "${summary[@]}"
exit $overall
