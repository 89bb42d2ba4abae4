#!/bin/sh
# The docs move with the program: every key `novalid --help` lists (from
# the key table) is in the man page, every scenario op and quirk is in
# --help and the man page or the format document.  The ops come from the
# command table: --help prints each op's synopsis, which the man page must
# carry word for word, and the format document must name each op;
# --list-commands (for completion scripts) lists the same ops.
set -u
: "${NOVALID:?}" "${top_srcdir:?}"
man="$top_srcdir/doc/novalid.1"
help=$("$NOVALID" --help) || { echo "FAIL --help exited non-zero"; exit 1; }
pass=0
fail=0
check() {   # check WHAT FILE NEEDLE
    if grep -qF -- "$3" "$2"; then
        pass=$((pass + 1))
    else
        echo "FAIL $1: '$3' not in $(basename "$2")"
        fail=$((fail + 1))
    fi
}
keys=$(printf '%s\n' "$help" | sed -n '/^Keys in the UI/,/^$/p' | sed '1d;/^$/d' | awk '{print $1}' | tr '/' '\n' | sort -u)
for k in $keys; do
    check "key $k" "$man" "$(printf '%s' "$k" | sed 's/-/\\-/g')"
done
for op in $(printf '%s\n' "$help" | sed -n '/^Scenario steps/,/^$/p' | sed '1d;/^$/d' | awk '{print $1}'); do
    check "op $op" "$top_srcdir/docs/scenario-format.md" "\`$op\`"
done
ops=$(printf '%s\n' "$help" | sed -n '/^Scenario steps/,/^$/p' | sed '1d;/^$/d')
printf '%s\n' "$ops" | sed -n 'n;s/^ *//p' | while IFS= read -r usage; do
    printf '%s\n' "$usage"
done > "${TMPDIR:-/tmp}/novalid-docs-usage.$$"
while IFS= read -r usage; do
    check "synopsis of ${usage%% *}" "$man" ".B $(printf '%s' "$usage" | sed 's/\\/\\\\/g; s/-/\\-/g')"
done < "${TMPDIR:-/tmp}/novalid-docs-usage.$$"
rm -f "${TMPDIR:-/tmp}/novalid-docs-usage.$$"
listed=$("$NOVALID" --list-commands | tr '\n' ' ')
inhelp=$(printf '%s\n' "$ops" | sed -n 'p;n' | awk '{print $1}' | tr '\n' ' ')
if [ "$listed" = "$inhelp" ]; then
    pass=$((pass + 1))
else
    echo "FAIL --list-commands ($listed) differs from --help ($inhelp)"
    fail=$((fail + 1))
fi
for q in $(printf '%s\n' "$help" | sed -n 's/^  \(bug-[0-9a-z-]*\) .*/\1/p'); do
    check "quirk $q" "$top_srcdir/docs/releases.md" "$q"
    range=$(printf '%s\n' "$help" | sed -n "s/^  $q  *\([^:]*\):.*/\1/p")
    # the man page's QUIRKS entry: ".B bug\-N" then "RANGE: summary"
    mq=$(printf '%s' "$q" | sed 's/-/\\\\-/g')
    if awk -v b=".B $mq" -v r="$range: " '$0 == b { getline; if (index($0, r) == 1) ok = 1 } END { exit !ok }' "$man"; then
        pass=$((pass + 1))
    else
        echo "FAIL quirk $q: no '.B $q' entry with '$range' in $(basename "$man")"
        fail=$((fail + 1))
    fi
done
# docs/releases.md's "quirks on" column lists, per release, exactly the
# quirks whose release range (from the quirk table, as --help prints it)
# covers that release, in table order.
rels=$(printf '%s\n' "$help" | sed -n 's/^Releases: //p' | tr -d ',')
quirk_lines=$(printf '%s\n' "$help" | sed -n 's/^  \(bug-[0-9a-z-]*\) *\([^ ]*\)\.\.\([^:]*\):.*/\1 \2 \3/p')
for rel in $rels; do
    want=$(printf '%s\n' "$quirk_lines" | awk -v rels="$rels" -v r="$rel" '
        BEGIN { n = split(rels, a, " "); for (i = 1; i <= n; i++) idx[a[i]] = i }
        NF == 3 && idx[$2] <= idx[r] && idx[r] <= idx[$3] { printf "%s%s", sep, $1; sep = ", " }')
    [ -n "$want" ] || want="—"
    got=$(grep -F "| \`$rel\` (" "$top_srcdir/docs/releases.md" | awk -F'|' '{ gsub(/^ +| +$/, "", $(NF-1)); print $(NF-1) }')
    if [ "$got" = "$want" ]; then
        pass=$((pass + 1))
    else
        echo "FAIL releases.md $rel: quirks '$got', the quirk table says '$want'"
        fail=$((fail + 1))
    fi
done
# each key once per context in --help's key list ("Left/h" once for the lists,
# once for the trail pane, each line naming where it works: [hosts, servers])
dups=$(printf '%s\n' "$help" | sed -n '/^Keys in the UI/,/^$/p' | sed '1d;/^$/d' |
    awk '{ ctx = ""; if (match($0, / \[[^]]*\]$/)) ctx = substr($0, RSTART)
           if ($1 == "/") { n = 1; l[1] = "/" } else n = split($1, l, "/")
           for (i = 1; i <= n; i++) if (seen[l[i] ctx]++) print l[i] " " ctx }')
if [ -z "$dups" ]; then pass=$((pass + 1)); else echo "FAIL keys listed twice in --help: $dups"; fail=$((fail + 1)); fi
# the README's set-up section holds exactly the two commands .ci/run types
# (the same extraction as there)
nsetup=$(awk '/^## Set-up/ { on = 1; next } /^## / { on = 0 }
    on && /^```sh/ { inblock = 1; next } on && /^```/ { inblock = 0; next }
    on && inblock { print }' "$top_srcdir/README.md" | wc -l)
if [ "$nsetup" -eq 2 ]; then pass=$((pass + 1)); else
    echo "FAIL README.md: the set-up section has $nsetup command lines, .ci/run types exactly 2"; fail=$((fail + 1)); fi
"$NOVALID" --version | grep -q '^novalid [0-9]' && pass=$((pass + 1)) || { echo "FAIL --version"; fail=$((fail + 1)); }
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
