/*
 * keys.h - the key table of the terminal UI.
 *
 * One const table (keys_table[], keys.c) says, for every key the UI
 * understands: the key code, how it is written on screen, the action it
 * triggers, where it is valid (a mask of contexts: the four panes and the
 * overlays), a help line, and an optional short hint for the footer.  The
 * UI dispatches on the action; the help overlay and the footer are
 * generated from the same table, so they cannot disagree with what the
 * keys do.
 *
 * A key may appear more than once with disjoint context masks (`h` moves
 * to the pane on the left in a list, but scrolls left in the trail).
 * Entries with the same action and mask that follow each other are shown
 * as one help line ("Up k").
 *
 * Key codes are curses codes (KEY_UP, ...) or characters; this header does
 * not include curses, so keys.c spells them out.
 */
#ifndef NOVALID_KEYS_H
#define NOVALID_KEYS_H

#include <stdbool.h>

/* Contexts a key can be valid in. */
enum keys_ctx {
    KEYS_HOSTS = 1u << 0,          /* the hosts pane has the focus */
    KEYS_SERVERS = 1u << 1,
    KEYS_MIGRATIONS = 1u << 2,
    KEYS_TRAIL = 1u << 3,
    KEYS_DIALOG = 1u << 4,         /* move dialog (live-migrate, migrate, evacuate) */
    KEYS_QUIRKS = 1u << 5,         /* quirk list */
    KEYS_HELP = 1u << 6,           /* help overlay */
    KEYS_PROMPT = 1u << 7,         /* the :, / or save prompt line */
    KEYS_VIEW = 1u << 8,           /* the describe view and the history list */
};
#define KEYS_LISTS (KEYS_HOSTS | KEYS_SERVERS | KEYS_MIGRATIONS)
#define KEYS_PANES (KEYS_LISTS | KEYS_TRAIL)
#define KEYS_OVERLAYS (KEYS_DIALOG | KEYS_QUIRKS | KEYS_HELP | KEYS_VIEW)

/* X-macro: action, name (for messages). */
#define KEYS_ACTIONS(X)                   \
    X(ACT_NONE, "none")                   \
    X(ACT_HELP, "help")                   \
    X(ACT_QUIT, "quit")                   \
    X(ACT_CLOSE, "close")                 \
    X(ACT_NEXT_PANE, "next-pane")         \
    X(ACT_PREV_PANE, "prev-pane")         \
    X(ACT_UP, "up")                       \
    X(ACT_DOWN, "down")                   \
    X(ACT_LEFT, "scroll-left")            \
    X(ACT_RIGHT, "scroll-right")          \
    X(ACT_PAGE_UP, "page-up")             \
    X(ACT_PAGE_DOWN, "page-down")         \
    X(ACT_HOME, "home")                   \
    X(ACT_END, "end")                     \
    X(ACT_LIVE_MIGRATE, "live-migrate")   \
    X(ACT_MIGRATE, "migrate")             \
    X(ACT_EVACUATE, "evacuate")           \
    X(ACT_HOST_DOWN, "host-down")         \
    X(ACT_HOST_DISABLE, "host-disable")   \
    X(ACT_WHY_NOT, "why-not")             \
    X(ACT_HOST_SORT, "host-sort")         \
    X(ACT_HOST_FILTER, "host-filter")     \
    X(ACT_DESCRIBE, "describe")           \
    X(ACT_OPEN_DECISION, "open-decision") \
    X(ACT_HISTORY, "history")             \
    X(ACT_WHAT_IF, "what-if")             \
    X(ACT_DRAIN, "drain")                 \
    X(ACT_PREV_DECISION, "prev-decision") \
    X(ACT_NEXT_DECISION, "next-decision") \
    X(ACT_TRAIL_VIEW, "trail-view")       \
    X(ACT_ZOOM, "zoom")                   \
    X(ACT_UNDO, "undo")                   \
    X(ACT_REDO, "redo")                   \
    X(ACT_STEP, "step")                   \
    X(ACT_QUIRKS, "quirks")               \
    X(ACT_PROMPT, "prompt")               \
    X(ACT_SAVE, "save")                   \
    X(ACT_SEARCH, "search")               \
    X(ACT_SEARCH_NEXT, "search-next")     \
    X(ACT_SEARCH_PREV, "search-prev")     \
    X(ACT_REDRAW, "redraw")               \
    X(ACT_PICK, "pick")                   \
    X(ACT_FORCE, "force")                 \
    X(ACT_TOGGLE, "toggle")               \
    X(ACT_KILL_LINE, "kill-line")         \
    X(ACT_BACKSPACE, "backspace")         \
    X(ACT_DELETE_CHAR, "delete-char")     \
    X(ACT_LINE_START, "line-start")       \
    X(ACT_LINE_END, "line-end")           \
    X(ACT_KILL_EOL, "kill-to-end")        \
    X(ACT_KILL_WORD, "kill-word")         \
    X(ACT_COMPLETE, "complete")           \
    X(ACT_FORM_HOST, "add-host")          \
    X(ACT_FORM_BOOT, "boot")              \
    X(ACT_FORM_GROUP, "create-group")

enum keys_action {
#define X(e, s) e,
    KEYS_ACTIONS(X)
#undef X
    ACT_COUNT
};
extern const char *const keys_action_names[ACT_COUNT];

typedef struct key_binding {
    int key;                /* curses key code or character */
    const char *label;      /* as shown: "?", "F1", "Tab", "S-Tab", "^L" */
    enum keys_action action;
    unsigned where;         /* mask of enum keys_ctx */
    const char *help;       /* one line for the help overlay */
    const char *hint;       /* short footer word, NULL: not in the footer */
} key_binding;

extern const key_binding keys_table[];
extern const int keys_count;

/* The action of `key` in context `ctx` (one KEYS_* bit); ACT_NONE if the
 * key means nothing there. */
enum keys_action keys_lookup(int key, unsigned ctx);

/* Labels of every key bound to `action` in `ctx`, joined by "/" into
 * `out` ("m", "Up/k"); empty if none. */
void keys_labels(enum keys_action action, unsigned ctx, char *out, int outlen);

#endif
