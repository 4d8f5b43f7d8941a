"""The kiosk as systemd runs it (Type=notify, WatchdogSec=): it says READY once the attract screen
is up, then pings the watchdog while its UI loop turns.

usage: test_service_notify.py LOYALTY_KIOSK LOYALTY_ADMIN PROGRAM_FILE
"""
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

KIOSK, ADMIN, PROGRAM = sys.argv[1:4]


class ServiceNotify(unittest.TestCase):
    def test_ready_then_watchdog_pings(self):
        with tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "store.db")
            r = subprocess.run([ADMIN, "--db", db, "load-program", PROGRAM], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            # systemd's side of the conversation: a datagram socket named in NOTIFY_SOCKET.
            path = os.path.join(tmp, "notify")
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(path)
            sock.settimeout(10)
            env = dict(os.environ, SDL_VIDEODRIVER="offscreen", NOTIFY_SOCKET=path, WATCHDOG_USEC="400000")
            kiosk = subprocess.Popen([KIOSK, "--db", db, "--no-devices"], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                messages = []
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and sum("WATCHDOG=1" in m for m in messages) < 3:
                    messages.append(sock.recv(4096).decode())
            finally:
                kiosk.terminate()
                kiosk.wait(timeout=10)
                sock.close()
            self.assertTrue(messages, "the kiosk never notified systemd")
            self.assertIn("READY=1", messages[0])
            self.assertGreaterEqual(sum("WATCHDOG=1" in m for m in messages), 3, messages)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
