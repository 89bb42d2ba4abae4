/*
 * pane_migrations.c - the migrations pane: every migration record of the
 * cloud, newest first (row 0 is the last record), with its id, type,
 * status (coloured: finished well, failed, in flight), server and
 * source -> dest.  Records only grow, so the newest is always on top and
 * a command that makes one shows it without scrolling.
 */
#include <stdio.h>
#include <string.h>

#include "theme.h"
#include "tui.h"

static int rows(tui *t) { return t->s->c->migrations.n; }

static const migration *at(const tui *t, int row)
{
    const cloud *c = t->s->c;
    return &c->migrations.v[c->migrations.n - 1 - row];
}

static int status_elem(const char *st)
{
    static const char *const good[] = {"completed", "confirmed", "finished", "done", "reverted"};
    static const char *const bad[] = {"error", "failed", "cancelled"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (nv_streq(st, good[i]))
            return TH_OK;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (nv_streq(st, bad[i]))
            return TH_ERROR;
    return TH_WARN;
}

enum { W_ID = 5, W_TYPE = 15, W_STATUS = 15, W_SERVER = 20 };

static void heading(tui *t, tui_pane *p, int y, int elem)
{
    tui_putf(y, p->x + 1, p->w - 1, elem, "%-*s %-*s %-*s %-*s %s", W_ID, "MIGR", W_TYPE, "TYPE",
             W_STATUS, "STATUS", W_SERVER, "SERVER", "SOURCE -> DEST");
}

static void draw_row(tui *t, tui_pane *p, int row, int y, int base)
{
    const cloud *c = t->s->c;
    const migration *m = at(t, row);
    bool sel = base != TH_NORMAL;
    int x = p->x + 1, end = p->x + p->w;
    tui_putf(y, x, W_ID, base, "#%d", m->id);
    x += W_ID + 1;
    tui_put(y, x, W_TYPE, base, m->type ? m->type : "-");
    x += W_TYPE + 1;
    tui_put(y, x, W_STATUS, sel ? base : status_elem(m->status), m->status ? m->status : "-");
    x += W_STATUS + 1;
    const char *sname = m->server >= 0 && m->server < c->servers.n ? c->servers.v[m->server].name
                                                                   : "-";
    tui_put(y, x, W_SERVER, base, sname);
    x += W_SERVER + 1;
    if (x < end)
        tui_putf(y, x, end - x, base, "%s -> %s",
                 m->source >= 0 ? c->hosts.v[m->source].name : "?",
                 m->dest >= 0 ? c->hosts.v[m->dest].name : "(scheduler)");
}

/* Enter: the decision of the command that made (or last changed) the
 * migration on the selected row. */
static bool key(tui *t, tui_pane *p, enum keys_action a, int ch)
{
    if (a != ACT_OPEN_DECISION)
        return tui_list_key(t, p, a, ch);
    const session *s = t->s;
    int row = p->sel, k = -1;
    int mi = s->c->migrations.n - 1 - row;      /* newest first, as drawn */
    for (int i = 0; i < s->n_done && row >= 0 && mi >= 0; i++)
        if (s->results[i].migration == mi)
            k = i;
    if (k < 0)
        tui_status(t, TH_STATUS_ERROR, "no command made this migration");
    else
        tui_open_decision(t, k);
    return true;
}

const pane_ops pane_migrations_ops = {
    .name = "migrations",
    .ctx = KEYS_MIGRATIONS,
    .draw = tui_list_draw,
    .key = key,
    .rows = rows,
    .heading = heading,
    .draw_row = draw_row,
    .row_name = NULL,
};
