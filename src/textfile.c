/*
 * textfile.c - see textfile.h.
 */
#include "textfile.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

char *textfile_read(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; what is not a
     * regular file (FIFO, device, directory, socket) is refused before a
     * byte is read */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s", S_ISDIR(st.st_mode) ? "is a directory"
                                                       : "not a regular file");
        close(fd);
        return NULL;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        close(fd);
        return NULL;
    }
    sbuf b = {0};
    char chunk[65536];
    size_t got;
    bool too_big = false;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + got > max) {
            too_big = true;
            break;
        }
        sbuf_addn(&b, chunk, got);
    }
    bool failed = ferror(f) != 0;
    int e = errno;
    fclose(f);
    if (too_big || failed) {
        if (too_big)
            snprintf(err, errlen, "file too large (more than %zu bytes)", max);
        else
            snprintf(err, errlen, "cannot read: %s", strerror(e));
        sbuf_free(&b);
        return NULL;
    }
    if (!b.s)
        sbuf_add(&b, "");
    *len = b.len;
    return sbuf_take(&b);
}

/* ---- the libconfig lexer, as far as the checks need it ------------------------ */

/* One pass over libconfig 1.5's tokens (comments, strings, names, numbers,
 * brackets).  For each integer literal it calls `on_int` with the literal's
 * extent, whether it fits in 64 bits and whether libconfig would read it as
 * a 32-bit int (no L suffix: libconfig 1.5 truncates such a literal to 32
 * bits silently, so 4294967304 would become 8).  For each setting name it
 * counts the settings of the enclosing group. */
typedef struct lexer {
    const char *text;
    size_t len;
    void (*report)(void *ctx, int line, enum textfile_problem what, const char *detail);
    void *ctx;
    sbuf *widened;        /* non-NULL: build the widened copy here */
    size_t copied;        /* text[0..copied) is in *widened */
    int max_settings;
    bool needs_widening;
    /* the top-level lists of groups, for textfile_scan_split(); NULL: not asked */
    struct lex_lists *lists;
} lexer;

/* Element ends of the top-level lists: of the current one, and of the
 * largest closed so far, at most LEX_MARKS each (about every `stride`
 * bytes; the stride doubles when they run out). */
enum { LEX_MARKS = 1024 };
typedef struct lex_mark {
    size_t at;
    int line;
} lex_mark;
typedef struct lex_list {
    size_t name_at, name_len, open, close;
    int close_line, n;
    lex_mark mark[LEX_MARKS];
} lex_list;
typedef struct lex_lists {
    size_t stride0, stride, next;
    size_t name_at, name_len;   /* the last name at the top level */
    bool in_list;
    lex_list cur, best;
    const char *text;
    const char *const *names;   /* the lists that may be split */
} lex_lists;

static bool list_named(const lex_lists *ll, const lex_list *l)
{
    for (const char *const *n = ll->names; *n; n++)
        if (strlen(*n) == l->name_len && !memcmp(*n, ll->text + l->name_at, l->name_len))
            return true;
    return false;
}

static void mark_add(lex_lists *ll, size_t at, int line)
{
    lex_list *l = &ll->cur;
    if (at < ll->next)
        return;
    if (l->n == LEX_MARKS) {   /* keep every other one, twice as far apart */
        for (int i = 0; i < LEX_MARKS / 2; i++)
            l->mark[i] = l->mark[2 * i + 1];
        l->n = LEX_MARKS / 2;
        ll->stride *= 2;
    }
    l->mark[l->n].at = at;
    l->mark[l->n].line = line;
    l->n++;
    ll->next = at + ll->stride;
}

enum { LEX_MAX_DEPTH = 256 };

/* ASCII classes, as libconfig's scanner has them ([A-Za-z], [0-9]): no
 * locale, and no call per character */
static inline bool lex_alpha(char c) { return (unsigned)(((unsigned char)c | 0x20) - 'a') < 26; }
static inline bool lex_digit(char c) { return (unsigned)((unsigned char)c - '0') < 10; }
static inline bool lex_xdigit(char c)
{
    return lex_digit(c) || (unsigned)(((unsigned char)c | 0x20) - 'a') < 6;
}

/* the separators and blanks between tokens: skipped at once */
static const unsigned char lex_skip[256] = {
    [' '] = 1, ['\t'] = 1, ['\r'] = 1, [';'] = 1, ['='] = 1, [','] = 1,
};

/* s[0..n) is `word` (lower case) in any case */
static inline bool lex_word_ci(const char *s, size_t n, const char *word)
{
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] | 0x20) != (unsigned char)word[i])
            return false;
    return true;
}

static bool name_char(char c)
{
    return lex_alpha(c) || lex_digit(c) || c == '-' || c == '_' || c == '*';
}

static void lex_int(lexer *lx, const char *start, const char *end, bool neg, bool hex, bool fits64,
                    uint64_t mag, bool suffix, int line)
{
    if (!fits64) {
        if (lx->report) {
            char lit[48];
            size_t n = (size_t)(end - start);
            if (n >= sizeof lit)
                snprintf(lit, sizeof lit, "%.*s...", (int)sizeof lit - 4, start);
            else
                snprintf(lit, sizeof lit, "%.*s", (int)n, start);
            lx->report(lx->ctx, line, TEXTFILE_INT_RANGE, lit);
        }
        return;
    }
    if (suffix)
        return;
    bool fits32 = hex ? mag <= 0x7FFFFFFFu : neg ? mag <= 0x80000000u : mag <= 0x7FFFFFFFu;
    if (fits32)
        return;
    lx->needs_widening = true;
    if (lx->widened) {
        sbuf_addn(lx->widened, lx->text + lx->copied, (size_t)(end - lx->text) - lx->copied);
        sbuf_addc(lx->widened, 'L');
        lx->copied = (size_t)(end - lx->text);
    }
}

static void lex_run(lexer *lx)
{
    const char *p = lx->text, *end = lx->text + lx->len;
    int line = 1;
    int depth = 0;
    /* settings counted per open bracket; only '{' frames (and the root) hold settings */
    int count[LEX_MAX_DEPTH + 1];
    bool group[LEX_MAX_DEPTH + 1], reported[LEX_MAX_DEPTH + 1];
    count[0] = 0;
    group[0] = true;
    reported[0] = false;
    while (p < end) {
        char c = *p;
        /* the separators and blanks between tokens, most of a file */
        if (lex_skip[(unsigned char)c]) {
            p++;
            continue;
        }
        if (c == '\n') {
            line++;
            p++;
        } else if (c == '#' || (c == '/' && p + 1 < end && p[1] == '/')) {
            while (p < end && *p != '\n')
                p++;
        } else if (c == '/' && p + 1 < end && p[1] == '*') {
            p += 2;
            while (p < end && !(*p == '*' && p + 1 < end && p[1] == '/')) {
                if (*p == '\n')
                    line++;
                p++;
            }
            p = p < end ? p + 2 : end;
        } else if (c == '"') {
            p++;
            while (p < end && *p != '"') {
                if (*p == '\\' && p + 1 < end)
                    p++;
                if (*p == '\n')
                    line++;
                p++;
            }
            if (p < end)
                p++;
        } else if (lex_alpha(c) || c == '*') {
            const char *s = p;
            while (p < end && name_char(*p))
                p++;
            size_t n = (size_t)(p - s);
            if (depth == 0 && lx->lists) {
                lx->lists->name_at = (size_t)(s - lx->text);
                lx->lists->name_len = n;
            }
            bool boolean = (n == 4 && lex_word_ci(s, 4, "true")) ||
                           (n == 5 && lex_word_ci(s, 5, "false"));
            if (!boolean && depth <= LEX_MAX_DEPTH && group[depth] &&
                ++count[depth] > lx->max_settings && !reported[depth]) {
                reported[depth] = true;
                lx->report(lx->ctx, line, TEXTFILE_GROUP_SIZE, NULL);
            }
        } else if (c == '{' || c == '(' || c == '[') {
            if (depth == 0 && c == '(' && lx->lists) {
                lex_lists *ll = lx->lists;
                ll->in_list = true;
                ll->cur.name_at = ll->name_at;
                ll->cur.name_len = ll->name_len;
                ll->cur.open = (size_t)(p - lx->text);
                ll->cur.n = 0;
                ll->stride = ll->stride0;
                ll->next = 0;
            }
            depth++;
            if (depth <= LEX_MAX_DEPTH) {
                count[depth] = 0;
                group[depth] = c == '{';
                reported[depth] = false;
            }
            p++;
        } else if (c == '}' || c == ')' || c == ']') {
            if (depth > 0)
                depth--;
            if (lx->lists && lx->lists->in_list && depth <= 1) {
                lex_lists *ll = lx->lists;
                if (depth == 1 && c == '}')
                    mark_add(ll, (size_t)(p + 1 - lx->text), line);
                else if (depth == 0) {
                    ll->in_list = false;
                    ll->cur.close = (size_t)(p - lx->text);
                    ll->cur.close_line = line;
                    if (c == ')' && ll->cur.n && list_named(ll, &ll->cur) &&
                        (!ll->best.n || ll->cur.close - ll->cur.open >
                                            ll->best.close - ll->best.open))
                        ll->best = ll->cur;
                }
            }
            p++;
        } else if (lex_digit(c) ||
                   ((c == '-' || c == '+' || c == '.') && p + 1 < end &&
                    (lex_digit(p[1]) || (p[1] == '.' && c != '.')))) {
            const char *s = p;
            bool neg = c == '-';
            if (c == '-' || c == '+')
                p++;
            bool hex = p + 1 < end && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && p + 2 < end &&
                       lex_xdigit(p[2]);
            uint64_t mag = 0;
            bool fits = true;
            if (hex) {
                p += 2;
                while (p < end && lex_xdigit(*p)) {
                    int d = lex_digit(*p) ? *p - '0' : (((unsigned char)*p | 0x20) - 'a' + 10);
                    if (mag > (UINT64_MAX >> 4))
                        fits = false;
                    mag = (mag << 4) | (uint64_t)d;
                    p++;
                }
                /* libconfig reads hex64 with strtoull and keeps the bits:
                 * above INT64_MAX it turns negative */
                if (mag > (uint64_t)INT64_MAX)
                    fits = false;
            } else {
                while (p < end && lex_digit(*p)) {
                    uint64_t d = (uint64_t)(*p - '0');
                    if (mag > (UINT64_MAX - d) / 10)
                        fits = false;
                    else
                        mag = mag * 10 + d;
                    p++;
                }
                if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) {
                    /* a float: libconfig reads it with strtod */
                    while (p < end && (lex_digit(*p) || *p == '.' || *p == 'e' ||
                                       *p == 'E' || *p == '+' || *p == '-'))
                        p++;
                    continue;
                }
                if (mag > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
                    fits = false;
            }
            const char *num_end = p;
            bool suffix = p < end && *p == 'L';
            if (suffix) {
                p++;
                if (p < end && *p == 'L')
                    p++;
            }
            lex_int(lx, s, num_end, neg, hex, fits, mag, suffix, line);
        } else {
            p++;
        }
    }
}

static bool scan(const char *text, size_t len,
                 void (*report)(void *ctx, int line, enum textfile_problem what,
                                const char *detail),
                 void *ctx, lex_lists *lists)
{
    const char *p = text, *end = text + len;
    /* the lines looked at one by one only when there is something to find */
    if (!memchr(text, '\0', len) && !memchr(text, '@', len))
        p = end;
    for (int line = 1; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *q = p;
        while (q < eol && (*q == ' ' || *q == '\t'))
            q++;
        if (eol - q >= 8 && memcmp(q, "@include", 8) == 0)
            report(ctx, line, TEXTFILE_INCLUDE, NULL);
        if (memchr(p, '\0', (size_t)(eol - p)))
            report(ctx, line, TEXTFILE_NUL, NULL);
        if (!nl)
            break;
        p = nl + 1;
    }
    lexer lx = {text, len, report, ctx, NULL, 0, TEXTFILE_MAX_SETTINGS, false, lists};
    lex_run(&lx);
    return lx.needs_widening;
}

bool textfile_scan(const char *text, size_t len,
                   void (*report)(void *ctx, int line, enum textfile_problem what,
                                  const char *detail),
                   void *ctx)
{
    return scan(text, len, report, ctx, NULL);
}

/* text[at..) past blanks and comments to a comma and on to the '{' of
 * the next element: just after the comma, with its line in *line; 0 when
 * something else comes first (a list ending in a comma, which libconfig
 * refuses, must not become two lists it accepts). */
static size_t after_comma(const char *text, size_t len, size_t at, int *line)
{
    const char *p = text + at, *end = text + len;
    size_t comma = 0;
    int comma_line = 0;
    while (p < end) {
        if (*p == ',' && !comma) {
            comma = (size_t)(p + 1 - text);
            comma_line = *line;
            p++;
            continue;
        } else if (*p == '{' && comma) {
            *line = comma_line;
            return comma;
        } else if (*p == ',' || *p == '{') {
            return 0;
        }
        if (*p == '\n')
            ++*line;
        else if (*p == '#' || (*p == '/' && p + 1 < end && p[1] == '/')) {
            while (p < end && *p != '\n')
                p++;
            continue;
        } else if (*p == '/' && p + 1 < end && p[1] == '*') {
            p += 2;
            while (p < end && !(*p == '*' && p + 1 < end && p[1] == '/')) {
                if (*p == '\n')
                    ++*line;
                p++;
            }
            if (p == end)
                return 0;
            p++;
        } else if (*p != ' ' && *p != '\t' && *p != '\r') {
            return 0;
        }
        p++;
    }
    return 0;
}

bool textfile_scan_split(const char *text, size_t len,
                         void (*report)(void *ctx, int line, enum textfile_problem what,
                                        const char *detail),
                         void *ctx, const char *const *names, size_t min, double share,
                         textfile_split *out)
{
    memset(out, 0, sizeof *out);
    lex_lists *ll = nv_calloc(1, sizeof *ll);
    ll->stride0 = len / (LEX_MARKS / 2) + 1;
    ll->text = text;
    ll->names = names;
    bool widen = scan(text, len, report, ctx, ll);
    const lex_list *b = &ll->best;
    if (b->n && b->close - b->open >= min && b->name_len < sizeof out->name) {
        /* the element end that leaves the second half nearest its share */
        double want = (double)len * share;
        int pick = -1;
        double gap = 0;
        for (int i = 0; i < b->n; i++) {
            double g = fabs((double)(b->close - b->mark[i].at) - want);
            if (pick < 0 || g < gap) {
                pick = i;
                gap = g;
            }
        }
        int line = b->mark[pick].line;
        size_t resume = after_comma(text, b->close, b->mark[pick].at, &line);
        if (resume) {
            out->found = true;
            memcpy(out->name, text + b->name_at, b->name_len);
            out->name[b->name_len] = '\0';
            out->open = b->open;
            out->cut = b->mark[pick].at;
            out->resume = resume;
            out->close = b->close;
            out->cut_line = b->mark[pick].line;
            out->resume_line = line;
            out->close_line = b->close_line;
        }
    }
    free(ll);
    return widen;
}

char *textfile_widen(const char *text, size_t len)
{
    lexer lx = {text, len, NULL, NULL, NULL, 0, INT_MAX, false, NULL};
    lx.report = NULL;
    sbuf b = {0};
    lx.widened = &b;
    lex_run(&lx);
    if (!lx.needs_widening) {
        sbuf_free(&b);
        return NULL;
    }
    sbuf_addn(&b, text + lx.copied, len - lx.copied);
    return sbuf_take(&b);
}

/* ---- writing ------------------------------------------------------------------------- */

static bool write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return false;
        }
        data += n;
        len -= (size_t)n;
    }
    return true;
}

static bool replace_file(const char *path, const char *data, size_t len, bool durable, char *err,
                         size_t errlen)
{
    bool ok = false;
    char *target = NULL, *tmp = NULL;
    int fd = -1;
    struct stat st;
    bool exists = false;

    /* a symbolic link is followed on purpose: the file it names is replaced
     * and the link stays a link */
    if (lstat(path, &st) == 0) {
        target = realpath(path, NULL);
        if (!target) {
            snprintf(err, errlen, "cannot write %s: %s", path,
                     errno == ENOENT ? "a symbolic link to a missing file" : strerror(errno));
            goto out;
        }
        if (stat(target, &st) != 0) {
            snprintf(err, errlen, "cannot write %s: %s", target, strerror(errno));
            goto out;
        }
        if (!S_ISREG(st.st_mode)) {
            snprintf(err, errlen, "cannot write %s: not a regular file", target);
            goto out;
        }
        exists = true;
    } else if (errno == ENOENT) {
        target = nv_strdup(path);
    } else {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }

    /* a fresh name in the target's directory (mkstemp: O_CREAT | O_EXCL, so
     * nothing planted there is written through), then rename over it */
    const char *slash = strrchr(target, '/');
    char *dir = slash ? nv_strndup(target, slash == target ? 1 : (size_t)(slash - target))
                      : nv_strdup(".");
    const char *base = slash ? slash + 1 : target;
    tmp = nv_printf("%s/.%s.XXXXXX", dir, base);
    fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a temporary file in %s: %s", dir, strerror(errno));
        free(dir);
        free(tmp);
        tmp = NULL;
        goto out;
    }
    /* the original file's mode and owner; a new file gets 0666 less umask */
    mode_t mode;
    if (exists) {
        mode = st.st_mode & 07777;
        if (fchown(fd, st.st_uid, st.st_gid) != 0) {
            /* not ours to give away: keep our own ownership */
        }
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    if (fchmod(fd, mode) != 0 || !write_all(fd, data, len) || (durable && fsync(fd) != 0)) {
        snprintf(err, errlen, "cannot write %s: %s", target, strerror(errno));
        free(dir);
        goto out;
    }
    int fd2 = fd;
    fd = -1;
    if (close(fd2) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", target, strerror(errno));
        free(dir);
        goto out;
    }
    if (rename(tmp, target) != 0) {
        snprintf(err, errlen, "cannot replace %s: %s", target, strerror(errno));
        free(dir);
        goto out;
    }
    free(tmp);
    tmp = NULL;
    if (!durable) {
        free(dir);
        ok = true;
        goto out;
    }
    /* the rename itself must reach the disk */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0) {
        snprintf(err, errlen, "cannot sync the directory %s: %s", dir, strerror(errno));
        if (dfd >= 0)
            close(dfd);
        free(dir);
        goto out;
    }
    close(dfd);
    free(dir);
    ok = true;
out:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    free(target);
    return ok;
}

bool textfile_write(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
    return replace_file(path, data, len, true, err, errlen);
}

bool textfile_replace(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
    return replace_file(path, data, len, false, err, errlen);
}
