/*
 * bench.c - `novalid bench FILE [--runs N]`: how long novalid takes on one
 * scenario, as figures a script can read.
 *
 * The file is loaded once (load_ms, and the resident memory after that:
 * rss_mib).  Then, N times, the loaded cloud is copied (copy_ms), a session
 * is started on the copy and every step is performed in order: stepK_ms is
 * the engine's time for step K (the decision and its structured trail, no
 * text), stepK_text_ms the time to render that step's trail as text,
 * stepK_json_ms as JSON, stepK_record_ms to read its decision records as
 * the UI does (every host's fate in every decision, and the summary), and
 * undo_ms the time to undo the last step once all were performed.  Each
 * figure is the median of the N runs; one `key value` per line.
 *
 * Memory is measured last, in one more session that takes the loaded
 * cloud as the UI does (no copy of it left aside), after freed memory was
 * handed back to the system: rss_ready_mib with the session ready for its
 * first command, rss_steps_mib once every step was performed.
 *
 * Figures are wall-clock times of this machine (with --cpu, the process's
 * CPU time); nothing asserts on them.
 */
#include "bench.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decision.h"
#include "run.h"
#include "scenario.h"
#include "textfile.h"

/* Wall-clock time, or with --cpu the process's CPU time (steadier on a
 * machine shared with others: waiting for a core is not counted). */
static clockid_t bench_clock = CLOCK_MONOTONIC;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(bench_clock, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    if (n <= 0)
        return 0.0;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A field of /proc/self/status in MiB ("VmHWM", "VmRSS"); 0 if unknown. */
static double proc_mib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0.0;
    char line[256];
    size_t fl = strlen(field);
    double kib = 0.0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, field, fl) && line[fl] == ':') {
            kib = strtod(line + fl + 1, NULL);
            break;
        }
    fclose(f);
    return kib / 1024.0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: novalid bench FILE [--runs N] [--cpu]\n");
}

int cmd_bench(int argc, char **argv)
{
    const char *file = NULL;
    long runs = 5;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--runs") || !strncmp(a, "--runs=", 7)) {
            const char *v = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);
            char *end = NULL;
            errno = 0;
            runs = v ? strtol(v, &end, 10) : 0;
            if (!v || errno || end == v || *end || runs < 1 || runs > 10000) {
                fprintf(stderr, "novalid bench: --runs takes a number from 1 to 10000\n");
                return 2;
            }
        } else if (!strcmp(a, "--cpu")) {
            bench_clock = CLOCK_PROCESS_CPUTIME_ID;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "novalid bench: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (!file) {
            file = a;
        } else {
            fprintf(stderr, "novalid bench: one scenario at a time\n");
            return 2;
        }
    }
    if (!file) {
        usage(stderr);
        return 2;
    }

    /* libconfig's own parse of the file, in one piece on one thread: what
     * loading it is held to.  Its tree is freed and the memory handed back
     * first, so that the load too starts from fresh pages. */
    double parse_ms = -1.0, t0;
    char err[256];
    size_t len = 0;
    char *ftext = textfile_read(file, (size_t)256 << 20, &len, err, sizeof err);
    if (ftext) {
        t0 = now_ms();
        void *tree = scenario_tree_parse(ftext);
        if (tree)
            parse_ms = now_ms() - t0;
        scenario_tree_free(tree);
        free(ftext);
#ifdef __GLIBC__
        malloc_trim(0);
#endif
    }

    strlist errors = {0};
    t0 = now_ms();
    scenario *sc = scenario_load_file(file, &errors);
    double load_ms = now_ms() - t0;
    if (!sc) {
        print_errors(&errors);
        strlist_free(&errors);
        return 2;
    }
    strlist_free(&errors);
    scenario_settle(sc);   /* nothing of the load runs on while the rest is timed */
    double rss_load = proc_mib("VmHWM");

    int n = (int)runs, steps = sc->n_steps;
    double *copy = nv_calloc((size_t)n, sizeof *copy);
    double *undo = nv_calloc((size_t)n, sizeof *undo);
    double *step = nv_calloc((size_t)n * (size_t)(steps ? steps : 1), sizeof *step);
    double *text = nv_calloc((size_t)n * (size_t)(steps ? steps : 1), sizeof *text);
    double *json = nv_calloc((size_t)n * (size_t)(steps ? steps : 1), sizeof *json);
    double *rec = nv_calloc((size_t)n * (size_t)(steps ? steps : 1), sizeof *rec);
    double rss_steps = 0.0;
    sbuf out = {0};
    for (int r = 0; r < n; r++) {
        t0 = now_ms();
        cloud *c = cloud_clone(sc->c);
        copy[r] = now_ms() - t0;
        session *ss = session_new(c);
        for (int k = 0; k < steps; k++) {
            t0 = now_ms();
            const cmd_result *res = session_exec(ss, &sc->steps[k]);
            step[k * n + r] = now_ms() - t0;
            sbuf_reset(&out);
            t0 = now_ms();
            trail_text(&ss->t, res->trail_from, &out);
            text[k * n + r] = now_ms() - t0;
            sbuf_reset(&out);
            t0 = now_ms();
            trail_json(&ss->t, res->trail_from, res->trail_to, &out);
            json[k * n + r] = now_ms() - t0;
            t0 = now_ms();
            int first, nd = dec_in_range(&ss->t, res->trail_from, res->trail_to, &first);
            for (int d = first; d < first + nd; d++)
                for (int h = 0; h < ss->c->hosts.n; h++) {
                    sbuf_reset(&out);
                    dec_host_fate(&ss->t, ss->c, res->trail_from, d, res->trail_to, h, false,
                                  &out);
                }
            sbuf_reset(&out);
            dec_summary(&ss->t, ss->c, res->trail_from, res->trail_to, &out);
            rec[k * n + r] = now_ms() - t0;
        }
        t0 = now_ms();
        session_undo(ss);
        undo[r] = now_ms() - t0;
        session_free(ss);
    }
    sbuf_free(&out);

    int n_hosts = sc->c->hosts.n, n_servers = sc->c->servers.n;
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    session *ss = session_new(sc->c);
    sc->c = NULL;
    double rss_ready = proc_mib("VmRSS");
    for (int k = 0; k < steps; k++)
        session_exec(ss, &sc->steps[k]);
    rss_steps = proc_mib("VmRSS");
    session_free(ss);

    printf("hosts %d\n", n_hosts);
    printf("servers %d\n", n_servers);
    printf("steps %d\n", steps);
    printf("runs %d\n", n);
    printf("clock %s\n", bench_clock == CLOCK_MONOTONIC ? "wall" : "cpu");
    printf("load_ms %.3f\n", load_ms);
    if (parse_ms >= 0)
        printf("parse_ms %.3f\n", parse_ms);
    printf("load_halves %d\n", sc->halves);
    printf("copy_ms %.3f\n", median(copy, n));
    for (int k = 0; k < steps; k++) {
        printf("step%d_ms %.3f\n", k + 1, median(step + k * n, n));
        printf("step%d_text_ms %.3f\n", k + 1, median(text + k * n, n));
        printf("step%d_json_ms %.3f\n", k + 1, median(json + k * n, n));
        printf("step%d_record_ms %.3f\n", k + 1, median(rec + k * n, n));
    }
    printf("undo_ms %.3f\n", median(undo, n));
    printf("rss_mib %.1f\n", rss_load);
    printf("rss_ready_mib %.1f\n", rss_ready);
    printf("rss_steps_mib %.1f\n", rss_steps);
    free(copy);
    free(undo);
    free(step);
    free(text);
    free(json);
    free(rec);
    scenario_free(sc);
    return 0;
}
