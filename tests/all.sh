#!/bin/sh
# tests/all.sh - the whole test suite, as CI runs it:
#   1. a normal build and `make check` (unit tests, scenario replays, bad
#      files, the Nova oracle regression set, the UI under tmux);
#   2. an AddressSanitizer + UndefinedBehaviorSanitizer build and the same
#      `make check`;
#   3. valgrind (memcheck) over the unit tests and every scenario replay of
#      the normal build, when valgrind is installed.
# Run from the top of the source tree.  Builds go to build/ and build-asan/.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

[ -x configure ] || autoreconf -fi

# A checkout configured in place (./configure in the source tree) cannot
# also be built out of tree: say so and clean it first.
if [ -f "$top/config.status" ]; then
    echo "=== the source tree is configured in place; running make distclean there first"
    make -C "$top" distclean >/dev/null
fi

run() {
    dir=$1; shift
    echo "=== $dir: configure $*"
    mkdir -p "$dir"
    (cd "$dir" && "$top/configure" -q "$@" && make -j"$jobs" && make -j"$jobs" check) || {
        for log in "$dir"/tests/*.log "$dir"/test-suite.log; do
            [ -f "$log" ] && { echo "--- $log"; tail -n 60 "$log"; }
        done
        exit 1
    }
}

run build --enable-werror
run build-asan --enable-sanitizers

vg_pass=0
vg_fail=0
if command -v valgrind >/dev/null 2>&1; then
    echo "=== valgrind"
    vg() {
        if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
                --suppressions="$top/tests/valgrind.supp" "$@" >/dev/null 2>build/valgrind.err; then
            vg_pass=$((vg_pass + 1))
        elif [ $? -eq 99 ]; then
            echo "FAIL valgrind: $*"; cat build/valgrind.err; vg_fail=$((vg_fail + 1))
        else
            vg_pass=$((vg_pass + 1))   # expectation failures are the suites' business
        fi
    }
    for t in build/tests/test_*; do
        case $t in *.o|*.log|*.trs) continue ;; esac
        [ -x "$t" ] && vg "$t"
    done
    for f in scenarios/*.cfg; do
        vg build/novalid run --format json "$f"
    done
    for f in tests/bad/*.cfg; do
        vg build/novalid validate "$f"
    done
fi

# one closing line over every suite of both builds and the valgrind runs
pass=$(cat build/test-suite.log build-asan/test-suite.log | sed -n 's/^# PASS: *//p' | awk '{s+=$1} END {print s+0}')
fail=$(cat build/test-suite.log build-asan/test-suite.log | sed -n 's/^# \(FAIL\|ERROR\|XPASS\): *//p' | awk '{s+=$1} END {print s+0}')
echo "$((pass + vg_pass)) passed, $((fail + vg_fail)) failed"
[ "$vg_fail" -eq 0 ]
