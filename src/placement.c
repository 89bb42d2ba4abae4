/*
 * placement.c - Placement's inventories, usages and allocations, with
 * Placement's integer arithmetic (openstack/placement):
 *
 *   capacity = (total - reserved) * allocation_ratio     (float compare)
 *   an amount a fits iff used + a <= capacity and min_unit <= a <= max_unit
 *   (max_unit = total as nova-compute reports it) and a % step_size == 0.
 *
 * Inventory as the libvirt driver reports it: VCPU total = vcpus, reserved
 * reserved_host_cpus; MEMORY_MB reserved reserved_host_memory_mb; DISK_GB
 * reserved ceil(reserved_host_disk_mb / 1024); PCPU (pcpus) never
 * overcommitted.  A class with total 0 is not reported at all.
 *
 * Allocations are per consumer (an instance or a migration record) and per
 * provider; usage per provider is cached in cloud.usage.
 */
#include <stdio.h>
#include <string.h>

#include "journal.h"
#include "model.h"
#include "reason.h"

int64_t placement_min_unit(const cloud *c, int h, int rc)
{
    const host_units *u = c->hosts.v[h].units;
    return u && u->min_unit[rc] > 0 ? u->min_unit[rc] : 1;
}

int64_t placement_max_unit(const cloud *c, int h, int rc)
{
    const host_units *u = c->hosts.v[h].units;
    return u && u->max_unit[rc] > 0 ? u->max_unit[rc] : placement_total(c, h, rc);
}

int64_t placement_step_size(const cloud *c, int h, int rc)
{
    const host_units *u = c->hosts.v[h].units;
    return u && u->step_size[rc] > 0 ? u->step_size[rc] : 1;
}

double placement_capacity(const cloud *c, int h, int rc)
{
    return (double)(placement_total(c, h, rc) - host_reserved(c, h, rc)) * host_ratio(c, h, rc);
}

bool placement_fit_reason(const cloud *c, int h, const int64_t amount[RC_COUNT], reject_reason *why)
{
    /* the host's inventory read once, without a switch per class (every
     * host of the cloud comes through here for every request) */
#define BY_RC(f)                                                                   \
    {[RC_VCPU] = f(c, h, RC_VCPU), [RC_MEMORY_MB] = f(c, h, RC_MEMORY_MB),             \
     [RC_DISK_GB] = f(c, h, RC_DISK_GB), [RC_PCPU] = f(c, h, RC_PCPU)}
    const int64_t totals[RC_COUNT] = BY_RC(placement_total);
    const int64_t reserveds[RC_COUNT] = BY_RC(host_reserved);
    const double ratios[RC_COUNT] = BY_RC(host_ratio);
#undef BY_RC
    /* units are rare: without any in the cloud, not read (a cache line) */
    const host_units *u = c->units_set ? c->hosts.v[h].units : NULL;
    for (int rc = 0; rc < RC_COUNT; rc++) {
        int64_t a = amount[rc];
        if (!a)
            continue;
        /* placement_max_unit() and the others, read once */
        int64_t total = totals[rc];
        int64_t max_unit = u && u->max_unit[rc] > 0 ? u->max_unit[rc] : total;
        int64_t min_unit = u && u->min_unit[rc] > 0 ? u->min_unit[rc] : 1;
        int64_t step = u && u->step_size[rc] > 0 ? u->step_size[rc] : 1;
        if (!placement_fit_check(rc, a, total, max_unit, min_unit, step, placement_used(c, h, rc),
                                 reserveds[rc], ratios[rc], why))
            return false;
    }
    return true;
}

void placement_fit_prepare(cloud *c, const int64_t amount[RC_COUNT], fit_prep *p)
{
    memcpy(p->amount, amount, sizeof p->amount);
    for (int rc = 0; rc < RC_COUNT; rc++)
        p->need[rc] = amount[rc] ? amount[rc] : INT64_MIN;   /* none asked: any room will do */
    for (int rc = 0; rc < RC_COUNT; rc++)
        p->ratio[rc] = rc == RC_PCPU ? 1.0 : config_ratio(&c->conf, rc);
    p->reserved[RC_VCPU] = c->conf.reserved_host_cpus;
    p->reserved[RC_MEMORY_MB] = c->conf.reserved_host_memory_mb;
    p->reserved[RC_DISK_GB] = (c->conf.reserved_host_disk_mb + 1023) / 1024;
    p->reserved[RC_PCPU] = 0;
    /* the hot records, unless some host has units or an amount is below
     * min_unit: the general rule then */
    p->hot = NULL;
    if (c->units_set)
        return;
    for (int rc = 0; rc < RC_COUNT; rc++)
        if (p->amount[rc] < 0)
            return;
    p->hot = cloud_hot(c);
}

bool placement_fits(const cloud *c, int h, const int64_t amount[RC_COUNT], char *why,
                    size_t whylen)
{
    if (!why)
        return placement_fit_reason(c, h, amount, NULL);
    reject_reason r = {0};
    bool ok = placement_fit_reason(c, h, amount, &r);
    if (!ok) {
        sbuf b = {0};
        reason_render(&r, NULL, &b);
        snprintf(why, whylen, "%s", b.s ? b.s : "");
        sbuf_free(&b);
    }
    reason_done(&r);
    return ok;
}

/* ---- allocations by consumer ------------------------------------------------------
 *
 * Each consumer (server or migration record) holds the index of its first
 * allocation in `alloc`, and the allocations chain on through `next`, so a
 * claim, a move or a delete walks the consumer's one to three allocations
 * instead of every allocation of the cloud.  Removing one moves the last
 * allocation into its slot (the chain that reached the last one is pointed
 * at the new slot); `seq` keeps the order of writing for whoever lists
 * them. */

/* The consumer's head, to be written (through the journal's barrier). */
static int *head_of(cloud *c, enum consumer_kind kind, int consumer)
{
    return kind == CONSUMER_SERVER ? &cloud_server_w(c, consumer)->alloc
                                   : &cloud_migration_w(c, consumer)->alloc;
}

static const int *chead_of(const cloud *c, enum consumer_kind kind, int consumer)
{
    return kind == CONSUMER_SERVER ? &c->servers.v[consumer].alloc
                                   : &c->migrations.v[consumer].alloc;
}

/* The link that points at allocation i (its consumer's head or the
 * `next` of the one before it in the chain), to be written. */
static int *link_to(cloud *c, int i)
{
    const allocation *a = &c->allocations.v[i];
    int *l = head_of(c, a->kind, a->consumer);
    while (*l != i)
        l = &cloud_allocation_w(c, *l)->next;
    return l;
}

/* Host h's usage row changes by `sign` times `amount`. */
static void usage_add(cloud *c, int h, const int64_t amount[RC_COUNT], int sign)
{
    int64_t *row = cloud_usage_w(c, h);
    for (int r = 0; r < RC_COUNT; r++)
        row[r] += sign * amount[r];
}

/* Drop allocation i (unlinked already by the caller's `l`): the last
 * allocation moves into its slot. */
static void remove_at(cloud *c, int *l, int i)
{
    const allocation *a = &c->allocations.v[i];
    usage_add(c, a->host, a->amount, -1);
    *l = a->next;
    /* the last slot leaves the array: the journal keeps it too (a copy of
     * the cloud has no slots past the end to undo into) */
    (void)cloud_allocation_w(c, c->allocations.n - 1);
    int last = --c->allocations.n;
    if (i != last) {
        *link_to(c, last) = i;
        *cloud_allocation_w(c, i) = c->allocations.v[last];
    }
}

void placement_relink(cloud *c)
{
    for (int i = 0; i < c->servers.n; i++)
        c->servers.v[i].alloc = -1;
    for (int i = 0; i < c->migrations.n; i++)
        c->migrations.v[i].alloc = -1;
    /* backwards, so each chain runs in array order */
    for (int i = c->allocations.n - 1; i >= 0; i--) {
        allocation *a = &c->allocations.v[i];
        int *h = head_of(c, a->kind, a->consumer);
        a->next = *h;
        *h = i;
    }
}

void placement_add(cloud *c, enum consumer_kind kind, int consumer, int h,
                   const int64_t amount[RC_COUNT])
{
    int *head = head_of(c, kind, consumer);
    allocation a = {kind, consumer, h, *head, c->alloc_seq++, {0}};
    memcpy(a.amount, amount, sizeof a.amount);
    NV_GROW(c->allocations);
    *cloud_allocation_w(c, c->allocations.n) = a;   /* a slot a removal left, maybe */
    c->allocations.n++;
    *head_of(c, kind, consumer) = c->allocations.n - 1;
    usage_add(c, h, amount, 1);
}

void placement_force(cloud *c, enum consumer_kind kind, int consumer, int h,
                     const int64_t amount[RC_COUNT])
{
    /* merge with the consumer's first-written allocation on that provider */
    int m = -1;
    for (int i = *chead_of(c, kind, consumer); i >= 0; i = c->allocations.v[i].next) {
        const allocation *a = &c->allocations.v[i];
        if (a->host == h && (m < 0 || a->seq < c->allocations.v[m].seq))
            m = i;
    }
    if (m >= 0) {
        allocation *a = cloud_allocation_w(c, m);
        for (int r = 0; r < RC_COUNT; r++)
            a->amount[r] += amount[r];
        usage_add(c, h, amount, 1);
        return;
    }
    placement_add(c, kind, consumer, h, amount);
}

bool placement_claim(cloud *c, enum consumer_kind kind, int consumer, int h,
                     const int64_t amount[RC_COUNT])
{
    if (!placement_fits(c, h, amount, NULL, 0))
        return false;
    placement_force(c, kind, consumer, h, amount);
    return true;
}

void placement_delete(cloud *c, enum consumer_kind kind, int consumer, int h)
{
    int *l = head_of(c, kind, consumer);
    while (*l >= 0) {
        int i = *l;
        if (h < 0 || c->allocations.v[i].host == h) {
            remove_at(c, l, i);
            /* the slot may now hold the moved last allocation; the chain
             * goes on from *l either way */
            l = head_of(c, kind, consumer);
            continue;
        }
        l = &cloud_allocation_w(c, i)->next;
    }
}

void placement_move(cloud *c, enum consumer_kind fk, int from, enum consumer_kind tk, int to)
{
    int *fh = head_of(c, fk, from);
    int first = *fh;
    if (first < 0)
        return;
    *fh = -1;
    int i = first;
    for (;;) {
        allocation *a = cloud_allocation_w(c, i);
        a->kind = tk;
        a->consumer = to;
        if (a->next < 0)
            break;
        i = a->next;
    }
    int *th = head_of(c, tk, to);
    cloud_allocation_w(c, i)->next = *th;
    *th = first;
}

int placement_allocations_of(const cloud *c, enum consumer_kind kind, int consumer, int **out)
{
    int n = 0;
    for (int i = *chead_of(c, kind, consumer); i >= 0; i = c->allocations.v[i].next)
        n++;
    int *v = nv_malloc((size_t)n * sizeof *v);
    n = 0;
    for (int i = *chead_of(c, kind, consumer); i >= 0; i = c->allocations.v[i].next)
        v[n++] = i;
    /* a handful: insertion sort by seq */
    for (int k = 1; k < n; k++)
        for (int j = k; j > 0 && c->allocations.v[v[j - 1]].seq > c->allocations.v[v[j]].seq;
             j--) {
            int t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    *out = v;
    return n;
}

bool placement_consumer_on(const cloud *c, enum consumer_kind kind, int consumer, int h,
                           int64_t out[RC_COUNT])
{
    bool found = false;
    memset(out, 0, sizeof(int64_t) * RC_COUNT);
    for (int i = *chead_of(c, kind, consumer); i >= 0; i = c->allocations.v[i].next) {
        const allocation *a = &c->allocations.v[i];
        if (h < 0 || a->host == h) {
            for (int r = 0; r < RC_COUNT; r++)
                out[r] += a->amount[r];
            found = true;
        }
    }
    return found;
}
