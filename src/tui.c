/*
 * tui.c - the terminal UI: terminal lifecycle, layout, the main loop, key
 * dispatch, the prompt line, search, and the session actions every pane
 * shares (exec, undo, step, quirks, save).  See tui.h for the data.
 *
 * Screen (top to bottom)
 *   title bar | hosts pane : servers pane | migrations pane | trail pane |
 *   decision summary | status line (or the prompt) | key hints
 *   and at most one overlay drawn over it all.  Everything is redrawn from
 *   the session after every key (curses sends only what changed), so a
 *   resize or ^L needs nothing but a new layout.
 *
 * Terminal
 *   Every way out restores the terminal.  q returns through endwin().
 *   Every signal whose default action ends the program (SIGINT, SIGTERM,
 *   SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1/2, SIGALRM, ...) only records itself
 *   in a flag; getch() returns (no SA_RESTART), the main loop sees the
 *   flag, ends curses and exits with 128 + the signal.  Crashes (SIGSEGV,
 *   SIGBUS, SIGFPE, SIGILL, SIGABRT, ...) cannot trust the program's state:
 *   their handler calls no curses, it write(2)s reset sequences prepared at
 *   start-up and tcsetattr()s the saved modes (both async-signal-safe),
 *   then dies of the signal.  nv_fatal() runs restore_terminal() first.
 */
#include "tui.h"

#include <curses.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "textfile.h"
#include "theme.h"

#define MIN_COLS 60
#define MIN_LINES 16
#define DEFAULT_SAVE "novalid-session.cfg"
#define HISTORY_MAX 500         /* prompt lines kept in the history file */

/* ---- terminal lifecycle --------------------------------------------------------- */

static SCREEN *screen;
static volatile sig_atomic_t curses_on;
/* the signal that asked the program to end; the main loop acts on it */
static volatile sig_atomic_t pending_signal;

/* What the fatal-signal path writes to the terminal: prepared while the
 * UI starts, so the handler needs nothing but write(2) and tcsetattr(),
 * both async-signal-safe.  Mouse reporting off, keypad off, attributes
 * reset, cursor shown, the alternate screen left. */
static char reset_seq[512];
static size_t reset_len;
static struct termios saved_tio;
static bool have_tio;

static void reset_add(const char *cap)
{
    char *s = tigetstr(cap);
    if (!s || s == (char *)-1)
        return;
    size_t n = strlen(s);
    if (reset_len + n < sizeof reset_seq) {
        memcpy(reset_seq + reset_len, s, n);
        reset_len += n;
    }
}

static void prepare_reset(void)
{
    static const char mouse_off[] = "\033[?1006l\033[?1003l\033[?1002l\033[?1000l";
    reset_len = 0;
    memcpy(reset_seq, mouse_off, sizeof mouse_off - 1);
    reset_len = sizeof mouse_off - 1;
    reset_add("rmkx");
    reset_add("sgr0");
    reset_add("cnorm");
    reset_add("rmcup");
}

static void restore_terminal(void)
{
    if (curses_on) {
        curses_on = 0;
        endwin();
    }
}

/* Ending signals (Ctrl-C, Ctrl-\, kill, a hangup, a broken pipe, timers):
 * record, and let getch() return (no SA_RESTART); the main loop ends
 * curses and exits with 128 + the signal. */
static void on_terminate(int sig)
{
    if (!pending_signal)
        pending_signal = sig;
}

/* Crashes: the program's state cannot be trusted, so no curses here;
 * write the prepared reset, put the saved terminal modes back, and die of
 * the signal with its default action. */
static void on_crash(int sig)
{
    if (curses_on) {
        curses_on = 0;
        if (have_tio)
            tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
        size_t off = 0;
        while (off < reset_len) {
            ssize_t n = write(STDOUT_FILENO, reset_seq + off, reset_len - off);
            if (n <= 0)
                break;
            off += (size_t)n;
        }
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static const int term_signals[] = {SIGINT,  SIGTERM,   SIGHUP,  SIGQUIT, SIGUSR1, SIGUSR2,
                                   SIGPIPE, SIGALRM,   SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ,
#ifdef SIGPWR
                                   SIGPWR,
#endif
#ifdef SIGSTKFLT
                                   SIGSTKFLT,
#endif
                                   SIGIO};
static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};
#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void install_handlers(void)
{
    prepare_reset();
    pending_signal = 0;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < NELEM(term_signals); i++)
        sigaddset(&sa.sa_mask, term_signals[i]);
    sa.sa_handler = on_terminate;
    sa.sa_flags = 0;   /* no SA_RESTART: getch() returns and the loop sees the flag */
    for (int i = 0; i < NELEM(term_signals); i++) {
        /* a signal ignored by whoever started us (nohup) stays ignored */
        if (sigaction(term_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(term_signals[i], &sa, NULL);
    }
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    for (int i = 0; i < NELEM(crash_signals); i++)
        sigaction(crash_signals[i], &sa, NULL);
    nv_set_fatal_hook(restore_terminal);
}

static void remove_handlers(void)
{
    for (int i = 0; i < NELEM(term_signals); i++)
        if (signal(term_signals[i], SIG_DFL) == SIG_IGN)
            signal(term_signals[i], SIG_IGN);
    for (int i = 0; i < NELEM(crash_signals); i++)
        signal(crash_signals[i], SIG_DFL);
    nv_set_fatal_hook(NULL);
}

/* ---- drawing helpers ------------------------------------------------------------ */

/* Copy `s` into `out` as at most `w` columns of printable text; returns the
 * columns used.  Bytes curses would interpret (controls) and invalid
 * sequences become '?'. */
static int sanitize(const char *s, int w, char *out, size_t outlen)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t o = 0, left = strlen(s);
    int used = 0;
    while (*s && used < w && o + MB_LEN_MAX + 1 < outlen) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x80) {
            out[o++] = (c < 32 || c == 127) ? '?' : (char)c;
            used++;
            s++;
            left--;
            continue;
        }
        wchar_t wc;
        size_t n = mbrtowc(&wc, s, left, &st);
        int cw = (n == (size_t)-1 || n == (size_t)-2 || n == 0) ? -1 : wcwidth(wc);
        if (cw < 0) {
            memset(&st, 0, sizeof st);
            out[o++] = '?';
            used++;
            s++;
            left--;
            continue;
        }
        if (used + cw > w)
            break;
        memcpy(out + o, s, n);
        o += n;
        used += cw;
        s += n;
        left -= n;
    }
    out[o] = '\0';
    return used;
}

int tui_text_width(const char *s)
{
    char buf[4096];
    char *esc = nv_term_safe(s) ? NULL : nv_term_escape(s);
    int w = sanitize(esc ? esc : s, INT_MAX / 2, buf, sizeof buf);
    free(esc);
    return w;
}

int tui_put(int y, int x, int w, int elem, const char *s)
{
    if (w <= 0 || !s || y < 0 || y >= LINES || x >= COLS)
        return 0;
    if (x + w > COLS)
        w = COLS - x;
    char buf[4096];
    /* what a terminal would act on or hide is shown escaped (util.h) */
    char *esc = nv_term_safe(s) ? NULL : nv_term_escape(s);
    int used = sanitize(esc ? esc : s, w, buf, sizeof buf);
    free(esc);
    attrset(theme_attr((enum theme_elem)elem));
    mvaddstr(y, x, buf);
    return used;
}

int tui_putf(int y, int x, int w, int elem, const char *fmt, ...)
{
    sbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    sbuf_vaddf(&b, fmt, ap);
    va_end(ap);
    int n = tui_put(y, x, w, elem, b.s ? b.s : "");
    sbuf_free(&b);
    return n;
}

void tui_fill(int y, int x, int w, int elem)
{
    if (y < 0 || y >= LINES || x >= COLS || w <= 0)
        return;
    if (x + w > COLS)
        w = COLS - x;
    attrset(theme_attr((enum theme_elem)elem));
    mvhline(y, x, ' ', w);
}

void tui_box(int h, int w, int elem, const char *title, int *y0, int *x0)
{
    if (h > LINES)
        h = LINES;
    if (w > COLS)
        w = COLS;
    int y = (LINES - h) / 2, x = (COLS - w) / 2;
    for (int i = 0; i < h; i++)
        tui_fill(y + i, x, w, elem);
    attrset(theme_attr((enum theme_elem)elem));
    mvhline(y, x + 1, ACS_HLINE, w - 2);
    mvhline(y + h - 1, x + 1, ACS_HLINE, w - 2);
    mvvline(y + 1, x, ACS_VLINE, h - 2);
    mvvline(y + 1, x + w - 1, ACS_VLINE, h - 2);
    mvaddch(y, x, ACS_ULCORNER);
    mvaddch(y, x + w - 1, ACS_URCORNER);
    mvaddch(y + h - 1, x, ACS_LLCORNER);
    mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
    if (title) {
        int tw = tui_text_width(title) + 2;
        if (tw > w - 4)
            tw = w - 4;
        tui_putf(y, x + (w - tw) / 2, tw, TH_DIALOG_TITLE, " %s ", title);
    }
    *y0 = y;
    *x0 = x;
}

/* ---- session access ----------------------------------------------------------- */

const cmd_result *tui_last_result(const tui *t)
{
    return t->s->n_done ? &t->s->results[t->s->n_done - 1] : NULL;
}

const command *tui_last_command(const tui *t)
{
    return t->s->n_done ? &t->s->done[t->s->n_done - 1] : NULL;
}

int tui_shown_index(const tui *t)
{
    if (t->shown >= 0 && t->shown < t->s->n_done)
        return t->shown;
    return t->s->n_done - 1;
}

const cmd_result *tui_shown_result(const tui *t)
{
    int k = tui_shown_index(t);
    return k >= 0 ? &t->s->results[k] : NULL;
}

const command *tui_shown_command(const tui *t)
{
    int k = tui_shown_index(t);
    return k >= 0 ? &t->s->done[k] : NULL;
}

void tui_show_decision(tui *t, int k)
{
    t->shown = k >= 0 && k < t->s->n_done - 1 ? k : -1;
    t->trail_gen = t->gen - 1;      /* rebuild the trail lines */
    t->panes[PANE_TRAIL].top = 0;
    pane_matrix_free(t);
}

void tui_open_decision(tui *t, int k)
{
    if (k < 0 || k >= t->s->n_done)
        return;
    tui_show_decision(t, k);
    t->focus = PANE_TRAIL;
    sbuf b = {0};
    pane_history_row(t, k, &b);
    tui_status(t, TH_STATUS, "showing command%s", b.s ? b.s : "");
    sbuf_free(&b);
}

void tui_status(tui *t, int elem, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->status, sizeof t->status, fmt, ap);
    va_end(ap);
    t->status_elem = elem;
}

void tui_busy_start(tui_busy *b, tui *t, const char *what)
{
    b->t = t;
    b->what = what;
    b->start = nv_seconds();
    b->last_draw = 0;
}

static void draw_status(tui *t, int y);

bool tui_busy_step(tui_busy *b, int done, int total)
{
    if (pending_signal)
        return false;
    if (!curses_on)
        return true;   /* fed keys (tests, fuzzing): no terminal to poll */
    double now = nv_seconds();
    if (now - b->start < 0.2 || now - b->last_draw < 0.1)
        return true;
    b->last_draw = now;
    tui_status(b->t, TH_STATUS, "%s: %d of %d done, %.1f s; Esc stops", b->what, done, total,
               now - b->start);
    /* the status line only: a dry run works on the session's cloud and
     * gives it back at the end, so the panes are not drawn from it now */
    if (!b->t->too_small) {
        draw_status(b->t, LINES - b->t->footer_h - b->t->status_h);
        refresh();
    }
    bool go_on = true;
    nodelay(stdscr, TRUE);
    for (int ch; (ch = getch()) != ERR;)
        if (ch == 27)
            go_on = false;
    nodelay(stdscr, FALSE);
    return go_on && !pending_signal;
}

int tui_selected_server(tui *t)
{
    tui_refresh_derived(t);
    const tui_pane *p = &t->panes[PANE_SERVERS];
    if (p->sel < 0 || p->sel >= t->server_rows.n)
        return -1;
    return t->server_rows.v[p->sel];
}

int tui_selected_host(tui *t)
{
    tui_refresh_derived(t);
    const tui_pane *p = &t->panes[PANE_HOSTS];
    if (p->sel < 0 || p->sel >= t->host_rows.n)
        return -1;
    return t->host_rows.v[p->sel];
}

bool tui_search_match(const tui *t, const char *name)
{
    return t->search && name && strcasestr(name, t->search);
}

void tui_refresh_derived(tui *t)
{
    if (t->rows_gen != t->gen) {
        t->server_rows.n = 0;
        const cloud *c = t->s->c;
        for (int i = 0; i < c->servers.n; i++)
            if (!c->servers.v[i].deleted)
                intvec_push(&t->server_rows, i);
        pane_hosts_rows(t);
        t->rows_gen = t->gen;
    }
    if (t->trail_gen != t->gen) {
        pane_trail_build(t);
        t->trail_gen = t->gen;
    }
}

/* Selection is kept by name across a session change. */
static char *selected_name(tui *t)
{
    int sid = tui_selected_server(t);
    return sid >= 0 ? nv_strdup(t->s->c->servers.v[sid].name) : NULL;
}

static void autosave(tui *t);
static void autosave_forget(tui *t);

static void session_changed(tui *t, char *keep)
{
    t->gen++;
    t->shown = -1;
    autosave(t);
    tui_refresh_derived(t);
    if (keep) {
        for (int i = 0; i < t->server_rows.n; i++)
            if (!strcmp(t->s->c->servers.v[t->server_rows.v[i]].name, keep)) {
                t->panes[PANE_SERVERS].sel = i;
                break;
            }
        free(keep);
    }
    t->panes[PANE_TRAIL].top = 0;
    t->panes[PANE_TRAIL].xoff = 0;
    t->panes[PANE_MIGRATIONS].sel = 0;
}

/* "live-migrate web-1 host3: ok -- web-1 on host3 (active), migration #1 completed" */
static void describe_result(tui *t, const command *cmd, const cmd_result *r, sbuf *out)
{
    const cloud *c = t->s->c;
    command_format(cmd, out);
    sbuf_addf(out, ": %s", r->outcome ? r->outcome : "ok");
    if (r->message)
        sbuf_addf(out, ": %s", r->message);
    const char *sep = " -- ";
    if (r->servers.n == 1) {
        const server *s = &c->servers.v[r->servers.v[0]];
        if (!s->deleted) {
            sbuf_addf(out, "%s%s on %s (%s)", sep, s->name,
                      s->host >= 0 ? c->hosts.v[s->host].name : "no host", s->vm_state);
            sep = ", ";
        }
    }
    if (r->migration >= 0 && r->migration < c->migrations.n) {
        const migration *m = &c->migrations.v[r->migration];
        sbuf_addf(out, "%smigration #%d %s", sep, m->id, m->status);
    }
}

const cmd_result *tui_exec(tui *t, const command *cmd, int step)
{
    /* typed: a name the cloud has (or lacks) is refused here, as the
     * loader refuses it in a file, so a save always loads again */
    const char *bad;
    char err[400];
    if (step < 0 && !command_check_names_in(t->s->c, cmd, &bad, err, sizeof err)) {
        tui_status(t, TH_STATUS_ERROR, "%s: %s: %s", op_names[cmd->op], bad, err);
        return NULL;
    }
    char *keep = selected_name(t);
    const cmd_result *r = session_exec(t->s, cmd);
    intvec_push(&t->step_of, step);
    intvec_push(&t->undo_log, step + 1);
    t->redo_log.n = 0;
    session_changed(t, keep);
    /* a move by hand: the trail follows its newest lines (the migration's
     * statuses); a scripted step keeps its expectations in view at the top */
    if (step < 0)
        t->panes[PANE_TRAIL].top = INT_MAX / 2;
    sbuf b = {0};
    describe_result(t, cmd, r, &b);
    bool ok = r->outcome && !strcmp(r->outcome, "ok");
    tui_status(t, ok ? TH_STATUS_OK : TH_STATUS_ERROR, "%s", b.s);
    sbuf_free(&b);
    return r;
}

static void switch_quirk(tui *t, int quirk, bool on, const char *how)
{
    char *keep = selected_name(t);
    autosave_forget(t);
    session_set_quirk(t->s, quirk, on);
    session_changed(t, keep);
    tui_status(t, TH_STATUS_OK, "%squirk %s %s; replayed %d command(s)", how,
               quirk_table[quirk].name, on ? "on" : "off", t->s->n_done);
}

/* The UI's release switch: the whole session again as that release (the
 * saved file then names it at the top); a release-set step in a file acts
 * on the steps after it instead. */
static void set_release(tui *t, int rel)
{
    char *keep = selected_name(t);
    int from = t->s->start_conf.release;
    autosave_forget(t);
    session_set_release(t->s, rel);
    session_changed(t, keep);
    tui_status(t, TH_STATUS_OK, "release %s (was %s); replayed %d command(s)", release_name(rel),
               release_name(from), t->s->n_done);
}

void tui_set_quirk(tui *t, int quirk, bool on)
{
    switch_quirk(t, quirk, on, "");
    intvec_push(&t->undo_log, -1 - quirk);
    t->redo_log.n = 0;
}

/* Undo the last command or quirk switch, whichever came last. */
static void undo(tui *t)
{
    if (t->undo_log.n && t->undo_log.v[t->undo_log.n - 1] < 0) {
        int q = -1 - t->undo_log.v[--t->undo_log.n];
        intvec_push(&t->redo_log, -1 - q);
        switch_quirk(t, q, !quirk_on(&t->s->start_conf, q), "undone: ");
        return;
    }
    const command *last = tui_last_command(t);
    if (!last) {
        tui_status(t, TH_STATUS_ERROR, "nothing to undo");
        return;
    }
    sbuf b = {0};
    command_format(last, &b);
    char *keep = selected_name(t);
    session_undo(t->s);
    int from = -1;
    if (t->step_of.n) {
        from = t->step_of.v[--t->step_of.n];
        if (from >= 0)
            t->next_step = from;
    }
    if (t->undo_log.n)
        t->undo_log.n--;
    intvec_push(&t->redo_log, from + 1);
    session_changed(t, keep);
    tui_status(t, TH_STATUS_OK, "undone: %s (%d command(s) left)", b.s, t->s->n_done);
    sbuf_free(&b);
}

/* Do again what undo took back, newest first. */
static void redo(tui *t)
{
    if (!t->redo_log.n) {
        tui_status(t, TH_STATUS_ERROR, "nothing to redo");
        return;
    }
    int a = t->redo_log.v[--t->redo_log.n];
    intvec_push(&t->undo_log, a);
    if (a < 0) {
        int q = -1 - a;
        switch_quirk(t, q, !quirk_on(&t->s->start_conf, q), "redone: ");
        return;
    }
    char *keep = selected_name(t);
    const cmd_result *r = session_redo(t->s);
    if (!r) {   /* cannot happen: the logs and the session agree */
        free(keep);
        tui_status(t, TH_STATUS_ERROR, "nothing to redo");
        return;
    }
    intvec_push(&t->step_of, a - 1);
    if (a - 1 >= 0)
        t->next_step = a;
    session_changed(t, keep);
    sbuf b = {0};
    sbuf_add(&b, "redone: ");
    describe_result(t, tui_last_command(t), r, &b);
    tui_status(t, strcmp(r->outcome, "ok") ? TH_STATUS_ERROR : TH_STATUS_OK, "%s", b.s);
    sbuf_free(&b);
}

/* Run the next scripted step and check its expectations, as `run` does. */
static void step(tui *t)
{
    const scenario *sc = t->sc;
    if (!sc->n_steps) {
        tui_status(t, TH_STATUS_ERROR, "this scenario has no scripted steps");
        return;
    }
    if (t->next_step >= sc->n_steps) {
        tui_status(t, TH_STATUS_ERROR, "no more scripted steps (%d of %d done)", t->next_step,
                   sc->n_steps);
        return;
    }
    int i = t->next_step;
    const command *cmd = &sc->steps[i];
    const cmd_result *r = tui_exec(t, cmd, i);
    t->next_step = i + 1;
    /* an expect-only step asserts on the previous step's result */
    (void)r;
    cmd_result merged;
    session_expect_result(t->s, t->s->n_done - 1, &merged);
    const cmd_result *er = &merged;
    strlist_free(&t->check_lines);
    intvec_free(&t->check_elems);
    t->checks_gen = t->gen;
    char head[64];
    snprintf(head, sizeof head, "step %d/%d", i + 1, sc->n_steps);
    if (!cmd->ex.present) {
        sbuf b = {0};
        sbuf_addf(&b, "%s: ", head);
        describe_result(t, cmd, er, &b);
        sbuf_add(&b, " (no expectations)");
        tui_status(t, t->status_elem, "%s", b.s);
        sbuf_free(&b);
        return;
    }
    expect_checks checks = {0};
    expect_eval(t->s->c, &cmd->ex, er, &checks);
    int failed = 0;
    const expect_check *first_bad = NULL;
    for (int k = 0; k < checks.n; k++) {
        const expect_check *ck = &checks.v[k];
        char *line = nv_printf("expect %s: want '%s', got '%s': %s", ck->key, ck->want,
                               ck->got ? ck->got : "", ck->ok ? "pass" : "FAIL");
        strlist_push(&t->check_lines, line);
        free(line);
        intvec_push(&t->check_elems, ck->ok ? TH_TRAIL_SELECT : TH_TRAIL_ERROR);
        if (!ck->ok && !failed++)
            first_bad = ck;
    }
    /* the verdict first: it must stay on a narrow screen */
    sbuf b = {0};
    sbuf_addf(&b, "%s (line %d): ", head, cmd->line);
    if (failed)
        sbuf_addf(&b, "expect FAIL %d/%d: %s want '%s' got '%s' -- ", failed, checks.n,
                  first_bad->key, first_bad->want, first_bad->got ? first_bad->got : "");
    else
        sbuf_addf(&b, "expect pass %d/%d -- ", checks.n, checks.n);
    describe_result(t, cmd, er, &b);
    tui_status(t, failed ? TH_STATUS_ERROR : TH_STATUS_OK, "%s", b.s);
    sbuf_free(&b);
    expect_checks_free(&checks);
}

/* ---- saving ------------------------------------------------------------------------ */

/* $XDG_STATE_HOME/novalid/NAME (~/.local/state by default); NULL when
 * there is no home to put it in.  Caller frees. */
static char *state_file(tui *t, const char *name)
{
    if (!t->state_dir) {
        const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        char *base = xdg && xdg[0] == '/' ? nv_strdup(xdg)
                     : home && home[0]   ? nv_printf("%s/.local/state", home)
                                         : NULL;
        if (!base)
            return NULL;
        t->state_dir = nv_printf("%s/novalid", base);
        /* mkdir -p, quietly: without it there is no history or autosave */
        for (char *p = t->state_dir + 1; *p; p++)
            if (*p == '/') {
                *p = '\0';
                mkdir(t->state_dir, 0700);
                *p = '/';
            }
        mkdir(t->state_dir, 0700);
        free(base);
    }
    return nv_printf("%s/%s", t->state_dir, name);
}

/* This run's autosave: autosave-PID.cfg, so that two UIs running at once
 * (two terminals, two users of one home) neither overwrite nor remove each
 * other's.  Caller frees. */
static char *own_autosave(tui *t)
{
    char name[64];
    snprintf(name, sizeof name, "autosave-%ld.cfg", (long)getpid());
    return state_file(t, name);
}

/* The start state changed (quirks, release, a file opened): the autosave's
 * head is made again, and the file written whole. */
static void autosave_forget(tui *t)
{
    free(t->autosave_head);
    t->autosave_head = NULL;
    free(t->autosave_steps);
    t->autosave_steps = NULL;
}

/* A command added: the new steps' text extends the file's (the same up to
 * the old end but for the list's closing), so only what changed is
 * written, in place, with one write.  False (nothing done) when the file
 * is not what was last written or the steps got shorter (an undo). */
static bool autosave_extend(tui *t, const char *path, const char *steps)
{
    const char *old = t->autosave_steps;
    if (!old)
        return false;
    size_t ol = strlen(old), nl = strlen(steps), p = 0;
    if (nl < ol)
        return false;
    while (p < ol && old[p] == steps[p])
        p++;
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return false;
    struct stat st;
    off_t at = (off_t)(t->autosave_head_len + p);
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
              (size_t)st.st_size == t->autosave_head_len + ol &&
              pwrite(fd, steps + p, nl - p, at) == (ssize_t)(nl - p);
    close(fd);
    return ok;
}

/* The autosave's start state as the file the session started from, while
 * it is that file: its own text up to its steps.  With `count` that is a
 * few lines where the cloud written out is most of the time of a command
 * (60 MB and a second and a half at 100,000 hosts).  NULL when the start
 * changed (a quirk or the release switched, an autosave restored), the
 * file changed on disk, or its steps are not last. */
static char *file_head(tui *t)
{
    const scenario *sc = t->sc;
    if (!t->path || !sc || t->start_restored || t->s->start_conf.quirks != t->start_quirks ||
        t->s->start_conf.release != t->start_release || (sc->steps_line > 0 && !sc->steps_last))
        return NULL;
    size_t len = 0;
    char err[256];
    char *text = textfile_read(t->path, sc->text_len + 1, &len, err, sizeof err);
    char *head = NULL;
    if (text && len == sc->text_len && nv_hash(text, len) == sc->text_hash)
        head = scenario_replace_steps(sc, text, NULL, NULL, 0);
    free(text);
    return head;
}

/* After every change: the session so far, so a crash or a lost terminal
 * loses nothing; offered back at the next start.  The start state's text
 * is made once (at 100,000 servers it is most of the file and most of the
 * time) and written once; after that a new command writes its step only,
 * so a command in the UI does not wait for megabytes to be written. */
static void autosave(tui *t)
{
    char *path = own_autosave(t);
    if (!path)
        return;
    if (t->s->n_done > 0 && t->gen != t->saved_gen) {
        if (!t->autosave_head) {
            t->autosave_head = file_head(t);
            if (!t->autosave_head) {
                cloud *start = session_cloud_at(t->s, 0);
                t->autosave_head = scenario_text(start, NULL, 0);
                cloud_free(start);
            }
            t->autosave_head_len = strlen(t->autosave_head);
        }
        char *steps = scenario_steps_text(t->s->done, t->s->n_done);
        bool ok = autosave_extend(t, path, steps);
        if (!ok) {
            char *text = nv_printf("%s%s", t->autosave_head, steps);
            /* atomic, not synced (a save is both) */
            char err[1];
            ok = textfile_replace(path, text, strlen(text), err, sizeof err);
            free(text);
        }
        free(t->autosave_steps);
        t->autosave_steps = ok ? steps : NULL;
        if (!ok)
            free(steps);
    } else {
        unlink(path);
        free(t->autosave_steps);
        t->autosave_steps = NULL;
    }
    free(path);
}

/* "~/x.cfg" and "~" as a shell would read them; a new string. */
static char *expand_home(const char *path)
{
    const char *home = getenv("HOME");
    if (path[0] == '~' && (path[1] == '/' || !path[1]) && home && *home)
        return nv_printf("%s%s", home, path + 1);
    return nv_strdup(path);
}

static void save(tui *t, const char *path, bool with_expect)
{
    char err[512] = "";
    char *expanded = expand_home(path);
    path = expanded;
    /* the start state plus what was done: loading and replaying the file
     * reproduces this session; with expectations, each step also asserts
     * what happened, so the file is a regression test */
    command *steps = t->s->done;
    int n_steps = t->s->n_done;
    if (with_expect)
        steps = session_snapshot(t->s, &n_steps);
    cloud *start = session_cloud_at(t->s, 0);
    bool ok = scenario_save(path, start, steps, n_steps, err, sizeof err);
    cloud_free(start);
    if (with_expect) {
        for (int i = 0; i < n_steps; i++)
            command_done(&steps[i]);
        free(steps);
    }
    if (ok) {
        t->saved_gen = t->gen;
        autosave(t);
        tui_status(t, TH_STATUS_OK, "saved the start state and %d command(s)%s to %s",
                   t->s->n_done, with_expect ? " with their outcomes as expectations" : "", path);
    } else {
        tui_status(t, TH_STATUS_ERROR, "save to %s failed: %s (nothing lost: save again)", path,
                   err);
    }
    free(expanded);
}

/* What `s` offers: never the file that was opened. */
static char *save_suggestion(const tui *t)
{
    if (!t->path)
        return nv_strdup(DEFAULT_SAVE);
    size_t n = strlen(t->path);
    if (n > 4 && !strcmp(t->path + n - 4, ".cfg"))
        n -= 4;
    return nv_printf("%.*s-session.cfg", (int)n, t->path);
}

static void ask(tui *t, enum ask_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ask(tui *t, enum ask_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->status, sizeof t->status, fmt, ap);
    va_end(ap);
    t->status_elem = TH_STATUS_ERROR;
    t->ask = kind;
}

static void save_asked(tui *t)
{
    struct stat st;
    const char *p = t->ask_path;
    if (stat(p, &st) == 0) {
        bool opened = t->path && !strcmp(t->path, p);
        ask(t, ASK_OVERWRITE, "%s exists%s: overwrite it? y yes, n no",
            p, opened ? " (the scenario you opened: its comments, steps and expectations "
                        "would be replaced)"
                      : "");
        return;
    }
    save(t, p, t->ask_expect);
}

static void restore_autosave(tui *t);
static void prompt_open(tui *t, enum prompt_kind kind, const char *initial);
static void answer(tui *t, int ch)
{
    enum ask_kind k = t->ask;
    t->ask = ASK_NONE;
    bool esc = ch == 27;
    switch (k) {
    case ASK_SAVE_MODE:
        if (ch == 'e' || ch == 'p') {
            t->ask_expect = ch == 'e';
            save_asked(t);
        } else if (esc || ch == 'n' || ch == 'q') {
            tui_status(t, TH_STATUS, "not saved");
        } else {
            t->ask = k;
        }
        break;
    case ASK_OVERWRITE:
        if (ch == 'y')
            save(t, t->ask_path, t->ask_expect);
        else if (esc || ch == 'n' || ch == 'q')
            tui_status(t, TH_STATUS, "not saved: %s left as it was", t->ask_path);
        else
            t->ask = k;
        break;
    case ASK_QUIT:
        if (ch == 'y' || ch == 'q') {
            t->saved_gen = t->gen;      /* a deliberate quit: drop the autosave */
            autosave(t);
            t->quit = true;
        } else if (ch == 's') {
            char *sug = save_suggestion(t);
            prompt_open(t, PROMPT_SAVE, sug);
            free(sug);
        } else if (esc || ch == 'n') {
            tui_status(t, TH_STATUS, "not quitting");
        } else {
            t->ask = k;
        }
        break;
    case ASK_RESTORE:
        if (ch == 'r') {
            restore_autosave(t);
        } else if (ch == 'd') {
            if (t->autosave_offer)
                unlink(t->autosave_offer);
            tui_status(t, TH_STATUS, "autosaved session discarded");
        } else if (esc) {
            tui_status(t, TH_STATUS, "autosaved session kept for later");
        } else {
            t->ask = k;
        }
        break;
    case ASK_NONE:
        break;
    }
}

/* Whether quitting would lose something: changed since the last save
 * (or the start), by commands the scenario's own script does not have
 * (typed, dialogs, forms) or by a switched quirk or release. */
static bool unsaved(const tui *t, int *commands)
{
    *commands = 0;
    for (int i = 0; i < t->step_of.n; i++)
        *commands += t->step_of.v[i] < 0;
    if (t->gen == t->saved_gen)
        return false;
    const nova_config *now = &t->s->start_conf;
    return *commands > 0 || now->quirks != t->start_quirks || now->release != t->start_release;
}

static void quit(tui *t)
{
    int n;
    if (!unsaved(t, &n)) {
        t->saved_gen = t->gen;
        autosave(t);
        t->quit = true;
        return;
    }
    ask(t, ASK_QUIT, "changes not saved (%d command(s) of your own): y quit anyway, s save "
                     "first, n stay", n);
}

/* An autosave left by a run that is gone: autosave-PID.cfg of a process
 * that no longer exists, or the autosave.cfg of novalid before 0.1.0. */
static bool orphan_autosave(const char *name)
{
    if (!strcmp(name, "autosave.cfg"))
        return true;
    if (strncmp(name, "autosave-", 9) != 0)
        return false;
    char *end;
    long pid = strtol(name + 9, &end, 10);
    if (end == name + 9 || strcmp(end, ".cfg") != 0 || pid <= 0 || pid == (long)getpid())
        return false;
    return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* At start: the newest session autosaved by a run that did not end with q
 * (crashed, killed, its terminal lost); those of running UIs are theirs. */
static void offer_autosave(tui *t)
{
    char *dir = state_file(t, "");
    DIR *d = dir ? opendir(t->state_dir) : NULL;
    free(dir);
    if (!d)
        return;
    time_t newest = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!orphan_autosave(e->d_name))
            continue;
        char *p = state_file(t, e->d_name);
        struct stat st;
        if (p && stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
            (!t->autosave_offer || st.st_mtime > newest)) {
            free(t->autosave_offer);
            t->autosave_offer = p;
            p = NULL;
            newest = st.st_mtime;
        }
        free(p);
    }
    closedir(d);
    if (t->autosave_offer) {
        char when[64];
        struct tm tmv;
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", localtime_r(&newest, &tmv));
        ask(t, ASK_RESTORE, "a session autosaved at %s was not saved: r restore it, "
                            "d discard it, Esc keep it for later", when);
    }
}

/* The busy line while a file loads: parsing in MiB, then building in
 * hosts and servers made. */
typedef struct busy_load {
    tui_busy b;
    bool stopped;
} busy_load;

static bool busy_load_watch(void *arg, const char *phase, long long done, long long total)
{
    busy_load *l = arg;
    bool parsing = !strcmp(phase, "parsing");
    l->b.what = parsing ? "restoring the autosave: MiB parsed"
                        : "restoring the autosave: hosts and servers made";
    if (!tui_busy_step(&l->b, (int)(parsing ? done >> 20 : done),
                       (int)(parsing ? total >> 20 : total)))
        l->stopped = true;
    return !l->stopped;
}

static const char restore_stopped[] =
    "restoring the autosave stopped (Esc): the session is as it was, the autosave kept for later";

/* The autosaved start state, and its commands run again (undoable).  A
 * large one shows how far it is; Esc stops it and keeps the session as it
 * was. */
static void restore_autosave(tui *t)
{
    const char *p = t->autosave_offer;
    strlist errors = {0};
    busy_load busy = {.stopped = false};
    tui_busy_start(&busy.b, t, "restoring the autosave");
    scenario *sc = p ? scenario_load_file_watch(p, &errors, busy_load_watch, &busy) : NULL;
    if (!sc) {
        if (busy.stopped)
            tui_status(t, TH_STATUS, "%s", restore_stopped);
        else
            tui_status(t, TH_STATUS_ERROR, "cannot restore: %s",
                       errors.n ? errors.v[0] : "no file");
        strlist_free(&errors);
        return;
    }
    session *ns = session_new(sc->c);
    sc->c = NULL;
    busy.b.what = "restoring the autosave: commands replayed";
    for (int i = 0; i < sc->n_steps; i++) {
        if (!tui_busy_step(&busy.b, i, sc->n_steps)) {
            session_free(ns);
            scenario_free(sc);
            strlist_free(&errors);
            tui_status(t, TH_STATUS, "%s", restore_stopped);
            return;
        }
        session_exec(ns, &sc->steps[i]);
    }
    session_free(t->s);
    t->s = ns;
    t->start_restored = true;
    autosave_forget(t);
    intvec_free(&t->step_of);
    for (int i = 0; i < sc->n_steps; i++)
        intvec_push(&t->step_of, -1);
    session_changed(t, NULL);
    tui_status(t, TH_STATUS_OK, "restored the autosaved session: %d command(s) replayed",
               sc->n_steps);
    scenario_free(sc);
    strlist_free(&errors);
    /* the session is this run's now, autosaved under its own name by
     * session_changed: the orphan goes */
    unlink(p);
}

/* ---- prompt history ---------------------------------------------------------------- */

/* Drop the oldest lines beyond HISTORY_MAX. */
static void history_trim(tui *t)
{
    if (t->history.n <= HISTORY_MAX)
        return;
    int drop = t->history.n - HISTORY_MAX;
    for (int i = 0; i < drop; i++)
        free(t->history.v[i]);
    memmove(t->history.v, t->history.v + drop, (size_t)HISTORY_MAX * sizeof *t->history.v);
    t->history.n = HISTORY_MAX;
}

/* The history file is appended to as lines are entered; when it holds
 * twice what is kept, it is written again with the newest HISTORY_MAX
 * lines (atomically, as a save), so it stays bounded across sessions. */
static void history_load(tui *t)
{
    char *p = state_file(t, "history");
    FILE *f = p ? fopen(p, "r") : NULL;
    char line[1024];
    int n_read = 0;
    while (f && fgets(line, sizeof line, f)) {
        bool whole = strchr(line, '\n') != NULL;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            strlist_push(&t->history, line);
        n_read++;
        /* a line longer than the buffer: keep its start, skip the rest */
        for (int ch; !whole && (ch = getc(f)) != EOF && ch != '\n';)
            ;
    }
    if (f)
        fclose(f);
    history_trim(t);
    if (p && n_read > 2 * HISTORY_MAX) {
        sbuf b = {0};
        for (int i = 0; i < t->history.n; i++)
            sbuf_addf(&b, "%s\n", t->history.v[i]);
        scenario_write_text(p, b.s ? b.s : "", NULL, 0);
        sbuf_free(&b);
    }
    free(p);
}

static void history_add(tui *t, const char *line)
{
    if (t->history.n && !strcmp(t->history.v[t->history.n - 1], line))
        return;
    strlist_push(&t->history, line);
    history_trim(t);
    char *p = state_file(t, "history");
    FILE *f = p ? fopen(p, "a") : NULL;
    if (f) {
        fprintf(f, "%s\n", line);
        fclose(f);
    }
    free(p);
}

/* ---- lists ------------------------------------------------------------------------ */

bool tui_nav(tui_pane *p, enum keys_action a, int rows, int page)
{
    if (page < 1)
        page = 1;
    switch (a) {
    case ACT_UP: p->sel--; break;
    case ACT_DOWN: p->sel++; break;
    case ACT_PAGE_UP: p->sel -= page; break;
    case ACT_PAGE_DOWN: p->sel += page; break;
    case ACT_HOME: p->sel = 0; break;
    case ACT_END: p->sel = rows - 1; break;
    default: return false;
    }
    tui_list_clamp(p, rows, page);
    return true;
}

void tui_list_clamp(tui_pane *p, int rows, int page)
{
    if (page < 1)
        page = 1;
    if (p->sel >= rows)
        p->sel = rows - 1;
    if (p->sel < 0)
        p->sel = 0;
    if (p->top > p->sel)
        p->top = p->sel;
    if (p->sel >= p->top + page)
        p->top = p->sel - page + 1;
    if (p->top > rows - page)
        p->top = rows - page;
    if (p->top < 0)
        p->top = 0;
}

static bool focused(const tui *t, const tui_pane *p)
{
    return !t->overlay && &t->panes[t->focus] == p;
}

void tui_list_draw(tui *t, tui_pane *p)
{
    const pane_ops *o = p->ops;
    int rows = o->rows(t), page = p->h - 1;
    tui_list_clamp(p, rows, page);
    int helem = focused(t, p) ? TH_PANE_FOCUS : TH_PANE_TITLE;
    tui_fill(p->y, p->x, p->w, helem);
    o->heading(t, p, p->y, helem);
    char pos[32];
    snprintf(pos, sizeof pos, " %d/%d ", rows ? p->sel + 1 : 0, rows);
    int pw = (int)strlen(pos);
    /* only over blank heading cells: column names come first */
    bool blank = pw < p->w / 3;
    for (int i = 0; blank && i < pw; i++)
        blank = (mvinch(p->y, p->x + p->w - pw + i) & A_CHARTEXT) == ' ';
    if (blank)
        tui_put(p->y, p->x + p->w - pw, pw, helem, pos);
    if (!rows && page > 0)
        tui_put(p->y + 1, p->x + 1, p->w - 1, TH_DIM, "(none)");
    for (int i = 0; i < page && p->top + i < rows; i++) {
        int row = p->top + i, y = p->y + 1 + i;
        int base = TH_NORMAL;
        if (row == p->sel)
            base = focused(t, p) ? TH_SELECTED : TH_SELECTED_DIM;
        tui_fill(y, p->x, p->w, base);
        o->draw_row(t, p, row, y, base);
    }
}

bool tui_list_key(tui *t, tui_pane *p, enum keys_action a, int key)
{
    return tui_nav(p, a, p->ops->rows(t), p->h - 1);
}

/* ---- layout ------------------------------------------------------------------------ */

static int footer_lines(tui *t, bool draw, int y);
static int footer_walk(tui *t, bool draw, int y, int hy, int hx, const key_binding **hit);
static int status_lines(tui *t, bool draw, int y);

static void layout(tui *t)
{
    int H = LINES, W = COLS;
    t->too_small = W < MIN_COLS || H < MIN_LINES;
    if (t->too_small)
        return;
    /* title; summary, the status (wrapped, up to 3 lines) and the key
     * hints (wrapped, every key that applies) at the bottom */
    t->status_h = status_lines(t, false, 0);
    t->footer_h = footer_lines(t, false, 0);
    int avail = H - 2 - t->status_h - t->footer_h;
    int mig_h = avail >= 30 ? 6 : avail >= 20 ? 4 : 2;
    int rest = avail - mig_h;
    int top_h = rest * 9 / 20;
    if (top_h < 4)
        top_h = 4;
    int trail_h = rest - top_h;
    int hosts_w = W * 11 / 20;
    tui_pane *p = t->panes;
    p[PANE_HOSTS] = (tui_pane){p[PANE_HOSTS].ops, p[PANE_HOSTS].sel, p[PANE_HOSTS].top, 0,
                               1, 0, top_h, hosts_w};
    p[PANE_SERVERS] = (tui_pane){p[PANE_SERVERS].ops, p[PANE_SERVERS].sel, p[PANE_SERVERS].top,
                                 0, 1, hosts_w + 1, top_h, W - hosts_w - 1};
    p[PANE_MIGRATIONS].y = 1 + top_h;
    p[PANE_MIGRATIONS].x = 0;
    p[PANE_MIGRATIONS].h = mig_h;
    p[PANE_MIGRATIONS].w = W;
    p[PANE_TRAIL].y = 1 + top_h + mig_h;
    p[PANE_TRAIL].x = 0;
    p[PANE_TRAIL].h = trail_h;
    p[PANE_TRAIL].w = W;
    if (t->trail_zoom) {
        /* the trail takes every line between the title and the summary */
        for (int i = 0; i < PANE_COUNT; i++)
            p[i].h = 0;
        p[PANE_TRAIL].y = 1;
        p[PANE_TRAIL].h = avail;
    }
}

/* The zoom key: the trail pane alone, or back to all four. */
static void zoom(tui *t)
{
    t->trail_zoom = !t->trail_zoom;
    if (t->trail_zoom)
        t->focus = PANE_TRAIL;
    char z[16];
    keys_labels(ACT_ZOOM, KEYS_TRAIL, z, sizeof z);
    tui_status(t, TH_STATUS, t->trail_zoom ? "trail zoomed (%s: all panes)" : "all panes (%s: zoom the trail)", z);
}

/* ---- the fixed lines -------------------------------------------------------------- */

/* The title keeps, in this order of need: the step counter, the release,
 * the quirks (listed, else counted), the help key; then the scenario name
 * (shortened), "novalid" and the command count as room allows. */
static void draw_title(tui *t)
{
    const cloud *c = t->s->c;
    char help[32], hl[40];
    keys_labels(ACT_HELP, KEYS_SERVERS, help, sizeof help);
    snprintf(hl, sizeof hl, "%s help ", help);
    int hw = tui_text_width(hl);
    sbuf ql = {0}, qn = {0};
    int n = 0;
    for (int q = 0; q < Q_COUNT; q++)
        if (quirk_on(&c->conf, q))
            sbuf_addf(&ql, "%s%s", n++ ? ", " : "quirks: ", quirk_table[q].name);
    if (!n)
        sbuf_add(&ql, "quirks: none");
    sbuf_addf(&qn, "%d quirk%s on", n, n == 1 ? "" : "s");
    const char *name = c->name ? c->name : "(unnamed)";
    sbuf b = {0};
    /* level 0: everything; each level gives something up: the command
     * count, "novalid", the end of the name, the quirk names (counted),
     * the name */
    for (int level = 0; level < 6; level++) {
        sbuf_reset(&b);
        int room = COLS - hw - 1;
        sbuf tail = {0};
        sbuf_addf(&tail, "release %s | %s", release_name(c->conf.release),
                  level >= 4 && n ? qn.s : ql.s);
        if (t->sc->n_steps)
            sbuf_addf(&tail, " | step %d/%d", t->next_step, t->sc->n_steps);
        if (level == 0)
            sbuf_addf(&tail, " | %d command(s)", t->s->n_done);
        const char *pre = level <= 1 ? " novalid | " : " ";
        int fixed = tui_text_width(pre) + tui_text_width(tail.s) + 3;
        int nw = tui_text_width(name);
        if (level >= 3 && nw > room - fixed) {
            /* the name gives way, shortened with a tilde */
            int keep = room - fixed - 1;
            if (keep >= 12 && level < 5) {
                char cut[256];
                snprintf(cut, sizeof cut, "%s", name);
                while (tui_text_width(cut) > keep && strlen(cut))
                    cut[strlen(cut) - 1] = '\0';
                while (strlen(cut) && (cut[strlen(cut) - 1] & 0xC0) == 0x80)
                    cut[strlen(cut) - 1] = '\0';   /* a whole character */
                sbuf_addf(&b, "%s%s~ | %s", pre, cut, tail.s);
            } else {
                sbuf_addf(&b, "%s%s", pre, tail.s);
            }
        } else {
            sbuf_addf(&b, "%s%s | %s", pre, name, tail.s);
        }
        sbuf_free(&tail);
        if (tui_text_width(b.s) <= room)
            break;
    }
    tui_fill(0, 0, COLS, TH_TITLE);
    tui_put(0, 0, COLS, TH_TITLE, b.s);
    if (tui_text_width(b.s) + hw < COLS)
        tui_put(0, COLS - hw, hw, TH_TITLE, hl);
    sbuf_free(&b);
    sbuf_free(&ql);
    sbuf_free(&qn);
}

static void draw_summary(tui *t, int y)
{
    tui_fill(y, 0, COLS, TH_SUMMARY);
    int x = tui_put(y, 0, COLS, TH_SUMMARY, " Decision: ");
    tui_put(y, x, COLS - x, TH_SUMMARY, t->summary ? t->summary : "none yet");
}

static const char *prompt_label(const tui *t)
{
    switch (t->prompt) {
    case PROMPT_CMD: return ":";
    case PROMPT_SEARCH: return "/";
    case PROMPT_SAVE: return "save as: ";
    case PROMPT_FIELD: {
        /* the field being edited */
        const cmd_desc *d = &cmd_table[t->form_op];
        int i = t->form.sel;
        return i >= 0 && i < d->n_args ? d->args[i].key : "value";
    }
    default: return "";
    }
}

static void draw_status(tui *t, int y)
{
    if (t->prompt) {
        tui_fill(y, 0, COLS, TH_PROMPT);
        const char *label = prompt_label(t);
        int x = tui_put(y, 0, COLS, TH_PROMPT, label);
        if (t->prompt == PROMPT_FIELD)
            x += tui_put(y, x, COLS - x, TH_PROMPT, ": ");
        const char *in = t->input.s ? t->input.s : "";
        /* from the cursor's side: drop characters on the left until the
         * text up to the cursor fits */
        int room = COLS - x - 1;
        char *upto = nv_strndup(in, t->cursor);
        const char *from = upto;
        while (tui_text_width(from) > room && *from) {
            from++;
            while ((*from & 0xC0) == 0x80)
                from++;
        }
        size_t skip = (size_t)(from - upto);
        int cx = x + tui_text_width(from);
        free(upto);
        tui_put(y, x, room, TH_PROMPT, in + skip);
        move(y, cx);
        return;
    }
    status_lines(t, true, y);
}

/* The status text wrapped at spaces into lines of `w` columns (a word
 * longer than a line is split); at most `max` lines, the last ending in
 * "..." when the text does not fit.  Returns the number of lines. */
static int wrap_text(const char *s, int w, int max, strlist *out)
{
    sbuf line = {0};
    int n = 0;
    while (*s && n < max) {
        sbuf_reset(&line);
        while (*s == ' ')
            s++;
        const char *end = s;   /* the end of the last word that fits */
        for (const char *p = s; *p;) {
            const char *q = p;
            while (*q == ' ')
                q++;
            while (*q && *q != ' ')
                q++;
            sbuf_reset(&line);
            sbuf_addn(&line, s, (size_t)(q - s));
            if (tui_text_width(line.s) > w)
                break;
            end = q;
            p = q;
        }
        if (end == s) {   /* one word wider than the line: split it */
            size_t k = 0;
            char buf[1100];
            while (s[k] && s[k] != ' ' && k < sizeof buf - 1) {
                buf[k] = s[k];
                buf[k + 1] = '\0';
                if (tui_text_width(buf) > w)
                    break;
                k++;
            }
            while (k > 1 && (s[k] & 0xC0) == 0x80)
                k--;
            end = s + (k ? k : 1);
        }
        bool last = n == max - 1 && *end && strspn(end, " ") != strlen(end);
        sbuf_reset(&line);
        sbuf_addn(&line, s, (size_t)(end - s));
        if (last) {
            /* no room for the rest: end on a whole word and say so */
            while (line.len && tui_text_width(line.s) + 4 > w) {
                char *sp = strrchr(line.s, ' ');
                line.len = sp ? (size_t)(sp - line.s) : 0;
                line.s[line.len] = '\0';
            }
            sbuf_add(&line, " ...");
        }
        strlist_push(out, line.s);
        n++;
        s = end;
    }
    sbuf_free(&line);
    return n ? n : (strlist_push(out, ""), 1);
}

/* The status line(s): counted, or drawn from line y down. */
static int status_lines(tui *t, bool draw, int y)
{
    if (t->prompt)
        return 1;
    strlist l = {0};
    int n = wrap_text(t->status, COLS - 2, 3, &l);
    for (int i = 0; draw && i < n; i++) {
        tui_fill(y + i, 0, COLS, t->status_elem);
        tui_put(y + i, 1, COLS - 1, t->status_elem, l.v[i]);
    }
    strlist_free(&l);
    return n;
}

static unsigned context(const tui *t)
{
    if (t->prompt)
        return KEYS_PROMPT;
    if (t->overlay)
        return t->overlay->ops->ctx;
    return t->panes[t->focus].ops->ctx;
}

/* The key hints of the focused context, from the key table, wrapped onto
 * as many lines as they need (at most 3): counted, or drawn from line y;
 * with `hit`, the hint at line hy (0 = the first), column hx. */
static int footer_lines(tui *t, bool draw, int y)
{
    return footer_walk(t, draw, y, -1, -1, NULL);
}

static int footer_walk(tui *t, bool draw, int y, int hy, int hx, const key_binding **hit)
{
    unsigned ctx = context(t);
    if (t->prompt == PROMPT_CMD && t->tab_again) {
        /* the candidates a second Tab listed */
        if (draw) {
            tui_fill(y, 0, COLS, TH_FOOTER);
            tui_put(y, 0, COLS, TH_FOOTER, t->status);
        }
        return 1;
    }
    if (t->prompt == PROMPT_CMD && t->input.s) {
        /* the synopsis of the command being typed */
        char word[64];
        size_t n = strcspn(t->input.s, " \t");
        snprintf(word, sizeof word, "%.*s", (int)(n < 63 ? n : 63), t->input.s);
        int op = op_from_name(word);
        if (op >= 0) {
            if (draw) {
                sbuf u = {0};
                command_usage(op, &u);
                tui_fill(y, 0, COLS, TH_FOOTER);
                tui_put(y, 0, COLS, TH_FOOTER, u.s);
                sbuf_free(&u);
            }
            return 1;
        }
    }
    int x = 0, line = 0;
    if (draw)
        tui_fill(y, 0, COLS, TH_FOOTER);
    for (int i = 0; i < keys_count; i++) {
        const key_binding *k = &keys_table[i];
        if (!k->hint || !(k->where & ctx))
            continue;
        if (k->action == ACT_FORCE && t->overlay == &t->dialog && !pane_dialog_can_force(t))
            continue;   /* the release's API takes no force */
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = keys_table[j].hint && (keys_table[j].where & ctx) &&
                   keys_table[j].action == k->action;
        if (seen)
            continue;
        int need = tui_text_width(k->label) + tui_text_width(k->hint) + 2;
        if (x && x + need > COLS) {
            if (line == 2)
                break;
            line++;
            x = 0;
            if (draw)
                tui_fill(y + line, 0, COLS, TH_FOOTER);
        }
        if (hit && line == hy && hx >= x && hx < x + need)
            *hit = k;
        if (draw) {
            x += tui_put(y + line, x, COLS - x, TH_FOOTER_KEY, k->label);
            x += tui_putf(y + line, x, COLS - x, TH_FOOTER, " %s ", k->hint);
        } else {
            x += need;
        }
    }
    return line + 1;
}

static void draw(tui *t)
{
    tui_refresh_derived(t);
    layout(t);
    attrset(theme_attr(TH_NORMAL));
    bkgdset((chtype)theme_attr(TH_NORMAL) | ' ');
    erase();
    if (t->too_small) {
        char msg[64];
        snprintf(msg, sizeof msg, "terminal too small (need %dx%d)", MIN_COLS, MIN_LINES);
        int w = (int)strlen(msg), y = LINES / 2, x = (COLS - w) / 2;
        tui_put(y, x < 0 ? 0 : x, COLS, TH_ERROR, msg);
        if (LINES > 2)
            tui_put(y + 1, 0, COLS, TH_DIM, "q quits");
        curs_set(0);
        refresh();
        return;
    }
    draw_title(t);
    for (int i = 0; i < PANE_COUNT; i++)
        if (t->panes[i].h > 0)
            t->panes[i].ops->draw(t, &t->panes[i]);
    /* the line between hosts and servers */
    attrset(theme_attr(TH_BORDER));
    if (t->panes[PANE_HOSTS].h > 0)
        mvvline(1, t->panes[PANE_HOSTS].w, ACS_VLINE, t->panes[PANE_HOSTS].h);
    int bottom = LINES - t->footer_h - t->status_h;
    draw_summary(t, bottom - 1);
    footer_lines(t, true, LINES - t->footer_h);
    if (t->overlay)
        t->overlay->ops->draw(t, t->overlay);
    draw_status(t, bottom);
    curs_set(t->prompt ? 1 : 0);
    refresh();
}

/* ---- search ------------------------------------------------------------------------ */

/* The searchable panes, in search order: their rows form one cyclic list
 * (the trail's rows are its lines: a match scrolls the trail to it). */
static const int search_panes[] = {PANE_SERVERS, PANE_HOSTS, PANE_TRAIL};
#define N_SEARCH NELEM(search_panes)

/* Move to the next (dir 1) or previous (-1) row whose name contains the
 * pattern, starting after the selection of the focused pane (or at it,
 * with include_current). */
static bool search_move(tui *t, int dir, bool include_current)
{
    tui_refresh_derived(t);
    if (!t->search)
        return false;
    int base[N_SEARCH], total = 0, cur = -1;
    for (int k = 0; k < N_SEARCH; k++) {
        tui_pane *p = &t->panes[search_panes[k]];
        base[k] = total;
        if (search_panes[k] == t->focus)
            cur = total + (search_panes[k] == PANE_TRAIL ? p->top : p->sel);
        total += p->ops->rows(t);
    }
    if (!total)
        return false;
    if (cur < 0) {
        cur = dir > 0 ? total - 1 : 0;
        include_current = false;
    }
    for (int d = include_current ? 0 : 1; d <= total; d++) {
        int i = ((cur + dir * d) % total + total) % total;
        int k = N_SEARCH - 1;
        while (k > 0 && i < base[k])
            k--;
        tui_pane *p = &t->panes[search_panes[k]];
        if (tui_search_match(t, p->ops->row_name(t, i - base[k]))) {
            t->focus = search_panes[k];
            p->sel = i - base[k];
            if (search_panes[k] == PANE_TRAIL) {
                p->top = p->sel;   /* the line at the top of the pane */
                t->trail_matrix = false;
            }
            return true;
        }
    }
    return false;
}

static int search_count(tui *t)
{
    int n = 0;
    for (int k = 0; k < N_SEARCH; k++) {
        tui_pane *p = &t->panes[search_panes[k]];
        for (int r = 0, rows = p->ops->rows(t); r < rows; r++)
            n += tui_search_match(t, p->ops->row_name(t, r));
    }
    return n;
}

static void search_next(tui *t, int dir)
{
    if (!t->search) {
        char l[16];
        keys_labels(ACT_SEARCH, KEYS_SERVERS, l, sizeof l);
        tui_status(t, TH_STATUS_ERROR, "no search: press %s first", l);
        return;
    }
    if (search_move(t, dir, false))
        tui_status(t, TH_STATUS, "/%s: %d match(es)", t->search, search_count(t));
    else
        tui_status(t, TH_STATUS_ERROR, "/%s: no match", t->search);
}

/* ---- prompt line ------------------------------------------------------------------- */

static void prompt_open(tui *t, enum prompt_kind kind, const char *initial)
{
    t->prompt = kind;
    sbuf_reset(&t->input);
    if (initial)
        sbuf_add(&t->input, initial);
    t->cursor = t->input.len;
    t->hist_pos = t->history.n;
    t->tab_again = false;
}

void tui_prompt(tui *t, enum prompt_kind kind, const char *initial)
{
    prompt_open(t, kind, initial);
}

static void prompt_submit(tui *t)
{
    enum prompt_kind kind = t->prompt;
    char *line = nv_strdup(t->input.s ? t->input.s : "");
    t->prompt = PROMPT_NONE;
    /* trim */
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strlen(p);
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        p[--n] = '\0';
    if (kind == PROMPT_CMD && *p) {
        history_add(t, p);
        command cmd;
        char err[512];
        if (command_parse(p, &cmd, err, sizeof err)) {
            if (cmd.op == OP_RELEASE_SET)
                set_release(t, release_from_name(kvlist_get(&cmd.props, "release")));
            else
                tui_exec(t, &cmd, -1);
            command_done(&cmd);
        } else {
            tui_status(t, TH_STATUS_ERROR, ":%s: %s", p, err);
        }
    } else if (kind == PROMPT_SEARCH) {
        free(t->search);
        t->search = NULL;
        if (*p) {
            t->search = nv_strdup(p);
            char nl[16], pl[16];
            keys_labels(ACT_SEARCH_NEXT, KEYS_SERVERS, nl, sizeof nl);
            keys_labels(ACT_SEARCH_PREV, KEYS_SERVERS, pl, sizeof pl);
            if (search_move(t, 1, true))
                tui_status(t, TH_STATUS, "/%s: %d match(es); %s next, %s previous", p,
                           search_count(t), nl, pl);
            else
                tui_status(t, TH_STATUS_ERROR, "/%s: no match", p);
        } else {
            tui_status(t, TH_STATUS, "search cleared");
        }
    } else if (kind == PROMPT_FIELD) {
        pane_form_set(t, p);
    } else if (kind == PROMPT_SAVE) {
        if (*p) {
            free(t->ask_path);
            /* expanded now, so the overwrite question sees the real file */
            t->ask_path = expand_home(p);
            ask(t, ASK_SAVE_MODE, "save %d command(s) to %s: e with expectations (the "
                                  "outcomes seen now, a regression test), p plain, Esc cancel",
                t->s->n_done, t->ask_path);
        } else {
            tui_status(t, TH_STATUS, "not saved");
        }
    }
    free(line);
}

/* Byte offsets of the UTF-8 character before / after `at`. */
static size_t char_before(const sbuf *b, size_t at)
{
    if (!at)
        return 0;
    at--;
    while (at && (b->s[at] & 0xC0) == 0x80)
        at--;
    return at;
}

static size_t char_after(const sbuf *b, size_t at)
{
    if (at >= b->len)
        return b->len;
    at++;
    while (at < b->len && (b->s[at] & 0xC0) == 0x80)
        at++;
    return at;
}

/* Remove bytes [from, to) of the input; the cursor goes to `from`. */
static void input_cut(tui *t, size_t from, size_t to)
{
    if (to <= from)
        return;
    memmove(t->input.s + from, t->input.s + to, t->input.len - to + 1);
    t->input.len -= to - from;
    t->cursor = from;
}

static void input_insert(tui *t, const char *text, size_t n)
{
    if (t->input.len + n > 1000)
        return;
    size_t tail = t->input.len - t->cursor;
    char *rest = nv_strndup(t->input.s ? t->input.s + t->cursor : "", tail);
    t->input.len = t->cursor;
    if (t->input.s)
        t->input.s[t->input.len] = '\0';
    sbuf_addn(&t->input, text, n);
    t->cursor = t->input.len;
    sbuf_add(&t->input, rest);
    free(rest);
}

/* Tab: complete the word before the cursor from the command table and the
 * cloud; a second Tab with several candidates lists them. */
static void complete(tui *t)
{
    strlist cands = {0};
    const char *in = t->input.s ? t->input.s : "";
    size_t start = (size_t)command_complete(t->s->c, in, t->cursor, &cands);
    if (!cands.n) {
        tui_status(t, TH_STATUS, "no completion");
        t->tab_again = false;
        strlist_free(&cands);
        return;
    }
    /* the longest common prefix of the candidates */
    size_t common = strlen(cands.v[0]);
    for (int i = 1; i < cands.n; i++) {
        size_t k = 0;
        while (k < common && cands.v[i][k] == cands.v[0][k])
            k++;
        common = k;
    }
    size_t have = t->cursor - start;
    if (cands.n == 1 || common > have) {
        input_cut(t, start, t->cursor);
        input_insert(t, cands.v[0], cands.n == 1 ? strlen(cands.v[0]) : common);
        t->tab_again = false;
    } else if (t->tab_again || cands.n > 1) {
        sbuf b = {0};
        for (int i = 0; i < cands.n && b.len < 600; i++)
            sbuf_addf(&b, "%s%s", i ? "  " : "", cands.v[i]);
        tui_status(t, TH_STATUS, "%d candidates: %s", cands.n, b.s);
        sbuf_free(&b);
        t->tab_again = true;
    }
    strlist_free(&cands);
}

static void prompt_key(tui *t, int ch)
{
    enum keys_action a = keys_lookup(ch, KEYS_PROMPT);
    if (a != ACT_COMPLETE)
        t->tab_again = false;
    if (!t->input.s)
        sbuf_add(&t->input, "");
    switch (a) {
    case ACT_PICK:
        prompt_submit(t);
        return;
    case ACT_CLOSE:
        if (t->prompt == PROMPT_FIELD)
            t->overlay = &t->form;      /* back to the form, the field as it was */
        t->prompt = PROMPT_NONE;
        tui_status(t, TH_STATUS, "cancelled");
        return;
    case ACT_BACKSPACE:
        if (t->input.len)
            input_cut(t, char_before(&t->input, t->cursor), t->cursor);
        else
            t->prompt = PROMPT_NONE;
        return;
    case ACT_DELETE_CHAR:
        input_cut(t, t->cursor, char_after(&t->input, t->cursor));
        return;
    case ACT_KILL_LINE:
        input_cut(t, 0, t->cursor);
        return;
    case ACT_KILL_EOL:
        input_cut(t, t->cursor, t->input.len);
        return;
    case ACT_KILL_WORD: {
        size_t k = t->cursor;
        while (k && t->input.s[k - 1] == ' ')
            k--;
        while (k && t->input.s[k - 1] != ' ')
            k--;
        input_cut(t, k, t->cursor);
        return;
    }
    case ACT_LEFT:
        t->cursor = char_before(&t->input, t->cursor);
        return;
    case ACT_RIGHT:
        t->cursor = char_after(&t->input, t->cursor);
        return;
    case ACT_LINE_START:
        t->cursor = 0;
        return;
    case ACT_LINE_END:
        t->cursor = t->input.len;
        return;
    case ACT_COMPLETE:
        if (t->prompt == PROMPT_CMD)
            complete(t);
        return;
    case ACT_UP:
    case ACT_DOWN:
        if (t->prompt != PROMPT_CMD || !t->history.n)
            return;
        t->hist_pos += a == ACT_UP ? -1 : 1;
        if (t->hist_pos < 0)
            t->hist_pos = 0;
        sbuf_reset(&t->input);
        if (t->hist_pos >= t->history.n)
            t->hist_pos = t->history.n;
        else
            sbuf_add(&t->input, t->history.v[t->hist_pos]);
        t->cursor = t->input.len;
        return;
    case ACT_REDRAW:
        clearok(curscr, TRUE);
        return;
    default:
        break;
    }
    /* typed text: printable ASCII and the bytes of UTF-8 sequences */
    if (ch >= 32 && ch < 256 && ch != 127) {
        char c = (char)ch;
        input_insert(t, &c, 1);
    }
}

/* ---- dispatch --------------------------------------------------------------------- */

static void focus_move(tui *t, int dir)
{
    if (t->trail_zoom)
        return;   /* the trail is the only pane shown */
    t->focus = (t->focus + dir + PANE_COUNT) % PANE_COUNT;
}

/* What a key needs where it does not apply, from its entry in the key
 * table: "d: select a host first (take the selected host down / ...)". */
static const struct {
    unsigned ctx;
    const char *needs;
} key_needs[] = {
    {KEYS_HOSTS, "select a host first"},
    {KEYS_SERVERS, "select a server first"},
    {KEYS_MIGRATIONS, "select a migration first"},
    {KEYS_TRAIL, "focus the trail pane first"},
    {KEYS_DIALOG, "only in the move dialog"},
    {KEYS_QUIRKS, "only in the quirk list"},
    {KEYS_HELP, "only in the help"},
    {KEYS_PROMPT, "only at the prompt"},
};

static bool wrong_key(tui *t, int ch, unsigned ctx)
{
    for (int i = 0; i < keys_count; i++) {
        const key_binding *k = &keys_table[i];
        if (k->key != ch || (k->where & ctx))
            continue;
        for (int j = 0; j < NELEM(key_needs); j++)
            if (k->where & key_needs[j].ctx) {
                tui_status(t, TH_STATUS_ERROR, "%s: %s (%s)", k->label, key_needs[j].needs,
                           k->help);
                return true;
            }
    }
    return false;
}

static void handle_key(tui *t, int ch)
{
    if (t->ask) {
        answer(t, ch);
        return;
    }
    if (t->prompt) {
        prompt_key(t, ch);
        return;
    }
    unsigned ctx = context(t);
    enum keys_action a = keys_lookup(ch, ctx);
    if (t->too_small) {
        if (a == ACT_QUIT || ch == 'q')
            t->quit = true;
        return;
    }
    if (a == ACT_REDRAW) {
        clearok(curscr, TRUE);
        return;
    }
    if (t->overlay) {
        t->overlay->ops->key(t, t->overlay, a, ch);
        return;
    }
    tui_pane *p = &t->panes[t->focus];
    if (p->ops->key(t, p, a, ch))
        return;
    switch (a) {
    case ACT_NONE: wrong_key(t, ch, ctx); break;
    case ACT_HELP: pane_help_open(t); break;
    case ACT_QUIT: quit(t); break;
    case ACT_NEXT_PANE: focus_move(t, 1); break;
    case ACT_PREV_PANE: focus_move(t, -1); break;
    case ACT_UNDO: undo(t); break;
    case ACT_REDO: redo(t); break;
    case ACT_STEP: step(t); break;
    case ACT_QUIRKS: pane_quirks_open(t); break;
    case ACT_PROMPT: prompt_open(t, PROMPT_CMD, NULL); break;
    case ACT_SEARCH: prompt_open(t, PROMPT_SEARCH, NULL); break;
    case ACT_SEARCH_NEXT: search_next(t, 1); break;
    case ACT_SEARCH_PREV: search_next(t, -1); break;
    case ACT_SAVE: {
        char *sug = save_suggestion(t);
        prompt_open(t, PROMPT_SAVE, sug);
        free(sug);
        break;
    }
    case ACT_TRAIL_VIEW: pane_trail_toggle(t); break;
    case ACT_ZOOM: zoom(t); break;
    case ACT_HISTORY: pane_history_open(t); break;
    case ACT_PREV_DECISION:
    case ACT_NEXT_DECISION:
        if (!t->s->n_done) {
            tui_status(t, TH_STATUS_ERROR, "no command yet");
            break;
        }
        if (a == ACT_PREV_DECISION && tui_shown_index(t) == 0) {
            tui_status(t, TH_STATUS_ERROR, "this is the first command");
            break;
        }
        if (a == ACT_NEXT_DECISION && tui_shown_index(t) == t->s->n_done - 1) {
            tui_status(t, TH_STATUS_ERROR, "this is the last command");
            break;
        }
        tui_open_decision(t, tui_shown_index(t) + (a == ACT_PREV_DECISION ? -1 : 1));
        break;
    case ACT_FORM_HOST: pane_form_open(t, OP_HOST_ADD); break;
    case ACT_FORM_BOOT: pane_form_open(t, OP_BOOT); break;
    case ACT_FORM_GROUP: pane_form_open(t, OP_GROUP_CREATE); break;
    default: break;
    }
}

/* ---- mouse ------------------------------------------------------------------------- */

/*
 * A click is the key it stands for: on a footer hint, that key; on a list
 * row, focus and select it (the same as moving there with the keys); on a
 * pane, focus it.  The wheel scrolls the pane under the pointer.
 */
static void handle_mouse(tui *t)
{
    MEVENT ev;
    if (getmouse(&ev) != OK || t->too_small)
        return;
    bool wheel_up = ev.bstate & BUTTON4_PRESSED;
#ifdef BUTTON5_PRESSED
    bool wheel_down = ev.bstate & BUTTON5_PRESSED;
#else
    bool wheel_down = false;
#endif
    /* a click acts once: on the press, or on the release when the press
     * was not reported (some terminals and queues give only one of them) */
    bool press = ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED);
    bool click = press || ((ev.bstate & BUTTON1_RELEASED) && !t->mouse_down);
    t->mouse_down = ev.bstate & BUTTON1_PRESSED;
    if (!click && !wheel_up && !wheel_down)
        return;
    if (click && ev.y >= LINES - t->footer_h) {
        const key_binding *k = NULL;
        footer_walk(t, false, 0, ev.y - (LINES - t->footer_h), ev.x, &k);
        if (k)
            handle_key(t, k->key);
        return;
    }
    if (t->overlay || t->prompt)
        return;
    for (int i = 0; i < PANE_COUNT; i++) {
        tui_pane *p = &t->panes[i];
        if (ev.y < p->y || ev.y >= p->y + p->h || ev.x < p->x || ev.x >= p->x + p->w)
            continue;
        t->focus = i;
        if (wheel_up || wheel_down) {
            for (int n = 0; n < 3; n++)
                p->ops->key(t, p, wheel_up ? ACT_UP : ACT_DOWN, 0);
        } else if (p->ops->rows && !(i == PANE_TRAIL) && ev.y > p->y) {
            int row = p->top + (ev.y - p->y - 1);
            if (row < p->ops->rows(t))
                p->sel = row;
        }
        return;
    }
}

/* ---- main --------------------------------------------------------------------------- */

static void tui_init_state(tui *t, scenario *sc, const char *path)
{
    memset(t, 0, sizeof *t);
    t->shown = -1;
    t->sc = sc;
    t->path = path;
    cloud *c = sc->c;
    sc->c = NULL;
    t->s = session_new(c);
    t->gen = 1;
    t->panes[PANE_HOSTS].ops = &pane_hosts_ops;
    t->panes[PANE_SERVERS].ops = &pane_servers_ops;
    t->panes[PANE_MIGRATIONS].ops = &pane_migrations_ops;
    t->panes[PANE_TRAIL].ops = &pane_trail_ops;
    t->help.ops = &pane_help_ops;
    t->dialog.ops = &pane_dialog_ops;
    t->quirks.ops = &pane_quirks_ops;
    t->view.ops = &pane_view_ops;
    t->history_pane.ops = &pane_history_ops;
    t->form.ops = &pane_form_ops;
    t->focus = PANE_SERVERS;
    t->status_elem = TH_STATUS;
    t->saved_gen = t->gen;
    t->start_quirks = t->s->start_conf.quirks;
    t->start_release = t->s->start_conf.release;
    history_load(t);
    char m[16], h[16], p[16];
    keys_labels(ACT_LIVE_MIGRATE, KEYS_SERVERS, m, sizeof m);
    keys_labels(ACT_HELP, KEYS_SERVERS, h, sizeof h);
    keys_labels(ACT_PROMPT, KEYS_SERVERS, p, sizeof p);
    tui_status(t, TH_STATUS, "Select a server and press %s to live-migrate it, %s for a command, %s for help.",
               m, p, h);
}

static void tui_done(tui *t)
{
    pane_view_free(t);
    if (t->quirk_before)
        session_free(t->quirk_before);
    session_free(t->s);
    scenario_free(t->sc);
    intvec_free(&t->step_of);
    intvec_free(&t->undo_log);
    intvec_free(&t->redo_log);
    intvec_free(&t->server_rows);
    intvec_free(&t->host_rows);
    free(t->host_filter);
    strlist_free(&t->trail_lines);
    intvec_free(&t->trail_elems);
    intvec_free(&t->trail_ev);
    intvec_free(&t->trail_k);
    sbuf_free(&t->trail_buf);
    strlist_free(&t->check_lines);
    intvec_free(&t->check_elems);
    free(t->summary);
    pane_matrix_free(t);
    sbuf_free(&t->input);
    strlist_free(&t->history);
    free(t->search);
    free(t->ask_path);
    free(t->state_dir);
    autosave_forget(t);
    free(t->autosave_offer);
    strlist_free(&t->form_vals);
}

/*
 * The UI without a terminal, for the key fuzzer and tests: a curses
 * screen of the terminal type `term` writes to `out` (e.g. /dev/null),
 * the keys come from `keys` instead of getch(), and every key goes
 * through handle_key() and a full redraw, as in tui_main.  No signal
 * handlers, no autosave offer.  Returns the number of keys handled before
 * the UI quit (n if it did not).
 */
int tui_feed_keys(scenario *sc, const char *path, const int *keys, int n, const char *term,
                  FILE *out, FILE *in)
{
    SCREEN *scr = newterm(term, out, in);
    if (!scr) {
        scenario_free(sc);
        return -1;
    }
    SCREEN *old = set_term(scr);
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    theme th = {0};
    strlist errors = {0};
    theme_load(&th, "default", &errors);
    strlist_free(&errors);
    theme_start(&th, true);
    tui *t = nv_calloc(1, sizeof *t);
    tui_init_state(t, sc, path);
    int i = 0;
    for (; i < n && !t->quit; i++) {
        draw(t);
        if (keys[i] != KEY_RESIZE && keys[i] != KEY_MOUSE)
            handle_key(t, keys[i]);
    }
    if (!t->quit)
        draw(t);
    endwin();
    set_term(old);
    delscreen(scr);
    tui_done(t);
    free(t);
    theme_done(&th);
    return i;
}

int tui_main(scenario *sc, const char *path)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "novalid: the UI needs a terminal (try `novalid run FILE` for a "
                        "headless replay)\n");
        scenario_free(sc);
        return 2;
    }
    setlocale(LC_ALL, "");

    /* theme problems are reported before the screen is taken over */
    theme th = {0};
    strlist errors = {0};
    bool theme_ok = theme_load(&th, NULL, &errors);
    for (int i = 0; i < errors.n; i++) {
        char *e = nv_term_escape(errors.v[i]);
        fprintf(stderr, "novalid: %s\n", e);
        free(e);
    }
    if (!theme_ok && errors.n)
        fprintf(stderr, "novalid: using the built-in theme\n");

    /* the modes the fatal-signal path puts back: as they were before curses */
    have_tio = tcgetattr(STDIN_FILENO, &saved_tio) == 0;
    screen = newterm(NULL, stdout, stdin);
    if (!screen) {
        const char *term = getenv("TERM");
        fprintf(stderr, "novalid: cannot use the terminal (TERM=%s)\n", term ? term : "");
        theme_done(&th);
        strlist_free(&errors);
        scenario_free(sc);
        return 2;
    }
    set_term(screen);
    curses_on = 1;
    install_handlers();
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    /* clicks select, focus and press footer keys; the wheel scrolls */
    mouseinterval(0);
    mousemask(BUTTON1_PRESSED | BUTTON1_RELEASED | BUTTON1_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
                  | BUTTON5_PRESSED
#endif
              ,
              NULL);
    const char *no_color = getenv("NO_COLOR");
    theme_start(&th, !(no_color && *no_color));

    tui *t = nv_calloc(1, sizeof *t);
    tui_init_state(t, sc, path);
    if (!theme_ok && errors.n)
        tui_status(t, TH_STATUS_ERROR, "theme: %s (using the built-in theme)", errors.v[0]);
    strlist_free(&errors);
    offer_autosave(t);

    int errs = 0;
    while (!t->quit && !pending_signal) {
        draw(t);
        int ch = getch();
        if (pending_signal)
            break;
        if (ch == ERR) {
            /* no terminal to read from any more */
            if (++errs > 100)
                break;
            continue;
        }
        errs = 0;
        if (ch == KEY_MOUSE)
            handle_mouse(t);
        else if (ch != KEY_RESIZE)
            handle_key(t, ch);
    }

    int sig = pending_signal;
    restore_terminal();
    remove_handlers();
    delscreen(screen);
    screen = NULL;
    tui_done(t);
    free(t);
    theme_done(&th);
    if (sig)
        _exit(128 + sig);
    return 0;
}
