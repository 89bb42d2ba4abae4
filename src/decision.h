/*
 * decision.h - the decision record: what one scheduling request did to
 * every host, by host id, kept beside the trail's events.
 *
 * The scheduler opens one record per select_destinations call (with its
 * EV_REQUEST event) and writes into it as it works: Placement candidates
 * and rejections, the narrowing before the filters (ignore_hosts, the
 * requested destination, a cell restriction, forced hosts), each pass of
 * filters and weighers (one per instance, then one for the alternates),
 * the claims and the selection.  Nothing here is text: a host's entry is a
 * fate code, the pass and stage it left at, and the index of the trail
 * event (and of its rejected[] entry) that carries the numbers, so the
 * words are made only when something is shown.
 *
 * Readers: the one-line summary, "why not this host?", the explain
 * matrix, what-if and the decision diff all read the record, so they agree
 * on every host's fate.  The conductor's checks after a decision are the
 * trail's EV_CHECK events between the decision and the next one.
 *
 * Invariants
 *   - trail.dec[k].ev_request is the index of its EV_REQUEST event;
 *     records are in trail order.
 *   - host[] has n_hosts entries (the cloud's hosts when the request was
 *     made); host ids are the cloud's.
 *   - A host rejected in pass p is not in the pipeline of later passes.
 */
#ifndef NOVALID_DECISION_H
#define NOVALID_DECISION_H

#include "model.h"
#include "trail.h"

/* How a host left the pipeline (or did not). */
enum dec_fate {
    DF_NONE,            /* not asked about (no Placement query: rebuild), still in */
    DF_NOT_CANDIDATE,   /* Placement was asked and did not return it, without a reason
                         * (hosts of a failed request filter, ...) */
    DF_PLACEMENT,       /* rejected by Placement (reason in the placement event) */
    DF_CANDIDATE,       /* a Placement candidate, in the pipeline */
    DF_NARROWED,        /* removed before the filters: see enum dec_narrow */
    DF_FILTERED,        /* rejected by a filter (reason in the filter event) */
};

enum dec_narrow { DN_NONE, DN_CELL, DN_DEST, DN_IGNORE, DN_FORCE, DN_COUNT };
extern const char *const dec_narrow_names[DN_COUNT];   /* "ignore_hosts", ... */

typedef struct dec_host {
    unsigned char fate;         /* enum dec_fate */
    unsigned char narrow;       /* enum dec_narrow (DF_NARROWED) */
    short pass;                 /* DF_FILTERED/DF_NARROWED: 1-based pass it left in */
    int ev, rix;                /* event (absolute trail index) and rejected[] index of
                                 * the reason; -1 none */
    int row;                    /* its row in the record's last weighing (1-based; 0: not
                                 * weighed there): dec_rank() gives its place */
    short weighed;              /* the pass of that weighing */
    short claimed;              /* claims that succeeded on it */
    short claim_failed;         /* claims that failed on it */
    short selected;             /* instances placed on it */
    short alternate;            /* instances it is an alternate for */
} dec_host;

typedef struct dec_pass {
    int server;                 /* instance this pass is for; -1: the alternates pass */
    int ev_first;               /* first filter (or weigh) event of the pass, -1 none */
    int ev_weigh;               /* its weigh event (the n x k block by host id), -1 none */
    int passed;                 /* hosts left after the filters */
    int filters;                /* filter events in the pass */
} dec_pass;

typedef struct decision {
    int ev_request;             /* EV_REQUEST event */
    int ev_placement;           /* EV_PLACEMENT event, -1 none */
    int ev_error;               /* first EV_ERROR event, -1 none */
    int n_hosts;
    dec_host *host;
    int candidates;             /* Placement candidates (or every host when not asked) */
    int narrowed[DN_COUNT];
    dec_pass *pass;
    int n_pass, cap_pass;
    intvec servers, selected;   /* per placed instance: server id, host id */
    bool alternates;            /* the request asked for alternates */
    int instance;               /* the request's first instance (server id), -1 none */
    int weigh_pass;             /* the last pass that weighed hosts (1-based), 0 none */
} decision;

/* ---- writing (the scheduler) ----------------------------------------------------- */

/* Open a record for the request whose EV_REQUEST was just added.
 * `blank`: every host's entry is blank (no fate yet); else the caller
 * blanks each entry (dec_host_blank(), dec_hosts_blank()) before anything
 * else writes or reads it: the Placement loop does it as it visits the
 * hosts, which saves a pass over the whole array. */
decision *dec_open(trail *t, int n_hosts, bool blank);
static inline void dec_entry_blank(dec_host *e) { *e = (dec_host){.ev = -1, .rix = -1}; }
static inline void dec_host_blank(decision *d, int h) { dec_entry_blank(&d->host[h]); }
void dec_hosts_blank(decision *d);
decision *dec_current(trail *t);            /* the last record, NULL if none */
static inline void dec_entry_candidate(dec_host *e) { e->fate = DF_CANDIDATE; }
static inline void dec_candidate(decision *d, int h) { dec_entry_candidate(&d->host[h]); }
/* A candidate whose row in the weighing to come is known already (`row`,
 * 1-based, in pass `pass`): the Placement loop lists the hosts it weighs
 * as it finds them.  dec_weighed(..., true) then leaves the rows. */
static inline void dec_entry_candidate_row(dec_host *e, int row, int pass)
{
    e->fate = DF_CANDIDATE;
    e->row = row;
    e->weighed = (short)pass;
}
void dec_placement_reject(decision *d, int h, int ev, int rix);
void dec_narrowed(decision *d, int h, enum dec_narrow why, int ev);
dec_pass *dec_pass_begin(decision *d, int sid);
void dec_filter_reject(decision *d, int h, int ev, int rix);
/* The pass weighed hosts[0..n) (in the order of the weigh event's rows);
 * rows_set: dec_entry_candidate_row() gave each its row in this pass. */
void dec_weighed(decision *d, int ev, const int *hosts, int n, bool rows_set);
void dec_claim(decision *d, int h, bool ok);
void dec_select(decision *d, int sid, int h, const intvec *alternates);
void dec_error(decision *d, int ev);

void decision_free(decision *d);

/* ---- reading ---------------------------------------------------------------------- */

/* The records whose requests lie in events [from, to): indexes into
 * t->dec; returns how many, writes the first into *first. */
int dec_in_range(const trail *t, int from, int to, int *first);
/* The end of record k's events: the next record's request or `to`. */
int dec_end(const trail *t, int k, int to);

/* The server record d's outcome is about: the instance of its last
 * per-instance pass (the one a multi-create could not place), else the
 * request's first instance; -1 none. */
int dec_server(const decision *d);

/* Host h's place (1-based) in record d's last weighing and of how many
 * (*of, may be NULL); 0 if it was not weighed there. */
int dec_rank(const trail *t, const decision *d, int h, int *of);

/* kubectl-describe style one-liner of the last decision in [from, to):
 * "0/5 hosts: 3 ComputeFilter, 2 ServerGroupAntiAffinityFilter",
 * "2/2 hosts; selected host1 (vm-1), host2 (vm-2)". */
void dec_summary(const trail *t, const cloud *c, int from, int to, sbuf *out);

/* A host's fate in record k (the command's events are [from, to), the conductor's checks
 * after it included): "rejected by ComputeFilter (pass 2)", "selected for
 * vm-1", "ignored (ignore_hosts)".  With `detail` the reason's numbers
 * follow ("rejected by RamFilter: usable RAM ...").  Returns a theme-free
 * tone: 0 neutral, 1 selected, 2 rejected, 3 failed after selection,
 * 4 out of the picture (narrowed, not a candidate). */
enum dec_tone { DT_NORMAL, DT_SELECTED, DT_REJECTED, DT_FAILED, DT_DIM };
enum dec_tone dec_host_fate(const trail *t, const cloud *c, int from, int k, int to, int h,
                            bool detail, sbuf *out);

#endif
