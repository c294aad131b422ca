#!/usr/bin/env bash
# Issue 8: drive the NativeAOT CLI with bad input and count how each case ends. Every case must end in ONE line
# starting with "error:" and a documented non-zero exit code (README "Exit codes": 2-15), never 1 (internal
# error) and never a crash (signal, unhandled exception, stack trace). Cases (fixed seeds): truncated, oversized,
# random and mutated images; wrong positions; missing files; an unusable --log; a --backup on a full tmpfs (root:
# the write must not start — the transcript must hold no erase/program cycle). Exit 0 when every run was good.
# Bounded: ~100 CLI runs of < 1 s each on the virtual drive.
# Issue 15 adds: devices, FIFOs, folders and empty files; empty names and names with control characters; files
# never overwritten (--transcript/-o naming an existing file); unusable backup paths refused before any register
# access; an updater with 2,000 sections; a one-byte-edited replay (exit 15); a transcript whose volume fills up
# during the flash (root: the flash must finish with exit 0 and a warning); file names that are not UTF-8 (opened by
# their bytes: inspect and flash succeed, a FIFO or missing file under such a name is one error line); output files
# under such names (transcript, log, sim-image -o, --sim-dump) created by their bytes, a backup under one refused.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-$PWD/out/linux-x64/recoverykit}"
if [[ ! -x "$BIN" ]]; then
  echo "bad-input.sh: $BIN is missing; build it with: dotnet publish src/RecoveryKit.Cli -r linux-x64 -c Release -o out/linux-x64" >&2
  exit 2
fi
WORK="$(mktemp -d /tmp/rk-bad-input.XXXXXX)"
MNT="$WORK/tiny"
cleanup() { mountpoint -q "$MNT" 2>/dev/null && umount "$MNT"; rm -rf "$WORK"; }
trap cleanup EXIT
cd "$WORK"
DEV="--device sim:dead-ldw411s"
"$BIN" sim-image dead-ldw411s -o good.bin >/dev/null

# Image files, seeded.
python3 - <<'PY'
import random, os
good = open("good.bin", "rb").read()
r = random.Random(8)
os.makedirs("img", exist_ok=True)
for i, n in enumerate([0, 1, 2, 511, 4096, 65536, 131071, 262143, 524287, 524288 + 1, 1048575] + [r.randrange(1, len(good)) for _ in range(9)]):
    open(f"img/truncated-{i:02d}-{n}.bin", "wb").write(good[:n])
for i, n in enumerate([len(good) + 1, len(good) + 4096, 2 * len(good) + 1, 3 * len(good), 4 * len(good)] + [len(good) + r.randrange(1, len(good)) for _ in range(5)]):
    extra = bytes(r.randrange(256) for _ in range(min(n - len(good), 4096))) * ((n - len(good)) // 4096 + 1)
    open(f"img/oversized-{i:02d}-{n}.bin", "wb").write(good + extra[: n - len(good)])
for i in range(10):
    n = [len(good), 524288, 2097152, 131072][i % 4]
    open(f"img/random-{i:02d}-{n}.bin", "wb").write(r.randbytes(n))
for i in range(20):
    b = bytearray(good)
    for _ in range(r.randrange(1, 17)):
        b[r.randrange(len(b))] = r.randrange(256)
    open(f"img/mutated-{i:02d}.bin", "wb").write(bytes(b))
# An Intel-HEX-looking file and an updater-looking file that are garbage inside.
open("img/random-hex.bin", "w").write(":10000000" + "ZZ" * 16 + "\n:00000001FF\n")
open("img/random-mz.bin", "wb").write(b"MZ" + r.randbytes(70000))
PY

declare -A RUNS GOOD BAD CODES
report_bad=()
# run CASE ALLOW_ZERO ARGS... : one CLI run, judged.
run() {
  local case="$1" allow0="$2"; shift 2
  local out rc last errors
  out="$(timeout 60 "$BIN" "$@" --yes --log "$WORK/logs/run.log" 2>&1)"; rc=$?
  last="$(printf '%s\n' "$out" | sed '/^[[:space:]]*$/d' | tail -n 1)"
  errors="$(printf '%s\n' "$out" | grep -c '^error:')"
  RUNS[$case]=$(( ${RUNS[$case]:-0} + 1 ))
  CODES[$case]="${CODES[$case]:-} $rc"
  local ok=1 why=""
  if [[ $rc -eq 0 ]]; then
    [[ "$allow0" == 1 ]] || { ok=0; why="exit 0"; }
  else
    if (( rc == 1 )); then ok=0; why="exit 1 (internal)"; fi
    if (( rc >= 16 )); then ok=0; why="exit $rc (crash/signal/timeout/undocumented)"; fi
    if [[ "$last" != error:* ]]; then ok=0; why="${why:+$why; }last line is not 'error:': ${last:0:120}"; fi
    if (( errors != 1 )); then ok=0; why="${why:+$why; }$errors error lines"; fi
  fi
  if printf '%s' "$out" | grep -qE 'Unhandled exception|   at [A-Za-z]+\.|Segmentation|core dumped'; then ok=0; why="${why:+$why; }crash text"; fi
  if (( ok )); then GOOD[$case]=$(( ${GOOD[$case]:-0} + 1 )); else BAD[$case]=$(( ${BAD[$case]:-0} + 1 )); report_bad+=("$case: recoverykit $* → $why"); fi
}

mkdir -p logs
for f in img/truncated-*.bin; do run truncated 0 flash $DEV "$f" --backup "$WORK/b.bin"; done
for f in img/oversized-*.bin; do run oversized 0 flash $DEV "$f" --backup "$WORK/b.bin"; done
for f in img/random-*.bin; do run random 0 flash $DEV "$f" --backup "$WORK/b.bin"; done
# A mutated image whose checksum still holds would be a valid image: exit 0 is then allowed (counted apart).
for f in img/mutated-*.bin; do run mutated 1 flash $DEV "$f" --backup "$WORK/b.bin"; done
for p in 5 0 9 -1 port:0x171:master port:0x170:middle port:zz:master nonsense "" secondary-sideways pci:nothing; do
  run position 0 flash $DEV "$p" good.bin --backup "$WORK/b.bin"
done
run position 0 flash --device sim:no-such-bench good.bin --backup "$WORK/b.bin"
run position 0 flash --device nonsense good.bin --backup "$WORK/b.bin"
for f in missing.bin /nonexistent/dir/fw.bin "$WORK" /proc/x/y 'A:\FW\NOPE.BIN'; do run missing-file 0 flash $DEV "$f" --backup "$WORK/b.bin"; done
run missing-file 0 inspect missing.bin
run missing-file 0 diff good.bin missing.bin
# An unusable logs folder: the last --log wins, so pass it after run()'s own.
for l in /proc/x/y /proc/version/log.txt /dev/null/log.txt; do
  RUNS[log]=$(( ${RUNS[log]:-0} + 1 ))
  out="$(timeout 60 "$BIN" flash $DEV good.bin --yes --backup "$WORK/b-log.bin" --log "$l" --transcript "$WORK/t-log.txt" --transcript-raw 2>&1)"; rc=$?
  last="$(printf '%s\n' "$out" | sed '/^[[:space:]]*$/d' | tail -n 1)"
  CODES[log]="${CODES[log]:-} $rc"
  if [[ $rc -ge 2 && $rc -le 13 && "$last" == error:* ]] && ! grep -qE '^W 17[0-7] ' "$WORK/t-log.txt" 2>/dev/null; then GOOD[log]=$(( ${GOOD[log]:-0} + 1 )); else BAD[log]=$(( ${BAD[log]:-0} + 1 )); report_bad+=("log: --log $l → exit $rc, last: ${last:0:120}"); fi
  rm -f "$WORK/t-log.txt" "$WORK"/b-log*.bin
done

# Issue 15: hostile files and names. Devices, FIFOs, folders and empty files are refused before they are opened
# (a FIFO with no writer would block: timeout 60 turns a hang into exit 124, counted bad).
mkfifo "$WORK/fifo.bin"
mkdir -p "$WORK/folder.bin"
: > "$WORK/empty.bin"
for f in /dev/zero /dev/urandom /dev/null "$WORK/fifo.bin" "$WORK/folder.bin" "$WORK/empty.bin"; do
  run hostile-file 0 inspect "$f"
done
run hostile-file 0 diff good.bin "$WORK/fifo.bin"
run hostile-file 0 flash $DEV "$WORK/fifo.bin" --backup "$WORK/b.bin"
# An updater with 2,000 sections, each over the image at another offset (minutes of checksums before the fix).
python3 - <<'PY'
import struct
img = bytearray(open("good.bin", "rb").read()); img[0x20000] ^= 0xFF   # checksum broken: no start is valid
n = 2000; pe = 0x80; hdr = pe + 4 + 20 + 224 + 40 * n; data = (hdr + 0x1FF) & ~0x1FF
f = bytearray(data + 0x200 + len(img)); f[0:2] = b"MZ"; struct.pack_into("<I", f, 0x3C, pe); f[pe:pe+4] = b"PE\0\0"
struct.pack_into("<HH", f, pe + 4, 0x14C, n); struct.pack_into("<HH", f, pe + 20, 224, 0x102)
o = pe + 24; struct.pack_into("<H", f, o, 0x10B); struct.pack_into("<II", f, o + 32, 0x1000, 0x200)
struct.pack_into("<II", f, o + 56, 0x1000 * (n + 1), data); struct.pack_into("<I", f, o + 92, 16)
for i in range(n):
    h = o + 224 + 40 * i; f[h:h+2] = b".s"
    struct.pack_into("<IIII", f, h + 8, len(img) + 0x100, 0x1000 * (i + 1), len(img) + 0x100, data + (i % 0x100))
f[data + 0x200:] = img
open("img/sections-2000.exe", "wb").write(bytes(f))
PY
start=$(date +%s%N); run hostile-file 0 inspect img/sections-2000.exe; took=$(( ($(date +%s%N) - start) / 1000000 ))
echo "  crafted updater, 2,000 sections: inspect took ${took} ms" >&2
# Empty names and names with control characters: usage errors (exit 2), one line, the name shown escaped.
run bad-name 0 inspect ""
run bad-name 0 diff "" good.bin
run bad-name 0 extract "" -o "$WORK/x.bin"
run bad-name 0 flash $DEV ""
run bad-name 0 flash $DEV good.bin --backup ""
run bad-name 0 backup 3 $DEV -o ""
run bad-name 0 sim-image dead-ldw411s -o ""
run bad-name 0 identify 3 $DEV --transcript ""
run bad-name 0 inspect $'fw\nerror: fake.bin'
run bad-name 0 flash $DEV good.bin --backup $'a\nb.bin'
run bad-name 0 replay ""
# Names that are not UTF-8 (here byte FFh): opened by their bytes, shown as \xFF; a FIFO or a missing file under
# such a name is still one error line.
cp good.bin "$WORK/"$'fw\xff.bin'
mkfifo "$WORK/"$'pipe\xff.bin'
out="$(timeout 60 "$BIN" inspect "$WORK/"$'fw\xff.bin' 2>&1)"; rc=$?
RUNS[byte-name]=$(( ${RUNS[byte-name]:-0} + 1 )); CODES[byte-name]="${CODES[byte-name]:-} $rc"
if [[ $rc -eq 0 ]] && grep -qF 'fw\xFF.bin' <<<"$out"; then GOOD[byte-name]=$(( ${GOOD[byte-name]:-0} + 1 )); else BAD[byte-name]=$(( ${BAD[byte-name]:-0} + 1 )); report_bad+=("byte-name: inspect fw\\xff.bin → exit $rc, $(head -n 1 <<<"$out" | cut -c1-120)"); fi
run byte-name 1 flash $DEV "$WORK/"$'fw\xff.bin' --backup "$WORK/b-bytes.bin"
case " ${CODES[byte-name]} " in *" 0 0 "*) ;; *) BAD[byte-name]=$(( ${BAD[byte-name]:-0} + 1 )); report_bad+=("byte-name: flash of fw\\xff.bin gave exit ${CODES[byte-name]}");; esac
run byte-name 0 inspect "$WORK/"$'pipe\xff.bin'
run byte-name 0 inspect "$WORK/"$'nope\xff.bin'
run byte-name 0 diff good.bin "$WORK/"$'nope\xff.bin'
# Output files under names that are not UTF-8 are created by their bytes, exactly as named (a transcript, a log,
# sim-image -o, a --sim-dump folder), never under a replacement name and never over an existing file; a backup under
# such a name is refused as a usage error (exit 2) before the drive is touched.
OUT=$'out\xfe'
mkdir -p "$WORK/$OUT-dir"
run byte-output 1 sim-image dead-ldw411s -o "$WORK/$OUT-dir/"$'img\xfd.bin'
run byte-output 1 flash $DEV "$WORK/$OUT-dir/"$'img\xfd.bin' --backup "$WORK/b-out.bin" --transcript "$WORK/$OUT-dir/"$'t\xfc.txt' --sim-dump "$WORK/$OUT-dir/"$'dump\xfb'
out="$(timeout 60 "$BIN" flash $DEV good.bin --yes --backup "$WORK/b-out2.bin" --log "$WORK/$OUT-dir/"$'log\xfa.log' 2>&1)"; rc=$?
RUNS[byte-output]=$(( ${RUNS[byte-output]:-0} + 1 )); CODES[byte-output]="${CODES[byte-output]:-} $rc"
expected=$'img\xfd.bin\nlog\xfa.log\nt\xfc.txt'
actual="$(cd "$WORK/$OUT-dir" && ls -p | LC_ALL=C grep -av /)"
if [[ $rc -eq 0 && "$actual" == "$expected" && -s "$WORK/$OUT-dir/"$'dump\xfb/3.bin' && -s "$WORK/$OUT-dir/"$'log\xfa.log' ]] && grep -q '^# end:' "$WORK/$OUT-dir/"$'t\xfc.txt' \
   && grep -qF 'Session log: '"$WORK"'/out\xFE-dir/log\xFA.log' <<<"$out"; then
  GOOD[byte-output]=$(( ${GOOD[byte-output]:-0} + 1 ))
else
  BAD[byte-output]=$(( ${BAD[byte-output]:-0} + 1 )); report_bad+=("byte-output: exit $rc; files: $(printf '%q ' $actual)")
fi
run byte-output 0 sim-image dead-ldw411s -o "$WORK/$OUT-dir/"$'img\xfd.bin'
run byte-output 0 flash $DEV good.bin --backup "$WORK/"$'b\xf9.bin'
case " ${CODES[byte-output]} " in *" 0 0 0 13 2 "*) ;; *) BAD[byte-output]=$(( ${BAD[byte-output]:-0} + 1 )); report_bad+=("byte-output: exits ${CODES[byte-output]}, expected 0 0 0 13 2");; esac
if [[ -e "$WORK/"$'b\xf9.bin' ]] || ls "$WORK/$OUT-dir" | LC_ALL=C grep -aq $'\xef\xbf\xbd'; then BAD[byte-output]=$(( ${BAD[byte-output]:-0} + 1 )); report_bad+=("byte-output: a file was created under another name"); fi
# Files are never overwritten: a transcript or -o naming an existing file is refused and the file is unchanged.
sum_before="$(sha256sum good.bin)"
run no-overwrite 0 flash $DEV good.bin --backup "$WORK/b.bin" --transcript good.bin
run no-overwrite 0 sim-image dead-ldw411s -o good.bin
if [[ "$(sha256sum good.bin)" != "$sum_before" ]]; then BAD[no-overwrite]=$(( ${BAD[no-overwrite]:-0} + 1 )); report_bad+=("no-overwrite: good.bin was changed"); fi
# An unusable backup path is refused before any register access (issue 11 point 9): the transcript holds none.
for c in "backup 3 -o /proc/x.bin" "erase 3 --backup /proc/x.bin" "flash 3 good.bin --backup /proc/x.bin"; do
  rm -f "$WORK/t-out.txt"
  run unusable-output 0 $c $DEV --transcript "$WORK/t-out.txt" --transcript-raw
  if [[ -f "$WORK/t-out.txt" ]] && grep -qE '^[RW] ' "$WORK/t-out.txt"; then BAD[unusable-output]=$(( ${BAD[unusable-output]:-0} + 1 )); report_bad+=("unusable-output: $c touched the drive"); fi
done
# Replay: a recording edited by one byte reports the first divergence (exit 15), one line.
"$BIN" identify 3 --chip --device sim:update-ldw411s --transcript "$WORK/id.txt" --log "$WORK/logs/id.log" >/dev/null 2>&1
sed -i '0,/^W 177 80$/s//W 177 81/' "$WORK/id.txt"
run replay 0 replay "$WORK/id.txt"
case " ${CODES[replay]} " in *" 15 "*) ;; *) BAD[replay]=$(( ${BAD[replay]:-0} + 1 )); report_bad+=("replay: edited transcript gave exit ${CODES[replay]}, not 15");; esac

# A backup folder with no room (tmpfs of 200 KiB, and of 1 MiB — the probe needs the image size + 64 KiB).
if [[ $(id -u) -eq 0 ]]; then
  mkdir -p "$MNT"
  for size in 200k 1m; do
    mount -t tmpfs -o size=$size tmpfs "$MNT"
    RUNS[full-disk]=$(( ${RUNS[full-disk]:-0} + 1 ))
    out="$(timeout 60 "$BIN" flash $DEV good.bin --yes --backup "$MNT/backup.bin" --log "$WORK/logs/full.log" --transcript "$WORK/t-full.txt" --transcript-raw 2>&1)"; rc=$?
    last="$(printf '%s\n' "$out" | sed '/^[[:space:]]*$/d' | tail -n 1)"
    CODES[full-disk]="${CODES[full-disk]:-} $rc"
    # No flash write may have started: no erase (80h/30h) or program (A0h) data byte on LBA low (0x173) in the transcript.
    erases=$(grep -cE '^W 173 (80|30|A0)$' "$WORK/t-full.txt" 2>/dev/null || true)
    if [[ $rc -eq 13 && "$last" == error:* && ${erases:-0} -eq 0 ]]; then GOOD[full-disk]=$(( ${GOOD[full-disk]:-0} + 1 )); else BAD[full-disk]=$(( ${BAD[full-disk]:-0} + 1 )); report_bad+=("full-disk: tmpfs $size → exit $rc, erase/program cycles ${erases:-?}, last: ${last:0:120}"); fi
    echo "  full-disk tmpfs $size: exit $rc, transcript $(wc -l < "$WORK/t-full.txt" 2>/dev/null || echo 0) register accesses, erase/program cycles ${erases:-0}" >&2
    rm -f "$WORK/t-full.txt"
    umount "$MNT"
  done
  # Issue 15: the transcript's volume fills up during the flash (tmpfs of 1 MiB; the compact transcript of this
  # flash is ~3.6 MB): the flash must finish and verify (exit 0) and end with a warning naming the transcript.
  mount -t tmpfs -o size=1m tmpfs "$MNT"
  RUNS[full-transcript]=$(( ${RUNS[full-transcript]:-0} + 1 ))
  out="$(timeout 120 "$BIN" flash $DEV good.bin --yes --backup "$WORK/b-full.bin" --log "$WORK/logs/full-t.log" --transcript "$MNT/t.txt" 2>&1)"; rc=$?
  CODES[full-transcript]="${CODES[full-transcript]:-} $rc"
  if [[ $rc -eq 0 ]] && grep -q '^warning: the transcript .* is incomplete' <<<"$out" && grep -q 'The drive is back' <<<"$out"; then
    GOOD[full-transcript]=1
  else
    BAD[full-transcript]=1; report_bad+=("full-transcript: exit $rc, last: $(tail -n 1 <<<"$out" | cut -c1-120)")
  fi
  echo "  transcript on a full 1 MiB tmpfs: exit $rc; $(grep -c '^warning:' <<<"$out") warning line(s)" >&2
  umount "$MNT"
else
  echo "bad-input.sh: not root: the full-disk cases (tmpfs) are skipped" >&2
fi

echo "| case | runs | good (one-line error:, documented code ≠ 1; full-transcript: exit 0 + warning) | bad | exit codes seen |"
echo "|---|---|---|---|---|"
total_bad=0
for c in truncated oversized random mutated position missing-file log full-disk hostile-file bad-name byte-name byte-output no-overwrite unusable-output replay full-transcript; do
  [[ -n "${RUNS[$c]:-}" ]] || continue
  codes="$(printf '%s\n' ${CODES[$c]} | sort -n | uniq -c | awk '{printf "%s×%s ", $2, $1}')"
  echo "| $c | ${RUNS[$c]} | ${GOOD[$c]:-0} | ${BAD[$c]:-0} | $codes|"
  total_bad=$(( total_bad + ${BAD[$c]:-0} ))
done
if (( ${#report_bad[@]} > 0 )); then
  echo
  echo "Bad runs:"
  printf -- '- %s\n' "${report_bad[@]}"
fi
exit $(( total_bad > 0 ? 3 : 0 ))
