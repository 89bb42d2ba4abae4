/*
 * pane_matrix.c - the explain matrix: the trail pane's second view of the
 * last command's decision, one row per host of the cloud (scenario order)
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
 *   Narrowing is read from the trail's tagged notes (trail_narrow: kind
 *   and hosts); a host that passed Placement, is not accounted for by a
 *   note and is never named again while the first filter's `in` count says
 *   it was left out counts as narrowed too.
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

#include "theme.h"
#include "tui.h"

enum col_kind { COL_PLACEMENT, COL_FILTER, COL_WEIGHT, COL_PART };
enum cell_state { CELL_NONE, CELL_OK, CELL_REJECT, CELL_SKIP, CELL_NARROWED, CELL_NUM };
/* why a host left the pipeline */
enum gone { GONE_NO, GONE_REJECTED, GONE_NARROWED };

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

/* Narrowing read back from the notes of the decision. */
typedef struct narrowing {
    strlist ignore;              /* ignore_hosts */
    char *dest;                  /* requested destination */
    char *cell;                  /* cell restriction */
    char *forced;                /* first forced host */
    bool pending;                /* read since the last pass started */
} narrowing;

/* Narrowing notes carry their kind and hosts (trail_narrow). */
static void read_note(narrowing *nw, const event *e)
{
    if (!e->name)
        return;
    const char *first = e->hosts.n ? e->hosts.v[0] : NULL;
    if (!strcmp(e->name, "ignore_hosts")) {
        strlist_free(&nw->ignore);
        strlist_copy(&nw->ignore, &e->hosts);
    } else if (!strcmp(e->name, "requested_destination")) {
        free(nw->dest);
        nw->dest = nv_strdup(first);
    } else if (!strcmp(e->name, "cell")) {
        free(nw->cell);
        nw->cell = nv_strdup(first);
    } else if (!strcmp(e->name, "force_hosts")) {
        free(nw->forced);
        nw->forced = nv_strdup(first);
    } else {
        return;
    }
    nw->pending = true;
}

static void narrowing_free(narrowing *nw)
{
    strlist_free(&nw->ignore);
    free(nw->dest);
    free(nw->cell);
    free(nw->forced);
}

/* Why `h` is left out by the notes read so far; NULL if it is not. */
static const char *narrowed_by(const cloud *c, const narrowing *nw, int h)
{
    const host *ho = &c->hosts.v[h];
    if (nw->cell && !nv_streq(ho->cell, nw->cell))
        return "other cell (cell restriction)";
    if (nw->dest && strcasecmp(ho->name, nw->dest) != 0)
        return "not the requested destination";
    if (strlist_find_ci(&nw->ignore, ho->name) >= 0)
        return "ignored (ignore_hosts)";
    if (nw->forced && strcasecmp(ho->name, nw->forced) != 0)
        return "not a forced host";
    return NULL;
}

/* Per-host bookkeeping while the events are walked. */
typedef struct walk {
    const cloud *c;
    tui_matrix *m;
    unsigned char *gone;         /* enum gone */
    const char **why;            /* narrowing reason, or rejecting stage (full name) */
    int *why_pass;               /* pass of the rejecting filter */
    bool *mentioned;             /* named by a filter, weigher, claim or select */
    int *rank, *ranked;          /* place in the last weighing, and of how many */
    int *ix;                     /* scratch: host -> index in an event list, -1 */
} walk;

static int host_of(const walk *w, const char *name)
{
    return name ? cloud_host(w->c, name) : -1;
}

/* Cell of a host that is not (or no longer) in the pipeline. */
static unsigned char out_cell(const walk *w, int h)
{
    return w->gone[h] == GONE_NARROWED ? CELL_NARROWED : CELL_SKIP;
}

static int alive_count(const walk *w)
{
    int n = 0;
    for (int h = 0; h < w->m->n_hosts; h++)
        n += !w->gone[h];
    return n;
}

static void apply_narrowing(walk *w, narrowing *nw)
{
    for (int h = 0; h < w->m->n_hosts; h++) {
        if (w->gone[h])
            continue;
        const char *why = narrowed_by(w->c, nw, h);
        if (why) {
            w->gone[h] = GONE_NARROWED;
            w->why[h] = why;
        }
    }
    nw->pending = false;
}

/* The start of a filter pass: apply the narrowing, then make the hosts in
 * the pipeline agree with what the first stage of the pass saw. */
static void start_pass(walk *w, narrowing *nw, const event *first)
{
    int n = w->m->n_hosts;
    apply_narrowing(w, nw);
    if (first->kind == EV_WEIGH) {
        /* no filters ran (forced hosts): the weighed hosts are the pipeline */
        for (int i = 0; i < first->weights.n; i++) {
            int h = host_of(w, first->weights.v[i].host);
            if (h >= 0)
                w->ix[h] = i;
        }
        for (int h = 0; h < n; h++)
            if (!w->gone[h] && w->ix[h] < 0) {
                w->gone[h] = GONE_NARROWED;
                w->why[h] = "narrowed out before the filters";
            }
        for (int i = 0; i < first->weights.n; i++) {
            int h = host_of(w, first->weights.v[i].host);
            if (h >= 0)
                w->ix[h] = -1;
        }
        return;
    }
    int alive = alive_count(w);
    if (alive <= first->in)
        return;
    int unnamed = 0;
    for (int h = 0; h < n; h++)
        unnamed += !w->gone[h] && !w->mentioned[h];
    if (alive - unnamed != first->in)
        return;     /* cannot tell which hosts: leave them in */
    for (int h = 0; h < n; h++)
        if (!w->gone[h] && !w->mentioned[h]) {
            w->gone[h] = GONE_NARROWED;
            w->why[h] = "narrowed out before the filters";
        }
}

static void walk_placement(walk *w, const event *e)
{
    tui_matrix *m = w->m;
    mx_col *col = add_col(m, COL_PLACEMENT, nv_strdup("Placement"), "Placement", 0);
    for (int h = 0; h < m->n_hosts; h++)
        col->cell[h].state = CELL_NARROWED;
    for (int i = 0; i < e->hosts.n; i++) {
        int h = host_of(w, e->hosts.v[i]);
        if (h >= 0)
            col->cell[h].state = CELL_OK;
    }
    for (int i = 0; i < e->rejected.n; i++) {
        int h = host_of(w, e->rejected.v[i].host);
        if (h >= 0)
            col->cell[h].state = CELL_REJECT;
    }
    for (int h = 0; h < m->n_hosts; h++) {
        if (col->cell[h].state == CELL_REJECT) {
            w->gone[h] = GONE_REJECTED;
            w->why[h] = "Placement";
        } else if (col->cell[h].state == CELL_NARROWED) {
            w->gone[h] = GONE_NARROWED;
            w->why[h] = "not a Placement candidate";
        }
    }
}

static void walk_filter(walk *w, abbrevs *ab, const event *e, int pass)
{
    tui_matrix *m = w->m;
    mx_col *col = add_col(m, COL_FILTER, abbrev(ab, e->name ? e->name : "?", "Filter"),
                          e->name ? e->name : "?", pass);
    for (int i = 0; i < e->rejected.n; i++) {
        int h = host_of(w, e->rejected.v[i].host);
        if (h >= 0)
            w->ix[h] = i;
    }
    for (int h = 0; h < m->n_hosts; h++) {
        if (w->gone[h]) {
            col->cell[h].state = out_cell(w, h);
        } else if (w->ix[h] >= 0) {
            col->cell[h].state = CELL_REJECT;
            w->gone[h] = GONE_REJECTED;
            w->why[h] = col->full;
            w->why_pass[h] = pass;
        } else {
            col->cell[h].state = CELL_OK;
        }
    }
    for (int i = 0; i < e->rejected.n; i++) {
        int h = host_of(w, e->rejected.v[i].host);
        if (h >= 0)
            w->ix[h] = -1;
    }
}

static void walk_weigh(walk *w, abbrevs *ab, const event *e, int pass)
{
    tui_matrix *m = w->m;
    for (int i = 0; i < e->weights.n; i++) {
        int h = host_of(w, e->weights.v[i].host);
        if (h >= 0) {
            w->ix[h] = i;
            w->rank[h] = i + 1;
        }
    }
    for (int h = 0; h < m->n_hosts; h++)
        if (w->ix[h] < 0)
            w->rank[h] = 0;
    *w->ranked = e->weights.n;
    /* the cells stay put when add_col() moves the columns */
    mx_cell *wc = add_col(m, COL_WEIGHT, nv_strdup("weight"), "weight", pass)->cell;
    for (int h = 0; h < m->n_hosts; h++) {
        if (w->ix[h] >= 0) {
            wc[h].state = CELL_NUM;
            wc[h].v = e->weights.v[w->ix[h]].weight;
        } else {
            wc[h].state = w->gone[h] ? out_cell(w, h) : CELL_SKIP;
        }
    }
    for (int k = 0; k < e->weighers.n; k++) {
        bool nonzero = false;
        for (int i = 0; i < e->weights.n && !nonzero; i++)
            nonzero = e->weights.v[i].parts && e->weights.v[i].parts[k] != 0.0;
        if (!nonzero)
            continue;
        mx_col *pc = add_col(m, COL_PART, abbrev(ab, e->weighers.v[k], "Weigher"),
                             e->weighers.v[k], pass);
        for (int h = 0; h < m->n_hosts; h++) {
            if (w->ix[h] >= 0) {
                pc->cell[h].state = CELL_NUM;
                const double *parts = e->weights.v[w->ix[h]].parts;
                pc->cell[h].v = parts ? parts[k] : 0.0;
            } else {
                pc->cell[h].state = wc[h].state;
            }
        }
    }
    for (int i = 0; i < e->weights.n; i++) {
        int h = host_of(w, e->weights.v[i].host);
        if (h >= 0)
            w->ix[h] = -1;
    }
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

/* The result column.  A host selected (or kept as an alternate) says so,
 * and what failed on it afterwards (a claim, a pre-check, a build).  Any
 * other host says how it left the pipeline, after the claims it had in
 * earlier passes of a multi-create ("claimed (pass 1), then rejected by
 * ... (pass 2)"), and whether the request's failure undid them. */
static void results(tui_matrix *m, const walk *w, const trail *tr, int start, int to,
                    const int *epass, int passes, int ranked, int n_selects, const event *err)
{
    int n = m->n_hosts;
    sbuf *story = nv_calloc((size_t)(n ? n : 1), sizeof *story);
    unsigned char *fate = nv_calloc((size_t)(n ? n : 1), 1);   /* 1 alternate, 2 selected */
    bool *claimed = nv_calloc((size_t)(n ? n : 1), sizeof(bool));
    bool *failed = nv_calloc((size_t)(n ? n : 1), sizeof(bool));
    sbuf *after = nv_calloc((size_t)(n ? n : 1), sizeof *after);  /* failures after selection */
    for (int i = start; i < to; i++) {
        const event *e = &tr->v[i];
        int h = host_of(w, e->host), p = epass[i - start];
        if (h < 0 && e->kind != EV_SELECT)
            continue;
        switch (e->kind) {
        case EV_CLAIM:
        case EV_CHECK: {
            if (e->ok) {
                if (e->kind == EV_CLAIM && !fate[h]) {
                    claimed[h] = true;
                    sbuf_addf(&story[h], "%sclaimed", story[h].len ? ", then " : "");
                    if (passes > 1)
                        sbuf_addf(&story[h], " (pass %d)", p);
                }
                break;
            }
            const char *what = e->kind == EV_CLAIM ? "the claim" : e->name;
            sbuf *b = fate[h] ? &after[h] : &story[h];
            sbuf_addf(b, "%s%s failed", b->len || fate[h] ? ", then " : "", what);
            if (passes > 1 && e->kind == EV_CLAIM && !fate[h])
                sbuf_addf(b, " (pass %d)", p);
            sbuf_addf(b, ": %s", e->message ? e->message : "");
            failed[h] = true;
            break;
        }
        case EV_SELECT:
            if (h < 0)
                break;
            if (m->chosen < 0)
                m->chosen = h;
            if (fate[h] != 2) {
                sbuf_reset(&story[h]);
                sbuf_add(&story[h], "selected");
                if (n_selects > 1 && e->name)
                    sbuf_addf(&story[h], " for %s", e->name);
            } else if (n_selects > 1 && e->name) {
                sbuf_addf(&story[h], ", %s", e->name);
            }
            fate[h] = 2;
            for (int k = 0; k < e->hosts.n; k++) {
                int a = host_of(w, e->hosts.v[k]);
                if (a >= 0 && !fate[a]) {
                    fate[a] = 1;
                    sbuf_reset(&story[a]);
                    sbuf_add(&story[a], "alternate");
                }
            }
            break;
        default: break;
        }
    }
    for (int h = 0; h < n; h++) {
        sbuf *b = &story[h];
        int elem = TH_NORMAL;
        if (fate[h]) {
            elem = fate[h] == 2 ? TH_TRAIL_SELECT : TH_NORMAL;
            if (after[h].len) {
                sbuf_add(b, after[h].s);
                elem = TH_TRAIL_ERROR;
            }
        } else if (w->gone[h] == GONE_NARROWED) {
            sbuf_reset(b);
            sbuf_add(b, w->why[h]);
            elem = TH_DIM;
        } else if (w->gone[h] == GONE_REJECTED) {
            sbuf_addf(b, "%srejected by %s", b->len ? ", then " : "", w->why[h]);
            if (passes > 1 && w->why_pass[h])
                sbuf_addf(b, " (pass %d)", w->why_pass[h]);
            elem = TH_TRAIL_REJECT;
        } else if (!b->len) {
            if (w->rank[h])
                sbuf_addf(b, "%s (weight rank %d of %d)",
                          err && !n_selects ? "weighed" : "passed, not chosen", w->rank[h],
                          ranked);
            else if (passes)
                sbuf_add(b, "passed the filters");
            else if (m->n_cols && m->cols[0].kind == COL_PLACEMENT)
                sbuf_add(b, "passed Placement");
            else
                sbuf_add(b, "-");
            elem = passes || m->n_cols ? TH_NORMAL : TH_DIM;
        }
        if (failed[h])
            elem = TH_TRAIL_ERROR;
        /* the request failed: claims were given back, nothing was placed */
        if (!fate[h] && err && !n_selects && (claimed[h] || w->rank[h])) {
            sbuf_addf(b, "%s%s", claimed[h] ? ", undone: " : ", then ",
                      err->name ? err->name : "error");
            elem = TH_TRAIL_ERROR;
        }
        set_result(m, h, elem, sbuf_take(b));
        sbuf_free(b);
        sbuf_free(&after[h]);
    }
    free(story);
    free(after);
    free(fate);
    free(claimed);
    free(failed);
}

static tui_matrix *build(tui *t)
{
    const cloud *c = t->s->c;
    const trail *tr = &t->s->t;
    tui_matrix *m = nv_calloc(1, sizeof *m);
    m->chosen = -1;
    m->n_hosts = c->hosts.n;
    m->hosts = nv_calloc((size_t)(m->n_hosts ? m->n_hosts : 1), sizeof *m->hosts);
    const cmd_result *r = tui_last_result(t);
    int from = r ? r->trail_from : 0, to = r ? r->trail_to : 0;
    if (to > tr->n)
        to = tr->n;
    int start = -1;
    for (int i = from; i < to; i++)
        if (tr->v[i].kind == EV_REQUEST) {
            m->n_decisions++;
            start = i;
        }
    if (start < 0)
        return m;
    m->any = true;
    m->decision = m->n_decisions;

    int n = m->n_hosts ? m->n_hosts : 1;
    int ranked = 0;
    walk w = {
        .c = c,
        .m = m,
        .gone = nv_calloc((size_t)n, 1),
        .why = nv_calloc((size_t)n, sizeof(char *)),
        .why_pass = nv_calloc((size_t)n, sizeof(int)),
        .mentioned = nv_calloc((size_t)n, sizeof(bool)),
        .rank = nv_calloc((size_t)n, sizeof(int)),
        .ranked = &ranked,
        .ix = nv_malloc((size_t)n * sizeof(int)),
    };
    for (int h = 0; h < n; h++)
        w.ix[h] = -1;
    /* who is named in the decision at all (for narrowing without a note) */
    int n_selects = 0;
    for (int i = start; i < to; i++) {
        const event *e = &tr->v[i];
        int h;
        if (e->kind == EV_FILTER)
            for (int k = 0; k < e->rejected.n; k++)
                if ((h = host_of(&w, e->rejected.v[k].host)) >= 0)
                    w.mentioned[h] = true;
        if (e->kind == EV_WEIGH)
            for (int k = 0; k < e->weights.n; k++)
                if ((h = host_of(&w, e->weights.v[k].host)) >= 0)
                    w.mentioned[h] = true;
        if (e->kind == EV_SELECT || e->kind == EV_CLAIM)
            if ((h = host_of(&w, e->host)) >= 0)
                w.mentioned[h] = true;
        if (e->kind == EV_SELECT) {
            n_selects++;
            for (int k = 0; k < e->hosts.n; k++)
                if ((h = host_of(&w, e->hosts.v[k])) >= 0)
                    w.mentioned[h] = true;
        }
    }

    abbrevs ab = {0}, abw = {0};    /* filters, weighers: columns apart */
    narrowing nw = {0};
    bool in_pass = false;
    int pass = 0;
    int *epass = nv_calloc((size_t)(to - start), sizeof(int));   /* pass of each event */
    const event *err = NULL;
    for (int i = start; i < to; i++) {
        const event *e = &tr->v[i];
        switch (e->kind) {
        case EV_NOTE: read_note(&nw, e); break;
        case EV_ERROR:
            if (!err)
                err = e;
            break;
        case EV_PLACEMENT: walk_placement(&w, e); break;
        case EV_FILTER:
        case EV_WEIGH:
            if (!in_pass) {
                in_pass = true;
                pass++;
                start_pass(&w, &nw, e);
            }
            if (e->kind == EV_FILTER) {
                walk_filter(&w, &ab, e, pass);
            } else {
                walk_weigh(&w, &abw, e, pass);
                in_pass = false;
            }
            break;
        default: break;
        }
        epass[i - start] = pass;
    }
    m->n_passes = pass;
    if (nw.pending)
        apply_narrowing(&w, &nw);    /* narrowing left no host for the filters */

    /* what became of each host */
    results(m, &w, tr, start, to, epass, pass, ranked, n_selects, err);
    free(epass);
    /* the conductor's retries: a host left out because an earlier decision
     * of this command picked it and a check or claim failed there */
    for (int i = from, d = 0; i < start; i++) {
        const event *e = &tr->v[i];
        d += e->kind == EV_REQUEST;
        int h = host_of(&w, e->host);
        if ((e->kind == EV_CHECK || e->kind == EV_CLAIM) && !e->ok && h >= 0 &&
            w.gone[h] == GONE_NARROWED && d > 0)
            set_result(m, h, TH_DIM,
                       nv_printf("%s: decision %d picked it, %s failed", w.why[h], d,
                                 e->kind == EV_CLAIM ? "the claim" : e->name));
    }

    /* what each pass was for: one per instance, then the alternates */
    for (int p = 1; p <= pass; p++) {
        int k = 0;
        const char *name = NULL;
        for (int i = start; i < to && !name; i++)
            if (tr->v[i].kind == EV_SELECT && ++k == p)
                name = tr->v[i].name;
        bool alts = !name && n_selects && p == n_selects + 1;
        char *label = name   ? nv_printf("pass %d: for %s", p, name)
                      : alts ? nv_printf("pass %d: alternates", p)
                             : nv_printf("pass %d", p);
        char *shrt = name ? nv_printf("%d: %s", p, name) : alts ? nv_printf("%d: alts", p)
                                                                : nv_printf("#%d", p);
        strlist_push(&m->pass_labels, label);
        strlist_push(&m->pass_short, shrt);
        free(label);
        free(shrt);
    }

    m->legend = ab.legend;
    for (int k = 0; k < abw.legend.n; k++)
        strlist_push(&m->legend, abw.legend.v[k]);
    strlist_free(&abw.legend);
    strlist_free(&abw.label);
    strlist_free(&abw.full);
    static const char *const cells[] = {"ok passed", "x rejected here", ". not reached",
                                        "- narrowed out", "> hosts pane selection"};
    for (int k = 0; k < (int)(sizeof cells / sizeof cells[0]); k++)
        strlist_push(&m->legend, cells[k]);
    strlist_free(&ab.label);
    strlist_free(&ab.full);
    narrowing_free(&nw);
    free(w.gone);
    free(w.why);
    free(w.why_pass);
    free(w.mentioned);
    free(w.rank);
    free(w.ix);
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
    const cmd_result *r = tui_last_result(t);
    sbuf cf = {0};
    command_format(tui_last_command(t), &cf);
    tui_putf(p->y, p->x + 1, p->w - 1, helem,
             "EXPLAIN MATRIX  decision %d of %d of command %d: %s => %s", m->decision,
             m->n_decisions, t->s->n_done, cf.s ? cf.s : "", r && r->outcome ? r->outcome : "ok");
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
