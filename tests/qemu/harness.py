#!/usr/bin/env python3
"""Drives one QEMU run of scripts/test-qemu-mtk.sh: logs the guest's serial console to a file and, for the
hot-plug case, plays the technician: when the wizard says no drive answers and asks for R, it plugs the
drive's power connector in (QMP qom-set power=true on the rk-mtk-drive) and then presses R.

    harness.py --serial SOCK --qmp SOCK --log FILE --timeout S [--hotplug QOM-PATH] -- QEMU ARGS...

QEMU is started by this script (its serial chardev waits for us), so the timeout covers the whole run.
Exit status: QEMU's, or 124 on timeout. Notes (what was done when) go to stderr, one line each.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time

PROMPT = b"Press R and Enter to scan again"


def note(msg):
    print(f"harness: {time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)


def connect(path, deadline):
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.time() > deadline:
                raise
            time.sleep(0.1)


class Qmp:
    def __init__(self, path, deadline):
        self.sock = connect(path, deadline)
        self.file = self.sock.makefile("rwb")
        self._read()  # greeting
        self.command("qmp_capabilities")

    def _read(self):
        while True:
            line = self.file.readline()
            if not line:
                raise RuntimeError("QMP closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def command(self, name, **args):
        self.file.write(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
        self.file.flush()
        reply = self._read()
        if "error" in reply:
            raise RuntimeError(f"QMP {name}: {reply['error']}")
        return reply.get("return")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--serial", required=True)
    ap.add_argument("--qmp", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--timeout", type=float, required=True)
    ap.add_argument("--hotplug", help="QOM path of the rk-mtk-drive to power on at the wizard's prompt")
    ap.add_argument("--power-settle", type=float, default=2.0, help="seconds between power-on and pressing R")
    ap.add_argument("qemu", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.qemu[1:] if a.qemu and a.qemu[0] == "--" else a.qemu
    for p in (a.serial, a.qmp):
        if os.path.exists(p):
            os.unlink(p)

    start = time.time()
    deadline = start + a.timeout
    qemu = subprocess.Popen(cmd)
    try:
        ser = connect(a.serial, start + 30)
        qmp = Qmp(a.qmp, start + 30)
    except Exception as e:
        note(f"cannot reach QEMU's sockets: {e}")
        qemu.kill()
        qemu.wait()
        return 2
    ser.settimeout(0.5)
    seen = b""
    pressed = False
    with open(a.log, "wb") as log:
        while True:
            if time.time() > deadline:
                note(f"timeout after {a.timeout:.0f} s: stopping QEMU")
                try:
                    qmp.command("quit")
                except Exception:
                    qemu.kill()
                try:
                    qemu.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    qemu.kill()
                    qemu.wait()
                return 124
            try:
                data = ser.recv(65536)
            except socket.timeout:
                data = None
            except OSError:
                data = b""
            if data == b"":
                break  # QEMU closed the serial line: it is exiting
            if data:
                log.write(data)
                log.flush()
                seen = (seen + data)[-4096:]
                if a.hotplug and not pressed and PROMPT in seen:
                    note("the wizard asks for R: plugging the drive's power in (qom-set power=true)")
                    qmp.command("qom-set", path=a.hotplug, property="power", value=True)
                    time.sleep(a.power_settle)
                    note("pressing R")
                    ser.sendall(b"r\r")
                    pressed = True
                    seen = b""
    rc = qemu.wait()
    note(f"QEMU exited with {rc} after {time.time() - start:.0f} s" + ("" if not a.hotplug else f"; R pressed: {pressed}"))
    return rc


if __name__ == "__main__":
    sys.exit(main())
