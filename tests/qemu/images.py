#!/usr/bin/env python3
"""Image helpers for scripts/test-qemu-mtk.sh (everything checked from outside the guest).

    images.py dead FW OUT             the dead drive's flash: FW as an older revision (FS0F), half re-written
    images.py valid IMAGE FAMILY      exit 0 if IMAGE passes FAMILY's validity rule (read from families.json)
    images.py data-offset STICK       byte offset of the stick's FAT partition labelled RECOVERYKIT
    images.py transcript DISK OUT     the text RecoveryKit wrote at the start of a raw disk (up to the first NUL)
    images.py contains DEVLOG TRANSCRIPT   the transcript occurs in the device log as one contiguous run of
                                      whole lines (prints where); exit 1 if not
    images.py check-flash FLASH FW PRE BOOT_START BOOT_LEN
                                      FLASH = FW outside the boot block, = PRE inside it (the plan: untouched)
"""
import json
import os
import struct
import sys

PROFILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "RecoveryKit", "Profiles")


def family(name):
    text = open(os.path.join(PROFILES, "families.json")).read()
    text = "\n".join("" if line.lstrip().startswith("//") else line for line in text.splitlines())
    for f in json.loads(text)["families"]:
        if f["name"] == name:
            return f
    sys.exit(f"images.py: no family {name} in families.json")


def num(s, size):
    v = int(s, 0) if isinstance(s, str) else int(s)
    return size + v if v < 0 else v


def valid(img, fam):
    rule = fam["validity"]["value"]
    if rule["kind"] != "sum16-be":
        sys.exit(f"images.py: validity kind {rule['kind']} not modelled here")
    start, end, at = (num(rule[k], len(img)) for k in ("start", "end", "storedAt"))
    return sum(img[start:end + 1]) & 0xFFFF == struct.unpack(">H", img[at:at + 2])[0]


def dead(fw_path, out_path):
    img = bytearray(open(fw_path, "rb").read())
    fam = family("LDW-411S")
    if not valid(img, fam):
        sys.exit("images.py: the new image does not pass its own family rule")
    # the older revision: the INQUIRY block found by the product string (PROTOCOL.md §7, R4)
    product = fam["products"]["value"][0].ljust(16).encode()
    at = img.find(product)
    if at < 8:
        sys.exit("images.py: no INQUIRY identity in the image")
    img[at + 16:at + 20] = b"FS0F"
    # older main firmware in bank 2, then a flash that died half-way: erased from 0x48000 on
    for i in range(0x20000, 0x21000):
        img[i] ^= 0x5A
    img[0x48000:] = b"\xFF" * (len(img) - 0x48000)
    if valid(img, fam):
        sys.exit("images.py: the dead image is still valid")
    open(out_path, "wb").write(img)


def data_offset(stick):
    with open(stick, "rb") as f:
        mbr = f.read(512)
        starts = []
        for i in range(4):
            e = mbr[0x1BE + 16 * i:0x1CE + 16 * i]
            ptype, lba = e[4], struct.unpack("<I", e[8:12])[0]
            if ptype == 0xEE:
                f.seek(512)
                hdr = f.read(92)
                if hdr[:8] == b"EFI PART":
                    tbl, n, esz = struct.unpack("<QII", hdr[72:88])
                    f.seek(tbl * 512)
                    raw = f.read(n * esz)
                    for k in range(n):
                        first = struct.unpack("<Q", raw[k * esz + 32:k * esz + 40])[0]
                        if first:
                            starts.append(first)
            elif ptype and lba:
                starts.append(lba)
        for lba in starts:
            f.seek(lba * 512)
            bs = f.read(512)
            if bs[0x52:0x5A].startswith(b"FAT32") and bs[0x47:0x52].rstrip() == b"RECOVERYKIT":
                return lba * 512
            if bs[0x36:0x3E].startswith(b"FAT") and bs[0x2B:0x36].rstrip() == b"RECOVERYKIT":
                return lba * 512
    sys.exit(f"images.py: {stick} has no FAT partition labelled RECOVERYKIT (build the stick with the data partition)")


def transcript(disk, out):
    data = open(disk, "rb").read()
    end = data.find(b"\0")
    if end < 0:
        end = len(data)
    text = data[:end]
    if not text.startswith((b"W ", b"R ")):
        sys.exit("images.py: the transcript disk holds no transcript (RecoveryKit did not write it)")
    open(out, "wb").write(text)


def contains(devlog, transcript):
    import mmap
    t = open(transcript, "rb").read()
    with open(devlog, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        head = t[:1 << 16]
        at = m.find(head)
        while at >= 0:
            if (at == 0 or m[at - 1] == 0x0A) and m[at:at + len(t)] == t:
                line = m[:at].count(b"\n") + 1
                lines = t.count(b"\n")
                after = m[at + len(t):].count(b"\n")
                print(f"device log lines {line}-{line + lines - 1} = the transcript's {lines} accesses; "
                      f"{after} accesses after it (the all-drivers phase)")
                return
            at = m.find(head, at + 1)
    sys.exit("the transcript does not occur in the device log as one contiguous run")


def check_flash(flash, fw, pre, boot_start, boot_len):
    f, n, p = (open(x, "rb").read() for x in (flash, fw, pre))
    bs, bl = int(boot_start, 0), int(boot_len, 0)
    problems = []
    if len(f) != len(n):
        problems.append(f"flash is {len(f)} bytes, image {len(n)}")
    if f[bs:bs + bl] != p[bs:bs + bl]:
        problems.append("the boot block changed (the plan said untouched)")
    outside = [i for i in range(0, len(n), 4096) if not (bs <= i < bs + bl) and f[i:i + 4096] != n[i:i + 4096]]
    if outside:
        problems.append(f"{len(outside)} sectors outside the boot block differ from the image, first at 0x{outside[0]:X}")
    if problems:
        sys.exit("; ".join(problems))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "dead":
        dead(*args)
    elif cmd == "valid":
        img = open(args[0], "rb").read()
        sys.exit(0 if valid(img, family(args[1])) else 1)
    elif cmd == "data-offset":
        print(data_offset(args[0]))
    elif cmd == "transcript":
        transcript(*args)
    elif cmd == "contains":
        contains(*args)
    elif cmd == "check-flash":
        check_flash(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
