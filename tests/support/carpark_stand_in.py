#!/usr/bin/python3
"""A stand-in for a mall's car park system: subscribes to the hub's parking credits
(cloud-link/PROTOCOL.md, "Parking credits") with the car park's own broker credentials
and logs each credit it receives, one JSON line per message, to --log:

    {"event": "subscribed", "granted": [1]}
    {"event": "credit", "topic": ..., "credit_id": ..., "plate": ..., "minutes": ...,
     "dup": false, "seen_before": false, "payload": {...}}

A real car park dedupes by credit_id (QoS 1 may deliver a message twice); this one logs
every delivery and says whether it had seen the id, so a test can count both. MQTT 5
with a persistent session (clean_start false, one hour): credits published while it is
away wait at the broker. Needs Debian's python3-paho-mqtt (1.6).

    carpark_stand_in.py --port 1883 --username carpark --password pw --log carpark.jsonl
"""
import argparse
import json
import signal
import sys

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

parser = argparse.ArgumentParser()
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--username", required=True)
parser.add_argument("--password", required=True)
parser.add_argument("--client-id", default="carpark-stand-in")
parser.add_argument("--topic", default="loyalty/v1/+/carpark/#")
parser.add_argument("--log", required=True)
args = parser.parse_args()
seen = set()


def log(record):
    with open(args.log, "a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def on_connect(client, userdata, flags, rc, properties=None):
    if rc != 0:
        log({"event": "refused", "reason": str(rc)})
        return
    client.subscribe(args.topic, qos=1)


def on_subscribe(client, userdata, mid, reason_codes, properties=None):
    log({"event": "subscribed", "granted": [int(getattr(c, "value", c)) for c in reason_codes]})


def on_message(client, userdata, message):
    try:
        payload = json.loads(message.payload)
    except ValueError:
        log({"event": "unreadable", "topic": message.topic})
        return
    credit = payload.get("credit_id") if isinstance(payload, dict) else None
    log({"event": "credit", "topic": message.topic, "credit_id": credit,
         "plate": payload.get("plate"), "minutes": payload.get("minutes"),
         "dup": bool(message.dup), "seen_before": credit in seen, "payload": payload})
    seen.add(credit)


client = mqtt.Client(client_id=args.client_id, protocol=mqtt.MQTTv5)
client.username_pw_set(args.username, args.password)
client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
signal.signal(signal.SIGTERM, lambda *_: client.disconnect())
connect = Properties(PacketTypes.CONNECT)
connect.SessionExpiryInterval = 3600
client.connect(args.host, args.port, clean_start=False, properties=connect)
client.loop_forever(retry_first_connection=True)
sys.exit(0)
