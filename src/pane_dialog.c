/*
 * pane_dialog.c - the move dialog: where should the selected server go?
 * One choice "auto (scheduler picks)" and then every host, in host order;
 * for live-migrate and evacuate a force toggle (Nova's `force`, which
 * skips the scheduler and needs a host) where the release's API still
 * takes it (before microversion 2.68).  Enter builds the same command
 * the `:` prompt or a scenario step would (op, server, host or none,
 * force) and runs it through tui_exec(); Esc cancels.
 *
 * State: t->dlg_op, t->dlg_server (server id, valid while the dialog is
 * open: nothing changes the session meanwhile), t->dlg_force; the
 * pane's sel/top are the highlighted choice and the first one shown.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conductor.h"
#include "theme.h"
#include "tui.h"

/* Force is offered where the release's API takes it: live-migrate and
 * evacuate, before microversion 2.68. */
static bool op_forces(enum cmd_op op)
{
    /* the op takes `force`: its entry in the command table says */
    const cmd_arg *a = cmd_arg_find(op, "force");
    return a && a->type == ARG_BOOL;
}

static bool can_force(const tui *t, enum cmd_op op)
{
    return op_forces(op) && api_accepts_force(release_max_microversion(t->s->c->conf.release));
}

bool pane_dialog_can_force(const tui *t) { return can_force(t, t->dlg_op); }

/* Why there is no force here: "a cold migration cannot be forced" or
 * "no force on latest (API 2.104): the API dropped it in 2.68" */
static void no_force(const tui *t, char *out, size_t n)
{
    if (!op_forces(t->dlg_op))
        snprintf(out, n, "a cold migration cannot be forced");
    else
        snprintf(out, n, "no force on %s (API 2.%d): the API dropped it in 2.68",
                 release_name(t->s->c->conf.release),
                 release_max_microversion(t->s->c->conf.release));
}

/* Box size and list height; the same for drawing and for page keys. */
static void geometry(const tui *t, int *h, int *w, int *page)
{
    int rows = 1 + t->s->c->hosts.n;
    *w = COLS - 8 < 76 ? COLS - 8 : 76;
    if (*w < 40)
        *w = COLS;
    *h = rows + 7;
    if (*h > LINES - 4)
        *h = LINES - 4;
    if (*h < 8)
        *h = LINES;
    *page = *h - 7;
    if (*page < 1)
        *page = 1;
}

void pane_dialog_open(tui *t, enum cmd_op op, int sid)
{
    t->dlg_op = op;
    t->dlg_server = sid;
    t->dlg_force = false;
    t->dialog.sel = 0;
    t->dialog.top = 0;
    t->overlay = &t->dialog;
}

static void draw(tui *t, tui_pane *p)
{
    const cloud *c = t->s->c;
    const server *s = &c->servers.v[t->dlg_server];
    int h, w, page;
    geometry(t, &h, &w, &page);
    int rows = 1 + c->hosts.n;
    tui_list_clamp(p, rows, page);
    char title[160];
    snprintf(title, sizeof title, "%s %s", op_names[t->dlg_op], s->name);
    int y0, x0;
    tui_box(h, w, TH_DIALOG, title, &y0, &x0);
    int x = x0 + 2, iw = w - 4;
    tui_putf(y0 + 1, x, iw, TH_DIALOG, "%s is on %s (%s, %s). Where to?", s->name,
             s->host >= 0 ? c->hosts.v[s->host].name : "no host",
             c->flavors.v[s->flavor].name, s->vm_state ? s->vm_state : "-");
    for (int i = 0; i < page && p->top + i < rows; i++) {
        int row = p->top + i, y = y0 + 2 + i;
        int elem = row == p->sel ? TH_DIALOG_SELECTED : TH_DIALOG;
        tui_fill(y, x, iw, elem);
        if (row == 0) {
            tui_put(y, x, iw, elem,
                    t->dlg_op == OP_EVACUATE ? " auto (the scheduler picks a host)"
                                             : " auto (the scheduler picks)");
            continue;
        }
        int hid = row - 1;
        const host *ho = &c->hosts.v[hid];
        const char *az = host_az(c, hid);
        const char *state = !host_is_up(c, hid) ? "down" : ho->disabled ? "disabled" : "up";
        tui_putf(y, x, iw, elem, " %-16.16s %-10.10s %-8s %3d server(s)%s", ho->name,
                 az ? az : "-", state, c->host_servers ? c->host_servers[hid].n : 0,
                 hid == s->host ? "  (current host)" : "");
    }
    int yf = y0 + h - 4;
    if (can_force(t, t->dlg_op)) {
        tui_putf(yf, x, iw, TH_DIALOG, "[%c] force: skip the scheduler (needs a host)",
                 t->dlg_force ? 'x' : ' ');
    } else {
        char why[160];
        no_force(t, why, sizeof why);
        tui_putf(yf, x, iw, TH_DIALOG, "    (%s)", why);
    }
    char go[24], fo[24], esc[24];
    keys_labels(ACT_PICK, KEYS_DIALOG, go, sizeof go);
    keys_labels(ACT_FORCE, KEYS_DIALOG, fo, sizeof fo);
    keys_labels(ACT_CLOSE, KEYS_DIALOG, esc, sizeof esc);
    if (can_force(t, t->dlg_op))
        tui_putf(y0 + h - 2, x, iw, TH_DIALOG, "%s go   %s force   %s cancel", go, fo, esc);
    else
        tui_putf(y0 + h - 2, x, iw, TH_DIALOG, "%s go   %s cancel", go, esc);
}

static bool key(tui *t, tui_pane *p, enum keys_action a, int ch)
{
    const cloud *c = t->s->c;
    int h, w, page;
    geometry(t, &h, &w, &page);
    if (tui_nav(p, a, 1 + c->hosts.n, page))
        return true;
    switch (a) {
    case ACT_FORCE:
        if (can_force(t, t->dlg_op)) {
            t->dlg_force = !t->dlg_force;
        } else {
            char why[160];
            no_force(t, why, sizeof why);
            tui_status(t, TH_STATUS_ERROR, "%s", why);
        }
        return true;
    case ACT_CLOSE:
        t->overlay = NULL;
        tui_status(t, TH_STATUS, "cancelled");
        return true;
    case ACT_PICK: {
        if (t->dlg_force && p->sel == 0) {
            tui_status(t, TH_STATUS_ERROR, "force needs a host: pick one, or toggle force off");
            return true;
        }
        command cmd;
        command_init(&cmd, t->dlg_op);
        cmd.server = nv_strdup(c->servers.v[t->dlg_server].name);
        if (p->sel > 0)
            cmd.host = nv_strdup(c->hosts.v[p->sel - 1].name);
        cmd.force = t->dlg_force && p->sel > 0;
        t->overlay = NULL;
        tui_exec(t, &cmd, -1);
        command_done(&cmd);
        return true;
    }
    default:
        return false;
    }
}

const pane_ops pane_dialog_ops = {
    .name = "dialog",
    .ctx = KEYS_DIALOG,
    .draw = draw,
    .key = key,
};

/* ---- the form of a command ---------------------------------------------------------
 *
 * One row per argument of the op's command-table entry (required ones
 * marked *, the synopsis word and the help beside it), then "run".  Enter
 * on a row edits its value on the prompt line; Enter on "run" builds the
 * prompt line KEY=VALUE... from the filled rows and runs it through
 * command_parse() and tui_exec(), exactly as if it had been typed.  A
 * refused line leaves the form open with the message on the status line.
 */

static int form_rows(const tui *t) { return cmd_table[t->form_op].n_args + 1; }

void pane_form_open(tui *t, enum cmd_op op)
{
    t->form_op = op;
    strlist_free(&t->form_vals);
    for (int i = 0; i < cmd_table[op].n_args; i++)
        strlist_push(&t->form_vals, "");
    t->form.sel = 0;
    t->form.top = 0;
    t->overlay = &t->form;
}

void pane_form_set(tui *t, const char *value)
{
    int i = t->form.sel;
    if (i >= 0 && i < t->form_vals.n) {
        free(t->form_vals.v[i]);
        t->form_vals.v[i] = nv_strdup(value);
        if (t->form.sel < form_rows(t) - 1)
            t->form.sel++;
    }
    t->overlay = &t->form;
}

static void form_geometry(const tui *t, int *h, int *w, int *page)
{
    *w = COLS - 8 < 96 ? COLS - 8 : 96;
    if (*w < 40)
        *w = COLS;
    *h = form_rows(t) + 5;
    if (*h > LINES - 4)
        *h = LINES - 4;
    if (*h < 7)
        *h = LINES;
    *page = *h - 5;
    if (*page < 1)
        *page = 1;
}

static void form_draw(tui *t, tui_pane *p)
{
    const cmd_desc *d = &cmd_table[t->form_op];
    int h, w, page;
    form_geometry(t, &h, &w, &page);
    int rows = form_rows(t);
    tui_list_clamp(p, rows, page);
    int y0, x0;
    tui_box(h, w, TH_DIALOG, op_help[t->form_op], &y0, &x0);
    int x = x0 + 2, iw = w - 4;
    sbuf u = {0};
    command_usage(t->form_op, &u);
    tui_put(y0 + 1, x, iw, TH_DIALOG, u.s);
    sbuf_free(&u);
    for (int i = 0; i < page && p->top + i < rows; i++) {
        int row = p->top + i, y = y0 + 2 + i;
        int elem = row == p->sel ? TH_DIALOG_SELECTED : TH_DIALOG;
        tui_fill(y, x, iw, elem);
        if (row == d->n_args) {
            tui_put(y, x, iw, elem, " [ run ]");
            continue;
        }
        const cmd_arg *a = &d->args[row];
        const char *v = t->form_vals.v[row];
        tui_putf(y, x, iw, elem, " %c %-22.22s %-20.20s %s", a->required ? '*' : ' ', a->key,
                 v[0] ? v : "-", a->help);
    }
    char go[24], esc[24];
    keys_labels(ACT_PICK, KEYS_DIALOG, go, sizeof go);
    keys_labels(ACT_CLOSE, KEYS_DIALOG, esc, sizeof esc);
    tui_putf(y0 + h - 2, x, iw, TH_DIALOG, "%s edit the field / run   %s cancel   * required",
             go, esc);
}

/* The filled rows as a prompt line, values quoted where needed. */
static void form_line(const tui *t, sbuf *out)
{
    const cmd_desc *d = &cmd_table[t->form_op];
    sbuf_add(out, op_names[t->form_op]);
    for (int i = 0; i < d->n_args; i++) {
        const char *v = t->form_vals.v[i];
        if (!v[0])
            continue;
        const cmd_arg *a = &d->args[i];
        /* list fields take several values separated by blanks */
        strlist parts = {0};
        if (a->type == ARG_LIST || a->type == ARG_KVLIST || a->type == ARG_OPTION)
            nv_split_strip(&parts, v, ' ');
        else
            strlist_push(&parts, v);
        for (int k = 0; k < parts.n; k++) {
            if (a->type == ARG_OPTION)
                sbuf_addf(out, " %s", parts.v[k]);
            else {
                sbuf_addf(out, " %s=\"", a->key);
                for (const char *c = parts.v[k]; *c; c++) {
                    if (*c == '"' || *c == '\\')
                        sbuf_addc(out, '\\');
                    sbuf_addc(out, *c);
                }
                sbuf_addc(out, '"');
            }
        }
        strlist_free(&parts);
    }
}

static bool form_key(tui *t, tui_pane *p, enum keys_action a, int ch)
{
    (void)ch;
    int h, w, page;
    form_geometry(t, &h, &w, &page);
    if (tui_nav(p, a, form_rows(t), page))
        return true;
    switch (a) {
    case ACT_CLOSE:
        t->overlay = NULL;
        tui_status(t, TH_STATUS, "cancelled");
        return true;
    case ACT_PICK: {
        const cmd_desc *d = &cmd_table[t->form_op];
        if (p->sel < d->n_args) {
            t->overlay = NULL;      /* back through pane_form_set() */
            tui_prompt(t, PROMPT_FIELD, t->form_vals.v[p->sel]);
            return true;
        }
        sbuf line = {0};
        form_line(t, &line);
        command cmd;
        char err[512];
        if (!command_parse(line.s, &cmd, err, sizeof err)) {
            tui_status(t, TH_STATUS_ERROR, "%s", err);
        } else {
            t->overlay = NULL;
            tui_exec(t, &cmd, -1);
            command_done(&cmd);
        }
        sbuf_free(&line);
        return true;
    }
    default:
        return false;
    }
}

const pane_ops pane_form_ops = {
    .name = "form",
    .ctx = KEYS_DIALOG,
    .draw = form_draw,
    .key = form_key,
};
