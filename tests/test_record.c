/*
 * test_record.c - reading decisions and objects: describe of a server and
 * a host, and the decision record as the conductor's moves leave it.
 */
#include <stdio.h>

#include "testutil.h"
#include "decision.h"
#include "describe.h"

typedef struct fx {
    cloud *c;
    trail t;
    nv_rng rng;
} fx;

/* Two 8-vCPU / 8 GiB / 80 GB hosts, flavor m1.small, image cirros. */
static void fx_init(fx *f, int release)
{
    memset(f, 0, sizeof *f);
    f->c = t_cloud(release);
    t_host(f->c, "host1", 8, 8192, 80);
    t_host(f->c, "host2", 8, 8192, 80);
    t_flavor(f->c, "m1.small", 1, 2048, 20);
    t_image(f->c, "cirros");
    nv_rng_seed(&f->rng, 1);
}

static void fx_done(fx *f)
{
    trail_free(&f->t);
    cloud_free(f->c);
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
    fx_done(&f);
}

static void test_describe_host(void **st)
{
    (void)st;
    fx f;
    fx_init(&f, REL_LATEST);
    int a = t_agg(f.c, "fast", "ssd", "true");
    cloud_aggregate_add_host(f.c, a, 0);
    cloud_reindex(f.c);
    f.c->hosts.v[0].disabled = true;
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
    fx_done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_describe_server_of_multi_create),
        cmocka_unit_test(test_describe_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
