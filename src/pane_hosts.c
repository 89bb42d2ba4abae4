/*
 * pane_hosts.c - the hosts pane: one row per compute host in scenario
 * order (host id), with its availability zone, service state, a Placement
 * capacity bar per resource class (usage / (total - reserved) * ratio,
 * what Placement itself compares) and its server count.  Keys: take the
 * host down or up, disable or enable it, and "why not this host?".
 *
 * Column widths are computed from the pane width and the longest names
 * (capped), the same way for the heading and every row, so they line up.
 * Each resource class has a column of its own at every width (bars, else
 * used/capacity text, else percent used), so units never mix.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "theme.h"
#include "decision.h"
#include "tui.h"
#include "whatif.h"

static const int bar_rc[3] = {RC_VCPU, RC_MEMORY_MB, RC_DISK_GB};
static const char *const bar_label[3] = {"VCPU", "MEMORY", "DISK"};
static const char *const num_label[3] = {"VCPU", "RAM", "DISK"};
static const char *const pct_label[3] = {"CPU%", "RAM%", "DSK%"};

/* Each resource class keeps a column of its own, whatever the width: bars
 * with used/capacity, else used/capacity as text, else percent used. */
enum cap_mode { CAP_BARS, CAP_NUMS, CAP_PCT, CAP_NONE };

typedef struct cols {
    int name, az, state, srv;
    enum cap_mode mode;
    int cap[3];                  /* width of each class's column */
} cols;

static const char *state_text(const cloud *c, int h, int *elem);
static void amount(int rc, double v, char *out, size_t n);

/* "2/16", "3.5G/15G": the used/capacity text of a class */
static int usage_text(const cloud *c, int h, int rc, char *out, size_t n)
{
    char u[16], k[16];
    amount(rc, (double)placement_used(c, h, rc), u, sizeof u);
    amount(rc, placement_capacity(c, h, rc), k, sizeof k);
    snprintf(out, n, "%s/%s", u, k);
    return (int)strlen(out);
}

/* The widths of the measured hosts' used/capacity texts, kept with the
 * numbers they were written from: a command changes a few hosts' usage,
 * and writing 15,000 texts again after each was most of the UI's time on
 * a large cloud.  A width depends on the class and the two numbers only. */
enum { MEASURED = 5000 };
static struct usage_width {
    int64_t used;
    double cap;
    int w;                       /* 0: not written yet */
} usage_widths[MEASURED][3];

static int usage_width(const cloud *c, int h, int b)
{
    struct usage_width *u = &usage_widths[h][b];
    int64_t used = placement_used(c, h, bar_rc[b]);
    double cap = placement_capacity(c, h, bar_rc[b]);
    if (!u->w || u->used != used || memcmp(&u->cap, &cap, sizeof cap) != 0) {
        char txt[40];
        u->w = usage_text(c, h, bar_rc[b], txt, sizeof txt);
        u->used = used;
        u->cap = cap;
    }
    return u->w;
}

static void measure(const tui *t, const tui_pane *p, cols *k)
{
    const cloud *c = t->s->c;
    int nmax = 4, amax = 2, smax = 5, tmax[3] = {0, 0, 0};
    /* the first MEASURED hosts are a fair sample; longer names are cut */
    for (int h = 0; h < c->hosts.n && h < MEASURED; h++) {
        int n = tui_text_width(c->hosts.v[h].name);
        const char *az = host_az(c, h);
        int a = az ? tui_text_width(az) : 1, e;
        int st = (int)strlen(state_text(c, h, &e));
        nmax = n > nmax ? n : nmax;
        amax = a > amax ? a : amax;
        smax = st > smax ? st : smax;
        for (int b = 0; b < 3; b++) {
            int w = usage_width(c, h, b);
            tmax[b] = w > tmax[b] ? w : tmax[b];
        }
    }
    k->name = nmax > 16 ? 16 : nmax;
    k->az = amax > 10 ? 10 : amax;
    k->state = smax;
    k->srv = 3;
    /* a leading space, one after each column, SRV last */
    int rest = p->w - (1 + k->name + 1 + k->az + 1 + k->state + 1 + k->srv);
    int bar = rest / 3 - 1;
    if (bar > 24)
        bar = 24;
    int nums = 0;
    for (int b = 0; b < 3; b++) {
        int l = (int)strlen(num_label[b]);
        tmax[b] = tmax[b] > l ? tmax[b] : l;
        nums += tmax[b] + 1;
    }
    int widest = tmax[0] > tmax[1] ? tmax[0] : tmax[1];
    widest = widest > tmax[2] ? widest : tmax[2];
    if (bar >= 9 && bar - 2 >= widest) {   /* the numbers fit inside the bars */
        k->mode = CAP_BARS;
        k->cap[0] = k->cap[1] = k->cap[2] = bar;
    } else if (nums <= rest) {
        k->mode = CAP_NUMS;
        for (int b = 0; b < 3; b++)
            k->cap[b] = tmax[b];
    } else if (3 * 5 <= rest) {
        k->mode = CAP_PCT;
        k->cap[0] = k->cap[1] = k->cap[2] = 4;
    } else {
        k->mode = CAP_NONE;
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

/* ---- order and filter ------------------------------------------------------
 *
 * t->host_rows holds the host ids shown: those of the zone or aggregate
 * t->host_filter names (all without one), in the order t->host_sort says;
 * equal keys keep scenario order.  The selection follows its host. */

static const char *const sort_names[] = {"scenario order", "free RAM", "free vCPU",
                                         "free disk", "servers", "name"};
#define N_SORTS ((int)(sizeof sort_names / sizeof sort_names[0]))

static const cloud *sort_cloud;
static int sort_key;

static double free_of(const cloud *c, int h, int rc)
{
    return placement_capacity(c, h, rc) - (double)placement_used(c, h, rc);
}

static int cmp_hosts(const void *pa, const void *pb)
{
    int a = *(const int *)pa, b = *(const int *)pb;
    const cloud *c = sort_cloud;
    double ka = 0, kb = 0;
    switch (sort_key) {
    case 1: ka = free_of(c, a, RC_MEMORY_MB); kb = free_of(c, b, RC_MEMORY_MB); break;
    case 2: ka = free_of(c, a, RC_VCPU); kb = free_of(c, b, RC_VCPU); break;
    case 3: ka = free_of(c, a, RC_DISK_GB); kb = free_of(c, b, RC_DISK_GB); break;
    case 4:
        ka = c->host_servers ? c->host_servers[a].n : 0;
        kb = c->host_servers ? c->host_servers[b].n : 0;
        break;
    case 5: {
        int r = strcmp(c->hosts.v[a].name, c->hosts.v[b].name);
        if (r)
            return r;
        break;
    }
    default: break;
    }
    if (ka != kb)
        return ka > kb ? -1 : 1;   /* most first */
    return a - b;
}

static bool in_filter(const cloud *c, int h, const char *f)
{
    if (!f)
        return true;
    if (!strncmp(f, "az:", 3)) {
        const char *az = host_az(c, h);
        return az && !strcmp(az, f + 3);
    }
    for (int g = 0; g < c->aggregates.n; g++)
        if (!strcmp(c->aggregates.v[g].name, f + 4))
            for (int i = 0; i < c->aggregates.v[g].hosts.n; i++)
                if (c->aggregates.v[g].hosts.v[i] == h)
                    return true;
    return false;
}

void pane_hosts_rows(tui *t)
{
    const cloud *c = t->s->c;
    tui_pane *p = &t->panes[PANE_HOSTS];
    int keep = p->sel >= 0 && p->sel < t->host_rows.n ? t->host_rows.v[p->sel] : -1;
    t->host_rows.n = 0;
    for (int h = 0; h < c->hosts.n; h++)
        if (in_filter(c, h, t->host_filter))
            intvec_push(&t->host_rows, h);
    if (t->host_sort) {
        sort_cloud = c;
        sort_key = t->host_sort;
        qsort(t->host_rows.v, (size_t)t->host_rows.n, sizeof *t->host_rows.v, cmp_hosts);
    }
    for (int i = 0; keep >= 0 && i < t->host_rows.n; i++)
        if (t->host_rows.v[i] == keep)
            p->sel = i;
}

/* The filters in turn: each zone (in host order), each aggregate, none. */
static void next_filter(tui *t)
{
    const cloud *c = t->s->c;
    strlist all = {0};
    for (int h = 0; h < c->hosts.n; h++) {
        const char *az = host_az(c, h);
        if (!az)
            continue;
        char *f = nv_printf("az:%s", az);
        if (strlist_find(&all, f) < 0)
            strlist_push(&all, f);
        free(f);
    }
    for (int g = 0; g < c->aggregates.n; g++) {
        char *f = nv_printf("agg:%s", c->aggregates.v[g].name);
        if (strlist_find(&all, f) < 0)
            strlist_push(&all, f);
        free(f);
    }
    int cur = t->host_filter ? strlist_find(&all, t->host_filter) : -1;
    free(t->host_filter);
    t->host_filter = cur + 1 < all.n ? nv_strdup(all.v[cur + 1]) : NULL;
    strlist_free(&all);
}

static void order_changed(tui *t, const char *what)
{
    pane_hosts_rows(t);
    tui_pane *p = &t->panes[PANE_HOSTS];
    tui_list_clamp(p, t->host_rows.n, p->h - 1);
    const char *f = t->host_filter;
    tui_status(t, TH_STATUS, "hosts: %s%s%s, by %s%s (%d of %d)", what,
               !f ? "all" : !strncmp(f, "az:", 3) ? "zone " : "aggregate ",
               f ? strchr(f, ':') + 1 : "", sort_names[t->host_sort],
               t->host_sort >= 1 && t->host_sort <= 4 ? ", most first" : "", t->host_rows.n,
               t->s->c->hosts.n);
}

static int rows(tui *t) { return t->host_rows.n; }

static const char *row_name(tui *t, int row) { return t->s->c->hosts.v[t->host_rows.v[row]].name; }

static const char *state_text(const cloud *c, int h, int *elem)
{
    const host *ho = &c->hosts.v[h];
    bool up = host_is_up(c, h);
    if (up && !ho->disabled) {
        *elem = TH_OK;
        return "up";
    }
    if (up) {
        *elem = TH_WARN;
        return "disabled";
    }
    *elem = TH_ERROR;
    if (ho->forced_down)
        return ho->disabled ? "forced,dis" : "forced";
    return ho->disabled ? "down,dis" : "down";
}

/* "12/32", "3.5G/16G": used and capacity in a short form. */
static void amount(int rc, double v, char *out, size_t n)
{
    if (rc == RC_MEMORY_MB) {
        double g = v / 1024.0;
        if (g < 10 && fabs(g - floor(g)) > 0.05)
            snprintf(out, n, "%.1fG", g);
        else
            snprintf(out, n, "%.0fG", floor(g));
    } else if (rc == RC_DISK_GB) {
        snprintf(out, n, "%.0fG", floor(v));
    } else {
        snprintf(out, n, "%.0f", floor(v));
    }
}

/* [|||||    2/32] in bar_low/mid/high; the numbers sit at the right end. */
static void draw_bar(const cloud *c, int h, int rc, int y, int x, int w, int base, bool sel)
{
    int64_t used = placement_used(c, h, rc);
    double cap = placement_capacity(c, h, rc);
    int inner = w - 2;
    if (inner < 1)
        return;
    double frac = cap > 0 ? (double)used / cap : (used > 0 ? 1.0 : 0.0);
    int fill = (int)lround(frac * inner);
    if (used > 0 && fill == 0)
        fill = 1;
    if (fill > inner)
        fill = inner;
    int elem = frac < 0.6 ? TH_BAR_LOW : frac <= 0.85 ? TH_BAR_MID : TH_BAR_HIGH;
    char u[16], k[16], text[40];
    amount(rc, (double)used, u, sizeof u);
    amount(rc, cap, k, sizeof k);
    snprintf(text, sizeof text, "%s/%s", u, k);
    int tl = (int)strlen(text);
    if (tl > inner)
        tl = 0;
    char cells[64];
    if (inner > (int)sizeof cells - 1)
        inner = (int)sizeof cells - 1;
    for (int i = 0; i < inner; i++) {
        int ti = i - (inner - tl);
        cells[i] = tl && ti >= 0 ? text[ti] : (i < fill ? '|' : ' ');
    }
    cells[inner] = '\0';
    tui_put(y, x, 1, sel ? base : TH_DIM, "[");
    char part[64];
    memcpy(part, cells, (size_t)fill);
    part[fill] = '\0';
    tui_put(y, x + 1, fill, sel ? base : elem, part);
    tui_put(y, x + 1 + fill, inner - fill, sel ? base : TH_BAR_EMPTY, cells + fill);
    tui_put(y, x + 1 + inner, 1, sel ? base : TH_DIM, "]");
}

static void heading(tui *t, tui_pane *p, int y, int elem)
{
    cols k;
    compute_cols(t, p, &k);
    int x = p->x + 1;
    tui_put(y, x, k.name, elem, "HOST");
    x += k.name + 1;
    tui_put(y, x, k.az, elem, "AZ");
    x += k.az + 1;
    tui_put(y, x, k.state, elem, "STATE");
    x += k.state + 1;
    for (int b = 0; k.mode != CAP_NONE && b < 3; b++) {
        if (k.mode == CAP_BARS) {
            tui_put(y, x + 1, k.cap[b] - 1, elem, bar_label[b]);
        } else {
            const char *l = k.mode == CAP_NUMS ? num_label[b] : pct_label[b];
            int lw = (int)strlen(l);
            tui_put(y, x + k.cap[b] - lw, lw, elem, l);   /* over right-aligned numbers */
        }
        x += k.cap[b] + 1;
    }
    tui_put(y, x, k.srv, elem, "SRV");
}

static void draw_row(tui *t, tui_pane *p, int row, int y, int base)
{
    const cloud *c = t->s->c;
    row = t->host_rows.v[row];   /* from here on, the host id */
    const host *ho = &c->hosts.v[row];
    bool sel = base != TH_NORMAL;
    cols k;
    compute_cols(t, p, &k);
    int x = p->x + 1;
    int nelem = !sel && tui_search_match(t, ho->name) ? TH_MATCH : base;
    tui_put(y, x, k.name, nelem, ho->name);
    x += k.name + 1;
    const char *az = host_az(c, row);
    tui_put(y, x, k.az, sel ? base : TH_DIM, az ? az : "-");
    x += k.az + 1;
    int selem;
    const char *st = state_text(c, row, &selem);
    tui_put(y, x, k.state, sel ? base : selem, st);
    x += k.state + 1;
    for (int b = 0; k.mode != CAP_NONE && b < 3; b++) {
        int rc = bar_rc[b];
        if (k.mode == CAP_BARS) {
            draw_bar(c, row, rc, y, x, k.cap[b], base, sel);
        } else {
            char txt[40];
            double cap = placement_capacity(c, row, rc);
            double frac = cap > 0 ? (double)placement_used(c, row, rc) / cap : 0;
            if (k.mode == CAP_NUMS)
                usage_text(c, row, rc, txt, sizeof txt);
            else
                snprintf(txt, sizeof txt, "%.0f%%", floor(frac * 100));
            int e = frac < 0.6 ? TH_NORMAL : frac <= 0.85 ? TH_WARN : TH_ERROR;
            tui_putf(y, x, k.cap[b], sel ? base : e, "%*s", k.cap[b], txt);
        }
        x += k.cap[b] + 1;
    }
    tui_putf(y, x, k.srv, base, "%3d", c->host_servers ? c->host_servers[row].n : 0);
}

static void host_cmd(tui *t, int h, const char *set)
{
    command cmd;
    command_init(&cmd, OP_HOST);
    cmd.host = nv_strdup(t->s->c->hosts.v[h].name);
    cmd.set = nv_strdup(set);
    tui_exec(t, &cmd, -1);
    command_done(&cmd);
}

static bool key(tui *t, tui_pane *p, enum keys_action a, int ch)
{
    const cloud *c = t->s->c;
    int h = tui_selected_host(t);
    bool have = h >= 0 && h < c->hosts.n;
    switch (a) {
    case ACT_HOST_SORT:
        t->host_sort = (t->host_sort + 1) % N_SORTS;
        order_changed(t, "");
        return true;
    case ACT_HOST_FILTER:
        next_filter(t);
        order_changed(t, "");
        return true;
    case ACT_HOST_DOWN:
        if (have) {
            if (host_is_up(c, h))
                host_cmd(t, h, "down");
            else
                host_cmd(t, h, c->hosts.v[h].forced_down ? "unforce-down" : "up");
        }
        return true;
    case ACT_HOST_DISABLE:
        if (have)
            host_cmd(t, h, c->hosts.v[h].disabled ? "enable" : "disable");
        return true;
    case ACT_DESCRIBE:
        if (have)
            pane_describe_host(t, h);
        return true;
    case ACT_DRAIN:
        if (have)
            pane_drain_open(t, h);
        return true;
    case ACT_WHAT_IF:
        if (have && tui_selected_server(t) >= 0)
            pane_whatif_open(t, tui_selected_server(t), h);
        else if (have)
            tui_status(t, TH_STATUS_ERROR, "select a server in the servers pane first");
        return true;
    case ACT_WHY_NOT:
        if (have) {
            sbuf b = {0};
            pane_hosts_why(t, h, &b);
            tui_status(t, TH_STATUS, "%s", b.s);
            sbuf_free(&b);
        }
        return true;
    default:
        return tui_list_key(t, p, a, ch);
    }
}

/*
 * The host's fate in the shown command's last decision, read from the
 * decision record: the same reading the explain matrix's result column
 * uses, with the reason's numbers; then what would have made it fit, as
 * what-if says it, against the cloud as it was before the command (after
 * it for a boot, whose server the command made).  Any move: boot,
 * migrate, resize, live migration, evacuation, unshelve.
 */
/* What would make host h fit server sid in decision k, read on the cloud
 * before the command (session_with_cloud_at): not done when the server
 * did not exist yet (the command made it). */
typedef struct fit_ask {
    const trail *tr;
    int k, sid, h;
    const command *cmd;
    sbuf *out;
    bool done;
} fit_ask;

static void fit_note(const cloud *before, void *arg)
{
    fit_ask *q = arg;
    if (q->sid >= before->servers.n)
        return;
    q->done = true;
    int target = q->cmd && q->cmd->host ? cloud_host(before, q->cmd->host) : -1;
    sbuf fit = {0};
    whatif_fit(before, q->tr, q->k, q->sid, target, q->h, &fit);
    if (fit.len)
        sbuf_addf(q->out, "; to fit %s: %s", before->servers.v[q->sid].name, fit.s);
    sbuf_free(&fit);
}

void pane_hosts_why(const tui *t, int h, sbuf *out)
{
    const char *name = t->s->c->hosts.v[h].name;
    const cmd_result *r = tui_shown_result(t);
    sbuf_addf(out, "why not %s? ", name);
    if (!r) {
        sbuf_add(out, "no decision yet: run a command first");
        return;
    }
    const trail *tr = &t->s->t;
    int first, n = dec_in_range(tr, r->trail_from, r->trail_to, &first);
    if (!n) {
        sbuf cf = {0};
        command_format(tui_shown_command(t), &cf);
        sbuf_addf(out, "no scheduling decision in command %d (%s)", tui_shown_index(t) + 1,
                  cf.s ? cf.s : "");
        sbuf_free(&cf);
        return;
    }
    int k = first + n - 1;
    dec_host_fate(tr, t->s->c, r->trail_from, k, r->trail_to, h, true, out);
    int sid = dec_server(&tr->dec[k]);
    if (sid < 0)
        return;
    int at = tui_shown_index(t);
    fit_ask q = {tr, k, sid, h, tui_shown_command(t), out, false};
    session_with_cloud_at(t->s, at, fit_note, &q);
    if (!q.done)   /* the command made the server: the cloud after it */
        session_with_cloud_at(t->s, at + 1, fit_note, &q);
}

const pane_ops pane_hosts_ops = {
    .name = "hosts",
    .ctx = KEYS_HOSTS,
    .draw = tui_list_draw,
    .key = key,
    .rows = rows,
    .heading = heading,
    .draw_row = draw_row,
    .row_name = row_name,
};
