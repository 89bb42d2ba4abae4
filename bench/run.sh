#!/bin/sh
# bench/run.sh NOVALID - `make bench`: generate clouds of 1,000, 10,000 and
# 100,000 hosts with bench/gencloud.sh, run `novalid bench` on each (niced),
# and print one Markdown table of the medians with the machine they ran on;
# then a second table: the same clouds written out in full, one host or
# server a line (bench/explicit.awk), loaded against libconfig's own parse.
#
#   BENCH_SIZES="1000 10000"  the cloud sizes (multiples of 100)
#   BENCH_RUNS=5              runs per cloud (median)
#   BENCH_CLOCK=cpu           time with the process's CPU time, not the wall
#                             clock (on a machine busy with other work)
set -eu
novalid=${1:?usage: run.sh NOVALID}
here=$(cd "$(dirname "$0")" && pwd)
sizes=${BENCH_SIZES:-1000 10000 100000}
runs=${BENCH_RUNS:-3}
clock=${BENCH_CLOCK:-wall}
case $clock in wall) cflag= ;; cpu) cflag=--cpu ;; *) echo "run.sh: BENCH_CLOCK is wall or cpu" >&2; exit 2 ;; esac
tmp=${TMPDIR:-/tmp}/novalid-bench.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
echo "novalid bench, $(date -u +%Y-%m-%d) on ${cpu:-an unknown CPU} ($(nproc 2>/dev/null || echo '?') cores, $(uname -sm)), load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'); medians of $runs runs, $clock-clock times"
echo
echo "| hosts | servers | load file | copy cloud | boot decision | boot trail as text | live-migrate decision | stop (no scheduling) | undo after 100 commands | peak RSS after load | RSS, session ready | RSS after 100 commands |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
explicit=""
for n in $sizes; do
    sh "$here/gencloud.sh" "$n" > "$tmp/cloud-$n.cfg"
    # shellcheck disable=SC2086
    nice -n 10 "$novalid" bench "$tmp/cloud-$n.cfg" --runs "$runs" $cflag > "$tmp/out-$n"
    v() { sed -n "s/^$1 //p" "$tmp/out-$n"; }
    printf '| %s | %s | %s ms | %s ms | %s ms | %s ms | %s ms | %s ms | %s ms | %s MiB | %s MiB | %s MiB |\n' \
        "$(v hosts)" "$(v servers)" "$(v load_ms)" "$(v copy_ms)" "$(v step1_ms)" \
        "$(v step1_text_ms)" "$(v step2_ms)" "$(v step3_ms)" "$(v undo_ms)" "$(v rss_mib)" \
        "$(v rss_ready_mib)" "$(v rss_steps_mib)"
    # the same cloud in full: loading it is held to libconfig's parse of it,
    # by the wall clock (the load parses on two threads)
    awk -f "$here/explicit.awk" "$tmp/cloud-$n.cfg" > "$tmp/explicit-$n.cfg"
    nice -n 10 "$novalid" bench "$tmp/explicit-$n.cfg" --runs 1 > "$tmp/out-$n"
    explicit="$explicit$(printf '| %s | %s MB | %s ms | %s ms | %s |' "$(v hosts)" \
        "$(awk -v b="$(wc -c < "$tmp/explicit-$n.cfg")" 'BEGIN { printf "%.1f", b / 1e6 }')" "$(v parse_ms)" "$(v load_ms)" \
        "$(awk -v l="$(v load_ms)" -v p="$(v parse_ms)" 'BEGIN { printf "%.2f", l / p }')")
"
    rm -f "$tmp/explicit-$n.cfg"
done
echo
echo "The same clouds written out in full, one host or server a line (wall clock, one load each):"
echo
echo "| hosts | file | libconfig's parse | novalid's load | load / parse |"
echo "|---|---|---|---|---|"
printf '%s' "$explicit"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
