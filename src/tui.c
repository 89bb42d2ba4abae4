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

int tui_selected_server(tui *t)
{
    tui_refresh_derived(t);
    const tui_pane *p = &t->panes[PANE_SERVERS];
    if (p->sel < 0 || p->sel >= t->server_rows.n)
        return -1;
    return t->server_rows.v[p->sel];
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
    char *keep = selected_name(t);
    const cmd_result *r = session_exec(t->s, cmd);
    intvec_push(&t->step_of, step);
    session_changed(t, keep);
    sbuf b = {0};
    describe_result(t, cmd, r, &b);
    bool ok = r->outcome && !strcmp(r->outcome, "ok");
    tui_status(t, ok ? TH_STATUS_OK : TH_STATUS_ERROR, "%s", b.s);
    sbuf_free(&b);
    return r;
}

void tui_set_quirk(tui *t, int quirk, bool on)
{
    char *keep = selected_name(t);
    free(t->autosave_head);
    t->autosave_head = NULL;
    session_set_quirk(t->s, quirk, on);
    session_changed(t, keep);
    tui_status(t, TH_STATUS_OK, "quirk %s %s; replayed %d command(s)", quirk_table[quirk].name,
               on ? "on" : "off", t->s->n_done);
}

/* The UI's release switch: the whole session again as that release (the
 * saved file then names it at the top); a release-set step in a file acts
 * on the steps after it instead. */
static void set_release(tui *t, int rel)
{
    char *keep = selected_name(t);
    int from = t->s->initial->conf.release;
    free(t->autosave_head);
    t->autosave_head = NULL;
    session_set_release(t->s, rel);
    session_changed(t, keep);
    tui_status(t, TH_STATUS_OK, "release %s (was %s); replayed %d command(s)", release_name(rel),
               release_name(from), t->s->n_done);
}

static void undo(tui *t)
{
    const command *last = tui_last_command(t);
    if (!last) {
        tui_status(t, TH_STATUS_ERROR, "nothing to undo");
        return;
    }
    sbuf b = {0};
    command_format(last, &b);
    char *keep = selected_name(t);
    session_undo(t->s);
    if (t->step_of.n) {
        int from = t->step_of.v[--t->step_of.n];
        if (from >= 0)
            t->next_step = from;
    }
    session_changed(t, keep);
    tui_status(t, TH_STATUS_OK, "undone: %s (%d command(s) left)", b.s, t->s->n_done);
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
    sbuf b = {0};
    sbuf_addf(&b, "%s (line %d): ", head, cmd->line);
    describe_result(t, cmd, er, &b);
    if (failed)
        sbuf_addf(&b, " -- expect FAIL %d/%d: %s want '%s' got '%s'", failed, checks.n,
                  first_bad->key, first_bad->want, first_bad->got ? first_bad->got : "");
    else
        sbuf_addf(&b, " -- expect pass %d/%d", checks.n, checks.n);
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

/* After every change: the session so far, so a crash or a lost terminal
 * loses nothing; offered back at the next start. */
static void autosave(tui *t)
{
    char *path = state_file(t, "autosave.cfg");
    if (!path)
        return;
    if (t->s->n_done > 0 && t->gen != t->saved_gen) {
        /* the start state's text is made once: at 100,000 servers it is
         * most of the file and most of the time */
        if (!t->autosave_head)
            t->autosave_head = scenario_text(t->s->initial, NULL, 0);
        char *steps = scenario_steps_text(t->s->done, t->s->n_done);
        char *text = nv_printf("%s%s", t->autosave_head, steps);
        scenario_write_text(path, text, NULL, 0);
        free(text);
        free(steps);
    } else {
        unlink(path);
    }
    free(path);
}

static void save(tui *t, const char *path, bool with_expect)
{
    char err[512] = "";
    /* the start state plus what was done: loading and replaying the file
     * reproduces this session; with expectations, each step also asserts
     * what happened, so the file is a regression test */
    command *steps = t->s->done;
    if (with_expect)
        steps = session_snapshot(t->s);
    bool ok = scenario_save(path, t->s->initial, steps, t->s->n_done, err, sizeof err);
    if (with_expect) {
        for (int i = 0; i < t->s->n_done; i++)
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
            char *p = state_file(t, "autosave.cfg");
            if (p)
                unlink(p);
            free(p);
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
    const nova_config *now = &t->s->initial->conf;
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

/* At start: a session autosaved by a run that did not end with q. */
static void offer_autosave(tui *t)
{
    char *p = state_file(t, "autosave.cfg");
    struct stat st;
    if (p && stat(p, &st) == 0) {
        char when[64];
        struct tm tmv;
        time_t mt = st.st_mtime;
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", localtime_r(&mt, &tmv));
        ask(t, ASK_RESTORE, "a session autosaved at %s was not saved: r restore it, "
                            "d discard it, Esc keep it for later", when);
    }
    free(p);
}

/* The autosaved start state, and its commands run again (undoable). */
static void restore_autosave(tui *t)
{
    char *p = state_file(t, "autosave.cfg");
    strlist errors = {0};
    scenario *sc = p ? scenario_load_file(p, &errors) : NULL;
    if (!sc) {
        tui_status(t, TH_STATUS_ERROR, "cannot restore: %s", errors.n ? errors.v[0] : "no file");
        strlist_free(&errors);
        free(p);
        return;
    }
    session_free(t->s);
    t->s = session_new(sc->c);
    sc->c = NULL;
    free(t->autosave_head);
    t->autosave_head = NULL;
    intvec_free(&t->step_of);
    for (int i = 0; i < sc->n_steps; i++) {
        session_exec(t->s, &sc->steps[i]);
        intvec_push(&t->step_of, -1);
    }
    session_changed(t, NULL);
    tui_status(t, TH_STATUS_OK, "restored the autosaved session: %d command(s) replayed",
               sc->n_steps);
    scenario_free(sc);
    strlist_free(&errors);
    free(p);
}

/* ---- prompt history ---------------------------------------------------------------- */

static void history_load(tui *t)
{
    char *p = state_file(t, "history");
    FILE *f = p ? fopen(p, "r") : NULL;
    char line[1024];
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            strlist_push(&t->history, line);
    }
    if (f)
        fclose(f);
    free(p);
    /* keep the newest */
    if (t->history.n > HISTORY_MAX) {
        int drop = t->history.n - HISTORY_MAX;
        for (int i = 0; i < drop; i++)
            free(t->history.v[i]);
        memmove(t->history.v, t->history.v + drop,
                (size_t)HISTORY_MAX * sizeof *t->history.v);
        t->history.n = HISTORY_MAX;
    }
}

static void history_add(tui *t, const char *line)
{
    if (t->history.n && !strcmp(t->history.v[t->history.n - 1], line))
        return;
    strlist_push(&t->history, line);
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
    if (pw < p->w / 3)
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

static void layout(tui *t)
{
    int H = LINES, W = COLS;
    t->too_small = W < MIN_COLS || H < MIN_LINES;
    if (t->too_small)
        return;
    int avail = H - 4;    /* title; summary, status, footer */
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
}

/* ---- the fixed lines -------------------------------------------------------------- */

static void draw_title(tui *t)
{
    const cloud *c = t->s->c;
    sbuf b = {0};
    sbuf_addf(&b, " novalid | %s | release %s | quirks:", c->name ? c->name : "(unnamed)",
              release_name(c->conf.release));
    int n = 0;
    for (int q = 0; q < Q_COUNT; q++)
        if (quirk_on(&c->conf, q))
            sbuf_addf(&b, "%s%s", n++ ? ", " : " ", quirk_table[q].name);
    if (!n)
        sbuf_add(&b, " none");
    if (t->sc->n_steps)
        sbuf_addf(&b, " | step %d/%d", t->next_step, t->sc->n_steps);
    sbuf_addf(&b, " | %d command(s)", t->s->n_done);
    tui_fill(0, 0, COLS, TH_TITLE);
    tui_put(0, 0, COLS, TH_TITLE, b.s);
    char help[32];
    keys_labels(ACT_HELP, KEYS_SERVERS, help, sizeof help);
    int hw = (int)strlen(help) + 7;
    if (tui_text_width(b.s) + hw < COLS)
        tui_putf(0, COLS - hw, hw, TH_TITLE, "%s help ", help);
    sbuf_free(&b);
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
    tui_fill(y, 0, COLS, t->status_elem);
    tui_put(y, 1, COLS - 1, t->status_elem, t->status);
}

static unsigned context(const tui *t)
{
    if (t->prompt)
        return KEYS_PROMPT;
    if (t->overlay)
        return t->overlay->ops->ctx;
    return t->panes[t->focus].ops->ctx;
}

static void draw_footer(tui *t, int y)
{
    unsigned ctx = context(t);
    tui_fill(y, 0, COLS, TH_FOOTER);
    if (t->prompt == PROMPT_CMD && t->tab_again) {
        /* the candidates a second Tab listed */
        tui_put(y, 0, COLS, TH_FOOTER, t->status);
        return;
    }
    if (t->prompt == PROMPT_CMD && t->input.s) {
        /* the synopsis of the command being typed */
        char word[64];
        size_t n = strcspn(t->input.s, " \t");
        snprintf(word, sizeof word, "%.*s", (int)(n < 63 ? n : 63), t->input.s);
        int op = op_from_name(word);
        if (op >= 0) {
            sbuf u = {0};
            command_usage(op, &u);
            tui_put(y, 0, COLS, TH_FOOTER, u.s);
            sbuf_free(&u);
            return;
        }
    }
    int x = 0;
    for (int i = 0; i < keys_count && x < COLS; i++) {
        const key_binding *k = &keys_table[i];
        if (!k->hint || !(k->where & ctx))
            continue;
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = keys_table[j].hint && (keys_table[j].where & ctx) &&
                   keys_table[j].action == k->action;
        if (seen)
            continue;
        int need = tui_text_width(k->label) + tui_text_width(k->hint) + 2;
        if (x + need > COLS)
            break;
        x += tui_put(y, x, COLS - x, TH_FOOTER_KEY, k->label);
        x += tui_putf(y, x, COLS - x, TH_FOOTER, " %s ", k->hint);
    }
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
        t->panes[i].ops->draw(t, &t->panes[i]);
    /* the line between hosts and servers */
    attrset(theme_attr(TH_BORDER));
    mvvline(1, t->panes[PANE_HOSTS].w, ACS_VLINE, t->panes[PANE_HOSTS].h);
    draw_summary(t, LINES - 3);
    draw_footer(t, LINES - 1);
    if (t->overlay)
        t->overlay->ops->draw(t, t->overlay);
    draw_status(t, LINES - 2);
    curs_set(t->prompt ? 1 : 0);
    refresh();
}

/* ---- search ------------------------------------------------------------------------ */

/* The searchable panes, in search order: their rows form one cyclic list. */
static const int search_panes[] = {PANE_SERVERS, PANE_HOSTS};
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
            cur = total + p->sel;
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
            t->ask_path = nv_strdup(p);
            ask(t, ASK_SAVE_MODE, "save %d command(s) to %s: e with expectations (the "
                                  "outcomes seen now, a regression test), p plain, Esc cancel",
                t->s->n_done, p);
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
    t->focus = (t->focus + dir + PANE_COUNT) % PANE_COUNT;
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
    case ACT_HELP: pane_help_open(t); break;
    case ACT_QUIT: quit(t); break;
    case ACT_NEXT_PANE: focus_move(t, 1); break;
    case ACT_PREV_PANE: focus_move(t, -1); break;
    case ACT_UNDO: undo(t); break;
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
    t->start_quirks = t->s->initial->conf.quirks;
    t->start_release = t->s->initial->conf.release;
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
    free(t->view_title);
    strlist_free(&t->view_lines);
    if (t->quirk_before)
        session_free(t->quirk_before);
    session_free(t->s);
    scenario_free(t->sc);
    intvec_free(&t->step_of);
    intvec_free(&t->server_rows);
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
    free(t->autosave_head);
    strlist_free(&t->form_vals);
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
        if (ch != KEY_RESIZE)
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
