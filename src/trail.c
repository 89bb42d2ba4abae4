/*
 * trail.c - decision trail storage and its renderers (see trail.h).
 *
 * Text follows Nova's log vocabulary ("Filter ComputeFilter returned 2
 * host(s)", "Skipping host: host2 because: ...").  JSON follows the event
 * kinds of the scenario format: every event is one object with "kind".
 */
#include "trail.h"

#include "decision.h"
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ev_kind_names[EV_KIND_COUNT] = {
    "request", "placement", "filter", "weigh", "select", "claim",
    "check", "migration", "quirk", "error", "note"};

static void hostnames_unref(hostnames *hn)
{
    if (!hn || --hn->refs > 0)
        return;
    for (int i = 0; i < hn->n; i++)
        free(hn->v[i]);
    free(hn->v);
    free(hn);
}

static void event_free(event *e)
{
    free(e->name);
    free(e->message);
    free(e->host);
    free(e->json);
    free(e->text);
    free(e->rejected.v);
    strlist_free(&e->strs);
    intvec_free(&e->candidates);
    strlist_free(&e->hosts);
    strlist_free(&e->weighers);
    free(e->weights.host);
    free(e->weights.weight);
    free(e->weights.part);
    free(e->weights.param);
    free(e->weights.raw);
    free(e->weights.rank);
    free(e->weights.pos);
    hostnames_unref(e->hn);
}

void trail_clear(trail *t)
{
    for (int i = 0; i < t->n; i++)
        event_free(&t->v[i]);
    t->n = 0;
    for (int k = 0; k < t->n_dec; k++)
        decision_free(&t->dec[k]);
    t->n_dec = 0;
}

void trail_truncate(trail *t, int n)
{
    if (n < 0 || n >= t->n)
        return;
    for (int i = n; i < t->n; i++)
        event_free(&t->v[i]);
    t->n = n;
    while (t->n_dec > 0 && t->dec[t->n_dec - 1].ev_request >= n)
        decision_free(&t->dec[--t->n_dec]);
}

void trail_free(trail *t)
{
    trail_clear(t);
    hostnames_unref(t->hn);
    t->hn = NULL;
    free(t->v);
    t->v = NULL;
    t->cap = 0;
    free(t->dec);
    t->dec = NULL;
    t->cap_dec = 0;
}

event *trail_add(trail *t, enum ev_kind kind)
{
    NV_GROW(*t);
    event *e = &t->v[t->n++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->hn = t->hn;
    if (e->hn)
        e->hn->refs++;
    return e;
}

/* The last table made, kept for the next trail that asks for the same
 * hosts (a host_gen is never reused: the same gen, the same names): a new
 * session on a copy of a cloud shares its names instead of copying them. */
static hostnames *last_hn;

void trail_use_hosts(trail *t, const cloud *c)
{
    if (t->hn && t->hn->gen == c->host_gen && t->hn->n == c->hosts.n)
        return;
    hostnames_unref(t->hn);
    if (last_hn && last_hn->gen == c->host_gen && last_hn->n == c->hosts.n) {
        t->hn = last_hn;
        last_hn->refs++;
        return;
    }
    hostnames_unref(last_hn);
    hostnames *hn = nv_calloc(1, sizeof *hn);
    hn->refs = 1;
    hn->gen = c->host_gen;
    hn->n = c->hosts.n;
    hn->v = nv_calloc((size_t)hn->n, sizeof *hn->v);
    for (int i = 0; i < hn->n; i++)
        hn->v[i] = nv_strdup(c->hosts.v[i].name);
    t->hn = hn;
    last_hn = hn;
    hn->refs++;
}

const char *event_host(const event *e, int h)
{
    return e->hn && h >= 0 && h < e->hn->n ? e->hn->v[h] : "?";
}

/* A filter's rejections mostly repeat their names: the last few are
 * looked at. */
int event_intern(event *e, const char *s)
{
    for (int k = e->strs.n - 1; k >= 0 && k >= e->strs.n - 4; k--)
        if (!strcmp(e->strs.v[k], s))
            return k;
    strlist_push(&e->strs, s);
    return e->strs.n - 1;
}

void event_rejects_reserve(event *e, int more)
{
    if (more > 0 && e->rejected.n + more > e->rejected.cap) {
        e->rejected.cap = e->rejected.n + more;
        e->rejected.v = nv_realloc(e->rejected.v, (size_t)e->rejected.cap * sizeof *e->rejected.v);
    }
}

const char *event_reject_host(const event *e, int i)
{
    return event_host(e, e->rejected.v[i].host);
}

void event_reject_reason(const event *e, int i, sbuf *out)
{
    const ev_reject *x = &e->rejected.v[i];
    const char *names[REASON_NS];
    for (int k = 0; k < REASON_NS; k++)
        names[k] = x->s[k] >= 0 && x->s[k] < e->strs.n ? e->strs.v[x->s[k]] : NULL;
    reason_format(x->code, x->i, x->d, event_host(e, x->host), names, out);
}

/* n elements of `size` bytes, cleared unless the caller fills them all */
static void *block(size_t n, size_t size, bool filled)
{
    return filled ? nv_malloc(n * size) : nv_calloc(n, size);
}

void event_weights_alloc(event *e, int n, int k, bool filled, double *raw)
{
    ev_weights *w = &e->weights;
    w->n = n;
    w->k = k;
    size_t rows = (size_t)n, cells = rows * (size_t)k;
    w->host = block(rows, sizeof *w->host, filled);
    w->weight = block(rows, sizeof *w->weight, filled);
    w->part = NULL;    /* the weighing keeps them or says how to make them */
    w->param = NULL;
    /* a taken-over block is cut to its n rows (kept with the trail) */
    w->raw = raw ? nv_realloc(raw, cells * sizeof *w->raw) : block(cells, sizeof *w->raw, filled);
}

double event_weigh_part(const event *e, int row, int k)
{
    const ev_weights *w = &e->weights;
    size_t cell = (size_t)row * (size_t)w->k + (size_t)k;
    if (w->part)
        return w->part[cell];
    if (!w->param)
        return 0.0;
    const ev_wparam *p = &w->param[k];
    return weigh_part(p->mult, w->raw[cell], p->lo, p->span, p->flat);
}

typedef struct rank_key {
    double weight;
    int host, row;
} rank_key;

/* x before y: the higher weight first, equal weights in scenario order */
static inline bool rank_key_before(const rank_key *x, const rank_key *y)
{
    if (x->weight != y->weight)
        return x->weight > y->weight;
    return x->host < y->host;
}

/* k[0..n) in rank_key_before() order: a merge sort, bottom up, with the
 * comparison inline (qsort's call per comparison was most of rendering a
 * weighing of ten thousand hosts); tmp has room for n. */
static void rank_keys_sort(rank_key *k, rank_key *tmp, size_t n)
{
    enum { RUN = 16 };
    for (size_t lo = 0; lo < n; lo += RUN) {   /* short runs by insertion */
        size_t hi = lo + RUN < n ? lo + RUN : n;
        for (size_t i = lo + 1; i < hi; i++) {
            rank_key v = k[i];
            size_t j = i;
            for (; j > lo && rank_key_before(&v, &k[j - 1]); j--)
                k[j] = k[j - 1];
            k[j] = v;
        }
    }
    rank_key *src = k, *dst = tmp;
    for (size_t width = RUN; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t a = lo, b = mid, o = lo;
            while (a < mid && b < hi)   /* ties from the left: stable */
                dst[o++] = rank_key_before(&src[b], &src[a]) ? src[b++] : src[a++];
            while (a < mid)
                dst[o++] = src[a++];
            while (b < hi)
                dst[o++] = src[b++];
        }
        rank_key *t = src;
        src = dst;
        dst = t;
    }
    if (src != k)
        memcpy(k, src, n * sizeof *k);
}

/* The ranking of unranked rows: a cache of the event, filled on first
 * reading (hence the cast). */
static void weights_rank(const event *ce)
{
    ev_weights *w = &((event *)ce)->weights;
    if (w->rank)
        return;
    size_t n = (size_t)w->n;
    rank_key *k = nv_malloc(2 * n * sizeof *k);
    for (int i = 0; i < w->n; i++)
        k[i] = (rank_key){w->weight[i], w->host[i], i};
    rank_keys_sort(k, k + n, n);
    w->rank = nv_malloc(n * sizeof *w->rank);
    w->pos = nv_malloc(n * sizeof *w->pos);
    for (int i = 0; i < w->n; i++) {
        w->rank[i] = k[i].row;
        w->pos[k[i].row] = i;
    }
    free(k);
}

int event_weigh_row(const event *e, int r)
{
    if (!e->weights.unranked)
        return r;
    weights_rank(e);
    return e->weights.rank[r];
}

int event_weigh_rank(const event *e, int row)
{
    if (!e->weights.unranked)
        return row;
    weights_rank(e);
    return e->weights.pos[row];
}

void trail_check(trail *t, const char *name, const char *hostname, bool ok, const char *message)
{
    event *e = trail_add(t, EV_CHECK);
    e->name = nv_strdup(name);
    e->host = nv_strdup(hostname);
    e->ok = ok;
    e->message = nv_strdup(message);
}

void trail_migration(trail *t, int id, const char *from, const char *to)
{
    event *e = trail_add(t, EV_MIGRATION);
    e->in = id;
    e->name = nv_strdup(from);
    e->host = nv_strdup(to);
}

void trail_quirk(trail *t, const char *bug, const char *effect)
{
    event *e = trail_add(t, EV_QUIRK);
    e->name = nv_strdup(bug);
    e->message = nv_strdup(effect);
}

void trail_error(trail *t, const char *exception, const char *message)
{
    event *e = trail_add(t, EV_ERROR);
    e->name = nv_strdup(exception);
    e->message = nv_strdup(message);
}

void trail_note(trail *t, const char *fmt, ...)
{
    sbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    sbuf_vaddf(&b, fmt, ap);
    va_end(ap);
    event *e = trail_add(t, EV_NOTE);
    e->message = sbuf_take(&b);
}

event *trail_narrow(trail *t, const char *what, const strlist *hosts, const char *fmt, ...)
{
    sbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    sbuf_vaddf(&b, fmt, ap);
    va_end(ap);
    event *e = trail_add(t, EV_NOTE);
    e->message = sbuf_take(&b);
    e->name = nv_strdup(what);
    if (hosts)
        strlist_copy(&e->hosts, hosts);
    return e;
}

/* ---- text ------------------------------------------------------------------ */

static void fmt_num(sbuf *out, double d)
{
    char tmp[64];
    nv_fmt_double(tmp, sizeof tmp, d);
    sbuf_add(out, tmp);
}

/* One rejection's line; `scratch` holds the reason while it is written
 * (reused from line to line: a 10,000-host decision has thousands). */
static void reject_line(const event *e, int i, sbuf *scratch, sbuf *out)
{
    sbuf_reset(scratch);
    event_reject_reason(e, i, scratch);
    sbuf_add(out, "  ");
    sbuf_add_term(out, event_reject_host(e, i));
    sbuf_add(out, ": ");
    sbuf_add_term(out, scratch->s);
}

static void reject_lines(const event *e, sbuf *out)
{
    sbuf scratch = {0};
    for (int i = 0; i < e->rejected.n; i++) {
        reject_line(e, i, &scratch, out);
        sbuf_addc(out, '\n');
    }
    sbuf_free(&scratch);
}

/* "Weighed [WeighedHost [host: h, weight: w], ...]", best first */
static void weigh_head(const event *e, sbuf *out)
{
    sbuf_add(out, "Weighed [");
    for (int i = 0; i < e->weights.n; i++) {
        int row = event_weigh_row(e, i);
        /* appended piece by piece: a line of every weighed host */
        sbuf_add(out, i ? ", WeighedHost [host: " : "WeighedHost [host: ");
        sbuf_add_term(out, event_host(e, e->weights.host[row]));
        sbuf_add(out, ", weight: ");
        fmt_num(out, e->weights.weight[row]);
        sbuf_add(out, "]");
    }
    sbuf_add(out, "]");
}

/* "  h: RAMWeigher=1.0 CPUWeigher=0.5" for rank i */
static void weigh_parts(const event *e, int i, sbuf *out)
{
    int row = event_weigh_row(e, i);
    sbuf_add(out, "  ");
    sbuf_add_term(out, event_host(e, e->weights.host[row]));
    sbuf_addc(out, ':');
    for (int k = 0; k < e->weighers.n; k++) {
        sbuf_addc(out, ' ');
        sbuf_add_term(out, e->weighers.v[k]);
        sbuf_addc(out, '=');
        fmt_num(out, event_weigh_part(e, row, k));
    }
}

void event_text(const event *e, sbuf *out)
{
    /* names and messages are escaped for a terminal (util.h); JSON is not */
    switch (e->kind) {
    case EV_REQUEST:
        sbuf_term_addf(out, "%s\n", e->text ? e->text : "request");
        break;
    case EV_PLACEMENT:
        sbuf_term_addf(out, "Placement: %s\n", e->text ? e->text : "");
        sbuf_term_addf(out, "Placement returned %d allocation candidate(s) of %d host(s)\n", e->out,
                  e->in);
        reject_lines(e, out);
        break;
    case EV_FILTER:
        if (e->out)
            sbuf_term_addf(out, "Filter %s returned %d host(s)\n", e->name, e->out);
        else
            sbuf_term_addf(out, "Filter %s returned 0 hosts\n", e->name);
        reject_lines(e, out);
        break;
    case EV_WEIGH:
        weigh_head(e, out);
        sbuf_add(out, "\n");
        if (e->weights.n > 1)
            for (int i = 0; i < e->weights.n; i++) {
                weigh_parts(e, i, out);
                sbuf_add(out, "\n");
            }
        break;
    case EV_SELECT:
        sbuf_term_addf(out, "Selected host: %s for %s", e->host, e->name ? e->name : "instance");
        if (e->hosts.n) {
            sbuf_add(out, "; alternates: ");
            for (int i = 0; i < e->hosts.n; i++)
                sbuf_term_addf(out, "%s%s", i ? ", " : "", e->hosts.v[i]);
        }
        sbuf_add(out, "\n");
        break;
    case EV_CLAIM:
        if (e->ok)
            sbuf_term_addf(out, "Claimed resources on %s\n", e->host);
        else
            sbuf_term_addf(out, "Unable to claim resources on %s: %s\n", e->host,
                      e->message ? e->message : "");
        break;
    case EV_CHECK:
        if (e->ok)
            sbuf_term_addf(out, "Check %s on %s: ok\n", e->name, e->host ? e->host : "-");
        else if (e->name && !strcmp(e->name, "check_can_live_migrate_destination"))
            sbuf_term_addf(out, "Skipping host: %s because: %s\n", e->host ? e->host : "-",
                      e->message ? e->message : "");
        else
            sbuf_term_addf(out, "Check %s on %s failed: %s\n", e->name, e->host ? e->host : "-",
                      e->message ? e->message : "");
        break;
    case EV_MIGRATION:
        sbuf_term_addf(out, "Migration %d: %s -> %s\n", e->in, e->name ? e->name : "new", e->host);
        break;
    case EV_QUIRK:
        sbuf_term_addf(out, "Quirk %s: %s\n", e->name, e->message);
        break;
    case EV_ERROR:
        sbuf_term_addf(out, "%s: %s\n", e->name, e->message);
        break;
    case EV_NOTE:
        sbuf_term_addf(out, "%s\n", e->message);
        break;
    default:
        break;
    }
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

int event_lines(const event *e)
{
    switch (e->kind) {
    case EV_PLACEMENT: return 2 + e->rejected.n;
    case EV_FILTER: return 1 + e->rejected.n;
    case EV_WEIGH: return 1 + (e->weights.n > 1 ? e->weights.n : 0);
    case EV_NOTE: {
        /* "%s\n" with the message's control characters escaped: one line,
         * without rendering it (a what-if at 100,000 hosts has as many
         * notes, and the trail pane counts them after every command) */
#ifdef NV_CHECK_STATES
        sbuf b = {0};
        event_text(e, &b);
        if (count_lines(b.s) != 1)
            nv_fatal("a note of %d lines: %s", count_lines(b.s), b.s ? b.s : "");
        sbuf_free(&b);
#endif
        return 1;
    }
    default: {
        sbuf b = {0};
        event_text(e, &b);
        int n = count_lines(b.s);
        sbuf_free(&b);
        return n;
    }
    }
}


void event_line(const event *e, int k, sbuf *out)
{
    sbuf b = {0};
    switch (e->kind) {
    case EV_PLACEMENT:
        if (k >= 2 && k - 2 < e->rejected.n) {
            reject_line(e, k - 2, &b, out);
            sbuf_free(&b);
            return;
        }
        if (k < 2) {
            event head = *e;
            head.rejected.n = 0;
            event_text(&head, &b);
            goto first;
        }
        break;
    case EV_FILTER:
        if (k >= 1 && k - 1 < e->rejected.n) {
            reject_line(e, k - 1, &b, out);
            sbuf_free(&b);
            return;
        }
        if (k == 0) {
            event_text(&(event){.kind = EV_FILTER, .name = e->name, .out = e->out}, &b);
            goto first;
        }
        break;
    case EV_WEIGH:
        /* one host weighed: a single line, without a part line */
        if (e->weights.n < 2)
            break;
        if (k == 0) {
            /* the first line only, without the per-host part lines */
            weigh_head(e, out);
            return;
        }
        if (k - 1 < e->weights.n) {
            weigh_parts(e, k - 1, out);
            return;
        }
        break;
    default:
        break;
    }
    /* the other kinds (and Placement's two heading lines) are short */
    event_text(e, &b);
first:;
    const char *p = b.s ? b.s : "";
    for (int i = 0; i < k && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (p) {
        const char *nl = strchr(p, '\n');
        sbuf_addf(out, "%.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
    }
    sbuf_free(&b);
}

void trail_text(const trail *t, int from, sbuf *out)
{
    for (int i = from; i < t->n; i++)
        event_text(&t->v[i], out);
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_rejected(const event *e, sbuf *out)
{
    sbuf_add(out, "\"rejected\": [");
    sbuf r = {0};
    for (int i = 0; i < e->rejected.n; i++) {
        sbuf_add(out, i ? ", {\"host\": " : "{\"host\": ");
        sbuf_json_str(out, event_reject_host(e, i));
        sbuf_add(out, ", \"reason\": ");
        sbuf_reset(&r);
        event_reject_reason(e, i, &r);
        sbuf_json_str(out, r.s ? r.s : "");
        sbuf_add(out, "}");
    }
    sbuf_free(&r);
    sbuf_add(out, "]");
}

static void json_hosts(const strlist *l, sbuf *out)
{
    sbuf_addc(out, '[');
    for (int i = 0; i < l->n; i++) {
        if (i)
            sbuf_add(out, ", ");
        sbuf_json_str(out, l->v[i]);
    }
    sbuf_addc(out, ']');
}

void event_json(const event *e, sbuf *out)
{
    sbuf_add(out, "{\"kind\": ");
    sbuf_json_str(out, ev_kind_names[e->kind]);
    switch (e->kind) {
    case EV_REQUEST:
        sbuf_add(out, ", \"spec\": ");
        sbuf_add(out, e->json ? e->json : "{}");
        break;
    case EV_PLACEMENT:
        if (e->json) {
            sbuf_add(out, ", ");
            sbuf_add(out, e->json);
        }
        sbuf_add(out, ", \"candidates\": [");
        for (int i = 0; i < e->candidates.n; i++) {
            if (i)
                sbuf_add(out, ", ");
            sbuf_json_str(out, event_host(e, e->candidates.v[i]));
        }
        sbuf_addc(out, ']');
        sbuf_add(out, ", ");
        json_rejected(e, out);
        break;
    case EV_FILTER:
        sbuf_add(out, ", \"name\": ");
        sbuf_json_str(out, e->name);
        sbuf_addf(out, ", \"in\": %d, \"out\": %d, ", e->in, e->out);
        json_rejected(e, out);
        break;
    case EV_WEIGH:
        sbuf_add(out, ", \"hosts\": [");
        for (int i = 0; i < e->weights.n; i++) {
            int row = event_weigh_row(e, i);
            sbuf_add(out, i ? ", {\"host\": " : "{\"host\": ");
            sbuf_json_str(out, event_host(e, e->weights.host[row]));
            sbuf_add(out, ", \"weight\": ");
            sbuf_json_num(out, e->weights.weight[row]);
            sbuf_add(out, ", \"parts\": {");
            for (int k = 0; k < e->weighers.n; k++) {
                if (k)
                    sbuf_add(out, ", ");
                sbuf_json_str(out, e->weighers.v[k]);
                sbuf_add(out, ": ");
                sbuf_json_num(out, event_weigh_part(e, row, k));
            }
            sbuf_add(out, "}}");
        }
        sbuf_add(out, "]");
        break;
    case EV_SELECT:
        sbuf_add(out, ", \"host\": ");
        sbuf_json_str(out, e->host);
        sbuf_add(out, ", \"server\": ");
        sbuf_json_str(out, e->name);
        sbuf_add(out, ", \"alternates\": ");
        json_hosts(&e->hosts, out);
        break;
    case EV_CLAIM:
        sbuf_add(out, ", \"host\": ");
        sbuf_json_str(out, e->host);
        sbuf_addf(out, ", \"ok\": %s", e->ok ? "true" : "false");
        if (e->message) {
            sbuf_add(out, ", \"reason\": ");
            sbuf_json_str(out, e->message);
        }
        break;
    case EV_CHECK:
        sbuf_add(out, ", \"name\": ");
        sbuf_json_str(out, e->name);
        sbuf_add(out, ", \"host\": ");
        sbuf_json_str(out, e->host);
        sbuf_addf(out, ", \"ok\": %s, \"message\": ", e->ok ? "true" : "false");
        sbuf_json_str(out, e->message);
        break;
    case EV_MIGRATION:
        sbuf_addf(out, ", \"id\": %d, \"from\": ", e->in);
        sbuf_json_str(out, e->name);
        sbuf_add(out, ", \"to\": ");
        sbuf_json_str(out, e->host);
        break;
    case EV_QUIRK:
        sbuf_add(out, ", \"bug\": ");
        sbuf_json_str(out, e->name);
        sbuf_add(out, ", \"effect\": ");
        sbuf_json_str(out, e->message);
        break;
    case EV_ERROR:
        sbuf_add(out, ", \"exception\": ");
        sbuf_json_str(out, e->name);
        sbuf_add(out, ", \"message\": ");
        sbuf_json_str(out, e->message);
        break;
    case EV_NOTE:
        sbuf_add(out, ", \"message\": ");
        sbuf_json_str(out, e->message);
        if (e->name) {
            sbuf_add(out, ", \"narrow\": ");
            sbuf_json_str(out, e->name);
            sbuf_add(out, ", \"hosts\": ");
            json_hosts(&e->hosts, out);
        }
        break;
    default:
        break;
    }
    sbuf_add(out, "}");
}

void trail_json(const trail *t, int from, int to, sbuf *out)
{
    sbuf_add(out, "[");
    for (int i = from; i < to && i < t->n; i++) {
        if (i > from)
            sbuf_add(out, ", ");
        event_json(&t->v[i], out);
    }
    sbuf_add(out, "]");
}
