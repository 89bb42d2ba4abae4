/*
 * conductor.h - Nova's API checks and conductor flows, acting on a cloud:
 * boot (multi-create), live migration (auto, targeted, forced) with its
 * retry loop, cold migration and resize (with alternates and reschedules),
 * confirm/revert, evacuation, server state actions, compute service state,
 * aggregates and injected compute failures.
 *
 * Each entry point takes one command record and fills a cmd_result; every
 * decision goes to the trail.  Errors Nova's API raises synchronously are
 * the result's outcome and change nothing.  The entry points are named in
 * the command table (command.c, cmd_table[]), which is how commands reach
 * them; this header needs only the two record types, not command.h.
 */
#ifndef NOVALID_CONDUCTOR_H
#define NOVALID_CONDUCTOR_H

#include "model.h"
#include "trail.h"

typedef struct command command;
typedef struct cmd_result cmd_result;

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

/* Run any command (through its cmd_table entry). */
void conductor_exec(nova_env *env, const command *cmd, cmd_result *r);

/* The ops Nova's API and conductor carry out. */
void conductor_boot(nova_env *env, const command *cmd, cmd_result *r);
void conductor_live_migrate(nova_env *env, const command *cmd, cmd_result *r);
void conductor_migrate(nova_env *env, const command *cmd, cmd_result *r);
void conductor_resize(nova_env *env, const command *cmd, cmd_result *r);
void conductor_confirm_resize(nova_env *env, const command *cmd, cmd_result *r);
void conductor_revert_resize(nova_env *env, const command *cmd, cmd_result *r);
void conductor_evacuate(nova_env *env, const command *cmd, cmd_result *r);
void conductor_server_action(nova_env *env, const command *cmd, cmd_result *r);
void conductor_rebuild(nova_env *env, const command *cmd, cmd_result *r);
void conductor_shelve(nova_env *env, const command *cmd, cmd_result *r);
void conductor_shelve_offload(nova_env *env, const command *cmd, cmd_result *r);
void conductor_unshelve(nova_env *env, const command *cmd, cmd_result *r);
void conductor_host(nova_env *env, const command *cmd, cmd_result *r);
void conductor_aggregate(nova_env *env, const command *cmd, cmd_result *r);
void conductor_fault(nova_env *env, const command *cmd, cmd_result *r);
void conductor_expect(nova_env *env, const command *cmd, cmd_result *r);
/* The computes' periodic tasks (update_available_resource,
 * _sync_scheduler_instance_info) run now, on every compute or on `host`:
 * in a `settle = false` scenario the scheduler's view is refreshed once. */
void conductor_settle(nova_env *env, const command *cmd, cmd_result *r);

/* Building and changing the cloud (cloudops.c). */
void cloudops_host_add(nova_env *env, const command *cmd, cmd_result *r);
void cloudops_host_set(nova_env *env, const command *cmd, cmd_result *r);
void cloudops_host_remove(nova_env *env, const command *cmd, cmd_result *r);
void cloudops_flavor_add(nova_env *env, const command *cmd, cmd_result *r);
void cloudops_image_add(nova_env *env, const command *cmd, cmd_result *r);
void cloudops_group_create(nova_env *env, const command *cmd, cmd_result *r);
void cloudops_aggregate_create(nova_env *env, const command *cmd, cmd_result *r);
void cloudops_aggregate_delete(nova_env *env, const command *cmd, cmd_result *r);
void cloudops_config_set(nova_env *env, const command *cmd, cmd_result *r);
void cloudops_release_set(nova_env *env, const command *cmd, cmd_result *r);

/* Whether live-migrate and evacuate take `force` at a microversion (the
 * API removed it in 2.68). */
bool api_accepts_force(int microversion);

#endif
