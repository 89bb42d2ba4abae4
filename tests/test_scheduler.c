/*
 * test_scheduler.c - select_destinations as a whole (nova-model.md §3, §4):
 * request filters, the Placement query and its limit, host narrowing,
 * host_subset_size with the seeded generator, claims, alternates, and
 * the exact NoValidHost texts.
 */
#include <stdio.h>

#include "testutil.h"
#include "decision.h"

typedef struct fx {
    cloud *c;
    trail t;
    nv_rng rng;
    request_spec rs;
    sched_result r;
    int fl;
} fx;

static void fx_init(fx *f, int release, int hosts)
{
    memset(f, 0, sizeof *f);
    f->c = t_cloud(release);
    for (int i = 0; i < hosts; i++) {
        char name[16];
        snprintf(name, sizeof name, "host%d", i + 1);
        t_host(f->c, name, 8, 16384, 200);
    }
    f->fl = t_flavor(f->c, "m1.small", 1, 2048, 20);
    t_image(f->c, "cirros");
    nv_rng_seed(&f->rng, 1);
    request_spec_init(&f->rs);
    f->rs.flavor = f->fl;
    f->rs.image = 0;
    f->rs.project = "demo";
}

static void fx_done(fx *f)
{
    sched_result_done(&f->r);
    request_spec_done(&f->rs);
    trail_free(&f->t);
    cloud_free(f->c);
}

static void add_instances(fx *f, int n)
{
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "new-%d", f->rs.instances.n + 1);
        intvec_push(&f->rs.instances, cloud_add_server(f->c, name, f->fl));
    }
    f->rs.num_instances = f->rs.instances.n;
}

static void run(fx *f)
{
    sched_result_done(&f->r);
    scheduler_select(f->c, &f->rs, &f->rng, &f->t, &f->r);
}

static const char *chosen(fx *f, int i)
{
    return f->c->hosts.v[f->r.hosts.v[i]].name;
}

static void test_no_candidates_message(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 2);
    f.c->flavors.v[f.fl].memory_mb = 65536;
    add_instances(&f, 1);
    run(&f);
    assert_false(f.r.ok);
    assert_string_equal(f.r.exception, "NoValidHost");
    assert_string_equal(f.r.message, "No valid host was found. ");   /* trailing space */
    fx_done(&f);
}

static void test_no_such_host_message(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 2);
    add_instances(&f, 1);
    f.rs.dest_host = nv_strdup("nohost");
    run(&f);
    assert_string_equal(f.r.message, "No valid host was found. No such host - host: nohost node: None ");
    fx_done(&f);
}

static void test_spread_and_tie_order(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 3);
    t_server(f.c, "busy", f.fl, 0);
    add_instances(&f, 1);
    f.rs.return_alternates = true;
    run(&f);
    assert_true(f.r.ok);
    /* host2 and host3 tie for the most free RAM: scenario order */
    assert_string_equal(chosen(&f, 0), "host2");
    /* alternates: max_attempts 3 -> 2, in weight order */
    assert_int_equal(f.r.alternates[0].n, 2);
    assert_string_equal(f.c->hosts.v[f.r.alternates[0].v[0]].name, "host3");
    assert_string_equal(f.c->hosts.v[f.r.alternates[0].v[1]].name, "host1");
    fx_done(&f);
}

static void test_alternates_same_cell_and_max_attempts(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 4);
    free(f.c->hosts.v[1].cell);
    f.c->hosts.v[1].cell = nv_strdup("cell2");
    f.c->conf.max_attempts = 2;
    f.rs.return_alternates = true;
    add_instances(&f, 1);
    run(&f);
    assert_string_equal(chosen(&f, 0), "host1");
    assert_int_equal(f.r.alternates[0].n, 1);
    /* host2 is in another cell */
    assert_string_equal(f.c->hosts.v[f.r.alternates[0].v[0]].name, "host3");
    fx_done(&f);
}

static void test_host_subset_size_seeded(void **st)
{
    (void)st;
    bool seen[3] = {false};
    for (int seed = 1; seed <= 40; seed++) {
        fx f;
        fx_init(&f, REL_LATEST, 3);
        f.c->conf.host_subset_size = 2;
        nv_rng_seed(&f.rng, (uint64_t)seed);
        t_server(f.c, "busy", f.fl, 2);
        add_instances(&f, 1);
        run(&f);
        int h = f.r.hosts.v[0];
        assert_true(h == 0 || h == 1);   /* only among the best two */
        seen[h] = true;
        /* the same seed gives the same host */
        fx g;
        fx_init(&g, REL_LATEST, 3);
        g.c->conf.host_subset_size = 2;
        nv_rng_seed(&g.rng, (uint64_t)seed);
        t_server(g.c, "busy", g.fl, 2);
        add_instances(&g, 1);
        run(&g);
        assert_int_equal(g.r.hosts.v[0], h);
        fx_done(&g);
        fx_done(&f);
    }
    assert_true(seen[0] && seen[1]);
}

static void test_claim_falls_through(void **st)
{
    (void)st;
    /* HostState free RAM ignores allocation ratios, Placement does not:
     * host1 (ram ratio 0.5: capacity (16384 - 512) * 0.5 = 7936) still
     * weighs best for the 2nd instance, its claim fails, host2 takes it */
    fx f;
    fx_init(&f, REL_LATEST, 2);
    const char *ram[] = {"RAMWeigher"};
    t_weighers(f.c, ram, 1);
    f.c->flavors.v[f.fl].memory_mb = 6144;
    f.c->hosts.v[0].ram_allocation_ratio = 0.5;
    f.c->hosts.v[1].memory_mb = 8192;
    add_instances(&f, 2);
    run(&f);
    assert_true(f.r.ok);
    assert_string_equal(chosen(&f, 0), "host1");
    assert_string_equal(chosen(&f, 1), "host2");
    bool failed_claim = false;
    for (int i = 0; i < f.t.n; i++)
        if (f.t.v[i].kind == EV_CLAIM && !f.t.v[i].ok && !strcmp(f.t.v[i].host, "host1"))
            failed_claim = true;
    assert_true(failed_claim);
    assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 6144);
    assert_int_equal(placement_used(f.c, 1, RC_MEMORY_MB), 6144);
    fx_done(&f);
}

static void test_not_enough_hosts_releases_claims(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 2);
    f.c->flavors.v[f.fl].memory_mb = 12288;
    add_instances(&f, 3);
    run(&f);
    assert_false(f.r.ok);
    assert_string_equal(f.r.message, "No valid host was found. There are not enough hosts available.");
    assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 0);
    assert_int_equal(placement_used(f.c, 1, RC_MEMORY_MB), 0);
    fx_done(&f);
}

static void test_ignore_and_force_hosts(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 3);
    f.c->hosts.v[2].up = false;   /* ComputeFilter would reject host3 */
    add_instances(&f, 1);
    strlist_push(&f.rs.force_hosts, "HOST3");   /* case-insensitive */
    run(&f);
    assert_true(f.r.ok);
    assert_string_equal(chosen(&f, 0), "host3");
    assert_null(t_find(&f.t, EV_FILTER, NULL));   /* forced: no filter ran */
    /* everything ignored: not enough hosts */
    strlist_free(&f.rs.force_hosts);
    placement_delete(f.c, CONSUMER_SERVER, f.rs.instances.v[0], -1);
    strlist_push(&f.rs.ignore_hosts, "host1");
    strlist_push(&f.rs.ignore_hosts, "host2");
    strlist_push(&f.rs.ignore_hosts, "host3");
    run(&f);
    assert_string_equal(f.r.message, "No valid host was found. There are not enough hosts available.");
    fx_done(&f);
}

static void test_placement_limit(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 4);
    f.c->conf.max_placement_results = 2;
    t_server(f.c, "busy", f.fl, 0);
    add_instances(&f, 1);
    run(&f);
    const event *pe = t_find(&f.t, EV_PLACEMENT, NULL);
    assert_int_equal(pe->candidates.n, 2);
    assert_string_equal(chosen(&f, 0), "host2");   /* host3, host4 never seen */
    fx_done(&f);

    /* a same_host/different_host/group hint lifts the limit from Train */
    fx_init(&f, REL_LATEST, 4);
    f.c->conf.max_placement_results = 2;
    t_server(f.c, "busy", f.fl, 0);
    kvlist_push(&f.rs.hints, "different_host", "busy");
    add_instances(&f, 1);
    run(&f);
    assert_int_equal(t_find(&f.t, EV_PLACEMENT, NULL)->candidates.n, 4);
    fx_done(&f);

    fx_init(&f, REL_STEIN, 4);
    f.c->conf.max_placement_results = 2;
    kvlist_push(&f.rs.hints, "different_host", "x");
    add_instances(&f, 1);
    run(&f);
    assert_int_equal(t_find(&f.t, EV_PLACEMENT, NULL)->candidates.n, 2);   /* bug 1827628 */
    fx_done(&f);
}

static void test_az_prefilter(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 3);
    int a = t_agg(f.c, "zone-a", "availability_zone", "az1");
    cloud_aggregate_add_host(f.c, a, 2);
    add_instances(&f, 1);
    f.rs.availability_zone = "az1";
    run(&f);
    assert_string_equal(chosen(&f, 0), "host3");
    const event *pe = t_find(&f.t, EV_PLACEMENT, NULL);
    assert_int_equal(pe->candidates.n, 1);
    assert_non_null(strstr(t_reason(pe, "host1"), "not in any of aggregates zone-a"));
    fx_done(&f);

    /* the default AZ maps to no aggregate: any host qualifies */
    fx_init(&f, REL_LATEST, 3);
    a = t_agg(f.c, "zone-a", "availability_zone", "az1");
    cloud_aggregate_add_host(f.c, a, 2);
    add_instances(&f, 1);
    f.rs.availability_zone = "nova";
    run(&f);
    assert_int_equal(t_find(&f.t, EV_PLACEMENT, NULL)->candidates.n, 3);
    fx_done(&f);

    /* wallaby: prefilter off by default, AvailabilityZoneFilter decides */
    fx_init(&f, REL_WALLABY, 3);
    a = t_agg(f.c, "zone-a", "availability_zone", "az1");
    cloud_aggregate_add_host(f.c, a, 2);
    add_instances(&f, 1);
    f.rs.availability_zone = "nova";
    run(&f);
    assert_int_equal(t_find(&f.t, EV_PLACEMENT, NULL)->candidates.n, 3);
    const event *fe = t_find(&f.t, EV_FILTER, "AvailabilityZoneFilter");
    assert_non_null(fe);
    assert_int_equal(fe->out, 2);
    assert_non_null(t_reason(fe, "host3"));
    fx_done(&f);
}

static void test_tenant_isolation_request_filter(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 2);
    f.c->conf.limit_tenants_to_placement_aggregate = true;
    f.c->conf.placement_aggregate_required_for_tenants = true;
    add_instances(&f, 1);
    run(&f);
    assert_string_equal(f.r.message,
                        "No valid host was found. Scheduling failed: No hosts available for tenant");
    fx_done(&f);

    fx_init(&f, REL_LATEST, 2);
    f.c->conf.limit_tenants_to_placement_aggregate = true;
    int a = t_agg(f.c, "demo-only", "filter_tenant_id", "demo");
    cloud_aggregate_add_host(f.c, a, 1);
    add_instances(&f, 1);
    run(&f);
    assert_string_equal(chosen(&f, 0), "host2");
    fx_done(&f);
}

static void test_isolated_aggregates(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 2);
    f.c->conf.enable_isolated_aggregate_filtering = true;
    int a = t_agg(f.c, "gpu", "trait:CUSTOM_GPU", "required");
    cloud_aggregate_add_host(f.c, a, 0);
    add_instances(&f, 1);
    run(&f);
    assert_string_equal(chosen(&f, 0), "host2");
    assert_non_null(strstr(t_reason(t_find(&f.t, EV_PLACEMENT, NULL), "host1"),
                           "in forbidden aggregate gpu"));
    fx_done(&f);
}

static void test_disabled_hosts_at_placement(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 2);
    f.c->hosts.v[0].disabled = true;
    add_instances(&f, 1);
    run(&f);
    assert_string_equal(chosen(&f, 0), "host2");
    assert_string_equal(t_reason(t_find(&f.t, EV_PLACEMENT, NULL), "host1"),
                        "has forbidden trait(s) COMPUTE_STATUS_DISABLED");
    fx_done(&f);
}

static void test_rebuild_skips_placement(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 2);
    f.c->hosts.v[1].up = false;   /* ComputeFilter does not run on rebuild */
    add_instances(&f, 1);
    f.rs.rebuild = true;
    strlist_push(&f.rs.force_hosts, "host2");
    run(&f);
    assert_true(f.r.ok);
    assert_null(t_find(&f.t, EV_PLACEMENT, NULL));
    assert_string_equal(chosen(&f, 0), "host2");
    fx_done(&f);
}

static void test_image_metadata_prefilter(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 2);
    f.c->conf.image_metadata_prefilter = true;
    kvlist_push(&f.c->images.v[0].properties, "hw_disk_bus", "virtio");
    strlist_push(&f.c->hosts.v[1].traits, "COMPUTE_STORAGE_BUS_VIRTIO");
    add_instances(&f, 1);
    run(&f);
    assert_string_equal(chosen(&f, 0), "host2");
    fx_done(&f);
}

static void test_select_event_and_trail_order(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 2);
    add_instances(&f, 1);
    run(&f);
    /* request, placement, filters in configured order, weigh, claim, select */
    const enum ev_kind want[] = {EV_REQUEST, EV_PLACEMENT, EV_FILTER, EV_FILTER, EV_FILTER,
                                 EV_FILTER, EV_FILTER, EV_WEIGH, EV_CLAIM, EV_SELECT};
    assert_int_equal(f.t.n, 10);
    for (int i = 0; i < 10; i++)
        assert_int_equal(f.t.v[i].kind, want[i]);
    assert_string_equal(f.t.v[2].name, "ComputeFilter");
    assert_string_equal(f.t.v[6].name, "ServerGroupAffinityFilter");
    sbuf b = {0};
    dec_summary(&f.t, f.c, 0, f.t.n, &b);
    assert_string_equal(b.s, "2/2 hosts; selected host1");
    sbuf_free(&b);
    fx_done(&f);
}


/* The decision record: every host's fate by id, one summary naming every
 * server's host, narrowing counted as such. */
static void test_record_multi_create(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 3);
    f.c->flavors.v[f.fl].memory_mb = 12000;     /* one server per host */
    add_instances(&f, 2);
    f.rs.return_alternates = true;
    run(&f);
    assert_true(f.r.ok);
    assert_int_equal(f.t.n_dec, 1);
    const decision *d = &f.t.dec[0];
    assert_int_equal(d->n_pass, 3);               /* two instances, then alternates */
    assert_int_equal(d->pass[2].server, -1);
    assert_int_equal(d->selected.n, 2);
    sbuf b = {0};
    dec_summary(&f.t, f.c, 0, f.t.n, &b);
    char want[128];
    snprintf(want, sizeof want, "3/3 hosts; selected %s (new-1), %s (new-2)", chosen(&f, 0),
             chosen(&f, 1));
    assert_string_equal(b.s, want);
    sbuf_reset(&b);
    /* the host taken by the first server is full for the second: RamFilter
     * is not enabled, so Placement's claim is what stops it; its fate says
     * selected for new-1 */
    int h0 = f.r.hosts.v[0];
    assert_int_equal(dec_host_fate(&f.t, f.c, 0, 0, f.t.n, h0, false, &b), DT_SELECTED);
    assert_string_equal(b.s, "selected for new-1");
    sbuf_free(&b);
    fx_done(&f);
}

static void test_record_narrowing_and_placement(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 3);
    f.c->hosts.v[2].disabled = true;               /* Placement drops host3 (trait) */
    add_instances(&f, 1);
    strlist_push(&f.rs.ignore_hosts, "host1");
    run(&f);
    assert_true(f.r.ok);
    const decision *d = &f.t.dec[0];
    assert_int_equal(d->host[0].fate, DF_NARROWED);
    assert_int_equal(d->host[0].narrow, DN_IGNORE);
    assert_int_equal(d->host[2].fate, DF_PLACEMENT);
    sbuf b = {0};
    dec_summary(&f.t, f.c, 0, f.t.n, &b);
    assert_string_equal(b.s, "1/3 hosts: 1 Placement, 1 ignore_hosts; selected host2");
    sbuf_reset(&b);
    assert_int_equal(dec_host_fate(&f.t, f.c, 0, 0, f.t.n, 0, true, &b), DT_DIM);
    assert_string_equal(b.s, "ignored (ignore_hosts)");
    sbuf_reset(&b);
    assert_int_equal(dec_host_fate(&f.t, f.c, 0, 0, f.t.n, 2, true, &b), DT_REJECTED);
    assert_non_null(strstr(b.s, "rejected by Placement: "));
    assert_non_null(strstr(b.s, "COMPUTE_STATUS_DISABLED"));
    sbuf_free(&b);
    fx_done(&f);
}

/* A targeted move to the only other host, which ignore_hosts also names:
 * nothing reaches the filters and the summary says why. */
static void test_record_ignore_all(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 2);
    add_instances(&f, 1);
    strlist_push(&f.rs.ignore_hosts, "host1");
    strlist_push(&f.rs.ignore_hosts, "host2");
    run(&f);
    assert_false(f.r.ok);
    sbuf b = {0};
    dec_summary(&f.t, f.c, 0, f.t.n, &b);
    assert_string_equal(b.s, "0/2 hosts: 2 ignore_hosts");
    sbuf_free(&b);
    fx_done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_candidates_message),
        cmocka_unit_test(test_no_such_host_message),
        cmocka_unit_test(test_spread_and_tie_order),
        cmocka_unit_test(test_alternates_same_cell_and_max_attempts),
        cmocka_unit_test(test_host_subset_size_seeded),
        cmocka_unit_test(test_claim_falls_through),
        cmocka_unit_test(test_not_enough_hosts_releases_claims),
        cmocka_unit_test(test_ignore_and_force_hosts),
        cmocka_unit_test(test_placement_limit),
        cmocka_unit_test(test_az_prefilter),
        cmocka_unit_test(test_tenant_isolation_request_filter),
        cmocka_unit_test(test_isolated_aggregates),
        cmocka_unit_test(test_disabled_hosts_at_placement),
        cmocka_unit_test(test_rebuild_skips_placement),
        cmocka_unit_test(test_image_metadata_prefilter),
        cmocka_unit_test(test_select_event_and_trail_order),
        cmocka_unit_test(test_record_multi_create),
        cmocka_unit_test(test_record_narrowing_and_placement),
        cmocka_unit_test(test_record_ignore_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
