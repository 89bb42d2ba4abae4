/*
 * trail.h - the decision trail: structured events appended by placement,
 * the scheduler and the conductor, rendered as Nova-style log text or JSON.
 *
 * Events own their strings.  Per-host detail is kept only where it is the
 * point (rejections, weights): a filter event stores its in/out counts and
 * one line per rejected host, never a copy of every host.
 */
#ifndef NOVALID_TRAIL_H
#define NOVALID_TRAIL_H

#include "util.h"

enum ev_kind {
    EV_REQUEST, EV_PLACEMENT, EV_FILTER, EV_WEIGH, EV_SELECT, EV_CLAIM,
    EV_CHECK, EV_MIGRATION, EV_QUIRK, EV_ERROR, EV_NOTE, EV_KIND_COUNT
};
extern const char *const ev_kind_names[EV_KIND_COUNT];

typedef struct ev_reject {
    char *host;
    char *reason;
} ev_reject;
typedef struct ev_reject_vec { ev_reject *v; int n, cap; } ev_reject_vec;

typedef struct ev_weight {
    char *host;
    double weight;
    double *parts;              /* one per event's weigher name */
} ev_weight;
typedef struct ev_weight_vec { ev_weight *v; int n, cap; } ev_weight_vec;

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
    ev_reject_vec rejected;
    strlist hosts;      /* placement candidates, select alternates */
    strlist weighers;   /* weigh: part names */
    ev_weight_vec weights;
} event;

struct decision;

/* The events, and the decision records of the scheduling requests among
 * them (decision.h), in the same order. */
typedef struct trail {
    event *v;
    int n, cap;
    struct decision *dec;
    int n_dec, cap_dec;
} trail;

void trail_free(trail *t);
void trail_clear(trail *t);
/* Drop the events from index n on, and the decision records of the
 * requests among them (undo cuts a session's trail back). */
void trail_truncate(trail *t, int n);
event *trail_add(trail *t, enum ev_kind kind);   /* zeroed event */
void event_reject(event *e, const char *host, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

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
