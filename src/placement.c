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

#include "model.h"

int64_t placement_total(const cloud *c, int h, int rc)
{
    const host *ho = &c->hosts.v[h];
    switch (rc) {
    case RC_VCPU: return ho->vcpus;
    case RC_MEMORY_MB: return ho->memory_mb;
    case RC_DISK_GB: return ho->disk_gb;
    case RC_PCPU: return ho->pcpus;
    default: return 0;
    }
}

int64_t placement_min_unit(const cloud *c, int h, int rc)
{
    int64_t v = c->hosts.v[h].min_unit[rc];
    return v > 0 ? v : 1;
}

int64_t placement_max_unit(const cloud *c, int h, int rc)
{
    int64_t v = c->hosts.v[h].max_unit[rc];
    return v > 0 ? v : placement_total(c, h, rc);
}

int64_t placement_step_size(const cloud *c, int h, int rc)
{
    int64_t v = c->hosts.v[h].step_size[rc];
    return v > 0 ? v : 1;
}

double placement_capacity(const cloud *c, int h, int rc)
{
    return (double)(placement_total(c, h, rc) - host_reserved(c, h, rc)) * host_ratio(c, h, rc);
}

int64_t placement_used(const cloud *c, int h, int rc) { return c->usage[h * RC_COUNT + rc]; }

bool placement_fits(const cloud *c, int h, const int64_t amount[RC_COUNT], char *why,
                    size_t whylen)
{
    for (int rc = 0; rc < RC_COUNT; rc++) {
        int64_t a = amount[rc];
        if (!a)
            continue;
        int64_t total = placement_total(c, h, rc);
        if (total <= 0) {
            if (why)
                snprintf(why, whylen, "%s: no inventory (requested %lld)", rc_names[rc],
                         (long long)a);
            return false;
        }
        int64_t max_unit = placement_max_unit(c, h, rc), min_unit = placement_min_unit(c, h, rc);
        int64_t step = placement_step_size(c, h, rc);
        if (a > max_unit) {
            if (why)
                snprintf(why, whylen, "%s: requested %lld > max_unit %lld", rc_names[rc],
                         (long long)a, (long long)max_unit);
            return false;
        }
        if (a < min_unit) {
            if (why)
                snprintf(why, whylen, "%s: requested %lld < min_unit %lld", rc_names[rc],
                         (long long)a, (long long)min_unit);
            return false;
        }
        if (a % step) {
            if (why)
                snprintf(why, whylen, "%s: requested %lld is not a multiple of step_size %lld",
                         rc_names[rc], (long long)a, (long long)step);
            return false;
        }
        int64_t used = placement_used(c, h, rc);
        double cap = placement_capacity(c, h, rc);
        if ((double)(used + a) > cap) {
            if (why) {
                char cs[32], rs[32];
                nv_fmt_double(cs, sizeof cs, cap);
                nv_fmt_double(rs, sizeof rs, host_ratio(c, h, rc));
                snprintf(why, whylen,
                         "%s: used %lld + requested %lld > capacity %s ((total %lld - "
                         "reserved %lld) * ratio %s)",
                         rc_names[rc], (long long)used, (long long)a, cs, (long long)total,
                         (long long)host_reserved(c, h, rc), rs);
            }
            return false;
        }
    }
    return true;
}

void placement_add(cloud *c, enum consumer_kind kind, int consumer, int h,
                   const int64_t amount[RC_COUNT])
{
    allocation a = {kind, consumer, h, {0}};
    memcpy(a.amount, amount, sizeof a.amount);
    NV_PUSH(c->allocations, a);
    for (int r = 0; r < RC_COUNT; r++)
        c->usage[h * RC_COUNT + r] += amount[r];
}

void placement_force(cloud *c, enum consumer_kind kind, int consumer, int h,
                     const int64_t amount[RC_COUNT])
{
    /* merge with an existing allocation of the consumer on that provider */
    for (int i = 0; i < c->allocations.n; i++) {
        allocation *a = &c->allocations.v[i];
        if (a->kind == kind && a->consumer == consumer && a->host == h) {
            for (int r = 0; r < RC_COUNT; r++) {
                a->amount[r] += amount[r];
                c->usage[h * RC_COUNT + r] += amount[r];
            }
            return;
        }
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
    int j = 0;
    for (int i = 0; i < c->allocations.n; i++) {
        allocation *a = &c->allocations.v[i];
        if (a->kind == kind && a->consumer == consumer && (h < 0 || a->host == h)) {
            for (int r = 0; r < RC_COUNT; r++)
                c->usage[a->host * RC_COUNT + r] -= a->amount[r];
            continue;
        }
        c->allocations.v[j++] = *a;
    }
    c->allocations.n = j;
}

void placement_move(cloud *c, enum consumer_kind fk, int from, enum consumer_kind tk, int to)
{
    for (int i = 0; i < c->allocations.n; i++) {
        allocation *a = &c->allocations.v[i];
        if (a->kind == fk && a->consumer == from) {
            a->kind = tk;
            a->consumer = to;
        }
    }
}

bool placement_consumer_on(const cloud *c, enum consumer_kind kind, int consumer, int h,
                           int64_t out[RC_COUNT])
{
    bool found = false;
    memset(out, 0, sizeof(int64_t) * RC_COUNT);
    for (int i = 0; i < c->allocations.n; i++) {
        const allocation *a = &c->allocations.v[i];
        if (a->kind == kind && a->consumer == consumer && (h < 0 || a->host == h)) {
            for (int r = 0; r < RC_COUNT; r++)
                out[r] += a->amount[r];
            found = true;
        }
    }
    return found;
}
