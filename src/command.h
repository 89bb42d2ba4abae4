/*
 * command.h - every action is one command record.
 *
 * A key press, a dialog, a `:` prompt line, a scenario step and a headless
 * replay all build the same `command` and push it through one queue
 * (session_exec).  The session keeps the list of commands performed, each
 * with what undo needs to put the cloud back (journal.h), and "save"
 * writes that list out as scenario steps.
 *
 * Expectations (`expect` groups) are part of the record, so a scenario step
 * and its assertion travel together; they are evaluated in expect.c.
 */
#ifndef NOVALID_COMMAND_H
#define NOVALID_COMMAND_H

#include "model.h"
#include "ops.h"
#include "trail.h"

struct nova_env;
struct conductor_req;

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
    char *destination;          /* the host the scheduler chose in the step */
    strlist plan;               /* drain: "server=host" in migration order */
    bool has_plan;
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
    kvlist props;               /* the other arguments (cloud-building ops), as
                                 * canonical text keyed by argument; list
                                 * arguments repeat their key; config-set's
                                 * options are keyed SECTION.OPTION */
    int64_t min_count, max_count, times;
    bool force, boot_from_volume;
    expect ex;
} command;

void command_init(command *cmd, enum cmd_op op);
void command_done(command *cmd);
void command_copy(command *dst, const command *src);
void expect_done(expect *e);

/*
 * The argument descriptors.  Every argument of every op is one cmd_arg:
 * its scenario key (the prompt's key=VALUE too), its type, its position
 * on the prompt line, whether it is required, the values or range it
 * takes and what names it completes from.  A value is checked in one
 * place, cmd_arg_set(), whichever front end it came from.
 */
enum arg_type {
    ARG_STR,        /* any string */
    ARG_NAME,       /* a non-empty string */
    ARG_INT,        /* integer in [min, max] */
    ARG_FLOAT,      /* number >= min */
    ARG_BOOL,       /* true/false; on the prompt a bare flag sets it */
    ARG_ENUM,       /* one of values[] */
    ARG_LIST,       /* strings; repeated key=VALUE on the prompt */
    ARG_KVLIST,     /* "key=value" strings; repeated on the prompt */
    ARG_TRISTATE,   /* true, false or "auto" (block_migration) */
    ARG_VERSION,    /* an API microversion "2.N" */
    ARG_RELEASE,    /* a Nova release name (canonical spelling stored) */
    ARG_OPTION,     /* config-set: SECTION.OPTION=VALUE, nova.conf options */
    ARG_USAGE,      /* expect usage: HOST:RC=N,RC=N */
    ARG_GROUPS      /* a list of groups of sub[] keys: K=V,K=V on the prompt,
                     * ( { K = V; }, ... ) in a file; repeated */
};

enum arg_from {
    FROM_NONE, FROM_SERVERS, FROM_HOSTS, FROM_FLAVORS, FROM_IMAGES, FROM_GROUPS,
    FROM_AGGREGATES, FROM_OPTIONS, FROM_RELEASES, FROM_VALUES
};

#define ARG_NO_FIELD ((size_t)-1)

typedef struct cmd_arg {
    const char *key;            /* scenario key, prompt key=VALUE */
    const char *word;           /* other prompt spelling (hint, bfv, --force), or NULL */
    enum arg_type type;
    int pos;                    /* 1.. position on the prompt line; 0 keyword only */
    bool required;
    const char *const *values;  /* ARG_ENUM: NULL-terminated */
    int64_t min, max;           /* ARG_INT range; ARG_FLOAT minimum */
    enum arg_from from;         /* what Tab completes from */
    size_t off;                 /* field of struct command; ARG_NO_FIELD: props */
    const char *help;
} cmd_arg;

typedef struct cmd_desc {
    const cmd_arg *args;
    int n_args;
    /* rules between arguments; sets *key to the argument at fault (or NULL) */
    bool (*check)(command *cmd, const char **key, char *err, size_t errlen);
    /* the entry point that carries it out (conductor.h), on a typed request */
    void (*run)(struct nova_env *env, const struct conductor_req *q, cmd_result *r);
    /* undone from a copy of the cloud taken before it, not from the undo
     * journal: it changes what the journal does not follow (the host list,
     * aggregates, flavors, images, groups, options) */
    bool undo_copy;
} cmd_desc;

extern const cmd_desc cmd_table[OP_COUNT];
/* Value sets shared with the scenario loader (servers' vm_state). */
extern const char *const vm_state_values[];
extern const char *const migration_type_values[];

/* ARG_GROUPS: the keys one group of argument `a` takes (n of them). */
const cmd_arg *cmd_arg_sub(const cmd_arg *a, int *n);
/* The argument of `op` spelled `key` (scenario key or prompt word), or NULL. */
const cmd_arg *cmd_arg_find(int op, const char *key);
/* Store one value given as text (prompt word, or a scenario value turned
 * into text), checked against the descriptor.  List arguments append.
 * On error returns false and a message (without the key) in err. */
bool cmd_arg_set(command *cmd, const cmd_arg *a, const char *text, char *err, size_t errlen);
/* Whether the argument has a value in cmd. */
bool cmd_arg_present(const command *cmd, const cmd_arg *a);
/* Its values as text ("" for an unset string); list arguments give each
 * element.  Returns how many were appended to out. */
int cmd_arg_values(const command *cmd, const cmd_arg *a, strlist *out);
/* After all arguments: defaults, required arguments, rules between them.
 * On error *key names the argument at fault (NULL: the command). */
bool command_validate(command *cmd, const char **key, char *err, size_t errlen);
/* "boot NAME FLAVOR [image=IMAGE] ..." */
void command_usage(int op, sbuf *out);

/* Tab completion of the word before `cursor` in a prompt line: command
 * names, argument keys ("image="), and the names an argument takes
 * (servers, hosts, flavors, ... of `c`; releases, options, values).
 * Candidates (the whole replacement word, with a trailing blank or '='
 * where the word is complete) go to `out`, sorted; returns where the word
 * starts. */
int command_complete(const cloud *c, const char *line, size_t cursor, strlist *out);

/*
 * Names the cloud-building ops create, change or remove (host-add of an
 * existing host, aggregate-delete of an unknown aggregate, ...).  The
 * same rules serve the prompt, which asks the cloud as it is, and the
 * scenario loader, which follows the names through the steps before any
 * runs and reports what it knows for certain as FILE:LINE: errors (a
 * host-remove may be refused at run time, so after it the name is
 * unsure).  `look` answers for a kind (FROM_HOSTS, FROM_FLAVORS,
 * FROM_IMAGES, FROM_GROUPS, FROM_AGGREGATES) and a name.
 */
enum name_state { NAME_ABSENT, NAME_EXISTS, NAME_UNSURE };
typedef enum name_state (*name_lookup)(void *ctx, enum arg_from kind, const char *name);
/* false, with the argument at fault in *key and Nova's words in err, when
 * the command refers to a name that is certainly absent or creates one
 * that certainly exists. */
bool command_check_names(const command *cmd, name_lookup look, void *ctx, const char **key,
                         char *err, size_t errlen);
/* What the command does to the names if it runs: calls `set` for each
 * name it creates (NAME_EXISTS, or NAME_UNSURE where the op may still be
 * refused) or may remove (NAME_UNSURE). */
void command_name_effects(const command *cmd, name_lookup look, void *ctx,
                          void (*set)(void *ctx, enum arg_from kind, const char *name,
                                      enum name_state st));
/* command_check_names against the cloud as it is (the prompt). */
bool command_check_names_in(const cloud *c, const command *cmd, const char **key, char *err,
                            size_t errlen);

/* Run one command on env's cloud: the names it refers to resolved to ids
 * (a typed conductor_req), then its cmd_table[] entry point.  The prompt,
 * a scenario step, undo's replay and a session all come through here. */
void command_exec(struct nova_env *env, const command *cmd, cmd_result *r);

/* Parse a `:` prompt line ("live-migrate vm-1 host2 --force").  On error
 * returns false and writes a message into err. */
bool command_parse(const char *line, command *out, char *err, size_t errlen);
/* The prompt-line form of a command (inverse of command_parse). */
void command_format(const command *cmd, sbuf *out);

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
/* What expect_eval would find after `r`, as an expectation (outcome,
 * message, the step's first server: host, vm_state, task_state, fault; the
 * hosts of a multi-create; its migration's status and type).  `out` is
 * empty on entry. */
void expect_observe(const cloud *c, const cmd_result *r, expect *out);

/* How to take one command back: the RNG before it, and its journal or a
 * copy of the cloud before it (neither: forgotten to bound memory; undo
 * then replays from the start). */
typedef struct undo_entry {
    nv_rng rng;
    struct journal *j;
    cloud *copy;
} undo_entry;

/*
 * A session: the cloud now, the trail, the seeded RNG and the commands
 * performed (each with its result and how to undo it: see command.c).
 * The cloud at the start is what undoing every command gives
 * (session_cloud_at(s, 0)); a copy of it is kept only once an undo entry
 * had to be forgotten.
 */
typedef struct session {
    cloud *initial;             /* NULL while the undo entries lead back to it */
    nova_config start_conf;     /* the start's options, release and quirks */
    cloud *c;
    trail t;
    nv_rng rng;
    command *done;
    cmd_result *results;
    int n_done, cap_done;
    command *undone;            /* redo stack: undone commands, the newest last */
    int n_undone, cap_undone;
    undo_entry *un;             /* per command done */
    int n_copies;               /* undo entries holding a copy */
    size_t journal_bytes;       /* held by the undo entries' journals */
} session;

/* Takes ownership of `c`, the cloud at the start. */
session *session_new(cloud *c);
void session_free(session *s);
/* Run one command (copied into the history); returns its result (owned by
 * the session). */
const cmd_result *session_exec(session *s, const command *cmd);
/* Undo the last command and keep it for session_redo: its journal puts
 * back what it changed (or the cloud becomes the copy taken before it);
 * the trail and results of the commands kept stay as they were.  false if
 * nothing to undo. */
bool session_undo(session *s);
/* The cloud as it was after the first k commands of the history (0: the
 * start, n_done: now): a copy of the cloud now with the journals of the
 * later commands undone.  Caller frees. */
cloud *session_cloud_at(const session *s, int k);
/* fn(cloud, arg) on the cloud as it was after the first k commands,
 * without copying it where the journals allow: they are undone on the
 * session's cloud, and that undo is undone after fn (which must not
 * change the cloud).  Else on session_cloud_at(s, k). */
void session_with_cloud_at(session *s, int k, void (*fn)(const cloud *c, void *arg), void *arg);
/* Run the last undone command again; NULL if none.  session_exec of any
 * other command forgets what was undone. */
const cmd_result *session_redo(session *s);
/* The result the expectations of history entry k assert on: its own, or
 * for an expect-only step the last real command's (with the expect step's
 * server, if it names one).  `out` borrows from the session. */
void session_expect_result(const session *s, int k, cmd_result *out);
/* Start over from the cloud at the start with a (possibly) changed quirk
 * set. */
void session_set_quirk(session *s, int quirk, bool on);
/* Start over as another release: options still at the old release's
 * default take the new one's, quirks follow the release (switches kept). */
void session_set_release(session *s, int release);
/* The commands done, each with what was observed after it as its
 * expectation (a snapshot: replaying them passes every check, and fails
 * when behaviour changes): outcome, message, the step's server (host,
 * vm_state, task_state, fault), a multi-create's hosts, the migration's
 * status and type, and the Placement usage of every host the step changed;
 * after it, an expect-only step for every other server the step touched
 * or whose host or states it changed (line -1; at most 100 per step).
 * `expect` steps keep their own
 * assertions.  *n_out records; caller frees each with command_done() and
 * the array with free(). */
command *session_snapshot(const session *s, int *n_out);

#endif
