"""The Debian packages installed into a clean Debian 12 root, as on a freshly imaged board.

A minbase bookworm root is made once with debootstrap and kept as a tarball under
build/debian-root/ (reruns unpack it in seconds). Each run unpacks it, installs our .debs with
`apt-get install ./omo-loyalty-*.deb` inside the chroot, so every declared dependency comes
from Debian (a missing or wrong dpkg-shlibdeps dependency fails here), then starts the installed
programs inside the chroot with nothing of the host's libraries.

usage: test_debian_root.py BUILD_DIR CACHE_DIR
Needs root (chroot, mounts) and a Debian mirror ($LOYALTY_DEBIAN_MIRROR, http://deb.debian.org/debian
by default); without a mirror it fails and says so.
"""
import contextlib
import fcntl
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/dev")
CACHE = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "build/debian-root")
MIRROR = os.environ.get("LOYALTY_DEBIAN_MIRROR", "http://deb.debian.org/debian")
SUITE = "bookworm"
# systemd as on a board: the packages' postinst makes the service account with systemd-sysusers.
INCLUDE = "systemd"
TARBALL = os.path.join(CACHE, f"{SUITE}-minbase-{INCLUDE}.tar")
EXPECTED = ["omo-loyalty-admin", "omo-loyalty-hub", "omo-loyalty-kiosk", "omo-loyalty-link", "omo-loyalty-pos"]
SUDO = [] if os.geteuid() == 0 else ["sudo", "-n"]


def run(*cmd, timeout=600, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def mounts_under(path):
    """Mount points at or below path, deepest first (so they unmount in order)."""
    with open("/proc/self/mounts") as f:
        points = [line.split()[1].replace("\\040", " ") for line in f]
    prefix = path.rstrip("/") + "/"
    return sorted((p for p in points if p == path or p.startswith(prefix)), key=len, reverse=True)


def unmount_all(path):
    for point in mounts_under(path):
        run(*SUDO, "umount", "--lazy", point)


def remove_root(path):
    """A root left by an earlier run that was killed: its mounts first, then its files."""
    unmount_all(path)
    if not mounts_under(path):
        run(*SUDO, "rm", "-rf", "--one-file-system", path)


def make_base_tarball():
    """debootstrap once into a scratch directory, then publish the tarball by rename, so a
    half-finished attempt (killed, no network) never looks like a cache."""
    os.makedirs(CACHE, exist_ok=True)
    for stale in glob.glob(os.path.join(CACHE, "bootstrap.*")) + glob.glob(TARBALL + ".part"):
        if os.path.isdir(stale):
            remove_root(stale)
        else:
            os.remove(stale)
    work = tempfile.mkdtemp(prefix="bootstrap.", dir=CACHE)
    os.chmod(work, 0o755)  # the root directory of the root
    try:
        r = run(*SUDO, "debootstrap", "--variant=minbase", f"--include={INCLUDE}", SUITE, work, MIRROR,
                timeout=1200)
        if r.returncode != 0:
            raise AssertionError(
                f"cannot make a clean Debian root: `debootstrap --variant=minbase --include={INCLUDE} {SUITE} ROOT {MIRROR}` failed "
                f"(no route to the mirror? set LOYALTY_DEBIAN_MIRROR):\n" + (r.stdout + r.stderr)[-3000:])
        r = run(*SUDO, "tar", "-C", work, "--numeric-owner", "-cf", TARBALL + ".part", ".")
        assert r.returncode == 0, r.stderr
        os.replace(TARBALL + ".part", TARBALL)
    finally:
        remove_root(work)


class ChrootRoot:
    """A fresh root unpacked from the cached tarball, with /proc, /sys, /dev and the apt
    archive cache mounted; everything is unmounted and removed on exit, even on failure."""

    def __enter__(self):
        for stale in glob.glob(os.path.join(CACHE, "run.*")):
            remove_root(stale)  # a run killed before its cleanup
        self.path = tempfile.mkdtemp(prefix="run.", dir=CACHE)
        self.stack = contextlib.ExitStack()
        self.stack.callback(remove_root, self.path)
        r = run(*SUDO, "tar", "-C", self.path, "--numeric-owner", "-xf", TARBALL)
        assert r.returncode == 0, r.stderr
        # It becomes "/": mkdtemp's 0700 (here or in the tarball) would shut the service account out.
        os.chmod(self.path, 0o755)
        # Downloaded .debs are kept between runs; only Debian's updates are fetched again.
        archives = os.path.join(CACHE, "apt-archives")
        os.makedirs(os.path.join(archives, "partial"), exist_ok=True)
        for source, target, options in (("proc", "proc", ["-t", "proc"]), ("sysfs", "sys", ["-t", "sysfs"]),
                                        ("/dev", "dev", ["--bind"]), (archives, "var/cache/apt/archives", ["--bind"])):
            point = os.path.join(self.path, target)
            r = run(*SUDO, "mount", *options, source, point)
            assert r.returncode == 0, f"mount {source} on {point}: {r.stderr}"
        shutil.copyfile("/etc/resolv.conf", os.path.join(self.path, "etc/resolv.conf"))
        return self

    def __exit__(self, *exc):
        self.stack.close()
        return False

    def chroot(self, *cmd, env=None, timeout=600):
        base = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": "/root",
                "DEBIAN_FRONTEND": "noninteractive"}
        base.update(env or {})
        return run(*SUDO, "env", "-i", *[f"{k}={v}" for k, v in base.items()], "chroot", self.path, *cmd,
                   timeout=timeout)


class CleanDebianRoot(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # ctest stops a test with SIGTERM: unwind, so the mounts come off.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        if SUDO and run("sudo", "-n", "true").returncode != 0:
            raise AssertionError("the clean-root test needs root (chroot, mounts): run it as root or with "
                                 "passwordless sudo")
        # One run at a time per cache (two presets' ctest may run this at once); so whatever root
        # is found under the cache while holding the lock was left by a killed run.
        os.makedirs(CACHE, exist_ok=True)
        cls.lock = open(os.path.join(CACHE, ".lock"), "w")
        fcntl.flock(cls.lock, fcntl.LOCK_EX)
        cls.tmp = tempfile.TemporaryDirectory()
        started = time.monotonic()
        r = run("cpack", "-G", "DEB", "-B", cls.tmp.name, cwd=BUILD)
        assert r.returncode == 0, r.stdout + r.stderr
        cls.debs = sorted(glob.glob(os.path.join(cls.tmp.name, "*.deb")))
        steps = [f"cpack {time.monotonic() - started:.1f} s"]
        names = [os.path.basename(d).split("_")[0] for d in cls.debs]
        assert names == EXPECTED, names
        if not os.path.isfile(TARBALL):
            t = time.monotonic()
            make_base_tarball()
            steps.append(f"debootstrap {time.monotonic() - t:.1f} s")
        t = time.monotonic()
        cls.root = ChrootRoot().__enter__()
        steps.append(f"unpack {time.monotonic() - t:.1f} s")
        try:
            os.makedirs(os.path.join(cls.root.path, "tmp/debs"))
            for deb in cls.debs:
                shutil.copy(deb, os.path.join(cls.root.path, "tmp/debs"))
            t = time.monotonic()
            r = cls.root.chroot("apt-get", "update", "-qq")
            steps.append(f"apt-get update {time.monotonic() - t:.1f} s")
            t = time.monotonic()
            if r.returncode != 0:
                raise AssertionError(f"apt-get update inside the clean root failed (no route to {MIRROR}?):\n"
                                     + r.stdout + r.stderr)
            cls.install = cls.root.chroot("apt-get", "install", "-y", "-q", "--no-install-recommends",
                                          *[f"/tmp/debs/{os.path.basename(d)}" for d in cls.debs])
            assert cls.install.returncode == 0, cls.install.stdout + cls.install.stderr
            steps.append(f"apt-get install {time.monotonic() - t:.1f} s")
            # The test's own database and a program file, inside the root.
            r = cls.root.chroot("mkdir", "-p", "/tmp/store")
            assert r.returncode == 0, r.stderr
        except BaseException:
            cls.root.__exit__(None, None, None)
            raise
        print(f"clean root ready in {time.monotonic() - started:.1f} s ({', '.join(steps)})", file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        cls.root.__exit__(None, None, None)
        cls.tmp.cleanup()
        cls.lock.close()

    def test_every_package_is_installed_with_its_debian_dependencies(self):
        r = self.root.chroot("dpkg-query", "-W", "-f=${Package} ${db:Status-Abbrev}\n")
        for name in EXPECTED:
            self.assertIn(f"{name} ii", r.stdout)
        # Resolved from Debian, not from the host: the kiosk's SDL and the link's Paho came with apt.
        for lib in ("libsdl2-2.0-0", "libpaho-mqttpp3-1", "libsqlite3-0", "libsodium23", "fonts-wqy-microhei"):
            self.assertIn(f"{lib} ii", r.stdout.replace(":amd64", ""))
        r = self.root.chroot("apt-get", "check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_the_service_account_is_created(self):
        r = self.root.chroot("getent", "passwd", "loyalty")
        self.assertEqual(r.returncode, 0, "no loyalty account: " + r.stdout + r.stderr)

    def test_the_units_pass_systemd_analyze_verify_inside_the_root(self):
        units = ["loyalty-backup.service", "loyalty-backup.timer", "loyalty-link.service",
                 "loyalty-hub@w1.service", "loyalty-kiosk.service"]
        r = self.root.chroot("systemd-analyze", "verify", *[f"/usr/lib/systemd/system/{u}" for u in units])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_the_kiosk_starts_as_its_service_runs_it(self):
        # The unit's user, state directory (systemd's StateDirectory=) and command line, headless.
        r = self.root.chroot("install", "-d", "-o", "loyalty", "-g", "loyalty", "/var/lib/loyalty")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.root.chroot("runuser", "-u", "loyalty", "--", "loyalty-admin", "--db", "/var/lib/loyalty/store.db",
                             "load-program", "/etc/loyalty/program.toml")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.root.chroot("runuser", "-u", "loyalty", "--", "loyalty-kiosk", "--config", "/etc/loyalty/kiosk.toml",
                             "--db", "/var/lib/loyalty/store.db", "--fullscreen", "--assets", "/usr/share/omo-loyalty", "--no-devices", "--first-frame-exit",
                             env={"SDL_VIDEODRIVER": "offscreen"})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(os.path.join(self.root.path, "usr/lib/systemd/system/loyalty-kiosk.service")) as f:
            unit = f.read()
        self.assertIn("User=loyalty", unit)
        self.assertIn("--config /etc/loyalty/kiosk.toml --db /var/lib/loyalty/store.db --fullscreen "
                      "--assets /usr/share/omo-loyalty", unit)

    def test_every_installed_binary_finds_its_libraries(self):
        for exe in ("loyalty-admin", "loyalty-link", "loyalty-hub", "loyalty-pos", "loyalty-kiosk"):
            r = self.root.chroot("ldd", f"/usr/bin/{exe}")
            self.assertEqual(r.returncode, 0, exe + r.stderr)
            self.assertNotIn("not found", r.stdout, exe)

    def test_loyalty_admin_makes_and_uses_a_store_database(self):
        db = "/tmp/store/admin.db"
        r = self.root.chroot("loyalty-admin", "--db", db, "init")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.root.chroot("loyalty-admin", "--db", db, "load-program", "/etc/loyalty/program.toml")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.root.chroot("loyalty-admin", "--db", db, "verify")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.root.chroot("loyalty-admin", "--db", db, "backup", "--dir", "/tmp/store/backups", "--keep", "2")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(len(glob.glob(os.path.join(self.root.path, "tmp/store/backups/*.db"))), 1)

    def test_link_hub_and_pos_start(self):
        for tool in ("loyalty-link", "loyalty-hub", "loyalty-pos"):
            r = self.root.chroot(tool, "--help")
            self.assertEqual(r.returncode, 0, tool + r.stdout + r.stderr)
            self.assertIn("--", r.stdout, tool)

    def test_the_kiosk_draws_its_first_frame(self):
        db = "/tmp/store/kiosk.db"
        r = self.root.chroot("loyalty-admin", "--db", db, "load-program", "/etc/loyalty/program.toml")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.root.chroot("loyalty-kiosk", "--config", "/etc/loyalty/kiosk.toml", "--db", db, "--assets", "/usr/share/omo-loyalty", "--no-devices",
                             "--first-frame-exit", env={"SDL_VIDEODRIVER": "offscreen"})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("first_frame_ms", r.stdout)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
