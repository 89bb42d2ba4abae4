/*
 * bench.h - `novalid bench`: load, copy, step, text and undo times of one
 * scenario, medians of N runs, one `key value` per line (see bench.c).
 */
#ifndef NOVALID_BENCH_H
#define NOVALID_BENCH_H

int cmd_bench(int argc, char **argv);

#endif
