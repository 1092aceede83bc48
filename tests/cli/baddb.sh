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
# TEXT somewhere in its stderr
expect() {
    name=$1 want=$2 text=$3
    shift 4
    "$kt" --rules "$src/rules" "$@" >"$work/out" 2>"$work/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        bad "$name: exit $got, want $want: $(cat "$work/err")"
    elif ! grep -qF -- "$text" "$work/err"; then
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

echo "baddb: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
