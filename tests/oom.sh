#!/bin/sh
# Every allocation failure ends cleanly: NOVALID_FAIL_ALLOC=N makes the
# N-th allocation fail, for N = 1, 2, ... until the command completes
# without reaching it.  Each run must end with exactly one line on stderr,
# "novalid: out of memory (K bytes)", and exit status 3 - never a signal,
# a sanitizer report or a half-written error - or, once N is past the last
# allocation, exactly as the run without a failure did.
#   OOM_STRIDE=K   try every K-th N only (default 1: every N)
set -u
: "${NOVALID:?}" "${top_srcdir:?}"
stride=${OOM_STRIDE:-1}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/novalid-oom.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
runs=0

# try LABEL CMD...: the command under every allocation failure
try() {
    label=$1
    shift
    "$@" > "$tmp/want.out" 2> "$tmp/want.err"
    want=$?
    n=1
    while :; do
        NOVALID_FAIL_ALLOC=$n "$@" > "$tmp/got.out" 2> "$tmp/got.err"
        got=$?
        runs=$((runs + 1))
        if [ $got -eq 3 ]; then
            if [ "$(wc -l < "$tmp/got.err")" -ne 1 ] ||
               ! grep -Eq '^novalid: out of memory \([0-9]+ bytes\)$' "$tmp/got.err"; then
                echo "FAIL $label: allocation $n: stderr is not one out-of-memory line:"
                head -5 "$tmp/got.err"
                fail=$((fail + 1))
            fi
        elif [ $got -eq $want ] && cmp -s "$tmp/got.out" "$tmp/want.out"; then
            echo "ok   $label: $((n - 1)) allocation failure(s) end with status 3"
            return
        else
            echo "FAIL $label: allocation $n: exit status $got (want 3, or $want when done)"
            head -5 "$tmp/got.err"
            fail=$((fail + 1))
            return
        fi
        n=$((n + stride))
    done
}

sc=$top_srcdir/scenarios
try "run evacuate.cfg" "$NOVALID" run "$sc/evacuate.cfg"
try "run --format json resize-confirm-revert.cfg" "$NOVALID" run --format json "$sc/resize-confirm-revert.cfg"
try "run numa-pci.cfg" "$NOVALID" run "$sc/numa-pci.cfg"
try "run server-group-anti-affinity.cfg" "$NOVALID" run "$sc/server-group-anti-affinity.cfg"
try "validate bad file" "$NOVALID" validate "$top_srcdir/tests/bad/$(ls "$top_srcdir/tests/bad" | head -1)"
echo "$runs run(s), $fail failure(s)"
[ $fail -eq 0 ]
