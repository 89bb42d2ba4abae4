#!/bin/sh
# novalid diff: two replays compared step by step; exit status as diff(1).
set -u
: "${NOVALID:?}" "${top_srcdir:?}"
cd "$top_srcdir" || exit 2
pass=0
fail=0
t() {   # t NAME WANT-STATUS PATTERN -- ARGS...
    name=$1 want=$2 pat=$3
    shift 4
    out=$("$NOVALID" diff "$@" 2>&1)
    rc=$?
    if [ "$rc" -eq "$want" ] && printf '%s\n' "$out" | grep -Eq -- "$pat"; then
        pass=$((pass + 1))
    else
        echo "FAIL $name: status $rc (want $want), output:"
        printf '%s\n' "$out" | sed 's/^/    | /'
        fail=$((fail + 1))
    fi
}
t "quirk off flips the Pike move" 1 'outcome: NoValidHost -> ok' -- \
    scenarios/bug-1718455-pike.cfg --quirk '!bug-1718455'
t "quirk off: the new winner" 1 'chosen: - -> host2' -- \
    scenarios/bug-1718455-pike.cfg --quirk='!bug-1718455'
t "another release" 1 'outcome: ok -> NoValidHost' -- scenarios/bug-1718455.cfg --release pike
t "two files" 1 'step 2: live-migrate vm-1 host2' -- \
    scenarios/bug-1718455.cfg scenarios/bug-1718455-pike.cfg
t "the same file twice" 0 'no difference' -- scenarios/demo.cfg scenarios/demo.cfg
t "a quirk already on changes nothing" 0 'no difference' -- \
    scenarios/bug-1718455-pike.cfg --quirk bug-1718455
t "unknown quirk" 2 'known quirk' -- scenarios/demo.cfg --quirk bug-1
t "unknown release" 2 'release name' -- scenarios/demo.cfg --release folsom
t "nothing to compare" 2 'usage' -- scenarios/demo.cfg
t "a missing file" 2 'nosuch.cfg' -- nosuch.cfg scenarios/demo.cfg
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
