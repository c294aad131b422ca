#!/usr/bin/env bash
# Fault campaign (issues 8 and 11): for each bench case — update-4k (SST39SF040, 512 KiB, 4 KiB sectors),
# update-64k (Am29F040B, 64 KiB sectors), update-page (W29C020, 128-byte page write), update-2mib (SST39VF016,
# 2 MiB: A20), bootcode-4k (an update with new boot code, --write-bootcode) and update-spi (a BenQ VAD6038,
# MX25L2005 SPI NOR behind the phat SPI buffer mailbox of the emulator's own drive side) — and each fault kind (power loss
# at a random bus cycle, stuck BSY, bit flip on read, dropped write, erase timeout, intro ignored until power
# cycle, cable noise on a register), N seeded runs (default 40, fixed seeds 1000..1000+N-1) of a full 'flash'
# session (FlashSession.Run), then a recovery run. Sector states come from the failure's typed
# Failure.SectorStates; a sector reported unknown counts as not known. Prints one table per case; writes
# bench/results/<date>-<host>-faults.{md,json}. Exit 0 when there was no crash, no silent loss and no boot
# block left broken outside the boot-code case, no wrong definite sector state (an honest "unknown" is
# counted as not known in the table but does not fail the run); 3 otherwise. Bounded: a 500 s budget inside (split evenly over
# cases and kinds), 10 minutes outside. --case NAME / --kind NAME run one.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
RUNS="${RUNS:-40}"
dotnet build bench/RecoveryKit.Bench -c Release -nologo -v quiet -clp:ErrorsOnly >&2
timeout 600 dotnet bench/RecoveryKit.Bench/bin/Release/net10.0/RecoveryKit.Bench.dll faults --runs "$RUNS" --seed 1000 --out bench/results --budget-seconds 500 "$@"
