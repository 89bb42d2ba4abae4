/*
 * pane_view.c - two overlays over the panes:
 *
 *   describe  a scrollable text box: a server or a host described field by
 *             field (describe.c), opened by Enter in the servers or hosts
 *             pane;
 *   what-if   the same box showing a dry run: where could the selected
 *             server go (or could it go to the selected host), and what
 *             would make each other host fit; a drain plan for a host;
 *   history   every command done, one row each (number, the command, its
 *             outcome, the one-line summary of its decision); Enter opens
 *             that command's decision in the trail pane and the matrix
 *             (tui_show_decision), as Enter on a migration row does for
 *             the command that made the migration.
 *
 * Both use the KEYS_VIEW context: Up/Down/PgUp/PgDn scroll or move, Enter
 * picks (history) or closes (describe), Esc and q close.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision.h"
#include "describe.h"
#include "theme.h"
#include "tui.h"
#include "whatif.h"

static void geometry(int n, int *h, int *w, int *page)
{
    *w = COLS - 4 < 110 ? COLS - 4 : 110;
    *h = n + 4;
    if (*h > LINES - 2)
        *h = LINES - 2;
    if (*h < 5)
        *h = 5;
    *page = *h - 4;
    if (*page < 1)
        *page = 1;
}

static void footer(tui_pane *p, int y, int x, int w, bool history)
{
    (void)p;
    char pick[24], cl[24];
    keys_labels(ACT_PICK, KEYS_VIEW, pick, sizeof pick);
    keys_labels(ACT_CLOSE, KEYS_VIEW, cl, sizeof cl);
    if (history)
        tui_putf(y, x, w, TH_DIALOG, "%s open this command's decision   %s close", pick, cl);
    else
        tui_putf(y, x, w, TH_DIALOG, "%s close", cl);
}

/* ---- describe ------------------------------------------------------------------ */

/* Line `p` (n bytes) wrapped to `width` (at a blank where there is one),
 * the continuation indented. */
static void wrap_line(const char *p, size_t n, size_t width, strlist *out)
{
    const char *q = p;
    size_t left = n, room = width;
    bool first = true;
    do {
        size_t cut = left;
        if (cut > room) {
            cut = room;
            while (cut > room / 2 && q[cut] != ' ')
                cut--;
            if (q[cut] != ' ')
                cut = room;
        }
        char *part = nv_strndup(q, cut);
        char *line = first ? part : nv_printf("    %s", part);
        strlist_push(out, line);
        if (line != part)
            free(line);
        free(part);
        while (cut < left && q[cut] == ' ')
            cut++;
        q += cut;
        left -= cut;
        first = false;
        room = width - 4;
    } while (left);
}

/* The width lines are wrapped to in the box. */
static size_t wrap_width(void)
{
    int h, w, page;
    geometry(1, &h, &w, &page);
    return w - 4 > 20 ? (size_t)(w - 4) : 20;
}

void pane_view_free(tui *t)
{
    free(t->view_title);
    t->view_title = NULL;
    strlist_free(&t->view_lines);
    trail_free(&t->view_trail);
    intvec_free(&t->view_ev);
    intvec_free(&t->view_k);
}

static void view_open(tui *t, char *title, char *text)
{
    pane_view_free(t);
    t->view_title = title;
    size_t width = wrap_width();
    const char *p = text ? text : "";
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        wrap_line(p, n, width, &t->view_lines);
        p += n + (nl ? 1 : 0);
    }
    free(text);
    t->view.sel = 0;
    t->view.top = 0;
    t->overlay = &t->view;
}

/* Lines of the view: the text's, then a dry run's lines. */
static int view_n(const tui *t)
{
    return t->view_lines.n + t->view_ev.n;
}

/* Line i of the view, as rendered (before wrapping). */
static void view_line(const tui *t, int i, sbuf *out)
{
    if (i < t->view_lines.n) {
        sbuf_add(out, t->view_lines.v[i]);
        return;
    }
    i -= t->view_lines.n;
    int ev = t->view_ev.v[i], k = t->view_k.v[i];
    if (k == -2)
        return;
    const event *e = &t->view_trail.v[ev];
    if (k == -1)
        sbuf_add(out, e->message);
    else
        event_line(e, k, out);
}

void pane_view_text(tui *t, char *title, char *text)
{
    view_open(t, title, text);
}

void pane_describe_server(tui *t, int sid)
{
    sbuf b = {0};
    describe_server(t->s->c, sid, &b);
    view_open(t, nv_printf("Server %s", t->s->c->servers.v[sid].name), sbuf_take(&b));
}

void pane_describe_host(tui *t, int h)
{
    sbuf b = {0};
    describe_host(t->s->c, h, &b);
    view_open(t, nv_printf("Host %s", t->s->c->hosts.v[h].name), sbuf_take(&b));
}

/* Screen rows line i takes, wrapped to `width`. */
static int rows_of(const tui *t, int i, size_t width)
{
    if (i < t->view_lines.n)
        return 1;
    sbuf b = {0};
    strlist rows = {0};
    view_line(t, i, &b);
    wrap_line(b.s ? b.s : "", b.len, width, &rows);
    int n = rows.n;
    strlist_free(&rows);
    sbuf_free(&b);
    return n;
}

/* The rows the view needs: all its lines wrapped when they could fit on
 * the screen, else its lines (the box is as high as it gets anyway). */
static int view_rows(const tui *t, size_t width)
{
    int n = view_n(t);
    if (n > LINES)
        return n;
    int rows = 0;
    for (int i = 0; i < n; i++)
        rows += rows_of(t, i, width);
    return rows;
}

/* The last top line that still fills the page: from there to the end,
 * the lines wrapped take `page` rows or fewer. */
static int last_top(const tui *t, int page, size_t width)
{
    int rows = 0;
    for (int i = view_n(t) - 1; i >= 0; i--) {
        rows += rows_of(t, i, width);
        if (rows > page)
            return i + 1;
    }
    return 0;
}

static void view_draw(tui *t, tui_pane *p)
{
    int h, w, page;
    int n = view_n(t);
    geometry(view_rows(t, wrap_width()), &h, &w, &page);
    int most = last_top(t, page, wrap_width());
    if (p->top > most)
        p->top = most;
    if (p->top < 0)
        p->top = 0;
    int y0, x0;
    tui_box(h, w, TH_DIALOG, t->view_title ? t->view_title : "", &y0, &x0);
    /* the lines from the top, each wrapped as it is drawn (the text's
     * lines are wrapped already) */
    size_t width = wrap_width();
    sbuf b = {0};
    strlist rows = {0};
    int row = 0, i = p->top;
    for (; row < page && i < n; i++) {
        if (i < t->view_lines.n) {
            tui_put(y0 + 1 + row++, x0 + 2, w - 4, TH_DIALOG, t->view_lines.v[i]);
            continue;
        }
        sbuf_reset(&b);
        view_line(t, i, &b);
        strlist_free(&rows);
        wrap_line(b.s ? b.s : "", b.len, width, &rows);
        for (int r = 0; r < rows.n && row < page; r++)
            tui_put(y0 + 1 + row++, x0 + 2, w - 4, TH_DIALOG, rows.v[r]);
    }
    strlist_free(&rows);
    sbuf_free(&b);
    if (p->top > 0 || i < n)
        tui_putf(y0 + h - 2, x0 + w - 24, 22, TH_DIALOG, "lines %d-%d/%d", p->top + 1, i, n);
    footer(p, y0 + h - 2, x0 + 2, w - 28, false);
}

static bool view_key(tui *t, tui_pane *p, enum keys_action a, int ch)
{
    (void)ch;
    int h, w, page;
    geometry(view_rows(t, wrap_width()), &h, &w, &page);
    switch (a) {
    case ACT_UP: p->top--; break;
    case ACT_DOWN: p->top++; break;
    case ACT_PAGE_UP: p->top -= page; break;
    case ACT_PAGE_DOWN: p->top += page; break;
    case ACT_HOME: p->top = 0; break;
    case ACT_END: p->top = view_n(t); break;
    case ACT_PICK:
    case ACT_CLOSE: t->overlay = NULL; break;
    default: return false;
    }
    return true;
}

const pane_ops pane_view_ops = {
    .name = "describe",
    .ctx = KEYS_VIEW,
    .draw = view_draw,
    .key = view_key,
};

/* ---- what-if and drain: dry runs shown as text --------------------------------- */

/* A dry run in the view: its outcome, plan and decision summary as text,
 * then the fit notes and the whole log, line by line from the trail,
 * which the view takes over (`tr` is left empty): at 100,000 hosts a
 * drain plan's log is a million lines, of which a screen is shown. */
static void dry_run_view(tui *t, char *title, const cloud *c, trail *tr, const whatif_result *r)
{
    sbuf out = {0};
    sbuf_addf(&out, "=> %s", r->outcome);
    if (r->destination >= 0 && r->destination < c->hosts.n)
        sbuf_addf(&out, ": %s", c->hosts.v[r->destination].name);
    if (r->message)
        sbuf_addf(&out, "\n   %s", r->message);
    for (int i = 0; i < r->plan.n; i++)
        sbuf_addf(&out, "%s%s", i ? ", " : "\nplan: ", r->plan.v[i]);
    sbuf_add(&out, "\nNothing changed: this was a dry run (no claim, no migration).\n");
    if (tr->n_dec) {
        sbuf_add(&out, "Decision: ");
        dec_summary(tr, c, 0, tr->n, &out);
        sbuf_addc(&out, '\n');
    }
    view_open(t, title, sbuf_take(&out));
    t->view_trail = *tr;
    memset(tr, 0, sizeof *tr);
    const trail *v = &t->view_trail;
    /* the fit notes first, then a blank line and the whole log */
    for (int i = 0; i < v->n; i++)
        if (v->v[i].kind == EV_NOTE && v->v[i].message &&
            !strncmp(v->v[i].message, "What would make ", 16)) {
            intvec_push(&t->view_ev, i);
            intvec_push(&t->view_k, -1);
        }
    intvec_push(&t->view_ev, -1);
    intvec_push(&t->view_k, -2);
    for (int i = 0; i < v->n; i++)
        for (int k = 0, n = event_lines(&v->v[i]); k < n; k++) {
            intvec_push(&t->view_ev, i);
            intvec_push(&t->view_k, k);
        }
}

void pane_whatif_open(tui *t, int sid, int h)
{
    cloud *c = t->s->c;
    trail tr = {0};
    whatif_result r;
    whatif_move(c, &t->s->rng, &tr, OP_LIVE_MIGRATE, sid, h, &r);
    dry_run_view(t,
                 h >= 0 ? nv_printf("What if %s is live-migrated to %s?", c->servers.v[sid].name,
                                    c->hosts.v[h].name)
                        : nv_printf("Where could %s be live-migrated?", c->servers.v[sid].name),
                 c, &tr, &r);
    whatif_result_done(&r);
    trail_free(&tr);
}

static bool busy_watch(void *busy, int done, int total)
{
    return tui_busy_step(busy, done, total);
}

void pane_drain_open(tui *t, int h)
{
    cloud *c = t->s->c;
    trail tr = {0};
    whatif_result r;
    char *what = nv_printf("drain plan for %s", c->hosts.v[h].name);
    tui_busy busy;
    tui_busy_start(&busy, t, what);
    whatif_drain_watch(c, &t->s->rng, &tr, h, busy_watch, &busy, &r);
    free(what);
    if (!strcmp(r.outcome, "Interrupted"))
        tui_status(t, TH_STATUS, "drain plan for %s stopped (Esc)", c->hosts.v[h].name);
    else
        tui_status(t, TH_STATUS, "drain plan for %s: %s", c->hosts.v[h].name, r.outcome);
    dry_run_view(t, nv_printf("Can %s be emptied? (drain plan)", c->hosts.v[h].name), c, &tr, &r);
    whatif_result_done(&r);
    trail_free(&tr);
}

/* ---- history ------------------------------------------------------------------- */

void pane_history_open(tui *t)
{
    t->history_pane.sel = tui_shown_index(t);
    if (t->history_pane.sel < 0)
        t->history_pane.sel = 0;
    t->history_pane.top = 0;
    t->overlay = &t->history_pane;
}

/* One history row: "  3  live-migrate vm-1 host2  => NoValidHost  0/2 hosts: ..." */
void pane_history_row(const tui *t, int k, sbuf *out)
{
    const session *s = t->s;
    const cmd_result *r = &s->results[k];
    sbuf_addf(out, "%3d  ", k + 1);
    command_format(&s->done[k], out);
    sbuf_addf(out, "  => %s", r->outcome ? r->outcome : "ok");
    int first;
    if (dec_in_range(&s->t, r->trail_from, r->trail_to, &first)) {
        sbuf_add(out, "  ");
        dec_summary(&s->t, s->c, r->trail_from, r->trail_to, out);
    }
}

static void history_draw(tui *t, tui_pane *p)
{
    int n = t->s->n_done;
    int h, w, page;
    geometry(n ? n : 1, &h, &w, &page);
    tui_list_clamp(p, n, page);
    int y0, x0;
    tui_box(h, w, TH_DIALOG, "History: every command and its decision", &y0, &x0);
    if (!n)
        tui_put(y0 + 1, x0 + 2, w - 4, TH_DIALOG, "no command yet");
    int shown = tui_shown_index(t);
    for (int i = 0; i < page && p->top + i < n; i++) {
        int k = p->top + i, y = y0 + 1 + i;
        int elem = k == p->sel ? TH_DIALOG_SELECTED : TH_DIALOG;
        sbuf b = {0};
        pane_history_row(t, k, &b);
        tui_fill(y, x0 + 1, w - 2, elem);
        tui_put(y, x0 + 1, 1, elem, k == shown ? ">" : " ");
        tui_put(y, x0 + 2, w - 4, elem, b.s ? b.s : "");
        sbuf_free(&b);
    }
    footer(p, y0 + h - 2, x0 + 2, w - 4, true);
}

static bool history_key(tui *t, tui_pane *p, enum keys_action a, int ch)
{
    (void)ch;
    int h, w, page;
    geometry(t->s->n_done ? t->s->n_done : 1, &h, &w, &page);
    if (tui_nav(p, a, t->s->n_done, page))
        return true;
    switch (a) {
    case ACT_PICK:
        t->overlay = NULL;
        if (p->sel >= 0 && p->sel < t->s->n_done)
            tui_open_decision(t, p->sel);
        return true;
    case ACT_CLOSE:
        t->overlay = NULL;
        return true;
    default:
        return false;
    }
}

const pane_ops pane_history_ops = {
    .name = "history",
    .ctx = KEYS_VIEW,
    .draw = history_draw,
    .key = history_key,
};
