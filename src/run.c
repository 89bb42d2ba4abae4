/*
 * run.c - headless replay of scenarios (see scenario-format.md, "Headless
 * run").  Output is byte-for-byte reproducible for a file and a seed.
 *
 * Exit statuses: 0 every expectation holds, 1 at least one failed, 2 the
 * file or the command line is invalid.
 */
#include "run.h"
#include "decision.h"
#include "diff.h"

#include "textfile.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* printf to f with every %s argument escaped for a terminal (util.h):
 * names, paths and messages come from files strangers send. */
static void term_printf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void term_printf(FILE *f, const char *fmt, ...)
{
    sbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    sbuf_term_vaddf(&b, fmt, ap);
    va_end(ap);
    if (b.len)
        fwrite(b.s, 1, b.len, f);
    sbuf_free(&b);
}

const char *const run_format_names[FORMAT_COUNT] = {"text", "json", "tap", "junit"};

/* --format VALUE: the format among the first `last`+1, else -1. */
static int parse_format(const char *v, enum run_format last)
{
    for (int f = 0; v && f <= (int)last; f++)
        if (!strcmp(v, run_format_names[f]))
            return f;
    return -1;
}

/* "text, json, tap or junit" */
static void format_list(enum run_format last, char *out, size_t n)
{
    out[0] = '\0';
    for (int f = 0; f <= (int)last; f++)
        snprintf(out + strlen(out), n - strlen(out), "%s%s",
                 !f ? "" : f == (int)last ? " or " : ", ", run_format_names[f]);
}

void print_errors(const strlist *errors)
{
    for (int i = 0; i < errors->n; i++)
        term_printf(stderr, "%s\n", errors->v[i]);
}

static void json_server(const cloud *c, int sid, sbuf *b)
{
    const server *s = &c->servers.v[sid];
    sbuf_add(b, "{\"name\": ");
    sbuf_json_str(b, s->name);
    sbuf_add(b, ", \"host\": ");
    sbuf_json_str(b, s->host >= 0 ? c->hosts.v[s->host].name : NULL);
    sbuf_add(b, ", \"vm_state\": ");
    sbuf_json_str(b, s->vm_state);
    sbuf_add(b, ", \"task_state\": ");
    sbuf_json_str(b, s->task_state);
    sbuf_add(b, ", \"flavor\": ");
    sbuf_json_str(b, c->flavors.v[s->flavor].name);
    if (s->fault) {
        sbuf_add(b, ", \"fault\": ");
        sbuf_json_str(b, s->fault);
    }
    sbuf_add(b, "}");
}

static void json_migration(const cloud *c, int mi, sbuf *b)
{
    if (mi < 0) {
        sbuf_add(b, "null");
        return;
    }
    const migration *m = &c->migrations.v[mi];
    sbuf_addf(b, "{\"id\": %d, \"type\": ", m->id);
    sbuf_json_str(b, m->type);
    sbuf_add(b, ", \"status\": ");
    sbuf_json_str(b, m->status);
    sbuf_add(b, ", \"source\": ");
    sbuf_json_str(b, m->source >= 0 ? c->hosts.v[m->source].name : NULL);
    sbuf_add(b, ", \"dest\": ");
    sbuf_json_str(b, m->dest >= 0 ? c->hosts.v[m->dest].name : NULL);
    sbuf_add(b, "}");
}

void run_report_free(run_report *r)
{
    for (int i = 0; i < r->n; i++) {
        free(r->v[i].command);
        free(r->v[i].message);
        expect_checks_free(&r->v[i].checks);
    }
    free(r->v);
    memset(r, 0, sizeof *r);
}

int run_scenario(scenario *sc, enum run_format fmt, long long seed, FILE *out, int *passed,
                 int *failed)
{
    run_report rep = {0};
    int rc = run_scenario_report(sc, fmt, seed, out, &rep);
    if (passed)
        *passed = rep.passed;
    if (failed)
        *failed = rep.failed;
    run_report_free(&rep);
    return rc;
}

int run_scenario_report(scenario *sc, enum run_format fmt, long long seed, FILE *out,
                        run_report *rep)
{
    if (seed >= 0)
        sc->c->seed = (uint64_t)seed;
    cloud *c = sc->c;
    sc->c = NULL;
    session *ss = session_new(c);
    int np = 0, nf = 0;
    sbuf b = {0};
    if (fmt == FORMAT_JSON) {
        sbuf_add(&b, "{\"scenario\": ");
        sbuf_json_str(&b, ss->c->name);
        sbuf_add(&b, ", \"release\": ");
        sbuf_json_str(&b, release_name(ss->c->conf.release));
        sbuf_addf(&b, ", \"seed\": %llu, \"quirks\": [", (unsigned long long)ss->c->seed);
        bool first = true;
        for (int q = 0; q < Q_COUNT; q++)
            if (quirk_on(&ss->c->conf, q)) {
                sbuf_add(&b, first ? "" : ", ");
                sbuf_json_str(&b, quirk_table[q].name);
                first = false;
            }
        sbuf_add(&b, "], \"steps\": [");
    } else {
        sbuf_term_addf(&b, "# %s (release %s, seed %llu)\n", ss->c->name,
                  release_name(ss->c->conf.release), (unsigned long long)ss->c->seed);
        for (int q = 0; q < Q_COUNT; q++)
            if (quirk_on(&ss->c->conf, q))
                sbuf_term_addf(&b, "# quirk %s on: %s\n", quirk_table[q].name, quirk_table[q].summary);
    }
    for (int i = 0; i < sc->n_steps; i++) {
        const command *cmd = &sc->steps[i];
        const cmd_result *r = session_exec(ss, cmd);
        /* an expect-only step asserts on the previous step's result */
        cmd_result merged;
        session_expect_result(ss, ss->n_done - 1, &merged);
        const cmd_result *er = &merged;
        expect_checks checks = {0};
        if (cmd->ex.present)
            expect_eval(ss->c, &cmd->ex, er, &checks);
        for (int k = 0; k < checks.n; k++)
            checks.v[k].ok ? np++ : nf++;
        if (rep) {
            if (rep->n == rep->cap) {
                rep->cap = rep->cap ? 2 * rep->cap : 16;
                rep->v = nv_realloc(rep->v, (size_t)rep->cap * sizeof *rep->v);
            }
            step_report *sr = &rep->v[rep->n++];
            memset(sr, 0, sizeof *sr);
            sr->index = i + 1;
            sr->line = cmd->line;
            sr->op = op_names[cmd->op];
            sbuf cf = {0};
            command_format(cmd, &cf);
            sr->command = cf.s ? cf.s : nv_strdup("");
            sr->outcome = er->outcome;
            sr->message = er->message ? nv_strdup(er->message) : NULL;
            sr->has_expect = cmd->ex.present;
        }
        if (fmt == FORMAT_JSON) {
            sbuf_addf(&b, "%s{\"index\": %d, \"op\": ", i ? ", " : "", i + 1);
            sbuf_json_str(&b, op_names[cmd->op]);
            sbuf_addf(&b, ", \"line\": %d, \"command\": ", cmd->line);
            sbuf cf = {0};
            command_format(cmd, &cf);
            sbuf_json_str(&b, cf.s);
            sbuf_free(&cf);
            sbuf_add(&b, ", \"outcome\": ");
            sbuf_json_str(&b, er->outcome);
            sbuf_add(&b, ", \"message\": ");
            sbuf_json_str(&b, er->message);
            sbuf_add(&b, ", \"servers\": [");
            for (int k = 0; k < er->servers.n; k++) {
                if (k)
                    sbuf_add(&b, ", ");
                json_server(ss->c, er->servers.v[k], &b);
            }
            sbuf_add(&b, "], \"migration\": ");
            json_migration(ss->c, er->migration, &b);
            sbuf_add(&b, ", \"trail\": ");
            trail_json(&ss->t, r->trail_from, r->trail_to, &b);
            sbuf_add(&b, ", \"summary\": ");
            sbuf sum = {0};
            dec_summary(&ss->t, ss->c, r->trail_from, r->trail_to, &sum);
            sbuf_json_str(&b, sum.s ? sum.s : "");
            sbuf_free(&sum);
            sbuf_add(&b, ", \"expect\": [");
            for (int k = 0; k < checks.n; k++) {
                sbuf_add(&b, k ? ", {\"key\": " : "{\"key\": ");
                sbuf_json_str(&b, checks.v[k].key);
                sbuf_add(&b, ", \"want\": ");
                sbuf_json_str(&b, checks.v[k].want);
                sbuf_add(&b, ", \"got\": ");
                sbuf_json_str(&b, checks.v[k].got);
                sbuf_addf(&b, ", \"ok\": %s}", checks.v[k].ok ? "true" : "false");
            }
            sbuf_add(&b, "]}");
        } else {
            sbuf cf = {0};
            command_format(cmd, &cf);
            sbuf_term_addf(&b, "\n== step %d: %s", i + 1, cf.s);
            if (cmd->line)
                sbuf_term_addf(&b, " (%s:%d)", sc->path ? sc->path : "-", cmd->line);
            sbuf_add(&b, "\n");
            sbuf_free(&cf);
            trail_text(&ss->t, r->trail_from, &b);
            if (cmd->op != OP_EXPECT) {
                if (strcmp(er->outcome, "ok"))
                    sbuf_term_addf(&b, "=> %s: %s\n", er->outcome, er->message ? er->message : "");
                else
                    sbuf_add(&b, "=> ok\n");
                if (er->migration >= 0) {
                    const migration *m = &ss->c->migrations.v[er->migration];
                    sbuf_term_addf(&b, "   migration %d (%s): %s, %s -> %s\n", m->id, m->type,
                              m->status, m->source >= 0 ? ss->c->hosts.v[m->source].name : "-",
                              m->dest >= 0 ? ss->c->hosts.v[m->dest].name : "-");
                }
                for (int k = 0; k < er->servers.n; k++) {
                    const server *s = &ss->c->servers.v[er->servers.v[k]];
                    sbuf_term_addf(&b, "   %s: %s, %s%s%s\n", s->name,
                              s->host >= 0 ? ss->c->hosts.v[s->host].name : "(no host)",
                              s->vm_state, s->task_state ? "/" : "",
                              s->task_state ? s->task_state : "");
                }
            }
            for (int k = 0; k < checks.n; k++) {
                if (checks.v[k].ok)
                    sbuf_term_addf(&b, "   expect %s = %s: ok\n", checks.v[k].key, checks.v[k].want);
                else
                    sbuf_term_addf(&b, "   expect %s = %s: FAILED (got %s)\n", checks.v[k].key,
                              checks.v[k].want, checks.v[k].got);
            }
        }
        if (rep)
            rep->v[rep->n - 1].checks = checks;   /* the report keeps them */
        else
            expect_checks_free(&checks);
    }
    /* One rule for run and check: a scenario that asserts nothing fails. */
    if (fmt == FORMAT_JSON) {
        sbuf_addf(&b, "], \"summary\": {\"passed\": %d, \"failed\": %d%s}}\n", np, nf,
                  np + nf ? "" : ", \"no_expectations\": true");
    } else {
        if (!np && !nf)
            sbuf_addf(&b, "\nno expectations: a scenario that asserts nothing fails\n");
        sbuf_addf(&b, "\n%d passed, %d failed\n", np, nf);
    }
    if (out)
        fwrite(b.s, 1, b.len, out);
    sbuf_free(&b);
    session_free(ss);
    if (rep) {
        rep->passed = np;
        rep->failed = nf;
    }
    return nf || !np ? 1 : 0;
}

/* A load error "FILE:LINE: message" split into its parts; an error without
 * a line ("FILE: cannot open: ...") has line 0. */
static void split_load_error(const char *path, const char *err, char **file, int *line,
                             const char **msg)
{
    size_t pl = strlen(path);
    const char *p = NULL;
    if (!strncmp(err, path, pl) && err[pl] == ':')
        p = err + pl;
    else   /* some other file: the first ":DIGITS: " */
        for (const char *q = strchr(err, ':'); q && !p; q = strchr(q + 1, ':'))
            if (q[1] >= '0' && q[1] <= '9' && strspn(q + 1, "0123456789") &&
                q[1 + strspn(q + 1, "0123456789")] == ':')
                p = q;
    *line = 0;
    if (!p) {
        *file = nv_strdup(path);
        *msg = err;
        return;
    }
    *file = nv_printf("%.*s", (int)(p - err), err);
    p++;
    size_t nd = strspn(p, "0123456789");
    if (nd && nd < 9 && p[nd] == ':') {
        *line = atoi(p);
        p += nd + 1;
    }
    while (*p == ' ')
        p++;
    *msg = p;
}

static void json_load_error(const char *path, const char *err, sbuf *b)
{
    char *file;
    int line;
    const char *msg;
    split_load_error(path, err, &file, &line, &msg);
    sbuf_add(b, "{\"file\": ");
    sbuf_json_str(b, file);
    if (line)
        sbuf_addf(b, ", \"line\": %d, \"message\": ", line);
    else
        sbuf_add(b, ", \"line\": null, \"message\": ");
    sbuf_json_str(b, msg);
    sbuf_add(b, "}");
    free(file);
}

static bool parse_seed(const char *s, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s || v < 0)
        return false;
    *out = v;
    return true;
}

/* --record OUT: FILE with each step's expect replaced by what was observed. */
static int record(const scenario *sc, const char *file, const char *out, long long seed)
{
    char err[512];
    size_t len = 0;
    char *text = textfile_read(file, (size_t)256 << 20, &len, err, sizeof err);
    if (!text) {
        fprintf(stderr, "novalid run: %s: %s\n", file, err);
        return 2;
    }
    cloud *c = cloud_clone(sc->c);
    if (seed >= 0)
        c->seed = (uint64_t)seed;
    session *ss = session_new(c);
    for (int i = 0; i < sc->n_steps; i++)
        session_exec(ss, &sc->steps[i]);
    int n_snap;
    command *snap = session_snapshot(ss, &n_snap);
    for (int i = 0; i < n_snap; i++)
        snap[i].line = 0;
    cloud *start = session_cloud_at(ss, 0);
    char *outtext = scenario_replace_steps(sc, text, start, snap, n_snap);
    cloud_free(start);
    bool ok = scenario_write_text(out, outtext, err, sizeof err);
    if (!ok)
        fprintf(stderr, "novalid run: --record: %s\n", err);
    for (int i = 0; i < n_snap; i++)
        command_done(&snap[i]);
    free(snap);
    free(outtext);
    free(text);
    session_free(ss);
    return ok ? 0 : 2;
}

int cmd_run(int argc, char **argv)
{
    const char *file = NULL, *record_to = NULL;
    enum run_format fmt = FORMAT_TEXT;
    long long seed = -1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--format") || !strncmp(a, "--format=", 9)) {
            const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            int f = parse_format(v, FORMAT_RUN_LAST);
            if (f < 0) {
                char l[64];
                format_list(FORMAT_RUN_LAST, l, sizeof l);
                fprintf(stderr, "novalid run: --format takes %s\n", l);
                return 2;
            }
            fmt = (enum run_format)f;
        } else if (!strcmp(a, "--seed") || !strncmp(a, "--seed=", 7)) {
            const char *v = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || !parse_seed(v, &seed)) {
                fprintf(stderr, "novalid run: --seed takes a non-negative integer\n");
                return 2;
            }
        } else if (!strcmp(a, "--record") || !strncmp(a, "--record=", 9)) {
            record_to = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (!record_to || !record_to[0]) {
                fprintf(stderr, "novalid run: --record takes a file to write\n");
                return 2;
            }
        } else if (a[0] == '-' && a[1]) {
            term_printf(stderr, "novalid run: unknown option '%s'\n", a);
            return 2;
        } else if (!file) {
            file = a;
        } else {
            fprintf(stderr, "novalid run: one scenario at a time (use novalid check for many)\n");
            return 2;
        }
    }
    if (!file) {
        fprintf(stderr, "usage: novalid run FILE [--format text|json] [--seed N] [--record OUT]\n");
        return 2;
    }
    strlist errors = {0};
    scenario *sc = scenario_load_file(file, &errors);
    if (!sc) {
        print_errors(&errors);
        if (fmt == FORMAT_JSON) {
            /* scripts read stdout: the first error as an object, then all */
            sbuf b = {0};
            sbuf_add(&b, "{\"error\": ");
            json_load_error(file, errors.n ? errors.v[0] : "invalid file", &b);
            sbuf_add(&b, ", \"errors\": [");
            for (int i = 0; i < errors.n; i++) {
                sbuf_add(&b, i ? ", " : "");
                json_load_error(file, errors.v[i], &b);
            }
            sbuf_add(&b, "]}\n");
            fwrite(b.s, 1, b.len, stdout);
            sbuf_free(&b);
        }
        strlist_free(&errors);
        return 2;
    }
    if (record_to && seed >= 0 && (uint64_t)seed != sc->c->seed) {
        /* OUT keeps FILE's text above its steps, `seed` included: outcomes
         * observed under another seed would not hold when OUT is run */
        fprintf(stderr, "novalid run: --record writes FILE's own seed (%llu); to record "
                        "seed %lld, set seed = %lld; in FILE first\n",
                (unsigned long long)sc->c->seed, seed, seed);
        scenario_free(sc);
        return 2;
    }
    /* (run_scenario takes the cloud: the recording runs first, on a copy) */
    int wrc = record_to ? record(sc, file, record_to, seed) : 0;
    int rc = run_scenario(sc, fmt, seed, stdout, NULL, NULL);
    scenario_free(sc);
    return wrc ? wrc : rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files named on the command line; directories give their *.cfg, sorted.
 * A directory that cannot be read, or holds no *.cfg, is an error (false,
 * said on stderr), never skipped silently. */
static bool expand(const char *path, strlist *out)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d) {
            term_printf(stderr, "%s: cannot read the directory: %s\n", path, strerror(errno));
            return false;
        }
        strlist names = {0};
        struct dirent *e;
        errno = 0;
        while ((e = readdir(d))) {
            size_t l = strlen(e->d_name);
            if (l > 4 && !strcmp(e->d_name + l - 4, ".cfg"))
                strlist_push(&names, e->d_name);
            errno = 0;
        }
        int read_errno = errno;
        closedir(d);
        if (read_errno) {
            term_printf(stderr, "%s: cannot read the directory: %s\n", path, strerror(read_errno));
            strlist_free(&names);
            return false;
        }
        if (!names.n) {
            term_printf(stderr, "novalid check: no scenario files in %s\n", path);
            return false;
        }
        qsort(names.v, (size_t)names.n, sizeof *names.v, cmp_str);
        for (int i = 0; i < names.n; i++) {
            size_t pl = strlen(path);
            while (pl > 1 && path[pl - 1] == '/')
                pl--;   /* "scenarios/" gives scenarios/x.cfg, not scenarios//x.cfg */
            char *p = nv_printf("%.*s%s%s", (int)pl, path, path[pl - 1] == '/' ? "" : "/",
                                names.v[i]);
            strlist_push(out, p);
            free(p);
        }
        strlist_free(&names);
    } else {
        strlist_push(out, path);
    }
    return true;
}

/* ---- check: many files, one verdict each --------------------------------
 *
 * Every format reports the same things: per file ok / failed / invalid /
 * no expectations, and per step with expectations its checks.  TAP and
 * JUnit have one test point (testcase) per such step, plus one for a file
 * that does not load or asserts nothing, so their failure counts agree.
 */

enum file_verdict { FILE_OK, FILE_FAILED, FILE_INVALID, FILE_NO_EXPECT };
static const char *const verdict_names[] = {"ok", "failed", "invalid", "no-expectations"};

typedef struct check_file {
    const char *path;
    enum file_verdict verdict;
    strlist errors;        /* load errors (invalid) */
    run_report rep;
    int n_steps;
} check_file;

/* XML text or attribute value: markup escaped; bytes XML 1.0 forbids
 * (controls, invalid UTF-8) become '?', so the document stays well-formed. */
static void xml_str(sbuf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        unsigned c = *p;
        size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
                                : (c & 0xf8) == 0xf0 ? 4 : 0;
        bool valid = n > 0 && !(n == 2 && c < 0xc2) && !(n == 4 && c > 0xf4);
        for (size_t k = 1; valid && k < n; k++)
            valid = (p[k] & 0xc0) == 0x80;
        if (!valid || (c < 0x20 && c != '\t' && c != '\n' && c != '\r')) {
            sbuf_addc(b, '?');
            p++;
            continue;
        }
        switch (c) {
        case '&': sbuf_add(b, "&amp;"); break;
        case '<': sbuf_add(b, "&lt;"); break;
        case '>': sbuf_add(b, "&gt;"); break;
        case '"': sbuf_add(b, "&quot;"); break;
        case '\'': sbuf_add(b, "&apos;"); break;
        default: sbuf_addn(b, (const char *)p, n);
        }
        p += n;
    }
}

/* A TAP description: one line, '#' escaped (it would start a directive). */
static void tap_str(sbuf *b, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '#')
            sbuf_add(b, "\\#");
        else
            sbuf_addc(b, *s == '\n' || *s == '\r' ? ' ' : *s);
    }
}

static int step_failures(const step_report *st)
{
    int f = 0;
    for (int k = 0; k < st->checks.n; k++)
        f += !st->checks.v[k].ok;
    return f;
}

/* "step 3: live-migrate vm-1 host2 (FILE:40)", or "(line 40)" where the
 * file is named already */
static void step_title(const check_file *cf, const step_report *st, bool with_file, sbuf *b)
{
    sbuf_term_addf(b, "step %d: %s", st->index, st->command);
    if (st->line && with_file)
        sbuf_term_addf(b, " (%s:%d)", cf->path, st->line);
    else if (st->line)
        sbuf_addf(b, " (line %d)", st->line);
}

static void check_text(const check_file *cf, sbuf *b)
{
    switch (cf->verdict) {
    case FILE_INVALID:
        sbuf_term_addf(b, "INVALID %s\n", cf->path);
        break;
    case FILE_NO_EXPECT:
        sbuf_term_addf(b, "FAIL %s: no expectations (%d step(s))\n", cf->path, cf->n_steps);
        break;
    case FILE_OK:
        sbuf_term_addf(b, "ok   %s (%d expectation(s))\n", cf->path, cf->rep.passed);
        break;
    case FILE_FAILED:
        sbuf_term_addf(b, "FAIL %s: %d of %d expectation(s) failed\n", cf->path, cf->rep.failed,
                  cf->rep.passed + cf->rep.failed);
        for (int i = 0; i < cf->rep.n; i++) {
            const step_report *st = &cf->rep.v[i];
            if (!step_failures(st))
                continue;
            sbuf_add(b, "  ");
            step_title(cf, st, true, b);
            sbuf_add(b, "\n");
            for (int k = 0; k < st->checks.n; k++)
                if (!st->checks.v[k].ok)
                    sbuf_term_addf(b, "  expect %s = %s: FAILED (got %s)\n", st->checks.v[k].key,
                              st->checks.v[k].want, st->checks.v[k].got);
        }
        break;
    }
}

static void check_json(const check_file *cf, bool first, sbuf *b)
{
    sbuf_add(b, first ? "\n  {\"file\": " : ",\n  {\"file\": ");
    sbuf_json_str(b, cf->path);
    sbuf_add(b, ", \"result\": ");
    sbuf_json_str(b, verdict_names[cf->verdict]);
    sbuf_addf(b, ", \"passed\": %d, \"failed\": %d, \"errors\": [", cf->rep.passed,
              cf->rep.failed);
    for (int i = 0; i < cf->errors.n; i++) {
        sbuf_add(b, i ? ", " : "");
        json_load_error(cf->path, cf->errors.v[i], b);
    }
    sbuf_add(b, "], \"steps\": [");
    for (int i = 0; i < cf->rep.n; i++) {
        const step_report *st = &cf->rep.v[i];
        sbuf_addf(b, "%s{\"index\": %d, \"op\": ", i ? ", " : "", st->index);
        sbuf_json_str(b, st->op);
        sbuf_addf(b, ", \"line\": %d, \"command\": ", st->line);
        sbuf_json_str(b, st->command);
        sbuf_add(b, ", \"outcome\": ");
        sbuf_json_str(b, st->outcome);
        sbuf_add(b, ", \"message\": ");
        sbuf_json_str(b, st->message);
        sbuf_add(b, ", \"expect\": [");
        for (int k = 0; k < st->checks.n; k++) {
            const expect_check *ck = &st->checks.v[k];
            sbuf_add(b, k ? ", {\"key\": " : "{\"key\": ");
            sbuf_json_str(b, ck->key);
            sbuf_add(b, ", \"want\": ");
            sbuf_json_str(b, ck->want);
            sbuf_add(b, ", \"got\": ");
            sbuf_json_str(b, ck->got);
            sbuf_addf(b, ", \"ok\": %s}", ck->ok ? "true" : "false");
        }
        sbuf_add(b, "]}");
    }
    sbuf_add(b, "]}");
}

/* TAP: test points numbered from *n; failures as a YAML block. */
static void check_tap(const check_file *cf, int *n, int *not_ok, sbuf *b)
{
    if (cf->verdict == FILE_INVALID || cf->verdict == FILE_NO_EXPECT) {
        ++*not_ok;
        sbuf_addf(b, "not ok %d - ", ++*n);
        tap_str(b, cf->path);
        if (cf->verdict == FILE_INVALID) {
            sbuf_add(b, ": invalid\n  ---\n  errors:\n");
            for (int i = 0; i < cf->errors.n; i++) {
                /* as hashes: TAP's YAMLish reads "- a: b" as one */
                char *file;
                int line;
                const char *msg;
                split_load_error(cf->path, cf->errors.v[i], &file, &line, &msg);
                sbuf_add(b, "    - file: ");
                sbuf_json_str(b, file);
                if (line)
                    sbuf_addf(b, "\n      line: %d", line);
                sbuf_add(b, "\n      message: ");
                sbuf_json_str(b, msg);
                sbuf_add(b, "\n");
                free(file);
            }
            sbuf_add(b, "  ...\n");
        } else {
            sbuf_addf(b, ": no expectations (%d step(s))\n", cf->n_steps);
        }
        return;
    }
    for (int i = 0; i < cf->rep.n; i++) {
        const step_report *st = &cf->rep.v[i];
        if (!st->has_expect)
            continue;
        int f = step_failures(st);
        if (f)
            ++*not_ok;
        sbuf_addf(b, "%s %d - ", f ? "not ok" : "ok", ++*n);
        sbuf t = {0};
        sbuf_term_addf(&t, "%s: ", cf->path);
        step_title(cf, st, false, &t);
        tap_str(b, t.s);
        sbuf_free(&t);
        sbuf_add(b, "\n");
        if (!f)
            continue;
        sbuf_add(b, "  ---\n  outcome: ");
        sbuf_json_str(b, st->outcome);
        sbuf_add(b, "\n  failed:\n");
        for (int k = 0; k < st->checks.n; k++) {
            const expect_check *ck = &st->checks.v[k];
            if (ck->ok)
                continue;
            sbuf_add(b, "    - key: ");
            sbuf_json_str(b, ck->key);
            sbuf_add(b, "\n      want: ");
            sbuf_json_str(b, ck->want);
            sbuf_add(b, "\n      got: ");
            sbuf_json_str(b, ck->got);
            sbuf_add(b, "\n");
        }
        sbuf_add(b, "  ...\n");
    }
}

static void check_junit(const check_file *cf, int *tests, int *failures, int *errs, sbuf *b)
{
    int t = 0, f = 0, e = 0;
    sbuf cases = {0};
    if (cf->verdict == FILE_INVALID) {
        t = e = 1;
        sbuf_add(&cases, "    <testcase classname=\"");
        xml_str(&cases, cf->path);
        sbuf_add(&cases, "\" name=\"load\">\n      <error type=\"invalid\" message=\"");
        xml_str(&cases, cf->errors.n ? cf->errors.v[0] : "invalid file");
        sbuf_add(&cases, "\">");
        for (int i = 0; i < cf->errors.n; i++) {
            xml_str(&cases, cf->errors.v[i]);
            sbuf_add(&cases, "\n");
        }
        sbuf_add(&cases, "</error>\n    </testcase>\n");
    } else if (cf->verdict == FILE_NO_EXPECT) {
        t = f = 1;
        sbuf_add(&cases, "    <testcase classname=\"");
        xml_str(&cases, cf->path);
        sbuf_addf(&cases, "\" name=\"expectations\">\n      <failure type=\"no-expectations\" "
                          "message=\"no expectations (%d step(s))\"/>\n    </testcase>\n",
                  cf->n_steps);
    }
    for (int i = 0; cf->verdict != FILE_INVALID && i < cf->rep.n; i++) {
        const step_report *st = &cf->rep.v[i];
        if (!st->has_expect)
            continue;
        int nf = step_failures(st);
        t++;
        sbuf title = {0};
        step_title(cf, st, false, &title);
        sbuf_add(&cases, "    <testcase classname=\"");
        xml_str(&cases, cf->path);
        sbuf_add(&cases, "\" name=\"");
        xml_str(&cases, title.s);
        sbuf_free(&title);
        if (!nf) {
            sbuf_add(&cases, "\"/>\n");
            continue;
        }
        f++;
        sbuf_addf(&cases, "\">\n      <failure type=\"expectation\" message=\"%d of %d "
                          "expectation(s) failed\">",
                  nf, st->checks.n);
        for (int k = 0; k < st->checks.n; k++) {
            const expect_check *ck = &st->checks.v[k];
            if (ck->ok)
                continue;
            sbuf tx = {0};
            sbuf_addf(&tx, "expect %s = %s: FAILED (got %s)\n", ck->key, ck->want, ck->got);
            xml_str(&cases, tx.s);
            sbuf_free(&tx);
        }
        sbuf_add(&cases, "</failure>\n    </testcase>\n");
    }
    sbuf_add(b, "  <testsuite name=\"");
    xml_str(b, cf->path);
    sbuf_addf(b, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\">\n", t, f, e);
    if (cases.s)
        sbuf_add(b, cases.s);
    sbuf_add(b, "  </testsuite>\n");
    sbuf_free(&cases);
    *tests += t;
    *failures += f;
    *errs += e;
}

int cmd_check(int argc, char **argv)
{
    strlist files = {0};
    bool bad_path = false;
    enum run_format fmt = FORMAT_TEXT;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--format") || !strncmp(a, "--format=", 9)) {
            const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            int f = parse_format(v, FORMAT_COUNT - 1);
            if (f < 0) {
                char l[64];
                format_list(FORMAT_COUNT - 1, l, sizeof l);
                fprintf(stderr, "novalid check: --format takes %s\n", l);
                strlist_free(&files);
                return 2;
            }
            fmt = (enum run_format)f;
            continue;
        }
        if (a[0] == '-' && a[1]) {
            term_printf(stderr, "novalid check: unknown option '%s'\n", a);
            strlist_free(&files);
            return 2;
        }
        if (!expand(a, &files))
            bad_path = true;
    }
    if (bad_path) {
        strlist_free(&files);
        return 2;
    }
    if (!files.n) {
        fprintf(stderr, "usage: novalid check [--format text|json|tap|junit] PATH...\n");
        return 2;
    }
    int np = 0, nf = 0, invalid = 0;
    int tap_n = 0, tap_not_ok = 0, ju_tests = 0, ju_fail = 0, ju_err = 0;
    sbuf body = {0};
    if (fmt == FORMAT_TAP)
        printf("TAP version 13\n");
    for (int i = 0; i < files.n; i++) {
        check_file cf = {.path = files.v[i]};
        scenario *sc = scenario_load_file(files.v[i], &cf.errors);
        if (!sc) {
            cf.verdict = FILE_INVALID;
            invalid++;
        } else {
            cf.n_steps = sc->n_steps;
            run_scenario_report(sc, FORMAT_TEXT, -1, NULL, &cf.rep);
            scenario_free(sc);
            cf.verdict = cf.rep.failed ? FILE_FAILED : cf.rep.passed ? FILE_OK : FILE_NO_EXPECT;
        }
        cf.verdict == FILE_OK ? np++ : nf++;
        if (cf.verdict == FILE_INVALID)   /* stdout first: the errors follow its line */
            fflush(stdout);
        switch (fmt) {
        case FORMAT_TEXT:
            check_text(&cf, &body);
            fwrite(body.s, 1, body.len, stdout);
            fflush(stdout);
            sbuf_reset(&body);
            break;
        case FORMAT_JSON:
            check_json(&cf, i == 0, &body);
            break;
        case FORMAT_TAP:
            check_tap(&cf, &tap_n, &tap_not_ok, &body);
            fwrite(body.s, 1, body.len, stdout);
            sbuf_reset(&body);
            break;
        case FORMAT_JUNIT:
        case FORMAT_COUNT:
            check_junit(&cf, &ju_tests, &ju_fail, &ju_err, &body);
            break;
        }
        if (cf.verdict == FILE_INVALID) {
            fflush(stdout);
            print_errors(&cf.errors);
        }
        strlist_free(&cf.errors);
        run_report_free(&cf.rep);
    }
    switch (fmt) {
    case FORMAT_TEXT:
        printf("%d passed, %d failed\n", np, nf);
        break;
    case FORMAT_JSON:
        printf("{\"files\": [%s\n], \"summary\": {\"passed\": %d, \"failed\": %d}}\n",
               body.s ? body.s : "", np, nf);
        break;
    case FORMAT_TAP:
        printf("1..%d\n# %d passed, %d failed\n", tap_n, np, nf);
        break;
    case FORMAT_JUNIT:
    case FORMAT_COUNT:
        printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<testsuites name=\"novalid check\" tests=\"%d\" failures=\"%d\" errors=\"%d\">\n"
               "%s</testsuites>\n",
               ju_tests, ju_fail, ju_err, body.s ? body.s : "");
        break;
    }
    sbuf_free(&body);
    strlist_free(&files);
    return invalid ? 2 : nf ? 1 : 0;
}

int cmd_validate(int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "usage: novalid validate FILE...\n");
        return 2;
    }
    int rc = 0;
    for (int i = 0; i < argc; i++) {
        strlist errors = {0};
        scenario *sc = scenario_load_file(argv[i], &errors);
        if (!sc) {
            print_errors(&errors);
            rc = 2;
        } else {
            term_printf(stdout, "%s: ok (%d host(s), %d server(s), %d step(s), release %s)\n", argv[i],
                   sc->c->hosts.n, sc->c->servers.n, sc->n_steps, release_name(sc->c->conf.release));
            scenario_free(sc);
        }
        strlist_free(&errors);
    }
    return rc;
}

/* ---- novalid diff ---------------------------------------------------------------- */

static session *replay_file(const char *path, int rel, const int *quirks, const bool *on, int nq)
{
    strlist errors = {0};
    scenario *sc = scenario_load_file_as(path, rel, &errors);
    if (!sc) {
        print_errors(&errors);
        strlist_free(&errors);
        return NULL;
    }
    for (int i = 0; i < nq; i++) {
        if (on[i])
            sc->c->conf.quirks |= QUIRK_BIT(quirks[i]);
        else
            sc->c->conf.quirks &= ~QUIRK_BIT(quirks[i]);
    }
    cloud *c = sc->c;
    sc->c = NULL;
    session *s = session_new(c);
    for (int i = 0; i < sc->n_steps; i++)
        session_exec(s, &sc->steps[i]);
    scenario_free(sc);
    return s;
}

static void describe_side(const session *s, const char *path, sbuf *out)
{
    sbuf_addf(out, "%s (release %s, quirks:", path, release_name(s->c->conf.release));
    bool any = false;
    for (int q = 0; q < Q_COUNT; q++)
        if (quirk_on(&s->c->conf, q)) {
            sbuf_addf(out, " %s", quirk_table[q].name);
            any = true;
        }
    sbuf_add(out, any ? ")\n" : " none)\n");
}

int cmd_diff(int argc, char **argv)
{
    const char *files[2] = {NULL, NULL};
    int rel = -1, nq = 0;
    int quirks[Q_COUNT * 2];
    bool on[Q_COUNT * 2];
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--release") || !strncmp(a, "--release=", 10)) {
            const char *v = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
            rel = v ? release_from_name(v) : -1;
            if (rel < 0) {
                fprintf(stderr, "novalid diff: --release takes a release name (pike ... latest)\n");
                return 2;
            }
        } else if (!strcmp(a, "--quirk") || !strncmp(a, "--quirk=", 8)) {
            const char *v = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
            bool off = v && v[0] == '!';
            int q = v ? quirk_from_name(v + off) : -1;
            if (q < 0 || nq >= Q_COUNT * 2) {
                fprintf(stderr, "novalid diff: --quirk takes bug-N (on) or !bug-N (off), a known "
                                "quirk\n");
                return 2;
            }
            quirks[nq] = q;
            on[nq++] = !off;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "novalid diff: unknown option '%s'\n", a);
            return 2;
        } else if (!files[0]) {
            files[0] = a;
        } else if (!files[1]) {
            files[1] = a;
        } else {
            fprintf(stderr, "novalid diff: two scenarios at most\n");
            return 2;
        }
    }
    if (!files[0] || (!files[1] && rel < 0 && !nq)) {
        fprintf(stderr, "usage: novalid diff A.cfg B.cfg | novalid diff FILE [--release R] "
                        "[--quirk bug-N|!bug-N]...\n");
        return 2;
    }
    session *a = replay_file(files[0], -1, NULL, NULL, 0);
    if (!a)
        return 2;
    session *b = replay_file(files[1] ? files[1] : files[0], rel, quirks, on, nq);
    if (!b) {
        session_free(a);
        return 2;
    }
    sbuf out = {0};
    sbuf_add(&out, "--- ");
    describe_side(a, files[0], &out);
    sbuf_add(&out, "+++ ");
    describe_side(b, files[1] ? files[1] : files[0], &out);
    int n = session_diff(a, b, &out);
    if (n)
        sbuf_addf(&out, "%d step(s) differ\n", n);
    else
        sbuf_add(&out, "no difference\n");
    /* names come from the files: each line escaped for the terminal */
    sbuf safe = {0};
    for (const char *p = out.s; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        sbuf_add_term_n(&safe, p, len);
        sbuf_addc(&safe, '\n');
        p += len + (nl ? 1 : 0);
    }
    fwrite(safe.s, 1, safe.len, stdout);
    sbuf_free(&safe);
    sbuf_free(&out);
    session_free(a);
    session_free(b);
    return n ? 1 : 0;
}
