#!/bin/sh
# Golden files: the text trail and the JSON of every scenario under
# scenarios/, kept in tests/golden/NAME.txt and tests/golden/NAME.json and
# compared byte for byte.  After an intended change of behaviour or output,
# regenerate them and commit the new files with the change:
#
#     make golden-update                   (from the build directory), or
#     NOVALID=build/novalid sh tests/golden.sh --update   (from the source tree)
#
# Scenarios are run from the top of the source tree as scenarios/NAME.cfg,
# so the file names in the output do not depend on where the build is.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
NOVALID=${NOVALID:-$top_srcdir/build/novalid}
update=0
[ "${1:-}" = "--update" ] && update=1
cd "$top_srcdir" || exit 2
dir=tests/golden
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
for f in scenarios/*.cfg; do
    name=$(basename "$f" .cfg)
    "$NOVALID" run "$f" > "$tmp/$name.txt" 2>&1
    "$NOVALID" run --format json "$f" > "$tmp/$name.json" 2>&1
    for ext in txt json; do
        if [ $update -eq 1 ]; then
            if ! cmp -s "$tmp/$name.$ext" "$dir/$name.$ext"; then
                cp "$tmp/$name.$ext" "$dir/$name.$ext"
                echo "updated $dir/$name.$ext"
            fi
        elif cmp -s "$tmp/$name.$ext" "$dir/$name.$ext"; then
            pass=$((pass + 1))
        else
            echo "FAIL $dir/$name.$ext differs (regenerate with: make golden-update)"
            diff -u "$dir/$name.$ext" "$tmp/$name.$ext" 2>&1 | head -n 20 | cut -c1-200
            fail=$((fail + 1))
        fi
    done
done
if [ $update -eq 1 ]; then
    # golden files of scenarios that are gone
    for g in "$dir"/*.txt "$dir"/*.json; do
        [ -f "$g" ] || continue
        n=$(basename "$g"); n=${n%.*}
        [ -f "scenarios/$n.cfg" ] || { rm -f "$g"; echo "removed $g"; }
    done
    exit 0
fi
for g in "$dir"/*.txt; do
    n=$(basename "$g" .txt)
    [ -f "scenarios/$n.cfg" ] || { echo "FAIL $g has no scenario (make golden-update removes it)"; fail=$((fail + 1)); }
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
