"""The kiosk as systemd runs it (Type=notify, WatchdogSec=): it says READY once the attract screen
is up, then pings the watchdog while its UI loop turns. Locked as the service starts it, Ctrl-C on
its tty does not end it; systemd's SIGTERM does, with exit code 0.

usage: test_service_notify.py LOYALTY_KIOSK LOYALTY_ADMIN PROGRAM_FILE
"""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

KIOSK, ADMIN, PROGRAM = sys.argv[1:4]


@contextlib.contextmanager
def kiosk_under_systemd(test, *flags):
    """The kiosk started as systemd starts it, on a fresh store database: yields the process and systemd's
    side of the conversation, a datagram socket named in NOTIFY_SOCKET. Cleans both up, whatever happens."""
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "store.db")
        r = subprocess.run([ADMIN, "--db", db, "load-program", PROGRAM], capture_output=True, text=True)
        test.assertEqual(r.returncode, 0, r.stderr)
        path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(10)
        env = dict(os.environ, SDL_VIDEODRIVER="offscreen", NOTIFY_SOCKET=path, WATCHDOG_USEC="400000")
        kiosk = subprocess.Popen([KIOSK, "--db", db, "--program", "DEMO", "--store", "S001", "--terminal", "K01",
                                  *flags, "--no-devices"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            yield kiosk, sock
        finally:
            if kiosk.poll() is None:
                kiosk.kill()
                kiosk.wait()
            kiosk.stderr.close()
            sock.close()


class ServiceNotify(unittest.TestCase):
    def test_ready_then_watchdog_pings(self):
        messages = []
        with kiosk_under_systemd(self) as (kiosk, sock):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and sum("WATCHDOG=1" in m for m in messages) < 3:
                messages.append(sock.recv(4096).decode())
            kiosk.terminate()
            kiosk.wait(timeout=10)
        self.assertTrue(messages, "the kiosk never notified systemd")
        self.assertIn("READY=1", messages[0])
        self.assertGreaterEqual(sum("WATCHDOG=1" in m for m in messages), 3, messages)

    def test_locked_kiosk_ignores_ctrl_c_and_stops_on_sigterm(self):
        # The service's command line (kiosk/systemd/loyalty-kiosk.service): full screen, locked.
        with kiosk_under_systemd(self, "--fullscreen") as (kiosk, sock):
            self.assertIn("READY=1", sock.recv(4096).decode())
            kiosk.send_signal(signal.SIGINT)
            # The loop keeps turning after Ctrl-C: more watchdog pings, and the process is still there.
            pings = 0
            while pings < 3:
                pings += "WATCHDOG=1" in sock.recv(4096).decode()
            self.assertIsNone(kiosk.poll(), "Ctrl-C ended a locked kiosk")
            kiosk.terminate()
            self.assertEqual(kiosk.wait(timeout=10), 0, kiosk.stderr.read().decode())

    def test_windowed_kiosk_stops_on_ctrl_c(self):
        # Development: a plain window, Ctrl-C ends it as any program.
        with kiosk_under_systemd(self, "--windowed") as (kiosk, sock):
            self.assertIn("READY=1", sock.recv(4096).decode())
            kiosk.send_signal(signal.SIGINT)
            self.assertEqual(kiosk.wait(timeout=10), 0, kiosk.stderr.read().decode())


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
