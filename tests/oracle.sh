#!/bin/sh
# The Nova oracle regression set: stored cases whose answers come from
# Nova Zed's scheduler code, compared filter by filter (see
# tests/oracle/compare.py).
set -u
: "${NOVALID:?}" "${top_srcdir:?}"
if ! command -v python3 >/dev/null 2>&1; then
    echo "python3 not found: cannot compare"
    exit 77
fi
exec python3 "$top_srcdir/tests/oracle/compare.py" --novalid "$NOVALID" -j 2 \
    "$top_srcdir/tests/oracle/default" "$top_srcdir/tests/oracle/all"
