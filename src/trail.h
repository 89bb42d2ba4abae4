/*
 * trail.h - the decision trail: structured events appended by placement,
 * the scheduler and the conductor, rendered as Nova-style log text or JSON.
 *
 * Events own their strings.  Per-host detail is kept only where it is the
 * point (rejections, weights), as data: a filter event stores its in/out
 * counts and per rejected host its id, a reason code and the reason's
 * numbers (reason.h); a weigh event the weighers' n x k block by host id.
 * Host ids are named through the event's shared hostnames; the words are
 * made by the renderers, for the lines or output asked for.
 */
#ifndef NOVALID_TRAIL_H
#define NOVALID_TRAIL_H

#include "reason.h"
#include "util.h"
#include <string.h>

enum ev_kind {
    EV_REQUEST, EV_PLACEMENT, EV_FILTER, EV_WEIGH, EV_SELECT, EV_CLAIM,
    EV_CHECK, EV_MIGRATION, EV_QUIRK, EV_ERROR, EV_NOTE, EV_KIND_COUNT
};
extern const char *const ev_kind_names[EV_KIND_COUNT];

/* The host names by id as they were when events were recorded, shared by
 * the events of every request made while the cloud's hosts stayed the
 * same (cloud.host_gen); events name hosts by id through it. */
typedef struct hostnames {
    int refs;
    unsigned gen;
    int n;
    char **v;
} hostnames;

/* A rejected host: its id, the reason code and numbers, and the reason's
 * names as indexes into the event's string pool `strs` (-1: none).  The
 * words are made by reason_format() when read. */
typedef struct ev_reject {
    int host;
    int code;                   /* enum reason_code */
    int s[REASON_NS];
    int64_t i[REASON_NI];
    double d[REASON_ND];
} ev_reject;
typedef struct ev_reject_vec { ev_reject *v; int n, cap; } ev_reject_vec;

/* One weigher's normalisation in a weighing: a host's part is
 * weigh_part(mult, raw, lo, span, flat). */
typedef struct ev_wparam {
    double lo, span, mult;
    bool flat;                  /* every host had the same raw value */
} ev_wparam;

/* Nova's part of one weigher in a host's weight: the multiplier times the
 * normalised raw value (+ 0.0: a negative multiplier times 0 is 0, never
 * -0.0).  The one expression the weighing and its readers use. */
static inline double weigh_part(double mult, double raw, double lo, double span, bool flat)
{
    return mult * (flat ? 0.0 : (raw - lo) / span) + 0.0;
}

/* The weighers' block: n weighed hosts by k weighers, by host id. */
typedef struct ev_weights {
    int n, k;
    int *host;                  /* n host ids, in the order they were weighed */
    double *weight;             /* n totals */
    /* the parts: kept (n x k, a row per host) only when some weigher's
     * multiplier differs from host to host; else made from raw and the k
     * weighers' param; all 0.0 when neither (one host weighed) */
    double *part;
    ev_wparam *param;
    double *raw;                /* n x k: the weigher's raw value */
    bool unranked;              /* rows are not best first: rank[] and pos[] are
                                 * filled on first reading (event_weigh_row) */
    int *rank;                  /* rows best first (weight, then host id) */
    int *pos;                   /* per row its place in rank[] */
} ev_weights;

typedef struct event {
    enum ev_kind kind;
    char *name;         /* filter / check name, exception, bug, status from,
                         * narrowing kind of a note */
    char *message;      /* check message, error text, quirk effect, note */
    char *host;         /* select / claim / check host, migration "to" status */
    int in, out;        /* filter counts; migration id in `in` */
    bool ok;
    char *json;         /* request: spec object; placement: extra members */
    char *text;         /* pre-rendered text line(s) where the kind needs it */
    hostnames *hn;      /* names of the host ids below (shared) */
    ev_reject_vec rejected;
    strlist strs;       /* the rejections' names */
    intvec candidates;  /* placement candidates (host ids) */
    strlist hosts;      /* select alternates, narrowing hosts */
    strlist weighers;   /* weigh: part names */
    ev_weights weights;
} event;

struct decision;

/* The events, and the decision records of the scheduling requests among
 * them (decision.h), in the same order. */
typedef struct trail {
    event *v;
    int n, cap;
    struct decision *dec;
    int n_dec, cap_dec;
    hostnames *hn;      /* the names new events get */
} trail;

void trail_free(trail *t);
void trail_clear(trail *t);
/* Drop the events from index n on, and the decision records of the
 * requests among them (undo cuts a session's trail back). */
void trail_truncate(trail *t, int n);
event *trail_add(trail *t, enum ev_kind kind);   /* zeroed event */
/* The cloud whose hosts the next events name by id (its names are copied
 * only when its hosts changed since the last call). */
struct cloud;
void trail_use_hosts(trail *t, const struct cloud *c);

/* A name in the event's pool (the same as one of the last few: kept once);
 * its index. */
int event_intern(event *e, const char *s);
/* Record a rejected host (its names copied into the event's pool);
 * returns its index in e->rejected.  Inline: Placement records thousands
 * of them, most without a name. */
static inline int event_reject(event *e, int h, const reject_reason *r)
{
    NV_GROW(e->rejected);
    ev_reject *x = &e->rejected.v[e->rejected.n];
    x->host = h;
    x->code = r->code;
    for (int k = 0; k < REASON_NS; k++)
        x->s[k] = r->s[k] || r->buf[k].len ? event_intern(e, reason_name(r, k)) : -1;
    memcpy(x->i, r->i, sizeof x->i);
    memcpy(x->d, r->d, sizeof x->d);
    return e->rejected.n++;
}
/* Room for `more` rejections (one allocation, not one per doubling). */
void event_rejects_reserve(event *e, int more);
/* A name of the event's host ids; "?" if unknown. */
const char *event_host(const event *e, int host);
/* Rejection i: the host's name, and the reason's words appended to out. */
const char *event_reject_host(const event *e, int i);
void event_reject_reason(const event *e, int i, sbuf *out);

/* The weigh event's block: allocate n rows of k; the row of rank r (0
 * best) and the rank of a row.  Rows recorded unranked are sorted on the
 * first reading (the scheduler ranks only the few hosts it needs; the
 * trail's full ranking is made for whoever shows it).  `filled`: the
 * caller writes every row (nothing is cleared); `raw`, if not NULL, is an
 * allocation of at least n x k raw values the block takes over. */
void event_weights_alloc(event *e, int n, int k, bool filled, double *raw);
/* Weigher k's part in the weight of row `row` of a weigh event. */
double event_weigh_part(const event *e, int row, int k);
int event_weigh_row(const event *e, int r);
int event_weigh_rank(const event *e, int row);

/* Convenience constructors. */
void trail_check(trail *t, const char *name, const char *host, bool ok,
                 const char *message);
void trail_migration(trail *t, int id, const char *from, const char *to);
void trail_quirk(trail *t, const char *bug, const char *effect);
void trail_error(trail *t, const char *exception, const char *message);
void trail_note(trail *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A note about host narrowing before the filters, tagged so readers need
 * not parse its text: `what` is "ignore_hosts", "requested_destination",
 * "cell" or "force_hosts"; `hosts` the names it concerns (may be NULL). */
event *trail_narrow(trail *t, const char *what, const strlist *hosts, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Renderers: append to `out`. Text is one or more lines per event, in the
 * style of Nova's DEBUG/INFO log lines. */
void event_text(const event *e, sbuf *out);
/* The same text one line at a time, for the lines on screen: how many
 * lines event_text() writes, and line k of them (without its newline).
 * A filter event with 10,000 rejections renders only the lines asked for. */
int event_lines(const event *e);
void event_line(const event *e, int k, sbuf *out);
void trail_text(const trail *t, int from, sbuf *out);
void event_json(const event *e, sbuf *out);
void trail_json(const trail *t, int from, int to, sbuf *out);
/* The one-line summary of a decision and every other reading of it by
 * host: decision.h. */

#endif
