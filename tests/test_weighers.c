/*
 * test_weighers.c - Nova's weighers and weight normalisation.
 *
 * Reference: nova-model.md section 6, nova/weights.py (BaseWeigher.
 * weigh_objects clamps at minval, normalize() maps to [0, 1] with
 * all-equal -> 0) and nova/scheduler/weights/ (Zed).  Cases run through
 * scheduler_select() and read the EV_WEIGH event: weights[i].host,
 * .weight and .parts[k] aligned with the event's weigher names.
 */
#include <math.h>
#include <stdio.h>

#include "testutil.h"

/* ---- helpers ------------------------------------------------------------- */

typedef struct fx {
    cloud *c;
    int fl;
    request_spec rs;
    trail t;
    sched_result r;
    bool ran;
} fx;

/* The fixture in use, freed by the teardown if a failed assertion left it. */
static fx *live;

/* `n` hosts host1..hostN with `mem` MB each; flavor "tiny" (1 vCPU, 0 MB,
 * 0 GB) so that scheduling never changes RAM/disk usage. */
static void fx_init(fx *f, int release, int n, int64_t mem)
{
    memset(f, 0, sizeof *f);
    live = f;
    f->c = t_cloud(release);
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "host%d", i + 1);
        t_host(f->c, name, 8, mem, 200);
    }
    f->fl = t_flavor(f->c, "tiny", 1, 0, 0);
    request_spec_init(&f->rs);
    f->rs.flavor = f->fl;
    f->rs.project = "demo";
    static const char *const none[] = {"AllHostsFilter"};
    t_filters(f->c, none, 1);
}

static void fx_weighers(fx *f, const char *const *names, int n) { t_weighers(f->c, names, n); }

static void fx_weigher1(fx *f, const char *name)
{
    const char *names[] = {name};
    t_weighers(f->c, names, 1);
}

static int fx_vm(fx *f, const char *name)
{
    int s = cloud_add_server(f->c, name, f->rs.flavor);
    intvec_push(&f->rs.instances, s);
    return s;
}

static const event *fx_run(fx *f)
{
    if (!f->rs.instances.n)
        fx_vm(f, "vm");
    nv_rng rng;
    nv_rng_seed(&rng, 1);
    scheduler_select(f->c, &f->rs, &rng, &f->t, &f->r);
    f->ran = true;
    const event *e = t_find(&f->t, EV_WEIGH, NULL);
    assert_non_null(e);
    return e;
}

static void fx_done(fx *f)
{
    if (f->ran)
        sched_result_done(&f->r);
    trail_free(&f->t);
    request_spec_done(&f->rs);
    cloud_free(f->c);
    memset(f, 0, sizeof *f);
    live = NULL;
}

static int teardown(void **state)
{
    (void)state;
    if (live)
        fx_done(live);
    return 0;
}

/* Rank i of the weigh event: its host, weight and part k. */
static const char *w_host(const event *e, int i)
{
    return event_host(e, e->weights.host[event_weigh_row(e, i)]);
}

static double w_weight(const event *e, int i) { return e->weights.weight[event_weigh_row(e, i)]; }

static double w_part(const event *e, int i, int k)
{
    return event_weigh_part(e, event_weigh_row(e, i), k);
}

static void dump_weigh(const event *e)
{
    fprintf(stderr, "  weigh:");
    for (int k = 0; k < e->weighers.n; k++)
        fprintf(stderr, " %s", e->weighers.v[k]);
    fprintf(stderr, "\n");
    for (int i = 0; i < e->weights.n; i++) {
        fprintf(stderr, "    %s %.17g [", w_host(e, i), w_weight(e, i));
        for (int k = 0; k < e->weighers.n; k++)
            fprintf(stderr, "%s%.17g", k ? ", " : "", w_part(e, i, k));
        fprintf(stderr, "]\n");
    }
}

static int weigher_col(const event *e, const char *weigher)
{
    for (int k = 0; k < e->weighers.n; k++)
        if (!strcmp(e->weighers.v[k], weigher))
            return k;
    fprintf(stderr, "  weigher %s not in the event\n", weigher);
    fail();
    return -1;
}

/* Position i of the weigh event is `host` with total weight `w`. */
static void at(const event *e, int i, const char *host_name, double w)
{
    bool ok = i < e->weights.n && !strcmp(w_host(e, i), host_name) &&
              fabs(w_weight(e, i) - w) < 1e-9;
    if (!ok) {
        fprintf(stderr, "  wanted #%d = %s %.17g, got:\n", i, host_name, w);
        dump_weigh(e);
    }
    assert_true(ok);
}

/* The part of `weigher` for `host` is `w`. */
static void part(const event *e, const char *host_name, const char *weigher, double w)
{
    int k = weigher_col(e, weigher);
    for (int i = 0; i < e->weights.n; i++)
        if (!strcmp(w_host(e, i), host_name)) {
            if (fabs(w_part(e, i, k) - w) >= 1e-9) {
                fprintf(stderr, "  wanted %s part of %s = %.17g, got:\n", weigher, host_name, w);
                dump_weigh(e);
            }
            assert_true(fabs(w_part(e, i, k) - w) < 1e-9);
            return;
        }
    fprintf(stderr, "  host %s not weighed\n", host_name);
    fail();
}

static void assert_double(double got, double want)
{
    if (fabs(got - want) >= 1e-9)
        fprintf(stderr, "  got %.17g, want %.17g\n", got, want);
    assert_true(fabs(got - want) < 1e-9);
}

static int agg_with(fx *f, const char *name, int h, const char *k, const char *v)
{
    int a = cloud_aggregate(f->c, name);
    if (a < 0)
        a = cloud_add_aggregate(f->c, name);
    if (k)
        kvlist_push(&f->c->aggregates.v[a].metadata, k, v);
    if (h >= 0)
        cloud_aggregate_add_host(f->c, a, h);
    return a;
}

/* ---- RAM / Disk / CPU / IoOps: minval 0 ------------------------------------- */

/* free RAM 1000 and 3000 (reserved 512): 1000/3000 and 1.0, not min-max. */
static void test_ram_normalised_against_zero(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2, 0);
    cloud_host_w(f.c, 0)->memory_mb = 1512;
    cloud_host_w(f.c, 1)->memory_mb = 3512;
    fx_weigher1(&f, "RAMWeigher");
    const event *e = fx_run(&f);
    assert_int_equal(e->weights.n, 2);
    at(e, 0, "host2", 1.0);
    at(e, 1, "host1", 1000.0 / 3000.0);
    part(e, "host1", "RAMWeigher", 1000.0 / 3000.0);
    assert_int_equal(f.r.hosts.v[0], 1);
    fx_done(&f);
}

/* All equal and non-zero: 1.0 each (minval 0), ties keep host order. */
static void test_ram_all_equal_nonzero(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3, 2512);
    fx_weigher1(&f, "RAMWeigher");
    const event *e = fx_run(&f);
    at(e, 0, "host1", 1.0);
    at(e, 1, "host2", 1.0);
    at(e, 2, "host3", 1.0);
    fx_done(&f);
}

/* Negative free RAM (overcommitted host) is clamped to minval 0. */
static void test_ram_negative_clamped(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3, 2048);
    cloud_host_w(f.c, 0)->ram_allocation_ratio = 4.0;         /* room in placement */
    int big = t_flavor(f.c, "big", 1, 3000, 0);
    t_server(f.c, "hog", big, 0);                      /* free 2048 - 512 - 3000 = -1464 */
    cloud_host_w(f.c, 2)->memory_mb = 1280;                  /* free 768 */
    fx_weigher1(&f, "RAMWeigher");
    const event *e = fx_run(&f);
    at(e, 0, "host2", 1.0);                            /* free 1536 */
    at(e, 1, "host3", 768.0 / 1536.0);
    at(e, 2, "host1", 0.0);
    fx_done(&f);
}

static void test_disk_weigher(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2, 4096);
    cloud_host_w(f.c, 0)->disk_gb = 100;
    cloud_host_w(f.c, 1)->disk_gb = 400;
    fx_weigher1(&f, "DiskWeigher");
    const event *e = fx_run(&f);
    at(e, 0, "host2", 1.0);
    at(e, 1, "host1", 0.25);
    fx_done(&f);
}

/* raw = vcpus * cpu_allocation_ratio - vcpus_used; reserved_host_cpus
 * counts as used. */
static void test_cpu_weigher_latest(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2, 4096);
    cloud_host_w(f.c, 0)->vcpus = 4;                          /* 4 * 4.0 - 0 = 16 */
    cloud_host_w(f.c, 1)->vcpus = 10;
    cloud_host_w(f.c, 1)->reserved_host_cpus = 8;             /* 10 * 4.0 - 8 = 32 */
    fx_weigher1(&f, "CPUWeigher");
    const event *e = fx_run(&f);
    at(e, 0, "host2", 1.0);
    at(e, 1, "host1", 0.5);
    fx_done(&f);
}

static void test_cpu_weigher_zed_ratio_and_usage(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_ZED, 3, 4096);
    cloud_host_w(f.c, 0)->vcpus = 4;                          /* 4 * 16.0 = 64 */
    cloud_host_w(f.c, 1)->vcpus = 8;                          /* 8 * 16.0 = 128 */
    cloud_host_w(f.c, 2)->vcpus = 8;
    int fat = t_flavor(f.c, "fat", 32, 0, 0);
    t_server(f.c, "s1", fat, 2);                        /* 128 - 32 = 96 */
    fx_weigher1(&f, "CPUWeigher");
    const event *e = fx_run(&f);
    at(e, 0, "host2", 1.0);
    at(e, 1, "host3", 96.0 / 128.0);
    at(e, 2, "host1", 0.5);
    fx_done(&f);
}

/* IoOpsWeigher: multiplier -1.0 by default, minval 0. */
static void test_io_ops_weigher(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3, 4096);
    for (int i = 0; i < 2; i++) {
        char n[8];
        snprintf(n, sizeof n, "b%d", i);
        int s = t_server(f.c, n, f.fl, 1);
        f.c->servers.v[s].vm_state = nv_intern("building");
    }
    int s = t_server(f.c, "b9", f.fl, 2);
    f.c->servers.v[s].vm_state = nv_intern("building");
    fx_weigher1(&f, "IoOpsWeigher");
    const event *e = fx_run(&f);
    at(e, 0, "host1", 0.0);
    at(e, 1, "host3", -0.5);
    at(e, 2, "host2", -1.0);
    fx_done(&f);

    /* all zero: 0 each */
    fx_init(&f, REL_LATEST, 2, 4096);
    fx_weigher1(&f, "IoOpsWeigher");
    e = fx_run(&f);
    at(e, 0, "host1", 0.0);
    at(e, 1, "host2", 0.0);
    fx_done(&f);
}

/* ---- min-max weighers: all equal -> 0 ---------------------------------------- */

static int group_on(fx *f, enum group_policy p, const int *members_per_host, int n)
{
    int g = t_group(f->c, "g", p, 1);
    int k = 0;
    for (int h = 0; h < n; h++)
        for (int i = 0; i < members_per_host[h]; i++) {
            char name[16];
            snprintf(name, sizeof name, "m%d", k++);
            int s = t_server(f->c, name, f->fl, h);
            f->c->servers.v[s].group = g;
        }
    f->rs.group = g;
    int vm = fx_vm(f, "vm");
    f->c->servers.v[vm].group = g;
    return g;
}

/* 0/1/2 members -> raw 0, -1, -2 -> 1.0, 0.5, 0.0 */
static void test_soft_anti_affinity(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3, 4096);
    static const int members[] = {0, 1, 2};
    group_on(&f, POLICY_SOFT_ANTI_AFFINITY, members, 3);
    fx_weigher1(&f, "ServerGroupSoftAntiAffinityWeigher");
    const event *e = fx_run(&f);
    at(e, 0, "host1", 1.0);
    at(e, 1, "host2", 0.5);
    at(e, 2, "host3", 0.0);
    fx_done(&f);
}

static void test_soft_affinity(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3, 4096);
    static const int members[] = {0, 1, 2};
    group_on(&f, POLICY_SOFT_AFFINITY, members, 3);
    static const char *const ws[] = {"ServerGroupSoftAffinityWeigher",
                                     "ServerGroupSoftAntiAffinityWeigher"};
    fx_weighers(&f, ws, 2);
    const event *e = fx_run(&f);
    at(e, 0, "host3", 1.0);
    at(e, 1, "host2", 0.5);
    at(e, 2, "host1", 0.0);
    /* the anti weigher ignores a soft-affinity group: all 0 */
    part(e, "host3", "ServerGroupSoftAntiAffinityWeigher", 0.0);
    part(e, "host1", "ServerGroupSoftAntiAffinityWeigher", 0.0);
    fx_done(&f);
}

/* All-equal non-zero raw values under min-max: 0 each. */
static void test_minmax_all_equal_is_zero(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3, 4096);
    static const int members[] = {1, 1, 1};
    group_on(&f, POLICY_SOFT_AFFINITY, members, 3);
    fx_weigher1(&f, "ServerGroupSoftAffinityWeigher");
    const event *e = fx_run(&f);
    at(e, 0, "host1", 0.0);
    at(e, 1, "host2", 0.0);
    at(e, 2, "host3", 0.0);
    fx_done(&f);

    /* PCIWeigher: 100 everywhere without PCI devices -> 0 */
    fx_init(&f, REL_LATEST, 2, 4096);
    fx_weigher1(&f, "PCIWeigher");
    e = fx_run(&f);
    at(e, 0, "host1", 0.0);
    at(e, 1, "host2", 0.0);
    fx_done(&f);
}

/* BuildFailureWeigher: failed_builds times -1 * 1000000.0. */
static void test_build_failure_weigher(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3, 4096);
    cloud_host_w(f.c, 0)->failed_builds = 3;
    cloud_host_w(f.c, 1)->failed_builds = 1;
    fx_weigher1(&f, "BuildFailureWeigher");
    const event *e = fx_run(&f);
    at(e, 0, "host3", 0.0);
    at(e, 1, "host2", -1000000.0 / 3.0);
    at(e, 2, "host1", -1000000.0);
    fx_done(&f);
}

/* MetricsWeigher: Σ value × ratio, min-max normalised; a missing metric
 * weighs weight_of_unavailable when not required (weights/metrics.py). */
static void test_metrics_weigher(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3, 4096);
    strlist_push(&f.c->conf.metrics_weight_setting, "cpu.percent=-1.0");
    strlist_push(&f.c->conf.metrics_weight_setting, "bogus");   /* ignored, as parse_options does */
    kvlist_push(&f.c->hosts.v[0].metrics, "cpu.percent", "0.8");
    kvlist_push(&f.c->hosts.v[1].metrics, "cpu.percent", "0.2");
    f.c->conf.metrics_required = false;
    fx_weigher1(&f, "MetricsWeigher");
    const event *e = fx_run(&f);
    /* raw: -0.8, -0.2, -10000 -> (v - lo) / (hi - lo) */
    at(e, 0, "host2", 1.0);
    at(e, 1, "host1", (-0.8 + 10000.0) / (-0.2 + 10000.0));
    at(e, 2, "host3", 0.0);
    fx_done(&f);
}

static void test_metrics_required_fails(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2, 4096);
    strlist_push(&f.c->conf.metrics_weight_setting, "cpu.percent=1.0");
    kvlist_push(&f.c->hosts.v[0].metrics, "cpu.percent", "0.8");
    fx_weigher1(&f, "MetricsWeigher");
    fx_vm(&f, "vm");
    nv_rng rng;
    nv_rng_seed(&rng, 1);
    scheduler_select(f.c, &f.rs, &rng, &f.t, &f.r);
    f.ran = true;
    assert_false(f.r.ok);
    assert_string_equal(f.r.exception, "ComputeHostMetricNotFound");
    assert_string_equal(f.r.message,
                        "Metric cpu.percent could not be found on the compute host node host2.host2.");
    fx_done(&f);
}

/* MetricsWeigher's weight_setting as parse_options reads it: an element
 * whose ratio is not a number or whose name is empty is ignored; a
 * missing metric with ratio 0 weighs nothing (not weight_of_unavailable,
 * "Do nothing if ratio or weight_multiplier is 0"). */
static void test_metrics_weigher_settings(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3, 4096);
    static const char *const set[] = {"cpu.percent=abc", "=1.0", "mem.free=0", "cpu.idle=2.0"};
    for (size_t i = 0; i < sizeof set / sizeof *set; i++)
        strlist_push(&f.c->conf.metrics_weight_setting, set[i]);
    kvlist_push(&f.c->hosts.v[0].metrics, "cpu.idle", "0.5");
    kvlist_push(&f.c->hosts.v[1].metrics, "cpu.idle", "0.25");
    kvlist_push(&f.c->hosts.v[0].metrics, "cpu.percent", "0.9");
    f.c->conf.metrics_required = false;
    fx_weigher1(&f, "MetricsWeigher");
    const event *e = fx_run(&f);
    /* raw: 1.0, 0.5, -10000 (host3 lacks cpu.idle) */
    at(e, 0, "host1", 1.0);
    at(e, 1, "host2", (0.5 + 10000.0) / (1.0 + 10000.0));
    at(e, 2, "host3", 0.0);
    fx_done(&f);
}

/* metrics required and several missing: the first one is reported */
static void test_metrics_required_first_missing(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2, 4096);
    strlist_push(&f.c->conf.metrics_weight_setting, "cpu.idle=1.0");
    strlist_push(&f.c->conf.metrics_weight_setting, "cpu.percent=1.0");
    fx_weigher1(&f, "MetricsWeigher");
    fx_vm(&f, "vm");
    nv_rng rng;
    nv_rng_seed(&rng, 1);
    scheduler_select(f.c, &f.rs, &rng, &f.t, &f.r);
    f.ran = true;
    assert_false(f.r.ok);
    assert_string_equal(f.r.exception, "ComputeHostMetricNotFound");
    assert_string_equal(f.r.message,
                        "Metric cpu.idle could not be found on the compute host node host1.host1.");
    fx_done(&f);
}

/* Python's float() takes surrounding blanks: " 2.5 " is 2.5; "2.5 x" is
 * not a number, so the option's value holds */
static void test_aggregate_multiplier_blanks(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2, 4096);
    agg_with(&f, "a", 0, "ram_weight_multiplier", " 2.5 ");
    agg_with(&f, "b", 1, "ram_weight_multiplier", "2.5 x");
    assert_double(weigher_multiplier(f.c, weigher_lookup("RAMWeigher"), 0), 2.5);
    assert_double(weigher_multiplier(f.c, weigher_lookup("RAMWeigher"), 1), 1.0);
    fx_done(&f);
}

/* HypervisorVersionWeigher (2023.2+): min-max of hypervisor_version. */
static void test_hypervisor_version_weigher(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3, 4096);
    f.c->hosts.v[0].hypervisor_version = 8000000;
    f.c->hosts.v[1].hypervisor_version = 9000000;
    f.c->hosts.v[2].hypervisor_version = 8500000;
    fx_weigher1(&f, "HypervisorVersionWeigher");
    const event *e = fx_run(&f);
    at(e, 0, "host2", 1.0);
    at(e, 1, "host3", 0.5);
    at(e, 2, "host1", 0.0);
    fx_done(&f);
}

/* ImagePropertiesWeigher (2025.1): per host, the requested image's
 * properties counted over the images of the servers already there
 * (nova/scheduler/weights/image_props.py); 0.0 by default disables it,
 * a negative multiplier spreads. */
static void image_props_cloud(fx *f, double mult)
{
    fx_init(f, REL_LATEST, 3, 4096);
    int win = t_image(f->c, "win");
    kvlist_push(&f->c->images.v[win].properties, "os_type", "windows");
    kvlist_push(&f->c->images.v[win].properties, "hw_firmware_type", "uefi");
    int lin = t_image(f->c, "lin");
    kvlist_push(&f->c->images.v[lin].properties, "os_type", "linux");
    kvlist_push(&f->c->images.v[lin].properties, "hw_firmware_type", "uefi");
    static const struct { const char *name; int host; int img; } vms[] = {
        {"w1", 0, 0}, {"l1", 1, 1}, {"n1", 1, -1}, {"w2", 2, 0}, {"w3", 2, 0}};
    /* host1: 2 matches; host2: 1 (and a server booted from a volume: 0);
     * host3: 2 + 2 */
    for (size_t i = 0; i < sizeof vms / sizeof *vms; i++) {
        int sv = t_server(f->c, vms[i].name, f->fl, vms[i].host);
        f->c->servers.v[sv].image = vms[i].img < 0 ? -1 : vms[i].img ? lin : win;
    }
    f->c->conf.image_props_weight_multiplier = mult;
    f->rs.image = win;
    fx_weigher1(f, "ImagePropertiesWeigher");
}

static void test_image_props_weigher(void **state)
{
    (void)state;
    static fx f;
    image_props_cloud(&f, 1.0);
    const event *e = fx_run(&f);
    at(e, 0, "host3", 1.0);
    at(e, 1, "host1", 1.0 / 3.0);
    at(e, 2, "host2", 0.0);
    fx_done(&f);

    image_props_cloud(&f, -1.0);
    e = fx_run(&f);
    at(e, 0, "host2", 0.0);
    at(e, 1, "host1", -1.0 / 3.0);
    at(e, 2, "host3", -1.0);
    fx_done(&f);

    /* the default multiplier 0.0 weighs nothing, and neither does a
     * request without an image */
    image_props_cloud(&f, 0.0);
    e = fx_run(&f);
    for (int i = 0; i < 3; i++)
        assert_true(w_weight(e, i) == 0.0);
    fx_done(&f);
    image_props_cloud(&f, 1.0);
    f.rs.image = -1;
    e = fx_run(&f);
    for (int i = 0; i < 3; i++)
        assert_true(w_weight(e, i) == 0.0);
    fx_done(&f);
}

/* NumInstancesWeigher: multiplier 0.0 by default; negative spreads. */
static void test_num_instances_weigher(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2, 4096);
    t_server(f.c, "s1", f.fl, 0);
    t_server(f.c, "s2", f.fl, 0);
    fx_weigher1(&f, "NumInstancesWeigher");
    const event *e = fx_run(&f);
    at(e, 0, "host1", 0.0);
    at(e, 1, "host2", 0.0);
    fx_done(&f);

    fx_init(&f, REL_LATEST, 2, 4096);
    t_server(f.c, "s1", f.fl, 0);
    t_server(f.c, "s2", f.fl, 0);
    f.c->conf.num_instances_weight_multiplier = -2.0;
    fx_weigher1(&f, "NumInstancesWeigher");
    e = fx_run(&f);
    at(e, 0, "host2", 0.0);
    at(e, 1, "host1", -2.0);
    fx_done(&f);
}

/* CrossCellWeigher: +1 in requested_destination.cell, -1 elsewhere, only
 * for a cross-cell move; multiplier 1000000.0. */
static void test_cross_cell_weigher(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3, 4096);
    cloud_host_w(f.c, 0)->cell = nv_intern("cell2");
    f.rs.dest_cell = nv_strdup("cell1");
    f.rs.allow_cross_cell_move = true;
    fx_weigher1(&f, "CrossCellWeigher");
    const event *e = fx_run(&f);
    at(e, 0, "host2", 1000000.0);
    at(e, 1, "host3", 1000000.0);
    at(e, 2, "host1", 0.0);
    fx_done(&f);

    /* not a cross-cell move: 0 everywhere */
    fx_init(&f, REL_LATEST, 2, 4096);
    cloud_host_w(f.c, 0)->cell = nv_intern("cell2");
    fx_weigher1(&f, "CrossCellWeigher");
    e = fx_run(&f);
    at(e, 0, "host1", 0.0);
    at(e, 1, "host2", 0.0);
    fx_done(&f);
}

/* ---- multipliers -------------------------------------------------------------- */

static void test_default_multipliers(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int h = t_host(c, "host1", 8, 4096, 100);
    static const struct { const char *w; double m; } cases[] = {
        {"RAMWeigher", 1.0},
        {"CPUWeigher", 1.0},
        {"DiskWeigher", 1.0},
        {"IoOpsWeigher", -1.0},
        {"PCIWeigher", 1.0},
        {"ServerGroupSoftAffinityWeigher", 1.0},
        {"ServerGroupSoftAntiAffinityWeigher", 1.0},
        {"BuildFailureWeigher", -1000000.0},
        {"CrossCellWeigher", 1000000.0},
        {"MetricsWeigher", 1.0},
        {"HypervisorVersionWeigher", 1.0},
        {"NumInstancesWeigher", 0.0},
        {"ImagePropertiesWeigher", 0.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int w = weigher_lookup(cases[i].w);
        assert_true(w >= 0);
        assert_double(weigher_multiplier(c, w, h), cases[i].m);
    }
    c->conf.build_failure_weight_multiplier = 10.0;
    assert_double(weigher_multiplier(c, weigher_lookup("BuildFailureWeigher"), h), -10.0);
    cloud_free(c);
}

/* Aggregate override: the minimum of the host's aggregates' values. */
static void test_aggregate_multiplier_minimum(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3, 0);
    cloud_host_w(f.c, 0)->memory_mb = 3512;                  /* free 3000 */
    cloud_host_w(f.c, 1)->memory_mb = 2512;                  /* free 2000 */
    cloud_host_w(f.c, 2)->memory_mb = 1512;                  /* free 1000 */
    agg_with(&f, "a", 0, "ram_weight_multiplier", "2.0");
    agg_with(&f, "b", 0, "ram_weight_multiplier", "0.5");
    agg_with(&f, "b", 2, NULL, NULL);                  /* host3 also in b: 0.5 */
    int w = weigher_lookup("RAMWeigher");
    assert_double(weigher_multiplier(f.c, w, 0), 0.5);
    assert_double(weigher_multiplier(f.c, w, 1), 1.0);
    assert_double(weigher_multiplier(f.c, w, 2), 0.5);
    fx_weigher1(&f, "RAMWeigher");
    const event *e = fx_run(&f);
    at(e, 0, "host2", 2000.0 / 3000.0);
    at(e, 1, "host1", 0.5);
    at(e, 2, "host3", 0.5 * 1000.0 / 3000.0);
    fx_done(&f);
}

/* Unparsable aggregate value: the option. */
static void test_aggregate_multiplier_unparsable(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2, 4096);
    agg_with(&f, "a", 0, "ram_weight_multiplier", "0.5");
    agg_with(&f, "b", 0, "ram_weight_multiplier", "heavy");
    agg_with(&f, "c", 1, "cpu_weight_multiplier", "");
    f.c->conf.ram_weight_multiplier = 3.0;
    assert_double(weigher_multiplier(f.c, weigher_lookup("RAMWeigher"), 0), 3.0);
    assert_double(weigher_multiplier(f.c, weigher_lookup("CPUWeigher"), 1), 1.0);
    fx_done(&f);
}

/* Aggregate overrides of weight multipliers exist since Stein (19). */
static void test_aggregate_multiplier_since_stein(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_ROCKY);
    int h = t_host(c, "host1", 8, 4096, 100);
    int a = cloud_add_aggregate(c, "a");
    kvlist_push(&c->aggregates.v[a].metadata, "ram_weight_multiplier", "0.5");
    cloud_aggregate_add_host(c, a, h);
    double rocky = weigher_multiplier(c, weigher_lookup("RAMWeigher"), h);
    c->conf.release = REL_STEIN;
    double stein = weigher_multiplier(c, weigher_lookup("RAMWeigher"), h);
    cloud_free(c);
    assert_double(rocky, 1.0);
    assert_double(stein, 0.5);
}

/* BuildFailureWeigher negates after the override. */
static void test_aggregate_multiplier_build_failure(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2, 4096);
    cloud_host_w(f.c, 0)->failed_builds = 2;
    cloud_host_w(f.c, 1)->failed_builds = 2;
    agg_with(&f, "a", 1, "build_failure_weight_multiplier", "10");
    assert_double(weigher_multiplier(f.c, weigher_lookup("BuildFailureWeigher"), 1), -10.0);
    cloud_host_w(f.c, 0)->failed_builds = 0;
    fx_weigher1(&f, "BuildFailureWeigher");
    const event *e = fx_run(&f);
    at(e, 0, "host1", 0.0);
    at(e, 1, "host2", -10.0);
    fx_done(&f);
}

/* ---- the weighing algorithm ----------------------------------------------------- */

/* 0 or 1 host: no weighing, weight 0. */
static void test_single_host_not_weighed(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 1, 4096);
    cloud_host_w(f.c, 0)->failed_builds = 5;
    static const char *const ws[] = {"RAMWeigher", "BuildFailureWeigher"};
    fx_weighers(&f, ws, 2);
    const event *e = fx_run(&f);
    assert_int_equal(e->weights.n, 1);
    at(e, 0, "host1", 0.0);
    assert_int_equal(e->weighers.n, 2);
    part(e, "host1", "RAMWeigher", 0.0);
    part(e, "host1", "BuildFailureWeigher", 0.0);
    fx_done(&f);
}

/* weight = sum of multiplier * normalised value over the weighers;
 * parts are aligned with the event's weigher names. */
static void test_weights_are_sum_of_parts(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2, 0);
    cloud_host_w(f.c, 0)->memory_mb = 1512;                  /* free 1000, 0 I/O */
    cloud_host_w(f.c, 1)->memory_mb = 3512;                  /* free 3000, 2 I/O */
    for (int i = 0; i < 2; i++) {
        char n[8];
        snprintf(n, sizeof n, "b%d", i);
        int s = t_server(f.c, n, f.fl, 1);
        f.c->servers.v[s].vm_state = nv_intern("building");
    }
    static const char *const ws[] = {"RAMWeigher", "IoOpsWeigher"};
    fx_weighers(&f, ws, 2);
    const event *e = fx_run(&f);
    assert_int_equal(e->weighers.n, 2);
    assert_string_equal(e->weighers.v[0], "RAMWeigher");
    assert_string_equal(e->weighers.v[1], "IoOpsWeigher");
    /* host1: 1/3 + 0 ; host2: 1.0 - 1.0 */
    at(e, 0, "host1", 1.0 / 3.0);
    at(e, 1, "host2", 0.0);
    part(e, "host1", "RAMWeigher", 1.0 / 3.0);
    part(e, "host1", "IoOpsWeigher", 0.0);
    part(e, "host2", "RAMWeigher", 1.0);
    part(e, "host2", "IoOpsWeigher", -1.0);
    for (int i = 0; i < e->weights.n; i++) {
        double sum = 0;
        for (int k = 0; k < e->weighers.n; k++)
            sum += w_part(e, i, k);
        assert_double(w_weight(e, i), sum);
    }
    assert_int_equal(f.r.hosts.v[0], 0);
    fx_done(&f);
}

/* Best first; equal weights keep scenario (host id) order. */
static void test_order_best_first_ties_in_host_order(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 4, 0);
    cloud_host_w(f.c, 0)->memory_mb = 1512;
    cloud_host_w(f.c, 1)->memory_mb = 3512;
    cloud_host_w(f.c, 2)->memory_mb = 1512;
    cloud_host_w(f.c, 3)->memory_mb = 3512;
    fx_weigher1(&f, "RAMWeigher");
    const event *e = fx_run(&f);
    at(e, 0, "host2", 1.0);
    at(e, 1, "host4", 1.0);
    at(e, 2, "host1", 1.0 / 3.0);
    at(e, 3, "host3", 1.0 / 3.0);
    assert_int_equal(f.r.hosts.v[0], 1);
    fx_done(&f);
}

/* The default weigher set of the release is used. */
static void test_default_weighers_in_event(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_ZED, 2, 4096);
    f.c->conf.weight_classes.n = 0;
    weigher_all(REL_ZED, &f.c->conf.weight_classes);
    const event *e = fx_run(&f);
    assert_int_equal(e->weighers.n, 10);
    for (int k = 0; k < e->weighers.n; k++) {
        assert_true(strcmp(e->weighers.v[k], "HypervisorVersionWeigher") != 0);
        assert_true(strcmp(e->weighers.v[k], "NumInstancesWeigher") != 0);
        assert_true(strcmp(e->weighers.v[k], "ImagePropertiesWeigher") != 0);
    }
    /* identical hosts: RAM/CPU/Disk give 1.0 each, the rest 0 */
    at(e, 0, "host1", 3.0);
    at(e, 1, "host2", 3.0);
    fx_done(&f);
}

/* ---- lookup and the all_weighers list -------------------------------------------- */

static void test_weigher_lookup(void **state)
{
    (void)state;
    int ram = weigher_lookup("RAMWeigher");
    assert_true(ram >= 0);
    assert_string_equal(weigher_table[ram].name, "RAMWeigher");
    assert_int_equal(weigher_lookup("nova.scheduler.weights.ram.RAMWeigher"), ram);
    int bf = weigher_lookup("nova.scheduler.weights.compute.BuildFailureWeigher");
    assert_true(bf >= 0);
    assert_string_equal(weigher_table[bf].name, "BuildFailureWeigher");
    assert_int_equal(weigher_lookup("nova.scheduler.weights.affinity.ServerGroupSoftAffinityWeigher"),
                     weigher_lookup("ServerGroupSoftAffinityWeigher"));
    assert_int_equal(weigher_lookup("nova.scheduler.weights.all_weighers"), -2);
    assert_int_equal(weigher_lookup("all_weighers"), -2);
    assert_int_equal(weigher_lookup("NoSuchWeigher"), -1);
    assert_int_equal(weigher_lookup("nova.scheduler.weights.ram.NoSuchWeigher"), -1);
}

static bool has_weigher(const intvec *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (!strcmp(weigher_table[l->v[i]].name, name))
            return true;
    return false;
}

static void test_weigher_all_per_release(void **state)
{
    (void)state;
    intvec l = {0};
    weigher_all(REL_ZED, &l);
    assert_int_equal(l.n, 10);
    static const char *const zed[] = {"RAMWeigher", "CPUWeigher", "DiskWeigher", "MetricsWeigher",
                                      "IoOpsWeigher", "PCIWeigher",
                                      "ServerGroupSoftAffinityWeigher",
                                      "ServerGroupSoftAntiAffinityWeigher", "BuildFailureWeigher",
                                      "CrossCellWeigher"};
    for (size_t i = 0; i < sizeof zed / sizeof zed[0]; i++)
        assert_true(has_weigher(&l, zed[i]));
    assert_false(has_weigher(&l, "HypervisorVersionWeigher"));
    assert_false(has_weigher(&l, "NumInstancesWeigher"));
    assert_false(has_weigher(&l, "ImagePropertiesWeigher"));
    intvec_free(&l);

    weigher_all(REL_2023_2, &l);                          /* 28: + HypervisorVersion, NumInstances */
    assert_int_equal(l.n, 12);
    assert_true(has_weigher(&l, "HypervisorVersionWeigher"));
    assert_true(has_weigher(&l, "NumInstancesWeigher"));
    assert_false(has_weigher(&l, "ImagePropertiesWeigher"));
    intvec_free(&l);

    weigher_all(REL_LATEST, &l);
    assert_int_equal(l.n, 13);
    assert_true(has_weigher(&l, "ImagePropertiesWeigher"));
    intvec_free(&l);

    /* the default weight_classes of a release are all_weighers */
    cloud *c = t_cloud(REL_LATEST);
    assert_int_equal(c->conf.weight_classes.n, 13);
    cloud_free(c);
    c = t_cloud(REL_ZED);
    assert_int_equal(c->conf.weight_classes.n, 10);
    cloud_free(c);
}

/* ---- the bounds of three weighers' raw values --------------------------- */

/* What weigh_bounds3() must give: row by row from the first, `r < l ? r : l`
 * and `r > u ? r : u` (weigh_block_default()'s order). */
static void bounds3_by_row(const double *raw, int n, double l[3], double u[3])
{
    for (int k = 0; k < 3; k++)
        l[k] = u[k] = raw[k];
    for (int i = 1; i < n; i++)
        for (int k = 0; k < 3; k++) {
            double r = raw[i * 3 + k];
            l[k] = r < l[k] ? r : l[k];
            u[k] = r > u[k] ? r : u[k];
        }
}

/* Two rows at a time it must give the same bits as row by row, also with
 * NaNs, both zeros, infinities and ties, for every row count and an odd
 * last row. */
static void test_bounds3_same_bits_as_row_by_row(void **st)
{
    (void)st;
    const double odd[] = {0.0, -0.0, NAN, -NAN, INFINITY, -INFINITY, -1.0, 1e300, 7.0, 7.0};
    unsigned seed = 20261203u;
    int special = 0;
    for (int round = 0; round < 40000; round++) {
        int n = 1 + round % 29;
        double raw[29 * 3];
        for (int i = 0; i < n * 3; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned v = seed >> 8;
            /* a quarter of the rounds mix in odd values, the rest are
             * the clamped, whole numbers a cloud gives (many ties) */
            raw[i] = round % 4 == 0 && v % 5 == 0 ? odd[(v / 5) % 10] : (double)(v % 64);
        }
        double l[3], u[3], want_l[3], want_u[3];
        weigh_bounds3(raw, n, l, u);
        bounds3_by_row(raw, n, want_l, want_u);
        if (memcmp(l, want_l, sizeof l) || memcmp(u, want_u, sizeof u)) {
            fail_msg("round %d (%d rows): bounds differ from row by row", round, n);
        }
        for (int k = 0; k < 3; k++)
            special += isnan(l[k]) || isnan(u[k]) || (l[k] == 0 && signbit(l[k]));
    }
    assert_true(special > 100);   /* NaNs and -0.0 did reach the bounds */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_metrics_weigher, teardown),
        cmocka_unit_test_teardown(test_metrics_required_fails, teardown),
        cmocka_unit_test_teardown(test_metrics_weigher_settings, teardown),
        cmocka_unit_test_teardown(test_metrics_required_first_missing, teardown),
        cmocka_unit_test_teardown(test_aggregate_multiplier_blanks, teardown),
        cmocka_unit_test_teardown(test_ram_normalised_against_zero, teardown),
        cmocka_unit_test_teardown(test_ram_all_equal_nonzero, teardown),
        cmocka_unit_test_teardown(test_ram_negative_clamped, teardown),
        cmocka_unit_test_teardown(test_disk_weigher, teardown),
        cmocka_unit_test_teardown(test_cpu_weigher_latest, teardown),
        cmocka_unit_test_teardown(test_cpu_weigher_zed_ratio_and_usage, teardown),
        cmocka_unit_test_teardown(test_io_ops_weigher, teardown),
        cmocka_unit_test_teardown(test_soft_anti_affinity, teardown),
        cmocka_unit_test_teardown(test_soft_affinity, teardown),
        cmocka_unit_test_teardown(test_minmax_all_equal_is_zero, teardown),
        cmocka_unit_test_teardown(test_build_failure_weigher, teardown),
        cmocka_unit_test_teardown(test_hypervisor_version_weigher, teardown),
        cmocka_unit_test_teardown(test_num_instances_weigher, teardown),
        cmocka_unit_test_teardown(test_cross_cell_weigher, teardown),
        cmocka_unit_test_teardown(test_default_multipliers, teardown),
        cmocka_unit_test_teardown(test_aggregate_multiplier_minimum, teardown),
        cmocka_unit_test_teardown(test_aggregate_multiplier_unparsable, teardown),
        cmocka_unit_test_teardown(test_aggregate_multiplier_since_stein, teardown),
        cmocka_unit_test_teardown(test_aggregate_multiplier_build_failure, teardown),
        cmocka_unit_test_teardown(test_single_host_not_weighed, teardown),
        cmocka_unit_test_teardown(test_weights_are_sum_of_parts, teardown),
        cmocka_unit_test_teardown(test_order_best_first_ties_in_host_order, teardown),
        cmocka_unit_test_teardown(test_default_weighers_in_event, teardown),
        cmocka_unit_test_teardown(test_weigher_lookup, teardown),
        cmocka_unit_test_teardown(test_image_props_weigher, teardown),
        cmocka_unit_test_teardown(test_weigher_all_per_release, teardown),
        cmocka_unit_test(test_bounds3_same_bits_as_row_by_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
