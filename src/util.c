/*
 * util.c - see util.h.
 */
#include "util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void (*fatal_hook)(void);

void nv_set_fatal_hook(void (*hook)(void)) { fatal_hook = hook; }

void nv_fatal(const char *fmt, ...)
{
    va_list ap;
    if (fatal_hook) {
        void (*h)(void) = fatal_hook;
        fatal_hook = NULL;
        h();
    }
    fputs("novalid: fatal: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void *nv_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        nv_fatal("out of memory (%zu bytes)", n);
    return p;
}

void *nv_calloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        nv_fatal("out of memory (%zu x %zu bytes)", nmemb, size);
    return p;
}

void *nv_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        nv_fatal("out of memory (%zu bytes)", n);
    return q;
}

char *nv_strdup(const char *s)
{
    if (!s)
        return NULL;
    return nv_strndup(s, strlen(s));
}

char *nv_strndup(const char *s, size_t n)
{
    char *p = nv_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *nv_printf(const char *fmt, ...)
{
    sbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    sbuf_vaddf(&b, fmt, ap);
    va_end(ap);
    return sbuf_take(&b);
}

/* ---- intvec ----------------------------------------------------------- */

void intvec_push(intvec *l, int x) { NV_PUSH(*l, x); }

void intvec_free(intvec *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

void intvec_copy(intvec *dst, const intvec *src)
{
    memset(dst, 0, sizeof *dst);
    if (src->n) {
        dst->v = nv_malloc((size_t)src->n * sizeof *dst->v);
        memcpy(dst->v, src->v, (size_t)src->n * sizeof *dst->v);
        dst->n = dst->cap = src->n;
    }
}

int intvec_find(const intvec *l, int x)
{
    for (int i = 0; i < l->n; i++)
        if (l->v[i] == x)
            return i;
    return -1;
}

void intvec_remove(intvec *l, int x)
{
    int i = intvec_find(l, x);
    if (i < 0)
        return;
    memmove(l->v + i, l->v + i + 1, (size_t)(l->n - i - 1) * sizeof *l->v);
    l->n--;
}

/* ---- strlist ---------------------------------------------------------- */

void strlist_push(strlist *l, const char *s) { NV_PUSH(*l, nv_strdup(s)); }

void strlist_free(strlist *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

void strlist_copy(strlist *dst, const strlist *src)
{
    memset(dst, 0, sizeof *dst);
    for (int i = 0; i < src->n; i++)
        strlist_push(dst, src->v[i]);
}

int strlist_find(const strlist *l, const char *s)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return i;
    return -1;
}

int strlist_find_ci(const strlist *l, const char *s)
{
    for (int i = 0; i < l->n; i++)
        if (strcasecmp(l->v[i], s) == 0)
            return i;
    return -1;
}

/* ---- kvlist ----------------------------------------------------------- */

void kvlist_push(kvlist *l, const char *key, const char *value)
{
    kv e = {nv_strdup(key), nv_strdup(value)};
    NV_PUSH(*l, e);
}

void kvlist_free(kvlist *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->v[i].key);
        free(l->v[i].value);
    }
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

void kvlist_copy(kvlist *dst, const kvlist *src)
{
    memset(dst, 0, sizeof *dst);
    for (int i = 0; i < src->n; i++)
        kvlist_push(dst, src->v[i].key, src->v[i].value);
}

const char *kvlist_get(const kvlist *l, const char *key)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->v[i].key, key) == 0)
            return l->v[i].value;
    return NULL;
}

bool kv_split(const char *s, char **key, char **value)
{
    const char *eq = strchr(s, '=');
    if (!eq)
        return false;
    *key = nv_strndup(s, (size_t)(eq - s));
    *value = nv_strdup(eq + 1);
    return true;
}

/* ---- sbuf ------------------------------------------------------------- */

static void sbuf_reserve(sbuf *b, size_t extra)
{
    if (b->len + extra + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + extra + 1)
            cap *= 2;
        b->s = nv_realloc(b->s, cap);
        b->cap = cap;
    }
}

void sbuf_addn(sbuf *b, const char *s, size_t n)
{
    sbuf_reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sbuf_add(sbuf *b, const char *s) { sbuf_addn(b, s, strlen(s)); }

void sbuf_addc(sbuf *b, char c) { sbuf_addn(b, &c, 1); }

void sbuf_vaddf(sbuf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        nv_fatal("bad format string %s", fmt);
    sbuf_reserve(b, (size_t)n);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void sbuf_addf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sbuf_vaddf(b, fmt, ap);
    va_end(ap);
}

void sbuf_json_str(sbuf *b, const char *s)
{
    if (!s) {
        sbuf_add(b, "null");
        return;
    }
    sbuf_addc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': sbuf_add(b, "\\\""); break;
        case '\\': sbuf_add(b, "\\\\"); break;
        case '\n': sbuf_add(b, "\\n"); break;
        case '\t': sbuf_add(b, "\\t"); break;
        case '\r': sbuf_add(b, "\\r"); break;
        default:
            if (*p < 0x20)
                sbuf_addf(b, "\\u%04x", *p);
            else
                sbuf_addc(b, (char)*p);
        }
    }
    sbuf_addc(b, '"');
}

void nv_fmt_double(char *out, size_t n, double d)
{
    /* Python's repr(float): the shortest digits that read back, in fixed
     * notation when the decimal exponent is in [-4, 16), else 1.5e+16. */
    if (isnan(d)) {
        snprintf(out, n, "nan");
        return;
    }
    if (isinf(d)) {
        snprintf(out, n, d < 0 ? "-inf" : "inf");
        return;
    }
    char e[40];
    int prec = 1;
    for (; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, d);
        if (strtod(e, NULL) == d)
            break;
    }
    const char *ep = strchr(e, 'e');
    int exp10 = ep ? atoi(ep + 1) : 0;
    if (exp10 >= -4 && exp10 < 16) {
        int decimals = prec - 1 - exp10;
        if (decimals < 1)
            decimals = 1;
        snprintf(out, n, "%.*f", decimals, d);
        /* drop trailing zeros beyond the first decimal */
        char *dot = strchr(out, '.');
        if (dot) {
            char *end = out + strlen(out) - 1;
            while (end > dot + 1 && *end == '0')
                *end-- = '\0';
        }
        return;
    }
    /* mantissa without trailing zeros, exponent with sign and 2+ digits */
    char mant[40];
    snprintf(mant, sizeof mant, "%.*s", (int)(ep - e), e);
    if (strchr(mant, '.')) {
        char *end = mant + strlen(mant) - 1;
        while (*end == '0')
            *end-- = '\0';
        if (*end == '.')
            *end = '\0';
    }
    snprintf(out, n, "%se%c%02d", mant, exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
}

void sbuf_json_num(sbuf *b, double d)
{
    char tmp[64];
    if (!isfinite(d)) {
        sbuf_add(b, "null");
        return;
    }
    nv_fmt_double(tmp, sizeof tmp, d);
    sbuf_add(b, tmp);
}

void sbuf_reset(sbuf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

void sbuf_free(sbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

char *sbuf_take(sbuf *b)
{
    char *s = b->s ? b->s : nv_strdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

/* ---- strings ---------------------------------------------------------- */

void nv_split_strip(strlist *out, const char *s, char sep)
{
    const char *p = s;
    while (1) {
        const char *e = strchr(p, sep);
        const char *end = e ? e : p + strlen(p);
        const char *a = p, *z = end;
        while (a < z && isspace((unsigned char)*a))
            a++;
        while (z > a && isspace((unsigned char)z[-1]))
            z--;
        if (z > a) {
            char *part = nv_strndup(a, (size_t)(z - a));
            NV_PUSH(*out, part);
        }
        if (!e)
            break;
        p = e + 1;
    }
}

bool nv_streq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

bool nv_strcaseeq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcasecmp(a, b) == 0;
}

int nv_levenshtein(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    int d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int c = a[i - 1] == b[j - 1] ? 0 : 1;
            int m = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < m)
                m = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + c < m)
                m = d[i - 1][j - 1] + c;
            d[i][j] = m;
        }
    return d[la][lb];
}

/* ---- rng -------------------------------------------------------------- */

void nv_rng_seed(nv_rng *r, uint64_t seed)
{
    /* splitmix64 of the seed, never zero */
    uint64_t z = seed + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    r->s = z ? z : 0x2545F4914F6CDD1DULL;
}

uint64_t nv_rng_next(nv_rng *r)
{
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

int nv_rng_below(nv_rng *r, int n)
{
    if (n <= 1)
        return 0;
    return (int)(nv_rng_next(r) % (uint64_t)n);
}

/* ---- index ------------------------------------------------------------ */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

void nv_index_put(nv_index *ix, const char *key, int id)
{
    if ((ix->n + 1) * 2 > ix->cap) {
        nv_index old = *ix;
        ix->cap = old.cap ? old.cap * 2 : 16;
        ix->keys = nv_calloc((size_t)ix->cap, sizeof *ix->keys);
        ix->ids = nv_calloc((size_t)ix->cap, sizeof *ix->ids);
        ix->n = 0;
        for (int i = 0; i < old.cap; i++)
            if (old.keys[i])
                nv_index_put(ix, old.keys[i], old.ids[i]);
        free(old.keys);
        free(old.ids);
    }
    size_t m = (size_t)ix->cap - 1;
    for (size_t i = hash_str(key) & m;; i = (i + 1) & m) {
        if (!ix->keys[i]) {
            ix->keys[i] = key;
            ix->ids[i] = id;
            ix->n++;
            return;
        }
        if (strcmp(ix->keys[i], key) == 0) {
            ix->keys[i] = key;
            ix->ids[i] = id;
            return;
        }
    }
}

int nv_index_get(const nv_index *ix, const char *key)
{
    if (!ix->cap || !key)
        return -1;
    size_t m = (size_t)ix->cap - 1;
    for (size_t i = hash_str(key) & m; ix->keys[i]; i = (i + 1) & m)
        if (strcmp(ix->keys[i], key) == 0)
            return ix->ids[i];
    return -1;
}

void nv_index_free(nv_index *ix)
{
    free(ix->keys);
    free(ix->ids);
    memset(ix, 0, sizeof *ix);
}
