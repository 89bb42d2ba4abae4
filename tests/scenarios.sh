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
