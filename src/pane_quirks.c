/*
 * pane_quirks.c - the quirk list: every historic Nova bug novalid can
 * reproduce (quirk_table[]), whether it is on in this session, the
 * releases that shipped it, and the highlighted one's summary.  Space
 * switches one through tui_set_quirk(), which replays every command done
 * from the start state with the new setting, so the trail, the servers
 * and the migrations show what the fix (or the bug) changes.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "diff.h"
#include "theme.h"
#include "tui.h"

static void geometry(int *h, int *w, int *page)
{
    *w = COLS - 6 < 96 ? COLS - 6 : 96;
    *h = Q_COUNT + 9;
    if (*h > LINES - 2)
        *h = LINES - 2;
    *page = *h - 8;
    if (*page < 1)
        *page = 1;
}

void pane_quirks_open(tui *t)
{
    t->quirks.sel = 0;
    t->quirks.top = 0;
    t->overlay = &t->quirks;
}

static void draw(tui *t, tui_pane *p)
{
    const nova_config *conf = &t->s->c->conf;
    int h, w, page;
    geometry(&h, &w, &page);
    tui_list_clamp(p, Q_COUNT, page);
    int y0, x0;
    tui_box(h, w, TH_DIALOG, "Quirks: historic Nova bugs", &y0, &x0);
    int x = x0 + 2, iw = w - 4;
    tui_putf(y0 + 1, x, iw, TH_DIALOG, "Release %s. Switching one replays the %d command(s) done.",
             release_name(conf->release), t->s->n_done);
    for (int i = 0; i < page && p->top + i < Q_COUNT; i++) {
        int q = p->top + i, y = y0 + 2 + i;
        int elem = q == p->sel ? TH_DIALOG_SELECTED : TH_DIALOG;
        const quirk_desc *d = &quirk_table[q];
        bool dflt = conf->release >= d->first && conf->release <= d->last;
        tui_fill(y, x, iw, elem);
        tui_putf(y, x, iw, elem, " [%c] %-12s in %s..%s%s", quirk_on(conf, q) ? 'x' : ' ', d->name,
                 release_name(d->first), release_name(d->last),
                 dflt ? " (on by default here)" : "");
    }
    /* the highlighted quirk's summary, wrapped on two lines */
    const char *sum = quirk_table[p->sel].summary;
    int n = (int)strlen(sum), cut = n;
    if (n > iw) {
        cut = iw;
        while (cut > iw / 2 && sum[cut] != ' ')
            cut--;
    }
    tui_putf(y0 + h - 5, x, iw, TH_DIALOG, "%.*s", cut, sum);
    if (cut < n)
        tui_put(y0 + h - 4, x, iw, TH_DIALOG, sum + cut + (sum[cut] == ' '));
    char sp[24], cl[24];
    keys_labels(ACT_TOGGLE, KEYS_QUIRKS, sp, sizeof sp);
    keys_labels(ACT_CLOSE, KEYS_QUIRKS, cl, sizeof cl);
    tui_putf(y0 + h - 2, x, iw, TH_DIALOG, "%s switch on/off   %s close", sp, cl);
}

static bool key(tui *t, tui_pane *p, enum keys_action a, int ch)
{
    int h, w, page;
    geometry(&h, &w, &page);
    if (tui_nav(p, a, Q_COUNT, page))
        return true;
    switch (a) {
    case ACT_TOGGLE:
        if (!t->quirk_before)
            t->quirk_before = session_rerun(t->s);
        tui_set_quirk(t, p->sel, !quirk_on(&t->s->c->conf, p->sel));
        return true;
    case ACT_CLOSE:
        t->overlay = NULL;
        if (t->quirk_before) {
            /* what the switches changed, decision by decision */
            sbuf b = {0};
            int n = session_diff(t->quirk_before, t->s, &b);
            session_free(t->quirk_before);
            t->quirk_before = NULL;
            if (n)
                pane_view_text(t, nv_printf("What changed: %d step(s)", n), sbuf_take(&b));
            sbuf_free(&b);
        }
        return true;
    default:
        return false;
    }
}

const pane_ops pane_quirks_ops = {
    .name = "quirks",
    .ctx = KEYS_QUIRKS,
    .draw = draw,
    .key = key,
};
