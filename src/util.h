/*
 * util.h - allocation wrappers, growable arrays, string buffers.
 *
 * Allocation wrappers never return NULL: running out of memory runs the
 * registered cleanup hook (the UI restores the terminal there), prints
 * "novalid: out of memory (N bytes)" and exits with status NV_EXIT_NOMEM.
 *
 * Growable arrays are plain structs { T *v; int n, cap; } grown with
 * NV_PUSH(); they own their storage, not what the elements point to,
 * unless the owning module says so.
 */
#ifndef NOVALID_UTIL_H
#define NOVALID_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *nv_malloc(size_t n);
void *nv_calloc(size_t nmemb, size_t size);
/* n zeroed bytes for a large table read at random (an index): on huge
 * pages where the system allows, so that its reads miss the TLB less;
 * freed with free(). */
void *nv_calloc_big(size_t n);
void *nv_realloc(void *p, size_t n);
char *nv_strdup(const char *s);          /* NULL stays NULL */
char *nv_strndup(const char *s, size_t n);
char *nv_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* exit status when an allocation fails */
#define NV_EXIT_NOMEM 3
/* Tests: the n-th allocation from now on fails (0: none fails). */
void nv_fail_alloc_after(long n);

/* Seconds on the monotonic clock (for intervals only). */
double nv_seconds(void);

void nv_fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
/* Called by nv_fatal() and on running out of memory before they print
 * (the UI restores the terminal). */
void nv_set_fatal_hook(void (*hook)(void));

/* Grow array `a` (struct with v, n, cap) by one and return the new slot. */
#define NV_GROW(a)                                                         \
    do {                                                                   \
        if ((a).n >= (a).cap) {                                            \
            (a).cap = (a).cap ? (a).cap * 2 : 8;                           \
            (a).v = nv_realloc((a).v, (size_t)(a).cap * sizeof *(a).v);    \
        }                                                                  \
    } while (0)
#define NV_PUSH(a, x)                                                      \
    do {                                                                   \
        NV_GROW(a);                                                        \
        (a).v[(a).n++] = (x);                                              \
    } while (0)

/* A list of ints (ids). */
typedef struct intvec {
    int *v;
    int n, cap;
} intvec;
/* inline: the scheduler pushes every host of a large cloud */
static inline void intvec_push(intvec *l, int x) { NV_PUSH(*l, x); }
void intvec_free(intvec *l);
/* Room for n ints in all, so that pushes up to n do not reallocate. */
void intvec_reserve(intvec *l, int n);
void intvec_copy(intvec *dst, const intvec *src);
int intvec_find(const intvec *l, int x);      /* index or -1 */
void intvec_remove(intvec *l, int x);         /* first occurrence */

/* A list of owned strings. */
typedef struct strlist {
    char **v;
    int n, cap;
} strlist;

void strlist_push(strlist *l, const char *s);
void strlist_free(strlist *l);
void strlist_copy(strlist *dst, const strlist *src);
int strlist_find(const strlist *l, const char *s);      /* -1 if absent */
int strlist_find_ci(const strlist *l, const char *s);   /* case-insensitive */

/* An ordered list of owned key=value pairs (keys may repeat). */
typedef struct kv {
    char *key, *value;
} kv;
typedef struct kvlist {
    kv *v;
    int n, cap;
} kvlist;

void kvlist_push(kvlist *l, const char *key, const char *value);
void kvlist_free(kvlist *l);
void kvlist_copy(kvlist *dst, const kvlist *src);
const char *kvlist_get(const kvlist *l, const char *key); /* first match */
/* Split "key=value" on the first '='; false if there is no '='. */
bool kv_split(const char *s, char **key, char **value);

/* A growable string buffer. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

void sbuf_add(sbuf *b, const char *s);
/* room for `extra` more bytes and a terminating NUL */
void sbuf_reserve(sbuf *b, size_t extra);
void sbuf_addn(sbuf *b, const char *s, size_t n);
void sbuf_addf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_vaddf(sbuf *b, const char *fmt, va_list ap);
void sbuf_addc(sbuf *b, char c);
void sbuf_json_str(sbuf *b, const char *s);   /* quoted, escaped; NULL -> null */
void sbuf_json_num(sbuf *b, double d);         /* shortest round-trip form */
/* Empty it (keeps its memory). */
static inline void sbuf_reset(sbuf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}
void sbuf_free(sbuf *b);
char *sbuf_take(sbuf *b);                      /* caller owns; b is reset */

/* Bytes for a terminal.  Names and messages come from files strangers
 * send; before any of them reaches a terminal (text output, check lines,
 * errors, the UI) it goes through these, which show what a terminal would
 * act on or hide instead of passing it: C0 controls and DEL as \x1b,
 * bytes that are not UTF-8 as \xff, C1 controls, bidi embeddings,
 * overrides and isolates (U+202A-202E, U+2066-2069, U+061C), zero-width
 * and invisible characters (U+200B-200F, U+2060-2064), line and paragraph
 * separators (U+2028, U+2029), U+FEFF and tag characters as <U+202E>.
 * Everything else passes unchanged, so ordinary text is untouched and
 * escaping twice changes nothing.  JSON output does not use these: it
 * stays exact, with JSON's own escapes. */
void sbuf_add_term(sbuf *b, const char *s);             /* NULL adds nothing */
void sbuf_add_term_n(sbuf *b, const char *s, size_t n);
bool nv_term_safe(const char *s);                       /* nothing to escape */
char *nv_term_escape(const char *s);                    /* caller frees */
/* printf with every %s argument escaped as above (the format is trusted). */
void sbuf_term_addf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_term_vaddf(sbuf *b, const char *fmt, va_list ap);

/* Format a double the way Python's repr() does (1.0, 0.5, 1e-06, 16.0). */
void nv_fmt_double(char *out, size_t n, double d);
/* The shortest decimal digits that read back as d (finite, nonzero), the
 * one nearest d among them: d ~ digits * 10^exp10 (ryu.c).  false when d is
 * zero, nan or inf, or the build has no 128-bit integers. */
bool nv_shortest_digits(double d, uint64_t *digits, int *exp10);

/* Split `s` on `sep`, strip blanks, drop empty parts (Nova's set split). */
void nv_split_strip(strlist *out, const char *s, char sep);

bool nv_streq(const char *a, const char *b);   /* NULL-safe */
bool nv_strcaseeq(const char *a, const char *b);

/* Edit distance, for "did you mean" suggestions. */
int nv_levenshtein(const char *a, const char *b);

/* Deterministic PRNG (xorshift64*), seeded per run. */
typedef struct nv_rng {
    uint64_t s;
} nv_rng;
void nv_rng_seed(nv_rng *r, uint64_t seed);
uint64_t nv_rng_next(nv_rng *r);
int nv_rng_below(nv_rng *r, int n);   /* uniform in [0, n) */

/* Name -> id hash index (open addressing; names are borrowed).  Each slot
 * keeps the name's hash, so a probe compares strings only on a hash match
 * and growing never reads the names again. */
typedef struct nv_index_slot {
    const char *key;            /* NULL: empty */
    uint32_t hash;
    int id;
} nv_index_slot;
typedef struct nv_index {
    nv_index_slot *slots;
    int cap, n;
} nv_index;
void nv_index_put(nv_index *ix, const char *key, int id);
int nv_index_get(const nv_index *ix, const char *key);   /* -1 if absent */
/* Start bringing key's slot into the cache: a loop that will look up many
 * names of a large index asks a few names ahead, so that the lookups'
 * cache misses overlap instead of following one another. */
void nv_index_prefetch(const nv_index *ix, const char *key);
/* Forget `key` if it maps to `id`; false if it does not. */
bool nv_index_del(nv_index *ix, const char *key, int id);
/* Make room for n names in all without growing again. */
void nv_index_reserve(nv_index *ix, int n);
/* dst (empty) becomes a copy of src whose keys are the names of the same
 * ids in another array of structs (equal strings, owned there): `names`
 * points at element 0's name member, `stride` is the struct size.  No
 * hashing, no probing: what copying a cloud's indexes costs. */
void nv_index_copy(nv_index *dst, const nv_index *src, char *const *names, size_t stride);
void nv_index_free(nv_index *ix);

/* A 64-bit hash of n bytes: telling whether a file is still the one read. */
uint64_t nv_hash(const void *p, size_t n);

#endif
