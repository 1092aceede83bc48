#!/bin/sh
# Whole-command test of kt_sitegen on the development corpus:
#   test_sitegen.sh KT_SITEGEN SOURCE_DIR
# Checks that a second render touches no file (mtimes kept, for the test
# server's Last-Modified and 304 answers), that --until renders the subset
# of the site as it stood that day with the report pages unchanged, that an
# update in place equals a fresh render both ways, that a removed report's
# page (and its emptied folder) disappears, that a changed report rewrites
# only its page, that the sample selection reproduces the committed
# tests/fixtures/sample byte for byte, and that a broken report gives exit
# status 1, a file:line message and no output. No network.
set -u
sg=$1
src=$2
reports="$src/tests/corpus/reports"
ref="$src/reference/commentary-2024.csv"
work=$(mktemp -d)
failed=0
passed=0
trap 'rm -rf "$work"' EXIT INT TERM

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
expect_eq() { # what got want
    if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}
# Renders into $1 with manifest $2 and the remaining options; exit status.
render() {
    out=$1
    man=$2
    shift 2
    "$sg" --reports "$reports" --reference "$ref" --out "$out" \
        --manifest "$man" "$@" >"$work/last.out" 2>"$work/last.err"
}
# Paths of the report pages of site $2 in manifest $1, one a line, as
# files (a KCNA Watch path is a folder: its index.html).
pages() {
    awk -F, -v site="$2" 'NR > 1 && $3 == site {
        p = $1; if (p ~ /\/$/) p = p "index.html"; print p }' "$1"
}

# 1. The whole corpus, then again: the second run writes nothing, so no
#    file or folder is newer than a marker made between the runs.
render "$work/full" "$work/full.csv"
expect_eq "full render exit status" "$?" 0
nfull=$(($(wc -l <"$work/full.csv") - 1))
[ "$nfull" -gt 1000 ] && ok || bad "full manifest has only $nfull rows"
cp -r "$work/full" "$work/full0"
cp "$work/full.csv" "$work/full0.csv"
touch "$work/marker"
sleep 1
render "$work/full" "$work/full.csv"
expect_eq "second render exit status" "$?" 0
expect_eq "files touched by the second render" \
    "$(find "$work/full" "$work/full.csv" -newer "$work/marker" | head -5)" ""
expect_eq "second render summary" \
    "$(head -1 "$work/last.out" | sed 's/.*: \([0-9]*\) written.*/\1/')" 0

# 2. --until: the site as it stood on a day.
until=2024-03-31
render "$work/until" "$work/until.csv" --until "$until"
expect_eq "--until exit status" "$?" 0
nuntil=$(($(wc -l <"$work/until.csv") - 1))
[ "$nuntil" -gt 0 ] && [ "$nuntil" -lt "$nfull" ] && ok ||
    bad "--until kept $nuntil of $nfull reports"
expect_eq "reports dated after $until" \
    "$(awk -F, -v u="$until" 'NR > 1 && $6 > u' "$work/until.csv" | wc -l)" 0
expect_eq "reports dated on or before $until left out" \
    "$(awk -F, -v u="$until" 'NR > 1 && $6 <= u' "$work/full.csv" | wc -l)" \
    "$nuntil"
sort "$work/full.csv" >"$work/full.sorted"
sort "$work/until.csv" >"$work/until.sorted"
expect_eq "--until manifest rows missing from the full manifest" \
    "$(comm -23 "$work/until.sorted" "$work/full.sorted" | wc -l)" 0
# Report pages are the same as in the full render, except those whose
# neighbour boxes wrap round from the oldest to the newest report (KCNA
# Watch shows three neighbours, kcna.kp five).
for s in kcna.co.jp:0 kcnawatch:3 kcna.kp:5; do
    site=${s%:*}
    wrap=${s#*:}
    awk -F, -v site="$site" 'NR > 1 && $3 == site { print $6, $2, $1 }' \
        "$work/until.csv" | sort | head -n "$wrap" | awk '{
        p = $3; if (p ~ /\/$/) p = p "index.html"; print p }' >"$work/wrap"
    n=0
    differ=0
    for p in $(pages "$work/until.csv" "$site"); do
        n=$((n + 1))
        grep -qxF "$p" "$work/wrap" && continue
        cmp -s "$work/until/$p" "$work/full/$p" || {
            differ=$((differ + 1))
            echo "  differs: $p" >&2
        }
    done
    [ "$n" -gt 0 ] && ok || bad "--until rendered no $site pages"
    expect_eq "$site report pages differing under --until" "$differ" 0
done
# The list pages and the calendar of that year are not the same.
kp1=$(grep -o 'kcna.kp/en/category/articles/q/[0-9a-f]*\.kcmsf' \
    "$work/until/index.html")
cmp -s "$work/until/$kp1" "$work/full/$kp1" && bad "kcna.kp list page 1 unchanged" || ok
cmp -s "$work/until/kcnawatch.org/newstream/index.html" \
    "$work/full/kcnawatch.org/newstream/index.html" &&
    bad "newstream page 1 unchanged" || ok
cmp -s "$work/until/kcna.co.jp/item/2024/calendar-2024e.html" \
    "$work/full/kcna.co.jp/item/2024/calendar-2024e.html" &&
    bad "2024 calendar unchanged" || ok
expect_eq "--until files the full render does not have" \
    "$(cd "$work/until" && find . -type f | while read -r f; do
        [ -f "$work/full/$f" ] || echo "$f"; done)" ""

# 3. Updating in place equals a fresh render, forwards (new reports) and
#    backwards (reports gone: pages deleted, emptied folders removed).
cp -r "$work/until" "$work/inplace"
render "$work/inplace" "$work/inplace.csv"
expect_eq "until -> full exit status" "$?" 0
diff -r "$work/full0" "$work/inplace" >/dev/null && ok ||
    bad "until -> full differs from a fresh full render"
cmp -s "$work/full0.csv" "$work/inplace.csv" && ok || bad "until -> full manifest"
render "$work/inplace" "$work/inplace.csv" --until "$until"
expect_eq "full -> until exit status" "$?" 0
diff -r "$work/until" "$work/inplace" >/dev/null && ok ||
    bad "full -> until differs from a fresh --until render"
expect_eq "empty folders left" "$(find "$work/inplace" -type d -empty)" ""

# 4. A removed report's page disappears (a KCNA Watch report's folder
#    with it); a changed report rewrites only its own page. Works on a
#    copy of the first round.
mkdir "$work/rep"
cp "$reports"/t*.txt "$reports"/neg*.txt "$work/rep/"
"$sg" --reports "$work/rep" --out "$work/rm" --manifest "$work/rm.csv" >/dev/null
expect_eq "first-round render exit status" "$?" 0
kw=$(awk -F, 'NR > 1 && $3 == "kcnawatch" { print $2 " " $1; exit }' "$work/rm.csv")
kp=$(awk -F, 'NR > 1 && $3 == "kcna.kp" { print $2 " " $1; exit }' "$work/rm.csv")
cj=$(awk -F, 'NR > 1 && $3 == "kcna.co.jp" && $1 ~ /ee\.html$/ { print $2 " " $1; exit }' "$work/rm.csv")
[ -f "$work/rm/${kw#* }index.html" ] && [ -f "$work/rm/${kp#* }" ] && ok ||
    bad "pages of $kw / $kp not rendered"
rm "$work/rep/${kw%% *}" "$work/rep/${kp%% *}"
"$sg" --reports "$work/rep" --out "$work/rm" --manifest "$work/rm.csv" >/dev/null
expect_eq "render after removal exit status" "$?" 0
[ -e "$work/rm/${kw#* }" ] && bad "KCNA Watch folder ${kw#* } still there" || ok
[ -e "$work/rm/${kp#* }" ] && bad "kcna.kp page ${kp#* } still there" || ok
expect_eq "removed reports in the manifest" \
    "$(grep -c -e ",${kw%% *}," -e ",${kp%% *}," "$work/rm.csv")" 0
expect_eq "empty folders after removal" "$(find "$work/rm" -type d -empty)" ""
touch "$work/marker"
sleep 1
printf '\nA paragraph added to test kt_sitegen.\n' >>"$work/rep/${cj%% *}"
"$sg" --reports "$work/rep" --out "$work/rm" --manifest "$work/rm.csv" >/dev/null
expect_eq "render after a change exit status" "$?" 0
expect_eq "files rewritten after a body change" \
    "$(find "$work/rm" "$work/rm.csv" -newer "$work/marker" -type f)" \
    "$work/rm/${cj#* }"
grep -q 'A paragraph added to test kt_sitegen' "$work/rm/${cj#* }" && ok ||
    bad "changed page lacks the new paragraph"

# 5. The sample selection gives the committed sample corpus, byte for byte.
render "$work/sample" "$work/sample.csv" --select '^(t|neg)'
expect_eq "sample render exit status" "$?" 0
diff -r "$src/tests/fixtures/sample" "$work/sample" >"$work/sample.diff" 2>&1 && ok ||
    bad "sample differs from tests/fixtures/sample: $(head -5 "$work/sample.diff")"
cmp "$src/tests/fixtures/sample-manifest.csv" "$work/sample.csv" && ok ||
    bad "sample manifest differs from tests/fixtures/sample-manifest.csv"

# 6. A broken report: exit status 1, file:line on stderr, nothing written
#    (neither into an existing site nor a new one).
name=${cj%% *}
line=$(grep -n '^date:' "$work/rep/$name" | cut -d: -f1)
sed 's/^date: .*/date: 2024-13-01/' "$work/rep/$name" >"$work/rep/$name.new"
mv "$work/rep/$name.new" "$work/rep/$name"
touch "$work/marker"
sleep 1
"$sg" --reports "$work/rep" --out "$work/rm" --manifest "$work/rm.csv" \
    >/dev/null 2>"$work/broken.err"
expect_eq "broken report exit status" "$?" 1
expect_eq "broken report message" "$(cat "$work/broken.err")" \
    "$work/rep/$name:$line: bad date '2024-13-01' (no such day)"
expect_eq "files touched by a failed render" \
    "$(find "$work/rm" "$work/rm.csv" -newer "$work/marker")" ""
"$sg" --reports "$work/rep" --out "$work/new" --manifest "$work/new.csv" \
    >/dev/null 2>&1
expect_eq "broken report exit status (new site)" "$?" 1
[ -e "$work/new" ] || [ -e "$work/new.csv" ] && bad "a failed render wrote files" || ok

# 7. Usage errors exit 2.
"$sg" --reports "$work/rep" >/dev/null 2>&1
expect_eq "missing --out exit status" "$?" 2
"$sg" --reports "$work/rep" --out "$work/x" --until 2024-02-30 >/dev/null 2>&1
expect_eq "bad --until exit status" "$?" 2

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
