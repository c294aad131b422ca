#!/usr/bin/env bash
# Issue 8 fault campaign: for each fault kind (power loss at a random bus cycle, stuck BSY, bit flip on read,
# dropped write, erase timeout, intro ignored until power cycle, cable noise on a register), N seeded runs
# (default 200, fixed seeds 1000..1000+N-1) of a full 'flash' session (FlashSession.Run) on a 512 KiB virtual
# drive with a realistic update and the differential plan, then a recovery run. Prints one table; writes
# bench/results/<date>-<host>-faults.{md,json}. Exit 0 when there was no crash, no silent loss and every
# drive was left in a known state; 3 otherwise. Bounded: a 500 s budget inside, 10 minutes outside.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
RUNS="${RUNS:-200}"
dotnet build bench/RecoveryKit.Bench -c Release -nologo -v quiet -clp:ErrorsOnly >&2
timeout 600 dotnet bench/RecoveryKit.Bench/bin/Release/net10.0/RecoveryKit.Bench.dll faults --runs "$RUNS" --seed 1000 --out bench/results --budget-seconds 500 "$@"
