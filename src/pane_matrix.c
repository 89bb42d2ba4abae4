/*
 * pane_matrix.c - the explain matrix: the trail pane's second view of the
 * shown command's decision (the last command, or one opened from the
 * history or a migration row), one row per host of the cloud (scenario order)
 * and one column per stage of the last scheduling decision in the
 * command's events (the last EV_REQUEST and what follows it).
 *
 * Columns
 *   Placement, then every host filter that ran, then the weight and the
 *   per-weigher parts (weighers with a non-zero part for some host), and a
 *   final result column.  A multi-create request filters and weighs once
 *   per instance (and once more for the alternates); each such pass gets
 *   its own group of filter and weight columns, named on a line above the
 *   heading.  Long class names are abbreviated (the capitals of the name
 *   without its "Filter" / "Weigher" suffix: CC for
 *   ComputeCapabilitiesFilter); a legend line under the heading spells
 *   them out.
 *
 * Cells
 *   ok  the host passed this stage     x  the host was rejected here
 *   .   not reached (rejected earlier, or the pipeline stopped)
 *   -   removed before the filters by narrowing: ignore_hosts, the
 *       requested destination, a cell restriction, forced hosts.
 *   Every cell and the result column come from the decision record
 *   (decision.h): the fate the scheduler wrote for each host, by id; the
 *   result is dec_host_fate(), the same reading "why not" shows, so the
 *   two always agree.  Nothing here reads the log text.
 *
 * State
 *   The matrix is built from the session's trail when t->gen changes (and
 *   only while the view is shown); t->mx holds the cursor: `sel` the host
 *   row, `top` the first row shown, `xoff` the first stage column shown
 *   (the host column stays put when scrolling sideways).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decision.h"
#include "theme.h"
#include "tui.h"

enum col_kind { COL_PLACEMENT, COL_FILTER, COL_WEIGHT, COL_PART };
enum cell_state { CELL_NONE, CELL_OK, CELL_REJECT, CELL_SKIP, CELL_NARROWED, CELL_NUM };

typedef struct mx_cell {
    unsigned char state;         /* enum cell_state */
    double v;                    /* CELL_NUM */
} mx_cell;

typedef struct mx_col {
    enum col_kind kind;
    char *label;                 /* as shown in the heading */
    char *full;                  /* the class name: "ComputeFilter" */
    int pass;                    /* filter pass, 1-based; 0: Placement */
    int width, gap;              /* columns of the cells; blanks before them */
    mx_cell *cell;               /* one per host */
} mx_col;

typedef struct mx_host {
    char *result;
    int elem;
} mx_host;

struct tui_matrix {
    bool any;                    /* a scheduling decision was found */
    int decision, n_decisions;   /* 1-based */
    int n_passes;
    strlist pass_labels;         /* per pass: "pass 1: for batch-1", "pass 3: alternates" */
    strlist pass_short;          /* the same when that is too wide: "1: batch-1", "#3" */
    mx_col *cols;
    int n_cols, cap_cols;
    int n_hosts;
    mx_host *hosts;
    int chosen;                  /* first selected host, -1 */
    int name_w, result_w;
    strlist legend;              /* "CC=ComputeCapabilitiesFilter", ..., "ok passed" */
};

/* ---- building ------------------------------------------------------------------- */

static void matrix_free(tui_matrix *m)
{
    if (!m)
        return;
    strlist_free(&m->pass_labels);
    strlist_free(&m->pass_short);
    for (int i = 0; i < m->n_cols; i++) {
        free(m->cols[i].label);
        free(m->cols[i].full);
        free(m->cols[i].cell);
    }
    free(m->cols);
    for (int h = 0; h < m->n_hosts; h++)
        free(m->hosts[h].result);
    free(m->hosts);
    strlist_free(&m->legend);
    free(m);
}

void pane_matrix_free(tui *t)
{
    matrix_free(t->matrix);
    t->matrix = NULL;
}

/* Abbreviations: the name without `suffix`; past 9 characters its
 * capitals and digits ("ServerGroupAntiAffinityFilter" -> "SGAA").  One
 * label per class name; a clash gets a digit.  Filters and weighers have
 * a table each (their columns are apart: MetricsFilter and MetricsWeigher
 * are both "Metrics"). */
typedef struct abbrevs {
    strlist label, full;
    strlist legend;              /* "CC=ComputeCapabilitiesFilter", ... */
} abbrevs;

static char *abbrev(abbrevs *ab, const char *full, const char *suffix)
{
    int known = strlist_find(&ab->full, full);
    if (known >= 0)
        return nv_strdup(ab->label.v[known]);
    size_t n = strlen(full), sl = strlen(suffix);
    if (n > sl && !strcmp(full + n - sl, suffix))
        n -= sl;
    char *base = nv_strndup(full, n);
    bool cut = false;
    if (n > 9) {
        char caps[16];
        size_t k = 0;
        for (size_t i = 0; i < n && k + 1 < sizeof caps; i++)
            if ((base[i] >= 'A' && base[i] <= 'Z') || (base[i] >= '0' && base[i] <= '9'))
                caps[k++] = base[i];
        caps[k] = '\0';
        if (k >= 2) {
            free(base);
            base = nv_strdup(caps);
            cut = true;
        }
    }
    char *label = nv_strdup(base);
    for (int d = 2; strlist_find(&ab->label, label) >= 0; d++) {
        free(label);
        label = nv_printf("%s%d", base, d);
        cut = true;
    }
    free(base);
    strlist_push(&ab->label, label);
    strlist_push(&ab->full, full);
    if (cut) {
        char *item = nv_printf("%s=%s", label, full);
        strlist_push(&ab->legend, item);
        free(item);
    }
    return label;
}

static mx_col *add_col(tui_matrix *m, enum col_kind kind, char *label, const char *full,
                       int pass)
{
    if (m->n_cols >= m->cap_cols) {
        m->cap_cols = m->cap_cols ? m->cap_cols * 2 : 16;
        m->cols = nv_realloc(m->cols, (size_t)m->cap_cols * sizeof *m->cols);
    }
    mx_col *c = &m->cols[m->n_cols++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->label = label;
    c->full = nv_strdup(full);
    c->pass = pass;
    c->cell = nv_calloc((size_t)(m->n_hosts ? m->n_hosts : 1), sizeof *c->cell);
    return c;
}

static void set_result(tui_matrix *m, int h, int elem, char *text)
{
    free(m->hosts[h].result);
    m->hosts[h].result = text;
    m->hosts[h].elem = elem;
}

static void fmt_num(char *out, size_t n, double v)
{
    double a = fabs(v);
    if (a < 0.005)
        v = 0.0;     /* no "-0.00" */
    snprintf(out, n, a >= 1000 ? "%.0f" : a >= 100 ? "%.1f" : "%.2f", v);
}

static int imax(int a, int b) { return a > b ? a : b; }

static void measure(tui_matrix *m, const cloud *c)
{
    m->name_w = 4;
    for (int h = 0; h < m->n_hosts; h++)
        m->name_w = imax(m->name_w, tui_text_width(c->hosts.v[h].name));
    if (m->name_w > 20)
        m->name_w = 20;
    m->result_w = 6;
    for (int h = 0; h < m->n_hosts; h++)
        m->result_w = imax(m->result_w, tui_text_width(m->hosts[h].result));
    for (int i = 0; i < m->n_cols; i++) {
        mx_col *col = &m->cols[i];
        int wd = imax(tui_text_width(col->label), 2);
        if (col->kind == COL_WEIGHT || col->kind == COL_PART)
            for (int h = 0; h < m->n_hosts; h++)
                if (col->cell[h].state == CELL_NUM) {
                    char b[32];
                    fmt_num(b, sizeof b, col->cell[h].v);
                    wd = imax(wd, (int)strlen(b));
                }
        col->width = wd;
        /* a wider gap between sections: filters | weights, and between passes */
        bool section = i > 0 && (col->kind == COL_WEIGHT ||
                                 (col->kind == COL_FILTER && m->cols[i - 1].kind != COL_FILTER &&
                                  m->cols[i - 1].kind != COL_PLACEMENT));
        col->gap = section ? 2 : 1;
    }
}

/* The cell of host `h` in a stage of pass `p` whose event is `ev`: a
 * host rejected by this event is `x`, one rejected or narrowed out
 * earlier is `.` or `-`. */
static unsigned char stage_cell(const decision *d, int h, int p, int ev)
{
    const dec_host *x = &d->host[h];
    switch (x->fate) {
    case DF_NARROWED:
        return x->pass <= p ? CELL_NARROWED : CELL_OK;
    case DF_NOT_CANDIDATE:
        return CELL_NARROWED;
    case DF_PLACEMENT:
        return CELL_SKIP;
    case DF_FILTERED:
        return x->ev == ev ? CELL_REJECT : x->ev < ev ? CELL_SKIP : CELL_OK;
    default:
        return CELL_OK;
    }
}

static const int tone_elem[] = {TH_NORMAL, TH_TRAIL_SELECT, TH_TRAIL_REJECT, TH_TRAIL_ERROR,
                                TH_DIM};

/*
 * The matrix of the shown command's last decision, read from its record
 * (decision.h): a column per stage that ran (its events name the stages
 * and carry the weights), each host's cell from its fate in the record,
 * and the result column from dec_host_fate(), the reading "why not" uses.
 */
static tui_matrix *build(tui *t)
{
    const cloud *c = t->s->c;
    const trail *tr = &t->s->t;
    tui_matrix *m = nv_calloc(1, sizeof *m);
    m->chosen = -1;
    m->n_hosts = c->hosts.n;
    m->hosts = nv_calloc((size_t)(m->n_hosts ? m->n_hosts : 1), sizeof *m->hosts);
    const cmd_result *r = tui_shown_result(t);
    int from = r ? r->trail_from : 0, to = r ? r->trail_to : 0;
    if (to > tr->n)
        to = tr->n;
    int first;
    m->n_decisions = dec_in_range(tr, from, to, &first);
    if (!m->n_decisions)
        return m;
    m->any = true;
    m->decision = m->n_decisions;
    int k = first + m->n_decisions - 1;
    const decision *d = &tr->dec[k];
    int end = dec_end(tr, k, to);
    int nh = m->n_hosts < d->n_hosts ? m->n_hosts : d->n_hosts;

    abbrevs ab = {0}, abw = {0};    /* filters, weighers: columns apart */
    int pass = 0;
    for (int i = d->ev_request; i < end; i++) {
        const event *e = &tr->v[i];
        while (pass < d->n_pass && d->pass[pass].ev_first >= 0 && d->pass[pass].ev_first <= i)
            pass++;
        if (e->kind == EV_PLACEMENT && i == d->ev_placement) {
            mx_col *col = add_col(m, COL_PLACEMENT, nv_strdup("Placement"), "Placement", 0);
            for (int h = 0; h < nh; h++) {
                unsigned char f = d->host[h].fate;
                col->cell[h].state = f == DF_PLACEMENT       ? CELL_REJECT
                                     : f == DF_NOT_CANDIDATE ? CELL_NARROWED
                                                             : CELL_OK;
            }
        } else if (e->kind == EV_FILTER && pass) {
            mx_col *col = add_col(m, COL_FILTER, abbrev(&ab, e->name ? e->name : "?", "Filter"),
                                  e->name ? e->name : "?", pass);
            for (int h = 0; h < nh; h++)
                col->cell[h].state = stage_cell(d, h, pass, i);
        } else if (e->kind == EV_WEIGH && pass && d->pass[pass - 1].ev_weigh == i) {
            /* each host's row of the weigh event's block */
            const ev_weights *wb = &e->weights;
            int *ix = nv_malloc((size_t)(nh ? nh : 1) * sizeof *ix);
            for (int h = 0; h < nh; h++)
                ix[h] = -1;
            for (int j = 0; j < wb->n; j++)
                if (wb->host[j] >= 0 && wb->host[j] < nh)
                    ix[wb->host[j]] = j;
            /* the cells stay put when add_col() moves the columns */
            mx_cell *wc = add_col(m, COL_WEIGHT, nv_strdup("weight"), "weight", pass)->cell;
            for (int h = 0; h < nh; h++) {
                if (ix[h] >= 0) {
                    wc[h].state = CELL_NUM;
                    wc[h].v = wb->weight[ix[h]];
                } else {
                    unsigned char st = stage_cell(d, h, pass, i);
                    wc[h].state = st == CELL_OK ? CELL_SKIP : st;
                }
            }
            for (int w = 0; w < e->weighers.n; w++) {
                bool nonzero = false;
                for (int j = 0; j < wb->n && !nonzero; j++)
                    nonzero = event_weigh_part(e, j, w) != 0.0;
                if (!nonzero)
                    continue;
                mx_col *pc = add_col(m, COL_PART, abbrev(&abw, e->weighers.v[w], "Weigher"),
                                     e->weighers.v[w], pass);
                for (int h = 0; h < nh; h++) {
                    if (ix[h] >= 0) {
                        pc->cell[h].state = CELL_NUM;
                        pc->cell[h].v = event_weigh_part(e, ix[h], w);
                    } else {
                        pc->cell[h].state = wc[h].state;
                    }
                }
            }
            free(ix);
        }
    }
    m->n_passes = d->n_pass;

    /* what became of each host: the reading "why not" uses */
    if (d->selected.n && d->selected.v[0] < nh)
        m->chosen = d->selected.v[0];
    for (int h = 0; h < m->n_hosts; h++) {
        sbuf b = {0};
        enum dec_tone tone = dec_host_fate(tr, c, from, k, to, h, false, &b);
        set_result(m, h, tone_elem[tone], sbuf_take(&b));
        sbuf_free(&b);
    }

    /* what each pass was for: one per instance, then the alternates */
    for (int p = 1; p <= d->n_pass; p++) {
        int sid = d->pass[p - 1].server;
        const char *name = sid >= 0 && sid < c->servers.n ? c->servers.v[sid].name : NULL;
        char *label = name ? nv_printf("pass %d: for %s", p, name) : nv_printf("pass %d: alternates", p);
        char *shrt = name ? nv_printf("%d: %s", p, name) : nv_printf("%d: alts", p);
        strlist_push(&m->pass_labels, label);
        strlist_push(&m->pass_short, shrt);
        free(label);
        free(shrt);
    }

    m->legend = ab.legend;
    for (int w = 0; w < abw.legend.n; w++)
        strlist_push(&m->legend, abw.legend.v[w]);
    strlist_free(&abw.legend);
    strlist_free(&abw.label);
    strlist_free(&abw.full);
    static const char *const cells[] = {"ok passed", "x rejected here", ". not reached",
                                        "- narrowed out", "> hosts pane selection"};
    for (int i = 0; i < (int)(sizeof cells / sizeof cells[0]); i++)
        strlist_push(&m->legend, cells[i]);
    strlist_free(&ab.label);
    strlist_free(&ab.full);
    measure(m, c);
    return m;
}

/* The matrix of the current session, built when it changed. */
static tui_matrix *current(tui *t)
{
    if (!t->matrix || t->matrix_gen != t->gen) {
        pane_matrix_free(t);
        t->matrix = build(t);
        t->matrix_gen = t->gen;
        t->mx.sel = t->matrix->chosen >= 0 ? t->matrix->chosen : 0;
        t->mx.top = 0;
        t->mx.xoff = 0;
    }
    return t->matrix;
}

/* ---- drawing -------------------------------------------------------------------- */

/* The legend as lines of at most `w` columns, or as one line (scrolled
 * with the stage columns) when `w` is 0. */
static void legend_lines(const tui_matrix *m, int w, strlist *out)
{
    sbuf b = {0};
    int bw = 0;
    for (int i = 0; i < m->legend.n; i++) {
        int iw = tui_text_width(m->legend.v[i]);
        if (w > 0 && b.len && bw + 2 + iw > w) {
            strlist_push(out, b.s);
            sbuf_reset(&b);
            bw = 0;
        }
        if (b.len) {
            sbuf_add(&b, "  ");
            bw += 2;
        }
        sbuf_add(&b, m->legend.v[i]);
        bw += iw;
    }
    if (b.len)
        strlist_push(out, b.s);
    sbuf_free(&b);
}

/* Lines the legend takes: all of it wrapped when that leaves room for a
 * few host rows, else one line, else none.  *wrap says which. */
static int legend_height(const tui_matrix *m, const tui_pane *p, bool *wrap)
{
    int room = p->h - 2 - (m->n_passes > 1);     /* heading, column names */
    int want_rows = m->n_hosts < 4 ? m->n_hosts : 4;
    strlist l = {0};
    legend_lines(m, p->w - 1, &l);
    int n = l.n;
    strlist_free(&l);
    *wrap = true;
    if (room - n >= want_rows)
        return n;
    *wrap = false;
    return room - 1 >= (want_rows < 3 ? want_rows : 3) ? 1 : 0;
}

/* Fixed lines above the host rows: pass names, column names, the legend. */
static int fixed_lines(const tui_matrix *m, const tui_pane *p)
{
    bool wrap;
    return 1 + (m->n_passes > 1) + legend_height(m, p, &wrap);
}

/* The first stage column that may be shown first: scrolling further right
 * would show nothing new. */
static int max_xoff(const tui_matrix *m, int room)
{
    int need = m->result_w + 1;
    for (int i = m->n_cols - 1; i >= 0; i--) {
        need += m->cols[i].gap + m->cols[i].width;
        if (need > room)
            return i + 1;
    }
    return 0;
}

static int stage_x0(const tui_matrix *m, const tui_pane *p)
{
    return p->x + 1 + m->name_w;
}

static int rows_page(const tui_matrix *m, const tui_pane *p)
{
    int page = p->h - 1 - fixed_lines(m, p);
    return page < 1 ? 1 : page;
}

static void clamp(tui *t, const tui_matrix *m, const tui_pane *p)
{
    tui_list_clamp(&t->mx, m->n_hosts, rows_page(m, p));
    int room = p->x + p->w - stage_x0(m, p);
    int mx = max_xoff(m, room);
    if (t->mx.xoff > mx)
        t->mx.xoff = mx;
    if (t->mx.xoff < 0)
        t->mx.xoff = 0;
}

/* Put `s` in a cell of width `w` at x, clipped at `right`; numbers right-aligned. */
static void put_cell(int y, int x, int w, int right, int elem, const char *s, bool align_right)
{
    int room = right - x;
    if (room <= 0)
        return;
    if (align_right) {
        int sw = tui_text_width(s);
        if (sw < w)
            x += w - sw, room -= w - sw;
    }
    tui_put(y, x, room < w ? room : w, elem, s);
}

static const char *cell_text(const mx_cell *c, char *buf, size_t n)
{
    switch (c->state) {
    case CELL_OK: return "ok";
    case CELL_REJECT: return "x";
    case CELL_SKIP: return ".";
    case CELL_NARROWED: return "-";
    case CELL_NUM: fmt_num(buf, n, c->v); return buf;
    default: return "";
    }
}

static int cell_elem(const mx_cell *c)
{
    switch (c->state) {
    case CELL_REJECT: return TH_ERROR;
    case CELL_SKIP:
    case CELL_NARROWED: return TH_DIM;
    default: return TH_NORMAL;
    }
}

static bool numeric(const mx_col *c) { return c->kind == COL_WEIGHT || c->kind == COL_PART; }

/* What draw_stages() draws on a line: a host row (>= 0) or one of these. */
enum { LINE_HEADING = -1, LINE_PASSES = -2 };

/* Stage columns from t->mx.xoff, then the result: the column names, the
 * pass names over their columns, or host `what`'s cells. */
static void draw_stages(tui *t, const tui_matrix *m, const tui_pane *p, int y, int what, int base)
{
    int x = stage_x0(m, p), right = p->x + p->w;
    bool plain = base != TH_NORMAL;     /* cursor row: one colour */
    int i = t->mx.xoff;
    while (i < m->n_cols && x < right) {
        const mx_col *c = &m->cols[i];
        x += c->gap;
        if (what == LINE_PASSES) {
            /* a pass's name over its columns */
            int span = c->width, j = i + 1;
            while (j < m->n_cols && m->cols[j].pass == c->pass) {
                span += m->cols[j].gap + m->cols[j].width;
                j++;
            }
            if (c->pass > 0 && c->pass <= m->pass_labels.n) {
                const char *l = m->pass_labels.v[c->pass - 1];
                if (tui_text_width(l) > span)
                    l = m->pass_short.v[c->pass - 1];
                put_cell(y, x, span, right, TH_DIM, l, false);
            }
            x += span;
            i = j;
            continue;
        }
        if (what == LINE_HEADING) {
            put_cell(y, x, c->width, right, base, c->label, numeric(c));
        } else {
            char buf[32];
            const mx_cell *cell = &c->cell[what];
            put_cell(y, x, c->width, right, plain ? base : cell_elem(cell),
                     cell_text(cell, buf, sizeof buf), numeric(c));
        }
        x += c->width;
        i++;
    }
    if (what == LINE_PASSES || x + 2 >= right)
        return;
    x += 2;
    if (what == LINE_HEADING)
        put_cell(y, x, right - x, right, base, "result", false);
    else
        put_cell(y, x, right - x, right, plain ? base : m->hosts[what].elem,
                 m->hosts[what].result ? m->hosts[what].result : "", false);
}

void pane_matrix_draw(tui *t, tui_pane *p)
{
    const tui_matrix *m = current(t);
    bool foc = !t->overlay && &t->panes[t->focus] == p;
    int helem = foc ? TH_PANE_FOCUS : TH_PANE_TITLE;
    tui_fill(p->y, p->x, p->w, helem);
    if (!m->any) {
        tui_put(p->y, p->x + 1, p->w - 1, helem, "EXPLAIN MATRIX");
        if (p->h > 1)
            tui_put(p->y + 1, p->x + 1, p->w - 1, TH_TRAIL_HEAD,
                    "no scheduling decision in the last command");
        if (p->h > 2) {
            char v[16];
            keys_labels(ACT_TRAIL_VIEW, KEYS_TRAIL, v, sizeof v);
            tui_putf(p->y + 2, p->x + 1, p->w - 1, TH_DIM,
                     "(live-migrate, migrate, evacuate or boot a server; %s shows the log)", v);
        }
        return;
    }
    clamp(t, m, p);
    const cmd_result *r = tui_shown_result(t);
    sbuf cf = {0};
    command_format(tui_shown_command(t), &cf);
    tui_putf(p->y, p->x + 1, p->w - 1, helem,
             "EXPLAIN MATRIX  decision %d of %d of command %d: %s => %s", m->decision,
             m->n_decisions, tui_shown_index(t) + 1, cf.s ? cf.s : "",
             r && r->outcome ? r->outcome : "ok");
    sbuf_free(&cf);
    int page = rows_page(m, p);
    if (m->n_hosts > page) {
        char pos[48];
        snprintf(pos, sizeof pos, " hosts %d-%d/%d ", t->mx.top + 1,
                 t->mx.top + page < m->n_hosts ? t->mx.top + page : m->n_hosts, m->n_hosts);
        int pw = (int)strlen(pos);
        if (pw < p->w / 3)
            tui_put(p->y, p->x + p->w - pw, pw, helem, pos);
    }
    int y = p->y + 1, bottom = p->y + p->h;
    if (m->n_passes > 1 && y < bottom)
        draw_stages(t, m, p, y++, LINE_PASSES, TH_DIM);
    if (y < bottom) {
        tui_put(y, p->x + 1, m->name_w, TH_TRAIL_HEAD, "HOST");
        draw_stages(t, m, p, y++, LINE_HEADING, TH_TRAIL_HEAD);
    }
    bool wrap;
    int lh = legend_height(m, p, &wrap);
    strlist lines = {0};
    legend_lines(m, wrap ? p->w - 1 : 0, &lines);
    for (int i = 0; i < lh && i < lines.n && y < bottom; i++) {
        const char *s = lines.v[i];
        if (!wrap) {
            /* one line: it scrolls with the stage columns */
            int skip = 0;
            for (int k = 0; k < t->mx.xoff && k < m->n_cols; k++)
                skip += m->cols[k].gap + m->cols[k].width;
            for (int k = 0; k < skip && *s; k++) {
                s++;
                while ((*s & 0xC0) == 0x80)
                    s++;
            }
        }
        tui_put(y++, p->x + 1, p->w - 1, TH_DIM, s);
    }
    strlist_free(&lines);
    int hosts_sel = tui_selected_host(t);
    for (int i = 0; y < bottom && t->mx.top + i < m->n_hosts; i++, y++) {
        int h = t->mx.top + i;
        int base = TH_NORMAL;
        if (h == t->mx.sel)
            base = foc ? TH_SELECTED : TH_SELECTED_DIM;
        tui_fill(y, p->x, p->w, base);
        if (h == hosts_sel)
            tui_put(y, p->x, 1, base == TH_NORMAL ? TH_TRAIL_HEAD : base, ">");
        const char *name = t->s->c->hosts.v[h].name;
        int nelem = base;
        if (base == TH_NORMAL) {
            if (h == m->chosen)
                nelem = TH_TRAIL_SELECT;
            else if (tui_search_match(t, name))
                nelem = TH_MATCH;
        }
        tui_put(y, p->x + 1, m->name_w, nelem, name);
        draw_stages(t, m, p, y, h, base);
    }
}

/* ---- keys ----------------------------------------------------------------------- */

bool pane_matrix_key(tui *t, tui_pane *p, enum keys_action a)
{
    const tui_matrix *m = current(t);
    switch (a) {
    case ACT_LEFT: t->mx.xoff--; break;
    case ACT_RIGHT: t->mx.xoff++; break;
    case ACT_HOME:
        t->mx.xoff = 0;
        tui_nav(&t->mx, a, m->n_hosts, rows_page(m, p));
        break;
    case ACT_WHY_NOT:
        if (m->any && t->mx.sel >= 0 && t->mx.sel < m->n_hosts) {
            sbuf b = {0};
            pane_hosts_why(t, t->mx.sel, &b);
            tui_status(t, TH_STATUS, "%s", b.s);
            sbuf_free(&b);
        } else {
            tui_status(t, TH_STATUS_ERROR, "no scheduling decision in the last command");
        }
        break;
    default:
        if (!tui_nav(&t->mx, a, m->n_hosts, rows_page(m, p)))
            return false;
        break;
    }
    if (m->any)
        clamp(t, m, p);
    return true;
}
