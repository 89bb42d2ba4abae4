/*
 * json.c - see json.h.  Recursive descent with a depth limit.
 */
#include "json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define JSON_MAX_DEPTH 64

typedef struct jp {
    const char *p;
    char *err;
    int errlen;
    bool failed;
} jp;

static void fail(jp *j, const char *msg)
{
    if (!j->failed)
        snprintf(j->err, (size_t)j->errlen, "%s", msg);
    j->failed = true;
}

static void ws(jp *j)
{
    while (*j->p && isspace((unsigned char)*j->p))
        j->p++;
}

static bool parse_value(jp *j, jval *out, int depth);

static char *parse_string(jp *j)
{
    sbuf b = {0};
    j->p++;   /* opening quote */
    while (*j->p && *j->p != '"') {
        char c = *j->p++;
        if (c == '\\') {
            char e = *j->p++;
            switch (e) {
            case 'n': sbuf_addc(&b, '\n'); break;
            case 't': sbuf_addc(&b, '\t'); break;
            case 'r': sbuf_addc(&b, '\r'); break;
            case 'b': sbuf_addc(&b, '\b'); break;
            case 'f': sbuf_addc(&b, '\f'); break;
            case 'u': {
                unsigned v = 0;
                for (int k = 0; k < 4; k++) {
                    char h = *j->p;
                    if (!isxdigit((unsigned char)h)) {
                        fail(j, "bad \\u escape");
                        sbuf_free(&b);
                        return NULL;
                    }
                    v = v * 16 + (unsigned)(isdigit((unsigned char)h) ? h - '0'
                                                                      : (tolower(h) - 'a' + 10));
                    j->p++;
                }
                if (v < 0x80) {
                    sbuf_addc(&b, (char)v);
                } else if (v < 0x800) {
                    sbuf_addc(&b, (char)(0xC0 | (v >> 6)));
                    sbuf_addc(&b, (char)(0x80 | (v & 0x3F)));
                } else {
                    sbuf_addc(&b, (char)(0xE0 | (v >> 12)));
                    sbuf_addc(&b, (char)(0x80 | ((v >> 6) & 0x3F)));
                    sbuf_addc(&b, (char)(0x80 | (v & 0x3F)));
                }
                break;
            }
            case '\0':
                fail(j, "unterminated string");
                sbuf_free(&b);
                return NULL;
            default: sbuf_addc(&b, e); break;
            }
        } else {
            sbuf_addc(&b, c);
        }
    }
    if (*j->p != '"') {
        fail(j, "unterminated string");
        sbuf_free(&b);
        return NULL;
    }
    j->p++;
    return sbuf_take(&b);
}

static bool parse_value(jp *j, jval *out, int depth)
{
    memset(out, 0, sizeof *out);
    if (depth > JSON_MAX_DEPTH) {
        fail(j, "nested too deeply");
        return false;
    }
    ws(j);
    char c = *j->p;
    if (c == '"') {
        out->s = parse_string(j);
        out->t = J_STRING;
        return out->s != NULL;
    }
    if (c == '[' || c == '{') {
        bool obj = c == '{';
        out->t = obj ? J_OBJECT : J_LIST;
        j->p++;
        int cap = 0;
        ws(j);
        if (*j->p == (obj ? '}' : ']')) {
            j->p++;
            return true;
        }
        for (;;) {
            char *key = NULL;
            if (obj) {
                ws(j);
                if (*j->p != '"') {
                    fail(j, "expected a key");
                    return false;
                }
                key = parse_string(j);
                if (!key)
                    return false;
                ws(j);
                if (*j->p != ':') {
                    free(key);
                    fail(j, "expected ':'");
                    return false;
                }
                j->p++;
            }
            if (out->n >= cap) {
                cap = cap ? cap * 2 : 4;
                out->items = nv_realloc(out->items, (size_t)cap * sizeof *out->items);
                if (obj)
                    out->keys = nv_realloc(out->keys, (size_t)cap * sizeof *out->keys);
            }
            if (obj)
                out->keys[out->n] = key;
            if (!parse_value(j, &out->items[out->n], depth + 1)) {
                out->n++;
                return false;
            }
            out->n++;
            ws(j);
            if (*j->p == ',') {
                j->p++;
                continue;
            }
            if (*j->p == (obj ? '}' : ']')) {
                j->p++;
                return true;
            }
            fail(j, obj ? "expected ',' or '}'" : "expected ',' or ']'");
            return false;
        }
    }
    if (strncmp(j->p, "true", 4) == 0) {
        j->p += 4;
        out->t = J_BOOL;
        out->b = true;
        return true;
    }
    if (strncmp(j->p, "false", 5) == 0) {
        j->p += 5;
        out->t = J_BOOL;
        return true;
    }
    if (strncmp(j->p, "null", 4) == 0) {
        j->p += 4;
        out->t = J_NULL;
        return true;
    }
    if (c == '-' || isdigit((unsigned char)c)) {
        const char *s = j->p;
        bool isfloat = false;
        if (*j->p == '-')
            j->p++;
        while (isdigit((unsigned char)*j->p) || (*j->p && strchr(".eE+-", *j->p))) {
            if (strchr(".eE", *j->p))
                isfloat = true;
            j->p++;
        }
        char *end;
        if (isfloat) {
            out->t = J_FLOAT;
            out->d = strtod(s, &end);
        } else {
            out->t = J_INT;
            out->i = strtoll(s, &end, 10);
            out->d = (double)out->i;
        }
        if (end != j->p) {
            fail(j, "bad number");
            return false;
        }
        return true;
    }
    fail(j, "unexpected character");
    return false;
}

jval *json_parse(const char *text, char *err, int errlen)
{
    jp j = {text, err, errlen, false};
    jval *v = nv_calloc(1, sizeof *v);
    if (!parse_value(&j, v, 0)) {
        json_free(v);
        return NULL;
    }
    ws(&j);
    if (*j.p) {
        fail(&j, "trailing characters");
        json_free(v);
        return NULL;
    }
    return v;
}

void json_done(jval *v)
{
    if (!v)
        return;
    free(v->s);
    for (int i = 0; i < v->n; i++) {
        json_done(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    memset(v, 0, sizeof *v);
}

void json_free(jval *v)
{
    json_done(v);
    free(v);
}

const jval *json_get(const jval *obj, const char *key)
{
    if (!obj || obj->t != J_OBJECT)
        return NULL;
    for (int i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

void json_copy(jval *dst, const jval *src)
{
    *dst = *src;
    dst->s = nv_strdup(src->s);
    dst->items = NULL;
    dst->keys = NULL;
    if (src->n) {
        dst->items = nv_calloc((size_t)src->n, sizeof *dst->items);
        if (src->keys)
            dst->keys = nv_calloc((size_t)src->n, sizeof *dst->keys);
        for (int i = 0; i < src->n; i++) {
            json_copy(&dst->items[i], &src->items[i]);
            if (src->keys)
                dst->keys[i] = nv_strdup(src->keys[i]);
        }
    }
}
