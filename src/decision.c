/*
 * decision.c - the decision record (see decision.h): writing, for the
 * scheduler, and the readers every view shares (summary, a host's fate).
 */
#include "decision.h"

#include <stdlib.h>
#include <string.h>

#include "scheduler.h"

const char *const dec_narrow_names[DN_COUNT] = {"", "cell", "requested_destination",
                                                "ignore_hosts", "force_hosts"};

/* ---- writing ---------------------------------------------------------------------- */

decision *dec_open(trail *t, int n_hosts, bool blank)
{
    if (t->n_dec >= t->cap_dec) {
        t->cap_dec = t->cap_dec ? t->cap_dec * 2 : 8;
        t->dec = nv_realloc(t->dec, (size_t)t->cap_dec * sizeof *t->dec);
    }
    decision *d = &t->dec[t->n_dec++];
    memset(d, 0, sizeof *d);
    d->ev_request = t->n - 1;
    d->ev_placement = -1;
    d->ev_error = -1;
    d->n_hosts = n_hosts;
    d->host = nv_malloc((size_t)(n_hosts ? n_hosts : 1) * sizeof *d->host);
#ifdef NV_CHECK_STATES
    /* checks: an entry the caller forgets to blank reads as garbage */
    memset(d->host, 0xa5, (size_t)n_hosts * sizeof *d->host);
#endif
    if (blank)
        dec_hosts_blank(d);
    d->candidates = n_hosts;
    d->instance = -1;
    return d;
}

void dec_hosts_blank(decision *d)
{
    /* one pass over the hosts (not a clear, then another) */
    for (int h = 0; h < d->n_hosts; h++)
        dec_host_blank(d, h);
}

int dec_server(const decision *d)
{
    for (int p = d->n_pass - 1; p >= 0; p--)
        if (d->pass[p].server >= 0)
            return d->pass[p].server;
    return d->instance;
}

decision *dec_current(trail *t)
{
    return t->n_dec ? &t->dec[t->n_dec - 1] : NULL;
}

void dec_placement_reject(decision *d, int h, int ev, int rix)
{
    dec_host *x = &d->host[h];
    x->fate = DF_PLACEMENT;
    x->ev = ev;
    x->rix = rix;
}

void dec_narrowed(decision *d, int h, enum dec_narrow why, int ev)
{
    dec_host *x = &d->host[h];
    if (x->fate == DF_NARROWED)
        return;
    x->fate = DF_NARROWED;
    x->narrow = (unsigned char)why;
    x->pass = (short)d->n_pass;
    x->ev = ev;
    d->narrowed[why]++;
}

dec_pass *dec_pass_begin(decision *d, int sid)
{
    if (d->n_pass >= d->cap_pass) {
        d->cap_pass = d->cap_pass ? d->cap_pass * 2 : 4;
        d->pass = nv_realloc(d->pass, (size_t)d->cap_pass * sizeof *d->pass);
    }
    dec_pass *p = &d->pass[d->n_pass++];
    memset(p, 0, sizeof *p);
    p->server = sid;
    p->ev_first = -1;
    p->ev_weigh = -1;
    return p;
}

void dec_filter_reject(decision *d, int h, int ev, int rix)
{
    dec_host *x = &d->host[h];
    x->fate = DF_FILTERED;
    x->pass = (short)d->n_pass;
    x->ev = ev;
    x->rix = rix;
}

void dec_weighed(decision *d, int ev, const int *hosts, int n, bool rows_set)
{
    if (!d->n_pass)
        dec_pass_begin(d, -1);
    dec_pass *p = &d->pass[d->n_pass - 1];
    p->ev_weigh = ev;
    if (p->ev_first < 0)
        p->ev_first = ev;
    /* a place is that of the last weighing: earlier ones no longer count */
    d->weigh_pass = d->n_pass;
#ifdef NV_CHECK_STATES
    for (int i = 0; i < n && rows_set; i++)
        if (d->host[hosts[i]].row != i + 1 || d->host[hosts[i]].weighed != d->n_pass)
            nv_fatal("host %d: its row in the weighing was not set as it was weighed", hosts[i]);
#endif
    for (int i = 0; i < n && !rows_set; i++) {
        d->host[hosts[i]].row = i + 1;
        d->host[hosts[i]].weighed = (short)d->n_pass;
    }
}

void dec_claim(decision *d, int h, bool ok)
{
    if (ok)
        d->host[h].claimed++;
    else
        d->host[h].claim_failed++;
}

void dec_select(decision *d, int sid, int h, const intvec *alternates)
{
    intvec_push(&d->servers, sid);
    intvec_push(&d->selected, h);
    d->host[h].selected++;
    for (int i = 0; alternates && i < alternates->n; i++)
        d->host[alternates->v[i]].alternate++;
}

void dec_error(decision *d, int ev)
{
    if (d->ev_error < 0)
        d->ev_error = ev;
}

void decision_free(decision *d)
{
    free(d->host);
    free(d->pass);
    intvec_free(&d->servers);
    intvec_free(&d->selected);
    memset(d, 0, sizeof *d);
}

/* ---- reading ---------------------------------------------------------------------- */

int dec_in_range(const trail *t, int from, int to, int *first)
{
    int n = 0;
    *first = -1;
    for (int k = 0; k < t->n_dec; k++)
        if (t->dec[k].ev_request >= from && t->dec[k].ev_request < to) {
            if (*first < 0)
                *first = k;
            n++;
        }
    return n;
}

int dec_end(const trail *t, int k, int to)
{
    if (to > t->n)
        to = t->n;
    if (k + 1 < t->n_dec && t->dec[k + 1].ev_request < to)
        return t->dec[k + 1].ev_request;
    return to;
}

int dec_rank(const trail *t, const decision *d, int h, int *of)
{
    if (of)
        *of = 0;
    if (h < 0 || h >= d->n_hosts || !d->weigh_pass)
        return 0;
    const dec_host *x = &d->host[h];
    const dec_pass *p = &d->pass[d->weigh_pass - 1];
    if (!x->row || x->weighed != d->weigh_pass || p->ev_weigh < 0 || p->ev_weigh >= t->n)
        return 0;
    const event *e = &t->v[p->ev_weigh];
    if (x->row > e->weights.n)
        return 0;
    if (of)
        *of = e->weights.n;
    return event_weigh_rank(e, x->row - 1) + 1;
}

static int dec_first(const trail *t, int from)
{
    for (int k = 0; k < t->n_dec; k++)
        if (t->dec[k].ev_request >= from)
            return k;
    return t->n_dec;
}

static int passed_count(const trail *t, const decision *d)
{
    /* hosts left after the last stage that ran */
    if (d->n_pass) {
        const dec_pass *p = &d->pass[d->n_pass - 1];
        (void)t;
        return p->passed;
    }
    int n = d->candidates;
    for (int w = 0; w < DN_COUNT; w++)
        n -= d->narrowed[w];
    return n < 0 ? 0 : n;
}

void dec_summary(const trail *t, const cloud *c, int from, int to, sbuf *out)
{
    int first, n = dec_in_range(t, from, to, &first);
    if (!n) {
        sbuf_add(out, "no scheduling decision");
        return;
    }
    int k = first + n - 1;
    const decision *d = &t->dec[k];
    int end = dec_end(t, k, to);
    int rejected_placement = 0;
    if (d->ev_placement >= 0)
        rejected_placement = t->v[d->ev_placement].rejected.n;
    int total = d->ev_placement >= 0 ? t->v[d->ev_placement].in : d->n_hosts;
    sbuf parts = {0};
    if (rejected_placement)
        sbuf_addf(&parts, "%d Placement", rejected_placement);
    static const enum dec_narrow order[] = {DN_CELL, DN_DEST, DN_IGNORE, DN_FORCE};
    for (int i = 0; i < 4; i++)
        if (d->narrowed[order[i]])
            sbuf_addf(&parts, "%s%d %s", parts.len ? ", " : "", d->narrowed[order[i]],
                      dec_narrow_names[order[i]]);
    /* filters by name, in the order they first rejected (a multi-create
     * runs them once per instance) */
    strlist names = {0};
    intvec counts = {0};
    for (int i = d->ev_request; i < end; i++) {
        const event *e = &t->v[i];
        if (e->kind != EV_FILTER || !e->rejected.n)
            continue;
        int ix = strlist_find(&names, e->name);
        if (ix < 0) {
            strlist_push(&names, e->name);
            intvec_push(&counts, 0);
            ix = names.n - 1;
        }
        counts.v[ix] += e->rejected.n;
    }
    for (int i = 0; i < names.n; i++)
        sbuf_addf(&parts, "%s%d %s", parts.len ? ", " : "", counts.v[i], names.v[i]);
    strlist_free(&names);
    intvec_free(&counts);
    int passed = passed_count(t, d);
    bool selected = d->selected.n > 0;
    /* a placed request: the hosts that passed the whole pipeline for its
     * first instance */
    int first_passed = d->n_pass ? d->pass[0].passed : passed;
    sbuf_addf(out, "%d/%d hosts", selected ? (first_passed < 1 ? 1 : first_passed) : 0, total);
    if (parts.len)
        sbuf_addf(out, ": %s", parts.s);
    if (selected) {
        sbuf_addf(out, "; selected %s", c && d->selected.v[0] < c->hosts.n
                                            ? c->hosts.v[d->selected.v[0]].name : "?");
        if (d->selected.n > 1 && c) {
            sbuf_addf(out, " (%s)", d->servers.v[0] < c->servers.n
                                        ? c->servers.v[d->servers.v[0]].name : "?");
            for (int i = 1; i < d->selected.n; i++)
                sbuf_addf(out, ", %s (%s)",
                          d->selected.v[i] < c->hosts.n ? c->hosts.v[d->selected.v[i]].name : "?",
                          d->servers.v[i] < c->servers.n ? c->servers.v[d->servers.v[i]].name
                                                         : "?");
        }
    } else if (passed > 0 && d->ev_error >= 0) {
        sbuf_addf(out, "; %d passed the filters, then: %s", passed, t->v[d->ev_error].message);
    }
    sbuf_free(&parts);
}

static const char *narrow_text(enum dec_narrow w)
{
    switch (w) {
    case DN_CELL: return "other cell (cell restriction)";
    case DN_DEST: return "not the requested destination";
    case DN_IGNORE: return "ignored (ignore_hosts)";
    case DN_FORCE: return "not a forced host";
    default: return "narrowed out before the filters";
    }
}

/* 1-based pass of event i in record d (0 before the first pass) */
static int pass_of(const decision *d, int i)
{
    int p = 0;
    for (int k = 0; k < d->n_pass; k++)
        if (d->pass[k].ev_first >= 0 && d->pass[k].ev_first <= i)
            p = k + 1;
    return p;
}

static bool names(const cloud *c, const event *e, int h)
{
    return e->host && cloud_host(c, e->host) == h;
}

enum dec_tone dec_host_fate(const trail *t, const cloud *c, int from, int k, int to, int h,
                            bool detail, sbuf *out)
{
    const decision *d = &t->dec[k];
    if (h < 0 || h >= d->n_hosts) {
        sbuf_add(out, "not in the cloud at the time of this decision");
        return DT_DIM;
    }
    const dec_host *x = &d->host[h];
    int ranked, rank = dec_rank(t, d, h, &ranked);
    int end = dec_end(t, k, to);
    bool multi = d->n_pass > 1;
    sbuf story = {0}, after = {0};
    bool failed = false;
    enum dec_tone tone = DT_NORMAL;
    /* claims and the conductor's checks, in order */
    for (int i = d->ev_request; i < end; i++) {
        const event *e = &t->v[i];
        if ((e->kind != EV_CLAIM && e->kind != EV_CHECK) || !names(c, e, h))
            continue;
        if (e->ok) {
            if (e->kind == EV_CLAIM && !x->selected && !x->alternate) {
                sbuf_addf(&story, "%sclaimed", story.len ? ", then " : "");
                if (multi)
                    sbuf_addf(&story, " (pass %d)", pass_of(d, i));
            }
            continue;
        }
        const char *what = e->kind == EV_CLAIM ? "the claim" : e->name;
        bool later = x->selected || x->alternate;
        sbuf *b = later ? &after : &story;
        sbuf_addf(b, "%s%s failed", b->len || later ? ", then " : "", what);
        if (multi && e->kind == EV_CLAIM && !later)
            sbuf_addf(b, " (pass %d)", pass_of(d, i));
        sbuf_addf(b, ": %s", e->message ? e->message : "");
        failed = true;
    }
    if (x->selected) {
        sbuf_add(out, "selected");
        if (d->selected.n > 1) {
            bool first = true;
            for (int i = 0; i < d->selected.n; i++)
                if (d->selected.v[i] == h) {
                    sbuf_addf(out, "%s%s", first ? " for " : ", ",
                              c->servers.v[d->servers.v[i]].name);
                    first = false;
                }
        }
        if (after.len)
            sbuf_add(out, after.s);
        tone = after.len ? DT_FAILED : DT_SELECTED;
    } else if (x->alternate) {
        sbuf_add(out, "alternate");
        if (after.len)
            sbuf_add(out, after.s);
        tone = after.len ? DT_FAILED : DT_NORMAL;
    } else if (x->fate == DF_NARROWED) {
        sbuf_add(out, narrow_text((enum dec_narrow)x->narrow));
        tone = DT_DIM;
        /* the conductor's retries: an earlier decision of this command
         * picked the host and a check or claim failed there */
        for (int j = 0; j < k && x->narrow == DN_IGNORE; j++) {
            int jend = dec_end(t, j, to);
            if (t->dec[j].ev_request < from)
                continue;
            for (int i = t->dec[j].ev_request; i < jend; i++) {
                const event *e = &t->v[i];
                if ((e->kind == EV_CHECK || e->kind == EV_CLAIM) && !e->ok && names(c, e, h)) {
                    sbuf_reset(out);
                    sbuf_addf(out, "%s: decision %d picked it, %s failed",
                              narrow_text(DN_IGNORE), j - dec_first(t, from) + 1,
                              e->kind == EV_CLAIM ? "the claim" : e->name);
                }
            }
        }
    } else if (x->fate == DF_PLACEMENT || x->fate == DF_FILTERED) {
        const event *e = x->ev >= 0 && x->ev < t->n ? &t->v[x->ev] : NULL;
        sbuf_add(out, story.s ? story.s : "");
        sbuf_addf(out, "%srejected by %s", story.len ? ", then " : "",
                  x->fate == DF_PLACEMENT ? "Placement" : e && e->name ? e->name : "a filter");
        if (multi && x->fate == DF_FILTERED && x->pass)
            sbuf_addf(out, " (pass %d)", x->pass);
        if (detail && e && x->rix >= 0 && x->rix < e->rejected.n) {
            sbuf_add(out, ": ");
            event_reject_reason(e, x->rix, out);
        }
        tone = DT_REJECTED;
    } else if (x->fate == DF_NOT_CANDIDATE) {
        sbuf_add(out, "not a Placement candidate");
        tone = DT_DIM;
    } else {
        if (story.len) {
            sbuf_add(out, story.s);
        } else if (rank) {
            char w[64] = "";
            if (detail && d->n_pass && d->pass[d->n_pass - 1].ev_weigh >= 0) {
                const event *we = &t->v[d->pass[d->n_pass - 1].ev_weigh];
                if (x->row - 1 < we->weights.n)
                    nv_fmt_double(w, sizeof w, we->weights.weight[x->row - 1]);
            }
            sbuf_addf(out, "%s%s%s (weight rank %d of %d)",
                      d->ev_error >= 0 && !d->selected.n ? "weighed" : "passed, not chosen",
                      w[0] ? ": weight " : "", w, rank, ranked);
        } else if (d->n_pass) {
            sbuf_add(out, "passed the filters");
        } else if (d->ev_placement >= 0) {
            sbuf_add(out, "passed Placement");
        } else {
            sbuf_add(out, "-");
            tone = DT_DIM;
        }
    }
    if (failed && tone != DT_SELECTED)
        tone = DT_FAILED;
    if (!x->selected && !x->alternate && d->ev_error >= 0 && !d->selected.n &&
        (x->claimed || rank)) {
        sbuf_addf(out, "%s%s", x->claimed ? ", undone: " : ", then ",
                  t->v[d->ev_error].name ? t->v[d->ev_error].name : "error");
        tone = DT_FAILED;
    }
    sbuf_free(&story);
    sbuf_free(&after);
    return tone;
}
