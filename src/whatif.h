/*
 * whatif.h - questions that change nothing.
 *
 *   whatif_move   "could server S go there (or anywhere) now?": the move
 *                 runs on the cloud under an undo journal that then puts
 *                 everything back, with a copy of the random generator,
 *                 so no claim, migration or state survives it;
 *                 its events (the full decision) go to the trail, then one
 *                 note per host that did not get the server saying what
 *                 would make it fit (the missing amount per resource class
 *                 or the allocation ratio that would do, the trait and how
 *                 to clear it, the group member in the way, ...).
 *   whatif_drain  "can host H be emptied?": each server on it, in name
 *                 order, is live-migrated by the scheduler, every claim
 *                 carried forward to the next server (as a maintenance
 *                 planner does), and all of it undone at the end (the
 *                 cloud is changed meanwhile and given back); the answer is
 *                 the plan (server -> host) or the first server with
 *                 nowhere to go, with the what-would-make-it-fit notes of
 *                 that decision.
 *
 * The fit lines read the decision record (decision.h) and the cloud as it
 * was before the move.
 */
#ifndef NOVALID_WHATIF_H
#define NOVALID_WHATIF_H

#include "conductor.h"

typedef struct whatif_result {
    const char *outcome;        /* "ok" or Nova's exception name (static) */
    char *message;              /* NULL when ok */
    int destination;            /* host chosen (move), -1 none */
    strlist plan;               /* drain: "server=host", in migration order */
    intvec servers;             /* the servers the question is about */
} whatif_result;

void whatif_result_done(whatif_result *r);

/* The `what-if` and `drain` ops (cmd_table[]): server/host checked, the
 * answer as the step's outcome, destination and plan. */
void whatif_exec(nova_env *env, const conductor_req *q, cmd_result *r);
void drain_exec(nova_env *env, const conductor_req *q, cmd_result *r);

/* `move` is OP_LIVE_MIGRATE, OP_MIGRATE or OP_EVACUATE; `dst` -1 lets the
 * scheduler pick.  `c` is changed while the move runs and given back as
 * it was. */
void whatif_move(cloud *c, const nv_rng *rng, trail *t, enum cmd_op move, int sid, int dst,
                 whatif_result *out);
void whatif_drain(cloud *c, const nv_rng *rng, trail *t, int h, whatif_result *out);
/* The same, asking `watch` before each server (done so far, total): false
 * stops the plan there, with outcome "Interrupted" and the plan so far. */
typedef bool (*whatif_watch)(void *ctx, int done, int total);
void whatif_drain_watch(cloud *c, const nv_rng *rng, trail *t, int h, whatif_watch watch,
                        void *ctx, whatif_result *out);
/* The same for real (drain with dry_run = false): the live migrations
 * happen on c, in the same order, and stop at the first that fails. */
void drain_run(cloud *c, nv_rng *rng, trail *t, int h, whatif_result *out);

/* What would make host h take server sid, by its fate in decision k of
 * `t` (c: the cloud before the move; target: the host asked for, -1
 * any).  Empty when the host got the server. */
void whatif_fit(const cloud *c, const trail *t, int k, int sid, int target, int h, sbuf *out);

#endif
