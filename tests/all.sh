#!/bin/sh
# tests/all.sh - the whole test suite, as CI runs it:
#   1. a normal build and `make check` (unit tests, scenario replays, bad
#      files, the Nova oracle regression set, the UI under tmux);
#   2. an AddressSanitizer + UndefinedBehaviorSanitizer build and the same
#      `make check`.
# Run from the top of the source tree.  Builds go to build/ and build-asan/.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

[ -x configure ] || autoreconf -fi

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
echo "all test suites passed"
