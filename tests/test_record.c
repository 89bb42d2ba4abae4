/*
 * test_record.c - reading decisions and objects: describe of a server and
 * a host, and the decision record as the conductor's moves leave it.
 */
#include <stdio.h>

#include "testutil.h"
#include "decision.h"
#include "describe.h"
#include "diff.h"
#include "whatif.h"

typedef t_fx fx;

static void fx_init(fx *f, int release)
{
    t_fx_init(f, release);
    t_flavor(f->c, "m1.small", 1, 2048, 20);
}

static const char *boot(fx *f, const char *name, int count)
{
    command cmd;
    cmd_result r;
    command_init(&cmd, OP_BOOT);
    cmd.name = nv_strdup(name);
    cmd.flavor = nv_strdup("m1.small");
    cmd.image = nv_strdup("cirros");
    cmd.min_count = cmd.max_count = count;
    const char *o = t_exec(f->c, &f->t, &f->rng, &cmd, &r);
    command_done(&cmd);
    cmd_result_done(&r);
    return o;
}

static void test_describe_server_of_multi_create(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    assert_string_equal(boot(&f, "vm", 2), "ok");
    int sid = cloud_server(f.c, "vm-1");
    assert_true(sid >= 0);
    sbuf b = {0};
    describe_server(f.c, sid, &b);
    assert_non_null(strstr(b.s, "Server:        vm-1\n"));
    assert_non_null(strstr(b.s, "  num_instances:          2\n"));
    assert_non_null(strstr(b.s, "  ignore_hosts:           []\n"));
    assert_non_null(strstr(b.s, "Flavor:        m1.small: 1 vCPU, 2048 MB RAM, 20 GB root"));
    assert_non_null(strstr(b.s, "Image:         cirros"));
    char want[96];
    snprintf(want, sizeof want, "  %s: VCPU=1, MEMORY_MB=2048, DISK_GB=20\n",
             f.c->hosts.v[f.c->servers.v[sid].host].name);
    assert_non_null(strstr(b.s, want));
    assert_non_null(strstr(b.s, "Migrations:\n  none\n"));
    sbuf_free(&b);
    t_fx_done(&f);
}

static void test_describe_host(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    int a = t_agg(f.c, "fast", "ssd", "true");
    cloud_aggregate_add_host(f.c, a, 0);
    cloud_reindex(f.c);
    cloud_host_w(f.c, 0)->disabled = true;
    sbuf b = {0};
    describe_host(f.c, 0, &b);
    assert_non_null(strstr(b.s, "Host:          host1\n"));
    assert_non_null(strstr(b.s, "Service:       nova-compute up, disabled"));
    assert_non_null(strstr(b.s, "COMPUTE_STATUS_DISABLED"));
    assert_non_null(strstr(b.s, "  fast: ssd=true\n"));
    /* 8 VCPU at the initial ratio 4.0: capacity 32; 512 MB reserved */
    assert_non_null(strstr(b.s, "  VCPU             8         0    4.0        32      0     32\n"));
    assert_non_null(strstr(b.s, "  MEMORY_MB     8192       512    1.0      7680      0   7680\n"));
    assert_non_null(strstr(b.s, "Servers (0):\n"));
    sbuf_free(&b);
    t_fx_done(&f);
}


/* The fit note about `hn` among the events from `from`, or NULL. */
static const char *fit_note(const trail *t, int from, const char *hn)
{
    char want[64];
    snprintf(want, sizeof want, "What would make %s fit: ", hn);
    for (int i = from; i < t->n; i++)
        if (t->v[i].kind == EV_NOTE && t->v[i].message &&
            !strncmp(t->v[i].message, want, strlen(want)))
            return t->v[i].message + strlen(want);
    return NULL;
}

/* A what-if changes nothing: the same allocations and migrations. */
static void assert_unchanged(const cloud *c, int allocs, int migs, int sid, int h)
{
    assert_int_equal(c->allocations.n, allocs);
    assert_int_equal(c->migrations.n, migs);
    assert_int_equal(c->servers.v[sid].host, h);
}

static void test_whatif_placement(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    int big = t_flavor(f.c, "m1.big", 2, 6144, 20);
    int vm = t_server(f.c, "vm", big, 0);
    t_server(f.c, "other", big, 1);           /* host2: 6144 of 7680 MB used */
    int allocs = f.c->allocations.n;
    whatif_result r;
    whatif_move(f.c, &f.rng, &f.t, OP_LIVE_MIGRATE, vm, 1, &r);
    assert_string_equal(r.outcome, "NoValidHost");
    assert_int_equal(r.destination, -1);
    /* 6144 + 6144 = 12288 > 7680: 4608 MB short; ratio 12288 / 7680 = 1.6 */
    const char *fit = fit_note(&f.t, 0, "host2");
    assert_non_null(fit);
    assert_string_equal(fit, "needs 4608 more MEMORY_MB, or ram_allocation_ratio >= 1.6");
    assert_unchanged(f.c, allocs, 0, vm, 0);
    whatif_result_done(&r);
    t_fx_done(&f);
}

static void test_whatif_filter(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_STEIN);                  /* disabled hosts reach ComputeFilter */
    int vm = t_server(f.c, "vm", 0, 0);
    cloud_host_w(f.c, 1)->disabled = true;
    whatif_result r;
    whatif_move(f.c, &f.rng, &f.t, OP_LIVE_MIGRATE, vm, -1, &r);
    assert_string_equal(r.outcome, "NoValidHost");
    assert_string_equal(fit_note(&f.t, 0, "host2"), "enable the service (nova-compute is disabled)");
    assert_string_equal(fit_note(&f.t, 0, "host1"),
                        "it is the server's own host: a move never stays there");
    whatif_result_done(&r);
    t_fx_done(&f);
}

static void test_whatif_group(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    int g = t_group(f.c, "web", POLICY_ANTI_AFFINITY, 1);
    int a = t_server(f.c, "web-1", 0, 0);
    int b = t_server(f.c, "web-2", 0, 1);
    f.c->servers.v[a].group = g;
    f.c->servers.v[b].group = g;
    t_host(f.c, "host3", 8, 8192, 80);
    cloud_reindex(f.c);
    whatif_result r;
    whatif_move(f.c, &f.rng, &f.t, OP_LIVE_MIGRATE, a, 1, &r);
    assert_string_equal(r.outcome, "NoValidHost");
    assert_string_equal(fit_note(&f.t, 0, "host2"),
                        "group web (anti-affinity) already has web-2 there (max_server_per_host "
                        "1): move it away, or use soft-anti-affinity");
    whatif_result_done(&r);
    /* anywhere: host3 */
    int from = f.t.n;
    whatif_move(f.c, &f.rng, &f.t, OP_LIVE_MIGRATE, a, -1, &r);
    assert_string_equal(r.outcome, "ok");
    assert_int_equal(r.destination, 2);
    assert_null(fit_note(&f.t, from, "host3"));
    assert_int_equal(f.c->servers.v[a].host, 0);
    whatif_result_done(&r);
    t_fx_done(&f);
}

/* A drain watcher that lets one server go, then stops the plan. */
static bool stop_after_one(void *ctx, int done, int total)
{
    int *calls = ctx;
    assert_int_equal(done, *calls);
    assert_int_equal(total, 2);
    (*calls)++;
    return done < 1;
}

static void test_drain(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    int big = t_flavor(f.c, "m1.big", 2, 3072, 20);
    t_host(f.c, "host3", 8, 8192, 80);
    cloud_reindex(f.c);
    t_server(f.c, "b", big, 0);
    t_server(f.c, "a", big, 0);
    int allocs = f.c->allocations.n;
    whatif_result r;
    whatif_drain(f.c, &f.rng, &f.t, 0, &r);
    assert_string_equal(r.outcome, "ok");
    assert_int_equal(r.plan.n, 2);
    assert_string_equal(r.plan.v[0], "a=host2");   /* name order; spread by RAMWeigher */
    assert_string_equal(r.plan.v[1], "b=host3");
    assert_int_equal(f.c->allocations.n, allocs);
    assert_int_equal(f.c->migrations.n, 0);
    whatif_result_done(&r);
    /* stopped by its watcher after the first server: the plan so far */
    int calls = 0;
    whatif_drain_watch(f.c, &f.rng, &f.t, 0, stop_after_one, &calls, &r);
    assert_string_equal(r.outcome, "Interrupted");
    assert_int_equal(calls, 2);
    assert_int_equal(r.plan.n, 1);
    assert_string_equal(r.plan.v[0], "a=host2");
    assert_non_null(strstr(r.message, "stopped after 1 of 2 server(s)"));
    assert_int_equal(f.c->migrations.n, 0);
    whatif_result_done(&r);
    /* host2 and host3 fill up: the third server has nowhere to go */
    t_server(f.c, "fill2", big, 1);
    t_server(f.c, "fill3", big, 2);
    t_server(f.c, "c", big, 0);
    int from = f.t.n;
    whatif_drain(f.c, &f.rng, &f.t, 0, &r);
    assert_string_equal(r.outcome, "NoValidHost");
    assert_int_equal(r.plan.n, 2);
    assert_non_null(strstr(r.message, "c has nowhere to go: "));
    assert_non_null(fit_note(&f.t, from, "host2"));
    assert_non_null(strstr(fit_note(&f.t, from, "host2"), "MEMORY_MB"));
    whatif_result_done(&r);
    /* for real: a and b leave, c stays */
    drain_run(f.c, &f.rng, &f.t, 0, &r);
    assert_string_equal(r.outcome, "NoValidHost");
    assert_int_equal(r.plan.n, 2);
    assert_int_equal(f.c->migrations.n, 3);    /* two completed, one in error */
    assert_int_equal(f.c->servers.v[cloud_server(f.c, "c")].host, 0);
    assert_int_not_equal(f.c->servers.v[cloud_server(f.c, "a")].host, 0);
    whatif_result_done(&r);
    t_fx_done(&f);
}


/* Bug 1718455 on Pike: the move of one server of a multi-create fails
 * with NoValidHost; switched off, it goes.  The diff says so. */
static void test_diff_quirk_toggle(void **st)
{
    (void)st;
    cloud *c = t_cloud(REL_PIKE);
    t_host(c, "host1", 8, 8192, 80);
    t_host(c, "host2", 8, 8192, 80);
    t_flavor(c, "m1.small", 1, 2048, 20);
    t_image(c, "cirros");
    c->seed = 1;
    session *s = session_new(c);
    command boot, mv;
    command_init(&boot, OP_BOOT);
    boot.name = nv_strdup("vm");
    boot.flavor = nv_strdup("m1.small");
    boot.image = nv_strdup("cirros");
    boot.min_count = boot.max_count = 2;
    command_init(&mv, OP_LIVE_MIGRATE);
    mv.server = nv_strdup("vm-1");
    mv.host = nv_strdup("host2");
    session_exec(s, &boot);
    assert_string_equal(session_exec(s, &mv)->outcome, "NoValidHost");
    session *before = session_rerun(s);
    sbuf b = {0};
    assert_int_equal(session_diff(before, s, &b), 0);       /* a rerun is the same */
    session_set_quirk(s, Q_BUG_1718455, false);
    assert_int_equal(session_diff(before, s, &b), 1);
    assert_string_equal(b.s, "step 2: live-migrate vm-1 host2\n"
                             "  outcome: NoValidHost -> ok\n"
                             "  chosen: - -> host2\n"
                             "  host2: claimed, undone: NoValidHost -> selected\n");
    sbuf_free(&b);
    command_done(&boot);
    command_done(&mv);
    session_free(before);
    session_free(s);
}


/* Lines one at a time (the trail pane) are the log text (novalid run). */
static void test_event_lines(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_STEIN);
    t_host(f.c, "host3", 1, 1024, 10);          /* Placement rejects it */
    cloud_reindex(f.c);
    cloud_host_w(f.c, 1)->disabled = true;           /* ComputeFilter rejects it */
    assert_string_equal(boot(&f, "vm", 1), "ok");
    boot(&f, "pair", 2);
    int checked = 0;
    for (int i = 0; i < f.t.n; i++) {
        const event *e = &f.t.v[i];
        sbuf whole = {0}, joined = {0};
        event_text(e, &whole);
        for (int k = 0; k < event_lines(e); k++) {
            event_line(e, k, &joined);
            sbuf_addc(&joined, '\n');
        }
        assert_string_equal(joined.s ? joined.s : "", whole.s ? whole.s : "");
        /* a line past the last reads as nothing */
        sbuf past = {0};
        event_line(e, event_lines(e), &past);
        event_line(e, event_lines(e) + 3, &past);
        assert_string_equal(past.s ? past.s : "", "");
        sbuf_free(&past);
        checked += e->kind == EV_FILTER || e->kind == EV_PLACEMENT || e->kind == EV_WEIGH;
        sbuf_free(&whole);
        sbuf_free(&joined);
    }
    assert_true(checked >= 5);
    t_fx_done(&f);
}


/* A past command's decision is still there to read: its record, summary
 * and host fates, from the command's range of the session trail. */
static void test_past_decision(void **st)
{
    (void)st;
    cloud *c = t_cloud(REL_LATEST);
    t_host(c, "host1", 8, 8192, 80);
    t_host(c, "host2", 8, 8192, 80);
    t_flavor(c, "m1.small", 1, 2048, 20);
    t_image(c, "cirros");
    session *s = session_new(c);
    command boot, mv;
    command_init(&boot, OP_BOOT);
    boot.name = nv_strdup("vm");
    boot.flavor = nv_strdup("m1.small");
    boot.image = nv_strdup("cirros");
    boot.min_count = boot.max_count = 2;
    command_init(&mv, OP_LIVE_MIGRATE);
    mv.server = nv_strdup("vm-1");
    session_exec(s, &boot);
    session_exec(s, &mv);
    session_exec(s, &mv);
    assert_int_equal(s->n_done, 3);
    const cmd_result *r0 = &s->results[0];
    int first;
    assert_int_equal(dec_in_range(&s->t, r0->trail_from, r0->trail_to, &first), 1);
    assert_int_equal(first, 0);
    sbuf b = {0};
    dec_summary(&s->t, s->c, r0->trail_from, r0->trail_to, &b);
    assert_string_equal(b.s, "2/2 hosts; selected host1 (vm-1), host2 (vm-2)");
    sbuf_reset(&b);
    /* the second command's decision: vm-1 left host1 for host2 */
    const cmd_result *r1 = &s->results[1];
    assert_int_equal(dec_in_range(&s->t, r1->trail_from, r1->trail_to, &first), 1);
    assert_int_equal(dec_host_fate(&s->t, s->c, r1->trail_from, first, r1->trail_to, 0, false, &b),
                     DT_DIM);
    assert_string_equal(b.s, "ignored (ignore_hosts)");
    sbuf_reset(&b);
    dec_host_fate(&s->t, s->c, r1->trail_from, first, r1->trail_to, 1, false, &b);
    assert_string_equal(b.s, "selected");
    sbuf_free(&b);
    command_done(&boot);
    command_done(&mv);
    session_free(s);
}

/* Every reason code renders the words the filters and Placement wrote as
 * text before reasons were data (the golden files hold the same). */
static void test_reason_format(void **state)
{
    (void)state;
    static const struct {
        int code;
        int64_t i[REASON_NI];
        double d[REASON_ND];
        const char *s0, *s1;
        const char *want;
    } cases[] = {
        {R_TEXT, {0}, {0}, "query [\"=\", 1, 2] is false for this host", NULL,
         "query [\"=\", 1, 2] is false for this host"},
        {R_PL_NO_INVENTORY, {RC_PCPU, 2}, {0}, NULL, NULL, "PCPU: no inventory (requested 2)"},
        {R_PL_MAX_UNIT, {RC_VCPU, 16, 8}, {0}, NULL, NULL, "VCPU: requested 16 > max_unit 8"},
        {R_PL_MIN_UNIT, {RC_VCPU, 1, 2}, {0}, NULL, NULL, "VCPU: requested 1 < min_unit 2"},
        {R_PL_STEP, {RC_MEMORY_MB, 1536, 1024}, {0}, NULL, NULL,
         "MEMORY_MB: requested 1536 is not a multiple of step_size 1024"},
        {R_PL_CAPACITY, {RC_MEMORY_MB, 3584, 4096, 4096, 512}, {3584, 1.0}, NULL, NULL,
         "MEMORY_MB: used 3584 + requested 4096 > capacity 3584.0 ((total 4096 - reserved 512) "
         "* ratio 1.0)"},
        {R_PL_CAPACITY, {RC_VCPU, 30, 2, 8, 0}, {0}, NULL, NULL, NULL},
        {R_PL_IN_TREE, {0}, {0}, "host2", NULL, "not in_tree host2"},
        {R_PL_LACKS_TRAITS, {0}, {0}, "HW_CPU_X86_AVX2,CUSTOM_GPU", NULL,
         "lacks required trait(s) HW_CPU_X86_AVX2,CUSTOM_GPU"},
        {R_PL_FORBIDDEN_TRAITS, {0}, {0}, "COMPUTE_STATUS_DISABLED", NULL,
         "has forbidden trait(s) COMPUTE_STATUS_DISABLED"},
        {R_PL_NOT_MEMBER, {0}, {0}, "agg1,agg2", NULL, "not in any of aggregates agg1,agg2"},
        {R_PL_FORBIDDEN_AGG, {0}, {0}, "gpu", NULL, "in forbidden aggregate gpu"},
        {R_PL_LIMIT, {1000}, {0}, NULL, NULL, "beyond max_placement_results 1000"},
        {R_DISABLED, {0}, {0}, "None", NULL, "host7 is disabled, reason: None"},
        {R_DOWN, {0}, {0}, NULL, NULL, "host7 has not been heard from in a while"},
        {R_FORCED_DOWN, {0}, {0}, NULL, NULL,
         "host7 has not been heard from in a while (forced down)"},
        {R_IMAGE, {0}, {0}, "(arch=x86_64, hv_type=None, vm_mode=None)",
         " (aarch64, qemu, hvm), (aarch64, kvm, hvm)",
         "image (arch=x86_64, hv_type=None, vm_mode=None) not supported by host (aarch64, qemu, "
         "hvm), (aarch64, kvm, hvm)"},
        {R_MAXPHYSADDR, {42}, {0}, "46", NULL, "image needs hw_maxphysaddr_bits 46, host has 42"},
        {R_ANTI_AFFINITY, {1, 1}, {0}, "web", NULL,
         "1 member(s) of group web on host, max_server_per_host 1"},
        {R_RAM, {4096, 8192, 6144}, {-2048, 1.5}, NULL, NULL,
         "usable RAM -2048.0 MB < requested 4096 MB (total 8192 * ratio 1.5 - used 6144)"},
        {R_CORE_PHYSICAL, {16, 8}, {0}, NULL, NULL, "requested 16 vCPUs > host's 8 physical CPUs"},
        {R_CORE, {4}, {2.5}, NULL, NULL, "free vCPUs 2.5 < requested 4"},
        {R_DISK, {40960}, {1e22}, NULL, NULL, "usable disk 1e+22 MB < requested 40960 MB"},
        {R_IO_OPS, {8, 8}, {0}, NULL, NULL, "num_io_ops 8 >= max_io_ops_per_host 8"},
        {R_NUM_INSTANCES, {50, 50}, {0}, NULL, NULL,
         "num_instances 50 >= max_instances_per_host 50"},
        {R_RETRY, {0}, {0}, NULL, NULL, "host host7 was already tried for this request"},
    };
    bool seen[R_COUNT] = {false};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *names[REASON_NS] = {cases[k].s0, cases[k].s1};
        sbuf b = {0};
        reason_format(cases[k].code, cases[k].i, cases[k].d, "host7", names, &b);
        if (cases[k].want)
            assert_string_equal(b.s, cases[k].want);
        else   /* every field filled, none left in braces */
            assert_null(strchr(b.s, '{'));
        seen[cases[k].code] = true;
        sbuf_free(&b);
    }
    for (int code = 0; code < R_COUNT; code++) {
        assert_true(seen[code]);   /* a new code gets a case here */
        assert_non_null(reason_table[code].name);
    }
    /* a reason being made renders the same through its scratch buffers */
    reject_reason r = {0};
    reason_reset(&r);
    r.code = R_IMAGE;
    sbuf_add(&r.buf[0], "(arch=x86_64, hv_type=None, vm_mode=None)");
    sbuf_add(&r.buf[1], " (no supported_instances)");
    sbuf b = {0};
    reason_render(&r, "host1", &b);
    assert_string_equal(b.s, "image (arch=x86_64, hv_type=None, vm_mode=None) not supported by "
                             "host (no supported_instances)");
    sbuf_free(&b);
    reason_done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_describe_server_of_multi_create),
        cmocka_unit_test(test_describe_host),
        cmocka_unit_test(test_whatif_placement),
        cmocka_unit_test(test_whatif_filter),
        cmocka_unit_test(test_whatif_group),
        cmocka_unit_test(test_drain),
        cmocka_unit_test(test_diff_quirk_toggle),
        cmocka_unit_test(test_event_lines),
        cmocka_unit_test(test_past_decision),
        cmocka_unit_test(test_reason_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
