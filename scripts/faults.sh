#!/usr/bin/env bash
# Fault campaign (issues 8, 11 and 13): for each bench case — update-4k (SST39SF040, 512 KiB, 4 KiB sectors),
# update-64k (Am29F040B, 64 KiB sectors), update-page (W29C020, 128-byte page write), update-2mib (SST39VF016,
# 2 MiB: A20), bootcode-4k (an update with new boot code, --write-bootcode), update-spi (a BenQ VAD6038 update,
# MX25L2005 SPI NOR behind the emulator's own SPI buffer mailbox) and the issue-13 practice drives, each its scenario's
# own virtual drive: dead-dg16d2s (Lite-On phat dialect, 72h/52h, key block at 1FF00h), dead-dg16d4s (slim dialect,
# W25P20 with 64 KiB sectors, key sector at 3E000h), blank-vad6038 (BenQ, counts high byte first, 73h) and
# dead-ts-h943a (SST39SF020A behind the command-register framing) — and each fault kind (power loss at a random bus
# cycle, stuck BSY / a drive that hangs after N executes, bit flip on a mailbox or buffer read, a dropped mailbox
# commit or buffer write, erase timeout, intro ignored until power cycle, cable noise on a register; on update-spi and
# the issue-13 drives also a power cut during a chosen page/byte program and during a chosen sector erase), N seeded
# runs (default 40, fixed seeds 1000..1000+N-1) of a full 'flash' session (FlashSession.Run), then a recovery run
# (for a Lite-On drive locked at 52h by a stopped run: the Lite-On erase with the drive's backup, then flash).
# Each run is judged from the virtual drive's flash: sector states come from the failure's typed
# Failure.SectorStates (a sector reported unknown counts as not known), the key block must never hold the image's
# (another drive's) after the fault and must be the drive's own after the recovery. Prints one table per case;
# writes bench/results/<date>-<host>-faults.{md,json}. Exit 0 when there was no crash, no silent loss, no boot block
# left broken outside the boot-code case, no wrong definite sector state and no key block lost or foreign (an honest
# "unknown" is counted as not known in the table but does not fail the run); 3 otherwise. Bounded: a 1500 s budget
# inside (each case and kind gets an even share of what is left), 30 minutes outside. --case A,B / --kind X,Y run some.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
RUNS="${RUNS:-40}"
dotnet build bench/RecoveryKit.Bench -c Release -nologo -v quiet -clp:ErrorsOnly >&2
timeout 1800 dotnet bench/RecoveryKit.Bench/bin/Release/net10.0/RecoveryKit.Bench.dll faults --runs "$RUNS" --seed 1000 --out bench/results --budget-seconds 1500 "$@"
