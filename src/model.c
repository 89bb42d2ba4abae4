/*
 * model.c - the cloud's arrays, name indexes and derived facts.
 *
 * Derived state (name indexes, per-host aggregate and server lists,
 * Placement usage per host, each consumer's chain of allocations) is
 * built by cloud_reindex() once a cloud is loaded and then kept up to
 * date in place by the mutators below and in placement.c (removals
 * included); nothing else writes it.
 */
#include "model.h"
#include "journal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const rc_names[RC_COUNT] = {"VCPU", "MEMORY_MB", "DISK_GB", "PCPU"};
const char *const group_policy_names[4] = {"affinity", "anti-affinity",
                                           "soft-affinity", "soft-anti-affinity"};

int rc_from_name(const char *name)
{
    for (int i = 0; i < RC_COUNT; i++)
        if (strcmp(rc_names[i], name) == 0)
            return i;
    return -1;
}

cloud *cloud_new(void)
{
    cloud *c = nv_calloc(1, sizeof *c);
    nova_config_init(&c->conf, REL_LATEST);
    c->seed = 1;
    return c;
}

const persisted_spec persisted_spec_plain = {.num_instances = 1};

static void spec_free(persisted_spec *p)
{
    if (!p)
        return;
    free(p->availability_zone);
    kvlist_free(&p->hints);
    strlist_free(&p->force_hosts);
    strlist_free(&p->force_nodes);
    strlist_free(&p->ignore_hosts);
    strlist_free(&p->retry_hosts);
    free(p->requested_host);
}

static void spec_copy(persisted_spec *d, const persisted_spec *s)
{
    d->num_instances = s->num_instances;
    d->availability_zone = nv_strdup(s->availability_zone);
    kvlist_copy(&d->hints, &s->hints);
    strlist_copy(&d->force_hosts, &s->force_hosts);
    strlist_copy(&d->force_nodes, &s->force_nodes);
    strlist_copy(&d->ignore_hosts, &s->ignore_hosts);
    strlist_copy(&d->retry_hosts, &s->retry_hosts);
    d->requested_host = nv_strdup(s->requested_host);
}

/* A copy of a server's spec pointer: NULL stays NULL. */
static persisted_spec *spec_dup(const persisted_spec *s)
{
    if (!s)
        return NULL;
    persisted_spec *d = nv_calloc(1, sizeof *d);
    spec_copy(d, s);
    return d;
}

static bool spec_same(const persisted_spec *a, const persisted_spec *b);

void server_spec_set(server *s, const persisted_spec *p)
{
    spec_free(s->spec);
    free(s->spec);
    s->spec = spec_same(p, &persisted_spec_plain) ? NULL : spec_dup(p);
}

persisted_spec *server_spec_w(server *s)
{
    if (!s->spec) {
        s->spec = nv_calloc(1, sizeof *s->spec);
        s->spec->num_instances = 1;
    }
    return s->spec;
}

/* ---- hot records ------------------------------------------------------------
 *
 * A decision visits every host of the cloud; reading each host's own
 * struct (its numbers spread over two cache lines, next to names, lists
 * and pointers) and working out again what nova.conf's ratios and reserved
 * make of them was most of what a host that fits costs.  The cloud keeps
 * one dense record per host instead (model.h host_hot), for the options it
 * was worked out with; a host written since (cloud_host_w(), host-set) is
 * worked out again before the next decision reads it. */

typedef struct hot_key {
    double ratio[RC_COUNT];     /* nova.conf's, for hosts that set none */
    int64_t reserved_mem_mb, reserved_disk_mb, reserved_cpus;
} hot_key;

struct hot_cols {
    unsigned host_gen;          /* the host list they follow */
    int n;
    hot_key key;
    host_hot *v;                /* on a cache line boundary: a record is two lines */
    void *block;                /* what was allocated for v */
    unsigned char *stale;       /* per host: written since its record */
    intvec touched;             /* the hosts with `stale` set */
};

static void hot_key_of(const cloud *c, hot_key *k)
{
    memset(k, 0, sizeof *k);
    for (int rc = 0; rc < RC_COUNT; rc++)
        k->ratio[rc] = rc == RC_PCPU ? 1.0 : config_ratio(&c->conf, rc);
    k->reserved_mem_mb = c->conf.reserved_host_memory_mb;
    k->reserved_disk_mb = c->conf.reserved_host_disk_mb;
    k->reserved_cpus = c->conf.reserved_host_cpus;
}

/* Whole numbers a double holds exactly, twice over: a room worked out
 * from a capacity clamped to +-2^52 and a usage within +-2^51 holds for
 * every amount up to INT32_MAX. */
#define HOT_WHOLE ((int64_t)1 << 52)

static void hot_compute(const cloud *c, int h, host_hot *o)
{
    const host *ho = &c->hosts.v[h];
    const int64_t *used = c->usage + (size_t)h * RC_COUNT;
    memset(o, 0, sizeof *o);   /* padding too: records are compared whole */
    bool exact = true;
    for (int rc = 0; rc < RC_COUNT; rc++) {
        /* placement_fit_reason()'s numbers, by the same functions: a of
         * class rc fits iff a <= total and (double)(used + a) <= cap; for
         * whole numbers used + a < 2^53 the latter is used + a <=
         * floor(cap) */
        int64_t total = placement_total(c, h, rc);
        double cap = (double)(total - host_reserved(c, h, rc)) * host_ratio(c, h, rc);
        int64_t lim = total <= 0 ? 0 : total;
        exact = exact && total <= INT32_MAX && used[rc] > -HOT_WHOLE / 2 &&
                used[rc] < HOT_WHOLE / 2 && cap == cap;
        if (!exact)
            continue;
        double fl = floor(cap);
        int64_t capi = fl >= (double)HOT_WHOLE ? HOT_WHOLE : fl <= -(double)HOT_WHOLE ? -HOT_WHOLE
                                                                                      : (int64_t)fl;
        int64_t left = capi - used[rc];
        left = left < lim ? left : lim;
        o->room[rc] = left < INT32_MIN ? INT32_MIN : (int32_t)left;   /* lim <= INT32_MAX */
    }
    if (!exact)
        memset(o->room, 0, sizeof o->room);
    /* the numbers of a refusal, when they fit and the ratios and reserved
     * are nova.conf's (placement_fit_class() asks the host for them) */
    bool reason = exact && !(ho->cpu_allocation_ratio > 0) && !(ho->ram_allocation_ratio > 0) &&
                  !(ho->disk_allocation_ratio > 0) && ho->reserved_host_cpus < 0 &&
                  ho->reserved_host_memory_mb < 0 && ho->reserved_host_disk_mb < 0;
    for (int rc = 0; rc < RC_COUNT && reason; rc++) {
        int64_t total = placement_total(c, h, rc);
        reason = total >= INT32_MIN && used[rc] >= INT32_MIN && used[rc] <= INT32_MAX;
        o->total[rc] = (int32_t)total;   /* <= INT32_MAX: exact */
        o->used[rc] = (int32_t)used[rc];
    }
    if (!reason) {
        memset(o->total, 0, sizeof o->total);
        memset(o->used, 0, sizeof o->used);
    }
    /* the resource tracker's reserved: disk in MB, where Placement's is
     * in whole GB */
    int64_t res_disk_mb = ho->reserved_host_disk_mb >= 0 ? ho->reserved_host_disk_mb
                                                        : c->conf.reserved_host_disk_mb;
    o->free_ram_mb = ho->memory_mb - host_reserved(c, h, RC_MEMORY_MB) - used[RC_MEMORY_MB];
    o->free_disk_mb = ho->disk_gb * 1024 - res_disk_mb - used[RC_DISK_GB] * 1024;
    o->vcpus_used = host_reserved(c, h, RC_VCPU) + used[RC_VCPU] + used[RC_PCPU];
    o->cpu_ratio = host_ratio(c, h, RC_VCPU);
    o->cpu_arch = ho->cpu_arch;
    o->hypervisor_type = ho->hypervisor_type;
    o->cell = ho->cell;
    o->vcpus_total = ho->vcpus + ho->pcpus;
    o->failed_builds = ho->failed_builds;
    o->io_workload = ho->io_workload;
    o->flags = (unsigned char)((compute_filter_passes(ho) ? HOT_UP : 0) |
                               (ho->disabled == ho->status_trait_stale && !ho->traits.n
                                    ? HOT_NO_TRAITS : 0) |
                               (ho->n_cells || ho->n_pci ? HOT_DEVICES : 0) |
                               (exact ? HOT_EXACT : 0) | (reason ? HOT_REASON : 0) |
                               (ho->disabled != ho->status_trait_stale ? HOT_STATUS_DISABLED : 0));
}

/* Room for n records, v on a cache line boundary. */
static void hot_cols_alloc(struct hot_cols *hc, int n)
{
    hc->block = nv_malloc((size_t)(n ? n : 1) * sizeof *hc->v + 63);
    hc->v = (host_hot *)(((uintptr_t)hc->block + 63) & ~(uintptr_t)63);
}

static void hot_cols_free(struct hot_cols *hc)
{
    if (!hc)
        return;
    free(hc->block);
    free(hc->stale);
    intvec_free(&hc->touched);
    free(hc);
}

static struct hot_cols *hot_cols_copy(const struct hot_cols *src)
{
    if (!src)
        return NULL;
    struct hot_cols *hc = nv_malloc(sizeof *hc);
    *hc = *src;
    hot_cols_alloc(hc, src->n);
    memcpy(hc->v, src->v, (size_t)src->n * sizeof *hc->v);
    hc->stale = nv_malloc(src->n ? (size_t)src->n : 1);
    memcpy(hc->stale, src->stale, (size_t)src->n);
    hc->touched = (intvec){0};
    intvec_copy(&hc->touched, &src->touched);
    return hc;
}

void cloud_hot_touch(cloud *c, int h)
{
    struct hot_cols *hc = c->hot;
    if (!hc || h < 0 || h >= hc->n || hc->stale[h])
        return;
    hc->stale[h] = 1;
    intvec_push(&hc->touched, h);
}

const host_hot *cloud_hot(cloud *c)
{
    hot_key key;
    hot_key_of(c, &key);
    struct hot_cols *hc = c->hot;
    if (hc && (hc->host_gen != c->host_gen || hc->n != c->hosts.n ||
               memcmp(&hc->key, &key, sizeof key))) {
        hot_cols_free(hc);
        c->hot = hc = NULL;
    }
    if (!hc) {
        hc = nv_calloc(1, sizeof *hc);
        hc->host_gen = c->host_gen;
        hc->n = c->hosts.n;
        hc->key = key;
        hot_cols_alloc(hc, hc->n);
        hc->stale = nv_calloc(hc->n ? (size_t)hc->n : 1, 1);
        for (int h = 0; h < hc->n; h++)
            hot_compute(c, h, &hc->v[h]);
        c->hot = hc;
        return hc->v;
    }
    for (int i = 0; i < hc->touched.n; i++) {
        int h = hc->touched.v[i];
        hot_compute(c, h, &hc->v[h]);
        hc->stale[h] = 0;
    }
    hc->touched.n = 0;
    return hc->v;
}

bool cloud_hot_current(const cloud *c, const host_hot *hot, int h)
{
    host_hot now;
    hot_compute(c, h, &now);
    return hot && !memcmp(&now, &hot[h], sizeof now);
}

static void free_derived(cloud *c)
{
    nv_index_free(&c->host_ix);
    nv_index_free(&c->flavor_ix);
    nv_index_free(&c->image_ix);
    nv_index_free(&c->group_ix);
    nv_index_free(&c->server_ix);
    nv_index_free(&c->aggregate_ix);
    free(c->usage);
    c->usage = NULL;
    if (c->host_aggs)
        for (int i = 0; i < c->hosts.n; i++)
            intvec_free(&c->host_aggs[i]);
    if (c->host_servers)
        for (int i = 0; i < c->hosts.n; i++)
            intvec_free(&c->host_servers[i]);
    free(c->host_aggs);
    free(c->host_servers);
    free(c->host_fold);
    hot_cols_free(c->hot);
    c->hot = NULL;
    c->host_aggs = c->host_servers = NULL;
    c->host_fold = NULL;
    c->host_side_cap = 0;
}

void host_done(host *h)
{
    free(h->name);
    free(h->host_ip);
    free(h->units);
    strlist_free(&h->traits);
    free(h->disabled_reason);
    free(h->cells);
    kvlist_free(&h->metrics);
    for (int k = 0; k < h->n_pci; k++) {
        free(h->pci[k].vendor_id);
        free(h->pci[k].product_id);
    }
    free(h->pci);
}

/* Ids above `gone` move down one; `gone` itself becomes -1. */
static int renumber(int id, int gone) { return id == gone ? -1 : id > gone ? id - 1 : id; }

/* A new host_gen for every change of any cloud's host list. */
static unsigned next_host_gen(void)
{
    static unsigned gen;
    return ++gen;
}

/* An index's ids above `gone` move down one (`gone` left it already). */
static void index_renumber(nv_index *ix, int gone)
{
    for (int i = 0; i < ix->cap; i++)
        if (ix->slots[i].key && ix->slots[i].id > gone)
            ix->slots[i].id--;
}

/* The derived parts follow the removal in place: the host's rows of the
 * per-host arrays go, later rows move down, and no name is hashed again. */
void cloud_remove_host(cloud *c, int h)
{
    c->host_gen = next_host_gen();
    nv_index_del(&c->host_ix, c->hosts.v[h].name, h);
    index_renumber(&c->host_ix, h);
    host_done(&c->hosts.v[h]);
    int after = c->hosts.n - h - 1;
    memmove(&c->hosts.v[h], &c->hosts.v[h + 1], (size_t)after * sizeof *c->hosts.v);
    memmove(&c->usage[h * RC_COUNT], &c->usage[(h + 1) * RC_COUNT],
            (size_t)after * RC_COUNT * sizeof *c->usage);
    intvec_free(&c->host_aggs[h]);
    memmove(&c->host_aggs[h], &c->host_aggs[h + 1], (size_t)after * sizeof *c->host_aggs);
    intvec_free(&c->host_servers[h]);
    memmove(&c->host_servers[h], &c->host_servers[h + 1], (size_t)after * sizeof *c->host_servers);
    memmove(&c->host_fold[h], &c->host_fold[h + 1], (size_t)after * sizeof *c->host_fold);
    c->hosts.n--;
    for (int a = 0; a < c->aggregates.n; a++) {
        intvec *hs = &c->aggregates.v[a].hosts;
        intvec_remove(hs, h);
        for (int k = 0; k < hs->n; k++)
            hs->v[k] = renumber(hs->v[k], h);
    }
    for (int i = 0; i < c->servers.n; i++)
        c->servers.v[i].host = renumber(c->servers.v[i].host, h);
    c->view_full = true;   /* the views name hosts by id */
    for (int i = 0; i < c->migrations.n; i++) {
        c->migrations.v[i].source = renumber(c->migrations.v[i].source, h);
        c->migrations.v[i].dest = renumber(c->migrations.v[i].dest, h);
    }
    int n = 0;
    for (int i = 0; i < c->allocations.n; i++)
        if (c->allocations.v[i].host != h) {
            c->allocations.v[n] = c->allocations.v[i];
            c->allocations.v[n++].host = renumber(c->allocations.v[i].host, h);
        }
    if (n != c->allocations.n) {
        c->allocations.n = n;
        placement_relink(c);
    } else {
        c->allocations.n = n;
    }
    n = 0;
    for (int i = 0; i < c->faults.n; i++) {
        if (c->faults.v[i].host == h) {
            free(c->faults.v[i].point);
            free(c->faults.v[i].message);
            continue;
        }
        c->faults.v[n] = c->faults.v[i];
        c->faults.v[n++].host = renumber(c->faults.v[i].host, h);
    }
    c->faults.n = n;
}

void cloud_remove_aggregate(cloud *c, int a)
{
    nv_index_del(&c->aggregate_ix, c->aggregates.v[a].name, a);
    index_renumber(&c->aggregate_ix, a);
    for (int k = 0; k < c->aggregates.v[a].hosts.n; k++)
        intvec_remove(&c->host_aggs[c->aggregates.v[a].hosts.v[k]], a);
    free(c->aggregates.v[a].name);
    intvec_free(&c->aggregates.v[a].hosts);
    kvlist_free(&c->aggregates.v[a].metadata);
    memmove(&c->aggregates.v[a], &c->aggregates.v[a + 1],
            (size_t)(c->aggregates.n - a - 1) * sizeof *c->aggregates.v);
    c->aggregates.n--;
    for (int h = 0; h < c->hosts.n; h++) {
        intvec *v = &c->host_aggs[h];
        for (int k = 0; k < v->n; k++)
            v->v[k] = renumber(v->v[k], a);
    }
}

void cloud_server_deleted(cloud *c, int sid)
{
    cloud_view_touch(c, sid);
    const char *name = c->servers.v[sid].name;
    if (nv_index_get(&c->server_ix, name) != sid)
        return;
    journal_server_index(c, name);
    nv_index_del(&c->server_ix, name, sid);
    /* the index holds the newest live server of a name: an older one of
     * the same name takes its place */
    for (int i = sid - 1; i >= 0; i--)
        if (!c->servers.v[i].deleted && !strcmp(c->servers.v[i].name, name)) {
            nv_index_put(&c->server_ix, c->servers.v[i].name, i);
            break;
        }
}

void cloud_free(cloud *c)
{
    if (!c)
        return;
    free_derived(c);
    sched_scratch_free(c->sched_scratch);
    intvec_free(&c->view_dirty);
    for (int i = 0; i < c->hosts.n; i++) {
        host_done(&c->hosts.v[i]);
    }
    for (int i = 0; i < c->aggregates.n; i++) {
        free(c->aggregates.v[i].name);
        intvec_free(&c->aggregates.v[i].hosts);
        kvlist_free(&c->aggregates.v[i].metadata);
    }
    for (int i = 0; i < c->flavors.n; i++) {
        free(c->flavors.v[i].name);
        kvlist_free(&c->flavors.v[i].extra_specs);
    }
    for (int i = 0; i < c->images.n; i++) {
        free(c->images.v[i].name);
        free(c->images.v[i].disk_format);
        kvlist_free(&c->images.v[i].properties);
    }
    for (int i = 0; i < c->groups.n; i++)
        free(c->groups.v[i].name);
    for (int i = 0; i < c->servers.n; i++)
        server_done(&c->servers.v[i]);
    for (int i = 0; i < c->migrations.n; i++)
        migration_done(&c->migrations.v[i]);
    for (int i = 0; i < c->faults.n; i++)
        fault_done(&c->faults.v[i]);
    free(c->faults.v);
    free(c->hosts.v);
    free(c->aggregates.v);
    free(c->flavors.v);
    free(c->images.v);
    free(c->groups.v);
    free(c->servers.v);
    free(c->migrations.v);
    free(c->allocations.v);
    free(c->name);
    free(c->description);
    nova_config_done(&c->conf);
    free(c);
}

#define COPY_VEC_ROOM(dst, src, room)                                          \
    do {                                                                       \
        (dst).n = (src).n;                                                     \
        (dst).cap = (src).n + (room);                                          \
        (dst).v = nv_malloc((size_t)((dst).cap ? (dst).cap : 1) * sizeof *(dst).v); \
        if ((src).n)                                                           \
            memcpy((dst).v, (src).v, (size_t)(src).n * sizeof *(dst).v);       \
    } while (0)
#define COPY_VEC(dst, src) COPY_VEC_ROOM(dst, src, 0)

/* Give h (a bitwise copy of s) its own copies of what s owns but its
 * name and address. */
static void host_copy_parts(host *h, const host *s)
{
    if (s->units) {
        h->units = nv_malloc(sizeof *h->units);
        *h->units = *s->units;
    }
    strlist_copy(&h->traits, &s->traits);
    h->disabled_reason = nv_strdup(s->disabled_reason);
    kvlist_copy(&h->metrics, &s->metrics);
    if (s->n_cells) {
        h->cells = nv_malloc((size_t)s->n_cells * sizeof *h->cells);
        memcpy(h->cells, s->cells, (size_t)s->n_cells * sizeof *h->cells);
    }
    if (s->n_pci) {
        h->pci = nv_malloc((size_t)s->n_pci * sizeof *h->pci);
        for (int k = 0; k < s->n_pci; k++) {
            h->pci[k] = s->pci[k];
            h->pci[k].vendor_id = nv_strdup(s->pci[k].vendor_id);
            h->pci[k].product_id = nv_strdup(s->pci[k].product_id);
        }
    }
}

/* Give h (a bitwise copy of s) its own copies of everything s owns. */
static void host_copy_owned(host *h, const host *s)
{
    h->name = nv_strdup(s->name);
    h->host_ip = nv_strdup(s->host_ip);
    host_copy_parts(h, s);
}

void host_copy(host *dst, const host *src)
{
    *dst = *src;
    host_copy_owned(dst, src);
}

void server_copy(server *dst, const server *src)
{
    *dst = *src;
    dst->name = nv_strdup(src->name);
    dst->fault = nv_strdup(src->fault);
    dst->spec = spec_dup(src->spec);
}

void server_done(server *s)
{
    free(s->name);
    free(s->fault);
    spec_free(s->spec);
    free(s->spec);
    s->spec = NULL;
}

void migration_copy(migration *dst, const migration *src)
{
    *dst = *src;
    dst->type = nv_strdup(src->type);
    dst->status = nv_strdup(src->status);
    dst->old_vm_state = nv_strdup(src->old_vm_state);
}

void migration_done(migration *m)
{
    free(m->type);
    free(m->status);
    free(m->old_vm_state);
}

void fault_copy(fault_rule *dst, const fault_rule *src)
{
    *dst = *src;
    dst->point = nv_strdup(src->point);
    dst->message = nv_strdup(src->message);
}

void fault_done(fault_rule *f)
{
    free(f->point);
    free(f->message);
}

cloud *cloud_clone(const cloud *src)
{
    cloud *c = nv_calloc(1, sizeof *c);
    c->name = nv_strdup(src->name);
    c->description = nv_strdup(src->description);
    nova_config_copy(&c->conf, &src->conf);
    c->seed = src->seed;
    c->no_settle = src->no_settle;
    c->view_valid = src->view_valid;
    c->view_full = src->view_full;
    c->units_set = src->units_set;
    intvec_copy(&c->view_dirty, &src->view_dirty);
    c->host_gen = src->host_gen;
    c->alloc_seq = src->alloc_seq;      /* later allocations keep the written order */
    COPY_VEC(c->hosts, src->hosts);
    for (int i = 0; i < c->hosts.n; i++)
        host_copy_owned(&c->hosts.v[i], &src->hosts.v[i]);
    COPY_VEC(c->aggregates, src->aggregates);
    for (int i = 0; i < c->aggregates.n; i++) {
        aggregate *a = &c->aggregates.v[i];
        const aggregate *s = &src->aggregates.v[i];
        a->name = nv_strdup(s->name);
        intvec_copy(&a->hosts, &s->hosts);
        kvlist_copy(&a->metadata, &s->metadata);
    }
    COPY_VEC(c->flavors, src->flavors);
    for (int i = 0; i < c->flavors.n; i++) {
        c->flavors.v[i].name = nv_strdup(src->flavors.v[i].name);
        kvlist_copy(&c->flavors.v[i].extra_specs, &src->flavors.v[i].extra_specs);
    }
    COPY_VEC(c->images, src->images);
    for (int i = 0; i < c->images.n; i++) {
        c->images.v[i].name = nv_strdup(src->images.v[i].name);
        c->images.v[i].disk_format = nv_strdup(src->images.v[i].disk_format);
        kvlist_copy(&c->images.v[i].properties, &src->images.v[i].properties);
    }
    COPY_VEC(c->groups, src->groups);
    for (int i = 0; i < c->groups.n; i++)
        c->groups.v[i].name = nv_strdup(src->groups.v[i].name);
    COPY_VEC_ROOM(c->servers, src->servers, CLOUD_ROOM(src->servers.n));
    for (int i = 0; i < c->servers.n; i++) {
        server *s = &c->servers.v[i];
        const server *o = &src->servers.v[i];
        s->name = nv_strdup(o->name);
        s->fault = nv_strdup(o->fault);
        s->spec = spec_dup(o->spec);
    }
    COPY_VEC_ROOM(c->migrations, src->migrations, CLOUD_ROOM(src->migrations.n));
    for (int i = 0; i < c->migrations.n; i++) {
        c->migrations.v[i].type = nv_strdup(src->migrations.v[i].type);
        c->migrations.v[i].status = nv_strdup(src->migrations.v[i].status);
        c->migrations.v[i].old_vm_state = nv_strdup(src->migrations.v[i].old_vm_state);
    }
    COPY_VEC(c->faults, src->faults);
    for (int i = 0; i < c->faults.n; i++) {
        c->faults.v[i].point = nv_strdup(src->faults.v[i].point);
        c->faults.v[i].message = nv_strdup(src->faults.v[i].message);
    }
    COPY_VEC_ROOM(c->allocations, src->allocations, CLOUD_ROOM(src->allocations.n));
    /* the derived parts are copied, not derived again: rehashing every
     * name was a third of copying a cloud */
#define COPY_INDEX(ix, vec)                                                     \
    nv_index_copy(&c->ix, &src->ix, c->vec.n ? &c->vec.v[0].name : NULL, sizeof *c->vec.v)
    COPY_INDEX(host_ix, hosts);
    COPY_INDEX(flavor_ix, flavors);
    COPY_INDEX(image_ix, images);
    COPY_INDEX(group_ix, groups);
    COPY_INDEX(server_ix, servers);
    COPY_INDEX(aggregate_ix, aggregates);
#undef COPY_INDEX
    int nh = c->hosts.n ? c->hosts.n : 1;
    c->usage = nv_malloc((size_t)nh * RC_COUNT * sizeof *c->usage);
    memcpy(c->usage, src->usage, (size_t)c->hosts.n * RC_COUNT * sizeof *c->usage);
    c->host_aggs = nv_calloc((size_t)nh, sizeof *c->host_aggs);
    c->host_servers = nv_calloc((size_t)nh, sizeof *c->host_servers);
    for (int h = 0; h < c->hosts.n; h++) {
        intvec_copy(&c->host_aggs[h], &src->host_aggs[h]);
        intvec_copy(&c->host_servers[h], &src->host_servers[h]);
    }
    c->host_fold = nv_malloc((size_t)nh * sizeof *c->host_fold);
    memcpy(c->host_fold, src->host_fold, (size_t)c->hosts.n * sizeof *c->host_fold);
    c->host_side_cap = nh;
    c->hot = hot_cols_copy(src->hot);
    return c;
}

void cloud_reindex(cloud *c)
{
    free_derived(c);
    nv_index_reserve(&c->host_ix, c->hosts.n);
    nv_index_reserve(&c->server_ix, c->servers.n);
    for (int i = 0; i < c->hosts.n; i++)
        nv_index_put(&c->host_ix, c->hosts.v[i].name, i);
    for (int i = 0; i < c->flavors.n; i++)
        nv_index_put(&c->flavor_ix, c->flavors.v[i].name, i);
    for (int i = 0; i < c->images.n; i++)
        nv_index_put(&c->image_ix, c->images.v[i].name, i);
    for (int i = 0; i < c->groups.n; i++)
        nv_index_put(&c->group_ix, c->groups.v[i].name, i);
    for (int i = 0; i < c->aggregates.n; i++)
        nv_index_put(&c->aggregate_ix, c->aggregates.v[i].name, i);
    for (int i = 0; i < c->servers.n; i++)
        if (!c->servers.v[i].deleted)
            nv_index_put(&c->server_ix, c->servers.v[i].name, i);
    int nh = c->hosts.n ? c->hosts.n : 1;
    c->host_side_cap = nh;
    c->usage = nv_calloc((size_t)nh * RC_COUNT, sizeof *c->usage);
    c->host_aggs = nv_calloc((size_t)nh, sizeof *c->host_aggs);
    c->host_servers = nv_calloc((size_t)nh, sizeof *c->host_servers);
    c->host_fold = nv_malloc((size_t)nh * sizeof *c->host_fold);
    for (int h = 0; h < c->hosts.n; h++)
        c->host_fold[h] = name_fold_hash(c->hosts.v[h].name);
    for (int a = 0; a < c->aggregates.n; a++)
        for (int k = 0; k < c->aggregates.v[a].hosts.n; k++)
            intvec_push(&c->host_aggs[c->aggregates.v[a].hosts.v[k]], a);
    for (int i = 0; i < c->servers.n; i++) {
        const server *s = &c->servers.v[i];
        if (!s->deleted && s->host >= 0)
            intvec_push(&c->host_servers[s->host], i);
    }
    for (int i = 0; i < c->allocations.n; i++) {
        const allocation *a = &c->allocations.v[i];
        for (int r = 0; r < RC_COUNT; r++)
            c->usage[a->host * RC_COUNT + r] += a->amount[r];
    }
    placement_relink(c);
}

int cloud_host(const cloud *c, const char *name) { return nv_index_get(&c->host_ix, name); }

int cloud_host_ci(const cloud *c, const char *name)
{
    int h = cloud_host(c, name);
    if (h >= 0 || !name)
        return h;
    for (int i = 0; i < c->hosts.n; i++)
        if (strcasecmp(c->hosts.v[i].name, name) == 0)
            return i;
    return -1;
}

int cloud_flavor(const cloud *c, const char *name) { return nv_index_get(&c->flavor_ix, name); }
int cloud_image(const cloud *c, const char *name) { return nv_index_get(&c->image_ix, name); }
int cloud_group(const cloud *c, const char *name) { return nv_index_get(&c->group_ix, name); }
int cloud_server(const cloud *c, const char *name) { return nv_index_get(&c->server_ix, name); }
int cloud_aggregate(const cloud *c, const char *name)
{
    return nv_index_get(&c->aggregate_ix, name);
}

/* Append h (its strings owned) as a new host: its index entry and its
 * rows of the per-host side arrays. */
static int host_push(cloud *c, const host *h)
{
    NV_PUSH(c->hosts, *h);
    int id = c->hosts.n - 1;
    c->host_gen = next_host_gen();
    /* names are heap strings, so the index may borrow them */
    nv_index_put(&c->host_ix, c->hosts.v[id].name, id);
    /* the per-host side arrays grow geometrically, as the host array does:
     * loading n hosts is linear, not n reallocations */
    if (c->hosts.n > c->host_side_cap) {
        int cap = c->host_side_cap ? c->host_side_cap : 8;
        while (cap < c->hosts.n)
            cap *= 2;
        c->usage = nv_realloc(c->usage, (size_t)cap * RC_COUNT * sizeof *c->usage);
        c->host_aggs = nv_realloc(c->host_aggs, (size_t)cap * sizeof *c->host_aggs);
        c->host_servers = nv_realloc(c->host_servers, (size_t)cap * sizeof *c->host_servers);
        c->host_fold = nv_realloc(c->host_fold, (size_t)cap * sizeof *c->host_fold);
        c->host_side_cap = cap;
    }
    c->host_fold[id] = name_fold_hash(c->hosts.v[id].name);
    memset(c->usage + (size_t)id * RC_COUNT, 0, RC_COUNT * sizeof *c->usage);
    memset(&c->host_aggs[id], 0, sizeof *c->host_aggs);
    memset(&c->host_servers[id], 0, sizeof *c->host_servers);
    return id;
}

int cloud_add_host(cloud *c, const char *name)
{
    host h;
    memset(&h, 0, sizeof h);
    h.name = nv_strdup(name);
    h.cell = nv_intern("cell1");
    h.hypervisor_type = nv_intern("QEMU");
    h.hypervisor_version = 8002000;
    h.cpu_arch = nv_intern("x86_64");
    h.host_ip = nv_printf("192.0.2.%d", c->hosts.n + 1);
    h.up = true;
    h.cpu_allocation_ratio = h.ram_allocation_ratio = h.disk_allocation_ratio = -1;
    h.reserved_host_memory_mb = h.reserved_host_disk_mb = h.reserved_host_cpus = -1;
    return host_push(c, &h);
}

int cloud_add_host_copy(cloud *c, const char *name, int from, const char *host_ip)
{
    const host *src = &c->hosts.v[from];
    host h = *src;
    host_copy_parts(&h, src);
    h.name = nv_strdup(name);
    h.host_ip = nv_strdup(host_ip ? host_ip : src->host_ip);
    return host_push(c, &h);
}

host_units *host_units_of(cloud *c, int h)
{
    host *ho = cloud_host_w(c, h);
    if (!ho->units)
        ho->units = nv_calloc(1, sizeof *ho->units);
    c->units_set = true;
    return ho->units;
}

int cloud_add_server(cloud *c, const char *name, int fl)
{
    server s;
    memset(&s, 0, sizeof s);
    s.name = nv_strdup(name);
    s.flavor = fl;
    s.image = -1;
    s.host = -1;
    s.group = -1;
    s.old_flavor = -1;
    s.rt_io_host = -1;
    s.sched_ghost = -1;
    s.alloc = -1;
    s.image_min_disk = fl >= 0 && fl < c->flavors.n ? c->flavors.v[fl].root_gb : 0;
    static const char *demo, *active;   /* interned texts live as long as the program */
    if (!demo) {
        demo = nv_intern("demo");
        active = nv_intern("active");
    }
    s.project = demo;
    s.vm_state = active;
    NV_PUSH(c->servers, s);
    int id = c->servers.n - 1;
    journal_server_index(c, name);
    nv_index_put(&c->server_ix, c->servers.v[id].name, id);
    cloud_view_touch(c, id);
    return id;
}

void cloud_server_image_meta(cloud *c, int sid)
{
    server *s = cloud_server_w(c, sid);
    int64_t root = s->flavor >= 0 && s->flavor < c->flavors.n ? c->flavors.v[s->flavor].root_gb : 0;
    const image *im = s->image >= 0 && s->image < c->images.n ? &c->images.v[s->image] : NULL;
    /* nova/utils.py get_system_metadata_from_image */
    s->image_min_ram = im ? im->min_ram : 0;
    if (im && im->disk_format && !strcmp(im->disk_format, "vhd"))
        s->image_min_disk = root;
    else
        s->image_min_disk = im && im->min_disk > root ? im->min_disk : root;
}

int cloud_add_aggregate(cloud *c, const char *name)
{
    aggregate a;
    memset(&a, 0, sizeof a);
    a.name = nv_strdup(name);
    NV_PUSH(c->aggregates, a);
    nv_index_put(&c->aggregate_ix, c->aggregates.v[c->aggregates.n - 1].name,
                 c->aggregates.n - 1);
    return c->aggregates.n - 1;
}

void cloud_aggregate_add_host(cloud *c, int agg, int h)
{
    aggregate *a = &c->aggregates.v[agg];
    if (intvec_find(&a->hosts, h) >= 0)
        return;
    intvec_push(&a->hosts, h);
    if (c->host_aggs)
        intvec_push(&c->host_aggs[h], agg);
}

void cloud_aggregate_remove_host(cloud *c, int agg, int h)
{
    intvec_remove(&c->aggregates.v[agg].hosts, h);
    if (c->host_aggs)
        intvec_remove(&c->host_aggs[h], agg);
}

void cloud_view_touch(cloud *c, int sid)
{
    /* marked already, or the next refresh walks every server anyway
     * (nothing computed yet: loading marks none of its servers) */
    if (c->servers.v[sid].view_dirty || !c->view_valid || c->view_full)
        return;
    cloud_server_w(c, sid)->view_dirty = true;
    intvec_push(&c->view_dirty, sid);
}

void cloud_server_set_host(cloud *c, int sid, int h)
{
    cloud_view_touch(c, sid);
    server *s = cloud_server_w(c, sid);
    if (s->host >= 0 && c->host_servers)
        intvec_remove(cloud_host_servers_w(c, s->host), sid);
    s->host = h;
    if (h >= 0 && c->host_servers && !s->deleted)
        intvec_push(cloud_host_servers_w(c, h), sid);
}

migration *cloud_add_migration(cloud *c, int sid, const char *type, int source, int dest)
{
    migration m;
    memset(&m, 0, sizeof m);
    m.id = c->migrations.n + 1;
    m.server = sid;
    m.type = nv_strdup(type);
    m.status = nv_strdup("accepted");
    m.source = source;
    m.dest = dest;
    m.old_flavor = m.new_flavor = c->servers.v[sid].flavor;
    m.alloc = -1;
    NV_PUSH(c->migrations, m);
    return &c->migrations.v[c->migrations.n - 1];
}

/* ---- derived facts ------------------------------------------------------ */

const char *host_az(const cloud *c, int h)
{
    const intvec *aggs = &c->host_aggs[h];
    for (int i = 0; i < aggs->n; i++) {
        const char *az = kvlist_get(&c->aggregates.v[aggs->v[i]].metadata,
                                    "availability_zone");
        if (az)
            return az;
    }
    return c->conf.default_availability_zone;
}

bool host_has_az(const cloud *c, int h)
{
    const intvec *aggs = &c->host_aggs[h];
    for (int i = 0; i < aggs->n; i++)
        if (kvlist_get(&c->aggregates.v[aggs->v[i]].metadata, "availability_zone"))
            return true;
    return false;
}

enum trait_kind trait_kind(const char *t)
{
    if (strcmp(t, "COMPUTE_STATUS_DISABLED") == 0)
        return TRAIT_STATUS_DISABLED;
    if (strncmp(t, "HW_ARCH_", 8) == 0)
        return TRAIT_HW_ARCH;
    return TRAIT_PLAIN;
}

bool host_trait_named(const cloud *c, int h, const char *t, enum trait_kind kind)
{
    const host *ho = &c->hosts.v[h];
    /* the libvirt driver reports HW_ARCH_<its architecture> since the fix
     * of bug 2062425 (31.0.0, _get_cpu_arch_traits) */
    if (kind == TRAIT_HW_ARCH && ho->cpu_arch && strcasecmp(t + 8, ho->cpu_arch) == 0 &&
        !quirk_on(&c->conf, Q_BUG_2062425))
        return true;
    return ho->traits.n && strlist_find(&ho->traits, t) >= 0;
}

bool host_has_trait(const cloud *c, int h, const char *t)
{
    return host_has_trait_kind(c, h, t, trait_kind(t));
}

/* Python int(): blanks around, an optional sign, digits with single
 * underscores between them.  Nova ignores amounts int() refuses and
 * negative ones. */
static bool parse_amount(const char *s, int64_t *out)
{
    if (!s)
        return false;
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    bool neg = false;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    if (*s < '0' || *s > '9')
        return false;
    long long v = 0;
    for (; (*s >= '0' && *s <= '9') || *s == '_'; s++) {
        if (*s == '_') {
            if (s[1] < '0' || s[1] > '9')
                return false;
            continue;
        }
        if (v > (LLONG_MAX - 9) / 10)
            return false;
        v = v * 10 + (*s - '0');
    }
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    if (*s || neg)
        return false;
    *out = v;
    return true;
}

/* CPUs a mask such as "2-3" or "^0" selects out of `vcpus`. */
static int mask_count(const char *mask, int vcpus)
{
    int pos = 0, neg = 0;
    char *copy = nv_strdup(mask);
    for (char *t = strtok(copy, ","); t; t = strtok(NULL, ",")) {
        while (*t == ' ')
            t++;
        bool ex = *t == '^';
        if (ex)
            t++;
        int a, b, k = 0;
        if (sscanf(t, "%d-%d", &a, &b) == 2 && b >= a)
            k = b - a + 1;
        else if (sscanf(t, "%d", &a) == 1)
            k = 1;
        if (ex)
            neg += k;
        else
            pos += k;
    }
    free(copy);
    return pos ? pos - neg : vcpus - neg;
}

void resources_of(const cloud *c, int fl, int img, bool bfv, int64_t out[RC_COUNT])
{
    const flavor *f = &c->flavors.v[fl];
    bool set[RC_COUNT] = {false};
    memset(out, 0, sizeof(int64_t) * RC_COUNT);
    /* resources:<RC>=<n> in the unsuffixed group overrides the flavor */
    for (int i = 0; i < f->extra_specs.n; i++) {
        const char *k = f->extra_specs.v[i].key;
        if (strncmp(k, "resources:", 10) != 0)
            continue;
        int rc = rc_from_name(k + 10);
        int64_t amt;
        if (rc < 0 || !parse_amount(f->extra_specs.v[i].value, &amt))
            continue;   /* Nova ignores invalid classes/amounts with a warning */
        out[rc] = amt;
        set[rc] = true;
    }
    /* CPU policy from the flavor, else the image */
    const char *pol = kvlist_get(&f->extra_specs, "hw:cpu_policy");
    if (!pol && img >= 0)
        pol = kvlist_get(&c->images.v[img].properties, "hw_cpu_policy");
    /* PCPU exists from Train; before it pinned guests asked for VCPU */
    if (c->conf.release < REL_TRAIN)
        pol = NULL;
    if (!set[RC_VCPU] && !set[RC_PCPU]) {
        const char *emu = kvlist_get(&f->extra_specs, "hw:emulator_threads_policy");
        if (!emu && img >= 0)
            emu = kvlist_get(&c->images.v[img].properties, "hw_emulator_threads_policy");
        int extra = emu && !strcmp(emu, "isolate") ? 1 : 0;
        if (pol && !strcmp(pol, "dedicated")) {
            out[RC_PCPU] = f->vcpus + extra;
        } else if (pol && !strcmp(pol, "mixed")) {
            const char *mask = kvlist_get(&f->extra_specs, "hw:cpu_dedicated_mask");
            if (!mask)
                mask = kvlist_get(&f->extra_specs, "hw:cpu_realtime_mask");
            int ded = mask ? mask_count(mask, f->vcpus) : 0;
            if (ded < 0)
                ded = 0;
            if (ded > f->vcpus)
                ded = f->vcpus;
            out[RC_PCPU] = ded + extra;
            out[RC_VCPU] = f->vcpus - ded;
        } else {
            out[RC_VCPU] = f->vcpus;
        }
    }
    if (!set[RC_MEMORY_MB])
        out[RC_MEMORY_MB] = f->memory_mb;
    if (!set[RC_DISK_GB])
        out[RC_DISK_GB] = f->ephemeral_gb + (f->swap + 1023) / 1024 + (bfv ? 0 : f->root_gb);
}

void flavor_resources(const cloud *c, int fl, bool bfv, int64_t out[RC_COUNT])
{
    resources_of(c, fl, -1, bfv, out);
}

const char *cloud_take_fault(cloud *c, int h, const char *point)
{
    for (int i = 0; i < c->faults.n; i++) {
        fault_rule *f = &c->faults.v[i];
        if (f->host == h && f->times > 0 && !strcmp(f->point, point)) {
            f = &cloud_faults_w(c)->v[i];
            f->times--;
            return f->message ? f->message : "injected failure";
        }
    }
    return NULL;
}

/* The interned states: Nova's vm and task states first, then any other
 * text a scenario or a test names (a list that only grows, hashed: a
 * fuzzer names a new one at every run). */
static const char *const known_states[] = {
    "active", "building", "stopped", "error", "deleted", "shelved", "shelved_offloaded",
    "paused", "suspended", "resized", "rescued", "soft-delete",
    /* task states; the first seven count as I/O operations */
    "resize_migrating", "rebuilding", "resize_prep", "image_snapshot", "image_backup",
    "rescuing", "unshelving", "scheduling", "migrating", "resize_migrated", "resize_finish",
    "resize_reverting", "resize_confirming", "powering-off", "powering-on", "rebuild_spawning",
    "rebuild_block_device_mapping", "spawning", "block_device_mapping", "networking",
    "shelving", "shelving_offloading", "shelving_image_uploading", "deleting"};
enum { N_KNOWN = sizeof known_states / sizeof known_states[0], IO_TASK_FIRST = 12,
       IO_TASK_N = 7 };
static char **more_states;   /* the texts interned that are not known states (a scenario's
                              * task_state is free text; projects, cells, architectures) */
static int n_more_states;
/* text -> i: known_states[i] if i < N_KNOWN, else more_states[i - N_KNOWN]
 * (one lookup per text: loading interns a few per server) */
static nv_index intern_ix;

const char *nv_intern(const char *text)
{
    if (!text)
        return NULL;
    if (!intern_ix.cap)
        for (int i = 0; i < N_KNOWN; i++)
            nv_index_put(&intern_ix, known_states[i], i);
    int i = nv_index_get(&intern_ix, text);
    if (i >= 0)
        return i < N_KNOWN ? known_states[i] : more_states[i - N_KNOWN];
    if ((n_more_states & (n_more_states - 1)) == 0)   /* 0, 1, 2, 4, ...: double */
        more_states = nv_realloc(more_states,
                                 (size_t)(n_more_states ? 2 * n_more_states : 1) *
                                     sizeof *more_states);
    more_states[n_more_states] = nv_strdup(text);
    nv_index_put(&intern_ix, more_states[n_more_states], N_KNOWN + n_more_states);
    return more_states[n_more_states++];
}

bool vm_state_counts_io(const server *s)
{
#ifdef NV_CHECK_STATES
    /* sanitizer builds: every state was set through nv_intern */
    if (s->vm_state != nv_intern(s->vm_state) || s->task_state != nv_intern(s->task_state))
        nv_fatal("server %s: a state not set through nv_intern", s->name);
#endif
    /* called for every server at every step: pointers, not text */
    if (s->vm_state == known_states[1])   /* building */
        return true;
    if (s->task_state)
        for (int i = IO_TASK_FIRST; i < IO_TASK_FIRST + IO_TASK_N; i++)
            if (s->task_state == known_states[i])
                return true;
    return false;
}

void cloud_rt_io(cloud *c, int sid, int h)
{
    if (c->servers.v[sid].rt_io_host == h)
        return;
    cloud_view_touch(c, sid);
    server *s = cloud_server_w(c, sid);
    if (s->rt_io_host >= 0 && s->rt_io_host < c->hosts.n)
        cloud_host_w(c, s->rt_io_host)->io_workload--;
    s->rt_io_host = h;
    if (h >= 0)
        cloud_host_w(c, h)->io_workload++;
}

/* The host whose io_workload counts server s as it is now, -1 none. */
static int io_host_now(const server *s)
{
    return !s->deleted && s->host >= 0 && vm_state_counts_io(s) ? s->host : -1;
}

#ifdef NV_CHECK_STATES
/* Sanitizer builds: the views as refreshed server by server are those a
 * walk of every server computes (a change nobody touched shows here). */
static void check_views(const cloud *c)
{
    int *io = nv_calloc((size_t)(c->hosts.n ? c->hosts.n : 1), sizeof *io);
    for (int i = 0; i < c->servers.n; i++) {
        const server *s = &c->servers.v[i];
        if (s->sched_ghost != -1 || s->rt_io_host != io_host_now(s) || s->view_dirty)
            nv_fatal("server %s: its view changed without cloud_view_touch()", s->name);
        if (s->rt_io_host >= 0)
            io[s->rt_io_host]++;
    }
    for (int h = 0; h < c->hosts.n; h++)
        if (io[h] != c->hosts.v[h].io_workload)
            nv_fatal("host %s: io_workload %d, its servers count %d", c->hosts.v[h].name,
                     c->hosts.v[h].io_workload, io[h]);
    free(io);
}
#endif

void cloud_refresh_view(cloud *c)
{
    if (c->view_valid && !c->view_full) {
        /* the servers changed since the last refresh, only */
        for (int k = 0; k < c->view_dirty.n; k++) {
            int i = c->view_dirty.v[k];
            server *s = cloud_server_w(c, i);
            s->sched_ghost = -1;
            cloud_rt_io(c, i, io_host_now(s));
            s->view_dirty = false;
        }
        c->view_dirty.n = 0;
#ifdef NV_CHECK_STATES
        check_views(c);
#endif
        return;
    }
    /* written through the barriers only where something changes (a
     * journal then keeps what changed, not every server) */
    for (int h = 0; h < c->hosts.n; h++)
        if (c->hosts.v[h].io_workload)
            cloud_host_w(c, h)->io_workload = 0;
    for (int i = 0; i < c->servers.n; i++) {
        const server *o = &c->servers.v[i];
        int io = io_host_now(o);
        if (o->sched_ghost != -1 || o->rt_io_host != io || o->view_dirty) {
            server *s = cloud_server_w(c, i);
            s->sched_ghost = -1;
            s->rt_io_host = io;
            s->view_dirty = false;
        }
        if (io >= 0)
            cloud_host_w(c, io)->io_workload++;
    }
    c->view_dirty.n = 0;
    c->view_valid = true;
    c->view_full = false;
}

void cloud_refresh_host_view(cloud *c, int h)
{
    for (int i = 0; i < c->servers.n; i++) {
        const server *s = &c->servers.v[i];
        if (s->sched_ghost == h)
            cloud_server_w(c, i)->sched_ghost = -1;
        bool io = !s->deleted && s->host == h && vm_state_counts_io(s);
        if (io)
            cloud_rt_io(c, i, h);
        else if (s->rt_io_host == h)
            cloud_rt_io(c, i, -1);
    }
}

/* ---- comparing two clouds --------------------------------------------------------- */

#define DIFF(...)                                                                        \
    do {                                                                                 \
        if (why)                                                                         \
            sbuf_addf(why, __VA_ARGS__);                                                 \
        return false;                                                                    \
    } while (0)

static bool str_eq(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }
static bool num_eq(double a, double b) { return !memcmp(&a, &b, sizeof a); }

static bool intvec_eq(const intvec *a, const intvec *b)
{
    return a->n == b->n && (!a->n || !memcmp(a->v, b->v, (size_t)a->n * sizeof *a->v));
}

static bool strlist_eq(const strlist *a, const strlist *b)
{
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++)
        if (!str_eq(a->v[i], b->v[i]))
            return false;
    return true;
}

static bool kvlist_eq(const kvlist *a, const kvlist *b)
{
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++)
        if (!str_eq(a->v[i].key, b->v[i].key) || !str_eq(a->v[i].value, b->v[i].value))
            return false;
    return true;
}

static bool host_same(const host *a, const host *b)
{
    if (a->vcpus != b->vcpus || a->pcpus != b->pcpus || a->memory_mb != b->memory_mb ||
        a->disk_gb != b->disk_gb || !str_eq(a->cpu_arch, b->cpu_arch) ||
        !str_eq(a->hypervisor_type, b->hypervisor_type) || a->up != b->up ||
        a->disabled != b->disabled || a->forced_down != b->forced_down ||
        a->status_trait_stale != b->status_trait_stale || a->failed_builds != b->failed_builds ||
        a->io_workload != b->io_workload || a->n_cells != b->n_cells || a->n_pci != b->n_pci ||
        a->maxphysaddr_bits != b->maxphysaddr_bits ||
        !num_eq(a->cpu_allocation_ratio, b->cpu_allocation_ratio) ||
        !num_eq(a->ram_allocation_ratio, b->ram_allocation_ratio) ||
        !num_eq(a->disk_allocation_ratio, b->disk_allocation_ratio) ||
        a->reserved_host_memory_mb != b->reserved_host_memory_mb ||
        a->reserved_host_disk_mb != b->reserved_host_disk_mb ||
        a->reserved_host_cpus != b->reserved_host_cpus || !strlist_eq(&a->traits, &b->traits) ||
        !a->units != !b->units || (a->units && memcmp(a->units, b->units, sizeof *a->units)) ||
        !str_eq(a->name, b->name) || !str_eq(a->cell, b->cell) ||
        a->hypervisor_version != b->hypervisor_version || !str_eq(a->host_ip, b->host_ip) ||
        !str_eq(a->disabled_reason, b->disabled_reason) || !kvlist_eq(&a->metrics, &b->metrics) ||
        a->line != b->line)
        return false;
    for (int k = 0; k < a->n_cells; k++)
        if (a->cells[k].cpus != b->cells[k].cpus || a->cells[k].pcpus != b->cells[k].pcpus ||
            a->cells[k].memory_mb != b->cells[k].memory_mb ||
            a->cells[k].threads_per_core != b->cells[k].threads_per_core)
            return false;
    for (int k = 0; k < a->n_pci; k++)
        if (!str_eq(a->pci[k].vendor_id, b->pci[k].vendor_id) ||
            !str_eq(a->pci[k].product_id, b->pci[k].product_id) ||
            a->pci[k].count != b->pci[k].count || a->pci[k].numa_node != b->pci[k].numa_node)
            return false;
    return true;
}

static bool spec_same(const persisted_spec *a, const persisted_spec *b)
{
    return a->num_instances == b->num_instances &&
           str_eq(a->availability_zone, b->availability_zone) && kvlist_eq(&a->hints, &b->hints) &&
           strlist_eq(&a->force_hosts, &b->force_hosts) &&
           strlist_eq(&a->force_nodes, &b->force_nodes) &&
           strlist_eq(&a->ignore_hosts, &b->ignore_hosts) &&
           str_eq(a->requested_host, b->requested_host) &&
           strlist_eq(&a->retry_hosts, &b->retry_hosts);
}

static bool server_same(const server *a, const server *b)
{
    return str_eq(a->name, b->name) && a->flavor == b->flavor && a->image == b->image &&
           a->host == b->host && a->group == b->group && str_eq(a->project, b->project) &&
           str_eq(a->vm_state, b->vm_state) && str_eq(a->task_state, b->task_state) &&
           a->boot_from_volume == b->boot_from_volume && a->deleted == b->deleted &&
           a->locked == b->locked && str_eq(a->fault, b->fault) &&
           str_eq(a->availability_zone, b->availability_zone) && spec_same(server_spec(a), server_spec(b)) &&
           a->old_flavor == b->old_flavor && a->image_min_disk == b->image_min_disk &&
           a->image_min_ram == b->image_min_ram && a->rt_io_host == b->rt_io_host &&
           a->sched_ghost == b->sched_ghost && a->view_dirty == b->view_dirty &&
           a->alloc == b->alloc && a->line == b->line;
}

static bool migration_same(const migration *a, const migration *b)
{
    return a->id == b->id && a->server == b->server && str_eq(a->type, b->type) &&
           str_eq(a->status, b->status) && a->source == b->source && a->dest == b->dest &&
           a->old_flavor == b->old_flavor && a->new_flavor == b->new_flavor &&
           str_eq(a->old_vm_state, b->old_vm_state) && a->alloc == b->alloc;
}

static bool allocation_same(const allocation *a, const allocation *b)
{
    return a->kind == b->kind && a->consumer == b->consumer && a->host == b->host &&
           a->next == b->next && a->seq == b->seq && !memcmp(a->amount, b->amount, sizeof a->amount);
}

static bool conf_same(const nova_config *a, const nova_config *b, sbuf *why)
{
    if (a->release != b->release || a->quirks != b->quirks)
        DIFF("release or quirks");
    for (int i = 0; i < nova_option_count; i++) {
        const nova_option *o = &nova_options[i];
        const char *pa = (const char *)a + o->off, *pb = (const char *)b + o->off;
        bool eq = true;
        switch (o->type) {
        case OPT_BOOL: eq = *(const bool *)pa == *(const bool *)pb; break;
        case OPT_INT: eq = *(const int64_t *)pa == *(const int64_t *)pb; break;
        case OPT_FLOAT: eq = num_eq(*(const double *)pa, *(const double *)pb); break;
        case OPT_STRING: eq = str_eq(*(char *const *)pa, *(char *const *)pb); break;
        case OPT_STRLIST: eq = strlist_eq((const strlist *)pa, (const strlist *)pb); break;
        case OPT_FILTERS:
        case OPT_WEIGHERS: eq = intvec_eq((const intvec *)pa, (const intvec *)pb); break;
        }
        if (!eq)
            DIFF("option %s.%s", o->section, o->name);
    }
    return true;
}

/* ix maps the same names to the same ids in both clouds, and borrows each
 * name from the object of that id (`names`: element 0's name, `stride`). */
static bool index_same(const nv_index *a, const nv_index *b, char *const *names, size_t stride,
                       int n, const char *what, sbuf *why)
{
    if (a->n != b->n)
        DIFF("%s index: %d names, %d", what, a->n, b->n);
    for (int i = 0; i < a->cap; i++) {
        const nv_index_slot *s = &a->slots[i];
        if (!s->key)
            continue;
        if (nv_index_get(b, s->key) != s->id)
            DIFF("%s index: %s", what, s->key);
        if (s->id < 0 || s->id >= n ||
            s->key != *(char *const *)((const char *)names + (size_t)s->id * stride))
            DIFF("%s index: %s does not borrow the name of %d", what, s->key, s->id);
    }
    return true;
}

void cloud_check_same(const cloud *c, cloud *before, const char *what)
{
    sbuf why = {0};
    if (!cloud_same(c, before, &why))
        nv_fatal("%s: the cloud is not as it was: %s", what, why.s ? why.s : "?");
    sbuf_free(&why);
    cloud_free(before);
}

/* host_gen is not compared: it tells copies of one cloud apart from
 * others, and a host added again by a replay gets a new one. */
bool cloud_same(const cloud *a, const cloud *b, sbuf *why)
{
    if (!str_eq(a->name, b->name) || !str_eq(a->description, b->description) ||
        a->seed != b->seed)
        DIFF("name, description or seed");
    if (!conf_same(&a->conf, &b->conf, why))
        return false;
    if (a->alloc_seq != b->alloc_seq || a->no_settle != b->no_settle ||
        a->view_valid != b->view_valid || a->view_full != b->view_full ||
        a->units_set != b->units_set || !intvec_eq(&a->view_dirty, &b->view_dirty))
        DIFF("counters or view bookkeeping");
#define SAME_N(vec)                                                                      \
    if (a->vec.n != b->vec.n)                                                            \
        DIFF(#vec ": %d, %d", a->vec.n, b->vec.n);
    SAME_N(hosts) SAME_N(aggregates) SAME_N(flavors) SAME_N(images) SAME_N(groups)
    SAME_N(servers) SAME_N(migrations) SAME_N(allocations) SAME_N(faults)
#undef SAME_N
    for (int i = 0; i < a->hosts.n; i++)
        if (!host_same(&a->hosts.v[i], &b->hosts.v[i]))
            DIFF("host %s", a->hosts.v[i].name);
    for (int i = 0; i < a->servers.n; i++)
        if (!server_same(&a->servers.v[i], &b->servers.v[i]))
            DIFF("server %d (%s)", i, a->servers.v[i].name);
    for (int i = 0; i < a->migrations.n; i++)
        if (!migration_same(&a->migrations.v[i], &b->migrations.v[i]))
            DIFF("migration %d", a->migrations.v[i].id);
    for (int i = 0; i < a->allocations.n; i++)
        if (!allocation_same(&a->allocations.v[i], &b->allocations.v[i]))
            DIFF("allocation %d (kind %d, consumer %d, host %d, next %d, seq %u; and kind %d, "
                 "consumer %d, host %d, next %d, seq %u)",
                 i, a->allocations.v[i].kind, a->allocations.v[i].consumer,
                 a->allocations.v[i].host, a->allocations.v[i].next, a->allocations.v[i].seq,
                 b->allocations.v[i].kind, b->allocations.v[i].consumer,
                 b->allocations.v[i].host, b->allocations.v[i].next, b->allocations.v[i].seq);
    for (int i = 0; i < a->faults.n; i++) {
        const fault_rule *x = &a->faults.v[i], *y = &b->faults.v[i];
        if (x->host != y->host || x->times != y->times || !str_eq(x->point, y->point) ||
            !str_eq(x->message, y->message))
            DIFF("fault %d", i);
    }
    for (int i = 0; i < a->aggregates.n; i++) {
        const aggregate *x = &a->aggregates.v[i], *y = &b->aggregates.v[i];
        if (!str_eq(x->name, y->name) || !intvec_eq(&x->hosts, &y->hosts) ||
            !kvlist_eq(&x->metadata, &y->metadata))
            DIFF("aggregate %s", x->name);
    }
    for (int i = 0; i < a->flavors.n; i++) {
        const flavor *x = &a->flavors.v[i], *y = &b->flavors.v[i];
        if (!str_eq(x->name, y->name) || x->vcpus != y->vcpus || x->memory_mb != y->memory_mb ||
            x->root_gb != y->root_gb || x->ephemeral_gb != y->ephemeral_gb ||
            x->swap != y->swap || !kvlist_eq(&x->extra_specs, &y->extra_specs))
            DIFF("flavor %s", x->name);
    }
    for (int i = 0; i < a->images.n; i++) {
        const image *x = &a->images.v[i], *y = &b->images.v[i];
        if (!str_eq(x->name, y->name) || !str_eq(x->disk_format, y->disk_format) ||
            !kvlist_eq(&x->properties, &y->properties) || x->min_disk != y->min_disk ||
            x->min_ram != y->min_ram)
            DIFF("image %s", x->name);
    }
    for (int i = 0; i < a->groups.n; i++) {
        const group *x = &a->groups.v[i], *y = &b->groups.v[i];
        if (!str_eq(x->name, y->name) || x->policy != y->policy ||
            x->max_server_per_host != y->max_server_per_host)
            DIFF("group %s", x->name);
    }
    if (a->hosts.n && memcmp(a->usage, b->usage, (size_t)a->hosts.n * RC_COUNT * sizeof *a->usage))
        DIFF("Placement usage");
    for (int h = 0; h < a->hosts.n; h++) {
        if (!intvec_eq(&a->host_aggs[h], &b->host_aggs[h]))
            DIFF("aggregates of host %s", a->hosts.v[h].name);
        if (!intvec_eq(&a->host_servers[h], &b->host_servers[h]))
            DIFF("servers of host %s", a->hosts.v[h].name);
    }
#define SAME_INDEX(ix, vec)                                                              \
    if (!index_same(&a->ix, &b->ix, a->vec.n ? &a->vec.v[0].name : NULL, sizeof *a->vec.v,   \
                    a->vec.n, #vec, why) ||                                              \
        !index_same(&b->ix, &a->ix, b->vec.n ? &b->vec.v[0].name : NULL, sizeof *b->vec.v,   \
                    b->vec.n, #vec, why))                                                \
        return false;
    SAME_INDEX(host_ix, hosts) SAME_INDEX(flavor_ix, flavors) SAME_INDEX(image_ix, images)
    SAME_INDEX(group_ix, groups) SAME_INDEX(server_ix, servers)
    SAME_INDEX(aggregate_ix, aggregates)
#undef SAME_INDEX
    return true;
}
