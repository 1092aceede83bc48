#!/bin/sh
# The auditor's commands on a small fixture whose every answer is known:
#   audit.sh KCNATRACK SOURCE_DIR [--update]
# Four reports (a Russian culture delegation told twice, a message to
# Russia, a Mongolian delegation no rule places) are imported under fixed
# URLs and run through extract, classify and store with the rules in
# tests/cli/audit/rules (with its own copy of tables.conf, so that its
# line numbers stay put). Then the exact output of audit event, audit
# report, audit rule, audit missing and audit diff is compared with the
# files in tests/cli/audit/expected/ (--update rewrites them: read the diff
# before committing), and rules test / rules check are checked on broken
# rule files.
set -u
kt=$1
src=$2
update=${3:-}
fix="$src/tests/cli/audit"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
failed=0
passed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
expect_eq() { if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi; }

# the rule folders: the fixture's rules with the shipped profiles and
# table rules
for r in rules rules2; do
    mkdir "$work/$r"
    cp "$fix/$r/"*.rules "$work/$r/"
    cp -r "$src/rules/sites" "$fix/tables.conf" "$work/$r/"
done
rules="$work/rules"
db="$work/a.db"

page() { # dir title date paragraphs...
    d="$work/site/newstream/$1"
    mkdir -p "$d"
    title=$2
    date=$3
    shift 3
    {
        printf '<!DOCTYPE html><html><head><meta charset="UTF-8"><title>%s</title></head><body>\n' "$title"
        printf '<article><h1>%s</h1><div class="articled-date"><span>%s</span></div>\n' "$title" "$date"
        printf '<div class="article-content">\n'
        for p in "$@"; do printf '<p>%s</p>\n' "$p"; done
        printf '</div></article></body></html>\n'
    } > "$d/index.html"
}
page 1715000001-1/russian-culture-delegation-arrives "Russian Culture Delegation Arrives" "May 6, 2024" \
    "Pyongyang, May 6 (KCNA) -- A delegation of the Ministry of Culture of Russia arrived here on Monday." \
    "The visit, as a Chinese paper wrote, was awaited with interest."
page 1715100001-2/russian-delegation-visits-museum "Russian Delegation Visits Museum" "May 7, 2024" \
    "Pyongyang, May 7 (KCNA) -- The delegation of the Ministry of Culture of Russia, which arrived here on Monday, visited the Korean Revolution Museum."
page 1715300001-3/kim-jong-un-sends-message "Kim Jong Un Sends Message to Russian President" "May 9, 2024" \
    "Pyongyang, May 9 (KCNA) -- Kim Jong Un sent a message of greeting to the Russian President on Thursday."
page 1716200001-4/mongolian-culture-delegation-arrives "Mongolian Culture Delegation Arrives" "May 20, 2024" \
    "Pyongyang, May 20 (KCNA) -- A delegation of the Ministry of Culture of Mongolia arrived here on Monday."

"$kt" -q --db "$db" --rules "$rules" import --base-url http://mirror.invalid/kcnawatch.org "$work/site"
for stage in extract classify store; do "$kt" -q --db "$db" --rules "$rules" $stage; done
expect_eq "fixture: four articles" "$(sqlite3 "$db" "SELECT count(*) FROM documents WHERE kind='article'")" 4

A=http://mirror.invalid/kcnawatch.org/newstream/1715000001-1/russian-culture-delegation-arrives/index.html
ev=$("$kt" --db "$db" --rules "$rules" export events | awk -F, 'NR == 2 { print $1 }')
cat > "$work/reference.csv" <<'EOF'
row_id,table,month,country,location,sector_original,sector,description,citation
A-01,1,2024-05,Russia,Pyongyang,Culture,Culture,Russian culture delegation in Pyongyang,test
A-02,1,2024-05,Russia,Pyongyang,Economy,Economy,Russian economic delegation in Pyongyang,test
A-03,2,2024-05,Mongolia,Pyongyang,Culture,Culture,Mongolian culture delegation in Pyongyang,test
EOF

# Each command's exact output, the temporary folder written as WORK.
check() { # name command...
    name=$1
    shift
    NO_COLOR=1 "$@" > "$work/out" 2>&1
    echo "exit $?" >> "$work/out"
    sed "s|$work|WORK|g" "$work/out" > "$work/$name.txt"
    if [ "$update" = --update ]; then
        cp "$work/$name.txt" "$fix/expected/$name.txt"
    fi
    if cmp -s "$work/$name.txt" "$fix/expected/$name.txt"; then ok; else
        bad "$name differs from tests/cli/audit/expected/$name.txt:"
        diff "$fix/expected/$name.txt" "$work/$name.txt" | head -20 >&2
    fi
}
mkdir -p "$fix/expected"
K="$kt --db $db --rules $rules"
check audit-event $K audit event "$ev"
check audit-event-json $K audit event "$ev" --format json
check audit-report $K audit report "$A"
check audit-report-message $K audit report \
    http://mirror.invalid/kcnawatch.org/newstream/1715300001-3/kim-jong-un-sends-message/index.html
check audit-rule $K audit rule country.china
check audit-missing $K audit missing --reference "$work/reference.csv"
# the rule change: messages no longer recognised, Mongolia named
"$kt" --db "$db" --rules "$rules" audit diff --rules "$work/rules2" 2>&1 |
    sed '1s/ in [0-9.]* s$/ in N s/' | sed "s|$work|WORK|g" > "$work/audit-diff.txt"
[ "$update" = --update ] && cp "$work/audit-diff.txt" "$fix/expected/audit-diff.txt"
cmp -s "$work/audit-diff.txt" "$fix/expected/audit-diff.txt" && ok || {
    bad "audit-diff differs:"; diff "$fix/expected/audit-diff.txt" "$work/audit-diff.txt" >&2; }
# explain is audit event's JSON
"$kt" --db "$db" --rules "$rules" explain "$ev" > "$work/explain.json"
echo "exit $?" >> "$work/explain.json"
cmp -s "$work/explain.json" "$work/audit-event-json.txt" && ok ||
    bad "explain differs from audit event --format json: $(diff "$work/explain.json" "$work/audit-event-json.txt" | head -3)"

# the same between two recorded rule sets, after classifying with rules2
hash1=$(sqlite3 "$db" "SELECT hash FROM rulesets ORDER BY first_used LIMIT 1")
"$kt" -q --db "$db" --rules "$work/rules2" classify
expect_eq "the second rule set is recorded too" "$(sqlite3 "$db" 'SELECT count(DISTINCT hash) FROM ruleset_files')" 2
"$kt" --db "$db" --rules "$work/rules2" audit diff --against "$hash1" 2>&1 |
    sed '1s/ in [0-9.]* s$/ in N s/' | sed "s|$work|WORK|g" | sed 1d > "$work/against.txt"
expect_eq "audit diff --against the first set says the same" "$(cat "$work/against.txt")" "$(sed 1d "$work/audit-diff.txt")"
"$kt" --db "$db" audit diff --against 0000 >/dev/null 2>"$work/err"
expect_eq "an unknown rule set" "$?" 65

# rules test and rules check
"$kt" --rules "$rules" rules test 2>"$work/t.err"
expect_eq "rules test on the fixture" "$?:$(tail -1 "$work/t.err")" "0:rules test: 9 examples of 8 rules, 0 consolidation examples, 0 failures"
mkdir "$work/bad"
cp -r "$src/rules/sites" "$src/rules/tables.conf" "$work/bad/"
printf 'ok.rule kind=visit /arrived here/\n+ "They arrived here."\nbad.rule kind=visit /left here/\n+ "They returned home."\n- "They left here."\nno.example kind=visit /came here/\n' > "$work/bad/x.rules"
"$kt" --rules "$work/bad" rules test 2>"$work/t2.err"
expect_eq "failing examples: exit" "$?" 65
expect_eq "failing examples, each at its line" "$(grep error "$work/t2.err" | sed "s|$work|WORK|")" \
"WORK/bad/x.rules:4: error: positive example did not match (rule bad.rule)
WORK/bad/x.rules:5: error: negative example matched: \"left here\" (rule bad.rule)
WORK/bad/x.rules:6: error: no positive example (every rule carries one: a line '+ \"TEXT\"' under it) (rule no.example)"
# a consolidation example that does not hold, reported at its expect line
cp "$fix/tables.conf" "$work/bad/tables.conf"
printf 'example two reports a day apart\nmention date=2024-05-06 kind=visit direction=inbound country=Russia delegation=d sector=Culture\nmention date=2024-05-07 kind=visit direction=inbound country=Russia delegation=d sector=Culture\nexpect events=2\n' >> "$work/bad/tables.conf"
line=$(wc -l < "$work/bad/tables.conf")
printf 'ok.rule kind=visit /arrived here/\n+ "They arrived here."\n' > "$work/bad/x.rules"
"$kt" --rules "$work/bad" rules test 2>"$work/t3.err"
expect_eq "a failing consolidation example: exit" "$?" 65
expect_eq "a failing consolidation example, at its line" "$(grep "example '" "$work/t3.err" | sed "s|$work|WORK|")" \
    "WORK/bad/tables.conf:$line: example 'two reports a day apart' gives 1 event, not 2"
cp "$fix/tables.conf" "$work/bad/tables.conf"
printf 'ok.rule kind=visit /arrived here/\n+ "They arrived here."\nbad.rule kind=visit /(unclosed/\n' > "$work/bad/x.rules"
"$kt" --rules "$work/bad" rules check 2>"$work/c.err"
expect_eq "broken rule: exit" "$?" 65
expect_eq "broken rule at its column" "$(sed "s|$work|WORK|" "$work/c.err")" "WORK/bad/x.rules:3:31: missing closing parenthesis"
printf 'ok.rule kind=visit /arrived here/\n+ "They arrived here."\nnever kind=visit /x(?!)y/\n+ "xy"\nsame kind=visit /arrived here/\n+ "arrived here"\nno.literal kind=visit /\\d\\d/\n+ "12"\n' > "$work/bad/x.rules"
"$kt" --rules "$work/bad" rules check 2>"$work/c2.err"
expect_eq "rules check: exit on an error" "$?" 65
expect_eq "rules check: never matches, shadowed, no literal" "$(grep -c -e 'never match\|may never match' "$work/c2.err") $(grep -c 'shadowed by ok.rule' "$work/c2.err") $(grep -c 'runs on every report' "$work/c2.err")" "1 1 1"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
