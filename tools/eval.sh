#!/bin/sh
# Scores the rules on one split of the development corpus.
#   tools/eval.sh SPLIT [BUILD_DIR] [FORMAT]
# SPLIT is tune, holdout or all. Imports the split's report pages (as if
# mirrored at http://127.0.0.1/...), extracts, classifies and stores them in
# a fresh database, then compares the events with the reference rows that
# the split's reports belong to (reference/commentary-2024.csv, filtered by
# the manifest's expect column). FORMAT is compare's: text (default), csv or
# json. The database is left in BUILD_DIR/eval-SPLIT.db for inspection.
# KCNATRACK_EVAL_SOURCES, when set, is an awk regular expression on the
# report source file names (e.g. '^z'): only those reports are used, so one
# author's round of the corpus can be scored on its own.
set -eu
split=${1:?usage: tools/eval.sh tune|holdout|all [BUILD_DIR] [FORMAT]}
build=${2:-build}
format=${3:-text}
root=$(cd "$(dirname "$0")/.." && pwd)
manifest="$root/tests/fixtures/site-manifest.csv"
docroot="$root/tests/fixtures/site"
kt="$build/kcnatrack"
[ -x "$kt" ] || { echo "eval: $kt not built" >&2; exit 69; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
db="$build/eval-$split.db"
rm -f "$db" "$db-wal" "$db-shm" "$db.lock"

# A mirror of the split: symbolic links to its pages under their site paths.
mkdir -p "$work/site"
src=${KCNATRACK_EVAL_SOURCES:-}
awk -F, -v s="$split" -v src="$src" 'NR > 1 && (s == "all" || $4 == s) && $2 ~ src { print $1 }' \
    "$manifest" | while read -r path; do
    # A folder URL (KCNA Watch's /newstream/ID/slug/) is its index.html.
    case "$path" in */) path="${path}index.html" ;; esac
    mkdir -p "$work/site/$(dirname "$path")"
    ln -s "$docroot/$path" "$work/site/$path"
done

# The reference rows this split tells of.
awk -F, -v s="$split" -v src="$src" 'NR > 1 && (s == "all" || $4 == s) && $5 != "none" && $2 ~ src { print $5 }' \
    "$manifest" | sort -u > "$work/rows"
awk -F, 'NR == FNR { want[$1] = 1; next } FNR == 1 || ($1 in want)' \
    "$work/rows" "$root/reference/commentary-2024.csv" > "$work/reference.csv"

"$kt" -q --db "$db" import --base-url http://127.0.0.1 "$work/site"
"$kt" -q --db "$db" extract
"$kt" -q --db "$db" classify
"$kt" -q --db "$db" store
"$kt" --db "$db" compare --reference "$work/reference.csv" --from 2023-08 \
    --to 2024-07 --format "$format"
