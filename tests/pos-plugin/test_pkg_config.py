#!/usr/bin/env python3
"""Installs the loyalty-pos component into a temp prefix, then builds the C
example the way a till vendor would: cc till.c $(pkg-config --cflags --libs loyalty-pos),
and runs it against a seeded store."""
import glob
import json
import os
import subprocess
import sys
import tempfile

cmake, build_dir, cc, source_dir, seed_tool = sys.argv[1:6]
with tempfile.TemporaryDirectory() as tmp:
    prefix = os.path.join(tmp, "prefix")
    subprocess.run([cmake, "--install", build_dir, "--prefix", prefix, "--component", "loyalty-pos"], check=True,
                   capture_output=True)
    pcs = glob.glob(os.path.join(prefix, "**", "loyalty-pos.pc"), recursive=True)
    assert len(pcs) == 1, pcs
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pcs[0]))
    pc = lambda *a: subprocess.run(["pkg-config", *a, "loyalty-pos"], env=env, check=True, capture_output=True,
                                   text=True).stdout.split()
    assert pc("--modversion") == ["1.0.0"], pc("--modversion")
    flags = pc("--cflags", "--libs")
    libdir = [f[2:] for f in flags if f.startswith("-L")][0]
    assert os.path.islink(os.path.join(libdir, "libloyalty_pos.so.1")), "SONAME link installed"
    till = os.path.join(tmp, "till")
    subprocess.run([cc, "-std=c99", "-Wall", "-Werror", os.path.join(source_dir, "pos-plugin/examples/till.c"), "-o", till,
                    *flags], check=True)
    db = os.path.join(tmp, "store.db")
    seed = json.loads(subprocess.run([seed_tool, db], check=True, capture_output=True, text=True).stdout)
    run = subprocess.run([till, db, "DEMO", "S001", "T01", seed["rich_card"], seed["config"]], capture_output=True,
                         text=True, env=dict(os.environ, LD_LIBRARY_PATH=libdir))
    print(run.stdout, run.stderr)
    sys.exit(run.returncode)
