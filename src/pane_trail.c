/*
 * pane_trail.c - the decision trail of the last command: the command line,
 * then every event it appended, rendered by the core's event_text() (the
 * same Nova-style lines `novalid run` prints), one theme element per line
 * by event kind; the expectation checks of a scripted step come right
 * after the command line.  The pane scrolls both ways; `top` is the first line
 * shown and `xoff` the first column.
 *
 * pane_trail_build() rebuilds, when the session changes, an index of the
 * lines (t->trail_ev/trail_k: which event, which of its lines) and
 * t->summary; a line's text is made by event_line() only when it is drawn,
 * so a 10,000-host decision costs the lines on screen, not its whole log; the check lines live in
 * t->check_lines and are shown while t->checks_gen == t->gen.
 *
 * The pane has a second view of the same decision, the explain matrix
 * (pane_matrix.c); pane_trail_toggle() switches between the two and keeps
 * each view's scroll position.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "theme.h"
#include "decision.h"
#include "tui.h"

static void push(tui *t, const char *line, int elem)
{
    intvec_push(&t->trail_ev, -1);
    intvec_push(&t->trail_k, t->trail_lines.n);
    strlist_push(&t->trail_lines, line);
    intvec_push(&t->trail_elems, elem);
}

static int first_line_elem(const event *e)
{
    switch (e->kind) {
    case EV_REQUEST:
    case EV_PLACEMENT: return TH_TRAIL_HEAD;
    case EV_FILTER: return e->out ? TH_TRAIL_FILTER : TH_TRAIL_ERROR;
    case EV_WEIGH: return TH_NORMAL;
    case EV_SELECT: return TH_TRAIL_SELECT;
    case EV_CLAIM:
    case EV_CHECK: return e->ok ? TH_TRAIL_SELECT : TH_TRAIL_ERROR;
    case EV_MIGRATION: return TH_TRAIL_HEAD;
    case EV_QUIRK: return TH_TRAIL_QUIRK;
    case EV_ERROR: return TH_TRAIL_ERROR;
    default: return TH_NORMAL;
    }
}

/* Continuation lines: rejected hosts, per-weigher parts. */
static int more_lines_elem(const event *e)
{
    if (e->kind == EV_FILTER || e->kind == EV_PLACEMENT)
        return TH_TRAIL_REJECT;
    if (e->kind == EV_WEIGH)
        return TH_DIM;
    return first_line_elem(e);
}

static void hint_lines(tui *t)
{
    char m[16], mm[16], e[16], st[16], p[16], q[16];
    keys_labels(ACT_LIVE_MIGRATE, KEYS_SERVERS, m, sizeof m);
    keys_labels(ACT_MIGRATE, KEYS_SERVERS, mm, sizeof mm);
    keys_labels(ACT_EVACUATE, KEYS_SERVERS, e, sizeof e);
    keys_labels(ACT_STEP, KEYS_SERVERS, st, sizeof st);
    keys_labels(ACT_PROMPT, KEYS_SERVERS, p, sizeof p);
    keys_labels(ACT_QUIRKS, KEYS_SERVERS, q, sizeof q);
    const cloud *c = t->s->c;
    if (c->description && *c->description) {
        /* wrap the description at ~100 columns on spaces */
        const char *d = c->description;
        while (*d) {
            size_t n = strlen(d), cut = n;
            if (n > 100) {
                cut = 100;
                while (cut > 40 && d[cut] != ' ')
                    cut--;
            }
            char *line = nv_strndup(d, cut);
            push(t, line, TH_DIM);
            free(line);
            d += cut;
            while (*d == ' ')
                d++;
        }
        push(t, "", TH_NORMAL);
    }
    push(t, "No decision yet.", TH_TRAIL_HEAD);
    char *s = nv_printf("Select a server and press %s (live-migrate), %s (migrate) or %s "
                        "(evacuate); the trail of the decision shows here.",
                        m, mm, e);
    push(t, s, TH_NORMAL);
    free(s);
    s = nv_printf("%s runs the scenario's next scripted step (%d of them), %s opens the "
                  "command prompt, %s the quirks.",
                  st, t->sc->n_steps, p, q);
    push(t, s, TH_NORMAL);
    free(s);
}

void pane_trail_build(tui *t)
{
    strlist_free(&t->trail_lines);
    intvec_free(&t->trail_elems);
    t->trail_ev.n = 0;
    t->trail_k.n = 0;
    free(t->summary);
    t->summary = NULL;
    const cmd_result *r = tui_shown_result(t);
    if (!r) {
        hint_lines(t);
        return;
    }
    sbuf b = {0};
    sbuf_add(&b, "> ");
    command_format(tui_shown_command(t), &b);
    sbuf_addf(&b, "  => %s", r->outcome ? r->outcome : "ok");
    push(t, b.s, TH_TRAIL_HEAD);
    const trail *tr = &t->s->t;
    /* an index of the lines only: each is rendered when it is drawn */
    for (int i = r->trail_from; i < r->trail_to && i < tr->n; i++) {
        int n = event_lines(&tr->v[i]);
        for (int k = 0; k < n; k++) {
            intvec_push(&t->trail_ev, i);
            intvec_push(&t->trail_k, k);
        }
    }
    if (r->trail_from == r->trail_to)
        push(t, "(no events)", TH_DIM);
    sbuf_reset(&b);
    dec_summary(tr, t->s->c, r->trail_from, r->trail_to, &b);
    t->summary = sbuf_take(&b);
    sbuf_free(&b);
}

/* the expectation checks belong to the last command */
static bool checks_shown(const tui *t)
{
    return t->checks_gen == t->gen && tui_shown_index(t) == t->s->n_done - 1;
}

static int n_lines(const tui *t)
{
    return t->trail_ev.n + (checks_shown(t) ? t->check_lines.n : 0);
}

/* Line `li` of the pane: the command line, the expectation checks of a
 * scripted step (so they show without scrolling), then the events. */
static const char *line_at(const tui *t, int li, int *elem)
{
    int nc = checks_shown(t) ? t->check_lines.n : 0;
    if (li > 0 && li <= nc) {
        *elem = t->check_elems.v[li - 1];
        return t->check_lines.v[li - 1];
    }
    if (li > nc)
        li -= nc;
    int ev = t->trail_ev.v[li], k = t->trail_k.v[li];
    if (ev < 0) {
        *elem = t->trail_elems.v[k];
        return t->trail_lines.v[k];
    }
    tui *mut = (tui *)t;    /* the line buffer is scratch, not state */
    const event *e = &t->s->t.v[ev];
    sbuf_reset(&mut->trail_buf);
    event_line(e, k, &mut->trail_buf);
    *elem = k ? more_lines_elem(e) : first_line_elem(e);
    return mut->trail_buf.s ? mut->trail_buf.s : "";
}

static void draw(tui *t, tui_pane *p)
{
    if (t->trail_matrix) {
        pane_matrix_draw(t, p);
        return;
    }
    int total = n_lines(t), page = p->h - 1;
    if (p->top > total - page)
        p->top = total - page;
    if (p->top < 0)
        p->top = 0;
    bool foc = !t->overlay && &t->panes[t->focus] == p;
    int helem = foc ? TH_PANE_FOCUS : TH_PANE_TITLE;
    tui_fill(p->y, p->x, p->w, helem);
    const cmd_result *r = tui_shown_result(t);
    if (r)
        tui_putf(p->y, p->x + 1, p->w - 1, helem, "DECISION TRAIL  (%d event(s) of command %d%s)",
                 r->trail_to - r->trail_from, tui_shown_index(t) + 1,
                 tui_shown_index(t) + 1 < t->s->n_done ? ", a past one" : "");
    else
        tui_put(p->y, p->x + 1, p->w - 1, helem, "DECISION TRAIL");
    if (total > page) {
        char pos[48];
        snprintf(pos, sizeof pos, " lines %d-%d/%d ", p->top + 1,
                 p->top + page < total ? p->top + page : total, total);
        int pw = (int)strlen(pos);
        tui_put(p->y, p->x + p->w - pw, pw, helem, pos);
    }
    for (int i = 0; i < page && p->top + i < total; i++) {
        int elem;
        const char *line = line_at(t, p->top + i, &elem);
        /* horizontal scroll by characters (lines are ASCII but for names) */
        const char *s = line;
        for (int k = 0; k < p->xoff && *s; k++) {
            s++;
            while ((*s & 0xC0) == 0x80)
                s++;
        }
        tui_put(p->y + 1 + i, p->x + 1, p->w - 1, elem, s);
    }
}

static bool key(tui *t, tui_pane *p, enum keys_action a, int ch)
{
    if (t->trail_matrix)
        return pane_matrix_key(t, p, a);
    int total = n_lines(t), page = p->h - 1;
    switch (a) {
    case ACT_WHY_NOT: {
        char v[16];
        keys_labels(ACT_TRAIL_VIEW, KEYS_TRAIL, v, sizeof v);
        tui_status(t, TH_STATUS, "press %s for the matrix view, then pick a host row", v);
        return true;
    }
    case ACT_UP: p->top--; break;
    case ACT_DOWN: p->top++; break;
    case ACT_PAGE_UP: p->top -= page; break;
    case ACT_PAGE_DOWN: p->top += page; break;
    case ACT_HOME: p->top = 0; p->xoff = 0; break;
    case ACT_END: p->top = total - page; break;
    case ACT_LEFT: p->xoff = p->xoff > 8 ? p->xoff - 8 : 0; break;
    case ACT_RIGHT: p->xoff += 8; break;
    default: return false;
    }
    if (p->top > total - page)
        p->top = total - page;
    if (p->top < 0)
        p->top = 0;
    return true;
}

void pane_trail_toggle(tui *t)
{
    char v[16], w[16];
    keys_labels(ACT_TRAIL_VIEW, KEYS_TRAIL, v, sizeof v);
    keys_labels(ACT_WHY_NOT, KEYS_TRAIL, w, sizeof w);
    t->trail_matrix = !t->trail_matrix;
    if (t->trail_matrix)
        tui_status(t, TH_STATUS, "trail: explain matrix (%s on a host row: why; %s: the log)", w,
                   v);
    else
        tui_status(t, TH_STATUS, "trail: Nova's log lines (%s: the explain matrix)", v);
}

/* For search: the lines as rows (the pane scrolls to a match). */
static int rows(tui *t) { return n_lines(t); }

static const char *row_name(tui *t, int row)
{
    int elem;
    return line_at(t, row, &elem);
}

const pane_ops pane_trail_ops = {
    .name = "trail",
    .ctx = KEYS_TRAIL,
    .draw = draw,
    .key = key,
    .rows = rows,
    .row_name = row_name,
};
