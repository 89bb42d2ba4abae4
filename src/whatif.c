/*
 * whatif.c - dry runs of a move and of draining a host (whatif.h).
 *
 * A dry run is the real thing, taken back: a move runs on the cloud itself
 * with a copy of the generator, under an undo journal (journal.h) that
 * then puts back what it changed (a copy of the cloud cost ten times the
 * decision at 100,000 hosts); a drain plan the same, each move under a
 * journal of its own inside the plan's.  The trail keeps the events, so
 * the decision can be read as any other; the fit notes follow them.
 */
#include "whatif.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conductor.h"
#include "decision.h"
#include "journal.h"

void whatif_result_done(whatif_result *r)
{
    free(r->message);
    strlist_free(&r->plan);
    intvec_free(&r->servers);
    memset(r, 0, sizeof *r);
    r->destination = -1;
}

static const char *ratio_option(int rc)
{
    switch (rc) {
    case RC_VCPU: return "cpu_allocation_ratio";
    case RC_MEMORY_MB: return "ram_allocation_ratio";
    case RC_DISK_GB: return "disk_allocation_ratio";
    default: return NULL;
    }
}

/* The resources short on h for the server's flavor: "needs 2048 more
 * MEMORY_MB, or ram_allocation_ratio >= 1.25".  False if all fit. */
static bool shortfall(const cloud *c, int sid, int h, int only_rc, sbuf *out)
{
    const server *s = &c->servers.v[sid];
    int64_t want[RC_COUNT];
    resources_of(c, s->flavor, s->image, s->boot_from_volume, want);
    bool any = false;
    for (int rc = 0; rc < RC_COUNT; rc++) {
        if (!want[rc] || (only_rc >= 0 && rc != only_rc))
            continue;
        int64_t total = placement_total(c, h, rc), reserved = host_reserved(c, h, rc);
        const char *sep = any ? "; " : "";
        if (total <= 0) {
            sbuf_addf(out, "%sthe host has no %s inventory (needs %lld)", sep, rc_names[rc],
                      (long long)want[rc]);
            any = true;
            continue;
        }
        int64_t max_unit = placement_max_unit(c, h, rc);
        if (want[rc] > max_unit) {
            if (max_unit == total)
                sbuf_addf(out, "%sthe host has %lld %s in all, %lld asked: a bigger host", sep,
                          (long long)total, rc_names[rc], (long long)want[rc]);
            else
                sbuf_addf(out, "%s%s max_unit %lld < %lld asked: raise max_unit", sep,
                          rc_names[rc], (long long)max_unit, (long long)want[rc]);
            any = true;
            continue;
        }
        int64_t used = placement_used(c, h, rc);
        double cap = placement_capacity(c, h, rc);
        if ((double)(used + want[rc]) <= cap)
            continue;
        int64_t missing = (int64_t)ceil((double)(used + want[rc]) - cap);
        sbuf_addf(out, "%sneeds %lld more %s", sep, (long long)missing, rc_names[rc]);
        const char *opt = ratio_option(rc);
        if (opt && total > reserved) {
            /* the smallest ratio, in hundredths, that makes it fit */
            double r = ceil((double)(used + want[rc]) * 100.0 / (double)(total - reserved)) / 100.0;
            char rs[32];
            nv_fmt_double(rs, sizeof rs, r);
            sbuf_addf(out, ", or %s >= %s", opt, rs);
        }
        any = true;
    }
    return any;
}

static void group_in_way(const cloud *c, int sid, int h, sbuf *out)
{
    const server *s = &c->servers.v[sid];
    if (s->group < 0) {
        sbuf_add(out, "the server is in no group");
        return;
    }
    const group *g = &c->groups.v[s->group];
    if (g->policy == POLICY_AFFINITY) {
        sbuf_addf(out, "group %s (affinity) keeps its members together on", g->name);
        for (int i = 0; i < c->servers.n; i++)
            if (i != sid && !c->servers.v[i].deleted && c->servers.v[i].group == s->group &&
                c->servers.v[i].host >= 0)
                sbuf_addf(out, " %s (%s)", c->hosts.v[c->servers.v[i].host].name,
                          c->servers.v[i].name);
        sbuf_add(out, ": move the group or use soft-affinity");
        return;
    }
    sbuf_addf(out, "group %s (%s) already has", g->name, group_policy_names[g->policy]);
    int n = 0;
    for (int i = 0; i < c->servers.n; i++)
        if (i != sid && !c->servers.v[i].deleted && c->servers.v[i].group == s->group &&
            c->servers.v[i].host == h)
            sbuf_addf(out, "%s%s", n++ ? ", " : " ", c->servers.v[i].name);
    if (!n)
        sbuf_add(out, " a member placed in this request");
    sbuf_addf(out, " there (max_server_per_host %d): move %s away, or use "
                   "soft-anti-affinity",
              g->max_server_per_host, n > 1 ? "them" : "it");
}

void whatif_fit(const cloud *c, const trail *t, int k, int sid, int target, int h, sbuf *out)
{
    const decision *d = &t->dec[k];
    if (h < 0 || h >= d->n_hosts || h >= c->hosts.n)
        return;
    const dec_host *x = &d->host[h];
    const host *ho = &c->hosts.v[h];
    if (x->selected)
        return;
    bool out_early = x->fate == DF_PLACEMENT || x->fate == DF_NOT_CANDIDATE ||
                     x->fate == DF_NARROWED;
    if (out_early && c->servers.v[sid].host == h) {
        sbuf_add(out, "it is the server's own host: a move never stays there");
        return;
    }
    if (out_early && target >= 0 && h != target) {
        sbuf_addf(out, "none needed: %s was asked for", c->hosts.v[target].name);
        return;
    }
    const event *e = x->ev >= 0 && x->ev < t->n ? &t->v[x->ev] : NULL;
    sbuf words = {0};
    if (e && x->rix >= 0 && x->rix < e->rejected.n)
        event_reject_reason(e, x->rix, &words);
    const char *reason = e && x->rix >= 0 && x->rix < e->rejected.n ? (words.s ? words.s : "")
                                                                   : NULL;
    switch (x->fate) {
    case DF_PLACEMENT:
        if (ho->disabled) {
            sbuf_add(out, "remove trait COMPUTE_STATUS_DISABLED: enable the service");
        } else if (!shortfall(c, sid, h, -1, out)) {
            sbuf_addf(out, "satisfy Placement: %s", reason ? reason : "not a candidate");
        }
        break;
    case DF_NOT_CANDIDATE:
        sbuf_add(out, "Placement did not offer it: see the request filters above");
        break;
    case DF_NARROWED:
        switch (x->narrow) {
        case DN_IGNORE:
            if (c->servers.v[sid].host == h)
                sbuf_add(out, "it is the server's own host: a move never stays there");
            else
                sbuf_add(out, "ignore_hosts names it (tried before, or persisted by bug 1669054)");
            break;
        case DN_DEST: sbuf_add(out, "ask for it: another host was requested"); break;
        case DN_CELL: sbuf_add(out, "none: moves stay in the server's cell"); break;
        case DN_FORCE: sbuf_add(out, "force it instead of the forced host"); break;
        default: break;
        }
        break;
    case DF_FILTERED: {
        const char *f = e && e->name ? e->name : "";
        if (!strcmp(f, "ComputeFilter")) {
            if (ho->disabled)
                sbuf_add(out, "enable the service (nova-compute is disabled)");
            else
                sbuf_add(out, "bring nova-compute up (the service is down)");
        } else if (!strcmp(f, "RamFilter")) {
            if (!shortfall(c, sid, h, RC_MEMORY_MB, out))
                sbuf_addf(out, "make RamFilter pass: %s", reason ? reason : "");
        } else if (!strcmp(f, "CoreFilter")) {
            if (!shortfall(c, sid, h, RC_VCPU, out))
                sbuf_addf(out, "make CoreFilter pass: %s", reason ? reason : "");
        } else if (!strcmp(f, "DiskFilter")) {
            if (!shortfall(c, sid, h, RC_DISK_GB, out))
                sbuf_addf(out, "make DiskFilter pass: %s", reason ? reason : "");
        } else if (!strcmp(f, "ServerGroupAntiAffinityFilter") ||
                   !strcmp(f, "ServerGroupAffinityFilter")) {
            group_in_way(c, sid, h, out);
        } else if (!strcmp(f, "AvailabilityZoneFilter")) {
            sbuf_addf(out, "the host is in availability zone %s: %s", host_az(c, h),
                      reason ? reason : "");
        } else {
            sbuf_addf(out, "make %s pass: %s", f, reason ? reason : "");
        }
        break;
    }
    default: {
        int of, rank = dec_rank(t, d, h, &of);
        if (rank && d->selected.n)
            sbuf_addf(out, "it fits: the weighers ranked it %d of %d", rank, of);
        else if (rank)
            sbuf_add(out, "it fits the filters");
        break;
    }
    }
    sbuf_free(&words);
}

/* The notes after a dry run's last decision in [from, t->n). */
static void fit_notes(const cloud *before, trail *t, int from, int sid, int target)
{
    int first, n = dec_in_range(t, from, t->n, &first);
    if (!n)
        return;
    int k = first + n - 1;
    int nh = t->dec[k].n_hosts < before->hosts.n ? t->dec[k].n_hosts : before->hosts.n;
    for (int h = 0; h < nh; h++) {
        sbuf b = {0};
        whatif_fit(before, t, k, sid, target, h, &b);
        if (b.len)
            trail_note(t, "What would make %s fit: %s", before->hosts.v[h].name, b.s);
        sbuf_free(&b);
    }
}

static void run_move(cloud *work, nv_rng *rng, trail *t, enum cmd_op move, int sid, int dst,
                     cmd_result *r)
{
    conductor_req q;
    conductor_req_init(&q, move);
    q.server = (nv_ref){work->servers.v[sid].name, sid};
    if (dst >= 0)
        q.host = (nv_ref){work->hosts.v[dst].name, dst};
    nova_env env = {work, t, rng};
    memset(r, 0, sizeof *r);
    r->trail_from = t->n;
    conductor_begin(&env, r);
    switch (move) {
    case OP_MIGRATE: conductor_migrate(&env, &q, r); break;
    case OP_EVACUATE: conductor_evacuate(&env, &q, r); break;
    default: conductor_live_migrate(&env, &q, r); break;
    }
}

void whatif_move(cloud *c, const nv_rng *rng, trail *t, enum cmd_op move, int sid, int dst,
                 whatif_result *out)
{
    memset(out, 0, sizeof *out);
    out->destination = -1;
    intvec_push(&out->servers, sid);
#ifdef NV_CHECK_STATES
    cloud *before = cloud_clone(c);
#endif
    int host_before = c->servers.v[sid].host;
    nv_rng g = *rng;
    int from = t->n;
    cmd_result r;
    journal_begin(c);
    run_move(c, &g, t, move, sid, dst, &r);
    journal *j = journal_end(c);
    int host_after = c->servers.v[sid].host;
    journal_undo(c, j);
    journal_free(j);
#ifdef NV_CHECK_STATES
    cloud_check_same(c, before, "a what-if");   /* as it was, to the last field */
#endif
    out->outcome = r.outcome ? r.outcome : "ok";
    out->message = r.message ? nv_strdup(r.message) : NULL;
    if (!strcmp(out->outcome, "ok") && host_after != host_before)
        out->destination = host_after;
    else {
        /* the host the scheduler chose, even when a later check failed */
        int first, n = dec_in_range(t, from, t->n, &first);
        if (n && t->dec[first + n - 1].selected.n)
            out->destination = t->dec[first + n - 1].selected.v[0];
    }
    cmd_result_done(&r);
    fit_notes(c, t, from, sid, dst);
}

static int by_name(const void *a, const void *b, void *arg)
{
    const cloud *c = arg;
    return strcmp(c->servers.v[*(const int *)a].name, c->servers.v[*(const int *)b].name);
}

/* insertion sort by name: a host holds few servers */
static void sort_by_name(const cloud *c, intvec *v)
{
    for (int i = 1; i < v->n; i++)
        for (int j = i; j > 0 && by_name(&v->v[j - 1], &v->v[j], (void *)c) > 0; j--) {
            int tmp = v->v[j];
            v->v[j] = v->v[j - 1];
            v->v[j - 1] = tmp;
        }
}

/* Drain h on `c`: each move under a journal of its own, kept when it
 * succeeds; when a server has nowhere to go, the fit notes read the cloud
 * as that move found it (its journal undone: in place on a dry run, which
 * is undone whole anyway, else on a copy, as the failed move stays). */
static void drain_on(cloud *c, nv_rng *g, trail *t, int h, bool dry, whatif_watch watch,
                     void *ctx, whatif_result *out)
{
    memset(out, 0, sizeof *out);
    out->destination = -1;
    out->outcome = "ok";
    intvec todo = {0};
    for (int i = 0; i < c->servers.n; i++)
        if (!c->servers.v[i].deleted && c->servers.v[i].host == h)
            intvec_push(&todo, i);
    sort_by_name(c, &todo);
    char *hn = nv_strdup(c->hosts.v[h].name);
    trail_note(t, "Drain %s%s: %d server(s) to live-migrate, in name order, each claim carried "
                  "forward",
               hn, dry ? " (dry run)" : "", todo.n);
    for (int i = 0; i < todo.n; i++) {
        if (watch && !watch(ctx, i, todo.n)) {
            out->outcome = "Interrupted";
            out->message = nv_printf("stopped after %d of %d server(s): the plan so far is "
                                     "below",
                                     i, todo.n);
            trail_note(t, "Drain %s stopped after %d of %d server(s)", hn, i, todo.n);
            break;
        }
        int sid = todo.v[i];
        intvec_push(&out->servers, sid);
        int from = t->n;
        cmd_result r;
        journal_begin(c);
        run_move(c, g, t, OP_LIVE_MIGRATE, sid, -1, &r);
        const char *o = r.outcome ? r.outcome : "ok";
        int now = c->servers.v[sid].host;
        if (strcmp(o, "ok") != 0 || now == h || now < 0) {
            out->outcome = strcmp(o, "ok") ? o : "NoValidHost";
            out->message = nv_printf("%s has nowhere to go: %s", c->servers.v[sid].name,
                                     r.message ? r.message : "it stayed on the host");
            if (dry) {
                journal *mj = journal_end(c);
                journal_undo(c, mj);
                journal_free(mj);
                fit_notes(c, t, from, sid, -1);
            } else {
                cloud *before = cloud_clone(c);
                journal_undo(before, c->jr);
                journal_commit(c);
                fit_notes(before, t, from, sid, -1);
                cloud_free(before);
            }
            cmd_result_done(&r);
            break;
        }
        journal_commit(c);
        char *item = nv_printf("%s=%s", c->servers.v[sid].name, c->hosts.v[now].name);
        strlist_push(&out->plan, item);
        free(item);
        cmd_result_done(&r);
    }
    if (!strcmp(out->outcome, "ok")) {
        sbuf b = {0};
        for (int i = 0; i < out->plan.n; i++)
            sbuf_addf(&b, "%s%s", i ? ", " : "", out->plan.v[i]);
        trail_note(t, "Drain plan for %s: %s", hn, out->plan.n ? b.s : "nothing to move");
        sbuf_free(&b);
    }
    free(hn);
    intvec_free(&todo);
}

void whatif_drain_watch(cloud *c, const nv_rng *rng, trail *t, int h, whatif_watch watch,
                        void *ctx, whatif_result *out)
{
#ifdef NV_CHECK_STATES
    cloud *before = cloud_clone(c);
#endif
    nv_rng g = *rng;
    journal_begin(c);
    drain_on(c, &g, t, h, true, watch, ctx, out);
    journal *j = journal_end(c);
    journal_undo(c, j);
    journal_free(j);
#ifdef NV_CHECK_STATES
    cloud_check_same(c, before, "a drain plan");   /* as it was, to the last field */
#endif
}

void whatif_drain(cloud *c, const nv_rng *rng, trail *t, int h, whatif_result *out)
{
    whatif_drain_watch(c, rng, t, h, NULL, NULL, out);
}

void drain_run(cloud *c, nv_rng *rng, trail *t, int h, whatif_result *out)
{
    drain_on(c, rng, t, h, false, NULL, NULL, out);
}

/* ---- the ops ----------------------------------------------------------------------- */

static void not_found(cmd_result *r, const char *key, const char *what, const char *name)
{
    r->outcome = "ValidationError";
    free(r->message);
    r->message = nv_printf("%s: %s %s could not be found.", key, what, name);
}

static void take(cmd_result *r, whatif_result *w)
{
    r->outcome = w->outcome;
    free(r->message);
    r->message = w->message;
    w->message = NULL;
    strlist_free(&r->plan);
    r->plan = w->plan;
    memset(&w->plan, 0, sizeof w->plan);
    for (int i = 0; i < w->servers.n; i++)
        intvec_push(&r->servers, w->servers.v[i]);
    whatif_result_done(w);
}

void whatif_exec(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    int sid = q->server.id;
    if (sid < 0) {
        not_found(r, "server", "Instance", nv_ref_name(q->server));
        return;
    }
    int h = q->host.id;
    if (q->host.name && h < 0) {
        not_found(r, "host", "Compute host", q->host.name);
        return;
    }
    const char *mv = kvlist_get(&q->props, "move");
    enum cmd_op op = !mv || !strcmp(mv, "live-migrate") ? OP_LIVE_MIGRATE
                     : !strcmp(mv, "migrate")           ? OP_MIGRATE
                                                        : OP_EVACUATE;
    whatif_result w;
    whatif_move(c, env->rng, env->t, op, sid, h, &w);
    take(r, &w);
}

void drain_exec(nova_env *env, const conductor_req *q, cmd_result *r)
{
    int h = q->host.id;
    if (h < 0) {
        not_found(r, "host", "Compute host", nv_ref_name(q->host));
        return;
    }
    const char *dry = kvlist_get(&q->props, "dry_run");
    whatif_result w;
    if (dry && !strcmp(dry, "false"))
        drain_run(env->c, env->rng, env->t, h, &w);
    else
        whatif_drain(env->c, env->rng, env->t, h, &w);
    take(r, &w);
}
