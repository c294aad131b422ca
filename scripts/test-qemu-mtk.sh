#!/usr/bin/env bash
# The technician's job, end to end, inside QEMU: boot the recovery stick on `pc` + SeaBIOS with a hard
# disk on primary master and a dead Lite-On LDW-411S (the rk-mtk-drive of tests/qemu/) on secondary
# master; test mode runs the wizard on the raw ports; after the guest powers off, everything is checked
# from outside the guest.
#
#   scripts/test-qemu-mtk.sh [STICK]        default STICK: build/recoverykit.iso (with its RECOVERYKIT
#                                           data partition, scripts/build-iso.sh)
#
# Cases (RK_QEMU_CASES, default "recover hotplug"):
#   recover   the drive is powered at boot; autotest.sh runs `recoverykit unbrick --yes --image fw.bin`
#   hotplug   the drive starts with power=off (the technician plugs the power connector in after boot):
#             the wizard finds no drive and asks for R; the harness powers the drive on through QMP
#             (qom-set power=true) and presses R on the serial console; the wizard rescans and goes on
#   post      (not in the default set) the drive stuck BSY at power-on: how long SeaBIOS spends at POST,
#             from its debug log (docs/recovery-media.md has what it did)
#
# Checks, from outside the guest once QEMU has exited:
#   - the device's flash file holds the image outside the boot block and the old boot block inside it
#     (the plan: "boot block untouched"); the boot code then takes the image as valid (families.json rule);
#   - the backup RecoveryKit left on the stick equals the flash file from before the run;
#   - the session log on the stick says the drive came back, answering with the new revision (FS0J);
#   - RecoveryKit's --transcript is one contiguous run of the device's own register log, access for access
#     (RecoveryKit writes the transcript to a raw USB disk of its own: ~45 million lines do not fit the
#     data partition).
#
# Environment (optional):
#   RK_QEMU          a qemu-system-x86_64 with rk-mtk-drive (default: scripts/build-qemu-mtk.sh, cached)
#   RK_BIN           a host recoverykit for `sim-image` (default: out/linux-x64/recoverykit, else dotnet run)
#   RK_QEMU_CASES    subset of: recover hotplug post
#   RK_QEMU_TIMEOUT  seconds per case (default 2400)
#   RK_QEMU_MEM      guest memory in MiB (default 768)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STICK=${1:-$ROOT/build/recoverykit.iso}
OUT=$ROOT/build/test-qemu-mtk
CASES=${RK_QEMU_CASES:-"recover hotplug"}
TIMEOUT=${RK_QEMU_TIMEOUT:-2400}
MEM=${RK_QEMU_MEM:-768}
HERE=$ROOT/tests/qemu
PROFILE=LDW-411S
NEW_REVISION=FS0J
BOOT_START=0x0
BOOT_LEN=0x10000   # families.json LDW-411S bootBlock (R2): the plan keeps it untouched without --write-bootcode

die() { printf 'test-qemu-mtk: %s\n' "$*" >&2; exit 2; }
say() { printf '== %s\n' "$*"; }
[ -f "$STICK" ] || die "no stick image at $STICK (run scripts/build-iso.sh)"

# ------------------------------------------------------------------ dependencies
need=()
command -v mcopy >/dev/null || need+=(mtools)
command -v python3 >/dev/null || need+=(python3)
[ -f /usr/share/seabios/bios-256k.bin ] || need+=(seabios)
if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing ${need[*]}: run as root or install them"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
QEMU=${RK_QEMU:-}
if [ -z "$QEMU" ]; then
    QEMU=$("$ROOT/scripts/build-qemu-mtk.sh" | tail -n 1)
fi
[ -x "$QEMU" ] || die "no QEMU at $QEMU"
if [ -n "${RK_BIN:-}" ]; then
    rk() { "$RK_BIN" "$@"; }
elif [ -x "$ROOT/out/linux-x64/recoverykit" ]; then
    rk() { "$ROOT/out/linux-x64/recoverykit" "$@"; }
else
    rk() { dotnet run --project "$ROOT/src/RecoveryKit.Cli" -c Release -- "$@"; }
fi
export MTOOLS_SKIP_CHECK=1

mkdir -p "$OUT"
OFFSET=$(python3 "$HERE/images.py" data-offset "$STICK")
say "stick $STICK: data partition RECOVERYKIT at byte $OFFSET; QEMU $QEMU"

# The new image and the dead drive's flash (an older revision, half re-written: fails the family rule)
rm -f "$OUT/fw.bin"   # sim-image never overwrites: a file from an earlier run goes first
rk sim-image dead-ldw411s -o "$OUT/fw.bin" >/dev/null
python3 "$HERE/images.py" dead "$OUT/fw.bin" "$OUT/dead-flash.bin"
python3 "$HERE/images.py" valid "$OUT/fw.bin" "$PROFILE" || die "sim-image wrote an image that fails the $PROFILE rule"

# ------------------------------------------------------------------ one case
# autotest.sh for the stick's test mode (the contract in scripts/test-iso.sh / boot/linux/init): the
# wizard's scripted form. $2 = what runs the wizard (hot-plug: `setsid -c` with the serial console as
# stdin and controlling terminal, so the wizard can ask for R and the harness can answer), $3 = its stdin.
write_autotest() {
    cat > "$1" <<EOF
#!/bin/sh
# Written by scripts/test-qemu-mtk.sh: the wizard, scripted; its raw transcript (one access per line, about
# 420 MB) goes to a FAT32 disk of its own labelled RKTRANSCR (too big for the data partition).
t=
for d in /dev/sd[a-z]; do
    [ -b "\$d" ] || continue
    dd if="\$d" bs=512 count=1 2>/dev/null | grep -q RKTRANSCR && t=\$d
done
echo "autotest: transcript disk \${t:-none}"
[ -n "\$t" ] || exit 90
mkdir -p /mnt/rktranscript && mount -t vfat "\$t" /mnt/rktranscript || exit 91
$2 recoverykit unbrick --yes --image "\$RECOVERYKIT_DATA/fw.bin" --log "\$RECOVERYKIT_DATA/unbrick.log" --transcript /mnt/rktranscript/t.txt --transcript-raw $3
rc=\$?
sync
umount /mnt/rktranscript
echo "autotest: unbrick rc=\$rc"
exit \$rc
EOF
}

run_case() {
    local name=$1 dir=$OUT/$1
    rm -rf "$dir"; mkdir -p "$dir"
    local stick=$dir/stick.img flash=$dir/flash.bin devlog=$dir/device.log tdisk=$dir/transcript.disk
    cp "$STICK" "$stick"
    cp "$OUT/dead-flash.bin" "$flash"
    cp "$OUT/dead-flash.bin" "$dir/flash-before.bin"
    truncate -s 64M "$dir/hd.img"
    truncate -s 1G "$tdisk"
    mformat -i "$tdisk" -F -v RKTRANSCR ::

    local power=on runner= stdin_redirect="</dev/null" extra=() hotplug=()
    case "$name" in
        hotplug) power=off; runner="setsid -c"; stdin_redirect="</dev/ttyS0 >/dev/ttyS0 2>&1"; hotplug=(--hotplug /machine/peripheral/mtk) ;;
        post) extra=(stuck-bsy=on) ;;
    esac
    if [ "$name" != post ]; then
        write_autotest "$dir/autotest.sh" "$runner" "$stdin_redirect"
        mcopy -o -i "$stick@@$OFFSET" "$dir/autotest.sh" "$OUT/fw.bin" ::/recoverykit/
    fi
    local devopts="rk-mtk-drive,id=mtk,bus=ide.1,unit=0,flash=$flash,profile=$PROFILE,power=$power"
    devopts="$devopts,profiles=$ROOT/src/RecoveryKit/Profiles,serial=RKMTK0411,log=$devlog"
    # busy-scale=0: the flash chip finishes a program or erase by the next read. RecoveryKit times each
    # poll against the datasheet (a byte program may take 20 us; it gives up after 40 us of the guest's
    # clock). Under TCG on a loaded host the guest's clock is not QEMU's (its TSC calibration drifts), and
    # a run died on a 14 us program judged as 40 us; -icount would fix the clocks but GRUB then took
    # minutes to load the kernel from USB. The busy times themselves are the device's default (100 %).
    devopts="$devopts,busy-scale=0"
    for e in ${extra[@]+"${extra[@]}"}; do devopts="$devopts,$e"; done
    # shellcheck disable=SC2054  # commas inside QEMU option values
    local args=(-accel tcg -cpu max -smp 1 -m "$MEM" -M pc -nodefaults -display none -vga none -no-reboot
        -L /usr/share/seabios -L /usr/share/qemu -L /usr/lib/ipxe/qemu
        -chardev "socket,id=ser,path=$dir/serial.sock,server=on,wait=on" -serial chardev:ser
        -qmp "unix:$dir/qmp.sock,server=on,wait=off"
        -chardev "file,id=dbg,path=$dir/seabios.log" -device isa-debugcon,iobase=0x402,chardev=dbg
        -smbios type=1,serial=rk-test
        -drive "if=none,id=hd,format=raw,file=$dir/hd.img" -device ide-hd,drive=hd,bus=ide.0,unit=0
        -device "$devopts"
        -device qemu-xhci,id=xhci
        -drive "if=none,id=stick,format=raw,file=$stick" -device usb-storage,bus=xhci.0,drive=stick,bootindex=0
        -drive "if=none,id=tdisk,format=raw,file=$tdisk" -device usb-storage,bus=xhci.0,drive=tdisk)
    printf '%q ' "$QEMU" "${args[@]}" > "$dir/cmdline"; echo >> "$dir/cmdline"

    local start rc=0 timeout=$TIMEOUT
    [ "$name" = post ] && timeout=600
    start=$(date +%s)
    python3 "$HERE/harness.py" --serial "$dir/serial.sock" --qmp "$dir/qmp.sock" --log "$dir/serial.log" \
        --timeout "$timeout" ${hotplug[@]+"${hotplug[@]}"} -- "$QEMU" "${args[@]}" \
        > "$dir/qemu.log" 2>&1 || rc=$?
    SECONDS_TAKEN=$(( $(date +%s) - start ))
    tr -d '\r' < "$dir/serial.log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' > "$dir/serial.txt"

    VERDICT=PASS; REASONS=
    fail() { VERDICT=FAIL; REASONS="$REASONS; $*"; }
    [ $rc -eq 124 ] && fail "timed out after ${timeout}s"
    [ $rc -ne 0 ] && [ $rc -ne 124 ] && fail "QEMU/harness exit $rc ($(tail -n 3 "$dir/qemu.log" | tr '\n' ' '))"
    # hot-plug: the wizard took the serial console as its terminal (setsid -c); when it ends the console is
    # hung up and /init's later lines are lost, so that case reads the verdict from autotest.log instead
    if [ "$name" != hotplug ]; then
        grep -q '^RK-TEST-DONE' "$dir/serial.txt" || fail "no RK-TEST-DONE on the serial console"
    fi

    if [ "$name" = post ]; then
        post_report "$dir"
        REASONS=${REASONS#; }
        return
    fi

    local arc=
    if [ "$name" != hotplug ]; then
        arc=$(sed -n 's/^RK-STEP autotest rc=\([0-9]*\)$/\1/p' "$dir/serial.txt" | tail -n 1)
        [ "$arc" = 0 ] || fail "autotest rc=${arc:-missing}"
    fi
    if [ "$name" = hotplug ]; then
        grep -q 'pressing R' "$dir/qemu.log" || fail "the wizard never asked for R (no rescan prompt seen)"
        grep -q 'No optical drive answers' "$dir/serial.txt" || fail "the wizard did not report the powered-off position as empty"
    fi

    # what the guest left on the stick
    mkdir -p "$dir/stick-out"
    mcopy -o -i "$stick@@$OFFSET" ::/recoverykit/unbrick.log "$dir/stick-out/" 2>/dev/null || fail "no unbrick.log on the stick"
    mcopy -o -i "$stick@@$OFFSET" ::/recoverykit/autotest.log "$dir/stick-out/" 2>/dev/null || true
    if [ "$name" = hotplug ]; then
        grep -q '^autotest: unbrick rc=0' "$dir/stick-out/autotest.log" 2>/dev/null ||
            fail "autotest.log on the stick lacks 'autotest: unbrick rc=0'"
    fi
    local backup
    backup=$(mdir -b -i "$stick@@$OFFSET" ::/recoverykit 2>/dev/null | grep -i 'fw-backup-.*\.bin$' | head -n 1 || true)
    if [ -n "$backup" ]; then
        mcopy -o -i "$stick@@$OFFSET" "$backup" "$dir/stick-out/backup.bin"
        cmp -s "$dir/stick-out/backup.bin" "$dir/flash-before.bin" || fail "the backup on the stick differs from the flash before the run"
    else
        fail "no fw-backup-*.bin on the stick"
    fi

    # the drive's flash after the run
    local why
    why=$(python3 "$HERE/images.py" check-flash "$flash" "$OUT/fw.bin" "$dir/flash-before.bin" "$BOOT_START" "$BOOT_LEN" 2>&1) ||
        fail "flash file: $why"
    python3 "$HERE/images.py" valid "$flash" "$PROFILE" || fail "the flash fails the $PROFILE validity rule after the run"
    if [ -f "$dir/stick-out/unbrick.log" ]; then
        local slog=$dir/stick-out/unbrick.log
        grep -q 'plan: .*boot block untouched' "$slog" || fail "session log: the plan did not keep the boot block"
        grep -qE "outro: .*answers as .* $NEW_REVISION" "$slog" || fail "session log: the drive did not come back as $NEW_REVISION"
        grep -q 'came back: True' "$slog" || fail "session log: outcome not 'came back: True'"
    fi

    # access for access: RecoveryKit's transcript is one contiguous run of the device's log (before it:
    # SeaBIOS, the built-in steps and the wizard's scans; after it: the all-drivers phase of test mode)
    # The raw transcript's header ('#' lines: command, bench) is not register traffic.
    if mcopy -n -i "$tdisk" ::/t.txt "$dir/transcript.raw" 2> "$dir/transcript.err" && grep -v '^#' "$dir/transcript.raw" > "$dir/transcript.txt"; then
        rm -f "$dir/transcript.raw"
        local n where
        n=$(wc -l < "$dir/transcript.txt")
        if [ "$n" -lt 1000 ]; then
            fail "transcript has only $n accesses"
        elif where=$(python3 "$HERE/images.py" contains "$devlog" "$dir/transcript.txt" 2>&1); then
            echo "   $where"
            TRANSCRIPT_LINES=$n
        else
            fail "device log vs transcript: $where"
        fi
    else
        fail "$(cat "$dir/transcript.err")"
    fi
    rm -f "$tdisk"   # 1 GiB sparse; transcript.txt keeps what it held
    REASONS=${REASONS#; }
}

# SeaBIOS at POST with the drive stuck BSY: its debug log (port 0x402) has timestamps only as ordering,
# so the time is measured between the first ATA probe line and the boot menu from QEMU's wall clock.
post_report() {
    local dir=$1
    grep -iE 'ata|timeout|Searching bootorder|Booting from' "$dir/seabios.log" | head -n 20 | sed 's/^/   seabios| /'
    grep -q '^RK-TEST-BEGIN' "$dir/serial.txt" || fail "the stick never reached /init with the stuck drive attached"
    grep -q '^RK-STEP scan rc=' "$dir/serial.txt" || fail "scan did not run"
    step_out "$dir/serial.txt" scan | grep -iE 'busy|80h|stuck' | head -n 5 | sed 's/^/   scan| /'
}

step_out() {
    awk -v s="$2" 'index($0, "RK-STEP-BEGIN " s ":") == 1 { on = 1; next }
                   index($0, "RK-STEP " s " rc=") == 1 { on = 0 } on { print }' "$1"
}

overall=0
summary=()
for c in $CASES; do
    case "$c" in recover|hotplug|post) ;; *) die "unknown case $c" ;; esac
    say "$c (timeout ${TIMEOUT}s)"
    TRANSCRIPT_LINES=0
    run_case "$c"
    line="$VERDICT $c ${SECONDS_TAKEN}s"
    [ "$TRANSCRIPT_LINES" -gt 0 ] && line="$line, $TRANSCRIPT_LINES accesses matched"
    [ -n "$REASONS" ] && line="$line: $REASONS"
    summary+=("$line")
    [ "$VERDICT" = PASS ] || overall=1
    grep -E '^(RK-TEST-BEGIN|RK-STEP |RK-TEST-DONE|autotest:|Step [0-9]|No optical)' "$OUT/$c/serial.txt" 2>/dev/null | sed 's/^/   | /' || true
done
say "verdicts"
printf '%s\n' "${summary[@]}"
exit $overall
