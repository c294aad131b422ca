#!/usr/bin/env bash
# Issue 11 variant campaign: does RecoveryKit stay safe when a drive differs from our reconstruction of it?
#
# Every variant in scripts/variants/*.json, alone and in the combinations listed below, against every
# MediaTek scenario of 'recoverykit sim-image --list': 'flash POSITION IMAGE --yes' on the virtual bench with
# '--variant' and '--sim-dump'. Each run is judged ONLY from bytes: the drive's flash after the run (the
# --sim-dump file) against its flash before (a 'scan --sim-dump' of the same scenario, which never enters
# vendor mode) and the recovery image ('sim-image'). RecoveryKit's exit code and messages are shown, never used.
#
#   recovered  the flash now equals the image
#   refused    the flash is exactly as it was (nothing was erased or written)
#   stopped    boot bank as it was, every other 4 KiB block either as before or as the image: allowed only where
#              the faithful drive (no variant) cannot be recovered either (e.g. worn-ldw411s, a part that never
#              finishes an erase), because there the scenario itself makes a full recovery impossible
#   DAMAGED    anything else: the boot bank (the first 64 KiB, PROTOCOL.md §6; no run here gives
#              --write-bootcode) changed, or blocks hold neither the old nor the new content, or a drive left
#              partly written where the faithful one is recovered
#
# Prints one table (variant × scenario) and ends with 'N passed, N failed' (failed = DAMAGED). Exit 0 when
# nothing was DAMAGED, 1 otherwise. Uses the AOT binary out/linux-x64/recoverykit (published here when missing or
# older than the sources; RK=PATH to use another). JOBS=N runs N at once (default: the number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq >/dev/null && apt-get install -y -qq "$2" >/dev/null
    fi
    command -v "$1" >/dev/null 2>&1 || { echo "variants.sh: needs $1 (apt-get install $2)" >&2; exit 2; }
}
need jq jq
need python3 python3
need cmp diffutils

RK="${RK:-$ROOT/out/linux-x64/recoverykit}"
if [ "$RK" = "$ROOT/out/linux-x64/recoverykit" ]; then
    if [ ! -x "$RK" ] || [ -n "$(find src -name '*.cs' -newer "$RK" -print -quit)" ] || [ -n "$(find src -name '*.json' -newer "$RK" -print -quit)" ]; then
        echo "publishing the AOT binary (out/linux-x64) ..." >&2
        dotnet publish src/RecoveryKit.Cli -r linux-x64 -c Release -o out/linux-x64 -nologo -v quiet >&2
    fi
fi

# Combinations: variants a real drive could plausibly have together.
COMBOS=(
    "ignores-bank-bits+no-device-echo"
    "command-register+ignores-bank-bits"
    "slow-chip+busy-after-reset+identify-device-slow+slow-intro"
    "ignores-outro+busy-after-reset"
    "other-intro-key+erase-trigger-2e"
)

WORK=$(mktemp -d /tmp/rk-variants.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/variants"

VARIANTS=(faithful faithful-backup)
echo '{ "note": "no difference: the drive the profiles describe" }' > "$WORK/variants/faithful.json"
for f in scripts/variants/*.json; do
    name=$(basename "$f" .json)
    cp "$f" "$WORK/variants/$name.json"
    VARIANTS+=("$name")
done
for combo in "${COMBOS[@]}"; do
    files=()
    IFS=+ read -r -a parts <<<"$combo"
    for p in "${parts[@]}"; do files+=("scripts/variants/$p.json"); done
    jq -s --arg n "$combo" 'add | .note = ("combined: " + $n)' "${files[@]}" > "$WORK/variants/$combo.json"
    VARIANTS+=("$combo")
done

# The MediaTek scenarios, their images, starting flash and position.
mapfile -t SCENARIOS < <("$RK" sim-image --list | awk '$2 == "*" { print $1 }')
for s in "${SCENARIOS[@]}"; do
    mkdir -p "$WORK/s/$s"
    "$RK" sim-image "$s" -o "$WORK/s/$s/image.bin" >/dev/null
    "$RK" --device "sim:$s" --sim-dump "$WORK/s/$s/start" --log "$WORK/s/$s/scan.log" scan >"$WORK/s/$s/scan.out" 2>&1 || true
    starts=("$WORK/s/$s/start/"*.bin)
    if [ "${#starts[@]}" -gt 1 ]; then
        # Two MediaTek drives on one cable (shared-cable-ldw411s): the drive to recover is the one whose boot bank
        # the recovery image shares; the other is the neighbour, which a run without --shared-channel never touches.
        picked=()
        for f in "${starts[@]}"; do
            if cmp -s -n 65536 "$f" "$WORK/s/$s/image.bin"; then picked+=("$f"); fi
        done
        starts=("${picked[@]}")
    fi
    if [ "${#starts[@]}" -ne 1 ] || [ ! -f "${starts[0]}" ]; then
        echo "variants.sh: scenario $s: expected one MediaTek flash dump from 'scan --sim-dump', got ${#starts[@]}" >&2
        exit 2
    fi
    basename "${starts[0]}" .bin > "$WORK/s/$s/position"
    # The profile, for 'backup' of a dead drive (which cannot say what it is): the family its image fits
    # (every built-in profile is named after its family).
    "$RK" inspect "$WORK/s/$s/image.bin" | sed -n 's/^Family: *\([A-Za-z0-9-]*\).*/\1/p' | head -1 > "$WORK/s/$s/profile"
done

# One run: variant × scenario. The row 'faithful (backup)' runs 'backup' instead of 'flash': a read must never
# change the flash (issue 11 point 1: on a DG-16D2S a probe with key 2Eh erases it).
run_one() {
    local v="$1" s="$2" dir="$WORK/r/$1/$2" pos variant="$1" cmd
    pos=$(cat "$WORK/s/$s/position")
    mkdir -p "$dir"
    cmd=(flash "$pos" "$WORK/s/$s/image.bin" --yes --backup "$dir/backup.bin")
    if [ "$v" = "faithful-backup" ]; then
        variant=faithful
        cmd=(backup "$pos" -o "$dir/backup.bin" --profile "$(cat "$WORK/s/$s/profile")")
    fi
    local t0
    t0=$(date +%s%N)
    set +e
    timeout 120 "$RK" --device "sim:$s" --variant "$WORK/variants/$variant.json" --sim-dump "$dir/dump" --log "$dir/run.log" \
        "${cmd[@]}" >"$dir/out.txt" 2>&1
    echo $? > "$dir/exit"
    set -e
    echo $(( ($(date +%s%N) - t0) / 1000000 )) > "$dir/ms"
}
export -f run_one
export RK WORK

JOBS="${JOBS:-$(nproc)}"
start=$(date +%s)
for v in "${VARIANTS[@]}"; do
    for s in "${SCENARIOS[@]}"; do
        printf '%s\t%s\n' "$v" "$s"
    done
done | xargs -P "$JOBS" -L 1 bash -c 'run_one "$0" "$1"'
elapsed=$(( $(date +%s) - start ))

# Judge from bytes only, then print.
status=0
python3 - "$WORK" "${#VARIANTS[@]}" "${VARIANTS[@]}" "${SCENARIOS[@]}" <<'PY' || status=$?
import os, sys
work = sys.argv[1]
nv = int(sys.argv[2])
variants = sys.argv[3:3 + nv]
scenarios = sys.argv[3 + nv:]
BLOCK, BOOT = 0x1000, 0x10000

def read(p):
    try:
        with open(p, 'rb') as f:
            return f.read()
    except OSError:
        return None

def judge(s, v):
    d = f"{work}/r/{v}/{s}"
    pos = open(f"{work}/s/{s}/position").read().strip()
    start = read(f"{work}/s/{s}/start/{pos}.bin")
    image = read(f"{work}/s/{s}/image.bin")
    final = read(f"{d}/dump/{pos}.bin")
    code = (open(f"{d}/exit").read().strip() if os.path.exists(f"{d}/exit") else "?")
    if final is None or len(final) != len(start):
        return "DAMAGED", "no flash dump after the run", code
    if final[:BOOT] != start[:BOOT]:
        n = sum(1 for a in range(0, BOOT, BLOCK) if final[a:a + BLOCK] != start[a:a + BLOCK])
        return "DAMAGED", f"boot bank changed ({n} of {BOOT // BLOCK} blocks)", code
    if final == image[:len(final)] and len(image) == len(final):
        return "recovered", "", code
    if final == start:
        return "refused", "", code
    neither = rewritten = 0
    for a in range(0, len(final), BLOCK):
        f = final[a:a + BLOCK]
        if f == start[a:a + BLOCK]:
            continue
        if f == image[a:a + BLOCK]:
            rewritten += 1
        else:
            neither += 1
    if neither:
        return "DAMAGED", f"{neither} blocks hold neither the old nor the new content", code
    return "stopped", f"{rewritten} blocks rewritten, the rest as before", code

results = {(v, s): judge(s, v) for v in variants for s in scenarios}
# 'stopped' is allowed only where the faithful drive is not recovered either.
allow_stopped = {s for s in scenarios if results[("faithful", s)][0] != "recovered"}
failed = passed = 0
short = {"recovered": "recovered", "refused": "refused", "stopped": "stopped", "DAMAGED": "DAMAGED"}
width = max(len(v) for v in variants)
cols = [s for s in scenarios]
print(f"{'variant':<{width}} | " + " | ".join(f"{c:<19}" for c in cols))
print("-" * width + "-|-" + "-|-".join("-" * 19 for _ in cols))
notes = []
for v in variants:
    cells = []
    for s in scenarios:
        outcome, why, code = results[(v, s)]
        if outcome == "stopped" and s not in allow_stopped:
            outcome, why = "DAMAGED", "partly written where the faithful drive is recovered: " + why
        if outcome == "DAMAGED":
            failed += 1
            notes.append(f"  DAMAGED {v} × {s} (exit {code}): {why}")
        else:
            passed += 1
        cells.append(f"{outcome} ({code})".ljust(19))
    print(f"{v:<{width}} | " + " | ".join(cells))
print()
print("(exit code of 'recoverykit flash' in brackets: shown, not judged)")
if notes:
    print("\n".join(notes))
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
echo "($(( ${#VARIANTS[@]} * ${#SCENARIOS[@]} )) runs in ${elapsed} s, ${JOBS} at a time; slowest: $(for f in "$WORK"/r/*/*/ms; do echo "$(cat "$f") ${f#"$WORK"/r/}"; done | sort -rn | head -3 | awk '{ printf "%s %.1f s; ", $2, $1 / 1000 }'))" >&2
exit $status
