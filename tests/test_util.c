/*
 * test_util.c - the util routines strangers' bytes pass through: escaping
 * for a terminal (every C0/C1 control, DEL, bytes that are not UTF-8, bidi
 * controls, zero-width and invisible characters) and JSON strings; the
 * name index.
 */
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model.h"
#include "util.h"

static void expect_escape(const char *in, const char *want)
{
    char *got = nv_term_escape(in);
    assert_string_equal(got, want);
    assert_int_equal(nv_term_safe(in), strcmp(in, want) == 0);
    /* the result is safe, and escaping it again changes nothing */
    assert_true(nv_term_safe(got));
    char *again = nv_term_escape(got);
    assert_string_equal(again, got);
    free(again);
    free(got);
}

static void test_plain_text_unchanged(void **st)
{
    (void)st;
    expect_escape("", "");
    expect_escape("host-1 m1.small 'quoted' \\ back", "host-1 m1.small 'quoted' \\ back");
    expect_escape("h\xc3\xb4te-\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80", "h\xc3\xb4te-\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
}

static void test_c0_and_del(void **st)
{
    (void)st;
    expect_escape("\x1b]0;PWNED\x07\x1b[2J", "\\x1b]0;PWNED\\x07\\x1b[2J");
    expect_escape("a\nfake: 100 passed, 0 failed", "a\\x0afake: 100 passed, 0 failed");
    expect_escape("\t\r\x7f\x01", "\\x09\\x0d\\x7f\\x01");
}

static void test_c1_and_invalid_utf8(void **st)
{
    (void)st;
    expect_escape("\xc2\x9b" "31m", "<U+009B>31m");        /* C1 CSI, encoded */
    expect_escape("\x9b" "31m", "\\x9b31m");               /* C1 CSI, raw byte */
    expect_escape("\xc0\xaf", "\\xc0\\xaf");               /* overlong '/' */
    expect_escape("\xed\xa0\x80", "\\xed\\xa0\\x80");      /* a surrogate */
    expect_escape("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* above U+10FFFF */
    expect_escape("\xe2\x80", "\\xe2\\x80");               /* truncated */
    expect_escape("\xff", "\\xff");
}

static void test_bidi_and_invisible(void **st)
{
    (void)st;
    expect_escape("host\xe2\x80\xae" "2", "host<U+202E>2");          /* RLO */
    expect_escape("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
                  "<U+202A><U+202B><U+202C><U+202D>");
    expect_escape("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
                  "<U+2066><U+2067><U+2068><U+2069>");               /* isolates */
    expect_escape("a\xe2\x80\x8b" "b\xe2\x80\x8c\xe2\x80\x8d\xe2\x80\x8e\xe2\x80\x8f",
                  "a<U+200B>b<U+200C><U+200D><U+200E><U+200F>");     /* zero width */
    expect_escape("\xe2\x80\xa8\xe2\x80\xa9\xef\xbb\xbf", "<U+2028><U+2029><U+FEFF>");
    expect_escape("\xd8\x9c", "<U+061C>");
    expect_escape("\xf3\xa0\x80\x81", "<U+E0001>");                  /* tag */
}

static void test_term_printf(void **st)
{
    (void)st;
    sbuf b = {0};
    sbuf_term_addf(&b, "%s: %d %5.1f %lld %zu %c %-6s|%*d %%\n", "a\x1b" "b", -3, 2.25,
                   (long long)1 << 40, (size_t)7, 'x', "ok", 4, 9);
    assert_string_equal(b.s, "a\\x1bb: -3   2.2 1099511627776 7 x ok    |   9 %\n");
    sbuf_free(&b);
    sbuf_term_addf(&b, "%s", "host\xe2\x80\xae");
    assert_string_equal(b.s, "host<U+202E>");
    sbuf_free(&b);
}

static void test_json_stays_exact(void **st)
{
    (void)st;
    sbuf b = {0};
    sbuf_json_str(&b, "\x1b[2J\n\xe2\x80\xae");
    assert_string_equal(b.s, "\"\\u001b[2J\\n\xe2\x80\xae\"");
    sbuf_free(&b);
    /* escapes between, before and after plain runs; DEL and UTF-8 pass */
    sbuf_json_str(&b, "\"a\\b\"\tc\rd\x7f\x01");
    assert_string_equal(b.s, "\"\\\"a\\\\b\\\"\\tc\\rd\x7f\\u0001\"");
    sbuf_reset(&b);
    sbuf_json_str(&b, "");
    sbuf_json_str(&b, NULL);
    sbuf_json_str(&b, "plain");
    assert_string_equal(b.s, "\"\"null\"plain\"");
    sbuf_free(&b);
}

/* States are interned: one pointer per text, and the I/O count (which
 * compares pointers) agrees with the resource tracker's list
 * (nova/compute/stats.py: vm_state building, or one of seven task states). */
static void test_states_interned(void **st)
{
    (void)st;
    char text[32];
    strcpy(text, "active");
    assert_ptr_equal(nv_intern(text), nv_intern("active"));
    assert_string_equal(nv_intern(text), "active");
    assert_null(nv_intern(NULL));
    strcpy(text, "a-state-of-its-own");
    const char *own = nv_intern(text);
    strcpy(text, "something else");
    assert_string_equal(own, "a-state-of-its-own");
    assert_ptr_equal(own, nv_intern("a-state-of-its-own"));
    /* many texts of their own: each keeps its one copy as the table grows */
    const char *first = NULL;
    for (int i = 0; i < 5000; i++) {
        snprintf(text, sizeof text, "task-%d", i);
        const char *p = nv_intern(text);
        assert_string_equal(p, text);
        if (!i)
            first = p;
    }
    assert_ptr_equal(nv_intern("task-0"), first);
    assert_ptr_equal(nv_intern("a-state-of-its-own"), own);
    server s = {.name = "vm"};
    static const char *const io_tasks[] = {"resize_migrating", "rebuilding", "resize_prep",
                                           "image_snapshot", "image_backup", "rescuing",
                                           "unshelving"};
    static const char *const other_tasks[] = {NULL, "scheduling", "migrating", "powering-off",
                                              "resize_finish", "deleting", "spawning"};
    for (size_t i = 0; i < sizeof io_tasks / sizeof io_tasks[0]; i++) {
        s.vm_state = nv_intern("active");
        s.task_state = nv_intern(io_tasks[i]);
        assert_true(vm_state_counts_io(&s));
    }
    for (size_t i = 0; i < sizeof other_tasks / sizeof other_tasks[0]; i++) {
        s.vm_state = nv_intern("active");
        s.task_state = nv_intern(other_tasks[i]);
        assert_false(vm_state_counts_io(&s));
        s.vm_state = nv_intern("building");
        assert_true(vm_state_counts_io(&s));
        s.vm_state = nv_intern("stopped");
        assert_false(vm_state_counts_io(&s));
    }
}

/* Names put and forgotten at random, in a table kept small enough that
 * probe runs wrap around its end: every name is found exactly while it is
 * in, after any deletions before or after it in its run. */
static void test_index_delete(void **st)
{
    (void)st;
    enum { N = 600 };
    static char names[N][16];
    int in[N];
    nv_index ix = {0};
    nv_index_reserve(&ix, N);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "vm-%05d", i);
        in[i] = -1;
    }
    nv_rng rng;
    nv_rng_seed(&rng, 7);
    for (int op = 0; op < 20000; op++) {
        int i = nv_rng_below(&rng, N);
        if (in[i] < 0) {
            in[i] = op;
            nv_index_put(&ix, names[i], op);
        } else if (nv_rng_below(&rng, 4)) {
            /* only the id it maps to is forgotten */
            assert_false(nv_index_del(&ix, names[i], in[i] + 1));
            assert_true(nv_index_del(&ix, names[i], in[i]));
            in[i] = -1;
        }
        if (op % 97 == 0)
            for (int k = 0; k < N; k++)
                assert_int_equal(nv_index_get(&ix, names[k]), in[k]);
    }
    int n = 0;
    for (int k = 0; k < N; k++) {
        assert_int_equal(nv_index_get(&ix, names[k]), in[k]);
        n += in[k] >= 0;
    }
    assert_int_equal(ix.n, n);
    assert_false(nv_index_del(&ix, "absent", 0));
    nv_index_free(&ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_states_interned),
        cmocka_unit_test(test_plain_text_unchanged),
        cmocka_unit_test(test_c0_and_del),
        cmocka_unit_test(test_c1_and_invalid_utf8),
        cmocka_unit_test(test_bidi_and_invisible),
        cmocka_unit_test(test_term_printf),
        cmocka_unit_test(test_json_stays_exact),
        cmocka_unit_test(test_index_delete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
