#!/bin/sh
# Crash safety and the run lock, on the sample corpus over loopback:
#   crash.sh KCNATRACK KT_TESTD SOURCE_DIR
# Ten runs killed with SIGKILL at random moments, then one clean run: the
# database passes integrity_check, every page is stored exactly once, and
# the export equals that of an uninterrupted run. Then two runs started
# together: one works, the other exits 75, and the database is intact.
set -u
kt=$1
testd=$2
src=$3
site="$src/tests/fixtures/sample"
work=$(mktemp -d)
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
expect_eq() { if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi; }

"$testd" --root "$site" --port 0 --port-file "$work/port" --max-seconds 900 >/dev/null 2>&1 &
server=$!
i=0
while [ ! -s "$work/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
start="http://127.0.0.1:$(cat "$work/port")/index.html"
# exec: in the background, the kill must reach kcnatrack itself, not a
# subshell that would leave it running.
cp -r "$src/rules" "$work/rules" # one rule set for every run compared
run() { exec "$kt" -q --rules "$work/rules" --db "$1" run --start "$start" --depth 100 --delay-ms 5 --concurrency 2; }

# The uninterrupted baseline, timed so that the kills below land inside a
# run whatever the machine's speed.
t0=$(date +%s%N)
(run "$work/base.db")
expect_eq "baseline run" "$?" 0
span=$((($(date +%s%N) - t0) / 1000000))
"$kt" --rules "$work/rules" --db "$work/base.db" export events --all > "$work/base.csv"

# Ten runs killed at random moments. Later runs have less left to do, so
# the window for the kill starts at the baseline's duration and halves
# whenever a run finished before its kill; kills thus land in every stage.
db="$work/killed.db"
window=$span
for n in 1 2 3 4 5 6 7 8 9 10; do
    (run "$db" 2>/dev/null) &
    pid=$!
    ms=$(od -An -N2 -tu2 /dev/urandom | awk -v s="$window" '{ print $1 % (s + 1) }')
    sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    expect_eq "integrity after kill $n" "$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)" ok
    finished=$(sqlite3 "$db" 'SELECT ended_at IS NOT NULL FROM runs ORDER BY id DESC LIMIT 1' 2>/dev/null)
    if [ "$finished" = 1 ] && [ "$window" -gt 60 ]; then window=$((window / 2)); fi
done
# The kills must have cut runs short (a run row with no end), or this test
# proves nothing.
cut=$(sqlite3 "$db" 'SELECT count(*) FROM runs WHERE ended_at IS NULL')
echo "runs cut short by SIGKILL: $cut of 10"
[ "$cut" -ge 3 ] && ok || bad "only $cut of 10 kills landed inside a run"
(run "$db")
expect_eq "clean run after the kills" "$?" 0
expect_eq "integrity" "$(sqlite3 "$db" 'PRAGMA integrity_check')" ok
expect_eq "each page once" "$(sqlite3 "$db" 'SELECT count(*) - count(DISTINCT url) FROM pages')" 0
expect_eq "pages" "$(sqlite3 "$db" 'SELECT count(*) FROM pages')" "$(find "$site" -type f \( -name '*.html' -o -name '*.kcmsf' \) ! -name '*sp.html' | wc -l)"
"$kt" --rules "$work/rules" --db "$db" export events --all > "$work/killed.csv"
cmp -s "$work/base.csv" "$work/killed.csv" && ok || bad "export after kills differs from the uninterrupted one"

# Two runs started together: exactly one exits 75.
db2="$work/pair.db"
(run "$db2" 2>"$work/a.err") &
a=$!
(run "$db2" 2>"$work/b.err") &
b=$!
wait "$a"; ra=$?
wait "$b"; rb=$?
pair=$(printf '%s\n%s\n' "$ra" "$rb" | sort -n | tr '\n' ' ')
expect_eq "exit statuses of two simultaneous runs" "$pair" "0 75 "
expect_eq "integrity after the pair" "$(sqlite3 "$db2" 'PRAGMA integrity_check')" ok

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
