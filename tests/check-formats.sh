#!/bin/sh
# The machine-readable outputs of `novalid check` and `novalid run`:
#   - check --format tap is read by a TAP consumer (prove);
#   - check --format junit is well-formed XML (xmllint) and counts the same
#     failures as TAP;
#   - check --format json is one JSON object with per-step results;
#   - run --format json on an invalid file prints a JSON error object;
#   - a scenario with no expectations fails in run and check alike;
#   - a directory given with a trailing slash names its files once-slashed.
set -u
: "${NOVALID:?}" "${top_srcdir:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/novalid-check.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

mkdir -p "$tmp/good" "$tmp/mixed"
cloud='release = "rocky";
hosts = (
  { name = "host1"; vcpus = 8; memory_mb = 16384; disk_gb = 200; },
  { name = "host2"; vcpus = 8; memory_mb = 16384; disk_gb = 200; }
);
flavors = ( { name = "m1.small"; vcpus = 1; memory_mb = 2048; root_gb = 20; } );'
cat > "$tmp/good/pass.cfg" <<EOF
name = "passes";
$cloud
steps = (
  { op = "boot"; name = "vm-1"; flavor = "m1.small"; az = "nova:host2";
    expect = { outcome = "ok"; host = "host2"; }; },
  { op = "stop"; server = "vm-1"; },
  { op = "expect"; expect = { server = "vm-1"; vm_state = "stopped"; }; }
);
EOF
cp "$tmp/good/pass.cfg" "$tmp/mixed/a-pass.cfg"
# step 2 fails (wrong host), steps 1 and 3 pass
cat > "$tmp/mixed/b-fail.cfg" <<EOF
name = "fails <once> & \"quoted\"";
$cloud
steps = (
  { op = "boot"; name = "vm-1"; flavor = "m1.small"; expect = { outcome = "ok"; }; },
  { op = "boot"; name = "vm-2"; flavor = "m1.small"; az = "nova:host2";
    expect = { outcome = "ok"; host = "host1"; }; },
  { op = "stop"; server = "vm-1"; expect = { vm_state = "stopped"; }; }
);
EOF
cat > "$tmp/mixed/c-noexpect.cfg" <<EOF
name = "asserts nothing";
$cloud
steps = ( { op = "boot"; name = "vm-1"; flavor = "m1.small"; } );
EOF
printf 'name = "broken";\nrelease = "rocky";\nhosts = ( { name = "h"; vcpus = -1; } );\n' \
    > "$tmp/mixed/d-invalid.cfg"

# ---- text: one slash between directory and file ------------------------------
out=$("$NOVALID" check "$tmp/good/" 2>&1); rc=$?
case $out in
*"$tmp/good//"*) bad "check DIR/ printed a doubled slash: $out" ;;
*"ok   $tmp/good/pass.cfg (4 expectation(s))"*) ok ;;
*) bad "check DIR/: unexpected output: $out" ;;
esac
[ $rc -eq 0 ] && ok || bad "check on passing files: exit $rc"

# ---- no expectations: the same rule for run and check -------------------------
"$NOVALID" run "$tmp/mixed/c-noexpect.cfg" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 1 ] && ok || bad "run on a file with no expectations: exit $rc, want 1"
grep -q '^no expectations' "$tmp/out" && ok || bad "run does not say the file has no expectations"
"$NOVALID" check "$tmp/mixed/c-noexpect.cfg" > "$tmp/out" 2>&1; rc=$?
[ $rc -eq 1 ] && ok || bad "check on a file with no expectations: exit $rc, want 1"

# ---- TAP ------------------------------------------------------------------------
"$NOVALID" check --format tap "$tmp/mixed" > "$tmp/mixed.tap" 2>/dev/null; rc=$?
[ $rc -eq 2 ] && ok || bad "check --format tap with an invalid file: exit $rc, want 2"
"$NOVALID" check --format tap "$tmp/good" > "$tmp/good.tap"; rc=$?
[ $rc -eq 0 ] && ok || bad "check --format tap on passing files: exit $rc"
grep -q '^1\.\.2$' "$tmp/good.tap" && ok || bad "TAP plan for 2 steps with expectations missing"
not_ok=$(grep -c '^not ok ' "$tmp/mixed.tap")
# b-fail step 2, c-noexpect, d-invalid
[ "$not_ok" -eq 3 ] && ok || bad "TAP: $not_ok test points not ok, want 3"
grep -q '^not ok [0-9]* - .*b-fail.cfg: step 2: boot vm-2' "$tmp/mixed.tap" && ok ||
    bad "TAP does not name the failing step"
grep -q '^      got: "host2"$' "$tmp/mixed.tap" && ok || bad "TAP diagnostics lack the value got"
if command -v prove >/dev/null 2>&1; then
    if prove -e cat "$tmp/good.tap" > "$tmp/prove.out" 2>&1; then ok; else
        bad "prove rejects passing TAP:"; sed 's/^/    /' "$tmp/prove.out"
    fi
    if prove -e cat "$tmp/mixed.tap" > "$tmp/prove.out" 2>&1; then
        bad "prove accepts TAP with failures"
    elif grep -q 'Failed 3/' "$tmp/prove.out"; then ok; else
        bad "prove does not count 3 failures:"; sed 's/^/    /' "$tmp/prove.out"
    fi
    grep -qi 'parse error\|unknown' "$tmp/prove.out" && bad "prove reports TAP parse errors" || ok
else
    echo "prove not installed: TAP consumer not run"
fi

# ---- JUnit ----------------------------------------------------------------------
"$NOVALID" check --format junit "$tmp/mixed" > "$tmp/mixed.xml" 2>/dev/null; rc=$?
[ $rc -eq 2 ] && ok || bad "check --format junit: exit $rc, want 2"
if command -v xmllint >/dev/null 2>&1; then
    if xmllint --noout "$tmp/mixed.xml" 2> "$tmp/xml.err"; then ok; else
        bad "JUnit XML is not well-formed:"; sed 's/^/    /' "$tmp/xml.err"
    fi
    f=$(xmllint --xpath 'string(/testsuites/@failures)' "$tmp/mixed.xml")
    e=$(xmllint --xpath 'string(/testsuites/@errors)' "$tmp/mixed.xml")
    n=$(xmllint --xpath 'count(//testcase[failure or error])' "$tmp/mixed.xml")
    [ "$((f + e))" -eq "$not_ok" ] && [ "$n" -eq "$not_ok" ] && ok ||
        bad "JUnit counts $f failures + $e errors ($n testcases), TAP $not_ok"
    t=$(xmllint --xpath 'string(/testsuites/@tests)' "$tmp/mixed.xml")
    tc=$(grep -c '^\(not \)\{0,1\}ok ' "$tmp/mixed.tap")
    [ "$t" -eq "$tc" ] && ok || bad "JUnit has $t tests, TAP $tc"
else
    echo "xmllint not installed: XML not checked"
fi

# ---- JSON -----------------------------------------------------------------------
if command -v python3 >/dev/null 2>&1; then
    "$NOVALID" check --format json "$tmp/mixed" > "$tmp/mixed.json" 2>/dev/null
    if python3 - "$tmp/mixed.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
r = {f["file"].rsplit("/", 1)[1]: f for f in d["files"]}
assert [r[k]["result"] for k in sorted(r)] == ["ok", "failed", "no-expectations", "invalid"], r
b = r["b-fail.cfg"]
assert [s["index"] for s in b["steps"]] == [1, 2, 3]
bad = [(s["index"], e["key"], e["got"]) for s in b["steps"] for e in s["expect"] if not e["ok"]]
assert bad == [(2, "host", "host2")], bad
assert b["passed"] == 3 and b["failed"] == 1
assert r["d-invalid.cfg"]["errors"][0]["line"] == 3, r["d-invalid.cfg"]["errors"]
assert d["summary"] == {"passed": 1, "failed": 3}, d["summary"]
EOF
    then ok; else bad "check --format json"; fi
    "$NOVALID" run --format json "$tmp/mixed/d-invalid.cfg" > "$tmp/err.json" 2>/dev/null; rc=$?
    [ $rc -eq 2 ] && ok || bad "run --format json on an invalid file: exit $rc"
    if python3 - "$tmp/err.json" "$tmp/mixed/d-invalid.cfg" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
e = d["error"]
assert e["file"] == sys.argv[2] and e["line"] == 3 and e["message"], e
assert d["errors"][0] == e
EOF
    then ok; else bad "run --format json on an invalid file: no JSON error object"; cat "$tmp/err.json"; fi
    "$NOVALID" run --format json "$tmp/nonexistent.cfg" > "$tmp/err.json" 2>/dev/null
    python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; assert e["line"] is None and "cannot open" in e["message"]' \
        "$tmp/err.json" && ok || bad "run --format json on a missing file"
    "$NOVALID" run --format json "$tmp/mixed/c-noexpect.cfg" > "$tmp/ne.json"; rc=$?
    [ $rc -eq 1 ] && python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["summary"]["no_expectations"]' \
        "$tmp/ne.json" && ok || bad "run --format json on a file with no expectations (exit $rc)"
else
    echo "python3 not installed: JSON not checked"
fi
"$NOVALID" check --format yaml "$tmp/good" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok || bad "check --format yaml: exit $rc, want 2"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
