/*
 * test_command.c - the command table: every op is accepted by the `:`
 * prompt, the scenario loader and the saver; values are refused in one
 * place with one message; and a property test over random prompt lines
 * (valid and invalid, every op, boundary values): each line is refused
 * with a message or runs, and a session saved from the lines that ran
 * reloads and replays to the same cloud and the same trail.  The same
 * arguments written as scenario steps are accepted or refused exactly
 * when the prompt accepts or refuses them, and load as the same command.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "command.h"
#include "scenario.h"

/* The cloud the lines act on: names the generator draws from exist. */
static const char base_cloud[] =
    "name = \"base\";\n"
    "hosts = ( { name = \"host1\"; vcpus = 8; memory_mb = 16384; disk_gb = 200; az = \"az1\"; },\n"
    "          { name = \"host2\"; vcpus = 8; memory_mb = 16384; disk_gb = 200; } );\n"
    "aggregates = ( { name = \"agg\"; hosts = [\"host2\"]; } );\n"
    "flavors = ( { name = \"m1.small\"; vcpus = 1; memory_mb = 2048; root_gb = 20; },\n"
    "            { name = \"m1.big\"; vcpus = 4; memory_mb = 8192; root_gb = 40; } );\n"
    "groups = ( { name = \"web\"; policy = \"anti-affinity\"; } );\n"
    "servers = ( { name = \"vm-1\"; flavor = \"m1.small\"; host = \"host1\"; } );\n";

static scenario *base(void)
{
    strlist errs = {0};
    scenario *s = scenario_load_string(base_cloud, "base.cfg", &errs);
    assert_non_null(s);
    strlist_free(&errs);
    return s;
}

static char *fmt(const command *c)
{
    sbuf b = {0};
    command_format(c, &b);
    return sbuf_take(&b);
}

/* Load `steps` (the text inside steps = ( ... )) on the base cloud. */
static scenario *load_steps(const char *steps, strlist *errs)
{
    char *text = nv_printf("%ssteps = (\n%s\n);\n", base_cloud, steps);
    memset(errs, 0, sizeof *errs);
    scenario *s = scenario_load_string(text, "t.cfg", errs);
    free(text);
    return s;
}

/* ---- the table walk ------------------------------------------------------------------ */

static const char *sample(const cmd_arg *a)
{
    switch (a->type) {
    case ARG_INT: return a->min > 0 ? "2" : "1";
    case ARG_FLOAT: return "1.5";
    case ARG_BOOL: return "true";
    case ARG_ENUM: return a->values[1] ? a->values[1] : a->values[0];
    case ARG_KVLIST: return "k=v";
    case ARG_TRISTATE: return "false";
    case ARG_VERSION: return "2.30";
    case ARG_RELEASE: return "queens";
    case ARG_OPTION: return "filter_scheduler.host_subset_size=2";
    case ARG_USAGE: return "host1:VCPU=1,MEMORY_MB=2048";
    case ARG_GROUPS: return strcmp(a->key, "numa_cells") ? "vendor_id=8086,product_id=1520"
                                                         : "cpus=4,memory_mb=8192";
    default: break;
    }
    switch (a->from) {
    case FROM_SERVERS: return "vm-1";
    case FROM_HOSTS: return "host1";
    case FROM_FLAVORS: return "m1.small";
    case FROM_IMAGES: return "cirros";
    case FROM_GROUPS: return "web";
    case FROM_AGGREGATES: return "agg";
    default: return "new-thing";
    }
}

/* Every op with its required arguments (expect: all its keys) through the
 * prompt, the formatter, the saver and the loader. */
static void test_every_op_everywhere(void **state)
{
    (void)state;
    for (int op = 0; op < OP_COUNT; op++) {
        const cmd_desc *d = &cmd_table[op];
        assert_non_null(d->run);
        assert_true(d->n_args > 0);
        sbuf line = {0};
        sbuf_add(&line, op_names[op]);
        for (int i = 0; i < d->n_args; i++) {
            const cmd_arg *a = &d->args[i];
            if (!a->required && op != OP_EXPECT)
                continue;
            if (a->type == ARG_OPTION)
                sbuf_addf(&line, " %s", sample(a));
            else
                sbuf_addf(&line, " %s=%s", a->key, sample(a));
        }
        if (op == OP_AGGREGATE)
            sbuf_add(&line, " add_host=host1");
        command c;
        char err[512];
        if (!command_parse(line.s, &c, err, sizeof err))
            fail_msg("prompt refuses '%s': %s", line.s, err);
        char *f1 = fmt(&c);
        command c2;
        if (!command_parse(f1, &c2, err, sizeof err))
            fail_msg("prompt refuses its own form '%s': %s", f1, err);
        char *f2 = fmt(&c2);
        assert_string_equal(f1, f2);

        /* saved and loaded back: the same command */
        scenario *b = base();
        char *text = scenario_text(b->c, &c, 1);
        strlist errs = {0};
        scenario *l = scenario_load_string(text, "saved.cfg", &errs);
        if (!l)
            fail_msg("the loader refuses the saved '%s': %s\n%s", f1, errs.n ? errs.v[0] : "",
                     text);
        assert_int_equal(l->n_steps, 1);
        char *f3 = fmt(&l->steps[0]);
        assert_string_equal(f1, f3);
        free(f3);
        scenario_free(l);
        strlist_free(&errs);
        free(text);
        scenario_free(b);
        free(f1);
        free(f2);
        command_done(&c);
        command_done(&c2);
        sbuf_free(&line);
    }
}

/* ---- one place, one message ---------------------------------------------------------- */

static void refused(const char *line, const char *needle)
{
    command c;
    char err[512] = "";
    bool ok = command_parse(line, &c, err, sizeof err);
    if (ok) {
        command_done(&c);
        fail_msg("'%s' was accepted", line);
    }
    if (!strstr(err, needle))
        fail_msg("'%s': message '%s' lacks '%s'", line, err, needle);
}

static void test_refusals(void **state)
{
    (void)state;
    refused("boot y m1.small min_count=1000000000", "min_count: must be from 1 to 100000");
    refused("boot y m1.small max_count=0", "max_count: must be from 1 to 100000");
    refused("boot y m1.small min_count=3 max_count=2", "max_count: must be at least min_count (3)");
    refused("boot y m1.small min_count=x", "min_count: expected an integer from 1 to 100000");
    refused("fault host1 bogus", "point: unknown value 'bogus'; expected one of: build,");
    refused("host host1 sideways", "set: unknown value 'sideways'");
    refused("host add host5", "set: unknown value 'host5'");
    refused("aggregate az1", "needs exactly one of add_host, remove_host, set_metadata");
    refused("resize vm-1", "resize: missing argument 'flavor'");
    refused("boot vm", "boot: missing argument 'flavor'");
    refused("live-migrate", "live-migrate: missing argument 'server'");
    refused("boot vm m1 imag=x", "did you mean 'image'?");
    refused("live-migrat vm-1", "did you mean 'live-migrate'?");
    refused("migrate vm-1 host1 host2", "unexpected argument 'host2'");
    refused("live-migrate vm-1 microversion=abc", "microversion: expected a microversion 2.N");
    refused("live-migrate vm-1 block_migration=maybe", "expected true, false or auto");
    refused("config-set filter_scheduler.host_subset_size=0", "must be at least 1 (got 0)");
    refused("config-set nosuch.option=1", "unknown option 'nosuch.option'");
    refused("config-set filter_scheduler.enabled_filters=NoSuchFilter",
            "Scheduler Host Filter NoSuchFilter could not be found.");
    refused("config-set filter_scheduler.host_subset_size=99999999999999999999",
            "expected an integer, got '99999999999999999999'");
    refused("config-set filter_scheduler.host_subset_size=2x", "expected an integer, got '2x'");
    refused("config-set scheduler.limit_tenants_to_placement_aggregate=maybe",
            "expected true or false, got 'maybe'");
    refused("config-set filter_scheduler.ram_weight_multiplier=nan", "expected a number, got 'nan'");
    refused("config-set filter_scheduler.ram_weight_multiplier=-inf", "expected a number, got '-inf'");
    refused("config-set filter_scheduler.ram_weight_multiplier=1e999", "expected a number, got '1e999'");
    refused("config-set filter_scheduler.ram_weight_multiplier=", "expected a number, got ''");
    refused("config-set DEFAULT.initial_cpu_allocation_ratio=-0.5", "must be at least 0.0 (got -0.5)");
    refused("config-set filter_scheduler.weight_classes=RAMWeigher,NoSuchWeigher",
            "Weigher class NoSuchWeigher could not be found.");
    refused("config-set a_section_name_longer_than_any_section_of_nova_conf_can_ever_be_x.y=1",
            "unknown option");
    refused("release-set mitaka", "unknown release 'mitaka'");
    refused("host-add h vcpus=-1 memory_mb=1 disk_gb=1", "vcpus: must be from 0 to");
    refused("host-add h vcpus=1 memory_mb=1", "host-add: missing argument 'disk_gb'");
    refused("flavor-add f vcpus=0 memory_mb=1 root_gb=1", "vcpus: must be from 1 to");
    refused("group-create g affinity max_server_per_host=2",
            "max_server_per_host: Only anti-affinity policy supports rules.");
    refused("host-set host1 cpu_allocation_ratio=-1", "must not be below 0");
    refused("expect", "op 'expect' needs an expect group");
    refused("expect vm_state=flying", "vm_state: unknown value 'flying'");
    refused("", "empty command");
    refused(" \t ", "empty command");
    sbuf many = {0};
    sbuf_add(&many, "expect");
    for (int i = 0; i < 64; i++)
        sbuf_add(&many, " hosts=host1");
    refused(many.s, "too many words (at most 64)");
    sbuf_free(&many);
    refused("fault host1 build message=\"a\\\"b\\\\", "unterminated quote");
    refused("expect usage=host1", "expected HOST:RC=N,RC=N");
    refused("expect usage=:VCPU=1", "expected HOST:RC=N,RC=N, got ':VCPU=1'");
    refused("expect usage=host1:", "expected HOST:RC=N,RC=N, got 'host1:'");
    refused("expect usage=host1:VCPU", "expected RC=N, got 'VCPU'");
    refused("expect usage=host1:VCPU=1,GPU=1", "unknown resource class 'GPU'");
    refused("expect usage=host1:VCPU=-1", "VCPU: expected a count, got '-1'");
    refused("expect usage=host1:MEMORY_MB=lots", "MEMORY_MB: expected a count, got 'lots'");
    refused("live-migrate vm-1 microversion=2.0", "expected a microversion 2.N, got '2.0'");
    refused("live-migrate vm-1 microversion=2.1000", "expected a microversion 2.N, got '2.1000'");
    refused("live-migrate vm-1 microversion=2.+5", "expected a microversion 2.N, got '2.+5'");
    refused("live-migrate vm-1 microversion=2.-5", "expected a microversion 2.N, got '2.-5'");
    refused("fault host1 build message=\"unterminated", "unterminated quote");

    /* and the same values in a file: the same words after FILE:LINE: PATH */
    strlist errs;
    scenario *s = load_steps("{ op = \"boot\"; name = \"y\"; flavor = \"m1.small\"; "
                             "min_count = 1000000000; }", &errs);
    assert_null(s);
    assert_true(errs.n > 0);
    assert_non_null(strstr(errs.v[0], "steps[0].min_count: must be from 1 to 100000"));
    strlist_free(&errs);
    s = load_steps("{ op = \"fault\"; host = \"host1\"; point = \"bogus\"; }", &errs);
    assert_null(s);
    assert_non_null(strstr(errs.v[0], "steps[0].point: unknown value 'bogus'"));
    strlist_free(&errs);
}

static void test_accepted(void **state)
{
    (void)state;
    command c;
    char err[512];
    assert_true(command_parse("fault host1 build message=\"disk full\" times=2", &c, err,
                              sizeof err));
    assert_string_equal(c.message, "disk full");
    assert_int_equal(c.times, 2);
    char *f = fmt(&c);
    assert_string_equal(f, "fault host1 build times=2 message=\"disk full\"");
    free(f);
    command_done(&c);

    assert_true(command_parse("expect outcome=NoValidHost server=vm-1 hosts=host1 hosts=host2",
                              &c, err, sizeof err));
    assert_true(c.ex.present);
    assert_string_equal(c.ex.outcome, "NoValidHost");
    assert_int_equal(c.ex.hosts.n, 2);
    command_done(&c);

    assert_true(command_parse("config-set host_subset_size=3 DEFAULT.ram_allocation_ratio=2",
                              &c, err, sizeof err));
    assert_string_equal(kvlist_get(&c.props, "filter_scheduler.host_subset_size"), "3");
    assert_string_equal(kvlist_get(&c.props, "DEFAULT.ram_allocation_ratio"), "2.0");
    command_done(&c);

    /* booleans in any of their spellings, written back as true / false */
    static const struct { const char *in, *out; } bools[] = {
        {"yes", "true"}, {"1", "true"}, {"true", "true"}, {"no", "false"}, {"0", "false"},
        {"false", "false"}};
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        char line[96];
        snprintf(line, sizeof line, "config-set scheduler.limit_tenants_to_placement_aggregate=%s",
                 bools[i].in);
        assert_true(command_parse(line, &c, err, sizeof err));
        assert_string_equal(kvlist_get(&c.props, "scheduler.limit_tenants_to_placement_aggregate"),
                            bools[i].out);
        command_done(&c);
    }

    /* a server named like a flag stays a server */
    assert_true(command_parse("live-migrate server=force", &c, err, sizeof err));
    f = fmt(&c);
    assert_string_equal(f, "live-migrate server=force");
    free(f);
    assert_false(c.force);
    command_done(&c);
}

/* ---- the property test ----------------------------------------------------------------- */

static uint64_t rng_s = 0x9e3779b97f4a7c15ULL;
static unsigned rnd(unsigned n)
{
    rng_s ^= rng_s << 13;
    rng_s ^= rng_s >> 7;
    rng_s ^= rng_s << 17;
    return n ? (unsigned)(rng_s % n) : 0;
}

static const char *const names_pool[] = {
    "vm-1", "web", "web-1", "web-2", "host1", "host2", "host3", "m1.small", "m1.big", "cirros",
    "agg", "az1", "new", "x y", "a=b", "\"q\"", "back\\slash", "", "force", "--force", "bfv", "-x"};

/* One value for argument a: mostly valid, sometimes a boundary or nonsense. */
static void gen_value(const cmd_arg *a, sbuf *v)
{
    char buf[64];
    unsigned k = rnd(10);
    switch (a->type) {
    case ARG_INT: {
        long long cand[] = {a->min, a->max, a->min - 1, a->max == INT64_MAX ? 0 : a->max + 1,
                            a->min + 1, 2, 3, 1000000000LL};
        if (k == 0) {
            sbuf_add(v, rnd(2) ? "x1" : "12abc");
            return;
        }
        long long n = cand[rnd(8)];
        snprintf(buf, sizeof buf, "%lld", n);
        sbuf_add(v, buf);
        return;
    }
    case ARG_FLOAT: {
        static const char *const f[] = {"0", "1.5", "16.0", "-1", "0.5", "abc", "2"};
        sbuf_add(v, f[rnd(7)]);
        return;
    }
    case ARG_BOOL: sbuf_add(v, k < 5 ? "true" : k < 9 ? "false" : "maybe"); return;
    case ARG_ENUM:
        if (k == 0) {
            sbuf_add(v, "bogus");
        } else {
            int n = 0;
            while (a->values[n])
                n++;
            sbuf_add(v, a->values[rnd((unsigned)n)]);
        }
        return;
    case ARG_KVLIST: {
        static const char *const kvs[] = {"same_host=vm-1", "different_host=vm-1", "ssd=true",
                                          "availability_zone=az1", "k=", "noequals",
                                          "trait:HW_CPU_X86_AVX2=required", "hw:cpu_policy=dedicated"};
        sbuf_add(v, kvs[rnd(8)]);
        return;
    }
    case ARG_TRISTATE: {
        static const char *const t[] = {"true", "false", "auto", "sometimes"};
        sbuf_add(v, t[rnd(4)]);
        return;
    }
    case ARG_VERSION: {
        static const char *const t[] = {"2.30", "2.67", "2.68", "2.x", "2.1", "3"};
        sbuf_add(v, t[rnd(6)]);
        return;
    }
    case ARG_RELEASE: {
        static const char *const t[] = {"pike", "queens", "train", "2023.1", "latest", "mitaka"};
        sbuf_add(v, t[rnd(6)]);
        return;
    }
    case ARG_OPTION: {
        static const char *const t[] = {
            "filter_scheduler.host_subset_size=2", "filter_scheduler.host_subset_size=0",
            "DEFAULT.ram_allocation_ratio=1.5", "DEFAULT.cpu_allocation_ratio=-1",
            "scheduler.max_attempts=1", "filter_scheduler.enabled_filters=ComputeFilter",
            "filter_scheduler.enabled_filters=RetryFilter,ComputeFilter",
            "DEFAULT.allow_resize_to_same_host=true", "nosuch.opt=1", "host_subset_size=3",
            "workarounds.skip_hypervisor_version_check_on_lm=maybe",
            "DEFAULT.default_schedule_zone=az1"};
        sbuf_add(v, t[rnd(12)]);
        return;
    }
    case ARG_USAGE: {
        static const char *const t[] = {"host1:VCPU=1", "host2:VCPU=0,MEMORY_MB=0", "host1",
                                        "host1:VCPUS=1"};
        sbuf_add(v, t[rnd(4)]);
        return;
    }
    case ARG_GROUPS: {
        static const char *const t[] = {
            "cpus=4,memory_mb=8192", "cpus=2,pcpus=2,memory_mb=4096,threads_per_core=2",
            "cpus=4", "cpus=70000,memory_mb=1", "vendor_id=8086,product_id=1520",
            "vendor_id=8086,product_id=1520,count=2,numa_node=0", "vendor_id=8086,count=0",
            "bogus=1", "threads_per_core=0,cpus=1,memory_mb=1"};
        sbuf_add(v, t[rnd(9)]);
        return;
    }
    default:
        break;
    }
    if (a->type == ARG_LIST && a->from == FROM_NONE) {
        static const char *const t[] = {"HW_CPU_X86_AVX2", "CUSTOM_X", ""};
        sbuf_add(v, t[rnd(3)]);
        return;
    }
    sbuf_add(v, names_pool[rnd(sizeof names_pool / sizeof names_pool[0])]);
}

/* A prompt word: quoted when needed. */
static void put_word(sbuf *b, const char *v)
{
    bool q = !v[0] || v[0] == '-' || strpbrk(v, " \t\"\\=") != NULL;
    if (!q) {
        sbuf_add(b, v);
        return;
    }
    sbuf_addc(b, '"');
    for (const char *p = v; *p; p++) {
        if (*p == '"' || *p == '\\')
            sbuf_addc(b, '\\');
        sbuf_addc(b, *p);
    }
    sbuf_addc(b, '"');
}

static void put_cfg_string(sbuf *b, const char *v)
{
    sbuf_addc(b, '"');
    for (const char *p = v; *p; p++) {
        if (*p == '"' || *p == '\\')
            sbuf_addc(b, '\\');
        sbuf_addc(b, *p);
    }
    sbuf_addc(b, '"');
}

static bool int_literal(const char *s)
{
    if (*s == '-')
        s++;
    if (!*s || strlen(s) > 19)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static bool float_literal(const char *s)
{
    return int_literal(s) || !strcmp(s, "1.5") || !strcmp(s, "16.0") || !strcmp(s, "0.5");
}

/* A scalar as libconfig would spell the value for this argument. */
static void put_cfg_value(sbuf *b, const cmd_arg *a, const char *v)
{
    if (a->type == ARG_INT && int_literal(v))
        sbuf_addf(b, "%s%s", v, strlen(v) > 9 ? "L" : "");
    else if (a->type == ARG_FLOAT && float_literal(v))
        sbuf_add(b, v);
    else if ((a->type == ARG_BOOL || a->type == ARG_TRISTATE) &&
             (!strcmp(v, "true") || !strcmp(v, "false")))
        sbuf_add(b, v);
    else
        put_cfg_string(b, v);
}

typedef struct gen_line {
    sbuf prompt, step;
    bool loader_comparable;     /* the step text says the same as the prompt line */
} gen_line;

/* A random line for op `op`, as a prompt line and as a scenario step. */
static void gen(int op, gen_line *g)
{
    const cmd_desc *d = &cmd_table[op];
    memset(g, 0, sizeof *g);
    g->loader_comparable = op != OP_EXPECT;
    sbuf_add(&g->prompt, op_names[op]);
    sbuf_addf(&g->step, "{ op = \"%s\"; ", op_names[op]);
    bool positional = rnd(2);
    sbuf opts = {0};
    sbuf_add(&opts, "");
    for (int i = 0; i < d->n_args; i++) {
        const cmd_arg *a = &d->args[i];
        bool give = a->required ? rnd(30) != 0 : rnd(3) == 0;
        if (!give) {
            if (a->pos)
                positional = false;
            continue;
        }
        int times = (a->type == ARG_LIST || a->type == ARG_KVLIST || a->type == ARG_OPTION ||
                     a->type == ARG_USAGE || a->type == ARG_GROUPS)
                        ? 1 + (int)rnd(2)
                        : 1;
        if (a->type == ARG_LIST || a->type == ARG_KVLIST)
            sbuf_addf(&g->step, "%s = [", a->key);
        if (a->type == ARG_GROUPS)
            sbuf_addf(&g->step, "%s = ( ", a->key);
        for (int t = 0; t < times; t++) {
            sbuf v = {0};
            sbuf_add(&v, "");
            gen_value(a, &v);
            if (a->type == ARG_OPTION) {
                sbuf_addf(&g->prompt, " %s", v.s);
                /* the loader's form needs SECTION = { OPTION = value; } */
                char *eq = strchr(v.s, '=');
                char *dot = strchr(v.s, '.');
                if (!dot || dot > eq || times > 1) {
                    g->loader_comparable = false;
                } else {
                    sbuf_addf(&opts, "%.*s = { %.*s = ", (int)(dot - v.s), v.s,
                              (int)(eq - dot - 1), dot + 1);
                    const cmd_arg fake = {.type = strchr("0123456789-", eq[1]) &&
                                                          !strchr(eq + 1, '.')
                                                      ? ARG_INT
                                                  : !strcmp(eq + 1, "true") ||
                                                          !strcmp(eq + 1, "false")
                                                      ? ARG_BOOL
                                                      : ARG_FLOAT};
                    if (float_literal(eq + 1) || fake.type == ARG_BOOL)
                        put_cfg_value(&opts, &fake, eq + 1);
                    else
                        put_cfg_string(&opts, eq + 1);
                    sbuf_add(&opts, "; }; ");
                }
            } else if (a->type == ARG_BOOL && a->off != ARG_NO_FIELD && !strcmp(v.s, "true") &&
                       rnd(2)) {
                sbuf_addf(&g->prompt, " %s", a->word ? a->word : a->key);
                sbuf_addf(&g->step, "%s = true; ", a->key);
            } else {
                if (positional && a->pos && !cmd_arg_find(op, v.s) && v.s[0] &&
                    v.s[0] != '-' && !strchr(v.s, '=')) {
                    sbuf_addc(&g->prompt, ' ');
                    put_word(&g->prompt, v.s);
                } else {
                    if (a->pos)
                        positional = false;
                    sbuf_addf(&g->prompt, " %s=", a->word && a->word[0] != '-' &&
                                                          a->type != ARG_BOOL && rnd(2)
                                                      ? a->word
                                                      : a->key);
                    put_word(&g->prompt, v.s);
                }
                if (a->type == ARG_GROUPS) {
                    /* K=V,K=V as a group: numbers bare, the rest strings */
                    sbuf_add(&g->step, t ? ", { " : "{ ");
                    strlist parts = {0};
                    nv_split_strip(&parts, v.s, ',');
                    for (int k = 0; k < parts.n; k++) {
                        char *kk, *vv;
                        if (!kv_split(parts.v[k], &kk, &vv)) {
                            g->loader_comparable = false;
                            continue;
                        }
                        sbuf_addf(&g->step, "%s = ", kk);
                        if (int_literal(vv))
                            sbuf_add(&g->step, vv);
                        else
                            put_cfg_string(&g->step, vv);
                        sbuf_add(&g->step, "; ");
                        free(kk);
                        free(vv);
                    }
                    strlist_free(&parts);
                    sbuf_add(&g->step, "}");
                } else if (a->type == ARG_LIST || a->type == ARG_KVLIST) {
                    if (t)
                        sbuf_add(&g->step, ", ");
                    put_cfg_string(&g->step, v.s);
                } else if (a->type != ARG_USAGE) {
                    sbuf_addf(&g->step, "%s = ", a->key);
                    put_cfg_value(&g->step, a, v.s);
                    sbuf_add(&g->step, "; ");
                }
            }
            sbuf_free(&v);
        }
        if (a->type == ARG_LIST || a->type == ARG_KVLIST)
            sbuf_add(&g->step, "]; ");
        if (a->type == ARG_GROUPS)
            sbuf_add(&g->step, " ); ");
    }
    if (opts.len)
        sbuf_addf(&g->step, "config = { %s}; ", opts.s);
    if (rnd(40) == 0) {
        sbuf_add(&g->prompt, " nosuchkey=1");
        sbuf_add(&g->step, "nosuchkey = 1; ");
    }
    sbuf_add(&g->step, "}");
    sbuf_free(&opts);
}

static char *state_of(const session *s)
{
    char *a = scenario_text(s->c, NULL, 0);
    sbuf t = {0};
    trail_text(&s->t, 0, &t);
    char *r = nv_printf("%s\n----\n%s", a, t.s ? t.s : "");
    free(a);
    sbuf_free(&t);
    return r;
}

static void test_property(void **state)
{
    (void)state;
    int lines = 0, accepted = 0, refused_n = 0, compared = 0, sessions = 0, snapshots = 0;
    int names_refused = 0, n_added = 0;
    const int N_SEQ = 520, PER_SEQ = 20;
    scenario *base_s = base();
    const cloud *base_c = base_s->c;
    for (int q = 0; q < N_SEQ; q++) {
        scenario *b = base();
        session *s = session_new(b->c);
        b->c = NULL;
        scenario_free(b);
        for (int i = 0; i < PER_SEQ; i++) {
            int op = (int)rnd(OP_COUNT);
            gen_line g;
            gen(op, &g);
            if (rnd(60) == 0) {
                /* a stray word or quote: the prompt alone */
                sbuf_add(&g.prompt, rnd(2) ? " extra" : " \"");
                g.loader_comparable = false;
            }
            lines++;
            command c;
            char err[512] = "";
            const char *nkey;
            bool ok = command_parse(g.prompt.s, &c, err, sizeof err);
            /* the loader, fed the same arguments as a step on the base
             * cloud, agrees with the prompt on that cloud (names too) */
            if (g.loader_comparable) {
                strlist errs;
                scenario *l = load_steps(g.step.s, &errs);
                bool lok = l != NULL;
                char nerr[400];
                if (ok && !command_check_names_in(base_c, &c, &nkey, nerr, sizeof nerr)) {
                    if (lok || !errs.n || !strstr(errs.v[0], nerr))
                        fail_msg("names: prompt refuses '%s' (%s) but loader says %s", g.prompt.s,
                                 nerr, lok ? "ok" : errs.v[0]);
                    names_refused++;
                    if (l)
                        scenario_free(l);
                    strlist_free(&errs);
                    goto loader_done;
                }
                if (lok != ok)
                    fail_msg("prompt %s but loader %s:\n  %s\n  %s\n  %s", ok ? "accepts" : "refuses",
                             lok ? "accepts" : "refuses", g.prompt.s, g.step.s,
                             ok ? (errs.n ? errs.v[0] : "") : err);
                if (ok && lok) {
                    char *a = fmt(&c), *bb = fmt(&l->steps[0]);
                    if (strcmp(a, bb))
                        fail_msg("prompt and loader differ: '%s' vs '%s' (%s)", a, bb, g.step.s);
                    compared++;
                    free(a);
                    free(bb);
                }
                if (l)
                    scenario_free(l);
                strlist_free(&errs);
            }
        loader_done:
            if (!ok) {
                if (!err[0])
                    fail_msg("'%s' refused without a message", g.prompt.s);
                refused_n++;
            } else if (!command_check_names_in(s->c, &c, &nkey, err, sizeof err)) {
                /* the prompt refuses a name the cloud has or lacks */
                refused_n++;
                command_done(&c);
            } else {
                const cmd_result *r = session_exec(s, &c);
                assert_non_null(r->outcome);
                accepted++;
                command_done(&c);
            }
            sbuf_free(&g.prompt);
            sbuf_free(&g.step);
        }
        /* saved, reloaded, replayed: the same cloud and the same trail */
        cloud *start = session_cloud_at(s, 0);
        char *text = scenario_text(start, s->done, s->n_done);
        /* the UI's autosave writes the start state and the steps apart */
        char *head = scenario_text(start, NULL, 0);
        char *tail = scenario_steps_text(s->done, s->n_done);
        char *both = nv_printf("%s%s", head, tail);
        assert_string_equal(both, text);
        free(both);
        free(head);
        free(tail);
        strlist errs = {0};
        scenario *l = scenario_load_string(text, "saved.cfg", &errs);
        if (!l) {
            fputs(text, stderr);
            fail_msg("a saved session does not load: %s", errs.n ? errs.v[0] : "");
        }
        assert_int_equal(l->n_steps, s->n_done);
        session *r = session_new(l->c);
        l->c = NULL;
        for (int i = 0; i < l->n_steps; i++)
            session_exec(r, &l->steps[i]);
        char *sa = state_of(s), *sb = state_of(r);
        if (strcmp(sa, sb)) {
            fprintf(stderr, "%s\n=== first\n%s\n=== replayed\n%s\n", text, sa, sb);
            fail_msg("replay differs");
        }
        /* the cloud after any prefix of the history (what w's fit notes
         * read): rebuilt from the undo journals, it is the cloud a fresh
         * session has after those commands */
        {
            int k = q % (s->n_done + 1);
            session *p = session_new(cloud_clone(start));
            for (int i = 0; i < k; i++)
                session_exec(p, &s->done[i]);
            cloud *at = session_cloud_at(s, k);
            char *want = scenario_text(p->c, NULL, 0), *got = scenario_text(at, NULL, 0);
            if (strcmp(want, got))
                fail_msg("the cloud after %d of %d commands differs:\n%s\n=== rebuilt\n%s", k,
                         s->n_done, want, got);
            free(want);
            free(got);
            cloud_free(at);
            session_free(p);
        }
        /* undo is replay too: undoing the last command and redoing it */
        if (s->n_done) {
            command last;
            command_copy(&last, &s->done[s->n_done - 1]);
            session_undo(s);
            session_exec(s, &last);
            command_done(&last);
            char *sc = state_of(s);
            assert_string_equal(sa, sc);
            free(sc);
        }
        /* saved with the observed outcomes as expectations: every one holds */
        int n_snap;
        command *snap = session_snapshot(s, &n_snap);
        char *stext = scenario_text(start, snap, n_snap);
        /* which steps the snapshot added: those hold too */
        unsigned char *added = nv_calloc((size_t)n_snap + 1, 1);
        for (int i = 0; i < n_snap; i++) {
            added[i] = snap[i].line == -1;
            n_added += added[i];
        }
        for (int i = 0; i < n_snap; i++)
            command_done(&snap[i]);
        free(snap);
        strlist_free(&errs);
        scenario *sl = scenario_load_string(stext, "snapshot.cfg", &errs);
        if (!sl) {
            fputs(stext, stderr);
            fail_msg("a snapshot does not load: %s", errs.n ? errs.v[0] : "");
        }
        session *ss = session_new(sl->c);
        sl->c = NULL;
        for (int i = 0; i < sl->n_steps; i++) {
            session_exec(ss, &sl->steps[i]);
            if (!sl->steps[i].ex.present)
                continue;
            cmd_result er;
            session_expect_result(ss, i, &er);
            expect_checks ck = {0};
            expect_eval(ss->c, &sl->steps[i].ex, &er, &ck);
            for (int k = 0; k < ck.n; k++)
                if (!ck.v[k].ok && (sl->steps[i].op != OP_EXPECT || added[i])) {
                    fputs(stext, stderr);
                    fail_msg("snapshot step %d: expect %s want '%s' got '%s'", i + 1,
                             ck.v[k].key, ck.v[k].want, ck.v[k].got);
                }
            snapshots += ck.n;
            expect_checks_free(&ck);
        }
        session_free(ss);
        scenario_free(sl);
        free(added);
        free(stext);
        free(sa);
        free(sb);
        session_free(r);
        scenario_free(l);
        strlist_free(&errs);
        free(text);
        cloud_free(start);
        session_free(s);
        sessions++;
    }
    print_message("%d lines: %d ran, %d refused; %d compared with the loader; %d sessions "
                  "saved and replayed; %d snapshot expectations held\n",
                  lines, accepted, refused_n, compared, sessions, snapshots);
    assert_true(lines >= 10000);
    assert_true(accepted > 1000 && refused_n > 1000 && compared > 1000);
    assert_true(names_refused > 0);
    assert_true(n_added > 0);   /* multi-creates: the other servers asserted too */
    scenario_free(base_s);
}

static void completes(const cloud *c, const char *line, const char *want)
{
    strlist out = {0};
    int start = command_complete(c, line, strlen(line), &out);
    sbuf got = {0};
    sbuf_add(&got, "");
    for (int i = 0; i < out.n; i++)
        sbuf_addf(&got, "%s%s", i ? "|" : "", out.v[i]);
    if (strcmp(got.s, want))
        fail_msg("completing '%s': got '%s', want '%s'", line, got.s, want);
    assert_true(start >= 0 && (size_t)start <= strlen(line));
    sbuf_free(&got);
    strlist_free(&out);
}

static void test_completion(void **state)
{
    (void)state;
    scenario *b = base();
    completes(b->c, "live-m", "live-migrate ");
    completes(b->c, "host-", "host-add |host-remove |host-set ");
    completes(b->c, "live-migrate v", "vm-1 ");
    completes(b->c, "live-migrate vm-1 h", "host1 |host2 ");
    completes(b->c, "boot x m1", "m1.big |m1.small ");
    completes(b->c, "boot x m1.small gr", "group=");
    completes(b->c, "boot x m1.small group=", "group=web ");
    completes(b->c, "host host1 d", "disable |down ");
    completes(b->c, "release-set 2023", "2023.1 |2023.2 ");
    completes(b->c, "config-set filter_scheduler.host_s", "filter_scheduler.host_subset_size=");
    completes(b->c, "live-migrate vm-1 host2 --f", "--force ");
    completes(b->c, "nosuch x", "");
    completes(b->c, "aggregate a", "add_host=|agg |az1 ");
    completes(b->c, "live-migrate vm-1 host2 block_migration=",
              "block_migration=auto |block_migration=false |block_migration=true ");
    completes(NULL, "live-migrate v", "");
    scenario_free(b);
}

/* Names of every kind, with and without a cloud, and values of a flag. */
static void test_completion_names(void **state)
{
    (void)state;
    char *text = nv_printf("%simages = ( { name = \"cirros\"; }, { name = \"centos\"; } );\n",
                           base_cloud);
    strlist errs = {0};
    scenario *s = scenario_load_string(text, "names.cfg", &errs);
    free(text);
    assert_non_null(s);
    strlist_free(&errs);
    completes(s->c, "rebuild vm-1 c", "centos |cirros ");
    completes(s->c, "rebuild vm-1 ci", "cirros ");
    completes(NULL, "rebuild vm-1 c", "");
    completes(s->c, "boot x m1.small image=ce", "image=centos ");
    completes(s->c, "boot x m1.small bfv=", "bfv=false |bfv=true ");
    completes(NULL, "release-set 2024", "2024.1 |2024.2 ");
    scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_op_everywhere),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_completion),
        cmocka_unit_test(test_completion_names),
        cmocka_unit_test(test_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
