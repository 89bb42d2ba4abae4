#!/bin/sh
# bench/run.sh NOVALID - `make bench`: generate clouds of 1,000, 10,000 and
# 100,000 hosts with bench/gencloud.sh, run `novalid bench` on each (niced),
# and print one Markdown table of the medians with the machine they ran on.
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
for n in $sizes; do
    sh "$here/gencloud.sh" "$n" > "$tmp/cloud-$n.cfg"
    # shellcheck disable=SC2086
    nice -n 10 "$novalid" bench "$tmp/cloud-$n.cfg" --runs "$runs" $cflag > "$tmp/out-$n"
    v() { sed -n "s/^$1 //p" "$tmp/out-$n"; }
    printf '| %s | %s | %s ms | %s ms | %s ms | %s ms | %s ms | %s ms | %s ms | %s MiB | %s MiB | %s MiB |\n' \
        "$(v hosts)" "$(v servers)" "$(v load_ms)" "$(v copy_ms)" "$(v step1_ms)" \
        "$(v step1_text_ms)" "$(v step2_ms)" "$(v step3_ms)" "$(v undo_ms)" "$(v rss_mib)" \
        "$(v rss_ready_mib)" "$(v rss_steps_mib)"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
