/*
 * pane_hosts.c - the hosts pane: one row per compute host in scenario
 * order (host id), with its availability zone, service state, a Placement
 * capacity bar per resource class (usage / (total - reserved) * ratio,
 * what Placement itself compares) and its server count.  Keys: take the
 * host down or up, disable or enable it, and "why not this host?".
 *
 * Column widths are computed from the pane width and the longest names
 * (capped), the same way for the heading and every row, so they line up.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "theme.h"
#include "decision.h"
#include "tui.h"

static const int bar_rc[3] = {RC_VCPU, RC_MEMORY_MB, RC_DISK_GB};
static const char *const bar_label[3] = {"VCPU", "MEMORY", "DISK"};

typedef struct cols {
    int name, az, state, srv;
    int nbars, bar;              /* bars shown (3, 1 or 0) and their width */
} cols;

static void measure(const tui *t, const tui_pane *p, cols *k)
{
    const cloud *c = t->s->c;
    int nmax = 4, amax = 2;
    /* the first 5000 names are a fair sample; longer ones are cut */
    for (int h = 0; h < c->hosts.n && h < 5000; h++) {
        int n = tui_text_width(c->hosts.v[h].name);
        const char *az = host_az(c, h);
        int a = az ? tui_text_width(az) : 1;
        nmax = n > nmax ? n : nmax;
        amax = a > amax ? a : amax;
    }
    k->name = nmax > 16 ? 16 : nmax;
    k->az = amax > 10 ? 10 : amax;
    k->state = 10;
    k->srv = 3;
    int rest = p->w - (1 + k->name + 1 + k->az + 1 + k->state + 1 + k->srv + 1);
    k->nbars = 3;
    k->bar = rest / 3 - 1;
    if (k->bar < 9) {
        k->nbars = 1;
        k->bar = rest - 1;
    }
    if (k->bar > 24)
        k->bar = 24;
    if (k->bar < 5)
        k->nbars = 0;
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

static int rows(tui *t) { return t->s->c->hosts.n; }

static const char *row_name(tui *t, int row) { return t->s->c->hosts.v[row].name; }

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

/* The class whose bar is fullest (for the one-bar layout). */
static int fullest(const cloud *c, int h)
{
    int best = 0;
    double bf = -1;
    for (int i = 0; i < 3; i++) {
        double cap = placement_capacity(c, h, bar_rc[i]);
        double f = cap > 0 ? (double)placement_used(c, h, bar_rc[i]) / cap : 0;
        if (f > bf) {
            bf = f;
            best = i;
        }
    }
    return best;
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
    for (int b = 0; b < k.nbars; b++) {
        tui_put(y, x + 1, k.bar - 1, elem, k.nbars == 3 ? bar_label[b] : "MAX");
        x += k.bar + 1;
    }
    tui_put(y, x, k.srv, elem, "SRV");
}

static void draw_row(tui *t, tui_pane *p, int row, int y, int base)
{
    const cloud *c = t->s->c;
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
    if (k.nbars == 3) {
        for (int b = 0; b < 3; b++) {
            draw_bar(c, row, bar_rc[b], y, x, k.bar, base, sel);
            x += k.bar + 1;
        }
    } else if (k.nbars == 1) {
        draw_bar(c, row, bar_rc[fullest(c, row)], y, x, k.bar, base, sel);
        x += k.bar + 1;
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
    int h = p->sel;
    bool have = h >= 0 && h < c->hosts.n;
    switch (a) {
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
 * uses, with the reason's numbers.
 */
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
    dec_host_fate(tr, t->s->c, r->trail_from, first + n - 1, r->trail_to, h, true, out);
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
