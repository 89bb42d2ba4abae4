/*
 * conductor.h - Nova's API checks and conductor flows, acting on a cloud:
 * boot (multi-create), live migration (auto, targeted, forced) with its
 * retry loop, cold migration and resize (with alternates and reschedules),
 * confirm/revert, evacuation, server state actions, compute service state,
 * aggregates and injected compute failures.
 *
 * Each entry point takes one typed request (conductor_req: the objects it
 * names already resolved to ids by the command layer, which keeps the
 * names for Nova's not-found messages) and fills a cmd_result; every
 * decision goes to the trail.  Errors Nova's API raises synchronously are
 * the result's outcome and change nothing.  Where Nova looks an object up
 * late (a target host after the state checks), the entry point checks
 * the id at that point, so the order of Nova's errors is kept.  The entry
 * points are named in the command table (command.c, cmd_table[]); this
 * layer does not include command.h.
 */
#ifndef NOVALID_CONDUCTOR_H
#define NOVALID_CONDUCTOR_H

#include "model.h"
#include "ops.h"
#include "trail.h"

typedef struct nova_env {
    cloud *c;
    trail *t;
    nv_rng *rng;
} nova_env;

/* The step's outcome: an exception name and Nova's text, set in `r` and
 * added to the trail as an error, unless the step's events since its last
 * scheduling request already have that very error (the scheduler's). */
void step_outcome(nova_env *env, cmd_result *r, const char *exc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* An object the request names: the name as given (NULL: not given) and
 * its index in the cloud (-1: no such object). */
typedef struct nv_ref {
    const char *name;
    int id;
} nv_ref;

/* The name as given, "" when none was (for Nova's not-found messages). */
static inline const char *nv_ref_name(nv_ref ref) { return ref.name ? ref.name : ""; }

/* One request, typed.  Strings and lists are borrowed from the caller. */
typedef struct conductor_req {
    enum cmd_op op;
    nv_ref server, flavor, image, group, host, aggregate;
    nv_ref add_host, remove_host;   /* aggregate: the host added or removed */
    const char *name;           /* the name of what the op creates (boot's
                                 * servers, host-add's host, ...) */
    const char *az, *project, *set, *reason, *point, *message, *block_migration;
    int microversion;           /* API microversion 2.N as N; -1: the newest of
                                 * the release */
    strlist hints, metadata;    /* "key=value" */
    kvlist props;               /* the cloud-building ops' other arguments, as
                                 * canonical text checked by the command table */
    int64_t min_count, max_count, times;
    bool force, boot_from_volume;
} conductor_req;

/* Nothing named, counts 1, the newest microversion. */
void conductor_req_init(conductor_req *q, enum cmd_op op);
/* Before any entry point: the result starts "ok" with no migration, and
 * (settled, the default) the scheduler's view is refreshed. */
void conductor_begin(nova_env *env, cmd_result *r);

/* The ops Nova's API and conductor carry out. */
void conductor_boot(nova_env *env, const conductor_req *q, cmd_result *r);
void conductor_live_migrate(nova_env *env, const conductor_req *q, cmd_result *r);
void conductor_migrate(nova_env *env, const conductor_req *q, cmd_result *r);
void conductor_resize(nova_env *env, const conductor_req *q, cmd_result *r);
void conductor_confirm_resize(nova_env *env, const conductor_req *q, cmd_result *r);
void conductor_revert_resize(nova_env *env, const conductor_req *q, cmd_result *r);
void conductor_evacuate(nova_env *env, const conductor_req *q, cmd_result *r);
void conductor_server_action(nova_env *env, const conductor_req *q, cmd_result *r);
void conductor_rebuild(nova_env *env, const conductor_req *q, cmd_result *r);
void conductor_shelve(nova_env *env, const conductor_req *q, cmd_result *r);
void conductor_shelve_offload(nova_env *env, const conductor_req *q, cmd_result *r);
void conductor_unshelve(nova_env *env, const conductor_req *q, cmd_result *r);
void conductor_host(nova_env *env, const conductor_req *q, cmd_result *r);
void conductor_aggregate(nova_env *env, const conductor_req *q, cmd_result *r);
void conductor_fault(nova_env *env, const conductor_req *q, cmd_result *r);
void conductor_expect(nova_env *env, const conductor_req *q, cmd_result *r);
/* The computes' periodic tasks (update_available_resource,
 * _sync_scheduler_instance_info) run now, on every compute or on `host`:
 * in a `settle = false` scenario the scheduler's view is refreshed once. */
void conductor_settle(nova_env *env, const conductor_req *q, cmd_result *r);

/* Building and changing the cloud (cloudops.c). */
void cloudops_host_add(nova_env *env, const conductor_req *q, cmd_result *r);
void cloudops_host_set(nova_env *env, const conductor_req *q, cmd_result *r);
void cloudops_host_remove(nova_env *env, const conductor_req *q, cmd_result *r);
void cloudops_flavor_add(nova_env *env, const conductor_req *q, cmd_result *r);
void cloudops_image_add(nova_env *env, const conductor_req *q, cmd_result *r);
void cloudops_group_create(nova_env *env, const conductor_req *q, cmd_result *r);
void cloudops_aggregate_create(nova_env *env, const conductor_req *q, cmd_result *r);
void cloudops_aggregate_delete(nova_env *env, const conductor_req *q, cmd_result *r);
void cloudops_config_set(nova_env *env, const conductor_req *q, cmd_result *r);
void cloudops_release_set(nova_env *env, const conductor_req *q, cmd_result *r);

/* Whether live-migrate and evacuate take `force` at a microversion (the
 * API removed it in 2.68). */
bool api_accepts_force(int microversion);

#endif
