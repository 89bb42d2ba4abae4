#!/bin/sh
# Replays every scenario under scenarios/ and checks its expectations;
# then checks that headless output is byte-for-byte reproducible.
set -u
: "${NOVALID:?}" "${top_srcdir:?}"
"$NOVALID" check "$top_srcdir/scenarios"
rc=$?
[ $rc -eq 0 ] || exit $rc
for f in "$top_srcdir"/scenarios/*.cfg; do
    a=$("$NOVALID" run --format json "$f" | cksum)
    b=$("$NOVALID" run --format json "$f" | cksum)
    if [ "$a" != "$b" ]; then
        echo "FAIL $f: two runs with the same seed differ"
        exit 1
    fi
done
echo "reproducible output: ok"
# a weight is never printed as -0.0 (a negative multiplier times 0)
for f in "$top_srcdir"/scenarios/*.cfg; do
    if "$NOVALID" run "$f" | grep -q -- '[^0-9.]-0\.0\([^0-9]\|$\)'; then
        echo "FAIL $f: a weight printed as -0.0"
        exit 1
    fi
done
echo "no -0.0 weights: ok"
# --record: every scenario re-recorded with what novalid observed as its
# expectations passes novalid check at once, keeps its comments and
# description, and a recording of a recording is the same file
rec=$(mktemp -d "${TMPDIR:-/tmp}/novalid-record.XXXXXX") || exit 1
trap 'rm -rf "$rec"' EXIT
for f in "$top_srcdir"/scenarios/*.cfg; do
    b=$(basename "$f")
    "$NOVALID" run "$f" --record "$rec/$b" >/dev/null
    if [ $? -gt 1 ] || [ ! -s "$rec/$b" ]; then
        echo "FAIL --record $b: nothing written"
        exit 1
    fi
    first=$(sed -n '1p' "$f")
    if [ "$(sed -n '1p' "$rec/$b")" != "$first" ]; then
        echo "FAIL --record $b: the file's opening comment is not kept"
        exit 1
    fi
    if grep -q '^description' "$f" && ! grep -qF "$(grep '^description' "$f")" "$rec/$b"; then
        echo "FAIL --record $b: the description is not kept"
        exit 1
    fi
    "$NOVALID" run "$rec/$b" --record "$rec/again-$b" >/dev/null
    if ! cmp -s "$rec/$b" "$rec/again-$b"; then
        echo "FAIL --record $b: recording the recording changes it"
        diff "$rec/$b" "$rec/again-$b" | head -20
        exit 1
    fi
    rm -f "$rec/again-$b"
done
"$NOVALID" check "$rec" >"$rec/check.out" || { cat "$rec/check.out"; echo "FAIL: recorded scenarios do not pass"; exit 1; }
echo "--record: $(ls "$rec"/*.cfg | wc -l) recordings pass novalid check"
# OUT keeps FILE's seed: recording another seed's outcomes is refused
if "$NOVALID" run "$top_srcdir/scenarios/demo.cfg" --seed 424242 --record "$rec/seed.cfg" >/dev/null 2>"$rec/seed.err" ||
    [ -e "$rec/seed.cfg" ] || ! grep -q "writes FILE's own seed" "$rec/seed.err"; then
    echo "FAIL --record with another --seed: not refused, or OUT written"; cat "$rec/seed.err"; exit 1
fi

