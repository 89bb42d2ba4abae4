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

    /* a forced node alone, then a forced host with its node */
    fx_init(&f, REL_LATEST, 2);
    add_instances(&f, 1);
    strlist_push(&f.rs.force_nodes, "ghost");
    run(&f);
    assert_string_equal(f.r.message, "No valid host was found. No such host - host: None node: ghost ");
    strlist_push(&f.rs.force_hosts, "gone");
    run(&f);
    assert_string_equal(f.r.message, "No valid host was found. No such host - host: gone node: ghost ");
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
    cloud_host_w(f.c, 1)->cell = nv_intern("cell2");
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
    cloud_host_w(f.c, 0)->ram_allocation_ratio = 0.5;
    cloud_host_w(f.c, 1)->memory_mb = 8192;
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
    cloud_host_w(f.c, 2)->up = false;   /* ComputeFilter would reject host3 */
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
    cloud_host_w(f.c, 0)->disabled = true;
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
    cloud_host_w(f.c, 1)->up = false;   /* ComputeFilter does not run on rebuild */
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
    strlist_push(&cloud_host_w(f.c, 1)->traits, "COMPUTE_STORAGE_BUS_VIRTIO");
    add_instances(&f, 1);
    run(&f);
    assert_string_equal(chosen(&f, 0), "host2");
    fx_done(&f);
}

/* The Placement query's traits, as its GET line spells them: "&required=..."
 * and "&root_required=!..." (each the part up to the next '&'). */
static void query_traits(fx *f, char *req, char *forb, size_t len)
{
    const event *e = t_find(&f->t, EV_PLACEMENT, NULL);
    assert_non_null(e);
    const char *names[2] = {"&required=", "&root_required="};
    char *outs[2] = {req, forb};
    for (int i = 0; i < 2; i++) {
        const char *p = strstr(e->text, names[i]);
        const char *v = p ? p + strlen(names[i]) : "";
        snprintf(outs[i], len, "%.*s", (int)strcspn(v, "&"), v);
    }
}

static void flavor_spec(fx *f, const char *k, const char *v)
{
    kvlist_push(&f->c->flavors.v[f->fl].extra_specs, k, v);
}

static void image_prop_set(fx *f, const char *k, const char *v)
{
    kvlist_push(&f->c->images.v[0].properties, k, v);
}

/* ResourceRequest's traits from the flavor and the image (Zed): trait:X
 * keys (other values ignored), traits_required, the vTPM version, secure
 * boot, PCI NUMA socket affinity; each trait once. */
static void test_flavor_and_image_traits_zed(void **st)
{
    (void)st;
    fx f;
    char req[256], forb[256];
    fx_init(&f, REL_ZED, 1);
    flavor_spec(&f, "trait:CUSTOM_A", "required");
    flavor_spec(&f, "trait:CUSTOM_B", "forbidden");
    flavor_spec(&f, "trait:CUSTOM_C", "preferred");
    flavor_spec(&f, "trait:", "required");
    flavor_spec(&f, "hw:tpm_version", "1.2");
    flavor_spec(&f, "hw:tpm_model", "tpm-tis");
    flavor_spec(&f, "os:secure_boot", "required");
    flavor_spec(&f, "hw:pci_numa_affinity_policy", "socket");
    image_prop_set(&f, "traits_required", "CUSTOM_D, CUSTOM_A");
    add_instances(&f, 1);
    run(&f);
    assert_false(f.r.ok);
    query_traits(&f, req, forb, sizeof req);
    assert_string_equal(req, "CUSTOM_A,CUSTOM_D,COMPUTE_SECURITY_TPM_1_2,"
                             "COMPUTE_SECURITY_UEFI_SECURE_BOOT,COMPUTE_SOCKET_PCI_NUMA_AFFINITY");
    assert_string_equal(forb, "!COMPUTE_STATUS_DISABLED,!CUSTOM_B");
    assert_string_equal(t_reason(t_find(&f.t, EV_PLACEMENT, NULL), "host1"),
                        "lacks required trait(s) CUSTOM_A,CUSTOM_D,COMPUTE_SECURITY_TPM_1_2,"
                        "COMPUTE_SECURITY_UEFI_SECURE_BOOT,COMPUTE_SOCKET_PCI_NUMA_AFFINITY");
    fx_done(&f);

    /* the image's side: vTPM 2.0, secure boot only when required, no
     * trait for a preferred PCI NUMA policy; thread policy of pinned CPUs */
    fx_init(&f, REL_ZED, 1);
    image_prop_set(&f, "hw_tpm_version", "2.0");
    image_prop_set(&f, "hw_tpm_model", "tpm-crb");
    image_prop_set(&f, "os_secure_boot", "optional");
    image_prop_set(&f, "hw_pci_numa_affinity_policy", "preferred");
    image_prop_set(&f, "hw_cpu_policy", "dedicated");
    image_prop_set(&f, "hw_cpu_thread_policy", "require");
    add_instances(&f, 1);
    run(&f);
    query_traits(&f, req, forb, sizeof req);
    assert_string_equal(req, "COMPUTE_SECURITY_TPM_2_0,HW_CPU_HYPERTHREADING");
    assert_string_equal(forb, "!COMPUTE_STATUS_DISABLED");
    fx_done(&f);
}

/* From 2024.2 the vTPM model joins the version (tpm-tis by default);
 * isolate forbids hyperthreading for pinned or mixed CPUs only. */
static void test_vtpm_model_and_thread_policy(void **st)
{
    (void)st;
    static const struct {
        int release;
        const char *model, *policy, *threads, *req, *forb;
    } cases[] = {
        {REL_2024_1, NULL, NULL, NULL, "COMPUTE_SECURITY_TPM_2_0", "!COMPUTE_STATUS_DISABLED"},
        {REL_2024_2, NULL, NULL, NULL, "COMPUTE_SECURITY_TPM_TIS,COMPUTE_SECURITY_TPM_2_0",
         "!COMPUTE_STATUS_DISABLED"},
        {REL_2024_2, "tpm-crb", "dedicated", "isolate",
         "COMPUTE_SECURITY_TPM_CRB,COMPUTE_SECURITY_TPM_2_0",
         "!COMPUTE_STATUS_DISABLED,!HW_CPU_HYPERTHREADING"},
        {REL_2024_2, "tpm-tis", "shared", "isolate",
         "COMPUTE_SECURITY_TPM_TIS,COMPUTE_SECURITY_TPM_2_0", "!COMPUTE_STATUS_DISABLED"},
        {REL_2024_2, NULL, "dedicated", "prefer",
         "COMPUTE_SECURITY_TPM_TIS,COMPUTE_SECURITY_TPM_2_0", "!COMPUTE_STATUS_DISABLED"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fx f;
        char req[256], forb[256];
        fx_init(&f, cases[i].release, 1);
        flavor_spec(&f, "hw:tpm_version", "2.0");
        if (cases[i].model)
            flavor_spec(&f, "hw:tpm_model", cases[i].model);
        if (cases[i].policy)
            flavor_spec(&f, "hw:cpu_policy", cases[i].policy);
        if (cases[i].threads)
            flavor_spec(&f, "hw:cpu_thread_policy", cases[i].threads);
        add_instances(&f, 1);
        run(&f);
        query_traits(&f, req, forb, sizeof req);
        assert_string_equal(req, cases[i].req);
        assert_string_equal(forb, cases[i].forb);
        fx_done(&f);
    }
}

/* Request filters that add traits: image type support, ephemeral
 * encryption (2023.1) with its format, the vTPM secret security (2026.1). */
static void test_request_filter_traits(void **st)
{
    (void)st;
    fx f;
    char req[256], forb[256];
    fx_init(&f, REL_2023_1, 1);
    f.c->conf.query_placement_for_image_type_support = true;
    free(f.c->images.v[0].disk_format);
    f.c->images.v[0].disk_format = nv_strdup("raw");
    flavor_spec(&f, "hw:ephemeral_encryption", "True");
    image_prop_set(&f, "hw_ephemeral_encryption_format", "luks");
    add_instances(&f, 1);
    run(&f);
    query_traits(&f, req, forb, sizeof req);
    assert_string_equal(req, "COMPUTE_IMAGE_TYPE_RAW,COMPUTE_EPHEMERAL_ENCRYPTION,"
                             "COMPUTE_EPHEMERAL_ENCRYPTION_LUKS");
    fx_done(&f);

    /* volume-backed: no image type; encryption asked by the image, no format */
    fx_init(&f, REL_2023_1, 1);
    f.c->conf.query_placement_for_image_type_support = true;
    f.rs.is_bfv = true;
    image_prop_set(&f, "hw_ephemeral_encryption", "yes");
    add_instances(&f, 1);
    run(&f);
    query_traits(&f, req, forb, sizeof req);
    assert_string_equal(req, "COMPUTE_EPHEMERAL_ENCRYPTION");
    fx_done(&f);

    /* Zed has neither filter: "no" and an unset flag ask nothing */
    fx_init(&f, REL_ZED, 1);
    flavor_spec(&f, "hw:ephemeral_encryption", "no");
    add_instances(&f, 1);
    run(&f);
    query_traits(&f, req, forb, sizeof req);
    assert_string_equal(req, "");
    fx_done(&f);

    static const struct {
        const char *flavor_sec, *image_sec, *req;
    } sec[] = {
        {NULL, NULL, "COMPUTE_SECURITY_TPM_SECRET_SECURITY_USER"},
        {NULL, "host", "COMPUTE_SECURITY_TPM_SECRET_SECURITY_HOST"},
        {"deployment", "host", "COMPUTE_SECURITY_TPM_SECRET_SECURITY_DEPLOYMENT"},
    };
    for (size_t i = 0; i < sizeof sec / sizeof sec[0]; i++) {
        fx_init(&f, REL_2026_1, 1);
        image_prop_set(&f, "hw_tpm_version", "2.0");
        if (sec[i].flavor_sec)
            flavor_spec(&f, "hw:tpm_secret_security", sec[i].flavor_sec);
        if (sec[i].image_sec)
            image_prop_set(&f, "hw_tpm_secret_security", sec[i].image_sec);
        add_instances(&f, 1);
        run(&f);
        query_traits(&f, req, forb, sizeof req);
        assert_non_null(strstr(req, sec[i].req));
        fx_done(&f);
    }
    fx_init(&f, REL_2026_1, 1);
    flavor_spec(&f, "hw:tpm_version", "2.0");
    flavor_spec(&f, "hw:tpm_secret_security", "vault");
    add_instances(&f, 1);
    run(&f);
    assert_false(f.r.ok);
    assert_string_equal(f.r.message, "No valid host was found. Scheduling failed: TPM secret "
                                     "security 'vault' is not supported.");
    assert_null(t_find(&f.t, EV_PLACEMENT, NULL));
    fx_done(&f);
}

/* shuffle_best_same_weighed_hosts: the hosts of the best weight are
 * shuffled with the seeded generator; a lighter host never comes first. */
static void test_shuffle_best_same_weighed(void **st)
{
    (void)st;
    bool first_seen[3] = {false, false, false};
    for (int seed = 1; seed <= 24; seed++) {
        for (int shuffle = 0; shuffle < 2; shuffle++) {
            fx f;
            fx_init(&f, REL_ZED, 4);
            cloud_host_w(f.c, 3)->memory_mb = 8192;   /* less free RAM: weighs less */
            f.c->conf.shuffle_best_same_weighed_hosts = shuffle;
            nv_rng_seed(&f.rng, (uint64_t)seed);
            add_instances(&f, 1);
            run(&f);
            assert_true(f.r.ok);
            const char *h = chosen(&f, 0);
            if (!shuffle)
                assert_string_equal(h, "host1");
            else {
                assert_string_not_equal(h, "host4");
                first_seen[h[4] - '1'] = true;
            }
            fx_done(&f);
        }
    }
    assert_true(first_seen[0] && first_seen[1] && first_seen[2]);
}

/* Request filters read only the spec they know: truthy strings as oslo's
 * bool_from_string, the sound model and the accelerator profile. */
static void test_request_filter_flags(void **st)
{
    (void)st;
    static const struct {
        int release;
        const char *key, *value, *req;
    } cases[] = {
        {REL_2024_1, "hw:virtio_packed_ring", "false", ""},
        {REL_2024_1, "hw:virtio_packed_ring", "On", "COMPUTE_NET_VIRTIO_PACKED"},
        {REL_2023_2, "hw:virtio_packed_ring", "true", ""},
        {REL_2026_1, "hw:sound_model", "virtio", "COMPUTE_SOUND_MODEL_VIRTIO"},
        {REL_2026_1, "hw:sound_model", "ich6", ""},
        {REL_2025_2, "hw:sound_model", "virtio", ""},
        {REL_VICTORIA, "accel:device_profile", "fpga", "COMPUTE_ACCELERATORS"},
        {REL_USSURI, "accel:device_profile", "fpga", ""},
        {REL_2024_1, "hw:maxphysaddr_mode", "emulate", "COMPUTE_ADDRESS_SPACE_EMULATED"},
        {REL_2024_1, "hw:maxphysaddr_mode", "passthrough", "COMPUTE_ADDRESS_SPACE_PASSTHROUGH"},
        {REL_2023_2, "hw:maxphysaddr_mode", "emulate", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fx f;
        char req[256], forb[256];
        fx_init(&f, cases[i].release, 1);
        flavor_spec(&f, cases[i].key, cases[i].value);
        add_instances(&f, 1);
        run(&f);
        query_traits(&f, req, forb, sizeof req);
        assert_string_equal(req, cases[i].req);
        fx_done(&f);
    }
    /* the image's sound model; a VIF model's '-' becomes '_' in its trait */
    fx f;
    char req[256], forb[256];
    fx_init(&f, REL_2026_1, 1);
    f.c->conf.image_metadata_prefilter = true;
    image_prop_set(&f, "hw_sound_model", "virtio");
    image_prop_set(&f, "hw_vif_model", "spapr-vlan");
    add_instances(&f, 1);
    run(&f);
    query_traits(&f, req, forb, sizeof req);
    assert_string_equal(req, "COMPUTE_NET_VIF_MODEL_SPAPR_VLAN,COMPUTE_SOUND_MODEL_VIRTIO");
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

/* A cloud large enough that a weighing ranks only its best few first,
 * with the best hosts last: every later pass still weighs every host
 * once (the unranked rest kept whole behind the best). */
static void test_later_passes_weigh_every_host(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 40);
    for (int h = 30; h < 40; h++)   /* the last ten weigh most */
        cloud_host_w(f.c, h)->memory_mb = 262144;
    add_instances(&f, 3);
    f.rs.return_alternates = true;
    run(&f);
    assert_true(f.r.ok);
    const decision *d = &f.t.dec[0];
    assert_int_equal(d->n_pass, 4);
    for (int p = 0; p < d->n_pass; p++) {
        const ev_weights *w = &f.t.v[d->pass[p].ev_weigh].weights;
        assert_int_equal(w->n, 40);
        unsigned char seen[40] = {0};
        for (int i = 0; i < w->n; i++) {
            assert_true(w->host[i] >= 0 && w->host[i] < 40);
            assert_false(seen[w->host[i]]);
            seen[w->host[i]] = 1;
        }
    }
    for (int i = 0; i < 3; i++)
        assert_true(f.r.hosts.v[i] >= 30);
    fx_done(&f);
}

static void test_record_narrowing_and_placement(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 3);
    cloud_host_w(f.c, 2)->disabled = true;               /* Placement drops host3 (trait) */
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

/* ignore_hosts matches a host's name in any case (Nova lowers both), also
 * after a host before it was removed (the names' hashes move with them). */
static void test_ignore_hosts_any_case(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST, 4);
    add_instances(&f, 1);
    strlist_push(&f.rs.ignore_hosts, "HoSt1");
    strlist_push(&f.rs.ignore_hosts, "HOST3");
    run(&f);
    assert_true(f.r.ok);
    const decision *d = &f.t.dec[0];
    assert_int_equal(d->host[0].narrow, DN_IGNORE);
    assert_int_equal(d->host[2].narrow, DN_IGNORE);
    assert_int_not_equal(d->host[1].fate, DF_NARROWED);
    assert_int_not_equal(d->host[3].fate, DF_NARROWED);
    placement_delete(f.c, CONSUMER_SERVER, f.rs.instances.v[0], -1);
    cloud_remove_host(f.c, 0);   /* host2, host3, host4 move down one */
    trail_clear(&f.t);
    run(&f);
    assert_true(f.r.ok);
    d = &f.t.dec[0];
    assert_int_equal(d->host[1].narrow, DN_IGNORE);   /* host3 */
    assert_int_not_equal(d->host[0].fate, DF_NARROWED);
    assert_int_not_equal(d->host[2].fate, DF_NARROWED);
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
        cmocka_unit_test(test_flavor_and_image_traits_zed),
        cmocka_unit_test(test_vtpm_model_and_thread_policy),
        cmocka_unit_test(test_request_filter_traits),
        cmocka_unit_test(test_shuffle_best_same_weighed),
        cmocka_unit_test(test_request_filter_flags),
        cmocka_unit_test(test_select_event_and_trail_order),
        cmocka_unit_test(test_record_multi_create),
        cmocka_unit_test(test_later_passes_weigh_every_host),
        cmocka_unit_test(test_record_narrowing_and_placement),
        cmocka_unit_test(test_ignore_hosts_any_case),
        cmocka_unit_test(test_record_ignore_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
