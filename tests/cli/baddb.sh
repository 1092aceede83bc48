#!/bin/sh
# Databases and --db values a careless or unlucky user gives (issue 11):
#   baddb.sh KCNATRACK SOURCE_DIR
# Each case asserts the exact exit status, that the message names the
# culprit, and that no file appeared that was not there before.
set -u
kt=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
failed=0
passed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
# expect NAME STATUS TEXT -- ARGS...: runs kcnatrack ARGS, wants STATUS and
# TEXT (unless empty) somewhere in its stderr
expect() {
    name=$1 want=$2 text=$3
    shift 4
    "$kt" --rules "$src/rules" "$@" >"$work/out" 2>"$work/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        bad "$name: exit $got, want $want: $(cat "$work/err")"
    elif [ -n "$text" ] && ! grep -qF -- "$text" "$work/err"; then
        bad "$name: stderr does not name '$text': $(cat "$work/err")"
    else
        ok
    fi
}
# set_version FILE N: writes user_version N into FILE's header (offset 60,
# four bytes big-endian), so no sqlite3 shell is needed
set_version() {
    b=$(printf '%08x' "$(( $2 & 0xffffffff ))")
    printf "\\$(printf '%03o' 0x$(echo "$b" | cut -c1-2))\\$(printf '%03o' 0x$(echo "$b" | cut -c3-4))\\$(printf '%03o' 0x$(echo "$b" | cut -c5-6))\\$(printf '%03o' 0x$(echo "$b" | cut -c7-8))" |
        dd of="$1" bs=1 seek=60 conv=notrunc 2>/dev/null
}
mkdir "$work/empty"
# a real database, made by a writing command
"$kt" --rules "$src/rules" -q --db "$work/good.db" import "$work/empty" ||
    bad "could not create a database"

# A user_version outside what any kcnatrack writes is refused as bad data
# (65) before a migration runs: a negative one used to index the migration
# table before its start.
for v in -5 -1 99; do
    db="$work/v$v.db"
    cp "$work/good.db" "$db"
    set_version "$db" "$v"
    cp "$db" "$work/before.db"
    expect "user_version $v (status)" 65 "$db" -- --db "$db" status
    expect "user_version $v (import)" 65 "$db" -- --db "$db" \
        import "$work/empty"
    cmp -s "$db" "$work/before.db" && ok || bad "user_version $v: file changed"
done

# --db "" is a usage error (64) naming --db: SQLite would take it for a
# private temporary database, and a run would keep nothing of its work.
expect 'empty --db (import)' 64 --db -- --db "" import "$work/empty"
expect 'empty --db= (import)' 64 --db -- --db= import "$work/empty"
expect 'empty --db (status)' 64 --db -- --db "" status

# The read-only commands on a path with no database: exit 69 naming it,
# and no file made there (they used to create an empty database).
for c in "export events" "status" "compare" "explain 1" "audit event 1" \
         "audit missing" "search visit"; do
    db="$work/none/missing.db"
    mkdir -p "$work/none"
    # shellcheck disable=SC2086 # the command and its arguments
    expect "$c on no database" 69 "$db" -- --db "$db" $c
    left=$(ls -A "$work/none")
    [ -z "$left" ] && ok || bad "$c on no database left: $left"
done
# ... and on an empty file (which a writing command would make into one)
: >"$work/none/empty.db"
expect "status on an empty file" 69 "$work/none/empty.db" -- \
    --db "$work/none/empty.db" status
[ ! -s "$work/none/empty.db" ] && ok || bad "status wrote into an empty file"
# ... and they still read a real database, without writing to it
cp "$work/good.db" "$work/ro.db"
expect "status on a database" 0 "" -- --db "$work/ro.db" status
expect "export on a database" 0 "" -- --db "$work/ro.db" export events
cmp -s "$work/good.db" "$work/ro.db" && ok || bad "a reader changed the file"

echo "baddb: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
