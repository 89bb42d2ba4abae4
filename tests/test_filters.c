/*
 * test_filters.c - Nova's host filters, run through scheduler_select() one
 * filter at a time, and the extra-spec operator language.
 *
 * Reference: nova-model.md section 5 and nova/scheduler/filters/ (Zed).
 * Every case builds a small cloud, enables only the filter under test,
 * schedules one server and inspects the filter's EV_FILTER event: in/out
 * counts, which hosts were rejected and that the reason names the numbers.
 */
#include <math.h>
#include <stdio.h>

#include "testutil.h"

bool filters_spec_match(const char *, const char *);

/* ---- helpers ------------------------------------------------------------- */

typedef struct fx {
    cloud *c;
    int fl;                     /* the flavor requested */
    request_spec rs;
    trail t;
    sched_result r;
    bool ran;
} fx;

/* The fixture in use, freed by the teardown if a failed assertion left it. */
static fx *live;

static void set_str(char **p, const char *v)
{
    free(*p);
    *p = nv_strdup(v);
}

/* `n` hosts host1..hostN (8 vCPU, 16 GiB, 200 GB), flavor m1.small
 * (1 vCPU, 512 MB, 1 GB), one new server "vm" to schedule. */
static void fx_init(fx *f, int release, int n)
{
    memset(f, 0, sizeof *f);
    live = f;
    f->c = t_cloud(release);
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "host%d", i + 1);
        t_host(f->c, name, 8, 16384, 200);
    }
    f->fl = t_flavor(f->c, "m1.small", 1, 512, 1);
    request_spec_init(&f->rs);
    f->rs.flavor = f->fl;
    f->rs.project = "demo";
}

/* Add the server(s) being scheduled (call after everything else is built). */
static int fx_vm(fx *f, const char *name)
{
    int s = cloud_add_server(f->c, name, f->rs.flavor);
    intvec_push(&f->rs.instances, s);
    return s;
}

static void fx_filters1(fx *f, const char *name)
{
    const char *names[] = {name};
    t_filters(f->c, names, 1);
}

static void fx_run(fx *f)
{
    if (!f->rs.instances.n)
        fx_vm(f, "vm");
    nv_rng rng;
    nv_rng_seed(&rng, 1);
    scheduler_select(f->c, &f->rs, &rng, &f->t, &f->r);
    f->ran = true;
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

static void dump_event(const event *e)
{
    fprintf(stderr, "  %s %s: in %d out %d\n", ev_kind_names[e->kind], e->name ? e->name : "",
            e->in, e->out);
    for (int i = 0; i < e->rejected.n; i++) {
        sbuf w = {0};
        event_reject_reason(e, i, &w);
        fprintf(stderr, "    - %s: %s\n", event_reject_host(e, i), w.s ? w.s : "");
        sbuf_free(&w);
    }
}

/* The event of `filter` exists with these counts and rejected exactly the
 * space-separated `rejected` hosts. */
static const event *check_filter(const fx *f, const char *filter, int in, int out,
                                 const char *rejected)
{
    const event *e = t_find(&f->t, EV_FILTER, filter);
    if (!e)
        fprintf(stderr, "  no EV_FILTER event for %s\n", filter);
    assert_non_null(e);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", rejected);
    int n = 0;
    bool ok = e->in == in && e->out == out;
    for (char *h = strtok(buf, " "); h; h = strtok(NULL, " ")) {
        n++;
        if (!t_reason(e, h))
            ok = false;
    }
    if (n != e->rejected.n)
        ok = false;
    if (!ok) {
        fprintf(stderr, "  wanted in %d out %d rejected [%s], got:\n", in, out, rejected);
        dump_event(e);
    }
    assert_int_equal(e->in, in);
    assert_int_equal(e->out, out);
    assert_int_equal(e->rejected.n, n);
    assert_true(ok);
    return e;
}

/* The reason for rejecting `host` contains every needle. */
static void reason_has(const event *e, const char *hn, const char *n1, const char *n2)
{
    const char *r = t_reason(e, hn);
    bool ok = r && (!n1 || strstr(r, n1)) && (!n2 || strstr(r, n2));
    if (!ok)
        fprintf(stderr, "  reason for %s: '%s', wanted '%s' and '%s'\n", hn, r ? r : "(none)",
                n1 ? n1 : "", n2 ? n2 : "");
    assert_true(ok);
}

static int count_events(const trail *t, enum ev_kind k, const char *name)
{
    int n = 0;
    for (int i = 0; i < t->n; i++)
        if (t->v[i].kind == k && (!name || (t->v[i].name && !strcmp(t->v[i].name, name))))
            n++;
    return n;
}

static void flavor_spec(fx *f, const char *k, const char *v)
{
    kvlist_push(&f->c->flavors.v[f->rs.flavor].extra_specs, k, v);
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

static int image_with(fx *f, const char *name, const char *k, const char *v)
{
    int im = cloud_image(f->c, name);
    if (im < 0)
        im = t_image(f->c, name);
    if (k)
        kvlist_push(&f->c->images.v[im].properties, k, v);
    f->rs.image = im;
    return im;
}

static void set_state(cloud *c, int s, const char *vm, const char *task)
{
    c->servers.v[s].vm_state = nv_intern(vm);
    c->servers.v[s].task_state = nv_intern(task);
}

/* ---- extra-spec operators (extra_specs_ops.match) -------------------------- */

static void test_spec_match_numeric(void **state)
{
    (void)state;
    /* '=' means >= */
    assert_true(filters_spec_match("4", "= 2"));
    assert_true(filters_spec_match("2", "= 2"));
    assert_false(filters_spec_match("2", "= 4"));
    assert_true(filters_spec_match("2.0", "== 2"));
    assert_false(filters_spec_match("3", "== 2"));
    assert_true(filters_spec_match("3", "!= 2"));
    assert_false(filters_spec_match("2", "!= 2"));
    assert_true(filters_spec_match("3", ">= 3"));
    assert_false(filters_spec_match("2", ">= 3"));
    assert_true(filters_spec_match("3", "<= 3"));
    assert_false(filters_spec_match("4", "<= 3"));
    assert_true(filters_spec_match("8002000", ">= 8000000"));
    assert_true(filters_spec_match("16.0", "= 4"));
}

static void test_spec_match_strings(void **state)
{
    (void)state;
    assert_true(filters_spec_match("abc", "s== abc"));
    assert_false(filters_spec_match("abd", "s== abc"));
    assert_false(filters_spec_match("abc", "s!= abc"));
    assert_true(filters_spec_match("abd", "s!= abc"));
    assert_true(filters_spec_match("abc", "s< abd"));
    assert_false(filters_spec_match("abd", "s< abc"));
    assert_true(filters_spec_match("abc", "s<= abc"));
    assert_false(filters_spec_match("abd", "s<= abc"));
    assert_true(filters_spec_match("b", "s> a"));
    assert_false(filters_spec_match("a", "s> b"));
    assert_true(filters_spec_match("b", "s>= b"));
    assert_false(filters_spec_match("a", "s>= b"));
    /* lexicographic, not numeric */
    assert_true(filters_spec_match("10", "s< 9"));
}

static void test_spec_match_in_or(void **state)
{
    (void)state;
    assert_true(filters_spec_match("avx avx2 sse", "<in> avx2"));
    assert_false(filters_spec_match("avx sse", "<in> avx2"));
    assert_true(filters_spec_match("avx,avx2", "<in> avx2"));      /* substring */
    assert_true(filters_spec_match("avx avx2 sse", "<all-in> avx sse"));
    assert_false(filters_spec_match("avx sse", "<all-in> avx avx2"));
    assert_true(filters_spec_match("gold", "<or> gold <or> silver"));
    assert_true(filters_spec_match("silver", "<or> gold <or> silver"));
    assert_false(filters_spec_match("bronze", "<or> gold <or> silver"));
    assert_true(filters_spec_match("c", "<or> a <or> b <or> c"));
}

static void test_spec_match_plain_and_missing_operand(void **state)
{
    (void)state;
    /* no operator: the whole string, exactly */
    assert_true(filters_spec_match("QEMU", "QEMU"));
    assert_false(filters_spec_match("QEMU", "qemu"));
    assert_true(filters_spec_match("a b", "a b"));
    assert_false(filters_spec_match("a", "a b"));
    assert_false(filters_spec_match("2", "2.0"));
    /* a known operator without operand is false */
    assert_false(filters_spec_match("4", "="));
    assert_false(filters_spec_match("4", ">="));
    assert_false(filters_spec_match("x", "<in>"));
    assert_false(filters_spec_match("x", "s=="));
    assert_false(filters_spec_match("x", "<all-in>"));
    /* an empty requirement: only the empty value equals it */
    assert_true(filters_spec_match("", ""));
    assert_false(filters_spec_match("x", ""));
    assert_false(filters_spec_match("x", "   "));
    /* float() takes blanks around the number, not an empty or other string */
    assert_true(filters_spec_match(" 4 ", "= 2"));
    assert_true(filters_spec_match("4", "==\t4.0 "));
    assert_false(filters_spec_match("", ">= 0"));
    assert_false(filters_spec_match("   ", "<= 0"));
    assert_false(filters_spec_match("four", "= 2"));
}

/* ---- ComputeFilter ------------------------------------------------------------- */

static void test_compute_filter_down_host(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    cloud_host_w(f.c, 1)->up = false;                    /* down hosts are not removed by placement */
    fx_filters1(&f, "ComputeFilter");
    fx_run(&f);
    const event *p = t_find(&f.t, EV_PLACEMENT, NULL);
    assert_non_null(p);
    assert_int_equal(p->out, 3);
    const event *e = check_filter(&f, "ComputeFilter", 3, 2, "host2");
    reason_has(e, "host2", "host2 has not been heard from in a while", NULL);
    assert_true(f.r.ok);
    fx_done(&f);
}

static void test_compute_filter_forced_down(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2);
    cloud_host_w(f.c, 0)->forced_down = true;
    fx_filters1(&f, "ComputeFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "ComputeFilter", 2, 1, "host1");
    reason_has(e, "host1", "has not been heard from in a while", NULL);
    fx_done(&f);
}

/* Before Train there is no COMPUTE_STATUS_DISABLED prefilter: the filter
 * removes disabled hosts. */
static void test_compute_filter_disabled_stein(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_STEIN, 3);
    cloud_host_w(f.c, 1)->disabled = true;
    set_str(&f.c->hosts.v[1].disabled_reason, "maintenance");
    cloud_host_w(f.c, 2)->disabled = true;
    cloud_host_w(f.c, 2)->up = false;                        /* disabled is checked first */
    fx_filters1(&f, "ComputeFilter");
    fx_run(&f);
    const event *p = t_find(&f.t, EV_PLACEMENT, NULL);
    assert_non_null(p);
    assert_int_equal(p->out, 3);
    const event *e = check_filter(&f, "ComputeFilter", 3, 1, "host2 host3");
    reason_has(e, "host2", "host2 is disabled, reason: maintenance", NULL);
    reason_has(e, "host3", "host3 is disabled, reason: None", NULL);   /* and down */
    assert_true(f.r.ok);
    assert_int_equal(f.r.hosts.v[0], 0);
    fx_done(&f);
}

/* From Train the request filter compute_status_filter forbids
 * COMPUTE_STATUS_DISABLED: disabled hosts never reach the filters. */
static void test_disabled_host_removed_by_placement(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_TRAIN, 3);
    cloud_host_w(f.c, 1)->disabled = true;
    fx_filters1(&f, "ComputeFilter");
    fx_run(&f);
    const event *p = t_find(&f.t, EV_PLACEMENT, NULL);
    assert_non_null(p);
    assert_int_equal(p->in, 3);
    assert_int_equal(p->out, 2);
    reason_has(p, "host2", "COMPUTE_STATUS_DISABLED", NULL);
    assert_null(t_reason(p, "host1"));
    check_filter(&f, "ComputeFilter", 2, 2, "");
    fx_done(&f);

    fx_init(&f, REL_LATEST, 2);
    cloud_host_w(f.c, 0)->disabled = true;
    cloud_host_w(f.c, 1)->disabled = true;
    fx_filters1(&f, "ComputeFilter");
    fx_run(&f);
    p = t_find(&f.t, EV_PLACEMENT, NULL);
    assert_int_equal(p->out, 0);
    assert_null(t_find(&f.t, EV_FILTER, NULL));
    assert_false(f.r.ok);
    assert_string_equal(f.r.message, "No valid host was found. ");
    fx_done(&f);
}

/* ---- ComputeCapabilitiesFilter ------------------------------------------------ */

/* A dict is compared as Python's str() of it: {'bits': 46}, and the
 * service dict with its strings quoted and its booleans True/False.
 * (Stein: a disabled host still reaches the filters.) */
static void caps_str_case(const char *key, const char *req, int out, const char *rejected)
{
    static fx f;
    fx_init(&f, REL_STEIN, 3);
    f.c->hosts.v[0].maxphysaddr_bits = 46;
    f.c->hosts.v[1].maxphysaddr_bits = 39;
    cloud_host_w(f.c, 1)->disabled = true;
    set_str(&f.c->hosts.v[1].disabled_reason, "maint");
    flavor_spec(&f, key, req);
    fx_filters1(&f, "ComputeCapabilitiesFilter");
    fx_run(&f);
    check_filter(&f, "ComputeCapabilitiesFilter", 3, out, rejected);
    fx_done(&f);
}

static void test_capabilities_python_str(void **state)
{
    (void)state;
    caps_str_case("capabilities:cpu_info:maxphysaddr", "{'bits': 46}", 1, "host2 host3");
    /* <in> looks for its first word only, <all-in> for every word */
    caps_str_case("capabilities:service", "<in> 'disabled': True", 3, "");
    caps_str_case("capabilities:service", "<all-in> 'disabled': True", 1, "host1 host3");
    caps_str_case("capabilities:service", "<all-in> 'forced_down': False", 3, "");
    caps_str_case("capabilities:service", "<all-in> 'disabled_reason': 'maint'", 1, "host1 host3");
    caps_str_case("capabilities:service", "<all-in> 'disabled_reason': None", 2, "host2");
    /* a None field has no value to compare */
    caps_str_case("capabilities:service:disabled_reason", "maint", 1, "host1 host3");
    caps_str_case("capabilities:service", "<all-in> 'host': 'host3'", 1, "host1 host2");
}

static void test_capabilities_hypervisor_version(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    f.c->hosts.v[0].hypervisor_version = 8002000;
    f.c->hosts.v[1].hypervisor_version = 7000000;
    f.c->hosts.v[2].hypervisor_version = 8000000;
    flavor_spec(&f, "capabilities:hypervisor_version", ">= 8000000");
    fx_filters1(&f, "ComputeCapabilitiesFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "ComputeCapabilitiesFilter", 3, 2, "host2");
    reason_has(e, "host2", "7000000", ">= 8000000");
    fx_done(&f);

    /* "=" is >= */
    fx_init(&f, REL_LATEST, 2);
    f.c->hosts.v[0].hypervisor_version = 9000000;
    f.c->hosts.v[1].hypervisor_version = 6000000;
    flavor_spec(&f, "capabilities:hypervisor_version", "= 8002000");
    fx_filters1(&f, "ComputeCapabilitiesFilter");
    fx_run(&f);
    check_filter(&f, "ComputeCapabilitiesFilter", 2, 1, "host2");
    fx_done(&f);
}

/* cpu_info is a JSON string: the path walks into it after decoding. */
static void test_capabilities_cpu_info_arch(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    cloud_host_w(f.c, 1)->cpu_arch = nv_intern("aarch64");
    flavor_spec(&f, "capabilities:cpu_info:arch", "aarch64");
    fx_filters1(&f, "ComputeCapabilitiesFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "ComputeCapabilitiesFilter", 3, 1, "host1 host3");
    reason_has(e, "host1", "x86_64", NULL);
    fx_done(&f);

    /* a path that does not exist rejects every host */
    fx_init(&f, REL_LATEST, 2);
    flavor_spec(&f, "capabilities:cpu_info:no_such_key", "x");
    fx_filters1(&f, "ComputeCapabilitiesFilter");
    fx_run(&f);
    check_filter(&f, "ComputeCapabilitiesFilter", 2, 0, "host1 host2");
    assert_false(f.r.ok);
    assert_string_equal(f.r.message,
                        "No valid host was found. There are not enough hosts available.");
    fx_done(&f);
}

/* An unscoped key is checked only when it names a HostState attribute
 * (or a stats key); other unscoped keys and other scopes are ignored. */
static void test_capabilities_unscoped_and_scopes(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    cloud_host_w(f.c, 2)->hypervisor_type = nv_intern("Xen");
    flavor_spec(&f, "hypervisor_type", "QEMU");           /* HostState attribute */
    flavor_spec(&f, "foo", "bar");                        /* not an attribute: ignored */
    flavor_spec(&f, "quota:cpu_shares", "1024");          /* other scope: ignored */
    flavor_spec(&f, "hw:watchdog_action", "reset");       /* other scope: ignored */
    fx_filters1(&f, "ComputeCapabilitiesFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "ComputeCapabilitiesFilter", 3, 2, "host3");
    reason_has(e, "host3", "Xen", NULL);
    fx_done(&f);

    /* free_ram_mb is an attribute: 16384 - 512 = 15872 vs 8192 - 512 = 7680 */
    fx_init(&f, REL_LATEST, 2);
    cloud_host_w(f.c, 1)->memory_mb = 8192;
    flavor_spec(&f, "free_ram_mb", ">= 8000");
    fx_filters1(&f, "ComputeCapabilitiesFilter");
    fx_run(&f);
    e = check_filter(&f, "ComputeCapabilitiesFilter", 2, 1, "host2");
    reason_has(e, "host2", "7680", NULL);
    fx_done(&f);
}

/* ---- ImagePropertiesFilter ------------------------------------------------------ */

/* host1 QEMU x86_64, host2 QEMU aarch64, host3 Xen x86_64 */
static void img_hosts(fx *f)
{
    fx_init(f, REL_LATEST, 3);
    cloud_host_w(f->c, 1)->cpu_arch = nv_intern("aarch64");
    cloud_host_w(f->c, 2)->hypervisor_type = nv_intern("Xen");
    fx_filters1(f, "ImagePropertiesFilter");
}

static void img_case(const char *k1, const char *v1, const char *k2, const char *v2, int out,
                     const char *rejected)
{
    static fx f;
    img_hosts(&f);
    image_with(&f, "img", k1, v1);
    if (k2)
        image_with(&f, "img", k2, v2);
    fx_run(&f);
    check_filter(&f, "ImagePropertiesFilter", 3, out, rejected);
    fx_done(&f);
}

static void test_image_props_arch(void **state)
{
    (void)state;
    img_case("hw_architecture", "x86_64", NULL, NULL, 2, "host2");
    img_case("hw_architecture", "amd64", NULL, NULL, 2, "host2");       /* -> x86_64 */
    img_case("hw_architecture", "aarch64", NULL, NULL, 1, "host1 host3");
    img_case("hw_architecture", "X86_64", NULL, NULL, 2, "host2");      /* lower-cased */
}

static void test_image_props_hv_type_and_mode(void **state)
{
    (void)state;
    /* QEMU hosts: (arch, qemu, hvm), (arch, kvm, hvm); Xen: (arch, xen, xen), (arch, xen, hvm) */
    img_case("img_hv_type", "kvm", NULL, NULL, 2, "host3");
    img_case("img_hv_type", "qemu", NULL, NULL, 2, "host3");
    img_case("img_hv_type", "xen", NULL, NULL, 1, "host1 host2");
    img_case("img_hv_type", "xapi", NULL, NULL, 1, "host1 host2");     /* -> xen */
    img_case("hw_vm_mode", "hvm", NULL, NULL, 3, "");
    img_case("hw_vm_mode", "hv", NULL, NULL, 3, "");                   /* -> hvm */
    img_case("hw_vm_mode", "baremetal", NULL, NULL, 3, "");            /* -> hvm */
    img_case("hw_vm_mode", "xen", NULL, NULL, 1, "host1 host2");
    img_case("hw_vm_mode", "pv", NULL, NULL, 1, "host1 host2");        /* -> xen */
    /* membership in one triple: kvm + xen mode is in no triple */
    img_case("img_hv_type", "kvm", "hw_vm_mode", "xen", 0, "host1 host2 host3");
    img_case("hw_architecture", "x86_64", "img_hv_type", "xen", 1, "host1 host2");
}

static void test_image_props_i386_canonical(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2);
    cloud_host_w(f.c, 0)->cpu_arch = nv_intern("i686");
    fx_filters1(&f, "ImagePropertiesFilter");
    image_with(&f, "img", "hw_architecture", "i386");
    fx_run(&f);
    check_filter(&f, "ImagePropertiesFilter", 2, 1, "host2");
    fx_done(&f);
}

/* Architecture.canonicalize: the whole i386 family is i686 */
static void test_image_props_i386_family(void **state)
{
    (void)state;
    static const char *const archs[] = {"i486", "i586", "X86_32", "x86_32p", "i686"};
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++) {
        static fx f;
        fx_init(&f, REL_LATEST, 2);
        cloud_host_w(f.c, 0)->cpu_arch = nv_intern("i686");
        fx_filters1(&f, "ImagePropertiesFilter");
        image_with(&f, "img", "hw_architecture", archs[i]);
        fx_run(&f);
        check_filter(&f, "ImagePropertiesFilter", 2, 1, "host2");
        fx_done(&f);
    }
}

/* Hosts of pairs that pass and pairs that do not, interleaved: each host
 * gets its own pair's answer and words (the filter keeps the last pair of
 * each kind). */
static void test_image_props_pairs_interleaved(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 7);
    static const char *const arch[7] = {"x86_64", "aarch64", "x86_64", "aarch64",
                                        "x86_64", "ppc64le", "aarch64"};
    for (int h = 0; h < 7; h++)
        cloud_host_w(f.c, h)->cpu_arch = nv_intern(arch[h]);
    cloud_host_w(f.c, 4)->hypervisor_type = nv_intern("Xen");   /* x86_64 on Xen: passes */
    cloud_host_w(f.c, 6)->hypervisor_type = nv_intern("Xen");   /* aarch64 on Xen: not */
    fx_filters1(&f, "ImagePropertiesFilter");
    image_with(&f, "img", "hw_architecture", "x86_64");
    fx_run(&f);
    const event *e = check_filter(&f, "ImagePropertiesFilter", 7, 3, "host2 host4 host6 host7");
    static const char *const want = "image (arch=x86_64, hv_type=None, vm_mode=None) not "
                                    "supported by host ";
    char buf[256];
    snprintf(buf, sizeof buf, "%s(aarch64, qemu, hvm), (aarch64, kvm, hvm)", want);
    assert_string_equal(t_reason(e, "host2"), buf);
    assert_string_equal(t_reason(e, "host4"), buf);
    snprintf(buf, sizeof buf, "%s(ppc64le, qemu, hvm), (ppc64le, kvm, hvm)", want);
    assert_string_equal(t_reason(e, "host6"), buf);
    snprintf(buf, sizeof buf, "%s(aarch64, xen, xen), (aarch64, xen, hvm)", want);
    assert_string_equal(t_reason(e, "host7"), buf);
    fx_done(&f);
}

/* A host that advertises no supported_instances (a hypervisor the libvirt
 * driver does not describe) fails any image that asks for one. */
static void test_image_props_no_supported_instances(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2);
    cloud_host_w(f.c, 1)->hypervisor_type = nv_intern("ironic");
    fx_filters1(&f, "ImagePropertiesFilter");
    image_with(&f, "img", "hw_vm_mode", "hvm");
    fx_run(&f);
    const event *e = check_filter(&f, "ImagePropertiesFilter", 2, 1, "host2");
    assert_string_equal(t_reason(e, "host2"),
                        "image (arch=None, hv_type=None, vm_mode=hvm) not supported by host "
                        "(no supported_instances)");
    fx_done(&f);
}

/* hw_maxphysaddr_bits (2024.1): a host with fewer bits fails, a host that
 * does not say passes; only with an arch, hv_type or vm_mode asked. */
static void maxphysaddr_case(int release, const char *arch, int out, const char *rejected)
{
    static fx f;
    fx_init(&f, release, 3);
    f.c->hosts.v[0].maxphysaddr_bits = 40;
    f.c->hosts.v[1].maxphysaddr_bits = 48;
    fx_filters1(&f, "ImagePropertiesFilter");
    image_with(&f, "img", "hw_maxphysaddr_bits", "46");
    if (arch)
        image_with(&f, "img", "hw_architecture", arch);
    fx_run(&f);
    const event *e = check_filter(&f, "ImagePropertiesFilter", 3, out, rejected);
    if (out == 2)
        assert_string_equal(t_reason(e, "host1"), "image needs hw_maxphysaddr_bits 46, host has 40");
    fx_done(&f);
}

static void test_image_props_maxphysaddr_bits(void **state)
{
    (void)state;
    maxphysaddr_case(REL_2024_1, "x86_64", 2, "host1");
    maxphysaddr_case(REL_2024_1, NULL, 3, "");
    maxphysaddr_case(REL_2023_2, "x86_64", 3, "");
}

static void test_image_props_requested_version(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2);
    f.c->hosts.v[0].hypervisor_version = 5002000;          /* 5.2.0 */
    f.c->hosts.v[1].hypervisor_version = 6002000;          /* 6.2.0 */
    fx_filters1(&f, "ImagePropertiesFilter");
    image_with(&f, "img", "hw_architecture", "x86_64");
    image_with(&f, "img", "img_hv_requested_version", ">=6.0");
    fx_run(&f);
    const event *e = check_filter(&f, "ImagePropertiesFilter", 2, 1, "host1");
    reason_has(e, "host1", ">=6.0", "5.2.0");
    assert_int_equal(f.r.hosts.v[0], 1);
    fx_done(&f);

    /* a version alone (no arch/hv_type/vm_mode) is never checked */
    fx_init(&f, REL_LATEST, 2);
    f.c->hosts.v[0].hypervisor_version = 5002000;
    fx_filters1(&f, "ImagePropertiesFilter");
    image_with(&f, "img", "img_hv_requested_version", ">=6.0");
    fx_run(&f);
    check_filter(&f, "ImagePropertiesFilter", 2, 2, "");
    fx_done(&f);
}

/* img_hv_requested_version is a VersionPredicate: != and == too, and a
 * comma list of conditions that must all hold */
static void image_version_case(const char *pred, int out, const char *rejected)
{
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    f.c->hosts.v[0].hypervisor_version = 5002000;          /* 5.2.0 */
    f.c->hosts.v[1].hypervisor_version = 6002000;          /* 6.2.0 */
    f.c->hosts.v[2].hypervisor_version = 7000000;          /* 7.0.0 */
    fx_filters1(&f, "ImagePropertiesFilter");
    image_with(&f, "img", "hw_architecture", "x86_64");
    image_with(&f, "img", "img_hv_requested_version", pred);
    fx_run(&f);
    check_filter(&f, "ImagePropertiesFilter", 3, out, rejected);
    fx_done(&f);
}

static void test_image_props_version_operators(void **state)
{
    (void)state;
    image_version_case("!=6.2", 2, "host2");
    image_version_case("==5.2", 1, "host2 host3");
    image_version_case(">=6.0, <7.0", 1, "host1 host3");
    image_version_case("<= 6.2", 2, "host3");
    image_version_case(">5.2", 2, "host1");
    /* an empty condition (Nova's VersionPredicate raises) passes no host */
    image_version_case(">=6.0, ", 0, "host1 host2 host3");
}

static void test_image_props_none(void **state)
{
    (void)state;
    static fx f;
    img_hosts(&f);
    image_with(&f, "img", "os_distro", "ubuntu");
    fx_run(&f);
    check_filter(&f, "ImagePropertiesFilter", 3, 3, "");
    fx_done(&f);

    img_hosts(&f);                                       /* BFV, no image at all */
    f.rs.is_bfv = true;
    fx_run(&f);
    check_filter(&f, "ImagePropertiesFilter", 3, 3, "");
    fx_done(&f);

    /* image_properties_default_architecture applies to images without one */
    img_hosts(&f);
    set_str(&f.c->conf.image_properties_default_architecture, "aarch64");
    image_with(&f, "img", "os_distro", "ubuntu");
    fx_run(&f);
    check_filter(&f, "ImagePropertiesFilter", 3, 1, "host1 host3");
    fx_done(&f);
}

/* ---- server groups ------------------------------------------------------------- */

static void test_anti_affinity(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    int g = t_group(f.c, "g", POLICY_ANTI_AFFINITY, 1);
    int s1 = t_server(f.c, "s1", f.fl, 0);
    f.c->servers.v[s1].group = g;
    int s2 = t_server(f.c, "s2", f.fl, 1);
    f.c->servers.v[s2].group = g;
    t_server(f.c, "other", f.fl, 2);                     /* not a member */
    f.rs.group = g;
    int vm = fx_vm(&f, "vm");
    f.c->servers.v[vm].group = g;
    fx_filters1(&f, "ServerGroupAntiAffinityFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "ServerGroupAntiAffinityFilter", 3, 1, "host1 host2");
    reason_has(e, "host1", "1", "max_server_per_host 1");
    assert_int_equal(f.r.hosts.v[0], 2);
    fx_done(&f);
}

static void test_anti_affinity_max_server_per_host(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2);
    int g = t_group(f.c, "g", POLICY_ANTI_AFFINITY, 2);
    for (int i = 0; i < 2; i++) {                        /* 2 members on host1 */
        char n[8];
        snprintf(n, sizeof n, "a%d", i);
        int s = t_server(f.c, n, f.fl, 0);
        f.c->servers.v[s].group = g;
    }
    int b = t_server(f.c, "b", f.fl, 1);                 /* 1 member on host2 */
    f.c->servers.v[b].group = g;
    f.rs.group = g;
    int vm = fx_vm(&f, "vm");
    f.c->servers.v[vm].group = g;
    fx_filters1(&f, "ServerGroupAntiAffinityFilter");
    fx_run(&f);
    /* count < max_server_per_host: 2 < 2 false, 1 < 2 true */
    const event *e = check_filter(&f, "ServerGroupAntiAffinityFilter", 2, 1, "host1");
    reason_has(e, "host1", "2", "max_server_per_host 2");
    fx_done(&f);
}

/* The instance's own host passes (a move's source host). */
static void test_anti_affinity_own_host(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2);
    int g = t_group(f.c, "g", POLICY_ANTI_AFFINITY, 1);
    int vm = t_server(f.c, "vm", f.fl, 0);
    f.c->servers.v[vm].group = g;
    int other = t_server(f.c, "other", f.fl, 1);
    f.c->servers.v[other].group = g;
    f.rs.group = g;
    intvec_push(&f.rs.instances, vm);
    fx_filters1(&f, "ServerGroupAntiAffinityFilter");
    fx_run(&f);
    check_filter(&f, "ServerGroupAntiAffinityFilter", 2, 1, "host2");
    fx_done(&f);
}

/* Other policies are not this filter's business. */
static void test_anti_affinity_other_policy(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2);
    int g = t_group(f.c, "g", POLICY_SOFT_ANTI_AFFINITY, 1);
    int s1 = t_server(f.c, "s1", f.fl, 0);
    f.c->servers.v[s1].group = g;
    f.rs.group = g;
    int vm = fx_vm(&f, "vm");
    f.c->servers.v[vm].group = g;
    fx_filters1(&f, "ServerGroupAntiAffinityFilter");
    fx_run(&f);
    check_filter(&f, "ServerGroupAntiAffinityFilter", 2, 2, "");
    fx_done(&f);
}

static void test_affinity(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    int g = t_group(f.c, "g", POLICY_AFFINITY, 0);
    int s1 = t_server(f.c, "s1", f.fl, 1);
    f.c->servers.v[s1].group = g;
    f.rs.group = g;
    int vm = fx_vm(&f, "vm");
    f.c->servers.v[vm].group = g;
    fx_filters1(&f, "ServerGroupAffinityFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "ServerGroupAffinityFilter", 3, 1, "host1 host3");
    reason_has(e, "host1", "host2", NULL);
    assert_int_equal(f.r.hosts.v[0], 1);
    fx_done(&f);

    /* no member runs anywhere yet: every host passes */
    fx_init(&f, REL_LATEST, 3);
    g = t_group(f.c, "g", POLICY_AFFINITY, 0);
    f.rs.group = g;
    vm = fx_vm(&f, "vm");
    f.c->servers.v[vm].group = g;
    fx_filters1(&f, "ServerGroupAffinityFilter");
    fx_run(&f);
    check_filter(&f, "ServerGroupAffinityFilter", 3, 3, "");
    fx_done(&f);
}

/* Within a multi-create the filters see the instances placed earlier in the
 * same request (consume_from_request adds them to the group and the host). */
static void group_multi(enum group_policy pol, const char *filter, int *h0, int *h1, bool *ok)
{
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    int g = t_group(f.c, "g", pol, 1);
    f.rs.group = g;
    int a = fx_vm(&f, "vm-1");
    int b = fx_vm(&f, "vm-2");
    f.c->servers.v[a].group = g;
    f.c->servers.v[b].group = g;
    f.rs.num_instances = 2;
    fx_filters1(&f, filter);
    fx_run(&f);
    *ok = f.r.ok;
    *h0 = f.r.hosts.n > 0 ? f.r.hosts.v[0] : -1;
    *h1 = f.r.hosts.n > 1 ? f.r.hosts.v[1] : -1;
    if (pol == POLICY_ANTI_AFFINITY) {
        /* the second run of the filter rejected the first instance's host */
        int last = -1;
        for (int i = 0; i < f.t.n; i++)
            if (f.t.v[i].kind == EV_FILTER)
                last = i;
        assert_true(last >= 0);
        assert_int_equal(f.t.v[last].in, 3);
        assert_int_equal(f.t.v[last].out, 2);
        assert_non_null(t_reason(&f.t.v[last], f.c->hosts.v[*h0].name));
    }
    fx_done(&f);
}

static void test_group_filters_multi_create(void **state)
{
    (void)state;
    int h0, h1;
    bool ok;
    group_multi(POLICY_ANTI_AFFINITY, "ServerGroupAntiAffinityFilter", &h0, &h1, &ok);
    assert_true(ok);
    assert_true(h0 >= 0 && h1 >= 0 && h0 != h1);
    group_multi(POLICY_AFFINITY, "ServerGroupAffinityFilter", &h0, &h1, &ok);
    assert_true(ok);
    assert_true(h0 >= 0);
    assert_int_equal(h0, h1);
}

/* ---- hints ------------------------------------------------------------------------ */

static void test_same_host(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    t_server(f.c, "s1", f.fl, 1);
    kvlist_push(&f.rs.hints, "same_host", "s1");
    fx_filters1(&f, "SameHostFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "SameHostFilter", 3, 1, "host1 host3");
    reason_has(e, "host1", "s1", NULL);
    fx_done(&f);

    /* a list: any one of them is enough */
    fx_init(&f, REL_LATEST, 3);
    t_server(f.c, "s1", f.fl, 0);
    t_server(f.c, "s2", f.fl, 2);
    kvlist_push(&f.rs.hints, "same_host", "s1");
    kvlist_push(&f.rs.hints, "same_host", "s2");
    fx_filters1(&f, "SameHostFilter");
    fx_run(&f);
    check_filter(&f, "SameHostFilter", 3, 2, "host2");
    fx_done(&f);

    /* no hint: all pass */
    fx_init(&f, REL_LATEST, 2);
    fx_filters1(&f, "SameHostFilter");
    fx_run(&f);
    check_filter(&f, "SameHostFilter", 2, 2, "");
    fx_done(&f);
}

static void test_different_host(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    t_server(f.c, "s1", f.fl, 1);
    t_server(f.c, "s2", f.fl, 2);
    kvlist_push(&f.rs.hints, "different_host", "s1");
    kvlist_push(&f.rs.hints, "different_host", "s2");
    fx_filters1(&f, "DifferentHostFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "DifferentHostFilter", 3, 1, "host2 host3");
    reason_has(e, "host2", "s1", NULL);
    reason_has(e, "host3", "s2", NULL);
    assert_int_equal(f.r.hosts.v[0], 0);
    fx_done(&f);
}

static void test_simple_cidr(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);                          /* 192.0.2.1 .2 .3 */
    set_str(&f.c->hosts.v[2].host_ip, "198.51.100.3");
    kvlist_push(&f.rs.hints, "build_near_host_ip", "192.0.2.1");   /* cidr default /24 */
    fx_filters1(&f, "SimpleCIDRAffinityFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "SimpleCIDRAffinityFilter", 3, 2, "host3");
    reason_has(e, "host3", "198.51.100.3", "192.0.2.1/24");
    fx_done(&f);

    fx_init(&f, REL_LATEST, 3);
    kvlist_push(&f.rs.hints, "build_near_host_ip", "192.0.2.2");
    kvlist_push(&f.rs.hints, "cidr", "/32");
    fx_filters1(&f, "SimpleCIDRAffinityFilter");
    fx_run(&f);
    check_filter(&f, "SimpleCIDRAffinityFilter", 3, 1, "host1 host3");
    fx_done(&f);

    fx_init(&f, REL_LATEST, 3);                          /* 192.0.2.0/31 = .0 and .1 */
    kvlist_push(&f.rs.hints, "build_near_host_ip", "192.0.2.0");
    kvlist_push(&f.rs.hints, "cidr", "/31");
    fx_filters1(&f, "SimpleCIDRAffinityFilter");
    fx_run(&f);
    check_filter(&f, "SimpleCIDRAffinityFilter", 3, 1, "host2 host3");
    fx_done(&f);

    fx_init(&f, REL_LATEST, 3);                          /* /0: everywhere */
    set_str(&f.c->hosts.v[2].host_ip, "198.51.100.3");
    kvlist_push(&f.rs.hints, "build_near_host_ip", "192.0.2.1");
    kvlist_push(&f.rs.hints, "cidr", "/0");
    fx_filters1(&f, "SimpleCIDRAffinityFilter");
    fx_run(&f);
    check_filter(&f, "SimpleCIDRAffinityFilter", 3, 3, "");
    fx_done(&f);

    /* IPNetwork(near + cidr): "24" without its '/' makes 192.0.2.124/32 */
    fx_init(&f, REL_LATEST, 3);
    set_str(&f.c->hosts.v[2].host_ip, "192.0.2.124");
    kvlist_push(&f.rs.hints, "build_near_host_ip", "192.0.2.1");
    kvlist_push(&f.rs.hints, "cidr", "24");
    fx_filters1(&f, "SimpleCIDRAffinityFilter");
    fx_run(&f);
    e = check_filter(&f, "SimpleCIDRAffinityFilter", 3, 1, "host1 host2");
    assert_string_equal(t_reason(e, "host1"), "host_ip 192.0.2.1 not in 192.0.2.124");
    fx_done(&f);

    /* what netaddr refuses compares with nothing */
    static const struct {
        const char *near, *cidr, *bad_ip;
    } bad[] = {
        {"192.0.2.1", "/33", NULL}, {"192.0.2.1", "/", NULL}, {"192.0.2.1", "/2x", NULL},
        {"192.0.2.256", "/24", NULL}, {"192.0.2", "/24", NULL}, {"192.0.2.1", "/24", "300.0.2.1"},
        {"192.0.2.1", "/24", "192.0.2.1.5"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fx_init(&f, REL_LATEST, 1);
        if (bad[i].bad_ip)
            set_str(&f.c->hosts.v[0].host_ip, bad[i].bad_ip);
        kvlist_push(&f.rs.hints, "build_near_host_ip", bad[i].near);
        kvlist_push(&f.rs.hints, "cidr", bad[i].cidr);
        fx_filters1(&f, "SimpleCIDRAffinityFilter");
        fx_run(&f);
        e = check_filter(&f, "SimpleCIDRAffinityFilter", 1, 0, "host1");
        char want[96];
        snprintf(want, sizeof want, "cannot compare %s with %s%s",
                 bad[i].bad_ip ? bad[i].bad_ip : "192.0.2.1", bad[i].near, bad[i].cidr);
        assert_string_equal(t_reason(e, "host1"), want);
        fx_done(&f);
    }

    fx_init(&f, REL_LATEST, 2);                          /* no hint */
    kvlist_push(&f.rs.hints, "cidr", "/32");
    fx_filters1(&f, "SimpleCIDRAffinityFilter");
    fx_run(&f);
    check_filter(&f, "SimpleCIDRAffinityFilter", 2, 2, "");
    fx_done(&f);
}

/* ---- AggregateInstanceExtraSpecsFilter --------------------------------------- */

static void test_agg_extra_specs_scoped(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    agg_with(&f, "fast", 0, "ssd", "true");
    agg_with(&f, "slow", 1, "ssd", "false");
    flavor_spec(&f, "aggregate_instance_extra_specs:ssd", "true");
    fx_filters1(&f, "AggregateInstanceExtraSpecsFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "AggregateInstanceExtraSpecsFilter", 3, 1, "host2 host3");
    reason_has(e, "host2", "ssd", "false");
    reason_has(e, "host3", "ssd", NULL);
    fx_done(&f);
}

static void test_agg_extra_specs_unscoped_and_other_scopes(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    agg_with(&f, "fast", 0, "ssd", "true");
    agg_with(&f, "slow", 1, "ssd", "false");
    flavor_spec(&f, "ssd", "true");                      /* unscoped: always considered */
    fx_filters1(&f, "AggregateInstanceExtraSpecsFilter");
    fx_run(&f);
    check_filter(&f, "AggregateInstanceExtraSpecsFilter", 3, 1, "host2 host3");
    fx_done(&f);

    /* keys of other scopes are ignored, even with no aggregate at all */
    fx_init(&f, REL_LATEST, 2);
    flavor_spec(&f, "quota:cpu_shares", "1024");
    flavor_spec(&f, "capabilities:hypervisor_type", "QEMU");
    fx_filters1(&f, "AggregateInstanceExtraSpecsFilter");
    fx_run(&f);
    check_filter(&f, "AggregateInstanceExtraSpecsFilter", 2, 2, "");
    fx_done(&f);

    /* a flavor without extra specs passes */
    fx_init(&f, REL_LATEST, 2);
    agg_with(&f, "fast", 0, "ssd", "true");
    fx_filters1(&f, "AggregateInstanceExtraSpecsFilter");
    fx_run(&f);
    check_filter(&f, "AggregateInstanceExtraSpecsFilter", 2, 2, "");
    fx_done(&f);
}

static void test_agg_extra_specs_operators(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    agg_with(&f, "a1", 0, "tier", "gold");
    agg_with(&f, "a2", 1, "tier", "silver");
    agg_with(&f, "a3", 2, "tier", "bronze");
    flavor_spec(&f, "aggregate_instance_extra_specs:tier", "<or> gold <or> silver");
    fx_filters1(&f, "AggregateInstanceExtraSpecsFilter");
    fx_run(&f);
    check_filter(&f, "AggregateInstanceExtraSpecsFilter", 3, 2, "host3");
    fx_done(&f);

    /* values are split on ',' over all the host's aggregates; one match is enough */
    fx_init(&f, REL_LATEST, 2);
    agg_with(&f, "a1", 0, "cores", "2, 16");
    agg_with(&f, "a2", 1, "cores", "4");
    flavor_spec(&f, "cores", ">= 8");
    fx_filters1(&f, "AggregateInstanceExtraSpecsFilter");
    fx_run(&f);
    check_filter(&f, "AggregateInstanceExtraSpecsFilter", 2, 1, "host2");
    fx_done(&f);
}

/* ---- AggregateImagePropertiesIsolation --------------------------------------- */

static void test_agg_image_props_isolation(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    agg_with(&f, "ubuntu", 0, "os_distro", "ubuntu");
    agg_with(&f, "redhat", 1, "os_distro", "centos, rhel");   /* comma list */
    agg_with(&f, "flash", 2, "ssd", "true");                  /* not an image property */
    image_with(&f, "img", "os_distro", "rhel");
    image_with(&f, "img", "ssd", "false");
    fx_filters1(&f, "AggregateImagePropertiesIsolation");
    fx_run(&f);
    const event *e = check_filter(&f, "AggregateImagePropertiesIsolation", 3, 2, "host1");
    reason_has(e, "host1", "rhel", "ubuntu");
    fx_done(&f);

    /* the image does not set the property: nothing to compare */
    fx_init(&f, REL_LATEST, 2);
    agg_with(&f, "ubuntu", 0, "os_distro", "ubuntu");
    image_with(&f, "img", "hw_disk_bus", "virtio");
    fx_filters1(&f, "AggregateImagePropertiesIsolation");
    fx_run(&f);
    check_filter(&f, "AggregateImagePropertiesIsolation", 2, 2, "");
    fx_done(&f);

    /* typed properties: hw_architecture amd64 is x86_64 */
    fx_init(&f, REL_LATEST, 2);
    agg_with(&f, "x86", 0, "hw_architecture", "x86_64");
    agg_with(&f, "arm", 1, "hw_architecture", "aarch64");
    image_with(&f, "img", "hw_architecture", "amd64");
    fx_filters1(&f, "AggregateImagePropertiesIsolation");
    fx_run(&f);
    check_filter(&f, "AggregateImagePropertiesIsolation", 2, 1, "host2");
    fx_done(&f);
}

/* With aggregate_image_properties_isolation_namespace only keys starting
 * with "<namespace><separator>" are looked at, and those are never
 * ImageMetaProps fields: nothing is compared. */
static void test_agg_image_props_isolation_namespace(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    set_str(&f.c->conf.aggregate_image_properties_isolation_namespace, "ns");
    agg_with(&f, "a1", 0, "ns.os_distro", "ubuntu");
    agg_with(&f, "a2", 1, "os_distro", "ubuntu");          /* outside the namespace */
    image_with(&f, "img", "os_distro", "rhel");
    fx_filters1(&f, "AggregateImagePropertiesIsolation");
    fx_run(&f);
    check_filter(&f, "AggregateImagePropertiesIsolation", 3, 3, "");
    fx_done(&f);
}

/* ImageMetaProps coerces booleans (FlexibleBooleanField): "yes" is True and
 * the filter compares str(True) = "True" with the aggregate values. */
static void test_agg_image_props_isolation_boolean(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2);
    agg_with(&f, "agent", 0, "hw_qemu_guest_agent", "True");
    agg_with(&f, "agent-yes", 1, "hw_qemu_guest_agent", "yes");
    image_with(&f, "img", "hw_qemu_guest_agent", "yes");
    fx_filters1(&f, "AggregateImagePropertiesIsolation");
    fx_run(&f);
    check_filter(&f, "AggregateImagePropertiesIsolation", 2, 1, "host2");
    fx_done(&f);
}

/* Integer and canonicalized properties: str() of the coerced value (an
 * int without its blanks, the canonical arch, hv_type, vm_mode) against
 * the aggregates'; a falsy value (0, False) is never compared. */
static void iso_coerced_case(const char *key, const char *on1, const char *on2, const char *img,
                             int out, const char *rejected)
{
    static fx f;
    fx_init(&f, REL_LATEST, 2);
    agg_with(&f, "a1", 0, key, on1);
    agg_with(&f, "a2", 1, key, on2);
    image_with(&f, "img", key, img);
    fx_filters1(&f, "AggregateImagePropertiesIsolation");
    fx_run(&f);
    check_filter(&f, "AggregateImagePropertiesIsolation", 2, out, rejected);
    fx_done(&f);
}

static void test_agg_image_props_isolation_coerced(void **state)
{
    (void)state;
    iso_coerced_case("hw_video_ram", "64", "128", "64 ", 1, "host2");
    iso_coerced_case("hw_video_ram", "64", "128", "0", 2, "");
    iso_coerced_case("hw_qemu_guest_agent", "True", "False", "no", 2, "");
    iso_coerced_case("hw_architecture", "x86_64", "aarch64", "AMD64", 1, "host2");
    iso_coerced_case("img_hv_type", "qemu", "xen", "xapi", 1, "host1");
    iso_coerced_case("hw_vm_mode", "hvm", "xen", "pv", 1, "host1");
}

/* ---- AggregateMultiTenancyIsolation ------------------------------------------ */

static void tenancy_case(int release, const char *project, int out, const char *rejected)
{
    static fx f;
    fx_init(&f, release, 3);
    agg_with(&f, "a1", 0, "filter_tenant_id", "p1, p2");
    agg_with(&f, "a2", 1, "filter_tenant_id_2", "p3");
    f.rs.project = project;
    fx_filters1(&f, "AggregateMultiTenancyIsolation");
    fx_run(&f);
    const event *e = check_filter(&f, "AggregateMultiTenancyIsolation", 3, out, rejected);
    if (strstr(rejected, "host1"))
        reason_has(e, "host1", project, "p1");
    fx_done(&f);
}

static void test_multitenancy_zed_exact_key(void **state)
{
    (void)state;
    tenancy_case(REL_ZED, "p3", 2, "host1");
    tenancy_case(REL_ZED, "p1", 3, "");                  /* filter_tenant_id_2 not read */
    tenancy_case(REL_ZED, "p2", 3, "");
}

static void test_multitenancy_prefix_keys(void **state)
{
    (void)state;
    tenancy_case(REL_2024_2, "p3", 2, "host1");
    tenancy_case(REL_2024_2, "p1", 2, "host2");
    tenancy_case(REL_LATEST, "p9", 1, "host1 host2");
}

/* ---- AggregateTypeAffinityFilter --------------------------------------------- */

static void test_type_affinity(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    agg_with(&f, "a1", 0, "instance_type", "m1.tiny, m1.small");
    agg_with(&f, "a2", 1, "instance_type", "m1.large");
    fx_filters1(&f, "AggregateTypeAffinityFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "AggregateTypeAffinityFilter", 3, 2, "host2");
    reason_has(e, "host2", "m1.small", "m1.large");
    fx_done(&f);
}

/* ---- IoOpsFilter / AggregateIoOpsFilter ----------------------------------------- */

/* host1: `a` I/O ops, host2: `b` (building servers, or resize_migrating) */
static void io_hosts(fx *f, int a, int b)
{
    fx_init(f, REL_LATEST, 2);
    int k = 0;
    for (int h = 0; h < 2; h++)
        for (int i = 0; i < (h ? b : a); i++) {
            char n[16];
            snprintf(n, sizeof n, "io%d", k++);
            int s = t_server(f->c, n, f->fl, h);
            if (i % 2)
                set_state(f->c, s, "active", "resize_migrating");
            else
                set_state(f->c, s, "building", NULL);
        }
    t_server(f->c, "quiet", f->fl, 0);                  /* active: no I/O */
}

static void test_io_ops_filter(void **state)
{
    (void)state;
    static fx f;
    io_hosts(&f, 2, 1);
    f.c->conf.max_io_ops_per_host = 2;
    fx_filters1(&f, "IoOpsFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "IoOpsFilter", 2, 1, "host1");  /* 2 < 2 is false */
    reason_has(e, "host1", "2", "max_io_ops_per_host 2");
    fx_done(&f);

    io_hosts(&f, 7, 8);                                 /* default max 8 */
    fx_filters1(&f, "IoOpsFilter");
    fx_run(&f);
    e = check_filter(&f, "IoOpsFilter", 2, 1, "host2");
    reason_has(e, "host2", "8", NULL);
    fx_done(&f);
}

static void test_agg_io_ops_filter(void **state)
{
    (void)state;
    static fx f;
    io_hosts(&f, 1, 1);
    agg_with(&f, "a1", 0, "max_io_ops_per_host", "3");
    agg_with(&f, "a2", 0, "max_io_ops_per_host", "1");   /* minimum wins: 1 */
    fx_filters1(&f, "AggregateIoOpsFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "AggregateIoOpsFilter", 2, 1, "host1");
    reason_has(e, "host1", "1", NULL);
    fx_done(&f);

    /* unparsable: the option (8) */
    io_hosts(&f, 1, 1);
    agg_with(&f, "a1", 0, "max_io_ops_per_host", "1");
    agg_with(&f, "a2", 0, "max_io_ops_per_host", "lots");
    fx_filters1(&f, "AggregateIoOpsFilter");
    fx_run(&f);
    check_filter(&f, "AggregateIoOpsFilter", 2, 2, "");
    fx_done(&f);

    /* no aggregate value: the option */
    io_hosts(&f, 2, 1);
    f.c->conf.max_io_ops_per_host = 2;
    fx_filters1(&f, "AggregateIoOpsFilter");
    fx_run(&f);
    check_filter(&f, "AggregateIoOpsFilter", 2, 1, "host1");
    fx_done(&f);
}

/* ---- NumInstancesFilter / AggregateNumInstancesFilter ---------------------------- */

static void inst_hosts(fx *f, int a, int b)
{
    fx_init(f, REL_LATEST, 2);
    int k = 0;
    for (int h = 0; h < 2; h++)
        for (int i = 0; i < (h ? b : a); i++) {
            char n[16];
            snprintf(n, sizeof n, "s%d", k++);
            t_server(f->c, n, f->fl, h);
        }
}

static void test_num_instances_filter(void **state)
{
    (void)state;
    static fx f;
    inst_hosts(&f, 3, 2);
    f.c->conf.max_instances_per_host = 3;
    fx_filters1(&f, "NumInstancesFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "NumInstancesFilter", 2, 1, "host1");
    reason_has(e, "host1", "3", "max_instances_per_host 3");
    fx_done(&f);
}

static void test_agg_num_instances_filter(void **state)
{
    (void)state;
    static fx f;
    inst_hosts(&f, 2, 2);
    agg_with(&f, "a1", 0, "max_instances_per_host", "5");
    agg_with(&f, "a2", 0, "max_instances_per_host", "2");
    fx_filters1(&f, "AggregateNumInstancesFilter");
    fx_run(&f);
    check_filter(&f, "AggregateNumInstancesFilter", 2, 1, "host1");
    fx_done(&f);

    inst_hosts(&f, 2, 2);
    agg_with(&f, "a1", 0, "max_instances_per_host", "2.5");     /* int() fails: option 50 */
    fx_filters1(&f, "AggregateNumInstancesFilter");
    fx_run(&f);
    check_filter(&f, "AggregateNumInstancesFilter", 2, 2, "");
    fx_done(&f);
}

/* ---- IsolatedHostsFilter ---------------------------------------------------------- */

static void iso_case(bool iso_images, bool restrict_, const char *img, int out,
                     const char *rejected)
{
    static fx f;
    fx_init(&f, REL_LATEST, 2);
    strlist_push(&f.c->conf.isolated_hosts, "host1");
    if (iso_images)
        strlist_push(&f.c->conf.isolated_images, "iso");
    f.c->conf.restrict_isolated_hosts_to_isolated_images = restrict_;
    t_image(f.c, "iso");
    t_image(f.c, "plain");
    if (img)
        f.rs.image = cloud_image(f.c, img);
    else
        f.rs.is_bfv = true;
    fx_filters1(&f, "IsolatedHostsFilter");
    fx_run(&f);
    check_filter(&f, "IsolatedHostsFilter", 2, out, rejected);
    fx_done(&f);
}

static void test_isolated_hosts_matrix(void **state)
{
    (void)state;
    /* restrict = True: image_isolated == host_isolated */
    iso_case(true, true, "iso", 1, "host2");
    iso_case(true, true, "plain", 1, "host1");
    iso_case(true, true, NULL, 1, "host1");              /* BFV: not isolated */
    /* restrict = False: not image_isolated or host_isolated */
    iso_case(true, false, "iso", 1, "host2");
    iso_case(true, false, "plain", 2, "");
    /* no isolated images: not restrict or not host_isolated */
    iso_case(false, true, "plain", 1, "host1");
    iso_case(false, true, "iso", 1, "host1");
    iso_case(false, false, "plain", 2, "");
}

/* ---- JsonFilter --------------------------------------------------------------------- */

/* free_ram_mb: host1 1536 - 512 = 1024, host2 1535 - 512 = 1023, host3 3584 */
static void json_case(const char *query, int out, const char *rejected)
{
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    cloud_host_w(f.c, 0)->memory_mb = 1536;
    cloud_host_w(f.c, 1)->memory_mb = 1535;
    cloud_host_w(f.c, 2)->memory_mb = 4096;
    f.c->flavors.v[f.fl].memory_mb = 256;
    kvlist_push(&f.rs.hints, "query", query);
    fx_filters1(&f, "JsonFilter");
    fx_run(&f);
    check_filter(&f, "JsonFilter", 3, out, rejected);
    fx_done(&f);
}

static void test_json_filter(void **state)
{
    (void)state;
    json_case("[\">=\", \"$free_ram_mb\", 1024]", 2, "host2");
    json_case("[\"in\", \"$host\", \"host1\", \"host3\"]", 2, "host2");
    json_case("[\"not\", [\"=\", \"$host\", \"host2\"]]", 2, "host2");
    json_case("[\"and\", [\">=\", \"$free_ram_mb\", 1024], [\"<\", \"$free_ram_mb\", 3000]]", 1,
              "host2 host3");
    json_case("[\"or\", [\"=\", \"$host\", \"host1\"], [\"=\", \"$host\", \"host3\"]]", 2,
              "host2");
    /* first arg compared with every other arg */
    json_case("[\"<\", \"$free_ram_mb\", 2000, 1024]", 1, "host1 host3");
    /* fewer than 2 args: false */
    json_case("[\">=\", \"$free_ram_mb\"]", 0, "host1 host2 host3");
    json_case("[\"in\", \"$host\"]", 0, "host1 host2 host3");
    /* an unknown attribute resolves to None and is dropped */
    json_case("[\"=\", \"$no_such_attr\", 1]", 0, "host1 host2 host3");
}

/* JsonFilter's corners, as _process_filter evaluates them in Python: a
 * falsy query passes, a query Nova cannot evaluate (TypeError, KeyError)
 * passes no host, "" and null arguments are dropped, bools are numbers,
 * "not" gives a list of which any true one passes. */
static void test_json_filter_python_semantics(void **state)
{
    (void)state;
    json_case("[]", 3, "");
    json_case("0", 3, "");
    json_case("null", 3, "");
    json_case("{}", 3, "");
    json_case("5", 0, "host1 host2 host3");
    json_case("{\"=\": 1}", 0, "host1 host2 host3");
    json_case("[1, 2]", 0, "host1 host2 host3");
    json_case("[\"xor\", 1, 2]", 0, "host1 host2 host3");
    json_case("[\"=\", \"\", \"$host\", \"host1\"]", 1, "host2 host3");
    json_case("[\"=\", null, \"$host\", \"host2\"]", 1, "host1 host3");
    json_case("[\"<\", \"$host\", 1]", 0, "host1 host2 host3");
    json_case("[\"=\", \"$host\", 1]", 0, "host1 host2 host3");
    json_case("[\"=\", true, 1, 1.0]", 3, "");
    json_case("[\"in\", false, 0]", 3, "");
    json_case("[\">\", \"$free_ram_mb\", 1023.5]", 2, "host2");
    json_case("[\"<=\", \"$free_ram_mb\", 1024]", 2, "host3");
    json_case("[\">\", \"$host\", \"host1\"]", 2, "host1");
    json_case("[\"not\", 0, 1]", 3, "");
    json_case("[\"not\", 1, \"x\"]", 0, "host1 host2 host3");
    json_case("[\"and\", 1.5, \"x\", 2, []]", 3, "");
    json_case("[\"or\", 0.0, 0, false]", 0, "host1 host2 host3");
    json_case("[\"=\", {\"a\": 1}, 1]", 0, "host1 host2 host3");
    /* "or" of the list "not" gives: a non-empty list is true */
    json_case("[\"or\", [\"not\", [\"=\", \"$host\", \"host1\"]]]", 3, "");
    /* a path into a string finds nothing */
    json_case("[\"=\", \"$host.name\", \"host1\"]", 0, "host1 host2 host3");
}

/* Every HostState attribute JsonFilter can read ($name, $dict.key), on
 * three hosts: host2 with a host_ip, a disabled_reason and Xen. */
static void json_attr_case(const char *query, int out, const char *rejected)
{
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    set_str(&f.c->hosts.v[1].host_ip, "10.0.0.2");
    set_str(&f.c->hosts.v[1].disabled_reason, "maint");
    cloud_host_w(f.c, 1)->hypervisor_type = nv_intern("Xen");
    cloud_host_w(f.c, 2)->disk_gb = 100;
    kvlist_push(&f.rs.hints, "query", query);
    fx_filters1(&f, "JsonFilter");
    fx_run(&f);
    check_filter(&f, "JsonFilter", 3, out, rejected);
    fx_done(&f);
}

static void test_json_filter_attributes(void **state)
{
    (void)state;
    json_attr_case("[\"=\", \"$nodename\", \"host2\"]", 1, "host1 host3");
    json_attr_case("[\"=\", \"$hypervisor_hostname\", \"host3\"]", 1, "host1 host2");
    json_attr_case("[\"<\", \"$total_usable_disk_gb\", 150]", 1, "host1 host2");
    json_attr_case("[\"=\", \"$disk_mb_used\", 0]", 3, "");
    json_attr_case("[\"=\", \"$vcpus_used\", 0]", 3, "");
    json_attr_case("[\"=\", \"$num_io_ops\", 0]", 3, "");
    json_attr_case("[\"=\", \"$failed_builds\", 0]", 3, "");
    json_attr_case("[\"=\", \"$host_ip\", \"10.0.0.2\"]", 1, "host1 host3");
    json_attr_case("[\"=\", \"$hypervisor_type\", \"Xen\"]", 1, "host1 host3");
    json_attr_case("[\">\", \"$cpu_allocation_ratio\", 0]", 3, "");
    json_attr_case("[\">\", \"$ram_allocation_ratio\", 0]", 3, "");
    json_attr_case("[\">\", \"$disk_allocation_ratio\", 0]", 3, "");
    json_attr_case("[\"=\", \"$service.disabled_reason\", \"maint\"]", 1, "host1 host3");
    json_attr_case("[\"=\", \"$service.host\", \"host3\"]", 1, "host1 host2");
    /* limits and metrics are empty dicts: nothing in them */
    json_attr_case("[\"=\", \"$limits.vcpu\", 8]", 0, "host1 host2 host3");
    json_attr_case("[\"=\", \"$metrics.cpu\", 1]", 0, "host1 host2 host3");
}

/* capabilities: a path walks into the service dict; a bool compares as
 * Python's str() of it, False */
static void test_capabilities_service_bool(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2);
    flavor_spec(&f, "capabilities:service:forced_down", "False");
    fx_filters1(&f, "ComputeCapabilitiesFilter");
    fx_run(&f);
    check_filter(&f, "ComputeCapabilitiesFilter", 2, 2, "");
    fx_done(&f);

    fx_init(&f, REL_LATEST, 2);
    cloud_host_w(f.c, 1)->forced_down = true;
    flavor_spec(&f, "capabilities:service:forced_down", "True");
    fx_filters1(&f, "ComputeCapabilitiesFilter");
    fx_run(&f);
    check_filter(&f, "ComputeCapabilitiesFilter", 2, 1, "host1");
    fx_done(&f);
}

static void test_json_filter_no_query(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2);
    fx_filters1(&f, "JsonFilter");
    fx_run(&f);
    check_filter(&f, "JsonFilter", 2, 2, "");
    fx_done(&f);
}

/* ---- AvailabilityZoneFilter (Zed) ------------------------------------------------ */

static void az_case(const char *az, const char *dflt, int out, const char *rejected)
{
    static fx f;
    fx_init(&f, REL_ZED, 3);
    f.c->conf.query_placement_for_availability_zone = false;   /* the filter alone */
    agg_with(&f, "az1", 0, "availability_zone", "az1");
    agg_with(&f, "az2", 1, "availability_zone", "az2");
    if (dflt)
        set_str(&f.c->conf.default_availability_zone, dflt);
    f.rs.availability_zone = az;
    fx_filters1(&f, "AvailabilityZoneFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "AvailabilityZoneFilter", 3, out, rejected);
    if (strstr(rejected, "host2"))
        reason_has(e, "host2", az, "az2");
    fx_done(&f);
}

static void test_availability_zone_filter(void **state)
{
    (void)state;
    az_case("az1", NULL, 1, "host2 host3");
    az_case("nova", NULL, 1, "host1 host2");            /* host without AZ: default zone */
    az_case("nova", "other", 0, "host1 host2 host3");
    az_case("other", "other", 1, "host1 host2");
    az_case(NULL, NULL, 3, "");
}

/* ---- AllHostsFilter ----------------------------------------------------------------- */

/* hw:cpu_thread_policy=require with pinned CPUs: past Placement (both
 * hosts have the trait), a host whose cells have no SMT siblings fails
 * before any cell is fitted. */
static void test_numa_require_smt(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_ZED, 2);
    for (int h = 0; h < 2; h++) {
        host *ho = &f.c->hosts.v[h];
        ho->pcpus = 4;
        strlist_push(&ho->traits, "HW_CPU_HYPERTHREADING");   /* Placement's side */
        ho->n_cells = 1;
        ho->cells = nv_calloc(1, sizeof *ho->cells);
        ho->cells[0] = (numa_cell){.cpus = 8, .pcpus = 4, .memory_mb = 16384,
                                   .threads_per_core = h ? 2 : 1};
    }
    flavor_spec(&f, "hw:cpu_policy", "dedicated");
    flavor_spec(&f, "hw:cpu_thread_policy", "require");
    fx_filters1(&f, "NUMATopologyFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "NUMATopologyFilter", 2, 1, "host1");
    assert_string_equal(t_reason(e, "host1"), "hw:cpu_thread_policy=require, host has no SMT");
    assert_true(f.r.ok);
    assert_int_equal(f.r.hosts.v[0], 1);
    fx_done(&f);
}

/* MetricsFilter: every metric weight_setting names (as parse_options
 * keeps them: name=float) must be reported; the bad elements are dropped. */
static void test_metrics_filter(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_ZED, 3);
    static const char *const set[] = {"cpu.frequency=1", "bogus", "=2", "mem.x=lots",
                                      "cpu.percent=-1.5"};
    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
        strlist_push(&f.c->conf.metrics_weight_setting, set[i]);
    kvlist_push(&f.c->hosts.v[0].metrics, "cpu.frequency", "2400");
    kvlist_push(&f.c->hosts.v[0].metrics, "cpu.percent", "0.5");
    kvlist_push(&f.c->hosts.v[1].metrics, "cpu.frequency", "2400");
    kvlist_push(&f.c->hosts.v[1].metrics, "mem.x", "1");
    fx_filters1(&f, "MetricsFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "MetricsFilter", 3, 1, "host2 host3");
    assert_string_equal(t_reason(e, "host2"), "host does not report metric(s) cpu.percent");
    assert_string_equal(t_reason(e, "host3"),
                        "host does not report metric(s) cpu.frequency, cpu.percent");
    fx_done(&f);
}

/* A request its own filter cannot read fails every host with the words of
 * what is wrong (Nova's API refuses it before the scheduler). */
static void bad_request_case(const char *filter, const char *key, const char *value,
                             const char *words)
{
    static fx f;
    fx_init(&f, REL_ZED, 2);
    if (!strcmp(key, "query"))
        kvlist_push(&f.rs.hints, key, value);
    else
        flavor_spec(&f, key, value);
    fx_filters1(&f, filter);
    fx_run(&f);
    const event *e = check_filter(&f, filter, 2, 0, "host1 host2");
    const char *r = t_reason(e, "host2");
    if (strncmp(r, words, strlen(words)))
        fprintf(stderr, "  reason '%s', wanted '%s...'\n", r, words);
    assert_true(!strncmp(r, words, strlen(words)));
    fx_done(&f);
}

static void test_filters_refuse_bad_requests(void **state)
{
    (void)state;
    bad_request_case("NUMATopologyFilter", "hw:numa_nodes", "0",
                     "hw:numa_nodes must be a positive integer, got '0'");
    bad_request_case("PciPassthroughFilter", "pci_passthrough:alias", "gpu:1",
                     "PCI alias gpu is not defined");
    bad_request_case("JsonFilter", "query", "[\">=\", \"$free_ram_mb\",", "query hint is not JSON: ");
}

static void test_all_hosts_filter(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    cloud_host_w(f.c, 1)->up = false;
    fx_filters1(&f, "AllHostsFilter");
    fx_run(&f);
    check_filter(&f, "AllHostsFilter", 3, 3, "");
    fx_done(&f);
}

/* ---- retired filters (until Ussuri) ---------------------------------------------- */

static void test_ram_filter_stein(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_STEIN, 2);
    cloud_host_w(f.c, 0)->memory_mb = 4096;
    cloud_host_w(f.c, 1)->memory_mb = 8192;
    f.c->conf.ram_allocation_ratio = 0.5;
    /* placement: (4096 - 512) * 0.5 = 1792 >= 1600; RamFilter:
     * 4096 * 0.5 - (4096 - 3584) = 1536 < 1600 */
    f.c->flavors.v[f.fl].memory_mb = 1600;
    fx_filters1(&f, "RamFilter");
    fx_run(&f);
    const event *p = t_find(&f.t, EV_PLACEMENT, NULL);
    assert_int_equal(p->out, 2);
    const event *e = check_filter(&f, "RamFilter", 2, 1, "host1");
    reason_has(e, "host1", "1536", "1600");
    fx_done(&f);
}

static void test_agg_ram_filter_stein(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_STEIN, 2);                          /* ram ratio 1.5 (initial) */
    cloud_host_w(f.c, 0)->memory_mb = 4096;
    cloud_host_w(f.c, 1)->memory_mb = 4096;
    agg_with(&f, "a1", 0, "ram_allocation_ratio", "1.0");
    f.c->flavors.v[f.fl].memory_mb = 3600;             /* > 4096 - 512, < 6144 - 512 */
    fx_filters1(&f, "AggregateRamFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "AggregateRamFilter", 2, 1, "host1");
    reason_has(e, "host1", "3584", "3600");
    fx_done(&f);

    fx_init(&f, REL_STEIN, 2);
    cloud_host_w(f.c, 0)->memory_mb = 4096;
    cloud_host_w(f.c, 1)->memory_mb = 4096;
    agg_with(&f, "a1", 0, "ram_allocation_ratio", "bogus");   /* -> host's 1.5 */
    f.c->flavors.v[f.fl].memory_mb = 3600;
    fx_filters1(&f, "AggregateRamFilter");
    fx_run(&f);
    check_filter(&f, "AggregateRamFilter", 2, 2, "");
    fx_done(&f);
}

static void test_core_filter_stein(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_STEIN, 2);
    cloud_host_w(f.c, 0)->vcpus = 8;
    cloud_host_w(f.c, 1)->vcpus = 16;
    f.c->conf.cpu_allocation_ratio = 0.5;
    f.c->conf.reserved_host_cpus = 2;
    /* placement: (8 - 2) * 0.5 = 3 >= 3; CoreFilter: 8 * 0.5 - 2 = 2 < 3 */
    f.c->flavors.v[f.fl].vcpus = 3;
    fx_filters1(&f, "CoreFilter");
    fx_run(&f);
    const event *p = t_find(&f.t, EV_PLACEMENT, NULL);
    assert_int_equal(p->out, 2);
    const event *e = check_filter(&f, "CoreFilter", 2, 1, "host1");
    reason_has(e, "host1", "2", "3");
    fx_done(&f);
}

static void test_agg_core_filter_stein(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_STEIN, 2);                          /* cpu ratio 16.0 */
    cloud_host_w(f.c, 0)->vcpus = 4;
    cloud_host_w(f.c, 1)->vcpus = 4;
    int big = t_flavor(f.c, "m1.big", 3, 512, 1);
    t_server(f.c, "s1", big, 0);
    t_server(f.c, "s2", big, 1);
    agg_with(&f, "a1", 0, "cpu_allocation_ratio", "1.0");
    f.c->flavors.v[f.fl].vcpus = 2;                      /* 4 * 1.0 - 3 = 1 < 2 */
    fx_filters1(&f, "AggregateCoreFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "AggregateCoreFilter", 2, 1, "host1");
    reason_has(e, "host1", "1", "2");
    fx_done(&f);
}

static void test_disk_filter_stein(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_STEIN, 2);
    cloud_host_w(f.c, 0)->disk_gb = 100;
    cloud_host_w(f.c, 1)->disk_gb = 200;
    f.c->conf.disk_allocation_ratio = 0.5;
    f.c->conf.reserved_host_disk_mb = 10240;
    /* placement: (100 - 10) * 0.5 = 45 >= 42; DiskFilter:
     * 102400 * 0.5 - 10240 = 40960 MB < 43008 MB */
    f.c->flavors.v[f.fl].root_gb = 42;
    fx_filters1(&f, "DiskFilter");
    fx_run(&f);
    const event *p = t_find(&f.t, EV_PLACEMENT, NULL);
    assert_int_equal(p->out, 2);
    const event *e = check_filter(&f, "DiskFilter", 2, 1, "host1");
    reason_has(e, "host1", "40960", "43008");
    fx_done(&f);
}

static void test_agg_disk_filter_stein(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_STEIN, 2);
    cloud_host_w(f.c, 0)->disk_gb = 100;
    cloud_host_w(f.c, 1)->disk_gb = 100;
    agg_with(&f, "a1", 0, "disk_allocation_ratio", "0.5");
    f.c->flavors.v[f.fl].root_gb = 60;                   /* 51200 MB < 61440 MB */
    fx_filters1(&f, "AggregateDiskFilter");
    fx_run(&f);
    const event *e = check_filter(&f, "AggregateDiskFilter", 2, 1, "host1");
    reason_has(e, "host1", "51200", "61440");
    fx_done(&f);
}

/* ---- the filter pipeline ------------------------------------------------------------ */

static void test_filter_order_is_configured_order(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    static const char *const order[] = {"NumInstancesFilter", "ComputeFilter", "AllHostsFilter",
                                        "IoOpsFilter"};
    t_filters(f.c, order, 4);
    cloud_host_w(f.c, 2)->up = false;
    fx_run(&f);
    int k = 0;
    for (int i = 0; i < f.t.n; i++)
        if (f.t.v[i].kind == EV_FILTER) {
            assert_true(k < 4);
            assert_string_equal(f.t.v[i].name, order[k]);
            k++;
        }
    assert_int_equal(k, 4);
    check_filter(&f, "NumInstancesFilter", 3, 3, "");
    check_filter(&f, "ComputeFilter", 3, 2, "host3");
    check_filter(&f, "AllHostsFilter", 2, 2, "");        /* gets what ComputeFilter left */
    check_filter(&f, "IoOpsFilter", 2, 2, "");
    fx_done(&f);
}

/* A filter that leaves no host stops the run: no later filter event. */
static void test_first_empty_filter_stops(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2);
    static const char *const order[] = {"AllHostsFilter", "ComputeFilter", "NumInstancesFilter"};
    t_filters(f.c, order, 3);
    cloud_host_w(f.c, 0)->up = false;
    cloud_host_w(f.c, 1)->up = false;
    fx_run(&f);
    check_filter(&f, "ComputeFilter", 2, 0, "host1 host2");
    assert_null(t_find(&f.t, EV_FILTER, "NumInstancesFilter"));
    assert_null(t_find(&f.t, EV_WEIGH, NULL));
    assert_false(f.r.ok);
    assert_string_equal(f.r.message,
                        "No valid host was found. There are not enough hosts available.");
    fx_done(&f);
}

/* run_filter_once_per_request filters run for instance 0 only. */
static void test_once_per_request_filters(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 3);
    static const char *const order[] = {"ComputeFilter", "NumInstancesFilter",
                                        "ImagePropertiesFilter", "ServerGroupAntiAffinityFilter"};
    t_filters(f.c, order, 4);
    fx_vm(&f, "vm-1");
    fx_vm(&f, "vm-2");
    f.rs.num_instances = 2;
    fx_run(&f);
    assert_true(f.r.ok);
    assert_int_equal(f.r.hosts.n, 2);
    assert_int_equal(count_events(&f.t, EV_FILTER, "ComputeFilter"), 1);
    assert_int_equal(count_events(&f.t, EV_FILTER, "ImagePropertiesFilter"), 1);
    assert_int_equal(count_events(&f.t, EV_FILTER, "NumInstancesFilter"), 2);
    assert_int_equal(count_events(&f.t, EV_FILTER, "ServerGroupAntiAffinityFilter"), 2);
    fx_done(&f);
}

/* Within a request the second instance sees the first one's consumption:
 * NumInstancesFilter (not once-per-request) removes the host just used. */
static void test_consumption_seen_by_second_instance(void **state)
{
    (void)state;
    static fx f;
    fx_init(&f, REL_LATEST, 2);
    f.c->conf.max_instances_per_host = 1;
    fx_filters1(&f, "NumInstancesFilter");
    fx_vm(&f, "vm-1");
    fx_vm(&f, "vm-2");
    f.rs.num_instances = 2;
    fx_run(&f);
    assert_true(f.r.ok);
    assert_int_equal(f.r.hosts.n, 2);
    assert_true(f.r.hosts.v[0] != f.r.hosts.v[1]);
    int second = -1;
    for (int i = 0; i < f.t.n; i++)
        if (f.t.v[i].kind == EV_FILTER && !strcmp(f.t.v[i].name, "NumInstancesFilter"))
            second = i;
    assert_true(second >= 0);
    assert_int_equal(f.t.v[second].in, 2);
    assert_int_equal(f.t.v[second].out, 1);
    fx_done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_spec_match_numeric, teardown),
        cmocka_unit_test_teardown(test_spec_match_strings, teardown),
        cmocka_unit_test_teardown(test_spec_match_in_or, teardown),
        cmocka_unit_test_teardown(test_spec_match_plain_and_missing_operand, teardown),
        cmocka_unit_test_teardown(test_compute_filter_down_host, teardown),
        cmocka_unit_test_teardown(test_compute_filter_forced_down, teardown),
        cmocka_unit_test_teardown(test_compute_filter_disabled_stein, teardown),
        cmocka_unit_test_teardown(test_disabled_host_removed_by_placement, teardown),
        cmocka_unit_test_teardown(test_capabilities_python_str, teardown),
        cmocka_unit_test_teardown(test_capabilities_hypervisor_version, teardown),
        cmocka_unit_test_teardown(test_capabilities_cpu_info_arch, teardown),
        cmocka_unit_test_teardown(test_capabilities_unscoped_and_scopes, teardown),
        cmocka_unit_test_teardown(test_image_props_arch, teardown),
        cmocka_unit_test_teardown(test_image_props_hv_type_and_mode, teardown),
        cmocka_unit_test_teardown(test_image_props_i386_canonical, teardown),
        cmocka_unit_test_teardown(test_image_props_i386_family, teardown),
        cmocka_unit_test_teardown(test_image_props_pairs_interleaved, teardown),
        cmocka_unit_test_teardown(test_image_props_no_supported_instances, teardown),
        cmocka_unit_test_teardown(test_image_props_maxphysaddr_bits, teardown),
        cmocka_unit_test_teardown(test_image_props_requested_version, teardown),
        cmocka_unit_test_teardown(test_image_props_version_operators, teardown),
        cmocka_unit_test_teardown(test_image_props_none, teardown),
        cmocka_unit_test_teardown(test_anti_affinity, teardown),
        cmocka_unit_test_teardown(test_anti_affinity_max_server_per_host, teardown),
        cmocka_unit_test_teardown(test_anti_affinity_own_host, teardown),
        cmocka_unit_test_teardown(test_anti_affinity_other_policy, teardown),
        cmocka_unit_test_teardown(test_affinity, teardown),
        cmocka_unit_test_teardown(test_group_filters_multi_create, teardown),
        cmocka_unit_test_teardown(test_same_host, teardown),
        cmocka_unit_test_teardown(test_different_host, teardown),
        cmocka_unit_test_teardown(test_simple_cidr, teardown),
        cmocka_unit_test_teardown(test_agg_extra_specs_scoped, teardown),
        cmocka_unit_test_teardown(test_agg_extra_specs_unscoped_and_other_scopes, teardown),
        cmocka_unit_test_teardown(test_agg_extra_specs_operators, teardown),
        cmocka_unit_test_teardown(test_agg_image_props_isolation, teardown),
        cmocka_unit_test_teardown(test_agg_image_props_isolation_boolean, teardown),
        cmocka_unit_test_teardown(test_agg_image_props_isolation_coerced, teardown),
        cmocka_unit_test_teardown(test_agg_image_props_isolation_namespace, teardown),
        cmocka_unit_test_teardown(test_multitenancy_zed_exact_key, teardown),
        cmocka_unit_test_teardown(test_multitenancy_prefix_keys, teardown),
        cmocka_unit_test_teardown(test_type_affinity, teardown),
        cmocka_unit_test_teardown(test_io_ops_filter, teardown),
        cmocka_unit_test_teardown(test_agg_io_ops_filter, teardown),
        cmocka_unit_test_teardown(test_num_instances_filter, teardown),
        cmocka_unit_test_teardown(test_agg_num_instances_filter, teardown),
        cmocka_unit_test_teardown(test_isolated_hosts_matrix, teardown),
        cmocka_unit_test_teardown(test_json_filter, teardown),
        cmocka_unit_test_teardown(test_json_filter_python_semantics, teardown),
        cmocka_unit_test_teardown(test_json_filter_no_query, teardown),
        cmocka_unit_test_teardown(test_json_filter_attributes, teardown),
        cmocka_unit_test_teardown(test_capabilities_service_bool, teardown),
        cmocka_unit_test_teardown(test_availability_zone_filter, teardown),
        cmocka_unit_test_teardown(test_numa_require_smt, teardown),
        cmocka_unit_test_teardown(test_metrics_filter, teardown),
        cmocka_unit_test_teardown(test_filters_refuse_bad_requests, teardown),
        cmocka_unit_test_teardown(test_all_hosts_filter, teardown),
        cmocka_unit_test_teardown(test_ram_filter_stein, teardown),
        cmocka_unit_test_teardown(test_agg_ram_filter_stein, teardown),
        cmocka_unit_test_teardown(test_core_filter_stein, teardown),
        cmocka_unit_test_teardown(test_agg_core_filter_stein, teardown),
        cmocka_unit_test_teardown(test_disk_filter_stein, teardown),
        cmocka_unit_test_teardown(test_agg_disk_filter_stein, teardown),
        cmocka_unit_test_teardown(test_filter_order_is_configured_order, teardown),
        cmocka_unit_test_teardown(test_first_empty_filter_stops, teardown),
        cmocka_unit_test_teardown(test_once_per_request_filters, teardown),
        cmocka_unit_test_teardown(test_consumption_seen_by_second_instance, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
