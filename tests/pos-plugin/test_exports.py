#!/usr/bin/env python3
"""The library exports only loyalty_pos_* (plus its version node) and has the versioned SONAME."""
import re
import subprocess
import sys

lib, header_path = sys.argv[1:3]
symbols = subprocess.run(["nm", "-D", "--defined-only", lib], check=True, capture_output=True, text=True).stdout.split("\n")
names = [line.split()[-1] for line in symbols if line.strip()]
stray = [n for n in names if not re.match(r"^(loyalty_pos_[a-z_]+@@LOYALTY_POS_1|LOYALTY_POS_1)$", n)]
functions = [n for n in names if n.startswith("loyalty_pos_")]
header = open(header_path).read()
declared = set(re.findall(r"LOYALTY_POS_API [^(]*?\b(loyalty_pos_\w+)\(", header))
exported = {n.split("@")[0] for n in functions}
soname = subprocess.run(["objdump", "-p", lib], check=True, capture_output=True, text=True).stdout
ok = True
if stray:
    print("unexpected exports:", stray[:20])
    ok = False
if declared != exported:
    print("header and exports differ:", sorted(declared ^ exported))
    ok = False
if "SONAME               libloyalty_pos.so.1" not in soname:
    print("SONAME is not libloyalty_pos.so.1")
    ok = False
print(f"{len(exported)} exported functions, all loyalty_pos_*" if ok else "export check failed")
sys.exit(0 if ok else 1)
