#!/bin/sh
# Files a hostile stranger could send: names that would drive the terminal
# of whoever runs them must come out escaped in text output, check lines and
# errors (and exact in JSON); files that are not regular files, huge
# integers and huge groups must end in a FILE: error, never a hang or a
# silently wrong value.
set -u
: "${NOVALID:?}" "${top_srcdir:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/novalid-hostile.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
no() { echo "FAIL $*"; fail=$((fail + 1)); }

ESC=$(printf '\033')
BEL=$(printf '\007')
CR=$(printf '\r')
RLO=$(printf '\342\200\256')
ZWSP=$(printf '\342\200\213')
# bytes a terminal acts on or hides: ESC, BEL, CR, C1 CSI, RLO, ZWSP, LRI
raw_controls() { LC_ALL=C grep -c "$ESC\|$BEL\|$CR\|$(printf '\302\233')\|$RLO\|$ZWSP\|$(printf '\342\201\246')" "$1"; }

cat > "$tmp/hostile.cfg" <<EOF2
name = "hostile \\x1b]0;PWNED\\x07\\x1b[2J";
release = "latest";
seed = 1;
hosts = (
  { name = "h\\x1b[2Jost1\\nfake: 100 passed, 0 failed"; vcpus = 8; memory_mb = 16384; disk_gb = 200; },
  { name = "host${RLO}2${ZWSP}"; vcpus = 8; memory_mb = 16384; disk_gb = 200; }
);
flavors = ( { name = "m1.$(printf '\302\233')small"; vcpus = 1; memory_mb = 2048; root_gb = 20; } );
images = ( { name = "cirros"; properties = []; } );
servers = ( { name = "vm\\x07-1\\r"; flavor = "m1.$(printf '\302\233')small";
              host = "h\\x1b[2Jost1\\nfake: 100 passed, 0 failed"; } );
steps = (
  { op = "live-migrate"; server = "vm\\x07-1\\r"; expect = { outcome = "ok"; host = "host${RLO}2${ZWSP}"; }; },
  { op = "evacuate"; server = "vm\\x07-1\\r"; host = "no\\x1b[5msuch"; expect = { outcome = "NoSuchThing"; }; }
);
EOF2

# text output: every name escaped, one line per line
"$NOVALID" run "$tmp/hostile.cfg" > "$tmp/out.txt" 2>&1
n=$(raw_controls "$tmp/out.txt")
[ "$n" -eq 0 ] && ok || no "run: $n line(s) with raw control bytes"
grep -qF 'Selected host: host<U+202E>2<U+200B> for vm\x07-1\x0d' "$tmp/out.txt" && ok || no "run: escaped names"
grep -q '^fake: 100 passed' "$tmp/out.txt" && no "run: a name forged an output line" || ok
grep -qF 'Compute host no\x1b[5msuch' "$tmp/out.txt" && ok || no "run: escaped message"

# JSON output: exact names, JSON escapes only
"$NOVALID" run --format json "$tmp/hostile.cfg" > "$tmp/out.json" 2>&1
if command -v python3 >/dev/null 2>&1; then
    python3 - "$tmp/out.json" <<'EOF3' && ok || no "json: names not exact"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
assert d["scenario"] == "hostile \x1b]0;PWNED\x07\x1b[2J", d["scenario"]
s = d["steps"][0]["servers"][0]
assert s["name"] == "vm\x07-1\r" and s["host"] == "host\u202e2\u200b", s
EOF3
fi

# check lines: the file name is escaped too
mkdir "$tmp/dir"
cp "$tmp/hostile.cfg" "$tmp/dir/x${ESC}[2Jy
ok   forged.cfg"
"$NOVALID" check "$tmp/dir" > "$tmp/check.txt" 2>&1
n=$(raw_controls "$tmp/check.txt")
[ "$n" -eq 0 ] && ok || no "check: $n line(s) with raw control bytes"
grep -q '^ok   forged' "$tmp/check.txt" && no "check: a file name forged a line" || ok
grep -qF 'FAIL '"$tmp"'/dir/x\x1b[2Jy\x0aok   forged.cfg: 1 of 3' "$tmp/check.txt" && ok || no "check: escaped FAIL line"

# loader errors: the value and the file name are escaped
printf 'name = "x";\nrelease = "\033]0;t\007";\n' > "$tmp/bad${ESC}[31m.cfg"
"$NOVALID" validate "$tmp/bad${ESC}[31m.cfg" > "$tmp/err.txt" 2>&1
n=$(raw_controls "$tmp/err.txt")
[ "$n" -eq 0 ] && ok || no "validate: $n line(s) with raw control bytes"
grep -qF "bad\\x1b[31m.cfg:2:" "$tmp/err.txt" && ok || no "validate: FILE:LINE: escaped"
"$NOVALID" "--$ESC[2J" > "$tmp/opt.txt" 2>&1
n=$(raw_controls "$tmp/opt.txt")
[ "$n" -eq 0 ] && ok || no "unknown option echoed raw"

# not regular files: refused at once with FILE: (a FIFO would block forever)
mkfifo "$tmp/fifo.cfg"
out=$(timeout 10 "$NOVALID" validate "$tmp/fifo.cfg" 2>&1); rc=$?
[ $rc -eq 2 ] && printf '%s\n' "$out" | grep -qF "$tmp/fifo.cfg: not a regular file" && ok ||
    no "FIFO as the file: exit $rc: $out"
mkdir "$tmp/fifodir"
mkfifo "$tmp/fifodir/a.cfg"
out=$(timeout 10 "$NOVALID" check "$tmp/fifodir" 2>&1); rc=$?
[ $rc -eq 2 ] && printf '%s\n' "$out" | grep -qF "$tmp/fifodir/a.cfg: not a regular file" && ok ||
    no "FIFO *.cfg in a directory: exit $rc: $out"
out=$(timeout 10 "$NOVALID" run /dev/zero 2>&1); rc=$?
[ $rc -eq 2 ] && printf '%s\n' "$out" | grep -qF "/dev/zero: not a regular file" && ok ||
    no "a device as the file: exit $rc: $out"

# check on an empty or unreadable directory: an error, not usage or silence
mkdir "$tmp/empty"
out=$("$NOVALID" check "$tmp/empty" 2>&1); rc=$?
[ $rc -eq 2 ] && [ "$out" = "novalid check: no scenario files in $tmp/empty" ] && ok ||
    no "check on an empty directory: exit $rc: $out"
mkdir "$tmp/locked"
cp "$tmp/hostile.cfg" "$tmp/locked/a.cfg"
chmod 000 "$tmp/locked"
if [ -r "$tmp/locked" ]; then
    echo "skip: unreadable directory (running as a user who can read anything)"
else
    out=$("$NOVALID" check "$tmp/locked" 2>&1); rc=$?
    [ $rc -eq 2 ] && printf '%s\n' "$out" | grep -qF "$tmp/locked: cannot read the directory" && ok ||
        no "check on an unreadable directory: exit $rc: $out"
fi
chmod 755 "$tmp/locked"

# integers: read whole, range-checked, never silently truncated
head='release = "latest";
flavors = ( { name = "m1.small"; vcpus = 1; memory_mb = 2048; root_gb = 20; } );'
int_case() {   # LITERAL WANT
    printf '%s\nhosts = ( { name = "h1"; vcpus = %s; memory_mb = 4294967304; disk_gb = 1; } );\n' \
        "$head" "$1" > "$tmp/int.cfg"
    out=$("$NOVALID" validate "$tmp/int.cfg" 2>&1); rc=$?
    if [ $rc -eq 2 ] && printf '%s\n' "$out" | grep -qF -- "$2"; then ok; else no "vcpus = $1: exit $rc: $out"; fi
}
int_case 4294967304 "int.cfg:3: hosts[0].vcpus: must be at most 2147483647 (got 4294967304)"
int_case 0x100000008 "int.cfg:3: hosts[0].vcpus: must be at most 2147483647 (got 4294967304)"
int_case 9223372036854775808 "int.cfg:3: integer 9223372036854775808 does not fit in 64 bits"
int_case -9223372036854775809 "int.cfg:3: integer -9223372036854775809 does not fit in 64 bits"
int_case 18446744073709551616L "int.cfg:3: integer 18446744073709551616 does not fit in 64 bits"
int_case -4294967304 "int.cfg:3: hosts[0].vcpus: must not be negative (got -4294967304)"
printf 'name = "x";\n%s\nhosts = ( { name = "h1"; vcpus = 8; memory_mb = 4294967304; disk_gb = 1; } );\n' \
    "$head" > "$tmp/wide.cfg"
"$NOVALID" run --format json "$tmp/wide.cfg" >/dev/null 2>&1; rc=$?
# it loads and runs; with no expectations, run exits 1 (not 2: not rejected)
[ $rc -eq 1 ] && ok || no "a 33-bit memory_mb: exit $rc, want 1"

# a group with too many settings is refused before libconfig's quadratic scan
python3 -c 'print("config = { g = {"); print(" ".join("k%d = 1;" % i for i in range(200000))); print("}; };")' \
    > "$tmp/group.cfg" 2>/dev/null || awk 'BEGIN { print "config = { g = {"; for (i = 0; i < 200000; i++) printf "k%d = 1; ", i; print "}; };" }' > "$tmp/group.cfg"
out=$(timeout 20 "$NOVALID" validate "$tmp/group.cfg" 2>&1); rc=$?
[ $rc -eq 2 ] && printf '%s\n' "$out" | grep -qF "group.cfg:2: more than 256 settings in one group" && ok ||
    no "200,000 settings in a group: exit $rc: $(printf '%s\n' "$out" | head -3)"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
