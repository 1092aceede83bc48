#!/bin/sh
# End-to-end test of the kcnatrack command on the sample corpus, served over
# loopback by the project's own server:
#   e2e.sh KCNATRACK KT_TESTD SOURCE_DIR
# Checks exact outcomes: what the crawl stores, that every stage run twice
# changes nothing, that events rebuild identically, that a rule change redoes
# exactly the classified work, the run lock, and a broken rule's error.
set -u
kt=$1
testd=$2
src=$3
site="$src/tests/fixtures/sample"
manifest="$src/tests/fixtures/sample-manifest.csv"
work=$(mktemp -d)
db="$work/t.db"
failed=0
passed=0
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
# One rule set for the whole test, whatever happens to rules/ meanwhile.
cp -r "$src/rules" "$work/rules0"
KCNATRACK_RULES="$work/rules0"
export KCNATRACK_RULES

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
expect_eq() { # what got want
    if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}
q() { sqlite3 "$db" "$1"; }
counts() { # every table but runs, which grows by design
    q "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name <> 'runs' ORDER BY name" |
        while read -r t; do printf '%s=%s ' "$t" "$(q "SELECT count(*) FROM \"$t\"")"; done
}

"$testd" --root "$site" --port 0 --port-file "$work/port" --max-seconds 600 >/dev/null 2>&1 &
server=$!
i=0
while [ ! -s "$work/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$work/port")
base="http://127.0.0.1:$port"

# 1. A real crawl: every English page of the corpus is reached and stored
#    once; Spanish stories are recognised from their links and skipped.
"$kt" --db "$db" run --start "$base/index.html" --depth 100 --delay-ms 0 --concurrency 2 2>"$work/run1.err"
expect_eq "first run exit status" "$?" 0
nfiles=$(find "$site" -type f \( -name '*.html' -o -name '*.kcmsf' \) ! -name '*sp.html' | wc -l)
nsp=$(find "$site" -type f -name '*sp.html' | wc -l)
expect_eq "fetch summary" "$(grep '^fetch:' "$work/run1.err")" \
    "fetch: $nfiles done, 0 unchanged, $nsp skipped, 0 failed"
expect_eq "pages stored" "$(q 'SELECT count(*) FROM pages')" "$nfiles"
expect_eq "distinct page URLs" "$(q 'SELECT count(DISTINCT url) FROM pages')" "$nfiles"
nen=$(awk -F, 'NR > 1 && $1 !~ /sp\.html$/' "$manifest" | wc -l)
expect_eq "article documents" "$(q "SELECT count(*) FROM documents WHERE kind='article'")" "$nen"
expect_eq "index documents" "$(q "SELECT count(*) FROM documents WHERE kind='index'")" "$((nfiles - nen))"
expect_eq "every article classified" "$(q 'SELECT count(*) FROM classifications')" "$nen"
expect_eq "integrity" "$(q 'PRAGMA integrity_check')" ok
tabled=$(q "SELECT count(*) FROM events WHERE tbl IN (1,2,3)")
[ "$tabled" -gt 40 ] && ok || bad "only $tabled events in Tables 1-3"
"$kt" --db "$db" export events --all > "$work/export1.csv"
head -1 "$work/export1.csv" > "$work/header"
expect_eq "export header" "$(cat "$work/header")" \
    "event_id,table,month,country,location,sector,event_type,direction,title,first_date,last_date,reports,sources"
# An auditor's question: which reports and rules made this event?
ev=$(awk -F, 'NR > 1 && $2 != "" && $6 != "" { print $1; exit }' "$work/export1.csv")
"$kt" --db "$db" explain "$ev" > "$work/explain.json"
expect_eq "explain exit" "$?" 0
grep -q "\"event_id\":\"$ev\"" "$work/explain.json" && ok || bad "explain lacks the event"
expect_eq "explain names a rule by file and line for the event's sector" \
    "$(grep -c '"field":"sector","value":"[^"]*","rule":"[^"]*","file":"[^"]*\.rules","line":[0-9]' "$work/explain.json" | awk '{ print ($1 > 0) }')" 1
"$kt" --db "$db" explain ev-000000000000 2>/dev/null
expect_eq "explain of an unknown event" "$?" 65
counts1=$(counts)

# 2. Idempotence: the whole run again, then each stage alone.
"$kt" -q --db "$db" run --start "$base/index.html" --depth 100 --delay-ms 0 --concurrency 2 2>"$work/run2.err"
expect_eq "second run exit status" "$?" 0
expect_eq "a second run is quiet" "$(cat "$work/run2.err")" ""
expect_eq "counts after a second run" "$(counts)" "$counts1"
# Every list page answered 304 the second time: a success, not a failure
# (regression: 304s were stored as failures and listed by status).
expect_eq "second run: nothing failing" \
    "$("$kt" --db "$db" status --format json | grep -o '"failing":[0-9]*,"entries_failing":[0-9]*,"given_up":[0-9]*')" \
    '"failing":0,"entries_failing":0,"given_up":0'
expect_eq "second run: the lists were checked (304)" \
    "$(q "SELECT count(*) > 0 FROM urls WHERE last_outcome='not_modified' AND failures=0")" 1
for stage in extract classify store; do
    "$kt" -q --db "$db" "$stage"
    expect_eq "$stage twice: exit" "$?" 0
    expect_eq "$stage twice: counts" "$(counts)" "$counts1"
done
"$kt" --db "$db" export events --all > "$work/export2.csv"
cmp -s "$work/export1.csv" "$work/export2.csv" && ok || bad "export changed on re-run"

# 3. Events deleted and rebuilt from the mentions: the same export. The
#    sqlite3 shell leaves foreign keys off, so the links stay behind as
#    orphans; the rebuild must cope (regression: it failed on them).
q "DELETE FROM events"
expect_eq "events deleted" "$(q 'SELECT count(*) FROM events')" 0
"$kt" -q --db "$db" store --all
"$kt" --db "$db" export events --all > "$work/export3.csv"
cmp -s "$work/export1.csv" "$work/export3.csv" && ok || bad "store --all did not rebuild the same export"

# 3b. Finding reports by their words, and scoring labelled reports. The
#     one report whose headline names Primorsky comes first; a bad query
#     exits 65 naming it; the full-text index agrees with the documents.
"$kt" --db "$db" search Primorsky > "$work/search.txt"
expect_eq "search exit" "$?" 0
expect_eq "search: how many" "$(sed -n 1p "$work/search.txt")" "8 reports match 'Primorsky':"
expect_eq "search: the best hit, marked" "$(sed -n 3p "$work/search.txt")" \
    "1. 2024-03-13  [[Primorsky]] Territory Delegation Arrives"
expect_eq "search: its URL" "$(sed -n 4p "$work/search.txt")" \
    "   $base/kcna.co.jp/item/2024/202403/news13/20240313-01ee.html"
expect_eq "search: its event, in Table 1" \
    "$(sed -n 5p "$work/search.txt" | sed 's/ev-[0-9a-f]*/EV/; s/#[0-9]*/#ID/')" "   event EV (Table 1)  #ID"
expect_eq "search: the snippet" "$(sed -n 6p "$work/search.txt")" \
    "   Pyongyang, March 13 (KCNA) -- A delegation of [[Primorsky]] Territory led by its vice-governor arrived here on Tuesday. The delegation was greeted at the..."
expect_eq "search: a period" "$("$kt" --db "$db" search --from 2023-12-01 --to 2023-12-31 Primorsky | head -1)" \
    "2 reports match 'Primorsky':"
expect_eq "search: json" "$("$kt" --db "$db" search --format json --limit 1 Primorsky | tr -d '\n' | grep -o '"total":8,"hits":\[{"rank":1,"document_id":[0-9]*,"url":"[^"]*"' | sed 's/"document_id":[0-9]*/ID/')" \
    "\"total\":8,\"hits\":[{\"rank\":1,ID,\"url\":\"$base/kcna.co.jp/item/2024/202403/news13/20240313-01ee.html\""
"$kt" --db "$db" search 'Primorsky AND' 2>"$work/search.err"
expect_eq "search: a bad query exits 65" "$?" 65
grep -q "^kcnatrack: search: 'Primorsky AND' is not a full-text query: fts5: syntax error" "$work/search.err" && ok || bad "bad query message: $(cat "$work/search.err")"
expect_eq "full-text index in step with the documents" \
    "$(sqlite3 "$db" "INSERT INTO documents_fts(documents_fts, rank) VALUES ('integrity-check', 1)" 2>&1; echo $?)" 0
# A labels file for a few sample reports: five right (one named by #ID),
# one labelled with the wrong row on purpose, two the rules put in a table
# though labelled as no exchange (a visit's announcement now joins the
# visit it announces, as the real set's labels do), and one not stored.
kp_leaves=$(q "SELECT id FROM documents WHERE url='$base/kcna.kp/en/article/q/34d0e04d77b1148acbbc4cfd1a3f821b.kcmsf'")
cat > "$work/labels.csv" <<EOF
url,label,note
$base/kcna.co.jp/item/2024/202403/news13/20240313-01ee.html,T1-23,arrival
$base/kcna.kp/en/article/q/8ceae476a4d850c4b479eb1ab6474d04.kcmsf,T1-23,talks
$base/kcna.co.jp/item/2023/202310/news20/20231020-01ee.html,T1-32,talks
#$kp_leaves,T1-32,departure
$base/kcna.co.jp/item/2023/202310/news17/20231017-01ee.html,none,announcement
$base/kcna.kp/en/article/q/eeb667bc1c78b97bb92f40246eec1f6d.kcmsf,message,birthday greetings
$base/kcna.kp/en/article/q/081537b13f93083540e38586bf84dfee.kcmsf,T1-23,"wrong on purpose: T1-30"
$base/kcna.co.jp/item/2023/202307/news26/20230726-01ee.html,none,"a visit, said the rules"
$base/kcna.co.jp/item/2099/209901/news01/20990101-01ee.html,none,not stored
EOF
"$kt" --db "$db" compare --labels "$work/labels.csv" --reference "$src/reference/commentary-2024.csv" > "$work/labels.out"
expect_eq "compare --labels exit" "$?" 0
sed "s/ev-[0-9a-f]\{12\}/EV/g" "$work/labels.out" > "$work/labels.got"
cat > "$work/labels.want" <<EOF
Labels $work/labels.csv scored against $src/reference/commentary-2024.csv
9 labels: 8 reports found, 1 not in the database; 5 agree, 3 disagree

Scores         labelled  given  agree precision recall    F1
Table 1               5      7      4     0.571  0.800 0.667
Table 2               0      0      0     0.000  0.000 0.000
Table 3               0      0      0     0.000  0.000 0.000
All tables            5      7      4     0.571  0.800 0.667
Left out              3      1      1     1.000  0.333 0.500
  message             1      1      1     1.000  1.000 1.000
  none                2      0      0     0.000  0.000 0.000

Disagreements by class
  wrong table                      0
  wrong country                    0
  wrong direction or location      0
  wrong month                      1
  wrong sector                     0
  left out wrongly                 0
  kept wrongly                     2
  split                            0
  merged                           0
  all                              3
  not in the database              1

Disagreements
line 8: wrong month
  report  $base/kcna.kp/en/article/q/081537b13f93083540e38586bf84dfee.kcmsf
  label   T1-23  Table 1 2024-03  Russia / Pyongyang / Economy
  event   EV  Table 1 2023-12  Russia / Pyongyang / Economy  (talks, 2 reports; matches T1-30)
  why     month: row 2024-03, event 2023-12
line 6: kept wrongly
  report  $base/kcna.co.jp/item/2023/202310/news17/20231017-01ee.html
  label   none
  event   EV  Table 1 2023-10  Russia / Pyongyang / Diplomacy  (talks, 5 reports; matches T1-32)
line 9: kept wrongly
  report  $base/kcna.co.jp/item/2023/202307/news26/20230726-01ee.html
  label   none
  event   EV  Table 1 2023-07  Russia / Pyongyang / Military  (visit, 2 reports)

Not in the database
  line 10: $base/kcna.co.jp/item/2099/209901/news01/20990101-01ee.html
EOF
if cmp -s "$work/labels.want" "$work/labels.got"; then ok; else bad "compare --labels output:"; diff "$work/labels.want" "$work/labels.got" >&2; fi
expect_eq "compare --labels csv: the report named by #ID" \
    "$("$kt" --db "$db" compare --labels "$work/labels.csv" --reference "$src/reference/commentary-2024.csv" --format csv | grep "^5," | cut -d, -f2-5)" \
    "#$kp_leaves,$kp_leaves,T1-32,agree"
printf 'url,label\n%s,T9-99\n' "$base/x" > "$work/badlabels.csv"
"$kt" --db "$db" compare --labels "$work/badlabels.csv" --reference "$src/reference/commentary-2024.csv" 2>"$work/badlabels.err"
expect_eq "a row id not in the reference exits 65" "$?" 65
grep -q "badlabels.csv:2: 'T9-99' is neither a row id of " "$work/badlabels.err" && ok || bad "bad label message: $(cat "$work/badlabels.err")"
"$kt" --db "$db" compare --labels "$work/no-labels.csv" --reference "$src/reference/commentary-2024.csv" 2>/dev/null
expect_eq "a labels file that cannot be read exits 69" "$?" 69

# 4. A rule change redoes exactly the documents classified under the old
#    rule set, once.
cp -r "$src/rules" "$work/rules"
printf '\n# A rule added by the end-to-end test.\ntest.e2e.marker sector=Other weight=1 /\\bzzqqxx\\b/\n' >> "$work/rules/$(ls "$src/rules" | grep '\.rules$' | tail -1)"
"$kt" --db "$db" --rules "$work/rules" classify 2>"$work/cls.err"
expect_eq "reclassify exit" "$?" 0
expect_eq "reclassified after a rule change" "$(grep -o 'classify: [0-9]* done' "$work/cls.err")" "classify: $nen done"
"$kt" --db "$db" --rules "$work/rules" classify 2>"$work/cls2.err"
expect_eq "nothing left to reclassify" "$(grep -o 'classify: [0-9]* done' "$work/cls2.err")" "classify: 0 done"
expect_eq "matches kept exact" "$(q "SELECT count(*) FROM matches WHERE rule_id='test.e2e.marker'")" 0

# 5. A broken rule: file:line:column and exit 65, nothing changed.
mkdir "$work/broken"
cp -r "$src/rules/sites" "$src/rules/tables.conf" "$work/broken/"
printf 'ok.rule kind=visit /arrived here/\nbad.rule kind=visit /(unclosed/\n' > "$work/broken/x.rules"
"$kt" --db "$db" --rules "$work/broken" classify --all 2>"$work/broken.err"
expect_eq "broken rule exit" "$?" 65
grep -q 'x.rules:2:[0-9]*: .*' "$work/broken.err" && ok || bad "broken rule message: $(cat "$work/broken.err")"

# 6. The run lock: while one run is busy, another exits 75 naming it;
#    with --wait it waits its turn.
"$kt" --db "$db" fetch --start "$base/_fault/hang" --timeout 4 --retries 0 --ignore-robots >/dev/null 2>&1 &
holder=$!
i=0
while [ ! -s "$db.lock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
"$kt" -q --db "$db" run 2>"$work/lock.err"
expect_eq "locked run exit" "$?" 75
grep -q "pid $holder" "$work/lock.err" && ok || bad "lock message: $(cat "$work/lock.err")"
"$kt" -q --db "$db" --wait 30 store
expect_eq "waiting run exit" "$?" 0
wait "$holder"
expect_eq "the busy fetch recorded its failure" "$(q "SELECT count(*) FROM urls WHERE url LIKE '%/_fault/hang' AND last_error IS NOT NULL")" 1
expect_eq "integrity at the end" "$(q 'PRAGMA integrity_check')" ok

# 7. A failing page is recorded with its error, and the next run (with no
#    start URL: it retries what failed) fetches it once it has recovered.
fdb="$work/faults.db"
"$kt" -q --db "$fdb" fetch --start "$base/_fault/flaky/3/503" --retries 1 --ignore-robots 2>/dev/null
expect_eq "fetch with a failing page exits 3" "$?" 3
expect_eq "failure recorded" "$(sqlite3 "$fdb" "SELECT failures || ' ' || (last_error LIKE '%503%') FROM urls")" "1 1"
expect_eq "no page from a failure" "$(sqlite3 "$fdb" 'SELECT count(*) FROM pages')" 0
"$kt" -q --db "$fdb" run --retries 1 --ignore-robots
expect_eq "the next run recovers it" "$?" 0
expect_eq "recovered page stored" "$(sqlite3 "$fdb" 'SELECT count(*) FROM pages')" 1
expect_eq "failures reset" "$(sqlite3 "$fdb" 'SELECT failures FROM urls')" 0
"$kt" -q --db "$fdb" fetch --start "$base/_fault/binary" --ignore-robots
expect_eq "a binary page is skipped, not a failure" "$?" 0
expect_eq "binary page not stored" "$(sqlite3 "$fdb" 'SELECT count(*) FROM pages')" 1

# A quiet run that had trouble says so: the error, then every stage's line.
"$kt" -q --db "$work/quiet.db" run --start "$base/_fault/status/500" --retries 0 --ignore-robots 2>"$work/quiet.err"
expect_eq "quiet run with a failed page exits 3" "$?" 3
expect_eq "quiet run with trouble prints the error and four stage lines" \
    "$(grep -c '_fault/status/500: ' "$work/quiet.err") $(grep -c '^[a-z]*: [0-9]* done' "$work/quiet.err")" "1 4"

# 8. Walking a site by its profile: the kcna.co.jp calendars, day lists and
#    English stories; Spanish stories skipped; a second run fetches no
#    report again.
sdb="$work/site.db"
"$kt" --db "$sdb" fetch --site kcna-co-jp --base-url "$base/kcna.co.jp" --delay-ms 0 2>"$work/site1.err"
expect_eq "site walk exit" "$?" 0
ncj=$(find "$site/kcna.co.jp" -type f -name '*.html' ! -name '*sp.html' | wc -l)
expect_eq "site walk pages" "$(sqlite3 "$sdb" 'SELECT count(*) FROM pages')" "$ncj"
nlists=$(find "$site/kcna.co.jp" -type f \( -name 'e-news.html' -o -name 'calendar-*' \) | wc -l)
nsp=$(find "$site/kcna.co.jp" -type f -name '*sp.html' | wc -l)
"$kt" --db "$sdb" fetch --site kcna-co-jp --base-url "$base/kcna.co.jp" --delay-ms 0 2>"$work/site2.err"
expect_eq "second site walk" "$(grep '^fetch:' "$work/site2.err")" \
    "fetch: 0 done, $nlists unchanged, $((ncj - nlists + nsp)) skipped, 0 failed"
"$kt" --db "$sdb" fetch --site kcna-co-jp --base-url "$base/kcna.co.jp" --delay-ms 0 --from 2024-06-01 --to 2024-06-30 --refresh 2>"$work/site3.err"
njune=$(find "$site/kcna.co.jp/item/2024/202406" -type f -name '*ee.html' | wc -l)
njl=$(find "$site/kcna.co.jp/item/2024/202406" -type f -name 'e-news.html' | wc -l)
expect_eq "a period walk re-fetches only that period's pages" "$(grep '^fetch:' "$work/site3.err" | cut -d, -f1-2)" \
    "fetch: 0 done, $((2 + njune + njl)) unchanged"

# 8b. Healing a cut walk (regression: a walk cut after a list page but
#     before its reports lost them, because the next incremental walk stops
#     paging at the first list whose reports are all held). The walk of
#     KCNA Watch is cut by --max-pages right after list page 2; the next
#     walk, with nothing new on page 1, must still fetch page 2's reports
#     (from the frontier) and then nothing more.
hdb="$work/heal.db"
kwn=$(find "$site/kcnawatch.org/newstream" -mindepth 2 -name index.html ! -path '*/page/*' | wc -l)
# page 1, its 20 reports, then page 2
"$kt" -q --db "$hdb" fetch --site kcnawatch --base-url "$base/kcnawatch.org" --delay-ms 0 --ignore-robots --max-pages 22 2>/dev/null
expect_eq "cut walk: page 2 held, its reports not" \
    "$(sqlite3 "$hdb" "SELECT count(*) FROM pages WHERE url LIKE '%/newstream/page/2/'") $(sqlite3 "$hdb" "SELECT count(*) FROM pages WHERE url NOT LIKE '%/page/%' AND url NOT LIKE '%/newstream/'")" "1 20"
[ "$(sqlite3 "$hdb" 'SELECT count(*) FROM frontier')" -gt 0 ] && ok || bad "cut walk left no frontier"
"$kt" -q --db "$hdb" fetch --site kcnawatch --base-url "$base/kcnawatch.org" --delay-ms 0 --ignore-robots
expect_eq "healed walk exit" "$?" 0
expect_eq "healed walk: every KCNA Watch report held" \
    "$(sqlite3 "$hdb" "SELECT count(*) FROM pages WHERE url NOT LIKE '%/page/%' AND url NOT LIKE '%/newstream/'")" "$kwn"
expect_eq "healed walk: frontier empty" "$(sqlite3 "$hdb" 'SELECT count(*) FROM frontier')" 0
expect_eq "healed walk: nothing failing" "$("$kt" --db "$hdb" status --format json | grep -o '"failing":[0-9]*')" '"failing":0'

# 9. Importing an archive: files become pages under the base URL, treated
#    like fetched ones; importing again changes nothing; a missing path is
#    named and exits 69.
idb="$work/import.db"
"$kt" --db "$idb" import --base-url http://mirror.invalid/kcna.kp "$site/kcna.kp" 2>"$work/imp1.err"
expect_eq "import exit" "$?" 0
nkp=$(find "$site/kcna.kp" -type f -name '*.kcmsf' | wc -l)
expect_eq "import summary" "$(cat "$work/imp1.err")" "import: $nkp done, 0 unchanged, 0 skipped, 0 failed"
"$kt" --db "$idb" import --base-url http://mirror.invalid/kcna.kp "$site/kcna.kp" 2>"$work/imp2.err"
expect_eq "import again" "$(cat "$work/imp2.err")" "import: 0 done, $nkp unchanged, 0 skipped, 0 failed"
"$kt" -q --db "$idb" extract
expect_eq "imported articles extracted with the kcna.kp profile" \
    "$(sqlite3 "$idb" "SELECT count(*) FROM documents WHERE profile='kcna-kp' AND kind='article'")" \
    "$(grep -c '^kcna.kp/en/article' "$manifest")"
"$kt" -q --db "$idb" import "$work/no-such-file.html" 2>"$work/imp3.err"
expect_eq "import of a missing path" "$?" 69
grep -q "no-such-file.html" "$work/imp3.err" && ok || bad "missing path not named: $(cat "$work/imp3.err")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
