"""The Debian packages as head office would install them: built by cpack, installed by dpkg
into an empty root made here, their services checked by systemd-analyze, their programs started.

usage: test_packages.py BUILD_DIR
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build/dev"
EXPECTED = ["omo-loyalty-admin", "omo-loyalty-hub", "omo-loyalty-kiosk", "omo-loyalty-link", "omo-loyalty-pos"]


def run(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


class Packages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = os.path.join(cls.tmp.name, "debs")
        r = run("cpack", "-G", "DEB", "-B", cls.out, cwd=BUILD)
        assert r.returncode == 0, r.stdout + r.stderr
        cls.debs = sorted(glob.glob(os.path.join(cls.out, "*.deb")))

        # An empty root with a dpkg database and the base system's units, as on a fresh board image.
        cls.root = os.path.join(cls.tmp.name, "root")
        admindir = os.path.join(cls.root, "var/lib/dpkg")
        for d in ("info", "updates", "triggers"):
            os.makedirs(os.path.join(admindir, d))
        open(os.path.join(admindir, "status"), "w").close()
        os.makedirs(os.path.join(cls.root, "etc"))
        shutil.copytree("/usr/lib/systemd/system", os.path.join(cls.root, "usr/lib/systemd/system"), symlinks=True)
        # Library dependencies are the host's (they are Debian's own packages); the maintainer
        # scripts run outside the root with DPKG_ROOT set, as dpkg does for board images.
        sudo = [] if os.geteuid() == 0 else ["sudo"]  # dpkg --root still wants root to set owners
        cls.install = run(*sudo, "dpkg", f"--root={cls.root}", "--force-depends", "--force-script-chrootless",
                          "--log=/dev/null", "-i", *cls.debs)
        cls.admindir = admindir

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def bin(self, name):
        return os.path.join(self.root, "usr/bin", name)

    def test_every_part_has_a_package_that_installs(self):
        names = [os.path.basename(d).split("_")[0] for d in self.debs]
        self.assertEqual(names, EXPECTED)
        self.assertEqual(self.install.returncode, 0, self.install.stdout + self.install.stderr)
        r = run("dpkg-query", f"--admindir={self.admindir}", "-W", "-f=${Package} ${db:Status-Abbrev}\n")
        for name in EXPECTED:
            self.assertIn(f"{name} ii", r.stdout)

    def test_dependencies_name_debian_libraries_and_the_base_package(self):
        r = run("dpkg-deb", "-f", [d for d in self.debs if "kiosk" in d][0], "Depends")
        for dep in ("omo-loyalty-admin", "libsdl2-2.0-0", "libzxing", "libusb-1.0-0", "fonts-wqy-microhei"):
            self.assertIn(dep, r.stdout)
        r = run("dpkg-deb", "-f", [d for d in self.debs if "link" in d][0], "Depends")
        self.assertIn("libpaho-mqttpp3", r.stdout)

    def test_config_under_etc_is_kept_across_upgrades(self):
        r = run("dpkg-query", f"--admindir={self.admindir}", "-W", "-f=${Conffiles}\n",
                "omo-loyalty-link", "omo-loyalty-hub", "omo-loyalty-admin")
        for conf in ("/etc/loyalty/link.toml", "/etc/loyalty/hub.toml", "/etc/loyalty/program.toml"):
            self.assertIn(conf, r.stdout)
            self.assertTrue(os.path.isfile(self.root + conf))

    def test_the_service_account_is_created(self):
        with open(os.path.join(self.root, "etc/passwd")) as f:
            self.assertIn("loyalty:", f.read())

    def test_the_units_pass_systemd_analyze_verify(self):
        units = ["loyalty-backup.service", "loyalty-backup.timer", "loyalty-link.service",
                 "loyalty-hub@w1.service", "loyalty-kiosk.service"]
        r = run("systemd-analyze", "verify", f"--root={self.root}", *units)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stderr.strip(), "")

    def test_the_installed_programs_start(self):
        db = os.path.join(self.tmp.name, "store.db")
        r = run(self.bin("loyalty-admin"), "--db", db, "load-program", self.root + "/etc/loyalty/program.toml")
        self.assertEqual(r.returncode, 0, r.stderr)
        for tool in ("loyalty-link", "loyalty-hub"):
            r = run(self.bin(tool), "--help")
            self.assertEqual(r.returncode, 0, tool + r.stderr)
        libdir = glob.glob(os.path.join(self.root, "usr/lib/**/libloyalty_pos.so.1"), recursive=True)
        self.assertEqual(len(libdir), 1)
        env = dict(os.environ, LD_LIBRARY_PATH=os.path.dirname(libdir[0]))
        r = run(self.bin("loyalty-pos"), "--help", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        # The kiosk from the package, with the package's translations, draws its first frame.
        env = dict(os.environ, SDL_VIDEODRIVER="offscreen")
        r = run(self.bin("loyalty-kiosk"), "--config", self.root + "/etc/loyalty/kiosk.toml", "--db", db,
                "--assets", self.root + "/usr/share/omo-loyalty",
                "--no-devices", "--first-frame-exit", env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
