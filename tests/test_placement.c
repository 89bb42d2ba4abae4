/*
 * test_placement.c - Placement arithmetic and the resources Nova asks for.
 *
 * Reference: nova-model.md section 2 (openstack/placement capacity check,
 * nova/virt/driver.py allocation ratios, nova/scheduler/utils.py
 * ResourceRequest.from_request_spec, nova/objects/request_spec.py
 * RequestGroup.add_resource).
 */
#include <math.h>
#include <stdio.h>

#include "testutil.h"

/* ---- helpers ------------------------------------------------------------- */

static void amounts(int64_t a[RC_COUNT], int64_t vcpu, int64_t mem, int64_t disk, int64_t pcpu)
{
    a[RC_VCPU] = vcpu;
    a[RC_MEMORY_MB] = mem;
    a[RC_DISK_GB] = disk;
    a[RC_PCPU] = pcpu;
}

/* Servers 0 .. n-1 (Placement consumers must exist: each holds the head
 * of its chain of allocations). */
static void consumers(cloud *c, int n)
{
    while (c->servers.n < n) {
        char name[32];
        snprintf(name, sizeof name, "consumer%d", c->servers.n);
        cloud_add_server(c, name, -1);
    }
}

static void assert_double(double got, double want)
{
    if (fabs(got - want) >= 1e-9)
        fprintf(stderr, "  got %.17g, want %.17g\n", got, want);
    assert_true(fabs(got - want) < 1e-9);
}

static void assert_str(const char *got, const char *want)
{
    if (!got || strcmp(got, want) != 0)
        fprintf(stderr, "  got  '%s'\n  want '%s'\n", got ? got : "(null)", want);
    assert_non_null(got);
    assert_string_equal(got, want);
}

static int add_flavor_spec(cloud *c, int fl, const char *k, const char *v)
{
    kvlist_push(&c->flavors.v[fl].extra_specs, k, v);
    return fl;
}

static void res_of(cloud *c, int fl, bool bfv, int64_t out[RC_COUNT])
{
    flavor_resources(c, fl, bfv, out);
}

static void run(cloud *c, request_spec *rs, trail *t, sched_result *r)
{
    nv_rng rng;
    nv_rng_seed(&rng, 1);
    memset(t, 0, sizeof *t);
    scheduler_select(c, rs, &rng, t, r);
}

/* ---- capacity ------------------------------------------------------------ */

/* 16384 MB, reserved_host_memory_mb 512 (default), ratio 1.0 (latest). */
static void test_capacity_memory_reserved_default(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int h = t_host(c, "host1", 8, 16384, 200);
    assert_int_equal(host_reserved(c, h, RC_MEMORY_MB), 512);
    assert_double(host_ratio(c, h, RC_MEMORY_MB), 1.0);
    assert_double(placement_capacity(c, h, RC_MEMORY_MB), 15872.0);
    assert_int_equal(placement_total(c, h, RC_MEMORY_MB), 16384);

    int64_t used[RC_COUNT];
    amounts(used, 0, 14000, 0, 0);
    consumers(c, 1);
    placement_force(c, CONSUMER_SERVER, 0, h, used);
    assert_int_equal(placement_used(c, h, RC_MEMORY_MB), 14000);

    char why[256] = "";
    int64_t a[RC_COUNT];
    amounts(a, 0, 2048, 0, 0);
    assert_false(placement_fits(c, h, a, why, sizeof why));
    assert_str(why, "MEMORY_MB: used 14000 + requested 2048 > capacity 15872.0 "
                    "((total 16384 - reserved 512) * ratio 1.0)");

    /* used + a <= capacity: exactly full fits, one more does not */
    amounts(a, 0, 1872, 0, 0);
    assert_true(placement_fits(c, h, a, NULL, 0));
    amounts(a, 0, 1873, 0, 0);
    assert_false(placement_fits(c, h, a, NULL, 0));
    cloud_free(c);
}

/* Float compare with an overcommit ratio: (1000 - 0) * 1.5 = 1500.0. */
static void test_capacity_float_ratio(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_ZED);
    int h = t_host(c, "host1", 8, 1000, 100);
    cloud_host_w(c, h)->reserved_host_memory_mb = 0;
    double cap = placement_capacity(c, h, RC_MEMORY_MB);
    int64_t a[RC_COUNT];
    amounts(a, 0, 600, 0, 0);
    consumers(c, 1);
    placement_force(c, CONSUMER_SERVER, 0, h, a);
    amounts(a, 0, 900, 0, 0);
    bool fits900 = placement_fits(c, h, a, NULL, 0);
    amounts(a, 0, 901, 0, 0);
    char why[256] = "";
    bool fits901 = placement_fits(c, h, a, why, sizeof why);
    cloud_free(c);
    assert_double(cap, 1500.0);
    assert_true(fits900);
    assert_false(fits901);
    /* Python repr(1500.0) is "1500.0" */
    assert_str(why, "MEMORY_MB: used 600 + requested 901 > capacity 1500.0 "
                    "((total 1000 - reserved 0) * ratio 1.5)");
}

/* max_unit = total, even when the ratio would leave room. */
static void test_max_unit_is_total(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int h = t_host(c, "host1", 8, 16384, 200);
    char why[256] = "";
    int64_t a[RC_COUNT];
    amounts(a, 0, 0, 400, 0);
    assert_false(placement_fits(c, h, a, why, sizeof why));
    assert_str(why, "DISK_GB: requested 400 > max_unit 200");

    c->conf.disk_allocation_ratio = 2.0;            /* capacity 400.0 */
    assert_double(placement_capacity(c, h, RC_DISK_GB), 400.0);
    amounts(a, 0, 0, 250, 0);
    why[0] = '\0';
    assert_false(placement_fits(c, h, a, why, sizeof why));
    assert_str(why, "DISK_GB: requested 250 > max_unit 200");
    amounts(a, 0, 0, 200, 0);
    assert_true(placement_fits(c, h, a, NULL, 0));

    /* VCPU max_unit = vcpus although capacity is vcpus * 4.0 */
    amounts(a, 9, 0, 0, 0);
    why[0] = '\0';
    assert_false(placement_fits(c, h, a, why, sizeof why));
    assert_str(why, "VCPU: requested 9 > max_unit 8");
    cloud_free(c);
}

/* DISK_GB reserved = ceil(reserved_host_disk_mb / 1024). */
static void test_reserved_disk_ceil(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int h = t_host(c, "host1", 8, 16384, 100);
    static const struct { int64_t mb, gb; } cases[] = {
        {0, 0}, {1, 1}, {1023, 1}, {1024, 1}, {1025, 2}, {2048, 2}, {10240, 10}, {10241, 11}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        c->conf.reserved_host_disk_mb = cases[i].mb;
        assert_int_equal(host_reserved(c, h, RC_DISK_GB), cases[i].gb);
    }
    c->conf.reserved_host_disk_mb = 1025;          /* -> 2 GB */
    assert_double(placement_capacity(c, h, RC_DISK_GB), 98.0);
    /* per-host override wins over [DEFAULT] */
    cloud_host_w(c, h)->reserved_host_disk_mb = 0;
    assert_int_equal(host_reserved(c, h, RC_DISK_GB), 0);
    assert_double(placement_capacity(c, h, RC_DISK_GB), 100.0);
    cloud_free(c);
}

static void test_reserved_memory_and_cpus(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int h = t_host(c, "host1", 8, 4096, 100);
    assert_int_equal(host_reserved(c, h, RC_VCPU), 0);          /* reserved_host_cpus 0 */
    assert_int_equal(host_reserved(c, h, RC_PCPU), 0);
    c->conf.reserved_host_memory_mb = 1024;
    c->conf.reserved_host_cpus = 2;
    assert_int_equal(host_reserved(c, h, RC_MEMORY_MB), 1024);
    assert_int_equal(host_reserved(c, h, RC_VCPU), 2);
    assert_double(placement_capacity(c, h, RC_VCPU), (8 - 2) * 4.0);
    /* per-host 0 is a real value, not "unset" */
    cloud_host_w(c, h)->reserved_host_memory_mb = 0;
    cloud_host_w(c, h)->reserved_host_cpus = 0;
    assert_int_equal(host_reserved(c, h, RC_MEMORY_MB), 0);
    assert_int_equal(host_reserved(c, h, RC_VCPU), 0);
    assert_double(placement_capacity(c, h, RC_MEMORY_MB), 4096.0);
    cloud_free(c);
}

/* ---- allocation ratios --------------------------------------------------- */

static void test_initial_ratios_latest(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int h = t_host(c, "host1", 8, 16384, 100);
    assert_double(host_ratio(c, h, RC_VCPU), 4.0);
    assert_double(host_ratio(c, h, RC_MEMORY_MB), 1.0);
    assert_double(host_ratio(c, h, RC_DISK_GB), 1.0);
    assert_double(host_ratio(c, h, RC_PCPU), 1.0);
    assert_double(placement_capacity(c, h, RC_VCPU), 32.0);
    cloud_free(c);

    c = t_cloud(REL_2023_1);          /* 27: the first release with 4.0 / 1.0 */
    h = t_host(c, "host1", 8, 16384, 100);
    assert_double(host_ratio(c, h, RC_VCPU), 4.0);
    assert_double(host_ratio(c, h, RC_MEMORY_MB), 1.0);
    cloud_free(c);
}

static void test_initial_ratios_zed(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_ZED);
    int h = t_host(c, "host1", 8, 16384, 100);
    assert_double(host_ratio(c, h, RC_VCPU), 16.0);
    assert_double(host_ratio(c, h, RC_MEMORY_MB), 1.5);
    assert_double(host_ratio(c, h, RC_DISK_GB), 1.0);
    assert_double(placement_capacity(c, h, RC_VCPU), 128.0);
    assert_double(placement_capacity(c, h, RC_MEMORY_MB), (16384 - 512) * 1.5);
    cloud_free(c);
}

/* [DEFAULT] *_allocation_ratio wins over initial_*; 0.0 means unset;
 * a per-host value wins over both; initial_* can be changed. */
static void test_ratio_precedence(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_ZED);
    int h = t_host(c, "host1", 8, 16384, 100);

    c->conf.cpu_allocation_ratio = 0.0;             /* unset */
    assert_double(host_ratio(c, h, RC_VCPU), 16.0);
    c->conf.initial_cpu_allocation_ratio = 8.0;
    assert_double(host_ratio(c, h, RC_VCPU), 8.0);
    c->conf.cpu_allocation_ratio = 2.0;
    assert_double(host_ratio(c, h, RC_VCPU), 2.0);
    assert_double(placement_capacity(c, h, RC_VCPU), 16.0);
    c->conf.ram_allocation_ratio = 0.75;
    assert_double(host_ratio(c, h, RC_MEMORY_MB), 0.75);
    c->conf.disk_allocation_ratio = 3.0;
    assert_double(host_ratio(c, h, RC_DISK_GB), 3.0);

    cloud_host_w(c, h)->cpu_allocation_ratio = 3.0;       /* the host's own nova.conf */
    assert_double(host_ratio(c, h, RC_VCPU), 3.0);
    cloud_host_w(c, h)->ram_allocation_ratio = 1.25;
    assert_double(host_ratio(c, h, RC_MEMORY_MB), 1.25);
    cloud_host_w(c, h)->disk_allocation_ratio = 0.0;      /* 0.0 on the host: unset too */
    assert_double(host_ratio(c, h, RC_DISK_GB), 3.0);
    cloud_host_w(c, h)->cpu_allocation_ratio = 0.0;
    assert_double(host_ratio(c, h, RC_VCPU), 2.0);
    cloud_free(c);
}

/* PCPU is never overcommitted, whatever cpu_allocation_ratio says. */
static void test_pcpu_not_overcommitted(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_ZED);
    int h = t_host(c, "host1", 8, 16384, 100);
    cloud_host_w(c, h)->pcpus = 4;
    c->conf.cpu_allocation_ratio = 16.0;
    assert_double(host_ratio(c, h, RC_PCPU), 1.0);
    assert_double(placement_capacity(c, h, RC_PCPU), 4.0);
    int64_t a[RC_COUNT];
    amounts(a, 0, 0, 0, 4);
    assert_true(placement_fits(c, h, a, NULL, 0));
    consumers(c, 1);
    placement_force(c, CONSUMER_SERVER, 0, h, a);
    amounts(a, 0, 0, 0, 1);
    char why[256] = "";
    assert_false(placement_fits(c, h, a, why, sizeof why));
    assert_str(why, "PCPU: used 4 + requested 1 > capacity 4.0 "
                    "((total 4 - reserved 0) * ratio 1.0)");
    cloud_free(c);
}

/* A class the host has no inventory of cannot be allocated. */
static void test_no_inventory(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int h = t_host(c, "host1", 8, 16384, 100);
    int64_t a[RC_COUNT];
    amounts(a, 0, 0, 0, 2);
    char why[256] = "";
    assert_false(placement_fits(c, h, a, why, sizeof why));
    assert_str(why, "PCPU: no inventory (requested 2)");
    cloud_free(c);
}

/* ---- flavor_resources ---------------------------------------------------- */

static void test_flavor_disk_gb(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int fl = t_flavor(c, "f", 2, 4096, 20);
    c->flavors.v[fl].ephemeral_gb = 5;
    c->flavors.v[fl].swap = 1536;                    /* MB -> ceil 2 GB */
    int64_t r[RC_COUNT];
    res_of(c, fl, false, r);
    assert_int_equal(r[RC_VCPU], 2);
    assert_int_equal(r[RC_MEMORY_MB], 4096);
    assert_int_equal(r[RC_DISK_GB], 20 + 5 + 2);
    assert_int_equal(r[RC_PCPU], 0);
    res_of(c, fl, true, r);                          /* BFV: no root disk */
    assert_int_equal(r[RC_DISK_GB], 5 + 2);

    static const struct { int64_t swap, gb; } sw[] = {{0, 0}, {1, 1}, {1023, 1}, {1024, 1},
                                                      {1025, 2}, {2048, 2}};
    for (size_t i = 0; i < sizeof sw / sizeof sw[0]; i++) {
        c->flavors.v[fl].swap = sw[i].swap;
        c->flavors.v[fl].ephemeral_gb = 0;
        res_of(c, fl, true, r);
        assert_int_equal(r[RC_DISK_GB], sw[i].gb);
    }
    cloud_free(c);
}

static void test_flavor_resources_overrides(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int64_t r[RC_COUNT];

    int f0 = add_flavor_spec(c, t_flavor(c, "novcpu", 2, 4096, 20), "resources:VCPU", "0");
    res_of(c, f0, false, r);
    assert_int_equal(r[RC_VCPU], 0);
    assert_int_equal(r[RC_PCPU], 0);
    assert_int_equal(r[RC_MEMORY_MB], 4096);

    int f1 = add_flavor_spec(c, t_flavor(c, "mem", 2, 4096, 20), "resources:MEMORY_MB", "1024");
    res_of(c, f1, false, r);
    assert_int_equal(r[RC_MEMORY_MB], 1024);
    assert_int_equal(r[RC_VCPU], 2);
    assert_int_equal(r[RC_DISK_GB], 20);

    int f2 = add_flavor_spec(c, t_flavor(c, "nodisk", 2, 4096, 20), "resources:DISK_GB", "0");
    res_of(c, f2, false, r);
    assert_int_equal(r[RC_DISK_GB], 0);

    /* explicit PCPU: no VCPU default */
    int f3 = add_flavor_spec(c, t_flavor(c, "pcpu", 4, 4096, 20), "resources:PCPU", "2");
    res_of(c, f3, false, r);
    assert_int_equal(r[RC_PCPU], 2);
    assert_int_equal(r[RC_VCPU], 0);
    cloud_free(c);
}

/* Invalid class or non-integer/negative amount: ignored with a warning,
 * the flavor value stays. */
static void test_flavor_resources_invalid_ignored(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int64_t r[RC_COUNT];
    static const char *const bad[] = {"abc", "-1", "1.5", "", "2x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "bad%zu", i);
        int f = add_flavor_spec(c, t_flavor(c, name, 3, 2048, 10), "resources:VCPU", bad[i]);
        res_of(c, f, false, r);
        assert_int_equal(r[RC_VCPU], 3);
    }
    int f = add_flavor_spec(c, t_flavor(c, "badclass", 3, 2048, 10), "resources:FOO", "7");
    res_of(c, f, false, r);
    assert_int_equal(r[RC_VCPU], 3);
    assert_int_equal(r[RC_MEMORY_MB], 2048);
    assert_int_equal(r[RC_DISK_GB], 10);
    cloud_free(c);
}

/* RequestGroup.add_resource does int(amount): Python's int() accepts
 * surrounding blanks, so "resources:MEMORY_MB= 1024 " is 1024. */
static void test_flavor_resources_python_int(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int64_t r[RC_COUNT];
    int f = add_flavor_spec(c, t_flavor(c, "blank", 2, 4096, 10), "resources:MEMORY_MB", " 1024 ");
    res_of(c, f, false, r);
    cloud_free(c);
    assert_int_equal(r[RC_MEMORY_MB], 1024);
}

static void test_flavor_cpu_policy(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int64_t r[RC_COUNT];

    int d = add_flavor_spec(c, t_flavor(c, "ded", 4, 4096, 10), "hw:cpu_policy", "dedicated");
    res_of(c, d, false, r);
    assert_int_equal(r[RC_PCPU], 4);
    assert_int_equal(r[RC_VCPU], 0);

    int e = add_flavor_spec(c, t_flavor(c, "ded-emu", 4, 4096, 10), "hw:cpu_policy", "dedicated");
    add_flavor_spec(c, e, "hw:emulator_threads_policy", "isolate");
    res_of(c, e, false, r);
    assert_int_equal(r[RC_PCPU], 5);
    assert_int_equal(r[RC_VCPU], 0);

    int s = add_flavor_spec(c, t_flavor(c, "shared", 4, 4096, 10), "hw:cpu_policy", "shared");
    add_flavor_spec(c, s, "hw:emulator_threads_policy", "isolate");   /* no effect when shared */
    res_of(c, s, false, r);
    assert_int_equal(r[RC_VCPU], 4);
    assert_int_equal(r[RC_PCPU], 0);
    cloud_free(c);
}

/* hw:cpu_policy=mixed: PCPU = size of hw:cpu_dedicated_mask, VCPU = rest
 * (ResourceRequest._translate_pinning_policies). */
static void test_flavor_cpu_policy_mixed(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int64_t r[RC_COUNT], x[RC_COUNT];
    int m = add_flavor_spec(c, t_flavor(c, "mixed", 4, 4096, 10), "hw:cpu_policy", "mixed");
    add_flavor_spec(c, m, "hw:cpu_dedicated_mask", "2-3");
    res_of(c, m, false, r);
    int e = add_flavor_spec(c, t_flavor(c, "mixed-excl", 4, 4096, 10), "hw:cpu_policy", "mixed");
    add_flavor_spec(c, e, "hw:cpu_dedicated_mask", "^0");          /* 1-3 dedicated */
    add_flavor_spec(c, e, "hw:emulator_threads_policy", "isolate");
    res_of(c, e, false, x);
    cloud_free(c);
    assert_int_equal(r[RC_PCPU], 2);
    assert_int_equal(r[RC_VCPU], 2);
    assert_int_equal(x[RC_PCPU], 3 + 1);
    assert_int_equal(x[RC_VCPU], 1);
}

/* The image's hw_cpu_policy counts too (hardware.get_cpu_policy_constraint
 * reads flavor and image). */
static void test_image_cpu_policy_dedicated(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int fl = t_flavor(c, "f", 2, 2048, 10);
    int im = t_image(c, "pinned");
    kvlist_push(&c->images.v[im].properties, "hw_cpu_policy", "dedicated");
    request_spec rs;
    request_spec_init(&rs);
    rs.flavor = fl;
    rs.image = im;
    int64_t r[RC_COUNT];
    spec_resources(c, &rs, r);
    request_spec_done(&rs);
    cloud_free(c);
    assert_int_equal(r[RC_PCPU], 2);
    assert_int_equal(r[RC_VCPU], 0);
}

/* ---- allocations ---------------------------------------------------------- */

/* min_unit <= amount <= max_unit and amount % step_size == 0 */
static void test_inventory_units(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int h = t_host(c, "h", 16, 65536, 500);
    host_units *u = host_units_of(c, h);
    u->step_size[RC_MEMORY_MB] = 1024;
    u->min_unit[RC_VCPU] = 2;
    u->max_unit[RC_VCPU] = 4;
    char why[256];
    int64_t a[RC_COUNT] = {2, 2048, 10, 0};
    assert_true(placement_fits(c, h, a, why, sizeof why));
    a[RC_MEMORY_MB] = 1536;
    assert_false(placement_fits(c, h, a, why, sizeof why));
    assert_string_equal(why, "MEMORY_MB: requested 1536 is not a multiple of step_size 1024");
    a[RC_MEMORY_MB] = 2048;
    a[RC_VCPU] = 1;
    assert_false(placement_fits(c, h, a, why, sizeof why));
    assert_string_equal(why, "VCPU: requested 1 < min_unit 2");
    a[RC_VCPU] = 5;
    assert_false(placement_fits(c, h, a, why, sizeof why));
    assert_string_equal(why, "VCPU: requested 5 > max_unit 4");
    cloud_free(c);
}

static void test_claim_refuses_without_writing(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int h = t_host(c, "host1", 4, 2048, 20);           /* MEMORY capacity 1536 */
    int64_t a[RC_COUNT];
    amounts(a, 1, 1024, 10, 0);
    consumers(c, 3);
    assert_true(placement_claim(c, CONSUMER_SERVER, 0, h, a));
    assert_int_equal(c->allocations.n, 1);
    assert_int_equal(placement_used(c, h, RC_MEMORY_MB), 1024);

    amounts(a, 1, 1024, 1, 0);                         /* 1024 + 1024 > 1536 */
    assert_false(placement_claim(c, CONSUMER_SERVER, 1, h, a));
    assert_int_equal(c->allocations.n, 1);
    assert_int_equal(placement_used(c, h, RC_VCPU), 1);
    assert_int_equal(placement_used(c, h, RC_MEMORY_MB), 1024);
    assert_int_equal(placement_used(c, h, RC_DISK_GB), 10);
    int64_t out[RC_COUNT];
    assert_false(placement_consumer_on(c, CONSUMER_SERVER, 1, h, out));

    /* a failing class refuses the whole claim (no partial write) */
    amounts(a, 1, 100, 11, 0);                         /* disk 10 + 11 > 20 */
    assert_false(placement_claim(c, CONSUMER_SERVER, 2, h, a));
    assert_int_equal(placement_used(c, h, RC_VCPU), 1);
    assert_int_equal(placement_used(c, h, RC_MEMORY_MB), 1024);

    /* a second claim of the same consumer on the same host merges */
    amounts(a, 1, 512, 10, 0);
    assert_true(placement_claim(c, CONSUMER_SERVER, 0, h, a));
    assert_int_equal(c->allocations.n, 1);
    assert_true(placement_consumer_on(c, CONSUMER_SERVER, 0, h, out));
    assert_int_equal(out[RC_VCPU], 2);
    assert_int_equal(out[RC_MEMORY_MB], 1536);
    assert_int_equal(out[RC_DISK_GB], 20);
    cloud_free(c);
}

/* A copy of the cloud (undo, what-if) goes on numbering allocations where
 * the original stopped, so a consumer's allocations still list in the order
 * they were written (describe shows them so). */
static void test_clone_keeps_allocation_order(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int h1 = t_host(c, "host1", 8, 16384, 100);
    int h2 = t_host(c, "host2", 8, 16384, 100);
    int64_t a[RC_COUNT];
    amounts(a, 1, 512, 5, 0);
    consumers(c, 10);
    assert_true(placement_claim(c, CONSUMER_SERVER, 7, h1, a));
    assert_true(placement_claim(c, CONSUMER_SERVER, 8, h1, a));
    cloud *d = cloud_clone(c);
    assert_true(placement_claim(d, CONSUMER_SERVER, 7, h2, a));
    int *ix = NULL;
    assert_int_equal(placement_allocations_of(d, CONSUMER_SERVER, 7, &ix), 2);
    assert_int_equal(d->allocations.v[ix[0]].host, h1);
    assert_int_equal(d->allocations.v[ix[1]].host, h2);
    free(ix);
    cloud_free(d);
    cloud_free(c);
}

static void test_delete_and_move(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int h1 = t_host(c, "host1", 8, 16384, 100);
    int h2 = t_host(c, "host2", 8, 16384, 100);
    int64_t a[RC_COUNT], b[RC_COUNT], out[RC_COUNT];
    amounts(a, 2, 2048, 20, 0);
    amounts(b, 1, 512, 5, 0);
    consumers(c, 10);
    cloud_add_migration(c, 7, "evacuation", h1, h2);
    assert_true(placement_claim(c, CONSUMER_SERVER, 7, h1, a));
    assert_true(placement_claim(c, CONSUMER_SERVER, 7, h2, a));   /* evacuate-style double */
    assert_true(placement_claim(c, CONSUMER_SERVER, 8, h1, b));
    assert_int_equal(placement_used(c, h1, RC_MEMORY_MB), 2560);
    assert_int_equal(placement_used(c, h2, RC_MEMORY_MB), 2048);

    /* migration swap: the instance's allocation becomes the migration's */
    placement_move(c, CONSUMER_SERVER, 7, CONSUMER_MIGRATION, 0);
    assert_int_equal(placement_used(c, h1, RC_MEMORY_MB), 2560);
    assert_int_equal(placement_used(c, h2, RC_VCPU), 2);
    assert_false(placement_consumer_on(c, CONSUMER_SERVER, 7, -1, out));
    assert_true(placement_consumer_on(c, CONSUMER_MIGRATION, 0, h1, out));
    assert_int_equal(out[RC_MEMORY_MB], 2048);
    assert_true(placement_consumer_on(c, CONSUMER_MIGRATION, 0, -1, out));
    assert_int_equal(out[RC_MEMORY_MB], 4096);
    assert_int_equal(out[RC_DISK_GB], 40);

    /* delete on one host only */
    placement_delete(c, CONSUMER_MIGRATION, 0, h2);
    assert_int_equal(placement_used(c, h2, RC_MEMORY_MB), 0);
    assert_int_equal(placement_used(c, h2, RC_VCPU), 0);
    assert_int_equal(placement_used(c, h2, RC_DISK_GB), 0);
    assert_int_equal(placement_used(c, h1, RC_MEMORY_MB), 2560);

    /* delete everywhere; the other consumer stays */
    placement_delete(c, CONSUMER_MIGRATION, 0, -1);
    assert_int_equal(placement_used(c, h1, RC_MEMORY_MB), 512);
    assert_int_equal(placement_used(c, h1, RC_VCPU), 1);
    assert_int_equal(placement_used(c, h1, RC_DISK_GB), 5);
    assert_int_equal(c->allocations.n, 1);
    assert_true(placement_consumer_on(c, CONSUMER_SERVER, 8, h1, out));

    /* the freed room can be claimed again */
    amounts(a, 0, 16384 - 512 - 512, 0, 0);
    assert_true(placement_claim(c, CONSUMER_SERVER, 9, h1, a));
    assert_int_equal(placement_used(c, h1, RC_MEMORY_MB), 15872);
    cloud_free(c);
}

/* Each consumer's chain of allocations against a plain list kept beside
 * it: random claims, forced writes, deletes (on one host or all) and moves
 * between servers and migrations, many of them moving the last allocation
 * into a freed slot; after each, every consumer's summed allocation per
 * host, every host's usage and the order of writing agree. */
static void test_allocation_chains(void **state)
{
    (void)state;
    enum { NS = 12, NM = 4, NH = 3, OPS = 3000 };
    cloud *c = t_cloud(REL_LATEST);
    for (int h = 0; h < NH; h++) {
        char name[16];
        snprintf(name, sizeof name, "h%d", h);
        t_host(c, name, 1000, 1 << 20, 100000);
    }
    consumers(c, NS);
    for (int m = 0; m < NM; m++)
        cloud_add_migration(c, m, "migration", 0, 1);
    /* the model: amount held per (kind, consumer, host), and when the
     * entry was first written */
    int64_t held[2][NS][NH];
    int first[2][NS][NH];
    memset(held, 0, sizeof held);
    memset(first, -1, sizeof first);
    nv_rng rng;
    nv_rng_seed(&rng, 42);
    int clock = 0;
    for (int op = 0; op < OPS; op++) {
        int k = nv_rng_below(&rng, 2), n = k ? NM : NS, who = nv_rng_below(&rng, n);
        int h = nv_rng_below(&rng, NH);
        int64_t a[RC_COUNT];
        amounts(a, 1 + nv_rng_below(&rng, 3), 0, 0, 0);
        switch (nv_rng_below(&rng, 4)) {
        case 0:
        case 1:
            placement_force(c, (enum consumer_kind)k, who, h, a);
            if (first[k][who][h] < 0)
                first[k][who][h] = clock++;
            held[k][who][h] += a[RC_VCPU];
            break;
        case 2: {
            int on = nv_rng_below(&rng, 2) ? h : -1;
            placement_delete(c, (enum consumer_kind)k, who, on);
            for (int x = 0; x < NH; x++)
                if (on < 0 || x == on) {
                    held[k][who][x] = 0;
                    first[k][who][x] = -1;
                }
            break;
        }
        default: {
            /* a move only to a consumer holding nothing (as the conductor
             * does), so no two entries share a host */
            int tk = !k, tn = tk ? NM : NS, to = nv_rng_below(&rng, tn);
            bool empty = true;
            for (int x = 0; x < NH; x++)
                empty = empty && !held[tk][to][x];
            if (!empty || (tk == k && to == who))
                break;
            placement_move(c, (enum consumer_kind)k, who, (enum consumer_kind)tk, to);
            for (int x = 0; x < NH; x++) {
                held[tk][to][x] = held[k][who][x];
                first[tk][to][x] = first[k][who][x];
                held[k][who][x] = 0;
                first[k][who][x] = -1;
            }
            break;
        }
        }
        int64_t usage[NH] = {0};
        for (int kk = 0; kk < 2; kk++)
            for (int w = 0; w < (kk ? NM : NS); w++) {
                int64_t out[RC_COUNT];
                int *v, cnt = placement_allocations_of(c, (enum consumer_kind)kk, w, &v);
                int want = 0;
                for (int x = 0; x < NH; x++) {
                    bool has = placement_consumer_on(c, (enum consumer_kind)kk, w, x, out);
                    assert_int_equal(has, held[kk][w][x] != 0);
                    assert_int_equal(out[RC_VCPU], held[kk][w][x]);
                    usage[x] += held[kk][w][x];
                    want += held[kk][w][x] != 0;
                }
                assert_int_equal(cnt, want);
                /* listed in the order first written */
                for (int i = 1; i < cnt; i++)
                    assert_true(first[kk][w][c->allocations.v[v[i - 1]].host] <
                                first[kk][w][c->allocations.v[v[i]].host]);
                free(v);
            }
        for (int x = 0; x < NH; x++)
            assert_int_equal(placement_used(c, x, RC_VCPU), usage[x]);
    }
    /* relinking from scratch finds the same chains */
    cloud_reindex(c);
    for (int w = 0; w < NS; w++)
        for (int x = 0; x < NH; x++) {
            int64_t out[RC_COUNT];
            placement_consumer_on(c, CONSUMER_SERVER, w, x, out);
            assert_int_equal(out[RC_VCPU], held[0][w][x]);
        }
    cloud_free(c);
}

/* Usage survives cloud_reindex (rebuilt from the allocations). */
static void test_usage_rebuilt_by_reindex(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int h = t_host(c, "host1", 8, 16384, 100);
    int64_t a[RC_COUNT];
    amounts(a, 3, 3000, 30, 0);
    consumers(c, 1);
    placement_force(c, CONSUMER_SERVER, 0, h, a);
    cloud_reindex(c);
    assert_int_equal(placement_used(c, h, RC_VCPU), 3);
    assert_int_equal(placement_used(c, h, RC_MEMORY_MB), 3000);
    assert_int_equal(placement_used(c, h, RC_DISK_GB), 30);
    cloud_free(c);
}

/* ---- the allocation-candidates query (EV_PLACEMENT) ------------------------ */

/* The candidate test uses the same arithmetic: a host too full for the
 * flavor is not a candidate, and the reason is placement_fits()'s. */
static void test_candidates_capacity(void **state)
{
    (void)state;
    cloud *c = t_cloud(REL_LATEST);
    int h1 = t_host(c, "host1", 8, 16384, 200);
    t_host(c, "host2", 8, 16384, 200);
    int fl = t_flavor(c, "big", 2, 2048, 20);
    int64_t used[RC_COUNT];
    amounts(used, 0, 14000, 0, 0);
    consumers(c, 100);
    placement_force(c, CONSUMER_SERVER, 99, h1, used);
    request_spec rs;
    request_spec_init(&rs);
    rs.flavor = fl;
    intvec_push(&rs.instances, cloud_add_server(c, "vm", fl));
    trail t;
    sched_result r;
    run(c, &rs, &t, &r);
    const event *p = t_find(&t, EV_PLACEMENT, NULL);
    assert_non_null(p);
    assert_int_equal(p->in, 2);
    assert_int_equal(p->out, 1);
    assert_str(t_reason(p, "host1"), "MEMORY_MB: used 14000 + requested 2048 > capacity 15872.0 "
                                     "((total 16384 - reserved 512) * ratio 1.0)");
    assert_null(t_reason(p, "host2"));
    assert_true(r.ok);
    assert_int_equal(r.hosts.n, 1);
    assert_int_equal(r.hosts.v[0], 1);
    sched_result_done(&r);
    trail_free(&t);
    request_spec_done(&rs);
    cloud_free(c);
}

/* A pinned flavor on a host without PCPU inventory: Nova makes a second
 * allocation-candidates query with VCPU instead of PCPU unless
 * [workarounds] disable_fallback_pcpu_query (manager.py select_destinations),
 * so the host is still a candidate. */
static void pcpu_fallback(bool disable)
{
    cloud *c = t_cloud(REL_LATEST);
    t_host(c, "host1", 8, 16384, 200);           /* pcpus 0: no PCPU inventory */
    int fl = add_flavor_spec(c, t_flavor(c, "pinned", 2, 2048, 20), "hw:cpu_policy",
                             "dedicated");
    c->conf.disable_fallback_pcpu_query = disable;
    request_spec rs;
    request_spec_init(&rs);
    rs.flavor = fl;
    intvec_push(&rs.instances, cloud_add_server(c, "vm", fl));
    trail t;
    sched_result r;
    run(c, &rs, &t, &r);
    bool ok = r.ok;
    int got = r.hosts.n ? r.hosts.v[0] : -1;
    char msg[256];
    snprintf(msg, sizeof msg, "%s", r.message ? r.message : "");
    sched_result_done(&r);
    trail_free(&t);
    request_spec_done(&rs);
    cloud_free(c);
    if (disable) {
        assert_false(ok);
        assert_string_equal(msg, "No valid host was found. ");
    } else {
        if (!ok)
            fprintf(stderr, "  fallback query: got '%s'\n", msg);
        assert_true(ok);
        assert_int_equal(got, 0);
    }
}

static void test_pcpu_fallback_query(void **state)
{
    (void)state;
    pcpu_fallback(false);
}

static void test_pcpu_fallback_query_disabled(void **state)
{
    (void)state;
    pcpu_fallback(true);
}

/* Hosts added one by one: the per-host usage and index arrays grow
 * geometrically (as the host array does), so loading is linear; every
 * host's usage starts at zero and stays its own. */
static void test_host_arrays_grow_geometrically(void **st)
{
    (void)st;
    cloud *c = t_cloud(REL_LATEST);
    int grows = 0, cap = c->host_side_cap;
    for (int i = 0; i < 5000; i++) {
        char name[32];
        snprintf(name, sizeof name, "h%d", i);
        int h = t_host(c, name, 8, 8192, 80);
        assert_int_equal(h, i);
        assert_true(c->host_side_cap >= c->hosts.n);
        if (c->host_side_cap != cap) {
            grows++;
            cap = c->host_side_cap;
        }
        c->usage[(size_t)h * RC_COUNT + RC_VCPU] = i;
    }
    assert_true(grows <= 12);   /* 8, 16, ..., 8192 */
    for (int i = 0; i < 5000; i++) {
        assert_int_equal(c->usage[(size_t)i * RC_COUNT + RC_VCPU], i);
        assert_int_equal(c->host_servers[i].n, 0);
        assert_int_equal(c->host_aggs[i].n, 0);
    }
    cloud_free(c);
}

/* The hot records follow what they are worked out from: a host written
 * through the write barrier, its usage (claims, deletions), a journal
 * undone, a copy, the options, the host list; and their fit answers as
 * placement_fit_reason(). */
static bool quick_fits(cloud *c, int h, int64_t vcpu, int64_t mem, int64_t disk)
{
    int64_t a[RC_COUNT];
    amounts(a, vcpu, mem, disk, 0);
    fit_prep p;
    placement_fit_prepare(c, a, &p);
    assert_non_null(p.hot);
    for (int i = 0; i < c->hosts.n; i++)
        assert_true(cloud_hot_current(c, p.hot, i));
    reject_reason why = {0}, rec = {0};
    bool quick = placement_fit_quick(&p, h), general = placement_fit_reason(c, h, a, &why);
    if (quick)
        assert_true(general);
    if (vcpu <= INT32_MAX && mem <= INT32_MAX && disk <= INT32_MAX)
        assert_int_equal(quick, general);   /* else the host itself is asked */
    /* a refusal the record can tell is told with the host's numbers */
    bool told = placement_refusal_hot(&p, h, &rec);
    if (told) {
        assert_false(general);
        assert_int_equal(rec.code, why.code);
        assert_memory_equal(rec.i, why.i, sizeof rec.i);
        assert_memory_equal(rec.d, why.d, sizeof rec.d);
    } else if (!general) {
        assert_false(p.hot[h].flags & HOT_REASON);
    }
    reason_done(&why);
    reason_done(&rec);
    return general;
}

static void test_hot_records_follow_hosts(void **st)
{
    (void)st;
    cloud *c = t_cloud(REL_LATEST);
    int h1 = t_host(c, "host1", 8, 8192, 80);
    t_host(c, "host2", 8, 2048, 80);
    cloud_reindex(c);
    cloud_hot(c);
    assert_non_null(c->hot);
    /* (8192 - 512) * 1.0 */
    assert_true(quick_fits(c, h1, 1, 7680, 10));
    assert_false(quick_fits(c, h1, 1, 7681, 10));
    /* written through the barrier, in a journal, then undone */
    journal_begin(c);
    cloud_host_w(c, h1)->memory_mb = 4096;
    assert_false(quick_fits(c, h1, 1, 3585, 10));
    assert_true(quick_fits(c, h1, 1, 3584, 10));
    assert_false(quick_fits(c, h1, 1, 4096, 10));
    cloud_host_w(c, h1)->ram_allocation_ratio = 2.0;   /* 7168, max_unit 4096 */
    assert_true(quick_fits(c, h1, 1, 4096, 10));
    assert_false(quick_fits(c, h1, 1, 4097, 10));
    journal *j = journal_end(c);
    journal_undo(c, j);
    journal_free(j);
    assert_true(quick_fits(c, h1, 1, 7680, 10));
    assert_false(quick_fits(c, h1, 1, 7681, 10));
    /* usage: a claim and a deletion, then a claim undone; the room left
     * under a fractional capacity is rounded down (8 * 1.3 = 10.4 VCPUs,
     * 3 used: 7 fit, 8 do not) */
    assert_true(cloud_hot(c)[h1].flags & HOT_REASON);
    double cpu_ratio = c->hosts.v[h1].cpu_allocation_ratio;
    cloud_host_w(c, h1)->cpu_allocation_ratio = 1.3;
    assert_false(cloud_hot(c)[h1].flags & HOT_REASON);   /* its own ratio: the host says why */
    consumers(c, 2);
    int64_t claim[RC_COUNT];
    amounts(claim, 3, 1024, 10, 0);
    assert_true(placement_claim(c, CONSUMER_SERVER, 0, h1, claim));
    assert_true(quick_fits(c, h1, 7, 6656, 70));
    assert_false(quick_fits(c, h1, 8, 1, 1));
    assert_false(quick_fits(c, h1, 1, 6657, 1));
    assert_false(quick_fits(c, h1, 1, 1, 71));
    journal_begin(c);
    assert_true(placement_claim(c, CONSUMER_SERVER, 1, h1, claim));
    assert_true(quick_fits(c, h1, 4, 5632, 60));
    assert_false(quick_fits(c, h1, 5, 1, 1));
    j = journal_end(c);
    journal_undo(c, j);
    journal_free(j);
    assert_true(quick_fits(c, h1, 7, 1, 1));
    assert_false(quick_fits(c, h1, 8, 1, 1));
    placement_delete(c, CONSUMER_SERVER, 0, h1);
    assert_true(quick_fits(c, h1, 8, 7680, 80));   /* max_unit: its 8 VCPUs */
    assert_false(quick_fits(c, h1, 9, 1, 1));
    cloud_host_w(c, h1)->cpu_allocation_ratio = cpu_ratio;   /* nova.conf's again */
    assert_true(quick_fits(c, h1, 1, 7680, 10));
    /* refusals the record tells, class by class: VCPU's max_unit,
     * memory's and disk's capacity (usage from a claim) */
    assert_true(cloud_hot(c)[h1].flags & HOT_REASON);
    assert_true(placement_claim(c, CONSUMER_SERVER, 0, h1, claim));
    assert_false(quick_fits(c, h1, 9, 1, 1));
    assert_false(quick_fits(c, h1, 1, 6657, 1));
    assert_false(quick_fits(c, h1, 1, 1, 71));
    placement_delete(c, CONSUMER_SERVER, 0, h1);
    /* a copy has its own, as they were */
    cloud *copy = cloud_clone(c);
    cloud_host_w(c, h1)->vcpus = 1;
    assert_false(quick_fits(c, h1, 2, 1, 10));
    assert_true(quick_fits(copy, h1, 2, 1, 10));
    cloud_free(copy);
    /* the options: nova.conf's ratio and reserved */
    assert_false(quick_fits(c, h1, 1, 8192, 10));
    c->conf.ram_allocation_ratio = 1.5;   /* (8192 - 512) * 1.5, max_unit 8192 */
    assert_true(quick_fits(c, h1, 1, 8192, 10));
    c->conf.reserved_host_disk_mb = 20 * 1024 + 1;   /* 21 GB reserved */
    assert_true(quick_fits(c, h1, 1, 1, 59));
    assert_false(quick_fits(c, h1, 1, 1, 60));
    /* a new host: the host list changed */
    int h3 = t_host(c, "host3", 4, 4096, 40);
    assert_true(quick_fits(c, h3, 4, 1, 19));
    assert_false(quick_fits(c, h3, 5, 1, 19));
    /* a service disabled, then forced down, through the barrier */
    cloud_host_w(c, h1)->disabled = true;
    const host_hot *hot = cloud_hot(c);
    assert_int_equal(hot[h1].flags & (HOT_UP | HOT_NO_TRAITS), 0);
    assert_true(cloud_hot_current(c, hot, h1));
    cloud_host_w(c, h1)->disabled = false;
    cloud_host_w(c, h1)->forced_down = true;
    hot = cloud_hot(c);
    assert_int_equal(hot[h1].flags & (HOT_UP | HOT_NO_TRAITS), HOT_NO_TRAITS);
    /* more than INT32_MAX MB: a larger amount is asked of the host itself */
    cloud_host_w(c, h1)->memory_mb = (int64_t)3 << 30;   /* 3 PiB */
    cloud_host_w(c, h1)->reserved_host_memory_mb = 0;
    assert_true(quick_fits(c, h1, 1, (int64_t)5 << 29, 10));   /* 2.5 PiB: fits */
    assert_false(quick_fits(c, h1, 1, ((int64_t)3 << 30) + 1, 10));
    /* units: no columns, the general rule */
    host_units_of(c, h3)->max_unit[RC_VCPU] = 2;
    int64_t a[RC_COUNT];
    amounts(a, 1, 1, 1, 0);
    fit_prep p;
    placement_fit_prepare(c, a, &p);
    assert_null(p.hot);
    cloud_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capacity_memory_reserved_default),
        cmocka_unit_test(test_allocation_chains),
        cmocka_unit_test(test_capacity_float_ratio),
        cmocka_unit_test(test_max_unit_is_total),
        cmocka_unit_test(test_reserved_disk_ceil),
        cmocka_unit_test(test_reserved_memory_and_cpus),
        cmocka_unit_test(test_initial_ratios_latest),
        cmocka_unit_test(test_initial_ratios_zed),
        cmocka_unit_test(test_ratio_precedence),
        cmocka_unit_test(test_pcpu_not_overcommitted),
        cmocka_unit_test(test_no_inventory),
        cmocka_unit_test(test_flavor_disk_gb),
        cmocka_unit_test(test_flavor_resources_overrides),
        cmocka_unit_test(test_flavor_resources_invalid_ignored),
        cmocka_unit_test(test_flavor_resources_python_int),
        cmocka_unit_test(test_flavor_cpu_policy),
        cmocka_unit_test(test_flavor_cpu_policy_mixed),
        cmocka_unit_test(test_image_cpu_policy_dedicated),
        cmocka_unit_test(test_inventory_units),
        cmocka_unit_test(test_claim_refuses_without_writing),
        cmocka_unit_test(test_delete_and_move),
        cmocka_unit_test(test_clone_keeps_allocation_order),
        cmocka_unit_test(test_usage_rebuilt_by_reindex),
        cmocka_unit_test(test_candidates_capacity),
        cmocka_unit_test(test_pcpu_fallback_query),
        cmocka_unit_test(test_pcpu_fallback_query_disabled),
        cmocka_unit_test(test_host_arrays_grow_geometrically),
        cmocka_unit_test(test_hot_records_follow_hosts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
