#!/usr/bin/env bash
# The JungleFlasher-era practice benches (issue 13), run through the NativeAOT binary exactly as a technician types
# the commands, and judged only from the virtual drive's flash (--sim-dump): never from RecoveryKit's own report.
#
#   scripts/aot-scenarios.sh [BINARY]      (default out/linux-x64/recoverykit; published first when missing)
#
# For each case: 'scan --sim-dump' gives the drive's flash before (scan never enters vendor mode), 'sim-image' the
# practice image, then the command runs with --sim-dump. A recovered drive must hold the image, except in its key
# block (PROTOCOL.md §7: 1FF00h, 20 bytes on the DG-16D2S; 3E000h, 4 KiB on slim drives), which must still be the
# drive's own whenever the drive had one. A refused run must end with the exit code named and the flash unchanged.
# The Lite-On erase route is run as two commands (erase, then the flash back with --sim-load) and must end with
# the drive's own flash, byte for byte. Prints one line per case and 'N passed, N failed'; exit 1 on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${1:-out/linux-x64/recoverykit}"
if [ ! -x "$BIN" ]; then
  echo "aot-scenarios.sh: $BIN not found: publishing it (dotnet publish, NativeAOT)" >&2
  if ! command -v gcc >/dev/null 2>&1 || ! dpkg-query -W -f='${db:Status-Status}' libssl-dev 2>/dev/null | grep -qx installed; then
    apt-get update -qq && apt-get install -y -qq gcc libssl-dev >/dev/null
  fi
  dotnet publish src/RecoveryKit.Cli -r linux-x64 -c Release -o out/linux-x64 >/dev/null
  BIN=out/linux-x64/recoverykit
fi
command -v python3 >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3 >/dev/null; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

work="$(mktemp -d /tmp/rk-aot-scenarios.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# scenario | key block (start:length, or -) | extra arguments | expected outcome (recovered, or the exit code)
CASES=(
  "dead-dg16d2s|0x1FF00:20||recovered"
  "locked-dg16d2s|0x1FF00:20|--try-locked|recovered"
  "locked-dg16d2s|0x1FF00:20||17"
  "wp-locked-dg16d2s|0x1FF00:20|--try-locked|17"
  "dead-dg16d4s|0x3E000:4096||recovered"
  "dead-dg16d5s|0x3E000:4096||recovered"
  "blank-vad6038|-||recovered"
  "dead-ts-h943a|-||recovered"
)

passed=0
failed=0
judge() { # name expected exit start image final key
  python3 - "$@" <<'PY'
import sys
name, expected, code, start, image, final, key = sys.argv[1:8]
start, final = open(start, "rb").read(), open(final, "rb").read()
if expected != "recovered":
    ok = code == expected and final == start
    why = f"exit {code} (want {expected}), flash {'unchanged' if final == start else 'CHANGED'}"
else:
    want = bytearray(open(image, "rb").read())
    if key != "-":
        at, n = (int(v, 0) for v in key.split(":"))
        own = start[at:at + n]
        if any(b != 0xFF for b in own):
            want[at:at + n] = own  # the drive keeps its own key block
    diff = [i for i in range(min(len(want), len(final))) if want[i] != final[i]]
    ok = code == "0" and len(final) == len(want) and not diff
    why = f"exit {code}, {len(diff)} bytes differ from the image (own key block kept)" + (f", first at {diff[0]:06X}h" if diff else "")
print(f"{'ok  ' if ok else 'FAIL'} {name}: {why}")
sys.exit(0 if ok else 1)
PY
}

for c in "${CASES[@]}"; do
  IFS='|' read -r scenario key extra expected <<<"$c"
  dir="$work/$scenario${extra:+-${extra#--}}-$expected"
  mkdir -p "$dir"
  "$BIN" scan --device "sim:$scenario" --sim-dump "$dir/start" >/dev/null
  "$BIN" sim-image "$scenario" -o "$dir/image.bin" >/dev/null
  pos=$(basename "$(ls "$dir/start"/*.bin)" .bin)
  set +e
  # shellcheck disable=SC2086 # $extra is zero or one word
  (cd "$dir" && "$BIN" flash "$pos" image.bin --yes --write-bootcode --yes-bootcode $extra --device "sim:$scenario" \
    --sim-dump final --log run.log </dev/null >out.txt 2>&1)
  code=$?
  set -e
  if judge "flash $scenario ${extra:-}" "$expected" "$code" "$dir/start/$pos.bin" "$dir/image.bin" "$dir/final/$pos.bin" "$key"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); sed 's/^/    /' "$dir/out.txt" | tail -5
  fi
done

# The Lite-On erase route on the locked drive: its own flash as the backup, the erase, then the flash back.
dir="$work/liteon-erase"
mkdir -p "$dir"
"$BIN" scan --device sim:locked-dg16d2s --sim-dump "$dir/own" >/dev/null
set +e
(cd "$dir" && "$BIN" erase 3 --liteon-erase --drive-backup own/3.bin --yes --device sim:locked-dg16d2s --sim-dump erased --log erase.log </dev/null >erase.txt 2>&1 &&
  "$BIN" flash 3 own/3.bin --yes --device sim:locked-dg16d2s --sim-load erased --sim-dump back --log back.log </dev/null >back.txt 2>&1)
code=$?
set -e
if [ "$code" -eq 0 ] && python3 -c 'import sys; sys.exit(any(b != 0xFF for b in open(sys.argv[1], "rb").read()))' "$dir/erased/3.bin" \
  && cmp -s "$dir/own/3.bin" "$dir/back/3.bin"; then
  echo "ok   erase --liteon-erase, then flash the backup back (--sim-load): erased to FFh, then the drive's own flash byte for byte"
  passed=$((passed + 1))
else
  echo "FAIL erase --liteon-erase, then flash the backup back: exit $code"; tail -3 "$dir"/*.txt 2>/dev/null | sed 's/^/    /'
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
