/*
 * command.h - every action is one command record.
 *
 * A key press, a dialog, a `:` prompt line, a scenario step and a headless
 * replay all build the same `command` and push it through one queue
 * (session_exec).  The session keeps the list of commands performed: undo
 * rebuilds the cloud from its initial copy by replaying all but the last
 * (same seed, so the same result), and "save" writes that list out as
 * scenario steps.
 *
 * Expectations (`expect` groups) are part of the record, so a scenario step
 * and its assertion travel together; they are evaluated in expect.c.
 */
#ifndef NOVALID_COMMAND_H
#define NOVALID_COMMAND_H

#include "model.h"
#include "trail.h"

/* X-macro: op enum, scenario spelling, one-line help. */
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
    X(OP_HOST, "host", "change a compute service: down, up, disable, enable, force-down") \
    X(OP_AGGREGATE, "aggregate", "add/remove a host or set metadata on an aggregate") \
    X(OP_FAULT, "fault", "make the next compute-side calls on a host fail")        \
    X(OP_EXPECT, "expect", "assert the state at this point")

enum cmd_op {
#define X(e, s, h) e,
    NV_OPS(X)
#undef X
    OP_COUNT
};
extern const char *const op_names[OP_COUNT];
extern const char *const op_help[OP_COUNT];
int op_from_name(const char *name);   /* -1 if unknown */

typedef struct expect_usage {
    char *host;
    int64_t amount[RC_COUNT];
    bool has[RC_COUNT];
} expect_usage;

typedef struct expect {
    bool present;
    char *outcome, *message, *server, *host;
    strlist hosts;
    bool has_hosts;
    char *migration_status, *migration_type, *vm_state, *task_state, *fault;
    expect_usage *usage;
    int n_usage;
    int line;
} expect;

typedef struct command {
    enum cmd_op op;
    int line;                   /* scenario line, 0 if interactive */
    char *name, *server, *flavor, *image, *host, *az, *group, *project;
    char *set, *reason, *point, *message, *block_migration;
    char *add_host, *remove_host;
    char *microversion;         /* API microversion ("2.67"); NULL: newest of the release */
    strlist hints, metadata;
    int64_t min_count, max_count, times;
    bool force, boot_from_volume;
    expect ex;
} command;

void command_init(command *cmd, enum cmd_op op);
void command_done(command *cmd);
void command_copy(command *dst, const command *src);
void expect_done(expect *e);

/* Parse a `:` prompt line ("live-migrate vm-1 host2 --force").  On error
 * returns false and writes a message into err. */
bool command_parse(const char *line, command *out, char *err, size_t errlen);
/* The prompt-line form of a command (inverse of command_parse). */
void command_format(const command *cmd, sbuf *out);

/* What a command did. */
typedef struct cmd_result {
    const char *outcome;        /* "ok" or Nova's exception name (static) */
    char *message;              /* exception text, NULL when ok */
    intvec servers;             /* servers the step is about */
    int migration;              /* index into cloud.migrations, -1 none */
    int trail_from, trail_to;   /* its events in the session trail */
} cmd_result;

void cmd_result_done(cmd_result *r);

/* One expectation check. */
typedef struct expect_check {
    char *key, *want, *got;
    bool ok;
} expect_check;
typedef struct expect_checks { expect_check *v; int n, cap; } expect_checks;
void expect_checks_free(expect_checks *c);

/* Evaluate `e` against the cloud after `r`; appends one check per key. */
void expect_eval(const cloud *c, const expect *e, const cmd_result *r,
                 expect_checks *out);

/*
 * A session: the cloud now, the cloud at the start, the trail, the seeded
 * RNG and the commands performed (each with its result).
 */
typedef struct session {
    cloud *initial;
    cloud *c;
    trail t;
    nv_rng rng;
    command *done;
    cmd_result *results;
    int n_done, cap_done;
    command *undone;            /* redo stack: undone commands, the newest last */
    int n_undone, cap_undone;
} session;

/* Takes ownership of `c`. */
session *session_new(cloud *c);
void session_free(session *s);
/* Run one command (copied into the history); returns its result (owned by
 * the session). */
const cmd_result *session_exec(session *s, const command *cmd);
/* Undo the last command (replays the rest from the initial cloud) and keep
 * it for session_redo.  false if nothing to undo. */
bool session_undo(session *s);
/* Run the last undone command again; NULL if none.  session_exec of any
 * other command forgets what was undone. */
const cmd_result *session_redo(session *s);
/* The result the expectations of history entry k assert on: its own, or
 * for an expect-only step the last real command's (with the expect step's
 * server, if it names one).  `out` borrows from the session. */
void session_expect_result(const session *s, int k, cmd_result *out);
/* Start over from the initial cloud with a (possibly) changed quirk set. */
void session_set_quirk(session *s, int quirk, bool on);

#endif
