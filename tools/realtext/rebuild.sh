#!/bin/sh
# Rebuilds the project's real development corpus (real KCNA stories of 2011
# and 2012, kcna.co.jp's English service) in a scratch folder OUTSIDE the
# repository, from the public data of xmarquez/KCNA (an R data package on
# GitHub): real report text is never committed, only this script and the
# labels in reference/real/.
#
#   tools/realtext/rebuild.sh OUT_DIR [KCNA_CLONE]
#
# KCNA_CLONE: a local clone of https://github.com/xmarquez/KCNA (its data/
# folder is read from commit ba82fad); without it the two data files are
# downloaded from GitHub. Needs Rscript (Debian: r-base-core), curl, awk and
# a built kcnatrack tree (build/tests/sitegen/kt_sitegen).
#
# Writes:
#   OUT_DIR/stories.tsv    url, date, title, paragraphs (tab-separated)
#   OUT_DIR/reports/       one report source per story (docs/conventions.md
#                          format), named YYYYMMDD-NN.txt
#   OUT_DIR/site/          the stories rendered as kcna.co.jp pages; their
#                          URLs are those of reference/real/labels-*.csv
#                          once imported with --base-url http://www.kcna.co.jp
# Then, for the labelled months:
#   build/kcnatrack --db real.db import --base-url http://www.kcna.co.jp \
#       OUT_DIR/site-2012-04-05/kcna.co.jp
#   build/kcnatrack --db real.db run
#   build/kcnatrack --db real.db compare \
#       --reference reference/real/reference-2012-04-05.csv \
#       --from 2012-04 --to 2012-05
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:?usage: rebuild.sh OUT_DIR [KCNA_CLONE]}
clone=${2:-}
commit=ba82fadc306ff79bcf974c490907f4c029bb3b81
sitegen="$top/build/tests/sitegen/kt_sitegen"
case "$(cd "$(dirname "$out")" 2>/dev/null && pwd)/" in
"$top"/*) echo "rebuild.sh: $out is inside the repository; real text stays outside it" >&2; exit 2 ;;
esac
[ -x "$sitegen" ] || { echo "rebuild.sh: build the project first ($sitegen)" >&2; exit 2; }
command -v Rscript >/dev/null || { echo "rebuild.sh: Rscript not found (apt-get install r-base-core)" >&2; exit 2; }
mkdir -p "$out/data"
for y in 2011 2012; do
    f="$out/data/KCNA_$y.rda"
    [ -s "$f" ] && continue
    if [ -n "$clone" ]; then
        git -C "$clone" show "$commit:data/KCNA_$y.rda" > "$f"
    else
        curl -fsSL -o "$f" "https://raw.githubusercontent.com/xmarquez/KCNA/$commit/data/KCNA_$y.rda"
    fi
done
Rscript "$here/export.R" "$out/data" "$out/stories.tsv"

# One report source per story. The data set strips the dateline; KCNA's
# house style is put back ("Pyongyang, April 1 (KCNA) -- ", as reports
# filed abroad keep it too). A story with no text keeps its title only.
rm -rf "$out/reports"
mkdir "$out/reports"
awk -F'\t' -v dir="$out/reports" '
BEGIN {
    split("January February March April May June July August September October November December", mon, " ")
}
{
    url = $1; date = $2; title = $3; story = $4
    n = split(url, parts, "/"); file = parts[n]       # 20120401-01ee.html
    sub(/ee\.html$/, "", file)
    y = substr(date, 1, 4); m = substr(date, 6, 2) + 0; d = substr(date, 9, 2) + 0
    line = sprintf("Pyongyang, %s %d (KCNA) -- ", mon[m], d)
    path = dir "/" file ".txt"
    printf "site: kcna.co.jp\ndate: %s\ntitle: %s\nsplit: tune\nexpect: none\n\n", date, (title == "" ? "(untitled)" : title) > path
    if (story == "") story = "(the source has no text for this story)"
    np = split(story, paras, / \\n /)
    for (i = 1; i <= np; i++) {
        p = paras[i]; gsub(/^ +| +$/, "", p)
        if (p == "") continue
        if (i == 1) p = line p
        printf "%s\n\n", p > path
    }
    close(path)
}' "$out/stories.tsv"
echo "$(ls "$out/reports" | wc -l) report sources in $out/reports"
# The labelled months, and everything.
"$sitegen" --reports "$out/reports" --select '^20120[45]' --out "$out/site-2012-04-05" \
    --manifest "$out/manifest-2012-04-05.csv"
"$sitegen" --reports "$out/reports" --out "$out/site" --manifest "$out/manifest.csv"
echo "rendered $out/site-2012-04-05 (April-May 2012) and $out/site (2011-2012)"
