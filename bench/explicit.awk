# bench/explicit.awk - a bench/gencloud.sh cloud written out in full: each
# entry with `count = N;` becomes N entries, one a line, its %06d patterns
# numbered 1 to N (the same hosts, servers and names as the count file).
/count = [0-9]+; / {
    line = $0
    match(line, /count = [0-9]+; /)
    n = substr(line, RSTART + 8, RLENGTH - 10) + 0
    line = substr(line, 1, RSTART - 1) substr(line, RSTART + RLENGTH)
    comma = sub(/,[ \t]*$/, "", line)
    for (i = 1; i <= n; i++) {
        l = line
        gsub(/%06d/, sprintf("%06d", i), l)
        print l ((i < n || comma) ? "," : "")
    }
    next
}
{ print }
