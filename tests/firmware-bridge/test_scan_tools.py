#!/usr/bin/env python3
"""The demo path with no hardware: loyalty-scan-monitor listens on a simulator
socket, loyalty-scan-sim plays a card reader, a swipe reader and the camera."""
import os
import subprocess
import sys
import tempfile
import time

monitor, sim = sys.argv[1], sys.argv[2]

with tempfile.TemporaryDirectory() as tmp:
    sock = os.path.join(tmp, "scan.sock")
    mon = subprocess.Popen([monitor, "--sim", sock, "--count", "4", "--seconds", "20"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(200):
        if os.path.exists(sock):
            break
        time.sleep(0.02)
    assert os.path.exists(sock), "monitor did not open its socket"

    def send(*args):
        return subprocess.run([sim, "--sim", sock, *args], capture_output=True, text=True)

    r = send("card", "04a1b2c3d4e5f6")
    assert r.returncode == 0 and r.stdout.strip() == "ok card_uid 04A1B2C3D4E5F6", r
    r = send("swipe", ";6280001234")  # truncated swipe: refused with the reason, exit 1
    assert r.returncode == 1 and "missing end sentinel" in r.stdout, r
    r = send("--member-qr", "M000042", "--program", "demo")
    assert r.returncode == 0 and r.stdout.startswith("ok qr LM1.test."), r
    r = subprocess.run([sim, "--sim", sock], input="barcode 6901234567892\nswipe ;6280001234567890=2812101?\n",
                       capture_output=True, text=True)
    assert r.returncode == 0, r
    out, err = mon.communicate(timeout=20)
    lines = out.strip().splitlines()
    assert len(lines) == 4, (out, err)
    kinds = [l.split()[2] for l in lines]
    assert kinds == ["card_uid", "qr", "barcode", "magstripe"], lines
    assert lines[0].endswith("card_uid 04A1B2C3D4E5F6")
    assert lines[3].endswith("magstripe 6280001234567890")
    assert all(l.split()[1] == "sim:" + sock for l in lines)
    print("scan tools ok:", *lines, sep="\n  ")
