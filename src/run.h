/*
 * run.h - the headless front end: `novalid run`, `check` and `validate`.
 */
#ifndef NOVALID_RUN_H
#define NOVALID_RUN_H

#include <stdio.h>

#include "scenario.h"

/* Output formats: run takes text and json (up to FORMAT_RUN_LAST); check
 * takes all four.  run_format_names[] spells them for the command line. */
enum run_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_TAP, FORMAT_JUNIT, FORMAT_COUNT };
#define FORMAT_RUN_LAST FORMAT_JSON
extern const char *const run_format_names[FORMAT_COUNT];

/* What one step did and what its expectations found. */
typedef struct step_report {
    int index, line;            /* 1-based step number, scenario line (0 none) */
    const char *op;             /* op_names[] entry */
    char *command;              /* the prompt-line form */
    const char *outcome;        /* "ok" or the exception name (static) */
    char *message;              /* NULL when ok */
    bool has_expect;            /* the step carries an expect group */
    expect_checks checks;
} step_report;
typedef struct run_report {
    step_report *v;
    int n, cap;
    int passed, failed;         /* expectation checks */
} run_report;
void run_report_free(run_report *r);

/* Replay every step of `sc` (seed overridden when seed >= 0), write the
 * trail and the expectation results to `out` (may be NULL); returns the
 * exit status: 0 every expectation holds, 1 some failed or the scenario
 * has none (a scenario that asserts nothing fails, in run and check). */
int run_scenario(scenario *sc, enum run_format fmt, long long seed, FILE *out,
                 int *passed, int *failed);
/* The same, also filling `rep` (when not NULL) step by step. */
int run_scenario_report(scenario *sc, enum run_format fmt, long long seed, FILE *out,
                        run_report *rep);

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_diff(int argc, char **argv);

/* Print load errors (one per line) to stderr. */
void print_errors(const strlist *errors);

#endif
