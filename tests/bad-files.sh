#!/bin/sh
# Every file under tests/bad/ must be rejected with exit status 2 and the
# FILE:LINE: message its first line announces ("# error: ...").
set -u
: "${NOVALID:?}" "${top_srcdir:?}"
cd "$top_srcdir/tests" || exit 1
pass=0
fail=0
for f in bad/*.cfg; do
    want=$(sed -n '1s/^# error: //p' "$f")
    out=$("$NOVALID" validate "$f" 2>&1)
    rc=$?
    if [ $rc -ne 2 ]; then
        echo "FAIL $f: exit status $rc, want 2"
        fail=$((fail + 1))
    elif ! printf '%s\n' "$out" | grep -qF -- "$want"; then
        echo "FAIL $f: message does not contain '$want':"
        printf '%s\n' "$out" | sed 's/^/    /'
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
done
# and the headless runner agrees
out=$("$NOVALID" run bad/unknown-key.cfg 2>&1); rc=$?
if [ $rc -eq 2 ]; then pass=$((pass + 1)); else echo "FAIL run on a bad file: exit $rc"; fail=$((fail + 1)); fi
out=$("$NOVALID" run /nonexistent/file.cfg 2>&1); rc=$?
if [ $rc -eq 2 ]; then pass=$((pass + 1)); else echo "FAIL run on a missing file: exit $rc"; fail=$((fail + 1)); fi
out=$("$NOVALID" run --format yaml x.cfg 2>&1); rc=$?
if [ $rc -eq 2 ]; then pass=$((pass + 1)); else echo "FAIL bad --format: exit $rc"; fail=$((fail + 1)); fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
