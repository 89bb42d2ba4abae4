/*
 * run.h - the headless front end: `novalid run`, `check` and `validate`.
 */
#ifndef NOVALID_RUN_H
#define NOVALID_RUN_H

#include <stdio.h>

#include "scenario.h"

enum run_format { FORMAT_TEXT, FORMAT_JSON };

/* Replay every step of `sc` (seed overridden when seed >= 0), write the
 * trail and the expectation results to `out`; returns the exit status
 * (0 all expectations hold, 1 some failed). */
int run_scenario(scenario *sc, enum run_format fmt, long long seed, FILE *out,
                 int *passed, int *failed);

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_diff(int argc, char **argv);

/* Print load errors (one per line) to stderr. */
void print_errors(const strlist *errors);

#endif
