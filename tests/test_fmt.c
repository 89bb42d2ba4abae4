/*
 * test_fmt.c - nv_fmt_double (Python's repr of a float) against the
 * reference it replaced: the first precision from 1 to 17 whose %.*e reads
 * back, tried one by one.  Both must give the same text for every value
 * but powers of two where the reference missed a shorter form (see same()):
 * edge values (zeros, subnormals, the limits, powers of two and ten, the
 * fixed/exponent boundaries), random bit patterns over every exponent,
 * random short decimals and random values in [0, 1).
 *
 * NOVALID_FMT_COUNT sets how many random values of each kind (make check
 * sets it, make fmt-long sets ten million); without it (run directly, or
 * under valgrind) 2,000 of each and every fifth edge value are compared.
 * The count compared is printed.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"

/* The implementation nv_fmt_double had before, kept here as the reference. */
static void reference_fmt(char *out, size_t n, double d)
{
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
        char *dot = strchr(out, '.');
        if (dot) {
            char *end = out + strlen(out) - 1;
            while (end > dot + 1 && *end == '0')
                *end-- = '\0';
        }
        return;
    }
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

static long compared;
static long mismatches;
static long shorter;     /* powers of two where the reference is not shortest */

/* Significant digits of a repr string. */
static int sig_digits(const char *s)
{
    int n = 0, lead = 1, zeros = 0;
    for (; *s && *s != 'e'; s++) {
        if (*s < '0' || *s > '9')
            continue;
        if (lead && *s == '0')
            continue;
        lead = 0;
        n++;
        zeros = *s == '0' ? zeros + 1 : 0;
    }
    return n - zeros;
}

static void same(double d)
{
    char a[64], b[64];
    nv_fmt_double(a, sizeof a, d);
    reference_fmt(b, sizeof b, d);
    compared++;
    if (strcmp(a, b) == 0)
        return;
    /* At a power of two the interval of decimals that read back is twice
     * as wide above as below; the reference rounded to the nearest decimal
     * of each length and could miss a shorter one above (Python's repr
     * finds it: repr(2.0**-1017) is '7.120236347223045e-307').  Accept
     * exactly that: a power of two, fewer digits, reading back. */
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    if ((bits & ((1ull << 52) - 1)) == 0 && strtod(a, NULL) == d &&
        sig_digits(a) < sig_digits(b)) {
        shorter++;
        return;
    }
    if (mismatches < 10)
        fprintf(stderr, "%a: nv_fmt_double \"%s\", reference \"%s\"\n", d, a, b);
    mismatches++;
}

static void both_signs(double d)
{
    same(d);
    same(-d);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t next64(void)
{
    /* splitmix64: every bit pattern is reachable */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static long count_from_env(void)
{
    const char *v = getenv("NOVALID_FMT_COUNT");
    long n = v ? strtol(v, NULL, 10) : 0;
    return n > 0 ? n : 0;
}

static void test_edges(void **state)
{
    (void)state;
    int step = count_from_env() ? 1 : 5;
    static const double fixed[] = {
        0.0, 1.0, 0.5, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 16.0, 1e-4, 9.9999e-5, 1e-5, 1e15,
        1e16, 9999999999999998.0, 1e16 - 2, 1e17, 123456789012345678.0, 0.000123456789,
        2.311111111111111, 0.6666666666666666, 0.8666666666666667, 4.35, 100.0, 1e22, 1e23,
        5e-324, 1e-323, 2.2250738585072014e-308, 2.2250738585072009e-308, DBL_MAX, DBL_MIN,
        DBL_EPSILON, 1.7976931348623157e308, 9007199254740992.0, 9007199254740993.0,
        0.1 + 0.2, 1.05, 2.675, 1e-7, 1.5e-7, 123.456, 1e300, 1e-300};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        both_signs(fixed[i]);
    /* -0.0, nan, inf */
    same(-0.0);
    same(NAN);
    same(INFINITY);
    same(-INFINITY);
    /* every power of two, and its neighbours (binade boundaries) */
    for (int e = -1074; e <= 1023; e += step) {
        double p = ldexp(1.0, e);
        both_signs(p);
        both_signs(nextafter(p, 0.0));
        both_signs(nextafter(p, INFINITY));
    }
    /* powers of ten, their neighbours, and small multiples */
    for (int e = -323; e <= 308; e += step) {
        double p = pow(10.0, e);
        both_signs(p);
        both_signs(nextafter(p, 0.0));
        both_signs(nextafter(p, INFINITY));
        for (int k = 2; k <= 9; k++)
            both_signs(k * p);
    }
    /* subnormals: the smallest ones and a sweep */
    for (uint64_t m = 1; m < 4096; m += (uint64_t)step) {
        double d;
        memcpy(&d, &m, sizeof d);
        same(d);
    }
    /* integers up to and around 2^53, and from 2^53 to 10^16 (even
     * integers, shown in fixed notation) */
    for (int64_t k = 0; k < 2000; k += step) {
        both_signs((double)k);
        both_signs((double)((1LL << 53) - k));
        both_signs((double)((1LL << 53) + 2 * k));
        both_signs((double)(10000000000000000LL - 2 * k));
    }
    assert_int_equal(mismatches, 0);
}

static void test_random(void **state)
{
    (void)state;
    long n = count_from_env() ? count_from_env() : 2000;
    long before = compared;
    for (long i = 0; i < n; i++) {
        /* any bit pattern: every exponent, subnormals, nan and inf */
        uint64_t bits = next64();
        double d;
        memcpy(&d, &bits, sizeof d);
        same(d);
        /* short decimals, as scenario values and ratios are */
        uint64_t r = next64();
        double dec = (double)(int64_t)(r % 2000000000ULL) / pow(10.0, (double)((r >> 40) % 12));
        same(dec);
        /* values in [0, 1), as normalised weights are */
        same((double)(next64() >> 11) * 0x1.0p-53);
        /* quotients of small integers, as weights of small clouds are */
        same((double)(next64() % 100000) / (double)(next64() % 99999 + 1));
    }
    printf("compared %ld random values (%ld in all): %ld mismatches, %ld powers of two "
           "where the reference was not shortest\n", compared - before, compared, mismatches,
           shorter);
    assert_int_equal(mismatches, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
