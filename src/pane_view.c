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

static void view_open(tui *t, char *title, char *text)
{
    free(t->view_title);
    t->view_title = title;
    strlist_free(&t->view_lines);
    /* lines wrapped to the box (at a blank where there is one), the
     * continuation indented */
    int h, w, page;
    geometry(1, &h, &w, &page);
    size_t width = w - 4 > 20 ? (size_t)(w - 4) : 20;
    const char *p = text ? text : "";
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
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
            strlist_push(&t->view_lines, line);
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
        p += n + (nl ? 1 : 0);
    }
    free(text);
    t->view.sel = 0;
    t->view.top = 0;
    t->overlay = &t->view;
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

static void view_draw(tui *t, tui_pane *p)
{
    int h, w, page;
    geometry(t->view_lines.n, &h, &w, &page);
    int n = t->view_lines.n;
    if (p->top > n - page)
        p->top = n - page;
    if (p->top < 0)
        p->top = 0;
    int y0, x0;
    tui_box(h, w, TH_DIALOG, t->view_title ? t->view_title : "", &y0, &x0);
    for (int i = 0; i < page && p->top + i < n; i++)
        tui_put(y0 + 1 + i, x0 + 2, w - 4, TH_DIALOG, t->view_lines.v[p->top + i]);
    if (n > page)
        tui_putf(y0 + h - 2, x0 + w - 24, 22, TH_DIALOG, "lines %d-%d/%d", p->top + 1,
                 p->top + page < n ? p->top + page : n, n);
    footer(p, y0 + h - 2, x0 + 2, w - 28, false);
}

static bool view_key(tui *t, tui_pane *p, enum keys_action a, int ch)
{
    (void)ch;
    int h, w, page;
    geometry(t->view_lines.n, &h, &w, &page);
    switch (a) {
    case ACT_UP: p->top--; break;
    case ACT_DOWN: p->top++; break;
    case ACT_PAGE_UP: p->top -= page; break;
    case ACT_PAGE_DOWN: p->top += page; break;
    case ACT_HOME: p->top = 0; break;
    case ACT_END: p->top = t->view_lines.n; break;
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

static void dry_run_text(const cloud *c, const trail *tr, const whatif_result *r, sbuf *out)
{
    sbuf_addf(out, "=> %s", r->outcome);
    if (r->destination >= 0 && r->destination < c->hosts.n)
        sbuf_addf(out, ": %s", c->hosts.v[r->destination].name);
    if (r->message)
        sbuf_addf(out, "\n   %s", r->message);
    for (int i = 0; i < r->plan.n; i++)
        sbuf_addf(out, "%s%s", i ? ", " : "\nplan: ", r->plan.v[i]);
    sbuf_add(out, "\nNothing changed: this was a dry run (no claim, no migration).\n");
    if (tr->n_dec) {
        sbuf_add(out, "Decision: ");
        dec_summary(tr, c, 0, tr->n, out);
        sbuf_addc(out, '\n');
    }
    /* the fit notes first, then the whole log */
    for (int i = 0; i < tr->n; i++)
        if (tr->v[i].kind == EV_NOTE && tr->v[i].message &&
            !strncmp(tr->v[i].message, "What would make ", 16))
            sbuf_addf(out, "%s\n", tr->v[i].message);
    sbuf_add(out, "\n");
    trail_text(tr, 0, out);
}

void pane_whatif_open(tui *t, int sid, int h)
{
    cloud *c = t->s->c;
    trail tr = {0};
    whatif_result r;
    whatif_move(c, &t->s->rng, &tr, OP_LIVE_MIGRATE, sid, h, &r);
    sbuf b = {0};
    dry_run_text(c, &tr, &r, &b);
    view_open(t, h >= 0 ? nv_printf("What if %s is live-migrated to %s?", c->servers.v[sid].name,
                                    c->hosts.v[h].name)
                        : nv_printf("Where could %s be live-migrated?", c->servers.v[sid].name),
              sbuf_take(&b));
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
    sbuf b = {0};
    dry_run_text(c, &tr, &r, &b);
    view_open(t, nv_printf("Can %s be emptied? (drain plan)", c->hosts.v[h].name), sbuf_take(&b));
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
