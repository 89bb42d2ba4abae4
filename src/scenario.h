/*
 * scenario.h - scenario files: a libconfig file describing a cloud, the
 * Nova release and options it behaves like, and steps to replay.
 *
 * The format is specified in scenario-format.md.  Loading either yields a
 * whole scenario or nothing: every problem found is appended to the
 * caller's list as "FILE:LINE: message" and the result is NULL.  Saving
 * writes a cloud's current state and a list of commands back in the same
 * format, so that loading the file gives the same state again.
 */
#ifndef NOVALID_SCENARIO_H
#define NOVALID_SCENARIO_H

#include "command.h"

typedef struct scenario {
    cloud *c;            /* the loaded cloud, servers placed with Placement allocations */
    command *steps;      /* steps in order (command records, expect groups included) */
    int n_steps;
    char *path;          /* file name as given (used in FILE:LINE: messages) */
    int steps_line;      /* line of the top-level `steps`, 0 if none */
    bool steps_last;     /* `steps` is the file's last top-level setting */
    bool halves;         /* parsed in two halves at once (scenario_split_min) */
    struct scenario_trees *freeing;   /* libconfig's trees, being freed meanwhile */
    size_t text_len;     /* the file's bytes as loaded, and their nv_hash() */
    uint64_t text_hash;
} scenario;

/* Load a file.  On any error returns NULL and appends one message per
 * error to `errors`, each "FILE:LINE: message". */
scenario *scenario_load_file(const char *path, strlist *errors);
/* The same, acting as release `rel` (>= 0) whatever the file says: its
 * defaults and quirks (novalid diff --release). */
scenario *scenario_load_file_as(const char *path, int rel, strlist *errors);
/* A long load's progress: called now and then with what is being done
 * ("parsing": bytes of the file; "building": hosts and servers made) and
 * how far (done of total).  Returning false stops the load: the result is
 * NULL and the one error "FILE: loading interrupted". */
typedef bool (*scenario_watch)(void *arg, const char *phase, long long done, long long total);
/* scenario_load_file() telling `watch` how far it is. */
scenario *scenario_load_file_watch(const char *path, strlist *errors, scenario_watch watch,
                                   void *arg);
/* A file whose largest list of hosts or servers holds at least this many
 * bytes is parsed in two halves at once, the second in a thread of its
 * own, while the first half's objects are built (the result and every
 * message are those of one parse).  SIZE_MAX: never. */
extern size_t scenario_split_min;
/* libconfig's own parse of `text`, in one piece on one thread, and nothing
 * else: what loading a file is measured against (novalid bench).  NULL
 * when it does not parse; scenario_tree_free() frees the tree. */
void *scenario_tree_parse(const char *text);
void scenario_tree_free(void *tree);
/* Same from a string (the built-in demo scenario); `name` is used as FILE. */
scenario *scenario_load_string(const char *text, const char *name, strlist *errors);
void scenario_free(scenario *s);
/* Wait until the file's parse trees are freed (s->freeing): before timing
 * what follows a load, or measuring memory. */
void scenario_settle(scenario *s);

/* Write the cloud's current state and `steps` as a scenario file that loads
 * back to the same state.  Atomic and durable, the original mode kept,
 * symbolic links written through (textfile_write()).  Returns false and
 * the reason in `err` on error. */
bool scenario_save(const char *path, const cloud *c, const command *steps, int n_steps,
                   char *err, size_t errlen);

/* Write `text` to `path` the same atomic way. */
bool scenario_write_text(const char *path, const char *text, char *err, size_t errlen);
/* `text` (the file `sc` was loaded from) with its steps replaced by
 * `steps`: everything before the `steps` list is kept as written (comments,
 * description, the cloud), when `steps` is the last setting; otherwise the
 * start state is written anew after the file's leading comment lines.
 * Caller frees. */
char *scenario_replace_steps(const scenario *sc, const char *text, const cloud *start,
                             const command *steps, int n_steps);
/* Only the `steps = ( ... );` part (caller frees; "" without steps):
 * scenario_text(c, NULL, 0) followed by it is scenario_text(c, steps, n). */
char *scenario_steps_text(const command *steps, int n_steps);
/* The same text as a string (caller frees): what scenario_save writes. */
char *scenario_text(const cloud *c, const command *steps, int n_steps);

#endif
