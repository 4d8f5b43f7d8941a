#!/bin/sh
# Makes the upgrade fixtures (store.db, hub.db) with the programs of an older
# build, run as a store and the hub would run them: a real mosquitto, the hub
# worker and the link agent as processes, sales through the POS CLI.
#
# usage: make-fixtures.sh OLD_BUILD_DIR OUT_DIR
#   OLD_BUILD_DIR: build/dev of the old checkout, with loyalty-admin, loyalty-pos,
#   loyalty-hub and loyalty-link built.
set -eu
old=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
src=$(cd "$(dirname "$0")/../../.." && pwd)
admin="$old/core/loyalty-admin"
pos="$old/pos-plugin/loyalty-pos"
hub="$old/cloud-link/loyalty-hub"
link="$old/cloud-link/loyalty-link"
work=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

q() { sqlite3 "$work/$1" "$2" 2>/dev/null || true; }
# Polls a query until it prints the expected value (30 s at most).
wait_for() {
    n=0
    until [ "$(q "$1" "$2")" = "$3" ]; do
        n=$((n + 1))
        if [ $n -gt 300 ]; then echo "timed out: $1: $2 (want $3, have $(q "$1" "$2"))" >&2; exit 1; fi
        sleep 0.1
    done
}

# The store database: the demo program, members with purchase histories (the
# demo clears the outbox it leaves), written as loyalty-admin S001/ADMIN.
"$admin" --db "$work/store.db" --store S001 --terminal ADMIN demo \
    --program-file "$src/assets/config/demo-program.toml" --members 6

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
CONF
chmod 755 "$work"
mosquitto -c "$work/mosquitto.conf" 2> "$work/mosquitto.log" &
pids="$pids $!"
cat > "$work/hub.toml" <<CONF
[hub]
db = "hub.db"
worker = "w1"
full_sync = false
[broker]
uri = "tcp://127.0.0.1:$port"
CONF
cat > "$work/link.toml" <<CONF
[terminal]
db = "store.db"
program = "DEMO"
store = "S001"
terminal = "T01"
[broker]
uri = "tcp://127.0.0.1:$port"
[link]
full_sync = false
CONF
sleep 0.5

# Head office's program at the hub, sent down (retained) to S001.
"$hub" -c "$work/hub.toml" --publish-program "$src/assets/config/demo-program.toml" --program DEMO --stores S001
"$hub" -c "$work/hub.toml" > "$work/hub.log" 2>&1 &
hub_pid=$!
pids="$pids $hub_pid"
"$link" -c "$work/link.toml" > "$work/link.log" 2>&1 &
link_pid=$!
pids="$pids $link_pid"
wait_for store.db "SELECT count(*) FROM link_down_items WHERE kind = 'config' AND key = 'program'" 1

# Sales at the till T01, one paid partly with points; the agent ships them and
# the hub's snapshots come back down.
sell() {  # member receipt price [points]
    "$pos" --db "$work/store.db" --program DEMO --store S001 --terminal T01 commit \
        "{\"member\":\"$1\",\"receipt\":\"$2\",\"points_to_pay\":${4:-0},\"lines\":[{\"sku\":\"TS-1\",\"category\":\"apparel\",\"quantity\":1,\"unit_price\":$3}]}" \
        > /dev/null
}
m1=$(q store.db "SELECT uid FROM members ORDER BY points_available DESC, id LIMIT 1")
m2=$(q store.db "SELECT uid FROM members WHERE uid <> '$m1' ORDER BY id LIMIT 1")
m3=$(q store.db "SELECT uid FROM members WHERE uid NOT IN ('$m1', '$m2') ORDER BY id LIMIT 1")
sell "$m1" T01-1 19900
sell "$m2" T01-2 45000
sell "$m3" T01-3 8800
sell "$m1" T01-4 29900 100
wait_for store.db "SELECT count(*) FROM outbox WHERE terminal = 'T01'" 0
wait_for store.db "SELECT count(*) >= 3 FROM link_down_items WHERE kind = 'snapshots'" 1

# A campaign file from the hub (the hub's config version counter, a config item down).
"$hub" -c "$work/hub.toml" --publish-campaigns "$src/assets/config/demo-campaigns.json" --program DEMO --stores S001
wait_for store.db "SELECT count(*) FROM link_down_items WHERE kind = 'config' AND key = 'campaigns'" 1

# The hub goes away: what the store does now stays in its outbox.
kill -TERM "$hub_pid"
wait "$hub_pid" || true
sell "$m2" T01-5 12000
sell "$m3" T01-6 56000
"$admin" --db "$work/store.db" --store S001 --terminal ADMIN --program DEMO adjust "$(q store.db "SELECT id FROM members WHERE uid = '$m1'")" 250 \
    --reason "fixture: goodwill" --actor manager --key fixture-adjust-1 > /dev/null
sleep 1
kill -TERM "$link_pid"
wait "$link_pid" || true

for db in store.db hub.db; do
    # Both processes closed cleanly, so the WAL is checkpointed; a small page size
    # keeps the files small (the rows are untouched).
    sqlite3 "$work/$db" "PRAGMA journal_mode = DELETE; PRAGMA page_size = 512; VACUUM;" > /dev/null
    cp "$work/$db" "$out/$db"
done
echo "fixtures in $out:"
for db in store.db hub.db; do
    echo "$db: $(wc -c < "$out/$db") bytes"
done
