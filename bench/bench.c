/*
 * bench.c - `make bench`: how long novalid takes at scale.
 *
 *   load     a 10,000-host, 100,000-server scenario file (libconfig)
 *   schedule one boot through the full default chain over 10,000 hosts
 *            (request filters, Placement, five filters, all weighers)
 *   move     one live migration (scheduler path) in that cloud
 *   clone    copying the cloud (what undo starts from)
 *
 * Figures are wall-clock medians of several runs on this machine; they are
 * published in the README, never asserted by tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conductor.h"
#include "decision.h"
#include "scenario.h"
#include "scheduler.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return v[n / 2];
}

static void write_scenario(const char *path, int hosts, int servers)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fprintf(f, "name = \"bench %d hosts %d servers\";\nrelease = \"latest\";\nhosts = (\n",
            hosts, servers);
    for (int i = 0; i < hosts; i++)
        fprintf(f, "  { name = \"host%d\"; vcpus = %d; memory_mb = %d; disk_gb = 2000; az = \"az%d\"; }%s\n",
                i + 1, 32 + (i % 4) * 16, 131072 + (i % 3) * 65536, i % 4 + 1,
                i + 1 < hosts ? "," : "");
    fprintf(f, ");\nflavors = (\n"
               "  { name = \"m1.small\"; vcpus = 1; memory_mb = 2048; root_gb = 20; },\n"
               "  { name = \"m1.large\"; vcpus = 4; memory_mb = 8192; root_gb = 80; }\n);\n"
               "groups = ( { name = \"web\"; policy = \"anti-affinity\"; max_server_per_host = 50; } );\n"
               "servers = (\n");
    for (int i = 0; i < servers; i++)
        fprintf(f, "  { name = \"vm-%d\"; flavor = \"%s\"; host = \"host%d\";%s }%s\n", i + 1,
                i % 5 ? "m1.small" : "m1.large", (i * 7919) % hosts + 1,
                i % 10 == 0 ? " group = \"web\";" : "", i + 1 < servers ? "," : "");
    fprintf(f, ");\n");
    fclose(f);
}

int main(int argc, char **argv)
{
    int hosts = argc > 1 ? atoi(argv[1]) : 10000;
    int servers = argc > 2 ? atoi(argv[2]) : 100000;
    int runs = 5;
    char path[] = "/tmp/novalid-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        return 1;
    }
    close(fd);
    write_scenario(path, hosts, servers);

    double t[16];
    scenario *sc = NULL;
    for (int r = 0; r < runs; r++) {
        strlist errors = {0};
        double t0 = now_ms();
        scenario *s = scenario_load_file(path, &errors);
        t[r] = now_ms() - t0;
        if (!s) {
            for (int i = 0; i < errors.n; i++)
                fprintf(stderr, "%s\n", errors.v[i]);
            return 1;
        }
        if (sc)
            scenario_free(sc);
        sc = s;
        strlist_free(&errors);
    }
    printf("load     %6d hosts, %6d servers: %8.1f ms\n", hosts, servers, median(t, runs));

    cloud *c = sc->c;
    for (int r = 0; r < runs; r++) {
        double t0 = now_ms();
        cloud *cc = cloud_clone(c);
        t[r] = now_ms() - t0;
        cloud_free(cc);
    }
    printf("clone    the whole cloud:                %8.1f ms\n", median(t, runs));

    double *tt = calloc((size_t)runs, sizeof *tt), *tf = calloc((size_t)runs, sizeof *tf);
    for (int r = 0; r < runs; r++) {
        cloud *cc = cloud_clone(c);
        trail tr = {0};
        nv_rng rng;
        nv_rng_seed(&rng, 1);
        command cmd;
        command_init(&cmd, OP_BOOT);
        cmd.name = nv_strdup("bench-vm");
        cmd.flavor = nv_strdup("m1.large");
        cmd.group = nv_strdup("web");
        cmd_result res;
        memset(&res, 0, sizeof res);
        nova_env env = {cc, &tr, &rng};
        double t0 = now_ms();
        conductor_exec(&env, &cmd, &res);
        t[r] = now_ms() - t0;
        if (strcmp(res.outcome, "ok")) {
            fprintf(stderr, "boot failed: %s\n", res.message);
            return 1;
        }
        /* reading the decision record: every host's fate and the summary */
        t0 = now_ms();
        sbuf fb = {0};
        for (int k = 0; k < tr.n_dec; k++)
            for (int h = 0; h < cc->hosts.n; h++) {
                sbuf_reset(&fb);
                dec_host_fate(&tr, cc, 0, k, tr.n, h, false, &fb);
            }
        dec_summary(&tr, cc, 0, tr.n, &fb);
        tf[r] = now_ms() - t0;
        sbuf_free(&fb);
        /* rendering the decision as Nova's log text and as JSON */
        t0 = now_ms();
        sbuf tb = {0};
        trail_text(&tr, 0, &tb);
        trail_json(&tr, 0, tr.n, &tb);
        tt[r] = now_ms() - t0;
        sbuf_free(&tb);
        cmd_result_done(&res);
        command_done(&cmd);
        trail_free(&tr);
        cloud_free(cc);
    }
    printf("schedule one boot, default chain:        %8.1f ms\n", median(t, runs));
    printf("  read its record: every host's fate:    %8.1f ms\n", median(tf, runs));
    printf("  render its trail as text and JSON:     %8.1f ms\n", median(tt, runs));
    free(tt);
    free(tf);

    for (int r = 0; r < runs; r++) {
        cloud *cc = cloud_clone(c);
        trail tr = {0};
        nv_rng rng;
        nv_rng_seed(&rng, 1);
        command cmd;
        command_init(&cmd, OP_LIVE_MIGRATE);
        cmd.server = nv_strdup("vm-2");
        cmd_result res;
        memset(&res, 0, sizeof res);
        nova_env env = {cc, &tr, &rng};
        double t0 = now_ms();
        conductor_exec(&env, &cmd, &res);
        t[r] = now_ms() - t0;
        if (strcmp(res.outcome, "ok")) {
            fprintf(stderr, "live migration failed: %s\n", res.message);
            return 1;
        }
        cmd_result_done(&res);
        command_done(&cmd);
        trail_free(&tr);
        cloud_free(cc);
    }
    printf("live-migrate one server (scheduler):     %8.1f ms\n", median(t, runs));
    scenario_free(sc);
    unlink(path);
    return 0;
}
