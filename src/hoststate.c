/*
 * hoststate.c - see hoststate.h.  The attribute list is HostState's
 * (nova/scheduler/host_manager.py); values derive from the model the way
 * the resource tracker and the libvirt driver report them.
 */
#include "hoststate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const hs_attrs[] = {
    "host", "nodename", "uuid", "total_usable_ram_mb", "total_usable_disk_gb",
    "disk_mb_used", "free_ram_mb", "free_disk_mb", "vcpus_total", "vcpus_used",
    "pci_stats", "numa_topology", "num_instances", "num_io_ops", "failed_builds",
    "host_ip", "hypervisor_type", "hypervisor_version", "hypervisor_hostname",
    "cpu_info", "supported_instances", "limits", "metrics", "aggregates",
    "instances", "ram_allocation_ratio", "cpu_allocation_ratio",
    "disk_allocation_ratio", "cell_uuid", "updated", "service", "stats",
    "allocation_candidates"};

bool hs_has_attr(const char *name)
{
    for (size_t i = 0; i < sizeof hs_attrs / sizeof hs_attrs[0]; i++)
        if (strcmp(hs_attrs[i], name) == 0)
            return true;
    return false;
}

static void set_int(jval *o, long long v)
{
    memset(o, 0, sizeof *o);
    o->t = J_INT;
    o->i = v;
    o->d = (double)v;
}

static void set_float(jval *o, double v)
{
    memset(o, 0, sizeof *o);
    o->t = J_FLOAT;
    o->d = v;
}

static void set_str(jval *o, const char *s)
{
    memset(o, 0, sizeof *o);
    o->t = J_STRING;
    o->s = nv_strdup(s);
}

static void set_bool(jval *o, bool b)
{
    memset(o, 0, sizeof *o);
    o->t = J_BOOL;
    o->b = b;
}

static void obj_add(jval *o, const char *key, jval v)
{
    o->items = nv_realloc(o->items, (size_t)(o->n + 1) * sizeof *o->items);
    o->keys = nv_realloc(o->keys, (size_t)(o->n + 1) * sizeof *o->keys);
    o->items[o->n] = v;
    o->keys[o->n] = nv_strdup(key);
    o->n++;
}

static void build_stats(const sched_ctx *x, const host_state *h, jval *o)
{
    const cloud *c = x->c;
    jval v;
    memset(o, 0, sizeof *o);
    o->t = J_OBJECT;
    set_int(&v, h->num_instances);
    obj_add(o, "num_instances", v);
    set_int(&v, h->num_io_ops);
    obj_add(o, "io_workload", v);
    set_int(&v, h->failed_builds);
    obj_add(o, "failed_builds", v);
    /* num_vm_<state>, num_proj_<project> as the resource tracker counts */
    const intvec *sv = &c->host_servers[h->host];
    for (int i = 0; i < sv->n; i++) {
        const server *s = &c->servers.v[sv->v[i]];
        char key[160];
        for (int pass = 0; pass < 2; pass++) {
            snprintf(key, sizeof key, pass ? "num_proj_%s" : "num_vm_%s",
                     pass ? s->project : s->vm_state);
            const jval *e = json_get(o, key);
            if (e)
                ((jval *)e)->i++, ((jval *)e)->d++;
            else {
                set_int(&v, 1);
                obj_add(o, key, v);
            }
        }
    }
}

bool hs_stat(const sched_ctx *x, const host_state *h, const char *key, jval *out)
{
    jval st;
    build_stats(x, h, &st);
    const jval *e = json_get(&st, key);
    bool ok = e != NULL;
    if (ok)
        set_int(out, e->i);
    json_done(&st);
    return ok;
}

bool hs_attr(const sched_ctx *x, const host_state *h, const char *name, jval *out)
{
    const cloud *c = x->c;
    const host *ho = &c->hosts.v[h->host];
    memset(out, 0, sizeof *out);
    if (!strcmp(name, "host") || !strcmp(name, "nodename") ||
        !strcmp(name, "hypervisor_hostname"))
        set_str(out, ho->name);
    else if (!strcmp(name, "total_usable_ram_mb"))
        set_int(out, hs_total_ram_mb(x, h));
    else if (!strcmp(name, "total_usable_disk_gb"))
        set_int(out, hs_total_disk_gb(x, h));
    else if (!strcmp(name, "disk_mb_used"))
        set_int(out, hs_total_disk_gb(x, h) * 1024 - h->free_disk_mb);
    else if (!strcmp(name, "free_ram_mb"))
        set_int(out, h->free_ram_mb);
    else if (!strcmp(name, "free_disk_mb"))
        set_int(out, h->free_disk_mb);
    else if (!strcmp(name, "vcpus_total"))
        set_int(out, h->vcpus_total);
    else if (!strcmp(name, "vcpus_used"))
        set_int(out, h->vcpus_used);
    else if (!strcmp(name, "num_instances"))
        set_int(out, h->num_instances);
    else if (!strcmp(name, "num_io_ops"))
        set_int(out, h->num_io_ops);
    else if (!strcmp(name, "failed_builds"))
        set_int(out, h->failed_builds);
    else if (!strcmp(name, "host_ip"))
        set_str(out, ho->host_ip);
    else if (!strcmp(name, "hypervisor_type"))
        set_str(out, ho->hypervisor_type);
    else if (!strcmp(name, "hypervisor_version"))
        set_int(out, ho->hypervisor_version);
    else if (!strcmp(name, "cpu_info")) {
        sbuf b = {0};
        sbuf_add(&b, "{\"arch\": ");
        sbuf_json_str(&b, ho->cpu_arch);
        if (ho->maxphysaddr_bits)
            sbuf_addf(&b, ", \"maxphysaddr\": {\"bits\": %d}", ho->maxphysaddr_bits);
        sbuf_add(&b, "}");
        memset(out, 0, sizeof *out);
        out->t = J_STRING;
        out->s = sbuf_take(&b);
    } else if (!strcmp(name, "cpu_allocation_ratio"))
        set_float(out, hs_ratio(x, h, RC_VCPU));
    else if (!strcmp(name, "ram_allocation_ratio"))
        set_float(out, hs_ratio(x, h, RC_MEMORY_MB));
    else if (!strcmp(name, "disk_allocation_ratio"))
        set_float(out, hs_ratio(x, h, RC_DISK_GB));
    else if (!strcmp(name, "stats"))
        build_stats(x, h, out);
    else if (!strcmp(name, "service")) {
        jval v;
        out->t = J_OBJECT;
        set_str(&v, ho->name);
        obj_add(out, "host", v);
        set_str(&v, "nova-compute");
        obj_add(out, "binary", v);
        set_bool(&v, ho->disabled);
        obj_add(out, "disabled", v);
        set_bool(&v, ho->forced_down);
        obj_add(out, "forced_down", v);
        /* the Service object's field, None when no reason was given */
        if (ho->disabled_reason && *ho->disabled_reason)
            set_str(&v, ho->disabled_reason);
        else
            memset(&v, 0, sizeof v);
        obj_add(out, "disabled_reason", v);
    } else if (!strcmp(name, "limits") || !strcmp(name, "metrics")) {
        out->t = J_OBJECT;   /* empty dict: walking into it finds nothing */
    } else
        return false;
    return true;
}

void jval_pystr(const jval *v, sbuf *out)
{
    char tmp[64];
    switch (v->t) {
    case J_NULL: sbuf_add(out, "None"); break;
    case J_BOOL: sbuf_add(out, v->b ? "True" : "False"); break;
    case J_INT: sbuf_addf(out, "%lld", v->i); break;
    case J_FLOAT:
        nv_fmt_double(tmp, sizeof tmp, v->d);
        sbuf_add(out, tmp);
        break;
    case J_STRING: sbuf_add(out, v->s); break;
    case J_LIST:
    case J_OBJECT:
        sbuf_add(out, v->t == J_LIST ? "[" : "{");
        for (int i = 0; i < v->n; i++) {
            if (i)
                sbuf_add(out, ", ");
            if (v->t == J_OBJECT)
                sbuf_addf(out, "'%s': ", v->keys[i]);
            if (v->items[i].t == J_STRING)
                sbuf_addf(out, "'%s'", v->items[i].s);
            else
                jval_pystr(&v->items[i], out);
        }
        sbuf_add(out, v->t == J_LIST ? "]" : "}");
        break;
    }
}
