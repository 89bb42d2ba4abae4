#!/bin/sh
# Every quirk of the table (as --help lists it) has its pair of scenarios,
# and each quirk matters where its scenarios say: the scenario showing the
# bug (scenarios/bug-N-RELEASE.cfg) fails with the quirk switched off, the
# scenario showing the fix (scenarios/bug-N.cfg) fails with it switched on.
set -u
: "${NOVALID:?}" "${top_srcdir:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/novalid-quirks.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
# switch FILE QUIRK OUT: FILE with `quirks = [QUIRK];` (replacing its own
# quirks line, if any) right after its release line
switch() {
    grep -v '^quirks *=' "$1" | awk -v q="$2" '{ print } /^release *=/ { print "quirks = [\"" q "\"];" }' > "$3"
}
for q in $("$NOVALID" --help | sed -n 's/^  \(bug-[0-9a-z-]*\) .*/\1/p'); do
    bug=$(ls "$top_srcdir"/scenarios/"$q"-*.cfg 2>/dev/null)
    fixed="$top_srcdir/scenarios/$q.cfg"
    if [ -z "$bug" ] || [ ! -f "$fixed" ]; then
        echo "FAIL $q: scenarios/$q-RELEASE.cfg and scenarios/$q.cfg must both exist"
        fail=$((fail + 1))
        continue
    fi
    for b in $bug; do
        switch "$b" "!$q" "$tmp/off.cfg"
        "$NOVALID" check "$tmp/off.cfg" >/dev/null 2>&1
        rc=$?
        if [ $rc -eq 1 ]; then pass=$((pass + 1)); else
            echo "FAIL $q: $(basename "$b") with the quirk off still passes (or is invalid: $rc)"
            fail=$((fail + 1))
        fi
    done
    switch "$fixed" "$q" "$tmp/on.cfg"
    "$NOVALID" check "$tmp/on.cfg" >/dev/null 2>&1
    rc=$?
    if [ $rc -eq 1 ]; then pass=$((pass + 1)); else
        echo "FAIL $q: $q.cfg with the quirk on still passes (or is invalid: $rc)"
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
