#!/bin/sh
# Thirty simulated days of a daily cron run against a site that grows:
#   days.sh KCNATRACK KT_TESTD KT_SITEGEN SOURCE_DIR
#
# The project's server serves the sample corpus as it stood on each day
# (kt_sitegen --until: new reports, new day lists, changed calendars and
# indexes; old pages byte for byte the same, so they answer 304). Every day
# `kcnatrack -q run` walks it twice: from the root index (--start) into one
# database, and along the kcna.co.jp profile's lists (--site) into another.
# Some days the run is killed with SIGKILL at a random moment; some days a
# few of the new reports are down (404, 503, a reset) and come back the next
# day; one day the server is down altogether.
#
# After every day that was not killed, exactly:
#   - the exit status is 0, or 3 when something was down;
#   - every report published so far is stored, once (a report down today
#     excepted), and nothing was stored twice;
#   - the documents and the events (export --all) are those of a clean run
#     over that day's site (on the day the server is down: those of the day
#     before);
#   - `status --format json` lists exactly the URLs down that day (the entry
#     page on the day the server is down) and nothing healthy;
#   - incremental `store` and `store --all` give the same export.
# After the last day the export equals one clean run's, byte for byte.
set -u
kt=$1
testd=$2
sitegen=$3
src=$4
reports="$src/tests/corpus/reports"
select='^(t|neg)' # the sample corpus: the first authoring round
work=$(mktemp -d)
server=""
failed=0
passed=0
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: day $day: $*" >&2; }
expect_eq() { if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi; }
cp -r "$src/rules" "$work/rules"
KCNATRACK_RULES="$work/rules"
export KCNATRACK_RULES
site="$work/site"
faults="$work/faults"
: > "$faults"
mkdir "$site"

start_server() { # port (0: any)
    rm -f "$work/port"
    "$testd" --root "$site" --port "$1" --port-file "$work/port" \
        --faults "$faults" --max-seconds 1800 >/dev/null 2>&1 &
    server=$!
    i=0
    while [ ! -s "$work/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
stop_server() {
    kill "$server" 2>/dev/null
    wait "$server" 2>/dev/null
    server=""
}

# The days' cut-off dates: day 1 holds every report up to the first days of
# 2024 (both year calendars exist), days 2-30 add the rest in even steps.
ls "$reports" | grep -E "$select" | while read -r f; do
    sed -n 's/^date: //p' "$reports/$f"
done | sort -u > "$work/dates"
ndates=$(wc -l < "$work/dates")
first=$(awk '$1 >= "2024-01-08" { print NR; exit }' "$work/dates")
cutoff() { # day -> date
    awk -v k="$1" -v f="$first" -v n="$ndates" \
        'NR == (k == 1 ? f : f + int((k - 1) * (n - f) / 29 + 0.5)) { print }' \
        "$work/dates"
}
# Kill days, fault days and the day the server is down.
kill_days=" 5 9 16 21 26 "
fault_days=" 3 7 12 19 24 28 "
down_day=14

q() { sqlite3 "$1" "$2"; }
# Article URLs of each URL's latest version, one a line, sorted.
articles() {
    q "$1" "SELECT d.url FROM documents d JOIN pages p ON p.id=d.page_id
            WHERE d.kind='article' AND p.id=(SELECT max(id) FROM pages x WHERE x.url=p.url)
            ORDER BY d.url"
}
# The documents as a reader sees them (latest versions).
documents() {
    q "$1" "SELECT d.url, d.kind, d.title, d.pub_date, length(d.body), d.body
            FROM documents d JOIN pages p ON p.id=d.page_id
            WHERE p.id=(SELECT max(id) FROM pages x WHERE x.url=p.url)
            ORDER BY d.url" | cksum
}
# Failing or given-up URLs that status reports, sorted.
status_urls() {
    "$kt" --db "$1" status --format json |
        grep -o '"url":"[^"]*","state":"[^"]*"' | sed 's/^"url":"\([^"]*\)".*/\1/' | sort
}
export_all() { "$kt" --db "$1" export events --all; }

daily_run() { # db variant [kill]
    if [ "$2" = start ]; then
        set -- "$1" "$2" "$3" run --start "$base/index.html" --depth 100
    else
        set -- "$1" "$2" "$3" run --site kcna-co-jp --base-url "$base/kcna.co.jp"
    fi
    db=$1
    killit=$3
    shift 3
    if [ "$killit" = kill ]; then
        # exec: the kill must reach kcnatrack itself
        (exec "$kt" -q --db "$db" "$@" --delay-ms 15 --retries 0 2>/dev/null) &
        pid=$!
        ms=$(od -An -N2 -tu2 /dev/urandom | awk '{ print 30 + $1 % 400 }')
        sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 0
    fi
    "$kt" -q --db "$db" "$@" --delay-ms 0 --retries 0 2>"$work/err"
}

start_server 0
port=$(cat "$work/port")
base="http://127.0.0.1:$port"
: > "$work/prev_manifest"
for day in $(seq 1 30); do
    until=$(cutoff "$day")
    "$sitegen" --reports "$reports" --select "$select" --until "$until" \
        --out "$site" --manifest "$work/manifest" >/dev/null ||
        bad "kt_sitegen failed"
    # English reports published so far, and today's new ones
    awk -F, 'NR > 1 && $1 !~ /sp\.html$/ { print $1 }' "$work/manifest" | sort > "$work/published"
    comm -13 "$work/prev_manifest" "$work/published" > "$work/new"
    cp "$work/published" "$work/prev_manifest"
    : > "$work/down"
    case "$fault_days" in *" $day "*)
        # two of today's new reports go down: one of kcna.co.jp's, one other
        grep '^kcna.co.jp/' "$work/new" | head -1 > "$work/down"
        grep -v '^kcna.co.jp/' "$work/new" | head -1 >> "$work/down"
    esac
    codes="404 503 reset"
    : > "$faults.tmp"
    n=0
    while read -r p; do
        n=$((n + 1))
        printf '%s /%s\n' "$(echo $codes | cut -d' ' -f$(( (day + n) % 3 + 1 )))" "$p" >> "$faults.tmp"
    done < "$work/down"
    mv "$faults.tmp" "$faults"
    sed "s|^|$base/|" "$work/down" | sort > "$work/down_urls"
    grep "/kcna.co.jp/" "$work/down_urls" > "$work/down_urls_site"

    killed=0
    case "$kill_days" in *" $day "*) killed=1 ;; esac
    [ "$day" -eq "$down_day" ] && stop_server

    for variant in start site; do
        db="$work/$variant.db"
        if [ $killed -eq 1 ]; then
            daily_run "$db" "$variant" kill
            expect_eq "$variant: integrity after the kill" "$(q "$db" 'PRAGMA integrity_check' 2>&1)" ok
            continue
        fi
        daily_run "$db" "$variant" run
        rc=$?
        want_down="$work/down_urls"
        [ "$variant" = site ] && want_down="$work/down_urls_site"
        want_rc=0
        [ -s "$want_down" ] && want_rc=3
        [ "$day" -eq "$down_day" ] && want_rc=3
        expect_eq "$variant: exit status" "$rc" "$want_rc"
        if [ "$want_rc" -eq 0 ]; then
            expect_eq "$variant: quiet on success" "$(cat "$work/err")" ""
        fi
        expect_eq "$variant: integrity" "$(q "$db" 'PRAGMA integrity_check')" ok
        expect_eq "$variant: no page stored twice" \
            "$(q "$db" "SELECT count(*) FROM (SELECT url FROM pages WHERE url IN (SELECT url FROM documents WHERE kind='article') GROUP BY url HAVING count(*) > 1)")" 0
        if [ "$day" -eq "$down_day" ]; then
            expect_eq "$variant: server down: one line for the host" \
                "$(grep -c 'unreachable' "$work/err")" 1
            expect_eq "$variant: server down: only that line and the stage lines" \
                "$(grep -vc -e unreachable -e '^[a-z]*: [0-9]* done' "$work/err")" 0
            entry="$base/index.html"
            [ "$variant" = site ] && entry=$(printf '%s\n%s\n' "$base/kcna.co.jp/item/2023/calendar-2023e.html" "$base/kcna.co.jp/item/2024/calendar-2024e.html")
            expect_eq "$variant: server down: status lists the entries" "$(status_urls "$db")" "$entry"
            expect_eq "$variant: server down: nothing lost" "$(articles "$db")" "$(cat "$work/$variant.articles")"
            expect_eq "$variant: server down: events as the day before" "$(export_all "$db" | cksum)" "$(cat "$work/$variant.export")"
            continue
        fi
        # everything published is stored, but what is down today
        if [ "$variant" = start ]; then
            comm -23 "$work/published" "$work/down" | sed "s|^|$base/|"
        else
            grep '^kcna.co.jp/' "$work/published" | comm -23 - "$work/down" | sed "s|^|$base/|"
        fi | sed 's|/$|/|' | sort > "$work/want_articles"
        articles "$db" > "$work/got_articles"
        expect_eq "$variant: every published report stored" \
            "$(cmp -s "$work/want_articles" "$work/got_articles" && echo same || diff "$work/want_articles" "$work/got_articles" | head -5)" same
        expect_eq "$variant: status lists exactly what is down" "$(status_urls "$db")" "$(cat "$want_down")"
        # a clean run over the same site
        clean="$work/clean-$variant.db"
        rm -f "$clean" "$clean-wal" "$clean-shm"
        daily_run "$clean" "$variant" run
        expect_eq "$variant: documents as a clean run's" "$(documents "$db")" "$(documents "$clean")"
        export_all "$db" > "$work/e1"
        export_all "$clean" > "$work/e2"
        cmp -s "$work/e1" "$work/e2" && ok || bad "$variant: events differ from a clean run's: $(diff "$work/e1" "$work/e2" | head -4)"
        # incremental store against a full one
        sqlite3 "$db" ".backup '$work/copy.db'"
        "$kt" -q --db "$work/copy.db" store --all
        export_all "$work/copy.db" > "$work/e3"
        cmp -s "$work/e1" "$work/e3" && ok || bad "$variant: incremental store differs from store --all"
        rm -f "$work/copy.db"*
        articles "$db" > "$work/$variant.articles"
        cksum < "$work/e1" > "$work/$variant.export"
    done
    if [ "$day" -eq "$down_day" ]; then
        start_server "$port"
    fi
done
# After the last day: byte for byte the export of one clean run.
for variant in start site; do
    export_all "$work/$variant.db" > "$work/final"
    export_all "$work/clean-$variant.db" > "$work/final-clean"
    cmp -s "$work/final" "$work/final-clean" && ok || bad "$variant: final export differs from a clean run's"
    cut=$(q "$work/$variant.db" 'SELECT count(*) FROM runs WHERE ended_at IS NULL')
    echo "$variant: runs cut short by SIGKILL: $cut of 5"
    # the kills must land inside runs, or the healing was never tried
    [ "$cut" -ge 3 ] && ok || bad "$variant: only $cut of 5 kills landed inside a run"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
