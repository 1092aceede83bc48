#!/bin/sh
# The main job end to end on the bundled sample corpus: installs missing
# build dependencies, builds kcnatrack, serves tests/fixtures/sample/ on a
# loopback port with the project's own server, crawls it with a real HTTP
# fetch, extracts, classifies, consolidates, prints the events and ends
# with the comparison against the commentary's three tables.
# Leaves its database in build/demo.db for further commands, e.g.
#   build/kcnatrack --db build/demo.db explain EVENT_ID
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

db=build/demo.db
rm -f "$db" "$db-wal" "$db-shm" "$db.lock"
portfile=$(mktemp)
build/tests/httpd/kt_testd --root tests/fixtures/sample --port 0 \
    --port-file "$portfile" --max-seconds 900 >/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$portfile"' EXIT INT TERM
i=0
while [ ! -s "$portfile" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$portfile")
echo "Serving the sample corpus on http://127.0.0.1:$port/" >&2

build/kcnatrack --db "$db" run --start "http://127.0.0.1:$port/index.html" \
    --depth 100 --delay-ms 0 --concurrency 2
echo
build/kcnatrack --db "$db" export events
echo
build/kcnatrack --db "$db" compare
