/*
 * diff.c - what changed between two sessions, command by command (diff.h).
 *
 * Both sessions ran the same commands (one cloud under two releases or
 * quirk sets, or two scenario files with the same steps).  For each
 * command: the outcome, the hosts the scheduler chose, and every host
 * whose fate in the command's last decision differs (matched by name:
 * the clouds may differ).  Fates are read from the decision records with
 * dec_host_fate(), the reading the summary, "why not" and the matrix use.
 */
#include "diff.h"

#include <string.h>

#include "decision.h"

static void chosen(const session *s, int k, sbuf *out)
{
    const cmd_result *r = &s->results[k];
    int first, n = dec_in_range(&s->t, r->trail_from, r->trail_to, &first);
    if (!n || !s->t.dec[first + n - 1].selected.n) {
        sbuf_add(out, "-");
        return;
    }
    const decision *d = &s->t.dec[first + n - 1];
    for (int i = 0; i < d->selected.n; i++)
        sbuf_addf(out, "%s%s", i ? ", " : "",
                  d->selected.v[i] < s->c->hosts.n ? s->c->hosts.v[d->selected.v[i]].name : "?");
}

static bool fate_of(const session *s, int k, const char *hn, sbuf *out)
{
    const cmd_result *r = &s->results[k];
    int h = cloud_host(s->c, hn);
    int first, n = dec_in_range(&s->t, r->trail_from, r->trail_to, &first);
    if (h < 0) {
        sbuf_add(out, "(no such host)");
        return false;
    }
    if (!n) {
        sbuf_add(out, "(no decision)");
        return false;
    }
    dec_host_fate(&s->t, s->c, r->trail_from, first + n - 1, r->trail_to, h, false, out);
    return true;
}

session *session_rerun(const session *s)
{
    session *n = session_new(session_cloud_at(s, 0));
    for (int k = 0; k < s->n_done; k++)
        session_exec(n, &s->done[k]);
    return n;
}

int session_diff(const session *a, const session *b, sbuf *out)
{
    int steps = a->n_done < b->n_done ? a->n_done : b->n_done;
    int differ = 0;
    for (int k = 0; k < steps; k++) {
        const cmd_result *ra = &a->results[k], *rb = &b->results[k];
        sbuf body = {0}, x = {0}, y = {0};
        const char *oa = ra->outcome ? ra->outcome : "ok", *ob = rb->outcome ? rb->outcome : "ok";
        if (strcmp(oa, ob) != 0)
            sbuf_addf(&body, "  outcome: %s -> %s\n", oa, ob);
        else if (!nv_streq(ra->message, rb->message))
            sbuf_addf(&body, "  message: %s -> %s\n", ra->message ? ra->message : "-",
                      rb->message ? rb->message : "-");
        chosen(a, k, &x);
        chosen(b, k, &y);
        if (strcmp(x.s, y.s) != 0)
            sbuf_addf(&body, "  chosen: %s -> %s\n", x.s, y.s);
        /* hosts of either cloud, in the first one's order, then the second's new ones */
        for (int side = 0; side < 2; side++) {
            const cloud *c = side ? b->c : a->c;
            for (int h = 0; h < c->hosts.n; h++) {
                const char *hn = c->hosts.v[h].name;
                if (side && cloud_host(a->c, hn) >= 0)
                    continue;
                sbuf_reset(&x);
                sbuf_reset(&y);
                bool da = fate_of(a, k, hn, &x), db = fate_of(b, k, hn, &y);
                if ((da || db) && strcmp(x.s, y.s) != 0)
                    sbuf_addf(&body, "  %s: %s -> %s\n", hn, x.s, y.s);
            }
        }
        if (body.len) {
            sbuf cf = {0};
            command_format(&a->done[k], &cf);
            sbuf_addf(out, "step %d: %s\n%s", k + 1, cf.s ? cf.s : "", body.s);
            sbuf_free(&cf);
            differ++;
        }
        sbuf_free(&body);
        sbuf_free(&x);
        sbuf_free(&y);
    }
    if (a->n_done != b->n_done) {
        sbuf_addf(out, "commands: %d -> %d\n", a->n_done, b->n_done);
        differ++;
    }
    return differ;
}
