/*
 * util.c - see util.h.
 */
#include "util.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static void (*fatal_hook)(void);

/* Failure injection: with fail_at > 0 the fail_at-th allocation through
 * the wrappers below fails as if malloc had returned NULL. */
static long alloc_fail_at, alloc_count;

void nv_fail_alloc_after(long n)
{
    alloc_fail_at = n;
    alloc_count = 0;
}

static bool alloc_refused(void) { return alloc_fail_at > 0 && ++alloc_count >= alloc_fail_at; }

/* Out of memory is not a bug: a clear message and exit status 3, after
 * the cleanup hook (the UI restores the terminal); no core dump. */
static void __attribute__((noreturn)) out_of_memory(size_t n)
{
    if (fatal_hook) {
        void (*h)(void) = fatal_hook;
        fatal_hook = NULL;
        h();
    }
    fflush(stdout);
    fprintf(stderr, "novalid: out of memory (%zu bytes)\n", n);
    _exit(NV_EXIT_NOMEM);
}

void nv_set_fatal_hook(void (*hook)(void)) { fatal_hook = hook; }

double nv_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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
    void *p = alloc_refused() ? NULL : malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *nv_calloc(size_t nmemb, size_t size)
{
    void *p = alloc_refused() ? NULL : calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        out_of_memory(nmemb * size);
    return p;
}

void *nv_calloc_big(size_t n)
{
#ifdef MADV_HUGEPAGE
    const size_t huge = (size_t)2 << 20;
    if (n >= 2 * huge && !alloc_refused()) {
        size_t len = (n + huge - 1) & ~(huge - 1);
        void *p = aligned_alloc(huge, len);
        if (!p)
            out_of_memory(n);
        (void)madvise(p, len, MADV_HUGEPAGE);   /* a hint: without it, small pages */
        memset(p, 0, n);
        return p;
    }
#endif
    return nv_calloc(1, n);
}

void *nv_realloc(void *p, size_t n)
{
    void *q = alloc_refused() ? NULL : realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
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

void intvec_reserve(intvec *l, int n)
{
    if (n > l->cap) {
        l->v = nv_realloc(l->v, (size_t)n * sizeof *l->v);
        l->cap = n;
    }
}

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

void sbuf_reserve(sbuf *b, size_t extra)
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
        /* a run that needs no escape goes in at once */
        const unsigned char *run = p;
        while (*p >= 0x20 && *p != '"' && *p != '\\')
            p++;
        if (p > run)
            sbuf_addn(b, (const char *)run, (size_t)(p - run));
        if (!*p)
            break;
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

/*
 * The fewest significant digits (1 to 17) whose correctly rounded %.*e
 * form reads back as d, with that form in e, in at most three printf/strtod
 * pairs (the path for compilers without 128-bit integers; ryu.c is the
 * usual one).
 *
 * Why 15 first: any decimal D of at most 15 significant digits that reads
 * back as a normal double x lies within half an ulp of x, which is less
 * than half a unit in D's 15th digit (2^-53 * 10 < 0.5e-14), so x rounded
 * to 15 digits is D padded with zeros.  Hence if the 15-digit form reads
 * back, the shortest form is it without its trailing zeros; if not, no
 * form of 15 or fewer digits does, and 16 or 17 decide.  Subnormals have
 * fewer bits than that argument needs; they take the digit-by-digit path.
 */
static int shortest_digits(double d, char *e, size_t n)
{
    if (d != 0.0 && fabs(d) < DBL_MIN) {
        int prec = 1;
        for (; prec < 17; prec++) {
            snprintf(e, n, "%.*e", prec - 1, d);
            if (strtod(e, NULL) == d)
                return prec;
        }
        snprintf(e, n, "%.16e", d);
        return 17;
    }
    snprintf(e, n, "%.14e", d);
    if (strtod(e, NULL) == d) {
        const char *ep = strchr(e, 'e');
        int prec = 15;
        while (prec > 1 && ep[-1] == '0') {
            ep--;
            prec--;
        }
        return prec;
    }
    snprintf(e, n, "%.15e", d);
    if (strtod(e, NULL) == d)
        return 16;
    snprintf(e, n, "%.16e", d);
    return 17;
}

/* "00" to "99": two digits per division when writing a number */
static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Python's repr of a nonzero finite double from its shortest digits
 * (digits * 10^e, no trailing zeros): fixed notation when the decimal
 * exponent is in [-4, 16), else 1.5e+16 / 1e-05. */
static void repr_from_digits(char *out, size_t n, bool neg, uint64_t digits, int e)
{
    char ds[24], buf[48];
    int len = 0, k = 0;
    /* the shortest digits are up to 17: the low eight by 32-bit
     * arithmetic when there are more, then the rest, two at a time */
    uint32_t rest = (uint32_t)digits;
    if (digits >= 100000000) {
        uint32_t low = (uint32_t)(digits % 100000000);
        rest = (uint32_t)(digits / 100000000);
        for (int i = 0; i < 4; i++) {
            len += 2;
            memcpy(ds + sizeof ds - len, digit_pairs + 2 * (low % 100), 2);
            low /= 100;
        }
    }
    while (rest >= 100) {
        len += 2;
        memcpy(ds + sizeof ds - len, digit_pairs + 2 * (rest % 100), 2);
        rest /= 100;
    }
    if (rest >= 10) {
        len += 2;
        memcpy(ds + sizeof ds - len, digit_pairs + 2 * rest, 2);
    } else {
        ds[sizeof ds - 1 - len++] = (char)('0' + rest);
    }
    const char *dg = ds + sizeof ds - len;
    int exp10 = e + len - 1;
    if (neg)
        buf[k++] = '-';
    if (exp10 >= 16 || exp10 < -4) {
        buf[k++] = dg[0];
        if (len > 1) {
            buf[k++] = '.';
            memcpy(buf + k, dg + 1, (size_t)len - 1);
            k += len - 1;
        }
        int x = exp10 < 0 ? -exp10 : exp10;
        buf[k++] = 'e';
        buf[k++] = exp10 < 0 ? '-' : '+';
        if (x >= 100)
            buf[k++] = (char)('0' + x / 100);
        buf[k++] = (char)('0' + x / 10 % 10);
        buf[k++] = (char)('0' + x % 10);
    } else if (exp10 < 0) {
        buf[k++] = '0';
        buf[k++] = '.';
        for (int z = -1; z > exp10; z--)
            buf[k++] = '0';
        memcpy(buf + k, dg, (size_t)len);
        k += len;
    } else if (len <= exp10 + 1) {
        memcpy(buf + k, dg, (size_t)len);
        k += len;
        for (int z = len; z <= exp10; z++)
            buf[k++] = '0';
        buf[k++] = '.';
        buf[k++] = '0';
    } else {
        memcpy(buf + k, dg, (size_t)exp10 + 1);
        k += exp10 + 1;
        buf[k++] = '.';
        memcpy(buf + k, dg + exp10 + 1, (size_t)(len - exp10 - 1));
        k += len - exp10 - 1;
    }
    if (n == 0)
        return;
    if ((size_t)k >= n)
        k = (int)n - 1;
    memcpy(out, buf, (size_t)k);
    out[k] = '\0';
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
    if (d == 0.0) {
        snprintf(out, n, signbit(d) ? "-0.0" : "0.0");
        return;
    }
    uint64_t digits;
    int dexp;
    if (nv_shortest_digits(fabs(d), &digits, &dexp)) {
        repr_from_digits(out, n, d < 0, digits, dexp);
        return;
    }
    /* without 128-bit integers: printf and strtod */
    char e[40];
    int prec = shortest_digits(d, e, sizeof e);
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

uint64_t nv_hash(const void *p, size_t n)
{
    /* eight bytes a step (a 60 MB file in a few milliseconds) */
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ULL ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
        h ^= h >> 32;
    }
    for (; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    /* the low bits of a product depend on the low bits only: fold the high
     * bits in, or names that differ in a counter's digits share slots */
    h ^= h >> 32;
    h *= 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

static void index_insert(nv_index *ix, const char *key, uint32_t hash, int id)
{
    size_t m = (size_t)ix->cap - 1;
    for (size_t i = hash & m;; i = (i + 1) & m) {
        nv_index_slot *sl = &ix->slots[i];
        if (!sl->key) {
            sl->key = key;
            sl->hash = hash;
            sl->id = id;
            ix->n++;
            return;
        }
        if (sl->hash == hash && strcmp(sl->key, key) == 0) {
            sl->key = key;
            sl->id = id;
            return;
        }
    }
}

static void index_grow(nv_index *ix, int cap)
{
    nv_index old = *ix;
    ix->cap = cap;
    ix->slots = nv_calloc_big((size_t)cap * sizeof *ix->slots);
    ix->n = 0;
    for (int i = 0; i < old.cap; i++)
        if (old.slots[i].key)
            index_insert(ix, old.slots[i].key, old.slots[i].hash, old.slots[i].id);
    free(old.slots);
}

void nv_index_reserve(nv_index *ix, int n)
{
    int cap = ix->cap ? ix->cap : 16;
    while ((n + 1) * 2 > cap)
        cap *= 2;
    if (cap > ix->cap)
        index_grow(ix, cap);
}

void nv_index_copy(nv_index *dst, const nv_index *src, char *const *names, size_t stride)
{
    memset(dst, 0, sizeof *dst);
    if (!src->cap)
        return;
    dst->slots = nv_malloc((size_t)src->cap * sizeof *dst->slots);
    memcpy(dst->slots, src->slots, (size_t)src->cap * sizeof *dst->slots);
    dst->cap = src->cap;
    dst->n = src->n;
    for (int i = 0; i < dst->cap; i++)
        if (dst->slots[i].key)
            dst->slots[i].key =
                *(char *const *)(const void *)((const char *)names +
                                               (size_t)dst->slots[i].id * stride);
}

void nv_index_put(nv_index *ix, const char *key, int id)
{
    if ((ix->n + 1) * 2 > ix->cap)
        index_grow(ix, ix->cap ? ix->cap * 2 : 16);
    index_insert(ix, key, (uint32_t)hash_str(key), id);
}

int nv_index_get(const nv_index *ix, const char *key)
{
    if (!ix->cap || !key)
        return -1;
    uint32_t hash = (uint32_t)hash_str(key);
    size_t m = (size_t)ix->cap - 1;
    for (size_t i = hash & m; ix->slots[i].key; i = (i + 1) & m)
        if (ix->slots[i].hash == hash && strcmp(ix->slots[i].key, key) == 0)
            return ix->slots[i].id;
    return -1;
}

void nv_index_prefetch(const nv_index *ix, const char *key)
{
    if (ix->cap && key)
        __builtin_prefetch(&ix->slots[(uint32_t)hash_str(key) & (size_t)(ix->cap - 1)]);
}

bool nv_index_del(nv_index *ix, const char *key, int id)
{
    if (!ix->cap || !key)
        return false;
    uint32_t hash = (uint32_t)hash_str(key);
    size_t m = (size_t)ix->cap - 1, i = hash & m;
    for (; ix->slots[i].key; i = (i + 1) & m)
        if (ix->slots[i].hash == hash && strcmp(ix->slots[i].key, key) == 0)
            break;
    if (!ix->slots[i].key || ix->slots[i].id != id)
        return false;
    /* linear probing: shift back the entries after the hole whose home
     * slot is not between the hole and them, so every probe still finds
     * its key before an empty slot */
    size_t hole = i;
    for (size_t j = (i + 1) & m; ix->slots[j].key; j = (j + 1) & m) {
        size_t home = ix->slots[j].hash & m;
        bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (stays)
            continue;
        ix->slots[hole] = ix->slots[j];
        hole = j;
    }
    memset(&ix->slots[hole], 0, sizeof ix->slots[hole]);
    ix->n--;
    return true;
}

void nv_index_free(nv_index *ix)
{
    free(ix->slots);
    memset(ix, 0, sizeof *ix);
}

/* ---- bytes for a terminal ------------------------------------------------------ */

/* Code points a terminal would act on or hide: C1 controls, the bidi
 * embeddings, overrides and isolates, zero-width and invisible format
 * characters, line and paragraph separators, the byte order mark,
 * interlinear annotations and tag characters. */
static bool invisible_cp(uint32_t cp)
{
    static const uint32_t ranges[][2] = {
        {0x80, 0x9F},     {0x61C, 0x61C},   {0x180E, 0x180E}, {0x200B, 0x200F},
        {0x2028, 0x202E}, {0x2060, 0x206F}, {0xFEFF, 0xFEFF}, {0xFFF9, 0xFFFB},
        {0xE0000, 0xE007F},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (cp >= ranges[i][0] && cp <= ranges[i][1])
            return true;
    return false;
}

/* Length of the well-formed UTF-8 sequence at s (at most `left` bytes) and
 * its code point; 0 when the bytes are not one (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_decode(const unsigned char *s, size_t left, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (left < n || s[1] < lo || s[1] > hi)
        return 0;
    uint32_t v = c & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if (i > 1 && (s[i] < 0x80 || s[i] > 0xBF))
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return n;
}

void sbuf_add_term_n(sbuf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        const unsigned char *run = p;
        while (p < end && *p >= 0x20 && *p < 0x7F)
            p++;
        if (p > run)
            sbuf_addn(b, (const char *)run, (size_t)(p - run));
        if (p >= end)
            break;
        if (*p < 0x80) {
            sbuf_addf(b, "\\x%02x", *p);
            p++;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_decode(p, (size_t)(end - p), &cp);
        if (!n) {
            sbuf_addf(b, "\\x%02x", *p);
            p++;
        } else if (invisible_cp(cp)) {
            sbuf_addf(b, "<U+%04X>", (unsigned)cp);
            p += n;
        } else {
            sbuf_addn(b, (const char *)p, n);
            p += n;
        }
    }
}

void sbuf_add_term(sbuf *b, const char *s)
{
    if (s)
        sbuf_add_term_n(b, s, strlen(s));
}

bool nv_term_safe(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    while (left) {
        if (*p >= 0x20 && *p < 0x7F) {
            p++;
            left--;
            continue;
        }
        uint32_t cp;
        size_t n = *p < 0x80 ? 0 : utf8_decode(p, left, &cp);
        if (!n || invisible_cp(cp))
            return false;
        p += n;
        left -= n;
    }
    return true;
}

char *nv_term_escape(const char *s)
{
    sbuf b = {0};
    sbuf_add_term(&b, s ? s : "");
    if (!b.s)
        return nv_strdup("");
    return sbuf_take(&b);
}

/* printf into b with every %s argument passed through sbuf_add_term; the
 * format itself is the program's own text.  Handles the conversions the
 * program uses: flags, width and precision (also '*'), the length
 * modifiers hh h l ll z j t L, and d i o u x X c s p f F e E g G a A %. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
void sbuf_term_vaddf(sbuf *b, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    const char *f = fmt;
    while (*f) {
        const char *pct = strchr(f, '%');
        if (!pct) {
            sbuf_add(b, f);
            break;
        }
        sbuf_addn(b, f, (size_t)(pct - f));
        const char *q = pct + 1;
        char spec[64];
        size_t k = 0;
        spec[k++] = '%';
        int star[2], nstar = 0;
        while (*q && strchr("-+ #0", *q) && k < 40)
            spec[k++] = *q++;
        for (int part = 0; part < 2; part++) {
            if (part == 1) {
                if (*q != '.')
                    break;
                spec[k++] = *q++;
            }
            if (*q == '*') {
                star[nstar++] = va_arg(aq, int);
                spec[k++] = *q++;
            } else
                while (isdigit((unsigned char)*q) && k < 48)
                    spec[k++] = *q++;
        }
        int len = 0;   /* 1 h, 2 hh, 3 l, 4 ll, 5 z, 6 j, 7 t, 8 L */
        if (*q == 'h')
            len = q[1] == 'h' ? 2 : 1;
        else if (*q == 'l')
            len = q[1] == 'l' ? 4 : 3;
        else if (*q == 'z')
            len = 5;
        else if (*q == 'j')
            len = 6;
        else if (*q == 't')
            len = 7;
        else if (*q == 'L')
            len = 8;
        int lchars = len == 2 || len == 4 ? 2 : len ? 1 : 0;
        for (int i = 0; i < lchars; i++)
            spec[k++] = *q++;
        char conv = *q;
        if (!conv)
            break;
        spec[k++] = conv;
        spec[k] = '\0';
        q++;
        char tmp[512];
        tmp[0] = '\0';
        switch (conv) {
        case '%':
            sbuf_addc(b, '%');
            break;
        case 's': {
            const char *s = va_arg(aq, const char *);
            if (k == 2) {   /* a plain %s: straight in */
                sbuf_add_term(b, s ? s : "(null)");
                break;
            }
            sbuf e = {0};
            sbuf_add_term(&e, s ? s : "(null)");
            /* width and precision count the escaped text */
            if (nstar == 2)
                sbuf_addf(b, spec, star[0], star[1], e.s ? e.s : "");
            else if (nstar == 1)
                sbuf_addf(b, spec, star[0], e.s ? e.s : "");
            else
                sbuf_addf(b, spec, e.s ? e.s : "");
            sbuf_free(&e);
            break;
        }
#define NV_TERM_ARG(T)                                                          \
    do {                                                                       \
        T v = va_arg(aq, T);                                                    \
        if (nstar == 2)                                                         \
            snprintf(tmp, sizeof tmp, spec, star[0], star[1], v);               \
        else if (nstar == 1)                                                    \
            snprintf(tmp, sizeof tmp, spec, star[0], v);                        \
        else                                                                    \
            snprintf(tmp, sizeof tmp, spec, v);                                 \
    } while (0)
        case 'd': case 'i': case 'o': case 'u': case 'x': case 'X': case 'c':
            switch (len) {
            case 3: NV_TERM_ARG(long); break;
            case 4: NV_TERM_ARG(long long); break;
            case 5: NV_TERM_ARG(size_t); break;
            case 6: NV_TERM_ARG(intmax_t); break;
            case 7: NV_TERM_ARG(ptrdiff_t); break;
            default: NV_TERM_ARG(int); break;
            }
            if (conv == 'c') {
                sbuf_add_term(b, tmp);
                tmp[0] = '\0';
            }
            break;
        case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A':
            if (len == 8)
                NV_TERM_ARG(long double);
            else
                NV_TERM_ARG(double);
            break;
        case 'p':
            NV_TERM_ARG(void *);
            break;
        default:
            nv_fatal("sbuf_term_vaddf: unsupported conversion in \"%s\"", fmt);
        }
#undef NV_TERM_ARG
        sbuf_add(b, tmp);
        f = q;
    }
    va_end(aq);
}
#pragma GCC diagnostic pop

void sbuf_term_addf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sbuf_term_vaddf(b, fmt, ap);
    va_end(ap);
}
