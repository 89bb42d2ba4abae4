/*
 * tui.h - the ncurses front end.
 *
 * tui_main() is the whole public interface.  The rest of this header is
 * shared by tui.c and the pane_*.c files only; it does not include curses,
 * so the command line can include it freely.
 *
 * Data
 *   A `tui` owns a session (the cloud, its trail and the commands done),
 *   the scenario it came from (for its scripted steps), the theme, and the
 *   view state: four panes (hosts, servers, migrations, trail), at most one
 *   overlay (help, move dialog, quirk list), at most one prompt line (:,
 *   /, save), the status message.  The core is only read here; every
 *   change goes through tui_exec() -> session_exec() as a command record,
 *   or session_undo() / session_set_quirk().
 *
 * Panes
 *   Every pane and overlay is a tui_pane with a pane_ops vtable (draw,
 *   key).  The three lists share one implementation in tui.c (tui_list_*)
 *   and only say how many rows they have and how to draw one.  The trail
 *   pane scrolls lines; its `sel` is unused and `top` is the first line.
 *
 * Invariants
 *   - `gen` changes whenever the session changes (exec, undo, quirk);
 *     derived views (server rows, trail lines) are rebuilt when it does.
 *   - `step_of` has one entry per command done: the scripted step it came
 *     from, or -1; undo pops it and rewinds `next_step` with it.
 *   - Selection is kept by name across commands: ids of servers booted by
 *     an undone command do not survive an undo.
 */
#ifndef NOVALID_TUI_H
#define NOVALID_TUI_H

#include <stdio.h>

#include "keys.h"
#include "scenario.h"

/* Run the UI on a loaded scenario (takes ownership); `path` is the file it
 * came from (NULL for the built-in demo), used by save.  Returns the exit
 * status. */
int tui_main(scenario *sc, const char *path);

/* The UI fed `n` keys (curses codes) instead of a keyboard, drawing on a
 * screen of terminal type `term` (NULL: $TERM) that writes to `out`:
 * headless, for the key fuzzer and tests.  Takes ownership of sc; returns
 * how many keys were handled before it quit, -1 if there is no such
 * terminal type. */
int tui_feed_keys(scenario *sc, const char *path, const int *keys, int n, const char *term,
                  FILE *out, FILE *in);

/* ---- shared by tui.c and pane_*.c --------------------------------------------- */

typedef struct tui tui;
typedef struct tui_pane tui_pane;
typedef struct tui_matrix tui_matrix;

typedef struct pane_ops {
    const char *name;            /* "hosts", "servers", ... */
    unsigned ctx;                /* KEYS_* context while focused or open */
    void (*draw)(tui *t, tui_pane *p);
    /* An action (or raw key) for this pane; true if it was handled. */
    bool (*key)(tui *t, tui_pane *p, enum keys_action a, int key);
    /* lists only */
    int (*rows)(tui *t);
    void (*heading)(tui *t, tui_pane *p, int y, int elem);   /* column names on line y */
    void (*draw_row)(tui *t, tui_pane *p, int row, int y, int base_elem);
    const char *(*row_name)(tui *t, int row);       /* for search; may be NULL */
} pane_ops;

struct tui_pane {
    const pane_ops *ops;
    int sel, top, xoff;          /* selected row, first row shown, trail: column */
    int y, x, h, w;              /* screen area, heading line included */
};

enum { PANE_HOSTS, PANE_SERVERS, PANE_MIGRATIONS, PANE_TRAIL, PANE_COUNT };
enum prompt_kind { PROMPT_NONE, PROMPT_CMD, PROMPT_SEARCH, PROMPT_SAVE, PROMPT_FIELD };
/* A question on the status line, answered with one key. */
enum ask_kind { ASK_NONE, ASK_SAVE_MODE, ASK_OVERWRITE, ASK_QUIT, ASK_RESTORE };

struct tui {
    session *s;
    scenario *sc;                /* steps only (sc->c was given to the session) */
    const char *path;            /* scenario file, NULL for the built-in demo */
    int next_step;               /* next scripted step of sc */
    intvec step_of;              /* per command done: script step or -1 */
    /* what u undoes and U redoes, the newest last: a command (its script
     * step or -1) is stored as step + 1 >= 0, a quirk switch as -1 - quirk */
    intvec undo_log, redo_log;
    unsigned gen;                /* bumped on every session change */

    tui_pane panes[PANE_COUNT];
    int focus;                   /* PANE_* */
    tui_pane help, dialog, quirks, view, history_pane, form;
    tui_pane *overlay;           /* NULL or one of the six above */
    session *quirk_before;       /* the session before the quirk list's first switch */
    char *view_title;            /* describe view: title and lines */
    strlist view_lines;
    /* a dry run's view: after view_lines, its fit notes and its whole
     * trail (owned), each line rendered and wrapped only when drawn:
     * line view_lines.n + i is event view_ev[i]'s line view_k[i] (-1: the
     * event is a fit note, shown before the trail; -2: a blank line) */
    trail view_trail;
    intvec view_ev, view_k;
    bool too_small;
    bool trail_zoom;             /* the trail pane has the whole screen */

    /* derived from the session, rebuilt when gen changes */
    unsigned rows_gen;
    intvec server_rows;          /* live server ids, display order */
    intvec host_rows;            /* host ids shown, filtered and sorted */
    int host_sort;               /* enum in pane_hosts.c: 0 scenario order */
    char *host_filter;           /* NULL all hosts, "az:NAME" or "agg:NAME" */
    unsigned trail_gen;
    strlist trail_lines;         /* fixed lines (the command, hints) */
    intvec trail_elems;          /* theme element per fixed line */
    intvec trail_ev, trail_k;    /* per line shown: event and its line k, or -1 and
                                  * the fixed line k; events are rendered when drawn */
    sbuf trail_buf;              /* the line being drawn */
    char *summary;

    /* the trail pane shows the log lines or the explain matrix
     * (pane_matrix.c), built from the session when gen changes; mx is the
     * matrix's cursor: sel the host row, top, xoff the first stage column */
    bool trail_matrix;
    int shown;                   /* command shown, -1: the last one */
    tui_matrix *matrix;
    unsigned matrix_gen;
    tui_pane mx;

    /* expectation results of the last scripted step, while gen == checks_gen */
    unsigned checks_gen;
    strlist check_lines;
    intvec check_elems;

    /* move dialog */
    enum cmd_op dlg_op;
    int dlg_server;
    bool dlg_force;
    /* form dialog (add host, boot, create group): one value per argument
     * of form_op's command-table entry, "" for none */
    enum cmd_op form_op;
    strlist form_vals;

    /* prompt line: the text, the cursor (a byte offset into it) */
    enum prompt_kind prompt;
    sbuf input;
    size_t cursor;
    strlist history;
    int hist_pos;
    bool tab_again;              /* the last key was Tab: a second lists the candidates */
    /* saving: the pending question, the file it is about, with expectations? */
    enum ask_kind ask;
    char *ask_path;
    bool ask_expect;
    unsigned saved_gen;          /* gen when last saved (or opened): nothing unsaved */
    uint64_t start_quirks;       /* the start's quirks and release when opened */
    int start_release;
    char *state_dir;             /* $XDG_STATE_HOME/novalid: history, autosave */
    char *autosave_offer;        /* an orphaned autosave offered at start, or NULL */
    char *autosave_head;         /* the start state's text, NULL: to be made again
                                  * (the start changes with quirks and release only) */
    size_t autosave_head_len;
    bool start_restored;         /* the start is an autosave's, not the file's */
    char *autosave_steps;        /* the steps' text the autosave holds after the head,
                                  * NULL: unknown (the next autosave rewrites it) */

    char *search;                /* active search pattern, NULL: none */

    char status[1024];
    int status_elem;
    int status_h, footer_h;      /* lines the status and the key hints take */
    bool mouse_down;             /* button 1 pressed, its release not yet seen */
    bool quit;
};

extern const pane_ops pane_hosts_ops, pane_servers_ops, pane_migrations_ops, pane_trail_ops;
extern const pane_ops pane_help_ops, pane_dialog_ops, pane_quirks_ops;
extern const pane_ops pane_view_ops, pane_history_ops, pane_form_ops;

/* The hosts pane: the selected host id (-1 none); rebuild host_rows. */
int tui_selected_host(tui *t);
void pane_hosts_rows(tui *t);

/* The open move dialog can force (the op and the release's API allow it). */
bool pane_dialog_can_force(const tui *t);

/* Drawing helpers (tui.c).  Text is clipped to `w` columns, control bytes
 * and invalid UTF-8 are shown as '?'; they return the columns used. */
int tui_put(int y, int x, int w, int elem, const char *s);
int tui_putf(int y, int x, int w, int elem, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void tui_fill(int y, int x, int w, int elem);
int tui_text_width(const char *s);
/* A box with a title, filled with `elem`, centred; returns its area. */
void tui_box(int h, int w, int elem, const char *title, int *y0, int *x0);

/* Session access. */
const cmd_result *tui_last_result(const tui *t);   /* NULL if nothing done */
const command *tui_last_command(const tui *t);
/* The command whose decision the trail pane, the matrix and "why not"
 * show: the last one, or the one opened from the history or a migration
 * row (t->shown).  Index into the session's commands, -1 if none. */
int tui_shown_index(const tui *t);
const cmd_result *tui_shown_result(const tui *t);
const command *tui_shown_command(const tui *t);
/* Show command k's decision (-1: follow the last command). */
void tui_show_decision(tui *t, int k);
/* The same, and focus the trail pane with a status line naming it. */
void tui_open_decision(tui *t, int k);
void tui_status(tui *t, int elem, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Long work in progress (a drain plan on a large cloud): from a fifth of
 * a second on, at most ten times a second, the status line says `what`
 * and done/total and the screen is drawn; false when Esc was pressed or a
 * signal that ends the program arrived, so the work stops there.  Other
 * keys typed meanwhile are dropped. */
typedef struct tui_busy {
    tui *t;
    const char *what;
    double start, last_draw;
} tui_busy;
void tui_busy_start(tui_busy *b, tui *t, const char *what);
bool tui_busy_step(tui_busy *b, int done, int total);
/* Run one command (status line, trail, selection); `step` is the script
 * step it comes from or -1.  Returns the result (owned by the session);
 * NULL when a typed command names something the cloud has or lacks
 * (command_check_names_in: refused on the status line, not run). */
const cmd_result *tui_exec(tui *t, const command *cmd, int step);
/* The server selected in the servers pane, -1 if none. */
int tui_selected_server(tui *t);
bool tui_search_match(const tui *t, const char *name);
/* Move a selection for a navigation action (up, down, page, home, end);
 * false if `a` is not one.  Then keep selection and scroll inside `rows`
 * with `page` rows visible. */
bool tui_nav(tui_pane *p, enum keys_action a, int rows, int page);
void tui_list_clamp(tui_pane *p, int rows, int page);
void tui_list_draw(tui *t, tui_pane *p);
bool tui_list_key(tui *t, tui_pane *p, enum keys_action a, int key);
void tui_refresh_derived(tui *t);
/* Switch a quirk (replays the commands done, keeps the selection). */
void tui_set_quirk(tui *t, int quirk, bool on);

/* pane_hosts.c: a host's fate in the last decision ("why not host3?"). */
void pane_hosts_why(const tui *t, int host, sbuf *out);
/* pane_trail.c: rebuild t->trail_lines from the last command; switch the
 * trail pane between the log and the explain matrix. */
void pane_trail_build(tui *t);
void pane_trail_toggle(tui *t);
/* pane_matrix.c: the explain matrix view of the trail pane. */
void pane_matrix_draw(tui *t, tui_pane *p);
bool pane_matrix_key(tui *t, tui_pane *p, enum keys_action a);
void pane_matrix_free(tui *t);
/* pane_help.c / pane_dialog.c / pane_quirks.c: open the overlays. */
void pane_help_open(tui *t);
void pane_dialog_open(tui *t, enum cmd_op op, int sid);
/* pane_dialog.c: the form of any command, its fields from the command
 * table; a field is edited on the prompt line (PROMPT_FIELD), whose Enter
 * gives the value back through pane_form_set(). */
void pane_form_open(tui *t, enum cmd_op op);
void pane_form_set(tui *t, const char *value);
/* Open the prompt line (tui.c). */
void tui_prompt(tui *t, enum prompt_kind kind, const char *initial);
void pane_quirks_open(tui *t);
/* pane_view.c: the describe view and the history list. */
void pane_describe_server(tui *t, int sid);
void pane_describe_host(tui *t, int h);
void pane_history_open(tui *t);
void pane_whatif_open(tui *t, int sid, int h);     /* h -1: anywhere */
void pane_drain_open(tui *t, int h);
/* Show `text` (taken) in the describe box under `title` (taken). */
void pane_view_text(tui *t, char *title, char *text);
/* Frees what the view shows (its title, lines and a dry run's trail). */
void pane_view_free(tui *t);
void pane_history_row(const tui *t, int k, sbuf *out);

#endif
