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

int run_scenario(scenario *sc, enum run_format fmt, long long seed, FILE *out, int *passed,
                 int *failed)
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
        expect_checks_free(&checks);
    }
    if (fmt == FORMAT_JSON) {
        sbuf_addf(&b, "], \"summary\": {\"passed\": %d, \"failed\": %d}}\n", np, nf);
    } else {
        sbuf_addf(&b, "\n%d passed, %d failed\n", np, nf);
    }
    if (out)
        fwrite(b.s, 1, b.len, out);
    sbuf_free(&b);
    session_free(ss);
    if (passed)
        *passed = np;
    if (failed)
        *failed = nf;
    return nf ? 1 : 0;
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
    command *snap = session_snapshot(ss);
    for (int i = 0; i < ss->n_done; i++)
        snap[i].line = 0;
    char *outtext = scenario_replace_steps(sc, text, ss->initial, snap, ss->n_done);
    bool ok = scenario_write_text(out, outtext, err, sizeof err);
    if (!ok)
        fprintf(stderr, "novalid run: --record: %s\n", err);
    for (int i = 0; i < ss->n_done; i++)
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
            if (v && !strcmp(v, "text"))
                fmt = FORMAT_TEXT;
            else if (v && !strcmp(v, "json"))
                fmt = FORMAT_JSON;
            else {
                fprintf(stderr, "novalid run: --format takes text or json\n");
                return 2;
            }
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
        strlist_free(&errors);
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
            char *p = nv_printf("%s/%s", path, names.v[i]);
            strlist_push(out, p);
            free(p);
        }
        strlist_free(&names);
    } else {
        strlist_push(out, path);
    }
    return true;
}

int cmd_check(int argc, char **argv)
{
    strlist files = {0};
    bool bad_path = false;
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) {
            term_printf(stderr, "novalid check: unknown option '%s'\n", argv[i]);
            strlist_free(&files);
            return 2;
        }
        if (!expand(argv[i], &files))
            bad_path = true;
    }
    if (bad_path) {
        strlist_free(&files);
        return 2;
    }
    if (!files.n) {
        fprintf(stderr, "usage: novalid check PATH...\n");
        return 2;
    }
    int np = 0, nf = 0, invalid = 0;
    for (int i = 0; i < files.n; i++) {
        strlist errors = {0};
        scenario *sc = scenario_load_file(files.v[i], &errors);
        if (!sc) {
            term_printf(stdout, "INVALID %s\n", files.v[i]);
            print_errors(&errors);
            strlist_free(&errors);
            invalid++;
            nf++;
            continue;
        }
        int p = 0, f = 0;
        int n_steps = sc->n_steps;
        run_scenario(sc, FORMAT_TEXT, -1, NULL, &p, &f);
        if (f) {
            /* replay once more to say which expectations failed */
            scenario_free(sc);
            sc = scenario_load_file(files.v[i], &errors);
            term_printf(stdout, "FAIL %s: %d of %d expectation(s) failed\n", files.v[i], f, p + f);
            char *buf = NULL;
            size_t len = 0;
            FILE *m = open_memstream(&buf, &len);
            if (sc && m) {
                run_scenario(sc, FORMAT_TEXT, -1, m, NULL, NULL);
                fclose(m);
                char *step = NULL;
                for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
                    if (!strncmp(line, "== step", 7))
                        step = line;
                    else if (strstr(line, ": FAILED (got")) {
                        if (step) {
                            term_printf(stdout, "  %s\n", step + 3);
                            step = NULL;
                        }
                        term_printf(stdout, "  %s\n", line);
                    }
                }
            } else if (m) {
                fclose(m);
            }
            free(buf);
            nf++;
        } else if (!p) {
            term_printf(stdout, "FAIL %s: no expectations (%d step(s))\n", files.v[i], n_steps);
            nf++;
        } else {
            term_printf(stdout, "ok   %s (%d expectation(s))\n", files.v[i], p);
            np++;
        }
        scenario_free(sc);
        strlist_free(&errors);
    }
    printf("%d passed, %d failed\n", np, nf);
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
            sc->c->conf.quirks |= 1u << quirks[i];
        else
            sc->c->conf.quirks &= ~(1u << quirks[i]);
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
