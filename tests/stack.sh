#!/bin/sh
# The stack regression set: stored scenarios of random move sequences
# (boots, live and cold migrations, resizes, confirm/revert, evacuations,
# host state changes, injected compute failures) whose every expectation is
# what Nova Zed's own functional-test stack answered after that step:
# outcome and message, server host and states, migration status and type,
# faults and every host's Placement usage.  novalid must meet all of them.
set -u
: "${NOVALID:?}" "${top_srcdir:?}"
exec "$NOVALID" check "$top_srcdir/tests/stack"
