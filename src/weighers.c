/*
 * weighers.c - Nova's host weighers (nova/scheduler/weights/) and the
 * table that names them.
 *
 * A weigher gives a raw value per host; the scheduler clamps it at
 * `minval` (0 for RAM, Disk, CPU and IoOps), normalises over the weighed
 * hosts ((v - lo) / (hi - lo), all-equal -> 0) and multiplies by the
 * per-host multiplier: the minimum of the host's aggregates' `<option>`
 * values, else the option (utils.get_weight_multiplier).  BuildFailure
 * negates its multiplier.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler.h"

static double ram_raw(const sched_ctx *x, const host_state *h)
{
    (void)x;
    return weigh_ram_raw(h);
}

static double disk_raw(const sched_ctx *x, const host_state *h)
{
    (void)x;
    return weigh_disk_raw(h);
}

static double cpu_raw(const sched_ctx *x, const host_state *h)
{
    return weigh_cpu_raw(x, h);
}

static double io_ops_raw(const sched_ctx *x, const host_state *h)
{
    (void)x;
    return (double)h->num_io_ops;
}

static double members_on_host(const sched_ctx *x, const host_state *h, enum group_policy p)
{
    if (x->spec->group < 0 || x->c->groups.v[x->spec->group].policy != p)
        return 0;
    int n = 0;
    for (int i = 0; i < h->instances.n; i++)
        if (sched_is_member(x, h->instances.v[i]))
            n++;
    return n;
}

static double soft_affinity_raw(const sched_ctx *x, const host_state *h)
{
    return members_on_host(x, h, POLICY_SOFT_AFFINITY);
}

static double soft_anti_affinity_raw(const sched_ctx *x, const host_state *h)
{
    return -members_on_host(x, h, POLICY_SOFT_ANTI_AFFINITY);
}

static double build_failure_raw(const sched_ctx *x, const host_state *h)
{
    (void)x;
    return (double)h->failed_builds;
}

static double cross_cell_raw(const sched_ctx *x, const host_state *h)
{
    const request_spec *s = x->spec;
    if (!s->dest_cell || !s->allow_cross_cell_move)
        return 0;
    return strcmp(x->c->hosts.v[h->host].cell, s->dest_cell) == 0 ? 1 : -1;
}

static double pci_raw(const sched_ctx *x, const host_state *h)
{
    /* MAX_DEVS - min(free devices, MAX_DEVS - 1): fewer free devices wins */
    int free_ = 0;
    const host *ho = &x->c->hosts.v[h->host];
    const int *pci_free = hs_pci_free(x, h);
    for (int p = 0; pci_free && p < ho->n_pci; p++)
        free_ += pci_free[p];
    return 100 - (free_ < 99 ? free_ : 99);
}

/* Σ metric value × ratio over [metrics] weight_setting (weights/metrics.py). */
static double metrics_raw(const sched_ctx *x, const host_state *h)
{
    const cloud *c = x->c;
    const host *ho = &c->hosts.v[h->host];
    const strlist *ws = &c->conf.metrics_weight_setting;
    double value = 0.0;
    for (int i = 0; i < ws->n; i++) {
        char *name, *r;
        if (!kv_split(ws->v[i], &name, &r))
            continue;   /* parse_options ignores malformed elements */
        char *end;
        double ratio = strtod(r, &end);
        bool bad = end == r || *end;
        free(r);
        if (bad || !*name) {
            free(name);
            continue;
        }
        const char *mv = kvlist_get(&ho->metrics, name);
        if (mv) {
            value += strtod(mv, NULL) * ratio;
        } else if (c->conf.metrics_required) {
            if (!x->fatal)
                ((sched_ctx *)x)->fatal = nv_printf("Metric %s could not be found on the compute "
                                                     "host node %s.%s.", name, ho->name, ho->name);
            free(name);
            return 0.0;
        } else if (ratio * weigher_multiplier(c, weigher_lookup("MetricsWeigher"), h->host) != 0) {
            free(name);
            return c->conf.metrics_weight_of_unavailable;
        }
        free(name);
    }
    return value;
}

static double hypervisor_version_raw(const sched_ctx *x, const host_state *h)
{
    return (double)x->c->hosts.v[h->host].hypervisor_version;
}

static double num_instances_raw(const sched_ctx *x, const host_state *h)
{
    (void)x;
    return (double)h->num_instances;
}

static double image_props_raw(const sched_ctx *x, const host_state *h)
{
    const cloud *c = x->c;
    if (c->conf.image_props_weight_multiplier == 0)
        return 0;
    /* bug 2125052: the InstanceList of the host's instances was built
     * without a context, and fill_metadata() read its is_admin */
    if (h->instances.n && quirk_on(&c->conf, Q_BUG_2125052)) {
        if (!x->fatal) {
            sched_ctx *w = (sched_ctx *)x;
            w->fatal = nv_strdup("'NoneType' object has no attribute 'is_admin'");
            w->fatal_exc = "AttributeError";
            w->fatal_quirk = "bug-2125052";
        }
        return 0;
    }
    if (x->spec->image < 0)
        return 0;
    const kvlist *want = &c->images.v[x->spec->image].properties;
    double w = 0;
    for (int i = 0; i < h->instances.n; i++) {
        int sid = h->instances.v[i];
        if (sid < 0 || sid >= c->servers.n || c->servers.v[sid].image < 0)
            continue;
        const kvlist *have = &c->images.v[c->servers.v[sid].image].properties;
        for (int k = 0; k < want->n; k++) {
            const char *v = kvlist_get(have, want->v[k].key);
            if (v && !strcmp(v, want->v[k].value))
                w += 1;
        }
    }
    return w;
}

#define OFF(f) offsetof(nova_config, f)
const weigher_desc weigher_table[] = {
    {"RAMWeigher", "nova.scheduler.weights.ram.RAMWeigher", "ram_weight_multiplier",
     OFF(ram_weight_multiplier), true, false, REL_FIRST, REL_LATEST, ram_raw,
     "free RAM (MB); more wins with a positive multiplier", WF_RAM},
    {"CPUWeigher", "nova.scheduler.weights.cpu.CPUWeigher", "cpu_weight_multiplier",
     OFF(cpu_weight_multiplier), true, false, REL_ROCKY, REL_LATEST, cpu_raw,
     "free vCPUs: vcpus * cpu_allocation_ratio - used", WF_CPU},
    {"DiskWeigher", "nova.scheduler.weights.disk.DiskWeigher", "disk_weight_multiplier",
     OFF(disk_weight_multiplier), true, false, REL_FIRST, REL_LATEST, disk_raw,
     "free disk (MB)", WF_DISK},
    {"MetricsWeigher", "nova.scheduler.weights.metrics.MetricsWeigher", "metrics_weight_multiplier",
     OFF(metrics_weight_multiplier), false, false, REL_FIRST, REL_LATEST, metrics_raw,
     "host metrics times their [metrics] weight_setting ratios", WF_NONE},
    {"IoOpsWeigher", "nova.scheduler.weights.io_ops.IoOpsWeigher", "io_ops_weight_multiplier",
     OFF(io_ops_weight_multiplier), true, false, REL_FIRST, REL_LATEST, io_ops_raw,
     "instances building, resizing, rebuilding... (fewer wins by default)", WF_NONE},
    {"PCIWeigher", "nova.scheduler.weights.pci.PCIWeigher", "pci_weight_multiplier",
     OFF(pci_weight_multiplier), false, false, REL_QUEENS, REL_LATEST, pci_raw,
     "100 - free PCI devices (hosts without devices win)", WF_NONE},
    {"ServerGroupSoftAffinityWeigher", "nova.scheduler.weights.affinity.ServerGroupSoftAffinityWeigher",
     "soft_affinity_weight_multiplier", OFF(soft_affinity_weight_multiplier), false, false,
     REL_FIRST, REL_LATEST, soft_affinity_raw, "soft-affinity: group members on the host", WF_NONE},
    {"ServerGroupSoftAntiAffinityWeigher",
     "nova.scheduler.weights.affinity.ServerGroupSoftAntiAffinityWeigher",
     "soft_anti_affinity_weight_multiplier", OFF(soft_anti_affinity_weight_multiplier), false,
     false, REL_FIRST, REL_LATEST, soft_anti_affinity_raw,
     "soft-anti-affinity: minus the group members on the host", WF_NONE},
    {"BuildFailureWeigher", "nova.scheduler.weights.compute.BuildFailureWeigher",
     "build_failure_weight_multiplier", OFF(build_failure_weight_multiplier), false, true,
     REL_FIRST, REL_LATEST, build_failure_raw, "recent failed builds (negated multiplier)", WF_NONE},
    {"CrossCellWeigher", "nova.scheduler.weights.cross_cell.CrossCellWeigher",
     "cross_cell_move_weight_multiplier", OFF(cross_cell_move_weight_multiplier), false, false,
     REL_USSURI, REL_LATEST, cross_cell_raw, "+1 in the source cell, -1 elsewhere (cross-cell moves)", WF_NONE},
    {"HypervisorVersionWeigher", "nova.scheduler.weights.hypervisor_version.HypervisorVersionWeigher",
     "hypervisor_version_weight_multiplier", OFF(hypervisor_version_weight_multiplier), false,
     false, REL_2023_2, REL_LATEST, hypervisor_version_raw, "hypervisor version (newer wins)", WF_NONE},
    {"NumInstancesWeigher", "nova.scheduler.weights.num_instances.NumInstancesWeigher",
     "num_instances_weight_multiplier", OFF(num_instances_weight_multiplier), false, false,
     REL_2023_2, REL_LATEST, num_instances_raw, "instances on the host (off by default)", WF_NONE},
    {"ImagePropertiesWeigher", "nova.scheduler.weights.image_props.ImagePropertiesWeigher",
     "image_props_weight_multiplier", OFF(image_props_weight_multiplier), false, false,
     REL_2025_1, REL_LATEST, image_props_raw,
     "image properties shared with instances on the host (off by default)", WF_NONE},
};
const int weigher_count = sizeof weigher_table / sizeof weigher_table[0];

int weigher_lookup(const char *name)
{
    if (!strcmp(name, "nova.scheduler.weights.all_weighers") || !strcmp(name, "all_weighers"))
        return -2;
    for (int i = 0; i < weigher_count; i++)
        if (!strcmp(weigher_table[i].path, name) || !strcmp(weigher_table[i].name, name))
            return i;
    return -1;
}

void weigher_all(int release, intvec *out)
{
    for (int i = 0; i < weigher_count; i++)
        if (release >= weigher_table[i].first && release <= weigher_table[i].last)
            intvec_push(out, i);
}

static bool parse_float(const char *s, double *out)
{
    char *end;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return false;
    *out = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    return *end == '\0';
}

double weigher_multiplier(const cloud *c, int w, int h)
{
    const weigher_desc *d = &weigher_table[w];
    double dflt = *(const double *)((const char *)&c->conf + d->off);
    double m = dflt;
    /* aggregate overrides exist since Stein */
    if (c->conf.release >= REL_STEIN) {
        strlist vals = {0};
        host_agg_values(c, h, d->multiplier, &vals);
        bool any = false, bad = false;
        double best = 0;
        for (int i = 0; i < vals.n; i++) {
            double v;
            if (!parse_float(vals.v[i], &v)) {
                bad = true;
                break;
            }
            if (!any || v < best)
                best = v;
            any = true;
        }
        strlist_free(&vals);
        if (any && !bad)
            m = best;
    }
    return d->negate ? -m : m;
}

bool weigher_uniform(const cloud *c, int w, double *multiplier)
{
    const weigher_desc *d = &weigher_table[w];
    if (c->conf.release >= REL_STEIN)
        for (int a = 0; a < c->aggregates.n; a++)
            if (kvlist_get(&c->aggregates.v[a].metadata, d->multiplier))
                return false;
    double m = *(const double *)((const char *)&c->conf + d->off);
    *multiplier = d->negate ? -m : m;
    return true;
}
