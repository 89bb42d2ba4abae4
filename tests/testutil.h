/*
 * testutil.h - building small clouds in C for the unit tests, without the
 * scenario loader, and cmocka boilerplate.
 */
#ifndef NOVALID_TESTUTIL_H
#define NOVALID_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "command.h"
#include "conductor.h"
#include "journal.h"
#include "scheduler.h"

static inline cloud *t_cloud(int release)
{
    cloud *c = cloud_new();
    nova_config_done(&c->conf);
    nova_config_init(&c->conf, release);
    return c;
}

static inline int t_host(cloud *c, const char *name, int vcpus, int64_t mem, int64_t disk)
{
    int h = cloud_add_host(c, name);
    c->hosts.v[h].vcpus = vcpus;
    c->hosts.v[h].memory_mb = mem;
    c->hosts.v[h].disk_gb = disk;
    return h;
}

static inline int t_flavor(cloud *c, const char *name, int vcpus, int64_t mem, int64_t root)
{
    flavor f;
    memset(&f, 0, sizeof f);
    f.name = nv_strdup(name);
    f.vcpus = vcpus;
    f.memory_mb = mem;
    f.root_gb = root;
    NV_PUSH(c->flavors, f);
    cloud_reindex(c);
    return c->flavors.n - 1;
}

static inline int t_image(cloud *c, const char *name)
{
    image im;
    memset(&im, 0, sizeof im);
    im.name = nv_strdup(name);
    im.disk_format = nv_strdup("qcow2");
    NV_PUSH(c->images, im);
    cloud_reindex(c);
    return c->images.n - 1;
}

static inline int t_group(cloud *c, const char *name, enum group_policy p, int max)
{
    group g = {nv_strdup(name), p, max};
    NV_PUSH(c->groups, g);
    cloud_reindex(c);
    return c->groups.n - 1;
}

static inline int t_agg(cloud *c, const char *name, const char *k, const char *v)
{
    int a = cloud_add_aggregate(c, name);
    if (k)
        kvlist_push(&c->aggregates.v[a].metadata, k, v);
    return a;
}

/* A server already running on host h, charged to Placement. */
static inline int t_server(cloud *c, const char *name, int fl, int h)
{
    int s = cloud_add_server(c, name, fl);
    c->servers.v[s].image = c->images.n ? 0 : -1;
    cloud_server_set_host(c, s, h);
    int64_t a[RC_COUNT];
    flavor_resources(c, fl, false, a);
    placement_force(c, CONSUMER_SERVER, s, h, a);
    return s;
}

/* Use exactly these filters / weighers. */
static inline void t_filters(cloud *c, const char *const *names, int n)
{
    c->conf.enabled_filters.n = 0;
    for (int i = 0; i < n; i++) {
        int f = filter_lookup(names[i]);
        assert_true(f >= 0);
        intvec_push(&c->conf.enabled_filters, f);
    }
}

static inline void t_weighers(cloud *c, const char *const *names, int n)
{
    c->conf.weight_classes.n = 0;
    for (int i = 0; i < n; i++) {
        int w = weigher_lookup(names[i]);
        assert_true(w >= 0);
        intvec_push(&c->conf.weight_classes, w);
    }
}

/* Run a command through a fresh env; returns the outcome (static). */
static inline const char *t_exec(cloud *c, trail *t, nv_rng *rng, command *cmd, cmd_result *r)
{
    nova_env env = {c, t, rng};
    memset(r, 0, sizeof *r);
    command_exec(&env, cmd, r);
    return r->outcome;
}

static inline const event *t_find(const trail *t, enum ev_kind k, const char *name)
{
    for (int i = 0; i < t->n; i++)
        if (t->v[i].kind == k && (!name || (t->v[i].name && !strcmp(t->v[i].name, name))))
            return &t->v[i];
    return NULL;
}

/* The words of host hn's rejection in e (valid until the next call). */
static inline const char *t_reason(const event *e, const char *hn)
{
    static sbuf words;
    for (int i = 0; e && i < e->rejected.n; i++)
        if (!strcmp(event_reject_host(e, i), hn)) {
            sbuf_reset(&words);
            event_reject_reason(e, i, &words);
            return words.s ? words.s : "";
        }
    return NULL;
}

/* The cloud the conductor's tests start from: hosts host1 and host2 of 8
 * vCPUs, 8 GiB and 80 GB, image cirros, the generator seeded with 1; each
 * test file adds its flavors.  r holds a command's result where the file
 * keeps one. */
typedef struct t_fx {
    cloud *c;
    trail t;
    nv_rng rng;
    cmd_result r;
} t_fx;

static inline void t_fx_init(t_fx *f, int release)
{
    memset(f, 0, sizeof *f);
    f->c = t_cloud(release);
    t_host(f->c, "host1", 8, 8192, 80);
    t_host(f->c, "host2", 8, 8192, 80);
    t_image(f->c, "cirros");
    nv_rng_seed(&f->rng, 1);
}

static inline void t_fx_done(t_fx *f)
{
    cmd_result_done(&f->r);
    trail_free(&f->t);
    cloud_free(f->c);
}

/* The server named so (it must exist) and the name of its host ("" if none). */
static inline const server *t_srv(const cloud *c, const char *name)
{
    int s = cloud_server(c, name);
    assert_true(s >= 0);
    return &c->servers.v[s];
}

static inline const char *t_host_of(const cloud *c, const char *name)
{
    const server *s = t_srv(c, name);
    return s->host >= 0 ? c->hosts.v[s->host].name : "";
}

#endif
