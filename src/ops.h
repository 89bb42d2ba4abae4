/*
 * ops.h - the ops novalid knows and what running one yields.
 *
 * Shared by the command layer (command.h: arguments, parsing, sessions)
 * and the layer that carries ops out (conductor.h: typed requests), which
 * do not include each other's headers.
 */
#ifndef NOVALID_OPS_H
#define NOVALID_OPS_H

#include "util.h"

/*
 * The ops.  One X line per op: enum, spelling (scenario `op` and prompt
 * word), one-line help.  Its arguments, the rules between them and the
 * function that runs it are its entry in cmd_table[] (command.c); the
 * prompt parser, the formatter, the scenario loader and saver, --help and
 * the docs test all read that entry.  Adding an op: one line here, one
 * entry there, and the function that runs it.
 */
#define NV_OPS(X)                                                                   \
    X(OP_BOOT, "boot", "boot servers (min_count/max_count multi-create)")          \
    X(OP_LIVE_MIGRATE, "live-migrate", "live-migrate a server (auto, host, force)") \
    X(OP_MIGRATE, "migrate", "cold-migrate a server")                             \
    X(OP_RESIZE, "resize", "resize a server to another flavor")                    \
    X(OP_CONFIRM_RESIZE, "confirm-resize", "confirm a resize or cold migration")   \
    X(OP_REVERT_RESIZE, "revert-resize", "revert a resize or cold migration")      \
    X(OP_EVACUATE, "evacuate", "rebuild a server of a down host elsewhere")        \
    X(OP_DELETE, "delete", "delete a server")                                      \
    X(OP_STOP, "stop", "stop a server")                                            \
    X(OP_START, "start", "start a server")                                         \
    X(OP_PAUSE, "pause", "pause a server")                                         \
    X(OP_UNPAUSE, "unpause", "unpause a server")                                   \
    X(OP_REBUILD, "rebuild", "rebuild a server on its host (a new image is checked by the scheduler)") \
    X(OP_SHELVE, "shelve", "shelve a server (offloaded at once with shelved_offload_time 0)") \
    X(OP_SHELVE_OFFLOAD, "shelve-offload", "offload a shelved server: its allocations and host go") \
    X(OP_UNSHELVE, "unshelve", "unshelve a server (an offloaded one is scheduled again)") \
    X(OP_HOST, "host", "change a compute service: down, up, disable, enable, force-down") \
    X(OP_AGGREGATE, "aggregate", "add/remove a host or set metadata on an aggregate") \
    X(OP_FAULT, "fault", "make the next compute-side calls on a host fail")        \
    X(OP_EXPECT, "expect", "assert the state at this point")                       \
    X(OP_HOST_ADD, "host-add", "add a compute host (a new nova-compute service)")  \
    X(OP_HOST_SET, "host-set", "change a host's inventory, ratios, reserved, traits") \
    X(OP_HOST_REMOVE, "host-remove", "delete a compute service (refused while it hosts servers)") \
    X(OP_FLAVOR_ADD, "flavor-add", "create a flavor (with extra specs)")           \
    X(OP_IMAGE_ADD, "image-add", "create an image (with properties)")              \
    X(OP_GROUP_CREATE, "group-create", "create a server group (policy, max_server_per_host)") \
    X(OP_AGGREGATE_CREATE, "aggregate-create", "create an aggregate (hosts, metadata, AZ)") \
    X(OP_AGGREGATE_DELETE, "aggregate-delete", "delete an empty aggregate")        \
    X(OP_CONFIG_SET, "config-set", "set nova.conf options (SECTION.OPTION=VALUE)") \
    X(OP_RELEASE_SET, "release-set", "act as another Nova release from here on")            \
    X(OP_WHAT_IF, "what-if", "could a server move there (or anywhere)? a dry run")        \
    X(OP_DRAIN, "drain", "can a host be emptied? a drain plan (dry run unless dry_run=false)") \
    X(OP_SETTLE, "settle", "let the computes' periodic tasks run (settle = false scenarios)")

enum cmd_op {
#define X(e, s, h) e,
    NV_OPS(X)
#undef X
    OP_COUNT
};
extern const char *const op_names[OP_COUNT];
extern const char *const op_help[OP_COUNT];
int op_from_name(const char *name);   /* -1 if unknown */

/* What a command did. */
typedef struct cmd_result {
    const char *outcome;        /* "ok" or Nova's exception name (static) */
    char *message;              /* exception text, NULL when ok */
    intvec servers;             /* servers the step is about */
    int migration;              /* index into cloud.migrations, -1 none */
    int trail_from, trail_to;   /* its events in the session trail */
    int destination;            /* host the step's last decision chose, -1 none */
    strlist plan;               /* drain: "server=host", in migration order */
} cmd_result;

void cmd_result_done(cmd_result *r);

#endif
