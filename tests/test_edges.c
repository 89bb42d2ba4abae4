/*
 * test_edges.c - the conductor's refusals of incomplete requests and the
 * less travelled paths of Nova's flows: forced hosts and nodes in the
 * availability zone, API microversions, fault messages kept at Nova's 255
 * characters, aggregate metadata removal, the evacuation API's checks;
 * the trail's text of events with parts left out; resource amounts and
 * the mixed CPU policy as the flavor's resources.
 */
#include <stdio.h>

#include "testutil.h"

typedef t_fx fx;

static void fx_init(fx *f)
{
    t_fx_init(f, REL_ZED);
    t_flavor(f->c, "m1.small", 1, 1024, 10);
    t_flavor(f->c, "m1.big", 2, 2048, 20);
}

/* runs cmd and frees it; the outcome */
static const char *run(fx *f, command *cmd)
{
    trail_free(&f->t);
    memset(&f->t, 0, sizeof f->t);
    cmd_result_done(&f->r);
    const char *o = t_exec(f->c, &f->t, &f->rng, cmd, &f->r);
    command_done(cmd);
    return o;
}

static const char *msg(fx *f) { return f->r.message ? f->r.message : ""; }

/* Every op names what it lacks, as the API's 404s do. */
static void test_missing_arguments(void **st)
{
    (void)st;
    fx f;
    fx_init(&f);
    command cmd;
    static const enum cmd_op server_ops[] = {OP_LIVE_MIGRATE, OP_MIGRATE, OP_RESIZE,
                                             OP_EVACUATE, OP_STOP, OP_DELETE};
    for (size_t i = 0; i < sizeof server_ops / sizeof *server_ops; i++) {
        command_init(&cmd, server_ops[i]);
        assert_string_equal(run(&f, &cmd), "InstanceNotFound");
        assert_string_equal(msg(&f), "Instance  could not be found.");
    }
    command_init(&cmd, OP_BOOT);
    cmd.name = nv_strdup("vm");
    assert_string_equal(run(&f, &cmd), "FlavorNotFound");
    assert_string_equal(msg(&f), "Flavor  could not be found.");

    command_init(&cmd, OP_HOST);
    cmd.set = nv_strdup("down");
    assert_string_equal(run(&f, &cmd), "ComputeHostNotFound");
    assert_string_equal(msg(&f), "Compute host  could not be found.");

    command_init(&cmd, OP_HOST);
    cmd.host = nv_strdup("host1");
    assert_string_equal(run(&f, &cmd), "ValidationError");
    assert_string_equal(msg(&f), "Unknown host state change ''");

    command_init(&cmd, OP_AGGREGATE);
    assert_string_equal(run(&f, &cmd), "AggregateNotFound");
    assert_string_equal(msg(&f), "Aggregate  could not be found.");

    command_init(&cmd, OP_FAULT);
    cmd.point = nv_strdup("build");
    assert_string_equal(run(&f, &cmd), "ComputeHostNotFound");
    assert_string_equal(msg(&f), "Compute host  could not be found.");
    assert_int_equal(f.c->faults.n, 0);

    /* a resize without a flavor: the server exists, the flavor does not */
    t_server(f.c, "vm-1", 0, 0);
    command_init(&cmd, OP_RESIZE);
    cmd.server = nv_strdup("vm-1");
    assert_string_equal(run(&f, &cmd), "FlavorNotFound");
    assert_string_equal(msg(&f), "Flavor  could not be found.");
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "active");
    t_fx_done(&f);
}

/* az=ZONE:HOST:NODE and ZONE::NODE force the host or the node. */
static void test_forced_node(void **st)
{
    (void)st;
    fx f;
    fx_init(&f);
    command cmd;
    command_init(&cmd, OP_BOOT);
    cmd.name = nv_strdup("a");
    cmd.flavor = nv_strdup("m1.small");
    cmd.az = nv_strdup("nova:host2:host2");
    assert_string_equal(run(&f, &cmd), "ok");
    assert_string_equal(t_host_of(f.c, "a"), "host2");

    command_init(&cmd, OP_BOOT);
    cmd.name = nv_strdup("b");
    cmd.flavor = nv_strdup("m1.small");
    cmd.az = nv_strdup("nova::host2");
    assert_string_equal(run(&f, &cmd), "ok");
    assert_string_equal(t_host_of(f.c, "b"), "host2");
    assert_int_equal(server_spec(t_srv(f.c, "b"))->force_nodes.n, 1);
    assert_int_equal(server_spec(t_srv(f.c, "b"))->force_hosts.n, 0);

    /* no name: Nova's default display name */
    command_init(&cmd, OP_BOOT);
    cmd.flavor = nv_strdup("m1.small");
    assert_string_equal(run(&f, &cmd), "ok");
    assert_int_equal(f.r.servers.n, 1);
    assert_string_equal(f.c->servers.v[f.r.servers.v[0]].name, "server");
    t_fx_done(&f);
}

/* a microversion without its "2." reads as the same number */
static void test_microversion_spelling(void **st)
{
    (void)st;
    fx f;
    fx_init(&f);
    t_server(f.c, "vm-1", 0, 0);
    command cmd;
    command_init(&cmd, OP_LIVE_MIGRATE);
    cmd.server = nv_strdup("vm-1");
    cmd.force = true;
    cmd.microversion = nv_strdup("30");
    assert_string_equal(run(&f, &cmd), "BadRequest");
    assert_string_equal(msg(&f), "Can't force to a non-provided destination");

    command_init(&cmd, OP_EVACUATE);
    cmd.server = nv_strdup("vm-1");
    cmd.force = true;
    cmd.microversion = nv_strdup("2.29");
    assert_string_equal(run(&f, &cmd), "BadRequest");
    assert_string_equal(msg(&f), "Can't force to a non-provided destination");
    t_fx_done(&f);
}

/* injected faults: once when no count is given; the instance fault keeps
 * Nova's 255 characters (instance_faults.message is String(255)) */
static void test_fault_message_cut(void **st)
{
    (void)st;
    fx f;
    fx_init(&f);
    f.c->conf.max_attempts = 1;
    char longmsg[400];
    memset(longmsg, 'x', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    for (int h = 0; h < 2; h++) {
        command cmd;
        command_init(&cmd, OP_FAULT);
        cmd.host = nv_strdup(h ? "host2" : "host1");
        cmd.point = nv_strdup("build");
        cmd.message = nv_strdup(longmsg);
        assert_string_equal(run(&f, &cmd), "ok");
        assert_int_equal(f.c->faults.v[f.c->faults.n - 1].times, 1);
    }
    command cmd;
    command_init(&cmd, OP_BOOT);
    cmd.name = nv_strdup("vm");
    cmd.flavor = nv_strdup("m1.small");
    const char *o = run(&f, &cmd);
    assert_string_not_equal(o, "ok");
    const server *s = t_srv(f.c, "vm");
    assert_string_equal(s->vm_state, "error");
    assert_non_null(s->fault);
    assert_int_equal(strlen(s->fault), 255);
    t_fx_done(&f);
}

/* aggregate metadata: an empty value removes the key; adding a host of
 * another zone to a zoned aggregate is refused */
static void test_aggregate_metadata(void **st)
{
    (void)st;
    fx f;
    fx_init(&f);
    int a = t_agg(f.c, "fast", "ssd", "true");
    kvlist_push(&f.c->aggregates.v[a].metadata, "tier", "gold");
    command cmd;
    command_init(&cmd, OP_AGGREGATE);
    cmd.name = nv_strdup("fast");
    strlist_push(&cmd.metadata, "ssd=");
    strlist_push(&cmd.metadata, "tier=silver");
    strlist_push(&cmd.metadata, "not-a-pair");
    assert_string_equal(run(&f, &cmd), "ok");
    const aggregate *ag = &f.c->aggregates.v[a];
    assert_null(kvlist_get(&ag->metadata, "ssd"));
    assert_string_equal(kvlist_get(&ag->metadata, "tier"), "silver");
    assert_int_equal(ag->metadata.n, 1);

    int z1 = t_agg(f.c, "zone1", "availability_zone", "az1");
    int z2 = t_agg(f.c, "zone2", "availability_zone", "az2");
    cloud_aggregate_add_host(f.c, z1, 0);
    (void)z2;
    command_init(&cmd, OP_AGGREGATE);
    cmd.name = nv_strdup("zone2");
    cmd.add_host = nv_strdup("host1");
    assert_string_equal(run(&f, &cmd), "InvalidAggregateActionAdd");
    assert_true(strstr(msg(&f), "already in availability zone(s) ['az1']") != NULL);
    /* a host without a zone joins */
    command_init(&cmd, OP_AGGREGATE);
    cmd.name = nv_strdup("zone2");
    cmd.add_host = nv_strdup("host2");
    assert_string_equal(run(&f, &cmd), "ok");
    assert_string_equal(host_az(f.c, 1), "az2");
    t_fx_done(&f);
}

/* expect names its server for the report; an unknown one adds nothing */
static void test_expect_server(void **st)
{
    (void)st;
    fx f;
    fx_init(&f);
    t_server(f.c, "vm-1", 0, 0);
    command cmd;
    command_init(&cmd, OP_EXPECT);
    cmd.server = nv_strdup("vm-1");
    assert_string_equal(run(&f, &cmd), "ok");
    assert_int_equal(f.r.servers.n, 1);
    command_init(&cmd, OP_EXPECT);
    cmd.server = nv_strdup("nope");
    assert_string_equal(run(&f, &cmd), "ok");
    assert_int_equal(f.r.servers.n, 0);
    t_fx_done(&f);
}

static const char *forced_live(fx *f, const char *srv, const char *dst)
{
    command cmd;
    command_init(&cmd, OP_LIVE_MIGRATE);
    cmd.server = nv_strdup(srv);
    cmd.host = nv_strdup(dst);
    cmd.force = true;
    cmd.microversion = nv_strdup("2.67");
    return run(f, &cmd);
}

/* A forced live migration skips the scheduler but not the conductor's
 * checks (LiveMigrationTask._check_requested_destination): the
 * destination's hypervisor may not be older than the source's unless
 * [workarounds] skip_hypervisor_version_check_on_lm (Zed); a failed check
 * leaves the server where it was, active, holding only its source. */
static void test_forced_live_hypervisor_version(void **st)
{
    (void)st;
    fx f;
    fx_init(&f);
    f.c->hosts.v[0].hypervisor_version = 8002000;
    f.c->hosts.v[1].hypervisor_version = 7000000;
    t_server(f.c, "vm-1", 0, 0);
    assert_string_equal(forced_live(&f, "vm-1", "host2"), "DestinationHypervisorTooOld");
    assert_string_equal(msg(&f),
                        "The instance requires a newer hypervisor version than has been provided.");
    assert_string_equal(t_host_of(f.c, "vm-1"), "host1");
    assert_string_equal(t_srv(f.c, "vm-1")->vm_state, "active");
    assert_null(t_srv(f.c, "vm-1")->task_state);
    assert_int_equal(placement_used(f.c, 1, RC_VCPU), 0);
    assert_int_equal(placement_used(f.c, 0, RC_VCPU), 1);
    assert_string_equal(f.c->migrations.v[f.c->migrations.n - 1].status, "error");

    f.c->conf.skip_hypervisor_version_check_on_lm = true;
    assert_string_equal(forced_live(&f, "vm-1", "host2"), "ok");
    assert_string_equal(t_host_of(f.c, "vm-1"), "host2");
    t_fx_done(&f);
}

/* _check_destination_has_enough_memory: "if not mem_inst or avail <=
 * mem_inst" - a flavor without memory fails it too */
static void test_forced_live_zero_memory_flavor(void **st)
{
    (void)st;
    fx f;
    fx_init(&f);
    int zero = t_flavor(f.c, "m1.zero", 1, 0, 1);
    t_server(f.c, "vm-1", zero, 0);
    assert_string_equal(forced_live(&f, "vm-1", "host2"), "MigrationPreCheckError");
    assert_true(strstr(msg(&f), "Lack of memory(host:") != NULL);
    assert_true(strstr(msg(&f), "<= instance:0)") != NULL);
    assert_string_equal(t_host_of(f.c, "vm-1"), "host1");
    t_fx_done(&f);
}

/* A forced live migration may not cross cells.  Up to Train the checks ran
 * before the allocation was copied; from Ussuri after, and the copy is
 * removed again: either way the destination holds nothing. */
static void forced_live_across_cells(int release)
{
    fx f;
    fx_init(&f);
    nova_config_done(&f.c->conf);
    nova_config_init(&f.c->conf, release);
    cloud_host_w(f.c, 1)->cell = nv_intern("cell2");
    t_server(f.c, "vm-1", 0, 0);
    command cmd;
    command_init(&cmd, OP_LIVE_MIGRATE);
    cmd.server = nv_strdup("vm-1");
    cmd.host = nv_strdup("host2");
    cmd.microversion = nv_strdup("2.29");   /* a host given before 2.30 is forced */
    assert_string_equal(run(&f, &cmd), "MigrationPreCheckError");
    assert_string_equal(msg(&f),
                        "Migration pre-check error: Unable to force live migrate instance "
                        "across cells.");
    assert_string_equal(t_host_of(f.c, "vm-1"), "host1");
    assert_int_equal(placement_used(f.c, 1, RC_MEMORY_MB), 0);
    assert_int_equal(placement_used(f.c, 0, RC_MEMORY_MB), 1024);
    const event *claim = t_find(&f.t, EV_CLAIM, NULL);
    if (release < REL_USSURI)
        assert_null(claim);
    else
        assert_non_null(claim);
    t_fx_done(&f);
}

static void test_forced_live_across_cells(void **st)
{
    (void)st;
    forced_live_across_cells(REL_TRAIN);
    forced_live_across_cells(REL_ZED);
}

/* The trail's text of events with parts left out: Nova's log words with
 * a stand-in, never "(null)". */
static char *text_of(const event *e)
{
    sbuf b = {0};
    event_text(e, &b);
    return sbuf_take(&b);
}

static void expect_text(const event *e, const char *want)
{
    char *got = text_of(e);
    assert_string_equal(got ? got : "", want);
    free(got);
}

static void test_trail_text_defaults(void **st)
{
    (void)st;
    trail t = {0};
    event *e = trail_add(&t, EV_REQUEST);
    expect_text(e, "request\n");
    e = trail_add(&t, EV_PLACEMENT);
    e->in = 2;
    e->out = 1;
    expect_text(e, "Placement: \nPlacement returned 1 allocation candidate(s) of 2 host(s)\n");
    e = trail_add(&t, EV_SELECT);
    e->host = nv_strdup("host1");
    expect_text(e, "Selected host: host1 for instance\n");
    e = trail_add(&t, EV_CLAIM);
    e->host = nv_strdup("host1");
    expect_text(e, "Unable to claim resources on host1: \n");
    e = trail_add(&t, EV_CHECK);
    e->name = nv_strdup("prep_resize");
    e->ok = true;
    expect_text(e, "Check prep_resize on -: ok\n");
    e->ok = false;
    expect_text(e, "Check prep_resize on - failed: \n");
    e = trail_add(&t, EV_CHECK);
    e->name = nv_strdup("check_can_live_migrate_destination");
    expect_text(e, "Skipping host: - because: \n");
    e = trail_add(&t, EV_MIGRATION);
    e->in = 3;
    e->host = nv_strdup("done");
    expect_text(e, "Migration 3: new -> done\n");
    e = trail_add(&t, EV_REQUEST);
    sbuf j = {0};
    event_json(e, &j);
    assert_non_null(strstr(j.s, "\"spec\": {}"));
    sbuf_free(&j);
    /* truncating to a length it does not exceed, or below zero, keeps all */
    int n = t.n;
    trail_truncate(&t, n);
    trail_truncate(&t, -1);
    assert_int_equal(t.n, n);
    trail_truncate(&t, 2);
    assert_int_equal(t.n, 2);
    trail_free(&t);
}

/* resources:<RC>=N amounts as Python's int() reads them (blanks, a sign,
 * single underscores between digits); what int() refuses, and negative
 * amounts, are ignored and the flavor's own value holds. */
static int64_t vcpu_with(const char *amount)
{
    cloud *c = t_cloud(REL_ZED);
    int fl = t_flavor(c, "f", 2, 1024, 10);
    kvlist_push(&c->flavors.v[fl].extra_specs, "resources:VCPU", amount);
    int64_t r[RC_COUNT];
    resources_of(c, fl, -1, false, r);
    cloud_free(c);
    return r[RC_VCPU];
}

static void test_resource_amounts(void **st)
{
    (void)st;
    assert_int_equal(vcpu_with("4"), 4);
    assert_int_equal(vcpu_with(" 7\t"), 7);
    assert_int_equal(vcpu_with("+3"), 3);
    assert_int_equal(vcpu_with("1_0"), 10);
    assert_int_equal(vcpu_with("1__0"), 2);
    assert_int_equal(vcpu_with("10_"), 2);
    assert_int_equal(vcpu_with("-3"), 2);
    assert_int_equal(vcpu_with("x"), 2);
    assert_int_equal(vcpu_with("3 x"), 2);
    assert_int_equal(vcpu_with("99999999999999999999"), 2);
}

/* hw:cpu_policy=mixed: the dedicated mask's CPUs are PCPU, the rest VCPU;
 * "^N" excludes, a mask of exclusions alone starts from every vCPU; the
 * emulator thread of policy isolate is one more PCPU. */
static void mixed(const char *mask, const char *emu, int64_t pcpu, int64_t vcpu)
{
    cloud *c = t_cloud(REL_ZED);
    int fl = t_flavor(c, "f", 4, 1024, 10);
    kvlist *es = &c->flavors.v[fl].extra_specs;
    kvlist_push(es, "hw:cpu_policy", "mixed");
    if (mask)
        kvlist_push(es, "hw:cpu_dedicated_mask", mask);
    if (emu)
        kvlist_push(es, "hw:emulator_threads_policy", emu);
    int64_t r[RC_COUNT];
    resources_of(c, fl, -1, false, r);
    cloud_free(c);
    assert_int_equal(r[RC_PCPU], pcpu);
    assert_int_equal(r[RC_VCPU], vcpu);
}

static void test_mixed_cpu_policy(void **st)
{
    (void)st;
    mixed("^0", NULL, 3, 1);
    mixed("0-1, 3", NULL, 3, 1);
    mixed("2", "isolate", 2, 3);
    mixed("1", "share", 1, 3);
    /* masks Nova's API refuses (CPUs the flavor does not have) are not
     * refused in a scenario file: novalid keeps the count within the
     * flavor's vCPUs */
    mixed("^0-5", NULL, 0, 4);
    mixed("0-7", NULL, 4, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_arguments),
        cmocka_unit_test(test_forced_node),
        cmocka_unit_test(test_microversion_spelling),
        cmocka_unit_test(test_fault_message_cut),
        cmocka_unit_test(test_aggregate_metadata),
        cmocka_unit_test(test_expect_server),
        cmocka_unit_test(test_forced_live_hypervisor_version),
        cmocka_unit_test(test_forced_live_zero_memory_flavor),
        cmocka_unit_test(test_forced_live_across_cells),
        cmocka_unit_test(test_trail_text_defaults),
        cmocka_unit_test(test_resource_amounts),
        cmocka_unit_test(test_mixed_cpu_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
