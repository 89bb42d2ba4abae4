#!/bin/sh
# tests/all.sh - the whole test suite, as CI runs it:
#   1. a normal build and `make check` (unit tests, scenario replays, bad
#      files, the Nova oracle regression set, the UI under tmux);
#   2. an AddressSanitizer + UndefinedBehaviorSanitizer build and the same
#      `make check`;
#   3. valgrind (memcheck) over the normal build's unit tests, every
#      scenario replay and every bad file, as many at a time as there are
#      cores, when valgrind is installed.
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
    # one command per line: the unit tests, every scenario replay, every bad
    # file; run $jobs at a time, each leaving PASS or FAIL and its errors
    vgdir=build/valgrind
    rm -rf "$vgdir" && mkdir -p "$vgdir"
    {
        for t in build/tests/test_*; do
            case $t in *.o|*.log|*.trs) continue ;; esac
            [ -x "$t" ] && echo "$t"
        done
        for f in scenarios/*.cfg; do echo "build/novalid run --format json $f"; done
        for f in tests/bad/*.cfg; do echo "build/novalid validate $f"; done
    } | awk '{ printf "%d %s\n", NR, $0 }' > "$vgdir/commands"
    # shellcheck disable=SC2016
    xargs -P "$jobs" -L 1 sh -c '
        n=$1; shift
        if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
                --suppressions="$0/tests/valgrind.supp" "$@" >/dev/null 2>"build/valgrind/$n.err"; then
            echo PASS > "build/valgrind/$n.res"
        elif [ $? -eq 99 ]; then
            echo "FAIL valgrind: $*" > "build/valgrind/$n.res"
        else
            echo PASS > "build/valgrind/$n.res"   # expectation failures: the suites report those
        fi' "$top" < "$vgdir/commands"
    for res in "$vgdir"/*.res; do
        if [ "$(cat "$res")" = PASS ]; then
            vg_pass=$((vg_pass + 1))
        else
            cat "$res" "${res%.res}.err"
            vg_fail=$((vg_fail + 1))
        fi
    done
    n_cmds=$(wc -l < "$vgdir/commands")
    if [ "$((vg_pass + vg_fail))" -ne "$n_cmds" ]; then
        echo "FAIL valgrind: $n_cmds commands, $((vg_pass + vg_fail)) results"
        vg_fail=$((vg_fail + 1))
    fi
fi

# one closing line over every suite of both builds and the valgrind runs
pass=$(cat build/test-suite.log build-asan/test-suite.log | sed -n 's/^# PASS: *//p' | awk '{s+=$1} END {print s+0}')
fail=$(cat build/test-suite.log build-asan/test-suite.log | sed -n 's/^# \(FAIL\|ERROR\|XPASS\): *//p' | awk '{s+=$1} END {print s+0}')
echo "$((pass + vg_pass)) passed, $((fail + vg_fail)) failed"
[ "$vg_fail" -eq 0 ]
