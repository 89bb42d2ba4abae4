/*
 * test_conductor.c - the conductor's flows with Nova's checks, statuses
 * and exact messages (nova-model.md §7-§10), and the bug-1718455 quirk.
 */
#include <stdio.h>

#include "testutil.h"
#include "decision.h"
#include "journal.h"

typedef t_fx fx;

/* m1.small (1 vCPU, 2 GiB, 20 GB), the only flavor */
enum { SMALL = 0 };

static void fx_init(fx *f, int release)
{
    t_fx_init(f, release);
    assert_int_equal(t_flavor(f->c, "m1.small", 1, 2048, 20), SMALL);
}

static const char *boot(fx *f, const char *name, int count, cmd_result *r)
{
    command cmd;
    command_init(&cmd, OP_BOOT);
    cmd.name = nv_strdup(name);
    cmd.flavor = nv_strdup("m1.small");
    cmd.min_count = cmd.max_count = count;
    const char *o = t_exec(f->c, &f->t, &f->rng, &cmd, r);
    command_done(&cmd);
    return o;
}

static const char *live(fx *f, const char *srv, const char *dst, bool force, cmd_result *r)
{
    command cmd;
    command_init(&cmd, OP_LIVE_MIGRATE);
    cmd.server = nv_strdup(srv);
    cmd.host = nv_strdup(dst);
    cmd.force = force;
    const char *o = t_exec(f->c, &f->t, &f->rng, &cmd, r);
    command_done(&cmd);
    return o;
}

static void multi_create_then_move(int release, bool quirk_off)
{
    fx f;
    fx_init(&f, release);
    if (quirk_off)
        f.c->conf.quirks &= ~QUIRK_BIT(Q_BUG_1718455);
    cmd_result r;
    assert_string_equal(boot(&f, "vm", 2, &r), "ok");
    assert_int_equal(r.servers.n, 2);
    assert_string_equal(t_host_of(f.c, "vm-1"), "host1");
    assert_string_equal(t_host_of(f.c, "vm-2"), "host2");
    assert_int_equal(server_spec(t_srv(f.c, "vm-1"))->num_instances, 2);
    cmd_result_done(&r);

    int from = f.t.n;
    const char *o = live(&f, "vm-1", "host2", false, &r);
    const migration *m = &f.c->migrations.v[r.migration];
    bool buggy = release == REL_PIKE && !quirk_off;
    if (buggy) {
        assert_string_equal(o, "NoValidHost");
        assert_string_equal(r.message,
                            "No valid host was found. There are not enough hosts available.");
        assert_string_equal(m->status, "error");
        assert_string_equal(t_host_of(f.c, "vm-1"), "host1");
        assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "active");
        assert_null(t_srv(f.c, "vm-1")->task_state);
        /* the trail says the quirk did it */
        bool quirk = false;
        for (int i = from; i < f.t.n; i++)
            if (f.t.v[i].kind == EV_QUIRK && !strcmp(f.t.v[i].name, "bug-1718455"))
                quirk = true;
        assert_true(quirk);
        /* allocations went back to the instance on its source */
        assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 2048);
        assert_int_equal(placement_used(f.c, 1, RC_MEMORY_MB), 2048);
    } else {
        assert_string_equal(o, "ok");
        assert_string_equal(m->status, "completed");
        assert_string_equal(t_host_of(f.c, "vm-1"), "host2");
        assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 0);
        assert_int_equal(placement_used(f.c, 1, RC_MEMORY_MB), 4096);
        for (int i = from; i < f.t.n; i++)
            assert_true(f.t.v[i].kind != EV_QUIRK);
    }
    assert_string_equal(m->type, "live-migration");
    cmd_result_done(&r);
    t_fx_done(&f);
}

static void test_bug_1718455_pike(void **st) { (void)st; multi_create_then_move(REL_PIKE, false); }
static void test_bug_1718455_pike_quirk_off(void **st) { (void)st; multi_create_then_move(REL_PIKE, true); }
static void test_bug_1718455_latest(void **st) { (void)st; multi_create_then_move(REL_LATEST, false); }
static void test_bug_1718455_queens(void **st) { (void)st; multi_create_then_move(REL_QUEENS, false); }

static void test_migration_statuses(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    int from = f.t.n;
    assert_string_equal(live(&f, "vm-1", NULL, false, &r), "ok");
    const char *want[] = {"accepted", "queued", "preparing", "running", "completed"};
    int k = 0;
    for (int i = from; i < f.t.n; i++)
        if (f.t.v[i].kind == EV_MIGRATION) {
            assert_true(k < 5);
            assert_string_equal(f.t.v[i].host, want[k]);
            k++;
        }
    assert_int_equal(k, 5);
    /* the source is always in ignore_hosts: the other host was chosen */
    assert_string_equal(t_host_of(f.c, "vm-1"), "host2");
    cmd_result_done(&r);
    t_fx_done(&f);
}

static void test_forced_live_migration_memory_check(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_ROCKY);   /* 2.65: force still exists */
    cloud_host_w(f.c, 1)->memory_mb = 4096;
    cloud_host_w(f.c, 1)->ram_allocation_ratio = 1.0;
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    /* fill host2 with 2048 MB */
    t_server(f.c, "filler", SMALL, 1);
    int from = f.t.n;
    /* free_ram = 4096 - 512 - 2048 = 1536; avail = 4096*1.0 - (4096 - 1536) */
    assert_string_equal(live(&f, "vm-1", "host2", true, &r), "MigrationPreCheckError");
    assert_string_equal(r.message, "Migration pre-check error: Unable to migrate vm-1 to host2: "
                                   "Lack of memory(host:1536.0 <= instance:2048)");
    assert_string_equal(f.c->migrations.v[r.migration].status, "error");
    /* the scheduler never ran */
    for (int i = from; i < f.t.n; i++)
        assert_true(f.t.v[i].kind != EV_PLACEMENT && f.t.v[i].kind != EV_FILTER);
    cmd_result_done(&r);
    t_fx_done(&f);
}

static void test_forced_to_disabled_host_allowed(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_ROCKY);
    cloud_host_w(f.c, 1)->disabled = true;
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    assert_string_equal(t_host_of(f.c, "vm-1"), "host1");
    cmd_result_done(&r);
    int from = f.t.n;
    assert_string_equal(live(&f, "vm-1", "host2", true, &r), "ok");
    assert_string_equal(t_host_of(f.c, "vm-1"), "host2");
    for (int i = from; i < f.t.n; i++)
        assert_true(f.t.v[i].kind != EV_FILTER && f.t.v[i].kind != EV_PLACEMENT);
    cmd_result_done(&r);
    t_fx_done(&f);
}

static void test_force_refused_at_latest_microversion(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    assert_string_equal(live(&f, "vm-1", "host2", true, &r), "ValidationError");
    assert_int_equal(f.c->migrations.n, 0);
    cmd_result_done(&r);
    t_fx_done(&f);
}

static void test_targeted_to_disabled_host(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    cloud_host_w(f.c, 1)->disabled = true;
    assert_string_equal(live(&f, "vm-1", "host2", false, &r), "NoValidHost");
    assert_string_equal(r.message, "No valid host was found. ");
    cmd_result_done(&r);
    t_fx_done(&f);
}

static void add_fault(fx *f, int h, const char *point, int times)
{
    fault_rule fr = {h, nv_strdup(point), times, nv_strdup("CPU doesn't have compatibility")};
    NV_PUSH(f->c->faults, fr);
}

static void test_live_migration_retries(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    t_host(f.c, "host3", 8, 8192, 80);
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    /* the scheduler picks host2 first (tie -> scenario order); its pre-check fails */
    add_fault(&f, 1, "check_can_live_migrate_destination", 1);
    assert_string_equal(live(&f, "vm-1", NULL, false, &r), "ok");
    assert_string_equal(t_host_of(f.c, "vm-1"), "host3");
    const event *skip = NULL;
    for (int i = 0; i < f.t.n; i++)
        if (f.t.v[i].kind == EV_CHECK && !f.t.v[i].ok)
            skip = &f.t.v[i];
    assert_non_null(skip);
    assert_string_equal(skip->host, "host2");
    /* the rejected destination's allocation is gone */
    assert_int_equal(placement_used(f.c, 1, RC_MEMORY_MB), 0);
    /* the decision records (the boot's, then one per scheduling of the
     * migration): host2 chosen, then its pre-check failed; the retry
     * ignores the source and host2 and selects host3 */
    int first, n = dec_in_range(&f.t, 0, f.t.n, &first);
    assert_int_equal(n, 3);
    static const struct {
        int k, h;
        bool detail;
        enum dec_tone tone;
        const char *fate;
    } want[] = {
        {1, 1, false, DT_FAILED, "selected, then check_can_live_migrate_destination failed: "
                                 "Migration pre-check error: CPU doesn't have compatibility"},
        {1, 2, false, DT_NORMAL, "passed, not chosen (weight rank 2 of 2)"},
        {1, 2, true, DT_NORMAL, "passed, not chosen: weight 3.0 (weight rank 2 of 2)"},
        {2, 0, false, DT_DIM, "ignored (ignore_hosts)"},
        {2, 1, true, DT_DIM, "ignored (ignore_hosts): decision 2 picked it, "
                             "check_can_live_migrate_destination failed"},
        {2, 2, false, DT_SELECTED, "selected"},
    };
    sbuf b = {0};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        sbuf_reset(&b);
        assert_int_equal(dec_host_fate(&f.t, f.c, 0, first + want[i].k, f.t.n, want[i].h,
                                       want[i].detail, &b),
                         want[i].tone);
        assert_string_equal(b.s, want[i].fate);
    }
    sbuf_reset(&b);
    dec_summary(&f.t, f.c, 0, f.t.n, &b);
    assert_string_equal(b.s, "1/3 hosts: 2 ignore_hosts; selected host3");
    sbuf_free(&b);
    cmd_result_done(&r);
    t_fx_done(&f);
}

static void test_live_migration_max_retries_zero(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    t_host(f.c, "host3", 8, 8192, 80);
    f.c->conf.migrate_max_retries = 0;
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    add_fault(&f, 1, "check_can_live_migrate_destination", 1);
    assert_string_equal(live(&f, "vm-1", NULL, false, &r), "MaxRetriesExceeded");
    assert_string_equal(r.message, "Exceeded maximum number of retries. Exceeded max scheduling "
                                   "retries 1 for instance vm-1 during live migration");
    assert_string_equal(f.c->migrations.v[r.migration].status, "error");
    assert_string_equal(t_host_of(f.c, "vm-1"), "host1");
    assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 2048);
    cmd_result_done(&r);
    t_fx_done(&f);
}

static void test_targeted_precheck_failure(void **st)
{
    (void)st;
    /* the requested host is the only candidate and, once failed, ignored */
    fx f;
    fx_init(&f, REL_LATEST);
    t_host(f.c, "host3", 8, 8192, 80);
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    add_fault(&f, 2, "check_can_live_migrate_destination", 1);
    assert_string_equal(live(&f, "vm-1", "host3", false, &r), "NoValidHost");
    assert_string_equal(r.message, "No valid host was found. There are not enough hosts available.");
    cmd_result_done(&r);
    t_fx_done(&f);
}

static void test_live_migration_stays_in_cell(void **st)
{
    (void)st;
    /* host2 is in another cell: live migration never crosses cells */
    fx f;
    fx_init(&f, REL_LATEST);
    cloud_host_w(f.c, 1)->cell = nv_intern("cell2");
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    assert_string_equal(t_host_of(f.c, "vm-1"), "host1");
    assert_string_equal(live(&f, "vm-1", NULL, false, &r), "NoValidHost");
    assert_string_equal(r.message, "No valid host was found. There are not enough hosts available.");
    cmd_result_done(&r);
    t_host(f.c, "host3", 8, 8192, 80);
    assert_string_equal(live(&f, "vm-1", NULL, false, &r), "ok");
    assert_string_equal(t_host_of(f.c, "vm-1"), "host3");
    cmd_result_done(&r);
    t_fx_done(&f);
}

static void test_source_down(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    cloud_host_w(f.c, 0)->up = false;
    assert_string_equal(live(&f, "vm-1", NULL, false, &r), "ComputeServiceUnavailable");
    assert_string_equal(r.message, "Compute service of host1 is unavailable at this time.");
    assert_string_equal(f.c->migrations.v[r.migration].status, "error");
    cmd_result_done(&r);
    t_fx_done(&f);
}

static void test_invalid_state(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    int s = cloud_server(f.c, "vm-1");
    f.c->servers.v[s].vm_state = nv_intern("stopped");
    assert_string_equal(live(&f, "vm-1", NULL, false, &r), "InstanceInvalidState");
    assert_string_equal(r.message,
                        "Cannot 'os-migrateLive' instance vm-1 while it is in vm_state stopped");
    assert_int_equal(f.c->migrations.n, 0);
    cmd_result_done(&r);
    t_fx_done(&f);
}

static void test_multi_create_all_or_nothing(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    int g = t_group(f.c, "web", POLICY_ANTI_AFFINITY, 1);
    (void)g;
    command cmd;
    command_init(&cmd, OP_BOOT);
    cmd.name = nv_strdup("web");
    cmd.flavor = nv_strdup("m1.small");
    cmd.group = nv_strdup("web");
    cmd.min_count = cmd.max_count = 3;
    cmd_result r;
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "NoValidHost");
    assert_string_equal(r.message, "No valid host was found. There are not enough hosts available.");
    assert_int_equal(r.servers.n, 3);
    for (int i = 0; i < 3; i++) {
        const server *s = &f.c->servers.v[r.servers.v[i]];
        assert_string_equal(s->vm_state, "error");
        assert_int_equal(s->host, -1);
        assert_string_equal(s->fault, "No valid host was found. There are not enough hosts available.");
    }
    assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 0);
    assert_int_equal(placement_used(f.c, 1, RC_MEMORY_MB), 0);
    /* two fit on two hosts */
    cmd_result_done(&r);
    cmd.min_count = cmd.max_count = 2;
    free(cmd.name);
    cmd.name = nv_strdup("app");
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "ok");
    assert_string_equal(t_host_of(f.c, "app-1"), "host1");
    assert_string_equal(t_host_of(f.c, "app-2"), "host2");
    cmd_result_done(&r);
    command_done(&cmd);
    t_fx_done(&f);
}

static void test_unsupported_policy(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    t_group(f.c, "web", POLICY_AFFINITY, 1);
    const char *only[] = {"ComputeFilter"};
    t_filters(f.c, only, 1);
    command cmd;
    command_init(&cmd, OP_BOOT);
    cmd.name = nv_strdup("a");
    cmd.flavor = nv_strdup("m1.small");
    cmd.group = nv_strdup("web");
    cmd_result r;
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "UnsupportedPolicyException");
    assert_string_equal(r.message,
                        "ServerGroup policy is not supported: ServerGroupAffinityFilter not configured");
    cmd_result_done(&r);
    command_done(&cmd);
    t_fx_done(&f);
}

static void test_cold_migrate_no_host(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    cloud_host_w(f.c, 1)->disabled = true;
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    command cmd;
    command_init(&cmd, OP_MIGRATE);
    cmd.server = nv_strdup("vm-1");
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "NoValidHost");
    assert_string_equal(r.message, "No valid host was found. No valid host found for cold migrate");
    /* the instance fault keeps the scheduler's text */
    assert_string_equal(t_srv(f.c, "vm-1")->fault,
                        "No valid host was found. There are not enough hosts available.");
    assert_string_equal(f.c->migrations.v[r.migration].status, "error");
    assert_string_equal(f.c->migrations.v[r.migration].type, "migration");
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "active");
    assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 2048);
    cmd_result_done(&r);
    command_done(&cmd);
    t_fx_done(&f);
}

static void test_resize_confirm_revert(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    t_flavor(f.c, "m1.medium", 2, 4096, 40);
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    command cmd;
    command_init(&cmd, OP_RESIZE);
    cmd.server = nv_strdup("vm-1");
    cmd.flavor = nv_strdup("m1.medium");
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "ok");
    const migration *m = &f.c->migrations.v[r.migration];
    assert_string_equal(m->status, "finished");
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "resized");
    assert_string_equal(t_host_of(f.c, "vm-1"), "host2");
    /* the migration holds the old flavor on the source until confirm */
    assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 2048);
    assert_int_equal(placement_used(f.c, 1, RC_MEMORY_MB), 4096);
    cmd_result_done(&r);
    command_done(&cmd);
    command_init(&cmd, OP_REVERT_RESIZE);
    cmd.server = nv_strdup("vm-1");
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "ok");
    assert_string_equal(f.c->migrations.v[r.migration].status, "reverted");
    assert_string_equal(t_host_of(f.c, "vm-1"), "host1");
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "active");
    assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 2048);
    assert_int_equal(placement_used(f.c, 1, RC_MEMORY_MB), 0);
    cmd_result_done(&r);
    command_done(&cmd);
    t_fx_done(&f);
}

static void test_same_host_resize_needs_both(void **st)
{
    (void)st;
    /* bug 1790204: migration holds old flavor, instance claims new, same provider */
    fx f;
    fx_init(&f, REL_LATEST);
    cloud_host_w(f.c, 1)->disabled = true;
    f.c->conf.allow_resize_to_same_host = true;
    t_flavor(f.c, "m1.big", 2, 6144, 20);
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    command cmd;
    command_init(&cmd, OP_RESIZE);
    cmd.server = nv_strdup("vm-1");
    cmd.flavor = nv_strdup("m1.big");
    /* 2048 + 6144 > 8192 - 512 */
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "NoValidHost");
    assert_string_equal(r.message, "No valid host was found. No valid host found for resize");
    cmd_result_done(&r);
    command_done(&cmd);
    t_fx_done(&f);
}

static void test_evacuate(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    command cmd;
    command_init(&cmd, OP_EVACUATE);
    cmd.server = nv_strdup("vm-1");
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "ComputeServiceInUse");
    assert_string_equal(r.message, "Compute service of host1 is still in use.");
    cmd_result_done(&r);
    cloud_host_w(f.c, 0)->up = false;
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "ok");
    assert_string_equal(t_host_of(f.c, "vm-1"), "host2");
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "stopped");   /* 2.95 */
    assert_string_equal(f.c->migrations.v[r.migration].status, "done");
    /* doubled allocation until the source compute restarts */
    assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 2048);
    assert_int_equal(placement_used(f.c, 1, RC_MEMORY_MB), 2048);
    int mig = r.migration;
    cmd_result_done(&r);
    command_done(&cmd);
    command_init(&cmd, OP_HOST);
    cmd.host = nv_strdup("host1");
    cmd.set = nv_strdup("up");
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "ok");
    assert_string_equal(f.c->migrations.v[mig].status, "completed");
    assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 0);
    cmd_result_done(&r);
    command_done(&cmd);
    t_fx_done(&f);
}

static const char *host_set(fx *f, const char *h, const char *set, cmd_result *r)
{
    command cmd;
    command_init(&cmd, OP_HOST);
    cmd.host = nv_strdup(h);
    cmd.set = nv_strdup(set);
    const char *o = t_exec(f->c, &f->t, &f->rng, &cmd, r);
    command_done(&cmd);
    return o;
}

static const char *server_op(fx *f, enum cmd_op op, const char *srv, cmd_result *r)
{
    command cmd;
    command_init(&cmd, op);
    cmd.server = nv_strdup(srv);
    const char *o = t_exec(f->c, &f->t, &f->rng, &cmd, r);
    command_done(&cmd);
    return o;
}

/* move_allocations moves every provider of the instance: after an
 * evacuation whose source is still down, a live migration drops the old
 * source's allocation with the rest (nova/scheduler/client/report.py). */
static void test_move_after_evacuation_takes_all_providers(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_ZED);
    t_host(f.c, "host3", 8, 8192, 80);
    cloud_reindex(f.c);
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    host_set(&f, t_host_of(f.c, "vm-1"), "down", &r);
    cmd_result_done(&r);
    int src = t_srv(f.c, "vm-1")->host;
    assert_string_equal(server_op(&f, OP_EVACUATE, "vm-1", &r), "ok");
    cmd_result_done(&r);
    assert_int_equal(placement_used(f.c, src, RC_MEMORY_MB), 2048);
    assert_string_equal(server_op(&f, OP_LIVE_MIGRATE, "vm-1", &r), "ok");
    cmd_result_done(&r);
    assert_int_equal(placement_used(f.c, src, RC_MEMORY_MB), 0);
    int64_t total = 0;
    for (int h = 0; h < f.c->hosts.n; h++)
        total += placement_used(f.c, h, RC_MEMORY_MB);
    assert_int_equal(total, 2048);
    t_fx_done(&f);
}

/* stop is not checked against a down host: the API sets powering-off and
 * the cast waits for the compute (nova/compute/api.py stop); it is also
 * allowed in vm_state error. */
static void test_stop_waits_for_down_host(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_ZED);
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    host_set(&f, "host1", "down", &r);
    cmd_result_done(&r);
    assert_string_equal(server_op(&f, OP_STOP, "vm-1", &r), "ok");
    cmd_result_done(&r);
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "active");
    assert_string_equal(t_srv(f.c, "vm-1")->task_state, "powering-off");
    assert_string_equal(server_op(&f, OP_START, "vm-1", &r), "InstanceInvalidState");
    cmd_result_done(&r);
    host_set(&f, "host1", "up", &r);
    cmd_result_done(&r);
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "stopped");
    assert_null(t_srv(f.c, "vm-1")->task_state);
    int sid = cloud_server(f.c, "vm-1");
    f.c->servers.v[sid].vm_state = nv_intern("error");
    assert_string_equal(server_op(&f, OP_STOP, "vm-1", &r), "ok");
    cmd_result_done(&r);
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "stopped");
    t_fx_done(&f);
}

/* num_io_ops is the resource tracker's io_workload: a server built in the
 * last step counts until the periodic update (settle = false), and not at
 * all once it ran (the default). */
static void test_io_workload_view(void **st)
{
    (void)st;
    for (int settle = 0; settle < 2; settle++) {
        fx f;
        fx_init(&f, REL_ZED);
        f.c->no_settle = !settle;
        cmd_result r;
        boot(&f, "vm-1", 1, &r);
        cmd_result_done(&r);
        int h = t_srv(f.c, "vm-1")->host;
        assert_int_equal(f.c->hosts.v[h].io_workload, 1);   /* the claim saw it building */
        command cmd;
        command_init(&cmd, OP_EXPECT);
        assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "ok");
        cmd_result_done(&r);
        command_done(&cmd);
        assert_int_equal(f.c->hosts.v[h].io_workload, settle ? 0 : 1);
        t_fx_done(&f);
    }
}

/* image_min_disk = the boot flavor's root_gb: a resize to a smaller root
 * disk is refused at the API; to root_gb 0 only a volume-backed server may
 * go (CannotResizeDisk). */
static void test_resize_min_disk(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_ZED);
    t_flavor(f.c, "m1.tiny", 1, 512, 10);
    t_flavor(f.c, "m1.zero", 1, 512, 0);
    cloud_reindex(f.c);
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    command cmd;
    command_init(&cmd, OP_RESIZE);
    cmd.server = nv_strdup("vm-1");
    cmd.flavor = nv_strdup("m1.tiny");
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "FlavorDiskSmallerThanMinDisk");
    assert_string_equal(r.message, "Flavor's disk is smaller than the minimum size specified in "
                                   "image metadata. Flavor disk is 10737418240 bytes, minimum "
                                   "size is 21474836480 bytes.");
    cmd_result_done(&r);
    free(cmd.flavor);
    cmd.flavor = nv_strdup("m1.zero");
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "CannotResizeDisk");
    cmd_result_done(&r);
    int sid = cloud_server(f.c, "vm-1");
    f.c->servers.v[sid].boot_from_volume = true;
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "ok");
    cmd_result_done(&r);
    command_done(&cmd);
    t_fx_done(&f);
}

static void test_evacuate_no_host_sets_error(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    cloud_host_w(f.c, 0)->up = false;
    cloud_host_w(f.c, 1)->up = false;
    command cmd;
    command_init(&cmd, OP_EVACUATE);
    cmd.server = nv_strdup("vm-1");
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "NoValidHost");
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "error");
    assert_string_equal(f.c->migrations.v[r.migration].status, "error");
    cmd_result_done(&r);
    command_done(&cmd);
    t_fx_done(&f);
}

/* A server whose boot failed has no host: evacuating it is refused by the
 * API (same-host check, or the service lookup of host None), never read
 * as host -1. */
static void test_evacuate_server_without_host(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    cloud_host_w(f.c, 0)->disabled = true;
    cloud_host_w(f.c, 1)->disabled = true;
    cmd_result r;
    assert_string_equal(boot(&f, "vm-1", 1, &r), "NoValidHost");
    cmd_result_done(&r);
    assert_int_equal(t_srv(f.c, "vm-1")->host, -1);
    int migs = f.c->migrations.n;
    command cmd;
    command_init(&cmd, OP_EVACUATE);
    cmd.server = nv_strdup("vm-1");
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "InvalidHost");
    assert_string_equal(r.message, "The target host can't be the same one.");
    cmd_result_done(&r);
    cmd.host = nv_strdup("host2");
    cloud_host_w(f.c, 1)->disabled = false;
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "ComputeHostNotFound");
    assert_string_equal(r.message, "Compute host None could not be found.");
    cmd_result_done(&r);
    cmd.force = true;
    cmd.microversion = nv_strdup("2.67");
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "ComputeHostNotFound");
    cmd_result_done(&r);
    assert_int_equal(f.c->migrations.n, migs);
    assert_int_equal(t_srv(f.c, "vm-1")->host, -1);
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "error");
    assert_null(t_srv(f.c, "vm-1")->task_state);
    command_done(&cmd);
    t_fx_done(&f);
}

static void test_build_reschedule(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    add_fault(&f, 0, "build", 1);
    cmd_result r;
    assert_string_equal(boot(&f, "vm-1", 1, &r), "ok");
    assert_string_equal(t_host_of(f.c, "vm-1"), "host2");
    assert_int_equal(f.c->hosts.v[0].failed_builds, 1);
    assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 0);
    cmd_result_done(&r);
    /* with max_attempts = 1 there is no alternate to go to */
    f.c->conf.max_attempts = 1;
    add_fault(&f, 1, "build", 1);
    cloud_host_w(f.c, 0)->disabled = true;
    assert_string_equal(boot(&f, "vm-2", 1, &r), "RescheduledException");
    assert_string_equal(t_srv(f.c, "vm-2")->vm_state, "error");
    cmd_result_done(&r);
    t_fx_done(&f);
}

static void test_names_from_template(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    free(f.c->conf.multi_instance_display_name_template);
    f.c->conf.multi_instance_display_name_template = nv_strdup("%(name)s-node%(count)d");
    cmd_result r;
    assert_string_equal(boot(&f, "db", 2, &r), "ok");
    assert_true(cloud_server(f.c, "db-node1") >= 0);
    assert_true(cloud_server(f.c, "db-node2") >= 0);
    cmd_result_done(&r);
    t_fx_done(&f);
}

/* Redo runs undone commands again, newest first; a new command forgets them. */
static void test_session_redo(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    session *s = session_new(f.c);
    assert_null(session_redo(s));
    command cmd;
    command_init(&cmd, OP_BOOT);
    cmd.name = nv_strdup("vm");
    cmd.flavor = nv_strdup("m1.small");
    cmd.min_count = cmd.max_count = 1;
    assert_string_equal(session_exec(s, &cmd)->outcome, "ok");
    command_done(&cmd);
    command_init(&cmd, OP_LIVE_MIGRATE);
    cmd.server = nv_strdup("vm");
    cmd.host = nv_strdup("host2");
    assert_string_equal(session_exec(s, &cmd)->outcome, "ok");
    command_done(&cmd);
    int vm = cloud_server(s->c, "vm");
    assert_int_equal(s->c->servers.v[vm].host, 1);
    assert_true(session_undo(s));
    assert_true(session_undo(s));
    assert_int_equal(s->c->servers.n, 0);
    /* the boot comes back first, then the move, with the same results */
    const cmd_result *r = session_redo(s);
    assert_non_null(r);
    assert_int_equal(s->done[0].op, OP_BOOT);
    r = session_redo(s);
    assert_non_null(r);
    assert_string_equal(r->outcome, "ok");
    assert_int_equal(s->n_done, 2);
    assert_int_equal(s->c->servers.v[cloud_server(s->c, "vm")].host, 1);
    assert_null(session_redo(s));
    /* undo, then a different command: nothing left to redo */
    assert_true(session_undo(s));
    command_init(&cmd, OP_STOP);
    cmd.server = nv_strdup("vm");
    session_exec(s, &cmd);
    command_done(&cmd);
    assert_null(session_redo(s));
    f.c = NULL;
    session_free(s);
    t_fx_done(&f);
}

static void test_session_undo_replays(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_PIKE);
    session *s = session_new(f.c);
    command cmd;
    command_init(&cmd, OP_BOOT);
    cmd.name = nv_strdup("vm");
    cmd.flavor = nv_strdup("m1.small");
    cmd.min_count = cmd.max_count = 2;
    assert_string_equal(session_exec(s, &cmd)->outcome, "ok");
    command_done(&cmd);
    command_init(&cmd, OP_LIVE_MIGRATE);
    cmd.server = nv_strdup("vm-1");
    cmd.host = nv_strdup("host2");
    assert_string_equal(session_exec(s, &cmd)->outcome, "NoValidHost");
    /* switch the quirk off: history replays and the move now succeeds */
    session_set_quirk(s, Q_BUG_1718455, false);
    assert_int_equal(s->n_done, 2);
    assert_string_equal(s->results[1].outcome, "ok");
    assert_int_equal(s->c->servers.v[cloud_server(s->c, "vm-1")].host, 1);
    assert_true(session_undo(s));
    assert_int_equal(s->n_done, 1);
    assert_int_equal(s->c->servers.v[cloud_server(s->c, "vm-1")].host, 0);
    assert_int_equal(s->c->migrations.n, 0);
    assert_true(session_undo(s));
    assert_int_equal(s->c->servers.n, 0);
    assert_false(session_undo(s));
    command_done(&cmd);
    f.c = NULL;
    session_free(s);
    t_fx_done(&f);
}

/* The state a session shows, as text: servers, migrations, usage, the
 * results and the whole trail. */
static char *session_print(const session *s)
{
    sbuf b = {0};
    const cloud *c = s->c;
    for (int i = 0; i < c->servers.n; i++) {
        const server *v = &c->servers.v[i];
        sbuf_addf(&b, "%s %d %s %s %d\n", v->name, v->host, v->vm_state,
                  v->task_state ? v->task_state : "-", v->deleted);
    }
    for (int i = 0; i < c->migrations.n; i++)
        sbuf_addf(&b, "migration %d %s %d\n", c->migrations.v[i].id, c->migrations.v[i].status,
                  c->migrations.v[i].dest);
    for (int h = 0; h < c->hosts.n; h++)
        for (int rc = 0; rc < RC_COUNT; rc++)
            sbuf_addf(&b, "%lld ", (long long)placement_used(c, h, rc));
    sbuf_addf(&b, "\n%d allocations, %d done\n", c->allocations.n, s->n_done);
    for (int i = 0; i < s->n_done; i++)
        sbuf_addf(&b, "%s %s %d..%d\n", s->results[i].outcome,
                  s->results[i].message ? s->results[i].message : "-", s->results[i].trail_from,
                  s->results[i].trail_to);
    trail_text(&s->t, 0, &b);
    return sbuf_take(&b);
}

/* Command k of a mixed history: boots, moves, stops and starts, deletes. */
static void history_command(int k, command *cmd)
{
    char n[32];
    switch (k % 5) {
    case 0:
        command_init(cmd, OP_BOOT);
        snprintf(n, sizeof n, "vm%d", k);
        cmd->name = nv_strdup(n);
        cmd->flavor = nv_strdup("m1.small");
        cmd->min_count = cmd->max_count = 1;
        break;
    case 1:
        command_init(cmd, OP_LIVE_MIGRATE);
        snprintf(n, sizeof n, "vm%d", k - 1);
        cmd->server = nv_strdup(n);
        break;
    case 2:
        command_init(cmd, OP_STOP);
        snprintf(n, sizeof n, "vm%d", k - 2);
        cmd->server = nv_strdup(n);
        break;
    case 3:
        command_init(cmd, OP_START);
        snprintf(n, sizeof n, "vm%d", k - 3);
        cmd->server = nv_strdup(n);
        break;
    default:
        command_init(cmd, k % 3 ? OP_DELETE : OP_HOST);
        snprintf(n, sizeof n, "vm%d", k - 14);
        cmd->server = nv_strdup(n);
        if (cmd->op == OP_HOST) {
            cmd->host = nv_strdup(k % 2 ? "host1" : "host2");
            cmd->set = nv_strdup(k % 2 ? "disable" : "enable");
        }
        break;
    }
}

typedef struct seen_at {
    const cloud *want;
    int calls;
    char *why;
} seen_at;

static void compare_at(const cloud *c, void *arg)
{
    seen_at *a = arg;
    a->calls++;
    sbuf why = {0};
    if (!cloud_same(c, a->want, &why))
        a->why = sbuf_take(&why);
    sbuf_free(&why);
}

/* session_cloud_at(s, k) is `want`, to the last field, and so is the
 * cloud session_with_cloud_at(s, k) shows, after which the session's
 * cloud is `now` again. */
static void assert_cloud_at(session *s, int k, const cloud *want, const cloud *now)
{
    cloud *at = session_cloud_at(s, k);
    sbuf why = {0};
    if (!cloud_same(at, want, &why))
        fail_msg("the cloud after %d commands: %s", k, why.s);
    cloud_free(at);
    seen_at a = {want, 0, NULL};
    session_with_cloud_at(s, k, compare_at, &a);
    assert_int_equal(a.calls, 1);
    if (a.why)
        fail_msg("the cloud shown after %d commands: %s", k, a.why);
    if (!cloud_same(s->c, now, &why))
        fail_msg("after showing the cloud after %d commands: %s", k, why.s);
}

/* Undo through the journals leaves exactly the cloud (every field, the
 * derived parts included), results and trail of a session that performed
 * only the commands kept; undoing in the middle of a redo agrees too. */
static void test_session_undo_journal(void **st)
{
    (void)st;
    enum { N = 70 };
    fx f;
    fx_init(&f, REL_LATEST);
    for (int h = 3; h <= 6; h++) {
        char n[16];
        snprintf(n, sizeof n, "host%d", h);
        t_host(f.c, n, 8, 8192, 80);
    }
    f.c->conf.host_subset_size = 3;   /* random choices: the RNG state must follow */
    cloud *orig = cloud_clone(f.c);
    session *s = session_new(f.c);
    f.c = NULL;
    char *want[N + 1];
    cloud *want_c[N + 1];
    session *fresh = session_new(cloud_clone(orig));
    want[0] = session_print(fresh);
    want_c[0] = cloud_clone(fresh->c);
    for (int k = 0; k < N; k++) {
        command cmd;
        history_command(k, &cmd);
        session_exec(s, &cmd);
        session_exec(fresh, &cmd);
        command_done(&cmd);
        want[k + 1] = session_print(fresh);
        want_c[k + 1] = cloud_clone(fresh->c);
    }
    session_free(fresh);
    /* none of these commands builds the cloud: journals only, no copy */
    assert_int_equal(s->n_copies, 0);
    for (int k = 0; k < N; k++)
        assert_non_null(s->un[k].j);
    /* the cloud as it was after k commands, without undoing */
    for (int k = 0; k <= N; k += 7) {
        assert_cloud_at(s, k, want_c[k], want_c[N]);
    }
    for (int k = N; k > 0; k--) {
        char *got = session_print(s);
        assert_string_equal(got, want[k]);
        free(got);
        sbuf why = {0};
        if (!cloud_same(s->c, want_c[k], &why))
            fail_msg("after undoing to %d: %s", k, why.s);
        if (k == N / 2) {
            /* redo ten commands from here, then undo them again */
            for (int j = 0; j < 10; j++) {
                command cmd;
                history_command(k + j, &cmd);
                session_exec(s, &cmd);
                command_done(&cmd);
            }
            for (int j = 0; j < 10; j++)
                assert_true(session_undo(s));
            got = session_print(s);
            assert_string_equal(got, want[k]);
            free(got);
        }
        assert_true(session_undo(s));
    }
    char *got = session_print(s);
    assert_string_equal(got, want[0]);
    free(got);
    assert_false(session_undo(s));
    for (int k = 0; k <= N; k++) {
        free(want[k]);
        cloud_free(want_c[k]);
    }
    session_free(s);
    cloud_free(orig);
    t_fx_done(&f);
}

/* Prompt lines of every kind of command, cloud-building ones among them
 * (undone from a copy), dry runs (journals inside the command's) and a
 * real drain (its moves' journals kept in the command's), failures
 * included (a refused host removal, a move with nowhere to go, an
 * injected build failure). */
static const char *const mixed_history[] = {
    "boot a m1.small min_count=2",
    "live-migrate a-1",
    "host-add host9 vcpus=8 memory_mb=8192 disk_gb=80",
    "migrate a-2",
    "confirm-resize a-2",
    "fault host9 build",
    "boot b m1.small",
    "config-set filter_scheduler.host_subset_size=2",
    "boot c m1.small",
    "what-if a-1",
    "drain host3",
    "drain host3 dry_run=false",
    "host host1 disable reason=maintenance",
    "resize a-1 m1.medium",
    "revert-resize a-1",
    "host-remove host9",
    "delete b",
    "boot b m1.small",
    "shelve c",
    "unshelve c",
    "host host2 down",
    "evacuate a-2",
    "host host2 up",
    "host host1 enable",
    "pause a-1",
    "stop c",
    "settle",
    "delete a-1",
};

/* The same with cloud-building commands, and with entries forgotten (as
 * the session does past its memory bounds): undo replays from the start
 * there, and still lands on the very same clouds. */
static void test_session_undo_mixed(void **st)
{
    (void)st;
    enum { N = sizeof mixed_history / sizeof mixed_history[0] };
    fx f;
    fx_init(&f, REL_LATEST);
    t_host(f.c, "host3", 8, 8192, 80);
    t_flavor(f.c, "m1.medium", 2, 4096, 40);
    session *s = session_new(f.c);
    f.c = NULL;
    cloud *want_c[N + 1];
    char *want[N + 1];
    want_c[0] = cloud_clone(s->c);
    want[0] = session_print(s);
    for (int k = 0; k < N; k++) {
        command cmd;
        char err[256];
        if (!command_parse(mixed_history[k], &cmd, err, sizeof err))
            fail_msg("%s: %s", mixed_history[k], err);
        session_exec(s, &cmd);
        command_done(&cmd);
        want_c[k + 1] = cloud_clone(s->c);
        want[k + 1] = session_print(s);
        assert_int_equal(!!s->un[k].copy, cmd_table[s->done[k].op].undo_copy);
    }
    assert_true(s->n_copies <= 2);
    /* forget two journals, as the memory bound would (keeping the start
     * first) */
    /* three cloud-building commands: the oldest copy was forgotten, so
     * the start was kept */
    assert_null(s->un[2].copy);
    assert_non_null(s->initial);
    assert_true(cloud_same(s->initial, want_c[0], NULL));
    for (int k = 5; k <= 18; k += 13) {
        assert_non_null(s->un[k].j);
        s->journal_bytes -= journal_bytes(s->un[k].j);
        journal_free(s->un[k].j);
        s->un[k].j = NULL;
    }
    for (int k = 0; k <= N; k += 4) {
        assert_cloud_at(s, k, want_c[k], want_c[N]);
    }
    for (int k = N; k > 0; k--) {
        sbuf why = {0};
        if (!cloud_same(s->c, want_c[k], &why))
            fail_msg("after undoing to %d (%s): %s", k, mixed_history[k - 1], why.s);
        char *got = session_print(s);
        assert_string_equal(got, want[k]);
        free(got);
        assert_true(session_undo(s));
    }
    assert_true(cloud_same(s->c, want_c[0], NULL));
    for (int k = 0; k <= N; k++) {
        cloud_free(want_c[k]);
        free(want[k]);
    }
    session_free(s);
    t_fx_done(&f);
}

static void test_prompt_parse(void **st)
{
    (void)st;
    command c;
    char err[200];
    assert_true(command_parse("live-migrate web-1 host3 --force", &c, err, sizeof err));
    assert_int_equal(c.op, OP_LIVE_MIGRATE);
    assert_string_equal(c.server, "web-1");
    assert_string_equal(c.host, "host3");
    assert_true(c.force);
    sbuf b = {0};
    command_format(&c, &b);
    assert_string_equal(b.s, "live-migrate web-1 host3 --force");
    sbuf_free(&b);
    command_done(&c);
    assert_true(command_parse("boot vm m1.small min_count=2 hint=same_host=db-1", &c, err, sizeof err));
    assert_int_equal(c.min_count, 2);
    assert_int_equal(c.max_count, 2);
    assert_string_equal(c.hints.v[0], "same_host=db-1");
    command_done(&c);
    assert_false(command_parse("fly vm-1", &c, err, sizeof err));
    assert_non_null(strstr(err, "unknown command 'fly'"));
    assert_false(command_parse("resize vm-1", &c, err, sizeof err));
    assert_false(command_parse("boot vm m1.small min_count=zero", &c, err, sizeof err));
}

/* An image's min_ram and min_disk against the flavor (nova/compute/api.py
 * _validate_flavor_image_nostatus) and kept in the server for a resize;
 * a vhd image's min_disk is the flavor's root_gb (get_system_metadata_from_image). */
static void test_image_min_ram_min_disk(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_ZED);
    int fat = t_image(f.c, "fat");
    f.c->images.v[fat].min_ram = 4096;
    f.c->images.v[fat].min_disk = 30;
    cmd_result r;
    command cmd;
    command_init(&cmd, OP_BOOT);
    cmd.name = nv_strdup("vm-1");
    cmd.flavor = nv_strdup("m1.small");
    cmd.image = nv_strdup("fat");
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "FlavorMemoryTooSmall");
    assert_int_equal(cloud_server(f.c, "vm-1"), -1);
    cmd_result_done(&r);
    f.c->images.v[fat].min_ram = 1024;
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "FlavorDiskSmallerThanMinDisk");
    assert_string_equal(r.message, "Flavor's disk is smaller than the minimum size specified in "
                                   "image metadata. Flavor disk is 21474836480 bytes, minimum "
                                   "size is 32212254720 bytes.");
    cmd_result_done(&r);
    f.c->images.v[fat].min_disk = 10;
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "ok");
    assert_int_equal(t_srv(f.c, "vm-1")->image_min_ram, 1024);
    assert_int_equal(t_srv(f.c, "vm-1")->image_min_disk, 20);
    cmd_result_done(&r);
    int sid = cloud_server(f.c, "vm-1");
    free(f.c->images.v[fat].disk_format);
    f.c->images.v[fat].disk_format = nv_strdup("vhd");
    f.c->images.v[fat].min_disk = 50;
    cloud_server_image_meta(f.c, sid);
    assert_int_equal(t_srv(f.c, "vm-1")->image_min_disk, 20);
    command_done(&cmd);
    t_fx_done(&f);
}

/* shelve with shelved_offload_time 0: offloaded, no host, no allocation;
 * unshelve schedules it again. */
static void test_shelve_offload_unshelve(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_ZED);
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    assert_string_equal(server_op(&f, OP_SHELVE, "vm-1", &r), "ok");
    cmd_result_done(&r);
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "shelved_offloaded");
    assert_int_equal(t_srv(f.c, "vm-1")->host, -1);
    assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 0);
    assert_string_equal(server_op(&f, OP_SHELVE_OFFLOAD, "vm-1", &r), "InstanceInvalidState");
    cmd_result_done(&r);
    assert_string_equal(server_op(&f, OP_UNSHELVE, "vm-1", &r), "ok");
    cmd_result_done(&r);
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "active");
    assert_int_equal(t_srv(f.c, "vm-1")->host, 0);
    assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 2048);
    /* kept on its host: shelve-offload does the offload */
    f.c->conf.shelved_offload_time = -1;
    assert_string_equal(server_op(&f, OP_SHELVE, "vm-1", &r), "ok");
    cmd_result_done(&r);
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "shelved");
    assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 2048);
    assert_string_equal(server_op(&f, OP_SHELVE_OFFLOAD, "vm-1", &r), "ok");
    cmd_result_done(&r);
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "shelved_offloaded");
    assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 0);
    t_fx_done(&f);
}

/* rebuild with a new image: only the server's own host, with the rebuild
 * filters; NoValidHost puts it in ERROR there with its old image. */
static void test_rebuild_new_image(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_ZED);
    int arm = t_image(f.c, "arm");
    kvlist_push(&f.c->images.v[arm].properties, "hw_architecture", "aarch64");
    cloud_host_w(f.c, 1)->cpu_arch = nv_intern("aarch64");
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    int before = t_srv(f.c, "vm-1")->image;
    command cmd;
    command_init(&cmd, OP_REBUILD);
    cmd.server = nv_strdup("vm-1");
    cmd.image = nv_strdup("arm");
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "NoValidHost");
    cmd_result_done(&r);
    assert_int_equal(t_srv(f.c, "vm-1")->host, 0);
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "error");
    assert_int_equal(t_srv(f.c, "vm-1")->image, before);
    assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 2048);
    free(cmd.image);
    cmd.image = NULL;
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "ok");
    cmd_result_done(&r);
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "active");
    command_done(&cmd);
    t_fx_done(&f);
}

static const char *rebuild(fx *f, const char *srv, const char *img, const char *mv, cmd_result *r)
{
    command cmd;
    command_init(&cmd, OP_REBUILD);
    cmd.server = nv_strdup(srv);
    cmd.image = img ? nv_strdup(img) : NULL;
    cmd.microversion = mv ? nv_strdup(mv) : NULL;
    cmd_result_done(r);
    const char *o = t_exec(f->c, &f->t, &f->rng, &cmd, r);
    command_done(&cmd);
    return o;
}

/* _validate_image_traits_for_rebuild: the new image's traits_required
 * against the flavor's forbidden traits, then the server's host. */
static void test_rebuild_image_traits(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_ZED);
    int gpu = t_image(f.c, "gpu-image");
    kvlist_push(&f.c->images.v[gpu].properties, "traits_required", "CUSTOM_GPU, CUSTOM_FAST");
    cmd_result r = {0};
    assert_string_equal(boot(&f, "vm-1", 1, &r), "ok");
    int h = t_srv(f.c, "vm-1")->host;

    kvlist_push(&f.c->flavors.v[SMALL].extra_specs, "trait:CUSTOM_FAST", "forbidden");
    assert_string_equal(rebuild(&f, "vm-1", "gpu-image", NULL, &r), "NoValidHost");
    assert_string_equal(r.message, "No valid host was found. Image traits are part of forbidden "
                                   "traits in flavor associated with the server. Either specify a "
                                   "different image during rebuild or create a new server with the "
                                   "specified image and a compatible flavor.");
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "error");
    assert_int_equal(t_srv(f.c, "vm-1")->image, 0);

    kvlist_free(&f.c->flavors.v[SMALL].extra_specs);
    strlist_push(&cloud_host_w(f.c, h)->traits, "CUSTOM_GPU");
    assert_string_equal(rebuild(&f, "vm-1", "gpu-image", NULL, &r), "NoValidHost");
    assert_string_equal(r.message, "No valid host was found. Image traits cannot be satisfied by "
                                   "the current resource providers. Either specify a different "
                                   "image during rebuild or create a new server with the "
                                   "specified image.");

    strlist_push(&cloud_host_w(f.c, h)->traits, "CUSTOM_FAST");
    assert_string_equal(rebuild(&f, "vm-1", "gpu-image", NULL, &r), "ok");
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "active");
    assert_int_equal(t_srv(f.c, "vm-1")->image, gpu);
    assert_int_equal(t_srv(f.c, "vm-1")->host, h);
    cmd_result_done(&r);
    t_fx_done(&f);
}

/* The API's refusals of a rebuild, and a rebuild whose host is down. */
static void test_rebuild_refused(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    t_image(f.c, "other");
    cmd_result r = {0};
    assert_string_equal(boot(&f, "vm-1", 1, &r), "ok");
    assert_string_equal(rebuild(&f, "vm-1", "no-such-image", NULL, &r), "ImageNotFound");
    assert_string_equal(r.message, "Cannot find image for rebuild");

    int sid = cloud_server(f.c, "vm-1");
    f.c->servers.v[sid].boot_from_volume = true;
    assert_string_equal(rebuild(&f, "vm-1", "other", "2.92", &r), "ImageUnacceptable");
    assert_string_equal(r.message, "Image other is unacceptable: Unable to rebuild with a "
                                   "different image for a volume-backed server.");
    assert_string_equal(rebuild(&f, "vm-1", "other", "2.93", &r), "ok");
    assert_int_equal(t_srv(f.c, "vm-1")->image, cloud_image(f.c, "other"));
    f.c->servers.v[sid].boot_from_volume = false;

    int h = t_srv(f.c, "vm-1")->host;
    cloud_host_w(f.c, h)->up = false;
    assert_string_equal(rebuild(&f, "vm-1", NULL, NULL, &r), "ok");
    assert_string_equal(t_srv(f.c, "vm-1")->task_state, "rebuilding");
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "active");
    cmd_result_done(&r);
    t_fx_done(&f);
}

/* The conductor takes typed requests: the objects as ids, their names kept
 * for Nova's messages, each checked where Nova looks it up. */
static const char *run_req(fx *f, const conductor_req *q, cmd_result *r)
{
    nova_env env = {f->c, &f->t, &f->rng};
    memset(r, 0, sizeof *r);
    conductor_begin(&env, r);
    switch (q->op) {
    case OP_EVACUATE: conductor_evacuate(&env, q, r); break;
    default: conductor_live_migrate(&env, q, r); break;
    }
    return r->outcome;
}

static void test_typed_requests(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    cmd_result r;
    boot(&f, "vm-1", 1, &r);
    cmd_result_done(&r);
    int first = cloud_server(f.c, "vm-1");
    conductor_req q;

    conductor_req_init(&q, OP_LIVE_MIGRATE);
    q.server = (nv_ref){"ghost", -1};
    assert_string_equal(run_req(&f, &q, &r), "InstanceNotFound");
    assert_string_equal(r.message, "Instance ghost could not be found.");
    cmd_result_done(&r);

    /* an unknown target host is an error only after the state checks */
    conductor_req_init(&q, OP_LIVE_MIGRATE);
    q.server = (nv_ref){"vm-1", first};
    q.host = (nv_ref){"nowhere", -1};
    f.c->servers.v[first].task_state = nv_intern("rebooting");
    assert_string_equal(run_req(&f, &q, &r), "InstanceInvalidState");
    assert_string_equal(r.message,
                        "Cannot 'os-migrateLive' instance vm-1 while it is in task_state rebooting");
    cmd_result_done(&r);
    f.c->servers.v[first].task_state = NULL;
    assert_string_equal(run_req(&f, &q, &r), "ComputeHostNotFound");
    assert_string_equal(r.message, "Compute host nowhere could not be found.");
    assert_int_equal(f.c->migrations.n, 0);
    cmd_result_done(&r);

    /* evacuate words it differently (nova/compute/api.py evacuate) */
    cloud_host_w(f.c, 0)->up = false;
    conductor_req_init(&q, OP_EVACUATE);
    q.server = (nv_ref){"vm-1", first};
    q.host = (nv_ref){"nowhere", -1};
    assert_string_equal(run_req(&f, &q, &r), "ComputeHostNotFound");
    assert_string_equal(r.message, "Compute host nowhere not found.");
    cmd_result_done(&r);
    cloud_host_w(f.c, 0)->up = true;

    /* microversion: -1 is the release's newest (no force after 2.67) */
    conductor_req_init(&q, OP_LIVE_MIGRATE);
    q.server = (nv_ref){"vm-1", first};
    q.host = (nv_ref){"host2", 1};
    q.force = true;
    assert_string_equal(run_req(&f, &q, &r), "ValidationError");
    cmd_result_done(&r);
    command cmd;
    command_init(&cmd, OP_LIVE_MIGRATE);
    cmd.server = nv_strdup("vm-1");
    cmd.host = nv_strdup("host2");
    cmd.force = true;
    cmd.microversion = nv_strdup("2.67");
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "ok");
    assert_string_equal(t_host_of(f.c, "vm-1"), "host2");
    cmd_result_done(&r);
    command_done(&cmd);

    /* a second server of the same name: the id decides which one moves */
    boot(&f, "vm-1", 1, &r);
    int second = r.servers.v[0];
    cmd_result_done(&r);
    assert_int_not_equal(second, first);
    assert_int_equal(f.c->servers.v[second].host, 0);
    conductor_req_init(&q, OP_LIVE_MIGRATE);
    q.server = (nv_ref){"vm-1", second};
    assert_string_equal(run_req(&f, &q, &r), "ok");
    assert_int_equal(f.c->servers.v[second].host, 1);
    assert_int_equal(f.c->servers.v[first].host, 1);
    cmd_result_done(&r);

    /* the command layer resolves an aggregate named by `name` */
    command_init(&cmd, OP_AGGREGATE_DELETE);
    cmd.name = nv_strdup("nope");
    assert_string_equal(t_exec(f.c, &f.t, &f.rng, &cmd, &r), "AggregateNotFound");
    assert_string_equal(r.message, "Aggregate nope could not be found.");
    cmd_result_done(&r);
    command_done(&cmd);
    t_fx_done(&f);
}

/* One `:` prompt line run on the fixture; the outcome, and the message in r. */
static const char *line(fx *f, const char *text, cmd_result *r)
{
    command cmd;
    char err[300];
    if (!command_parse(text, &cmd, err, sizeof err))
        fail_msg("%s: %s", text, err);
    cmd_result_done(r);
    const char *o = t_exec(f->c, &f->t, &f->rng, &cmd, r);
    command_done(&cmd);
    return o;
}

#define LINE_IS(f, text, outcome, msg)                                    \
    do {                                                                  \
        assert_string_equal(line(f, text, &(f)->r), outcome);            \
        if (msg)                                                          \
            assert_string_equal((f)->r.message, (const char *)(msg));     \
    } while (0)

/* The cloud-building ops: what they change, and Nova's refusals. */
static void test_cloud_building(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    LINE_IS(&f, "host-add host3 vcpus=16 memory_mb=32768 disk_gb=500 az=east "
                "numa_cell=cpus=8,pcpus=4,memory_mb=16384 numa_cell=cpus=8,pcpus=2,memory_mb=16384 "
                "pci_device=vendor_id=8086,product_id=154d,count=2 trait=CUSTOM_GOLD "
                "metric=cpu.frequency=2000 state=down disabled=true forced_down=true",
            "ok", NULL);
    int h = cloud_host(f.c, "host3");
    const host *ho = &f.c->hosts.v[h];
    assert_int_equal(ho->pcpus, 6);            /* the cells' PCPUs, pcpus not given */
    assert_int_equal(ho->n_cells, 2);
    assert_int_equal(ho->n_pci, 1);
    assert_int_equal(ho->pci[0].count, 2);
    assert_string_equal(ho->traits.v[0], "CUSTOM_GOLD");
    assert_string_equal(kvlist_get(&ho->metrics, "cpu.frequency"), "2000");
    assert_false(ho->up);
    assert_true(ho->disabled);
    assert_true(ho->forced_down);
    assert_string_equal(host_az(f.c, h), "east");
    /* given pcpus win over the cells'; the devices are replaced */
    LINE_IS(&f, "host-set host3 numa_cell=cpus=4,pcpus=4,memory_mb=8192 pcpus=1 "
                "pci_device=vendor_id=15b3,product_id=1018 state=up disabled=false forced_down=false",
            "ok", NULL);
    ho = &f.c->hosts.v[h];
    assert_int_equal(ho->pcpus, 1);
    assert_int_equal(ho->n_cells, 1);
    assert_string_equal(ho->pci[0].vendor_id, "15b3");
    assert_int_equal(ho->pci[0].count, 1);
    assert_true(ho->up && !ho->disabled && !ho->forced_down);
    /* one zone per host; an aggregate keeps its zone */
    LINE_IS(&f, "host-set host3 az=west", "ValidationError",
            "az: host host3 is already in availability zone east; a host can be in only one");
    LINE_IS(&f, "aggregate-create fast metadata=availability_zone=north", "ok", NULL);
    LINE_IS(&f, "host-add host4 vcpus=1 memory_mb=1 disk_gb=1 az=fast", "ValidationError",
            "az: aggregate fast already has availability_zone=north");
    assert_int_equal(cloud_host(f.c, "host4"), -1);
    LINE_IS(&f, "host-set host9 vcpus=1", "ValidationError",
            "host: Compute host host9 could not be found.");
    LINE_IS(&f, "host-add host1 vcpus=1 memory_mb=1 disk_gb=1", "ValidationError",
            "name: a compute host named host1 already exists");

    /* flavors, images, groups: a name is taken once */
    LINE_IS(&f, "flavor-add m1.small vcpus=1 memory_mb=1 root_gb=1", "ValidationError",
            "name: Flavor with name m1.small already exists.");
    LINE_IS(&f, "image-add cirros", "ValidationError", "name: an image named cirros already exists");
    LINE_IS(&f, "group-create web anti-affinity max_server_per_host=2", "ok", NULL);
    assert_int_equal(f.c->groups.v[cloud_group(f.c, "web")].max_server_per_host, 2);
    LINE_IS(&f, "group-create web affinity", "ValidationError",
            "name: a server group named web already exists");

    /* aggregates */
    LINE_IS(&f, "aggregate-create fast", "ValidationError", "name: Aggregate fast already exists.");
    LINE_IS(&f, "aggregate-create bare metadata=availability_zone=", "ValidationError",
            "metadata: Aggregate bare does not support empty named availability zone");
    LINE_IS(&f, "aggregate-create two host=host1 host=nohost", "ValidationError",
            "hosts: Compute host nohost could not be found.");
    LINE_IS(&f, "aggregate-create south host=host3 metadata=availability_zone=south",
            "InvalidAggregateActionAdd", NULL);
    assert_int_equal(cloud_aggregate(f.c, "south"), -1);
    LINE_IS(&f, "aggregate-create pair host=host1 host=host2", "ok", NULL);
    LINE_IS(&f, "aggregate-delete pair", "InvalidAggregateActionDelete", NULL);
    LINE_IS(&f, "aggregate pair remove_host=host1", "ok", NULL);
    LINE_IS(&f, "aggregate pair remove_host=host2", "ok", NULL);
    LINE_IS(&f, "aggregate-delete pair", "ok", NULL);
    assert_int_equal(cloud_aggregate(f.c, "pair"), -1);

    /* a host with a server, or with a migration in progress, stays */
    assert_string_equal(boot(&f, "vm-1", 1, &f.r), "ok");
    char text[64];
    snprintf(text, sizeof text, "host-remove %s", t_host_of(f.c, "vm-1"));
    LINE_IS(&f, text, "Conflict",
            "Unable to delete compute service that is hosting instances. Migrate or delete "
            "the instances first.");
    LINE_IS(&f, "migrate vm-1", "ok", NULL);
    const migration *m = &f.c->migrations.v[f.r.migration];
    assert_string_equal(m->status, "finished");
    snprintf(text, sizeof text, "host-remove %s", f.c->hosts.v[m->source].name);
    LINE_IS(&f, text, "Conflict",
            "Unable to delete compute service that has in-progress migrations. Complete the "
            "migrations or delete the instances first.");
    LINE_IS(&f, "confirm-resize vm-1", "ok", NULL);
    LINE_IS(&f, text, "ok", NULL);
    assert_int_equal(f.c->hosts.n, 2);

    /* options and filters the release does not have */
    LINE_IS(&f, "config-set scheduler.query_placement_for_availability_zone=true",
            "ValidationError",
            "scheduler.query_placement_for_availability_zone: not an option of latest (it "
            "exists in rocky to 2023.1)");
    LINE_IS(&f, "config-set filter_scheduler.enabled_filters=ComputeFilter,RamFilter",
            "ValidationError",
            "filter_scheduler.enabled_filters: Scheduler Host Filter RamFilter could not be "
            "found. (it exists in pike to ussuri, not in latest)");
    LINE_IS(&f, "config-set filter_scheduler.weight_classes=nova.scheduler.weights.all_weighers",
            "ok", NULL);
    LINE_IS(&f, "release-set pike", "ok", NULL);
    assert_int_equal(f.c->conf.release, REL_PIKE);
    t_fx_done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bug_1718455_pike),
        cmocka_unit_test(test_bug_1718455_pike_quirk_off),
        cmocka_unit_test(test_bug_1718455_latest),
        cmocka_unit_test(test_bug_1718455_queens),
        cmocka_unit_test(test_migration_statuses),
        cmocka_unit_test(test_forced_live_migration_memory_check),
        cmocka_unit_test(test_forced_to_disabled_host_allowed),
        cmocka_unit_test(test_force_refused_at_latest_microversion),
        cmocka_unit_test(test_targeted_to_disabled_host),
        cmocka_unit_test(test_live_migration_retries),
        cmocka_unit_test(test_live_migration_max_retries_zero),
        cmocka_unit_test(test_targeted_precheck_failure),
        cmocka_unit_test(test_live_migration_stays_in_cell),
        cmocka_unit_test(test_source_down),
        cmocka_unit_test(test_invalid_state),
        cmocka_unit_test(test_multi_create_all_or_nothing),
        cmocka_unit_test(test_unsupported_policy),
        cmocka_unit_test(test_cold_migrate_no_host),
        cmocka_unit_test(test_resize_confirm_revert),
        cmocka_unit_test(test_same_host_resize_needs_both),
        cmocka_unit_test(test_evacuate),
        cmocka_unit_test(test_evacuate_no_host_sets_error),
        cmocka_unit_test(test_evacuate_server_without_host),
        cmocka_unit_test(test_move_after_evacuation_takes_all_providers),
        cmocka_unit_test(test_stop_waits_for_down_host),
        cmocka_unit_test(test_io_workload_view),
        cmocka_unit_test(test_resize_min_disk),
        cmocka_unit_test(test_image_min_ram_min_disk),
        cmocka_unit_test(test_shelve_offload_unshelve),
        cmocka_unit_test(test_rebuild_new_image),
        cmocka_unit_test(test_rebuild_image_traits),
        cmocka_unit_test(test_rebuild_refused),
        cmocka_unit_test(test_build_reschedule),
        cmocka_unit_test(test_names_from_template),
        cmocka_unit_test(test_session_undo_replays),
        cmocka_unit_test(test_session_redo),
        cmocka_unit_test(test_session_undo_journal),
        cmocka_unit_test(test_session_undo_mixed),
        cmocka_unit_test(test_prompt_parse),
        cmocka_unit_test(test_typed_requests),
        cmocka_unit_test(test_cloud_building),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
