/*
 * command.c - command records, the `:` prompt syntax, and the session that
 * runs commands, keeps their history and undoes by replay.
 *
 * Prompt syntax (the same words as scenario keys):
 *   boot NAME FLAVOR [image=I] [min_count=N] [max_count=N] [az=AZ] [group=G]
 *        [hint=K=V]... [project=P] [bfv]
 *   live-migrate SERVER [HOST] [--force] [microversion=2.67]
 *   migrate SERVER [HOST]          resize SERVER FLAVOR
 *   confirm-resize SERVER          revert-resize SERVER
 *   evacuate SERVER [HOST] [--force]
 *   delete|stop|start|pause|unpause SERVER
 *   host HOST down|up|disable|enable|force-down|unforce-down [reason=R]
 *   aggregate NAME add_host=H | remove_host=H | set_metadata=K=V
 *   fault HOST POINT [times=N] [message=M]
 */
#include "command.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conductor.h"

const char *const op_names[OP_COUNT] = {
#define X(e, s, h) s,
    NV_OPS(X)
#undef X
};
const char *const op_help[OP_COUNT] = {
#define X(e, s, h) h,
    NV_OPS(X)
#undef X
};

int op_from_name(const char *name)
{
    for (int i = 0; i < OP_COUNT; i++)
        if (!strcmp(op_names[i], name))
            return i;
    return -1;
}

void command_init(command *cmd, enum cmd_op op)
{
    memset(cmd, 0, sizeof *cmd);
    cmd->op = op;
    cmd->min_count = 1;
    cmd->times = 1;
}

void expect_done(expect *e)
{
    free(e->outcome);
    free(e->message);
    free(e->server);
    free(e->host);
    strlist_free(&e->hosts);
    free(e->migration_status);
    free(e->migration_type);
    free(e->vm_state);
    free(e->task_state);
    free(e->fault);
    for (int i = 0; i < e->n_usage; i++)
        free(e->usage[i].host);
    free(e->usage);
    memset(e, 0, sizeof *e);
}

#define STR_FIELDS(X)                                                                    \
    X(name) X(server) X(flavor) X(image) X(host) X(az) X(group) X(project) X(set) X(reason) \
    X(point) X(message) X(block_migration) X(add_host) X(remove_host) X(microversion)

void command_done(command *cmd)
{
#define X(f) free(cmd->f);
    STR_FIELDS(X)
#undef X
    strlist_free(&cmd->hints);
    strlist_free(&cmd->metadata);
    expect_done(&cmd->ex);
    memset(cmd, 0, sizeof *cmd);
}

void command_copy(command *dst, const command *src)
{
    *dst = *src;
#define X(f) dst->f = nv_strdup(src->f);
    STR_FIELDS(X)
#undef X
    strlist_copy(&dst->hints, &src->hints);
    strlist_copy(&dst->metadata, &src->metadata);
    expect *d = &dst->ex;
    const expect *s = &src->ex;
    d->outcome = nv_strdup(s->outcome);
    d->message = nv_strdup(s->message);
    d->server = nv_strdup(s->server);
    d->host = nv_strdup(s->host);
    strlist_copy(&d->hosts, &s->hosts);
    d->migration_status = nv_strdup(s->migration_status);
    d->migration_type = nv_strdup(s->migration_type);
    d->vm_state = nv_strdup(s->vm_state);
    d->task_state = nv_strdup(s->task_state);
    d->fault = nv_strdup(s->fault);
    if (s->n_usage) {
        d->usage = nv_calloc((size_t)s->n_usage, sizeof *d->usage);
        for (int i = 0; i < s->n_usage; i++) {
            d->usage[i] = s->usage[i];
            d->usage[i].host = nv_strdup(s->usage[i].host);
        }
    }
}

void cmd_result_done(cmd_result *r)
{
    free(r->message);
    intvec_free(&r->servers);
    memset(r, 0, sizeof *r);
}

/* ---- prompt syntax ------------------------------------------------------------ */

static bool set_field(command *c, const char *key, const char *val, char *err, size_t errlen)
{
#define X(f)                                                                             \
    if (!strcmp(key, #f)) {                                                              \
        free(c->f);                                                                      \
        c->f = nv_strdup(val);                                                           \
        return true;                                                                     \
    }
    STR_FIELDS(X)
#undef X
    if (!strcmp(key, "hint") || !strcmp(key, "hints")) {
        strlist_push(&c->hints, val);
        return true;
    }
    if (!strcmp(key, "set_metadata") || !strcmp(key, "metadata")) {
        strlist_push(&c->metadata, val);
        return true;
    }
    char *end;
    long long n = strtoll(val, &end, 10);
    if (!strcmp(key, "min_count") || !strcmp(key, "max_count") || !strcmp(key, "times")) {
        if (*end || end == val || n < 1) {
            snprintf(err, errlen, "%s: expected a positive integer, got '%s'", key, val);
            return false;
        }
        if (!strcmp(key, "min_count"))
            c->min_count = n;
        else if (!strcmp(key, "max_count"))
            c->max_count = n;
        else
            c->times = n;
        return true;
    }
    if (!strcmp(key, "force") || !strcmp(key, "boot_from_volume")) {
        bool b = !strcmp(val, "true") || !strcmp(val, "1") || !strcmp(val, "yes");
        if (!strcmp(key, "force"))
            c->force = b;
        else
            c->boot_from_volume = b;
        return true;
    }
    snprintf(err, errlen, "unknown argument '%s'", key);
    return false;
}

bool command_parse(const char *line, command *out, char *err, size_t errlen)
{
    char *copy = nv_strdup(line);
    char *words[64];
    int n = 0;
    for (char *t = strtok(copy, " \t"); t && n < 64; t = strtok(NULL, " \t"))
        words[n++] = t;
    if (!n) {
        snprintf(err, errlen, "empty command");
        free(copy);
        return false;
    }
    int op = op_from_name(words[0]);
    if (op < 0 || op == OP_EXPECT) {
        snprintf(err, errlen, "unknown command '%s' (try boot, live-migrate, migrate, resize, "
                              "evacuate, host, ...)", words[0]);
        free(copy);
        return false;
    }
    command_init(out, (enum cmd_op)op);
    /* positional arguments per op */
    const char *pos[3] = {NULL, NULL, NULL};
    switch (op) {
    case OP_BOOT: pos[0] = "name"; pos[1] = "flavor"; break;
    case OP_LIVE_MIGRATE:
    case OP_MIGRATE:
    case OP_EVACUATE: pos[0] = "server"; pos[1] = "host"; break;
    case OP_RESIZE: pos[0] = "server"; pos[1] = "flavor"; break;
    case OP_HOST: pos[0] = "host"; pos[1] = "set"; break;
    case OP_AGGREGATE: pos[0] = "name"; break;
    case OP_FAULT: pos[0] = "host"; pos[1] = "point"; break;
    default: pos[0] = "server"; break;
    }
    int np = 0;
    bool ok = true;
    for (int i = 1; i < n && ok; i++) {
        const char *w = words[i];
        if (!strcmp(w, "--force") || !strcmp(w, "force")) {
            out->force = true;
        } else if (!strcmp(w, "--bfv") || !strcmp(w, "bfv")) {
            out->boot_from_volume = true;
        } else if (strchr(w, '=') && !(np < 3 && pos[np] && !strcmp(pos[np], "set"))) {
            char *k, *v;
            kv_split(w, &k, &v);
            const char *key = k[0] == '-' && k[1] == '-' ? k + 2 : k;
            ok = set_field(out, key, v, err, errlen);
            free(k);
            free(v);
        } else if (np < 3 && pos[np]) {
            ok = set_field(out, pos[np++], w, err, errlen);
        } else {
            snprintf(err, errlen, "unexpected argument '%s'", w);
            ok = false;
        }
    }
    if (ok && op == OP_BOOT && out->max_count < out->min_count)
        out->max_count = out->min_count;
    if (ok) {
        const char *need = pos[0];
        bool missing = false;
        if (op == OP_BOOT)
            missing = !out->name || !out->flavor;
        else if (op == OP_RESIZE)
            missing = !out->server || !out->flavor;
        else if (op == OP_HOST)
            missing = !out->host || !out->set;
        else if (op == OP_FAULT)
            missing = !out->host || !out->point;
        else if (op == OP_AGGREGATE)
            missing = !out->name;
        else
            missing = !out->server;
        if (missing) {
            snprintf(err, errlen, "%s: missing argument (%s ...)", words[0], need);
            ok = false;
        }
    }
    free(copy);
    if (!ok)
        command_done(out);
    return ok;
}

void command_format(const command *c, sbuf *out)
{
    sbuf_add(out, op_names[c->op]);
    switch (c->op) {
    case OP_BOOT:
        sbuf_addf(out, " %s %s", c->name, c->flavor);
        break;
    case OP_RESIZE:
        sbuf_addf(out, " %s %s", c->server, c->flavor);
        break;
    case OP_HOST:
        sbuf_addf(out, " %s %s", c->host, c->set);
        break;
    case OP_FAULT:
        sbuf_addf(out, " %s %s", c->host, c->point);
        break;
    case OP_AGGREGATE:
        sbuf_addf(out, " %s", c->name);
        break;
    case OP_LIVE_MIGRATE:
    case OP_MIGRATE:
    case OP_EVACUATE:
        sbuf_addf(out, " %s", c->server);
        if (c->host)
            sbuf_addf(out, " %s", c->host);
        break;
    case OP_EXPECT:
        break;
    default:
        sbuf_addf(out, " %s", c->server);
        break;
    }
    if (c->op == OP_BOOT) {
        if (c->image)
            sbuf_addf(out, " image=%s", c->image);
        if (c->min_count > 1)
            sbuf_addf(out, " min_count=%lld", (long long)c->min_count);
        if (c->max_count > c->min_count)
            sbuf_addf(out, " max_count=%lld", (long long)c->max_count);
        if (c->az)
            sbuf_addf(out, " az=%s", c->az);
        if (c->group)
            sbuf_addf(out, " group=%s", c->group);
        if (c->project)
            sbuf_addf(out, " project=%s", c->project);
        for (int i = 0; i < c->hints.n; i++)
            sbuf_addf(out, " hint=%s", c->hints.v[i]);
        if (c->boot_from_volume)
            sbuf_add(out, " bfv");
    }
    if (c->force)
        sbuf_add(out, " --force");
    if (c->microversion)
        sbuf_addf(out, " microversion=%s", c->microversion);
    if (c->op == OP_HOST && c->reason)
        sbuf_addf(out, " reason=%s", c->reason);
    if (c->add_host)
        sbuf_addf(out, " add_host=%s", c->add_host);
    if (c->remove_host)
        sbuf_addf(out, " remove_host=%s", c->remove_host);
    for (int i = 0; i < c->metadata.n; i++)
        sbuf_addf(out, " set_metadata=%s", c->metadata.v[i]);
    if (c->op == OP_FAULT) {
        if (c->times > 1)
            sbuf_addf(out, " times=%lld", (long long)c->times);
        if (c->message)
            sbuf_addf(out, " message=%s", c->message);
    }
}

/* ---- session --------------------------------------------------------------------- */

session *session_new(cloud *c)
{
    session *s = nv_calloc(1, sizeof *s);
    s->initial = cloud_clone(c);
    s->c = c;
    nv_rng_seed(&s->rng, c->seed);
    return s;
}

void session_free(session *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n_done; i++) {
        command_done(&s->done[i]);
        cmd_result_done(&s->results[i]);
    }
    free(s->done);
    free(s->results);
    for (int i = 0; i < s->n_undone; i++)
        command_done(&s->undone[i]);
    free(s->undone);
    trail_free(&s->t);
    cloud_free(s->initial);
    cloud_free(s->c);
    free(s);
}

static const cmd_result *run_one(session *s, const command *cmd)
{
    if (s->n_done >= s->cap_done) {
        s->cap_done = s->cap_done ? s->cap_done * 2 : 16;
        s->done = nv_realloc(s->done, (size_t)s->cap_done * sizeof *s->done);
        s->results = nv_realloc(s->results, (size_t)s->cap_done * sizeof *s->results);
    }
    command_copy(&s->done[s->n_done], cmd);
    cmd_result *r = &s->results[s->n_done];
    memset(r, 0, sizeof *r);
    r->trail_from = s->t.n;
    nova_env env = {s->c, &s->t, &s->rng};
    conductor_exec(&env, cmd, r);
    r->trail_to = s->t.n;
    s->n_done++;
    return r;
}

const cmd_result *session_exec(session *s, const command *cmd)
{
    /* a new command: what was undone can no longer be redone */
    for (int i = 0; i < s->n_undone; i++)
        command_done(&s->undone[i]);
    s->n_undone = 0;
    return run_one(s, cmd);
}

/* Rebuild from the initial cloud, replaying the first `keep` commands. */
static void replay(session *s, int keep)
{
    command *old = s->done;
    cmd_result *oldr = s->results;
    int n = s->n_done;
    s->done = NULL;
    s->results = NULL;
    s->n_done = s->cap_done = 0;
    cloud_free(s->c);
    s->c = cloud_clone(s->initial);
    trail_clear(&s->t);
    nv_rng_seed(&s->rng, s->c->seed);
    for (int i = 0; i < n; i++) {
        if (i < keep)
            run_one(s, &old[i]);
        command_done(&old[i]);
        cmd_result_done(&oldr[i]);
    }
    free(old);
    free(oldr);
}

void session_expect_result(const session *s, int k, cmd_result *out)
{
    *out = s->results[k];
    if (s->done[k].op != OP_EXPECT)
        return;
    const cmd_result *own = &s->results[k];
    memset(out, 0, sizeof *out);
    out->outcome = "ok";
    out->migration = -1;
    for (int i = k - 1; i >= 0; i--)
        if (s->done[i].op != OP_EXPECT) {
            *out = s->results[i];
            break;
        }
    if (own->servers.n)
        out->servers = own->servers;
    out->trail_from = own->trail_from;
    out->trail_to = own->trail_to;
}

bool session_undo(session *s)
{
    if (!s->n_done)
        return false;
    if (s->n_undone == s->cap_undone) {
        s->cap_undone = s->cap_undone ? 2 * s->cap_undone : 8;
        s->undone = nv_realloc(s->undone, (size_t)s->cap_undone * sizeof *s->undone);
    }
    command_copy(&s->undone[s->n_undone++], &s->done[s->n_done - 1]);
    replay(s, s->n_done - 1);
    return true;
}

const cmd_result *session_redo(session *s)
{
    if (!s->n_undone)
        return NULL;
    command *cmd = &s->undone[--s->n_undone];
    const cmd_result *r = run_one(s, cmd);
    command_done(cmd);
    return r;
}

void session_set_quirk(session *s, int quirk, bool on)
{
    if (on)
        s->initial->conf.quirks |= 1u << quirk;
    else
        s->initial->conf.quirks &= ~(1u << quirk);
    replay(s, s->n_done);
}
