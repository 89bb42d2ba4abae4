/*
 * cloudops.c - the ops that build and change the cloud itself: hosts,
 * flavors, images, server groups, aggregates, nova.conf options and the
 * release (scenario format, version 2).
 *
 * Each op checks everything first and then changes the cloud, so a
 * refused op changes nothing.  A name that already exists, a name that
 * refers to nothing, or a value the release cannot take is the step's
 * outcome `ValidationError`, its message starting with the key at fault.
 * Where Nova's API has its own answer, that is the outcome instead:
 * removing a compute service that hosts servers is HTTP 409 (`Conflict`,
 * nova/api/openstack/compute/services.py delete()), deleting an aggregate
 * that holds hosts is `InvalidAggregateActionDelete` (nova/compute/api.py
 * AggregateAPI.delete_aggregate).
 *
 * The arguments arrive checked against the command table (type, range,
 * allowed values), as canonical text in the request's props; the objects
 * they name are resolved (conductor_req), but for aggregate-create's member
 * hosts, a list looked up here.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conductor.h"
#include "scheduler.h"

static const char *pv(const conductor_req *q, const char *key) { return kvlist_get(&q->props, key); }

static int64_t pint(const conductor_req *q, const char *key, int64_t def)
{
    const char *v = pv(q, key);
    return v ? strtoll(v, NULL, 10) : def;
}

static double pfloat(const conductor_req *q, const char *key, double def)
{
    const char *v = pv(q, key);
    return v ? strtod(v, NULL) : def;
}

static void set_str(char **f, const char *v)
{
    free(*f);
    *f = nv_strdup(v);
}

/* Every value of a list argument, in order. */
static void plist(const conductor_req *q, const char *key, strlist *out)
{
    for (int i = 0; i < q->props.n; i++)
        if (!strcmp(q->props.v[i].key, key))
            strlist_push(out, q->props.v[i].value);
}

static void pkvs(const conductor_req *q, const char *key, kvlist *out)
{
    for (int i = 0; i < q->props.n; i++)
        if (!strcmp(q->props.v[i].key, key)) {
            char *k, *v;
            if (kv_split(q->props.v[i].value, &k, &v)) {
                kvlist_push(out, k, v);
                free(k);
                free(v);
            }
        }
}

/* One group argument's value, "K=V,K=V" (canonical, checked), as pairs. */
static void group_kvs(const char *text, kvlist *out)
{
    strlist parts = {0};
    nv_split_strip(&parts, text, ',');
    for (int i = 0; i < parts.n; i++) {
        char *k, *v;
        if (kv_split(parts.v[i], &k, &v)) {
            kvlist_push(out, k, v);
            free(k);
            free(v);
        }
    }
    strlist_free(&parts);
}

static int64_t kv_int(const kvlist *l, const char *key, int64_t def)
{
    const char *v = kvlist_get(l, key);
    return v ? strtoll(v, NULL, 10) : def;
}

/* ---- hosts ------------------------------------------------------------------------ */

/* The aggregate a host's `az` puts it in (-1: created on apply), or false
 * (reported) when the host already has another zone. */
static bool az_check(nova_env *env, cmd_result *r, int h, const char *az)
{
    cloud *c = env->c;
    int a = cloud_aggregate(c, az);
    if (a >= 0) {
        const char *cur = kvlist_get(&c->aggregates.v[a].metadata, "availability_zone");
        if (cur && strcmp(cur, az)) {
            step_outcome(env, r, "ValidationError",
                    "az: aggregate %s already has availability_zone=%s", az, cur);
            return false;
        }
    }
    if (h >= 0 && host_has_az(c, h) && strcmp(host_az(c, h), az)) {
        step_outcome(env, r, "ValidationError",
                "az: host %s is already in availability zone %s; a host can be in only one",
                c->hosts.v[h].name, host_az(c, h));
        return false;
    }
    return true;
}

static void az_apply(cloud *c, int h, const char *az)
{
    int a = cloud_aggregate(c, az);
    if (a < 0)
        a = cloud_add_aggregate(c, az);
    if (!kvlist_get(&c->aggregates.v[a].metadata, "availability_zone"))
        kvlist_push(&c->aggregates.v[a].metadata, "availability_zone", az);
    cloud_aggregate_add_host(c, a, h);
}

/* The hosts-entry keys of host-add / host-set onto host h. */
static void host_apply(cloud *c, int h, const conductor_req *q)
{
    host *ho = &c->hosts.v[h];
    cloud_hot_touch(c, h);   /* its hot record, worked out again */
    ho->vcpus = (int)pint(q, "vcpus", ho->vcpus);
    ho->pcpus = (int)pint(q, "pcpus", ho->pcpus);
    ho->memory_mb = pint(q, "memory_mb", ho->memory_mb);
    ho->disk_gb = pint(q, "disk_gb", ho->disk_gb);
    ho->hypervisor_version = pint(q, "hypervisor_version", ho->hypervisor_version);
    ho->failed_builds = (int)pint(q, "failed_builds", ho->failed_builds);
    ho->reserved_host_memory_mb = pint(q, "reserved_host_memory_mb", ho->reserved_host_memory_mb);
    ho->reserved_host_disk_mb = pint(q, "reserved_host_disk_mb", ho->reserved_host_disk_mb);
    ho->reserved_host_cpus = pint(q, "reserved_host_cpus", ho->reserved_host_cpus);
    ho->cpu_allocation_ratio = pfloat(q, "cpu_allocation_ratio", ho->cpu_allocation_ratio);
    ho->ram_allocation_ratio = pfloat(q, "ram_allocation_ratio", ho->ram_allocation_ratio);
    ho->disk_allocation_ratio = pfloat(q, "disk_allocation_ratio", ho->disk_allocation_ratio);
    ho->maxphysaddr_bits = (int)pint(q, "maxphysaddr_bits", ho->maxphysaddr_bits);
    static const struct {
        const char *key;
        size_t off;
    } strs[] = {{"host_ip", offsetof(host, host_ip)},
                {"disabled_reason", offsetof(host, disabled_reason)}},
      shared[] = {{"cell", offsetof(host, cell)},
                  {"hypervisor_type", offsetof(host, hypervisor_type)},
                  {"cpu_arch", offsetof(host, cpu_arch)}};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (pv(q, strs[i].key))
            set_str((char **)((char *)ho + strs[i].off), pv(q, strs[i].key));
    for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++)
        if (pv(q, shared[i].key))
            *(const char **)((char *)ho + shared[i].off) = nv_intern(pv(q, shared[i].key));
    if (pv(q, "state"))
        ho->up = !strcmp(pv(q, "state"), "up");
    if (pv(q, "disabled"))
        ho->disabled = !strcmp(pv(q, "disabled"), "true");
    if (pv(q, "forced_down"))
        ho->forced_down = !strcmp(pv(q, "forced_down"), "true");
    if (pv(q, "traits")) {
        strlist_free(&ho->traits);
        plist(q, "traits", &ho->traits);
    }
    if (pv(q, "metrics")) {
        kvlist_free(&ho->metrics);
        pkvs(q, "metrics", &ho->metrics);
    }
    if (pv(q, "numa_cells")) {
        /* the cells replace the old ones; PCPU follows them unless given */
        free(ho->cells);
        ho->cells = NULL;
        ho->n_cells = 0;
        for (int i = 0; i < q->props.n; i++) {
            if (strcmp(q->props.v[i].key, "numa_cells"))
                continue;
            kvlist gk = {0};
            group_kvs(q->props.v[i].value, &gk);
            numa_cell cell = {(int)kv_int(&gk, "cpus", 0), (int)kv_int(&gk, "pcpus", 0),
                              kv_int(&gk, "memory_mb", 0), (int)kv_int(&gk, "threads_per_core", 1)};
            ho->cells = nv_realloc(ho->cells, (size_t)(ho->n_cells + 1) * sizeof *ho->cells);
            ho->cells[ho->n_cells++] = cell;
            kvlist_free(&gk);
        }
        if (!pv(q, "pcpus")) {
            ho->pcpus = 0;
            for (int k = 0; k < ho->n_cells; k++)
                ho->pcpus += ho->cells[k].pcpus;
        }
    }
    if (pv(q, "pci_devices")) {
        for (int k = 0; k < ho->n_pci; k++) {
            free(ho->pci[k].vendor_id);
            free(ho->pci[k].product_id);
        }
        free(ho->pci);
        ho->pci = NULL;
        ho->n_pci = 0;
        for (int i = 0; i < q->props.n; i++) {
            if (strcmp(q->props.v[i].key, "pci_devices"))
                continue;
            kvlist gk = {0};
            group_kvs(q->props.v[i].value, &gk);
            const char *ven = kvlist_get(&gk, "vendor_id"), *prod = kvlist_get(&gk, "product_id");
            pci_pool pp = {nv_strdup(ven ? ven : ""), nv_strdup(prod ? prod : ""),
                           (int)kv_int(&gk, "count", 1), (int)kv_int(&gk, "numa_node", -1)};
            ho->pci = nv_realloc(ho->pci, (size_t)(ho->n_pci + 1) * sizeof *ho->pci);
            ho->pci[ho->n_pci++] = pp;
            kvlist_free(&gk);
        }
    }
    if (pv(q, "az"))
        az_apply(c, h, pv(q, "az"));
}

void cloudops_host_add(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    if (cloud_host(c, q->name) >= 0) {
        step_outcome(env, r, "ValidationError", "name: a compute host named %s already exists",
                q->name);
        return;
    }
    if (pv(q, "az") && !az_check(env, r, -1, pv(q, "az")))
        return;
    int h = cloud_add_host(c, q->name);
    host_apply(c, h, q);
    const host *ho = &c->hosts.v[h];
    trail_note(env->t, "Compute host %s added: %d VCPU, %lld MB RAM, %lld GB disk, %s, %s",
               ho->name, ho->vcpus, (long long)ho->memory_mb, (long long)ho->disk_gb, ho->cell,
               host_az(c, h) ? host_az(c, h) : "no AZ");
}

void cloudops_host_set(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    int h = q->host.id;
    if (h < 0) {
        step_outcome(env, r, "ValidationError", "host: Compute host %s could not be found.",
                nv_ref_name(q->host));
        return;
    }
    if (pv(q, "az") && !az_check(env, r, h, pv(q, "az")))
        return;
    host_apply(c, h, q);
    sbuf what = {0};
    for (int i = 0; i < q->props.n; i++)
        sbuf_addf(&what, "%s%s=%s", i ? ", " : "", q->props.v[i].key, q->props.v[i].value);
    trail_note(env->t, "Compute host %s: %s", c->hosts.v[h].name, what.s ? what.s : "no change");
    for (int rc = 0; rc < RC_COUNT; rc++)
        if (placement_used(c, h, rc) > 0 &&
            (double)placement_used(c, h, rc) > placement_capacity(c, h, rc))
            trail_note(env->t, "Resource provider %s now has %s allocations exceeding capacity",
                       c->hosts.v[h].name, rc_names[rc]);
    sbuf_free(&what);
}

void cloudops_host_remove(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    int h = q->host.id;
    if (h < 0) {
        step_outcome(env, r, "ValidationError", "host: Compute host %s could not be found.",
                nv_ref_name(q->host));
        return;
    }
    if (c->host_servers && c->host_servers[h].n) {
        step_outcome(env, r, "Conflict", "Unable to delete compute service that is hosting "
                                    "instances. Migrate or delete the instances first.");
        return;
    }
    /* in progress: any status but these (nova/db/main/api.py
     * migration_get_in_progress_by_host_and_node) */
    for (int i = 0; i < c->migrations.n; i++) {
        const migration *m = &c->migrations.v[i];
        bool open = strcmp(m->status, "confirmed") && strcmp(m->status, "reverted") &&
                    strcmp(m->status, "error") && strcmp(m->status, "failed") &&
                    strcmp(m->status, "completed") && strcmp(m->status, "cancelled") &&
                    strcmp(m->status, "done");
        if (open && (m->source == h || m->dest == h)) {
            step_outcome(env, r, "Conflict", "Unable to delete compute service that has in-progress "
                                        "migrations. Complete the migrations or delete the "
                                        "instances first.");
            return;
        }
    }
    char *name = nv_strdup(c->hosts.v[h].name);
    cloud_remove_host(c, h);
    trail_note(env->t, "Compute service %s deleted with its resource provider", name);
    free(name);
}

/* ---- flavors, images, groups ---------------------------------------------------------- */

void cloudops_flavor_add(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    if (cloud_flavor(c, q->name) >= 0) {
        step_outcome(env, r, "ValidationError", "name: Flavor with name %s already exists.",
                q->name);
        return;
    }
    flavor f;
    memset(&f, 0, sizeof f);
    f.name = nv_strdup(q->name);
    f.vcpus = (int)pint(q, "vcpus", 1);
    f.memory_mb = pint(q, "memory_mb", 1);
    f.root_gb = pint(q, "root_gb", 0);
    f.ephemeral_gb = pint(q, "ephemeral_gb", 0);
    f.swap = pint(q, "swap", 0);
    pkvs(q, "extra_specs", &f.extra_specs);
    NV_PUSH(c->flavors, f);
    nv_index_put(&c->flavor_ix, c->flavors.v[c->flavors.n - 1].name, c->flavors.n - 1);
    trail_note(env->t, "Flavor %s created: %d VCPU, %lld MB RAM, %lld GB root disk%s", f.name,
               f.vcpus, (long long)f.memory_mb, (long long)f.root_gb,
               f.extra_specs.n ? ", with extra specs" : "");
}

void cloudops_image_add(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    if (cloud_image(c, q->name) >= 0) {
        step_outcome(env, r, "ValidationError", "name: an image named %s already exists", q->name);
        return;
    }
    image im;
    memset(&im, 0, sizeof im);
    im.name = nv_strdup(q->name);
    im.disk_format = nv_strdup(pv(q, "disk_format") ? pv(q, "disk_format") : "qcow2");
    pkvs(q, "properties", &im.properties);
    if (pv(q, "min_disk"))
        im.min_disk = atoll(pv(q, "min_disk"));
    if (pv(q, "min_ram"))
        im.min_ram = atoll(pv(q, "min_ram"));
    NV_PUSH(c->images, im);
    nv_index_put(&c->image_ix, c->images.v[c->images.n - 1].name, c->images.n - 1);
    trail_note(env->t, "Image %s created (%s, %d properties)", im.name, im.disk_format,
               im.properties.n);
}

void cloudops_group_create(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    if (cloud_group(c, q->name) >= 0) {
        step_outcome(env, r, "ValidationError", "name: a server group named %s already exists",
                q->name);
        return;
    }
    group g;
    memset(&g, 0, sizeof g);
    const char *pol = pv(q, "policy");
    for (int k = 0; k < 4; k++)
        if (pol && !strcmp(group_policy_names[k], pol))
            g.policy = (enum group_policy)k;
    g.name = nv_strdup(q->name);
    g.max_server_per_host = (int)pint(q, "max_server_per_host", 1);
    NV_PUSH(c->groups, g);
    nv_index_put(&c->group_ix, c->groups.v[c->groups.n - 1].name, c->groups.n - 1);
    trail_note(env->t, "Server group %s created: policy %s, max_server_per_host %d", g.name,
               group_policy_names[g.policy], g.max_server_per_host);
}

/* ---- aggregates ----------------------------------------------------------------------- */

void cloudops_aggregate_create(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    if (cloud_aggregate(c, q->name) >= 0) {
        step_outcome(env, r, "ValidationError", "name: Aggregate %s already exists.", q->name);
        return;
    }
    strlist hosts = {0};
    kvlist meta = {0};
    intvec ids = {0};
    plist(q, "hosts", &hosts);
    pkvs(q, "metadata", &meta);
    const char *zone = kvlist_get(&meta, "availability_zone");
    bool ok = true;
    if (zone && !zone[0]) {
        step_outcome(env, r, "ValidationError",
                "metadata: Aggregate %s does not support empty named availability zone",
                q->name);
        ok = false;
    }
    for (int i = 0; i < hosts.n && ok; i++) {
        int h = cloud_host(c, hosts.v[i]);
        if (h < 0) {
            step_outcome(env, r, "ValidationError", "hosts: Compute host %s could not be found.",
                    hosts.v[i]);
            ok = false;
        } else if (zone && host_has_az(c, h) && strcmp(host_az(c, h), zone)) {
            step_outcome(env, r, "InvalidAggregateActionAdd",
                    "Cannot add host to aggregate %d. Reason: One or more hosts already in "
                    "availability zone(s) ['%s'].",
                    c->aggregates.n + 1, host_az(c, h));
            ok = false;
        } else {
            intvec_push(&ids, h);
        }
    }
    if (ok) {
        int a = cloud_add_aggregate(c, q->name);
        kvlist_free(&c->aggregates.v[a].metadata);
        c->aggregates.v[a].metadata = meta;
        memset(&meta, 0, sizeof meta);
        for (int i = 0; i < ids.n; i++)
            cloud_aggregate_add_host(c, a, ids.v[i]);
        trail_note(env->t, "Aggregate %s created with %d host(s)%s%s", q->name, ids.n,
                   zone ? ", availability zone " : "", zone ? zone : "");
    }
    strlist_free(&hosts);
    kvlist_free(&meta);
    intvec_free(&ids);
}

void cloudops_aggregate_delete(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    int a = q->aggregate.id;
    if (a < 0) {
        step_outcome(env, r, "AggregateNotFound", "Aggregate %s could not be found.",
                nv_ref_name(q->aggregate));
        return;
    }
    if (c->aggregates.v[a].hosts.n) {
        step_outcome(env, r, "InvalidAggregateActionDelete",
                "Cannot remove host from aggregate %d. Reason: Host aggregate is not empty.",
                a + 1);
        return;
    }
    cloud_remove_aggregate(c, a);
    trail_note(env->t, "Aggregate %s deleted", q->aggregate.name);
}

/* ---- nova.conf and the release -------------------------------------------------------- */

/* One option value (canonical text, checked by the command table) into conf;
 * false with a message when the release cannot take it. */
static bool option_apply(nova_config *conf, const nova_option *o, const char *text, char *err,
                         size_t errlen)
{
    void *p = (char *)conf + o->off;
    int rel = conf->release;
    if (rel < o->first || rel > o->last) {
        snprintf(err, errlen, "%s.%s: not an option of %s (it exists in %s to %s)", o->section,
                 o->name, release_name(rel), release_name(o->first), release_name(o->last));
        return false;
    }
    switch (o->type) {
    case OPT_BOOL: *(bool *)p = !strcmp(text, "true"); break;
    case OPT_INT: *(int64_t *)p = strtoll(text, NULL, 10); break;
    case OPT_FLOAT: *(double *)p = strtod(text, NULL); break;
    case OPT_STRING: set_str(p, text); break;
    case OPT_STRLIST:
        strlist_free(p);
        nv_split_strip(p, text, ',');
        break;
    case OPT_FILTERS:
    case OPT_WEIGHERS: {
        strlist names = {0};
        intvec ids = {0};
        nv_split_strip(&names, text, ',');
        bool ok = true;
        for (int i = 0; i < names.n && ok; i++) {
            bool filt = o->type == OPT_FILTERS;
            int id = filt ? filter_lookup(names.v[i]) : weigher_lookup(names.v[i]);
            if (id == -2 && !filt) {
                weigher_all(rel, &ids);
                continue;
            }
            int first = id < 0 ? 0 : filt ? filter_table[id].first : weigher_table[id].first;
            int last = id < 0 ? 0 : filt ? filter_table[id].last : weigher_table[id].last;
            if (id < 0 || rel < first || rel > last) {
                snprintf(err, errlen, "%s.%s: %s %s could not be found. (it exists in %s to %s, "
                         "not in %s)", o->section, o->name,
                         filt ? "Scheduler Host Filter" : "Weigher class", names.v[i],
                         release_name(first), release_name(last), release_name(rel));
                ok = false;
            } else {
                intvec_push(&ids, id);
            }
        }
        strlist_free(&names);
        if (!ok) {
            intvec_free(&ids);
            return false;
        }
        intvec_free(p);
        *(intvec *)p = ids;
        break;
    }
    }
    return true;
}

void cloudops_config_set(nova_env *env, const conductor_req *q, cmd_result *r)
{
    nova_config next;
    nova_config_copy(&next, &env->c->conf);
    char err[400];
    for (int i = 0; i < q->props.n; i++) {
        const nova_option *o = nova_option_lookup(q->props.v[i].key);
        if (!o)
            continue;
        if (!option_apply(&next, o, q->props.v[i].value, err, sizeof err)) {
            step_outcome(env, r, "ValidationError", "%s", err);
            nova_config_done(&next);
            return;
        }
    }
    nova_config_done(&env->c->conf);
    env->c->conf = next;
    for (int i = 0; i < q->props.n; i++) {
        const nova_option *o = nova_option_lookup(q->props.v[i].key);
        if (o)
            trail_note(env->t, "nova.conf [%s] %s = %s (the scheduler restarts)", o->section,
                       o->name, q->props.v[i].value);
    }
}

void cloudops_release_set(nova_env *env, const conductor_req *q, cmd_result *r)
{
    (void)r;
    int rel = release_from_name(pv(q, "release"));
    int from = env->c->conf.release;
    config_switch_release(&env->c->conf, rel);
    trail_note(env->t, "Control plane now %s (was %s): its defaults and known bugs apply from here",
               release_name(rel), release_name(from));
}
