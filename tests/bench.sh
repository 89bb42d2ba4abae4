#!/bin/sh
# `novalid bench` prints every figure it promises, one `key value` per line
# with a number as the value, and the benchmark's cloud generator writes a
# scenario that loads.  Nothing here looks at how long anything took.
set -u
: "${NOVALID:?}" "${top_srcdir:?}"
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
tmp=${TMPDIR:-/tmp}/novalid-bench-test.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT

# keys KEYFILE OUTFILE: every key is printed once, with a number
keys() {
    for k in $(cat "$1"); do
        n=$(grep -c "^$k " "$2")
        v=$(sed -n "s/^$k //p" "$2")
        if [ "$n" -ne 1 ]; then
            bad "bench $3: key $k printed $n times"
        elif ! printf '%s\n' "$v" | grep -Eq '^([0-9]+(\.[0-9]+)?|wall|cpu)$'; then
            bad "bench $3: key $k has value '$v'"
        else
            ok
        fi
    done
    extra=$(awk '{print $1}' "$2" | grep -vxF -f "$1")
    [ -z "$extra" ] && ok || bad "bench $3: unexpected keys: $extra"
}

f="$top_srcdir/scenarios/count-rack.cfg"
if "$NOVALID" bench "$f" --runs 3 > "$tmp/out" 2> "$tmp/err"; then ok; else bad "bench $f exited $?"; cat "$tmp/err"; fi
printf '%s\n' hosts servers steps runs clock load_ms parse_ms load_halves copy_ms undo_ms rss_mib rss_ready_mib rss_steps_mib > "$tmp/keys"
for i in 1 2 3; do printf 'step%d_%s\n' $i ms $i text_ms $i json_ms $i record_ms >> "$tmp/keys"; done
keys "$tmp/keys" "$tmp/out" count-rack
grep -qx 'hosts 8' "$tmp/out" && grep -qx 'servers 13' "$tmp/out" && grep -qx 'steps 3' "$tmp/out" \
    && grep -qx 'runs 3' "$tmp/out" && grep -qx 'clock wall' "$tmp/out" && ok || bad "bench count-rack: wrong counts: $(head -4 "$tmp/out" | tr '\n' ' ')"

# the generator's cloud: 100 hosts, 100 steps
if sh "$top_srcdir/bench/gencloud.sh" 100 > "$tmp/g.cfg"; then ok; else bad "gencloud.sh 100 exited $?"; fi
"$NOVALID" bench "$tmp/g.cfg" --runs 1 --cpu > "$tmp/g.out" 2>&1 || bad "bench on the generated cloud exited $?"
printf '%s\n' hosts servers steps runs clock load_ms parse_ms load_halves copy_ms undo_ms rss_mib rss_ready_mib rss_steps_mib > "$tmp/gkeys"
i=1
while [ $i -le 100 ]; do
    printf 'step%d_%s\n' $i ms $i text_ms $i json_ms $i record_ms >> "$tmp/gkeys"
    i=$((i + 1))
done
keys "$tmp/gkeys" "$tmp/g.out" gencloud
grep -qx 'hosts 100' "$tmp/g.out" && grep -qx 'steps 100' "$tmp/g.out" && grep -qx 'clock cpu' "$tmp/g.out" && ok \
    || bad "bench gencloud: $(head -3 "$tmp/g.out" | tr '\n' ' ')"
"$NOVALID" run "$tmp/g.cfg" > "$tmp/g.run" 2>&1
[ "$(grep -c '^=> ok' "$tmp/g.run")" -eq 100 ] && ok || bad "gencloud: not every step succeeded"
sh "$top_srcdir/bench/gencloud.sh" 150 > /dev/null 2>&1 && bad "gencloud.sh 150 accepted" || ok

# the generator's cloud written out in full: the same cloud and answers,
# large enough to be parsed in two halves
sh "$top_srcdir/bench/gencloud.sh" 1000 > "$tmp/k.cfg"
awk -f "$top_srcdir/bench/explicit.awk" "$tmp/k.cfg" > "$tmp/x.cfg" || bad "explicit.awk exited $?"
[ "$(grep -c 'name = "cmpa0' "$tmp/x.cfg")" -eq 300 ] && ! grep -q 'count =' "$tmp/x.cfg" && ok \
    || bad "explicit.awk: not one host a line"
"$NOVALID" run "$tmp/k.cfg" 2>&1 | sed 's/([^()]*:[0-9]*)$//' > "$tmp/k.run"
"$NOVALID" run "$tmp/x.cfg" 2>&1 | sed 's/([^()]*:[0-9]*)$//' > "$tmp/x.run"
[ "$(grep -c '^=> ok' "$tmp/x.run")" -eq 100 ] && cmp -s "$tmp/k.run" "$tmp/x.run" && ok \
    || bad "the cloud written out in full does not replay as the count file: $(diff "$tmp/k.run" "$tmp/x.run" | head -5)"
"$NOVALID" bench "$tmp/x.cfg" --runs 1 > "$tmp/x.out" 2>&1 || bad "bench on the full file exited $?"
grep -qx 'load_halves 1' "$tmp/x.out" && grep -Eq '^parse_ms [0-9]' "$tmp/x.out" && ok \
    || bad "bench on the full file: $(grep -E 'load|parse' "$tmp/x.out" | tr '\n' ' ')"

# bad command lines
for args in "" "--runs 0 $f" "--runs x $f" "--bogus $f" "$f $f" "/nonexistent.cfg"; do
    # shellcheck disable=SC2086
    "$NOVALID" bench $args > /dev/null 2>&1
    rc=$?
    [ $rc -eq 2 ] && ok || bad "bench $args: exit $rc, want 2"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
