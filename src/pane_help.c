/*
 * pane_help.c - the help overlay, generated from keys_table[]: one section
 * per context, one line per action ("Up/k  move up / scroll up"), entries
 * with the same action and help text merged.  An entry goes in the first
 * section whose mask it covers whole, so keys valid everywhere are listed
 * once, under "Everywhere".  Scrolls with the usual keys.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "theme.h"
#include "tui.h"

static const struct {
    unsigned mask;
    const char *title;
} sections[] = {
    {KEYS_PANES, "Everywhere"},
    {KEYS_LISTS, "Lists (hosts, servers, migrations)"},
    {KEYS_SERVERS, "Servers pane"},
    {KEYS_HOSTS, "Hosts pane"},
    {KEYS_TRAIL, "Trail pane"},
    {KEYS_DIALOG, "Move dialog"},
    {KEYS_QUIRKS, "Quirk list"},
    {KEYS_PROMPT, "Prompt line"},
    {KEYS_VIEW, "Describe view, history list"},
    {KEYS_HELP, "This help"},
};
#define N_SECTIONS ((int)(sizeof sections / sizeof sections[0]))

static int section_of(const key_binding *k)
{
    for (int s = 0; s < N_SECTIONS; s++)
        if ((k->where & sections[s].mask) == sections[s].mask)
            return s;
    return -1;
}

static void push(strlist *l, intvec *e, int elem, const char *s)
{
    strlist_push(l, s);
    intvec_push(e, elem);
}

static void build(const tui *t, strlist *lines, intvec *elems)
{
    push(lines, elems, TH_DIALOG_TITLE, "Why did Nova put a server there, or say NoValidHost?");
    push(lines, elems, TH_DIALOG, "Every action is one command (the : prompt takes the same");
    push(lines, elems, TH_DIALOG, "ones); the trail pane shows the last command's decision in");
    push(lines, elems, TH_DIALOG, "Nova's log vocabulary, the line under it a one-line summary.");
    char vl[16];
    keys_labels(ACT_TRAIL_VIEW, KEYS_TRAIL, vl, sizeof vl);
    char *mx = nv_printf("%s switches the trail to the explain matrix: hosts x filters,", vl);
    push(lines, elems, TH_DIALOG, mx);
    free(mx);
    push(lines, elems, TH_DIALOG, "weighers and each host's result.");
    for (int s = 0; s < N_SECTIONS; s++) {
        push(lines, elems, TH_DIALOG, "");
        push(lines, elems, TH_DIALOG_TITLE, sections[s].title);
        for (int i = 0; i < keys_count; i++) {
            const key_binding *k = &keys_table[i];
            if (section_of(k) != s)
                continue;
            bool seen = false;
            for (int j = 0; j < i && !seen; j++)
                seen = section_of(&keys_table[j]) == s && keys_table[j].action == k->action &&
                       !strcmp(keys_table[j].help, k->help);
            if (seen)
                continue;
            char labels[64] = "";
            size_t len = 0;
            for (int j = i; j < keys_count; j++) {
                const key_binding *o = &keys_table[j];
                if (section_of(o) != s || o->action != k->action || strcmp(o->help, k->help))
                    continue;
                bool dup = false;
                for (int m = i; m < j && !dup; m++)
                    dup = section_of(&keys_table[m]) == s && keys_table[m].action == k->action &&
                          !strcmp(keys_table[m].label, o->label);
                if (dup)
                    continue;
                int n = snprintf(labels + len, sizeof labels - len, "%s%s", len ? " " : "",
                                 o->label);
                if (n < 0 || (size_t)n >= sizeof labels - len)
                    break;
                len += (size_t)n;
            }
            char *line = nv_printf("  %-16s %s", labels, k->help);
            push(lines, elems, TH_DIALOG, line);
            free(line);
        }
    }
    push(lines, elems, TH_DIALOG, "");
    char pl[16];
    keys_labels(ACT_PROMPT, KEYS_SERVERS, pl, sizeof pl);
    char *head = nv_printf("Commands for the %s prompt (the same as scenario steps)", pl);
    push(lines, elems, TH_DIALOG_TITLE, head);
    free(head);
    for (int op = 0; op < OP_COUNT; op++) {
        char *line = nv_printf("  %-16s %s", op_names[op], op_help[op]);
        push(lines, elems, TH_DIALOG, line);
        free(line);
        sbuf u = {0};
        sbuf_add(&u, "      ");
        command_usage(op, &u);
        push(lines, elems, TH_DIALOG, u.s);
        sbuf_free(&u);
    }
    (void)t;
}

void pane_help_open(tui *t)
{
    t->help.top = 0;
    t->overlay = &t->help;
}

static void geometry(int *h, int *w)
{
    *w = COLS - 4 < 100 ? COLS - 4 : 100;
    *h = LINES - 2;
}

static void draw(tui *t, tui_pane *p)
{
    strlist lines = {0};
    intvec elems = {0};
    build(t, &lines, &elems);
    int h, w;
    geometry(&h, &w);
    int page = h - 2;
    if (p->top > lines.n - page)
        p->top = lines.n - page;
    if (p->top < 0)
        p->top = 0;
    int y0, x0;
    tui_box(h, w, TH_DIALOG, "Help: keys", &y0, &x0);
    for (int i = 0; i < page && p->top + i < lines.n; i++)
        tui_put(y0 + 1 + i, x0 + 2, w - 4, elems.v[p->top + i], lines.v[p->top + i]);
    if (lines.n > page) {
        char pos[32];
        snprintf(pos, sizeof pos, " %d-%d/%d ", p->top + 1,
                 p->top + page < lines.n ? p->top + page : lines.n, lines.n);
        int pw = (int)strlen(pos);
        tui_put(y0 + h - 1, x0 + w - pw - 2, pw, TH_DIALOG_TITLE, pos);
    }
    strlist_free(&lines);
    intvec_free(&elems);
}

static bool key(tui *t, tui_pane *p, enum keys_action a, int ch)
{
    int h, w;
    geometry(&h, &w);
    int page = h - 2;
    switch (a) {
    case ACT_UP: p->top--; break;
    case ACT_DOWN: p->top++; break;
    case ACT_PAGE_UP: p->top -= page; break;
    case ACT_PAGE_DOWN: p->top += page; break;
    case ACT_HOME: p->top = 0; break;
    case ACT_END: p->top = 1 << 20; break;    /* clamped when drawn */
    case ACT_CLOSE: t->overlay = NULL; break;
    default: return false;
    }
    if (p->top < 0)
        p->top = 0;
    return true;
}

const pane_ops pane_help_ops = {
    .name = "help",
    .ctx = KEYS_HELP,
    .draw = draw,
    .key = key,
};
