#!/usr/bin/env python3
"""A stand-in for an SMS provider, speaking the hub's SMS gateway interface
(cloud-link/src/sms_gateway.hpp): POST a JSON {"id", "to", "text"} with
"Authorization: Bearer <token>". Every request is appended to --log as one JSON line
({"id", "to", "text", "auth", "status"}), so a test can read the code a shopper would
get on their phone. --fail-first N answers the first N requests 503 (a provider having
a bad minute); a wrong --token answers 401.

    sms_gateway_stand_in.py --port 8025 --log sms.jsonl [--token T] [--fail-first N]
"""
import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--token", default="")
parser.add_argument("--fail-first", type=int, default=0)
args = parser.parse_args()
lock = threading.Lock()
seen = {"requests": 0}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        auth = self.headers.get("Authorization", "")
        with lock:
            seen["requests"] += 1
            n = seen["requests"]
            try:
                message = json.loads(body)
                ok = isinstance(message, dict) and all(
                    isinstance(message.get(k), str) for k in ("id", "to", "text"))
            except ValueError:
                message, ok = {}, False
            if args.token and auth != "Bearer " + args.token:
                status = 401
            elif not ok:
                status = 400
            elif n <= args.fail_first:
                status = 503
            else:
                status = 200
            record = dict(message) if isinstance(message, dict) else {}
            record.update({"auth": auth, "status": status})
            with open(args.log, "a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"accepted": %s}' % (b"true" if status == 200 else b"false"))

    def log_message(self, *_):
        pass


ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
