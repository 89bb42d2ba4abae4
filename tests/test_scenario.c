/*
 * test_scenario.c - scenario loading and saving.
 *
 * Each test loads a small scenario from a string named "t.cfg" and checks
 * either the loaded cloud (fields, defaults, Placement usage, steps) or
 * the error messages: "t.cfg:LINE: key.path: message", one per problem.
 * The round-trip tests save a loaded cloud and load the file back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "scenario.h"
#include "textfile.h"
#include "scheduler.h"

/* ---- utilities ----------------------------------------------------------- */

static scenario *load(const char *text, strlist *errs)
{
    memset(errs, 0, sizeof *errs);
    return scenario_load_string(text, "t.cfg", errs);
}

static void dump_errors(const strlist *errs)
{
    for (int i = 0; i < errs->n; i++)
        fprintf(stderr, "  | %s\n", errs->v[i]);
}

/* Some message starts with `prefix` and contains `needle`. */
static bool has_error(const strlist *errs, const char *prefix, const char *needle)
{
    for (int i = 0; i < errs->n; i++)
        if (strncmp(errs->v[i], prefix, strlen(prefix)) == 0 && strstr(errs->v[i], needle))
            return true;
    return false;
}

/* The load fails and reports `needle` at `prefix` ("t.cfg:LINE: "). */
static void expect_error(const char *text, const char *prefix, const char *needle)
{
    strlist errs;
    scenario *s = load(text, &errs);
    if (s || !has_error(&errs, prefix, needle)) {
        fprintf(stderr, "wanted an error %s...%s, got:\n", prefix, needle);
        dump_errors(&errs);
    }
    if (s)
        scenario_free(s);
    assert_null(s);
    assert_true(has_error(&errs, prefix, needle));
    strlist_free(&errs);
}

static scenario *load_ok(const char *text)
{
    strlist errs;
    scenario *s = load(text, &errs);
    if (!s)
        dump_errors(&errs);
    assert_non_null(s);
    assert_int_equal(errs.n, 0);
    strlist_free(&errs);
    return s;
}

#define MINIMAL                                                           \
    "name = \"t\";\n"                                                     \
    "hosts = ( { name = \"host1\"; vcpus = 8; memory_mb = 16384; disk_gb = 200; } );\n"

/* ---- a valid scenario ------------------------------------------------------ */

static const char *const full_text =
    "# a scenario\n"                                                            /* 1 */
    "name = \"full\";\n"                                                        /* 2 */
    "description = \"two hosts\";\n"                                            /* 3 */
    "release = \"zed\";\n"                                                      /* 4 */
    "quirks = [\"bug-1718455\"];\n"                                             /* 5 */
    "seed = 42;\n"                                                              /* 6 */
    "config = {\n"                                                              /* 7 */
    "  DEFAULT = { cpu_allocation_ratio = 2; reserved_host_memory_mb = 0;\n"    /* 8 */
    "              default_availability_zone = \"zone0\"; };\n"                 /* 9 */
    "  filter_scheduler = { enabled_filters = [\"ComputeFilter\", \"SameHostFilter\"];\n"
    "                       weight_classes = [\"RAMWeigher\"]; };\n"            /* 11 */
    "  scheduler = { max_attempts = 5; };\n"                                    /* 12 */
    "};\n"                                                                      /* 13 */
    "hosts = (\n"                                                               /* 14 */
    "  { name = \"host1\"; vcpus = 8; memory_mb = 16384; disk_gb = 200; },\n"   /* 15 */
    "  { name = \"host2\"; vcpus = 16; memory_mb = 5000000000L; disk_gb = 400;\n"
    "    az = \"az2\"; traits = [\"HW_CPU_X86_AVX2\"]; state = \"down\";\n"     /* 17 */
    "    disabled = true; disabled_reason = \"maint\"; cpu_allocation_ratio = 1.5;\n"
    "    pcpus = 4; failed_builds = 2; }\n"                                      /* 19 */
    ");\n"                                                                      /* 20 */
    "aggregates = ( { name = \"fast\"; hosts = [\"host1\"]; metadata = [\"ssd=true\", \"x=a=b\"]; } );\n"
    "flavors = (\n"                                                             /* 22 */
    "  { name = \"m1.small\"; vcpus = 1; memory_mb = 2048; root_gb = 20; },\n"  /* 23 */
    "  { name = \"m1.big\"; vcpus = 4; memory_mb = 8192; root_gb = 40; swap = 1024;\n"
    "    extra_specs = [\"trait:HW_CPU_X86_AVX2=required\"]; }\n"               /* 25 */
    ");\n"                                                                      /* 26 */
    "images = ( { name = \"cirros\"; }, { name = \"ubuntu\"; disk_format = \"raw\";\n"
    "             properties = [\"hw_architecture=x86_64\"]; } );\n"            /* 28 */
    "groups = ( { name = \"web\"; policy = \"anti-affinity\"; max_server_per_host = 2; } );\n"
    "servers = (\n"                                                             /* 30 */
    "  { name = \"vm-1\"; flavor = \"m1.small\"; host = \"host1\"; },\n"        /* 31 */
    "  { name = \"vm-2\"; flavor = \"m1.big\"; image = \"ubuntu\"; host = \"host2\";\n"
    "    group = \"web\"; project = \"p2\"; vm_state = \"stopped\";\n"          /* 33 */
    "    request_spec = { num_instances = 2; availability_zone = \"az2\";\n"   /* 34 */
    "                     hints = [\"different_host=vm-1\", \"different_host=vm-3\"]; }; },\n"
    "  { name = \"vm-3\"; flavor = \"m1.small\"; host = \"host1\"; boot_from_volume = true; }\n"
    ");\n"                                                                      /* 37 */
    "steps = (\n"                                                               /* 38 */
    "  { op = \"boot\"; name = \"b\"; flavor = \"m1.small\"; min_count = 2;\n" /* 39 */
    "    hints = [\"same_host=vm-1\"];\n"                                       /* 40 */
    "    expect = { outcome = \"ok\"; hosts = [\"host1\", \"host1\"];\n"        /* 41 */
    "               usage = ( { host = \"host1\"; MEMORY_MB = 8192; VCPU = 4; } ); }; },\n"
    "  { op = \"live-migrate\"; server = \"vm-1\"; host = \"host2\"; force = true;\n"
    "    block_migration = false; },\n"                                          /* 44 */
    "  { op = \"host\"; host = \"host2\"; set = \"up\"; },\n"                   /* 45 */
    "  { op = \"aggregate\"; name = \"fast\"; set_metadata = [\"ssd=false\"]; },\n"
    "  { op = \"fault\"; host = \"host1\"; point = \"build\"; },\n"             /* 47 */
    "  { op = \"expect\"; expect = { server = \"vm-1\"; task_state = \"\"; }; }\n"
    ");\n";

static void test_valid_loads(void **state)
{
    (void)state;
    scenario *s = load_ok(full_text);
    const cloud *c = s->c;
    assert_string_equal(s->path, "t.cfg");
    assert_string_equal(c->name, "full");
    assert_string_equal(c->description, "two hosts");
    assert_int_equal(c->conf.release, REL_ZED);
    assert_true(quirk_on(&c->conf, Q_BUG_1718455));
    assert_int_equal(c->seed, 42);

    /* config: ints where floats are wanted, lists replaced not appended */
    assert_true(c->conf.cpu_allocation_ratio == 2.0);
    assert_int_equal(c->conf.reserved_host_memory_mb, 0);
    assert_string_equal(c->conf.default_availability_zone, "zone0");
    assert_int_equal(c->conf.max_attempts, 5);
    assert_int_equal(c->conf.enabled_filters.n, 2);
    assert_string_equal(filter_table[c->conf.enabled_filters.v[1]].name, "SameHostFilter");
    assert_int_equal(c->conf.weight_classes.n, 1);
    assert_string_equal(weigher_table[c->conf.weight_classes.v[0]].name, "RAMWeigher");

    /* hosts and their defaults */
    assert_int_equal(c->hosts.n, 2);
    int h1 = cloud_host(c, "host1"), h2 = cloud_host(c, "host2");
    assert_int_equal(h1, 0);
    assert_int_equal(h2, 1);
    const host *a = &c->hosts.v[h1], *b = &c->hosts.v[h2];
    assert_int_equal(a->vcpus, 8);
    assert_string_equal(a->cell, "cell1");
    assert_string_equal(a->hypervisor_type, "QEMU");
    assert_int_equal(a->hypervisor_version, 8002000);
    assert_string_equal(a->cpu_arch, "x86_64");
    assert_string_equal(a->host_ip, "192.0.2.1");
    assert_true(a->up);
    assert_false(a->disabled);
    assert_true(a->cpu_allocation_ratio < 0);
    assert_true(a->reserved_host_memory_mb < 0);
    assert_int_equal(a->line, 15);
    assert_string_equal(b->host_ip, "192.0.2.2");
    assert_true(b->memory_mb == 5000000000LL);
    assert_false(b->up);
    assert_true(b->disabled);
    assert_string_equal(b->disabled_reason, "maint");
    assert_true(b->cpu_allocation_ratio == 1.5);
    assert_int_equal(b->pcpus, 4);
    assert_int_equal(b->failed_builds, 2);
    assert_int_equal(b->traits.n, 1);
    assert_int_equal(b->line, 16);

    /* aggregates: explicit, then the az shorthand */
    assert_int_equal(c->aggregates.n, 2);
    int fast = cloud_aggregate(c, "fast"), az2 = cloud_aggregate(c, "az2");
    assert_true(fast >= 0 && az2 >= 0);
    assert_string_equal(kvlist_get(&c->aggregates.v[fast].metadata, "x"), "a=b");
    assert_string_equal(kvlist_get(&c->aggregates.v[az2].metadata, "availability_zone"), "az2");
    assert_int_equal(c->aggregates.v[az2].hosts.n, 1);
    assert_int_equal(c->aggregates.v[az2].hosts.v[0], h2);
    assert_string_equal(host_az(c, h2), "az2");
    assert_string_equal(host_az(c, h1), "zone0");

    /* flavors, images, groups */
    assert_int_equal(c->flavors.n, 2);
    assert_int_equal(c->flavors.v[1].swap, 1024);
    assert_int_equal(c->flavors.v[1].ephemeral_gb, 0);
    assert_int_equal(c->images.n, 2);
    assert_string_equal(c->images.v[0].disk_format, "qcow2");
    assert_string_equal(c->images.v[1].disk_format, "raw");
    assert_int_equal(c->groups.n, 1);
    assert_int_equal(c->groups.v[0].policy, POLICY_ANTI_AFFINITY);
    assert_int_equal(c->groups.v[0].max_server_per_host, 2);

    /* servers and their allocations */
    assert_int_equal(c->servers.n, 3);
    int v1 = cloud_server(c, "vm-1"), v2 = cloud_server(c, "vm-2"), v3 = cloud_server(c, "vm-3");
    const server *s1 = &c->servers.v[v1], *s2 = &c->servers.v[v2], *s3 = &c->servers.v[v3];
    assert_int_equal(s1->host, h1);
    assert_int_equal(s1->image, 0);
    assert_int_equal(s1->group, -1);
    assert_string_equal(s1->project, "demo");
    assert_string_equal(s1->vm_state, "active");
    assert_null(s1->task_state);
    assert_string_equal(s1->availability_zone, "zone0");
    assert_int_equal(s1->line, 31);
    assert_int_equal(s2->image, 1);
    assert_int_equal(s2->group, 0);
    assert_string_equal(s2->project, "p2");
    assert_string_equal(s2->vm_state, "stopped");
    assert_string_equal(s2->availability_zone, "az2");
    assert_int_equal(server_spec(s2)->num_instances, 2);
    assert_string_equal(server_spec(s2)->availability_zone, "az2");
    assert_int_equal(server_spec(s2)->hints.n, 2);
    assert_string_equal(server_spec(s2)->hints.v[1].value, "vm-3");
    assert_int_equal(s3->image, -1);
    assert_true(s3->boot_from_volume);

    assert_int_equal(placement_used(c, h1, RC_MEMORY_MB), 2 * 2048);
    assert_int_equal(placement_used(c, h1, RC_VCPU), 2);
    assert_int_equal(placement_used(c, h1, RC_DISK_GB), 20);   /* vm-3 boots from volume */
    assert_int_equal(placement_used(c, h2, RC_MEMORY_MB), 8192);
    assert_int_equal(placement_used(c, h2, RC_DISK_GB), 41);   /* 40 root + 1 GiB swap */

    /* steps */
    assert_int_equal(s->n_steps, 6);
    const command *st = s->steps;
    assert_int_equal(st[0].op, OP_BOOT);
    assert_int_equal(st[0].line, 39);
    assert_string_equal(st[0].name, "b");
    assert_string_equal(st[0].flavor, "m1.small");
    assert_int_equal(st[0].min_count, 2);
    assert_int_equal(st[0].max_count, 2);
    assert_int_equal(st[0].hints.n, 1);
    assert_string_equal(st[0].hints.v[0], "same_host=vm-1");
    assert_true(st[0].ex.present);
    assert_int_equal(st[0].ex.line, 41);
    assert_string_equal(st[0].ex.outcome, "ok");
    assert_true(st[0].ex.has_hosts);
    assert_int_equal(st[0].ex.hosts.n, 2);
    assert_int_equal(st[0].ex.n_usage, 1);
    assert_string_equal(st[0].ex.usage[0].host, "host1");
    assert_true(st[0].ex.usage[0].has[RC_MEMORY_MB]);
    assert_true(st[0].ex.usage[0].has[RC_VCPU]);
    assert_false(st[0].ex.usage[0].has[RC_DISK_GB]);
    assert_int_equal(st[0].ex.usage[0].amount[RC_MEMORY_MB], 8192);
    assert_int_equal(st[1].op, OP_LIVE_MIGRATE);
    assert_true(st[1].force);
    assert_string_equal(st[1].block_migration, "false");
    assert_false(st[1].ex.present);
    assert_int_equal(st[2].op, OP_HOST);
    assert_string_equal(st[2].set, "up");
    assert_int_equal(st[3].op, OP_AGGREGATE);
    assert_int_equal(st[3].metadata.n, 1);
    assert_int_equal(st[4].op, OP_FAULT);
    assert_int_equal(st[4].times, 1);
    assert_int_equal(st[5].op, OP_EXPECT);
    assert_string_equal(st[5].ex.task_state, "");
    scenario_free(s);
}

static void test_defaults(void **state)
{
    (void)state;
    scenario *s = load_ok(MINIMAL "flavors = ( { name = \"f\"; vcpus = 1; memory_mb = 1; root_gb = 0; } );\n"
                                  "servers = ( { name = \"v\"; flavor = \"f\"; host = \"host1\"; } );\n");
    const cloud *c = s->c;
    assert_int_equal(c->conf.release, REL_LATEST);
    assert_int_equal(c->seed, 1);
    assert_string_equal(c->description, "");
    assert_int_equal(c->images.n, 1);
    assert_string_equal(c->images.v[0].name, "cirros");
    assert_int_equal(c->images.v[0].properties.n, 0);
    assert_int_equal(c->servers.v[0].image, 0);
    assert_int_equal(c->aggregates.n, 0);
    assert_int_equal(s->n_steps, 0);
    assert_int_equal(placement_used(c, 0, RC_MEMORY_MB), 1);
    scenario_free(s);

    /* an empty images list is kept empty; a quirk can be switched off */
    s = load_ok(MINIMAL "images = ();\nrelease = \"pike\";\nquirks = [\"!bug-1718455\"];\n");
    assert_int_equal(s->c->images.n, 0);
    assert_false(quirk_on(&s->c->conf, Q_BUG_1718455));
    assert_true(quirk_on(&s->c->conf, Q_BUG_1669054));
    scenario_free(s);
}

/* ---- errors ---------------------------------------------------------------- */

static void test_parse_and_include(void **state)
{
    (void)state;
    expect_error("name = \"t\";\nhosts = ( { name = ; } );\n", "t.cfg:2: ", "syntax error");
    expect_error("name = \"t\";\n  @include \"/etc/passwd\"\n", "t.cfg:2: ", "@include");
}

static void test_unknown_keys(void **state)
{
    (void)state;
    expect_error("name = \"t\";\n\nhots = ();\n", "t.cfg:3: ",
                 "unknown key 'hots' (did you mean 'hosts'?)");
    expect_error("name = \"t\";\nhosts = ( { name = \"h\"; vcpu = 8; memory_mb = 1; disk_gb = 1;\n"
                 "vcpus = 1; } );\n",
                 "t.cfg:2: ", "hosts[0]: unknown key 'vcpu' (did you mean 'vcpus'?)");
    expect_error(MINIMAL "steps = ( { op = \"migrate\"; server = \"v\"; flavor = \"f\"; } );\n",
                 "t.cfg:3: ", "steps[0]: unknown key 'flavor' for op 'migrate'");
    expect_error(MINIMAL "config = { DEFAULT = { cpu_alocation_ratio = 1.0; }; };\n", "t.cfg:3: ",
                 "unknown option 'cpu_alocation_ratio' (did you mean 'cpu_allocation_ratio'?)");
    expect_error(MINIMAL "config = { filter_schedular = { }; };\n", "t.cfg:3: ",
                 "unknown section 'filter_schedular' (did you mean 'filter_scheduler'?)");
    expect_error(MINIMAL "config = { DEFAULT = { max_attempts = 2; }; };\n", "t.cfg:3: ",
                 "unknown option 'max_attempts' (it belongs in section 'scheduler')");
}

static void test_types_and_ranges(void **state)
{
    (void)state;
    expect_error("name = \"t\";\nhosts = (\n { name = \"h\"; vcpus = \"8\"; memory_mb = 1; disk_gb = 1; } );\n",
                 "t.cfg:3: ", "hosts[0].vcpus: expected an integer");
    expect_error("name = \"t\";\nhosts = ( { name = \"h\"; vcpus = 8;\n memory_mb = -1; disk_gb = 1; } );\n",
                 "t.cfg:3: ", "hosts[0].memory_mb: must not be negative");
    expect_error("name = \"t\";\nhosts = ( { name = \"h\"; vcpus = 8; memory_mb = 1; } );\n",
                 "t.cfg:2: ", "hosts[0]: missing required key 'disk_gb'");
    expect_error("hosts = ( { name = \"h\"; vcpus = 8; memory_mb = 1; disk_gb = 1; } );\n",
                 "t.cfg:1: ", "missing required key 'name'");
    /* no hosts is an empty cloud, built by steps */
    scenario *empty = load_ok("name = \"t\";\n");
    assert_int_equal(empty->c->hosts.n, 0);
    scenario_free(empty);
    empty = load_ok("name = \"t\";\nhosts = ();\n");
    assert_int_equal(empty->c->hosts.n, 0);
    scenario_free(empty);
    expect_error(MINIMAL "seed = 1.5;\n", "t.cfg:3: ", "seed: expected an integer");
    expect_error(MINIMAL "config = {\n DEFAULT = { allow_resize_to_same_host = 1; }; };\n",
                 "t.cfg:4: ", "config.DEFAULT.allow_resize_to_same_host: expected true or false");
    expect_error(MINIMAL "config = {\n scheduler = { max_attempts = 0; }; };\n", "t.cfg:4: ",
                 "config.scheduler.max_attempts: must be at least 1");
    expect_error(MINIMAL "config = { DEFAULT = {\n ram_allocation_ratio = -1.0; }; };\n",
                 "t.cfg:4: ", "ram_allocation_ratio: must not be negative");
    expect_error("name = \"t\";\nhosts = ( { name = \"h\"; vcpus = 8; memory_mb = 1; disk_gb = 1;\n"
                 " state = \"sideways\"; } );\n",
                 "t.cfg:3: ", "hosts[0].state: expected \"up\" or \"down\"");
}

/* libconfig 1.5 reads an integer without the L suffix as 32 bits; every
 * integer is read whole and range-checked instead, and one beyond 64 bits
 * is an error at its line. */
static void test_wide_integers(void **state)
{
    (void)state;
    scenario *s = load_ok("name = \"t\";\nhosts = ( { name = \"h\"; vcpus = 8; memory_mb = 4294967304;\n"
                          " disk_gb = 0x100000000; reserved_host_memory_mb = 2147483648; } );\n"
                          "flavors = ( { name = \"f\"; vcpus = 1; memory_mb = +2147483647; root_gb = 1; } );\n");
    assert_int_equal(s->c->hosts.v[0].memory_mb, 4294967304LL);
    assert_int_equal(s->c->hosts.v[0].disk_gb, 4294967296LL);
    assert_int_equal(s->c->hosts.v[0].reserved_host_memory_mb, 2147483648LL);
    scenario_free(s);
    expect_error("name = \"t\";\nhosts = ( { name = \"h\";\n vcpus = 4294967304; memory_mb = 1; disk_gb = 1; } );\n",
                 "t.cfg:3: ", "hosts[0].vcpus: must be at most 2147483647 (got 4294967304)");
    expect_error("name = \"t\";\nhosts = ( { name = \"h\";\n vcpus = 9223372036854775808; memory_mb = 1; disk_gb = 1; } );\n",
                 "t.cfg:3: ", "integer 9223372036854775808 does not fit in 64 bits");
    expect_error("name = \"t\";\nhosts = ( { name = \"h\"; vcpus = 8; memory_mb = 1; disk_gb = 1; } );\n"
                 "seed = 0xFFFFFFFFFFFFFFFFL;\n",
                 "t.cfg:3: ", "integer 0xFFFFFFFFFFFFFFFF does not fit in 64 bits");
    /* numbers inside strings and comments are not integers */
    s = load_ok("name = \"t 99999999999999999999 /* x */\"; # 99999999999999999999\n"
                "/* 99999999999999999999 */ // 99999999999999999999\n"
                "hosts = ( { name = \"h\\\"1\"; vcpus = 8; memory_mb = 1; disk_gb = 1;\n"
                " cpu_allocation_ratio = 1e300; } );\n");
    assert_string_equal(s->c->name, "t 99999999999999999999 /* x */");
    scenario_free(s);
}

/* A group may hold TEXTFILE_MAX_SETTINGS settings, not one more. */
static void test_group_size_limit(void **state)
{
    (void)state;
    sbuf b = {0};
    sbuf_add(&b, "name = \"t\";\nhosts = ( { name = \"h\"; vcpus = 8; memory_mb = 1; disk_gb = 1; } );\n"
                 "x = {\n");
    for (int i = 0; i < 257; i++)
        sbuf_addf(&b, "k%d = true; ", i);
    sbuf_add(&b, "};\n");
    expect_error(b.s, "t.cfg:4: ", "more than 256 settings in one group");
    sbuf_free(&b);
    /* 256 settings (255 and y), and a list of many small groups, pass the scan (the
     * loader then names the unknown key) */
    sbuf_add(&b, "name = \"t\";\nhosts = ( { name = \"h\"; vcpus = 8; memory_mb = 1; disk_gb = 1; } );\n"
                 "x = {\n");
    for (int i = 0; i < 255; i++)
        sbuf_addf(&b, "k%d = false; ", i);
    sbuf_add(&b, "y = ( ");
    for (int i = 0; i < 300; i++)
        sbuf_addf(&b, "%s{ a = 1; }", i ? ", " : "");
    sbuf_add(&b, " ); };\n");
    expect_error(b.s, "t.cfg:3: ", "unknown key 'x'");
    sbuf_free(&b);
}

static void test_names_and_references(void **state)
{
    (void)state;
    const char *two_hosts =
        "name = \"t\";\n"
        "hosts = ( { name = \"h\"; vcpus = 8; memory_mb = 1; disk_gb = 1; },\n"
        "          { name = \"h\"; vcpus = 8; memory_mb = 1; disk_gb = 1; } );\n";
    expect_error(two_hosts, "t.cfg:3: ", "hosts[1].name: duplicate host name 'h' (first defined at line 2)");

    const char *base = MINIMAL
        "flavors = ( { name = \"small\"; vcpus = 1; memory_mb = 512; root_gb = 1; } );\n"; /* 3 */
    char buf[2048];
    snprintf(buf, sizeof buf, "%s%s", base,
             "servers = ( { name = \"v\"; flavor = \"small\";\n host = \"host9\"; } );\n");
    expect_error(buf, "t.cfg:5: ", "servers[0].host: unknown host 'host9' (did you mean 'host1'?)");
    snprintf(buf, sizeof buf, "%s%s", base,
             "servers = ( { name = \"v\"; flavor = \"smal\"; host = \"host1\"; } );\n");
    expect_error(buf, "t.cfg:4: ", "servers[0].flavor: unknown flavor 'smal' (did you mean 'small'?)");
    snprintf(buf, sizeof buf, "%s%s", base,
             "servers = ( { name = \"v\"; flavor = \"small\"; host = \"host1\"; image = \"x\"; } );\n");
    expect_error(buf, "t.cfg:4: ", "servers[0].image: unknown image 'x'");
    snprintf(buf, sizeof buf, "%s%s", base,
             "servers = ( { name = \"v\"; flavor = \"small\"; host = \"host1\"; group = \"g\"; } );\n");
    expect_error(buf, "t.cfg:4: ", "servers[0].group: unknown server group 'g'");
    snprintf(buf, sizeof buf, "%s%s", base, "servers = ( { name = \"v\"; flavor = \"small\"; } );\n");
    expect_error(buf, "t.cfg:4: ", "servers[0]: missing required key 'host'");
    expect_error(MINIMAL "servers = ( { name = \"v\"; flavor = \"small\"; host = \"host1\"; } );\n",
                 "t.cfg:3: ", "flavors: required");
    expect_error(MINIMAL "aggregates = ( { name = \"a\";\n hosts = [\"host1\", \"nope\"]; } );\n",
                 "t.cfg:4: ", "aggregates[0].hosts[1]: unknown host 'nope'");
    expect_error(MINIMAL "aggregates = ( { name = \"a\"; metadata = [\"ssd\"]; } );\n",
                 "t.cfg:3: ", "aggregates[0].metadata[0]: expected \"key=value\"");
    expect_error(MINIMAL "aggregates = ( { name = \"a\"; hosts = [\"host1\"]; metadata = [\"availability_zone=x\"]; },\n"
                 " { name = \"b\"; hosts = [\"host1\"]; metadata = [\"availability_zone=y\"]; } );\n",
                 "t.cfg:4: ", "host 'host1' is already in availability zone 'x'");
}

static void test_config_references(void **state)
{
    (void)state;
    expect_error(MINIMAL "config = { filter_scheduler = {\n enabled_filters = [\"ComputeFilter\", \"ComputFilter\"]; }; };\n",
                 "t.cfg:4: ",
                 "enabled_filters[1]: Scheduler Host Filter ComputFilter could not be found. "
                 "(did you mean 'ComputeFilter'?)");
    expect_error(MINIMAL "config = { filter_scheduler = { enabled_filters = [\"RamFilter\"]; }; };\n",
                 "t.cfg:3: ", "Scheduler Host Filter RamFilter could not be found.");
    expect_error(MINIMAL "config = { filter_scheduler = { weight_classes = [\"RAMWeighter\"]; }; };\n",
                 "t.cfg:3: ", "weight_classes[0]: Weigher class RAMWeighter could not be found.");
    /* options exist per release; nova.conf's comma-separated lists work */
    scenario *s = load_ok(MINIMAL "release = \"zed\";\nconfig = {\n"
                          " workarounds = { skip_hypervisor_version_check_on_lm = true; };\n"
                          " scheduler = { query_placement_for_availability_zone = false; };\n"
                          " filter_scheduler = { enabled_filters = \"ComputeFilter, SameHostFilter\";\n"
                          "   isolated_hosts = [\"host1\"];\n"
                          "   weight_classes = [\"nova.scheduler.weights.all_weighers\"]; }; };\n");
    assert_true(s->c->conf.skip_hypervisor_version_check_on_lm);
    assert_false(s->c->conf.query_placement_for_availability_zone);
    assert_int_equal(s->c->conf.enabled_filters.n, 2);
    assert_int_equal(s->c->conf.isolated_hosts.n, 1);
    intvec all = {0};
    weigher_all(REL_ZED, &all);
    assert_int_equal(s->c->conf.weight_classes.n, all.n);
    intvec_free(&all);
    scenario_free(s);
    /* an option the release lacks is ignored, as oslo.config does */
    s = load_ok(MINIMAL "release = \"rocky\";\n"
                "config = { workarounds = {\n skip_hypervisor_version_check_on_lm = true; }; };\n");
    assert_false(s->c->conf.skip_hypervisor_version_check_on_lm);
    scenario_free(s);
    /* but its value must still be valid */
    expect_error(MINIMAL "release = \"rocky\";\n"
                 "config = { workarounds = {\n skip_hypervisor_version_check_on_lm = 2; }; };\n",
                 "t.cfg:5: ", "expected true or false");
}

static void test_release_quirks_policy(void **state)
{
    (void)state;
    expect_error(MINIMAL "release = \"zedd\";\n", "t.cfg:3: ",
                 "release: unknown release 'zedd' (did you mean 'zed'?)");
    expect_error(MINIMAL "quirks = [\"bug-1\", \"!bug-1718456\"];\n", "t.cfg:3: ",
                 "quirks[1]: unknown quirk 'bug-1718456' (did you mean 'bug-1718455'?)");
    /* the format's own example sets an option latest no longer has */
    scenario *s = load_ok(MINIMAL
                          "config = { scheduler = { query_placement_for_availability_zone = true; }; };\n");
    scenario_free(s);
    expect_error(MINIMAL "groups = ( { name = \"g\"; policy = \"anti_affinity\"; } );\n", "t.cfg:3: ",
                 "groups[0].policy: unknown value 'anti_affinity' (did you mean 'anti-affinity'?)");
    expect_error(MINIMAL "groups = ( { name = \"g\"; policy = \"affinity\";\n max_server_per_host = 2; } );\n",
                 "t.cfg:4: ", "Only anti-affinity policy supports rules.");
}

static void test_steps(void **state)
{
    (void)state;
    expect_error(MINIMAL "steps = ( { op = \"live-migrat\"; server = \"v\"; } );\n", "t.cfg:3: ",
                 "steps[0].op: unknown op 'live-migrat' (did you mean 'live-migrate'?)");
    expect_error(MINIMAL "steps = (\n { op = \"resize\"; server = \"v\"; } );\n", "t.cfg:4: ",
                 "steps[0]: missing required key 'flavor' for op 'resize'");
    expect_error(MINIMAL "steps = ( { op = \"host\"; host = \"host1\"; set = \"sideways\"; } );\n",
                 "t.cfg:3: ", "steps[0].set: unknown value 'sideways'");
    expect_error(MINIMAL "steps = ( { op = \"fault\"; host = \"host1\"; point = \"boot\"; } );\n",
                 "t.cfg:3: ", "steps[0].point: unknown value 'boot'");
    expect_error(MINIMAL "steps = ( { op = \"aggregate\"; name = \"a\"; add_host = \"host1\";\n"
                 " remove_host = \"host1\"; } );\n",
                 "t.cfg:3: ", "needs exactly one of add_host, remove_host, set_metadata");
    expect_error(MINIMAL "flavors = ( { name = \"f\"; vcpus = 1; memory_mb = 1; root_gb = 1; } );\n"
                 "steps = ( { op = \"boot\"; name = \"b\"; flavor = \"f\"; min_count = 3;\n"
                 " max_count = 2; } );\n",
                 "t.cfg:5: ", "steps[0].max_count: must be at least min_count (3)");
    expect_error(MINIMAL "steps = ( { op = \"boot\"; name = \"b\"; flavor = \"f\"; } );\n",
                 "t.cfg:3: ", "flavors: required");
    expect_error(MINIMAL "steps = ( { op = \"expect\"; } );\n", "t.cfg:3: ",
                 "op 'expect' needs an expect group");
    expect_error(MINIMAL "steps = ( { op = \"stop\"; server = \"v\";\n expect = { outcom = \"ok\"; }; } );\n",
                 "t.cfg:4: ", "steps[0].expect: unknown key 'outcom' (did you mean 'outcome'?)");
    expect_error(MINIMAL "steps = ( { op = \"stop\"; server = \"v\"; expect = {\n"
                 " usage = ( { host = \"host1\"; VCPUS = 1; } ); }; } );\n",
                 "t.cfg:4: ", "steps[0].expect.usage[0]: unknown key 'VCPUS' (did you mean 'VCPU'?)");
}

static void test_many_errors(void **state)
{
    (void)state;
    strlist errs;
    scenario *s = load("name = 1;\n"
                       "hots = ();\n"
                       "hosts = ( { name = \"h\"; vcpus = -1; memory_mb = \"x\"; disk_gb = 1; } );\n"
                       "steps = ( { op = \"nope\"; } );\n",
                       &errs);
    assert_null(s);
    assert_true(errs.n >= 5);
    assert_true(has_error(&errs, "t.cfg:1: ", "name: expected a string"));
    assert_true(has_error(&errs, "t.cfg:2: ", "unknown key 'hots'"));
    assert_true(has_error(&errs, "t.cfg:3: ", "hosts[0].vcpus: must not be negative"));
    assert_true(has_error(&errs, "t.cfg:3: ", "hosts[0].memory_mb: expected an integer"));
    assert_true(has_error(&errs, "t.cfg:4: ", "unknown op 'nope'"));
    strlist_free(&errs);

    /* hostile input: the number of messages stays bounded */
    sbuf b = {0};
    sbuf_add(&b, "name = \"t\";\nhosts = (\n");
    for (int i = 0; i < 5000; i++)
        sbuf_addf(&b, "{ name = \"h%d\"; vcpus = -1; memory_mb = -1; disk_gb = -1; },\n", i);
    sbuf_add(&b, "{ name = \"last\"; vcpus = 1; memory_mb = 1; disk_gb = 1; } );\n");
    s = load(b.s, &errs);
    assert_null(s);
    assert_true(errs.n <= 101);
    assert_non_null(strstr(errs.v[errs.n - 1], "too many errors"));
    strlist_free(&errs);
    sbuf_free(&b);
}

static void test_missing_file(void **state)
{
    (void)state;
    strlist errs = {0};
    assert_null(scenario_load_file("/nonexistent/x.cfg", &errs));
    assert_int_equal(errs.n, 1);
    assert_non_null(strstr(errs.v[0], "/nonexistent/x.cfg"));
    strlist_free(&errs);
}

/* ---- save / load round trip ----------------------------------------------------- */

static char *tmp_path(void)
{
    char tmpl[] = "/tmp/novalid-scenario-XXXXXX";
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    close(fd);
    return strdup(tmpl);
}

/* What a load's watch heard, and when it says stop. */
typedef struct heard {
    int parsing, building;
    long long parse_last, parse_total, build_last, build_total;
    const char *stop_in;        /* phase in which to say stop, NULL never */
} heard;

static bool hear(void *arg, const char *phase, long long done, long long total)
{
    heard *h = arg;
    if (!strcmp(phase, "parsing")) {
        assert_true(done >= h->parse_last && done <= total);
        h->parsing++;
        h->parse_last = done;
        h->parse_total = total;
    } else {
        assert_string_equal(phase, "building");
        assert_true(done >= h->build_last && done <= total);
        h->building++;
        h->build_last = done;
        h->build_total = total;
    }
    return !h->stop_in || strcmp(phase, h->stop_in);
}

/* A long load tells its watch how far it parsed (bytes) and built (hosts
 * and servers), builds the same cloud as an unwatched load, and stops
 * with one message when the watch says so, in either phase. */
static void load_watch(bool halves)
{
    size_t keep = scenario_split_min;
    scenario_split_min = halves ? 0 : SIZE_MAX;
    char *path = tmp_path();
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    /* 2 MiB of comments, so the parser reads in several blocks */
    for (int i = 0; i < 32768; i++)
        fprintf(f, "# %060d\n", i);
    fputs("name = \"watched\";\n"
          "hosts = ( { name = \"cmp%05d\"; count = 3000; vcpus = 32; memory_mb = 65536;"
          " disk_gb = 1000; } );\n"
          "flavors = ( { name = \"f\"; vcpus = 1; memory_mb = 512; root_gb = 1; } );\n", f);
    fputs("servers = (", f);
    for (int i = 0; i < 5; i++)   /* 15,000 servers, five on each host */
        fprintf(f, "%s { name = \"%c%%d\"; count = 3000; host = \"cmp%%05d\"; flavor = \"f\"; }",
                i ? "," : "", 'a' + i);
    fputs(" );\n", f);
    assert_int_equal(fclose(f), 0);
    strlist errs = {0};
    scenario *plain = scenario_load_file(path, &errs);
    assert_non_null(plain);
    heard h = {0};
    scenario *watched = scenario_load_file_watch(path, &errs, hear, &h);
    assert_non_null(watched);
    assert_int_equal(errs.n, 0);
    assert_int_equal(watched->halves, halves);
    sbuf why = {0};
    if (!cloud_same(plain->c, watched->c, &why))
        fail_msg("a watched load differs: %s", why.s);
    assert_true(h.parsing >= 2 && h.parse_total > 2000000 && h.parse_last >= 1 << 20);
    assert_true(h.building >= 4);   /* every 4,096 hosts and servers */
    assert_int_equal(h.build_total, 18000);
    scenario_free(plain);
    scenario_free(watched);

    const char *phases[] = {"parsing", "building"};
    for (int i = 0; i < 2; i++) {
        heard stop = {.stop_in = phases[i]};
        assert_null(scenario_load_file_watch(path, &errs, hear, &stop));
        assert_int_equal(errs.n, 1);
        char *want = nv_printf("%s: loading interrupted", path);
        assert_string_equal(errs.v[0], want);
        free(want);
        strlist_free(&errs);
        assert_int_equal(i ? stop.building : stop.parsing, 1);
    }
    unlink(path);
    free(path);
    scenario_split_min = keep;
}

/* in one piece and in two halves, the second one's progress heard too */
static void test_load_watch(void **state)
{
    (void)state;
    load_watch(false);
    load_watch(true);
}

/* ---- a file parsed in two halves ---------------------------------------------- */

/* `text` loaded whole and in two halves: the same cloud, steps and
 * messages.  Returns whether it was parsed in halves. */
static bool same_either_way(const char *text, const char *name)
{
    strlist e1 = {0}, e2 = {0};
    size_t keep = scenario_split_min;
    scenario_split_min = SIZE_MAX;
    scenario *a = scenario_load_string(text, name, &e1);
    scenario_split_min = 0;
    scenario *b = scenario_load_string(text, name, &e2);
    scenario_split_min = keep;
    bool differ = !a != !b || e1.n != e2.n;
    for (int i = 0; !differ && i < e1.n; i++)
        differ = strcmp(e1.v[i], e2.v[i]) != 0;
    if (differ) {
        fprintf(stderr, "%s: whole %s, in halves %s; messages:\n", name, a ? "loads" : "fails",
                b ? "loads" : "fails");
        dump_errors(&e1);
        fprintf(stderr, "  in halves:\n");
        dump_errors(&e2);
    }
    assert_false(differ);
    bool halves = false;
    if (a) {
        assert_false(a->halves);
        halves = b->halves;
        sbuf why = {0};
        if (!cloud_same(a->c, b->c, &why))
            fail_msg("%s: loaded in halves, the cloud differs: %s", name, why.s);
        assert_int_equal(a->steps_line, b->steps_line);
        assert_int_equal(a->steps_last, b->steps_last);
        char *ta = scenario_text(a->c, a->steps, a->n_steps);
        char *tb = scenario_text(b->c, b->steps, b->n_steps);
        assert_string_equal(ta, tb);
        free(ta);
        free(tb);
        scenario_free(a);
        scenario_free(b);
    }
    strlist_free(&e1);
    strlist_free(&e2);
    return halves;
}

/* A cloud written out one object per line: `n_hosts` hosts, ten servers
 * on each, a step at the end. */
static char *explicit_cloud(int n_hosts)
{
    sbuf b = {0};
    sbuf_add(&b, "name = \"halves\";\n"
                 "flavors = ( { name = \"f\"; vcpus = 1; memory_mb = 512; root_gb = 1; } );\n"
                 "hosts = (\n");
    for (int h = 1; h <= n_hosts; h++)
        sbuf_addf(&b, "  { name = \"cmp%d\"; vcpus = %d; memory_mb = 65536; disk_gb = 500; }%s\n",
                  h, 16 + h % 3 * 16, h < n_hosts ? "," : "");
    sbuf_add(&b, ");\n# the servers\nservers = (\n");
    for (int i = 1; i <= n_hosts * 10; i++)
        sbuf_addf(&b, "  { name = \"vm%d\"; flavor = \"f\"; host = \"cmp%d\"; }%s\n", i,
                  1 + (i * 7) % n_hosts, i < n_hosts * 10 ? "," : "");
    sbuf_add(&b, ");\nsteps = ( { op = \"boot\"; name = \"new\"; flavor = \"f\"; } );\n");
    return sbuf_take(&b);
}

static void test_split_parse(void **state)
{
    (void)state;
    /* every scenario and every bad file of the project */
    const char *dirs[] = {NOVALID_SRCDIR "/scenarios", NOVALID_SRCDIR "/tests/bad"};
    int files = 0, split = 0;
    for (int d = 0; d < 2; d++) {
        DIR *dir = opendir(dirs[d]);
        assert_non_null(dir);
        struct dirent *de;
        while ((de = readdir(dir))) {
            size_t n = strlen(de->d_name);
            if (n < 5 || strcmp(de->d_name + n - 4, ".cfg"))
                continue;
            char *path = nv_printf("%s/%s", dirs[d], de->d_name);
            char err[256];
            size_t len;
            char *text = textfile_read(path, (size_t)64 << 20, &len, err, sizeof err);
            assert_non_null(text);
            split += same_either_way(text, path);
            files++;
            free(text);
            free(path);
        }
        closedir(dir);
    }
    assert_true(files > 100);
    if (split < files / 2)
        fail_msg("only %d of %d files were parsed in halves", split, files);

    /* a larger cloud, and that cloud spoilt one byte at a time */
    char *text = explicit_cloud(60);
    assert_true(same_either_way(text, "t.cfg"));
    size_t len = strlen(text);
    const char spoil[] = "}{();,\"=#x1";
    unsigned seed = 1;
    for (int i = 0; i < 400; i++) {
        seed = seed * 1103515245u + 12345u;
        size_t at = (seed >> 8) % len;
        char was = text[at];
        text[at] = spoil[(seed >> 3) % (sizeof spoil - 1)];
        same_either_way(text, "t.cfg");
        text[at] = was;
    }
    /* a server named twice, once in each half; a host unknown in the second */
    char *dup = strstr(text, "\"vm600\"");
    assert_non_null(dup);
    memcpy(dup, "\"vm1\"  ", 7);
    same_either_way(text, "t.cfg");
    memcpy(dup, "\"vm600\"", 7);
    char *ref = strstr(dup, "\"cmp");
    memcpy(ref, "\"xmp", 4);
    same_either_way(text, "t.cfg");
    memcpy(ref, "\"cmp", 4);
    /* syntax errors in either half: the message of one parse of the file */
    const char *where[] = {"\"vm590\"", "\"vm10\"", "\"cmp30\""};
    for (int i = 0; i < 3; i++) {
        char *at = strstr(text, where[i]);
        assert_non_null(at);
        at[-1] = '(';
        strlist errs = {0};
        assert_null(scenario_load_string(text, "t.cfg", &errs));
        assert_int_equal(errs.n, 1);
        assert_non_null(strstr(errs.v[0], "syntax error"));
        strlist_free(&errs);
        same_either_way(text, "t.cfg");
        at[-1] = ' ';
    }
    assert_true(same_either_way(text, "t.cfg"));
    free(text);

    /* a list ending in a comma is a syntax error, split or not; and a
     * comment between two elements is no place to cut wrongly */
    const char *ends[] = {
        "name = \"t\";\n"
        "hosts = ( { name = \"h1\"; vcpus = 8; memory_mb = 8192; disk_gb = 80; }, );\n",
        "name = \"t\";\n"
        "hosts = ( { name = \"h1\"; vcpus = 8; memory_mb = 8192; disk_gb = 80; },\n"
        "  # the second\n  /* one */ { name = \"h2\"; vcpus = 8; memory_mb = 8192; disk_gb = 80; } );\n",
        "name = \"t\";\n"
        "hosts = ( { name = \"h1\"; vcpus = 8; memory_mb = 8192; disk_gb = 80; } # none\n, , "
        "{ name = \"h2\"; vcpus = 8; memory_mb = 8192; disk_gb = 80; } );\n",
    };
    for (int i = 0; i < 3; i++) {
        strlist errs = {0};
        scenario *whole = scenario_load_string(ends[i], "t.cfg", &errs);
        assert_int_equal(whole != NULL, i == 1);
        scenario_free(whole);
        strlist_free(&errs);
        assert_int_equal(same_either_way(ends[i], "t.cfg"), i == 1);
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    scenario *s = load_ok(full_text);
    char *path = tmp_path();
    char err[256];

    /* the session changed things after loading */
    host *h2 = &s->c->hosts.v[1];
    free(h2->host_ip);
    h2->host_ip = strdup("10.0.0.\"2\\");
    s->c->conf.host_subset_size = 3;

    bool ok = scenario_save(path, s->c, s->steps, s->n_steps, err, sizeof err);
    if (!ok)
        fprintf(stderr, "save: %s\n", err);
    assert_true(ok);

    strlist errs = {0};
    scenario *t = scenario_load_file(path, &errs);
    if (!t) {
        dump_errors(&errs);
        FILE *f = fopen(path, "r");
        char line[512];
        while (f && fgets(line, sizeof line, f))
            fputs(line, stderr);
        if (f)
            fclose(f);
    }
    assert_non_null(t);
    const cloud *a = s->c, *b = t->c;
    assert_string_equal(b->name, a->name);
    assert_string_equal(b->description, a->description);
    assert_int_equal(b->conf.release, a->conf.release);
    assert_int_equal(b->conf.quirks, a->conf.quirks);
    assert_int_equal(b->seed, a->seed);
    assert_true(b->conf.cpu_allocation_ratio == 2.0);
    assert_int_equal(b->conf.host_subset_size, 3);
    assert_int_equal(b->conf.max_attempts, 5);
    assert_int_equal(b->conf.enabled_filters.n, 2);
    assert_int_equal(b->conf.weight_classes.n, 1);
    assert_string_equal(b->conf.default_availability_zone, "zone0");
    assert_int_equal(b->hosts.n, a->hosts.n);
    assert_int_equal(b->aggregates.n, a->aggregates.n);
    assert_int_equal(b->flavors.n, a->flavors.n);
    assert_int_equal(b->images.n, a->images.n);
    assert_int_equal(b->groups.n, a->groups.n);
    assert_int_equal(b->servers.n, a->servers.n);
    assert_string_equal(b->hosts.v[1].host_ip, "10.0.0.\"2\\");
    assert_true(b->hosts.v[1].memory_mb == 5000000000LL);
    assert_false(b->hosts.v[1].up);
    assert_true(b->hosts.v[1].cpu_allocation_ratio == 1.5);
    assert_string_equal(b->hosts.v[1].disabled_reason, "maint");
    for (int i = 0; i < a->servers.n; i++) {
        const server *x = &a->servers.v[i], *y = &b->servers.v[i];
        assert_string_equal(y->name, x->name);
        assert_int_equal(y->host, x->host);
        assert_int_equal(y->flavor, x->flavor);
        assert_int_equal(y->image, x->image);
        assert_int_equal(y->group, x->group);
        assert_string_equal(y->vm_state, x->vm_state);
        assert_string_equal(y->availability_zone, x->availability_zone);
        assert_int_equal(server_spec(y)->num_instances, server_spec(x)->num_instances);
        assert_int_equal(server_spec(y)->hints.n, server_spec(x)->hints.n);
    }
    for (int h = 0; h < a->hosts.n; h++)
        for (int r = 0; r < RC_COUNT; r++)
            assert_int_equal(placement_used(b, h, r), placement_used(a, h, r));
    assert_int_equal(t->n_steps, s->n_steps);
    for (int i = 0; i < s->n_steps; i++) {
        assert_int_equal(t->steps[i].op, s->steps[i].op);
        assert_int_equal(t->steps[i].ex.present, s->steps[i].ex.present);
    }
    assert_int_equal(t->steps[0].min_count, 2);
    assert_int_equal(t->steps[0].ex.n_usage, 1);
    assert_int_equal(t->steps[0].ex.usage[0].amount[RC_VCPU], 4);
    assert_string_equal(t->steps[1].block_migration, "false");
    assert_string_equal(t->steps[5].ex.task_state, "");
    assert_int_equal(access(path, F_OK), 0);

    /* a server with no host cannot be written: it is left out */
    cloud *c = s->c;
    cloud_server_set_host(c, 0, -1);
    assert_true(scenario_save(path, c, NULL, 0, err, sizeof err));
    scenario_free(t);
    t = scenario_load_file(path, &errs);
    assert_non_null(t);
    assert_int_equal(t->c->servers.n, 2);
    assert_int_equal(t->n_steps, 0);

    scenario_free(t);
    scenario_free(s);
    strlist_free(&errs);
    unlink(path);
    free(path);
}

/* `count` with a name pattern: copies of one entry under numbered names,
 * each with its own strings, allocations and default host_ip. */
static void test_count_patterns(void **state)
{
    (void)state;
    scenario *s = load_ok(
        "name = \"n\";\n"
        "hosts = ( { name = \"cmp%03d\"; count = 3; first = 9; vcpus = 8; memory_mb = 4096;\n"
        "            disk_gb = 10; traits = [\"CUSTOM_A\"]; az = \"z1\"; },\n"
        "          { name = \"odd%%%d\"; count = 1; vcpus = 2; memory_mb = 1024; disk_gb = 10; } );\n"
        "flavors = ( { name = \"f\"; vcpus = 1; memory_mb = 512; root_gb = 1; } );\n"
        "servers = ( { name = \"vm%d\"; count = 3; first = 9; host = \"cmp%03d\"; flavor = \"f\";\n"
        "              request_spec = { hints = [\"k=v\"]; }; },\n"
        "            { name = \"w%d\"; count = 2; host = \"cmp010\"; flavor = \"f\"; } );\n");
    const cloud *c = s->c;
    assert_int_equal(c->hosts.n, 4);
    assert_string_equal(c->hosts.v[0].name, "cmp009");
    assert_string_equal(c->hosts.v[2].name, "cmp011");
    assert_string_equal(c->hosts.v[3].name, "odd%1");
    for (int h = 0; h < 3; h++) {
        assert_int_equal(c->hosts.v[h].vcpus, 8);
        assert_int_equal(c->hosts.v[h].traits.n, 1);
        assert_string_equal(host_az(c, h), "z1");
    }
    assert_ptr_not_equal(c->hosts.v[1].traits.v, c->hosts.v[0].traits.v);
    assert_string_equal(c->hosts.v[0].host_ip, "192.0.2.1");
    assert_string_equal(c->hosts.v[2].host_ip, "192.0.2.3");
    assert_int_equal(cloud_host(c, "cmp010"), 1);
    assert_int_equal(c->servers.n, 5);
    int vm10 = cloud_server(c, "vm10");
    assert_true(vm10 >= 0);
    assert_int_equal(c->servers.v[vm10].host, 1);
    assert_int_equal(server_spec(&c->servers.v[vm10])->hints.n, 1);
    assert_int_equal(c->servers.v[cloud_server(c, "w2")].host, 1);
    assert_int_equal(placement_used(c, 1, RC_VCPU), 3);
    assert_int_equal(placement_used(c, 2, RC_VCPU), 1);
    scenario_free(s);

    expect_error("name = \"t\";\n" "hosts = ( { name = \"h%d\"; count = 2; vcpus = 1; memory_mb = 1; "
                 "disk_gb = 1; }, { name = \"h2\"; vcpus = 1; memory_mb = 1; disk_gb = 1; } );",
                 "t.cfg:", "duplicate host name 'h2'");
    expect_error("name = \"t\";\n" "hosts = ( { name = \"h%5d\"; count = 2; vcpus = 1; memory_mb = 1; "
                 "disk_gb = 1; } );", "t.cfg:", "'%5d' is not a number conversion");
    expect_error("name = \"t\";\n" "hosts = ( { name = \"h%d\"; count = 2; first = -1; vcpus = 1; "
                 "memory_mb = 1; disk_gb = 1; } );", "t.cfg:", "hosts[0].first: must not be negative");
}

/* A counted server entry's host pattern finds hosts across counted host
 * entries of the same pattern (found by number), hosts named one by one
 * (found by name), and an entry of another width is not the same. */
static void test_count_host_runs(void **state)
{
    (void)state;
    scenario *s = load_ok(
        "name = \"n\";\n"
        "hosts = ( { name = \"h%02d\"; count = 2; vcpus = 8; memory_mb = 4096; disk_gb = 10; },\n"
        "          { name = \"h03\"; vcpus = 8; memory_mb = 4096; disk_gb = 10; },\n"
        "          { name = \"h%d\"; count = 2; first = 4; vcpus = 8; memory_mb = 4096;\n"
        "            disk_gb = 10; },\n"
        "          { name = \"h%02d\"; count = 4; first = 4; vcpus = 8; memory_mb = 4096;\n"
        "            disk_gb = 10; } );\n"
        "flavors = ( { name = \"f\"; vcpus = 1; memory_mb = 512; root_gb = 1; } );\n"
        "servers = ( { name = \"vm%d\"; count = 7; host = \"h%02d\"; flavor = \"f\"; } );\n");
    const cloud *c = s->c;
    const char *want[] = {"h01", "h02", "h03", "h04", "h05", "h06", "h07"};
    assert_int_equal(c->servers.n, 7);
    for (int k = 0; k < 7; k++) {
        int h = c->servers.v[k].host;
        assert_true(h >= 0);
        assert_string_equal(c->hosts.v[h].name, want[k]);
    }
    assert_string_equal(c->hosts.v[3].name, "h4");   /* not h04: another width */
    scenario_free(s);
    /* default addresses: TEST-NET-1 for the first 254 hosts, then 198.18/15 */
    s = load_ok("name = \"n\";\n"
                "hosts = ( { name = \"h%d\"; count = 66000; vcpus = 1; memory_mb = 1; disk_gb = 1; },\n"
                "          { name = \"x%d\"; count = 2; vcpus = 1; memory_mb = 1; disk_gb = 1;\n"
                "            host_ip = \"10.0.0.1\"; } );\n");
    assert_string_equal(s->c->hosts.v[253].host_ip, "192.0.2.254");
    assert_string_equal(s->c->hosts.v[254].host_ip, "198.18.0.1");
    assert_string_equal(s->c->hosts.v[299].host_ip, "198.18.0.46");
    assert_string_equal(s->c->hosts.v[65789].host_ip, "198.19.0.0");
    assert_string_equal(s->c->hosts.v[66001].host_ip, "10.0.0.1");
    scenario_free(s);
    expect_error("name = \"t\";\n"
                 "hosts = ( { name = \"h%d\"; count = 2; vcpus = 1; memory_mb = 4096; disk_gb = 1; } );\n"
                 "flavors = ( { name = \"f\"; vcpus = 1; memory_mb = 1; root_gb = 1; } );\n"
                 "servers = ( { name = \"v%d\"; count = 2; host = \"h%02d\"; flavor = \"f\"; } );",
                 "t.cfg:", "h01");
}

/* Counted names are counted up in place: carries, a carry out of the
 * digits (one more digit), zero padding, text after the number. */
static void test_count_names_carry(void **state)
{
    (void)state;
    scenario *s = load_ok(
        "name = \"n\";\n"
        "hosts = ( { name = \"a%d\"; count = 4; first = 98; vcpus = 8; memory_mb = 4096;\n"
        "            disk_gb = 10; },\n"
        "          { name = \"b%03d-x%%\"; count = 3; first = 999; vcpus = 8; memory_mb = 4096;\n"
        "            disk_gb = 10; },\n"
        "          { name = \"c%04d\"; count = 3; first = 9; vcpus = 8; memory_mb = 4096;\n"
        "            disk_gb = 10; } );\n"
        "flavors = ( { name = \"f\"; vcpus = 1; memory_mb = 512; root_gb = 1; } );\n"
        "servers = ( { name = \"v%d\"; count = 3; first = 99; host = \"a%d\"; flavor = \"f\"; } );\n");
    const cloud *c = s->c;
    const char *want[] = {"a98", "a99", "a100", "a101", "b999-x%", "b1000-x%", "b1001-x%",
                          "c0009", "c0010", "c0011"};
    assert_int_equal(c->hosts.n, 10);
    for (int k = 0; k < 10; k++)
        assert_string_equal(c->hosts.v[k].name, want[k]);
    const char *sv[] = {"v99", "v100", "v101"};
    for (int k = 0; k < 3; k++) {
        assert_string_equal(c->servers.v[k].name, sv[k]);
        assert_string_equal(c->hosts.v[c->servers.v[k].host].name, want[k + 1]);
    }
    scenario_free(s);
}

static void test_save_error(void **state)
{
    (void)state;
    scenario *s = load_ok(MINIMAL);
    char err[256];
    assert_false(scenario_save("/nonexistent/dir/x.cfg", s->c, NULL, 0, err, sizeof err));
    assert_string_equal(err, "cannot create a temporary file in /nonexistent/dir: "
                             "No such file or directory");
    scenario_free(s);
}

static char *slurp_file(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* Saving: the mode kept, symbolic links written through (the link stays),
 * a name planted for the temporary file never written through, a failed
 * write says why and leaves the original and no temporary file behind. */
static void test_save_safely(void **state)
{
    (void)state;
    scenario *s = load_ok(MINIMAL);
    char dir[] = "/tmp/novalid-save-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], link[256], victim[256], planted[256], err[256];
    snprintf(path, sizeof path, "%s/s.cfg", dir);
    snprintf(link, sizeof link, "%s/link.cfg", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    snprintf(planted, sizeof planted, "%s/s.cfg.tmp", dir);

    /* a 0600 file stays 0600 */
    FILE *f = fopen(path, "w");
    fputs("old\n", f);
    fclose(f);
    chmod(path, 0600);
    assert_true(scenario_save(path, s->c, NULL, 0, err, sizeof err));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_non_null(strstr(slurp_file(path), "name = \"t\";"));

    /* a name planted where the old code put its temporary file, and a
     * symlink to the file: the victim is untouched, the link stays a link */
    f = fopen(victim, "w");
    fputs("victim\n", f);
    fclose(f);
    assert_int_equal(symlink(victim, planted), 0);
    assert_int_equal(symlink("s.cfg", link), 0);
    chmod(path, 0640);
    assert_true(scenario_save(link, s->c, NULL, 0, err, sizeof err));
    assert_string_equal(slurp_file(victim), "victim\n");
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_non_null(strstr(slurp_file(path), "hosts = ("));
    assert_int_equal(count_entries(dir), 4);   /* s.cfg, link, victim, planted */

    /* a link to nothing, and a target that is not a regular file */
    char dangling[256];
    snprintf(dangling, sizeof dangling, "%s/dangling.cfg", dir);
    assert_int_equal(symlink("missing.cfg", dangling), 0);
    assert_false(scenario_save(dangling, s->c, NULL, 0, err, sizeof err));
    assert_non_null(strstr(err, "a symbolic link to a missing file"));
    assert_false(scenario_save(dir, s->c, NULL, 0, err, sizeof err));
    assert_non_null(strstr(err, "not a regular file"));

    /* a write that fails (the file size limit here; a full disk alike) */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {16, 16};
        setrlimit(RLIMIT_FSIZE, &rl);
        bool saved = scenario_save(path, s->c, NULL, 0, err, sizeof err);
        scenario_free(s);   /* the child runs under valgrind too: no leak */
        _exit(!saved && strstr(err, "cannot write") && strstr(err, "File too large") ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_non_null(strstr(slurp_file(path), "hosts = ("));    /* the original intact */
    assert_int_equal(count_entries(dir), 5);   /* no temporary file left */

    unlink(path);
    unlink(link);
    unlink(victim);
    unlink(planted);
    unlink(dangling);
    rmdir(dir);
    scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_loads),
        cmocka_unit_test(test_count_patterns),
        cmocka_unit_test(test_count_host_runs),
        cmocka_unit_test(test_count_names_carry),
        cmocka_unit_test(test_load_watch),
        cmocka_unit_test(test_split_parse),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_parse_and_include),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_types_and_ranges),
        cmocka_unit_test(test_wide_integers),
        cmocka_unit_test(test_group_size_limit),
        cmocka_unit_test(test_names_and_references),
        cmocka_unit_test(test_config_references),
        cmocka_unit_test(test_release_quirks_policy),
        cmocka_unit_test(test_steps),
        cmocka_unit_test(test_many_errors),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_save_error),
        cmocka_unit_test(test_save_safely),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
