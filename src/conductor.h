/*
 * conductor.h - Nova's API checks and conductor flows, acting on a cloud:
 * boot (multi-create), live migration (auto, targeted, forced) with its
 * retry loop, cold migration and resize (with alternates and reschedules),
 * confirm/revert, evacuation, server state actions, compute service state,
 * aggregates and injected compute failures.
 *
 * Each entry point takes one command record and fills a cmd_result; every
 * decision goes to the trail.  Errors Nova's API raises synchronously are
 * the result's outcome and change nothing.
 */
#ifndef NOVALID_CONDUCTOR_H
#define NOVALID_CONDUCTOR_H

#include "command.h"

typedef struct nova_env {
    cloud *c;
    trail *t;
    nv_rng *rng;
} nova_env;

void conductor_exec(nova_env *env, const command *cmd, cmd_result *r);

/* Newest API microversion of a release ("2.104" -> 104). */
int release_max_microversion(int release);
/* Whether live-migrate and evacuate take `force` at a microversion (the
 * API removed it in 2.68). */
bool api_accepts_force(int microversion);

#endif
