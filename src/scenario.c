/*
 * scenario.c - scenario files (libconfig) to a cloud plus steps, and back.
 *
 * Loading
 *   The raw text is checked first (no `@include` line, no NUL byte), then
 *   parsed by libconfig, then walked in a fixed order: release, nova
 *   defaults of that release, quirks, seed, name, description, config,
 *   hosts, aggregates, `az` shorthands, flavors, images, groups, servers,
 *   steps.  The walk never stops at the first problem: each one becomes a
 *   "FILE:LINE: key.path: message" line in the caller's list (at most
 *   MAX_ERRORS, so hostile input cannot grow the list without bound), and
 *   any error at all throws the whole result away.
 *
 *   Every group-shaped object has a table of the keys valid there; a key
 *   not in it is reported with a "did you mean" taken from that table.
 *   Objects are referred to by name: a `names` index per kind maps a name
 *   to its id (borrowing the cloud's own copy of the string) and remembers
 *   the line that defined it, for duplicate reports.  These indexes are the
 *   loader's own, so nothing depends on when cloud_reindex() runs.
 *
 *   Servers are added with their Placement allocation (placement_add),
 *   as Nova would have them after a successful boot.  Steps become command
 *   records; their arguments are the op's descriptors in the command table
 *   (cmd_table[], command.c), which the `:` prompt uses too: the loader
 *   turns each value into text for cmd_arg_set(), the writer reads them
 *   back with cmd_arg_values().  Step arguments that name servers, hosts or flavors are not
 *   resolved here: a boot step creates servers later steps name, and a
 *   step may name a missing host on purpose to get Nova's error.
 *
 * Saving
 *   The cloud's state and a list of commands are written in the layout of
 *   the format document, one object per line, only values that differ from
 *   the defaults the loader applies, so that loading the file gives the
 *   same state.  The file is written as PATH.tmp and renamed over PATH.
 */
#include <libconfig.h>

#include "scenario.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scheduler.h"
#include "textfile.h"

#define MAX_ERRORS 100                  /* messages kept per load */
#define MAX_FILE_BYTES (256L << 20)     /* largest scenario file read */
#define MAX_BOOT_COUNT 100000           /* largest min_count / max_count */
#define MAX_SUGGEST_NAMES 2000          /* name sets searched for "did you mean" */
#define MAX_COUNT 200000                /* largest `count` of one hosts/servers entry */
#define MAX_HOSTS 200000                /* hosts in all (with `count`) */
#define MAX_SERVERS 2000000             /* servers in all (with `count`) */

/* ---- nova defaults -------------------------------------------------------- */

/* The defaults of a release (config.h); the one call site of that API. */
static void conf_defaults(nova_config *conf, int rel)
{
    nova_config_init(conf, rel);
}

/* ---- errors ------------------------------------------------------------- */

typedef struct names {
    nv_index ix;        /* name -> id; keys borrowed from the cloud */
    intvec lines;       /* id -> line that defined it */
} names;

typedef struct loader {
    const char *file;
    strlist *errors;
    int nerr;
    cloud *c;
    int rel;
    names hosts, aggs, flavors, images, groups;   /* servers: the cloud's own index */
    nova_config *conf_target;   /* where set_option writes; NULL: the cloud's */
    int rel_override;           /* act as this release whatever the file says; -1 none */
    int steps_line;             /* where `steps` is, for scenario_replace_steps */
    bool steps_last;
    /* a long load's progress (scenario_load_file_watch), NULL: none */
    scenario_watch watch;
    void *watch_arg;
    long long total;            /* hosts and servers the file makes */
    int want_servers;           /* servers the file makes */
    int last_host;              /* the host a server named last (get_ref), -1 none */
    /* the last server's host zone as host_az() gave it and interned (the
     * zones do not change while servers load) */
    const char *az_of, *az_interned;
    bool az_known;
    /* counted host entries, so that a counted server entry naming its
     * hosts by the same pattern finds them by number, not by name */
    struct host_run *runs;
    int n_runs;
    unsigned tick;
    bool stopped;               /* the watch said stop */
    /* a list whose elements past the first half's are in a second tree,
     * parsed meanwhile by a thread (parse_split); NULL: none */
    struct half *half;
    const config_setting_t *split_list;   /* that list, in the first tree */
    atomic_bool *half_stop;     /* tells that thread to stop */
    bool redo;                  /* the second half did not parse: load it all in one */
} loader;

static void lerr(loader *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void lerr(loader *ld, int line, const char *fmt, ...)
{
    ld->nerr++;
    if (ld->nerr > MAX_ERRORS + 1)
        return;
    sbuf b = {0};
    sbuf_addf(&b, "%s:%d: ", ld->file, line > 0 ? line : 1);
    if (ld->nerr == MAX_ERRORS + 1) {
        sbuf_add(&b, "too many errors; the rest are not shown");
    } else {
        va_list ap;
        va_start(ap, fmt);
        sbuf_vaddf(&b, fmt, ap);
        va_end(ap);
    }
    char *m = sbuf_take(&b);
    NV_PUSH(*ld->errors, m);
}

/* Stopped by the watch: one message, no line (it is not the file's fault). */
static void ld_stop(loader *ld)
{
    ld->stopped = true;
    if (ld->half_stop)
        atomic_store(ld->half_stop, true);
    ld->nerr++;
    char *m = nv_printf("%s: loading interrupted", ld->file);
    NV_PUSH(*ld->errors, m);
}

/* One more host or server made: now and then the watch hears how far the
 * building is.  false once it said stop. */
static bool ld_progress(loader *ld)
{
    if (ld->redo)
        return false;
    if (!ld->watch || ld->stopped)
        return !ld->stopped;
    if (++ld->tick % 4096)
        return true;
    if (!ld->watch(ld->watch_arg, "building", ld->c->hosts.n + ld->c->servers.n, ld->total))
        ld_stop(ld);
    return !ld->stopped;
}

/* True once no further message would be shown: skip costly suggestions. */
static bool ld_full(const loader *ld)
{
    return ld->nerr >= MAX_ERRORS;
}

/* Count an error whose message would not be shown anyway. */
static void lerr_suppressed(loader *ld, int line)
{
    lerr(ld, line, "%s", "");
}

/* The text libconfig parses, read through a stream: pieces of the file
 * and runs of newlines standing for the pieces left out (so that every
 * line keeps its number).  The stream of the first half tells the watch
 * how far both halves are (libconfig has no progress of its own); a stop
 * ends both streams early. */
typedef struct seg {
    const char *s;   /* NULL: n newlines */
    size_t n;
} seg;

typedef struct feed {
    const seg *seg;
    int nseg, i;
    size_t off;
    atomic_size_t done;          /* bytes of the file read so far */
    atomic_bool *stop;
    loader *ld;                  /* the watch's, NULL: none */
    const struct feed *other;    /* the other half's, NULL: none */
    size_t total, next_report;
} feed;

static ssize_t feed_read(void *cookie, char *buf, size_t size)
{
    feed *f = cookie;
    if (atomic_load_explicit(f->stop, memory_order_relaxed))
        return 0;
    if (f->ld && f->ld->watch) {
        size_t done = atomic_load_explicit(&f->done, memory_order_relaxed) +
                      (f->other ? atomic_load_explicit(&f->other->done, memory_order_relaxed) : 0);
        if (done >= f->next_report) {
            f->next_report = done + ((size_t)1 << 20);
            if (!f->ld->watch(f->ld->watch_arg, "parsing", (long long)done,
                              (long long)f->total)) {
                ld_stop(f->ld);
                return 0;
            }
        }
    }
    size_t got = 0;
    while (got < size && f->i < f->nseg) {
        const seg *g = &f->seg[f->i];
        size_t k = g->n - f->off < size - got ? g->n - f->off : size - got;
        if (g->s) {
            memcpy(buf + got, g->s + f->off, k);
            atomic_fetch_add_explicit(&f->done, k, memory_order_relaxed);
        } else {
            memset(buf + got, '\n', k);
        }
        got += k;
        f->off += k;
        if (f->off == g->n) {
            f->i++;
            f->off = 0;
        }
    }
    return (ssize_t)got;
}

static bool feed_parse(feed *f, config_t *cf)
{
    cookie_io_functions_t io = {feed_read, NULL, NULL, NULL};
    FILE *in = fopencookie(f, "r", io);
    if (!in)
        return false;
    bool ok = config_read(cf, in);
    fclose(in);
    return ok;
}

/* Parse `text` into `cf`, through a stream when there is a watch. */
static bool parse(loader *ld, config_t *cf, const char *text)
{
    if (!ld->watch)
        return config_read_string(cf, text);
    atomic_bool stop = false;
    seg one = {text, strlen(text)};
    feed f = {.seg = &one, .nseg = 1, .stop = &stop, .ld = ld, .total = one.n};
    return feed_parse(&f, cf) && !ld->stopped;
}

/* ---- a large file in two halves ---------------------------------------------
 *
 * libconfig is two thirds of loading a large file, and it parses on one
 * core.  The scan that checks the text (textfile_scan_split) also finds
 * where its largest list of hosts or servers can be cut between two
 * elements.  The first half is the file with the list closed at the cut
 * and its rest left out; the second is that rest alone, as a list of its
 * own.  Runs of newlines stand for what each half leaves out, so every
 * setting keeps its line.  A thread parses the second half while this one
 * parses the first and builds what it holds; the list's loop then goes
 * on with the second half's elements (split_more).  The halves hold the
 * same settings as the file, parsed by the same libconfig; if either does
 * not parse, the file is loaded again in one piece, so that a syntax
 * error is reported as one parse reports it. */
#define SPLIT_SHARE 0.6   /* of the file's bytes, in the second half: the
                              first also builds what it holds meanwhile */
size_t scenario_split_min = (size_t)256 << 10;
/* the lists whose loops go on into a second half (split_more) */
static const char *const split_lists[] = {"hosts", "servers", NULL};

typedef struct half {
    config_t cf;
    seg seg[4];
    feed f;
    atomic_bool stop;
    pthread_t th;
    bool ok, joined, walked;
    double ratio;                 /* its bytes over the first half's, of the list */
    const config_setting_t *list;
} half;

static void *half_parse(void *arg)
{
    half *h = arg;
    h->ok = feed_parse(&h->f, &h->cf);
    return NULL;
}

/* The second half's list, once its thread is done; NULL (and the load
 * redone in one piece, unless it was stopped) when it did not parse. */
static const config_setting_t *half_join(loader *ld)
{
    half *h = ld->half;
    if (!h->joined) {
        pthread_join(h->th, NULL);
        h->joined = true;
        const config_setting_t *l = h->ok ? config_lookup(&h->cf, "x") : NULL;
        h->list = l && config_setting_is_list(l) ? l : NULL;
        if (!h->list && !ld->stopped)
            ld->redo = true;
    }
    return h->list;
}

/* Whether element i of `list` exists, *n being the elements known so far:
 * at the end of a split list's first half, its second half's are added. */
static bool split_more(loader *ld, const config_setting_t *list, int i, int *n)
{
    if (i < *n)
        return true;
    if (!ld->half || list != ld->split_list || ld->half->walked)
        return false;
    ld->half->walked = true;
    const config_setting_t *rest = half_join(ld);
    if (!rest)
        return false;
    *n += config_setting_length(rest);
    return i < *n;
}

/* Element i of `list`, in the second half past the first half's. */
static const config_setting_t *list_elem(const loader *ld, const config_setting_t *list, int i)
{
    if (ld->half && list == ld->split_list && ld->half->list) {
        int na = config_setting_length(list);
        if (i >= na)
            return config_setting_get_elem(ld->half->list, (unsigned)(i - na));
    }
    return config_setting_get_elem(list, (unsigned)i);
}

/* The loader no longer has a second half: its tree was freed or handed on. */
static void drop_half(loader *ld)
{
    ld->half = NULL;
    ld->half_stop = NULL;
    ld->split_list = NULL;
}

/* Parse `text` in two halves at `sp` into `cf` (and ld->half's tree);
 * false when the first half did not parse (ld->half then NULL). */
static bool parse_split(loader *ld, config_t *cf, const char *text, size_t len,
                        const textfile_split *sp)
{
    half *h = nv_calloc(1, sizeof *h);
    config_init(&h->cf);
    atomic_init(&h->stop, false);
    h->seg[0] = (seg){NULL, (size_t)sp->resume_line - 1};
    h->seg[1] = (seg){"x=(", 3};
    h->seg[2] = (seg){text + sp->resume, sp->close - sp->resume};
    h->seg[3] = (seg){")", 1};
    h->f = (feed){.seg = h->seg, .nseg = 4, .stop = &h->stop};
    atomic_init(&h->f.done, 0);
    h->ratio = (double)(sp->close - sp->resume) / (double)(sp->cut - sp->open);
    if (pthread_create(&h->th, NULL, half_parse, h)) {
        config_destroy(&h->cf);
        free(h);
        return parse(ld, cf, text);
    }
    seg a[4] = {
        {text, sp->cut},
        {")", 1},
        {NULL, (size_t)(sp->close_line - sp->cut_line)},
        {text + sp->close + 1, len - sp->close - 1},
    };
    feed f = {.seg = a, .nseg = 4, .stop = &h->stop, .ld = ld, .other = &h->f, .total = len};
    atomic_init(&f.done, 0);
    ld->half = h;
    ld->half_stop = &h->stop;
    bool ok = feed_parse(&f, cf) && !ld->stopped;
    if (!ok) {
        atomic_store(&h->stop, true);
        pthread_join(h->th, NULL);
        config_destroy(&h->cf);
        free(h);
        drop_half(ld);
        if (ld->stopped)
            return false;
        /* the first half's error, as one parse of the file reports it */
        config_destroy(cf);
        config_init(cf);
        return parse(ld, cf, text);
    }
    return true;
}

/* A load's trees: the file's and, when it was parsed in two halves, the
 * second half's (joined by then).  A large file's are freed on a thread
 * of their own once the cloud is built: a tree of a million settings
 * takes a third as long to free as to parse, and nobody needs to wait
 * for that (scenario_free() joins it); the others here and now. */
struct scenario_trees {
    config_t *cf;
    half *h;
    pthread_t th;
};

static void *free_trees(void *arg)
{
    struct scenario_trees *t = arg;
    if (t->h) {
        config_destroy(&t->h->cf);
        free(t->h);
    }
    config_destroy(t->cf);
    free(t->cf);
    return NULL;
}

static void destroy_trees(loader *ld, config_t *cf)
{
    struct scenario_trees t = {.cf = cf, .h = ld->half};
    free_trees(&t);
    drop_half(ld);
}

/* The trees handed to a thread that frees them; NULL when it cannot start
 * (the caller frees them). */
static struct scenario_trees *free_apart(loader *ld, config_t *cf)
{
    struct scenario_trees *t = nv_malloc(sizeof *t);
    t->cf = cf;
    t->h = ld->half;
    if (pthread_create(&t->th, NULL, free_trees, t)) {
        free(t);
        return NULL;
    }
    drop_half(ld);
    return t;
}

static int line_of(const config_setting_t *s)
{
    return s ? (int)config_setting_source_line(s) : 1;
}

/* "path.key" pieces for messages, built only when a message is written:
 * printf(WHERE, AT(path, key)).  A key starting with '[' is an index. */
#define WHERE "%s%s%s"
#define AT(path, key) (path), ((path)[0] && (key)[0] && (key)[0] != '[' ? "." : ""), (key)

/* ---- "did you mean" ----------------------------------------------------- */

typedef struct suggestion {
    const char *word;
    const char *best;
    int dist;
} suggestion;

static void sugg_init(suggestion *sg, const char *word)
{
    sg->word = word;
    sg->best = NULL;
    sg->dist = INT_MAX;
}

static void sugg_try(suggestion *sg, const char *cand)
{
    if (!cand)
        return;
    int d = nv_strcaseeq(sg->word, cand) ? 0 : nv_levenshtein(sg->word, cand);
    if (d < sg->dist) {
        sg->dist = d;
        sg->best = cand;
    }
}

/* " (did you mean 'X'?)" when the best candidate is close enough, else "". */
static const char *sugg_text(const suggestion *sg, char *buf, size_t n)
{
    size_t len = strlen(sg->word);
    int limit = len <= 3 ? 1 : len <= 12 ? 2 : 3;
    if (!sg->best || sg->dist > limit) {
        buf[0] = '\0';
        return buf;
    }
    snprintf(buf, n, " (did you mean '%s'?)", sg->best);
    return buf;
}

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)   /* the first letters told apart inline: a call per key, not per entry */
        if ((*list)[0] == s[0] && strcmp(*list, s) == 0)
            return true;
    return false;
}

/* ---- name indexes -------------------------------------------------------- */

static void names_add(names *n, const char *name, int id, int line)
{
    nv_index_put(&n->ix, name, id);
    while (n->lines.n <= id)
        intvec_push(&n->lines, 0);
    n->lines.v[id] = line;
}

static int names_get(const names *n, const char *name)
{
    return nv_index_get(&n->ix, name);
}

static void names_free(names *n)
{
    nv_index_free(&n->ix);
    intvec_free(&n->lines);
}

/* Kinds of named objects a reference can point to. */
enum ref_kind { REF_HOST, REF_FLAVOR, REF_IMAGE, REF_GROUP };

static const char *ref_kind_name(enum ref_kind k)
{
    static const char *const n[] = {"host", "flavor", "image", "server group"};
    return n[k];
}

static int ref_count(const cloud *c, enum ref_kind k)
{
    switch (k) {
    case REF_HOST: return c->hosts.n;
    case REF_FLAVOR: return c->flavors.n;
    case REF_IMAGE: return c->images.n;
    case REF_GROUP: return c->groups.n;
    }
    return 0;
}

static const char *ref_name(const cloud *c, enum ref_kind k, int i)
{
    switch (k) {
    case REF_HOST: return c->hosts.v[i].name;
    case REF_FLAVOR: return c->flavors.v[i].name;
    case REF_IMAGE: return c->images.v[i].name;
    case REF_GROUP: return c->groups.v[i].name;
    }
    return NULL;
}

/* Report an unknown reference, suggesting a close name of that kind. */
static void unknown_ref(loader *ld, int line, const char *path, const char *key,
                        enum ref_kind kind, const char *name)
{
    if (ld_full(ld)) {
        lerr_suppressed(ld, line);
        return;
    }
    suggestion sg;
    char dym[160];
    int n = ref_count(ld->c, kind);
    sugg_init(&sg, name);
    if (n <= MAX_SUGGEST_NAMES)
        for (int i = 0; i < n; i++)
            sugg_try(&sg, ref_name(ld->c, kind, i));
    lerr(ld, line, WHERE ": unknown %s '%s'%s", AT(path, key), ref_kind_name(kind), name,
         sugg_text(&sg, dym, sizeof dym));
}

/* ---- typed values --------------------------------------------------------- */

/* g's setting named `key`, NULL if none (or g is not a group).  Not
 * config_setting_get_member(): it compares names character by character
 * with two strchr() calls each (names may be paths there), which was a
 * tenth of loading a file of 75,000 servers; a key is a plain name. */
/* The members of the last few groups asked, as arrays: the loader asks a
 * group for each of its keys in turn, and libconfig's calls (two per
 * member per key) were a tenth of loading a large explicit file.  Reset
 * for every parse (load_text), so a group's address is never taken for
 * one of an earlier tree. */
enum { MEMBER_SLOTS = 4, MEMBER_MAX = 48 };
static struct member_slot {
    const config_setting_t *g;  /* NULL: empty */
    int n;
    uint16_t pre[MEMBER_MAX];   /* a name's first two bytes, told apart first */
    const char *name[MEMBER_MAX];
    const config_setting_t *m[MEMBER_MAX];
} member_slots[MEMBER_SLOTS];
static int member_next;

static void member_cache_reset(void)
{
    for (int i = 0; i < MEMBER_SLOTS; i++)
        member_slots[i].g = NULL;
    member_next = 0;
}

static inline uint16_t name_pre(const char *s)
{
    return (uint16_t)((unsigned char)s[0] | (s[0] ? (unsigned char)s[1] << 8 : 0));
}

/* member() of a group not in the slots: into the oldest slot, or asked
 * as it is when it has too many members */
static __attribute__((noinline)) const config_setting_t *member_miss(const config_setting_t *g,
                                                                     const char *key)
{
    if (!config_setting_is_group(g))
        return NULL;
    int n = config_setting_length(g);
    if (n > MEMBER_MAX) {
        for (int i = 0; i < n; i++) {
            const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
            const char *name = config_setting_name(m);
            if (name && !strcmp(name, key))
                return m;
        }
        return NULL;
    }
    struct member_slot *ms = &member_slots[member_next];
    member_next = (member_next + 1) % MEMBER_SLOTS;
    ms->g = g;
    ms->n = n;
    const config_setting_t *found = NULL;
    for (int i = 0; i < n; i++) {
        ms->m[i] = config_setting_get_elem(g, (unsigned)i);
        ms->name[i] = config_setting_name(ms->m[i]);
        ms->pre[i] = ms->name[i] ? name_pre(ms->name[i]) : 0;
        if (!found && ms->name[i] && !strcmp(ms->name[i], key))
            found = ms->m[i];
    }
    return found;
}

static inline const config_setting_t *member(const config_setting_t *g, const char *key)
{
    if (!g)
        return NULL;
    for (int k = 0; k < MEMBER_SLOTS; k++) {
        const struct member_slot *ms = &member_slots[k];
        if (ms->g != g)
            continue;
        uint16_t pre = name_pre(key);
        for (int i = 0; i < ms->n; i++)
            if (ms->pre[i] == pre && ms->name[i] && !strcmp(ms->name[i], key))
                return ms->m[i];
        return NULL;
    }
    return member_miss(g, key);
}

/* v in decimal, zero-padded to `width` digits, written to end just
 * before `end`; returns where it begins. */
static char *put_digits(char *end, uint64_t v, int width)
{
    char *p = end;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (end - p < width)
        *--p = '0';
    return p;
}

/* "LIST[i]" into buf (48 bytes): every element of a list of 750,000
 * servers has its path, for messages, and snprintf was a twentieth of
 * loading them. */
static void elem_path(char buf[48], const char *list, int i)
{
    char digits[12];
    const char *d = put_digits(digits + sizeof digits, (uint64_t)i, 0);
    size_t n = strlen(list), nd = (size_t)(digits + sizeof digits - d);
    memcpy(buf, list, n);
    buf[n++] = '[';
    memcpy(buf + n, d, nd);
    n += nd;
    buf[n++] = ']';
    buf[n] = '\0';
}

static bool is_seq(const config_setting_t *s)
{
    return config_setting_is_array(s) || config_setting_is_list(s);
}

static bool as_int(loader *ld, const config_setting_t *s, const char *path, const char *key,
                   int64_t min, int64_t max, int64_t *out)
{
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
        lerr(ld, line_of(s), WHERE ": expected an integer", AT(path, key));
        return false;
    }
    long long v = config_setting_get_int64(s);
    if (v < min) {
        if (min == 0)
            lerr(ld, line_of(s), WHERE ": must not be negative (got %lld)", AT(path, key), v);
        else
            lerr(ld, line_of(s), WHERE ": must be at least %lld (got %lld)", AT(path, key),
                 (long long)min, v);
        return false;
    }
    if (v > max) {
        lerr(ld, line_of(s), WHERE ": must be at most %lld (got %lld)", AT(path, key),
             (long long)max, v);
        return false;
    }
    *out = v;
    return true;
}

static bool as_float(loader *ld, const config_setting_t *s, const char *path, const char *key,
                     double min, double *out)
{
    int t = config_setting_type(s);
    double v;
    if (t == CONFIG_TYPE_FLOAT)
        v = config_setting_get_float(s);
    else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        v = (double)config_setting_get_int64(s);
    else {
        lerr(ld, line_of(s), WHERE ": expected a number", AT(path, key));
        return false;
    }
    if (isnan(v) || v < min) {
        char a[64], b[64];
        nv_fmt_double(a, sizeof a, min);
        nv_fmt_double(b, sizeof b, v);
        if (min == 0.0)
            lerr(ld, line_of(s), WHERE ": must not be negative (got %s)", AT(path, key), b);
        else
            lerr(ld, line_of(s), WHERE ": must be at least %s (got %s)", AT(path, key), a, b);
        return false;
    }
    *out = v;
    return true;
}

static bool as_bool(loader *ld, const config_setting_t *s, const char *path, const char *key,
                    bool *out)
{
    if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
        lerr(ld, line_of(s), WHERE ": expected true or false", AT(path, key));
        return false;
    }
    *out = config_setting_get_bool(s) != 0;
    return true;
}

static bool as_str(loader *ld, const config_setting_t *s, const char *path, const char *key,
                   const char **out)
{
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        lerr(ld, line_of(s), WHERE ": expected a string", AT(path, key));
        return false;
    }
    *out = config_setting_get_string(s);
    return true;
}

/* A list of strings: an array or list of strings; with `commas`, a single
 * comma-separated string too (nova.conf's spelling of list options).
 * `lines`, if given, receives each element's line. */
static bool as_strs(loader *ld, const config_setting_t *s, const char *path, const char *key,
                    bool commas, strlist *out, intvec *lines)
{
    if (commas && config_setting_type(s) == CONFIG_TYPE_STRING) {
        int before = out->n;
        nv_split_strip(out, config_setting_get_string(s), ',');
        if (lines)
            for (int i = before; i < out->n; i++)
                intvec_push(lines, line_of(s));
        return true;
    }
    if (!is_seq(s)) {
        lerr(ld, line_of(s), WHERE ": expected an array of strings", AT(path, key));
        return false;
    }
    bool ok = true;
    int n = config_setting_length(s);
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            lerr(ld, line_of(e), WHERE "[%d]: expected a string", AT(path, key), i);
            ok = false;
            continue;
        }
        strlist_push(out, config_setting_get_string(e));
        if (lines)
            intvec_push(lines, line_of(e));
    }
    return ok;
}

/* Check one "key=value" string; the key must not be empty. */
static bool kv_check(loader *ld, const config_setting_t *e, const char *path, const char *key,
                     int i, const char *v)
{
    const char *eq = strchr(v, '=');
    if (!eq || eq == v) {
        lerr(ld, line_of(e), WHERE "[%d]: expected \"key=value\", got \"%s\"", AT(path, key), i,
             v);
        return false;
    }
    return true;
}

/* An array of "key=value" strings: into a kvlist (split) or, when `raw`
 * is given instead, kept as the strings themselves. */
static bool as_kvs(loader *ld, const config_setting_t *s, const char *path, const char *key,
                   kvlist *out, strlist *raw)
{
    if (!is_seq(s)) {
        lerr(ld, line_of(s), WHERE ": expected an array of \"key=value\" strings",
             AT(path, key));
        return false;
    }
    bool ok = true;
    int n = config_setting_length(s);
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            lerr(ld, line_of(e), WHERE "[%d]: expected a string \"key=value\"", AT(path, key), i);
            ok = false;
            continue;
        }
        const char *v = config_setting_get_string(e);
        if (!kv_check(ld, e, path, key, i, v)) {
            ok = false;
            continue;
        }
        if (raw) {
            strlist_push(raw, v);
        } else {
            char *k, *val;
            kv_split(v, &k, &val);
            kv pair = {k, val};
            NV_PUSH(*out, pair);
        }
    }
    return ok;
}

/* Member getters: true when present and valid (errors reported). */
static bool get_int(loader *ld, const config_setting_t *g, const char *path, const char *key,
                    int64_t min, int64_t max, int64_t *out)
{
    const config_setting_t *s = member(g, key);
    return s && as_int(ld, s, path, key, min, max, out);
}

static bool get_float(loader *ld, const config_setting_t *g, const char *path,
                      const char *key, double min, double *out)
{
    const config_setting_t *s = member(g, key);
    return s && as_float(ld, s, path, key, min, out);
}

static bool get_bool(loader *ld, const config_setting_t *g, const char *path, const char *key,
                     bool *out)
{
    const config_setting_t *s = member(g, key);
    return s && as_bool(ld, s, path, key, out);
}

static bool get_str(loader *ld, const config_setting_t *g, const char *path, const char *key,
                    const char **out)
{
    const config_setting_t *s = member(g, key);
    return s && as_str(ld, s, path, key, out);
}

static bool get_strs(loader *ld, const config_setting_t *g, const char *path,
                     const char *key, strlist *out)
{
    const config_setting_t *s = member(g, key);
    return s && as_strs(ld, s, path, key, false, out, NULL);
}

static bool get_kvs(loader *ld, const config_setting_t *g, const char *path, const char *key,
                    kvlist *out)
{
    const config_setting_t *s = member(g, key);
    return s && as_kvs(ld, s, path, key, out, NULL);
}

/* Report a missing required key; true if present. */
static bool need(loader *ld, const config_setting_t *g, const char *path, const char *key)
{
    if (member(g, key))
        return true;
    if (path[0])
        lerr(ld, line_of(g), "%s: missing required key '%s'", path, key);
    else
        lerr(ld, 1, "missing required key '%s'", key);
    return false;
}

/* need() for each of a NULL-terminated list of keys; true if all present. */
static bool need_all(loader *ld, const config_setting_t *g, const char *path,
                     const char *const *keys)
{
    bool ok = true;
    for (; *keys; keys++)
        if (!need(ld, g, path, *keys))
            ok = false;
    return ok;
}

/* Report every member of group `g` whose name is not in `keys`. */
static void check_keys(loader *ld, const config_setting_t *g, const char *path,
                       const char *const *keys)
{
    int n = config_setting_length(g);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *k = config_setting_name(m);
        if (!k || in_list(keys, k))
            continue;
        if (ld_full(ld)) {
            lerr_suppressed(ld, line_of(m));
            continue;
        }
        suggestion sg;
        char dym[160];
        sugg_init(&sg, k);
        for (const char *const *p = keys; *p; p++)
            sugg_try(&sg, *p);
        lerr(ld, line_of(m), "%s%sunknown key '%s'%s", path, path[0] ? ": " : "", k,
             sugg_text(&sg, dym, sizeof dym));
    }
}

/* A top-level list of groups: NULL (reported) if it is something else. */
static const config_setting_t *get_list(loader *ld, const config_setting_t *root,
                                        const char *key)
{
    const config_setting_t *s = member(root, key);
    if (!s)
        return NULL;
    if (!is_seq(s)) {
        lerr(ld, line_of(s), "%s: expected a list ( { ... }, ... )", key);
        return NULL;
    }
    return s;
}

/* Element i of a list of groups; NULL (reported) if it is not a group. */
static const config_setting_t *list_group(loader *ld, const config_setting_t *list,
                                          const char *key, int i)
{
    const config_setting_t *e = list_elem(ld, list, i);
    if (!config_setting_is_group(e)) {
        lerr(ld, line_of(e), "%s[%d]: expected a group { ... }", key, i);
        return NULL;
    }
    return e;
}

/* The `name` of an object: a non-empty string not yet used in `n` (NULL:
 * among the cloud's servers, whose index the loader shares: 750,000 names
 * are hashed once, not twice).  NULL (reported) when missing, invalid or
 * a duplicate. */
static const char *get_name(loader *ld, const config_setting_t *g, const char *path,
                            const char *kind, const names *n)
{
    const char *name;
    if (!need(ld, g, path, "name") || !get_str(ld, g, path, "name", &name))
        return NULL;
    const config_setting_t *s = member(g, "name");
    if (!name[0]) {
        lerr(ld, line_of(s), "%s.name: must not be empty", path);
        return NULL;
    }
    int prev = n ? names_get(n, name) : cloud_server(ld->c, name);
    if (prev >= 0) {
        lerr(ld, line_of(s), "%s.name: duplicate %s name '%s' (first defined at line %d)", path,
             kind, name, n ? n->lines.v[prev] : ld->c->servers.v[prev].line);
        return NULL;
    }
    return name;
}

static void replace_str(char **dst, const char *v)
{
    free(*dst);
    *dst = nv_strdup(v);
}

/* ---- value sets ------------------------------------------------------------ */

/* vm_states[] and migration_types[] are the command table's (command.h). */
#define vm_states vm_state_values
#define migration_types migration_type_values

/* A string that must be one of `set`; false (reported) otherwise. */
static bool check_one_of(loader *ld, const config_setting_t *g, const char *path,
                         const char *key, const char *v, const char *const *set)
{
    if (in_list(set, v))
        return true;
    suggestion sg;
    char dym[160];
    sbuf all = {0};
    sugg_init(&sg, v);
    for (const char *const *p = set; *p; p++) {
        sugg_try(&sg, *p);
        sbuf_addf(&all, "%s%s", p == set ? "" : ", ", *p);
    }
    sugg_text(&sg, dym, sizeof dym);
    lerr(ld, line_of(member(g, key)), WHERE ": unknown value '%s'%s; expected one of: %s",
         AT(path, key), v, dym, all.s);
    sbuf_free(&all);
    return false;
}

/* ---- top level ---------------------------------------------------------- */

static const char *const top_keys[] = {
    "name", "description", "release", "quirks", "seed", "settle", "config", "hosts", "aggregates",
    "flavors", "images", "groups", "servers", "steps", NULL};

static void load_release(loader *ld, const config_setting_t *root)
{
    const char *v;
    ld->rel = REL_LATEST;
    if (get_str(ld, root, "", "release", &v)) {
        int r = release_from_name(v);
        if (r >= 0) {
            ld->rel = r;
        } else {
            suggestion sg;
            char dym[160];
            sbuf all = {0};
            sugg_init(&sg, v);
            for (int i = REL_FIRST; i <= REL_LATEST; i++) {
                sugg_try(&sg, release_name(i));
                sbuf_addf(&all, "%s%s", i == REL_FIRST ? "" : ", ", release_name(i));
            }
            lerr(ld, line_of(member(root, "release")), "release: unknown release '%s'%s; known: %s",
                 v, sugg_text(&sg, dym, sizeof dym), all.s);
            sbuf_free(&all);
        }
    }
    if (ld->rel_override >= 0)
        ld->rel = ld->rel_override;
    nova_config_done(&ld->c->conf);
    conf_defaults(&ld->c->conf, ld->rel);
}

static void load_quirks(loader *ld, const config_setting_t *root)
{
    const config_setting_t *s = member(root, "quirks");
    if (!s)
        return;
    if (!is_seq(s)) {
        lerr(ld, line_of(s), "quirks: expected an array of strings");
        return;
    }
    int n = config_setting_length(s);
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            lerr(ld, line_of(e), "quirks[%d]: expected a string (\"bug-N\" or \"!bug-N\")", i);
            continue;
        }
        const char *v = config_setting_get_string(e);
        bool off = v[0] == '!';
        int q = quirk_from_name(v + off);
        if (q < 0) {
            suggestion sg;
            char dym[160];
            sugg_init(&sg, v + off);
            for (int k = 0; k < Q_COUNT; k++)
                sugg_try(&sg, quirk_table[k].name);
            lerr(ld, line_of(e), "quirks[%d]: unknown quirk '%s'%s", i, v + off,
                 sugg_text(&sg, dym, sizeof dym));
            continue;
        }
        if (off)
            ld->c->conf.quirks &= ~QUIRK_BIT(q);
        else
            ld->c->conf.quirks |= QUIRK_BIT(q);
    }
}

static void load_header(loader *ld, const config_setting_t *root)
{
    int64_t seed;
    const char *v;
    if (get_int(ld, root, "", "seed", 0, INT64_MAX, &seed))
        ld->c->seed = (uint64_t)seed;
    bool settle = true;
    if (get_bool(ld, root, "", "settle", &settle))
        ld->c->no_settle = !settle;
    if (need(ld, root, "", "name") && get_str(ld, root, "", "name", &v))
        replace_str(&ld->c->name, v);
    replace_str(&ld->c->description, "");
    if (get_str(ld, root, "", "description", &v))
        replace_str(&ld->c->description, v);
}

/* ---- config ------------------------------------------------------------- */

static bool section_known(const char *sec)
{
    for (int i = 0; i < nova_option_count; i++)
        if (strcmp(nova_options[i].section, sec) == 0)
            return true;
    return false;
}

static void unknown_option(loader *ld, const config_setting_t *o, const char *sec)
{
    const char *name = config_setting_name(o);
    if (ld_full(ld)) {
        lerr_suppressed(ld, line_of(o));
        return;
    }
    for (int i = 0; i < nova_option_count; i++)
        if (strcmp(nova_options[i].name, name) == 0) {
            lerr(ld, line_of(o), "config.%s: unknown option '%s' (it belongs in section '%s')",
                 sec, name, nova_options[i].section);
            return;
        }
    suggestion sg;
    char dym[160];
    sugg_init(&sg, name);
    for (int i = 0; i < nova_option_count; i++)
        if (strcmp(nova_options[i].section, sec) == 0)
            sugg_try(&sg, nova_options[i].name);
    lerr(ld, line_of(o), "config.%s: unknown option '%s'%s", sec, name,
         sugg_text(&sg, dym, sizeof dym));
}

static bool in_release(int rel, int first, int last)
{
    return rel >= first && rel <= last;
}

/* What load_plugins needs to know of filter_table[] or weigher_table[]. */
typedef struct plugin_kind {
    const char *what;                       /* "Scheduler Host Filter", "Weigher class" */
    int (*lookup)(const char *name);        /* id, -1 unknown, -2 "all" */
    int count;
    const char *(*name)(int id, bool path); /* class name, or its dotted path (may be NULL) */
    int (*first)(int id), (*last)(int id);
    void (*all)(int rel, intvec *out);      /* expands "all"; NULL if none */
} plugin_kind;

static const char *filter_name(int id, bool path) { return path ? NULL : filter_table[id].name; }
static int filter_first(int id) { return filter_table[id].first; }
static int filter_last(int id) { return filter_table[id].last; }
static const char *weigher_name(int id, bool path)
{
    return path ? weigher_table[id].path : weigher_table[id].name;
}
static int weigher_first(int id) { return weigher_table[id].first; }
static int weigher_last(int id) { return weigher_table[id].last; }

/* enabled_filters / weight_classes: names to ids, each checked against
 * the release; unknown names get Nova's start-up error and a suggestion. */
static void load_plugins(loader *ld, const config_setting_t *s, const char *path, intvec *dst,
                         const plugin_kind *kind)
{
    strlist names_ = {0};
    intvec lines = {0}, ids = {0};
    bool ok = as_strs(ld, s, path, "", true, &names_, &lines);
    for (int i = 0; i < names_.n; i++) {
        int id = kind->lookup(names_.v[i]);
        if (id == -2 && kind->all) {
            kind->all(ld->rel, &ids);
            continue;
        }
        if (id >= 0 && in_release(ld->rel, kind->first(id), kind->last(id))) {
            intvec_push(&ids, id);
            continue;
        }
        ok = false;
        suggestion sg;
        char dym[160];
        sugg_init(&sg, names_.v[i]);
        for (int k = 0; k < kind->count && !ld_full(ld); k++)
            if (in_release(ld->rel, kind->first(k), kind->last(k))) {
                sugg_try(&sg, kind->name(k, false));
                if (kind->name(k, true))
                    sugg_try(&sg, kind->name(k, true));
            }
        if (id >= 0)
            lerr(ld, lines.v[i], "%s[%d]: %s %s could not be found. "
                 "(it exists in %s to %s, not in %s)", path, i, kind->what, names_.v[i],
                 release_name(kind->first(id)), release_name(kind->last(id)),
                 release_name(ld->rel));
        else
            lerr(ld, lines.v[i], "%s[%d]: %s %s could not be found.%s", path, i, kind->what,
                 names_.v[i], sugg_text(&sg, dym, sizeof dym));
    }
    if (ok) {
        intvec_free(dst);
        *dst = ids;
    } else {
        intvec_free(&ids);
    }
    strlist_free(&names_);
    intvec_free(&lines);
}

static void load_filters(loader *ld, const config_setting_t *s, const char *path, intvec *dst)
{
    const plugin_kind k = {"Scheduler Host Filter", filter_lookup, filter_count, filter_name,
                           filter_first, filter_last, NULL};
    load_plugins(ld, s, path, dst, &k);
}

static void load_weighers(loader *ld, const config_setting_t *s, const char *path, intvec *dst)
{
    const plugin_kind k = {"Weigher class", weigher_lookup, weigher_count, weigher_name,
                           weigher_first, weigher_last, weigher_all};
    load_plugins(ld, s, path, dst, &k);
}

/* Store one option value into the nova_config field the table names. */
static void set_option(loader *ld, const config_setting_t *s, const nova_option *opt)
{
    char path[160];
    snprintf(path, sizeof path, "config.%s.%s", opt->section, opt->name);
    void *p = (char *)(ld->conf_target ? ld->conf_target : &ld->c->conf) + opt->off;
    switch (opt->type) {
    case OPT_BOOL: {
        bool b;
        if (as_bool(ld, s, path, "", &b))
            *(bool *)p = b;
        break;
    }
    case OPT_INT: {
        int64_t v, min = opt->min < -9e18 ? INT64_MIN : (int64_t)ceil(opt->min);
        if (as_int(ld, s, path, "", min, INT64_MAX, &v))
            *(int64_t *)p = v;
        break;
    }
    case OPT_FLOAT: {
        double v;
        if (as_float(ld, s, path, "", opt->min, &v))
            *(double *)p = v;
        break;
    }
    case OPT_STRING: {
        const char *v;
        if (!as_str(ld, s, path, "", &v))
            break;
        if (!nova_option_choice_ok(opt, v)) {
            lerr(ld, line_of(s), "%s: unknown value '%s'; expected one of: %s", path, v,
                 opt->choices);
            break;
        }
        replace_str((char **)p, v);
        break;
    }
    case OPT_STRLIST: {
        strlist l = {0};
        if (as_strs(ld, s, path, "", true, &l, NULL)) {
            strlist_free(p);
            *(strlist *)p = l;
        } else {
            strlist_free(&l);
        }
        break;
    }
    case OPT_FILTERS:
        load_filters(ld, s, path, p);
        break;
    case OPT_WEIGHERS:
        load_weighers(ld, s, path, p);
        break;
    }
}

static void load_config(loader *ld, const config_setting_t *root)
{
    const config_setting_t *cfg = member(root, "config");
    if (!cfg)
        return;
    if (!config_setting_is_group(cfg)) {
        lerr(ld, line_of(cfg), "config: expected a group { section = { option = value; }; }");
        return;
    }
    int n = config_setting_length(cfg);
    for (int i = 0; i < n; i++) {
        const config_setting_t *sec = config_setting_get_elem(cfg, (unsigned)i);
        const char *sname = config_setting_name(sec);
        if (!section_known(sname)) {
            suggestion sg;
            char dym[160];
            sugg_init(&sg, sname);
            for (int k = 0; k < nova_option_count; k++)
                sugg_try(&sg, nova_options[k].section);
            lerr(ld, line_of(sec), "config: unknown section '%s'%s", sname,
                 sugg_text(&sg, dym, sizeof dym));
            continue;
        }
        if (!config_setting_is_group(sec)) {
            lerr(ld, line_of(sec), "config.%s: expected a group { option = value; }", sname);
            continue;
        }
        int m = config_setting_length(sec);
        for (int j = 0; j < m; j++) {
            const config_setting_t *o = config_setting_get_elem(sec, (unsigned)j);
            const nova_option *opt = nova_option_find(sname, config_setting_name(o));
            if (!opt) {
                unknown_option(ld, o, sname);
                continue;
            }
            if (!in_release(ld->rel, opt->first, opt->last)) {
                /* nova.conf options a release does not have are ignored by
                 * Nova (oslo.config); the format's own example sets one that
                 * later releases removed.  The value is still type-checked. */
                nova_config scratch;
                nova_config_init(&scratch, ld->rel);
                nova_config *keep = ld->conf_target;
                ld->conf_target = &scratch;
                set_option(ld, o, opt);
                ld->conf_target = keep;
                nova_config_done(&scratch);
                continue;
            }
            set_option(ld, o, opt);
        }
    }
}

/* ---- count and name patterns ---------------------------------------------- */

/*
 * A hosts or servers entry with `count = N` stands for N objects that differ
 * only in their names: its `name` (and a server's `host`) is a pattern with
 * exactly one conversion, `%d` or `%0Wd` (W from 1 to 20), replaced by
 * first, first+1, ... (`first` defaults to 1); `%%` is a literal percent
 * sign.  The pattern is expanded here, never handed to printf.
 */
typedef struct name_pattern {
    char *pre, *post;           /* text around the conversion, %% undone */
    size_t pre_len, post_len;
    int width;                  /* zero-padded to this many digits; 0: none */
} name_pattern;

/* A counted host entry as loaded: the hosts base..base+n-1 are named by
 * `pat` with the numbers first..first+n-1. */
typedef struct host_run {
    name_pattern pat;
    int64_t first;
    int n, base;
} host_run;

static bool pattern_same(const name_pattern *a, const name_pattern *b)
{
    return a->width == b->width && !strcmp(a->pre, b->pre) && !strcmp(a->post, b->post);
}

/* The host named by `pat` with the number v, from a counted host entry of
 * the same pattern; -1 when none holds it (then look the name up). */
static int host_run_find(const loader *ld, const name_pattern *pat, int64_t v)
{
    for (int i = 0; i < ld->n_runs; i++) {
        const host_run *r = &ld->runs[i];
        if (v >= r->first && v - r->first < r->n && pattern_same(&r->pat, pat))
            return r->base + (int)(v - r->first);
    }
    return -1;
}

static void pattern_done(name_pattern *p)
{
    free(p->pre);
    free(p->post);
    memset(p, 0, sizeof *p);
}

/* Parse `text`; false with a message in err when it is not a pattern with
 * exactly one %d conversion. */
static bool pattern_parse(const char *text, name_pattern *p, char *err, size_t errlen)
{
    sbuf part[2] = {{0}, {0}};
    int conv = 0;
    memset(p, 0, sizeof *p);
    for (const char *c = text; *c; c++) {
        if (*c != '%') {
            sbuf_addc(&part[conv ? 1 : 0], *c);
            continue;
        }
        if (c[1] == '%') {
            sbuf_addc(&part[conv ? 1 : 0], '%');
            c++;
            continue;
        }
        const char *q = c + 1;
        int width = 0;
        bool zero = *q == '0';
        if (zero)
            q++;
        while (*q >= '0' && *q <= '9' && width <= 20)
            width = width * 10 + (*q++ - '0');
        if (*q != 'd' || (zero && (width < 1 || width > 20)) || (!zero && width)) {
            int len = 1;
            while (c[len] && len < 6 && c[len] != '%' && !(c[len - 1] >= 'a' && c[len - 1] <= 'z'))
                len++;
            snprintf(err, errlen, "'%.*s' is not a number conversion: use %%d or %%0Wd "
                     "(W from 1 to 20), and %%%% for a percent sign", len, c);
            goto fail;
        }
        if (++conv > 1) {
            snprintf(err, errlen, "more than one %%d conversion; exactly one is needed");
            goto fail;
        }
        p->width = width;
        c = q;
    }
    if (conv != 1) {
        snprintf(err, errlen, "count needs exactly one %%d conversion (e.g. \"cmp%%05d\")");
        goto fail;
    }
    p->pre = part[0].s ? sbuf_take(&part[0]) : nv_strdup("");
    p->post = part[1].s ? sbuf_take(&part[1]) : nv_strdup("");
    p->pre_len = strlen(p->pre);
    p->post_len = strlen(p->post);
    return true;
fail:
    sbuf_free(&part[0]);
    sbuf_free(&part[1]);
    return false;
}

/* The name for number v (v >= 0) into buf. */
/* How many names ahead a counted entry's loop asks for their index slots
 * (nv_index_prefetch): enough to cover a miss to memory, few enough to
 * stay in the cache until used. */
enum { LOOKAHEAD = 16 };

/* A name made from a pattern, kept for the next: a counted entry asks
 * for first, first+1, ... (and the same LOOKAHEAD on), so the next name
 * is the last with its number counted up in place. */
typedef struct name_buf {
    sbuf s;
    const name_pattern *pat;    /* what s holds was made from; NULL: nothing */
    int64_t v;
    size_t dig, nd;             /* where its digits are in s, how many */
} name_buf;

static void name_buf_free(name_buf *nb) { sbuf_free(&nb->s); }

static const char *pattern_name(const name_pattern *p, int64_t v, name_buf *nb)
{
    char *s = nb->s.s;
    if (nb->pat == p && v == nb->v + 1) {
        size_t i = nb->dig + nb->nd;
        while (i > nb->dig && s[i - 1] == '9')
            s[--i] = '0';
        if (i > nb->dig) {   /* no carry out of the digits: same length */
            s[i - 1]++;
            nb->v = v;
            return s;
        }
    } else if (nb->pat == p && v == nb->v) {
        return s;
    }
    char digits[48];
    const char *d = put_digits(digits + sizeof digits, (uint64_t)v, p->width);
    size_t nd = (size_t)(digits + sizeof digits - d), n = p->pre_len + nd + p->post_len;
    nb->s.len = 0;
    sbuf_reserve(&nb->s, n);
    s = nb->s.s;
    memcpy(s, p->pre, p->pre_len);
    memcpy(s + p->pre_len, d, nd);
    memcpy(s + p->pre_len + nd, p->post, p->post_len);
    s[n] = '\0';
    nb->s.len = n;
    nb->pat = p;
    nb->v = v;
    nb->dig = p->pre_len;
    nb->nd = nd;
    return s;
}

/* `count` and `first` of a hosts or servers entry: false (reported) when
 * invalid or too many in all; 1 and 1 when absent. */
static bool get_count(loader *ld, const config_setting_t *e, const char *path, int have,
                      int64_t most, const char *kind, int64_t *count, int64_t *first)
{
    *count = 1;
    *first = 1;
    if (!member(e, "count")) {
        if (member(e, "first")) {
            lerr(ld, line_of(member(e, "first")), "%s.first: only with count", path);
            return false;
        }
        return true;
    }
    if (!get_int(ld, e, path, "count", 1, MAX_COUNT, count))
        return false;
    if (member(e, "first") && !get_int(ld, e, path, "first", 0, INT_MAX, first))
        return false;
    if (have + *count > most) {
        lerr(ld, line_of(member(e, "count")), "%s.count: %lld more would make more than "
             "%lld %s in all", path, (long long)*count, (long long)most, kind);
        return false;
    }
    return true;
}

/* The name pattern of a counted entry, parsed (reported when invalid). */
static bool get_pattern(loader *ld, const config_setting_t *e, const char *path,
                        const char *key, name_pattern *p)
{
    const char *text;
    if (!get_str(ld, e, path, key, &text))
        return false;
    char err[160];
    if (!pattern_parse(text, p, err, sizeof err)) {
        lerr(ld, line_of(member(e, key)), "%s.%s: pattern \"%s\": %s", path, key, text, err);
        return false;
    }
    return true;
}

/* ---- hosts, aggregates ----------------------------------------------------- */

static const char *const host_keys[] = {
    "name", "vcpus", "pcpus", "memory_mb", "disk_gb", "az", "cell", "hypervisor_type",
    "hypervisor_version", "cpu_arch", "host_ip", "traits", "state", "disabled",
    "disabled_reason", "forced_down", "failed_builds", "cpu_allocation_ratio",
    "ram_allocation_ratio", "disk_allocation_ratio", "reserved_host_memory_mb",
    "reserved_host_disk_mb", "reserved_host_cpus", "numa_cells", "pci_devices", "metrics",
    "maxphysaddr_bits", "inventory", "count", "first", NULL};

static const char *const inventory_keys[] = {"min_unit", "max_unit", "step_size", NULL};

/* inventory = { VCPU = { min_unit = 1; max_unit = 4; step_size = 2; }; ... }:
 * Placement inventory fields an operator set directly. */
static void load_host_inventory(loader *ld, const config_setting_t *e, const char *path, int id)
{
    const config_setting_t *inv = member(e, "inventory");
    if (!inv)
        return;
    if (!config_setting_is_group(inv)) {
        lerr(ld, line_of(inv), "%s.inventory: expected a group { VCPU = { step_size = N; }; }", path);
        return;
    }
    for (int k = 0, n = config_setting_length(inv); k < n; k++) {
        const config_setting_t *g = config_setting_get_elem(inv, (unsigned)k);
        const char *rcname = config_setting_name(g);
        int rc = rc_from_name(rcname);
        char ip[96];
        snprintf(ip, sizeof ip, "%s.inventory.%s", path, rcname);
        if (rc < 0) {
            lerr(ld, line_of(g), "%s: unknown resource class (VCPU, MEMORY_MB, DISK_GB, PCPU)", ip);
            continue;
        }
        if (!config_setting_is_group(g)) {
            lerr(ld, line_of(g), "%s: expected a group { min_unit = N; ... }", ip);
            continue;
        }
        check_keys(ld, g, ip, inventory_keys);
        host_units *u = host_units_of(ld->c, id);
        get_int(ld, g, ip, "min_unit", 1, INT64_MAX, &u->min_unit[rc]);
        get_int(ld, g, ip, "max_unit", 1, INT64_MAX, &u->max_unit[rc]);
        get_int(ld, g, ip, "step_size", 1, INT64_MAX, &u->step_size[rc]);
    }
}

static const char *const numa_cell_keys[] = {"cpus", "pcpus", "memory_mb", "threads_per_core",
                                             NULL};
static const char *const pci_device_keys[] = {"vendor_id", "product_id", "count", "numa_node",
                                              NULL};

/* Call `each` for every group in the list `key` of `e` (a list of
 * `{ ... }` groups, `shape` shown in messages); returns how many the list
 * holds (0 if absent or not a list). */
static int each_group(loader *ld, const config_setting_t *e, const char *path, const char *key,
                      const char *shape,
                      void (*each)(loader *, const config_setting_t *, const char *, host *),
                      host *h)
{
    const config_setting_t *list = member(e, key);
    if (!list)
        return 0;
    if (!config_setting_is_list(list)) {
        lerr(ld, line_of(list), "%s.%s: expected a list ( %s, ... )", path, key, shape);
        return 0;
    }
    int n = config_setting_length(list);
    for (int k = 0; k < n; k++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)k);
        char gp[96];
        snprintf(gp, sizeof gp, "%s.%s[%d]", path, key, k);
        if (!config_setting_is_group(g))
            lerr(ld, line_of(g), "%s: expected a group %s", gp, shape);
        else
            each(ld, g, gp, h);
    }
    return n;
}

static void load_numa_cell(loader *ld, const config_setting_t *ce, const char *cp, host *h)
{
    check_keys(ld, ce, cp, numa_cell_keys);
    static const char *const req[] = {"cpus", "memory_mb", NULL};
    need_all(ld, ce, cp, req);
    int64_t cpus = 0, pcpus = 0, mem = 0, tpc = 1;
    get_int(ld, ce, cp, "cpus", 0, 65536, &cpus);
    get_int(ld, ce, cp, "pcpus", 0, 65536, &pcpus);
    get_int(ld, ce, cp, "memory_mb", 0, INT64_MAX, &mem);
    get_int(ld, ce, cp, "threads_per_core", 1, 64, &tpc);
    numa_cell cell = {(int)cpus, (int)pcpus, mem, (int)tpc};
    h->cells = nv_realloc(h->cells, (size_t)(h->n_cells + 1) * sizeof *h->cells);
    h->cells[h->n_cells++] = cell;
}

static void load_pci_device(loader *ld, const config_setting_t *de, const char *dp, host *h)
{
    check_keys(ld, de, dp, pci_device_keys);
    static const char *const req[] = {"vendor_id", "product_id", NULL};
    need_all(ld, de, dp, req);
    const char *ven = "", *prod = "";
    int64_t count = 1, node = -1;
    get_str(ld, de, dp, "vendor_id", &ven);
    get_str(ld, de, dp, "product_id", &prod);
    get_int(ld, de, dp, "count", 1, 65536, &count);
    get_int(ld, de, dp, "numa_node", -1, 65536, &node);
    pci_pool pp = {nv_strdup(ven), nv_strdup(prod), (int)count, (int)node};
    h->pci = nv_realloc(h->pci, (size_t)(h->n_pci + 1) * sizeof *h->pci);
    h->pci[h->n_pci++] = pp;
}

/* numa_cells = ( { cpus; pcpus; memory_mb; threads_per_core; }, ... ) and
 * pci_devices = ( { vendor_id; product_id; count; numa_node; }, ... ). */
static void load_host_devices(loader *ld, const config_setting_t *e, const char *path, host *h)
{
    each_group(ld, e, path, "numa_cells", "{ cpus = N; memory_mb = N; }", load_numa_cell, h);
    /* the PCPU inventory is the cells' dedicated CPUs unless given */
    if (!member(e, "pcpus"))
        for (int k = 0; k < h->n_cells; k++)
            h->pcpus += h->cells[k].pcpus;
    each_group(ld, e, path, "pci_devices", "{ vendor_id = \"...\"; product_id = \"...\"; }",
               load_pci_device, h);
}

/* The host_ip a host gets when the file gives none: 192.0.2.<position>
 * (TEST-NET-1) for the first 254 hosts, then 198.18.0.0/15 (benchmarks). */
/* The address of host `id` when the file gives none, written in buf (at
 * least 16 bytes): 192.0.2.1-254 (TEST-NET-1), then 198.18.0.1 on
 * (198.18.0.0/15), written without printf (a count entry has many). */
static const char *default_host_ip(int id, char *buf)
{
    int p = id + 1, part[4] = {192, 0, 2, p};
    if (p > 254) {
        p -= 254;
        part[0] = 198;
        part[1] = 18 + p / 65536;
        part[2] = (p / 256) % 256;
        part[3] = p % 256;
    }
    char *o = buf;
    for (int i = 0; i < 4; i++) {
        char d[8];
        const char *s = put_digits(d + sizeof d, (uint64_t)part[i], 0);
        if (i)
            *o++ = '.';
        while (s < d + sizeof d)
            *o++ = *s++;
    }
    *o = '\0';
    return buf;
}

/* Where each host's `az` shorthand was given, applied after aggregates. */
typedef struct host_az_ref {
    const config_setting_t *az;
    int pos;            /* index in the hosts list, for messages */
} host_az_ref;

/* Where each host's `az` shorthand was given, by host id. */
typedef struct host_az_refs {
    host_az_ref *v;
    int n, cap;
} host_az_refs;

static host_az_ref *az_ref(host_az_refs *r, int id)
{
    while (r->n <= id) {
        host_az_ref z = {NULL, 0};
        NV_PUSH(*r, z);
    }
    return &r->v[id];
}

static void load_host(loader *ld, const config_setting_t *e, int i, host_az_refs *azs)
{
    char path[48];
    elem_path(path, "hosts", i);
    check_keys(ld, e, path, host_keys);
    int64_t count = 1, first = 1;
    name_pattern pat = {0};
    name_buf nb = {0};
    const char *name = NULL;
    bool counted = member(e, "count") != NULL;
    bool count_ok = get_count(ld, e, path, ld->c->hosts.n, MAX_HOSTS, "hosts", &count, &first);
    if (!counted) {
        name = get_name(ld, e, path, "host", &ld->hosts);
    } else if (need(ld, e, path, "name") && get_pattern(ld, e, path, "name", &pat) && count_ok) {
        name = pattern_name(&pat, first, &nb);
        int prev = names_get(&ld->hosts, name);
        if (prev >= 0) {
            lerr(ld, line_of(member(e, "name")), "%s.name: duplicate host name '%s' (first "
                 "defined at line %d)", path, name, ld->hosts.lines.v[prev]);
            name = NULL;
        }
    }

    int64_t vcpus = 0, pcpus = 0, mem = 0, disk = 0, hv_version = 8002000, failed = 0;
    int64_t res_mem = -1, res_disk = -1, res_cpus = -1;
    double ratios[3] = {-1, -1, -1};
    const char *cell = "cell1", *hv_type = "QEMU", *arch = "x86_64", *ip = NULL;
    const char *reason = NULL, *state = NULL, *az = NULL;
    bool up = true, disabled = false, forced_down = false;
    strlist traits = {0};
    bool ok = name != NULL;

    static const char *const required[] = {"vcpus", "memory_mb", "disk_gb", NULL};
    if (!need_all(ld, e, path, required))
        ok = false;
    get_int(ld, e, path, "vcpus", 0, INT_MAX, &vcpus);
    get_int(ld, e, path, "pcpus", 0, INT_MAX, &pcpus);
    get_int(ld, e, path, "memory_mb", 0, INT64_MAX, &mem);
    get_int(ld, e, path, "disk_gb", 0, INT64_MAX, &disk);
    get_int(ld, e, path, "hypervisor_version", 0, INT64_MAX, &hv_version);
    get_int(ld, e, path, "failed_builds", 0, INT_MAX, &failed);
    get_int(ld, e, path, "reserved_host_memory_mb", 0, INT64_MAX, &res_mem);
    get_int(ld, e, path, "reserved_host_disk_mb", 0, INT64_MAX, &res_disk);
    get_int(ld, e, path, "reserved_host_cpus", 0, INT64_MAX, &res_cpus);
    get_float(ld, e, path, "cpu_allocation_ratio", 0.0, &ratios[0]);
    get_float(ld, e, path, "ram_allocation_ratio", 0.0, &ratios[1]);
    get_float(ld, e, path, "disk_allocation_ratio", 0.0, &ratios[2]);
    get_str(ld, e, path, "cell", &cell);
    get_str(ld, e, path, "hypervisor_type", &hv_type);
    get_str(ld, e, path, "cpu_arch", &arch);
    get_str(ld, e, path, "host_ip", &ip);
    get_str(ld, e, path, "disabled_reason", &reason);
    get_bool(ld, e, path, "disabled", &disabled);
    get_bool(ld, e, path, "forced_down", &forced_down);
    get_strs(ld, e, path, "traits", &traits);
    if (get_str(ld, e, path, "state", &state)) {
        if (strcmp(state, "up") == 0 || strcmp(state, "down") == 0)
            up = strcmp(state, "up") == 0;
        else
            lerr(ld, line_of(member(e, "state")),
                 "%s.state: expected \"up\" or \"down\", got \"%s\"", path, state);
    }
    if (get_str(ld, e, path, "az", &az) && !az[0]) {
        lerr(ld, line_of(member(e, "az")), "%s.az: must not be empty", path);
        az = NULL;
    }
    if (!ok) {
        strlist_free(&traits);
        pattern_done(&pat);
        name_buf_free(&nb);
        return;
    }

    cloud *c = ld->c;
    int id = cloud_add_host(c, name);
    host *h = &c->hosts.v[id];
    names_add(&ld->hosts, h->name, id, line_of(e));
    h->vcpus = (int)vcpus;
    h->pcpus = (int)pcpus;
    h->memory_mb = mem;
    h->disk_gb = disk;
    h->hypervisor_version = hv_version;
    h->failed_builds = (int)failed;
    h->reserved_host_memory_mb = res_mem;
    h->reserved_host_disk_mb = res_disk;
    h->reserved_host_cpus = res_cpus;
    h->cpu_allocation_ratio = ratios[0];
    h->ram_allocation_ratio = ratios[1];
    h->disk_allocation_ratio = ratios[2];
    h->cell = nv_intern(cell);
    h->hypervisor_type = nv_intern(hv_type);
    h->cpu_arch = nv_intern(arch);
    free(h->host_ip);
    char ipbuf[16];
    h->host_ip = nv_strdup(ip ? ip : default_host_ip(id, ipbuf));
    if (reason)
        replace_str(&h->disabled_reason, reason);
    h->up = up;
    h->disabled = disabled;
    h->forced_down = forced_down;
    strlist_free(&h->traits);
    h->traits = traits;
    h->line = line_of(e);
    load_host_devices(ld, e, path, h);
    if (member(e, "metrics"))
        get_kvs(ld, e, path, "metrics", &h->metrics);
    int64_t bits = 0;
    if (get_int(ld, e, path, "maxphysaddr_bits", 0, 64, &bits))
        h->maxphysaddr_bits = (int)bits;
    load_host_inventory(ld, e, path, id);
    az_ref(azs, id)->az = az ? member(e, "az") : NULL;
    az_ref(azs, id)->pos = i;

    /* a counted entry: the others are copies under the pattern's names
     * (the indexes' slots of the name LOOKAHEAD on asked for now) */
    name_buf ahead = {0};
    for (int64_t k = 1; k < count && ld_progress(ld); k++) {
        if (k + LOOKAHEAD < count) {
            const char *an = pattern_name(&pat, first + k + LOOKAHEAD, &ahead);
            nv_index_prefetch(&ld->hosts.ix, an);
            nv_index_prefetch(&c->host_ix, an);
        }
        const char *nm = pattern_name(&pat, first + k, &nb);
        int prev = names_get(&ld->hosts, nm);
        if (prev >= 0) {
            lerr(ld, line_of(member(e, "name")), "%s.name: duplicate host name '%s' (first "
                 "defined at line %d)", path, nm, ld->hosts.lines.v[prev]);
            break;
        }
        char nbuf[16];   /* the new host's default address, unless one is given */
        int nid = cloud_add_host_copy(c, nm, id, ip ? NULL : default_host_ip(c->hosts.n, nbuf));
        names_add(&ld->hosts, c->hosts.v[nid].name, nid, line_of(e));
        host_az_ref same = *az_ref(azs, id);
        *az_ref(azs, nid) = same;
    }
    if (counted) {
        ld->runs = nv_realloc(ld->runs, (size_t)(ld->n_runs + 1) * sizeof *ld->runs);
        host_run *r = &ld->runs[ld->n_runs++];
        r->pat = pat;   /* kept for the servers */
        r->first = first;
        r->base = id;
        r->n = c->hosts.n - id;
        memset(&pat, 0, sizeof pat);
    }
    pattern_done(&pat);
    name_buf_free(&nb);
    name_buf_free(&ahead);
}

static const char *const agg_keys[] = {"name", "hosts", "metadata", NULL};

static void load_aggregate(loader *ld, const config_setting_t *e, int i)
{
    char path[48];
    snprintf(path, sizeof path, "aggregates[%d]", i);
    check_keys(ld, e, path, agg_keys);
    const char *name = get_name(ld, e, path, "aggregate", &ld->aggs);
    strlist hosts = {0};
    intvec lines = {0}, ids = {0};
    kvlist meta = {0};
    bool ok = name != NULL;

    const config_setting_t *hs = member(e, "hosts");
    if (hs && !as_strs(ld, hs, path, "hosts", false, &hosts, &lines))
        ok = false;
    for (int k = 0; k < hosts.n; k++) {
        int h = names_get(&ld->hosts, hosts.v[k]);
        char key[32];
        snprintf(key, sizeof key, "hosts[%d]", k);
        if (h < 0) {
            unknown_ref(ld, lines.v[k], path, key, REF_HOST, hosts.v[k]);
            ok = false;
        } else {
            intvec_push(&ids, h);
        }
    }
    if (member(e, "metadata") && !get_kvs(ld, e, path, "metadata", &meta))
        ok = false;
    const char *zone = kvlist_get(&meta, "availability_zone");
    if (zone && !zone[0]) {
        lerr(ld, line_of(member(e, "metadata")),
             "%s.metadata: Aggregate %s does not support empty named availability zone", path,
             name ? name : "");
        ok = false;
    }
    if (ok) {
        cloud *c = ld->c;
        int a = cloud_add_aggregate(c, name);
        names_add(&ld->aggs, c->aggregates.v[a].name, a, line_of(e));
        for (int k = 0; k < ids.n; k++)
            cloud_aggregate_add_host(c, a, ids.v[k]);
        kvlist_free(&c->aggregates.v[a].metadata);
        c->aggregates.v[a].metadata = meta;
    } else {
        kvlist_free(&meta);
    }
    strlist_free(&hosts);
    intvec_free(&lines);
    intvec_free(&ids);
}

/* `az = "X"` on a host: the host joins aggregate X (created if absent)
 * whose availability_zone is X. */
static void apply_az_shorthands(loader *ld, const host_az_refs *azs)
{
    cloud *c = ld->c;
    for (int h = 0; h < c->hosts.n && h < azs->n; h++) {
        const config_setting_t *s = azs->v[h].az;
        if (!s)
            continue;
        const char *zone = config_setting_get_string(s);
        int a = names_get(&ld->aggs, zone);
        if (a < 0) {
            a = cloud_add_aggregate(c, zone);
            names_add(&ld->aggs, c->aggregates.v[a].name, a, line_of(s));
            kvlist_push(&c->aggregates.v[a].metadata, "availability_zone", zone);
        } else {
            const char *cur = kvlist_get(&c->aggregates.v[a].metadata, "availability_zone");
            if (!cur) {
                kvlist_push(&c->aggregates.v[a].metadata, "availability_zone", zone);
            } else if (strcmp(cur, zone) != 0) {
                lerr(ld, line_of(s), "hosts[%d].az: aggregate '%s' (line %d) already has "
                     "availability_zone=%s", azs->v[h].pos, zone, ld->aggs.lines.v[a], cur);
                continue;
            }
        }
        cloud_aggregate_add_host(c, a, h);
    }
}

/* A host can be in several aggregates but in one availability zone only
 * (Nova refuses the aggregate change that would break this). */
static void check_host_zones(loader *ld)
{
    cloud *c = ld->c;
    int *first = nv_malloc((size_t)(c->hosts.n ? c->hosts.n : 1) * sizeof *first);
    for (int h = 0; h < c->hosts.n; h++)
        first[h] = -1;
    for (int a = 0; a < c->aggregates.n; a++) {
        const char *zone = kvlist_get(&c->aggregates.v[a].metadata, "availability_zone");
        if (!zone)
            continue;
        const intvec *hs = &c->aggregates.v[a].hosts;
        for (int k = 0; k < hs->n; k++) {
            int h = hs->v[k];
            if (first[h] < 0) {
                first[h] = a;
                continue;
            }
            const aggregate *f = &c->aggregates.v[first[h]];
            const char *fz = kvlist_get(&f->metadata, "availability_zone");
            if (strcmp(fz, zone) != 0)
                lerr(ld, ld->aggs.lines.v[a], "aggregate '%s': host '%s' is already in "
                     "availability zone '%s' (aggregate '%s'); a host can be in only one "
                     "availability zone", c->aggregates.v[a].name, c->hosts.v[h].name, fz,
                     f->name);
        }
    }
    free(first);
}

/* ---- flavors, images, groups ------------------------------------------------ */

static const char *const flavor_keys[] = {
    "name", "vcpus", "memory_mb", "root_gb", "ephemeral_gb", "swap", "extra_specs", NULL};

static void load_flavor(loader *ld, const config_setting_t *e, int i)
{
    char path[48];
    snprintf(path, sizeof path, "flavors[%d]", i);
    check_keys(ld, e, path, flavor_keys);
    const char *name = get_name(ld, e, path, "flavor", &ld->flavors);
    flavor f;
    memset(&f, 0, sizeof f);
    int64_t vcpus = 1, mem = 1;
    bool ok = name != NULL;
    static const char *const required[] = {"vcpus", "memory_mb", "root_gb", NULL};
    if (!need_all(ld, e, path, required))
        ok = false;
    /* the limits of Nova's flavor API */
    get_int(ld, e, path, "vcpus", 1, INT_MAX, &vcpus);
    get_int(ld, e, path, "memory_mb", 1, INT_MAX, &mem);
    get_int(ld, e, path, "root_gb", 0, INT_MAX, &f.root_gb);
    get_int(ld, e, path, "ephemeral_gb", 0, INT_MAX, &f.ephemeral_gb);
    get_int(ld, e, path, "swap", 0, INT_MAX, &f.swap);
    if (member(e, "extra_specs") && !get_kvs(ld, e, path, "extra_specs", &f.extra_specs))
        ok = false;
    if (!ok) {
        kvlist_free(&f.extra_specs);
        return;
    }
    f.name = nv_strdup(name);
    f.vcpus = (int)vcpus;
    f.memory_mb = mem;
    NV_PUSH(ld->c->flavors, f);
    int id = ld->c->flavors.n - 1;
    names_add(&ld->flavors, ld->c->flavors.v[id].name, id, line_of(e));
}

static const char *const image_keys[] = {"name", "properties", "disk_format", "min_disk",
                                         "min_ram", NULL};

static void add_image(loader *ld, const char *name, const char *disk_format, kvlist *props,
                      int64_t min_disk, int64_t min_ram, int line)
{
    image im;
    memset(&im, 0, sizeof im);
    im.name = nv_strdup(name);
    im.disk_format = nv_strdup(disk_format);
    im.min_disk = min_disk;
    im.min_ram = min_ram;
    if (props)
        im.properties = *props;
    NV_PUSH(ld->c->images, im);
    int id = ld->c->images.n - 1;
    names_add(&ld->images, ld->c->images.v[id].name, id, line);
}

static void load_image(loader *ld, const config_setting_t *e, int i)
{
    char path[48];
    snprintf(path, sizeof path, "images[%d]", i);
    check_keys(ld, e, path, image_keys);
    const char *name = get_name(ld, e, path, "image", &ld->images);
    const char *fmt = "qcow2";
    kvlist props = {0};
    bool ok = name != NULL;
    if (member(e, "disk_format") && !get_str(ld, e, path, "disk_format", &fmt))
        ok = false;
    if (member(e, "properties") && !get_kvs(ld, e, path, "properties", &props))
        ok = false;
    int64_t min_disk = 0, min_ram = 0;
    if (member(e, "min_disk") && !get_int(ld, e, path, "min_disk", 0, INT_MAX, &min_disk))
        ok = false;
    if (member(e, "min_ram") && !get_int(ld, e, path, "min_ram", 0, INT_MAX, &min_ram))
        ok = false;
    if (ok)
        add_image(ld, name, fmt, &props, min_disk, min_ram, line_of(e));
    else
        kvlist_free(&props);
}

static const char *const group_keys[] = {"name", "policy", "max_server_per_host", NULL};

static void load_group(loader *ld, const config_setting_t *e, int i)
{
    char path[48];
    snprintf(path, sizeof path, "groups[%d]", i);
    check_keys(ld, e, path, group_keys);
    const char *name = get_name(ld, e, path, "server group", &ld->groups);
    const char *pol = NULL;
    int policy = -1;
    int64_t max_per_host = 1;
    bool ok = name != NULL;

    if (need(ld, e, path, "policy") && get_str(ld, e, path, "policy", &pol)) {
        for (int k = 0; k < 4; k++)
            if (strcmp(group_policy_names[k], pol) == 0)
                policy = k;
        if (policy < 0) {
            const char *const set[] = {group_policy_names[0], group_policy_names[1],
                                       group_policy_names[2], group_policy_names[3], NULL};
            check_one_of(ld, e, path, "policy", pol, set);
        }
    }
    if (policy < 0)
        ok = false;
    const config_setting_t *rule = member(e, "max_server_per_host");
    if (rule) {
        if (!as_int(ld, rule, path, "max_server_per_host", 1, INT_MAX, &max_per_host)) {
            ok = false;
        } else if (policy >= 0 && policy != POLICY_ANTI_AFFINITY) {
            lerr(ld, line_of(rule), "%s.max_server_per_host: Only anti-affinity policy "
                 "supports rules.", path);
            ok = false;
        }
    }
    if (!ok)
        return;
    group g;
    memset(&g, 0, sizeof g);
    g.name = nv_strdup(name);
    g.policy = (enum group_policy)policy;
    g.max_server_per_host = (int)max_per_host;
    NV_PUSH(ld->c->groups, g);
    int id = ld->c->groups.n - 1;
    names_add(&ld->groups, ld->c->groups.v[id].name, id, line_of(e));
}

/* ---- servers ---------------------------------------------------------------- */

static const char *const server_keys[] = {
    "name", "flavor", "image", "host", "group", "project", "vm_state", "task_state",
    "boot_from_volume", "locked", "fault", "request_spec", "count", "first", NULL};
static const char *const spec_keys[] = {
    "num_instances", "availability_zone", "hints", "ignore_hosts", "force_hosts",
    "force_nodes", "requested_host", NULL};

/* A reference by name: id, or -1 (reported) when invalid; -2 if absent. */
static int get_ref(loader *ld, const config_setting_t *g, const char *path, const char *key,
                   enum ref_kind kind, const names *n, bool *ok)
{
    const char *v;
    const config_setting_t *s = member(g, key);
    if (!s)
        return -2;
    if (!as_str(ld, s, path, key, &v)) {
        *ok = false;
        return -1;
    }
    /* servers of one host usually follow each other, or else each is on
     * the host after the last one's: those two are tried first (a hash
     * and two cache misses saved per server) */
    if (kind == REF_HOST && ld->last_host >= 0 && ld->last_host < ld->c->hosts.n) {
        if (!strcmp(ld->c->hosts.v[ld->last_host].name, v))
            return ld->last_host;
        if (ld->last_host + 1 < ld->c->hosts.n &&
            !strcmp(ld->c->hosts.v[ld->last_host + 1].name, v))
            return ++ld->last_host;
    }
    int id = names_get(n, v);
    if (id >= 0) {
        if (kind == REF_HOST)
            ld->last_host = id;
        return id;
    }
    *ok = false;
    unknown_ref(ld, line_of(s), path, key, kind, v);
    return -1;
}

static void load_spec(loader *ld, const config_setting_t *s, const char *spath,
                      persisted_spec *p)
{
    if (!config_setting_is_group(s)) {
        lerr(ld, line_of(s), "%s: expected a group { num_instances = ...; }", spath);
        return;
    }
    int64_t num = 1;
    const char *v;
    check_keys(ld, s, spath, spec_keys);
    if (get_int(ld, s, spath, "num_instances", 1, MAX_BOOT_COUNT, &num))
        p->num_instances = (int)num;
    if (get_str(ld, s, spath, "availability_zone", &v))
        replace_str(&p->availability_zone, v);
    if (get_str(ld, s, spath, "requested_host", &v))
        replace_str(&p->requested_host, v);
    get_kvs(ld, s, spath, "hints", &p->hints);
    get_strs(ld, s, spath, "ignore_hosts", &p->ignore_hosts);
    get_strs(ld, s, spath, "force_hosts", &p->force_hosts);
    get_strs(ld, s, spath, "force_nodes", &p->force_nodes);
}

static void add_server(loader *ld, const config_setting_t *e, const char *name, int fl, int h,
                       int img, int grp, bool bfv, bool locked, const char *project,
                       const char *vm_state, const char *task_state, const char *fault,
                       const persisted_spec *spec, const int64_t amt[RC_COUNT]);

static void load_server(loader *ld, const config_setting_t *e, int i)
{
    char path[48], spath[64];
    elem_path(path, "servers", i);
    check_keys(ld, e, path, server_keys);
    int before = ld->nerr;
    bool ok = true;
    int64_t count = 1, first = 1;
    name_pattern pat = {0}, hpat = {0};
    bool host_pattern = false;
    name_buf nb = {0}, hb = {0};
    const char *name = NULL;
    bool counted = member(e, "count") != NULL;
    if (!get_count(ld, e, path, ld->c->servers.n, MAX_SERVERS, "servers", &count, &first))
        ok = false;
    if (!counted) {
        name = get_name(ld, e, path, "server", NULL);
    } else if (need(ld, e, path, "name") && get_pattern(ld, e, path, "name", &pat)) {
        name = "";     /* each name is checked as it is made */
        const char *hv;
        const config_setting_t *hs = member(e, "host");
        if (hs && config_setting_type(hs) == CONFIG_TYPE_STRING &&
            strchr(hv = config_setting_get_string(hs), '%')) {
            if (get_pattern(ld, e, path, "host", &hpat))
                host_pattern = true;
            else
                ok = false;
        }
    }
    const char *project = "demo", *vm_state = "active", *task_state = NULL, *fault = NULL;
    bool bfv = false, locked = false;

    if (!need(ld, e, path, "flavor"))
        ok = false;
    if (!member(e, "host")) {
        lerr(ld, line_of(e), "%s: missing required key 'host' (servers listed here are "
             "already running; use a boot step for new ones)", path);
        ok = false;
    }
    int fl = get_ref(ld, e, path, "flavor", REF_FLAVOR, &ld->flavors, &ok);
    int h = host_pattern || (counted && !ok) ? -1
                                             : get_ref(ld, e, path, "host", REF_HOST, &ld->hosts, &ok);
    int img = get_ref(ld, e, path, "image", REF_IMAGE, &ld->images, &ok);
    int grp = get_ref(ld, e, path, "group", REF_GROUP, &ld->groups, &ok);
    get_str(ld, e, path, "project", &project);
    get_str(ld, e, path, "task_state", &task_state);
    get_str(ld, e, path, "fault", &fault);
    get_bool(ld, e, path, "boot_from_volume", &bfv);
    get_bool(ld, e, path, "locked", &locked);
    if (get_str(ld, e, path, "vm_state", &vm_state))
        check_one_of(ld, e, path, "vm_state", vm_state, vm_states);
    if (img == -2) {
        img = -1;
        if (!bfv && ld->c->images.n > 0)
            img = 0;
        else if (!bfv) {
            lerr(ld, line_of(e), "%s: no image: the scenario defines no images (give one, or "
                 "boot_from_volume = true)", path);
            ok = false;
        }
    }
    persisted_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.num_instances = 1;
    const config_setting_t *rs = member(e, "request_spec");
    if (rs) {
        snprintf(spath, sizeof spath, "%s.request_spec", path);
        load_spec(ld, rs, spath, &spec);
    }
    int64_t amt[RC_COUNT];
    name_buf ahead = {0};
    for (int64_t k = 0; ok && name && ld->nerr == before && k < count && ld_progress(ld); k++) {
        if (counted) {
            if (k + LOOKAHEAD < count)   /* its index slot, asked for early */
                nv_index_prefetch(&ld->c->server_ix,
                                  pattern_name(&pat, first + k + LOOKAHEAD, &ahead));
            name = pattern_name(&pat, first + k, &nb);
            int prev = cloud_server(ld->c, name);
            if (prev >= 0) {
                lerr(ld, line_of(member(e, "name")), "%s.name: duplicate server name '%s' "
                     "(first defined at line %d)", path, name, ld->c->servers.v[prev].line);
                break;
            }
        }
        int by_run = host_pattern ? host_run_find(ld, &hpat, first + k) : -1;
        if (by_run >= 0) {
            h = by_run;
        } else if (host_pattern) {
            const char *hn = pattern_name(&hpat, first + k, &hb);
            /* counted hosts sit side by side: try the one after the last */
            if (h >= 0 && h + 1 < ld->c->hosts.n && !strcmp(ld->c->hosts.v[h + 1].name, hn))
                h++;
            else
                h = names_get(&ld->hosts, hn);
            if (h < 0) {
                unknown_ref(ld, line_of(member(e, "host")), path, "host", REF_HOST, hn);
                break;
            }
        }
        if (k == 0)   /* what each server of the entry allocates: the same for all */
            resources_of(ld->c, fl, img, bfv, amt);
        add_server(ld, e, name, fl, h, img, grp, bfv, locked, project, vm_state, task_state,
                   fault, &spec, amt);
    }
    free(spec.availability_zone);
    free(spec.requested_host);
    kvlist_free(&spec.hints);
    strlist_free(&spec.ignore_hosts);
    strlist_free(&spec.force_hosts);
    strlist_free(&spec.force_nodes);
    pattern_done(&pat);
    pattern_done(&hpat);
    name_buf_free(&nb);
    name_buf_free(&hb);
    name_buf_free(&ahead);
}

/* One server of an entry, with its Placement allocation `amt` and a copy
 * of the entry's request spec. */
static void add_server(loader *ld, const config_setting_t *e, const char *name, int fl, int h,
                       int img, int grp, bool bfv, bool locked, const char *project,
                       const char *vm_state, const char *task_state, const char *fault,
                       const persisted_spec *spec, const int64_t amt[RC_COUNT])
{
    cloud *c = ld->c;
    int id = cloud_add_server(c, name, fl);
    server *s = &c->servers.v[id];
    s->image = img;
    cloud_server_image_meta(c, id);
    s->group = grp >= 0 ? grp : -1;
    s->boot_from_volume = bfv;
    s->locked = locked;
    s->line = line_of(e);
    if (strcmp(s->project, project))
        s->project = nv_intern(project);
    if (strcmp(s->vm_state, vm_state))
        s->vm_state = nv_intern(vm_state);
    if (task_state && task_state[0])
        s->task_state = nv_intern(task_state);
    if (fault)
        replace_str(&s->fault, fault);
    server_spec_set(s, spec);

    cloud_server_set_host(c, id, h);
    placement_add(c, CONSUMER_SERVER, id, h, amt);
    s = &c->servers.v[id];
    const char *az = host_az(c, h);
    if (!ld->az_known || az != ld->az_of) {
        ld->az_of = az;
        ld->az_interned = nv_intern(az);
        ld->az_known = true;
    }
    s->availability_zone = ld->az_interned;
}

/* ---- steps ------------------------------------------------------------------- */

/* A step's arguments are the op's entry in cmd_table[] (command.c): the
 * same descriptors the `:` prompt parses with, so a value is checked in
 * one place (cmd_arg_set) with one message.  The `expect` op's arguments
 * are the keys of its expect group, not step keys. */
static int step_nargs(int op) { return op == OP_EXPECT ? 0 : cmd_table[op].n_args; }

/* expect = { ... }: its string keys and their fields. */
static const struct {
    const char *key;
    size_t off;
} expect_strs[] = {
    {"outcome", offsetof(expect, outcome)},
    {"message", offsetof(expect, message)},
    {"server", offsetof(expect, server)},
    {"host", offsetof(expect, host)},
    {"migration_status", offsetof(expect, migration_status)},
    {"migration_type", offsetof(expect, migration_type)},
    {"vm_state", offsetof(expect, vm_state)},
    {"task_state", offsetof(expect, task_state)},
    {"fault", offsetof(expect, fault)},
    {"destination", offsetof(expect, destination)},
};
#define N_EXPECT_STRS ((int)(sizeof expect_strs / sizeof expect_strs[0]))

static void load_usage(loader *ld, const config_setting_t *u, const char *path, expect *ex)
{
    const char *keys[RC_COUNT + 2];
    keys[0] = "host";
    for (int r = 0; r < RC_COUNT; r++)
        keys[r + 1] = rc_names[r];
    keys[RC_COUNT + 1] = NULL;

    if (!is_seq(u)) {
        lerr(ld, line_of(u), "%s.usage: expected a list ( { host = ...; VCPU = ...; }, ... )",
             path);
        return;
    }
    int n = config_setting_length(u);
    ex->usage = nv_calloc((size_t)(n ? n : 1), sizeof *ex->usage);
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(u, (unsigned)i);
        char upath[96];
        snprintf(upath, sizeof upath, "%s.usage[%d]", path, i);
        if (!config_setting_is_group(g)) {
            lerr(ld, line_of(g), "%s: expected a group { host = ...; VCPU = ...; }", upath);
            continue;
        }
        check_keys(ld, g, upath, keys);
        expect_usage *eu = &ex->usage[ex->n_usage++];
        const char *h;
        if (need(ld, g, upath, "host") && get_str(ld, g, upath, "host", &h))
            eu->host = nv_strdup(h);
        for (int r = 0; r < RC_COUNT; r++)
            if (get_int(ld, g, upath, rc_names[r], 0, INT64_MAX, &eu->amount[r]))
                eu->has[r] = true;
    }
}

static void load_expect(loader *ld, const config_setting_t *x, const char *spath, expect *ex)
{
    const cmd_desc *xd = &cmd_table[OP_EXPECT];
    const char *keys[32];
    int nk = 0;
    for (int i = 0; i < xd->n_args && nk < 31; i++)
        keys[nk++] = xd->args[i].key;
    keys[nk] = NULL;
    char path[64];
    snprintf(path, sizeof path, "%s.expect", spath);
    if (!config_setting_is_group(x)) {
        lerr(ld, line_of(x), "%s: expected a group { outcome = ...; }", path);
        return;
    }
    check_keys(ld, x, path, keys);
    ex->present = true;
    ex->line = line_of(x);
    for (int i = 0; i < N_EXPECT_STRS; i++) {
        const char *v;
        if (get_str(ld, x, path, expect_strs[i].key, &v))
            replace_str((char **)((char *)ex + expect_strs[i].off), v);
    }
    if (ex->migration_type)
        check_one_of(ld, x, path, "migration_type", ex->migration_type, migration_types);
    if (ex->vm_state)
        check_one_of(ld, x, path, "vm_state", ex->vm_state, vm_states);
    if (get_strs(ld, x, path, "hosts", &ex->hosts))
        ex->has_hosts = true;
    if (get_strs(ld, x, path, "plan", &ex->plan))
        ex->has_plan = true;
    const config_setting_t *u = member(x, "usage");
    if (u)
        load_usage(ld, u, path, ex);
}

static void check_step_keys(loader *ld, const config_setting_t *e, const char *path, int op)
{
    const cmd_desc *d = &cmd_table[op];
    int n = config_setting_length(e);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(e, (unsigned)i);
        const char *k = config_setting_name(m);
        if (strcmp(k, "op") == 0 || strcmp(k, "expect") == 0)
            continue;
        bool known = false;
        for (int a = 0; a < step_nargs(op) && !known; a++)
            known = strcmp(d->args[a].key, k) == 0;
        if (known)
            continue;
        if (ld_full(ld)) {
            lerr_suppressed(ld, line_of(m));
            continue;
        }
        suggestion sg;
        char dym[160];
        sugg_init(&sg, k);
        sugg_try(&sg, "op");
        sugg_try(&sg, "expect");
        for (int a = 0; a < step_nargs(op); a++)
            sugg_try(&sg, d->args[a].key);
        lerr(ld, line_of(m), "%s: unknown key '%s' for op '%s'%s", path, k, op_names[op],
             sugg_text(&sg, dym, sizeof dym));
    }
}

/* A scalar libconfig value as the text the command table checks; NULL
 * (nothing reported) for groups and lists. */
static const char *scalar_text(const config_setting_t *s, char *buf, size_t n)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_STRING: return config_setting_get_string(s);
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        snprintf(buf, n, "%lld", (long long)config_setting_get_int64(s));
        return buf;
    case CONFIG_TYPE_FLOAT:
        snprintf(buf, n, "%.17g", config_setting_get_float(s));
        return buf;
    case CONFIG_TYPE_BOOL: return config_setting_get_bool(s) ? "true" : "false";
    default: return NULL;
    }
}

/* Store one text value; a refusal is reported as PATH.KEY: message. */
static bool step_set(loader *ld, int line, const char *where, command *cmd, const cmd_arg *a,
                     const char *text)
{
    char err[400];
    if (cmd_arg_set(cmd, a, text, err, sizeof err))
        return true;
    lerr(ld, line, "%s: %s", where, err);
    return false;
}

/* config-set's `config` group: SECTION = { OPTION = value; }; each option
 * becomes SECTION.OPTION=VALUE for the command table. */
static void step_options(loader *ld, const config_setting_t *s, const char *path,
                         const cmd_arg *a, command *cmd)
{
    if (!config_setting_is_group(s)) {
        lerr(ld, line_of(s), "%s.config: expected a group { section = { option = value; }; }",
             path);
        return;
    }
    for (int i = 0, n = config_setting_length(s); i < n; i++) {
        const config_setting_t *sec = config_setting_get_elem(s, (unsigned)i);
        if (!config_setting_is_group(sec)) {
            lerr(ld, line_of(sec), "%s.config.%s: expected a group { option = value; }", path,
                 config_setting_name(sec));
            continue;
        }
        for (int j = 0, m = config_setting_length(sec); j < m; j++) {
            const config_setting_t *o = config_setting_get_elem(sec, (unsigned)j);
            char where[200], buf[64];
            snprintf(where, sizeof where, "%s.config.%s.%s", path, config_setting_name(sec),
                     config_setting_name(o));
            sbuf v = {0};
            sbuf_addf(&v, "%s.%s=", config_setting_name(sec), config_setting_name(o));
            const char *t = scalar_text(o, buf, sizeof buf);
            if (t) {
                sbuf_add(&v, t);
            } else if (is_seq(o)) {
                for (int k = 0, nk = config_setting_length(o); k < nk; k++) {
                    const char *el = scalar_text(config_setting_get_elem(o, (unsigned)k), buf,
                                                 sizeof buf);
                    sbuf_addf(&v, "%s%s", k ? "," : "", el ? el : "");
                }
            } else {
                lerr(ld, line_of(o), "%s: expected a value", where);
                sbuf_free(&v);
                continue;
            }
            char err[400];
            if (!cmd_arg_set(cmd, a, v.s, err, sizeof err)) {
                /* the option part of the message names it already */
                const char *msg = strncmp(err, "unknown option", 14) ? err : err;
                lerr(ld, line_of(o), "%s: %s", where, msg);
            }
            sbuf_free(&v);
        }
    }
}

/* Read the step's arguments through the op's descriptors into `cmd`. */
static void load_step_args(loader *ld, const config_setting_t *e, const char *path,
                           command *cmd)
{
    const cmd_desc *d = &cmd_table[cmd->op];
    for (int i = 0; i < step_nargs(cmd->op); i++) {
        const cmd_arg *a = &d->args[i];
        const config_setting_t *s = member(e, a->key);
        if (!s)
            continue;
        char where[160], buf[64];
        snprintf(where, sizeof where, "%s.%s", path, a->key);
        int t = config_setting_type(s);
        switch (a->type) {
        case ARG_INT:
            if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
                lerr(ld, line_of(s), "%s: expected an integer", where);
            else
                step_set(ld, line_of(s), where, cmd, a, scalar_text(s, buf, sizeof buf));
            break;
        case ARG_FLOAT:
            if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64 && t != CONFIG_TYPE_FLOAT)
                lerr(ld, line_of(s), "%s: expected a number", where);
            else
                step_set(ld, line_of(s), where, cmd, a, scalar_text(s, buf, sizeof buf));
            break;
        case ARG_BOOL:
            if (t != CONFIG_TYPE_BOOL)
                lerr(ld, line_of(s), "%s: expected true or false", where);
            else
                step_set(ld, line_of(s), where, cmd, a, scalar_text(s, buf, sizeof buf));
            break;
        case ARG_TRISTATE:
            if (t == CONFIG_TYPE_BOOL ||
                (t == CONFIG_TYPE_STRING && !strcmp(config_setting_get_string(s), "auto")))
                step_set(ld, line_of(s), where, cmd, a, scalar_text(s, buf, sizeof buf));
            else
                lerr(ld, line_of(s), "%s: expected true, false or \"auto\"", where);
            break;
        case ARG_LIST:
        case ARG_KVLIST:
            if (!is_seq(s)) {
                lerr(ld, line_of(s), "%s: expected an array of strings%s", where,
                     a->type == ARG_KVLIST ? " \"key=value\"" : "");
                break;
            }
            for (int k = 0, n = config_setting_length(s); k < n; k++) {
                const config_setting_t *el = config_setting_get_elem(s, (unsigned)k);
                char ew[180];
                snprintf(ew, sizeof ew, "%s[%d]", where, k);
                if (config_setting_type(el) != CONFIG_TYPE_STRING)
                    lerr(ld, line_of(el), "%s: expected a string", ew);
                else
                    step_set(ld, line_of(el), ew, cmd, a, config_setting_get_string(el));
            }
            break;
        case ARG_OPTION:
            step_options(ld, s, path, a, cmd);
            break;
        case ARG_GROUPS:
            /* ( { K = V; ... }, ... ): each group as K=V,K=V */
            if (!config_setting_is_list(s)) {
                lerr(ld, line_of(s), "%s: expected a list ( { ... }, ... )", where);
                break;
            }
            for (int k = 0, n = config_setting_length(s); k < n; k++) {
                const config_setting_t *g = config_setting_get_elem(s, (unsigned)k);
                char gw[180];
                snprintf(gw, sizeof gw, "%s[%d]", where, k);
                if (!config_setting_is_group(g)) {
                    lerr(ld, line_of(g), "%s: expected a group { ... }", gw);
                    continue;
                }
                sbuf v = {0};
                bool fine = true;
                for (int j = 0, m = config_setting_length(g); j < m && fine; j++) {
                    const config_setting_t *e2 = config_setting_get_elem(g, (unsigned)j);
                    const char *tx = scalar_text(e2, buf, sizeof buf);
                    if (!tx || strchr(tx, ',')) {
                        lerr(ld, line_of(e2), "%s.%s: expected a number or a string without ','",
                             gw, config_setting_name(e2));
                        fine = false;
                    } else {
                        sbuf_addf(&v, "%s%s=%s", v.len ? "," : "", config_setting_name(e2), tx);
                    }
                }
                if (fine)
                    step_set(ld, line_of(g), gw, cmd, a, v.s ? v.s : "");
                sbuf_free(&v);
            }
            break;
        default:
            if (t != CONFIG_TYPE_STRING)
                lerr(ld, line_of(s), "%s: expected a string", where);
            else
                step_set(ld, line_of(s), where, cmd, a, config_setting_get_string(s));
            break;
        }
    }
}

/* Defaults, required arguments and the rules between them (the table's). */
static void check_step_args(loader *ld, const config_setting_t *e, const char *path,
                            command *cmd)
{
    const char *key;
    char err[400];
    if (command_validate(cmd, &key, err, sizeof err))
        return;
    const config_setting_t *at = key ? member(e, key) : NULL;
    if (at)
        lerr(ld, line_of(at), "%s.%s: %s", path, key, err);
    else
        lerr(ld, line_of(e), "%s: %s", path, err);
}

/* One step into `cmd`; false (reported) if there is no usable op. */
static bool load_step(loader *ld, const config_setting_t *e, int i, command *cmd)
{
    char path[48];
    const char *opname;
    snprintf(path, sizeof path, "steps[%d]", i);
    if (!need(ld, e, path, "op") || !get_str(ld, e, path, "op", &opname))
        return false;
    int op = op_from_name(opname);
    if (op < 0) {
        suggestion sg;
        char dym[160];
        sugg_init(&sg, opname);
        for (int k = 0; k < OP_COUNT; k++)
            sugg_try(&sg, op_names[k]);
        lerr(ld, line_of(member(e, "op")), "%s.op: unknown op '%s'%s", path, opname,
             sugg_text(&sg, dym, sizeof dym));
        return false;
    }
    command_init(cmd, (enum cmd_op)op);
    cmd->line = line_of(e);
    check_step_keys(ld, e, path, op);
    load_step_args(ld, e, path, cmd);
    const config_setting_t *x = member(e, "expect");
    int before = ld->nerr;
    if (x)
        load_expect(ld, x, path, &cmd->ex);
    if (ld->nerr == before)
        check_step_args(ld, e, path, cmd);
    return true;
}

/* ---- names through the steps ---------------------------------------------------- */

/* The names of the loaded cloud, then what the cloud-building steps do to
 * them (command_name_effects), so a step that refers to a name certainly
 * absent, or creates one certainly there, is a load error. */
typedef struct name_walk {
    const cloud *c;
    nv_index st[FROM_VALUES + 1];   /* per kind: name -> enum name_state once a step touched it */
} name_walk;

static enum name_state walk_look(void *ctx, enum arg_from kind, const char *name)
{
    name_walk *w = ctx;
    int v = nv_index_get(&w->st[kind], name);
    if (v >= 0)
        return (enum name_state)v;
    int id = -1;
    switch (kind) {
    case FROM_HOSTS: id = cloud_host(w->c, name); break;
    case FROM_FLAVORS: id = cloud_flavor(w->c, name); break;
    case FROM_IMAGES: id = cloud_image(w->c, name); break;
    case FROM_GROUPS: id = cloud_group(w->c, name); break;
    case FROM_AGGREGATES: id = cloud_aggregate(w->c, name); break;
    default: return NAME_UNSURE;
    }
    return id >= 0 ? NAME_EXISTS : NAME_ABSENT;
}

static void walk_set(void *ctx, enum arg_from kind, const char *name, enum name_state st)
{
    name_walk *w = ctx;
    nv_index_put(&w->st[kind], name, (int)st);
}

static void check_step_names(loader *ld, const config_setting_t *list, const command *steps,
                             int n)
{
    name_walk w;
    memset(&w, 0, sizeof w);
    w.c = ld->c;
    for (int i = 0; i < n; i++) {
        const char *key;
        char err[300];
        if (!command_check_names(&steps[i], walk_look, &w, &key, err, sizeof err)) {
            const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
            const config_setting_t *at = e ? member(e, key) : NULL;
            lerr(ld, at ? line_of(at) : steps[i].line, "steps[%d].%s: %s", i, key, err);
            continue;
        }
        command_name_effects(&steps[i], walk_look, &w, walk_set);
    }
    for (size_t k = 0; k < sizeof w.st / sizeof w.st[0]; k++)
        nv_index_free(&w.st[k]);
}

/* ---- driver ------------------------------------------------------------------- */

static void prescan_report(void *ctx, int line, enum textfile_problem what, const char *detail)
{
    if (what == TEXTFILE_INCLUDE)
        lerr(ctx, line, "@include is not allowed: a scenario is one self-contained file");
    else if (what == TEXTFILE_INT_RANGE)
        lerr(ctx, line, "integer %s does not fit in 64 bits", detail);
    else if (what == TEXTFILE_GROUP_SIZE)
        lerr(ctx, line, "more than %d settings in one group", TEXTFILE_MAX_SETTINGS);
    else
        lerr(ctx, line, "NUL byte in the file (not a text file?)");
}

/* Lines a libconfig parse would act on but a scenario must not have;
 * whether an integer literal needs widening. */
static bool prescan(loader *ld, const char *text, size_t len)
{
    return textfile_scan(text, len, prescan_report, ld);
}

static void free_steps(command *steps, int n)
{
    for (int i = 0; i < n; i++)
        command_done(&steps[i]);
    free(steps);
}

static bool has_flavor_add_step(const command *steps, int n)
{
    for (int i = 0; i < n; i++)
        if (steps[i].op == OP_FLAVOR_ADD)
            return true;
    return false;
}

static bool has_boot_step(const command *steps, int n)
{
    for (int i = 0; i < n; i++)
        if (steps[i].op == OP_BOOT)
            return true;
    return false;
}

/* How many objects a hosts or servers list makes, `count`s included (a
 * bad count counts one: it is reported later), at most `most`. */
static int entries(const loader *ld, const config_setting_t *list, int most)
{
    int64_t n = 0;
    int len = list ? config_setting_length(list) : 0;
    /* a long list is one object per entry, near enough: looking for a
     * `count` in each would touch the whole tree ahead of the loop that
     * reads it (the arrays grow as they must) */
    if (len > 1024)
        n = len;
    else
        for (int i = 0; i < len && n < most; i++) {
            const config_setting_t *cnt =
                member(config_setting_get_elem(list, (unsigned)i), "count");
            long long v = cnt && config_setting_type(cnt) == CONFIG_TYPE_INT
                              ? config_setting_get_int64(cnt) : 1;
            n += v >= 1 && v <= MAX_COUNT ? v : 1;
        }
    if (ld->half && list == ld->split_list)   /* the second half's, guessed by its bytes */
        n += (int64_t)((double)n * ld->half->ratio);
    return (int)(n < most ? n : most);
}

/* The index slot of the server that element i of `list` names (its first
 * setting, as it usually is), asked for ahead of the lookup that would
 * wait for it; the walk there brings that element's settings in too. */
static void name_ahead(const loader *ld, const config_setting_t *list, int i)
{
    const config_setting_t *e = list_elem(ld, list, i);
    if (!config_setting_is_group(e) || !config_setting_length(e))
        return;
    const config_setting_t *m = config_setting_get_elem(e, 0);
    const char *k = config_setting_name(m);
    if (k && k[0] == 'n' && !strcmp(k, "name") && config_setting_type(m) == CONFIG_TYPE_STRING)
        nv_index_prefetch(&ld->c->server_ix, config_setting_get_string(m));
}

static void load_tree(loader *ld, const config_setting_t *root, command **steps_out,
                      int *n_steps_out)
{
    cloud *c = ld->c;
    check_keys(ld, root, "", top_keys);
    load_release(ld, root);
    load_quirks(ld, root);
    load_header(ld, root);
    load_config(ld, root);

    /* no hosts at all is an empty cloud, to be built by steps (version 2) */
    const config_setting_t *l = get_list(ld, root, "hosts");
    int nl = l ? config_setting_length(l) : 0;
    host_az_refs azs = {0};
    int want = entries(ld, l, MAX_HOSTS);
    const config_setting_t *sl = member(root, "servers");
    ld->want_servers = sl && is_seq(sl) ? entries(ld, sl, MAX_SERVERS) : 0;
    ld->total = want + ld->want_servers;
    nv_index_reserve(&ld->hosts.ix, want);
    nv_index_reserve(&c->host_ix, want);
    for (int i = 0; split_more(ld, l, i, &nl) && ld_progress(ld); i++) {
        const config_setting_t *e = list_group(ld, l, "hosts", i);
        if (e)
            load_host(ld, e, i, &azs);
    }

    l = get_list(ld, root, "aggregates");
    for (int i = 0, n = l ? config_setting_length(l) : 0; i < n; i++) {
        const config_setting_t *e = list_group(ld, l, "aggregates", i);
        if (e)
            load_aggregate(ld, e, i);
    }
    apply_az_shorthands(ld, &azs);
    free(azs.v);
    check_host_zones(ld);

    l = get_list(ld, root, "flavors");
    for (int i = 0, n = l ? config_setting_length(l) : 0; i < n; i++) {
        const config_setting_t *e = list_group(ld, l, "flavors", i);
        if (e)
            load_flavor(ld, e, i);
    }

    if (!member(root, "images"))
        add_image(ld, "cirros", "qcow2", NULL, 0, 0, 1);
    l = get_list(ld, root, "images");
    for (int i = 0, n = l ? config_setting_length(l) : 0; i < n; i++) {
        const config_setting_t *e = list_group(ld, l, "images", i);
        if (e)
            load_image(ld, e, i);
    }

    l = get_list(ld, root, "groups");
    for (int i = 0, n = l ? config_setting_length(l) : 0; i < n; i++) {
        const config_setting_t *e = list_group(ld, l, "groups", i);
        if (e)
            load_group(ld, e, i);
    }

    cloud_reindex(c);

    const config_setting_t *servers = get_list(ld, root, "servers");
    int n_servers = servers ? config_setting_length(servers) : 0;
    want = ld->want_servers;
    nv_index_reserve(&c->server_ix, want);
    want += CLOUD_ROOM(want);
    if (c->servers.cap < want) {
        c->servers.v = nv_realloc(c->servers.v, (size_t)want * sizeof *c->servers.v);
        c->servers.cap = want;
    }
    if (c->allocations.cap < want) {
        c->allocations.v = nv_realloc(c->allocations.v, (size_t)want * sizeof *c->allocations.v);
        c->allocations.cap = want;
    }
    for (int i = 0; split_more(ld, servers, i, &n_servers) && ld_progress(ld); i++) {
        if (i + LOOKAHEAD < n_servers)
            name_ahead(ld, servers, i + LOOKAHEAD);
        const config_setting_t *e = list_group(ld, servers, "servers", i);
        if (e)
            load_server(ld, e, i);
    }

    l = get_list(ld, root, "steps");
    if (member(root, "steps")) {
        int nt = config_setting_length(root);
        ld->steps_line = line_of(member(root, "steps"));
        ld->steps_last = config_setting_get_elem(root, (unsigned)(nt - 1)) == member(root, "steps");
    }
    int n = l ? config_setting_length(l) : 0;
    command *steps = nv_calloc((size_t)(n ? n : 1), sizeof *steps);
    int ns = 0;
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = list_group(ld, l, "steps", i);
        if (e && load_step(ld, e, i, &steps[ns]))
            ns++;
    }
    *steps_out = steps;
    *n_steps_out = ns;
    if (!ld->nerr && ns == n)
        check_step_names(ld, l, steps, ns);

    if (!member(root, "flavors") && (n_servers > 0 || has_boot_step(steps, ns)) &&
        !has_flavor_add_step(steps, ns))
        lerr(ld, n_servers > 0 ? line_of(servers) : line_of(l),
             "flavors: required when there are servers or boot steps");
    /* no cloud_reindex() here: adding servers kept the indexes, per-host
     * lists and usage current, and rebuilding them cost a third of loading
     * 750,000 servers */
    /* the scheduler's view of the cloud as loaded (the computes have
     * reported it), so that the first command finds it computed and
     * refreshes only what changes (a stale view, settle = false, starts
     * from here as it did from the first step) */
    cloud_refresh_view(c);
    cloud_hot(c);   /* so that neither copies nor the first decision build them */
}

static scenario *load_once(const char *text, size_t len, const char *file, int rel,
                           strlist *errors, scenario_watch watch, void *watch_arg, bool whole,
                           bool *redo)
{
    loader ld;
    memset(&ld, 0, sizeof ld);
    ld.file = file;
    ld.errors = errors;
    ld.rel = REL_LATEST;
    ld.rel_override = rel;
    ld.watch = watch;
    ld.watch_arg = watch_arg;
    ld.last_host = -1;

    int errors_before = errors->n;
    textfile_split sp = {0};
    bool widen = whole || scenario_split_min == SIZE_MAX
                     ? prescan(&ld, text, len)
                     : textfile_scan_split(text, len, prescan_report, &ld, split_lists,
                                           scenario_split_min, SPLIT_SHARE, &sp);
    if (ld.nerr)
        return NULL;

    config_t *cf = nv_malloc(sizeof *cf);   /* on the heap: a thread may free it */
    config_init(cf);
    member_cache_reset();
    char *wide = widen ? textfile_widen(text, len) : NULL;
    bool split = !wide && sp.found;
    if (!(split ? parse_split(&ld, cf, text, len, &sp) : parse(&ld, cf, wide ? wide : text))) {
        if (!ld.stopped) {
            const char *msg = config_error_text(cf);
            lerr(&ld, config_error_line(cf), "%s", msg ? msg : "parse error");
        }
        config_destroy(cf);
        free(cf);
        free(wide);
        return NULL;
    }
    free(wide);

    command *steps = NULL;
    int n_steps = 0;
    ld.c = cloud_new();
    if (ld.half)
        ld.split_list = config_setting_get_member(config_root_setting(cf), sp.name);
    load_tree(&ld, config_root_setting(cf), &steps, &n_steps);
    bool halves = ld.half != NULL;
    if (ld.half)   /* whether the second half parsed, even if no loop got there */
        half_join(&ld);
    member_cache_reset();   /* nothing kept of the tree */
    struct scenario_trees *freeing = NULL;
    if (ld.nerr || ld.redo || len < scenario_split_min || !(freeing = free_apart(&ld, cf)))
        destroy_trees(&ld, cf);
    names_free(&ld.hosts);
    for (int i = 0; i < ld.n_runs; i++)
        pattern_done(&ld.runs[i].pat);
    free(ld.runs);
    names_free(&ld.aggs);
    names_free(&ld.flavors);
    names_free(&ld.images);
    names_free(&ld.groups);

    if (ld.nerr || ld.redo) {
        free_steps(steps, n_steps);
        cloud_free(ld.c);
        if (ld.redo) {   /* what this try said is not what one parse says */
            for (int i = errors_before; i < errors->n; i++)
                free(errors->v[i]);
            errors->n = errors_before;
            *redo = true;
        }
        return NULL;
    }
    scenario *s = nv_calloc(1, sizeof *s);
    s->c = ld.c;
    s->steps = steps;
    s->n_steps = n_steps;
    s->path = nv_strdup(file);
    s->steps_line = ld.steps_line;
    s->steps_last = ld.steps_last;
    s->halves = halves;
    s->freeing = freeing;
    return s;
}

static scenario *load_text(const char *text, size_t len, const char *file, int rel,
                           strlist *errors, scenario_watch watch, void *watch_arg)
{
    bool redo = false;
    scenario *s = load_once(text, len, file, rel, errors, watch, watch_arg, false, &redo);
    if (redo)
        s = load_once(text, len, file, rel, errors, watch, watch_arg, true, &redo);
    return s;
}

void *scenario_tree_parse(const char *text)
{
    config_t *cf = nv_malloc(sizeof *cf);
    config_init(cf);
    if (!config_read_string(cf, text)) {
        scenario_tree_free(cf);
        return NULL;
    }
    return cf;
}

void scenario_tree_free(void *tree)
{
    if (tree) {
        config_destroy(tree);
        free(tree);
    }
}

scenario *scenario_load_string(const char *text, const char *name, strlist *errors)
{
    return load_text(text, strlen(text), name, -1, errors, NULL, NULL);
}

scenario *scenario_load_file(const char *path, strlist *errors)
{
    return scenario_load_file_as(path, -1, errors);
}

static scenario *load_file(const char *path, int rel, strlist *errors, scenario_watch watch,
                           void *watch_arg)
{
    char err[256];
    size_t len = 0;
    char *text = textfile_read(path, (size_t)MAX_FILE_BYTES, &len, err, sizeof err);
    if (!text) {
        char *m = nv_printf("%s: %s", path, err);
        NV_PUSH(*errors, m);
        return NULL;
    }
    scenario *s = load_text(text, len, path, rel, errors, watch, watch_arg);
    if (s) {
        s->text_len = len;
        s->text_hash = nv_hash(text, len);
    }
    free(text);
    return s;
}

scenario *scenario_load_file_as(const char *path, int rel, strlist *errors)
{
    return load_file(path, rel, errors, NULL, NULL);
}

scenario *scenario_load_file_watch(const char *path, strlist *errors, scenario_watch watch,
                                   void *arg)
{
    return load_file(path, -1, errors, watch, arg);
}

void scenario_settle(scenario *s)
{
    if (s && s->freeing) {
        pthread_join(s->freeing->th, NULL);
        free(s->freeing);
        s->freeing = NULL;
    }
}

void scenario_free(scenario *s)
{
    if (!s)
        return;
    scenario_settle(s);
    cloud_free(s->c);
    free_steps(s->steps, s->n_steps);
    free(s->path);
    free(s);
}

/* ---- saving --------------------------------------------------------------------- */

static void put_quoted(sbuf *b, const char *s)
{
    sbuf_addc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': sbuf_add(b, "\\\""); break;
        case '\\': sbuf_add(b, "\\\\"); break;
        case '\n': sbuf_add(b, "\\n"); break;
        case '\r': sbuf_add(b, "\\r"); break;
        case '\t': sbuf_add(b, "\\t"); break;
        case '\f': sbuf_add(b, "\\f"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                sbuf_addf(b, "\\x%02x", *p);
            else
                sbuf_addc(b, (char)*p);
        }
    }
    sbuf_addc(b, '"');
}

static void put_str(sbuf *b, const char *key, const char *v)
{
    sbuf_addf(b, "%s = ", key);
    put_quoted(b, v ? v : "");
    sbuf_add(b, "; ");
}

static void put_int(sbuf *b, const char *key, int64_t v)
{
    bool wide = v < INT_MIN || v > INT_MAX;
    sbuf_addf(b, "%s = %lld%s; ", key, (long long)v, wide ? "L" : "");
}

static void put_float_value(sbuf *b, double v)
{
    char tmp[64];
    if (isinf(v)) {
        sbuf_add(b, v < 0 ? "-1e999" : "1e999");
        return;
    }
    nv_fmt_double(tmp, sizeof tmp, isnan(v) ? 0.0 : v);
    sbuf_add(b, tmp);
}

static void put_float(sbuf *b, const char *key, double v)
{
    sbuf_addf(b, "%s = ", key);
    put_float_value(b, v);
    sbuf_add(b, "; ");
}

static void put_bool(sbuf *b, const char *key, bool v)
{
    sbuf_addf(b, "%s = %s; ", key, v ? "true" : "false");
}

static void put_strs(sbuf *b, const char *key, const strlist *l)
{
    sbuf_addf(b, "%s = [", key);
    for (int i = 0; i < l->n; i++) {
        if (i)
            sbuf_add(b, ", ");
        put_quoted(b, l->v[i]);
    }
    sbuf_add(b, "]; ");
}

static void put_kvs(sbuf *b, const char *key, const kvlist *l)
{
    sbuf_addf(b, "%s = [", key);
    for (int i = 0; i < l->n; i++) {
        char *s = nv_printf("%s=%s", l->v[i].key, l->v[i].value);
        if (i)
            sbuf_add(b, ", ");
        put_quoted(b, s);
        free(s);
    }
    sbuf_add(b, "]; ");
}

/* Drop the blank after the last "key = value; " item. */
static void trim_blank(sbuf *b)
{
    if (b->len && b->s[b->len - 1] == ' ')
        b->s[--b->len] = '\0';
}

/* End a line of "key = value; " items. */
static void end_line(sbuf *b)
{
    trim_blank(b);
    sbuf_addc(b, '\n');
}

/* Close a one-line group of a list. */
static void end_group(sbuf *b, bool more)
{
    sbuf_add(b, more ? "},\n" : "}\n");
}

static bool strlist_eq(const strlist *a, const strlist *b)
{
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->v[i], b->v[i]) != 0)
            return false;
    return true;
}

static bool intvec_eq(const intvec *a, const intvec *b)
{
    return a->n == b->n && (a->n == 0 || memcmp(a->v, b->v, (size_t)a->n * sizeof *a->v) == 0);
}

static bool option_differs(const nova_option *o, const nova_config *cur, const nova_config *def)
{
    const char *p = (const char *)cur + o->off, *q = (const char *)def + o->off;
    switch (o->type) {
    case OPT_BOOL: return *(const bool *)p != *(const bool *)q;
    case OPT_INT: return *(const int64_t *)p != *(const int64_t *)q;
    case OPT_FLOAT: return *(const double *)p != *(const double *)q;
    case OPT_STRING:
        /* an unset string cannot be written; leave the default */
        return *(char *const *)p && !nv_streq(*(char *const *)p, *(char *const *)q);
    case OPT_STRLIST: return !strlist_eq((const strlist *)p, (const strlist *)q);
    case OPT_FILTERS:
    case OPT_WEIGHERS: return !intvec_eq((const intvec *)p, (const intvec *)q);
    }
    return false;
}

static void put_option(sbuf *b, const nova_option *o, const nova_config *cur)
{
    const char *p = (const char *)cur + o->off;
    switch (o->type) {
    case OPT_BOOL: put_bool(b, o->name, *(const bool *)p); break;
    case OPT_INT: put_int(b, o->name, *(const int64_t *)p); break;
    case OPT_FLOAT: put_float(b, o->name, *(const double *)p); break;
    case OPT_STRING: put_str(b, o->name, *(char *const *)p); break;
    case OPT_STRLIST: put_strs(b, o->name, (const strlist *)p); break;
    case OPT_FILTERS: {
        const intvec *v = (const intvec *)p;
        sbuf_addf(b, "%s = [", o->name);
        for (int i = 0; i < v->n; i++) {
            if (i)
                sbuf_add(b, ", ");
            put_quoted(b, filter_table[v->v[i]].name);
        }
        sbuf_add(b, "]; ");
        break;
    }
    case OPT_WEIGHERS: {
        const intvec *v = (const intvec *)p;
        intvec all = {0};
        weigher_all(cur->release, &all);
        sbuf_addf(b, "%s = [", o->name);
        if (v->n && intvec_eq(v, &all)) {
            put_quoted(b, "nova.scheduler.weights.all_weighers");
        } else {
            for (int i = 0; i < v->n; i++) {
                const weigher_desc *w = &weigher_table[v->v[i]];
                if (i)
                    sbuf_add(b, ", ");
                put_quoted(b, w->path ? w->path : w->name);
            }
        }
        sbuf_add(b, "]; ");
        intvec_free(&all);
        break;
    }
    }
}

static void save_config(sbuf *b, const cloud *c)
{
    nova_config def;
    conf_defaults(&def, c->conf.release);

    uint64_t diff = c->conf.quirks ^ def.quirks;
    if (diff) {
        sbuf_add(b, "quirks = [");
        bool first = true;
        for (int q = 0; q < Q_COUNT; q++) {
            if (!(diff & QUIRK_BIT(q)))
                continue;
            char *s = nv_printf("%s%s", quirk_on(&c->conf, (enum quirk_id)q) ? "" : "!",
                                quirk_table[q].name);
            sbuf_add(b, first ? "" : ", ");
            put_quoted(b, s);
            free(s);
            first = false;
        }
        sbuf_add(b, "];\n");
    }
    sbuf_addf(b, "seed = %llu%s;\n", (unsigned long long)c->seed,
              c->seed > INT_MAX ? "L" : "");
    if (c->no_settle)
        sbuf_add(b, "settle = false;\n");

    /* sections in table order, each with the options that changed */
    bool any = false;
    for (int i = 0; i < nova_option_count; i++) {
        const nova_option *o = &nova_options[i];
        bool seen = false;
        for (int k = 0; k < i; k++)
            if (strcmp(nova_options[k].section, o->section) == 0)
                seen = true;
        if (seen)
            continue;
        bool open = false;
        for (int k = i; k < nova_option_count; k++) {
            const nova_option *p = &nova_options[k];
            if (strcmp(p->section, o->section) != 0 ||
                !in_release(c->conf.release, p->first, p->last) ||
                !option_differs(p, &c->conf, &def))
                continue;
            if (!any)
                sbuf_add(b, "config = {\n");
            if (!open)
                sbuf_addf(b, "  %s = { ", o->section);
            any = open = true;
            put_option(b, p, &c->conf);
        }
        if (open)
            sbuf_add(b, "};\n");
    }
    if (any)
        sbuf_add(b, "};\n");
    nova_config_done(&def);
}

static void save_hosts(sbuf *b, const cloud *c)
{
    sbuf_add(b, "hosts = (\n");
    for (int i = 0; i < c->hosts.n; i++) {
        const host *h = &c->hosts.v[i];
        sbuf_add(b, "  { ");
        put_str(b, "name", h->name);
        put_int(b, "vcpus", h->vcpus);
        put_int(b, "memory_mb", h->memory_mb);
        put_int(b, "disk_gb", h->disk_gb);
        if (h->pcpus)
            put_int(b, "pcpus", h->pcpus);
        if (!nv_streq(h->cell, "cell1"))
            put_str(b, "cell", h->cell);
        if (!nv_streq(h->hypervisor_type, "QEMU"))
            put_str(b, "hypervisor_type", h->hypervisor_type);
        if (h->hypervisor_version != 8002000)
            put_int(b, "hypervisor_version", h->hypervisor_version);
        if (!nv_streq(h->cpu_arch, "x86_64"))
            put_str(b, "cpu_arch", h->cpu_arch);
        char ipbuf[16];
        if (h->host_ip && !nv_streq(h->host_ip, default_host_ip(i, ipbuf)))
            put_str(b, "host_ip", h->host_ip);
        if (h->traits.n)
            put_strs(b, "traits", &h->traits);
        if (!h->up)
            put_str(b, "state", "down");
        if (h->disabled)
            put_bool(b, "disabled", true);
        if (h->disabled_reason)
            put_str(b, "disabled_reason", h->disabled_reason);
        if (h->forced_down)
            put_bool(b, "forced_down", true);
        if (h->failed_builds)
            put_int(b, "failed_builds", h->failed_builds);
        if (h->cpu_allocation_ratio >= 0)
            put_float(b, "cpu_allocation_ratio", h->cpu_allocation_ratio);
        if (h->ram_allocation_ratio >= 0)
            put_float(b, "ram_allocation_ratio", h->ram_allocation_ratio);
        if (h->disk_allocation_ratio >= 0)
            put_float(b, "disk_allocation_ratio", h->disk_allocation_ratio);
        if (h->reserved_host_memory_mb >= 0)
            put_int(b, "reserved_host_memory_mb", h->reserved_host_memory_mb);
        if (h->reserved_host_disk_mb >= 0)
            put_int(b, "reserved_host_disk_mb", h->reserved_host_disk_mb);
        if (h->reserved_host_cpus >= 0)
            put_int(b, "reserved_host_cpus", h->reserved_host_cpus);
        if (h->metrics.n)
            put_kvs(b, "metrics", &h->metrics);
        if (h->maxphysaddr_bits)
            put_int(b, "maxphysaddr_bits", h->maxphysaddr_bits);
        bool inv = false;
        const host_units *u = h->units;
        for (int rc = 0; u && rc < RC_COUNT; rc++)
            if (u->min_unit[rc] || u->max_unit[rc] || u->step_size[rc]) {
                sbuf_add(b, inv ? " " : "inventory = { ");
                sbuf_addf(b, "%s = { ", rc_names[rc]);
                if (u->min_unit[rc])
                    put_int(b, "min_unit", u->min_unit[rc]);
                if (u->max_unit[rc])
                    put_int(b, "max_unit", u->max_unit[rc]);
                if (u->step_size[rc])
                    put_int(b, "step_size", u->step_size[rc]);
                sbuf_add(b, "};");
                inv = true;
            }
        if (inv)
            sbuf_add(b, " }; ");
        if (h->n_cells) {
            sbuf_add(b, "numa_cells = (");
            for (int k = 0; k < h->n_cells; k++)
                sbuf_addf(b, "%s { cpus = %d; pcpus = %d; memory_mb = %lld; threads_per_core = %d; }",
                          k ? "," : "", h->cells[k].cpus, h->cells[k].pcpus,
                          (long long)h->cells[k].memory_mb, h->cells[k].threads_per_core);
            sbuf_add(b, " ); ");
        }
        if (h->n_pci) {
            sbuf_add(b, "pci_devices = (");
            for (int k = 0; k < h->n_pci; k++) {
                sbuf_add(b, k ? ", { " : " { ");
                put_str(b, "vendor_id", h->pci[k].vendor_id);
                put_str(b, "product_id", h->pci[k].product_id);
                put_int(b, "count", h->pci[k].count);
                put_int(b, "numa_node", h->pci[k].numa_node);
                sbuf_add(b, "}");
            }
            sbuf_add(b, " ); ");
        }
        end_group(b, i + 1 < c->hosts.n);
    }
    sbuf_add(b, ");\n");
}

static void save_catalog(sbuf *b, const cloud *c)
{
    if (c->aggregates.n) {
        sbuf_add(b, "aggregates = (\n");
        for (int i = 0; i < c->aggregates.n; i++) {
            const aggregate *a = &c->aggregates.v[i];
            sbuf_add(b, "  { ");
            put_str(b, "name", a->name);
            if (a->hosts.n) {
                strlist hs = {0};
                for (int k = 0; k < a->hosts.n; k++)
                    strlist_push(&hs, c->hosts.v[a->hosts.v[k]].name);
                put_strs(b, "hosts", &hs);
                strlist_free(&hs);
            }
            if (a->metadata.n)
                put_kvs(b, "metadata", &a->metadata);
            end_group(b, i + 1 < c->aggregates.n);
        }
        sbuf_add(b, ");\n");
    }
    if (c->flavors.n) {
        sbuf_add(b, "flavors = (\n");
        for (int i = 0; i < c->flavors.n; i++) {
            const flavor *f = &c->flavors.v[i];
            sbuf_add(b, "  { ");
            put_str(b, "name", f->name);
            put_int(b, "vcpus", f->vcpus);
            put_int(b, "memory_mb", f->memory_mb);
            put_int(b, "root_gb", f->root_gb);
            if (f->ephemeral_gb)
                put_int(b, "ephemeral_gb", f->ephemeral_gb);
            if (f->swap)
                put_int(b, "swap", f->swap);
            if (f->extra_specs.n)
                put_kvs(b, "extra_specs", &f->extra_specs);
            end_group(b, i + 1 < c->flavors.n);
        }
        sbuf_add(b, ");\n");
    }
    /* always written: an absent list means the default image */
    sbuf_add(b, "images = (\n");
    for (int i = 0; i < c->images.n; i++) {
        const image *im = &c->images.v[i];
        sbuf_add(b, "  { ");
        put_str(b, "name", im->name);
        if (im->disk_format && !nv_streq(im->disk_format, "qcow2"))
            put_str(b, "disk_format", im->disk_format);
        if (im->min_disk)
            put_int(b, "min_disk", im->min_disk);
        if (im->min_ram)
            put_int(b, "min_ram", im->min_ram);
        if (im->properties.n)
            put_kvs(b, "properties", &im->properties);
        end_group(b, i + 1 < c->images.n);
    }
    sbuf_add(b, ");\n");
    if (c->groups.n) {
        sbuf_add(b, "groups = (\n");
        for (int i = 0; i < c->groups.n; i++) {
            const group *g = &c->groups.v[i];
            sbuf_add(b, "  { ");
            put_str(b, "name", g->name);
            put_str(b, "policy", group_policy_names[g->policy]);
            if (g->policy == POLICY_ANTI_AFFINITY && g->max_server_per_host != 1)
                put_int(b, "max_server_per_host", g->max_server_per_host);
            end_group(b, i + 1 < c->groups.n);
        }
        sbuf_add(b, ");\n");
    }
}

static void save_spec(sbuf *b, const persisted_spec *p)
{
    if (p->num_instances == 1 && !p->availability_zone && !p->hints.n && !p->ignore_hosts.n &&
        !p->force_hosts.n && !p->force_nodes.n && !p->requested_host)
        return;
    end_line(b);
    sbuf_add(b, "    request_spec = { ");
    if (p->num_instances != 1)
        put_int(b, "num_instances", p->num_instances);
    if (p->availability_zone)
        put_str(b, "availability_zone", p->availability_zone);
    if (p->hints.n)
        put_kvs(b, "hints", &p->hints);
    if (p->ignore_hosts.n)
        put_strs(b, "ignore_hosts", &p->ignore_hosts);
    if (p->force_hosts.n)
        put_strs(b, "force_hosts", &p->force_hosts);
    if (p->force_nodes.n)
        put_strs(b, "force_nodes", &p->force_nodes);
    if (p->requested_host)
        put_str(b, "requested_host", p->requested_host);
    sbuf_add(b, "}; ");
}

static void save_servers(sbuf *b, const cloud *c)
{
    int last = -1;
    for (int i = 0; i < c->servers.n; i++)
        if (!c->servers.v[i].deleted && c->servers.v[i].host >= 0)
            last = i;
    for (int i = 0; i < c->servers.n; i++) {
        const server *s = &c->servers.v[i];
        if (!s->deleted && s->host < 0) {
            /* the format has no way to express a server Nova keeps in cell0 */
            sbuf_add(b, "# not saved: server ");
            put_quoted(b, s->name);
            sbuf_addf(b, " has no host (vm_state %s)\n", s->vm_state ? s->vm_state : "none");
        }
    }
    if (last < 0)
        return;
    sbuf_add(b, "servers = (\n");
    for (int i = 0; i <= last; i++) {
        const server *s = &c->servers.v[i];
        if (s->deleted || s->host < 0)
            continue;
        sbuf_add(b, "  { ");
        put_str(b, "name", s->name);
        put_str(b, "flavor", c->flavors.v[s->flavor].name);
        if (s->image >= 0 && (s->boot_from_volume || s->image != 0))
            put_str(b, "image", c->images.v[s->image].name);
        put_str(b, "host", c->hosts.v[s->host].name);
        if (s->group >= 0)
            put_str(b, "group", c->groups.v[s->group].name);
        if (!nv_streq(s->project, "demo"))
            put_str(b, "project", s->project);
        if (!nv_streq(s->vm_state, "active"))
            put_str(b, "vm_state", s->vm_state);
        if (s->task_state)
            put_str(b, "task_state", s->task_state);
        if (s->boot_from_volume)
            put_bool(b, "boot_from_volume", true);
        if (s->locked)
            put_bool(b, "locked", true);
        if (s->fault)
            put_str(b, "fault", s->fault);
        save_spec(b, server_spec(s));
        end_group(b, i < last);
    }
    sbuf_add(b, ");\n");
}

static void save_expect(sbuf *b, const expect *ex)
{
    end_line(b);
    sbuf_add(b, "    expect = { ");
    for (int i = 0; i < N_EXPECT_STRS; i++) {
        const char *v = *(char *const *)((const char *)ex + expect_strs[i].off);
        if (v)
            put_str(b, expect_strs[i].key, v);
    }
    if (ex->has_hosts)
        put_strs(b, "hosts", &ex->hosts);
    if (ex->has_plan)
        put_strs(b, "plan", &ex->plan);
    if (ex->n_usage) {
        sbuf_add(b, "usage = ( ");
        for (int i = 0; i < ex->n_usage; i++) {
            const expect_usage *u = &ex->usage[i];
            sbuf_add(b, i ? ", { " : "{ ");
            put_str(b, "host", u->host);
            for (int r = 0; r < RC_COUNT; r++)
                if (u->has[r])
                    put_int(b, rc_names[r], u->amount[r]);
            sbuf_add(b, "}");
        }
        sbuf_add(b, " ); ");
    }
    sbuf_add(b, "}; ");
}

/* config-set's options as the `config` group: { SECTION = { OPTION = value; }; } */
static void save_step_options(sbuf *b, const command *cmd)
{
    sbuf_add(b, "config = { ");
    for (int i = 0; i < cmd->props.n; i++) {
        const nova_option *o = nova_option_lookup(cmd->props.v[i].key);
        bool seen = false;
        for (int k = 0; k < i && o && !seen; k++) {
            const nova_option *p = nova_option_lookup(cmd->props.v[k].key);
            seen = p && !strcmp(p->section, o->section);
        }
        if (!o || seen)
            continue;
        /* one group per section, its options in the order given */
        sbuf_addf(b, "%s = { ", o->section);
        for (int k = i; k < cmd->props.n; k++) {
            const nova_option *p = nova_option_lookup(cmd->props.v[k].key);
            if (!p || strcmp(p->section, o->section))
                continue;
            const char *v = cmd->props.v[k].value;
            if (p->type == OPT_STRING || p->type == OPT_STRLIST || p->type == OPT_FILTERS ||
                p->type == OPT_WEIGHERS)
                put_str(b, p->name, v);
            else
                sbuf_addf(b, "%s = %s; ", p->name, v);
        }
        sbuf_add(b, "}; ");
    }
    sbuf_add(b, "}; ");
}

/* One step from the op's descriptors: what the loader reads back. */
static void save_step(sbuf *b, const command *cmd)
{
    const cmd_desc *d = &cmd_table[cmd->op];
    sbuf_add(b, "  { ");
    put_str(b, "op", op_names[cmd->op]);
    strlist vals = {0};
    for (int i = 0; i < step_nargs(cmd->op); i++) {
        const cmd_arg *a = &d->args[i];
        if (!cmd_arg_present(cmd, a))
            continue;
        strlist_free(&vals);
        cmd_arg_values(cmd, a, &vals);
        switch (a->type) {
        case ARG_INT:
            if (a->off != ARG_NO_FIELD) {
                /* what the loader assumes when absent: 1, max_count = min_count */
                int64_t v = *(const int64_t *)((const char *)cmd + a->off);
                int64_t def = a->off == offsetof(command, max_count)
                                  ? (cmd->min_count > 1 ? cmd->min_count : 1)
                                  : 1;
                if (v > def)
                    put_int(b, a->key, v);
            } else {
                put_int(b, a->key, strtoll(vals.v[0], NULL, 10));
            }
            break;
        case ARG_FLOAT:
        case ARG_BOOL:
            sbuf_addf(b, "%s = %s; ", a->key, vals.v[0]);
            break;
        case ARG_TRISTATE:
            if (strcmp(vals.v[0], "auto") != 0)
                sbuf_addf(b, "%s = %s; ", a->key, strcmp(vals.v[0], "true") == 0 ? "true" : "false");
            break;
        case ARG_LIST:
        case ARG_KVLIST:
            put_strs(b, a->key, &vals);
            break;
        case ARG_OPTION:
            save_step_options(b, cmd);
            break;
        case ARG_GROUPS:
            sbuf_addf(b, "%s = (", a->key);
            int n_sub;
            const cmd_arg *sub = cmd_arg_sub(a, &n_sub);
            for (int k = 0; k < vals.n; k++) {
                strlist kvs = {0};
                nv_split_strip(&kvs, vals.v[k], ',');
                sbuf_add(b, k ? ", { " : " { ");
                for (int j = 0; j < kvs.n; j++) {
                    char *kk, *vv;
                    kv_split(kvs.v[j], &kk, &vv);
                    const cmd_arg *sa = NULL;
                    for (int m = 0; m < n_sub; m++)
                        if (!strcmp(sub[m].key, kk))
                            sa = &sub[m];
                    if (sa && sa->type == ARG_INT)
                        put_int(b, kk, strtoll(vv, NULL, 10));
                    else
                        put_str(b, kk, vv);
                    free(kk);
                    free(vv);
                }
                sbuf_add(b, "}");
                strlist_free(&kvs);
            }
            sbuf_add(b, " ); ");
            break;
        default:
            put_str(b, a->key, vals.v[0]);
            break;
        }
    }
    strlist_free(&vals);
    if (cmd->ex.present)
        save_expect(b, &cmd->ex);
}

static void save_steps(sbuf *b, const command *steps, int n_steps);

static void save_text(sbuf *b, const cloud *c, const command *steps, int n_steps)
{
    sbuf_add(b, "# novalid scenario\n");
    put_str(b, "name", c->name ? c->name : "saved scenario");
    end_line(b);
    if (c->description && c->description[0]) {
        put_str(b, "description", c->description);
        end_line(b);
    }
    put_str(b, "release", release_name(c->conf.release));
    end_line(b);
    save_config(b, c);
    save_hosts(b, c);
    save_catalog(b, c);
    save_servers(b, c);
    if (n_steps > 0)
        save_steps(b, steps, n_steps);
}

static void save_steps(sbuf *b, const command *steps, int n_steps)
{
    sbuf_add(b, "steps = (\n");
    for (int i = 0; i < n_steps; i++) {
        save_step(b, &steps[i]);
        end_group(b, i + 1 < n_steps);
    }
    sbuf_add(b, ");\n");
}

char *scenario_steps_text(const command *steps, int n_steps)
{
    sbuf b = {0};
    sbuf_add(&b, "");
    if (n_steps > 0)
        save_steps(&b, steps, n_steps);
    return sbuf_take(&b);
}

char *scenario_replace_steps(const scenario *sc, const char *text, const cloud *start,
                             const command *steps, int n_steps)
{
    sbuf b = {0};
    const char *p = text;
    if (sc->steps_line > 0 && sc->steps_last) {
        /* the lines before `steps`, as written */
        for (int line = 1; line < sc->steps_line && *p; line++) {
            const char *nl = strchr(p, '\n');
            p = nl ? nl + 1 : p + strlen(p);
        }
        sbuf_addn(&b, text, (size_t)(p - text));
    } else if (sc->steps_line == 0) {
        sbuf_add(&b, text);
        if (b.len && b.s[b.len - 1] != '\n')
            sbuf_addc(&b, '\n');
    } else {
        /* the leading comment lines, then the start state anew */
        while (*p == '#') {
            const char *nl = strchr(p, '\n');
            p = nl ? nl + 1 : p + strlen(p);
        }
        sbuf_addn(&b, text, (size_t)(p - text));
        char *t = scenario_text(start, NULL, 0);
        sbuf_add(&b, t);
        free(t);
    }
    if (n_steps > 0)
        save_steps(&b, steps, n_steps);
    if (!b.s)
        sbuf_add(&b, "");
    return sbuf_take(&b);
}

char *scenario_text(const cloud *c, const command *steps, int n_steps)
{
    sbuf b = {0};
    save_text(&b, c, steps, n_steps);
    return sbuf_take(&b);
}

bool scenario_save(const char *path, const cloud *c, const command *steps, int n_steps,
                   char *err, size_t errlen)
{
    sbuf b = {0};
    save_text(&b, c, steps, n_steps);
    bool ok = scenario_write_text(path, b.s ? b.s : "", err, errlen);
    sbuf_free(&b);
    return ok;
}

bool scenario_write_text(const char *path, const char *text, char *err, size_t errlen)
{
    char dummy[1];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    return textfile_write(path, text, strlen(text), err, errlen);
}
