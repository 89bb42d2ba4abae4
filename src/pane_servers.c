/*
 * pane_servers.c - the servers pane: one row per live server (deleted ones
 * are left out), in id order, with its host, vm_state/task_state and
 * flavor.  Rows index t->server_rows (rebuilt when the session changes).
 * Keys: live-migrate, cold-migrate, evacuate -> the move dialog.
 */
#include <stdio.h>
#include <string.h>

#include "theme.h"
#include "tui.h"

typedef struct cols {
    int name, host, state, flavor;
} cols;

static void measure(const tui *t, const tui_pane *p, cols *k)
{
    const cloud *c = t->s->c;
    int nmax = 6, hmax = 4;
    /* the first 5000 names are a fair sample; longer ones are cut */
    for (int i = 0; i < t->server_rows.n && i < 5000; i++) {
        int n = tui_text_width(c->servers.v[t->server_rows.v[i]].name);
        nmax = n > nmax ? n : nmax;
    }
    for (int h = 0; h < c->hosts.n && h < 5000; h++) {
        int n = tui_text_width(c->hosts.v[h].name);
        hmax = n > hmax ? n : hmax;
    }
    /* STATE/TASK as wide as the longest one shown, within 10..18 */
    int smax = 10;
    for (int i = 0; i < t->server_rows.n && i < 5000; i++) {
        const server *s = &c->servers.v[t->server_rows.v[i]];
        int n = (s->vm_state ? tui_text_width(s->vm_state) : 1) +
                (s->task_state ? 1 + tui_text_width(s->task_state) : 0);
        smax = n > smax ? n : smax;
    }
    /* a leading space and one between columns */
    int room = p->w - 4;
    k->name = nmax > 20 ? 20 : nmax;
    k->host = hmax > 14 ? 14 : hmax;
    k->state = smax > 18 ? 18 : smax;
    k->flavor = room - k->name - k->host - k->state;
    if (k->flavor < 8 && k->state > 12) {
        k->state = 12;
        k->flavor = room - k->name - k->host - k->state;
    }
}

/* Widths for the heading and every row of one frame: measured again only
 * when the session or the pane width changed. */
static void compute_cols(const tui *t, const tui_pane *p, cols *k)
{
    static cols cache;
    static unsigned cache_gen;
    static int cache_w = -1;
    if (cache_gen != t->gen || cache_w != p->w) {
        measure(t, p, &cache);
        cache_gen = t->gen;
        cache_w = p->w;
    }
    *k = cache;
}

static int rows(tui *t) { return t->server_rows.n; }

static const char *row_name(tui *t, int row)
{
    return t->s->c->servers.v[t->server_rows.v[row]].name;
}

static void heading(tui *t, tui_pane *p, int y, int elem)
{
    cols k;
    compute_cols(t, p, &k);
    int x = p->x + 1;
    tui_put(y, x, k.name, elem, "SERVER");
    x += k.name + 1;
    tui_put(y, x, k.host, elem, "HOST");
    x += k.host + 1;
    tui_put(y, x, k.state, elem, "STATE/TASK");
    x += k.state + 1;
    tui_put(y, x, k.flavor, elem, "FLAVOR");
}

static void draw_row(tui *t, tui_pane *p, int row, int y, int base)
{
    const cloud *c = t->s->c;
    const server *s = &c->servers.v[t->server_rows.v[row]];
    bool sel = base != TH_NORMAL;
    cols k;
    compute_cols(t, p, &k);
    int x = p->x + 1;
    tui_put(y, x, k.name, !sel && tui_search_match(t, s->name) ? TH_MATCH : base, s->name);
    x += k.name + 1;
    tui_put(y, x, k.host, s->host >= 0 || sel ? base : TH_DIM,
            s->host >= 0 ? c->hosts.v[s->host].name : "-");
    x += k.host + 1;
    int selem = TH_NORMAL;
    if (s->task_state)
        selem = TH_WARN;
    else if (nv_streq(s->vm_state, "active"))
        selem = TH_OK;
    else if (nv_streq(s->vm_state, "error"))
        selem = TH_ERROR;
    char st[96];
    snprintf(st, sizeof st, "%s%s%s", s->vm_state ? s->vm_state : "-", s->task_state ? "/" : "",
             s->task_state ? s->task_state : "");
    tui_put(y, x, k.state, sel ? base : selem, st);
    x += k.state + 1;
    const char *fl = s->flavor >= 0 && s->flavor < c->flavors.n ? c->flavors.v[s->flavor].name : "-";
    if (s->old_flavor >= 0 && s->old_flavor < c->flavors.n && s->old_flavor != s->flavor)
        tui_putf(y, x, k.flavor, base, "%s (was %s)", fl, c->flavors.v[s->old_flavor].name);
    else
        tui_put(y, x, k.flavor, base, fl);
}

static bool key(tui *t, tui_pane *p, enum keys_action a, int ch)
{
    enum cmd_op op;
    switch (a) {
    case ACT_WHAT_IF: {
        int sid = tui_selected_server(t);
        if (sid < 0)
            tui_status(t, TH_STATUS_ERROR, "no server selected");
        else
            pane_whatif_open(t, sid, -1);
        return true;
    }
    case ACT_DESCRIBE: {
        int sid = tui_selected_server(t);
        if (sid < 0)
            tui_status(t, TH_STATUS_ERROR, "no server selected");
        else
            pane_describe_server(t, sid);
        return true;
    }
    case ACT_LIVE_MIGRATE: op = OP_LIVE_MIGRATE; break;
    case ACT_MIGRATE: op = OP_MIGRATE; break;
    case ACT_EVACUATE: op = OP_EVACUATE; break;
    default: return tui_list_key(t, p, a, ch);
    }
    int sid = tui_selected_server(t);
    if (sid < 0)
        tui_status(t, TH_STATUS_ERROR, "no server selected");
    else
        pane_dialog_open(t, op, sid);
    return true;
}

const pane_ops pane_servers_ops = {
    .name = "servers",
    .ctx = KEYS_SERVERS,
    .draw = tui_list_draw,
    .key = key,
    .rows = rows,
    .heading = heading,
    .draw_row = draw_row,
    .row_name = row_name,
};
