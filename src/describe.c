/*
 * describe.c - a server or a host described field by field (describe.h).
 * Names are Nova's: the RequestSpec fields as the API database keeps
 * them, Placement's inventory fields.
 */
#include "describe.h"

#include <stdlib.h>
#include <string.h>

static void kvs(sbuf *out, const kvlist *l)
{
    if (!l->n) {
        sbuf_add(out, "{}");
        return;
    }
    for (int i = 0; i < l->n; i++)
        sbuf_addf(out, "%s%s=%s", i ? ", " : "", l->v[i].key, l->v[i].value);
}

static void strs(sbuf *out, const strlist *l)
{
    sbuf_addc(out, '[');
    for (int i = 0; i < l->n; i++)
        sbuf_addf(out, "%s%s", i ? ", " : "", l->v[i]);
    sbuf_addc(out, ']');
}

static void amounts(sbuf *out, const int64_t a[RC_COUNT])
{
    bool any = false;
    for (int r = 0; r < RC_COUNT; r++)
        if (a[r]) {
            sbuf_addf(out, "%s%s=%lld", any ? ", " : "", rc_names[r], (long long)a[r]);
            any = true;
        }
    if (!any)
        sbuf_add(out, "nothing");
}

static const char *hname(const cloud *c, int h)
{
    return h >= 0 && h < c->hosts.n ? c->hosts.v[h].name : "None";
}

void describe_server(const cloud *c, int sid, sbuf *out)
{
    const server *s = &c->servers.v[sid];
    const flavor *f = &c->flavors.v[s->flavor];
    sbuf_addf(out, "Server:        %s%s\n", s->name, s->deleted ? " (deleted)" : "");
    sbuf_addf(out, "Status:        vm_state %s, task_state %s%s\n", s->vm_state,
              s->task_state ? s->task_state : "None", s->locked ? ", locked" : "");
    if (s->host >= 0)
        sbuf_addf(out, "Host:          %s (availability zone %s, cell %s)\n", hname(c, s->host),
                  host_az(c, s->host), c->hosts.v[s->host].cell);
    else
        sbuf_add(out, "Host:          None\n");
    sbuf_addf(out, "Project:       %s\n", s->project ? s->project : "None");
    sbuf_addf(out, "AZ:            %s\n", s->availability_zone ? s->availability_zone : "None");
    sbuf_addf(out, "Flavor:        %s: %d vCPU, %lld MB RAM, %lld GB root, %lld GB ephemeral, "
                   "%lld MB swap\n",
              f->name, f->vcpus, (long long)f->memory_mb, (long long)f->root_gb,
              (long long)f->ephemeral_gb, (long long)f->swap);
    if (f->extra_specs.n) {
        sbuf_add(out, "  extra_specs: ");
        kvs(out, &f->extra_specs);
        sbuf_addc(out, '\n');
    }
    if (s->old_flavor >= 0 && s->old_flavor < c->flavors.n)
        sbuf_addf(out, "  old flavor:  %s (resize not yet confirmed)\n",
                  c->flavors.v[s->old_flavor].name);
    if (s->image >= 0) {
        const image *im = &c->images.v[s->image];
        sbuf_addf(out, "Image:         %s%s", im->name, s->boot_from_volume ? " (boot from volume)" : "");
        if (im->properties.n) {
            sbuf_add(out, "; properties: ");
            kvs(out, &im->properties);
        }
        sbuf_addc(out, '\n');
    } else {
        sbuf_add(out, "Image:         None (boot from volume)\n");
    }
    if (s->group >= 0) {
        const group *g = &c->groups.v[s->group];
        sbuf_addf(out, "Group:         %s (%s", g->name, group_policy_names[g->policy]);
        if (g->policy == POLICY_ANTI_AFFINITY)
            sbuf_addf(out, ", max_server_per_host %d", g->max_server_per_host);
        sbuf_add(out, "); members:");
        for (int i = 0; i < c->servers.n; i++)
            if (!c->servers.v[i].deleted && c->servers.v[i].group == s->group)
                sbuf_addf(out, " %s@%s", c->servers.v[i].name, hname(c, c->servers.v[i].host));
        sbuf_addc(out, '\n');
    } else {
        sbuf_add(out, "Group:         None\n");
    }
    if (s->fault)
        sbuf_addf(out, "Fault:         %s\n", s->fault);

    const persisted_spec *ps = server_spec(s);
    sbuf_add(out, "RequestSpec (as Nova persisted it):\n");
    sbuf_addf(out, "  num_instances:          %d\n", ps->num_instances);
    sbuf_addf(out, "  availability_zone:      %s\n",
              ps->availability_zone ? ps->availability_zone : "None");
    sbuf_add(out, "  ignore_hosts:           ");
    strs(out, &ps->ignore_hosts);
    sbuf_addf(out, "\n  requested_destination:  %s\n",
              ps->requested_host ? ps->requested_host : "None");
    sbuf_add(out, "  force_hosts:            ");
    strs(out, &ps->force_hosts);
    sbuf_add(out, "\n  force_nodes:            ");
    strs(out, &ps->force_nodes);
    sbuf_addf(out, "\n  instance_group:         %s\n",
              s->group >= 0 ? c->groups.v[s->group].name : "None");
    sbuf_add(out, "  scheduler_hints:        ");
    kvs(out, &ps->hints);
    sbuf_addc(out, '\n');

    sbuf_add(out, "Allocations (Placement):\n");
    /* the server's and its migrations' allocations, in the order written */
    intvec mine = {0};
    for (int m = -1; m < c->migrations.n; m++) {
        if (m >= 0 && c->migrations.v[m].server != sid)
            continue;
        int *v, n = placement_allocations_of(c, m < 0 ? CONSUMER_SERVER : CONSUMER_MIGRATION,
                                             m < 0 ? sid : m, &v);
        for (int k = 0; k < n; k++)
            intvec_push(&mine, v[k]);
        free(v);
    }
    for (int k = 1; k < mine.n; k++)
        for (int j = k; j > 0 && c->allocations.v[mine.v[j - 1]].seq >
                                     c->allocations.v[mine.v[j]].seq; j--) {
            int t = mine.v[j];
            mine.v[j] = mine.v[j - 1];
            mine.v[j - 1] = t;
        }
    bool any = mine.n > 0;
    for (int k = 0; k < mine.n; k++) {
        const allocation *a = &c->allocations.v[mine.v[k]];
        sbuf_addf(out, "  %s: ", hname(c, a->host));
        amounts(out, a->amount);
        if (a->kind == CONSUMER_MIGRATION)
            sbuf_addf(out, " (held by migration %d)", c->migrations.v[a->consumer].id);
        sbuf_addc(out, '\n');
    }
    intvec_free(&mine);
    if (!any)
        sbuf_add(out, "  none\n");
    sbuf_add(out, "Migrations:\n");
    any = false;
    for (int i = 0; i < c->migrations.n; i++) {
        const migration *m = &c->migrations.v[i];
        if (m->server != sid)
            continue;
        sbuf_addf(out, "  %d  %s  %s  %s -> %s\n", m->id, m->type, m->status, hname(c, m->source),
                  hname(c, m->dest));
        any = true;
    }
    if (!any)
        sbuf_add(out, "  none\n");
}

void describe_host(const cloud *c, int h, sbuf *out)
{
    const host *ho = &c->hosts.v[h];
    sbuf_addf(out, "Host:          %s\n", ho->name);
    sbuf_addf(out, "Service:       nova-compute %s, %s", host_is_up(c, h) ? "up" : "down",
              ho->disabled ? "disabled" : "enabled");
    if (ho->disabled && ho->disabled_reason)
        sbuf_addf(out, " (reason: %s)", ho->disabled_reason);
    if (ho->forced_down)
        sbuf_add(out, ", forced down");
    sbuf_addc(out, '\n');
    sbuf_addf(out, "AZ:            %s\n", host_az(c, h));
    sbuf_addf(out, "Cell:          %s\n", ho->cell);
    sbuf_addf(out, "Hypervisor:    %s %lld, %s", ho->hypervisor_type ? ho->hypervisor_type : "None",
              (long long)ho->hypervisor_version, ho->cpu_arch ? ho->cpu_arch : "None");
    if (ho->host_ip)
        sbuf_addf(out, ", host_ip %s", ho->host_ip);
    sbuf_addc(out, '\n');
    sbuf_add(out, "Inventory (Placement):\n");
    sbuf_addf(out, "  %-10s %7s %9s %6s %9s %6s %6s\n", "RESOURCE", "TOTAL", "RESERVED", "RATIO",
              "CAPACITY", "USED", "FREE");
    for (int r = 0; r < RC_COUNT; r++) {
        int64_t total = placement_total(c, h, r);
        if (!total)
            continue;
        char ratio[32];
        nv_fmt_double(ratio, sizeof ratio, host_ratio(c, h, r));
        double cap = placement_capacity(c, h, r);
        int64_t used = placement_used(c, h, r);
        sbuf_addf(out, "  %-10s %7lld %9lld %6s %9.0f %6lld %6.0f\n", rc_names[r],
                  (long long)total, (long long)host_reserved(c, h, r), ratio, cap,
                  (long long)used, cap - (double)used);
    }
    sbuf_add(out, "Traits:        ");
    if (!ho->traits.n && !ho->disabled)
        sbuf_add(out, "none");
    for (int i = 0; i < ho->traits.n; i++)
        sbuf_addf(out, "%s%s", i ? ", " : "", ho->traits.v[i]);
    if (ho->disabled)
        sbuf_addf(out, "%sCOMPUTE_STATUS_DISABLED (the service is disabled)",
                  ho->traits.n ? ", " : "");
    sbuf_addc(out, '\n');
    sbuf_add(out, "Aggregates:\n");
    const intvec *aggs = &c->host_aggs[h];
    if (!aggs->n)
        sbuf_add(out, "  none\n");
    for (int i = 0; i < aggs->n; i++) {
        const aggregate *a = &c->aggregates.v[aggs->v[i]];
        sbuf_addf(out, "  %s: ", a->name);
        kvs(out, &a->metadata);
        sbuf_addc(out, '\n');
    }
    const intvec *sv = &c->host_servers[h];
    sbuf_addf(out, "Servers (%d):\n", sv->n);
    for (int i = 0; i < sv->n; i++) {
        const server *s = &c->servers.v[sv->v[i]];
        sbuf_addf(out, "  %s  %s  %s\n", s->name, s->vm_state, c->flavors.v[s->flavor].name);
    }
}
