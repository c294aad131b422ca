#!/usr/bin/env bash
# Issue 8: how fast is RecoveryKit, measured. Builds the harness (bench/RecoveryKit.Bench, not in the .sln),
# publishes the NativeAOT CLI, and prints ONE table: register I/O operations and virtual seconds on the
# virtual drive (datasheet typical times, 1 µs port cycle) for 512 KiB/1 MiB/2 MiB images on 4 KiB- and
# 64 KiB-sector chips, full rewrite and realistic update, against the MtkFlash way and the device-bound floor;
# then host-side wall/CPU/peak RSS of the AOT binary. Results also go to bench/results/<date>-<host>.{md,json}.
# Bounded: ~1 minute of harness time plus the AOT publish (a few minutes when not up to date).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [[ ! -x /usr/bin/time ]]; then
  echo "bench.sh: /usr/bin/time is missing (apt-get install time)" >&2
  exit 2
fi

echo "== building the harness" >&2
dotnet build bench/RecoveryKit.Bench -c Release -nologo -v quiet -clp:ErrorsOnly >&2

BIN=out/linux-x64/recoverykit
if [[ "${SKIP_PUBLISH:-0}" != 1 ]]; then
  echo "== publishing the NativeAOT CLI to out/linux-x64" >&2
  timeout 900 dotnet publish src/RecoveryKit.Cli -r linux-x64 -c Release -o out/linux-x64 -nologo -v quiet -clp:ErrorsOnly >&2
fi

echo "== running (bounded to 10 minutes)" >&2
timeout 600 dotnet bench/RecoveryKit.Bench/bin/Release/net10.0/RecoveryKit.Bench.dll perf --out bench/results --binary "$PWD/$BIN" "$@"

# Issue 15: what --transcript costs on a 1 MiB flash (AOT binary; CPU seconds, user+sys) of sim:update-ldw411s and
# sim:dead-ldw411s; the raw format once. Targets: compact transcript ≤ 8 MiB and ≤ 10 % of the flash's CPU time.
# Runs with and without the transcript alternate (5 pairs, best of each), so that a load change on a shared machine
# hits both alike. Self-contained: prints its own table (bench/results/2026-11-30-transcript-cost.md).
echo "== transcript cost (1 MiB flash)" >&2
T="$(mktemp -d /tmp/rk-bench-transcript.XXXXXX)"
cpu1() { # cpu1 BENCH ARGS... → one run's user+sys seconds
  local bench="$1"; shift
  rm -f "$T"/t.txt "$T"/fw-backup-*
  /usr/bin/time -f "%U %S %e" -o "$T/time" "$BIN" flash --device "sim:$bench" "$T/fw.bin" --yes --log "$T/log" "$@" >/dev/null
  awk '{printf "%.2f", $1 + $2}' "$T/time"
}
best() { printf '%s\n' "$@" | sort -n | head -n 1; }
echo "| bench | transcript | CPU s (user+sys, best of 5) | cost | size | lines |"
echo "|---|---|---|---|---|---|"
for bench in update-ldw411s dead-ldw411s; do
  rm -f "$T/fw.bin"
  "$BIN" sim-image "$bench" -o "$T/fw.bin" >/dev/null
  plain_runs=(); compact_runs=()
  for i in 1 2 3 4 5; do
    plain_runs+=("$(cpu1 "$bench")")
    compact_runs+=("$(cpu1 "$bench" --transcript "$T/t.txt")")
  done
  plain="$(best "${plain_runs[@]}")"; compact="$(best "${compact_runs[@]}")"
  compact_size="$(stat -c %s "$T/t.txt")"; compact_lines="$(wc -l < "$T/t.txt")"
  cost="$(awk "BEGIN{printf \"%+.0f %%\", ($compact - $plain) * 100 / $plain}")"
  echo "| $bench | none | $plain | – | – | – |"
  echo "| $bench | compact (--transcript) | $compact | $cost | $(( compact_size / 1024 )) KiB | $compact_lines |"
done
rm -f "$T"/t.txt "$T"/fw-backup-* "$T/fw.bin"
"$BIN" sim-image update-ldw411s -o "$T/fw.bin" >/dev/null
/usr/bin/time -f "%U %S %e" -o "$T/time" "$BIN" flash --device sim:update-ldw411s "$T/fw.bin" --yes --log "$T/log" --transcript "$T/t.txt" --transcript-raw >/dev/null
raw="$(awk '{printf "%.2f", $1 + $2}' "$T/time")"; raw_size="$(stat -c %s "$T/t.txt")"
echo "| update-ldw411s | raw (--transcript-raw), once | $raw | – | $(( raw_size / 1048576 )) MiB | – |"
rm -rf "$T"

# Issue 13: the SPI drives (and the command-register TS-H943A) on their virtual benches, through the AOT binary.
# Each row: the drive time RecoveryKit spent (virtual seconds, from 'flash --json') against a floor made of the
# datasheet typical times of what the plan must do — one sector erase per erased sector, one page program per
# 256 bytes to program (chips.json) — plus the least register traffic that carries it: every byte a PAGE PROGRAM
# sends goes through the buffer write (6 register writes + 1 status read at 1 µs each), every byte read back once
# (the whole-flash read-back) through the buffer read (5 writes + 1 status read + 1 data read).
echo "== SPI and command-register drives (AOT binary, virtual benches)" >&2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
{
  echo "| bench | chip | sectors erased | bytes programmed | drive time (s) | floor (s) | ratio |"
  echo "|---|---|---|---|---|---|---|"
  for s in dead-dg16d2s dead-dg16d4s dead-dg16d5s blank-vad6038 dead-ts-h943a; do
    "$BIN" sim-image "$s" -o "$T/$s.bin" >/dev/null
    "$BIN" flash 3 "$T/$s.bin" --device "sim:$s" --yes --write-bootcode --yes-bootcode --json --log "$T/$s.log" >"$T/$s.json" 2>/dev/null || true
    python3 - "$T/$s.json" "$s" <<'PY'
import json, sys
out = open(sys.argv[1]).read()
doc = json.loads(out[out.index('{'):])
chips = {c["name"]: c for c in json.load(open("src/RecoveryKit/Profiles/chips.json"))["chips"]}
chip = chips[doc["chip"]]
plan = doc["plan"]
spi = chip.get("bus") == "spi"
page = chip.get("pageSize") or 1
erase_s = plan["sectorsToErase"] * chip["sectorEraseMs"]["typical"] / 1000
if spi:
    pages = -(-plan["bytesToProgram"] // page)
    program_s = pages * chip["programUs"]["typical"] / 1e6
    regs_s = (plan["bytesToProgram"] * 7 + chip["sizeBytes"] * 7) / 1e6
else:
    program_s = plan["bytesToProgram"] * chip["programUs"]["typical"] / 1e6
    regs_s = (plan["bytesToProgram"] * 9 * 4 + chip["sizeBytes"] * 7) / 1e6
floor = erase_s + program_s + regs_s
t = doc["deviceTimeSeconds"]
print(f"| sim:{sys.argv[2]} | {doc['chip']} | {plan['sectorsToErase']} | {plan['bytesToProgram']} | {t:.2f} | {floor:.2f} | {t / floor:.1f}× |")
PY
  done
} | tee "bench/results/$(date +%F)-$(hostname)-spi.md"
