/*
 * expect.c - evaluating a step's `expect` group against the cloud.
 *
 * Every key present must hold; each gives one check with what was wanted
 * and what was found, so a failure names the step, the key and both values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"

void expect_checks_free(expect_checks *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->v[i].key);
        free(c->v[i].want);
        free(c->v[i].got);
    }
    free(c->v);
    memset(c, 0, sizeof *c);
}

static void add(expect_checks *out, const char *key, const char *want, const char *got, bool ok)
{
    expect_check ch = {nv_strdup(key), nv_strdup(want), nv_strdup(got ? got : ""), ok};
    NV_PUSH(*out, ch);
}

static void eq(expect_checks *out, const char *key, const char *want, const char *got)
{
    add(out, key, want, got, !strcmp(want, got ? got : ""));
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void expect_eval(const cloud *c, const expect *e, const cmd_result *r, expect_checks *out)
{
    if (e->outcome)
        eq(out, "outcome", e->outcome, r->outcome);
    if (e->message) {
        const char *got = r->message ? r->message : "";
        add(out, "message", e->message, got, strstr(got, e->message) != NULL);
    }
    /* the server the expectation is about: named, else the step's first */
    int sid = -1;
    if (e->server) {
        sid = cloud_server(c, e->server);
        if (sid < 0)
            for (int i = c->servers.n - 1; i >= 0; i--)
                if (!strcmp(c->servers.v[i].name, e->server)) {
                    sid = i;
                    break;
                }
        add(out, "server", e->server, sid >= 0 ? e->server : "(no such server)", sid >= 0);
    } else if (r->servers.n) {
        sid = r->servers.v[0];
    }
    const server *s = sid >= 0 ? &c->servers.v[sid] : NULL;
    if (e->host)
        eq(out, "host", e->host, s ? (s->host >= 0 ? c->hosts.v[s->host].name : "") : "(no server)");
    if (e->has_hosts) {
        /* the step's new servers, in name order */
        char **names = nv_calloc((size_t)(r->servers.n + 1), sizeof *names);
        int n = 0;
        for (int i = 0; i < r->servers.n; i++)
            names[n++] = c->servers.v[r->servers.v[i]].name;
        qsort(names, (size_t)n, sizeof *names, by_name);
        sbuf got = {0}, want = {0};
        for (int i = 0; i < n; i++) {
            int h = cloud_server(c, names[i]);
            const server *sv = h >= 0 ? &c->servers.v[h] : NULL;
            sbuf_addf(&got, "%s%s", i ? ", " : "",
                      sv && sv->host >= 0 ? c->hosts.v[sv->host].name : "None");
        }
        for (int i = 0; i < e->hosts.n; i++)
            sbuf_addf(&want, "%s%s", i ? ", " : "", e->hosts.v[i]);
        eq(out, "hosts", want.s ? want.s : "", got.s ? got.s : "");
        sbuf_free(&got);
        sbuf_free(&want);
        free(names);
    }
    const migration *m = r->migration >= 0 ? &c->migrations.v[r->migration] : NULL;
    if (!m && s)
        for (int i = c->migrations.n - 1; i >= 0; i--)
            if (c->migrations.v[i].server == sid) {
                m = &c->migrations.v[i];
                break;
            }
    if (e->migration_status)
        eq(out, "migration_status", e->migration_status, m ? m->status : "(no migration)");
    if (e->migration_type)
        eq(out, "migration_type", e->migration_type, m ? m->type : "(no migration)");
    if (e->vm_state)
        eq(out, "vm_state", e->vm_state, s ? s->vm_state : "(no server)");
    if (e->task_state)
        eq(out, "task_state", e->task_state, s ? (s->task_state ? s->task_state : "") : "(no server)");
    if (e->fault) {
        const char *got = s && s->fault ? s->fault : "";
        add(out, "fault", e->fault, got, strstr(got, e->fault) != NULL);
    }
    for (int i = 0; i < e->n_usage; i++) {
        const expect_usage *u = &e->usage[i];
        int h = cloud_host(c, u->host);
        for (int rc = 0; rc < RC_COUNT; rc++) {
            if (!u->has[rc])
                continue;
            char key[96], want[32], got[32];
            snprintf(key, sizeof key, "usage.%s.%s", u->host, rc_names[rc]);
            snprintf(want, sizeof want, "%lld", (long long)u->amount[rc]);
            if (h < 0)
                snprintf(got, sizeof got, "(no such host)");
            else
                snprintf(got, sizeof got, "%lld", (long long)placement_used(c, h, rc));
            eq(out, key, want, got);
        }
    }
}

/* ---- observed outcomes as expectations ----------------------------------------------- */

/* One key of a probe expectation: what expect_eval found for it, unless it
 * found nothing to compare ("(no server)", "(no migration)"). */
static const char *found(const expect_checks *ck, const char *key)
{
    for (int i = 0; i < ck->n; i++)
        if (!strcmp(ck->v[i].key, key))
            return ck->v[i].got && ck->v[i].got[0] == '(' ? NULL : ck->v[i].got;
    return NULL;
}

void expect_observe(const cloud *c, const cmd_result *r, expect *out)
{
    /* probe with every key present: expect_eval reports what it finds */
    expect probe;
    memset(&probe, 0, sizeof probe);
    probe.outcome = probe.host = probe.migration_status = probe.migration_type = "";
    probe.vm_state = probe.task_state = "";
    probe.has_hosts = r->servers.n > 1;
    expect_checks ck = {0};
    expect_eval(c, &probe, r, &ck);
    const char *v;
    out->present = true;
    out->outcome = nv_strdup(r->outcome ? r->outcome : "ok");
    if (r->message && r->message[0])
        out->message = nv_strdup(r->message);
    if (r->servers.n) {
        const server *s = &c->servers.v[r->servers.v[0]];
        /* name the server only where the name finds that very server */
        if (cloud_server(c, s->name) == r->servers.v[0])
            out->server = nv_strdup(s->name);
        if ((v = found(&ck, "host")))
            out->host = nv_strdup(v);
        if ((v = found(&ck, "vm_state")))
            out->vm_state = nv_strdup(v);
        if ((v = found(&ck, "task_state")))
            out->task_state = nv_strdup(v);
        if (s->fault && s->fault[0])
            out->fault = nv_strdup(s->fault);
    }
    if (probe.has_hosts && (v = found(&ck, "hosts"))) {
        nv_split_strip(&out->hosts, v, ',');
        out->has_hosts = true;
    }
    if ((v = found(&ck, "migration_status")))
        out->migration_status = nv_strdup(v);
    if ((v = found(&ck, "migration_type")))
        out->migration_type = nv_strdup(v);
    expect_checks_free(&ck);
}
