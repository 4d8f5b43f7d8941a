#!/usr/bin/env python3
"""A till in Python over libloyalty_pos through ctypes (Debian's python3, nothing to install).

    from till import LoyaltyPos
    pos = LoyaltyPos("/usr/lib/x86_64-linux-gnu/libloyalty_pos.so.1")
    with pos.open("store.db", "DEMO", "S001", "T01", {"cashier": "c-01"}) as till:
        member = till.identify("13900000001")
        joined = till.enroll({"phone": "13800138000", "consent_privacy": True, "request_id": "P-E-1"})
        sale = till.commit({"member": member["member"], "receipt": "P-1", "lines": [...]})

Run as a program it sells one basket:  till.py LIB DB SCANNED [CONFIG_JSON]
"""
import ctypes
import json
import sys

ABI_VERSION = 1


class PosError(Exception):
    """A call failed: status is the LOYALTY_POS_E_* code, name its name."""

    def __init__(self, status, name, message):
        super().__init__(f"{name}: {message}")
        self.status = status
        self.name = name
        self.message = message


class LoyaltyPos:
    """The library, loaded once; open() gives sessions."""

    def __init__(self, path="libloyalty_pos.so.1"):
        lib = ctypes.CDLL(path)
        vp, cp, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
        lib.loyalty_pos_version.restype = cp
        lib.loyalty_pos_abi_version.restype = i
        lib.loyalty_pos_status_name.restype = cp
        lib.loyalty_pos_status_name.argtypes = [i]
        lib.loyalty_pos_last_error.restype = cp
        lib.loyalty_pos_last_error_code.restype = i
        lib.loyalty_pos_free.argtypes = [vp]
        lib.loyalty_pos_free.restype = None
        lib.loyalty_pos_open.argtypes = [cp, cp, cp, cp, cp, ctypes.POINTER(vp)]
        lib.loyalty_pos_open.restype = i
        lib.loyalty_pos_close.argtypes = [vp]
        lib.loyalty_pos_close.restype = None
        for name in ("identify", "quote", "commit", "refund", "void", "redeem", "adjust_points", "block_card",
                     "enroll", "top_up", "stored_value", "refund_top_up", "adjust_stored_value"):
            f = getattr(lib, "loyalty_pos_" + name)
            f.argtypes = [vp, cp, ctypes.POINTER(vp)]
            f.restype = i
        if lib.loyalty_pos_abi_version() != ABI_VERSION:
            raise RuntimeError(f"libloyalty_pos has ABI {lib.loyalty_pos_abi_version()}, this client needs {ABI_VERSION}")
        self.lib = lib

    def version(self):
        return self.lib.loyalty_pos_version().decode()

    def error(self, status):
        return PosError(status, self.lib.loyalty_pos_status_name(status).decode(),
                        self.lib.loyalty_pos_last_error().decode())

    def open(self, db, program, store, terminal, config=None):
        handle = ctypes.c_void_p()
        text = json.dumps(config).encode() if config is not None else None
        status = self.lib.loyalty_pos_open(str(db).encode(), program.encode(), store.encode(), terminal.encode(),
                                           text, ctypes.byref(handle))
        if status != 0:
            raise self.error(status)
        return Session(self, handle)


class Session:
    """One terminal session; every call returns the result as a dict or raises PosError."""

    def __init__(self, pos, handle):
        self.pos = pos
        self.handle = handle

    def _call(self, name, argument):
        if self.handle is None:
            raise RuntimeError("session is closed")
        text = argument if isinstance(argument, str) else json.dumps(argument)
        out = ctypes.c_void_p()
        status = getattr(self.pos.lib, "loyalty_pos_" + name)(self.handle, text.encode(), ctypes.byref(out))
        if status != 0:
            raise self.pos.error(status)
        try:
            return json.loads(ctypes.string_at(out.value).decode())
        finally:
            self.pos.lib.loyalty_pos_free(out)

    def identify(self, scanned):
        return self._call("identify", scanned)

    def quote(self, basket):
        return self._call("quote", basket)

    def commit(self, basket):
        return self._call("commit", basket)

    def refund(self, request):
        return self._call("refund", request)

    def void(self, receipt):
        return self._call("void", receipt)

    def redeem(self, request):
        return self._call("redeem", request)

    def adjust_points(self, request):
        return self._call("adjust_points", request)

    def block_card(self, request):
        return self._call("block_card", request)

    def enroll(self, request):
        return self._call("enroll", request)

    # Stored value: the till takes the money, these record it (idempotent by request id).
    def top_up(self, request):
        return self._call("top_up", request)

    def stored_value(self, request):
        return self._call("stored_value", request)

    def refund_top_up(self, request):
        return self._call("refund_top_up", request)

    def adjust_stored_value(self, request):
        return self._call("adjust_stored_value", request)

    def close(self):
        if self.handle is not None:
            self.pos.lib.loyalty_pos_close(self.handle)
            self.handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def main(argv):
    if len(argv) < 4:
        print("usage: till.py LIB DB SCANNED [CONFIG_JSON [RECEIPT]]", file=sys.stderr)
        return 2
    pos = LoyaltyPos(argv[1])
    config = json.loads(argv[4]) if len(argv) > 4 else None
    receipt = argv[5] if len(argv) > 5 else "PY-EX-1"
    print("libloyalty_pos", pos.version())
    try:
        with pos.open(argv[2], "DEMO", "S001", "T01", config) as till:
            member = till.identify(argv[3])
            print("member", member["name"], member["tier_name"], member["points_available"])
            basket = {"member": member["member"], "receipt": receipt,
                      "lines": [{"sku": "SH-3301", "category": "shoes", "quantity": 1, "unit_price": 59900}]}
            print("quote", json.dumps(till.quote(basket), ensure_ascii=False))
            sale = till.commit(basket)
            for line in sale["receipt_lines"]:
                print(line)
    except PosError as e:
        print("till:", e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
